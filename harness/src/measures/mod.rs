//! The measures: one module each, registered once in [`REGISTRY`]. A measure owns its checks
//! (ids and titles declared once, as [`CheckDef`]s, in report order) and its pure judge; the
//! suites, the reports and the audit enumerate them from here.
//!
//! Adding a measure: a module `measures/<name>/` with its `CheckDef`s and a `MEASURE`, and one
//! line in [`REGISTRY`].

pub mod device;
pub mod firewall;
pub mod input;
pub mod ipv6;
pub mod layer2;
pub mod listeners;
pub mod logging;
pub mod services;
pub mod ssh;
pub mod update;
pub mod users;

use crate::check::Observation;
use crate::outcome::{CheckResult, Measure, Outcome, Severity};
use crate::profile::{Cidr, Profile};
use crate::render::{RenderContext, Step};

/// One check: its stable id and a one-line summary of what it proves (a result's own title may
/// say it more precisely, with the profile's names filled in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckDef {
    /// Stable slug, `<measure>.<name>`; never changes between releases.
    pub id: &'static str,
    /// What the check proves, in one line.
    pub title: &'static str,
    /// How bad a failure is.
    pub severity: Severity,
    /// Why this severity, in one line (the exposure a failure leaves).
    pub rationale: &'static str,
    /// How the check proves it: black box (a probe or a login from a vantage) and white box
    /// (the configuration read back), in one line.
    pub how: &'static str,
    /// The MikroTik recommendation the check comes from: the document and what it says to do.
    pub advice: &'static str,
}

/// One measure: what it is, its checks, and the judge that gives their verdicts.
#[derive(Debug)]
pub struct MeasureDef {
    /// Which measure.
    pub measure: Measure,
    /// Its checks, in report order: exactly the ids its judge returns, in that order.
    pub checks: &'static [CheckDef],
    /// Menus it reads besides the core ones every audit reads (REST paths, `/tool/mac-server`):
    /// the observation holds each ([`Observation::menu`]), and so does the state kept for undo.
    pub reads: &'static [&'static str],
    /// Pure: the verdicts on an observation, one per check.
    pub judge: fn(&Profile, &Observation) -> Vec<CheckResult>,
    /// The steps that apply the profile's section (each with its [`crate::render::Phase`]);
    /// `sources` are the allowed management sources, the harness's own included.
    pub steps: fn(&Profile, &RenderContext, &[Cidr]) -> Vec<Step>,
    /// The commands that would undo one of its steps, given the router's state before the
    /// apply (for the journal a failure or a signal prints).
    pub undo: fn(&Step, &Profile, &crate::apply::Before) -> Vec<String>,
    /// Its own black-box probes (a DNS query, an SSH handshake with weak algorithms, an MNDP
    /// listen), run from every vantage alongside the TCP port matrix; what they saw is in
    /// [`Observation::sightings`] for its judge.
    pub probe: Option<crate::probe::MeasureProbe>,
}

/// Every measure, in report order (the seed article's).
pub static REGISTRY: [&MeasureDef; 11] = [
    &update::MEASURE,
    &services::MEASURE,
    &firewall::MEASURE,
    &users::MEASURE,
    &logging::MEASURE,
    &layer2::MEASURE,
    &listeners::MEASURE,
    &ssh::MEASURE,
    &ipv6::MEASURE,
    &input::MEASURE,
    &device::MEASURE,
];

/// Every menu some measure declares in [`MeasureDef::reads`], once each, in registry order.
pub fn extra_reads() -> Vec<&'static str> {
    let mut menus: Vec<&'static str> = Vec::new();
    for m in REGISTRY {
        for r in m.reads {
            if !menus.contains(r) {
                menus.push(r);
            }
        }
    }
    menus
}

/// Judges every measure, in report order.
pub fn judge(profile: &Profile, obs: &Observation) -> Vec<CheckResult> {
    REGISTRY
        .iter()
        .flat_map(|m| (m.judge)(profile, obs))
        .collect()
}

/// Every check of every measure, in report order.
pub fn checks() -> impl Iterator<Item = (&'static MeasureDef, &'static CheckDef)> {
    REGISTRY
        .iter()
        .flat_map(|m| m.checks.iter().map(move |c| (*m, c)))
}

/// The checks of one measure.
pub fn checks_of(measure: Measure) -> &'static [CheckDef] {
    REGISTRY
        .iter()
        .find(|m| m.measure == measure)
        .map(|m| m.checks)
        .unwrap_or(&[])
}

/// One property of a single-row menu a measure declared in its `reads`, or the verdict when
/// it cannot be had: *not verifiable*, with the read's error or the missing key.
pub(crate) fn setting(obs: &Observation, menu: &str, key: &str) -> Result<String, Outcome> {
    let rows = obs.menu(menu).map_err(crate::check::unreadable)?;
    rows.iter()
        .flatten()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .ok_or_else(|| Outcome::Skip(format!("not verifiable: {menu} has no {key}")))
}

/// Whether a RouterOS boolean is on (`yes` over the CLI, `true` over REST).
pub(crate) fn is_on(value: &str) -> bool {
    matches!(value, "yes" | "true")
}

/// The check with this id.
pub fn find(id: &str) -> Option<(&'static MeasureDef, &'static CheckDef)> {
    checks().find(|(_, c)| c.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_judge_returns_exactly_its_declared_checks_in_order() {
        let profile = Profile::baseline();
        let obs = Observation::nothing_read("nowhere", "no router");
        for m in REGISTRY {
            let results = (m.judge)(&profile, &obs);
            let ids: Vec<&str> = results.iter().map(|r| r.id.as_str()).collect();
            let declared: Vec<&str> = m.checks.iter().map(|c| c.id).collect();
            assert_eq!(ids, declared, "{:?}", m.measure);
            for r in (m.judge)(&profile, &obs) {
                assert_eq!(r.measure, m.measure);
                assert_ne!(
                    r.outcome,
                    crate::outcome::Outcome::Pass,
                    "{} passed with nothing read",
                    r.id
                );
            }
        }
    }

    #[test]
    fn ids_are_unique_and_named_after_their_measure() {
        let mut seen = std::collections::BTreeSet::new();
        for (m, c) in checks() {
            assert!(seen.insert(c.id), "{} declared twice", c.id);
            assert!(
                c.id.starts_with(&format!("{}.", m.measure.slug())),
                "{}",
                c.id
            );
            assert!(!c.title.is_empty());
            for (what, text) in [
                ("rationale", c.rationale),
                ("how", c.how),
                ("advice", c.advice),
            ] {
                assert!(!text.is_empty(), "{} has no {what}", c.id);
                assert!(!text.contains('\n'), "{}'s {what} is one line", c.id);
            }
            assert!(
                c.how.contains("black box") || c.how.contains("white box"),
                "{}",
                c.id
            );
            assert!(c.advice.starts_with("MikroTik") || c.advice.starts_with("the seed"));
        }
        assert_eq!(
            find("users.default-admin-refused").unwrap().1.severity,
            Severity::Critical
        );
        assert_eq!(
            find("firewall.rules").unwrap().1.title,
            firewall::RULES.title
        );
        assert!(find("firewall.nope").is_none());
        assert_eq!(checks_of(Measure::Logging).len(), 5);
    }
}
