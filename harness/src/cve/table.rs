//! The vulnerability table: advisories read from CVE records, the data's date and where it came
//! from (bundled with chrlab, or refreshed by `chrlab cve update` into the user's data directory).
//!
//! Which table checks use: the refreshed one when its data is at least as new as the bundled
//! data (the newest `cveMetadata.dateUpdated` of each), else the bundled one. A refreshed table
//! replaces the bundled one whole; it is never merged with it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use routeros::version::Version;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::range::Range;
use super::reading::{self, Readings};
use super::record::{Record, RecordError};

/// One advisory and the RouterOS versions it affects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cve {
    /// `CVE-YYYY-NNNNN` (or a local id for profile-supplied ranges).
    pub id: String,
    /// One line: what the flaw is.
    pub summary: String,
    /// Affected versions.
    #[serde(serialize_with = "ser_ranges")]
    pub affected: Vec<Range>,
    /// Versions the record names unaffected inside an affected range (they win).
    #[serde(serialize_with = "ser_ranges")]
    pub unaffected: Vec<Range>,
    /// First fixed versions, as the ranges' ends give them.
    pub fixed_in: Option<String>,
    /// Caveats about how the ranges were derived.
    pub note: Option<String>,
    /// Where the ranges come from.
    pub basis: Basis,
    /// The record's `cveMetadata.dateUpdated`, for records.
    pub date_updated: Option<String>,
}

/// Where an advisory's ranges come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// The record's own `containers.cna.affected` ranges.
    Record,
    /// chrlab's reading of the record's words (`harness/data/cve/readings.toml`).
    Reading,
    /// The profile's `[[update.extra_vulnerable]]`.
    Profile,
}

impl Basis {
    /// `record`, `reading` or `profile`.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Record => "record",
            Basis::Reading => "reading",
            Basis::Profile => "profile",
        }
    }
}

impl Cve {
    /// A profile's extra vulnerable range `[from, to)`.
    pub fn from_profile(id: &str, summary: &str, from: Version, to: Version) -> Cve {
        Cve {
            id: id.to_string(),
            summary: summary.to_string(),
            affected: vec![Range::half_open(from, to)],
            unaffected: Vec::new(),
            fixed_in: Some(to.to_string()),
            note: Some("from the profile".into()),
            basis: Basis::Profile,
            date_updated: None,
        }
    }

    /// Whether `version` lies in an affected range and in no unaffected one.
    pub fn affects(&self, version: &Version) -> bool {
        self.affected.iter().any(|r| r.contains(version))
            && !self.unaffected.iter().any(|r| r.contains(version))
    }

    /// The affected ranges in one line (`< 6.42.7 except >= 6.40.9, < 6.41beta1`).
    pub fn ranges_text(&self) -> String {
        if self.affected.is_empty() {
            return "none".into();
        }
        let mut text = self
            .affected
            .iter()
            .map(Range::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        if !self.unaffected.is_empty() {
            text.push_str(" except ");
            text.push_str(
                &self
                    .unaffected
                    .iter()
                    .map(Range::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            );
        }
        text
    }
}

fn ser_ranges<S: serde::Serializer>(ranges: &[Range], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(ranges.iter().map(Range::to_string))
}

/// Where the table in use came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataSource {
    /// The records bundled with chrlab.
    Bundled,
    /// A table written by `chrlab cve update`.
    Refreshed {
        /// The table file.
        path: PathBuf,
        /// What it was refreshed from (the `--from` path).
        from: String,
        /// When (RFC 3339).
        refreshed: String,
        /// Records left out because they could not be read (`--skip-unreadable`).
        skipped: Vec<String>,
    },
}

/// How current a table is, and where it came from: what a report shows so a stale table is
/// visible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataInfo {
    /// The newest `cveMetadata.dateUpdated` of the table's records, `YYYY-MM-DDTHH:MM:SS`.
    pub updated: Option<String>,
    /// Number of records.
    pub records: usize,
    /// Bundled or refreshed.
    pub source: DataSource,
}

impl DataInfo {
    /// The data's date, `YYYY-MM-DD` (`unknown` when no record has a `dateUpdated`).
    pub fn date(&self) -> &str {
        self.updated.as_deref().map_or("unknown", |u| &u[..10])
    }

