//! The device verdicts: unused ethernet interfaces disabled, device-mode features off.

use super::reach::{Reach, ethernets, reach};
use super::{ADDRESS_MENU, DEVICE_MODE_MENU, ETHERNET_MENU, MODE, UNUSED_INTERFACES};
use crate::check::Observation;
use crate::measures::{CheckDef, is_on};
use crate::outcome::{CheckResult, Measure, Outcome};
use crate::profile::Profile;

fn check(def: &CheckDef, outcome: Outcome) -> CheckResult {
    CheckResult::new(Measure::Device, def.id, def.title, outcome)
}

fn unused_interfaces(profile: &Profile, obs: &Observation) -> CheckResult {
    let p = &profile.device;
    if !p.disable_unused {
        return check(&UNUSED_INTERFACES, Outcome::Pass).with_evidence(
            "the profile keeps unused interfaces enabled (device.disable_unused = false)",
        );
    }
    let rows = match obs.menu(ETHERNET_MENU) {
        Ok(r) => r,
        Err(e) => return check(&UNUSED_INTERFACES, crate::check::unreadable(e)),
    };
    let addresses = match obs.menu(ADDRESS_MENU) {
        Ok(r) => r,
        Err(e) => return check(&UNUSED_INTERFACES, crate::check::unreadable(e)),
    };
    let all = ethernets(rows);
    if all.is_empty() {
        return check(
            &UNUSED_INTERFACES,
            Outcome::Skip(format!(
                "not verifiable: {ETHERNET_MENU} lists no interface"
            )),
        );
    }
    let sources: Vec<std::net::IpAddr> = obs
        .sources
        .values()
        .chain(obs.sources6.values())
        .copied()
        .collect();
    let (path, how) = match reach(&all, addresses, obs.router, &sources) {
        Reach::Through(path, how) => (path, how),
        Reach::Unknown(why) => {
            return check(
                &UNUSED_INTERFACES,
                Outcome::Skip(format!("not verifiable: {why}")),
            );
        }
    };
    let mut evidence = vec![format!("{how}: {}", path.join(", "))];
    let mut open = Vec::new();
    for e in &all {
        let used = if path.contains(&e.name) {
            Some("the harness's path")
        } else if p.used_interfaces.contains(&e.name) {
            Some("in device.used_interfaces")
        } else {
            None
        };
        let state = if e.disabled { "disabled" } else { "enabled" };
        evidence.push(match used {
            Some(why) => format!("{}: {state}, used ({why})", e.name),
            None => format!("{}: {state}, unused", e.name),
        });
        if used.is_none() && !e.disabled {
            open.push(e.name.clone());
        }
    }
    let outcome = if open.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail(format!(
            "unused ethernet interface{} {} {} enabled: a cable plugged into {} reaches the router",
            if open.len() == 1 { "" } else { "s" },
            open.join(", "),
            if open.len() == 1 { "is" } else { "are" },
            if open.len() == 1 { "it" } else { "them" },
        ))
    };
    check(&UNUSED_INTERFACES, outcome).with_evidence_lines(evidence)
}

fn mode(profile: &Profile, obs: &Observation) -> CheckResult {
    let want = &profile.device.mode_features_off;
    if let Ok(u) = &obs.update {
        let v = &u.installed_version;
        if !routeros::device_mode::exists(v.major(), v.minor()) {
            return check(
                &MODE,
                Outcome::Skip(format!(
                    "not verifiable: RouterOS {v} predates the 7.17 device-mode (modes advanced, home and basic with feature switches)"
                )),
            );
        }
    }
    let rows = match obs.menu(DEVICE_MODE_MENU) {
        Ok(r) => r,
        Err(e) => return check(&MODE, crate::check::unreadable(e)),
    };
    let Some(row) = rows.first() else {
        return check(
            &MODE,
            Outcome::Skip(format!("not verifiable: {DEVICE_MODE_MENU} is empty")),
        );
    };
    let get = |k: &str| row.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let mut evidence = vec![format!(
        "mode={}",
        get("mode").unwrap_or_else(|| "(not shown)".into())
    )];
    if want.is_empty() {
        return check(&MODE, Outcome::Pass)
            .with_evidence_lines(evidence)
            .with_evidence("the profile wants no device-mode feature off");
    }
    let mut on = Vec::new();
    let mut missing = Vec::new();
    for f in want {
        match get(f) {
            Some(v) => {
                if is_on(&v) {
                    on.push(f.clone());
                }
                evidence.push(format!("{f}={v}"));
            }
            None => missing.push(f.clone()),
        }
    }
    let outcome = if !on.is_empty() {
        Outcome::Fail(format!(
            "device-mode allows {}, which the profile wants off (only a power cycle or a button press at the router changes device-mode)",
            on.join(", ")
        ))
    } else if !missing.is_empty() {
        Outcome::Skip(format!(
            "not verifiable: {DEVICE_MODE_MENU} shows no {}",
            missing.join(", ")
        ))
    } else {
        Outcome::Pass
    };
    check(&MODE, outcome).with_evidence_lines(evidence)
}

