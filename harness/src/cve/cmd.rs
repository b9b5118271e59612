//! `chrlab cve list` and `chrlab cve update --from DIR_OR_FILE`.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::Value;

use super::record::{Record, RecordError};
use super::table::{
    DataSource, TABLE_FILE, TABLE_FORMAT, Table, TableError, TableFile, active, bundled_readings,
    data_dir, error_chain, load_refreshed,
};
use crate::outcome::Exit;

/// `chrlab cve`: the vulnerability table.
#[derive(Debug, Clone, Args)]
pub struct CveArgs {
    /// What to do with the table.
    #[command(subcommand)]
    pub command: CveCommand,
}

/// `chrlab cve` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum CveCommand {
    /// Show the table checks use: id, affected ranges, fixed-in, summary, and the data's date.
    List,
    /// Refresh the table from a local copy of CVE JSON 5 records (a cvelistV5 tree, one record,
    /// or a JSON array of records); writes it to the user's data directory.
    Update(UpdateArgs),
}

/// `chrlab cve update`.
#[derive(Debug, Clone, Args)]
pub struct UpdateArgs {
    /// A directory tree of CVE JSON 5 files (like a cvelistV5 checkout), or one JSON file holding
    /// a record or an array of records.
    #[arg(long, value_name = "DIR_OR_FILE")]
    pub from: PathBuf,
    /// Leave out RouterOS records whose ranges cannot be read, listing each, instead of refusing
    /// the whole update; the table and every report then count them as skipped.
    #[arg(long)]
    pub skip_unreadable: bool,
}

/// Why `chrlab cve update` wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// `--from` does not exist or cannot be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A record (or a file that should hold records) is bad.
    #[error("invalid CVE record")]
    Record(#[source] RecordError),
    /// Several picked records cannot be read.
    #[error("{} RouterOS records cannot be read:\n  {}", .0.len(), .0.iter().map(|e| error_chain(e)).collect::<Vec<_>>().join("\n  "))]
    Records(Vec<RecordError>),
    /// Nothing to refresh from.
    #[error("no MikroTik RouterOS record in {} (looked at {files} JSON files)", from.display())]
    Empty {
        /// The `--from` path.
        from: PathBuf,
        /// How many files were looked at.
        files: usize,
    },
    /// No data directory (no `CHRLAB_DATA_DIR`, `XDG_DATA_HOME` or `HOME`).
    #[error("no data directory: set CHRLAB_DATA_DIR, XDG_DATA_HOME or HOME")]
    NoDataDir,
    /// The table cannot be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl UpdateError {
    /// 2 for bad input (the user must fix `--from` or the environment), 3 for a failed write.
    pub fn exit(&self) -> Exit {
        match self {
            UpdateError::Write { .. } => Exit::Internal,
            _ => Exit::Usage,
        }
    }
}

/// Runs `chrlab cve …`, printing to `out` and errors to `err`.
pub fn run(args: &CveArgs, out: &mut dyn Write, err: &mut dyn Write) -> Exit {
    match &args.command {
        CveCommand::List => match list(active(), out) {
            Ok(()) => Exit::Pass,
            Err(e) => {
                let _ = writeln!(err, "error: cannot print the table: {e}");
                Exit::Internal
            }
        },
        CveCommand::Update(u) => {
            let Some(dir) = data_dir() else {
                let _ = writeln!(err, "error: {}", UpdateError::NoDataDir);
                return Exit::Usage;
            };
            match update(&u.from, &dir, u.skip_unreadable) {
                Ok(summary) => {
                    let _ = write!(out, "{summary}");
                    Exit::Pass
                }
                Err(e) => {
                    let _ = writeln!(err, "error: {}", error_chain(&e));
                    e.exit()
                }
            }
        }
    }
}

/// Prints `table`: the data's date and source, then one line per advisory.
pub fn list(table: &Table, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "CVE data: {}", table.info())?;
    if let Some(p) = table.info().path() {
        writeln!(out, "table file: {}", p.display())?;
    }
    let rows: Vec<[String; 5]> = table
        .entries()
        .iter()
        .map(|c| {
            [
                c.id.clone(),
                c.ranges_text(),
                c.fixed_in.clone().unwrap_or_else(|| "-".into()),
                c.basis.as_str().to_string(),
                c.summary.clone(),
            ]
        })
        .collect();
    let head = ["id", "affected", "fixed in", "from", "summary"];
    let mut widths = head.map(str::len);
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 5]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(c);
                s.push_str(&" ".repeat(widths[i] - c.chars().count() + 2));
            }
        }
        s
    };
    writeln!(out)?;
    writeln!(out, "{}", line(head))?;
    for r in &rows {
        writeln!(
            out,
            "{}",
            line([&r[0], &r[1], &r[2], &r[3], &r[4]].map(String::as_str))
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "from: record = the record's own affected ranges; reading = chrlab's reading of the record's words (harness/data/cve/readings.toml)"
    )?;
    Ok(())
}