    /// `bundled` or `refreshed`.
    pub fn source_word(&self) -> &'static str {
        match self.source {
            DataSource::Bundled => "bundled",
            DataSource::Refreshed { .. } => "refreshed",
        }
    }

    /// The table file of a refreshed table.
    pub fn path(&self) -> Option<&Path> {
        match &self.source {
            DataSource::Bundled => None,
            DataSource::Refreshed { path, .. } => Some(path),
        }
    }
}

impl fmt::Display for DataInfo {
    /// `2026-10-02 (bundled, 17 records)` or `… (refreshed from DIR on DATE, 17 records)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            DataSource::Bundled => write!(f, "{} (bundled, {} records)", self.date(), self.records),
            DataSource::Refreshed {
                from,
                refreshed,
                skipped,
                ..
            } => {
                write!(
                    f,
                    "{} (refreshed from {from} on {}, {} records",
                    self.date(),
                    refreshed.get(..10).unwrap_or(refreshed),
                    self.records
                )?;
                if !skipped.is_empty() {
                    write!(f, ", {} unreadable skipped", skipped.len())?;
                }
                f.write_str(")")
            }
        }
    }
}

impl Serialize for DataInfo {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Json<'a> {
            date: &'a str,
            source: &'a str,
            records: usize,
            #[serde(skip_serializing_if = "Option::is_none")]
            path: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            skipped: Option<usize>,
        }
        Json {
            date: self.date(),
            source: self.source_word(),
            records: self.records,
            path: self.path().map(|p| p.display().to_string()),
            skipped: match &self.source {
                DataSource::Refreshed { skipped, .. } if !skipped.is_empty() => Some(skipped.len()),
                _ => None,
            },
        }
        .serialize(s)
    }
}

/// Advisories and the data's provenance.
#[derive(Debug, Clone)]
pub struct Table {
    entries: Vec<Cve>,
    info: DataInfo,
}

impl Table {
    /// Reads `records` through `readings`; every record that cannot be read is an error.
    pub fn from_records(
        records: &[Record],
        readings: &Readings,
        source: DataSource,
    ) -> Result<Table, Vec<RecordError>> {
        let mut entries = Vec::new();
        let mut errors = Vec::new();
        for r in records {
            match r.interpret(readings) {
                Ok(c) => entries.push(c),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        entries.sort_by_key(|a| id_key(&a.id));
        let updated = records
            .iter()
            .filter_map(|r| r.date_updated.as_deref())
            .filter_map(normalize_timestamp)
            .max();
        Ok(Table {
            entries,
            info: DataInfo {
                updated,
                records: records.len(),
                source,
            },
        })
    }

    /// The advisories, ordered by year and number.
    pub fn entries(&self) -> &[Cve] {
        &self.entries
    }

    /// The data's date and source.
    pub fn info(&self) -> &DataInfo {
        &self.info
    }
}

/// `CVE-2018-1156` before `CVE-2018-14847`: by year, then number.
fn id_key(id: &str) -> (u32, u64, String) {
    let mut parts = id.split('-').skip(1);
    let year = parts
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(u32::MAX);
    let num = parts
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(u64::MAX);
    (year, num, id.to_string())
}

/// `2019-07-23T19:06:12`, `2024-08-05T03:51:48.788Z` → `YYYY-MM-DDTHH:MM:SS`; a bare date gets
/// midnight. None for text that is not such a timestamp.
fn normalize_timestamp(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let date_ok = b.len() >= 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b[..10]
            .iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !date_ok {
        return None;
    }
    match text.get(10..19) {
        Some(time) if time.starts_with('T') => Some(text[..19].to_string()),
        _ => Some(format!("{}T00:00:00", &text[..10])),
    }
}

mod bundled_records {
    include!(concat!(env!("OUT_DIR"), "/cve_records.rs"));
}

/// The bundled records: (file name, JSON text), in file-name order.
pub(crate) fn bundled_record_texts() -> &'static [(&'static str, &'static str)] {
    bundled_records::RECORDS
}

/// The bundled readings.
pub(crate) fn bundled_readings() -> &'static Readings {
    static READINGS: LazyLock<Readings> = LazyLock::new(|| {
        Readings::parse(reading::BUNDLED, "harness/data/cve/readings.toml").unwrap_or_else(|e| {
            // Unreachable for the bundled file (a unit test parses it).
            tracing::error!("{e}: {}", e.source);
            Readings::default()
        })
    });
    &READINGS
}

