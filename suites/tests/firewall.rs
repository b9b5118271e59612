//! Measure 3, firewall: management ports reachable from whitelisted sources only, probed from
//! a trusted and an untrusted vantage.

use chrlab::outcome::Measure;
use chrlab_suites::{
    every_check_fails_on_the_factory_router, every_check_passes, hardened, lab_runs_here,
    snapshot_settings, unhardened,
};

/// Every check the registry declares for this measure.
#[test]
fn hardened_router_passes() {
    if !lab_runs_here() {
        return;
    }
    every_check_passes(Measure::Firewall);
}

#[test]
fn unhardened_router_fails() {
    if !lab_runs_here() {
        return;
    }
    every_check_fails_on_the_factory_router(Measure::Firewall);
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
