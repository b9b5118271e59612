//! Every report format renders a fixed run: structure checked by parsing the output back, and a
//! password that leaked into evidence or a reason never appears in any of them.

use std::path::PathBuf;
use std::time::Duration;

use chrlab::cve::{DataInfo, DataSource};
use chrlab::outcome::{CheckResult, Exit, Measure, Outcome, RunReport, Severity};
use chrlab::report::{
    Destination, ReportKind, ReportSpec, TerminalStyle, render_json, render_junit, render_markdown,
    render_terminal, write_reports,
};
use chrlab::secret::Secret;
use quick_junit::{NonSuccessKind, Report, TestCaseStatus};
use time::macros::datetime;

const PASSWORD: &str = "Leaky-Pa55word!";

/// A run with every outcome, two measures with several checks, and the password in evidence.
fn fixed_report() -> RunReport {
    let mut r = RunReport::new("sim:7.23.7", PathBuf::from("profiles/baseline.toml"));
    r.version = Some("7.23.7".into());
    r.started = datetime!(2026-11-25 08:00:00 UTC);
    r.finished = datetime!(2026-11-25 08:00:12.5 UTC);
    r.add_secret(&Secret::new(PASSWORD));
    r.push(
        CheckResult::new(
            Measure::Update,
            "update.version",
            "installed version is outside known vulnerable ranges",
            Outcome::Fail("7.23.7 is affected by CVE-2026-84411".into()),
        )
        .with_severity(Severity::Critical)
        .with_evidence("installed-version=7.23.7 channel=stable")
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
            "the new administrator can log in | over ssh",
            Outcome::Fail(format!("login with {PASSWORD} refused")),
        )
        .with_severity(Severity::Medium)
        .with_evidence(format!("ssh netops@192.0.2.1:2222 password={PASSWORD}"))
        .with_evidence("log: login failure for user netops from 192.0.2.10 via ssh"),
    );
    r.push(CheckResult::new(
        Measure::Firewall,
        "firewall.untrusted-filtered",
        "management ports are filtered for untrusted sources",
        Outcome::Skip("no untrusted vantage".into()),
    ));
    r
}

#[test]
fn json_parses_back_with_counts_and_order() {
    let text = render_json(&fixed_report());
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["router"], "sim:7.23.7");
    assert_eq!(v["version"], "7.23.7");
    assert_eq!(v["profile"], "profiles/baseline.toml");
    assert_eq!(v["started"], "2026-11-25T08:00:00Z");
    assert_eq!(v["finished"], "2026-11-25T08:00:12.5Z");
    assert_eq!(v["duration"], 12.5);
    assert_eq!(v["summary"]["passed"], 2);
    assert_eq!(v["summary"]["failed"], 2);
    assert_eq!(v["summary"]["skipped"], 1);
    let results = v["results"].as_array().unwrap();
    let ids: Vec<&str> = results.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "update.version",
            "update.channel",
            "services.telnet-closed",
            "users.new-admin-login",
            "firewall.untrusted-filtered"
        ]
    );
    assert_eq!(results[0]["measure"], "update");
    assert_eq!(results[0]["outcome"]["status"], "fail");
    assert_eq!(
        results[0]["outcome"]["reason"],
        "7.23.7 is affected by CVE-2026-84411"
    );
    assert_eq!(results[0]["duration"], 0.12);
    assert_eq!(results[1]["outcome"], serde_json::json!({"status": "pass"}));
    assert_eq!(results[4]["outcome"]["status"], "skip");
    assert_eq!(results[3]["evidence"].as_array().unwrap().len(), 2);
}

