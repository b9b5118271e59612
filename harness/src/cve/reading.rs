//! chrlab's own readings of CVE records whose published ranges a program cannot use.
//!
//! Many RouterOS records name no product (`"vendor": "n/a", "product": "n/a"`) and state the
//! affected versions only in their description ("MikroTik RouterOS through 6.42 …"), or write the
//! range as prose ("RouterOS 6.45.6 Stable and below. …"). A [`Reading`] is chrlab's reading of
//! such a record: it names the record field it reads, quotes the words it reads, and states the
//! ranges in the record format's own `versions[]` terms. It applies only while the record still
//! says those words, and never where the record's own ranges can be read. The readings live in
//! `harness/data/cve/readings.toml`, apart from the published records.

use serde::Deserialize;

use super::record::VersionEntry;

/// The readings bundled with chrlab.
pub(crate) const BUNDLED: &str = include_str!("../../data/cve/readings.toml");

/// One reading of one record.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reading {
    /// The record's `cveMetadata.cveId`.
    pub id: String,
    /// The record field read (`containers.cna.descriptions[0].value`).
    pub field: String,
    /// The words of that field the ranges come from, verbatim.
    pub quote: String,
    /// The ranges, as CVE JSON 5 `versions[]` entries.
    pub versions: Vec<VersionEntry>,
    /// How the words were read, and what other sources say.
    pub note: String,
}

/// A set of readings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Readings {
    /// `[[reading]]` tables.
    #[serde(default)]
    pub reading: Vec<Reading>,
}

/// A readings file that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: invalid readings file")]
pub struct ReadingsError {
    /// The file.
    pub origin: String,
    /// The TOML parser's complaint, with line, column and key.
    #[source]
    pub source: toml::de::Error,
}

impl Readings {
    /// Parses a readings file (TOML).
    pub fn parse(text: &str, origin: &str) -> Result<Readings, ReadingsError> {
        toml::from_str(text).map_err(|source| ReadingsError {
            origin: origin.to_string(),
            source,
        })
    }

    /// The readings of record `id`.
    pub fn for_record<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Reading> + 'a {
        self.reading.iter().filter(move |r| r.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_readings_parse_and_quote_something() {
        let r = Readings::parse(BUNDLED, "readings.toml").unwrap();
        assert!(!r.reading.is_empty());
        for x in &r.reading {
            assert!(x.id.starts_with("CVE-"), "{}", x.id);
            assert!(
                !x.quote.trim().is_empty() && !x.versions.is_empty(),
                "{}",
                x.id
            );
        }
    }

    #[test]
    fn unknown_keys_are_refused() {
        let e = Readings::parse(
            "[[reading]]\nid = \"CVE-1\"\nfield = \"f\"\nquote = \"q\"\nnote = \"n\"\nversions = []\nextra = 1\n",
            "r.toml",
        )
        .unwrap_err();
        assert!(format!("{:?}", e.source).contains("extra"), "{e:?}");
    }
}
