//! Measure 5, logging: failed logins appear in the router's log.

use chrlab::lab::Role;
use chrlab::outcome::Measure;
use chrlab_suites::{
    every_check_fails_on_the_factory_router, every_check_passes, hardened, lab_runs_here,
    snapshot_settings,
};

/// Every check the registry declares for this measure.
#[test]
fn hardened_router_passes() {
    if !lab_runs_here() {
        return;
    }
    every_check_passes(Measure::Logging);
}

#[test]
fn unhardened_router_fails() {
    if !lab_runs_here() {
        return;
    }
    every_check_fails_on_the_factory_router(Measure::Logging);
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
