//! `chrlab matrix` as a user meets it: the built binary over several embedded-simulator labs at
//! once. Three versions hardened with the baseline print the version × check table and write the
//! JSON, JUnit, Markdown and HTML reports, which agree with each other and with the table, and the
//! exit code follows the cells. A factory router (`--no-apply`) fails checks; compared against its
//! own report edited so that one failing check passed, that check is named as a regression. Bad
//! input exits 2 before any lab starts. The lab tests need nftables and root, or user namespaces
//! for the binary to enter; without them they are counted skips (`testsupport::require`).

use std::process::Output;

use chrlab::measures;
use quick_junit::{Report, TestCaseStatus};
use serde_json::Value;

mod cli_support;

use cli_support::{TempDir, chrlab, sim_lab_runs_here};

fn show(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn read(path: &std::path::Path, out: &Output) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read {}: {e}\n{}", path.display(), show(out)))
}

fn validator(file: &str) -> jsonschema::Validator {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join(file);
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles")
}

/// Every violation of `validator` in `doc`, one per line (empty: valid).
fn violations(validator: &jsonschema::Validator, doc: &Value) -> String {
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn registry_ids() -> Vec<String> {
    measures::checks().map(|(_, c)| c.id.to_string()).collect()
}

/// The label the terminal table prints for a JSON cell word.
fn label(word: &str) -> &'static str {
    match word {
        "pass" => "PASS",
        "fail" => "FAIL",
        "skip" => "SKIP",
        "waived" => "WAIVED",
        "absent" => "—",
        "error" => "ERROR",
        other => panic!("unknown cell {other}"),
    }
}

/// 1 when a cell failed or errored or an audit is incomplete, else 0: what the exit must be.
fn expected_exit(json: &Value) -> i32 {
    let rows = json["rows"].as_array().expect("rows");
    let failing = rows.iter().any(|r| {
        r["cells"]
            .as_object()
            .expect("cells")
            .values()
            .any(|c| c == "fail" || c == "error")
            || r["report"].get("incomplete").is_some()
    });
    i32::from(failing)
}

