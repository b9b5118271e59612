//! The subset of the CVE JSON 5 record format ("CVE Record Format 5.x") that the update check
//! needs, and its reading into [`Cve`] entries.
//!
//! These are external records, not user configuration: unknown fields are ignored. What is read:
//! `dataType`, `dataVersion`, `cveMetadata.{cveId, state, datePublished, dateUpdated}`,
//! `containers.cna.{title, descriptions[], affected[]}`. Only the CNA container's `affected` is
//! read; ADP containers are not (CISA's enrichment of CVE-2023-32154 lists "R.47.0.0 AutoCAD
//! 2021" as affected RouterOS versions).
//!
//! An `affected[]` entry is RouterOS when its `product` is `RouterOS` or `MikroTik RouterOS`
//! (any case) and its `vendor` is MikroTik, the misspelling `MicroTik` (CVE-2022-45315), `n/a`
//! or absent. Its `versions[]` entries are read as the format defines them:
//!
//! - `{version, status}` alone: that one version;
//! - with `lessThan` / `lessThanOrEqual`: from `version` (`"0"`: every version since the first)
//!   up to the bound (`"*"`: no end), with `changes: [{at, status}]` switching the status at
//!   each `at`;
//! - `status` `affected` counts, `unaffected` is an exception that wins over an affected range,
//!   `unknown` is neither; `defaultStatus` applies to versions no entry names, and only
//!   `affected` there would matter, which no RouterOS record states (it is refused);
//! - `versionType` absent, `custom` or `semver`; a value is a RouterOS version, optionally with a
//!   leading `v` and followed by a channel name or an ISO date (`"7.6 2022-10-31"`,
//!   `"6.49.7 Stable"`).
//!
//! Anything else is an error naming the record and the field. A record whose ranges are prose
//! (or `n/a`) is read through chrlab's own [`Readings`], which quote the text they read.

use routeros::version::Version;
use serde::Deserialize;
use serde_json::Value;

use super::range::{Range, Upper};
use super::reading::{Reading, Readings};
use super::table::{Basis, Cve};

/// Why a CVE record cannot be used; every message names where the record came from.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The text is not JSON.
    #[error("{origin}: not JSON")]
    Json {
        /// File (or bundle element) the record came from.
        origin: String,
        /// The parser's complaint, with line and column.
        #[source]
        source: serde_json::Error,
    },
    /// JSON, but not a CVE JSON 5 record.
    #[error("{origin}: field `{field}`: not a CVE JSON 5 record ({reason})")]
    NotCveRecord {
        /// File the record came from.
        origin: String,
        /// The field that says so.
        field: String,
        /// What was found.
        reason: String,
    },
    /// A field of the subset has the wrong type or is missing.
    #[error("{origin}: field `{field}`")]
    Shape {
        /// File the record came from.
        origin: String,
        /// Dotted path of the field.
        field: String,
        /// The deserializer's complaint.
        #[source]
        source: serde_json::Error,
    },
    /// A RouterOS version range that cannot be read.
    #[error("{origin}: {id}: field `{field}`: {reason}")]
    Range {
        /// File the record came from.
        origin: String,
        /// The record's `cveMetadata.cveId`.
        id: String,
        /// Dotted path of the field.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The record names no RouterOS product and chrlab has no reading of it.
    #[error(
        "{origin}: {id}: field `containers.cna.affected`: names no MikroTik RouterOS product, and chrlab has no reading of this record"
    )]
    NotRouterOs {
        /// File the record came from.
        origin: String,
        /// The record's id.
        id: String,
    },
}

