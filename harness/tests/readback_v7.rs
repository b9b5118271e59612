//! RouterOS 7 read back both ways: over REST and over SSH (`print terse`) the simulator's
//! configuration reads as the same records; and with `www` disabled (no REST) an audit still
//! reads everything, over SSH, and says so.
//!
//! Needs root and nftables (CI runs as root): the lab builds network namespaces. Without them the
//! test is a counted skip (`testsupport::require`).

use std::path::Path;

use chrlab::apply::apply;
use chrlab::audit::audit;
use chrlab::lab::sim::{SimLab, SimLabConfig};
use chrlab::lab::{Lab, Role};
use chrlab::operator::{Operator, Rows};
use chrlab::outcome::{CheckResult, Outcome};
use chrlab::profile::Profile;
use chrlab::readback::Readback;
use chrlab::secret::Secret;
use routeros::firewall::{AddressListEntry, FilterRule};
use routeros::model::{LogEntry, PackageUpdate, Service, User};
use routeros::version::Version;

/// Satisfies the baseline's policy (16+ characters, upper, lower, digit, symbol).
const PASSWORD: &str = "Read-Back-Both-Ways-2026!";

fn get<'a>(row: &'a [(String, String)], key: &str) -> &'a str {
    row.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn truthy(v: &str) -> bool {
    matches!(v, "true" | "yes")
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

async fn read_all(op: &Operator<'_>, menus: &[&str]) -> Vec<Rows> {
    op.rows_many(Role::Trusted, menus)
        .await
        .into_iter()
        .zip(menus)
        .map(|(r, m)| r.unwrap_or_else(|e| panic!("read {m}: {e}")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_and_ssh_read_the_same_configuration_and_ssh_works_without_www() {
    if !testsupport::require(testsupport::Need::NAMESPACE_LAB) {
        return;
    }
    let lab = SimLab::start(SimLabConfig::default())
        .await
        .unwrap_or_else(|e| {
            panic!("cannot start the simulator lab (run as root with nftables installed): {e}")
        });
    let profile = Profile::baseline();
    // Harden first, so there are firewall rules, an address list and a second user to compare.
    apply(&lab, &profile, &Secret::new(PASSWORD))
        .await
        .unwrap_or_else(|e| panic!("apply: {e}"));
    lab.exec_ok(
        "/ip firewall address-list add list=spaced address=198.51.100.7 comment=\"two  words here\"",
    )
    .await
    .expect("add an entry whose comment has spaces");

    // ---- the same menus, both ways ----
    let rest = Operator::with_readback(&lab, Readback::Rest);
    let ssh = Operator::with_readback(&lab, Readback::Ssh);
    assert_eq!(rest.readback(Role::Trusted).await, Readback::Rest);
    assert_eq!(ssh.readback(Role::Trusted).await, Readback::Ssh);
    let menus = [
        "/system/package/update",
        "/ip/service",
        "/user",
        "/ip/firewall/filter",
        "/ip/firewall/address-list",
        "/system/logging",
        "/sim",
    ];
    let by_rest = read_all(&rest, &menus).await;
    let by_ssh = read_all(&ssh, &menus).await;

    let update = |rows: &Rows| PackageUpdate::from_props(&rows[0]).unwrap();
    assert_eq!(update(&by_rest[0]), update(&by_ssh[0]));
    // The baseline installs the release the simulated upgrade server offers.
    assert_eq!(
        update(&by_ssh[0]).installed_version,
        Version::parse("7.24.4").unwrap()
    );

    let services = |rows: &Rows| {
        let mut v = rows
            .iter()
            .map(|r| {
                let s = Service::from_props(r).unwrap();
                // `.id` exists only over REST.
                Service { id: None, ..s }
            })
            .filter(|s| !s.dynamic)
            .collect::<Vec<_>>();
        // The 7.2x CLI prints /ip service by port, REST by id.
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    };
    assert_eq!(services(&by_rest[1]), services(&by_ssh[1]));
    assert_eq!(services(&by_ssh[1]).len(), 8);

    let users = |rows: &Rows| {
        rows.iter()
            .map(|r| {
                let u = User::from_props(r).unwrap();
                // The login date is printed differently by the CLI and REST; each read logs in.
                (u.name, u.group, u.disabled, u.address, u.comment)
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(users(&by_rest[2]), users(&by_ssh[2]));
    assert_eq!(users(&by_ssh[2])[0].0, "netops");

    let filter = |rows: &Rows| {
        rows.iter()
            .map(|r| FilterRule::from_props(r).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(filter(&by_rest[3]), filter(&by_ssh[3]));
    // The management rules and the rest of the input chain ([input]).
    assert_eq!(filter(&by_ssh[3]).len(), 6);

    let lists = |rows: &Rows| {
        rows.iter()
            .map(|r| AddressListEntry::from_props(r).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(lists(&by_rest[4]), lists(&by_ssh[4]));
    let spaced = lists(&by_ssh[4])
        .into_iter()
        .find(|e| e.list == "spaced")
        .expect("the entry with a spaced comment");
    assert_eq!(spaced.comment.as_deref(), Some("two  words here"));

    let logging = |rows: &Rows| {
        rows.iter()
            .map(|r| {
                (
                    get(r, "topics").to_string(),
                    get(r, "action").to_string(),
                    truthy(get(r, "disabled")),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(logging(&by_rest[5]), logging(&by_ssh[5]));
    // The simulator's own fact, read from its `/sim` menu both ways (this lab enforces it).
    assert_eq!(get(&by_rest[6][0], "firewall"), "enforced");
    assert_eq!(get(&by_ssh[6][0], "firewall"), "enforced");

    // The log: what REST read first is, message for message, the start of what SSH reads next.
    let log = |rows: Rows| {
        rows.iter()
            .map(|r| {
                let e = LogEntry::from_props(r).unwrap();
                (e.topics, e.message)
            })
            .collect::<Vec<_>>()
    };
    let rest_log = log(rest
        .rows(Role::Trusted, "/log")
        .await
        .expect("log over REST"));
    let ssh_log = log(ssh.rows(Role::Trusted, "/log").await.expect("log over SSH"));
    // The router logs the SSH read's `logged out` when it sees the connection close, which may
    // come after the client has returned: at least the boot, three SSH sessions and REST's two
    // lines are there.
    assert!(
        rest_log.len() >= 10 && ssh_log.len() > rest_log.len(),
        "{rest_log:?}\n{ssh_log:?}"
    );
    assert_eq!(rest_log[..], ssh_log[..rest_log.len()]);

    // ---- www off: no REST, everything over SSH ----
    lab.exec_ok("/ip service set [find name=www] disabled=yes")
        .await
        .expect("disable www");
    // The listener closes a moment after the command returns; wait until www refuses.
    let www_addr = lab.access().endpoint("www");
    let timing = lab.timing();
    let mut closed = false;
    for _ in 0..100 {
        let probe = lab
            .vantage(Role::Trusted)
            .expect("trusted vantage")
            .run(move || async move { chrlab::probe::probe_tcp(www_addr, timing).await })
            .await;
        if probe.state == chrlab::probe::PortState::Closed {
            closed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(closed, "www never closed at {www_addr}");
    let a = audit(&lab, &profile, Path::new("profiles/baseline.toml"), false)
        .await
        .expect("audit");
    let o = &a.observation;
    assert_eq!(o.readback, Readback::Ssh);
    let reason = o.readback_reason.as_deref().unwrap_or_default();
    assert!(reason.contains(":8080"), "{reason}");
    let services = o.services.as_ref().expect("services over SSH");
    assert_eq!(services.len(), 8);
    let www = services.iter().find(|s| s.name == "www").unwrap();
    assert!(www.disabled && www.port == 8080, "{www:?}");
    let users = o.users.as_ref().expect("users over SSH");
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].name, "netops");
    assert_eq!(o.filter.as_ref().expect("filter over SSH").len(), 6);
    assert_eq!(
        o.address_lists
            .as_ref()
            .expect("address lists over SSH")
            .len(),
        2
    );
    assert!(!o.logging.as_ref().expect("logging over SSH").is_empty());
    let update = o.update.as_ref().expect("update over SSH");
    assert_eq!(
        update.latest_version,
        Some(Version::parse("7.24.4").unwrap()),
        "check-for-updates ran over SSH"
    );
    assert!(!o.log.as_ref().expect("log over SSH").is_empty());
    let result = |id: &str| a.report.results.iter().find(|r| r.id == id).unwrap();
    for id in [
        "logging.rule",
        "logging.failed-login-recorded",
        "users.default-admin-gone",
        "services.disabled",
        "services.moved",
        "firewall.rules",
        "update.minimum-version",
    ] {
        assert_eq!(result(id).outcome, Outcome::Pass, "{}", explain(result(id)));
    }
    // The verdicts REST's absence changes, for the right reasons: www no longer answers, and no
    // REST login is possible (a closed www makes the attempts unreachable, never accepted).
    let r = result("services.answer-on-new-ports");
    assert!(
        matches!(&r.outcome, Outcome::Fail(why) if why.contains("www")),
        "{}",
        explain(r)
    );
    let r = result("update.latest");
    assert_eq!(r.outcome, Outcome::Pass, "{}", explain(r));

    Box::new(lab).shutdown().await;
}

/// Runs a command over SSH as the lab's current administrator; an error if it printed anything.
trait ExecOk {
    async fn exec_ok(&self, command: &str) -> Result<(), String>;
}

impl ExecOk for SimLab {
    async fn exec_ok(&self, command: &str) -> Result<(), String> {
        let out = Operator::new(self)
            .exec(Role::Trusted, command)
            .await
            .map_err(|e| e.to_string())?;
        if out.trim().is_empty() {
            Ok(())
        } else {
            Err(format!("`{command}` printed {out:?}"))
        }
    }
}