#[test]
fn a_matrix_of_three_versions_prints_the_table_and_writes_every_report() {
    if !sim_lab_runs_here() {
        return;
    }
    let tmp = TempDir::new("matrix-three");
    let (json_path, junit_path, md_path, html_path) = (
        tmp.path("m.json"),
        tmp.path("out/m.xml"),
        tmp.path("m.md"),
        tmp.path("m.html"),
    );
    let versions = ["6.49.13", "7.12.2", "7.24.4"];
    let out = chrlab(&[
        "matrix",
        "--versions",
        &versions.join(","),
        "--report",
        &format!("json={}", json_path.display()),
        "--report",
        &format!("junit={}", junit_path.display()),
        "--report",
        &format!("md={}", md_path.display()),
        "--report",
        &format!("html={}", html_path.display()),
    ]);
    let names: Vec<String> = versions.iter().map(|v| format!("sim:{v}")).collect();

    // JSON: three audited rows in the order asked, the registry's checks, a cell for each.
    let json: Value = serde_json::from_str(&read(&json_path, &out)).expect("the JSON report");
    assert_eq!(json["schema_version"], "1");
    assert_eq!(json["kind"], "matrix");
    // The whole report follows its schema, and each row's report the one of `chrlab check`.
    let many = validator("many-report.schema.json");
    let one = validator("report.schema.json");
    assert_eq!(violations(&many, &json), "", "matrix report");
    for row in json["rows"].as_array().expect("rows") {
        assert_eq!(violations(&one, &row["report"]), "", "{}", row["name"]);
    }
    let ids: Vec<&str> = json["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, registry_ids(), "the registry's checks, in its order");
    let rows = json["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 3, "{}", show(&out));
    for (row, (name, version)) in rows.iter().zip(names.iter().zip(versions)) {
        assert_eq!(row["name"], name.as_str());
        assert_eq!(row["version"], version);
        assert_eq!(row["status"], "audited", "{row:#}\n{}", show(&out));
        // Hardening updates a v7 router to the release its upgrade server offers; a v6 lab is
        // offline and stays on its version.
        let reported = row["report"]["version"]
            .as_str()
            .expect("the router's version");
        if version.starts_with("6.") {
            assert_eq!(reported, version);
        }
        let cells = row["cells"].as_object().expect("cells");
        for id in registry_ids() {
            let word = cells[&id].as_str().expect("a cell word");
            assert!(
                ["pass", "fail", "skip", "waived"].contains(&word),
                "{name} {id}: {word}"
            );
        }
    }
    assert_eq!(
        out.status.code(),
        Some(expected_exit(&json)),
        "the exit follows the cells\n{}",
        show(&out)
    );

    // The terminal table says what the JSON says, cell by cell.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let head = stdout
        .lines()
        .find(|l| l.starts_with("check "))
        .unwrap_or_else(|| panic!("no table head\n{}", show(&out)));
    assert_eq!(
        head.split_whitespace().skip(1).collect::<Vec<_>>(),
        names,
        "one column per lab"
    );
    for id in registry_ids() {
        let line: Vec<&str> = stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(id.as_str()))
            .unwrap_or_else(|| panic!("no line for {id}\n{stdout}"))
            .split_whitespace()
            .skip(1)
            .collect();
        let expected: Vec<&str> = rows
            .iter()
            .map(|r| label(r["cells"][&id].as_str().unwrap()))
            .collect();
        assert_eq!(line, expected, "{id}");
    }
    // One line per lab as it starts and as it finishes.
    let stderr = String::from_utf8_lossy(&out.stderr);
    for name in &names {
        assert!(stderr.contains(&format!("{name}: started")), "{stderr}");
        assert!(stderr.contains(&format!("{name}: finished: ")), "{stderr}");
    }

    // JUnit: one suite per lab, one case per check, failures as the cells say.
    let junit = Report::deserialize_from_str(&read(&junit_path, &out)).expect("JUnit XML");
    assert_eq!(junit.test_suites.len(), 3);
    for (suite, row) in junit.test_suites.iter().zip(rows) {
        assert_eq!(suite.name.as_str(), row["name"].as_str().unwrap());
        let incomplete = row["report"].get("incomplete").is_some();
        assert_eq!(
            suite.test_cases.len(),
            registry_ids().len() + usize::from(incomplete),
            "a case per check (and one for an incomplete audit)"
        );
        let cells = row["cells"].as_object().unwrap();
        for case in &suite.test_cases {
            let failed = matches!(case.status, TestCaseStatus::NonSuccess { .. });
            match cells.get(case.name.as_str()) {
                Some(word) => assert_eq!(
                    failed,
                    word == "fail",
                    "{} {}",
                    suite.name.as_str(),
                    case.name.as_str()
                ),
                None => assert!(incomplete && failed && case.name.as_str() == "audit-complete"),
            }
        }
    }

    // Markdown and HTML carry the same table.
    let md = read(&md_path, &out);
    assert!(
        md.contains(&format!("| check | {} |", names.join(" | "))),
        "{md}"
    );
    let first = &registry_ids()[0];
    let md_line = md
        .lines()
        .find(|l| l.starts_with(&format!("| `{first}`")))
        .expect("a line for the first check");
    let expected: String = rows
        .iter()
        .map(|r| format!(" {} |", label(r["cells"][first].as_str().unwrap())))
        .collect();
    assert!(md_line.ends_with(&expected), "{md_line}");
    let html = read(&html_path, &out);
    assert!(html.starts_with("<!DOCTYPE html>"));
    for name in &names {
        assert!(html.contains(&format!("<th>{name}</th>")), "{name}");
    }
    let cells_in_html = ["pass", "fail", "skip", "waived"]
        .iter()
        .map(|w| html.matches(&format!("<td class=\"{w}\"")).count())
        .sum::<usize>();
    assert_eq!(cells_in_html, 3 * registry_ids().len());
}

#[test]
fn a_check_that_passed_in_the_old_report_and_fails_now_is_a_regression() {
    if !sim_lab_runs_here() {
        return;
    }
    let tmp = TempDir::new("matrix-compare");
    let old = tmp.path("old.json");
    // The factory router fails checks: the negative control.
    let first = chrlab(&[
        "matrix",
        "--no-apply",
        "--target",
        "sim:7.24.4",
        "--report",
        &format!("json={}", old.display()),
    ]);
    assert_eq!(first.status.code(), Some(1), "{}", show(&first));
    let mut json: Value = serde_json::from_str(&read(&old, &first)).unwrap();
    let failing = json["rows"][0]["cells"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, c)| *c == "fail")
        .map(|(id, _)| id.clone())
        .unwrap_or_else(|| panic!("a factory router fails some check\n{}", show(&first)));
    json["rows"][0]["cells"][&failing] = Value::from("pass");
    let edited = tmp.path("edited.json");
    std::fs::write(&edited, serde_json::to_string(&json).unwrap()).unwrap();

    let out = chrlab(&[
        "matrix",
        "--no-apply",
        "--versions",
        "7.24.4",
        "--compare",
        &edited.display().to_string(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stdout.contains(&format!("1 regression against {}", edited.display())),
        "{}",
        show(&out)
    );
    assert!(
        stdout.contains(&format!("sim:7.24.4: {failing} passed before, fails now")),
        "{}",
        show(&out)
    );

    // Against the report as it was, nothing regressed (and the failures still fail the run).
    let same = chrlab(&[
        "matrix",
        "--no-apply",
        "--versions",
        "7.24.4",
        "--compare",
        &old.display().to_string(),
    ]);
    assert_eq!(same.status.code(), Some(1), "{}", show(&same));
    assert!(
        String::from_utf8_lossy(&same.stdout)
            .contains(&format!("no regression against {}", old.display())),
        "{}",
        show(&same)
    );
}

#[test]
fn bad_input_exits_2_before_any_lab_starts() {
    let tmp = TempDir::new("matrix-bad");
    let check_report = tmp.path("check.json");
    std::fs::write(
        &check_report,
        r#"{"schema_version":"1","router":"sim","results":[]}"#,
    )
    .unwrap();
    let missing = tmp.path("missing.json");
    let missing_arg = missing.display().to_string();
    let check_arg = check_report.display().to_string();
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["--versions", "seven,7.24.4"],
            "--versions: `seven` is not a RouterOS version".into(),
        ),
        (
            vec!["--versions", "7.24.4", "--compare", &missing_arg],
            format!("--compare {missing_arg}: "),
        ),
        (
            vec!["--versions", "7.24.4", "--compare", &check_arg],
            "not a chrlab matrix or fleet JSON report".into(),
        ),
        (vec![], "name the labs: --target LAB".into()),
        (vec!["--versions", ""], "is not a RouterOS version".into()),
        (
            vec!["--versions", "7.24.4", "--report", "sarif=x.sarif"],
            "sarif is per router".into(),
        ),
        (
            vec!["--versions", "7.24.4", "--profile", "no/such/profile.toml"],
            "no/such/profile.toml".into(),
        ),
    ];
    for (args, why) in cases {
        let mut argv = vec!["matrix"];
        argv.extend(&args);
        let out = chrlab(&argv);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}\n{}", show(&out));
        assert!(
            stderr.contains(&why),
            "{args:?}: want {why:?}\n{}",
            show(&out)
        );
        assert!(!stderr.contains(": started"), "no lab started: {stderr}");
        assert!(out.stdout.is_empty(), "no table: {}", show(&out));
    }
    // A QEMU version whose image is not in the cache is refused before any lab boots.
    let cache = tmp.path("empty-cache");
    std::fs::create_dir_all(&cache).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chrlab"))
        .args(["matrix", "--versions", "7.24.4,7.16.2", "--backend", "qemu"])
        .current_dir(cli_support::REPO)
        .env("CHRLAB_CACHE_DIR", &cache)
        .env_remove("RUST_LOG")
        .output()
        .expect("run chrlab");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        stderr.contains("`qemu:7.24.4`"),
        "names the lab: {}",
        show(&out)
    );
    assert!(
        stderr.contains("chrlab image fetch 7.24.4"),
        "{}",
        show(&out)
    );
    assert!(!stderr.contains(": started"), "{stderr}");
}

