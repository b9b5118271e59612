//! RouterOS 6 has no REST: against the simulator running 6.49.13 in the namespace lab, an audit
//! reads services, users, firewall, address lists, logging rules, update state and the log over
//! SSH (`print terse without-paging`), judges a factory router as it judges one on v7, and after
//! hardening passes every services, firewall, users and logging check. The update checks fail,
//! correctly: 6.49.13 is below the baseline's minimum and in the CVE table.
//!
//! Needs root and nftables (CI runs as root): the lab builds network namespaces. Without them the
//! test is a counted skip (`testsupport::require`).

use std::path::Path;

use chrlab::audit::{Audit, audit};
use chrlab::lab::Lab;
use chrlab::lab::sim::{SimLab, SimLabConfig};
use chrlab::outcome::{CheckResult, Measure, Outcome};
use chrlab::profile::Profile;
use chrlab::readback::Readback;
use routeros::version::Version;

fn result<'a>(audit: &'a Audit, id: &str) -> &'a CheckResult {
    audit
        .report
        .results
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no check `{id}`"))
}

fn explain(r: &CheckResult) -> String {
    format!(
        "{} [{}]: {:?}\n  evidence:\n    {}",
        r.id,
        r.title,
        r.outcome,
        r.evidence.join("\n    ")
    )
}

fn fail_reason<'a>(audit: &'a Audit, id: &str) -> &'a str {
    let r = result(audit, id);
    match &r.outcome {
        Outcome::Fail(why) => why,
        _ => panic!("expected FAIL: {}", explain(r)),
    }
}

