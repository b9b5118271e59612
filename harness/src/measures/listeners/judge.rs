//! The listeners' verdicts: the router's own settings, and for the listeners that have probes
//! (DNS, SNMP) what the vantages saw.
//!
//! - An answer that reached the untrusted vantage fails the check, whatever the settings and
//!   the profile say (the listener is open to the world: an open resolver, a readable agent).
//! - A listener that is on and that the profile does not allow fails white box, as before.
//! - Otherwise the check passes only if the settings say so and, where it has probes, the
//!   untrusted vantage asked and got no answer; when the probes could not run from there (a
//!   vantage without UDP) the pass rests on the settings and its evidence says so.

use super::{LISTENERS, Listener, probe};
use crate::check::Observation;
use crate::lab::Role;
use crate::measures::{is_on, setting};
use crate::outcome::{CheckResult, Measure, Outcome};
use crate::probe::Seen;
use crate::profile::Profile;

/// Judges the listeners measure: each one off, unless the profile lets it stay on; and none
/// answering the untrusted vantage.
pub fn judge(profile: &Profile, obs: &Observation) -> Vec<CheckResult> {
    LISTENERS
        .iter()
        .zip(profile.listeners.allowed())
        .map(|(l, allowed)| judge_one(l, allowed, obs))
        .collect()
}

/// What a listener's probes saw.
struct BlackBox {
    /// What answered the untrusted vantage: `(what the probe asked, what came back)`.
    untrusted_answers: Vec<String>,
    /// Why the black box from the untrusted vantage is incomplete (a probe not run there).
    not_run: Vec<String>,
    /// One line per probe and vantage.
    evidence: Vec<String>,
}

fn black_box(l: &Listener, obs: &Observation) -> BlackBox {
    let mut bb = BlackBox {
        untrusted_answers: Vec::new(),
        not_run: Vec::new(),
        evidence: Vec::new(),
    };
    for probe in l.probes {
        for role in Role::ALL {
            let seen = obs.seen(Measure::Listeners, probe, role);
            match seen {
                Some(seen) => bb
                    .evidence
                    .push(format!("{probe} from {}: {seen}", role.name())),
                None => bb
                    .evidence
                    .push(format!("{probe} from {}: not run", role.name())),
            }
            if role != Role::Untrusted {
                continue;
            }
            match seen {
                Some(Seen::Answered(what)) => bb
                    .untrusted_answers
                    .push(format!("{} got an answer ({what})", probe::describe(probe))),
                Some(Seen::Refused(_)) | Some(Seen::Silent(_)) => {}
                Some(Seen::NotRun(why)) => bb.not_run.push(format!("{probe}: {why}")),
                None => bb
                    .not_run
                    .push(format!("{probe}: no sighting from the untrusted vantage")),
            }
        }
    }
    bb
}