/// What `chrlab cve update` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateSummary {
    /// The table file written.
    pub path: PathBuf,
    /// RouterOS records in it.
    pub records: usize,
    /// The data's date.
    pub date: String,
    /// JSON files looked at.
    pub files: usize,
    /// Records that mention RouterOS but name no RouterOS product (and have no reading).
    pub unnamed: Vec<String>,
    /// RouterOS records left out as unreadable (`--skip-unreadable`), with the reason.
    pub skipped: Vec<String>,
}

impl std::fmt::Display for UpdateSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "wrote {} RouterOS records (CVE data {}) to {}, from {} JSON files",
            self.records,
            self.date,
            self.path.display(),
            self.files
        )?;
        if !self.skipped.is_empty() {
            writeln!(
                f,
                "skipped {} unreadable RouterOS records (--skip-unreadable):",
                self.skipped.len()
            )?;
            for s in &self.skipped {
                writeln!(f, "  {s}")?;
            }
        }
        if !self.unnamed.is_empty() {
            writeln!(
                f,
                "not taken: {} records mention RouterOS but name no RouterOS product in containers.cna.affected and chrlab has no reading of them: {}",
                self.unnamed.len(),
                self.unnamed.join(", ")
            )?;
        }
        Ok(())
    }
}

/// Refreshes the table from `from` into `dir`/[`TABLE_FILE`]: picks the published records
/// whose `containers.cna.affected` names MikroTik RouterOS (or that chrlab has a reading of),
/// reads every one, and writes them atomically (a temporary file renamed over the old table).
/// Nothing is written when any picked record is bad, unless `skip_unreadable` (then the bad
/// ones are left out and listed).
pub fn update(
    from: &Path,
    dir: &Path,
    skip_unreadable: bool,
) -> Result<UpdateSummary, UpdateError> {
    let meta = std::fs::metadata(from).map_err(|source| UpdateError::Read {
        path: from.to_path_buf(),
        source,
    })?;
    let mut files = Vec::new();
    if meta.is_dir() {
        collect_json_files(from, &mut files)?;
        files.sort();
    } else {
        files.push(from.to_path_buf());
    }
    let readings = bundled_readings();
    let mut picked: Vec<Record> = Vec::new();
    let mut unnamed = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).map_err(|source| UpdateError::Read {
            path: file.clone(),
            source,
        })?;
        let origin = file.display().to_string();
        let in_dir = meta.is_dir();
        // A cvelistV5 tree holds some 300 000 records: only those that mention RouterOS or that
        // chrlab has a reading of are parsed.
        if in_dir
            && !mentions_routeros(&text)
            && !readings.reading.iter().any(|r| text.contains(&r.id))
        {
            continue;
        }
        let value: Value = serde_json::from_str(&text).map_err(|source| {
            UpdateError::Record(RecordError::Json {
                origin: origin.clone(),
                source,
            })
        })?;
        let candidates: Vec<(String, Value)> = match value {
            Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (format!("{origin}[{i}]"), v))
                .collect(),
            v => vec![(origin.clone(), v)],
        };
        for (origin, v) in candidates {
            // Other JSON in a tree (cvelistV5's delta.json) is not a record: passed over.
            if in_dir && v.get("dataType").and_then(Value::as_str) != Some("CVE_RECORD") {
                continue;
            }
            let record = Record::from_value(v, &origin).map_err(UpdateError::Record)?;
            if record.is_rejected() {
                continue;
            }
            if record.names_routeros() || readings.for_record(&record.id).next().is_some() {
                match picked.iter_mut().find(|p| p.id == record.id) {
                    Some(p) if p.date_updated < record.date_updated => *p = record,
                    Some(_) => {}
                    None => picked.push(record),
                }
            } else if record
                .text_at("containers.cna.descriptions[0].value")
                .is_some_and(mentions_routeros)
            {
                unnamed.push(record.id);
            }
        }
    }
    let mut skipped = Vec::new();
    let mut skipped_ids = Vec::new();
    if skip_unreadable {
        picked.retain(|r| match r.interpret(readings) {
            Ok(_) => true,
            Err(e) => {
                skipped.push(error_chain(&e));
                skipped_ids.push(r.id.clone());
                false
            }
        });
    }
    if picked.is_empty() {
        return Err(UpdateError::Empty {
            from: from.to_path_buf(),
            files: files.len(),
        });
    }
    let path = dir.join(TABLE_FILE);
    let table = Table::from_records(
        &picked,
        readings,
        DataSource::Refreshed {
            path: path.clone(),
            from: from.display().to_string(),
            refreshed: String::new(),
            skipped: Vec::new(),
        },
    )
    .map_err(UpdateError::Records)?;
    let refreshed = crate::outcome::rfc3339(time::OffsetDateTime::now_utc());
    let from_text = std::fs::canonicalize(from)
        .unwrap_or_else(|_| from.to_path_buf())
        .display()
        .to_string();
    let file = TableFile {
        format: TABLE_FORMAT.into(),
        refreshed,
        from: from_text,
        records: picked.iter().map(|r| r.raw.clone()).collect(),
        skipped: skipped_ids,
    };
    write_atomically(&path, &file)?;
    // Read back what was written: the same path checks will take.
    if let Err(e) = load_refreshed(&path) {
        return Err(UpdateError::Write {
            path,
            source: std::io::Error::other(error_chain(&e as &TableError)),
        });
    }
    unnamed.sort();
    unnamed.dedup();
    Ok(UpdateSummary {
        path,
        records: table.entries().len(),
        date: table.info().date().to_string(),
        files: files.len(),
        unnamed,
        skipped,
    })
}

