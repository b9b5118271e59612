//! The SSH crypto verdict: the router's own settings, and what its SSH server agreed to when a
//! client offered it only weak, or only strong, algorithms (the probes in `probe.rs`).

use super::probe::{STRONG, WEAK};
use super::{FORWARDING_OFF, FORWARDING_PROBE, MENU, STRONG_CRYPTO};
use crate::check::Observation;
use crate::lab::Role;
use crate::measures::{is_on, setting};
use crate::outcome::{CheckResult, Measure, Outcome};
use crate::probe::Seen;
use crate::profile::Profile;

/// Judges the ssh measure.
pub fn judge(profile: &Profile, obs: &Observation) -> Vec<CheckResult> {
    vec![strong_crypto(profile, obs), forwarding_off(profile, obs)]
}

/// `forwarding-enabled` is off (v7 `no`, v6 `no`) and the router refused the `direct-tcpip`
/// channel the harness asked for from the trusted vantage. A confirmed channel fails whatever
/// the setting says; a refusal with the setting unread, or the setting right with no answer to
/// the channel, proves only half and is not verifiable.
fn forwarding_off(profile: &Profile, obs: &Observation) -> CheckResult {
    let result = |o| CheckResult::new(Measure::Ssh, FORWARDING_OFF.id, FORWARDING_OFF.title, o);
    if profile.ssh.forwarding {
        return result(Outcome::Pass)
            .with_evidence("the profile allows SSH forwarding (forwarding = true)");
    }
    let mut bad = Vec::new();
    let mut evidence = Vec::new();
    let setting = setting(obs, MENU, "forwarding-enabled");
    if let Ok(v) = &setting {
        evidence.push(format!("/ip ssh forwarding-enabled={v}"));
        if !matches!(v.as_str(), "no" | "false") {
            bad.push(format!(
                "forwarding-enabled={v}: any user who logs in over ssh may tunnel through the router"
            ));
        }
    }
    let seen = obs.seen(Measure::Ssh, FORWARDING_PROBE, Role::Trusted);
    match seen {
        Some(s) => evidence.push(format!("direct-tcpip channel from trusted: {s}")),
        None => evidence.push("direct-tcpip channel from trusted: not tried".into()),
    }
    if let Some(Seen::Answered(what)) = seen {
        bad.push(format!("from the trusted vantage {what}"));
    }
    let outcome = match (setting, seen) {
        _ if !bad.is_empty() => crate::check::failures(bad),
        (Err(o), _) => o,
        (Ok(_), Some(Seen::Refused(_))) => Outcome::Pass,
        (Ok(_), _) => Outcome::Skip(
            "not verifiable from outside: no answer to the direct-tcpip channel the trusted vantage asked for (the setting is right)"
                .into(),
        ),
    };
    result(outcome).with_evidence_lines(evidence)
}

