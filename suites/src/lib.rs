//! Shared fixtures for the measure suites: a hardened lab and a negative control, each built
//! once per test binary and shared by its tests. The lab comes from `$CHRLAB_SUITE_LAB`
//! (`sim`, `sim:6.49.13`, …; default `sim`) and is used only through the `Lab` trait, so other
//! backends run the same suites unchanged.
//!
//! The labs run on threads of their own (router, vantages), so they outlive the runtime that
//! built them; their namespaces vanish with the process even if a test panics.

use std::path::Path;
use std::sync::OnceLock;

use chrlab::audit::{Audit, audit};
use chrlab::lab::Lab;
use chrlab::lab::sim::{CheckFailure, SimLab, SimLabConfig};
use chrlab::lab::spec::LabSpec;
use chrlab::operator::Operator;
use chrlab::outcome::{CheckResult, Outcome};
use chrlab::profile::Profile;

/// A lab and the audit run against it.
pub struct Run {
    pub lab: Box<dyn Lab>,
    pub profile: Profile,
    pub audit: Audit,
}

impl Run {
    /// The result of one check by id; panics with the list of ids when it does not exist.
    pub fn result(&self, id: &str) -> &CheckResult {
        self.audit
            .report
            .results
            .iter()
            .find(|r| r.id == id)
            .unwrap_or_else(|| {
                let ids: Vec<&str> = self
                    .audit
                    .report
                    .results
                    .iter()
                    .map(|r| r.id.as_str())
                    .collect();
                panic!("no check `{id}`; checks are {ids:?}")
            })
    }

    /// The RouterOS version the router reported (snapshot key).
    pub fn version(&self) -> String {
        self.audit
            .report
            .version
            .clone()
            .unwrap_or_else(|| "unknown".into())
    }
}

/// Explains a result for an assertion message.
pub fn explain(r: &CheckResult) -> String {
    format!(
        "{} [{}]: {:?}\n  evidence:\n    {}",
        r.id,
        r.title,
        r.outcome,
        r.evidence.join("\n    ")
    )
}

/// Whether the result passed.
pub fn passed(r: &CheckResult) -> bool {
    r.outcome == Outcome::Pass
}

/// Whether the result failed (not skipped).
pub fn failed(r: &CheckResult) -> bool {
    matches!(r.outcome, Outcome::Fail(_))
}

/// Every check the registry declares for `measure` passes on the hardened router; the
/// message lists each one that did not, with its evidence.
pub fn every_check_passes(measure: chrlab::outcome::Measure) {
    every_check(measure, hardened(), passed, "the hardened router must pass");
}

/// Every check the registry declares for `measure` fails on the negative control, each for
/// its own reason.
pub fn every_check_fails_on_the_factory_router(measure: chrlab::outcome::Measure) {
    every_check(
        measure,
        unhardened(),
        failed,
        "the negative control must fail",
    );
}

fn every_check(
    measure: chrlab::outcome::Measure,
    run: &Run,
    wanted: fn(&CheckResult) -> bool,
    what: &str,
) {
    let checks = chrlab::measures::checks_of(measure);
    assert!(!checks.is_empty(), "{measure:?} declares no checks");
    let bad: Vec<String> = checks
        .iter()
        .map(|c| run.result(c.id))
        .filter(|r| !wanted(r))
        .map(explain)
        .collect();
    assert!(bad.is_empty(), "{what}:\n{}", bad.join("\n"));
}

/// Whether this machine can build the suites' lab. If not, the calling test is a counted skip
/// (`testsupport::require`: printed, appended to `$CHRLAB_SKIP_LEDGER`, a failure under
/// `CHRLAB_REQUIRE_PRIVILEGED=1`) and returns; every suite test starts with it. A remote lab
/// needs nothing of this machine but its network.
pub fn lab_runs_here() -> bool {
    match LabSpec::from_env().unwrap_or_else(|e| panic!("{e}")) {
        LabSpec::Sim(_) => testsupport::require(testsupport::Need::NAMESPACE_LAB),
        LabSpec::Qemu(_) => testsupport::require(testsupport::Need::QEMU_LAB),
        LabSpec::Container(_) => testsupport::require(testsupport::Need::CONTAINER_LAB),
        LabSpec::Remote(_) => true,
    }
}

/// Runs `f` to completion on a private runtime on a private thread (fixtures and tests are sync).
pub fn block_on<T: Send + 'static>(f: impl std::future::Future<Output = T> + Send + 'static) -> T {
    // A private runtime on a private thread: fixtures are built from sync rstest code, and
    // whatever they start runs on its own threads afterwards.
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("build a tokio runtime for the fixture")
            .block_on(f)
    })
    .join()
    .expect("fixture thread")
}

async fn build(harden: bool, sabotage: &'static [&'static str]) -> Run {
    fresh(suite_profile(), sabotage, harden).await
}

/// The profile of the shared hardened and factory runs: the baseline, with the harness's own
/// trusted source as the syslog collector (`[logging] remote = "harness"`), so that
/// `logging.remote` is proved by the datagrams the collector receives rather than skipped.
pub fn suite_profile() -> Profile {
    let mut p = Profile::baseline();
    p.logging.remote = Some(chrlab::profile::Collector::Harness);
    p
}

