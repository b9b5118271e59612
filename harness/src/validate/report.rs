//! The go/no-go as text: the terminal's, JSON and Markdown (`--report json=…`, `--report md=…`).
//! The audits' own reports stay `report/`'s; this renders only the diff.

use std::fmt::Write as _;
use std::io::Write as _;

use serde::Serialize;

use super::cmd::{Snapshot, ValidateError, Validation};
use super::diff::{Diff, ObservationChange, VerdictChange};
use crate::printable::escape;
use crate::report::{Destination, ReportKind, ReportSpec};

/// The version of the diff's JSON form.
pub const VALIDATE_JSON_VERSION: &str = "1";

#[derive(Serialize)]
struct Side<'a> {
    lab: &'a str,
    version: &'a str,
    tally: String,
}

#[derive(Serialize)]
struct Json<'a> {
    schema_version: &'static str,
    go: bool,
    verdict: String,
    regressions: usize,
    strict: bool,
    baseline: Side<'a>,
    candidate: Side<'a>,
    verdicts: &'a [VerdictChange],
    observations: &'a [ObservationChange],
    snapshots: &'a [Snapshot],
}

fn side(run: &super::cmd::LabRun) -> Side<'_> {
    let t = run.report.tally();
    Side {
        lab: &run.lab,
        version: &run.behaviour.version,
        tally: format!(
            "{} passed, {} failed, {} skipped",
            t.passed, t.failed, t.skipped
        ),
    }
}

/// The validation as JSON (`schema_version` [`VALIDATE_JSON_VERSION`]).
pub fn render_json(v: &Validation) -> String {
    let j = Json {
        schema_version: VALIDATE_JSON_VERSION,
        go: v.go(),
        verdict: v.verdict_line(),
        regressions: v.regressions(),
        strict: v.strict,
        baseline: side(&v.baseline),
        candidate: side(&v.candidate),
        verdicts: &v.diff.verdicts,
        observations: &v.diff.observations,
        snapshots: &v.snapshots,
    };
    let mut s = serde_json::to_string_pretty(&j).unwrap_or_default();
    s.push('\n');
    s
}

fn value(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("(absent)")
}

fn diff_lines(out: &mut String, d: &Diff, indent: &str) {
    for c in &d.verdicts {
        let mark = if c.regression { "  REGRESSION" } else { "" };
        let _ = writeln!(
            out,
            "{indent}{}: {} -> {}{mark}",
            c.check, c.baseline, c.candidate
        );
    }
    for c in &d.observations {
        let _ = writeln!(
            out,
            "{indent}{}: {} -> {}",
            c.path,
            value(&c.baseline),
            value(&c.candidate)
        );
    }
}

