//! `chrlab cve list` and `chrlab cve update --from` as a user runs them: the real binary, a
//! private data directory (`CHRLAB_DATA_DIR`) per test, fixture records, never the network.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cve")
}

/// A fresh, empty data directory for one test.
fn data_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cve-cli-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn chrlab(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chrlab"))
        .args(args)
        .env("CHRLAB_DATA_DIR", data)
        .env_remove("XDG_DATA_HOME")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn list_shows_the_bundled_table_and_its_date() {
    let data = data_dir("list");
    let out = chrlab(&data, &["cve", "list"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        stdout.starts_with("CVE data: 2026-10-02 (bundled, 17 records)\n"),
        "{stdout}"
    );
    let row = stdout
        .lines()
        .find(|l| l.starts_with("CVE-2026-84411"))
        .unwrap_or_else(|| panic!("{stdout}"));
    for cell in [
        "< 7.24",
        "7.24",
        "record",
        "MikroTik RouterOS Integer Underflow",
    ] {
        assert!(row.contains(cell), "{row}");
    }
    let row = stdout
        .lines()
        .find(|l| l.starts_with("CVE-2018-14847"))
        .unwrap();
    assert!(row.contains("<= 6.42") && row.contains("reading"), "{row}");
}

#[test]
fn update_from_a_tree_writes_the_table_that_list_then_shows() {
    let data = data_dir("tree");
    let from = fixtures().join("cvelist");
    let out = chrlab(&data, &["cve", "update", "--from", from.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let table = data.join("cve/table.json");
    assert!(
        stdout.starts_with(&format!(
            "wrote 3 RouterOS records (CVE data 2027-01-15) to {}, from 6 JSON files\n",
            table.display()
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("not taken: 2 records mention RouterOS but name no RouterOS product")
            && stdout.contains("CVE-2020-0001, CVE-2027-0003"),
        "{stdout}"
    );
    // Written whole: the table parses, and no temporary file is left beside it.
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&table).unwrap()).unwrap();
    assert_eq!(written["format"], "chrlab-cve-table/1");
    assert_eq!(written["records"].as_array().unwrap().len(), 3);
    let left: Vec<_> = std::fs::read_dir(data.join("cve"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["table.json"]);

    // The refreshed data is newer than the bundled data, so it is the table in use.
    let out = chrlab(&data, &["cve", "list"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let first = stdout.lines().next().unwrap();
    assert!(
        first.starts_with("CVE data: 2027-01-15 (refreshed from ")
            && first.ends_with(", 3 records)"),
        "{first}"
    );
    assert!(stdout.contains(&format!("table file: {}", table.display())));
    let ids: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("CVE-"))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(ids, ["CVE-2023-30799", "CVE-2026-84411", "CVE-2027-0001"]);
}

#[test]
fn update_from_one_file_holding_an_array() {
    let data = data_dir("array");
    let from = fixtures().join("array.json");
    let out = chrlab(&data, &["cve", "update", "--from", from.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("wrote 2 RouterOS records (CVE data 2027-01-15)"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_bad_record_names_file_and_field_exits_2_and_keeps_the_old_table() {
    let data = data_dir("bad");
    let good = fixtures().join("array.json");
    assert_eq!(
        chrlab(&data, &["cve", "update", "--from", good.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    let table = data.join("cve/table.json");
    let before = std::fs::read(&table).unwrap();
    let bad = fixtures().join("bad");
    let out = chrlab(&data, &["cve", "update", "--from", bad.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("bad/cves/2027/0xxx/CVE-2027-0002.json: CVE-2027-0002: field `containers.cna.affected[0].versions[0].lessThan`: \"seven\" is not a RouterOS version"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(&table).unwrap(),
        before,
        "the old table stays"
    );
}

#[test]
fn a_missing_directory_is_a_clear_error_with_exit_2() {
    let data = data_dir("missing");
    let from = fixtures().join("no-such-dir");
    let out = chrlab(&data, &["cve", "update", "--from", from.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with(&format!("error: cannot read {}: ", from.display())),
        "{stderr}"
    );
    assert!(!data.join("cve/table.json").exists());
    // A directory without any RouterOS record writes nothing either.
    let empty = data.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = chrlab(&data, &["cve", "update", "--from", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no MikroTik RouterOS record in"));
}

#[test]
fn skip_unreadable_leaves_bad_records_out_and_says_so() {
    let data = data_dir("skip");
    // A tree with one good and one bad RouterOS record.
    let tree = data.join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::copy(
        fixtures().join("bad/cves/2027/0xxx/CVE-2027-0002.json"),
        tree.join("CVE-2027-0002.json"),
    )
    .unwrap();
    std::fs::copy(
        fixtures().join("cvelist/cves/2027/0xxx/CVE-2027-0001.json"),
        tree.join("CVE-2027-0001.json"),
    )
    .unwrap();
    let from = tree.to_str().unwrap();
    let out = chrlab(&data, &["cve", "update", "--from", from]);
    assert_eq!(out.status.code(), Some(2), "refused without the flag");
    let out = chrlab(
        &data,
        &["cve", "update", "--from", from, "--skip-unreadable"],
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(stdout.starts_with("wrote 1 RouterOS records"), "{stdout}");
    assert!(
        stdout.contains("skipped 1 unreadable RouterOS records (--skip-unreadable):\n  ")
            && stdout
                .contains("CVE-2027-0002: field `containers.cna.affected[0].versions[0].lessThan`"),
        "{stdout}"
    );
    let listed = text(&chrlab(&data, &["cve", "list"]).stdout);
    assert!(
        listed
            .lines()
            .next()
            .unwrap()
            .ends_with(", 1 records, 1 unreadable skipped)"),
        "{listed}"
    );
}