/// Runs each command line on the lab's router over SSH from the trusted vantage, as the
/// harness's current user; each must print nothing (RouterOS prints nothing on success).
pub async fn run_commands(lab: &dyn Lab, lines: &[&str]) {
    let op = Operator::new(lab);
    for line in lines {
        let out = op
            .exec(chrlab::lab::Role::Trusted, line)
            .await
            .unwrap_or_else(|e| panic!("`{line}`: {e}"));
        assert!(out.trim().is_empty(), "`{line}` printed {out:?}");
    }
}

/// A fresh lab from `$CHRLAB_SUITE_LAB`, changed by `sabotage` (run as the factory user), then
/// audited with `profile` (hardened first when `harden`).
pub async fn fresh(profile: Profile, sabotage: &[&str], harden: bool) -> Run {
    let spec = LabSpec::from_env().unwrap_or_else(|e| panic!("{e}"));
    let lab = spec.start().await.unwrap_or_else(|e| {
        panic!("cannot start the {spec} lab (the simulator needs root and nftables): {e}")
    });
    run_commands(lab.as_ref(), sabotage).await;
    let audit = audit(
        lab.as_ref(),
        &profile,
        Path::new("profiles/baseline.toml"),
        harden,
    )
    .await
    .unwrap_or_else(|e| panic!("audit failed: {e}"));
    Run {
        lab,
        profile,
        audit,
    }
}

/// A factory router, hardened with the default baseline, then audited.
pub fn hardened() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| block_on(build(true, &[])))
}

/// The negative control: a router as it comes from the factory, except for the
/// few settings whose factory value already meets the baseline (the update channel, the
/// logging rules), which are broken on purpose so that every check has something to catch.
pub fn unhardened() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| block_on(build(false, SABOTAGE)))
}

/// Audits `run`'s router again without applying anything (after a test changed it).
pub async fn reaudit_in_place(run: &Run) -> Audit {
    audit(
        run.lab.as_ref(),
        &run.profile,
        Path::new("profiles/baseline.toml"),
        false,
    )
    .await
    .unwrap_or_else(|e| panic!("re-audit: {e}"))
}

/// The checks that fail in `results` but not on the shared hardened router
/// ([`fails_when_hardened`]): what a re-opening caused.
pub fn new_failures(results: &[CheckResult]) -> Vec<String> {
    results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Fail(_)) && !fails_when_hardened(&r.id))
        .map(|r| r.id.clone())
        .collect()
}

/// The result of check `id` in `results`, explained; empty when it is not there.
pub fn explain_id(results: &[CheckResult], id: &str) -> String {
    results
        .iter()
        .find(|r| r.id == id)
        .map(explain)
        .unwrap_or_default()
}

/// Whether check `id` already fails on the shared hardened router (RouterOS 6's update checks;
/// device-mode where the lab cannot power-cycle the router to confirm it): a re-opening test
/// counts only the failures it caused.
pub fn fails_when_hardened(id: &str) -> bool {
    hardened()
        .audit
        .report
        .results
        .iter()
        .any(|r| r.id == id && matches!(r.outcome, Outcome::Fail(_)))
}

/// A lab of its own (not shared), built from `config` and audited with the baseline
/// (hardened first with `harden`). With `fail_after_first_check`, the router checks for
/// updates once (so it has a `latest-version`), then every later check fails that way: its
/// `latest-version` is stale, as on a router that lost its way to the upgrade server.
pub fn sim_audit(
    config: SimLabConfig,
    harden: bool,
    fail_after_first_check: Option<CheckFailure>,
) -> Run {
    block_on(async move {
        let profile = Profile::baseline();
        let lab = SimLab::start(config).await.unwrap_or_else(|e| {
            panic!("cannot start the simulator lab (the simulator needs root and nftables): {e}")
        });
        if let Some(failure) = fail_after_first_check {
            let first = Operator::new(&lab)
                .check_for_updates(chrlab::lab::Role::Trusted)
                .await
                .unwrap_or_else(|e| panic!("first update check: {e}"));
            assert!(first.verdict().is_some(), "first update check: {first:?}");
            lab.router().set_update_failure(Some(failure));
        }
        let audit = audit(&lab, &profile, Path::new("profiles/baseline.toml"), harden)
            .await
            .unwrap_or_else(|e| panic!("audit failed: {e}"));
        Run {
            lab: Box::new(lab),
            profile,
            audit,
        }
    })
}

/// What the negative control changes on a factory router.
pub const SABOTAGE: &[&str] = &[
    "/system package update set channel=testing",
    "/system logging set [find topics=error action=memory] disabled=yes",
    // Off in the factory: a router in service may have turned any of them on.
    "/ip dns set allow-remote-requests=yes",
    "/ip proxy set enabled=yes",
    "/ip socks set enabled=yes",
    "/ip upnp set enabled=yes",
    "/snmp set enabled=yes",
    "/tool romon set enabled=yes",
    "/ip cloud set ddns-enabled=yes",
    // Off in the factory too; v7 takes no/local/remote/both, v6 yes/no.
    FORWARDING_ON,
];

/// Turns SSH forwarding on, on RouterOS 7 (`both`) or 6 (`yes`).
pub const FORWARDING_ON: &str =
    ":do { /ip ssh set forwarding-enabled=both } on-error={ /ip ssh set forwarding-enabled=yes }";

/// Runs `f` with insta writing to the top-level `snapshots/` folder under an explicit name.
pub fn snapshot_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("../snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}
