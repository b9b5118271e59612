//! Renderings of a [`ManyReport`]: the router × check table in the terminal, JSON (read back by
//! `--compare`), Markdown, a self-contained HTML page and JUnit XML (one `<testsuite>` per
//! router), written through the `--report KIND[=PATH]` machinery of [`crate::report`].
//!
//! Every row's report is already redacted ([`super::RowResult::Audited`]); every text from a
//! router or the user goes through [`escape`] in the terminal and the format's own escaping
//! elsewhere.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::{Cell, Kind, ManyReport, PreviousReport, PreviousRow, Regression, Row, RowResult};
use crate::outcome::{RunReport, Tally, rfc3339};
use crate::printable::escape;
use crate::report::{ReportError, ReportKind, ReportSpec, TerminalStyle, html_escape};

/// The version of the many-router JSON report's shape (its `schema_version`); a change that
/// removes or renames a field, or changes its type, raises it.
pub const MANY_SCHEMA_VERSION: &str = "1";

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// A report kind that has no many-router rendering (SARIF is per router: use `chrlab check`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "--report {0}: a {1} run writes json, junit, md or html (sarif is per router: chrlab check)"
)]
pub struct UnsupportedKind(pub String, pub &'static str);

/// Refuses, before anything starts, a report kind [`render`] cannot write.
pub fn check_kinds(specs: &[ReportSpec], kind: Kind) -> Result<(), UnsupportedKind> {
    match specs.iter().find(|s| s.kind == ReportKind::Sarif) {
        Some(s) => Err(UnsupportedKind(s.to_string(), kind.as_str())),
        None => Ok(()),
    }
}

/// `report` in `kind` (SARIF, refused by [`check_kinds`], renders as the JSON).
pub fn render(report: &ManyReport, kind: ReportKind) -> String {
    match kind {
        ReportKind::Json | ReportKind::Sarif => render_json(report),
        ReportKind::Junit => render_junit(report),
        ReportKind::Markdown => render_markdown(report),
        ReportKind::Html => render_html(report),
    }
}

/// Writes `report` once per spec.
pub fn write(report: &ManyReport, specs: &[ReportSpec]) -> Result<(), ReportError> {
    crate::report::write_rendered(specs, |kind| render(report, kind))
}

/// The checks a table shows: those some audited row reports (every check when no row audited),
/// in [`ManyReport::checks`] order.
fn table_checks(report: &ManyReport) -> Vec<(String, String)> {
    let checks = report.checks();
    let audited: Vec<&RunReport> = report.rows.iter().filter_map(Row::report).collect();
    if audited.is_empty() {
        return checks;
    }
    checks
        .into_iter()
        .filter(|(id, _)| {
            audited
                .iter()
                .any(|r| r.results.iter().any(|c| c.id == *id))
        })
        .collect()
}

/// The name of a row as a column head or a line: its name, escaped.
fn head(row: &Row) -> String {
    escape(&row.name).into_owned()
}

fn tally_of(row: &Row) -> Option<Tally> {
    row.report().map(RunReport::tally)
}

/// One line about a row: its version and tally, or why it has no audit.
fn row_summary(row: &Row) -> String {
    let took = format!("{:.1} s", row.elapsed.as_secs_f64());
    let tries = if row.attempts > 1 {
        format!(", {} attempts", row.attempts)
    } else {
        String::new()
    };
    match &row.result {
        RowResult::Audited(r) => {
            let mut line = format!(
                "RouterOS {}: {}",
                r.version.as_deref().unwrap_or("version unknown"),
                r.tally()
            );
            if !r.incomplete.is_empty() {
                line.push_str(&format!("; audit incomplete ({})", r.incomplete.join("; ")));
            }
            format!("{line} ({took}{tries})")
        }
        other => format!(
            "ERROR: {} ({took}{tries})",
            other.problem().unwrap_or_default()
        ),
    }
}

/// The terminal table: one line per check some audited router reports (its id), one column per
/// router, cells
/// PASS/FAIL/SKIP/WAIVED/—/ERROR; then one line per router (version and tally, or its error),
/// the notes, and the verdict.
pub fn render_terminal(report: &ManyReport, style: TerminalStyle) -> String {
    let paint = |code: &str, text: &str| {
        if style.color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    };
    let checks = table_checks(report);
    let heads: Vec<String> = report.rows.iter().map(head).collect();
    let widths: Vec<usize> = heads
        .iter()
        .map(|h| h.chars().count().max(Cell::Waived.label().len()))
        .collect();
    let id_width = checks
        .iter()
        .map(|(id, _)| escape(id).chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "chrlab {}: {} router{}",
        report.kind.as_str(),
        report.rows.len(),
        if report.rows.len() == 1 { "" } else { "s" }
    );
    let _ = writeln!(out);
    let mut line = format!("{:<id_width$}", "check");
    for (h, w) in heads.iter().zip(&widths) {
        let _ = write!(line, "  {h:<w$}");
    }
    let _ = writeln!(out, "{}", paint(BOLD, line.trim_end()));
    for (id, _) in &checks {
        let cells: Vec<Cell> = report.rows.iter().map(|r| report.cell(r, id)).collect();
        let mut line = format!("{:<id_width$}", escape(id));
        for (cell, w) in cells.iter().zip(&widths) {
            let text = format!("{:<w$}", cell.label());
            let code = match cell {
                Cell::Pass => GREEN,
                Cell::Fail | Cell::Error => RED,
                Cell::Skip | Cell::Waived => YELLOW,
                Cell::Absent => "",
            };
            let _ = write!(
                line,
                "  {}",
                if code.is_empty() {
                    text
                } else {
                    paint(code, &text)
                }
            );
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let _ = writeln!(out);
    for (row, h) in report.rows.iter().zip(&heads) {
        let text = format!("{h}: {}", escape(&row_summary(row)));
        let _ = writeln!(
            out,
            "{}",
            if row.fails() { paint(RED, &text) } else { text }
        );
    }
    for note in &report.notes {
        let _ = writeln!(out, "note: {}", escape(note));
    }
    let failing = report.rows.iter().filter(|r| r.fails()).count();
    let verdict = format!(
        "{} of {} router{} passed ({:.1} s)",
        report.rows.len() - failing,
        report.rows.len(),
        if report.rows.len() == 1 { "" } else { "s" },
        elapsed(report)
    );
    let _ = writeln!(
        out,
        "{}",
        paint(if failing > 0 { RED } else { GREEN }, &verdict)
    );
    out
}

/// The regressions against a previous run, one line each, for the terminal.
pub fn render_regressions(found: &[Regression], against: &str) -> String {
    let mut out = String::new();
    if found.is_empty() {
        let _ = writeln!(out, "no regression against {}", escape(against));
    } else {
        let _ = writeln!(
            out,
            "{} regression{} against {}:",
            found.len(),
            if found.len() == 1 { "" } else { "s" },
            escape(against)
        );
        for r in found {
            let _ = writeln!(out, "  {}", escape(&r.to_string()));
        }
    }
    out
}

fn elapsed(report: &ManyReport) -> f64 {
    let d: std::time::Duration = (report.finished - report.started)
        .try_into()
        .unwrap_or_default();
    d.as_secs_f64()
}

#[derive(Serialize, Deserialize)]
struct CheckJson {
    id: String,
    title: String,
}

#[derive(Serialize)]
struct ShardJson {
    index: u32,
    count: u32,
}

#[derive(Serialize)]
struct SummaryJson {
    rows: usize,
    audited: usize,
    failing: usize,
    errored: usize,
}

#[derive(Serialize)]
struct ErrorJson<'a> {
    message: &'a str,
    exit: u8,
}

#[derive(Serialize)]
struct RowJson<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    status: &'static str,
    elapsed: f64,
    attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<Tally>,
    cells: BTreeMap<&'a str, &'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<&'a RunReport>,
}

#[derive(Serialize)]
struct ManyJson<'a> {
    schema_version: &'static str,
    kind: &'static str,
    started: String,
    finished: String,
    duration: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    shard: Option<ShardJson>,
    summary: SummaryJson,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
    checks: Vec<CheckJson>,
    rows: Vec<RowJson<'a>>,
}

