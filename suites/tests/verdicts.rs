//! Verdicts that must not lie: each case is a router in a state that once fooled a check, and
//! the verdict chrlab must give on it.
//!
//! - a router audited before, whose failed-login logging was then switched off: earlier audits'
//!   log lines must not count;
//! - a router that cannot be read (the harness's own source is locked out): the configuration
//!   checks are *not verifiable*, the probes carry the failure, and the audit is incomplete;
//! - a second user with full rights and a guessable password (`backup`/`backup`);
//! - a listener the profile does not protect: a re-enabled telnet on a new port, and the
//!   bandwidth-test server.

use std::path::Path;

use chrlab::audit::{Audit, audit};
use chrlab::outcome::{Exit, Outcome};
use chrlab::profile::Profile;
use chrlab_suites::{Run, block_on, explain, fresh, lab_runs_here, run_commands};

fn outcome<'a>(run: &'a Run, id: &str) -> &'a Outcome {
    &run.result(id).outcome
}

fn reason(run: &Run, id: &str) -> String {
    let r = run.result(id);
    match &r.outcome {
        Outcome::Fail(why) => why.clone(),
        _ => panic!("{id} must fail: {}", explain(r)),
    }
}

/// Audits the router of `run` again, as it is now, with its profile: the first audit and the
/// run with the second.
async fn reaudit(run: Run) -> (Audit, Run) {
    let again = audit(
        run.lab.as_ref(),
        &run.profile,
        Path::new("profiles/baseline.toml"),
        false,
    )
    .await
    .unwrap_or_else(|e| panic!("re-audit: {e}"));
    let first = run.audit;
    let second = Run {
        lab: run.lab,
        profile: run.profile,
        audit: again,
    };
    (first, second)
}

#[test]
fn old_log_lines_do_not_prove_that_failed_logins_are_logged() {
    if !lab_runs_here() {
        return;
    }
    let (first, second) = block_on(async {
        let run = fresh(Profile::baseline(), &[], true).await;
        assert_eq!(
            run.result("logging.failed-login-recorded").outcome,
            Outcome::Pass,
            "{}",
            explain(run.result("logging.failed-login-recorded"))
        );
        // The first audit's failure lines stay in /log; then logging is switched off.
        run_commands(
            run.lab.as_ref(),
            &["/system logging set [find topics=error action=memory] disabled=yes"],
        )
        .await;
        reaudit(run).await
    });
    assert!(
        first.report.incomplete.is_empty(),
        "{:?}",
        first.report.incomplete
    );
    let why = reason(&second, "logging.failed-login-recorded");
    assert!(why.contains("new line(s) in /log"), "{why}");
    assert!(outcome(&second, "logging.rule").is_fail());
}

#[test]
fn a_router_that_cannot_be_read_is_not_verifiable_and_the_audit_incomplete() {
    if !lab_runs_here() {
        return;
    }
    let (_, locked) = block_on(async {
        let run = fresh(Profile::baseline(), &[], true).await;
        let harness = run
            .lab
            .vantage(chrlab::lab::Role::Trusted)
            .expect("trusted vantage")
            .address();
        // The harness locks its own source out, ahead of every other rule.
        run_commands(
            run.lab.as_ref(),
            &[&format!(
                "/ip firewall filter add chain=input src-address={harness} action=drop place-before=0"
            )],
        )
        .await;
        run.lab
            .settle()
            .await
            .expect("the router did what it was told");
        reaudit(run).await
    });
    let report = &locked.audit.report;
    assert!(
        !report.incomplete.is_empty(),
        "the audit must say it is incomplete"
    );
    assert_eq!(report.exit(), Exit::ChecksFailed);
    // Checks that need the configuration are not verifiable, never failed.
    for id in [
        "update.minimum-version",
        "services.disabled",
        "services.moved",
        "firewall.rules",
        "users.default-admin-gone",
        "users.new-admin",
        "users.no-other-privileged",
        "logging.rule",
        "logging.failed-login-recorded",
    ] {
        match outcome(&locked, id) {
            Outcome::Skip(why) => assert!(why.contains("not verifiable"), "{id}: {why}"),
            _ => panic!(
                "{id} must be not verifiable: {}",
                explain(locked.result(id))
            ),
        }
    }
    // The probes see the lock-out itself.
    assert!(outcome(&locked, "firewall.trusted-reachable").is_fail());
    assert!(outcome(&locked, "services.answer-on-new-ports").is_fail());
}

#[test]
fn a_second_full_user_with_a_guessable_password_fails() {
    if !lab_runs_here() {
        return;
    }
    let run = block_on(fresh(
        Profile::baseline(),
        &["/user add name=backup group=full password=backup"],
        true,
    ));
    let why = reason(&run, "users.no-other-privileged");
    assert!(why.contains("`backup` is enabled in group `full`"), "{why}");
    let why = reason(&run, "users.guessing-refused");
    assert!(
        why.contains("`backup` logged in over ssh from trusted with the user name as password"),
        "{why}"
    );
    // The same router with the account allowed: the rights are accepted, the password is not.
    let mut allowing = Profile::baseline();
    allowing.users.allowed_privileged = vec!["backup".into()];
    let judged = chrlab::check::judge(&allowing, &run.audit.observation);
    let verdict = |id: &str| {
        judged
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.outcome.clone())
            .expect(id)
    };
    assert_eq!(verdict("users.no-other-privileged"), Outcome::Pass);
    assert!(verdict("users.guessing-refused").is_fail());
}

#[test]
fn a_listener_the_profile_does_not_protect_fails_from_the_untrusted_side() {
    if !lab_runs_here() {
        return;
    }
    let mut keep_btest = Profile::baseline();
    keep_btest.services.bandwidth_server = true;
    // A profile that closes only the management ports: no final drop behind them ([input]).
    keep_btest.input.close = false;
    let run = block_on(async move {
        let run = fresh(keep_btest, &[], true).await;
        // Telnet comes back on a port the firewall rules do not name.
        run_commands(
            run.lab.as_ref(),
            &["/ip service set [find name=telnet] disabled=no port=2323"],
        )
        .await;
        run.lab
            .settle()
            .await
            .expect("the router did what it was told");
        reaudit(run).await.1
    });
    let why = reason(&run, "firewall.untrusted-blocked");
    assert!(
        why.contains("port 2323 (telnet per /ip service) answers from untrusted"),
        "{why}"
    );
    assert!(
        why.contains("port 2000 (bandwidth-server) answers from untrusted"),
        "{why}\n{:#?}",
        (
            run.audit.observation.matrix.cells.get(&2000),
            &run.audit.observation.bandwidth_server
        )
    );
}
