//! Known vulnerable RouterOS version ranges (FACTS §10) for the update-state check.
//!
//! Ranges are `[from, to)`: `from` inclusive, `to` exclusive, ordered by [`Version`]'s release order
//! (`7.24beta1 < 7.24rc1 < 7.24 < 7.24.1`). Where FACTS gives only an upper bound, `from` is `6.0`
//! (CHR exists since 6.34, so nothing older can be under test). Entries whose range FACTS marks
//! UNVERIFIED have no ranges and never match; they are listed so a report can mention them.

use std::sync::LazyLock;

use routeros::version::Version;
use serde::Serialize;

/// One advisory and the versions it affects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cve {
    /// `CVE-YYYY-NNNNN` (or a local id for profile-supplied ranges).
    pub id: String,
    /// One line: what the flaw is.
    pub summary: String,
    /// Affected versions, each `[from, to)`.
    #[serde(serialize_with = "ser_ranges")]
    pub affected: Vec<(Version, Version)>,
    /// First fixed versions as FACTS states them, if known.
    pub fixed_in: Option<String>,
    /// Caveats about how the range was derived.
    pub note: Option<String>,
}

impl Cve {
    /// Whether `version` lies in one of the affected ranges.
    pub fn affects(&self, version: &Version) -> bool {
        self.affected
            .iter()
            .any(|(from, to)| from <= version && version < to)
    }
}

fn ser_ranges<S: serde::Serializer>(
    ranges: &[(Version, Version)],
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(ranges.len()))?;
    for (from, to) in ranges {
        seq.serialize_element(&[from.to_string(), to.to_string()])?;
    }
    seq.end()
}

/// (id, summary, ranges, fixed-in, note); versions parsed once in [`builtin`].
type Row = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    Option<&'static str>,
    Option<&'static str>,
);

const TABLE: &[Row] = &[
    (
        "CVE-2018-14847",
        "WinBox path traversal: unauthenticated read of any file, including the user database (CISA KEV)",
        &[
            ("6.0", "6.40.8"),
            ("6.41", "6.42.1"),
            ("6.43beta1", "6.43rc4"),
        ],
        Some("6.42.1, 6.40.8 (bugfix), 6.43rc4"),
        Some("affected: up to 6.42, 6.40.7 bugfix, 6.43rc3"),
    ),
    (
        "CVE-2018-1156",
        "licupgr RCE, HTTP memory exhaustion and related flaws (CVE-2018-1156/1157/1158/1159)",
        &[("6.0", "6.40.9"), ("6.41", "6.42.7")],
        Some("6.42.7, 6.40.9"),
        None,
    ),
    (
        "CVE-2019-3976",
        "package path traversal; upgrade MITM and downgrade (CVE-2019-3976/3977)",
        &[("6.0", "6.44.6"), ("6.45", "6.45.7")],
        Some("6.45.7 (stable), 6.44.6 (long-term)"),
        None,
    ),
    (
        "CVE-2019-3978",
        "DNS cache poisoning (CVE-2019-3978/3979)",
        &[("6.0", "6.44.6"), ("6.45", "6.45.7")],
        Some("6.45.7 (stable), 6.44.6 (long-term)"),
        None,
    ),
    (
        "CVE-2019-3981",
        "WinBox MITM hash retrieval",
        &[("6.0", "6.45")],
        Some("6.45.x"),
        Some("fixed in an unnamed 6.45.x release: only versions before 6.45 are flagged"),
    ),
    (
        "CVE-2022-45315",
        "SNMP out-of-bounds read (authenticated RCE)",
        &[("6.0", "7.6")],
        Some("7.6"),
        Some("the advisory says \"before 7.6\", which includes every v6 release"),
    ),
    (
        "CVE-2023-30799",
        "admin to super-admin privilege escalation (\"FOISted\")",
        &[("6.0", "6.49.7")],
        Some("6.49.7 (stable), 6.49.8 (long-term)"),
        Some("affected: stable before 6.49.7, long-term up to 6.48.6"),
    ),
    (
        "CVE-2023-32154",
        "RADVD out-of-bounds write (adjacent RCE) with the IPv6 RA receiver enabled",
        &[],
        None,
        Some("affected and fixed versions UNVERIFIED: never matched"),
    ),
    (
        "CVE-2023-41570",
        "REST API ignores the user's address restriction",
        &[("7.1beta1", "7.12")],
        Some("7.12"),
        Some("affected: 7.1 to 7.11 (pre-releases of 7.1 included)"),
    ),
    (
        "CVE-2023-47310",
        "default configuration allows inbound IPv6 UDP traceroute",
        &[("7.0", "7.14")],
        Some("7.14"),
        None,
    ),
    (
        "CVE-2024-54772",
        "WinBox user-name enumeration by response timing",
        &[("6.43", "7.16.2")],
        None,
        Some("affected 6.43 to 7.16.1; fixed version UNVERIFIED, the range ends after 7.16.1"),
    ),
    (
        "CVE-2025-61481",
        "WebFig served over cleartext HTTP by default",
        &[("7.14.2", "7.14.3")],
        None,
        Some("reported against 7.14.2 only; a configuration issue as much as a version one"),
    ),
    (
        "CVE-2026-84411",
        "pre-authentication integer underflow in web management",
        &[("6.0", "7.24")],
        Some("7.24"),
        Some("the advisory says \"before 7.24\""),
    ),
];