/// The validation as the terminal shows it (router texts escaped).
pub fn render_terminal(v: &Validation) -> String {
    let mut out = String::new();
    let (b, c) = (side(&v.baseline), side(&v.candidate));
    let _ = writeln!(
        out,
        "baseline  {} (RouterOS {}): {}",
        b.lab, b.version, b.tally
    );
    let _ = writeln!(
        out,
        "candidate {} (RouterOS {}): {}",
        c.lab, c.version, c.tally
    );
    let _ = writeln!(out, "\nverdicts that differ ({}):", v.diff.verdicts.len());
    let mut d = Diff {
        verdicts: v.diff.verdicts.clone(),
        observations: Vec::new(),
    };
    diff_lines(&mut out, &d, "  ");
    let _ = writeln!(
        out,
        "\nobservations that differ ({}):",
        v.diff.observations.len()
    );
    d = Diff {
        verdicts: Vec::new(),
        observations: v.diff.observations.clone(),
    };
    diff_lines(&mut out, &d, "  ");
    if !v.snapshots.is_empty() {
        let _ = writeln!(out, "\nsnapshots:");
        for s in &v.snapshots {
            match &s.diff {
                None => {
                    let _ = writeln!(
                        out,
                        "  {}: new, review and commit ({} RouterOS {})",
                        s.path.display(),
                        s.role,
                        s.version
                    );
                }
                Some(d) if d.is_empty() => {
                    let _ = writeln!(out, "  {}: {} matches it", s.path.display(), s.role);
                }
                Some(d) => {
                    let _ = writeln!(
                        out,
                        "  {}: {} differs in {} verdicts, {} observations",
                        s.path.display(),
                        s.role,
                        d.verdicts.len(),
                        d.observations.len()
                    );
                    diff_lines(&mut out, d, "    ");
                }
            }
        }
    }
    let _ = writeln!(out, "\n{}", v.verdict_line());
    // Router texts reach the terminal escaped, line by line (the layout's newlines stay).
    out.lines().map(|l| format!("{}\n", escape(l))).collect()
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The validation as Markdown: a header, the two tables, the snapshots, the verdict.
pub fn render_markdown(v: &Validation) -> String {
    let mut out = String::new();
    let (b, c) = (side(&v.baseline), side(&v.candidate));
    let _ = writeln!(out, "# chrlab validate: {}\n", v.verdict_line());
    let _ = writeln!(out, "| | lab | RouterOS | checks |\n|---|---|---|---|");
    for (role, s) in [("baseline", &b), ("candidate", &c)] {
        let _ = writeln!(
            out,
            "| {role} | `{}` | {} | {} |",
            md_cell(s.lab),
            md_cell(s.version),
            s.tally
        );
    }
    let _ = writeln!(
        out,
        "\n## Verdicts that differ ({})\n",
        v.diff.verdicts.len()
    );
    if !v.diff.verdicts.is_empty() {
        let _ = writeln!(
            out,
            "| check | baseline | candidate | regression |\n|---|---|---|---|"
        );
        for x in &v.diff.verdicts {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                x.check,
                x.baseline,
                x.candidate,
                if x.regression { "yes" } else { "no" }
            );
        }
    }
    let _ = writeln!(
        out,
        "\n## Observations that differ ({})\n",
        v.diff.observations.len()
    );
    if !v.diff.observations.is_empty() {
        let _ = writeln!(out, "| path | baseline | candidate |\n|---|---|---|");
        for x in &v.diff.observations {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                md_cell(&x.path),
                md_cell(value(&x.baseline)),
                md_cell(value(&x.candidate))
            );
        }
    }
    if !v.snapshots.is_empty() {
        let _ = writeln!(out, "\n## Snapshots\n");
        for s in &v.snapshots {
            let what = match &s.diff {
                None => "new, review and commit".to_string(),
                Some(d) if d.is_empty() => "matches".to_string(),
                Some(d) => format!(
                    "differs: {} verdicts, {} observations",
                    d.verdicts.len(),
                    d.observations.len()
                ),
            };
            let _ = writeln!(out, "- `{}` ({}): {what}", s.path.display(), s.role);
        }
    }
    out
}

/// Writes the `--report`s (json and md only; [`super::ValidateArgs::prepare`] refused others).
pub fn write(v: &Validation, specs: &[ReportSpec]) -> Result<(), ValidateError> {
    for spec in specs {
        let text = match spec.kind {
            ReportKind::Json => render_json(v),
            ReportKind::Markdown => render_markdown(v),
            other => return Err(ValidateError::ReportKind(other)),
        };
        match &spec.dest {
            Destination::Stdout => {
                let mut o = std::io::stdout().lock();
                o.write_all(text.as_bytes())
                    .and_then(|()| o.flush())
                    .map_err(|source| ValidateError::Write {
                        path: "-".into(),
                        source,
                    })?;
            }
            Destination::File(p) => {
                p.parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .map_or(Ok(()), std::fs::create_dir_all)
                    .and_then(|()| std::fs::write(p, text.as_bytes()))
                    .map_err(|source| ValidateError::Write {
                        path: p.clone(),
                        source,
                    })?;
            }
        }
    }
    Ok(())
}
