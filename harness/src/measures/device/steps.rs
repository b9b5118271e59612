//! The steps that apply `[device]` (see [`crate::render`] for the order and form of steps).
//!
//! Which interfaces are unused is the router's to say: with the router's state before the apply
//! ([`RenderContext::before`]) the step names each interface it disables; without it (a script
//! rendered offline) the step is a comment saying what the applier would decide.

use routeros::quote::value;

use super::reach::{Reach, ethernets, reach};
use super::{ADDRESS_MENU, DEVICE_MODE_MENU, ETHERNET_MENU};
use crate::apply::Before;
use crate::measures::is_on;
use crate::outcome::Measure;
use crate::profile::{Cidr, Profile};
use crate::render::{Effect, Phase, RenderContext, RunAs, ScriptLine, Step};

/// Id of the interfaces step.
pub(crate) const INTERFACES_STEP: &str = "device.unused-interfaces";
/// Id of the device-mode step.
pub(crate) const MODE_STEP: &str = "device.mode";

/// The interfaces step, then the device-mode step (when the profile wants a feature off that
/// may be on).
pub(super) fn steps(p: &Profile, ctx: &RenderContext, _sources: &[Cidr]) -> Vec<Step> {
    let mut out = Vec::new();
    if p.device.disable_unused {
        out.push(interfaces_step(p, ctx));
    }
    if let Some(s) = mode_step(p, ctx) {
        out.push(s);
    }
    out
}

fn comment(text: String) -> ScriptLine {
    // One line: a comment runs to the end of its line.
    ScriptLine::text(format!("# {}", crate::printable::escape(&text)))
}

