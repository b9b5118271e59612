//! The "Corpus coverage" section of `sim/FIDELITY.md` against the corpus and the tests it cites:
//! every file of the full corpus (as `corpus/MANIFEST.txt` names them) has a row, no row names a
//! file that is not in it, every cited `path::function` exists, every test cited by a "byte for
//! byte" row names the file, and the totals line counts the rows. The manifest itself is checked
//! against the files in `corpus/` and, when `$CHRLAB_CORPUS` names one, against that corpus too.
//!
//! It also holds the byte comparisons for a few captures that no other test names: the simulator,
//! set up in the capture's state, must print exactly the file's bytes.

mod frontend_support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use chrlab_sim::router::{Router, RouterConfig, Session, TerminalOpts, Via};
use routeros::version::Version;
use testsupport::corpus::{self, FOLDERS};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every file under the four capture folders of the corpus at `root`, as `/`-separated paths
/// relative to it.
fn files_under(root: &Path) -> BTreeSet<String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeSet<String>) {
        let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path();
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                let rel = path.strip_prefix(root).expect("walked under the root");
                let parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.insert(parts.join("/"));
            }
        }
    }
    let mut out = BTreeSet::new();
    for folder in FOLDERS {
        if root.join(folder).is_dir() {
            walk(&root.join(folder), root, &mut out);
        }
    }
    out
}

/// Every file of the full corpus, from the committed manifest.
fn corpus_files() -> Vec<String> {
    corpus::manifest().into_iter().map(|e| e.path).collect()
}

/// Lines `what: path` for the paths in one set and not the other.
fn differences(want: &BTreeSet<String>, got: &BTreeSet<String>, place: &str) -> Vec<String> {
    let mut out: Vec<String> = want
        .difference(got)
        .map(|f| format!("{f}: in corpus/MANIFEST.txt, missing from {place}"))
        .collect();
    out.extend(
        got.difference(want)
            .map(|f| format!("{f}: in {place}, not in corpus/MANIFEST.txt")),
    );
    out
}

