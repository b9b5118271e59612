//! Measure 4, users: the factory admin is gone and refused; a named administrator with a
//! strong password logs in.

use chrlab::outcome::Measure;
use chrlab::report::ReportKind;
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
    every_check_passes(Measure::Users);
}

#[test]
fn unhardened_router_fails() {
    if !lab_runs_here() {
        return;
    }
    every_check_fails_on_the_factory_router(Measure::Users);
}

#[test]
fn the_generated_password_appears_in_no_report() {
    if !lab_runs_here() {
        return;
    }
    let run = hardened();
    let password = run.audit.observation.operator_password.expose().to_string();
    assert!(
        password.len() >= 16,
        "the generated password follows the policy"
    );
    for kind in [ReportKind::Json, ReportKind::Junit, ReportKind::Markdown] {
        let text = kind.render(&run.audit.report);
        assert!(
            !text.contains(&password),
            "the password leaked into the {kind:?} report"
        );
    }
    let summary = format!("{:?}", run.audit.observation.summary());
    assert!(
        !summary.contains(&password),
        "the password leaked into the snapshot data"
    );
}

#[test]
fn users_snapshot() {
    if !lab_runs_here() {
        return;
    }
    for (name, run) in [("hardened", hardened()), ("factory", unhardened())] {
        let users = run.audit.observation.summary().users;
        snapshot_settings().bind(|| {
            insta::assert_yaml_snapshot!(format!("users__{name}__{}", run.version()), users);
        });
    }
}
