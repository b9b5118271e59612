//! Applying the baseline twice to the namespace simulator lab changes nothing the second time:
//! `/export` read over SSH as the new administrator is the same after both applies (except the
//! header's timestamp), no firewall rule or address-list entry is duplicated, the second apply
//! runs entirely as the new administrator on the moved ssh port without a single failed login,
//! and the administrator's password appears in no export.
//!
//! Needs root and nftables (CI runs as root): the lab builds network namespaces. Without them the
//! test is a counted skip (`testsupport::require`).

use chrlab::apply::apply;
use chrlab::lab::sim::{SimLab, SimLabConfig};
use chrlab::lab::{Lab, Role};
use chrlab::operator::Operator;
use chrlab::profile::Profile;
use chrlab::secret::Secret;

/// Satisfies the baseline's policy (16+ characters, upper, lower, digit, symbol).
const PASSWORD: &str = "Idem-Potent-Pass-2026!";

/// `/export` without its first line, which must be the `# <date> <time> by RouterOS <version>`
/// header (the only line allowed to differ between two exports of the same configuration).
fn body(export: &str) -> String {
    let (header, rest) = export.split_once('\n').unwrap_or((export, ""));
    assert!(
        header.starts_with("# ") && header.contains(" by RouterOS "),
        "first line of /export is not the header: {header:?}"
    );
    rest.to_string()
}

fn count(rows: &[Vec<(String, String)>], key: &str, value: &str) -> usize {
    rows.iter()
        .filter(|r| r.iter().any(|(k, v)| k == key && v == value))
        .count()
}

