//! A third-party client of RouterOS exports against the simulator: the offline auditor
//! `mikrotik-rsc-auditor` (PyPI, MIT; its `mikrotik-audit` command) reads the simulator's
//! `/export` and `/export verbose` as it reads a real router's — the header's version and
//! licence lines, the menus and their commands — and its findings change when chrlab hardens
//! the router: what the baseline fixes (no firewall filter at all, the services left on) is no
//! longer found.
//!
//! Needs root and nftables (the namespace lab) and `mikrotik-audit` on `PATH` (`.ci/run`
//! installs it); without them the test is a counted skip (`testsupport::require`).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use chrlab::apply::apply;
use chrlab::lab::sim::{SimLab, SimLabConfig};
use chrlab::lab::{Lab, Role};
use chrlab::operator::Operator;
use chrlab::profile::Profile;
use chrlab::secret::Secret;
use testsupport::Need;

/// Satisfies the baseline's policy (16+ characters, upper, lower, digit, symbol).
const PASSWORD: &str = "Audit-Interop-Pass-2026!";

/// What the auditor made of one export.
struct Audit {
    version: String,
    findings: BTreeSet<String>,
}

/// Runs `mikrotik-audit FILE --format json` on `export` and reads its report.
fn audit(dir: &Path, name: &str, export: &str) -> Audit {
    let file = dir.join(format!("{name}.rsc"));
    std::fs::write(&file, export).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let out = Command::new("mikrotik-audit")
        .arg(&file)
        .args(["--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("mikrotik-audit: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // 0: no finding of high severity or worse; 1: some (or a file it could not load, which
    // prints `Error …` and no report).
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "mikrotik-audit on {name} exited {}: {stderr}",
        out.status
    );
    assert!(
        !stderr.to_lowercase().contains("error"),
        "mikrotik-audit on {name} complained: {stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "mikrotik-audit's JSON for {name}: {e}: {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    let version = report["meta"]["version"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let findings = report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings array for {name}: {report}"))
        .iter()
        .filter_map(|f| f["id"].as_str().map(str::to_string))
        .collect();
    Audit { version, findings }
}

/// `/export` and `/export verbose`, read over SSH from the trusted vantage.
async fn exports(op: &Operator<'_>, router: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for cmd in ["/export", "/export verbose"] {
        let text = op
            .exec(Role::Trusted, cmd)
            .await
            .unwrap_or_else(|e| panic!("{cmd} on the {router} router: {e}"));
        out.push((cmd, text));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_auditor_reads_the_simulators_exports_and_sees_the_hardening() {
    let mut needs = Need::NAMESPACE_LAB.to_vec();
    needs.push(Need::RscAuditor);
    if !testsupport::require(&needs) {
        return;
    }
    let dir = std::env::temp_dir().join(format!("chrlab-rsc-audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let config = SimLabConfig::default();
    let factory_version = config.version.to_string();
    // The baseline installs the update the router finds.
    let hardened_version = config
        .latest_version
        .map(|v| v.to_string())
        .unwrap_or_else(|| factory_version.clone());
    let lab = SimLab::start(config)
        .await
        .unwrap_or_else(|e| panic!("cannot start the simulator lab: {e}"));
    let factory = exports(&Operator::new(&lab), "factory").await;

    let profile = Profile::baseline();
    apply(&lab, &profile, &Secret::new(PASSWORD))
        .await
        .unwrap_or_else(|e| panic!("apply the baseline: {e}"));
    let hardened = exports(&Operator::new(&lab), "hardened").await;
    Box::new(lab).shutdown().await;

    for ((cmd, before), (_, after)) in factory.iter().zip(&hardened) {
        let name = cmd.trim_start_matches('/').replace(' ', "-");
        let was = audit(&dir, &format!("factory-{name}"), before);
        let now = audit(&dir, &format!("hardened-{name}"), after);
        // The header was read: the auditor knows the version, as from a real export.
        assert_eq!(was.version, factory_version, "{cmd}: {before}");
        assert_eq!(now.version, hardened_version, "{cmd}: {after}");
        // A factory router has no firewall filter at all; the hardened one has the baseline's.
        assert!(
            was.findings.contains("FW-001"),
            "{cmd}: factory findings {:?}",
            was.findings
        );
        assert!(
            !now.findings.contains("FW-001"),
            "{cmd}: hardened findings {:?}",
            now.findings
        );
        assert!(
            now.findings.len() < was.findings.len(),
            "{cmd}: hardening should leave fewer findings: {:?} -> {:?}",
            was.findings,
            now.findings
        );
        // The administrator's password is in no export a third party reads.
        assert!(!after.contains(PASSWORD), "{cmd} leaks the password");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