#[test]
fn manifest_names_exactly_the_files_of_the_corpus() {
    let manifest = corpus::manifest();
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for e in &manifest {
        if !seen.insert(e.path.clone()) {
            problems.push(format!("{}: listed twice in corpus/MANIFEST.txt", e.path));
        }
        if !FOLDERS.iter().any(|f| e.path.starts_with(&format!("{f}/"))) {
            problems.push(format!("{}: not under {}", e.path, FOLDERS.join(", ")));
        }
    }
    assert!(
        manifest.iter().filter(|e| e.included).count() > 0 && manifest.iter().any(|e| !e.included),
        "the manifest marks files both `in` and `out`"
    );
    // The repository's corpus/ holds exactly the `in` files.
    let included: BTreeSet<String> = manifest
        .iter()
        .filter(|e| e.included)
        .map(|e| e.path.clone())
        .collect();
    let repo = corpus::repository();
    problems.extend(differences(&included, &files_under(&repo), "corpus/"));
    // A corpus named by $CHRLAB_CORPUS (the full one) holds every file of the manifest.
    if let Some(full) = corpus::override_root() {
        let all: BTreeSet<String> = manifest.iter().map(|e| e.path.clone()).collect();
        let place = format!("{}={}", corpus::CORPUS_ENV, full.display());
        problems.extend(differences(&all, &files_under(&full), &place));
        for e in manifest.iter().filter(|e| e.included) {
            let (ours, theirs) = (fs::read(repo.join(&e.path)), fs::read(full.join(&e.path)));
            if let (Ok(ours), Ok(theirs)) = (ours, theirs)
                && ours != theirs
            {
                problems.push(format!("{}: corpus/ differs from {place}", e.path));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Status {
    Simulator,
    /// A parser expectation (`cli/*.yml`) that ntc-templates' own template reads out of the
    /// simulator's output of the sibling capture, compared by the test that prints it.
    Parsed,
    Printer,
    Partial,
    NotYet,
}

impl Status {
    fn of(cell: &str) -> Option<Status> {
        if cell.starts_with("simulator, byte for byte") {
            Some(Status::Simulator)
        } else if cell.starts_with("simulator, parsed as captured") {
            Some(Status::Parsed)
        } else if cell.starts_with("printer, byte for byte") {
            Some(Status::Printer)
        } else if cell.starts_with("partial: ") {
            Some(Status::Partial)
        } else if cell.starts_with("not yet: ") {
            Some(Status::NotYet)
        } else {
            None
        }
    }

    fn byte_for_byte(self) -> bool {
        matches!(self, Status::Simulator | Status::Printer | Status::Parsed)
    }
}

/// One table row: its line in FIDELITY.md, the corpus file, the status and the cited tests.
struct Row {
    line: usize,
    text: String,
    file: String,
    status: Status,
    tests: Vec<(String, String)>,
}

/// The text between backticks, in order.
fn backticked(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The "## Corpus coverage" section of FIDELITY.md: its text and the line number of its heading.
fn coverage_section() -> (String, usize) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("FIDELITY.md");
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim_end() == "## Corpus coverage")
        .unwrap_or_else(|| panic!("{}: no `## Corpus coverage` section", path.display()));
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.starts_with("## "))
        .map_or(lines.len(), |n| start + 1 + n);
    (lines[start..end].join("\n"), start + 1)
}

fn rows() -> Vec<Row> {
    let (section, first_line) = coverage_section();
    let mut rows = Vec::new();
    for (n, line) in section.lines().enumerate() {
        let line_no = first_line + n;
        let t = line.trim();
        if !t.starts_with('|') || t.starts_with("|---") || t.starts_with("| file |") {
            continue;
        }
        let cells: Vec<&str> = t
            .trim_start_matches('|')
            .trim_end_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        assert_eq!(
            cells.len(),
            3,
            "FIDELITY.md line {line_no}: a row needs 3 cells (file | status | test): {t}"
        );
        let file = backticked(cells[0]).into_iter().next().unwrap_or_else(|| {
            panic!("FIDELITY.md line {line_no}: no `file` in the first cell: {t}")
        });
        let status = Status::of(cells[1]).unwrap_or_else(|| {
            panic!(
                "FIDELITY.md line {line_no} ({file}): status must start with `simulator, byte for byte`, \
                 `simulator, parsed as captured`, `printer, byte for byte`, `partial: ` or `not yet: `, not {:?}",
                cells[1]
            )
        });
        let tests = backticked(cells[2])
            .into_iter()
            .map(|cite| match cite.split_once("::") {
                Some((path, func)) if !path.is_empty() && !func.is_empty() => {
                    (path.to_string(), func.to_string())
                }
                _ => panic!(
                    "FIDELITY.md line {line_no} ({file}): cite tests as `path::function`, not {cite:?}"
                ),
            })
            .collect();
        rows.push(Row {
            line: line_no,
            text: t.to_string(),
            file,
            status,
            tests,
        });
    }
    assert!(
        !rows.is_empty(),
        "FIDELITY.md: the Corpus coverage section has no table rows"
    );
    rows
}

#[test]
fn every_corpus_file_has_exactly_one_row() {
    let rows = rows();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut problems = Vec::new();
    for row in &rows {
        if let Some(first) = seen.insert(&row.file, row.line) {
            problems.push(format!(
                "{}: rows at FIDELITY.md lines {first} and {}",
                row.file, row.line
            ));
        }
    }
    for file in corpus_files() {
        if !seen.contains_key(file.as_str()) {
            problems.push(format!(
                "{file}: corpus file without a row in FIDELITY.md's Corpus coverage"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_row_names_a_file_of_the_corpus() {
    let files: BTreeSet<String> = corpus_files().into_iter().collect();
    let problems: Vec<String> = rows()
        .iter()
        .filter(|row| !files.contains(&row.file))
        .map(|row| {
            format!(
                "FIDELITY.md line {}: {} is not a file of the corpus (corpus/MANIFEST.txt)\n  row: {}",
                row.line, row.file, row.text
            )
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn cited_tests_exist_and_byte_for_byte_tests_name_their_file() {
    let root = workspace_root();
    let mut problems = Vec::new();
    for row in rows() {
        let at = format!("FIDELITY.md line {} ({})", row.line, row.file);
        if row.status.byte_for_byte() && row.tests.is_empty() {
            problems.push(format!("{at}: a byte-for-byte row must cite a test"));
        }
        let file_name = row.file.rsplit('/').next().unwrap_or(&row.file);
        // A parsed expectation is produced from its capture's print: the test names the capture.
        let raw_name = file_name.replace(".yml", ".raw");
        let name = if row.status == Status::Parsed {
            raw_name.as_str()
        } else {
            file_name
        };
        if row.status == Status::Parsed && !row.file.ends_with(".yml") {
            problems.push(format!(
                "{at}: only a `.yml` parser expectation is `parsed as captured`"
            ));
        }
        for (path, func) in &row.tests {
            let Ok(text) = fs::read_to_string(root.join(path)) else {
                problems.push(format!("{at}: cited test file {path} does not exist"));
                continue;
            };
            let defines =
                text.contains(&format!("fn {func}(")) || text.contains(&format!("fn {func}<"));
            if !defines {
                problems.push(format!("{at}: {path} has no function {func}"));
            }
            if row.status.byte_for_byte() && !text.contains(name) {
                problems.push(format!(
                    "{at}: marked byte for byte, but {path} (cited as {path}::{func}) never names {name}"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn totals_line_counts_the_rows() {
    let (section, _) = coverage_section();
    let rows = rows();
    let count = |s: Status| rows.iter().filter(|r| r.status == s).count();
    let want = format!(
        "Totals: simulator, byte for byte {}; simulator, parsed as captured {}; printer, byte for byte {}; partial {}; not yet {} ({} files).",
        count(Status::Simulator),
        count(Status::Parsed),
        count(Status::Printer),
        count(Status::Partial),
        count(Status::NotYet),
        rows.len()
    );
    let flat = section.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(&want),
        "FIDELITY.md's Corpus coverage totals do not match its rows; expected the text {want:?}"
    );
}

// ------------------------------------------------- captures no other test names

fn router(version: &str, identity: &str) -> Router {
    let v = Version::parse(version).expect("version parses");
    let mut cfg = RouterConfig::for_version(v);
    cfg.identity = identity.to_string();
    Router::new(cfg).expect("router starts")
}

fn cli(r: &Router, line: &str) -> String {
    let s = r
        .login("admin", "", Via::Ssh, "192.0.2.10".parse().ok())
        .expect("login");
    let mut t = r.terminal(
        &s,
        TerminalOpts {
            interactive: false,
            colors: false,
            width: 80,
        },
    );
    t.execute(line)
}

#[test]
fn v6_without_ipv6_package_matches_the_ansible_capture() {
    // The ansible facts fixtures come from a 6.42.x router; this one had the ipv6 package disabled.
    let r = router("6.42.5", "MikroTik");
    assert_eq!(
        cli(&r, "/ipv6 address print detail without-paging"),
        corpus::text("cli/ansible/facts/ipv6_address_print_detail_without-paging_no-ipv6.raw")
    );
}

#[test]
fn identity_prints_match_the_captures() {
    let r = router("6.42.5", "MikroTik");
    assert_eq!(
        cli(&r, "/system identity print without-paging"),
        corpus::text("cli/ansible/facts/system_identity_print_without-paging.raw")
    );
    assert_eq!(
        cli(&r, "/system identity set name=Mikrotik-Device_Name"),
        ""
    );
    let printed = cli(&r, "/system identity print");
    assert_eq!(printed, corpus::text("cli/system_identity_print__1.raw"));
    testsupport::ntc::assert_parses_as_captured("cli/system_identity_print__1.raw", &printed);
}

fn rest_session(r: &Router) -> Session {
    r.login("admin", "", Via::RestApi, "192.0.2.10".parse().ok())
        .expect("rest login")
}

#[test]
fn repeated_delete_matches_the_manual_404() {
    if !corpus::require("rest/manual/delete_ip_address_id_9_again_404.json") {
        return;
    }
    let r = router("7.23.7", "CHR");
    let s = rest_session(&r);
    for n in 1..=9 {
        let body = format!(r#"{{"address":"192.0.2.{n}/32","interface":"ether1"}}"#);
        let reply = r.rest(&s, "PUT", "/ip/address", "", body.as_bytes());
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let reply = r.rest(&s, "DELETE", "/ip/address/*9", "", b"");
    assert_eq!(reply.status, 204, "{}", reply.body);
    let again = r.rest(&s, "DELETE", "/ip/address/*9", "", b"");
    assert_eq!(again.status, 404);
    assert_eq!(
        again.body.as_bytes(),
        corpus::bytes("rest/manual/delete_ip_address_id_9_again_404.json")
    );
}

#[tokio::test]
async fn wrong_rest_credentials_match_the_7_23_7_capture() {
    if !corpus::require("rest/lab-7.23.7/error_401_wrong_credentials.json") {
        return;
    }
    let sim = frontend_support::sim().await;
    let url = format!(
        "http://{}/rest/system/identity",
        frontend_support::addr(&sim, "www", sim.address())
    );
    let reply = reqwest::Client::new()
        .get(&url)
        .basic_auth("admin", Some("wrong"))
        .send()
        .await
        .expect("request");
    assert_eq!(reply.status(), 401);
    let body = reply.bytes().await.expect("body");
    assert_eq!(
        body.as_ref(),
        corpus::bytes("rest/lab-7.23.7/error_401_wrong_credentials.json")
    );
    sim.shutdown().await;
}