fn strong_crypto(profile: &Profile, obs: &Observation) -> CheckResult {
    let result = |o| CheckResult::new(Measure::Ssh, STRONG_CRYPTO.id, STRONG_CRYPTO.title, o);
    let read = |key| setting(obs, MENU, key);
    let seen = |probe, role| obs.seen(Measure::Ssh, probe, role);
    let mut evidence = Vec::new();
    let mut bad = Vec::new();
    // Black box: what each vantage's handshakes saw.
    let mut weak_accepted = Vec::new();
    let mut proven_from = Vec::new();
    let mut reached = false;
    for role in Role::ALL {
        let (weak, strong) = (seen(WEAK, role), seen(STRONG, role));
        if weak.is_none() && strong.is_none() {
            continue;
        }
        let line = |s: Option<&Seen>| s.map_or("not run".to_string(), Seen::to_string);
        evidence.push(format!(
            "from {}: weak-only handshake {}; strong-only handshake {}",
            role.name(),
            line(weak),
            line(strong)
        ));
        reached |= [weak, strong]
            .iter()
            .any(|s| matches!(s, Some(Seen::Answered(_) | Seen::Refused(_))));
        if let Some(Seen::Answered(agreed)) = weak {
            weak_accepted.push(format!("from {} ({agreed})", role.name()));
        }
        if matches!(weak, Some(Seen::Refused(_))) && matches!(strong, Some(Seen::Answered(_))) {
            proven_from.push(role.name());
        }
    }
    if profile.ssh.strong_crypto && !weak_accepted.is_empty() {
        bad.push(format!(
            "the SSH server completed a handshake offering only SHA-1 key exchange, CBC ciphers and SHA-1 MACs {}",
            weak_accepted.join(", ")
        ));
    }
    // White box: the settings.
    let settings = match (read("strong-crypto"), read("allow-none-crypto")) {
        (Err(o), _) => Err(o),
        (Ok(strong), none) => {
            if profile.ssh.strong_crypto && !is_on(&strong) {
                bad.push(format!("strong-crypto={strong}: the SSH server still offers SHA-1 key exchange and MACs and CBC/3DES ciphers"));
            }
            if let Ok(none) = &none
                && is_on(none)
            {
                bad.push(format!(
                    "allow-none-crypto={none}: the SSH server accepts unencrypted sessions"
                ));
            }
            evidence.insert(
                0,
                format!(
                    "/ip ssh strong-crypto={strong} allow-none-crypto={}",
                    none.as_deref().unwrap_or("(not shown)")
                ),
            );
            Ok(())
        }
    };
    let outcome = match settings {
        _ if !bad.is_empty() => crate::check::failures(bad),
        Err(o) => o,
        Ok(()) if !profile.ssh.strong_crypto || !proven_from.is_empty() => Outcome::Pass,
        Ok(()) if !reached => Outcome::Skip(
            "not verifiable from outside: no vantage reached the SSH server to try the handshakes (the settings are right)"
                .into(),
        ),
        Ok(()) => Outcome::Skip(
            "not verifiable from outside: no vantage saw the weak-only handshake refused and the strong-only one complete (the settings are right)"
                .into(),
        ),
    };
    result(outcome).with_evidence_lines(evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::Sighting;

    fn observation(strong_crypto: &str, sightings: &[(&'static str, Role, Seen)]) -> Observation {
        let mut obs = Observation::nothing_read("test", "not read in this test");
        obs.menus.insert(
            MENU,
            Ok(vec![vec![
                ("strong-crypto".into(), strong_crypto.into()),
                ("allow-none-crypto".into(), "no".into()),
            ]]),
        );
        obs.sightings.insert(
            Measure::Ssh,
            sightings
                .iter()
                .map(|(probe, role, seen)| Sighting {
                    probe,
                    vantage: role.name(),
                    seen: seen.clone(),
                })
                .collect(),
        );
        obs
    }

    fn refused() -> Seen {
        Seen::Refused("no common kex algorithm: the server offers curve25519-sha256".into())
    }

    fn strong_agreed() -> Seen {
        Seen::Answered(
            "kex=curve25519-sha256 cipher=aes256-gcm@openssh.com mac=none host-key=rsa-sha2-512"
                .into(),
        )
    }

    fn weak_agreed() -> Seen {
        Seen::Answered(
            "kex=diffie-hellman-group14-sha1 cipher=aes128-cbc mac=hmac-sha1 host-key=ssh-rsa"
                .into(),
        )
    }

    fn silent() -> Seen {
        Seen::Silent("no TCP answer from 192.0.2.1:2222 within 250 ms".into())
    }

    fn judged(obs: &Observation) -> CheckResult {
        judge(&Profile::baseline(), obs).remove(0)
    }

    #[test]
    fn passes_with_the_right_settings_and_a_vantage_that_saw_weak_refused_and_strong_agreed() {
        let obs = observation(
            "yes",
            &[
                (WEAK, Role::Trusted, refused()),
                (STRONG, Role::Trusted, strong_agreed()),
                (WEAK, Role::Untrusted, silent()),
                (STRONG, Role::Untrusted, silent()),
            ],
        );
        let r = judged(&obs);
        assert_eq!(r.outcome, Outcome::Pass, "{r:?}");
        assert_eq!(r.evidence.len(), 3, "{:?}", r.evidence);
        assert!(
            r.evidence[1].starts_with("from trusted: weak-only handshake refused: no common kex"),
            "{:?}",
            r.evidence
        );
        assert!(r.evidence[2].contains("silent"), "{:?}", r.evidence);
    }

    #[test]
    fn fails_when_a_weak_handshake_completed_whatever_the_settings_say() {
        let obs = observation(
            "yes",
            &[
                (WEAK, Role::Trusted, weak_agreed()),
                (STRONG, Role::Trusted, strong_agreed()),
            ],
        );
        match judged(&obs).outcome {
            Outcome::Fail(why) => {
                assert!(why.contains("from trusted (kex=diffie-hellman-group14-sha1 cipher=aes128-cbc mac=hmac-sha1"), "{why}");
                assert!(!why.contains("strong-crypto="), "{why}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn fails_on_the_settings_and_the_weak_handshake_together() {
        let obs = observation("no", &[(WEAK, Role::Trusted, weak_agreed())]);
        match judged(&obs).outcome {
            Outcome::Fail(why) => {
                assert!(why.contains("handshake offering only SHA-1"), "{why}");
                assert!(why.contains("strong-crypto=no"), "{why}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_weak_handshake_that_completed_fails_even_when_the_settings_were_not_read() {
        let mut obs = observation("yes", &[(WEAK, Role::Untrusted, weak_agreed())]);
        obs.menus.remove(MENU);
        assert!(matches!(judged(&obs).outcome, Outcome::Fail(_)));
    }

    #[test]
    fn is_not_verifiable_when_no_vantage_reached_the_ssh_server() {
        let obs = observation(
            "yes",
            &[
                (WEAK, Role::Trusted, silent()),
                (STRONG, Role::Trusted, silent()),
                (WEAK, Role::Untrusted, silent()),
                (STRONG, Role::Untrusted, silent()),
            ],
        );
        match judged(&obs).outcome {
            Outcome::Skip(why) => assert!(why.contains("no vantage reached"), "{why}"),
            other => panic!("{other:?}"),
        }
        let none = observation("yes", &[]);
        match judged(&none).outcome {
            Outcome::Skip(why) => assert!(why.contains("no vantage reached"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_refused_weak_handshake_proves_nothing_when_the_strong_one_was_refused_too() {
        let obs = observation(
            "yes",
            &[
                (WEAK, Role::Trusted, refused()),
                (STRONG, Role::Trusted, refused()),
            ],
        );
        assert!(matches!(judged(&obs).outcome, Outcome::Skip(_)));
    }

    #[test]
    fn a_profile_that_allows_weak_crypto_does_not_need_the_handshakes() {
        let mut profile = Profile::baseline();
        profile.ssh.strong_crypto = false;
        let obs = observation("no", &[(WEAK, Role::Trusted, weak_agreed())]);
        assert_eq!(judge(&profile, &obs)[0].outcome, Outcome::Pass);
    }

    fn forwarding_observation(value: Option<&str>, seen: Option<Seen>) -> Observation {
        let mut obs = Observation::nothing_read("test", "not read in this test");
        if let Some(v) = value {
            obs.menus.insert(
                MENU,
                Ok(vec![vec![
                    ("strong-crypto".into(), "yes".into()),
                    ("forwarding-enabled".into(), v.into()),
                ]]),
            );
        }
        obs.sightings.insert(
            Measure::Ssh,
            seen.into_iter()
                .map(|seen| Sighting {
                    probe: FORWARDING_PROBE,
                    vantage: Role::Trusted.name(),
                    seen,
                })
                .collect(),
        );
        obs
    }

    fn forwarding(obs: &Observation) -> CheckResult {
        let r = judge(&Profile::baseline(), obs).remove(1);
        assert_eq!(r.id, FORWARDING_OFF.id);
        r
    }

    fn channel_refused() -> Seen {
        Seen::Refused("channel open to 192.0.2.1:2222 failed: AdministrativelyProhibited".into())
    }

    fn channel_confirmed() -> Seen {
        Seen::Answered("the router confirmed a direct-tcpip channel to 192.0.2.1:2222".into())
    }

    #[test]
    fn forwarding_passes_when_off_and_the_channel_was_refused() {
        for off in ["no", "false"] {
            let r = forwarding(&forwarding_observation(Some(off), Some(channel_refused())));
            assert_eq!(r.outcome, Outcome::Pass, "{r:?}");
            assert!(
                r.evidence
                    .iter()
                    .any(|e| e.contains("AdministrativelyProhibited")),
                "{:?}",
                r.evidence
            );
        }
    }

    #[test]
    fn forwarding_fails_on_each_v7_and_v6_value_that_allows_it() {
        for on in ["local", "remote", "both", "yes", "true"] {
            match forwarding(&forwarding_observation(Some(on), Some(channel_refused()))).outcome {
                Outcome::Fail(why) => {
                    assert!(why.contains(&format!("forwarding-enabled={on}")), "{why}")
                }
                other => panic!("{on}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_confirmed_channel_fails_even_when_the_setting_says_no_or_was_not_read() {
        for value in [Some("no"), None] {
            match forwarding(&forwarding_observation(value, Some(channel_confirmed()))).outcome {
                Outcome::Fail(why) => {
                    assert!(why.contains("confirmed a direct-tcpip channel"), "{why}")
                }
                other => panic!("{value:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn forwarding_is_not_verifiable_on_half_the_evidence() {
        // The setting is right but the channel was never answered.
        for seen in [
            None,
            Some(Seen::Silent("no TCP answer".into())),
            Some(Seen::NotRun("the login was refused".into())),
        ] {
            match forwarding(&forwarding_observation(Some("no"), seen.clone())).outcome {
                Outcome::Skip(why) => assert!(why.contains("not verifiable"), "{why}"),
                other => panic!("{seen:?}: {other:?}"),
            }
        }
        // Refused, but the setting could not be read.
        assert!(matches!(
            forwarding(&forwarding_observation(None, Some(channel_refused()))).outcome,
            Outcome::Skip(_)
        ));
    }

    #[test]
    fn a_profile_that_allows_forwarding_passes_without_looking() {
        let mut profile = Profile::baseline();
        profile.ssh.forwarding = true;
        let obs = forwarding_observation(Some("both"), Some(channel_confirmed()));
        assert_eq!(judge(&profile, &obs)[1].outcome, Outcome::Pass);
    }
}