/// A fixed matrix: a passing lab, a failing one (a waiver, a skip), one that timed out and one
/// that failed to start; times fixed, so the renderings are stable.
fn fixed_matrix() -> chrlab::scale::ManyReport {
    use chrlab::outcome::{CheckResult, Measure, Outcome, RunReport, Waived};
    use chrlab::scale::{JobError, Kind, ManyReport, Row, RowResult};
    use std::time::Duration;
    use time::macros::datetime;
    let ids: Vec<(Measure, &str)> = measures::checks()
        .take(3)
        .map(|(m, c)| (m.measure, c.id))
        .collect();
    let audited = |version: &str, outcomes: [Outcome; 3]| {
        let mut r = RunReport::new(format!("sim:{version}"), "profiles/baseline.toml");
        r.version = Some(version.to_string());
        r.started = datetime!(2026-12-01 02:00:00 UTC);
        r.finished = datetime!(2026-12-01 02:00:03 UTC);
        for ((measure, id), outcome) in ids.iter().zip(outcomes) {
            r.push(CheckResult::new(*measure, *id, *id, outcome));
        }
        Row {
            name: format!("sim:{version}"),
            group: None,
            version: Some(version.to_string()),
            result: RowResult::Audited(r),
            elapsed: Duration::from_millis(3000),
            attempts: 1,
        }
    };
    let errored = |version: &str, result: RowResult, attempts: u32| Row {
        name: format!("sim:{version}"),
        group: None,
        version: Some(version.to_string()),
        result,
        elapsed: Duration::from_millis(120_000),
        attempts,
    };
    let mut report = ManyReport::new(
        Kind::Matrix,
        vec![
            audited("7.24.4", [Outcome::Pass, Outcome::Pass, Outcome::Pass]),
            audited(
                "6.49.13",
                [
                    Outcome::Fail("6.49.13 is below the minimum 7.12".into()),
                    Outcome::Waived(Waived {
                        failure: "6.49.13 is affected by CVE-2023-30799".into(),
                        reason: "lab router".into(),
                        expires: "2099-12-31".into(),
                    }),
                    Outcome::Skip("the router is offline".into()),
                ],
            ),
            errored(
                "7.16.2",
                RowResult::TimedOut {
                    after: Duration::from_secs(120),
                },
                1,
            ),
            errored(
                "7.12.2",
                RowResult::Failed(JobError {
                    message: "cannot build the lab: nft: not found".into(),
                    exit: chrlab::outcome::Exit::Internal,
                    retryable: false,
                }),
                2,
            ),
        ],
    );
    report.started = datetime!(2026-12-01 02:00:00 UTC);
    report.finished = datetime!(2026-12-01 02:02:00 UTC);
    report.notes.push(
        "regression against old.json: sim:6.49.13: update.minimum-version passed before, fails now"
            .into(),
    );
    report
}

