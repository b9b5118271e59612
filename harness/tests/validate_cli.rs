//! `chrlab validate` end to end: the real binary on two simulator labs (root and nft), and the
//! library API on two labs the test starts itself, one of them changed on purpose.

mod cli_support;

use std::path::Path;

use chrlab::lab::Role;
use chrlab::lab::spec::LabSpec;
use chrlab::operator::Operator;
use cli_support::{TempDir, chrlab, sim_lab_runs_here};
use testsupport::Need;

fn json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", path.display()))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The observation changes of a JSON diff as (path, baseline, candidate).
fn changes(diff: &serde_json::Value) -> Vec<(String, String, String)> {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("(absent)").to_string();
    diff["observations"]
        .as_array()
        .expect("observations")
        .iter()
        .map(|c| (s(&c["path"]), s(&c["baseline"]), s(&c["candidate"])))
        .collect()
}

#[test]
fn six_against_seven_reports_real_differences_and_exits_by_the_rule() {
    if !sim_lab_runs_here() {
        return;
    }
    let dir = TempDir::new("validate-6-7");
    let report = dir.path("diff.json");
    let md = dir.path("diff.md");
    let out = chrlab(&[
        "validate",
        "--candidate",
        "sim:7.24.4",
        "--baseline",
        "sim:6.49.13",
        "--report",
        &format!("json={}", report.display()),
        "--report",
        &format!("md={}", md.display()),
    ]);
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    let diff = json(&report);
    assert_eq!(diff["baseline"]["version"], "6.49.13", "{diff:#}");
    assert_eq!(diff["candidate"]["version"], "7.24.4", "{diff:#}");
    let changes = changes(&diff);
    let has = |pred: &dyn Fn(&(String, String, String)) -> bool, what: &str| {
        assert!(
            changes.iter().any(pred),
            "no change {what} in\n{stdout}\n{stderr}"
        );
    };
    // RouterOS 7 has REST: the provoked wrong password over it is logged `via rest-api`,
    // which 6.49.13 (no REST) never logs.
    has(
        &|(p, b, c)| {
            p == "log.system,error,critical: login failure for user <user> from <trusted> via rest-api"
                && b == "(absent)"
                && c == "logged"
        },
        "in the log texts (a `via rest-api` failure line)",
    );
    // The export's sections differ between the majors: only RouterOS 7 has `/user settings`
    // (the password rules) and an IPv6 firewall the baseline fills.
    for section in ["/user settings", "/ipv6 firewall filter"] {
        has(
            &|(p, _, c)| p.starts_with("export.") && c == section,
            &format!("adding {section} to the /export sections"),
        );
        assert!(
            !changes
                .iter()
                .any(|(p, b, _)| p.starts_with("export.") && b == section),
            "6.49.13 exports {section}?\n{stdout}"
        );
    }
    // Over IPv6 a hardened 6.49.13 has no IPv6 filter the baseline programs: ssh answers RST to
    // the untrusted vantage, where 7.24.4 drops it.
    has(
        &|(p, b, c)| p == "observed.matrix6.22.untrusted" && b == "closed" && c == "filtered",
        "in the IPv6 probe matrix (ssh from the untrusted vantage)",
    );
    // `/user settings` exists only on 7: the password-rules check goes from SKIP to PASS.
    assert!(
        stdout.contains("users.password-rules: SKIP -> PASS"),
        "{stdout}"
    );
    // The exit follows the rule: 1 exactly when a verdict regressed.
    let regressions = diff["regressions"].as_u64().expect("regressions");
    let regressed = diff["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["regression"] == true)
        .count() as u64;
    assert_eq!(regressions, regressed);
    let expected = if regressions == 0 { 0 } else { 1 };
    assert_eq!(out.status.code(), Some(expected), "{stdout}\n{stderr}");
    assert_eq!(diff["go"], regressions == 0);
    let last = stdout.trim_end().lines().last().unwrap_or_default();
    if regressions == 0 {
        assert_eq!(last, "GO", "{stdout}");
    } else {
        assert!(last.starts_with("NO-GO ("), "{stdout}");
    }
    // The update checks fail on 6.49.13 (below the baseline's minimum, in the CVE table) and
    // pass on 7.24.4: a verdict difference that is no regression.
    let verdicts = diff["verdicts"].as_array().unwrap();
    let min = verdicts
        .iter()
        .find(|v| v["check"] == "update.minimum-version")
        .unwrap_or_else(|| panic!("update.minimum-version does not differ:\n{stdout}"));
    assert_eq!(min["baseline"], "FAIL");
    assert_eq!(min["candidate"], "PASS");
    assert_eq!(min["regression"], false);
    assert!(
        stdout.contains("update.minimum-version: FAIL -> PASS"),
        "{stdout}"
    );
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(md.starts_with("# chrlab validate: "), "{md}");
    assert!(
        md.contains("| `update.minimum-version` | FAIL | PASS | no |"),
        "{md}"
    );
}

#[test]
fn identical_labs_go_and_snapshots_are_written_once_then_match() {
    if !sim_lab_runs_here() {
        return;
    }
    let dir = TempDir::new("validate-same");
    let snaps = dir.path("snapshots");
    let report = dir.path("diff.json");
    let args = [
        "validate",
        "--candidate",
        "sim:7.24.4",
        "--baseline",
        "sim:7.24.4",
        "--snapshots",
        snaps.to_str().unwrap(),
        "--report",
        &format!("json={}", report.display()),
    ];
    let first = chrlab(&args);
    let stdout = text(&first.stdout);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&first.stderr)
    );
    assert_eq!(stdout.trim_end().lines().last(), Some("GO"), "{stdout}");
    let diff = json(&report);
    assert_eq!(diff["verdicts"], serde_json::json!([]), "{stdout}");
    assert_eq!(diff["observations"], serde_json::json!([]), "{stdout}");
    let file = snaps.join("behaviour__7.24.4.json");
    assert!(file.is_file(), "{stdout}");
    assert!(
        stdout.contains(&format!("{}: new, review and commit", file.display())),
        "{stdout}"
    );
    // The baseline wrote it, the candidate (same version) was diffed against it: clean.
    assert!(
        stdout.contains(&format!("{}: candidate matches it", file.display())),
        "{stdout}"
    );
    let snapshot = json(&file);
    assert_eq!(snapshot["version"], "7.24.4");
    assert_eq!(snapshot["verdicts"]["services.disabled"], "PASS");
    let written = std::fs::read_to_string(&file).unwrap();
    // Addresses are roles (so another lab compares), and no time is recorded.
    for address in ["192.0.2.10", "192.0.2.66", "2001:db8"] {
        assert!(
            !written.contains(address),
            "the snapshot holds {address:?}:\n{written}"
        );
    }
    assert!(written.contains("<trusted>"), "{written}");

    let second = chrlab(&args);
    let stdout = text(&second.stdout);
    assert_eq!(
        second.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&second.stderr)
    );
    assert!(!stdout.contains("new, review and commit"), "{stdout}");
    assert!(
        stdout.contains(&format!("{}: baseline matches it", file.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{}: candidate matches it", file.display())),
        "{stdout}"
    );
    assert_eq!(
        written,
        std::fs::read_to_string(&file).unwrap(),
        "rewritten"
    );
}

#[test]
fn bad_input_is_refused_before_a_lab_starts() {
    let dir = TempDir::new("validate-bad");
    let out = chrlab(&[
        "validate",
        "--candidate",
        "sim:7.24.4",
        "--baseline",
        "sim:6.49.13",
        "--report",
        &format!("junit={}", dir.path("j.xml").display()),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("validate writes json and md reports only"),
        "{}",
        text(&out.stderr)
    );
    let snaps = dir.path("snaps");
    std::fs::create_dir_all(&snaps).unwrap();
    std::fs::write(snaps.join("behaviour__7.24.4.json"), "{\"schema\": 1}").unwrap();
    let out = chrlab(&[
        "validate",
        "--candidate",
        "sim:7.24.4",
        "--baseline",
        "sim:7.24.4",
        "--snapshots",
        snaps.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("behaviour__7.24.4.json"),
        "{}",
        text(&out.stderr)
    );
}

/// A factory default moved on the candidate only (telnet on 2323, as a new release might ship
/// it): the validation names exactly that, in the factory table and wherever it shows after
/// hardening, and nothing else.
#[test]
fn a_deliberately_moved_factory_default_is_the_difference() {
    if !testsupport::require(Need::NAMESPACE_LAB) {
        return;
    }
    let cli = <chrlab::cli::Cli as clap::Parser>::try_parse_from([
        "chrlab",
        "validate",
        "--candidate",
        "sim:7.24.4",
        "--baseline",
        "sim:7.24.4",
        "--profile",
        &format!("{}/profiles/baseline.toml", cli_support::REPO),
    ])
    .unwrap();
    let chrlab::cli::Command::Validate(args) = cli.command else {
        panic!("not validate")
    };
    let v = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async move {
            let plans = args.prepare().unwrap();
            let spec: LabSpec = "sim:7.24.4".parse().unwrap();
            let (b, c) = tokio::join!(spec.start(), spec.start());
            let (b, c) = (b.unwrap(), c.unwrap());
            let moved = Operator::new(c.as_ref())
                .exec(Role::Trusted, "/ip service set telnet port=2323")
                .await;
            let journals = Default::default();
            let v =
                chrlab::validate::compare(&plans, b.as_ref(), c.as_ref(), &journals, false).await;
            tokio::join!(b.shutdown(), c.shutdown());
            assert_eq!(moved.unwrap().trim(), "");
            v.unwrap()
        });
    let changes: Vec<(String, Option<String>, Option<String>)> = v
        .diff
        .observations
        .iter()
        .map(|c| (c.path.clone(), c.baseline.clone(), c.candidate.clone()))
        .collect();
    let shown = format!("{changes:#?}");
    assert!(
        changes.contains(&(
            "factory.services.telnet".into(),
            Some("port=23 disabled=no".into()),
            Some("port=2323 disabled=no".into())
        )),
        "{shown}"
    );
    assert!(
        changes
            .iter()
            .any(|(p, b, c)| p == "observed.services.telnet.port"
                && b.as_deref() == Some("23")
                && c.as_deref() == Some("2323")),
        "{shown}"
    );
    // Nothing else moved: every change is about telnet or its ports.
    let about_telnet = |p: &str| {
        p.contains("telnet")
            || p.split('.').any(|w| w == "23" || w == "2323")
            || p.contains("tcp/23 ")
            || p.contains("tcp/2323 ")
    };
    let others: Vec<_> = changes
        .iter()
        .filter(|(p, _, _)| !about_telnet(p))
        .collect();
    assert!(
        others.is_empty(),
        "changes beyond telnet: {others:#?}\nall: {shown}"
    );
    assert_eq!(v.regressions(), 0, "{:#?}", v.diff.verdicts);
    assert!(v.go());
}

#[test]
fn ctrl_c_stops_both_labs_with_exit_130() {
    if !sim_lab_runs_here() {
        return;
    }
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_chrlab"))
        .args([
            "validate",
            "--candidate",
            "sim:7.24.4",
            "--baseline",
            "sim:6.49.13",
        ])
        .current_dir(cli_support::REPO)
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run chrlab");
    // Long enough for both labs to be up and the hardening under way.
    std::thread::sleep(std::time::Duration::from_millis(900));
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).expect("signal chrlab");
    let out = child.wait_with_output().expect("wait for chrlab");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("baseline and candidate sim:6.49.13 and sim:7.24.4")
            && stderr.contains("stopped by SIGINT; the lab was torn down"),
        "{stderr}"
    );
    assert!(
        !text(&out.stdout).contains("GO"),
        "no verdict after a signal: {}",
        text(&out.stdout)
    );
}
