//! The HTML, SARIF and JSON reports as their readers take them: the JSON report validates against
//! its own schema (`harness/schemas/report.schema.json`), the SARIF report against OASIS's SARIF
//! 2.1.0 schema (vendored in `tests/schemas/`), and the HTML page renders in a real headless
//! Chromium — its script runs, the summary and a failing row are in the rendered DOM, the filter
//! works, and a screenshot is written under the target dir. A fixed run is snapshotted in every
//! format; real factory and hardened runs of `chrlab check` on the embedded simulator write
//! all three, and each validates or renders.
//!
//! Chromium: `apt-get install --no-install-recommends chromium`, else a counted skip. The
//! simulator runs need nftables and root (or user namespaces), else counted skips.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use chrlab::cve::{DataInfo, DataSource};
use chrlab::outcome::{CheckResult, Measure, Outcome, RunReport, Severity, Waived};
use chrlab::probe::{Identity, PortState, Probe, ProbeMatrix};
use chrlab::report::{
    JSON_SCHEMA_VERSION, SARIF_SCHEMA, TerminalStyle, render_html, render_json, render_junit,
    render_markdown, render_sarif, render_terminal,
};
use chrlab::secret::Secret;
use serde_json::Value;
use testsupport::Need;
use time::macros::datetime;

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const PASSWORD: &str = "Leaky-Pa55word!";

/// A run with every outcome, the password in a reason and in evidence, markup in a title, CVE
/// data, and a probe matrix over IPv4 and IPv6 from two vantages.
fn fixed_report() -> RunReport {
    let mut r = RunReport::new("sim:7.23.7", PathBuf::from("profiles/baseline.toml"));
    r.version = Some("7.23.7".into());
    r.readback = Some("rest".into());
    r.started = datetime!(2026-11-25 08:00:00 UTC);
    r.finished = datetime!(2026-11-25 08:00:12.5 UTC);
    r.add_secret(&Secret::new(PASSWORD));
    r.cve_data = Some(DataInfo {
        updated: Some("2027-01-15T10:00:00".into()),
        records: 18,
        source: DataSource::Refreshed {
            path: PathBuf::from("/home/op/.local/share/chrlab/cve/table.json"),
            from: "/srv/cvelistV5".into(),
            refreshed: "2027-01-16T08:00:00Z".into(),
            skipped: Vec::new(),
        },
    });
    r.push(
        CheckResult::new(
            Measure::Update,
            "update.version",
            "installed version is outside known vulnerable ranges",
            Outcome::Fail("7.23.7 is affected by CVE-2026-84411".into()),
        )
        .with_evidence("installed-version=7.23.7 channel=stable")
        .with_severity(Severity::Critical)
        .with_fix([
            "/system package update set channel=stable".to_string(),
            "/system package update install".to_string(),
        ])
        .with_duration(Duration::from_millis(120)),
    );
    r.push(CheckResult::new(
        Measure::Update,
        "update.channel",
        "update channel is stable",
        Outcome::Pass,
    ));
    r.push(
        CheckResult::new(
            Measure::Services,
            "services.telnet-closed",
            "telnet is not reachable",
            Outcome::Pass,
        )
        .with_evidence("192.0.2.66 -> 192.0.2.1:23 refused"),
    );
    r.push(
        CheckResult::new(
            Measure::Users,
            "users.new-admin-login",
            "the new administrator can log in <b>over ssh</b>",
            Outcome::Fail(format!("login with {PASSWORD} refused")),
        )
        .with_evidence(format!("ssh netops@192.0.2.1:2222 password={PASSWORD}"))
        .with_evidence("log: login failure for user netops from 192.0.2.10 via ssh")
        .with_severity(Severity::High),
    );
    r.push(
        CheckResult::new(
            Measure::Logging,
            "logging.remote",
            "failed logins reach the remote collector",
            Outcome::Waived(Waived {
                failure: "no remote logging action".into(),
                reason: "collector arrives in March".into(),
                expires: "2027-03-31".into(),
            }),
        )
        .with_evidence("/system logging action: memory disk echo")
        .with_severity(Severity::Medium),
    );
    r.push(CheckResult::new(
        Measure::Firewall,
        "firewall.untrusted-filtered",
        "management ports are filtered for untrusted sources",
        Outcome::Skip("no untrusted vantage".into()),
    ));
    let probe = |state, identity| Probe { state, identity };
    let mut m = ProbeMatrix::default();
    m.insert(
        22,
        "trusted",
        probe(
            PortState::Open,
            Some(Identity::Ssh("SSH-2.0-ROSSSH".into())),
        ),
    );
    m.insert(22, "untrusted", probe(PortState::Filtered, None));
    m.insert(23, "trusted", probe(PortState::Closed, None));
    m.insert(23, "untrusted", probe(PortState::Closed, None));
    m.insert(
        8291,
        "trusted",
        probe(PortState::Open, Some(Identity::Silent)),
    );
    r.matrix = m;
    let mut m6 = ProbeMatrix::default();
    m6.insert(22, "trusted", probe(PortState::Filtered, None));
    r.matrix6 = Some(m6);
    r
}

