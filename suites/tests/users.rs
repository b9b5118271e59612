//! Measure 4, users: the factory admin is gone and refused; a named administrator with a
//! strong password logs in.

use chrlab::report::ReportKind;
use chrlab_suites::{
    explain, failed, hardened, lab_runs_here, passed, snapshot_settings, unhardened,
};
use rstest::rstest;

#[rstest]
#[case::default_admin_gone("users.default-admin-gone")]
#[case::default_admin_refused("users.default-admin-refused")]
#[case::new_admin("users.new-admin")]
#[case::password_policy("users.password-policy")]
#[case::no_other_privileged("users.no-other-privileged")]
#[case::guessing_refused("users.guessing-refused")]
fn hardened_router_passes(#[case] id: &str) {
    if !lab_runs_here() {
        return;
    }
    let r = hardened().result(id);
    assert!(passed(r), "{}", explain(r));
}

#[rstest]
#[case::default_admin_gone("users.default-admin-gone")]
#[case::default_admin_refused("users.default-admin-refused")]
#[case::new_admin("users.new-admin")]
#[case::password_policy("users.password-policy")]
#[case::no_other_privileged("users.no-other-privileged")]
#[case::guessing_refused("users.guessing-refused")]
fn unhardened_router_fails(#[case] id: &str) {
    if !lab_runs_here() {
        return;
    }
    let r = unhardened().result(id);
    assert!(failed(r), "the negative control must fail: {}", explain(r));
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