#[test]
fn junit_has_one_suite_per_measure_with_counts() {
    let xml = render_junit(&fixed_report());
    let parsed = Report::deserialize_from_str(&xml).unwrap();
    assert_eq!(parsed.name.as_str(), "chrlab");
    assert_eq!(parsed.tests, 5);
    assert_eq!(parsed.failures, 2);
    assert_eq!(parsed.errors, 0);
    let suites: Vec<(&str, usize, usize, usize)> = parsed
        .test_suites
        .iter()
        .map(|s| (s.name.as_str(), s.tests, s.failures, s.disabled))
        .collect();
    assert_eq!(
        suites,
        [
            ("update", 2, 1, 0),
            ("services", 1, 0, 0),
            ("users", 1, 1, 0),
            ("firewall", 1, 0, 1)
        ]
    );
    let update = &parsed.test_suites[0];
    let case = &update.test_cases[0];
    assert_eq!(case.name.as_str(), "update.version");
    assert_eq!(case.classname.as_ref().unwrap().as_str(), "chrlab.update");
    match &case.status {
        TestCaseStatus::NonSuccess {
            kind,
            message,
            description,
            ..
        } => {
            assert_eq!(*kind, NonSuccessKind::Failure);
            assert_eq!(
                description.as_ref().unwrap().as_str(),
                "installed-version=7.23.7 channel=stable"
            );
            assert_eq!(
                message.as_ref().unwrap().as_str(),
                "7.23.7 is affected by CVE-2026-84411"
            );
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    match &parsed.test_suites[3].test_cases[0].status {
        TestCaseStatus::Skipped { message, .. } => {
            assert_eq!(message.as_ref().unwrap().as_str(), "no untrusted vantage")
        }
        other => panic!("expected a skip, got {other:?}"),
    }
    let telnet = &parsed.test_suites[1].test_cases[0];
    assert_eq!(
        telnet.system_out.as_ref().unwrap().as_str(),
        "192.0.2.66 -> 192.0.2.1:23 refused"
    );
    assert!(
        case.system_out.is_none(),
        "failure evidence is not repeated"
    );
    // Consumers that read the `skipped` attribute see it too.
    assert!(xml.contains("name=\"firewall\""));
    assert!(xml.contains("skipped=\"1\""), "{xml}");
}

#[test]
fn markdown_has_sections_tables_and_evidence() {
    let md = render_markdown(&fixed_report());
    assert!(md.starts_with("# chrlab report: sim:7.23.7\n"));
    assert!(md.contains("\n**2 passed, 2 failed, 1 skipped**\n"));
    let sections: Vec<&str> = md.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(
        sections,
        [
            "## security updates",
            "## management services",
            "## user management",
            "## firewall"
        ]
    );
    assert!(md.contains(
        "| FAIL | critical | installed version is outside known vulnerable ranges | `update.version` | 7.23.7 is affected by CVE-2026-84411 |"
    ));
    // A `|` inside a title is escaped so the table keeps four columns.
    assert!(md.contains("the new administrator can log in \\| over ssh"));
    assert!(md.contains("Evidence for `update.version`:"));
    // Passing checks do not dump evidence.
    assert!(!md.contains("192.0.2.66 -> 192.0.2.1:23 refused"));
}

#[test]
fn terminal_groups_by_measure_and_ends_with_the_summary() {
    let plain = render_terminal(&fixed_report(), TerminalStyle::default());
    assert!(!plain.contains('\x1b'));
    let lines: Vec<&str> = plain.lines().collect();
    assert_eq!(
        lines[0],
        "chrlab: sim:7.23.7 (RouterOS 7.23.7), profile profiles/baseline.toml"
    );
    let at = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} missing:\n{plain}"))
    };
    assert!(at("security updates") < at("FAIL  installed version"));
    assert!(at("FAIL  installed version") < at("management services"));
    assert!(
        at("PASS  telnet is not reachable [services.telnet-closed, info]")
            > at("management services")
    );
    assert!(at("SKIP  management ports") > at("firewall"));
    assert_eq!(
        lines[at("SKIP  management ports") + 1].trim(),
        "no untrusted vantage"
    );
    assert_eq!(
        *lines.last().unwrap(),
        "2 passed, 2 failed, 1 skipped (12.5 s)"
    );
    // Evidence only for failures unless verbose.
    assert!(!plain.contains("192.0.2.1:23 refused"));
    let verbose = render_terminal(
        &fixed_report(),
        TerminalStyle {
            color: false,
            verbose: true,
        },
    );
    assert!(verbose.contains("        | 192.0.2.66 -> 192.0.2.1:23 refused"));
    let colored = render_terminal(
        &fixed_report(),
        TerminalStyle {
            color: true,
            verbose: false,
        },
    );
    assert!(colored.contains("\x1b[31mFAIL\x1b[0m"));
    assert!(colored.contains("\x1b[32mPASS\x1b[0m"));
}

