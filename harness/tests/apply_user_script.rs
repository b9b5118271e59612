//! `chrlab check --apply FILE.rsc` end to end against the embedded simulator lab: the user's own
//! hand-written hardening script (tests/data/my-hardening.rsc) is uploaded over FTP and imported;
//! it deliberately leaves the DNS resolver answering remote requests, and chrlab must fail exactly
//! that check among the measures the script covers. A script with an error on line 7 is reported
//! at `FILE:7` and nothing after that line ran; with ftp off, chrlab names the upload path it tried.
//!
//! Needs root and nftables (the lab builds network namespaces); without them each test is a
//! counted skip (`testsupport::require`).

use std::path::PathBuf;
use std::process::Command;

use chrlab::lab::sim::{SimLab, SimLabConfig};
use chrlab::lab::{Lab, Role};
use chrlab::operator::Operator;
use chrlab::profile::Profile;
use chrlab::user_script::{APPLY_PASSWORD_ENV, UserScript, UserScriptError, apply};
use serde_json::Value;

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
/// The password tests/data/my-hardening.rsc gives `netops`.
const SCRIPT_PASSWORD: &str = "Correct-Horse-Battery-9";

/// Checks of the measures the script covers; all must pass but the one it misses.
const COVERED: &[&str] = &[
    "services.disabled",
    "services.disabled-unreachable",
    "services.moved",
    "services.default-ports-silent",
    "services.answer-on-new-ports",
    "services.address-restricted",
    "firewall.rules",
    "firewall.trusted-reachable",
    "firewall.untrusted-blocked",
    "users.default-admin-gone",
    "users.default-admin-refused",
    "users.new-admin",
    "users.no-other-privileged",
    "users.guessing-refused",
    "users.address-restricted",
    "logging.rule",
    "logging.failed-login-recorded",
    "layer2.mac-server",
    "layer2.mac-winbox",
    "layer2.mac-ping",
    "layer2.neighbor-discovery",
    "listeners.dns-remote-requests",
    "listeners.proxy",
    "listeners.socks",
    "listeners.upnp",
    "listeners.snmp",
    "listeners.romon",
    "listeners.cloud-ddns",
    "ssh.strong-crypto",
    "ssh.forwarding-off",
];

fn temp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chrlab-apply-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn a_hand_written_script_that_leaves_the_resolver_open_fails_exactly_that_check() {
    if !testsupport::require(testsupport::Need::NAMESPACE_LAB) {
        return;
    }
    let json = temp("report.json", "");
    let out = Command::new(env!("CARGO_BIN_EXE_chrlab"))
        .args([
            "check",
            "--apply",
            "harness/tests/data/my-hardening.rsc",
            "--apply-admin",
            "netops",
            "--report",
            &format!("json={}", json.display()),
        ])
        .current_dir(REPO)
        .env(APPLY_PASSWORD_ENV, SCRIPT_PASSWORD)
        .env_remove("RUST_LOG")
        .output()
        .expect("run chrlab");
    let show = format!(
        "exit {:?}\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{show}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).expect("the JSON report");
    let status = |id: &str| {
        report["results"]
            .as_array()
            .expect("results")
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no {id} in the report\n{show}"))["outcome"]["status"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    let failed: Vec<&str> = COVERED
        .iter()
        .copied()
        .filter(|id| status(id) != "pass")
        .collect();
    assert_eq!(failed, ["listeners.dns-remote-requests"], "{show}");
    assert_eq!(status("listeners.dns-remote-requests"), "fail");
    // The script's administrator and ports were followed: the audit got in (an audit that could
    // not would end in an error, not a report) and found ssh on the port the script moved it to.
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("error:"),
        "{show}"
    );
}

/// A script with a typo on line 7 (`filtr`), and a line after it that must not run.
const TYPO_ON_LINE_7: &str = "# hardening with a typo on line 7
/system identity set name=edge
/ip service set telnet disabled=yes
# the firewall
/ip firewall address-list add list=mgmt address=192.0.2.10
/ip ssh set strong-crypto=yes
/ip firewall filtr add chain=input action=drop
/system identity set name=after-the-error
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_error_is_reported_at_the_users_line_and_nothing_after_it_runs() {
    if !testsupport::require(testsupport::Need::NAMESPACE_LAB) {
        return;
    }
    let lab = SimLab::start(SimLabConfig::default())
        .await
        .unwrap_or_else(|e| panic!("cannot start the simulator lab: {e}"));
    let path = temp("typo.rsc", TYPO_ON_LINE_7);
    let script = UserScript::load(&path).expect("the script loads");
    let err = apply(&lab, &Profile::baseline(), &script, None)
        .await
        .expect_err("the import stops at line 7");
    assert!(
        matches!(&err, UserScriptError::Import { line: 7, message, .. } if message == "bad command name filtr"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("{}:7: bad command name filtr", path.display())
    );
    let op = Operator::new(&lab);
    let name = op
        .exec(Role::Trusted, ":put [/system identity get name]")
        .await
        .expect("read the identity");
    assert_eq!(name.trim(), "edge", "line 2 ran, line 8 did not");
    let telnet = op
        .exec(Role::Trusted, ":put [/ip service get telnet disabled]")
        .await
        .expect("read telnet");
    assert_eq!(telnet.trim(), "true");
    drop(op);
    Box::new(lab).shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_ftp_off_chrlab_names_the_upload_path_it_tried() {
    if !testsupport::require(testsupport::Need::NAMESPACE_LAB) {
        return;
    }
    let lab = SimLab::start(SimLabConfig::default())
        .await
        .unwrap_or_else(|e| panic!("cannot start the simulator lab: {e}"));
    let op = Operator::new(&lab);
    op.exec(Role::Trusted, "/ip service set ftp disabled=yes")
        .await
        .expect("disable ftp");
    let path = temp("any.rsc", "/system identity set name=never\n");
    let script = UserScript::load(&path).expect("the script loads");
    let err = apply(&lab, &Profile::baseline(), &script, None)
        .await
        .expect_err("no upload path");
    assert!(
        matches!(err, UserScriptError::NoUploadPath { .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("tried ftp on ") && text.contains(":21"),
        "{text}"
    );
    let name = op
        .exec(Role::Trusted, ":put [/system identity get name]")
        .await
        .expect("read the identity");
    assert_ne!(name.trim(), "never");
    drop(op);
    Box::new(lab).shutdown().await;
}