static BUNDLED: LazyLock<Table> = LazyLock::new(|| {
    let mut records = Vec::new();
    for (name, text) in bundled_record_texts() {
        match Record::parse(text, &format!("harness/data/cve/records/{name}")) {
            Ok(r) => records.push(r),
            // Unreachable for the bundled records (a unit test reads every one).
            Err(e) => tracing::error!("{e}"),
        }
    }
    match Table::from_records(&records, bundled_readings(), DataSource::Bundled) {
        Ok(t) => t,
        Err(errors) => {
            for e in &errors {
                tracing::error!("{e}");
            }
            let readable: Vec<Record> = records
                .into_iter()
                .filter(|r| r.interpret(bundled_readings()).is_ok())
                .collect();
            Table::from_records(&readable, bundled_readings(), DataSource::Bundled).unwrap_or_else(
                |_| Table {
                    entries: Vec::new(),
                    info: DataInfo {
                        updated: None,
                        records: 0,
                        source: DataSource::Bundled,
                    },
                },
            )
        }
    }
});

/// The table bundled with chrlab (`harness/data/cve/`).
pub fn bundled() -> &'static Table {
    &BUNDLED
}

/// The bundled advisories.
pub fn builtin() -> &'static [Cve] {
    BUNDLED.entries()
}

static ACTIVE: LazyLock<Table> = LazyLock::new(|| {
    let refreshed = match data_dir() {
        None => None,
        Some(dir) => match load_refreshed(&dir.join(TABLE_FILE)) {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!("{}; using the bundled CVE table", error_chain(&e));
                None
            }
        },
    };
    choose(bundled(), refreshed)
});

/// The table checks use: the refreshed one when present, readable and at least as new as the
/// bundled data, else the bundled one. Read once per process.
pub fn active() -> &'static Table {
    &ACTIVE
}

/// Between the bundled table and a refreshed one, the one whose data is newer; a tie goes to the
/// refreshed table (the user asked for it).
pub fn choose(bundled: &Table, refreshed: Option<Table>) -> Table {
    match refreshed {
        Some(r) if r.info.updated >= bundled.info.updated => r,
        Some(r) => {
            tracing::info!(
                refreshed = r.info.date(),
                bundled = bundled.info.date(),
                "the bundled CVE data is newer than the refreshed table; using the bundled data"
            );
            bundled.clone()
        }
        None => bundled.clone(),
    }
}

/// Bundled advisories that affect `version`.
pub fn vulnerabilities(version: &Version) -> Vec<&'static Cve> {
    vulnerabilities_in(builtin(), version)
}

/// Advisories of `table` (e.g. the active table plus profile extras) that affect `version`.
pub fn vulnerabilities_in<'a>(table: &'a [Cve], version: &Version) -> Vec<&'a Cve> {
    table.iter().filter(|c| c.affects(version)).collect()
}

/// The lowest version past every affected range of `table` that has an end: the highest of
/// their ends (the next patch after a `lessThanOrEqual` end). Unfixed advisories (no end) have no
/// such version; the vulnerability check still flags them.
///
/// For the bundled table this is 7.24 (CVE-2026-84411), the default `update.min_version`.
pub fn safe_min_version(table: &[Cve]) -> Option<Version> {
    table
        .iter()
        .flat_map(|c| c.affected.iter().filter_map(Range::first_version_after))
        .max()
}

/// The refreshed table's file name inside the data directory.
pub const TABLE_FILE: &str = "table.json";

/// The format word of a refreshed table file.
pub const TABLE_FORMAT: &str = "chrlab-cve-table/1";

/// Where `chrlab cve update` writes and checks read the refreshed table: `$CHRLAB_DATA_DIR/cve`,
/// else `$XDG_DATA_HOME/chrlab/cve`, else `~/.local/share/chrlab/cve`.
pub fn data_dir() -> Option<PathBuf> {
    crate::user_files::user_dir("CHRLAB_DATA_DIR", "XDG_DATA_HOME", ".local/share", "cve")
}