fn schema(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn report_schema() -> jsonschema::Validator {
    let s = schema(&Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/report.schema.json"));
    jsonschema::options()
        .should_validate_formats(true)
        .build(&s)
        .expect("the report schema compiles")
}

/// The `language` pattern of the vendored (2.1.0) schema, which is not a regular expression the
/// validator accepts (an unbalanced `]`), and the one OASIS's later revision of the file has.
const LANGUAGE_PATTERN: (&str, &str) = (
    "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
    "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$",
);

/// The vendored SARIF schema, its two `language` patterns (of `run` and `toolComponent`)
/// replaced in memory by OASIS's corrected one so that formats can be validated.
fn sarif_schema() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let (old, new) = LANGUAGE_PATTERN;
    assert_eq!(text.matches(old).count(), 2, "the vendored schema changed");
    let s: Value = serde_json::from_str(&text.replace(old, new)).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&s)
        .expect("the SARIF schema compiles")
}

/// Every violation of `validator` in `doc`, one per line (empty: valid).
fn violations(validator: &jsonschema::Validator, doc: &Value) -> String {
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_valid(what: &str, validator: &jsonschema::Validator, text: &str) -> Value {
    let doc: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{what} is not JSON ({e}):\n{text}"));
    let errors = violations(validator, &doc);
    assert!(
        errors.is_empty(),
        "{what} violates its schema:\n{errors}\n{text}"
    );
    doc
}

#[test]
fn the_json_report_names_its_schema_version_and_validates_against_the_schema() {
    let validator = report_schema();
    let doc = assert_valid("the JSON report", &validator, &render_json(&fixed_report()));
    assert_eq!(doc["schema_version"], JSON_SCHEMA_VERSION);
    assert_eq!(doc["results"][4]["outcome"]["status"], "waived");
    assert_eq!(JSON_SCHEMA_VERSION, "1");
    // The schema pins the version and the shape: each of these breaks it.
    let mut wrong_version = doc.clone();
    wrong_version["schema_version"] = Value::from("2");
    let mut unknown_status = doc.clone();
    unknown_status["results"][1]["outcome"] = serde_json::json!({"status": "maybe"});
    let mut fail_without_reason = doc.clone();
    fail_without_reason["results"][0]["outcome"] = serde_json::json!({"status": "fail"});
    let mut stray_field = doc.clone();
    stray_field["results"][0]["colour"] = Value::from("red");
    let mut bad_severity = doc.clone();
    bad_severity["results"][0]["severity"] = Value::from("severe");
    let mut waiver_without_date = doc.clone();
    waiver_without_date["results"][4]["outcome"]["waiver"]
        .as_object_mut()
        .unwrap()
        .remove("expires");
    let mut bad_time = doc.clone();
    bad_time["started"] = Value::from("yesterday");
    let mut no_version = doc;
    no_version.as_object_mut().unwrap().remove("schema_version");
    for (name, broken) in [
        ("schema_version 2", wrong_version),
        ("status maybe", unknown_status),
        ("a failure without reason", fail_without_reason),
        ("an undocumented field", stray_field),
        ("severity severe", bad_severity),
        ("a waiver without its date", waiver_without_date),
        ("a started that is no date-time", bad_time),
        ("no schema_version", no_version),
    ] {
        assert!(
            !violations(&validator, &broken).is_empty(),
            "the schema accepts {name}"
        );
    }
}

#[test]
fn sarif_validates_and_has_a_rule_per_check_and_a_result_per_failure() {
    let text = render_sarif(&fixed_report());
    let doc = assert_valid("the SARIF report", &sarif_schema(), &text);
    assert_eq!(doc["$schema"], SARIF_SCHEMA);
    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "chrlab");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "update.version",
            "update.channel",
            "services.telnet-closed",
            "users.new-admin-login",
            "logging.remote",
            "firewall.untrusted-filtered"
        ]
    );
    assert_eq!(rules[2]["name"], "ServicesTelnetClosed");
    assert_eq!(
        rules[2]["shortDescription"]["text"],
        "telnet is not reachable"
    );
    let results = run["results"].as_array().unwrap();
    let failed: Vec<(&str, u64, &str)> = results
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap(),
                r["ruleIndex"].as_u64().unwrap(),
                r["level"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        failed,
        [
            ("update.version", 0, "error"),
            ("users.new-admin-login", 3, "error"),
            ("logging.remote", 4, "warning")
        ]
    );
    // Severity reaches the rules as GitHub reads it.
    assert_eq!(rules[0]["properties"]["severity"], "critical");
    assert_eq!(rules[0]["properties"]["security-severity"], "9.5");
    assert_eq!(rules[4]["properties"]["security-severity"], "5.5");
    // A registered check's rule says why its severity and how it is proved.
    assert!(
        rules[4]["fullDescription"]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Severity medium: ")),
        "{:#}",
        rules[4]
    );
    // Only the waived result is suppressed, with the waiver as justification.
    assert!(results[0].get("suppressions").is_none());
    assert_eq!(
        results[2]["suppressions"],
        serde_json::json!([{
            "kind": "external",
            "status": "accepted",
            "justification": "waived until 2027-03-31: collector arrives in March"
        }])
    );
    let location = &results[0]["locations"][0];
    assert_eq!(
        location["physicalLocation"]["artifactLocation"]["uri"],
        "profiles/baseline.toml"
    );
    assert_eq!(location["logicalLocations"][0]["name"], "sim:7.23.7");
    assert!(
        results[0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("7.23.7 is affected by CVE-2026-84411\nEvidence:\ninstalled-version=7.23.7")
    );
    assert!(
        results[0]["message"]["text"].as_str().unwrap().ends_with(
            "Fix (RouterOS commands):\n/system package update set channel=stable\n/system package update install"
        ),
        "{:#}",
        results[0]
    );
    assert_eq!(
        results[0]["properties"]["fix"][1],
        "/system package update install"
    );
    assert_eq!(run["properties"]["cveDataDate"], "2027-01-15");
    assert!(
        !text.contains(PASSWORD),
        "SARIF leaks the password:\n{text}"
    );
    assert!(text.contains("login with *** refused"));
    // The schema is strict where a code scanner is: a result without a message is refused.
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!violations(&sarif_schema(), &broken).is_empty());
}

