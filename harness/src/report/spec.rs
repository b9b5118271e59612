use std::fmt;
use std::io::Write as _;
use std::path::PathBuf;
use std::str::FromStr;

use crate::outcome::RunReport;

use super::{render_json, render_junit, render_markdown};

/// A machine-readable report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// `json`: [`render_json`].
    Json,
    /// `junit`: [`render_junit`].
    Junit,
    /// `md` or `markdown`: [`render_markdown`].
    Markdown,
}

impl ReportKind {
    /// Renders `report` in this format.
    pub fn render(self, report: &RunReport) -> String {
        match self {
            ReportKind::Json => render_json(report),
            ReportKind::Junit => render_junit(report),
            ReportKind::Markdown => render_markdown(report),
        }
    }
}

impl fmt::Display for ReportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReportKind::Json => "json",
            ReportKind::Junit => "junit",
            ReportKind::Markdown => "md",
        })
    }
}

/// Where a report goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Standard output (`-`, or no path given).
    Stdout,
    /// A file, created or truncated.
    File(PathBuf),
}

/// One `--report KIND[=PATH]` argument: `json=out/report.json`, `junit=junit.xml`, `md=-`, `json`.
///
/// Without `=PATH`, or with `=-`, the report goes to standard output. The flag may be repeated to
/// write several formats from one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSpec {
    /// The format.
    pub kind: ReportKind,
    /// Where it is written.
    pub dest: Destination,
    /// Whether the argument named its destination (`KIND=PATH` or `KIND=-`).
    pub explicit_dest: bool,
}

/// Why a report could not be parsed or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Unknown format name.
    #[error("unknown report kind `{0}` (expected json, junit or md)")]
    UnknownKind(String),
    /// `KIND=` with nothing after it.
    #[error("report `{0}` has an empty path (use `{0}=-` for standard output)")]
    EmptyPath(String),
    /// Writing failed.
    #[error("cannot write {kind} report to {path}")]
    Write {
        /// The format.
        kind: ReportKind,
        /// The file, or `-`.
        path: String,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
}

impl FromStr for ReportSpec {
    type Err = ReportError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind_text, path) = match s.split_once('=') {
            Some((k, p)) => (k.trim(), Some(p)),
            None => (s.trim(), None),
        };
        let kind = match kind_text.to_ascii_lowercase().as_str() {
            "json" => ReportKind::Json,
            "junit" | "xml" => ReportKind::Junit,
            "md" | "markdown" => ReportKind::Markdown,
            _ => return Err(ReportError::UnknownKind(kind_text.to_string())),
        };
        let dest = match path {
            None | Some("-") => Destination::Stdout,
            Some("") => return Err(ReportError::EmptyPath(kind_text.to_string())),
            Some(p) => Destination::File(PathBuf::from(p)),
        };
        Ok(ReportSpec {
            kind,
            dest,
            explicit_dest: path.is_some(),
        })
    }
}

impl fmt::Display for ReportSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.dest {
            Destination::Stdout => write!(f, "{}=-", self.kind),
            Destination::File(p) => write!(f, "{}={}", self.kind, p.display()),
        }
    }
}

/// Writes `report` once per spec (creating parent directories of files).
pub fn write_reports(report: &RunReport, specs: &[ReportSpec]) -> Result<(), ReportError> {
    for spec in specs {
        let text = spec.kind.render(report);
        let (path, result) = match &spec.dest {
            Destination::Stdout => {
                let mut out = std::io::stdout().lock();
                (
                    "-".to_string(),
                    out.write_all(text.as_bytes()).and_then(|()| out.flush()),
                )
            }
            Destination::File(p) => {
                let result = p
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .map_or(Ok(()), std::fs::create_dir_all)
                    .and_then(|()| std::fs::write(p, text.as_bytes()));
                (p.display().to_string(), result)
            }
        };
        result.map_err(|source| ReportError::Write {
            kind: spec.kind,
            path,
            source,
        })?;
        tracing::debug!(report = %spec, "report written");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kind_and_path() {
        let s: ReportSpec = "junit=out/j.xml".parse().unwrap();
        assert_eq!(s.kind, ReportKind::Junit);
        assert_eq!(s.dest, Destination::File("out/j.xml".into()));
        assert_eq!(
            "json".parse::<ReportSpec>().unwrap().dest,
            Destination::Stdout
        );
        assert_eq!(
            "md=-".parse::<ReportSpec>().unwrap().kind,
            ReportKind::Markdown
        );
        assert_eq!(
            "markdown=r.md".parse::<ReportSpec>().unwrap().to_string(),
            "md=r.md"
        );
        assert!(matches!(
            "html=x".parse::<ReportSpec>(),
            Err(ReportError::UnknownKind(k)) if k == "html"
        ));
        assert!(matches!(
            "json=".parse::<ReportSpec>(),
            Err(ReportError::EmptyPath(_))
        ));
    }
}
