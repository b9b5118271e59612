use std::fmt::Write as _;

use crate::outcome::{Outcome, RunReport};

/// How the terminal report looks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TerminalStyle {
    /// ANSI colours (only when stdout is a terminal and `NO_COLOR` is unset: the caller decides).
    pub color: bool,
    /// Print evidence for every check, not only for failures.
    pub verbose: bool,
}

impl TerminalStyle {
    /// Colour when the stream the report goes to is a terminal and `NO_COLOR` is not set.
    pub fn detect(stream_is_terminal: bool, verbose: bool) -> TerminalStyle {
        TerminalStyle {
            color: stream_is_terminal && std::env::var_os("NO_COLOR").is_none(),
            verbose,
        }
    }
}

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// The human report: a header, then measure → check → PASS/FAIL/SKIP with the reason,
/// evidence under failures (under everything when verbose), and the summary line
/// `N passed, N failed, N skipped`.
pub fn render_terminal(report: &RunReport, style: TerminalStyle) -> String {
    let r = report.redacted();
    let paint = |code: &str, text: &str| {
        if style.color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    };
    let mut out = String::new();
    let version = r.version.as_deref().unwrap_or("version unknown");
    let _ = writeln!(
        out,
        "chrlab: {} (RouterOS {}), profile {}",
        r.router,
        version,
        r.profile.display()
    );
    if let Some(way) = &r.readback {
        let _ = writeln!(out, "configuration read back over {way}");
    }
    if let Some(data) = &r.cve_data {
        let _ = writeln!(out, "CVE data: {data}");
    }
    for (measure, results) in r.by_measure() {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", paint(BOLD, &measure.to_string()));
        for c in results {
            let label = match c.outcome {
                Outcome::Pass => paint(GREEN, "PASS"),
                Outcome::Fail(_) => paint(RED, "FAIL"),
                Outcome::Skip(_) => paint(YELLOW, "SKIP"),
            };
            let _ = writeln!(out, "  {label}  {} [{}]", c.title, c.id);
            if let Some(reason) = c.outcome.reason() {
                let _ = writeln!(out, "        {reason}");
            }
            if style.verbose || c.outcome.is_fail() {
                for e in &c.evidence {
                    let _ = writeln!(out, "        | {e}");
                }
            }
        }
    }
    let _ = writeln!(out);
    if !r.incomplete.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            paint(
                RED,
                &format!(
                    "audit incomplete: the router could not be read ({})",
                    r.incomplete.join("; ")
                )
            )
        );
    }
    let tally = r.tally();
    let summary = format!("{tally} ({:.1} s)", r.elapsed().as_secs_f64());
    let code = if tally.failed > 0 || !r.incomplete.is_empty() {
        RED
    } else {
        GREEN
    };
    let _ = writeln!(out, "{}", paint(code, &summary));
    out
}
