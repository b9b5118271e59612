//! The bundled data: every record parses and yields the ranges expected of it, one line per
//! record; the manifest names exactly the bundled files; every reading is used.

use super::table::{bundled_readings, bundled_record_texts};
use super::*;

/// (record, where the ranges come from, the ranges as `cve list` shows them, fixed-in).
#[rustfmt::skip]
const EXPECTED: &[(&str, Basis, &str, &str)] = &[
    (
        "CVE-2018-1156",
        Basis::Reading,
        "< 6.40.9; >= 6.41beta1, < 6.42.7",
        "6.40.9, 6.42.7",
    ),
    (
        "CVE-2018-1157",
        Basis::Reading,
        "< 6.40.9; >= 6.41beta1, < 6.42.7",
        "6.40.9, 6.42.7",
    ),
    (
        "CVE-2018-1158",
        Basis::Reading,
        "< 6.40.9; >= 6.41beta1, < 6.42.7",
        "6.40.9, 6.42.7",
    ),
    (
        "CVE-2018-1159",
        Basis::Reading,
        "< 6.40.9; >= 6.41beta1, < 6.42.7",
        "6.40.9, 6.42.7",
    ),
    ("CVE-2018-14847", Basis::Reading, "<= 6.42", "a release after 6.42"),
    (
        "CVE-2019-3976",
        Basis::Reading,
        "<= 6.44.5; >= 6.45beta1, <= 6.45.6",
        "a release after 6.44.5, a release after 6.45.6",
    ),
    (
        "CVE-2019-3977",
        Basis::Reading,
        "<= 6.44.5; >= 6.45beta1, <= 6.45.6",
        "a release after 6.44.5, a release after 6.45.6",
    ),
    (
        "CVE-2019-3978",
        Basis::Reading,
        "<= 6.44.5; >= 6.45beta1, <= 6.45.6",
        "a release after 6.44.5, a release after 6.45.6",
    ),
    (
        "CVE-2019-3979",
        Basis::Reading,
        "<= 6.44.5; >= 6.45beta1, <= 6.45.6",
        "a release after 6.44.5, a release after 6.45.6",
    ),
    ("CVE-2022-45315", Basis::Record, "< 7.6", "7.6"),
    (
        "CVE-2023-30799",
        Basis::Record,
        "< 6.49.7; <= 6.48.6",
        "6.49.7, a release after 6.48.6",
    ),
    ("CVE-2023-32154", Basis::Record, "= 6.49.7", "a release after 6.49.7"),
    (
        "CVE-2023-41570",
        Basis::Reading,
        ">= 7.1, <= 7.11",
        "a release after 7.11",
    ),
    (
        "CVE-2023-47310",
        Basis::Reading,
        ">= 7.0beta1, < 7.14",
        "7.14",
    ),
    (
        "CVE-2024-54772",
        Basis::Reading,
        ">= 6.43, <= 7.16.1",
        "a release after 7.16.1",
    ),
    ("CVE-2025-61481", Basis::Reading, "= 7.14.2", "a release after 7.14.2"),
    ("CVE-2026-84411", Basis::Record, "< 7.24", "7.24"),
];

#[test]
fn every_bundled_record_parses_and_yields_its_ranges() {
    for (name, text) in bundled_record_texts() {
        let record = Record::parse(text, name).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(format!("{}.json", record.id), *name);
        let cve = record
            .interpret(bundled_readings())
            .unwrap_or_else(|e| panic!("{e}"));
        let (_, basis, ranges, fixed) = EXPECTED
            .iter()
            .find(|(id, ..)| *id == record.id)
            .unwrap_or_else(|| panic!("{}: no expected ranges", record.id));
        assert_eq!(cve.basis, *basis, "{}", record.id);
        assert_eq!(cve.ranges_text(), *ranges, "{}", record.id);
        assert_eq!(cve.fixed_in.as_deref(), Some(*fixed), "{}", record.id);
        assert!(!cve.summary.is_empty(), "{}", record.id);
    }
    assert_eq!(bundled_record_texts().len(), EXPECTED.len());
    assert_eq!(builtin().len(), EXPECTED.len());
}

#[test]
fn the_manifest_names_exactly_the_bundled_records() {
    let manifest: toml::Table =
        toml::from_str(include_str!("../../data/cve/manifest.toml")).unwrap();
    assert_eq!(manifest["source"].as_str(), Some("CVEProject/cvelistV5"));
    let mut listed: Vec<String> = manifest["record"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let id = r["id"].as_str().unwrap().to_string();
            let path = r["path"].as_str().unwrap();
            assert!(path.ends_with(&format!("/{id}.json")), "{path}");
            assert_eq!(r["commit"].as_str().unwrap().len(), 40, "{id}");
            id
        })
        .collect();
    listed.sort();
    let mut files: Vec<String> = bundled_record_texts()
        .iter()
        .map(|(n, _)| n.trim_end_matches(".json").to_string())
        .collect();
    files.sort();
    assert_eq!(listed, files);
}

#[test]
fn every_reading_reads_a_bundled_record() {
    for reading in &bundled_readings().reading {
        let cve = builtin()
            .iter()
            .find(|c| c.id == reading.id)
            .unwrap_or_else(|| panic!("{}: reading of no bundled record", reading.id));
        assert_eq!(
            cve.basis,
            Basis::Reading,
            "{}: the record's own ranges win",
            reading.id
        );
        assert!(
            cve.note.as_deref().unwrap_or("").contains(&reading.field),
            "{}",
            reading.id
        );
    }
}

#[test]
fn a_stale_reading_is_refused() {
    let (_, text) = bundled_record_texts()
        .iter()
        .find(|(n, _)| *n == "CVE-2018-14847.json")
        .unwrap();
    let edited = text.replace("through 6.42 allows", "through 6.49 allows");
    let e = Record::parse(&edited, "edited.json")
        .unwrap()
        .interpret(bundled_readings())
        .unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("CVE-2018-14847"), "{msg}");
    assert!(
        msg.contains("containers.cna.descriptions[0].value"),
        "{msg}"
    );
    assert!(msg.contains("stale"), "{msg}");
}
