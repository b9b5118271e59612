use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite, XmlString};

use crate::outcome::{Outcome, RunReport};

/// The report as JUnit XML: one `<testsuite>` per measure (named by its slug, e.g. `firewall`),
/// one `<testcase>` per check (name = the stable check id, classname `chrlab.<measure>`,
/// properties `title` and `severity`; a waived failure is `<skipped>` with the waiver's reason),
/// evidence in the `<failure>` body for failures, in `<system-out>` otherwise. Suites also carry a `skipped` count attribute,
/// and the CVE data's date and source as properties `cve-data-date` and `cve-data-source`.
pub fn render_junit(report: &RunReport) -> String {
    let report = report.redacted();
    let mut junit = Report::new("chrlab");
    junit.set_time(report.elapsed());
    for (measure, results) in report.by_measure() {
        let mut suite = TestSuite::new(measure.slug());
        if let Some(data) = &report.cve_data {
            // The data the update check judged by, on every suite so each stands alone.
            suite.add_property(("cve-data-date", data.date()));
            suite.add_property(("cve-data-source", data.source_word()));
        }
        let mut skipped = 0usize;
        let mut time = std::time::Duration::ZERO;
        for r in results {
            let status = match &r.outcome {
                Outcome::Pass => TestCaseStatus::success(),
                Outcome::Fail(reason) => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(reason.as_str());
                    s.set_description(r.evidence.join("\n"));
                    s
                }
                Outcome::Skip(reason) => {
                    skipped += 1;
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(reason.as_str());
                    s
                }
                // JUnit has no "accepted failure": a waived one is skipped, and says why.
                Outcome::Waived(w) => {
                    skipped += 1;
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(format!(
                        "waived until {}: {} (failure: {})",
                        w.expires, w.reason, w.failure
                    ));
                    s
                }
            };
            let mut case = TestCase::new(r.id.as_str(), status);
            case.set_classname(format!("chrlab.{}", measure.slug()));
            case.set_time(r.duration);
            case.add_property(("title", r.title.as_str()));
            case.add_property(("severity", r.severity.as_str()));
            // A failure carries the evidence in its body; other cases in <system-out>.
            if !r.evidence.is_empty() && !r.outcome.is_fail() {
                case.set_system_out(r.evidence.join("\n"));
            }
            time += r.duration;
            suite.add_test_case(case);
        }
        suite.set_time(time);
        suite.extra.insert(
            XmlString::new("skipped"),
            XmlString::new(skipped.to_string()),
        );
        junit.add_test_suite(suite);
    }
    junit
        .to_string()
        .unwrap_or_else(|e| format!("<!-- cannot serialize junit report: {e} -->\n"))
}