#[test]
fn html_is_self_contained_escaped_and_redacted() {
    let html = render_html(&fixed_report());
    assert!(html.starts_with("<!DOCTYPE html>\n"));
    // No external asset: nothing is fetched from anywhere.
    for needle in ["src=", "href=", "@import", "url(", "http://", "https://"] {
        assert!(
            !html.contains(needle),
            "the page refers out ({needle}):\n{html}"
        );
    }
    assert!(!html.contains(PASSWORD));
    assert!(html.contains("login with *** refused"));
    assert!(html.contains("log in &lt;b&gt;over ssh&lt;/b&gt;"));
    assert!(!html.contains("<b>over ssh</b>"));
}

/// The fixed run in every format, times and the chrlab version redacted.
#[test]
fn snapshots_of_every_format() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(Path::new(REPO).join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.add_filter(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:[0-9.]+(Z|[+-]\d{2}:\d{2})",
        "[time]",
    );
    // JUnit's and the terminal's durations.
    settings.add_filter(r#"time="[0-9.]+""#, r#"time="[s]""#);
    settings.add_filter(r"\(\d+(\.\d+)? s\)", "([s])");
    settings.add_filter(
        &format!(
            "\"semanticVersion\": \"{}\"",
            regex_escape(env!("CARGO_PKG_VERSION"))
        ),
        "\"semanticVersion\": \"[version]\"",
    );
    let r = fixed_report();
    settings.bind(|| {
        insta::assert_snapshot!("report_html__fixed", render_html(&r));
        insta::assert_snapshot!("report_sarif__fixed", render_sarif(&r));
        insta::assert_snapshot!("report_json__fixed", render_json(&r));
        insta::assert_snapshot!("report_junit__fixed", render_junit(&r));
        insta::assert_snapshot!("report_md__fixed", render_markdown(&r));
        insta::assert_snapshot!(
            "report_terminal__fixed",
            render_terminal(&r, TerminalStyle::default())
        );
    });
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_ascii_alphanumeric() {
                vec![c]
            } else {
                vec!['\\', c]
            }
        })
        .collect()
}