fn judge_one(l: &Listener, allowed: bool, obs: &Observation) -> CheckResult {
    let result = |o| CheckResult::new(Measure::Listeners, l.check.id, l.check.title, o);
    let bb = black_box(l, obs);
    let white = setting(obs, l.menu, l.key);
    let white_line = white
        .as_ref()
        .ok()
        .map(|v| format!("{} {}={v}", l.cli, l.key));
    let evidence = white_line
        .iter()
        .cloned()
        .chain(bb.evidence.iter().cloned());
    if !bb.untrusted_answers.is_empty() {
        let settings = match &white_line {
            Some(line) => format!(" ({line})"),
            None => String::new(),
        };
        let outcome = Outcome::Fail(format!(
            "{}: from the untrusted vantage {}{settings}",
            l.what,
            bb.untrusted_answers.join("; ")
        ));
        return result(outcome).with_evidence_lines(evidence.collect::<Vec<_>>());
    }
    let v = match white {
        Err(o) => return result(o).with_evidence_lines(bb.evidence),
        Ok(v) => v,
    };
    let outcome = if is_on(&v) && !allowed {
        Outcome::Fail(format!("{}: {} {}={v}", l.what, l.cli, l.key))
    } else {
        Outcome::Pass
    };
    let mut lines: Vec<String> = evidence.collect();
    if !l.probes.is_empty() && !bb.not_run.is_empty() {
        lines.push(format!(
            "black box not run from the untrusted vantage ({}): the verdict rests on the settings",
            bb.not_run.join("; ")
        ));
    }
    result(outcome).with_evidence_lines(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::Sighting;

    const DNS: &str = "listeners.dns-remote-requests";
    const SNMP: &str = "listeners.snmp";

    /// An observation with every listener's setting `on` (or off) and these sightings.
    fn obs(dns_on: bool, sightings: &[(&'static str, Role, Seen)]) -> Observation {
        let mut o = Observation::nothing_read("test", "unused");
        for l in LISTENERS {
            let on = l.check.id == DNS && dns_on;
            o.menus.insert(
                l.menu,
                Ok(vec![vec![(
                    l.key.to_string(),
                    if on { "true" } else { "false" }.to_string(),
                )]]),
            );
        }
        o.sightings.insert(
            Measure::Listeners,
            sightings
                .iter()
                .map(|(probe, role, seen)| Sighting {
                    probe,
                    vantage: role.name(),
                    seen: seen.clone(),
                })
                .collect(),
        );
        o
    }

    fn verdict(profile: &Profile, o: &Observation, id: &str) -> CheckResult {
        judge(profile, o)
            .into_iter()
            .find(|r| r.id == id)
            .expect("judged")
    }

    fn silent() -> Seen {
        Seen::Silent("udp 192.0.2.1:53: port unreachable".into())
    }

    fn every_probe(untrusted: Seen) -> Vec<(&'static str, Role, Seen)> {
        let mut v = Vec::new();
        for p in [probe::DNS_UDP, probe::DNS_TCP, probe::SNMP_PUBLIC] {
            v.push((p, Role::Trusted, silent()));
            v.push((p, Role::Untrusted, untrusted.clone()));
        }
        v
    }

    #[test]
    fn silence_from_untrusted_and_the_setting_off_pass_with_the_black_box_as_evidence() {
        let o = obs(false, &every_probe(silent()));
        let r = verdict(&Profile::baseline(), &o, DNS);
        assert_eq!(r.outcome, Outcome::Pass);
        let ev = r.evidence.join("\n");
        assert!(ev.contains("dns-udp from untrusted: silent"), "{ev}");
        assert!(ev.contains("dns-tcp from trusted: silent"), "{ev}");
        assert!(!ev.contains("not run"), "{ev}");
        assert_eq!(
            verdict(&Profile::baseline(), &o, SNMP).outcome,
            Outcome::Pass
        );
    }

    #[test]
    fn an_answer_to_untrusted_fails_whatever_the_settings_and_the_profile_say() {
        let answered = Seen::Answered("udp 192.0.2.1:53: SERVFAIL, recursion available".into());
        let mut allowing = Profile::baseline();
        allowing.listeners.dns_remote_requests = true;
        allowing.listeners.snmp = true;
        for (profile, dns_on) in [(Profile::baseline(), false), (allowing, true)] {
            let o = obs(dns_on, &every_probe(answered.clone()));
            for id in [DNS, SNMP] {
                match verdict(&profile, &o, id).outcome {
                    Outcome::Fail(why) => {
                        assert!(why.contains("from the untrusted vantage"), "{why}");
                        assert!(
                            why.contains("got an answer (udp 192.0.2.1:53: SERVFAIL"),
                            "{why}"
                        );
                    }
                    other => panic!("{id}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn an_answer_to_trusted_only_is_no_failure_when_allowed() {
        let mut allowing = Profile::baseline();
        allowing.listeners.dns_remote_requests = true;
        let sightings = vec![
            (
                probe::DNS_UDP,
                Role::Trusted,
                Seen::Answered("NOERROR".into()),
            ),
            (probe::DNS_UDP, Role::Untrusted, silent()),
            (
                probe::DNS_TCP,
                Role::Trusted,
                Seen::Answered("NOERROR".into()),
            ),
            (
                probe::DNS_TCP,
                Role::Untrusted,
                Seen::Refused("REFUSED".into()),
            ),
        ];
        let o = obs(true, &sightings);
        assert_eq!(verdict(&allowing, &o, DNS).outcome, Outcome::Pass);
        // Not allowed: the white box fails it, as before.
        match verdict(&Profile::baseline(), &o, DNS).outcome {
            Outcome::Fail(why) => assert!(why.contains("allow-remote-requests=true"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn without_udp_the_verdict_rests_on_the_settings_and_says_so() {
        let not_run =
            Seen::NotRun("this vantage reaches the router through TCP port forwards only".into());
        let mut sightings = every_probe(not_run);
        // TCP 53 did run through the forward and saw nothing.
        sightings.retain(|(p, r, _)| !(*p == probe::DNS_TCP && *r == Role::Untrusted));
        sightings.push((probe::DNS_TCP, Role::Untrusted, silent()));
        let o = obs(false, &sightings);
        for id in [DNS, SNMP] {
            let r = verdict(&Profile::baseline(), &o, id);
            assert_eq!(r.outcome, Outcome::Pass, "{id}");
            let ev = r.evidence.join("\n");
            assert!(
                ev.contains("black box not run from the untrusted vantage"),
                "{ev}"
            );
            assert!(ev.contains("rests on the settings"), "{ev}");
        }
        // No sightings at all (the probes did not run anywhere): the same.
        let r = verdict(&Profile::baseline(), &obs(false, &[]), DNS);
        assert_eq!(r.outcome, Outcome::Pass);
        assert!(
            r.evidence.join("\n").contains("no sighting"),
            "{:?}",
            r.evidence
        );
    }

    #[test]
    fn an_unreadable_setting_is_not_verifiable_unless_untrusted_got_an_answer() {
        let mut o = obs(false, &every_probe(silent()));
        o.menus.insert(
            "/ip/dns",
            Err(crate::check::observe::ReadError {
                menu: "/ip/dns".into(),
                cause: "timed out".into(),
            }),
        );
        assert!(matches!(
            verdict(&Profile::baseline(), &o, DNS).outcome,
            Outcome::Skip(_)
        ));
        let mut o2 = obs(false, &every_probe(Seen::Answered("NXDOMAIN".into())));
        o2.menus.insert(
            "/ip/dns",
            Err(crate::check::observe::ReadError {
                menu: "/ip/dns".into(),
                cause: "timed out".into(),
            }),
        );
        assert!(matches!(
            verdict(&Profile::baseline(), &o2, DNS).outcome,
            Outcome::Fail(_)
        ));
    }
}