/// A refreshed table file, as `chrlab cve update` writes it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TableFile {
    /// [`TABLE_FORMAT`].
    pub format: String,
    /// When it was written (RFC 3339).
    pub refreshed: String,
    /// The `--from` path.
    pub from: String,
    /// The records, exactly as read.
    pub records: Vec<Value>,
    /// Ids of RouterOS records left out because they could not be read (`--skip-unreadable`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
}

/// Why a refreshed table cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The file cannot be read.
    #[error("cannot read the refreshed CVE table {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Not a table file.
    #[error("{}: not a chrlab CVE table", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// The parser's complaint.
        #[source]
        source: serde_json::Error,
    },
    /// A table file of another format version.
    #[error("{}: field `format`: {found:?} is not {TABLE_FORMAT:?}", path.display())]
    Version {
        /// The file.
        path: PathBuf,
        /// What the file says.
        found: String,
    },
    /// A record in it cannot be read.
    #[error("{}: a record cannot be read", path.display())]
    Record {
        /// The file.
        path: PathBuf,
        /// The first bad record.
        #[source]
        source: RecordError,
    },
}

/// Reads the refreshed table at `path`; `Ok(None)` when there is none.
pub fn load_refreshed(path: &Path) -> Result<Option<Table>, TableError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(TableError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let file: TableFile = serde_json::from_str(&text).map_err(|source| TableError::Format {
        path: path.to_path_buf(),
        source,
    })?;
    if file.format != TABLE_FORMAT {
        return Err(TableError::Version {
            path: path.to_path_buf(),
            found: file.format,
        });
    }
    let mut records = Vec::new();
    for (i, raw) in file.records.into_iter().enumerate() {
        let origin = format!("{} records[{i}]", path.display());
        records.push(
            Record::from_value(raw, &origin).map_err(|source| TableError::Record {
                path: path.to_path_buf(),
                source,
            })?,
        );
    }
    let source = DataSource::Refreshed {
        path: path.to_path_buf(),
        from: file.from,
        refreshed: file.refreshed,
        skipped: file.skipped,
    };
    Table::from_records(&records, bundled_readings(), source)
        .map(Some)
        .map_err(|mut errors| TableError::Record {
            path: path.to_path_buf(),
            source: errors.swap_remove(0),
        })
}