/// Judges the device measure.
pub fn judge(profile: &Profile, obs: &Observation) -> Vec<CheckResult> {
    vec![unused_interfaces(profile, obs), mode(profile, obs)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use routeros::model::PackageUpdate;

    fn row(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// ether1 holds the router's address 192.0.2.1; ether2 is `ether2_disabled`; device-mode
    /// as a factory 7.24.4 CHR, with `changes`.
    fn obs(version: &str, ether2_disabled: &str, changes: &[(&str, &str)]) -> Observation {
        let mut o = Observation::nothing_read("test", "not read");
        o.router = "192.0.2.1".parse().ok();
        o.update = Ok(PackageUpdate::from_props(&row(&[
            ("channel", "stable"),
            ("installed-version", version),
        ]))
        .expect("a package update row"));
        o.menus.insert(
            ETHERNET_MENU,
            Ok(vec![
                row(&[
                    ("name", "ether1"),
                    ("default-name", "ether1"),
                    ("disabled", "false"),
                ]),
                row(&[
                    ("name", "ether2"),
                    ("default-name", "ether2"),
                    ("disabled", ether2_disabled),
                ]),
            ]),
        );
        o.menus.insert(
            ADDRESS_MENU,
            Ok(vec![row(&[
                ("address", "192.0.2.1/24"),
                ("interface", "ether1"),
            ])]),
        );
        let mut mode = vec![("mode".to_string(), "advanced".to_string())];
        for (f, v) in routeros::device_mode::FEATURES {
            let v = changes.iter().find(|(k, _)| k == f).map_or(*v, |(_, v)| *v);
            mode.push((f.to_string(), v.to_string()));
        }
        o.menus.insert(DEVICE_MODE_MENU, Ok(vec![mode]));
        o
    }

    fn verdict(o: &Observation, id: &str) -> CheckResult {
        judge(&Profile::baseline(), o)
            .into_iter()
            .find(|r| r.id == id)
            .unwrap_or_else(|| panic!("no {id}"))
    }

    fn all_off() -> Vec<(&'static str, &'static str)> {
        Profile::baseline()
            .device
            .mode_features_off
            .iter()
            .map(|f| {
                let f: &'static str = routeros::device_mode::FEATURES
                    .iter()
                    .find(|(n, _)| n == f)
                    .map(|(n, _)| *n)
                    .unwrap();
                (f, "no")
            })
            .collect()
    }

    #[test]
    fn an_enabled_unused_interface_fails_and_the_harness_path_never_counts() {
        let r = verdict(&obs("7.24.4", "false", &[]), UNUSED_INTERFACES.id);
        match &r.outcome {
            Outcome::Fail(why) => {
                assert!(why.contains("ether2") && !why.contains("ether1"), "{why}")
            }
            o => panic!("{o:?}"),
        }
        assert!(
            r.evidence
                .iter()
                .any(|e| e == "ether1: enabled, used (the harness's path)")
        );
        let r = verdict(&obs("7.24.4", "true", &[]), UNUSED_INTERFACES.id);
        assert_eq!(r.outcome, Outcome::Pass, "{:?}", r.evidence);
        // Named as used in the profile: enabled is fine.
        let mut p = Profile::baseline();
        p.device.used_interfaces = vec!["ether2".into()];
        let r = judge(&p, &obs("7.24.4", "false", &[])).remove(0);
        assert_eq!(r.outcome, Outcome::Pass);
    }

    #[test]
    fn an_untellable_path_or_an_unread_menu_is_not_verifiable() {
        let mut o = obs("7.24.4", "true", &[]);
        o.menus.insert(
            ADDRESS_MENU,
            Ok(vec![row(&[
                ("address", "192.0.2.1/24"),
                ("interface", "bridge1"),
            ])]),
        );
        assert!(matches!(
            verdict(&o, UNUSED_INTERFACES.id).outcome,
            Outcome::Skip(ref why) if why.contains("bridge1")
        ));
        let r = verdict(
            &Observation::nothing_read("x", "gone"),
            UNUSED_INTERFACES.id,
        );
        assert!(matches!(r.outcome, Outcome::Skip(_)));
    }

    #[test]
    fn device_mode_fails_on_each_feature_left_on_and_passes_when_all_are_off() {
        let r = verdict(&obs("7.24.4", "true", &[]), MODE.id);
        match &r.outcome {
            Outcome::Fail(why) => {
                assert!(why.contains("sniffer") && why.contains("socks"), "{why}");
                assert!(!why.contains("container"), "off in the factory: {why}");
            }
            o => panic!("{o:?}"),
        }
        let r = verdict(&obs("7.24.4", "true", &all_off()), MODE.id);
        assert_eq!(r.outcome, Outcome::Pass, "{:?}", r.evidence);
        assert!(r.evidence.iter().any(|e| e == "sniffer=no"));
        // One turned back on: exactly it is named.
        let mut changes = all_off();
        changes.retain(|(f, _)| *f != "proxy");
        let r = verdict(&obs("7.24.4", "true", &changes), MODE.id);
        assert!(matches!(r.outcome, Outcome::Fail(ref why) if why.contains("allows proxy,")));
    }

    #[test]
    fn before_7_17_device_mode_is_never_a_pass() {
        for v in ["7.16.2", "6.49.13"] {
            let mut o = obs(v, "true", &all_off());
            o.menus.remove(DEVICE_MODE_MENU);
            let r = verdict(&o, MODE.id);
            assert!(
                matches!(r.outcome, Outcome::Skip(ref why) if why.contains("predates the 7.17 device-mode")),
                "{v}: {:?}",
                r.outcome
            );
        }
        // A menu that lacks a wanted switch is not verifiable, never a pass.
        let mut o = obs("7.24.4", "true", &all_off());
        if let Some(Ok(rows)) = o.menus.get_mut(DEVICE_MODE_MENU) {
            rows[0].retain(|(k, _)| k != "zerotier");
        }
        assert!(
            matches!(verdict(&o, MODE.id).outcome, Outcome::Skip(ref why) if why.contains("zerotier"))
        );
    }
}