/// A scratch directory under the target dir, kept after the test (it holds the screenshots).
fn artifacts(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("report-artifacts")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    dir
}

/// Runs headless Chromium on `url` with `args`, its profile in `dir`.
fn chromium(dir: &Path, url: &str, args: &[&str]) -> Output {
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--allow-file-access-from-files",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .args(args)
        .arg(url)
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium {args:?} {url}: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The DOM Chromium built from the page (after its script ran).
fn rendered_dom(dir: &Path, url: &str) -> String {
    String::from_utf8_lossy(&chromium(dir, url, &["--dump-dom"]).stdout).into_owned()
}

fn screenshot(dir: &Path, url: &str, png: &Path) {
    chromium(
        dir,
        url,
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1280,2000",
        ],
    );
    let bytes =
        std::fs::read(png).unwrap_or_else(|e| panic!("no screenshot {}: {e}", png.display()));
    assert!(
        bytes.len() > 1000,
        "screenshot {} is {} bytes",
        png.display(),
        bytes.len()
    );
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        png.display()
    );
}

/// The `<tr>` of check `id` in a DOM dump.
fn row_of<'a>(dom: &'a str, id: &str) -> &'a str {
    let at = dom
        .find(&format!("data-id=\"{id}\""))
        .unwrap_or_else(|| panic!("no row for {id} in the DOM:\n{dom}"));
    let start = dom[..at].rfind("<tr").unwrap();
    let end = at + dom[at..].find("</tr>").unwrap();
    &dom[start..end]
}

#[test]
fn html_renders_in_headless_chromium_with_its_script_run() {
    if !testsupport::require(&[Need::Chromium]) {
        return;
    }
    let dir = artifacts("fixed");
    let page = dir.join("report.html");
    std::fs::write(&page, render_html(&fixed_report())).unwrap();
    let url = format!("file://{}", page.display());
    let dom = rendered_dom(&dir, &url);
    assert!(
        dom.contains("data-rendered=\"yes\""),
        "the script did not run:\n{dom}"
    );
    assert!(
        dom.contains("2 passed, 2 failed, 1 skipped, 1 waived"),
        "{dom}"
    );
    assert!(dom.contains("6 of 6 checks shown"), "{dom}");
    let failing = row_of(&dom, "update.version");
    assert!(failing.contains(">FAIL<"), "{failing}");
    assert!(
        failing.contains("7.23.7 is affected by CVE-2026-84411"),
        "{failing}"
    );
    assert!(!failing.contains("hidden"), "{failing}");
    // The summary per measure and the probe grid are there.
    assert!(
        dom.contains("<td>user management</td><td>0</td><td>1</td><td>0</td>"),
        "{dom}"
    );
    assert!(dom.contains("<th>from untrusted</th>"), "{dom}");
    assert!(
        dom.contains("<td class=\"filtered\">filtered</td>"),
        "{dom}"
    );
    assert!(!dom.contains(PASSWORD));
    // The filter, pre-set from the URL, hides the rows that do not match.
    let dom = rendered_dom(&dir, &format!("{url}?outcome=FAIL"));
    assert!(dom.contains("2 of 6 checks shown"), "{dom}");
    assert!(row_of(&dom, "update.channel").contains("hidden"));
    assert!(!row_of(&dom, "users.new-admin-login").contains("hidden"));
    let dom = rendered_dom(&dir, &format!("{url}?q=telnet"));
    assert!(dom.contains("1 of 6 checks shown"), "{dom}");
    let dom = rendered_dom(&dir, &format!("{url}?severity=high"));
    assert!(dom.contains("1 of 6 checks shown"), "{dom}");
    assert!(!row_of(&dom, "users.new-admin-login").contains("hidden"));
    screenshot(&dir, &url, &dir.join("report.png"));
}

// ---- real runs of `chrlab check` on the embedded simulator ----

