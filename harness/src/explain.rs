//! `chrlab explain <check-id>`: what one check proves, how, how bad its failure is and why, the
//! MikroTik recommendation it comes from, and the RouterOS commands that make it pass (the steps
//! its measure renders for the profile).

use std::fmt::Write as _;
use std::net::IpAddr;

use crate::measures::{self, CheckDef, MeasureDef};
use crate::profile::Profile;
use crate::render::{RenderContext, Reveal};

/// An id that names no check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{id}` is no check of chrlab{}", hint(.close))]
pub struct UnknownCheck {
    /// The id asked for (escaped).
    pub id: String,
    /// The closest registered ids, best first.
    pub close: Vec<&'static str>,
}

fn hint(close: &[&str]) -> String {
    if close.is_empty() {
        let measures: Vec<&str> = measures::REGISTRY
            .iter()
            .map(|m| m.measure.slug())
            .collect();
        format!(
            "; ids are `<measure>.<name>`, the measures {}",
            measures.join(", ")
        )
    } else {
        format!("; did you mean {}?", close.join(", "))
    }
}

/// Stands in for the management address in a fix when neither the profile nor the caller names
/// one (RFC 5737 documentation address), and the text says so.
pub const STAND_IN_SOURCE: std::net::IpAddr =
    std::net::IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 10));

/// The explanation of check `id` under `profile` (named `profile_name`), as printed; the fix
/// admits `harness_source` (the address chrlab or the administrator manages the router from).
pub fn explain(
    id: &str,
    profile: &Profile,
    profile_name: &str,
    harness_source: Option<IpAddr>,
) -> Result<String, UnknownCheck> {
    let (m, c) = measures::find(id).ok_or_else(|| UnknownCheck {
        id: crate::printable::escape(id).into_owned(),
        close: crate::waiver::close_ids(id),
    })?;
    Ok(render(m, c, profile, profile_name, harness_source))
}

fn render(
    m: &MeasureDef,
    c: &CheckDef,
    profile: &Profile,
    profile_name: &str,
    harness_source: Option<IpAddr>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}", c.id, c.title);
    let _ = writeln!(out, "measure:   {}", m.measure);
    let _ = writeln!(out, "severity:  {} ({})", c.severity, c.rationale);
    let _ = writeln!(out, "how:       {}", c.how);
    let _ = writeln!(out, "advice:    {}", c.advice);
    let _ = writeln!(out);
    let mut stand_in = false;
    let mut source = harness_source;
    if source.is_none() && profile.allowed_sources(None).is_empty() {
        source = Some(STAND_IN_SOURCE);
        stand_in = true;
    }
    let ctx = RenderContext::new(profile, source);
    let sources = profile.allowed_sources(source);
    let steps = (m.steps)(profile, &ctx, &sources);
    // The step that carries the check's own id, when there is one; else the measure's steps.
    let own: Vec<_> = steps.iter().filter(|s| s.id == c.id).collect();
    let shown: Vec<_> = if own.is_empty() {
        steps.iter().collect()
    } else {
        own
    };
    if shown.is_empty() {
        let _ = writeln!(
            out,
            "fix: {profile_name} asks nothing of this measure, so chrlab applies no step for it"
        );
        return out;
    }
    let _ = writeln!(
        out,
        "fix: the steps chrlab applies for {profile_name} (passwords shown as ***):"
    );
    if stand_in {
        let _ = writeln!(
            out,
            "  # {STAND_IN_SOURCE} stands in for your management address: pass --harness-source ADDRESS"
        );
    }
    for s in shown {
        let _ = writeln!(out, "  # [{}] {}", s.id, s.description);
        for line in s.script(Reveal::Redacted).lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_explains_itself() {
        let profile = Profile::baseline();
        for (_, c) in measures::checks() {
            let text = explain(c.id, &profile, "profiles/baseline.toml", None).unwrap();
            assert!(
                text.starts_with(&format!("{}: {}\n", c.id, c.title)),
                "{text}"
            );
            assert!(
                text.contains(&format!("severity:  {} ({})", c.severity, c.rationale)),
                "{text}"
            );
            assert!(text.contains(c.how) && text.contains(c.advice), "{text}");
            assert!(text.contains("\nfix"), "{text}");
        }
    }

    #[test]
    fn the_fix_shows_the_profiles_commands() {
        let text = explain(
            "services.moved",
            &Profile::baseline(),
            "profiles/baseline.toml",
            None,
        )
        .unwrap();
        assert!(
            text.contains("192.0.2.10 stands in for your management address"),
            "{text}"
        );
        assert!(text.contains("severity:  low"), "{text}");
        assert!(text.contains("/ip service"), "{text}");
        assert!(text.contains("port=2222"), "{text}");
    }

    #[test]
    fn an_unknown_id_lists_close_ids() {
        let e = explain("services.move", &Profile::baseline(), "p", None).unwrap_err();
        assert_eq!(e.close.first(), Some(&"services.moved"));
        assert!(
            e.to_string()
                .starts_with("`services.move` is no check of chrlab; did you mean services.moved"),
            "{e}"
        );
        let e = explain("zzz", &Profile::baseline(), "p", None).unwrap_err();
        assert!(e.close.is_empty());
        assert!(
            e.to_string().contains("the measures update, services"),
            "{e}"
        );
    }
}