/// The report as pretty-printed JSON, ending in a newline.
///
/// Shape: `{schema_version, kind: "matrix"|"fleet", started, finished, duration, shard?: {index,
/// count}, summary: {rows, audited, failing, errored}, notes?, checks: [{id, title}], rows: [{name,
/// group?, version?, status: "audited"|"failed"|"timed-out", elapsed, attempts, error?: {message,
/// exit}, timeout?, summary?: {passed, failed, skipped, waived}, cells: {CHECK-ID: "pass"|"fail"|
/// "skip"|"waived"|"absent"|"error"}, report?: <the router's own JSON report>}]}`; times RFC 3339,
/// durations seconds.
pub fn render_json(report: &ManyReport) -> String {
    let checks = report.checks();
    let rows = report
        .rows
        .iter()
        .map(|row| RowJson {
            name: &row.name,
            group: row.group.as_deref(),
            version: row.version.as_deref(),
            status: row.result.status(),
            elapsed: row.elapsed.as_secs_f64(),
            attempts: row.attempts,
            error: match &row.result {
                RowResult::Failed(e) => Some(ErrorJson {
                    message: &e.message,
                    exit: e.exit as u8,
                }),
                _ => None,
            },
            timeout: match row.result {
                RowResult::TimedOut { after } => Some(after.as_secs_f64()),
                _ => None,
            },
            summary: tally_of(row),
            cells: checks
                .iter()
                .map(|(id, _)| (id.as_str(), report.cell(row, id).word()))
                .collect(),
            report: row.report(),
        })
        .collect();
    let json = ManyJson {
        schema_version: MANY_SCHEMA_VERSION,
        kind: report.kind.as_str(),
        started: rfc3339(report.started),
        finished: rfc3339(report.finished),
        duration: elapsed(report),
        shard: report
            .shard
            .map(|(index, count)| ShardJson { index, count }),
        summary: SummaryJson {
            rows: report.rows.len(),
            audited: report.rows.iter().filter(|r| r.report().is_some()).count(),
            failing: report.rows.iter().filter(|r| r.fails()).count(),
            errored: report.rows.iter().filter(|r| r.report().is_none()).count(),
        },
        notes: &report.notes,
        checks: checks
            .iter()
            .map(|(id, title)| CheckJson {
                id: id.clone(),
                title: title.clone(),
            })
            .collect(),
        rows,
    };
    let mut text = serde_json::to_string_pretty(&json)
        .unwrap_or_else(|e| format!("{{\"error\":\"cannot serialize report: {e}\"}}"));
    text.push('\n');
    text
}