fn mentions_routeros(text: &str) -> bool {
    text.to_ascii_lowercase().contains("routeros")
}

fn collect_json_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), UpdateError> {
    let read = |path: &Path, source| UpdateError::Read {
        path: path.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(|e| read(dir, e))? {
        let entry = entry.map_err(|e| read(dir, e))?;
        let path = entry.path();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue; // .git and friends
        }
        let kind = entry.file_type().map_err(|e| read(&path, e))?;
        if kind.is_dir() {
            collect_json_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// Writes `file` as `path` through a temporary file in the same directory and a rename, so a
/// reader sees the old table or the new one, never half of one.
fn write_atomically(path: &Path, file: &TableFile) -> Result<(), UpdateError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let werr = |p: &Path, source| UpdateError::Write {
        path: p.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(|e| werr(dir, e))?;
    let tmp = dir.join(format!(".{TABLE_FILE}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        serde_json::to_writer_pretty(&mut f, file).map_err(std::io::Error::other)?;
        f.write_all(b"\n")?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(werr(path, e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cve::{bundled, choose, vulnerabilities_in};
    use routeros::version::Version;

    #[test]
    fn a_refreshed_table_is_the_one_checks_judge_by() {
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cve/cvelist");
        let dir = std::env::temp_dir().join(format!("chrlab-cve-cmd-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let summary = update(&from, &dir, false).unwrap();
        assert_eq!(summary.records, 3);
        assert_eq!(summary.unnamed, ["CVE-2020-0001", "CVE-2027-0003"]);
        let refreshed = load_refreshed(&summary.path).unwrap().unwrap();
        let in_use = choose(bundled(), Some(refreshed));
        assert_eq!(in_use.info().source_word(), "refreshed");
        assert_eq!(in_use.info().date(), "2027-01-15");
        // 7.24.1 is past every bundled range, but inside the refreshed synthetic one.
        let v = Version::parse("7.24.1").unwrap();
        assert!(vulnerabilities_in(bundled().entries(), &v).is_empty());
        let hits: Vec<&str> = vulnerabilities_in(in_use.entries(), &v)
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(hits, ["CVE-2027-0001"]);
        let mut listed = Vec::new();
        list(&in_use, &mut listed).unwrap();
        let listed = String::from_utf8(listed).unwrap();
        assert!(
            listed.contains("CVE-2027-0001   >= 7.0, < 7.25  "),
            "{listed}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn exit_codes_follow_the_error_kind() {
        let read = UpdateError::Read {
            path: "x".into(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        };
        assert_eq!(read.exit(), Exit::Usage);
        let write = UpdateError::Write {
            path: "x".into(),
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        };
        assert_eq!(write.exit(), Exit::Internal);
    }
}
