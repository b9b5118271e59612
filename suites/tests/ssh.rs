//! SSH crypto: strong algorithms only, in the settings and in what the SSH server agrees to;
//! and no forwarding, in the settings and in the channel the SSH server refuses to open.

use chrlab::outcome::{Measure, Outcome};
use chrlab_suites::{
    every_check_fails_on_the_factory_router, every_check_passes, explain, hardened, lab_runs_here,
    unhardened,
};

/// Every check the registry declares for this measure.
#[test]
fn hardened_router_passes() {
    if !lab_runs_here() {
        return;
    }
    every_check_passes(Measure::Ssh);
}

#[test]
fn unhardened_router_fails() {
    if !lab_runs_here() {
        return;
    }
    every_check_fails_on_the_factory_router(Measure::Ssh);
}

/// The pass rests on the handshakes too: from the trusted vantage the weak-only one was
/// refused and the strong-only one completed.
#[test]
fn hardened_router_passes_with_black_box_evidence() {
    if !lab_runs_here() {
        return;
    }
    let r = hardened().result("ssh.strong-crypto");
    let why = explain(r);
    let trusted = r
        .evidence
        .iter()
        .find(|l| l.starts_with("from trusted:"))
        .unwrap_or_else(|| panic!("no handshake evidence from the trusted vantage: {why}"));
    assert!(trusted.contains("weak-only handshake refused: "), "{why}");
    assert!(
        trusted.contains("strong-only handshake answered: kex="),
        "{why}"
    );
}

/// On the factory router the weak-only handshake completes, and the reason names what was agreed.
#[test]
fn unhardened_router_completes_the_weak_handshake() {
    if !lab_runs_here() {
        return;
    }
    let r = unhardened().result("ssh.strong-crypto");
    match &r.outcome {
        Outcome::Fail(reason) => {
            assert!(
                reason.contains("completed a handshake offering only"),
                "{}",
                explain(r)
            );
            assert!(
                reason.contains("kex=diffie-hellman-group"),
                "{}",
                explain(r)
            );
            assert!(reason.contains("-sha1 cipher="), "{}", explain(r));
        }
        _ => panic!("{}", explain(r)),
    }
}

/// Turning strong-crypto off again on a hardened router fails exactly `ssh.strong-crypto`, and
/// its reason names the weak handshake the server accepted.
#[test]
fn weakening_the_crypto_fails_exactly_its_check() {
    if !lab_runs_here() {
        return;
    }
    use chrlab::profile::Profile;
    use chrlab_suites::{block_on, fresh, run_commands};
    let failing = |results: &[chrlab::outcome::CheckResult]| -> Vec<String> {
        results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Fail(_)))
            .map(|r| r.id.clone())
            .collect()
    };
    let (before, after, reason) = block_on(async move {
        let run = fresh(Profile::baseline(), &[], true).await;
        run_commands(run.lab.as_ref(), &["/ip ssh set strong-crypto=no"]).await;
        let again = chrlab_suites::reaudit_in_place(&run).await;
        let reason = again
            .report
            .results
            .iter()
            .find(|r| r.id == "ssh.strong-crypto")
            .map(explain)
            .unwrap_or_default();
        (
            failing(&run.audit.report.results),
            failing(&again.report.results),
            reason,
        )
    });
    // What failed already on the hardened router (an old version's update checks on
    // RouterOS 6) is not this change's doing.
    assert!(
        !before.contains(&"ssh.strong-crypto".to_string()),
        "{before:?}"
    );
    let failed: Vec<&String> = after.iter().filter(|id| !before.contains(id)).collect();
    assert_eq!(failed, ["ssh.strong-crypto"], "{reason}");
    assert!(
        reason.contains("completed a handshake offering only")
            && reason.contains("from trusted (kex="),
        "{reason}"
    );
    // The settings are wrong too (`no` over the CLI, `false` over REST).
    assert!(
        reason.contains("strong-crypto=no:") || reason.contains("strong-crypto=false:"),
        "{reason}"
    );
}

/// The forwarding pass rests on the channel too: logged in from the trusted vantage, the
/// harness asked for a `direct-tcpip` channel and the router refused it.
#[test]
fn hardened_router_refuses_a_forwarding_channel() {
    if !lab_runs_here() {
        return;
    }
    let r = hardened().result("ssh.forwarding-off");
    let why = explain(r);
    assert_eq!(r.outcome, Outcome::Pass, "{why}");
    assert!(
        r.evidence
            .iter()
            .any(|l| l.starts_with("direct-tcpip channel from trusted: refused: channel open to")),
        "{why}"
    );
}

/// On the negative control (forwarding turned on) the router confirms the channel.
#[test]
fn unhardened_router_opens_a_forwarding_channel() {
    if !lab_runs_here() {
        return;
    }
    let r = unhardened().result("ssh.forwarding-off");
    match &r.outcome {
        Outcome::Fail(reason) => {
            assert!(
                reason.contains("the router confirmed a direct-tcpip channel"),
                "{}",
                explain(r)
            );
            assert!(reason.contains("forwarding-enabled="), "{}", explain(r));
        }
        _ => panic!("{}", explain(r)),
    }
}

/// Turning forwarding on again on a hardened router fails exactly `ssh.forwarding-off`, on the
/// setting and on the channel the router now opens.
#[test]
fn turning_forwarding_on_fails_exactly_its_check() {
    if !lab_runs_here() {
        return;
    }
    use chrlab::profile::Profile;
    use chrlab_suites::{FORWARDING_ON, block_on, fresh, run_commands};
    let failing = |results: &[chrlab::outcome::CheckResult]| -> Vec<String> {
        results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Fail(_)))
            .map(|r| r.id.clone())
            .collect()
    };
    let (before, after, reason) = block_on(async move {
        let run = fresh(Profile::baseline(), &[], true).await;
        run_commands(run.lab.as_ref(), &[FORWARDING_ON]).await;
        let again = chrlab_suites::reaudit_in_place(&run).await;
        let reason = again
            .report
            .results
            .iter()
            .find(|r| r.id == "ssh.forwarding-off")
            .map(explain)
            .unwrap_or_default();
        (
            failing(&run.audit.report.results),
            failing(&again.report.results),
            reason,
        )
    });
    assert!(
        !before.contains(&"ssh.forwarding-off".to_string()),
        "{before:?}"
    );
    let failed: Vec<&String> = after.iter().filter(|id| !before.contains(id)).collect();
    assert_eq!(failed, ["ssh.forwarding-off"], "{reason}");
    assert!(
        reason.contains("the router confirmed a direct-tcpip channel")
            && (reason.contains("forwarding-enabled=both")
                || reason.contains("forwarding-enabled=yes")),
        "{reason}"
    );
}
