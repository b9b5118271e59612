//! Measure 5, logging: failed logins appear in the router's log, go to disk and to the
//! harness's syslog collector, and the NTP client is on.

use chrlab::lab::Role;
use chrlab::lab::spec::LabSpec;
use chrlab::outcome::{Measure, Outcome};
use chrlab_suites::{
    every_check_fails_on_the_factory_router, every_check_passes, explain, hardened, lab_runs_here,
    snapshot_settings, unhardened,
};

/// Whether the lab's vantages carry UDP to and from the router (the namespace lab does; QEMU's
/// port forwards do not, and there `logging.remote`'s black box is not verifiable).
fn vantages_carry_udp() -> bool {
    matches!(LabSpec::from_env(), Ok(LabSpec::Sim(_)))
}

/// Every check the registry declares for this measure.
#[test]
fn hardened_router_passes() {
    if !lab_runs_here() {
        return;
    }
    if vantages_carry_udp() {
        every_check_passes(Measure::Logging);
        return;
    }
    // Without UDP from the vantages (QEMU port forwards) the collector may hear nothing:
    // `logging.remote` is then not verifiable, never a pass; every other check passes.
    let run = hardened();
    for c in chrlab::measures::checks_of(Measure::Logging) {
        let r = run.result(c.id);
        let ok = match &r.outcome {
            Outcome::Pass => true,
            Outcome::Skip(why) => c.id == "logging.remote" && why.starts_with("not verifiable"),
            Outcome::Fail(_) | Outcome::Waived(_) => false,
        };
        assert!(ok, "{}", explain(r));
    }
}

/// The hardened router's failed-login line reached the collector on the trusted vantage: the
/// evidence names the datagram, from the router, received there.
#[test]
fn hardened_router_sends_failed_logins_to_the_collector() {
    if !lab_runs_here() {
        return;
    }
    let run = hardened();
    let r = run.result("logging.remote");
    if !vantages_carry_udp() {
        // A lab on QEMU's port forwards carries no UDP: not verifiable (a tap lab may pass).
        assert!(
            matches!(&r.outcome, Outcome::Pass)
                || matches!(&r.outcome, Outcome::Skip(w) if w.starts_with("not verifiable")),
            "{}",
            explain(r)
        );
        return;
    }
    assert_eq!(r.outcome, Outcome::Pass, "{}", explain(r));
    let trusted = run
        .audit
        .observation
        .source(Role::Trusted)
        .expect("trusted");
    let ev = r.evidence.join("\n");
    assert!(
        ev.contains(&format!("collector on udp {trusted}:514")),
        "{ev}"
    );
    assert!(
        ev.contains("system,error,critical login failure for user"),
        "{ev}"
    );
}

/// The factory router fails each new check for its own reason.
#[test]
fn factory_router_fails_each_new_check_for_its_reason() {
    if !lab_runs_here() {
        return;
    }
    let run = unhardened();
    for (id, why) in [
        ("logging.remote", "no /system logging action sends to"),
        ("logging.disk", "lost at a reboot"),
        ("logging.ntp", "the NTP client is off"),
    ] {
        let r = run.result(id);
        assert!(
            matches!(&r.outcome, Outcome::Fail(w) if w.contains(why)),
            "{}",
            explain(r)
        );
    }
}

/// Removing the remote action, disabling the rule to it, disabling the disk rule or turning the
/// NTP client off on a hardened router fails exactly that check.
#[test]
fn reopening_one_logging_item_fails_exactly_its_check() {
    if !lab_runs_here() {
        return;
    }
    use chrlab_suites::{block_on, fresh, run_commands, suite_profile};
    let seen = block_on(async {
        let run = fresh(suite_profile(), &[], true).await;
        let mut seen = Vec::new();
        for (id, open, close) in [
            (
                "logging.remote",
                "/system logging set [find action=syslog] disabled=yes",
                "/system logging set [find action=syslog] disabled=no",
            ),
            (
                "logging.disk",
                "/system logging set [find action=disk] disabled=yes",
                "/system logging set [find action=disk] disabled=no",
            ),
            (
                "logging.ntp",
                "/system ntp client set enabled=no",
                "/system ntp client set enabled=yes",
            ),
            // Last: the action cannot be put back by one command.
            (
                "logging.remote",
                "/system logging action remove [find name=syslog]",
                "",
            ),
        ] {
            run_commands(run.lab.as_ref(), &[open]).await;
            let again = chrlab_suites::reaudit_in_place(&run).await;
            let failed = chrlab_suites::new_failures(&again.report.results);
            let reason = chrlab_suites::explain_id(&again.report.results, id);
            seen.push((id, open, failed, reason));
            if !close.is_empty() {
                run_commands(run.lab.as_ref(), &[close]).await;
            }
        }
        seen
    });
    for (id, open, failed, reason) in seen {
        assert_eq!(failed, [id], "`{open}`: {reason}");
    }
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