async fn failed_logins(op: &Operator<'_>) -> Vec<String> {
    op.rest_rows(Role::Trusted, "/log")
        .await
        .expect("read /log over REST")
        .into_iter()
        .filter_map(|r| r.into_iter().find(|(k, _)| k == "message").map(|(_, v)| v))
        .filter(|m| m.starts_with("login failure"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applying_the_baseline_twice_changes_nothing_the_second_time() {
    if !testsupport::require(testsupport::Need::NAMESPACE_LAB) {
        return;
    }
    let lab = SimLab::start(SimLabConfig::default())
        .await
        .unwrap_or_else(|e| {
            panic!("cannot start the simulator lab (run as root with nftables installed): {e}")
        });
    let profile = Profile::baseline();
    let password = Secret::new(PASSWORD);
    profile
        .users
        .password_policy
        .check(&password)
        .expect("the test password satisfies the baseline's policy");
    let op = Operator::new(&lab);

    let first = apply(&lab, &profile, &password)
        .await
        .unwrap_or_else(|e| panic!("first apply: {e}"));
    assert!(!first.is_empty());
    let access = lab.access();
    assert_eq!(access.credentials().user, profile.users.name);
    assert_eq!(access.credentials().password.expose(), PASSWORD);
    assert_eq!(access.port("ssh"), 2222);
    assert_eq!(access.port("www"), 8080);

    let export1 = op
        .exec(Role::Trusted, "/export")
        .await
        .expect("/export as the new administrator on 2222");
    let filter1 = op
        .rest_rows(Role::Trusted, "/ip/firewall/filter")
        .await
        .expect("read the filter rules");
    let lists1 = op
        .rest_rows(Role::Trusted, "/ip/firewall/address-list")
        .await
        .expect("read the address lists");
    let failures_before = failed_logins(&op).await;

    // The export is not trivially equal: it holds what the first apply configured.
    let body1 = body(&export1);
    for expected in [
        "chrlab: accept management",
        "chrlab: drop management",
        "list=chrlab-mgmt",
        "port=2222",
        "port=8080",
    ] {
        assert!(body1.contains(expected), "{expected:?} not in\n{export1}");
    }
    // The management rules, then the rest of the input chain ([input]), each once.
    let comments = [
        "chrlab: accept management",
        "chrlab: drop management",
        "chrlab: accept established",
        "chrlab: drop invalid",
        "chrlab: accept icmp",
        "chrlab: drop all else",
    ];
    assert_eq!(filter1.len(), comments.len(), "{filter1:#?}");
    for (i, comment) in comments.iter().enumerate() {
        assert_eq!(count(&filter1, "comment", comment), 1, "{comment}");
        let at = filter1
            .iter()
            .position(|r| r.iter().any(|(k, v)| k == "comment" && v == comment));
        assert_eq!(at, Some(i), "{comment} out of order: {filter1:#?}");
    }
    assert_eq!(count(&lists1, "list", "chrlab-mgmt"), 1, "{lists1:#?}");

    let second = apply(&lab, &profile, &password)
        .await
        .unwrap_or_else(|e| panic!("second apply (as the new administrator on 2222): {e}"));
    assert_eq!(
        first.iter().map(|s| s.id).collect::<Vec<_>>(),
        second.iter().map(|s| s.id).collect::<Vec<_>>()
    );
    assert_eq!(access.credentials().user, profile.users.name);
    assert_eq!(access.port("ssh"), 2222);

    let export2 = op
        .exec(Role::Trusted, "/export")
        .await
        .expect("/export after the second apply");
    assert_eq!(
        body1,
        body(&export2),
        "the second apply changed the configuration:\n--- first\n{export1}\n--- second\n{export2}"
    );
    let filter2 = op
        .rest_rows(Role::Trusted, "/ip/firewall/filter")
        .await
        .expect("read the filter rules again");
    let lists2 = op
        .rest_rows(Role::Trusted, "/ip/firewall/address-list")
        .await
        .expect("read the address lists again");
    assert_eq!(
        filter1, filter2,
        "filter rules changed (ids, order or values)"
    );
    assert_eq!(lists1, lists2, "address lists changed");
    let failures_after = failed_logins(&op).await;
    assert_eq!(
        failures_before, failures_after,
        "the second apply tried credentials the router refused"
    );

    // The password is in no export; RouterOS never exports user passwords, with or without
    // hide-sensitive (the simulator supports both switches).
    let hidden = op
        .exec(Role::Trusted, "/export hide-sensitive")
        .await
        .expect("/export hide-sensitive");
    let shown = op
        .exec(Role::Trusted, "/export show-sensitive")
        .await
        .expect("/export show-sensitive");
    for (name, text) in [
        ("/export", &export1),
        ("/export (second)", &export2),
        ("/export hide-sensitive", &hidden),
        ("/export show-sensitive", &shown),
    ] {
        assert!(text.contains("by RouterOS "), "{name}: {text}");
        assert!(!text.contains(PASSWORD), "{name} contains the password");
    }
    // Yet the router has it: the administrator logs in with it (and not with anything else),
    // from the harness's own source, which its `/user address=` admits.
    let from = lab.vantage(Role::Trusted).map(|v| v.address());
    let session = lab
        .router()
        .login(&profile.users.name, PASSWORD, chrlab_sim::Via::Ssh, from)
        .expect("the administrator logs in with the applied password");
    lab.router().logout(&session);

    Box::new(lab).shutdown().await;
}

/// The rendered update step is a RouterOS script that waits for the check it starts (a
/// bounded `:while` on `status` with `:delay`): run in the simulator's terminal, it installs
/// a newer version however long the check takes, and installs nothing when the router is up
/// to date or its check fails. No network needed: the model runs the script as a CHR would.
#[test]
fn the_rendered_update_step_waits_for_the_check_whatever_it_takes() {
    use chrlab::render::{RenderContext, Reveal, render};
    use chrlab_sim::{CheckFailure, Router, RouterConfig, TerminalOpts, Via};
    use routeros::version::Version;
    use std::time::Duration;

    let ctx = RenderContext {
        harness_source: Some("192.0.2.10".parse().expect("address")),
        harness_source6: None,
        router_address: None,
        vantage_sources: Vec::new(),
        before: None,
        password: Secret::new(PASSWORD),
    };
    let steps = render(&Profile::baseline(), &ctx).expect("renders");
    let step = steps
        .iter()
        .find(|s| s.id == "update.install")
        .expect("an update.install step");
    let script = step.script(Reveal::Exposed);
    let v = |s: &str| Version::parse(s).expect("version");
    for millis in [0u64, 50, 400, 1500] {
        for (latest, failure, installed) in [
            (Some("7.24.4"), None, "7.24.4"),
            (Some("7.23.7"), None, "7.23.7"),
            (Some("7.24.4"), Some(CheckFailure::NoDns), "7.23.7"),
            (None, None, "7.23.7"),
        ] {
            let router = Router::new(RouterConfig {
                latest_version: latest.map(v),
                update_failure: failure.clone(),
                update_check_time: Duration::from_millis(millis),
                ..RouterConfig::default()
            })
            .expect("router");
            let session = router
                .login("admin", "", Via::Ssh, None)
                .expect("admin logs in");
            let mut term = router.terminal(
                &session,
                TerminalOpts {
                    interactive: false,
                    colors: false,
                    width: 200,
                },
            );
            let out = term.execute(&script);
            assert!(
                !chrlab::apply::reports_error(&out)
                    || out.contains("status: ERROR: could not resolve dns name"),
                "{millis} ms, {latest:?}, {failure:?}: the script failed: {out}"
            );
            assert_eq!(
                router.version().to_string(),
                installed,
                "{millis} ms, {latest:?}, {failure:?}: {out}"
            );
        }
    }
}