static BUILTIN: LazyLock<Vec<Cve>> = LazyLock::new(|| {
    TABLE
        .iter()
        .map(|(id, summary, ranges, fixed, note)| Cve {
            id: (*id).to_string(),
            summary: (*summary).to_string(),
            affected: ranges
                .iter()
                .filter_map(
                    |(from, to)| match (Version::parse(from), Version::parse(to)) {
                        (Ok(f), Ok(t)) => Some((f, t)),
                        // Unreachable for the constant table (a unit test parses every entry).
                        _ => {
                            tracing::error!(
                                cve = id,
                                from,
                                to,
                                "unparsable range in the cve table"
                            );
                            None
                        }
                    },
                )
                .collect(),
            fixed_in: fixed.map(str::to_string),
            note: note.map(str::to_string),
        })
        .collect()
});

/// The built-in table (FACTS §10).
pub fn builtin() -> &'static [Cve] {
    &BUILTIN
}

/// Built-in advisories that affect `version`.
pub fn vulnerabilities(version: &Version) -> Vec<&'static Cve> {
    vulnerabilities_in(builtin(), version)
}

/// Advisories of `table` (e.g. built-in plus profile extras) that affect `version`.
pub fn vulnerabilities_in<'a>(table: &'a [Cve], version: &Version) -> Vec<&'a Cve> {
    table.iter().filter(|c| c.affects(version)).collect()
}

/// The lowest version outside every range of `table`'s upper bounds: the highest `to` of all ranges.
///
/// For the built-in table this is 7.24 (CVE-2026-84411), the default `update.min_version`.
pub fn safe_min_version(table: &[Cve]) -> Option<Version> {
    table
        .iter()
        .flat_map(|c| c.affected.iter().map(|(_, to)| *to))
        .max()
}

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
    fn every_range_parses_and_is_not_empty() {
        for (row, cve) in TABLE.iter().zip(builtin()) {
            assert_eq!(row.2.len(), cve.affected.len(), "{}", cve.id);
            for (from, to) in &cve.affected {
                assert!(from < to, "{}: {from} < {to}", cve.id);
            }
        }
        assert_eq!(builtin().len(), TABLE.len());
    }

    #[test]
    fn winbox_path_traversal_boundaries() {
        assert!(ids("6.42").contains(&"CVE-2018-14847".to_string()));
        assert!(!ids("6.42.1").contains(&"CVE-2018-14847".to_string()));
        assert!(ids("6.40.7").contains(&"CVE-2018-14847".to_string()));
        assert!(!ids("6.40.8").contains(&"CVE-2018-14847".to_string()));
        assert!(ids("6.43rc3").contains(&"CVE-2018-14847".to_string()));
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
        assert!(ids("7.11.2").contains(&"CVE-2023-41570".to_string()));
        assert!(!ids("7.12").contains(&"CVE-2023-41570".to_string()));
        assert!(ids("7.16.1").contains(&"CVE-2024-54772".to_string()));
        assert!(!ids("7.16.2").contains(&"CVE-2024-54772".to_string()));
        assert!(ids("6.49.6").contains(&"CVE-2023-30799".to_string()));
        assert!(!ids("6.49.7").contains(&"CVE-2023-30799".to_string()));
        assert!(ids("7.14.2").contains(&"CVE-2025-61481".to_string()));
        // Unverified ranges never match.
        assert!(!ids("6.30").contains(&"CVE-2023-32154".to_string()));
    }

    #[test]
    fn safe_minimum_is_7_24() {
        assert_eq!(safe_min_version(builtin()), Some(v("7.24")));
    }
}