#[test]
fn no_format_ever_prints_the_password() {
    let r = fixed_report();
    // The raw data does hold it: the renderers must remove it.
    assert!(r.results[3].evidence[0].contains(PASSWORD));
    let outputs = [
        ("json", render_json(&r)),
        ("junit", render_junit(&r)),
        ("md", render_markdown(&r)),
        ("terminal", render_terminal(&r, TerminalStyle::default())),
        (
            "terminal verbose",
            render_terminal(
                &r,
                TerminalStyle {
                    color: true,
                    verbose: true,
                },
            ),
        ),
        ("serde", serde_json::to_string(&r).unwrap()),
    ];
    for (name, text) in outputs {
        assert!(
            !text.contains(PASSWORD),
            "{name} leaks the password:\n{text}"
        );
        assert!(text.contains("***"), "{name} lost the redacted evidence");
    }
}

#[test]
fn write_reports_writes_each_file() {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("reports-{}", std::process::id()));
    let specs: Vec<ReportSpec> = [
        format!("json={}", dir.join("r.json").display()),
        format!("junit={}", dir.join("nested/j.xml").display()),
        format!("md={}", dir.join("r.md").display()),
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    assert_eq!(specs[1].kind, ReportKind::Junit);
    assert!(matches!(specs[1].dest, Destination::File(_)));
    let r = fixed_report();
    write_reports(&r, &specs).unwrap();
    let json = std::fs::read_to_string(dir.join("r.json")).unwrap();
    assert_eq!(json, render_json(&r));
    let xml = std::fs::read_to_string(dir.join("nested/j.xml")).unwrap();
    assert_eq!(Report::deserialize_from_str(&xml).unwrap().tests, 5);
    assert!(
        std::fs::read_to_string(dir.join("r.md"))
            .unwrap()
            .contains("## firewall")
    );
    assert_eq!(r.exit(), Exit::ChecksFailed);
    std::fs::remove_dir_all(&dir).unwrap();
    // An unwritable destination is an error naming the path.
    let bad: ReportSpec = "json=/proc/chrlab-cannot-write/r.json".parse().unwrap();
    let err = write_reports(&r, &[bad]).unwrap_err();
    assert!(
        err.to_string().contains("/proc/chrlab-cannot-write/r.json"),
        "{err}"
    );
}

/// The fixed run, judged by a refreshed CVE table last updated on 2027-01-15.
fn report_with_cve_data() -> RunReport {
    let mut r = fixed_report();
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
    r
}

#[test]
fn every_format_names_the_cve_data_date_and_source() {
    let r = report_with_cve_data();
    let line = "CVE data: 2027-01-15 (refreshed from /srv/cvelistV5 on 2027-01-16, 18 records)";
    let plain = render_terminal(&r, TerminalStyle::default());
    assert!(plain.lines().any(|l| l == line), "{plain}");
    let md = render_markdown(&r);
    assert!(md.lines().any(|l| l == format!("- {line}")), "{md}");
    let v: serde_json::Value = serde_json::from_str(&render_json(&r)).unwrap();
    assert_eq!(
        v["cve_data"],
        serde_json::json!({
            "date": "2027-01-15",
            "source": "refreshed",
            "records": 18,
            "path": "/home/op/.local/share/chrlab/cve/table.json"
        })
    );
    let parsed = Report::deserialize_from_str(&render_junit(&r)).unwrap();
    for suite in &parsed.test_suites {
        let props: Vec<(&str, &str)> = suite
            .properties
            .iter()
            .map(|p| (p.name.as_str(), p.value.as_str()))
            .collect();
        assert_eq!(
            props,
            [
                ("cve-data-date", "2027-01-15"),
                ("cve-data-source", "refreshed")
            ],
            "{}",
            suite.name.as_str()
        );
    }
    // Bundled data names itself so, without a path.
    let mut b = fixed_report();
    b.cve_data = Some(chrlab::cve::bundled().info().clone());
    let v: serde_json::Value = serde_json::from_str(&render_json(&b)).unwrap();
    assert_eq!(v["cve_data"]["source"], "bundled");
    assert_eq!(v["cve_data"]["date"], "2026-10-02");
    assert!(v["cve_data"].get("path").is_none());
    assert!(
        render_terminal(&b, TerminalStyle::default())
            .contains("CVE data: 2026-10-02 (bundled, 17 records)")
    );
    // A report without CVE data (no update check ran) says nothing about it.
    let none = render_json(&fixed_report());
    assert!(!none.contains("cve_data"));
}

