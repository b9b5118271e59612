//! Severities, `--fail-on`, waivers and `chrlab explain` as a user meets them: the built binary,
//! against the embedded simulator's factory router (`--no-apply`: the negative control, which
//! fails checks of every severity).
//!
//! A profile waives every check of severity high or critical: under `--fail-on high` the run
//! exits 0, each such failure is WAIVED with its reason (never PASS), and lower failures are
//! still reported FAIL. The same profile with one waiver expired exits 1, and that check is FAIL
//! with "waiver expired on <date>". The lab tests need nftables and root, or user namespaces
//! for the binary to enter; without them they are counted skips (`testsupport::require`).

use std::path::{Path, PathBuf};
use std::process::Output;

use chrlab::measures;
use chrlab::outcome::Severity;
use serde_json::Value;

mod cli_support;

use cli_support::{REPO, TempDir, chrlab, sim_lab_runs_here};

fn show(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The baseline with a waiver for every check of at least `high`; `expired` gets a date long past.
fn profile_waiving_high(tmp: &TempDir, expired: Option<&str>) -> PathBuf {
    let mut text = std::fs::read_to_string(format!("{REPO}/profiles/baseline.toml"))
        .expect("read the baseline");
    for (_, c) in measures::checks().filter(|(_, c)| c.severity >= Severity::High) {
        let expires = if Some(c.id) == expired {
            "2020-01-01"
        } else {
            "2099-12-31"
        };
        text.push_str(&format!(
            "\n[[waivers]]\ncheck = \"{}\"\nreason = \"lab router, accepted: {}\"\nexpires = \"{expires}\"\n",
            c.id, c.id
        ));
    }
    let path = tmp.path("waivers.toml");
    std::fs::write(&path, text).expect("write the profile");
    path
}

fn run_with(profile: &Path, json: &Path) -> (Output, Value) {
    let out = chrlab(&[
        "check",
        "--no-apply",
        "--fail-on",
        "high",
        "--profile",
        &profile.display().to_string(),
        "--report",
        &format!("json={}", json.display()),
    ]);
    let raw = std::fs::read_to_string(json)
        .unwrap_or_else(|e| panic!("read {}: {e}\n{}", json.display(), show(&out)));
    (out, serde_json::from_str(&raw).expect("the JSON report"))
}

fn result<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {report:#}"))
}

#[test]
fn waived_failures_of_a_factory_router_pass_the_threshold_and_an_expired_waiver_fails_it() {
    if !sim_lab_runs_here() {
        return;
    }
    let tmp = TempDir::new("waived");
    let (out, report) = run_with(&profile_waiving_high(&tmp, None), &tmp.path("a.json"));
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let results = report["results"].as_array().expect("results");
    // The factory router's worst failures, each waived with its reason, never a pass.
    for id in [
        "users.default-admin-refused",
        "firewall.untrusted-blocked",
        "services.disabled",
    ] {
        let r = result(&report, id);
        assert_eq!(r["outcome"]["status"], "waived", "{r:#}");
        assert_eq!(
            r["outcome"]["waiver"]["reason"],
            format!("lab router, accepted: {id}")
        );
        assert_eq!(r["outcome"]["waiver"]["expires"], "2099-12-31");
        assert!(
            r["outcome"]["reason"]
                .as_str()
                .is_some_and(|s| !s.is_empty())
        );
        assert!(
            stdout.contains(&format!("lab router, accepted: {id}")),
            "{stdout}"
        );
    }
    assert!(stdout.contains("  WAIVED  "), "{stdout}");
    // Nothing of at least high failed; something below it did, and is still FAIL.
    let fails: Vec<&Value> = results
        .iter()
        .filter(|r| r["outcome"]["status"] == "fail")
        .collect();
    assert!(!fails.is_empty(), "the factory router fails low checks too");
    for r in &fails {
        let sev: Severity = r["severity"].as_str().unwrap().parse().unwrap();
        assert!(sev < Severity::High, "{r:#}");
    }
    assert_eq!(
        result(&report, "services.moved")["outcome"]["status"],
        "fail"
    );
    let waived = results
        .iter()
        .filter(|r| r["outcome"]["status"] == "waived")
        .count();
    assert_eq!(report["summary"]["waived"], waived);
    assert!(
        stdout.contains(&format!("{waived} waived")),
        "the summary counts them: {stdout}"
    );

    // One waiver expired: that failure counts again, and says why.
    let tmp = TempDir::new("expired");
    let (out, report) = run_with(
        &profile_waiving_high(&tmp, Some("users.default-admin-refused")),
        &tmp.path("b.json"),
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let r = result(&report, "users.default-admin-refused");
    assert_eq!(r["outcome"]["status"], "fail", "{r:#}");
    assert_eq!(r["severity"], "critical");
    let reason = r["outcome"]["reason"].as_str().unwrap();
    assert!(
        reason.ends_with(
            "(waiver expired on 2020-01-01: lab router, accepted: users.default-admin-refused)"
        ),
        "{reason}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("waiver expired on 2020-01-01"), "{stdout}");
    assert_eq!(
        result(&report, "firewall.untrusted-blocked")["outcome"]["status"],
        "waived"
    );
}

#[test]
fn fail_on_sets_the_threshold_without_waivers() {
    if !sim_lab_runs_here() {
        return;
    }
    // The factory router fails critical checks: even --fail-on critical exits 1; with no
    // threshold any failure does.
    for args in [&["--fail-on", "critical"][..], &[][..]] {
        let mut argv = vec!["check", "--no-apply"];
        argv.extend_from_slice(args);
        let out = chrlab(&argv);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", show(&out));
    }
}

#[test]
fn a_bad_fail_on_or_waiver_is_a_usage_error_before_any_lab() {
    let out = chrlab(&["check", "--fail-on", "severe"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown severity `severe`"),
        "{}",
        show(&out)
    );
    let tmp = TempDir::new("bad-waiver");
    let base = std::fs::read_to_string(format!("{REPO}/profiles/baseline.toml")).unwrap();
    let line = base.split('\n').count() + 2;
    let path = tmp.path("bad.toml");
    std::fs::write(
        &path,
        format!(
            "{base}\n[[waivers]]\ncheck = \"services.move\"\nreason = \"x\"\nexpires = \"2030-01-01\"\n"
        ),
    )
    .unwrap();
    let out = chrlab(&["check", "--profile", &path.display().to_string()]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "bad.toml:{line}: field `waivers[0].check`: `services.move` is no check of chrlab: did you mean services.moved"
        )),
        "{stderr}"
    );
}

#[test]
fn explain_prints_the_check_its_severity_advice_and_fix() {
    let out = chrlab(&["explain", "users.default-admin-refused"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let (_, c) = measures::find("users.default-admin-refused").unwrap();
    assert!(
        stdout.starts_with(&format!("users.default-admin-refused: {}\n", c.title)),
        "{stdout}"
    );
    for want in [
        "measure:   user management",
        &format!("severity:  critical ({})", c.rationale),
        &format!("how:       {}", c.how),
        &format!("advice:    {}", c.advice),
        "fix: the steps chrlab applies for profiles/baseline.toml",
        "/user",
    ] {
        assert!(stdout.contains(want), "{want:?} missing:\n{stdout}");
    }

    let out = chrlab(&["explain", "users.default-admin"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "`users.default-admin` is no check of chrlab; did you mean users.default-admin-gone, users.default-admin-refused"
        ),
        "{stderr}"
    );
}
