//! Measure 5, logging: failed logins appear in the router's log.

use chrlab::lab::Role;
use chrlab_suites::{
    explain, failed, hardened, lab_runs_here, passed, snapshot_settings, unhardened,
};
use rstest::rstest;

#[rstest]
#[case::rule("logging.rule")]
#[case::failed_login_recorded("logging.failed-login-recorded")]
fn hardened_router_passes(#[case] id: &str) {
    if !lab_runs_here() {
        return;
    }
    let r = hardened().result(id);
    assert!(passed(r), "{}", explain(r));
}

#[rstest]
#[case::rule("logging.rule")]
#[case::failed_login_recorded("logging.failed-login-recorded")]
fn unhardened_router_fails(#[case] id: &str) {
    if !lab_runs_here() {
        return;
    }
    let r = unhardened().result(id);
    assert!(failed(r), "the negative control must fail: {}", explain(r));
}

#[test]
fn failed_login_lines_snapshot() {
    if !lab_runs_here() {
        return;
    }
    let run = hardened();
    let log = run
        .audit
        .observation
        .log
        .as_ref()
        .expect("the log was read");
    // The vantages' addresses belong to the lab (a namespace lab's 192.0.2.10, a container lab's
    // bridge address): the snapshot names them by role, so every backend shares it.
    let sources: Vec<(String, &str)> = Role::ALL
        .iter()
        .filter_map(|r| {
            let ip = run.audit.observation.source(*r)?;
            Some((
                format!(" from {ip} "),
                if *r == Role::Trusted {
                    " from <trusted> "
                } else {
                    " from <untrusted> "
                },
            ))
        })
        .collect();
    let mut lines: Vec<String> = log
        .iter()
        .filter(|e| e.message.starts_with("login failure"))
        .map(|e| {
            let mut line = format!("<time> {} {}", e.topics.join(","), e.message);
            for (from, role) in &sources {
                line = line.replace(from, role);
            }
            line
        })
        .collect();
    // The attacker's guesses run a few at a time: the lines, not their order, are the behaviour.
    lines.sort();
    snapshot_settings().bind(|| {
        insta::assert_yaml_snapshot!(format!("log_failed_logins__{}", run.version()), lines);
    });
}