impl RecordError {
    /// The record id the error is about, when the record got that far.
    pub fn id(&self) -> Option<&str> {
        match self {
            RecordError::Range { id, .. } | RecordError::NotRouterOs { id, .. } => Some(id),
            _ => None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecordJson {
    data_version: Value,
    cve_metadata: Metadata,
    #[serde(default)]
    containers: Containers,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    cve_id: String,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    date_published: Option<String>,
    #[serde(default)]
    date_updated: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Containers {
    #[serde(default)]
    cna: Cna,
}

#[derive(Debug, Default, Deserialize)]
struct Cna {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    descriptions: Vec<Description>,
    #[serde(default)]
    affected: Vec<Affected>,
}

#[derive(Debug, Deserialize)]
struct Description {
    #[serde(default)]
    lang: String,
    value: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Affected {
    #[serde(default)]
    vendor: Option<String>,
    #[serde(default)]
    product: Option<String>,
    #[serde(default)]
    default_status: Option<String>,
    #[serde(default)]
    versions: Vec<VersionEntry>,
}

/// One `versions[]` entry of an `affected[]` product (also the form of a [`Reading`]'s ranges).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionEntry {
    /// A single version, or the start of a range (`"0"`: since the first).
    pub version: String,
    /// `affected`, `unaffected` or `unknown`.
    pub status: String,
    /// `custom`, `semver` or absent.
    #[serde(default)]
    pub version_type: Option<String>,
    /// Exclusive end (`"*"`: none).
    #[serde(default)]
    pub less_than: Option<String>,
    /// Inclusive end.
    #[serde(default)]
    pub less_than_or_equal: Option<String>,
    /// Status changes inside the range.
    #[serde(default)]
    pub changes: Vec<Change>,
}

/// One `changes[]` entry: from `at` on, the range has `status`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Change {
    /// Where the status changes.
    pub at: String,
    /// The status from there on.
    pub status: String,
}

/// A CVE JSON 5 record: the subset chrlab reads, and the whole record as published.
#[derive(Debug, Clone)]
pub struct Record {
    /// Where it came from (file path, or bundle and index), for messages.
    pub origin: String,
    /// `cveMetadata.cveId`.
    pub id: String,
    /// `cveMetadata.state` (`PUBLISHED`, `REJECTED`).
    pub state: Option<String>,
    /// `cveMetadata.datePublished`.
    pub date_published: Option<String>,
    /// `cveMetadata.dateUpdated`.
    pub date_updated: Option<String>,
    /// The record exactly as read, to store it again unchanged.
    pub raw: Value,
    routeros: Vec<(usize, AffectedRouterOs)>,
    title: Option<String>,
    description: Option<String>,
}

#[derive(Debug, Clone)]
struct AffectedRouterOs {
    default_status: Option<String>,
    versions: Vec<VersionEntry>,
}

impl Record {
    /// Parses one record from JSON text; `origin` names the file for messages.
    pub fn parse(text: &str, origin: &str) -> Result<Record, RecordError> {
        let raw: Value = serde_json::from_str(text).map_err(|source| RecordError::Json {
            origin: origin.to_string(),
            source,
        })?;
        Record::from_value(raw, origin)
    }

    /// Reads one record from a parsed JSON value.
    pub fn from_value(raw: Value, origin: &str) -> Result<Record, RecordError> {
        if !is_cve_record(&raw) {
            return Err(RecordError::NotCveRecord {
                origin: origin.to_string(),
                field: "dataType".into(),
                reason: match raw.get("dataType") {
                    Some(v) => format!("it is {v}, not \"CVE_RECORD\""),
                    None => "it is missing".into(),
                },
            });
        }
        let parsed: RecordJson = serde_path_to_error::deserialize(&raw).map_err(|e| {
            let field = e.path().to_string();
            RecordError::Shape {
                origin: origin.to_string(),
                field,
                source: e.into_inner(),
            }
        })?;
        let major = match &parsed.data_version {
            Value::String(s) => s.split('.').next().map(str::to_string),
            Value::Number(n) => Some(n.to_string().split('.').next().unwrap_or("").to_string()),
            _ => None,
        };
        if major.as_deref() != Some("5") {
            return Err(RecordError::NotCveRecord {
                origin: origin.to_string(),
                field: "dataVersion".into(),
                reason: format!("version {}, not 5.x", parsed.data_version),
            });
        }
        let cna = parsed.containers.cna;
        let routeros = cna
            .affected
            .into_iter()
            .enumerate()
            .filter(|(_, a)| is_routeros(a.vendor.as_deref(), a.product.as_deref()))
            .map(|(i, a)| {
                (
                    i,
                    AffectedRouterOs {
                        default_status: a.default_status,
                        versions: a.versions,
                    },
                )
            })
            .collect();
        let description = cna
            .descriptions
            .iter()
            .find(|d| d.lang.starts_with("en"))
            .or(cna.descriptions.first())
            .map(|d| d.value.clone());
        Ok(Record {
            origin: origin.to_string(),
            id: parsed.cve_metadata.cve_id,
            state: parsed.cve_metadata.state,
            date_published: parsed.cve_metadata.date_published,
            date_updated: parsed.cve_metadata.date_updated,
            raw,
            routeros,
            title: cna.title,
            description,
        })
    }

    /// Whether `containers.cna.affected` names MikroTik RouterOS.
    pub fn names_routeros(&self) -> bool {
        !self.routeros.is_empty()
    }

    /// Whether the record is withdrawn (`cveMetadata.state` `REJECTED`).
    pub fn is_rejected(&self) -> bool {
        self.state
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("REJECTED"))
    }

    /// The record's text at a dotted field path (`containers.cna.descriptions[0].value`).
    pub fn text_at(&self, field: &str) -> Option<&str> {
        let mut at = &self.raw;
        for part in field.split('.') {
            let (name, indexes) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            at = at.get(name)?;
            for idx in indexes.split('[').filter(|s| !s.is_empty()) {
                at = at.get(idx.strip_suffix(']')?.parse::<usize>().ok()?)?;
            }
        }
        at.as_str()
    }

    /// The advisory this record describes: its RouterOS ranges as the record states them, or, for
    /// a record whose ranges are prose or `n/a`, as one of `readings` reads them.
    pub fn interpret(&self, readings: &Readings) -> Result<Cve, RecordError> {
        let err = |field: String, reason: String| RecordError::Range {
            origin: self.origin.clone(),
            id: self.id.clone(),
            field,
            reason,
        };
        let mut affected = Vec::new();
        let mut unaffected = Vec::new();
        let mut used: Vec<&Reading> = Vec::new();
        if self.routeros.is_empty() {
            let reading = readings
                .for_record(&self.id)
                .find(|r| !r.field.contains(".affected["))
                .ok_or_else(|| RecordError::NotRouterOs {
                    origin: self.origin.clone(),
                    id: self.id.clone(),
                })?;
            self.check_quote(reading)?;
            for (j, entry) in reading.versions.iter().enumerate() {
                read_entry(entry, &mut affected, &mut unaffected).map_err(|(f, r)| {
                    err(
                        format!("{} (chrlab reading), versions[{j}]{f}", reading.field),
                        r,
                    )
                })?;
            }
            used.push(reading);
        }
        for (i, product) in &self.routeros {
            if let Some(s) = &product.default_status
                && s.eq_ignore_ascii_case("affected")
            {
                return Err(err(
                    format!("containers.cna.affected[{i}].defaultStatus"),
                    "\"affected\" for every version not listed cannot be read as ranges".into(),
                ));
            }
            for (j, entry) in product.versions.iter().enumerate() {
                let field = format!("containers.cna.affected[{i}].versions[{j}]");
                match read_entry(entry, &mut affected, &mut unaffected) {
                    Ok(()) => {}
                    Err((sub, reason)) => {
                        let version_field = format!("{field}.version");
                        let reading = readings
                            .for_record(&self.id)
                            .find(|r| r.field == version_field)
                            .ok_or_else(|| err(format!("{field}{sub}"), reason))?;
                        self.check_quote(reading)?;
                        for (k, e) in reading.versions.iter().enumerate() {
                            read_entry(e, &mut affected, &mut unaffected).map_err(|(f, r)| {
                                err(
                                    format!("{version_field} (chrlab reading), versions[{k}]{f}"),
                                    r,
                                )
                            })?;
                        }
                        used.push(reading);
                    }
                }
            }
        }
        if affected.is_empty() {
            let field = match self.routeros.first() {
                Some((i, _)) => format!("containers.cna.affected[{i}].versions"),
                None => "containers.cna.affected".into(),
            };
            return Err(err(field, "names no affected RouterOS version".into()));
        }
        // An unaffected entry outside every affected range (`7.24` after `< 7.24`) says nothing more.
        unaffected.retain(|u| affected.iter().any(|a| a.overlaps(u)));
        let mut fixed: Vec<String> = Vec::new();
        // Read after "fixed in": `7.24`, `a release after 6.42`; an unbounded range has no fix.
        for r in &affected {
            let text = match r.to {
                Upper::Before(t) => t.to_string(),
                Upper::Through(t) => format!("a release after {t}"),
                Upper::Unbounded => continue,
            };
            if !fixed.contains(&text) {
                fixed.push(text);
            }
        }
        for r in &unaffected {
            if let (Some(f), Upper::Through(t)) = (r.from, r.to)
                && f == t
                && !fixed.contains(&f.to_string())
            {
                fixed.push(f.to_string());
            }
        }
        let basis = if used.is_empty() {
            Basis::Record
        } else {
            Basis::Reading
        };
        let note = used
            .iter()
            .map(|r| format!("chrlab's reading of `{}`: {}", r.field, r.note))
            .collect::<Vec<_>>()
            .join("; ");
        Ok(Cve {
            id: self.id.clone(),
            summary: self.summary(),
            affected,
            unaffected,
            fixed_in: (!fixed.is_empty()).then(|| fixed.join(", ")),
            note: (!note.is_empty()).then_some(note),
            basis,
            date_updated: self.date_updated.clone(),
        })
    }

    fn check_quote(&self, reading: &Reading) -> Result<(), RecordError> {
        match self.text_at(&reading.field) {
            Some(text) if text.contains(&reading.quote) => Ok(()),
            found => Err(RecordError::Range {
                origin: self.origin.clone(),
                id: self.id.clone(),
                field: reading.field.clone(),
                reason: match found {
                    Some(_) => format!(
                        "chrlab's reading quotes {:?}, which the record no longer says: the reading is stale",
                        reading.quote
                    ),
                    None => {
                        "chrlab's reading names this field, which the record does not have".into()
                    }
                },
            }),
        }
    }

    /// One line for tables: the CNA's title, else the first sentence of the description.
    fn summary(&self) -> String {
        if let Some(t) = &self.title {
            return t.clone();
        }
        let text = self.description.as_deref().unwrap_or("").trim();
        let first = match text.find(". ") {
            Some(end) => &text[..end],
            None => text.trim_end_matches('.'),
        };
        let first = first.replace(['\n', '\r'], " ");
        if first.chars().count() > 120 {
            let cut: String = first.chars().take(119).collect();
            format!("{cut}…")
        } else {
            first
        }
    }
}

fn is_cve_record(raw: &Value) -> bool {
    raw.get("dataType").and_then(Value::as_str) == Some("CVE_RECORD")
}

/// Whether an `affected[]` entry names MikroTik RouterOS (see the module documentation).
fn is_routeros(vendor: Option<&str>, product: Option<&str>) -> bool {
    let norm = |s: &str| s.to_ascii_lowercase().replace([' ', '-', '_'], "");
    let product_ok = product
        .map(norm)
        .is_some_and(|p| p == "routeros" || p == "mikrotikrouteros");
    let vendor_ok = vendor
        .map(norm)
        .is_none_or(|v| matches!(v.as_str(), "mikrotik" | "microtik" | "n/a" | ""));
    product_ok && vendor_ok
}

/// A field suffix (`.lessThan`) and the reason, for [`RecordError::Range`].
type EntryError = (String, String);

/// Adds one `versions[]` entry's ranges to `affected` / `unaffected`.
fn read_entry(
    entry: &VersionEntry,
    affected: &mut Vec<Range>,
    unaffected: &mut Vec<Range>,
) -> Result<(), EntryError> {
    if let Some(t) = entry.version_type.as_deref()
        && !matches!(t, "custom" | "semver")
    {
        return Err((
            ".versionType".into(),
            format!("version type {t:?} is not one chrlab reads (custom, semver)"),
        ));
    }
    let status = |field: &str, s: &str| match s {
        "affected" => Ok(Status::Affected),
        "unaffected" => Ok(Status::Unaffected),
        "unknown" => Ok(Status::Unknown),
        other => Err((
            field.to_string(),
            format!("status {other:?} is not affected, unaffected or unknown"),
        )),
    };
    let first = status(".status", &entry.status)?;
    let upper = match (&entry.less_than, &entry.less_than_or_equal) {
        (Some(_), Some(_)) => {
            return Err((
                ".lessThan".into(),
                "both lessThan and lessThanOrEqual are given".into(),
            ));
        }
        (Some(t), None) => Some(read_upper(t, Upper::Before).map_err(|r| (".lessThan".into(), r))?),
        (None, Some(t)) => {
            Some(read_upper(t, Upper::Through).map_err(|r| (".lessThanOrEqual".into(), r))?)
        }
        (None, None) => None,
    };
    let from = read_version(&entry.version).map_err(|r| (".version".into(), r))?;
    let Some(to) = upper else {
        // A single version.
        let Some(v) = from else {
            return Err((
                ".version".into(),
                "\"0\" without lessThan or lessThanOrEqual names no version".into(),
            ));
        };
        if !entry.changes.is_empty() {
            return Err((".changes".into(), "changes need a range (lessThan)".into()));
        }
        push(first, Range::exactly(v), affected, unaffected);
        return Ok(());
    };
    // Split [from, to] at each change.
    let mut changes = Vec::new();
    for (k, c) in entry.changes.iter().enumerate() {
        let at = read_version(&c.at)
            .map_err(|r| (format!(".changes[{k}].at"), r))?
            .ok_or_else(|| {
                (
                    format!(".changes[{k}].at"),
                    "\"0\" is no place to change".into(),
                )
            })?;
        changes.push((at, status(&format!(".changes[{k}].status"), &c.status)?));
    }
    changes.sort_by_key(|(at, _)| *at);
    let mut start = from;
    let mut current = first;
    for (at, next) in changes {
        push(
            current,
            Range {
                from: start,
                to: Upper::Before(at),
            },
            affected,
            unaffected,
        );
        start = Some(at);
        current = next;
    }
    let range = Range { from: start, to };
    if range.is_empty() && start == from {
        return Err((".version".into(), format!("the range {range} is empty")));
    }
    push(current, range, affected, unaffected);
    Ok(())
}

#[derive(Debug, Clone, Copy)]
enum Status {
    Affected,
    Unaffected,
    Unknown,
}

fn push(status: Status, range: Range, affected: &mut Vec<Range>, unaffected: &mut Vec<Range>) {
    if range.is_empty() {
        return;
    }
    match status {
        Status::Affected => affected.push(range),
        Status::Unaffected => unaffected.push(range),
        Status::Unknown => {}
    }
}

fn read_upper(text: &str, bound: fn(Version) -> Upper) -> Result<Upper, String> {
    if text.trim() == "*" {
        return Ok(Upper::Unbounded);
    }
    match read_version(text)? {
        Some(v) => Ok(bound(v)),
        None => Err("\"0\" cannot end a range".into()),
    }
}

/// A version value: `"0"` (the start of time) or a RouterOS version, optionally `v`-prefixed and
/// followed by a channel name or an ISO date.
fn read_version(text: &str) -> Result<Option<Version>, String> {
    let t = text.trim();
    if t == "0" {
        return Ok(None);
    }
    let mut words = t.split_whitespace();
    let first = words.next().unwrap_or("");
    let first = first
        .strip_prefix('v')
        .or_else(|| first.strip_prefix('V'))
        .unwrap_or(first);
    let version = Version::parse(first)
        .map_err(|e| format!("{text:?} is not a RouterOS version ({})", e.reason))?;
    for w in words {
        let lower = w.to_ascii_lowercase();
        let channel = matches!(
            lower.as_str(),
            "stable" | "long-term" | "longterm" | "testing" | "development"
        );
        if !channel && !is_iso_date(w) {
            return Err(format!(
                "{text:?} is not a RouterOS version (unexpected {w:?} after {first:?})"
            ));
        }
    }
    Ok(Some(version))
}

fn is_iso_date(w: &str) -> bool {
    let b = w.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn record(affected: &str) -> String {
        format!(
            r#"{{"dataType":"CVE_RECORD","dataVersion":"5.1","cveMetadata":{{"cveId":"CVE-2099-0001","state":"PUBLISHED","dateUpdated":"2099-01-02T03:04:05.000Z"}},"containers":{{"cna":{{"descriptions":[{{"lang":"en","value":"A flaw. More text."}}],"affected":{affected}}}}}}}"#
        )
    }

    fn interpret(affected: &str) -> Result<Cve, RecordError> {
        Record::parse(&record(affected), "t.json")?.interpret(&Readings::default())
    }

    #[test]
    fn the_format_s_range_forms_read_as_ranges() {
        let c = interpret(
            r#"[{"vendor":"MikroTik","product":"RouterOS","defaultStatus":"unaffected","versions":[
                {"version":"0","lessThan":"7.24","status":"affected","versionType":"custom"},
                {"version":"7.24","status":"unaffected"},
                {"version":"v6.43","lessThanOrEqual":"6.48.6","status":"affected","versionType":"semver"},
                {"version":"7.14.2","status":"affected"},
                {"version":"7.30","lessThan":"*","status":"affected",
                 "changes":[{"at":"7.31","status":"unaffected"},{"at":"7.32","status":"affected"}]}]}]"#,
        )
        .unwrap();
        let shown: Vec<String> = c.affected.iter().map(|r| r.to_string()).collect();
        assert_eq!(
            shown,
            [
                "< 7.24",
                ">= 6.43, <= 6.48.6",
                "= 7.14.2",
                ">= 7.30, < 7.31",
                ">= 7.32"
            ]
        );
        assert!(c.affects(&v("7.23.7")) && !c.affects(&v("7.24")));
        assert!(c.affects(&v("7.30.5")) && !c.affects(&v("7.31.1")) && c.affects(&v("8.0")));
        assert_eq!(
            c.fixed_in.as_deref(),
            Some("7.24, a release after 6.48.6, a release after 7.14.2, 7.31")
        );
        assert_eq!(c.summary, "A flaw");
        assert_eq!(c.basis, Basis::Record);
    }

    #[test]
    fn annotations_after_a_version_are_read_past() {
        let c = interpret(
            r#"[{"vendor":"MicroTik","product":"RouterOS","versions":[
                {"version":"0","lessThan":"7.6 2022-10-31","status":"affected","versionType":"custom"},
                {"version":"6.49.7 Stable","status":"affected"}]}]"#,
        )
        .unwrap();
        assert!(c.affects(&v("7.5")) && !c.affects(&v("7.6")));
        assert_eq!(c.ranges_text(), "< 7.6; = 6.49.7");
    }

    #[test]
    fn an_unaffected_entry_wins_over_an_affected_range() {
        let c = interpret(
            r#"[{"vendor":"mikrotik","product":"routeros","versions":[
                {"version":"0","lessThan":"7.24","status":"affected"},
                {"version":"6.49.8","status":"unaffected"}]}]"#,
        )
        .unwrap();
        assert!(c.affects(&v("6.49.7")) && !c.affects(&v("6.49.8")));
        assert!(c.affects(&v("6.49.9")));
    }

    #[test]
    fn unreadable_ranges_name_the_record_and_field() {
        for (affected, field, says) in [
            (
                r#"[{"product":"MikroTik RouterOS","vendor":"n/a","versions":[{"status":"affected","version":"RouterOS 6.45.6 Stable and below."}]}]"#,
                "containers.cna.affected[0].versions[0].version",
                "not a RouterOS version",
            ),
            (
                r#"[{"product":"WinBox","vendor":"MikroTik","versions":[]},{"product":"RouterOS","vendor":"MikroTik","versions":[{"status":"affected","version":"0","lessThan":"seven"}]}]"#,
                "containers.cna.affected[1].versions[0].lessThan",
                "\"seven\" is not a RouterOS version",
            ),
            (
                r#"[{"product":"RouterOS","versions":[{"status":"broken","version":"7.1"}]}]"#,
                "containers.cna.affected[0].versions[0].status",
                "not affected, unaffected or unknown",
            ),
            (
                r#"[{"product":"RouterOS","versions":[{"status":"affected","version":"0","lessThan":"7.1","versionType":"git"}]}]"#,
                "containers.cna.affected[0].versions[0].versionType",
                "\"git\"",
            ),
            (
                r#"[{"product":"RouterOS","defaultStatus":"affected","versions":[]}]"#,
                "containers.cna.affected[0].defaultStatus",
                "cannot be read",
            ),
            (
                r#"[{"product":"RouterOS","versions":[{"status":"unknown","version":"7.2"}]}]"#,
                "containers.cna.affected[0].versions",
                "names no affected RouterOS version",
            ),
            (
                r#"[{"product":"RouterOS","versions":[{"status":"affected","version":"7.2","lessThan":"7.1"}]}]"#,
                "containers.cna.affected[0].versions[0].version",
                "is empty",
            ),
        ] {
            let e = interpret(affected).unwrap_err();
            let text = e.to_string();
            assert!(text.starts_with("t.json: CVE-2099-0001: field"), "{text}");
            assert!(text.contains(&format!("`{field}`")), "{text}");
            assert!(text.contains(says), "{text}");
        }
        let e = interpret(r#"[{"product":"n/a","vendor":"n/a","versions":[]}]"#).unwrap_err();
        assert!(matches!(e, RecordError::NotRouterOs { .. }), "{e}");
    }

    #[test]
    fn shape_errors_name_the_field() {
        let e = Record::parse(
            r#"{"dataType":"CVE_RECORD","dataVersion":"5.1","cveMetadata":{"cveId":"X"},"containers":{"cna":{"affected":[{"product":"RouterOS","versions":[{"version":7}]}]}}}"#,
            "bad.json",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "bad.json: field `containers.cna.affected[0].versions[0].version`"
        );
        let e = Record::parse(r#"{"dataType":"CVE","dataVersion":"4.0"}"#, "old.json").unwrap_err();
        assert!(e.to_string().contains("field `dataType`"), "{e}");
        let e = Record::parse(
            r#"{"dataType":"CVE_RECORD","dataVersion":"4.0","cveMetadata":{"cveId":"X"}}"#,
            "old.json",
        )
        .unwrap_err();
        assert!(e.to_string().contains("field `dataVersion`"), "{e}");
        assert!(matches!(
            Record::parse("{", "broken.json"),
            Err(RecordError::Json { .. })
        ));
    }

    #[test]
    fn vendor_and_product_select_routeros() {
        assert!(is_routeros(Some("MikroTik"), Some("RouterOS")));
        assert!(is_routeros(Some("n/a"), Some("MikroTik RouterOS")));
        assert!(is_routeros(Some("MicroTik"), Some("RouterOS")));
        assert!(is_routeros(None, Some("routeros")));
        assert!(!is_routeros(Some("MikroTik"), Some("WinBox")));
        assert!(!is_routeros(Some("n/a"), Some("n/a")));
        assert!(!is_routeros(Some("Other Corp"), Some("RouterOS")));
    }
}
