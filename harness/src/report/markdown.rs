use std::fmt::Write as _;

use crate::outcome::{RunReport, rfc3339};

/// The report as Markdown: a header with router, version, profile and times, the summary line,
/// then one section per measure with a table of checks and, for failures, their evidence.
pub fn render_markdown(report: &RunReport) -> String {
    let r = report.redacted();
    let mut out = String::new();
    let _ = writeln!(out, "# chrlab report: {}", cell(&r.router));
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "- RouterOS version: {}",
        r.version
            .as_deref()
            .map(cell)
            .unwrap_or_else(|| "unknown".into())
    );
    let _ = writeln!(out, "- profile: `{}`", r.profile.display());
    if let Some(way) = &r.readback {
        let _ = writeln!(out, "- configuration read back over: {way}");
    }
    if let Some(data) = &r.cve_data {
        let _ = writeln!(out, "- CVE data: {}", cell(&data.to_string()));
    }
    let _ = writeln!(out, "- started: {}", rfc3339(r.started));
    let _ = writeln!(out, "- finished: {}", rfc3339(r.finished));
    let _ = writeln!(out);
    let _ = writeln!(out, "**{}**", r.tally());
    if !r.incomplete.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "**Audit incomplete:** the router could not be read ({}).",
            cell(&r.incomplete.join("; "))
        );
    }
    for note in &r.notes {
        let _ = writeln!(out);
        let _ = writeln!(out, "Note: {}", cell(note));
    }
    for (measure, results) in r.by_measure() {
        let _ = writeln!(out);
        let _ = writeln!(out, "## {measure}");
        let _ = writeln!(out);
        let _ = writeln!(out, "| result | severity | check | id | reason |");
        let _ = writeln!(out, "|---|---|---|---|---|");
        for c in &results {
            let mut reason = c.outcome.reason().map(cell).unwrap_or_default();
            if let Some(w) = c.outcome.waived() {
                reason.push_str(&format!(
                    " (waived until {}: {})",
                    w.expires,
                    cell(&w.reason)
                ));
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | `{}` | {} |",
                c.outcome.label(),
                c.severity,
                cell(&c.title),
                c.id,
                reason
            );
        }
        for c in results.iter().filter(|c| c.outcome.is_fail()) {
            if !c.evidence.is_empty() {
                let _ = writeln!(out);
                let _ = writeln!(out, "Evidence for `{}`:", c.id);
                let _ = writeln!(out);
                let _ = writeln!(out, "```");
                for e in &c.evidence {
                    let _ = writeln!(out, "{}", e.replace("```", "'''"));
                }
                let _ = writeln!(out, "```");
            }
            if !c.fix.is_empty() {
                let _ = writeln!(out);
                let _ = writeln!(out, "Fix for `{}`:", c.id);
                let _ = writeln!(out);
                let _ = writeln!(out, "```routeros");
                for f in &c.fix {
                    let _ = writeln!(out, "{}", f.replace("```", "'''"));
                }
                let _ = writeln!(out, "```");
            }
        }
    }
    out
}

/// Makes text safe inside a table cell: one line, `|` escaped.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\r', '\n'], " ")
}