#[test]
fn snapshots_of_the_matrix_formats() {
    use chrlab::report::TerminalStyle;
    use chrlab::scale::report::{render_html, render_junit, render_markdown, render_terminal};
    let r = fixed_matrix();
    let json: Value = serde_json::from_str(&chrlab::scale::report::render_json(&r)).unwrap();
    assert_eq!(
        violations(&validator("many-report.schema.json"), &json),
        "",
        "every row status follows the schema"
    );
    let mut broken = json.clone();
    broken["rows"][3].as_object_mut().unwrap().remove("error");
    assert_ne!(
        violations(&validator("many-report.schema.json"), &broken),
        "",
        "a failed row without its error is refused"
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(std::path::Path::new(cli_support::REPO).join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_snapshot!(
            "matrix_terminal__fixed",
            render_terminal(&r, TerminalStyle::default())
        );
        insta::assert_snapshot!("matrix_md__fixed", render_markdown(&r));
        insta::assert_snapshot!("matrix_junit__fixed", render_junit(&r));
        insta::assert_snapshot!("matrix_html__fixed", render_html(&r));
    });
}

#[test]
fn ctrl_c_tears_every_lab_down_and_exits_130() {
    use std::io::{BufRead as _, BufReader};
    use std::process::{Command, Stdio};
    if !sim_lab_runs_here() {
        return;
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_chrlab"))
        .args(["matrix", "--versions", "6.49.13,7.12.2,7.24.4"])
        .current_dir(cli_support::REPO)
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run chrlab");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = Vec::new();
    let mut line = String::new();
    // Every lab has started: now Ctrl-C.
    while seen
        .iter()
        .filter(|l: &&String| l.contains(": started"))
        .count()
        < 3
    {
        line.clear();
        if stderr.read_line(&mut line).unwrap() == 0 {
            panic!("chrlab ended before the labs started: {seen:?}");
        }
        seen.push(line.clone());
    }
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(sent.success());
    let started = std::time::Instant::now();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{seen:?}\n{rest}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "the labs stopped promptly"
    );
    assert!(
        rest.contains("stopped by SIGINT: every lab was torn down; no report written"),
        "{rest}"
    );
    // Each lab that had not finished says it was stopped.
    let finished = seen
        .iter()
        .map(String::as_str)
        .chain(rest.lines())
        .filter(|l| l.contains(": finished: "))
        .count();
    assert_eq!(finished, 3, "every lab ended with a line\n{seen:?}\n{rest}");
    for l in rest.lines().filter(|l| l.contains(": finished: ")) {
        assert!(
            l.contains("ERROR, stopped by SIGINT before it finished; the lab was torn down"),
            "{l}"
        );
    }
    assert!(rest.contains("ERROR"), "a lab was stopped mid-run: {rest}");
}
