//! Layer-2 access: MAC-Telnet, MAC-WinBox, MAC ping and neighbor discovery off. MAC-Telnet, MAC
//! ping and neighbor discovery are also proved from the vantages on the router's link (MNDP,
//! MAC-Telnet and MAC ping probes) where the lab has one: the simulator's namespace lab does.

use chrlab::lab::spec::LabSpec;
use chrlab::outcome::Measure;
use chrlab_suites::{
    every_check_fails_on_the_factory_router, every_check_passes, explain, hardened, lab_runs_here,
    unhardened,
};

/// Whether the suites' lab is the simulator's namespace lab, whose vantages share the router's
/// bridge (elsewhere the black box may not run, and says so).
fn shared_link() -> bool {
    matches!(LabSpec::from_env(), Ok(LabSpec::Sim(_)))
}

/// The black-box checks and the answer each probe must have seen on the factory router.
const BLACK_BOX: [(&str, &str); 3] = [
    (
        "layer2.neighbor-discovery",
        "mndp from untrusted: answered: identity=",
    ),
    ("layer2.mac-server", "mac-telnet from untrusted: answered: "),
    ("layer2.mac-ping", "mac-ping from untrusted: answered: "),
];

#[test]
fn the_factory_router_is_seen_answering_on_its_link() {
    if !lab_runs_here() {
        return;
    }
    for (id, answered) in BLACK_BOX {
        let r = unhardened().result(id);
        let why = explain(r);
        if shared_link() {
            assert!(r.evidence.iter().any(|e| e.starts_with(answered)), "{why}");
            match &r.outcome {
                chrlab::outcome::Outcome::Fail(reason) => {
                    assert!(reason.contains("vantage"), "{why}")
                }
                other => panic!("{id} must fail: {other:?}"),
            }
        } else {
            // A QEMU or container lab: the probe may not reach the guest's link, or the guest
            // (the stand-in's simulator) may not answer there; the settings still fail it, and
            // the evidence says what the probe saw from the untrusted vantage.
            let probe = answered.split(" from ").next().unwrap_or(answered);
            assert!(
                r.evidence
                    .iter()
                    .any(|e| e.starts_with(&format!("{probe} from untrusted: "))),
                "{why}"
            );
            assert!(
                matches!(r.outcome, chrlab::outcome::Outcome::Fail(_)),
                "{id} must fail: {why}"
            );
        }
    }
    if shared_link() {
        let nd = explain(unhardened().result("layer2.neighbor-discovery"));
        assert!(nd.contains("version=") && nd.contains("board=CHR"), "{nd}");
    }
}

#[test]
fn the_hardened_router_is_heard_silent_on_its_link() {
    if !lab_runs_here() {
        return;
    }
    for (id, _) in BLACK_BOX {
        let r = hardened().result(id);
        let why = explain(r);
        assert_eq!(r.outcome, chrlab::outcome::Outcome::Pass, "{why}");
        if shared_link() {
            for vantage in ["trusted", "untrusted"] {
                assert!(
                    r.evidence
                        .iter()
                        .any(|e| e.contains(&format!("from {vantage}: silent"))),
                    "{why}"
                );
            }
        }
    }
}

/// Every check the registry declares for this measure.
#[test]
fn hardened_router_passes() {
    if !lab_runs_here() {
        return;
    }
    every_check_passes(Measure::Layer2);
}

#[test]
fn unhardened_router_fails() {
    if !lab_runs_here() {
        return;
    }
    every_check_fails_on_the_factory_router(Measure::Layer2);
}

/// Re-opening one item on a hardened router fails exactly that item's check.
#[test]
fn reopening_one_item_fails_exactly_its_check() {
    if !lab_runs_here() {
        return;
    }
    use chrlab::profile::Profile;
    use chrlab_suites::{block_on, fresh, run_commands};
    let failures = block_on(async {
        let run = fresh(Profile::baseline(), &[], true).await;
        let mut seen = Vec::new();
        for (id, open, close) in [
            (
                "layer2.mac-server",
                "/tool mac-server set allowed-interface-list=all",
                "/tool mac-server set allowed-interface-list=none",
            ),
            (
                "layer2.mac-winbox",
                "/tool mac-server mac-winbox set allowed-interface-list=all",
                "/tool mac-server mac-winbox set allowed-interface-list=none",
            ),
            (
                "layer2.mac-ping",
                "/tool mac-server ping set enabled=yes",
                "/tool mac-server ping set enabled=no",
            ),
            (
                "layer2.neighbor-discovery",
                "/ip neighbor discovery-settings set discover-interface-list=all",
                "/ip neighbor discovery-settings set discover-interface-list=none",
            ),
        ] {
            run_commands(run.lab.as_ref(), &[open]).await;
            let again = chrlab_suites::reaudit_in_place(&run).await;
            let failed = chrlab_suites::new_failures(&again.report.results);
            let reason = chrlab_suites::explain_id(&again.report.results, id);
            seen.push((id, failed, reason));
            run_commands(run.lab.as_ref(), &[close]).await;
        }
        seen
    });
    for (id, failed, reason) in failures {
        assert_eq!(failed, [id], "re-opening {id}: {reason}");
        assert!(
            reason.contains("all") || reason.contains("enabled"),
            "{reason}"
        );
        // Where the lab has a shared link, the black box is the reason: the router answered.
        if shared_link() && BLACK_BOX.iter().any(|(b, _)| *b == id) {
            assert!(reason.contains("the router answered"), "{reason}");
        }
    }
}