/// A run with a waived failure and an unused waiver's note, as every format shows them.
#[test]
fn every_format_shows_severity_and_a_waived_failure_as_waived() {
    let mut r = RunReport::new("sim:7.23.7", PathBuf::from("profiles/baseline.toml"));
    r.version = Some("7.23.7".into());
    r.push(CheckResult::new(
        Measure::Listeners,
        "listeners.snmp",
        "SNMP is off",
        Outcome::Waived(chrlab::outcome::Waived {
            failure: "SNMP answers the untrusted vantage".into(),
            reason: "the NMS polls it | until NET-42".into(),
            expires: "2027-03-31".into(),
        }),
    ));
    r.notes
        .push("waivers[1] for logging.ntp is unused: the check passed".into());
    assert_eq!(r.results[0].severity, Severity::High, "from the registry");
    assert_eq!(
        r.exit(),
        Exit::Pass,
        "a waived failure does not fail the run"
    );

    let v: serde_json::Value = serde_json::from_str(&render_json(&r)).unwrap();
    assert_eq!(v["summary"]["waived"], 1);
    assert_eq!(v["summary"]["failed"], 0);
    assert_eq!(
        v["notes"][0],
        "waivers[1] for logging.ntp is unused: the check passed"
    );
    let res = &v["results"][0];
    assert_eq!(res["severity"], "high");
    assert_eq!(res["outcome"]["status"], "waived");
    assert_eq!(
        res["outcome"]["reason"],
        "SNMP answers the untrusted vantage"
    );
    assert_eq!(res["outcome"]["waiver"]["expires"], "2027-03-31");

    let term = render_terminal(
        &r,
        TerminalStyle {
            color: false,
            verbose: false,
        },
    );
    assert!(
        term.contains("  WAIVED  SNMP is off [listeners.snmp, high]\n        SNMP answers the untrusted vantage\n        waived until 2027-03-31: the NMS polls it | until NET-42\n"),
        "{term}"
    );
    assert!(
        term.contains("note: waivers[1] for logging.ntp is unused"),
        "{term}"
    );
    assert!(
        term.contains("0 passed, 0 failed, 0 skipped, 1 waived"),
        "{term}"
    );

    let md = render_markdown(&r);
    assert!(
        md.contains("| WAIVED | high | SNMP is off | `listeners.snmp` | SNMP answers the untrusted vantage (waived until 2027-03-31: the NMS polls it \\| until NET-42) |"),
        "{md}"
    );
    assert!(
        md.contains("Note: waivers[1] for logging.ntp is unused"),
        "{md}"
    );

    let parsed = Report::deserialize_from_str(&render_junit(&r)).unwrap();
    assert_eq!(parsed.failures, 0);
    let case = &parsed.test_suites[0].test_cases[0];
    match &case.status {
        TestCaseStatus::Skipped { message, .. } => assert_eq!(
            message.as_ref().unwrap().as_str(),
            "waived until 2027-03-31: the NMS polls it | until NET-42 (failure: SNMP answers the untrusted vantage)"
        ),
        other => panic!("a waived failure is <skipped> in JUnit: {other:?}"),
    }
    assert!(
        case.properties
            .iter()
            .any(|p| p.name.as_str() == "severity" && p.value.as_str() == "high"),
        "{:?}",
        case.properties
    );
}
