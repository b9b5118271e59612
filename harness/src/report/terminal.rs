use std::fmt::Write as _;

use crate::outcome::{Outcome, RunReport};
use crate::printable::escape;

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

/// The human report: a header, then measure → check (with its id and severity) →
/// PASS/FAIL/SKIP/WAIVED with the reason (and a waiver's reason and date),
/// evidence under failures (under everything when verbose), and the summary line
/// `N passed, N failed, N skipped`.
///
/// Every text that came from the profile or the router (router name and version, titles, reasons,
/// evidence) is [`escape`]d, so an ESC or a newline in it prints as `\x1b` or `\n` instead of
/// reaching the terminal.
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
        escape(&r.router),
        escape(version),
        escape(&r.profile.display().to_string())
    );
    if let Some(way) = &r.readback {
        let _ = writeln!(out, "configuration read back over {}", escape(way));
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
                Outcome::Waived(_) => paint(YELLOW, "WAIVED"),
            };
            let _ = writeln!(
                out,
                "  {label}  {} [{}, {}]",
                escape(&c.title),
                escape(&c.id),
                c.severity
            );
            if let Some(reason) = c.outcome.reason() {
                let _ = writeln!(out, "        {}", escape(reason));
            }
            if let Some(w) = c.outcome.waived() {
                let _ = writeln!(
                    out,
                    "        waived until {}: {}",
                    escape(&w.expires),
                    escape(&w.reason)
                );
            }
            if style.verbose || c.outcome.is_fail() {
                for e in &c.evidence {
                    let _ = writeln!(out, "        | {}", escape(e));
                }
            }
            if c.outcome.is_fail() && !c.fix.is_empty() {
                let _ = writeln!(out, "        fix:");
                for f in &c.fix {
                    let _ = writeln!(out, "        > {}", escape(f));
                }
            }
        }
    }
    let _ = writeln!(out);
    for note in &r.notes {
        let _ = writeln!(out, "note: {}", escape(note));
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{CheckResult, Measure};

    #[test]
    fn control_characters_from_the_router_print_escaped() {
        let mut r = RunReport::new("sim:7.23.7\x1b]0;owned\x07", "profiles/\x1b[2Jx.toml");
        r.version = Some("7.23.7\r".into());
        r.push(
            CheckResult::new(
                Measure::Logging,
                "logging.failed-login-recorded",
                "title\x1b[31m",
                Outcome::Fail("reason\nforged line".into()),
            )
            .with_evidence("login failure for user \x1b[2Jroot from 192.0.2.66 via ssh"),
        );
        for color in [false, true] {
            let out = render_terminal(
                &r,
                TerminalStyle {
                    color,
                    verbose: true,
                },
            );
            let without_ours = [RED, GREEN, YELLOW, BOLD, RESET]
                .iter()
                .fold(out.clone(), |t, code| t.replace(code, ""));
            assert!(!without_ours.contains('\x1b'), "raw ESC in\n{out}");
            assert!(!without_ours.contains('\x07') && !without_ours.contains('\r'));
            assert!(
                out.contains("| login failure for user \\x1b[2Jroot from 192.0.2.66 via ssh"),
                "{out}"
            );
            assert!(out.contains("reason\\nforged line"), "{out}");
            assert!(out.contains("sim:7.23.7\\x1b]0;owned\\x07"), "{out}");
        }
    }
}
