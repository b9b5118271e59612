//! Measure 2, management services: telnet, ftp, api, winbox off; ssh and www moved.

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
    every_check_passes(Measure::Services);
}

#[test]
fn unhardened_router_fails() {
    if !lab_runs_here() {
        return;
    }
    every_check_fails_on_the_factory_router(Measure::Services);
}

#[test]
fn service_table_snapshot() {
    if !lab_runs_here() {
        return;
    }
    for (name, run) in [("hardened", hardened()), ("factory", unhardened())] {
        let table = run.audit.observation.summary().services;
        snapshot_settings().bind(|| {
            insta::assert_yaml_snapshot!(format!("services__{name}__{}", run.version()), table);
        });
    }
}
