//! Measure 2, management services: telnet, ftp, api, winbox off; ssh and www moved.

use chrlab_suites::{
    explain, failed, hardened, lab_runs_here, passed, snapshot_settings, unhardened,
};
use rstest::rstest;

#[rstest]
#[case::disabled("services.disabled")]
#[case::disabled_unreachable("services.disabled-unreachable")]
#[case::moved("services.moved")]
#[case::default_ports_silent("services.default-ports-silent")]
#[case::answer_on_new_ports("services.answer-on-new-ports")]
fn hardened_router_passes(#[case] id: &str) {
    if !lab_runs_here() {
        return;
    }
    let r = hardened().result(id);
    assert!(passed(r), "{}", explain(r));
}

#[rstest]
#[case::disabled("services.disabled")]
#[case::disabled_unreachable("services.disabled-unreachable")]
#[case::moved("services.moved")]
#[case::default_ports_silent("services.default-ports-silent")]
#[case::answer_on_new_ports("services.answer-on-new-ports")]
fn unhardened_router_fails(#[case] id: &str) {
    if !lab_runs_here() {
        return;
    }
    let r = unhardened().result(id);
    assert!(failed(r), "the negative control must fail: {}", explain(r));
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
