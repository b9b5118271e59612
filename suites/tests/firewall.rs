//! Measure 3, firewall: management ports reachable from whitelisted sources only, probed from
//! a trusted and an untrusted vantage.

use chrlab_suites::{
    explain, failed, hardened, lab_runs_here, passed, snapshot_settings, unhardened,
};
use rstest::rstest;

#[rstest]
#[case::rules("firewall.rules")]
#[case::trusted_reachable("firewall.trusted-reachable")]
#[case::untrusted_blocked("firewall.untrusted-blocked")]
fn hardened_router_passes(#[case] id: &str) {
    if !lab_runs_here() {
        return;
    }
    let r = hardened().result(id);
    assert!(passed(r), "{}", explain(r));
}

#[rstest]
#[case::rules("firewall.rules")]
#[case::trusted_reachable("firewall.trusted-reachable")]
#[case::untrusted_blocked("firewall.untrusted-blocked")]
fn unhardened_router_fails(#[case] id: &str) {
    if !lab_runs_here() {
        return;
    }
    let r = unhardened().result(id);
    assert!(failed(r), "the negative control must fail: {}", explain(r));
}

#[test]
fn filter_rules_snapshot() {
    if !lab_runs_here() {
        return;
    }
    let run = hardened();
    let rules = run.audit.observation.summary().filter;
    snapshot_settings().bind(|| {
        insta::assert_yaml_snapshot!(format!("firewall_rules__{}", run.version()), rules);
    });
}

#[test]
fn probe_matrix_snapshot() {
    if !lab_runs_here() {
        return;
    }
    for (name, run) in [("hardened", hardened()), ("factory", unhardened())] {
        let matrix = run.audit.observation.summary().matrix;
        snapshot_settings().bind(|| {
            insta::assert_yaml_snapshot!(
                format!("probe_matrix__{name}__{}", run.version()),
                matrix
            );
        });
    }
}
