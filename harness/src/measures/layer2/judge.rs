//! The layer-2 verdicts: the router's own settings (white box), and for MAC-Telnet, MAC ping
//! and neighbor discovery what the vantages on the router's link saw (black box,
//! [`super::probe`]).
//!
//! A router that answered from a vantage while the profile allows the protocol nowhere (an
//! interface list `none`, MAC ping off) fails, whatever its settings say. Otherwise the settings decide, and the
//! evidence says what the black box saw: silence from the vantages, or why it could not run.

use super::{
    DISCOVERY_MENU, MAC_PING, MAC_PING_MENU, MAC_SERVER, MAC_SERVER_MENU, MAC_WINBOX,
    MAC_WINBOX_MENU, NEIGHBOR_DISCOVERY,
};
use crate::check::Observation;
use crate::measures::{CheckDef, is_on, setting};
use crate::outcome::{CheckResult, Measure, Outcome};
use crate::probe::Seen;
use crate::profile::Profile;

fn check(def: &CheckDef, outcome: Outcome) -> CheckResult {
    CheckResult::new(Measure::Layer2, def.id, def.title, outcome)
}

fn list_check(
    def: &CheckDef,
    obs: &Observation,
    menu: &str,
    key: &str,
    want: &str,
    what: &str,
) -> CheckResult {
    match setting(obs, menu, key) {
        Err(o) => check(def, o),
        Ok(v) => {
            let outcome = if v == want {
                Outcome::Pass
            } else {
                Outcome::Fail(format!(
                    "{what} is allowed on interface list `{v}`; the baseline allows `{want}`"
                ))
            };
            check(def, outcome).with_evidence(format!("{menu} {key}={v}"))
        }
    }
}

/// What one black-box probe saw from every vantage it ran from.
struct BlackBox<'a> {
    /// Vantages the router answered, with what it said.
    answered: Vec<(&'static str, &'a str)>,
    /// Vantages that heard nothing (or a refusal), with the probe's words.
    silent: Vec<(&'static str, String)>,
    /// Vantages the probe could not run from, and why.
    not_run: Vec<(&'static str, &'a str)>,
}

fn black_box<'a>(obs: &'a Observation, probe: &str) -> BlackBox<'a> {
    let mut b = BlackBox {
        answered: Vec::new(),
        silent: Vec::new(),
        not_run: Vec::new(),
    };
    for s in obs.sightings(Measure::Layer2, probe) {
        match &s.seen {
            Seen::Answered(what) => b.answered.push((s.vantage, what)),
            Seen::Refused(why) | Seen::Silent(why) => b.silent.push((s.vantage, why.clone())),
            Seen::NotRun(why) => b.not_run.push((s.vantage, why)),
        }
    }
    b
}

/// The white-box verdict `white`, overruled by the black box when the router answered from a
/// vantage though the profile allows `what` nowhere (`forbidden`); the black box's evidence
/// added.
fn with_black_box(
    white: CheckResult,
    obs: &Observation,
    probe: &str,
    forbidden: bool,
    what: &str,
) -> CheckResult {
    let b = black_box(obs, probe);
    let mut evidence = Vec::new();
    for (v, said) in &b.answered {
        evidence.push(format!("{probe} from {v}: answered: {said}"));
    }
    for (v, why) in &b.silent {
        evidence.push(format!("{probe} from {v}: silent: {why}"));
    }
    for (v, why) in &b.not_run {
        evidence.push(format!("{probe} from {v}: not run: {why}"));
    }
    if b.answered.is_empty() && b.silent.is_empty() {
        evidence.push(if b.not_run.is_empty() {
            format!("{what} was not probed from outside; the verdict rests on the settings")
        } else {
            format!("the {probe} black box could not run; the verdict rests on the settings")
        });
    }
    let white = if forbidden && let Some((v, said)) = b.answered.first() {
        CheckResult {
            outcome: Outcome::Fail(format!(
                "the router answered {what} from the {v} vantage ({said}) though the profile allows it nowhere"
            )),
            ..white
        }
    } else {
        white
    };
    white.with_evidence_lines(evidence)
}