fn interfaces_step(p: &Profile, ctx: &RenderContext) -> Step {
    let used = if p.device.used_interfaces.is_empty() {
        "none".to_string()
    } else {
        p.device.used_interfaces.join(", ")
    };
    let mut lines = Vec::new();
    let description;
    let decided = ctx.before.as_ref().and_then(|b| {
        let rows = b.menus.get(ETHERNET_MENU)?;
        let addresses = b.menus.get(ADDRESS_MENU)?;
        let all = ethernets(rows);
        Some((
            reach(&all, addresses, ctx.router_address, &ctx.vantage_sources),
            all,
        ))
    });
    match decided {
        None => {
            description = format!(
                "disable every ethernet interface that is neither in used_interfaces ({used}) nor the harness's path, chosen from the router at apply time"
            );
            lines.push(comment(
                "chosen at apply time from /interface ethernet and /ip address: every ethernet interface not in device.used_interfaces and not carrying the address the harness reaches the router at is disabled".into(),
            ));
        }
        Some((Reach::Unknown(why), _)) => {
            description = format!("no interface disabled: {why}");
            lines.push(comment(format!("nothing disabled: {why}")));
        }
        Some((Reach::Through(path, _), all)) => {
            let off: Vec<_> = all
                .iter()
                .filter(|e| {
                    !e.disabled
                        && !path.contains(&e.name)
                        && !p.device.used_interfaces.contains(&e.name)
                })
                .collect();
            description = if off.is_empty() {
                format!(
                    "every unused ethernet interface is disabled already (the harness's path: {})",
                    path.join(", ")
                )
            } else {
                format!(
                    "disable the unused ethernet interfaces {} (the harness's path: {}; used: {used})",
                    off.iter()
                        .map(|e| e.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    path.join(", ")
                )
            };
            for e in off {
                lines.push(ScriptLine::text(format!(
                    "/interface ethernet set [find default-name={}] disabled=yes",
                    value(&e.default_name)
                )));
            }
        }
    }
    Step {
        id: INTERFACES_STEP,
        measure: Measure::Device,
        description,
        lines,
        verify: vec![],
        run_as: RunAs::Current,
        phase: Phase::Interfaces,
        effects: vec![],
        only_where: None,
    }
}

fn mode_step(p: &Profile, ctx: &RenderContext) -> Option<Step> {
    let want = &p.device.mode_features_off;
    if want.is_empty() {
        return None;
    }
    // Already off everywhere (read before the apply): nothing to confirm, no power cycle; the
    // step stays, so every apply has the same steps.
    let already_off = ctx
        .before
        .as_ref()
        .and_then(|b| b.menus.get(DEVICE_MODE_MENU))
        .and_then(|rows| rows.first())
        .is_some_and(|row| {
            want.iter().all(|f| {
                row.iter()
                    .find(|(k, _)| k == f)
                    .is_some_and(|(_, v)| !is_on(v))
            })
        });
    let (lines, effects) = if already_off {
        (
            vec![comment(format!(
                "device-mode has {} off already: nothing to update or confirm",
                want.join(", ")
            ))],
            vec![],
        )
    } else {
        let args: Vec<String> = want.iter().map(|f| format!("{}=no", value(f))).collect();
        (
            vec![ScriptLine::text(format!(
                "/system device-mode update {}",
                args.join(" ")
            ))],
            vec![Effect::ConfirmedAtDevice],
        )
    };
    Some(Step {
        id: MODE_STEP,
        measure: Measure::Device,
        description: format!("device-mode: {} off", want.join(", ")),
        lines,
        verify: vec![],
        run_as: RunAs::Current,
        phase: Phase::DeviceMode,
        effects,
        only_where: Some(DEVICE_MODE_MENU),
    })
}

/// Interfaces back as they were; device-mode cannot be undone remotely either.
pub(super) fn undo(step: &Step, _profile: &Profile, before: &Before) -> Vec<String> {
    match step.id {
        INTERFACES_STEP => step
            .lines
            .iter()
            .map(|l| l.render(crate::render::Reveal::Redacted))
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.replace("disabled=yes", "disabled=no"))
            .collect(),
        // Nothing was sent.
        _ if !step.has(Effect::ConfirmedAtDevice) => Vec::new(),
        _ => {
            let Some(row) = before.menus.get(DEVICE_MODE_MENU).and_then(|r| r.first()) else {
                return vec!["# device-mode before the apply could not be read".into()];
            };
            let args: Vec<String> = row
                .iter()
                .filter(|(k, _)| routeros::device_mode::is_feature(k))
                .map(|(k, v)| format!("{}={}", value(k), if is_on(v) { "yes" } else { "no" }))
                .collect();
            vec![
                format!("/system device-mode update {}", args.join(" ")),
                "# then confirm at the router: cut its power or press its reset or mode button within the activation timeout".into(),
            ]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use std::sync::Arc;

    fn row(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn ctx(before: Option<Before>) -> RenderContext {
        RenderContext {
            harness_source: "192.0.2.10".parse().ok(),
            harness_source6: None,
            password: Secret::new("x"),
            router_address: "192.0.2.1".parse().ok(),
            vantage_sources: vec!["192.0.2.10".parse().unwrap()],
            before: before.map(Arc::new),
        }
    }

    fn before(sniffer: &str) -> Before {
        let mut b = Before::default();
        b.menus.insert(
            ETHERNET_MENU,
            vec![
                row(&[
                    ("name", "ether1"),
                    ("default-name", "ether1"),
                    ("disabled", "false"),
                ]),
                row(&[
                    ("name", "spare \"x\""),
                    ("default-name", "ether2"),
                    ("disabled", "false"),
                ]),
                row(&[
                    ("name", "ether3"),
                    ("default-name", "ether3"),
                    ("disabled", "true"),
                ]),
            ],
        );
        b.menus.insert(
            ADDRESS_MENU,
            vec![row(&[("address", "192.0.2.1/24"), ("interface", "ether1")])],
        );
        let mut mode = vec![("mode".to_string(), "advanced".to_string())];
        for (f, v) in routeros::device_mode::FEATURES {
            let v = if *f == "sniffer" {
                sniffer
            } else if *v == "yes" && *f != "sniffer" {
                "no"
            } else {
                v
            };
            mode.push((f.to_string(), v.to_string()));
        }
        b.menus.insert(DEVICE_MODE_MENU, vec![mode]);
        b
    }

    fn lines(s: &Step) -> Vec<String> {
        s.lines
            .iter()
            .map(|l| l.render(crate::render::Reveal::Redacted))
            .collect()
    }

    #[test]
    fn only_the_unused_enabled_interfaces_are_disabled_by_default_name() {
        let all = steps(&Profile::baseline(), &ctx(Some(before("yes"))), &[]);
        let s = all.iter().find(|s| s.id == INTERFACES_STEP).unwrap();
        assert_eq!(
            lines(s),
            ["/interface ethernet set [find default-name=ether2] disabled=yes"]
        );
        assert!(s.description.contains("spare"), "{}", s.description);
        // Offline: a comment only, never a guess.
        let offline = steps(&Profile::baseline(), &ctx(None), &[]);
        let s = offline.iter().find(|s| s.id == INTERFACES_STEP).unwrap();
        assert!(lines(s).iter().all(|l| l.starts_with('#')));
        let undo = undo(&all[0], &Profile::baseline(), &before("yes"));
        assert_eq!(
            undo,
            ["/interface ethernet set [find default-name=ether2] disabled=no"]
        );
    }

    #[test]
    fn device_mode_is_asked_only_when_a_feature_is_on_and_needs_confirmation() {
        let all = steps(&Profile::baseline(), &ctx(Some(before("yes"))), &[]);
        let s = all.iter().find(|s| s.id == MODE_STEP).unwrap();
        assert!(s.has(Effect::ConfirmedAtDevice));
        assert_eq!(s.only_where, Some(DEVICE_MODE_MENU));
        let l = lines(s);
        assert!(
            l[0].starts_with("/system device-mode update container=no traffic-gen=no sniffer=no"),
            "{l:?}"
        );
        let again = steps_of(&before("no"));
        let s = again.iter().find(|s| s.id == MODE_STEP).unwrap();
        assert!(
            !s.has(Effect::ConfirmedAtDevice),
            "all off already: no power cycle"
        );
        assert!(lines(s).iter().all(|l| l.starts_with('#')));
    }

    fn steps_of(b: &Before) -> Vec<Step> {
        let b2 = Before {
            menus: b.menus.clone(),
            ..Before::default()
        };
        steps(&Profile::baseline(), &ctx(Some(b2)), &[])
    }
}