/// Why a previous JSON report cannot be compared against.
#[derive(Debug, thiserror::Error)]
pub enum PreviousError {
    /// Not JSON, or not of this shape (the path in the document says where).
    #[error("not a chrlab matrix or fleet JSON report: {0}")]
    Shape(String),
    /// A `schema_version` this chrlab does not read.
    #[error("schema_version {found:?} (this chrlab reads {MANY_SCHEMA_VERSION})")]
    Version {
        /// What the file says.
        found: String,
    },
    /// A kind other than `matrix` or `fleet`.
    #[error("unknown kind `{0}` (expected matrix or fleet)")]
    Kind(String),
    /// A cell word that is none of ours.
    #[error("rows[{row}].cells.{check}: unknown cell `{word}`")]
    Cell {
        /// The row's index.
        row: usize,
        /// The check id.
        check: String,
        /// The word.
        word: String,
    },
}

#[derive(Deserialize)]
struct PreviousJson {
    schema_version: String,
    kind: String,
    rows: Vec<PreviousRowJson>,
}

#[derive(Deserialize)]
struct PreviousRowJson {
    name: String,
    #[serde(default)]
    version: Option<String>,
    cells: BTreeMap<String, String>,
}

/// Reads back a JSON report [`render_json`] wrote, for `--compare`.
pub fn read_json(text: &str) -> Result<PreviousReport, PreviousError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    let json: PreviousJson = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        PreviousError::Shape(if path == "." {
            inner.to_string()
        } else {
            format!("{path}: {inner}")
        })
    })?;
    if json.schema_version != MANY_SCHEMA_VERSION {
        return Err(PreviousError::Version {
            found: json.schema_version,
        });
    }
    let kind = match json.kind.as_str() {
        "matrix" => Kind::Matrix,
        "fleet" => Kind::Fleet,
        _ => return Err(PreviousError::Kind(json.kind)),
    };
    let mut rows = Vec::new();
    for (i, row) in json.rows.into_iter().enumerate() {
        let mut cells = BTreeMap::new();
        for (check, word) in row.cells {
            let cell = Cell::from_word(&word).ok_or_else(|| PreviousError::Cell {
                row: i,
                check: check.clone(),
                word: word.clone(),
            })?;
            cells.insert(check, cell);
        }
        rows.push(PreviousRow {
            name: row.name,
            version: row.version,
            cells,
        });
    }
    Ok(PreviousReport { kind, rows })
}