/// Judges the layer-2 measure.
pub fn judge(profile: &Profile, obs: &Observation) -> Vec<CheckResult> {
    let p = &profile.layer2;
    let ping = {
        let want = if p.mac_ping { "yes" } else { "no" };
        let white = match setting(obs, MAC_PING_MENU, "enabled") {
            Err(o) => check(&MAC_PING, o),
            Ok(v) => {
                let on = is_on(&v);
                let outcome = if on == p.mac_ping {
                    Outcome::Pass
                } else if on {
                    Outcome::Fail("MAC ping is enabled: any host on the link can ping the router by its MAC address".into())
                } else {
                    Outcome::Fail(format!(
                        "MAC ping is disabled; the profile wants enabled={want}"
                    ))
                };
                check(&MAC_PING, outcome).with_evidence(format!("{MAC_PING_MENU} enabled={v}"))
            }
        };
        with_black_box(white, obs, super::probe::MAC_PING, !p.mac_ping, "MAC ping")
    };
    vec![
        with_black_box(
            list_check(
                &MAC_SERVER,
                obs,
                MAC_SERVER_MENU,
                "allowed-interface-list",
                &p.mac_server,
                "MAC-Telnet",
            ),
            obs,
            super::probe::MAC_TELNET,
            p.mac_server == "none",
            "MAC-Telnet",
        ),
        list_check(
            &MAC_WINBOX,
            obs,
            MAC_WINBOX_MENU,
            "allowed-interface-list",
            &p.mac_winbox,
            "MAC-WinBox",
        ),
        ping,
        with_black_box(
            list_check(
                &NEIGHBOR_DISCOVERY,
                obs,
                DISCOVERY_MENU,
                "discover-interface-list",
                &p.neighbor_discovery,
                "neighbor discovery",
            ),
            obs,
            super::probe::MNDP,
            p.neighbor_discovery == "none",
            "neighbor discovery (MNDP)",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::Sighting;

    /// An observation whose layer-2 menus say `list` everywhere (MAC ping off), with these
    /// sightings.
    fn obs(list: &str, seen: &[(&'static str, &'static str, Seen)]) -> Observation {
        let mut o = Observation::nothing_read("test", "not read");
        for (menu, key, value) in [
            (MAC_SERVER_MENU, "allowed-interface-list", list),
            (MAC_WINBOX_MENU, "allowed-interface-list", list),
            (MAC_PING_MENU, "enabled", "no"),
            (DISCOVERY_MENU, "discover-interface-list", list),
        ] {
            o.menus
                .insert(menu, Ok(vec![vec![(key.to_string(), value.to_string())]]));
        }
        o.sightings.insert(
            Measure::Layer2,
            seen.iter()
                .map(|(probe, vantage, seen)| Sighting {
                    probe,
                    vantage,
                    seen: seen.clone(),
                })
                .collect(),
        );
        o
    }

    fn verdict(o: &Observation, id: &str) -> CheckResult {
        judge(&Profile::baseline(), o)
            .into_iter()
            .find(|r| r.id == id)
            .unwrap_or_else(|| panic!("no {id}"))
    }

    const LEAK: &str = "identity=MikroTik version=7.16.2 (stable) board=CHR";

    #[test]
    fn an_answer_where_the_profile_forbids_fails_whatever_the_settings_say() {
        let o = obs(
            "none",
            &[
                (
                    super::super::probe::MNDP,
                    "untrusted",
                    Seen::Answered(LEAK.into()),
                ),
                (
                    super::super::probe::MNDP,
                    "trusted",
                    Seen::Silent("quiet".into()),
                ),
                (
                    super::super::probe::MAC_TELNET,
                    "untrusted",
                    Seen::Answered("0C:C4:7A:00:00:01 acknowledged".into()),
                ),
                (
                    super::super::probe::MAC_PING,
                    "trusted",
                    Seen::Answered("0C:C4:7A:00:00:01 answered a MAC ping".into()),
                ),
            ],
        );
        let nd = verdict(&o, NEIGHBOR_DISCOVERY.id);
        match &nd.outcome {
            Outcome::Fail(why) => {
                assert!(why.contains("untrusted"), "{why}");
                assert!(why.contains("version=7.16.2"), "{why}");
            }
            other => panic!("{other:?}"),
        }
        assert!(nd.evidence.iter().any(|e| e.contains("trusted: silent")));
        assert!(matches!(
            verdict(&o, MAC_SERVER.id).outcome,
            Outcome::Fail(ref why) if why.contains("MAC-Telnet")
        ));
        // MAC ping off in the settings, answered on the wire: the wire wins.
        let ping = verdict(&o, MAC_PING.id);
        assert!(
            matches!(&ping.outcome, Outcome::Fail(why) if why.contains("MAC ping from the trusted vantage")),
            "{ping:?}"
        );
        assert!(
            ping.evidence.iter().any(|e| e.contains("enabled=no")),
            "{ping:?}"
        );
        // MAC-WinBox has no probe: the settings decide.
        assert_eq!(verdict(&o, MAC_WINBOX.id).outcome, Outcome::Pass);
    }

    #[test]
    fn settings_right_and_silence_seen_pass_with_the_silence_as_evidence() {
        let o = obs(
            "none",
            &[
                (
                    super::super::probe::MNDP,
                    "untrusted",
                    Seen::Silent("no announcement".into()),
                ),
                (
                    super::super::probe::MAC_TELNET,
                    "untrusted",
                    Seen::Silent("no ack".into()),
                ),
            ],
        );
        for def in [NEIGHBOR_DISCOVERY, MAC_SERVER] {
            let r = verdict(&o, def.id);
            assert_eq!(r.outcome, Outcome::Pass, "{}", def.id);
            assert!(
                r.evidence.iter().any(|e| e.contains("untrusted: silent")),
                "{:?}",
                r.evidence
            );
        }
    }

    #[test]
    fn a_black_box_that_could_not_run_is_said_and_never_a_failure() {
        let o = obs(
            "none",
            &[
                (
                    super::super::probe::MNDP,
                    "untrusted",
                    Seen::NotRun("port forwards only".into()),
                ),
                (
                    super::super::probe::MAC_TELNET,
                    "untrusted",
                    Seen::NotRun("port forwards only".into()),
                ),
            ],
        );
        let r = verdict(&o, NEIGHBOR_DISCOVERY.id);
        assert_eq!(r.outcome, Outcome::Pass);
        assert!(
            r.evidence.iter().any(|e| e.contains("could not run")),
            "{:?}",
            r.evidence
        );
        // Nothing probed at all: said too.
        let r = verdict(&obs("none", &[]), MAC_SERVER.id);
        assert_eq!(r.outcome, Outcome::Pass);
        assert!(
            r.evidence
                .iter()
                .any(|e| e.contains("not probed from outside"))
        );
    }

    #[test]
    fn wrong_settings_fail_for_their_own_reason_with_the_answer_as_evidence() {
        let o = obs(
            "all",
            &[(
                super::super::probe::MNDP,
                "untrusted",
                Seen::Answered(LEAK.into()),
            )],
        );
        let r = verdict(&o, NEIGHBOR_DISCOVERY.id);
        assert!(matches!(r.outcome, Outcome::Fail(_)));
        assert!(r.evidence.iter().any(|e| e.contains(LEAK)));
        // Unreadable settings and a silent link: not verifiable, never a pass.
        let mut o = obs(
            "none",
            &[(
                super::super::probe::MNDP,
                "untrusted",
                Seen::Silent("x".into()),
            )],
        );
        o.menus.insert(DISCOVERY_MENU, Ok(vec![]));
        assert!(matches!(
            verdict(&o, NEIGHBOR_DISCOVERY.id).outcome,
            Outcome::Skip(_)
        ));
    }

    #[test]
    fn a_profile_that_allows_the_protocol_does_not_fail_on_an_answer() {
        let mut profile = Profile::baseline();
        profile.layer2.neighbor_discovery = "all".into();
        let o = obs(
            "all",
            &[(
                super::super::probe::MNDP,
                "untrusted",
                Seen::Answered(LEAK.into()),
            )],
        );
        let r = judge(&profile, &o)
            .into_iter()
            .find(|r| r.id == NEIGHBOR_DISCOVERY.id)
            .unwrap();
        assert_eq!(r.outcome, Outcome::Pass);
    }
}