/// Every white-box read of the observation succeeded.
fn assert_reads_ok(audit: &Audit) {
    let o = &audit.observation;
    assert_eq!(o.readback, Readback::Ssh, "REST is v7 only");
    assert!(
        o.readback_reason.is_some(),
        "the observation says why REST was not used"
    );
    o.update.as_ref().expect("update state read over SSH");
    o.services.as_ref().expect("services read over SSH");
    o.users.as_ref().expect("users read over SSH");
    o.filter.as_ref().expect("firewall filter read over SSH");
    o.address_lists
        .as_ref()
        .expect("address lists read over SSH");
    o.logging.as_ref().expect("logging rules read over SSH");
    o.log.as_ref().expect("the log read over SSH");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routeros_6_is_audited_and_hardened_over_ssh() {
    if !testsupport::require(testsupport::Need::NAMESPACE_LAB) {
        return;
    }
    let v6 = Version::parse("6.49.13").unwrap();
    let lab = SimLab::start(SimLabConfig {
        version: v6,
        latest_version: None,
        ..SimLabConfig::default()
    })
    .await
    .unwrap_or_else(|e| {
        panic!("cannot start the simulator lab (run as root with nftables installed): {e}")
    });
    // The harness as syslog collector, so the remote action is proved on 6 as on 7.
    let mut profile = Profile::baseline();
    profile.logging.remote = Some(chrlab::profile::Collector::Harness);
    let path = Path::new("profiles/baseline.toml");

    // ---- the factory router, as is ----
    let factory = audit(&lab, &profile, path, false)
        .await
        .expect("audit without apply");
    assert_reads_ok(&factory);
    let o = &factory.observation;
    let services = o.services.as_ref().unwrap();
    assert_eq!(services.len(), 8, "{services:?}");
    let telnet = services.iter().find(|s| s.name == "telnet").unwrap();
    assert_eq!((telnet.port, telnet.disabled), (23, false));
    assert!(
        services
            .iter()
            .find(|s| s.name == "www-ssl")
            .unwrap()
            .disabled
    );
    let users = o.users.as_ref().unwrap();
    assert_eq!(
        users.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
        ["admin"]
    );
    assert_eq!(users[0].group, "full");
    let logging = o.logging.as_ref().unwrap();
    assert!(
        logging
            .iter()
            .any(|r| r.contains(&("topics".into(), "error".into()))
                && r.contains(&("action".into(), "memory".into()))),
        "{logging:?}"
    );
    assert!(o.filter.as_ref().unwrap().is_empty());
    assert!(o.address_lists.as_ref().unwrap().is_empty());
    let update = o.update.as_ref().unwrap();
    assert_eq!(update.installed_version, v6);
    assert_eq!(factory.report.version.as_deref(), Some("6.49.13"));
    // The log came back over SSH with the failed login the audit provoked, message intact.
    let from = lab.vantage(chrlab::lab::Role::Trusted).unwrap().address();
    let want = format!("login failure for user admin from {from} via ssh");
    let log = o.log.as_ref().unwrap();
    assert!(
        log.iter()
            .any(|e| e.message == want && e.has_topics(&["system", "error", "critical"])),
        "`{want}` not in {log:?}"
    );

    // Same kind of verdicts as on v7: services, firewall and users fail for the right reasons,
    // logging passes (the factory error → memory rule, and the failed login is logged).
    assert!(fail_reason(&factory, "services.disabled").contains("telnet"));
    assert!(fail_reason(&factory, "services.moved").contains("ssh"));
    assert!(
        fail_reason(&factory, "firewall.rules")
            .contains("from untrusted 192.0.2.66 is not blocked by any input rule"),
        "{}",
        explain(result(&factory, "firewall.rules"))
    );
    assert!(fail_reason(&factory, "users.default-admin-gone").contains("`admin` still exists"));
    assert!(
        fail_reason(&factory, "users.default-admin-refused").contains("empty password"),
        "{}",
        explain(result(&factory, "users.default-admin-refused"))
    );
    for id in ["logging.rule", "logging.failed-login-recorded"] {
        let r = result(&factory, id);
        assert_eq!(r.outcome, Outcome::Pass, "{}", explain(r));
    }
    // The same kind of verdict, check by check, as a factory 7.23.7 (read over REST) gets.
    let v7_lab = SimLab::start(SimLabConfig {
        latest_version: None,
        ..SimLabConfig::default()
    })
    .await
    .unwrap_or_else(|e| panic!("cannot start the 7.23.7 lab: {e}"));
    let v7 = audit(&v7_lab, &profile, path, false)
        .await
        .expect("audit 7.23.7 without apply");
    assert_eq!(v7.observation.readback, Readback::Rest);
    Box::new(v7_lab).shutdown().await;
    let kind = |o: &Outcome| std::mem::discriminant(o);
    for r in &v7.report.results {
        if r.measure == Measure::Ipv6 {
            // A factory 7 takes management over IPv6; a 6 without the ipv6 package has none.
            let on_v6 = result(&factory, &r.id);
            assert_eq!(on_v6.outcome, Outcome::Pass, "6.49.13: {}", explain(on_v6));
            assert!(
                matches!(r.outcome, Outcome::Fail(_)),
                "7.23.7: {}",
                explain(r)
            );
            continue;
        }
        if r.measure == Measure::Update {
            continue;
        }
        let on_v6 = result(&factory, &r.id);
        if r.id == "device.mode" {
            // 7.23.7 has the 7.17 device-mode, `advanced` in the factory; 6 has none to judge.
            assert!(
                matches!(r.outcome, Outcome::Fail(_)),
                "7.23.7: {}",
                explain(r)
            );
            assert!(
                matches!(on_v6.outcome, Outcome::Skip(_)),
                "6.49.13: {}",
                explain(on_v6)
            );
            continue;
        }
        if r.id == "users.password-rules" {
            // 7 has the rules and they are off in the factory; 6 has none to read.
            assert!(
                matches!(r.outcome, Outcome::Fail(_)),
                "7.23.7: {}",
                explain(r)
            );
            assert!(
                matches!(on_v6.outcome, Outcome::Skip(_)),
                "6.49.13: {}",
                explain(on_v6)
            );
            continue;
        }
        assert_eq!(
            kind(&on_v6.outcome),
            kind(&r.outcome),
            "6.49.13: {}\n7.23.7: {}",
            explain(on_v6),
            explain(r)
        );
    }

    // No REST on v6: no login is tried over it.
    assert!(
        o.logins
            .keys()
            .all(|(_, s, _)| *s != chrlab::operator::LoginService::Rest),
        "{:?}",
        o.logins
    );

    // ---- hardened ----
    let hardened = audit(&lab, &profile, path, true)
        .await
        .unwrap_or_else(|e| panic!("hardening 6.49.13 failed: {e}"));
    assert!(!hardened.applied.is_empty());
    assert_reads_ok(&hardened);
    let o = &hardened.observation;
    assert_eq!(o.operator_user, "netops");
    assert_eq!(o.configured_port("ssh"), Some(2222));
    assert_eq!(o.configured_port("www"), Some(8080));
    assert!(!o.filter.as_ref().unwrap().is_empty());
    assert!(!o.address_lists.as_ref().unwrap().is_empty());
    for r in &hardened.report.results {
        if r.id == "users.password-rules" {
            // RouterOS 6 has no /user settings: nothing of its own refuses a weak password.
            assert!(
                matches!(&r.outcome, Outcome::Skip(why) if why.contains("RouterOS 6 has no /user settings")),
                "{}",
                explain(r)
            );
            continue;
        }
        match r.measure {
            Measure::Services
            | Measure::Firewall
            | Measure::Users
            | Measure::Logging
            | Measure::Layer2
            | Measure::Listeners
            | Measure::Ssh
            | Measure::Ipv6
            | Measure::Input => {
                assert_eq!(r.outcome, Outcome::Pass, "{}", explain(r))
            }
            // RouterOS 6 has no 7.17 device-mode: never a pass.
            Measure::Device if r.id == "device.mode" => assert!(
                matches!(&r.outcome, Outcome::Skip(why) if why.contains("predates the 7.17 device-mode")),
                "{}",
                explain(r)
            ),
            Measure::Device => assert_eq!(r.outcome, Outcome::Pass, "{}", explain(r)),
            Measure::Update => {}
        }
    }
    // The update measure fails, and that is the right verdict for 6.49.13.
    assert!(
        fail_reason(&hardened, "update.minimum-version").contains("6.49.13"),
        "{}",
        explain(result(&hardened, "update.minimum-version"))
    );
    assert!(matches!(
        result(&hardened, "update.no-known-vulnerability").outcome,
        Outcome::Fail(_)
    ));

    Box::new(lab).shutdown().await;
}
