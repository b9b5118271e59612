//! The input chain as a whole: established accepted, invalid dropped, everything else from
//! untrusted sources dropped. Proved from the untrusted vantage on every port a RouterOS service
//! can use and a sample of high ports, TCP and UDP.

use chrlab::lab::Role;
use chrlab::lab::spec::LabSpec;
use chrlab::outcome::{Measure, Outcome};
use chrlab::probe::Seen;
use chrlab_suites::{Run, explain, hardened, lab_runs_here, passed, unhardened};

const CHAIN: &str = "input.chain";
const SILENT: &str = "input.untrusted-silent";

/// Whether the untrusted vantage of `run` could send UDP at all (QEMU user-mode port forwards
/// cannot). On the namespace lab it must.
fn untrusted_sent_udp(run: &Run) -> bool {
    let seen = run
        .audit
        .observation
        .seen(Measure::Input, "udp-53", Role::Untrusted);
    let sent = !matches!(seen, None | Some(Seen::NotRun(_)));
    if matches!(LabSpec::from_env(), Ok(LabSpec::Sim(_))) {
        assert!(
            sent,
            "the namespace lab's untrusted vantage must carry UDP: {seen:?}"
        );
    }
    sent
}

#[test]
fn hardened_router_passes() {
    if !lab_runs_here() {
        return;
    }
    let run = hardened();
    let chain = run.result(CHAIN);
    assert!(passed(chain), "{}", explain(chain));
    let silent = run.result(SILENT);
    if untrusted_sent_udp(run) {
        assert!(passed(silent), "{}", explain(silent));
        // The pass rests on what the untrusted vantage saw, high ports and UDP included.
        let evidence = silent.evidence.join("\n");
        for port in ["tcp 1080", "tcp 65535", "udp 53", "udp 161", "udp 60000"] {
            assert!(evidence.contains(port), "{port}: {}", explain(silent));
        }
    } else {
        assert!(
            matches!(&silent.outcome, Outcome::Skip(why) if why.starts_with("not verifiable") && why.contains("udp")),
            "{}",
            explain(silent)
        );
    }
}

/// A factory router has no input rules at all: the chain ends in accept, and its kernel resets
/// TCP connections to closed ports and answers UDP with ICMP port unreachable.
#[test]
fn unhardened_router_fails() {
    if !lab_runs_here() {
        return;
    }
    let run = unhardened();
    let chain = run.result(CHAIN);
    assert!(
        matches!(&chain.outcome, Outcome::Fail(why)
            if why.contains("an invalid TCP packet is not dropped")
                && why.contains("the chain ends in accept")),
        "{}",
        explain(chain)
    );
    let silent = run.result(SILENT);
    assert!(
        matches!(&silent.outcome, Outcome::Fail(why)
            if why.contains("answered the untrusted vantage") && why.contains("the router refused (not silent) tcp")),
        "{}",
        explain(silent)
    );
    if untrusted_sent_udp(run) {
        assert!(
            matches!(&silent.outcome, Outcome::Fail(why) if why.contains("ICMP port unreachable for udp")),
            "{}",
            explain(silent)
        );
    }
}

/// Re-opening the chain on a hardened router (the final drop turned off, or a UDP port
/// accepted before it) fails exactly the input chain's checks, and nothing else.
#[test]
fn reopening_the_chain_fails_exactly_its_checks() {
    if !lab_runs_here() {
        return;
    }
    use chrlab::profile::Profile;
    use chrlab_suites::{block_on, fresh, run_commands};
    let drop = "[find comment=\"chrlab: drop all else\"]";
    let cases: [(&str, Vec<String>, Vec<String>); 2] = [
        (
            "the final drop off",
            vec![format!("/ip firewall filter set {drop} disabled=yes")],
            vec![format!("/ip firewall filter set {drop} disabled=no")],
        ),
        (
            "udp 161 accepted from anywhere",
            vec![format!(
                "/ip firewall filter add chain=input action=accept protocol=udp dst-port=161 comment=reopen place-before={drop}"
            )],
            vec!["/ip firewall filter remove [find comment=reopen]".to_string()],
        ),
    ];
    let seen = block_on(async move {
        let run = fresh(Profile::baseline(), &[], true).await;
        let mut seen = Vec::new();
        for (what, open, close) in cases {
            let open: Vec<&str> = open.iter().map(String::as_str).collect();
            run_commands(run.lab.as_ref(), &open).await;
            let again = chrlab_suites::reaudit_in_place(&run).await;
            let failed = chrlab_suites::new_failures(&again.report.results);
            let reasons: Vec<String> = again
                .report
                .results
                .iter()
                .filter(|r| r.id.starts_with("input."))
                .map(explain)
                .collect();
            seen.push((what, failed, reasons.join("\n")));
            let close: Vec<&str> = close.iter().map(String::as_str).collect();
            run_commands(run.lab.as_ref(), &close).await;
        }
        seen
    });
    let sim = matches!(LabSpec::from_env(), Ok(LabSpec::Sim(_)));
    for (what, failed, reasons) in seen {
        assert!(
            failed.iter().any(|id| id == CHAIN),
            "{what}: {failed:?}\n{reasons}"
        );
        if sim {
            assert_eq!(failed, [CHAIN, SILENT], "{what}\n{reasons}");
        }
        assert!(
            failed.iter().all(|id| id.starts_with("input.")),
            "{what}: only the input chain's checks may fail: {failed:?}\n{reasons}"
        );
    }
}

/// Turning the IPv6 chain's final drop off re-opens every port over IPv6 (where the lab has an
/// IPv6 path): both input checks fail, the black box for what answered over IPv6, and nothing
/// else fails.
#[test]
fn reopening_the_ipv6_chain_fails_the_black_box_over_ipv6() {
    if !lab_runs_here() {
        return;
    }
    use chrlab::profile::Profile;
    use chrlab_suites::{block_on, fresh, run_commands};
    let (version, has_ipv6, failed, reason) = block_on(async move {
        let run = fresh(Profile::baseline(), &[], true).await;
        if !run.version().starts_with("6.") {
            run_commands(
                run.lab.as_ref(),
                &["/ipv6 firewall filter set [find comment=\"chrlab: drop all else\"] disabled=yes"],
            )
            .await;
        }
        let again = chrlab_suites::reaudit_in_place(&run).await;
        let failed = chrlab_suites::new_failures(&again.report.results);
        let reason = again
            .report
            .results
            .iter()
            .find(|r| r.id == SILENT)
            .map(explain)
            .unwrap_or_default();
        (
            run.version(),
            again.observation.matrix6.is_some(),
            failed,
            reason,
        )
    });
    if version.starts_with("6.") {
        // No /ipv6 firewall to re-open.
        assert!(failed.is_empty(), "{failed:?}\n{reason}");
    } else if has_ipv6 {
        // The white box judges the IPv6 chain too.
        assert_eq!(failed, [CHAIN, SILENT], "{reason}");
        assert!(
            reason.contains("over IPv6 the router answered the untrusted vantage"),
            "{reason}"
        );
    } else {
        // No IPv6 path from the vantages (QEMU, containers): the rules still tell.
        assert_eq!(failed, [CHAIN], "{reason}");
    }
}