/// Makes text safe inside a Markdown table cell: one line, control characters escaped, `|`
/// escaped.
fn md(text: &str) -> String {
    escape(text).replace('|', "\\|")
}

/// The report as Markdown: a header, the check × router table, one line per router, the notes.
pub fn render_markdown(report: &ManyReport) -> String {
    let checks = table_checks(report);
    let mut out = String::new();
    let _ = writeln!(out, "# chrlab {} report", report.kind.as_str());
    let _ = writeln!(out);
    let _ = writeln!(out, "- started: {}", rfc3339(report.started));
    let _ = writeln!(out, "- finished: {}", rfc3339(report.finished));
    if let Some((k, n)) = report.shard {
        let _ = writeln!(out, "- shard: {k}/{n}");
    }
    let failing = report.rows.iter().filter(|r| r.fails()).count();
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "**{} of {} routers passed**",
        report.rows.len() - failing,
        report.rows.len()
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "| router | result |");
    let _ = writeln!(out, "|---|---|");
    for row in &report.rows {
        let _ = writeln!(out, "| {} | {} |", md(&row.name), md(&row_summary(row)));
    }
    for note in &report.notes {
        let _ = writeln!(out);
        let _ = writeln!(out, "Note: {}", md(note));
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "## Checks");
    let _ = writeln!(out);
    let mut head = String::from("| check |");
    let mut rule = String::from("|---|");
    for row in &report.rows {
        let _ = write!(head, " {} |", md(&row.name));
        rule.push_str("---|");
    }
    let _ = writeln!(out, "{head}");
    let _ = writeln!(out, "{rule}");
    for (id, title) in &checks {
        let cells: Vec<Cell> = report.rows.iter().map(|r| report.cell(r, id)).collect();
        let mut line = format!("| `{}` {} |", id.replace('`', "'"), md(title));
        for c in cells {
            let _ = write!(line, " {} |", c.label());
        }
        let _ = writeln!(out, "{line}");
    }
    out
}

/// The report as one self-contained HTML page: header, one line per router, the check × router
/// table with a class per cell (`pass`, `fail`, …; a cell's title holds the reason), the notes.
pub fn render_html(report: &ManyReport) -> String {
    let esc = html_escape;
    let checks = table_checks(report);
    let title = format!("chrlab {} report", report.kind.as_str());
    let mut out = String::new();
    let _ = writeln!(out, "<!DOCTYPE html>");
    let _ = writeln!(out, "<html lang=\"en\">");
    let _ = writeln!(out, "<head>");
    let _ = writeln!(out, "<meta charset=\"utf-8\">");
    let _ = writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    );
    let _ = writeln!(out, "<title>{}</title>", esc(&title));
    let _ = writeln!(out, "<style>{CSS}</style>");
    let _ = writeln!(out, "</head>");
    let _ = writeln!(out, "<body>");
    let _ = writeln!(out, "<h1>{}</h1>", esc(&title));
    let _ = writeln!(
        out,
        "<p>started {}, finished {}{}</p>",
        esc(&rfc3339(report.started)),
        esc(&rfc3339(report.finished)),
        report
            .shard
            .map(|(k, n)| format!(", shard {k}/{n}"))
            .unwrap_or_default()
    );
    let _ = writeln!(out, "<h2 id=\"routers\">Routers</h2>");
    let _ = writeln!(out, "<table class=\"routers\">");
    let _ = writeln!(
        out,
        "<thead><tr><th>router</th><th>result</th></tr></thead>"
    );
    let _ = writeln!(out, "<tbody>");
    for row in &report.rows {
        let _ = writeln!(
            out,
            "<tr class=\"{}\"><td>{}</td><td>{}</td></tr>",
            if row.fails() { "fail" } else { "pass" },
            esc(&row.name),
            esc(&row_summary(row))
        );
    }
    let _ = writeln!(out, "</tbody>");
    let _ = writeln!(out, "</table>");
    for note in &report.notes {
        let _ = writeln!(out, "<p class=\"note\">Note: {}</p>", esc(note));
    }
    let _ = writeln!(out, "<h2 id=\"checks\">Checks</h2>");
    let _ = writeln!(out, "<table class=\"matrix\">");
    let _ = write!(out, "<thead><tr><th>check</th>");
    for row in &report.rows {
        let _ = write!(out, "<th>{}</th>", esc(&row.name));
    }
    let _ = writeln!(out, "</tr></thead>");
    let _ = writeln!(out, "<tbody>");
    for (id, check_title) in &checks {
        let cells: Vec<Cell> = report.rows.iter().map(|r| report.cell(r, id)).collect();
        let _ = write!(
            out,
            "<tr><th title=\"{}\"><code>{}</code></th>",
            esc(check_title),
            esc(id)
        );
        for (row, cell) in report.rows.iter().zip(cells) {
            let why = match &row.result {
                RowResult::Audited(r) => r
                    .results
                    .iter()
                    .find(|c| c.id == *id)
                    .and_then(|c| c.outcome.reason())
                    .unwrap_or_default()
                    .to_string(),
                other => other.problem().unwrap_or_default(),
            };
            let _ = write!(
                out,
                "<td class=\"{}\" title=\"{}\">{}</td>",
                cell.word(),
                esc(&why),
                esc(cell.label())
            );
        }
        let _ = writeln!(out, "</tr>");
    }
    let _ = writeln!(out, "</tbody>");
    let _ = writeln!(out, "</table>");
    let _ = writeln!(out, "</body>");
    let _ = writeln!(out, "</html>");
    out
}

