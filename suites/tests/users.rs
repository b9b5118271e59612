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
    for kind in [
        ReportKind::Json,
        ReportKind::Junit,
        ReportKind::Markdown,
        ReportKind::Html,
        ReportKind::Sarif,
    ] {
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

/// The administrator's `/user address=` on a hardened router: emptied, exactly
/// `users.address-restricted` fails. Restored, and ssh opened to the untrusted vantage (its
/// firewall drop disabled and the ssh service's own `address=` emptied, so a login from there
/// reaches the password check): the administrator's login from there with the right password is
/// refused, the log shows `login failure for user netops from <untrusted> via ssh`, and the
/// check passes on that proof. Emptied again behind the open port: the same login gets in and
/// exactly this check fails.
#[test]
fn the_administrators_address_restriction_refuses_the_right_password_from_outside_and_logs_it() {
    if !lab_runs_here() {
        return;
    }
    use chrlab::audit::audit;
    use chrlab::lab::Role;
    use chrlab::outcome::{CheckResult, Outcome};
    use chrlab::profile::Profile;
    use chrlab_suites::{block_on, explain, fresh, run_commands};
    const ID: &str = "users.address-restricted";
    let (hardened, emptied, open, open_emptied, untrusted, log) = block_on(async {
        let run = fresh(Profile::baseline(), &[], true).await;
        let lab = run.lab.as_ref();
        let again = || async {
            audit(
                lab,
                &run.profile,
                std::path::Path::new("profiles/baseline.toml"),
                false,
            )
            .await
            .unwrap_or_else(|e| panic!("re-audit: {e}"))
        };
        let name = run.profile.users.name.clone();
        let address = run
            .audit
            .observation
            .users
            .as_ref()
            .expect("users read")
            .iter()
            .find(|u| u.name == name)
            .expect("the administrator")
            .address
            .join(",");
        assert!(!address.is_empty(), "the baseline restricts {name}");
        let set = |a: &str| format!("/user set [find name={name}] address=\"{a}\"");
        run_commands(lab, &[&set("")]).await;
        let emptied = again().await.report.results;
        run_commands(
            lab,
            &[
                &set(&address),
                "/ip firewall filter disable [find comment=\"chrlab: drop management\"]",
                // The input chain's final drop ([input]) would close it as well.
                "/ip firewall filter disable [find comment=\"chrlab: drop all else\"]",
                "/ip service set ssh address=\"\"",
            ],
        )
        .await;
        let open = again().await;
        let log: Vec<String> = open
            .observation
            .new_log_entries()
            .unwrap_or_default()
            .iter()
            .map(|e| e.message.clone())
            .collect();
        run_commands(lab, &[&set("")]).await;
        let open_emptied = again().await.report.results;
        let untrusted = run.audit.observation.source(Role::Untrusted);
        (
            run.audit.report.results,
            emptied,
            open.report.results,
            open_emptied,
            untrusted,
            log,
        )
    });
    let get = |results: &[CheckResult]| {
        results
            .iter()
            .find(|r| r.id == ID)
            .cloned()
            .unwrap_or_else(|| panic!("no {ID}"))
    };
    let newly_failed = |before: &[CheckResult], after: &[CheckResult]| -> Vec<String> {
        after
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Fail(_)))
            .filter(|r| {
                !before
                    .iter()
                    .any(|b| b.id == r.id && matches!(b.outcome, Outcome::Fail(_)))
            })
            .map(|r| r.id.clone())
            .collect()
    };
    // Hardened, ssh filtered from the untrusted vantage: a pass on /user alone, and it says so.
    let r = get(&hardened);
    assert_eq!(r.outcome, Outcome::Pass, "{}", explain(&r));
    assert!(
        r.evidence.iter().any(|e| e.contains("rests on /user")),
        "{}",
        explain(&r)
    );
    // Emptied: exactly this check fails, on the white box.
    let r = get(&emptied);
    assert!(
        matches!(&r.outcome, Outcome::Fail(why) if why.contains("may log in from any address")),
        "{}",
        explain(&r)
    );
    assert_eq!(newly_failed(&hardened, &emptied), [ID]);
    // Restored behind an open port: refused with the right password, and logged.
    let untrusted = untrusted.expect("the lab has an untrusted vantage");
    let line = format!("login failure for user netops from {untrusted} via ssh");
    assert!(log.contains(&line), "no `{line}` in {log:#?}");
    let r = get(&open);
    assert_eq!(r.outcome, Outcome::Pass, "{}", explain(&r));
    assert!(
        r.evidence
            .iter()
            .any(|e| e.contains("refused and logged") && e.contains(&line)),
        "{}",
        explain(&r)
    );
    // Emptied behind the open port: the administrator gets in from outside.
    let r = get(&open_emptied);
    assert!(
        matches!(&r.outcome, Outcome::Fail(why)
            if why.contains("`netops` logged in over ssh from the untrusted vantage")
            && why.contains("may log in from any address")),
        "{}",
        explain(&r)
    );
    assert_eq!(newly_failed(&open, &open_emptied), [ID]);
}

/// On the factory router `admin` may log in from anywhere, and does, from the untrusted vantage.
#[test]
fn unhardened_router_lets_admin_in_from_anywhere() {
    if !lab_runs_here() {
        return;
    }
    use chrlab::outcome::Outcome;
    let r = unhardened().result("users.address-restricted");
    let why = chrlab_suites::explain(r);
    match &r.outcome {
        Outcome::Fail(reason) => {
            assert!(
                reason.contains("`admin` (group full) may log in from any address"),
                "{why}"
            );
            assert!(
                reason.contains("`admin` logged in over ssh from the untrusted vantage"),
                "{why}"
            );
        }
        _ => panic!("{why}"),
    }
}
