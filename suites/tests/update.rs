//! Measure 1, update state: installed version, channel, known-vulnerable versions.

use chrlab_suites::{
    explain, failed, hardened, lab_runs_here, passed, snapshot_settings, unhardened,
};
use rstest::rstest;

#[rstest]
#[case::minimum_version("update.minimum-version")]
#[case::no_known_vulnerability("update.no-known-vulnerability")]
#[case::channel("update.channel")]
#[case::latest("update.latest")]
fn hardened_router_passes(#[case] id: &str) {
    if !lab_runs_here() {
        return;
    }
    let r = hardened().result(id);
    assert!(passed(r), "{}", explain(r));
}

#[rstest]
#[case::minimum_version("update.minimum-version")]
#[case::no_known_vulnerability("update.no-known-vulnerability")]
#[case::channel("update.channel")]
#[case::latest("update.latest")]
fn unhardened_router_fails(#[case] id: &str) {
    if !lab_runs_here() {
        return;
    }
    let r = unhardened().result(id);
    assert!(failed(r), "the negative control must fail: {}", explain(r));
}

#[test]
fn vulnerable_version_names_the_cve() {
    if !lab_runs_here() {
        return;
    }
    let r = unhardened().result("update.no-known-vulnerability");
    let reason = r.outcome.reason().unwrap_or_default();
    assert!(reason.contains("CVE-2026-84411"), "{}", explain(r));
}

#[test]
fn update_state_snapshot() {
    if !lab_runs_here() {
        return;
    }
    for (name, run) in [("hardened", hardened()), ("factory", unhardened())] {
        let u = run
            .audit
            .observation
            .update
            .as_ref()
            .expect("update state was read");
        let state = serde_json::json!({
            "installed-version": u.installed_version.to_string(),
            "channel": u.channel.as_str(),
            "latest-version": u.latest_version.map(|v| v.to_string()),
            "status": u.status,
        });
        snapshot_settings().bind(|| {
            insta::assert_yaml_snapshot!(format!("update__{name}__{}", run.version()), state);
        });
    }
}
