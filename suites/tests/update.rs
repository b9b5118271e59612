//! Measure 1, update state: installed version, channel, known-vulnerable versions.

use chrlab::outcome::Measure;
use chrlab_suites::{
    every_check_fails_on_the_factory_router, every_check_passes, explain, hardened, lab_runs_here,
    passed, snapshot_settings, unhardened,
};
use rstest::rstest;

/// Every check the registry declares for this measure.
#[test]
fn hardened_router_passes() {
    if !lab_runs_here() {
        return;
    }
    every_check_passes(Measure::Update);
}

#[test]
fn unhardened_router_fails() {
    if !lab_runs_here() {
        return;
    }
    every_check_fails_on_the_factory_router(Measure::Update);
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

/// However long the router's check takes, the verdicts are the same; only the run is longer.
#[rstest]
#[case::instant(0)]
#[case::fast(20)]
#[case::default_time(50)]
#[case::between(300)]
#[case::slow(2000)]
fn check_timing_changes_no_verdict(#[case] millis: u64) {
    let run = chrlab_suites::sim_audit(
        chrlab::lab::sim::SimLabConfig {
            update_check_time: std::time::Duration::from_millis(millis),
            ..Default::default()
        },
        true,
        None,
    );
    for id in [
        "update.minimum-version",
        "update.no-known-vulnerability",
        "update.channel",
        "update.latest",
    ] {
        let r = run.result(id);
        assert!(passed(r), "{millis} ms check: {}", explain(r));
    }
    let u = run
        .audit
        .observation
        .update
        .as_ref()
        .expect("update state read");
    assert_eq!(
        u.installed_version.to_string(),
        "7.24.4",
        "{millis} ms: installed"
    );
    assert_eq!(u.status.as_deref(), Some("System is already up to date"));
}

/// A router whose check ends in an error is not verifiable, in the router's own words, never
/// "up to date" — even though its latest-version (from an earlier check) is still there.
#[rstest]
#[case::fast(
    50,
    chrlab::lab::sim::CheckFailure::NoDns,
    "ERROR: could not resolve dns name"
)]
#[case::slow(
    1000,
    chrlab::lab::sim::CheckFailure::NoDns,
    "ERROR: could not resolve dns name"
)]
#[case::no_route(
    50,
    chrlab::lab::sim::CheckFailure::NoRoute,
    "ERROR: no internet connection"
)]
fn a_failed_check_is_not_verifiable_with_the_routers_words(
    #[case] millis: u64,
    #[case] failure: chrlab::lab::sim::CheckFailure,
    #[case] words: &str,
) {
    let run = chrlab_suites::sim_audit(
        chrlab::lab::sim::SimLabConfig {
            update_check_time: std::time::Duration::from_millis(millis),
            ..Default::default()
        },
        true,
        Some(failure),
    );
    let r = run.result("update.latest");
    assert!(
        matches!(r.outcome, chrlab::outcome::Outcome::Skip(_)),
        "{}",
        explain(r)
    );
    let said = format!(
        "{} {}",
        r.outcome.reason().unwrap_or_default(),
        r.evidence.join(" ")
    );
    assert!(said.contains(words), "{said}");
    let u = run
        .audit
        .observation
        .update
        .as_ref()
        .expect("update state read");
    assert_eq!(
        u.latest_version.map(|v| v.to_string()).as_deref(),
        Some("7.24.4"),
        "latest-version is the earlier check's"
    );
    // Nothing was installed on the strength of a check that failed.
    assert_eq!(u.installed_version.to_string(), "7.23.7");
}

/// A v6 router reaches v7 the way MikroTik documents it: the `upgrade` channel offers 7.12.1
/// (and nothing newer), `install` reboots into it.
#[test]
fn a_v6_router_on_the_upgrade_channel_reaches_7_12_1() {
    use chrlab::lab::Role;
    use chrlab::operator::{Operator, UpdateCheck};
    let run = chrlab_suites::sim_audit(
        chrlab::lab::sim::SimLabConfig {
            version: routeros::version::Version::new(6, 49, 13),
            ..Default::default()
        },
        false,
        None,
    );
    let lab = run.lab.as_ref();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let op = Operator::new(lab);
        let set = op
            .exec(Role::Trusted, "/system package update set channel=upgrade")
            .await
            .expect("set channel");
        assert!(set.trim().is_empty(), "{set}");
        let check = op.check_for_updates(Role::Trusted).await.expect("check");
        let UpdateCheck::Verdict(u) = &check else {
            panic!("no verdict: {check:?}")
        };
        assert_eq!(u.status.as_deref(), Some("New version is available"));
        assert_eq!(
            u.latest_version.map(|v| v.to_string()).as_deref(),
            Some("7.12.1")
        );
        let _ = op
            .exec(Role::Trusted, "/system package update install")
            .await;
        // The router reboots into 7.12.1.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let rows = op.rows(Role::Trusted, "/system/package/update").await;
            let installed = rows.ok().and_then(|r| {
                routeros::model::PackageUpdate::from_props(r.first()?)
                    .ok()
                    .map(|u| u.installed_version.to_string())
            });
            if installed.as_deref() == Some("7.12.1") {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "still {installed:?} after 20 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    });
}