/// Whether `chrlab` can build its simulator lab here (as in `cli_check.rs`).
fn sim_lab_runs_here() -> bool {
    if Need::Root.met() {
        testsupport::require(&[Need::Nft])
    } else {
        testsupport::require(&[Need::Nft, Need::UserNamespaces])
    }
}

/// `chrlab check ARGS --report json=… --report sarif=… --report html=…` in `dir`: the exit code and
/// the three files.
fn check_with_reports(dir: &Path, args: &[&str]) -> (Option<i32>, String, String, String) {
    let (json, sarif, html) = (dir.join("r.json"), dir.join("r.sarif"), dir.join("r.html"));
    let out = Command::new(env!("CARGO_BIN_EXE_chrlab"))
        .arg("check")
        .args(args)
        .arg("--report")
        .arg(format!("json={}", json.display()))
        .arg("--report")
        .arg(format!("sarif={}", sarif.display()))
        .arg("--report")
        .arg(format!("html={}", html.display()))
        .current_dir(REPO)
        .env_remove("RUST_LOG")
        .env_remove("CHRLAB_ROUTER_PASSWORD")
        .output()
        .expect("run chrlab");
    let read = |p: &Path| {
        std::fs::read_to_string(p).unwrap_or_else(|e| {
            panic!(
                "{} not written ({e}):\n{}\n{}",
                p.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })
    };
    (out.status.code(), read(&json), read(&sarif), read(&html))
}

#[test]
fn factory_and_hardened_simulator_runs_write_reports_that_validate() {
    if !sim_lab_runs_here() {
        return;
    }
    let (report_schema, sarif_schema) = (report_schema(), sarif_schema());
    for (name, args, exit) in [
        ("factory", &["--no-apply"][..], 1),
        ("hardened", &[][..], 0),
    ] {
        let dir = artifacts(name);
        let (code, json, sarif, html) = check_with_reports(&dir, args);
        assert_eq!(code, Some(exit), "{name}: exit code");
        let doc = assert_valid(&format!("the {name} JSON report"), &report_schema, &json);
        assert_eq!(doc["schema_version"], JSON_SCHEMA_VERSION);
        let results = doc["results"].as_array().unwrap();
        let failed: Vec<&str> = results
            .iter()
            .filter(|r| r["outcome"]["status"] == "fail")
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        let log = assert_valid(&format!("the {name} SARIF report"), &sarif_schema, &sarif);
        let run = &log["runs"][0];
        assert_eq!(
            run["tool"]["driver"]["rules"].as_array().unwrap().len(),
            results.len(),
            "{name}: one rule per check"
        );
        let sarif_failed: Vec<&str> = run["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["ruleId"].as_str().unwrap())
            .collect();
        assert_eq!(
            sarif_failed, failed,
            "{name}: a SARIF result per failed check"
        );
        assert_eq!(
            run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap_or("profiles/baseline.toml"),
            "profiles/baseline.toml"
        );
        if name == "factory" {
            assert!(!failed.is_empty(), "a factory router fails");
            // Every failure of the factory router carries its fix, in SARIF and on the page.
            for r in run["results"].as_array().unwrap() {
                assert!(
                    r["properties"]["fix"]
                        .as_array()
                        .is_some_and(|f| !f.is_empty()),
                    "no fix in {r:#}"
                );
            }
            assert!(html.contains("<td class=\"fix\"><pre>"));
        } else {
            assert!(failed.is_empty(), "the hardened router fails {failed:?}");
        }
        // The page has a row per check and the probe matrix of the run.
        assert_eq!(html.matches("<tr class=\"check ").count(), results.len());
        assert!(
            html.contains("<table class=\"matrix\" data-family=\"ipv4\">"),
            "{name}: no probe grid"
        );
        if Need::Chromium.met() {
            let url = format!("file://{}", dir.join("r.html").display());
            let dom = rendered_dom(&dir, &url);
            assert!(
                dom.contains("data-rendered=\"yes\""),
                "{name}: the script did not run"
            );
            let tally = format!(
                "{} passed, {} failed, {} skipped",
                doc["summary"]["passed"], doc["summary"]["failed"], doc["summary"]["skipped"]
            );
            assert_eq!(doc["summary"]["waived"], 0);
            assert!(dom.contains(&tally), "{name}: {tally} not rendered");
            if let Some(first) = failed.first() {
                assert!(row_of(&dom, first).contains(">FAIL<"));
            }
            screenshot(&dir, &url, &dir.join("report.png"));
        }
    }
}