const CSS: &str = "
body{font-family:system-ui,sans-serif;margin:1.5em;color:#1b1b1b;background:#fff}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.5em}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
thead th{background:#f0f0f0}
tr.fail td{background:#fbdada}
td.pass{background:#dcf5dc}td.fail,td.error{background:#fbdada;font-weight:600}
td.skip,td.absent{background:#eee}td.waived{background:#fdf0c8}
";

/// The report as JUnit XML: one `<testsuite>` per router (named by the row's name, properties
/// `version` and `group` when known), one `<testcase>` per check (name = the check id, classname
/// `chrlab.<measure>`; a skipped or waived check is `<skipped>`, counted in the suite's `skipped`
/// attribute), and for a router that did not audit, one failed testcase `lab` whose message says
/// why (an incomplete audit adds a failed `audit-complete`).
pub fn render_junit(report: &ManyReport) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite, XmlString};
    let mut junit = Report::new(format!("chrlab-{}", report.kind.as_str()));
    let total: std::time::Duration = (report.finished - report.started)
        .try_into()
        .unwrap_or_default();
    junit.set_time(total);
    for row in &report.rows {
        let mut suite = TestSuite::new(row.name.as_str());
        if let Some(v) = &row.version {
            suite.add_property(("version", v.as_str()));
        }
        if let Some(g) = &row.group {
            suite.add_property(("group", g.as_str()));
        }
        suite.set_time(row.elapsed);
        let mut skipped = 0usize;
        match &row.result {
            RowResult::Audited(r) => {
                for c in &r.results {
                    let status = match &c.outcome {
                        crate::outcome::Outcome::Pass => TestCaseStatus::success(),
                        crate::outcome::Outcome::Fail(reason) => {
                            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                            s.set_message(reason.as_str());
                            s.set_description(c.evidence.join("\n"));
                            s
                        }
                        crate::outcome::Outcome::Skip(reason) => {
                            skipped += 1;
                            let mut s = TestCaseStatus::skipped();
                            s.set_message(reason.as_str());
                            s
                        }
                        crate::outcome::Outcome::Waived(w) => {
                            skipped += 1;
                            let mut s = TestCaseStatus::skipped();
                            s.set_message(format!(
                                "waived until {}: {} (failure: {})",
                                w.expires, w.reason, w.failure
                            ));
                            s
                        }
                    };
                    let mut case = TestCase::new(c.id.as_str(), status);
                    case.set_classname(format!("chrlab.{}", c.measure.slug()));
                    case.set_time(c.duration);
                    case.add_property(("severity", c.severity.as_str()));
                    suite.add_test_case(case);
                }
                if !r.incomplete.is_empty() {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(format!(
                        "audit incomplete: the router could not be read ({})",
                        r.incomplete.join("; ")
                    ));
                    let mut case = TestCase::new("audit-complete", s);
                    case.set_classname("chrlab.lab");
                    suite.add_test_case(case);
                }
            }
            other => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(other.problem().unwrap_or_default());
                let mut case = TestCase::new("lab", s);
                case.set_classname("chrlab.lab");
                case.set_time(row.elapsed);
                suite.add_test_case(case);
            }
        }
        // Readers that count the `skipped` attribute see skips and waivers too.
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::outcome::{Exit, Outcome};
    use crate::scale::JobError;
    use crate::scale::tests::{audited, first_two_ids};
    use crate::secret::Secret;

    /// Three rows: one passing, one failing (with a secret in its reason and markup in its
    /// name), one that timed out; plus a failed one.
    fn sample() -> ManyReport {
        let (a, b) = first_two_ids();
        let mut failing = audited(
            "7.12.2",
            &[
                (
                    &a,
                    Outcome::Fail("password Hunter-2-Secret seen <b>".into()),
                ),
                (&b, Outcome::Skip("no untrusted vantage".into())),
            ],
        );
        if let RowResult::Audited(r) = &mut failing.result {
            r.add_secret(&Secret::new("Hunter-2-Secret"));
            *r = r.redacted();
        }
        failing.name = "sim:7.12.2<x>|\x1b[2J".into();
        let mut report = ManyReport::new(
            Kind::Matrix,
            vec![
                audited("7.24.4", &[(&a, Outcome::Pass), (&b, Outcome::Pass)]),
                failing,
                Row {
                    result: RowResult::TimedOut {
                        after: Duration::from_secs(120),
                    },
                    ..audited("6.49.13", &[])
                },
                Row {
                    result: RowResult::Failed(JobError {
                        message: "cannot start the lab: no nft".into(),
                        exit: Exit::Internal,
                        retryable: false,
                    }),
                    attempts: 2,
                    ..audited("7.16.2", &[])
                },
            ],
        );
        report.notes.push("regression: x".into());
        report
    }

    #[test]
    fn the_terminal_table_has_a_line_per_check_and_a_column_per_router() {
        let (a, b) = first_two_ids();
        let report = sample();
        for color in [false, true] {
            let out = render_terminal(
                &report,
                TerminalStyle {
                    color,
                    verbose: false,
                },
            );
            let plain = [RED, GREEN, YELLOW, BOLD, RESET]
                .iter()
                .fold(out.clone(), |t, c| t.replace(c, ""));
            assert!(!plain.contains('\x1b'), "raw ESC in\n{out}");
            let line_of = |id: &str| {
                plain
                    .lines()
                    .find(|l| l.starts_with(&format!("{id} ")))
                    .unwrap_or_else(|| panic!("no line for {id} in\n{plain}"))
                    .split_whitespace()
                    .skip(1)
                    .collect::<Vec<_>>()
            };
            assert_eq!(line_of(&a), ["PASS", "FAIL", "ERROR", "ERROR"]);
            assert_eq!(line_of(&b), ["PASS", "SKIP", "ERROR", "ERROR"]);
            assert!(plain.contains("sim:7.12.2<x>|\\x1b[2J"), "{plain}");
            assert!(plain.contains("sim:6.49.13: ERROR: timed out after 120 s"));
            assert!(plain.contains("2 attempts"), "{plain}");
            assert!(plain.contains("note: regression: x"));
            assert!(plain.contains("1 of 4 routers passed"), "{plain}");
        }
    }

    #[test]
    fn json_reads_back_for_compare_and_keeps_secrets_out() {
        let report = sample();
        let text = render_json(&report);
        assert!(!text.contains("Hunter-2-Secret"), "{text}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["schema_version"], MANY_SCHEMA_VERSION);
        assert_eq!(v["kind"], "matrix");
        assert_eq!(v["rows"].as_array().unwrap().len(), 4);
        assert_eq!(
            v["checks"].as_array().unwrap().len(),
            crate::measures::checks().count()
        );
        let (a, _) = first_two_ids();
        assert_eq!(v["rows"][0]["cells"][&a], "pass");
        assert_eq!(v["rows"][1]["cells"][&a], "fail");
        assert_eq!(v["rows"][2]["status"], "timed-out");
        assert_eq!(v["rows"][2]["timeout"], 120.0);
        assert_eq!(v["rows"][3]["error"]["exit"], 4);
        assert_eq!(v["rows"][3]["attempts"], 2);
        assert_eq!(v["rows"][0]["report"]["version"], "7.24.4");
        assert_eq!(v["summary"]["failing"], 3);
        assert_eq!(read_json(&text).unwrap(), PreviousReport::from(&report));
    }

    #[test]
    fn a_file_of_another_shape_is_refused_saying_where() {
        for (text, why) in [
            ("{", "EOF"),
            ("[]", "expected struct"),
            (
                r#"{"schema_version":"1","router":"sim","results":[]}"#,
                "kind",
            ),
            (
                r#"{"schema_version":"9","kind":"matrix","rows":[]}"#,
                "schema_version \"9\"",
            ),
            (
                r#"{"schema_version":"1","kind":"lab","rows":[]}"#,
                "unknown kind `lab`",
            ),
            (
                r#"{"schema_version":"1","kind":"matrix","rows":[{"name":"a","cells":{"x.y":"great"}}]}"#,
                "rows[0].cells.x.y: unknown cell `great`",
            ),
            (
                r#"{"schema_version":"1","kind":"matrix","rows":[{"name":"a","cells":{"x.y":1}}]}"#,
                "rows[0].cells",
            ),
        ] {
            let err = read_json(text).unwrap_err().to_string();
            assert!(err.contains(why), "{text}: {err}");
        }
    }

    #[test]
    fn markdown_and_html_show_every_cell_escaped() {
        let (a, _) = first_two_ids();
        let report = sample();
        let md = render_markdown(&report);
        let line = md
            .lines()
            .find(|l| l.starts_with(&format!("| `{a}`")))
            .unwrap();
        assert!(line.ends_with("| PASS | FAIL | ERROR | ERROR |"), "{line}");
        assert!(md.contains("sim:7.12.2<x>\\|"), "pipe escaped: {md}");
        assert!(md.contains("**1 of 4 routers passed**"));
        assert!(!md.contains("Hunter-2-Secret"));

        let html = render_html(&report);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(!html.contains("<x>") && html.contains("sim:7.12.2&lt;x&gt;"));
        assert!(!html.contains("Hunter-2-Secret"));
        assert!(
            html.contains("<td class=\"fail\" title=\"password *** seen &lt;b&gt;\">FAIL</td>")
        );
        assert!(html.contains("<td class=\"error\" title=\"timed out after 120 s\">ERROR</td>"));
        assert_eq!(html.matches("<td class=\"pass\"").count(), 2);
        assert!(
            !html.contains("<script") && !html.contains("http"),
            "self-contained"
        );
    }

    #[test]
    fn junit_has_one_suite_per_router_and_an_errored_one_fails() {
        let report = sample();
        let xml = render_junit(&report);
        assert_eq!(xml.matches("<testsuite ").count(), 4, "{xml}");
        assert!(xml.contains("name=\"sim:7.24.4\""));
        assert!(
            xml.contains("<property name=\"version\" value=\"6.49.13\"/>"),
            "{xml}"
        );
        assert!(xml.contains("timed out after 120 s"));
        assert!(xml.contains("cannot start the lab: no nft"));
        assert!(!xml.contains("Hunter-2-Secret"));
        assert!(!xml.contains('\x1b'));
        // 2 checks + 2 + 1 + 1 lab cases.
        assert_eq!(xml.matches("<testcase ").count(), 6, "{xml}");
        let parsed = quick_junit::Report::deserialize_from_str(&xml).unwrap();
        let suites: Vec<(usize, usize)> = parsed
            .test_suites
            .iter()
            .map(|s| (s.tests, s.failures))
            .collect();
        assert_eq!(
            suites,
            [(2, 0), (2, 1), (1, 1), (1, 1)],
            "an errored lab fails"
        );
        assert!(xml.contains("skipped=\"1\""), "{xml}");
    }

    #[test]
    fn sarif_is_refused_for_a_many_router_run() {
        let specs: Vec<ReportSpec> =
            vec!["json=a.json".parse().unwrap(), "sarif=b".parse().unwrap()];
        let err = check_kinds(&specs, Kind::Matrix).unwrap_err();
        assert!(err.to_string().contains("--report sarif=b"), "{err}");
        assert!(check_kinds(&specs[..1], Kind::Matrix).is_ok());
    }
}