pub(crate) use crate::outcome::error_chain;

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn ids(version: &str) -> Vec<String> {
        vulnerabilities(&v(version))
            .iter()
            .map(|c| c.id.clone())
            .collect()
    }

    #[test]
    fn winbox_path_traversal_boundaries() {
        // CVE-2018-14847's record says "through 6.42" (the old table's 6.40.7-bugfix and 6.43rc3
        // ranges came from MikroTik's advisory, which the record does not repeat).
        assert!(ids("6.42").contains(&"CVE-2018-14847".to_string()));
        assert!(!ids("6.42.1").contains(&"CVE-2018-14847".to_string()));
        assert!(ids("6.40.7").contains(&"CVE-2018-14847".to_string()));
        assert!(!ids("6.43rc4").contains(&"CVE-2018-14847".to_string()));
    }

    #[test]
    fn web_underflow_boundaries() {
        assert!(ids("7.23.7").contains(&"CVE-2026-84411".to_string()));
        assert!(ids("7.24beta1").contains(&"CVE-2026-84411".to_string()));
        assert!(ids("7.24rc2").contains(&"CVE-2026-84411".to_string()));
        assert!(ids("7.24").is_empty(), "{:?}", ids("7.24"));
        assert!(ids("7.24.1").is_empty());
    }

    #[test]
    fn other_boundaries() {
        // CVE-2023-41570's record says "v7.1 to 7.11": 7.11 is in, 7.11.2 (in the old table,
        // which ended at 7.12) is not.
        assert!(ids("7.11").contains(&"CVE-2023-41570".to_string()));
        assert!(!ids("7.11.2").contains(&"CVE-2023-41570".to_string()));
        assert!(!ids("7.12").contains(&"CVE-2023-41570".to_string()));
        assert!(ids("7.16.1").contains(&"CVE-2024-54772".to_string()));
        assert!(!ids("7.16.2").contains(&"CVE-2024-54772".to_string()));
        assert!(ids("6.49.6").contains(&"CVE-2023-30799".to_string()));
        assert!(!ids("6.49.7").contains(&"CVE-2023-30799".to_string()));
        assert!(ids("7.14.2").contains(&"CVE-2025-61481".to_string()));
        // CVE-2023-32154's record names 6.49.7 Stable (the old table matched nothing).
        assert!(ids("6.49.7").contains(&"CVE-2023-32154".to_string()));
        assert!(!ids("6.30").contains(&"CVE-2023-32154".to_string()));
        // The 6.40 bugfix line has its own fix for CVE-2018-1156..1159.
        assert!(ids("6.40.8").contains(&"CVE-2018-1156".to_string()));
        assert!(!ids("6.40.9").contains(&"CVE-2018-1156".to_string()));
        assert!(ids("6.41").contains(&"CVE-2018-1156".to_string()));
        assert!(!ids("6.42.7").contains(&"CVE-2018-1159".to_string()));
        // CVE-2019-3976: long-term to 6.44.5, stable to 6.45.6.
        assert!(ids("6.44.5").contains(&"CVE-2019-3976".to_string()));
        assert!(!ids("6.44.6").contains(&"CVE-2019-3976".to_string()));
        assert!(ids("6.45.6").contains(&"CVE-2019-3979".to_string()));
        assert!(!ids("6.45.7").contains(&"CVE-2019-3979".to_string()));
    }

    #[test]
    fn safe_minimum_is_7_24() {
        assert_eq!(safe_min_version(builtin()), Some(v("7.24")));
    }

    #[test]
    fn bundled_data_date_is_the_newest_record_update() {
        let info = bundled().info();
        assert_eq!(info.date(), "2026-10-02");
        assert_eq!(info.records, bundled_record_texts().len());
        assert_eq!(info.to_string(), "2026-10-02 (bundled, 17 records)");
    }

    #[test]
    fn the_newer_table_wins_and_a_tie_goes_to_the_refreshed_one() {
        let refreshed = |updated: &str| Table {
            entries: Vec::new(),
            info: DataInfo {
                updated: Some(updated.into()),
                records: 0,
                source: DataSource::Refreshed {
                    path: "t.json".into(),
                    from: "x".into(),
                    refreshed: "2026-12-01T00:00:00Z".into(),
                    skipped: Vec::new(),
                },
            },
        };
        let b = bundled();
        let newest = b.info().updated.clone().unwrap();
        assert_eq!(choose(b, None).info().source, DataSource::Bundled);
        assert_eq!(
            choose(b, Some(refreshed("2020-01-01T00:00:00")))
                .info()
                .source,
            DataSource::Bundled
        );
        assert_eq!(
            choose(b, Some(refreshed(&newest))).info().source_word(),
            "refreshed"
        );
        assert_eq!(
            choose(b, Some(refreshed("2030-01-01T00:00:00")))
                .info()
                .source_word(),
            "refreshed"
        );
    }

    #[test]
    fn timestamps_normalize() {
        assert_eq!(
            normalize_timestamp("2024-08-05T03:51:48.788Z").as_deref(),
            Some("2024-08-05T03:51:48")
        );
        assert_eq!(
            normalize_timestamp("2019-07-23T19:06:12").as_deref(),
            Some("2019-07-23T19:06:12")
        );
        assert_eq!(
            normalize_timestamp("2019-07-23").as_deref(),
            Some("2019-07-23T00:00:00")
        );
        assert_eq!(normalize_timestamp("yesterday"), None);
    }

    #[test]
    fn a_missing_refreshed_table_is_none_and_a_bad_one_names_the_file() {
        let dir = std::env::temp_dir().join(format!("chrlab-cve-table-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(TABLE_FILE);
        let _ = std::fs::remove_file(&path);
        assert!(load_refreshed(&path).unwrap().is_none());
        std::fs::write(
            &path,
            r#"{"format":"chrlab-cve-table/9","refreshed":"","from":"","records":[]}"#,
        )
        .unwrap();
        let e = load_refreshed(&path).unwrap_err();
        assert!(e.to_string().contains("field `format`"), "{e}");
        std::fs::write(&path, "[").unwrap();
        let e = load_refreshed(&path).unwrap_err();
        assert!(
            e.to_string().contains("table.json: not a chrlab CVE table"),
            "{e}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
