use std::fmt;
use std::io::Write as _;
use std::path::PathBuf;
use std::str::FromStr;

use crate::outcome::RunReport;

use super::{render_html, render_json, render_junit, render_markdown, render_sarif};

/// A machine-readable report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// `json`: [`render_json`].
    Json,
    /// `junit`: [`render_junit`].
    Junit,
    /// `md` or `markdown`: [`render_markdown`].
    Markdown,
    /// `html`: [`render_html`], one self-contained page.
    Html,
    /// `sarif`: [`render_sarif`], SARIF 2.1.0 for code-scanning tools.
    Sarif,
}

impl ReportKind {
    /// Renders `report` in this format.
    pub fn render(self, report: &RunReport) -> String {
        match self {
            ReportKind::Json => render_json(report),
            ReportKind::Junit => render_junit(report),
            ReportKind::Markdown => render_markdown(report),
            ReportKind::Html => render_html(report),
            ReportKind::Sarif => render_sarif(report),
        }
    }
}

impl fmt::Display for ReportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReportKind::Json => "json",
            ReportKind::Junit => "junit",
            ReportKind::Markdown => "md",
            ReportKind::Html => "html",
            ReportKind::Sarif => "sarif",
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
    #[error("unknown report kind `{0}` (expected json, junit, md, html or sarif)")]
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

/// Why the reports asked for cannot be written; found before the lab starts.
#[derive(Debug, thiserror::Error)]
pub enum DestinationError {
    /// Two reports would overwrite each other.
    #[error("--report {first} and --report {second} write to the same place")]
    SamePath {
        /// The first report.
        first: String,
        /// The second report.
        second: String,
    },
    /// The path exists and is not a regular file.
    #[error("--report {spec}: {path} is not a regular file")]
    NotAFile {
        /// The report.
        spec: String,
        /// The path.
        path: String,
    },
    /// The file, or the directory it would be created in, is not writable.
    #[error("--report {spec}: {path} is not writable")]
    NotWritable {
        /// The report.
        spec: String,
        /// The file or directory that is not writable.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Something on the way to the file is not a directory.
    #[error("--report {spec}: {path} is not a directory")]
    NotADirectory {
        /// The report.
        spec: String,
        /// The path that should be a directory.
        path: String,
    },
}

/// Checks, before anything touches a router, that every report can be written where it is to
/// go: no two on one path (or both on standard output), each file either a writable regular
/// file or creatable in a writable directory. Creates nothing.
pub fn check_destinations(specs: &[ReportSpec]) -> Result<(), DestinationError> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut seen: Vec<(PathBuf, &ReportSpec)> = Vec::new();
    for spec in specs {
        let key = match &spec.dest {
            Destination::Stdout => PathBuf::from("-"),
            Destination::File(p) => {
                let abs = cwd.join(p);
                // An existing file may be reached by two spellings (links, `..`).
                std::fs::canonicalize(&abs).unwrap_or_else(|_| lexical(&abs))
            }
        };
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
            return Err(DestinationError::SamePath {
                first: first.to_string(),
                second: spec.to_string(),
            });
        }
        seen.push((key, spec));
        if let Destination::File(p) = &spec.dest {
            writable(spec, &cwd.join(p))?;
        }
    }
    Ok(())
}

/// `a/./b/../c` → `a/c`, without touching the file system.
fn lexical(path: &std::path::Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn writable(spec: &ReportSpec, path: &std::path::Path) -> Result<(), DestinationError> {
    use nix::unistd::{AccessFlags, access};
    let show = |p: &std::path::Path| p.display().to_string();
    let not_writable = |p: &std::path::Path, e: nix::errno::Errno| DestinationError::NotWritable {
        spec: spec.to_string(),
        path: show(p),
        source: std::io::Error::from(e),
    };
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => {
            return access(path, AccessFlags::W_OK).map_err(|e| not_writable(path, e));
        }
        Ok(_) => {
            return Err(DestinationError::NotAFile {
                spec: spec.to_string(),
                path: show(path),
            });
        }
        Err(_) => {}
    }
    // The nearest existing ancestor must be a writable directory (the rest is created).
    let mut dir = path.parent();
    while let Some(d) = dir {
        match std::fs::metadata(d) {
            Ok(m) if m.is_dir() => {
                return access(d, AccessFlags::W_OK).map_err(|e| not_writable(d, e));
            }
            Ok(_) => {
                return Err(DestinationError::NotADirectory {
                    spec: spec.to_string(),
                    path: show(d),
                });
            }
            Err(_) => dir = d.parent(),
        }
    }
    Ok(())
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
            "html" => ReportKind::Html,
            "sarif" => ReportKind::Sarif,
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
    write_rendered(specs, |kind| kind.render(report))
}

/// Writes what `render` makes of each spec's kind where the spec says (creating parent
/// directories of files): the one writer behind [`write_reports`] and the many-router reports.
pub fn write_rendered(
    specs: &[ReportSpec],
    render: impl Fn(ReportKind) -> String,
) -> Result<(), ReportError> {
    for spec in specs {
        let text = render(spec.kind);
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

    fn spec(text: &str) -> ReportSpec {
        text.parse().unwrap()
    }

    #[test]
    fn destinations_are_checked_before_anything_is_written() {
        let dir = std::env::temp_dir().join(format!("chrlab-dest-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let d = dir.display();
        // Fine: two files, one new directory, standard output once.
        check_destinations(&[
            spec(&format!("json={d}/a.json")),
            spec(&format!("junit={d}/new/sub/j.xml")),
            spec("md=-"),
        ])
        .unwrap();
        let same = check_destinations(&[
            spec(&format!("json={d}/r")),
            spec(&format!("md={d}/./x/../r")),
        ])
        .unwrap_err();
        assert!(matches!(same, DestinationError::SamePath { .. }), "{same}");
        assert!(same.to_string().contains("same place"), "{same}");
        let stdout_twice = check_destinations(&[spec("json"), spec("md=-")]).unwrap_err();
        assert!(matches!(stdout_twice, DestinationError::SamePath { .. }));
        let a_dir = check_destinations(&[spec(&format!("json={d}"))]).unwrap_err();
        assert!(
            matches!(a_dir, DestinationError::NotAFile { .. }),
            "{a_dir}"
        );
        std::fs::write(dir.join("plain"), "x").unwrap();
        let under_file =
            check_destinations(&[spec(&format!("json={d}/plain/r.json"))]).unwrap_err();
        assert!(
            matches!(under_file, DestinationError::NotADirectory { .. }),
            "{under_file}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

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
        assert_eq!(
            "html=r.html".parse::<ReportSpec>().unwrap().kind,
            ReportKind::Html
        );
        assert_eq!(
            "SARIF=out/chrlab.sarif"
                .parse::<ReportSpec>()
                .unwrap()
                .to_string(),
            "sarif=out/chrlab.sarif"
        );
        assert!(matches!(
            "pdf=x".parse::<ReportSpec>(),
            Err(ReportError::UnknownKind(k)) if k == "pdf"
        ));
        assert!(matches!(
            "json=".parse::<ReportSpec>(),
            Err(ReportError::EmptyPath(_))
        ));
    }
}
