//! The RouterOS capture corpus the tests compare against.
//!
//! The repository carries the captures it may redistribute in `corpus/` (see `corpus/SOURCES.md`);
//! `corpus/MANIFEST.txt` names every file of the full corpus and says which of them are here.
//! `$CHRLAB_CORPUS` points the tests at another copy, e.g. the full corpus with the captures whose
//! licences keep them out of the repository; then every test that needs one of those runs too.

use std::path::{Path, PathBuf};

/// The environment variable that overrides where the corpus is.
pub const CORPUS_ENV: &str = "CHRLAB_CORPUS";

/// The four folders of captures (the rest of a corpus is documentation).
pub const FOLDERS: [&str; 4] = ["cli", "rest", "api", "transcripts"];

/// The corpus the tests read: `$CHRLAB_CORPUS` if set, else the repository's `corpus/`.
pub fn root() -> PathBuf {
    override_root().unwrap_or_else(repository)
}

/// The corpus committed with the repository: `<workspace>/corpus`.
pub fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("testsupport/ sits in the workspace")
        .join("corpus")
}

/// `$CHRLAB_CORPUS`, when set and not empty.
pub fn override_root() -> Option<PathBuf> {
    std::env::var_os(CORPUS_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The path of a corpus file (`rel` is `/`-separated from the corpus root, e.g. `cli/x.raw`).
pub fn path(rel: &str) -> PathBuf {
    root().join(rel)
}

/// The bytes of a corpus file; panics naming the path.
pub fn bytes(rel: &str) -> Vec<u8> {
    let path = path(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text of a corpus file; panics naming the path.
pub fn text(rel: &str) -> String {
    String::from_utf8(bytes(rel)).unwrap_or_else(|e| panic!("{rel}: not UTF-8: {e}"))
}

/// One line of `corpus/MANIFEST.txt`: a file of the full corpus and whether the repository has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// `/`-separated path from the corpus root.
    pub path: String,
    /// In the repository's `corpus/`; false when its licence (or lack of one) keeps it out.
    pub included: bool,
}

/// Every file of the full corpus, from the committed manifest (`in <path>` / `out <path>` lines;
/// `#` starts a comment).
pub fn manifest() -> Vec<Entry> {
    let file = repository().join("MANIFEST.txt");
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(n, l)| {
            let (mark, path) = l.split_once(' ').unwrap_or((l, ""));
            let included = match mark {
                "in" => true,
                "out" => false,
                _ => panic!(
                    "{}:{}: a line is `in <path>` or `out <path>`, not {l:?}",
                    file.display(),
                    n + 1
                ),
            };
            Entry {
                path: path.trim().to_string(),
                included,
            }
        })
        .collect()
}

/// True when the capture `rel` can be read. A capture the repository leaves out (an `out` line of
/// the manifest) is missing from a fresh clone: then the test prints `skipped: <test>: needs the
/// full corpus (…)`, records it in the skip ledger and returns false, so the caller returns.
///
/// Panics when `rel` is not in the manifest at all (a typo must fail), and when `$CHRLAB_CORPUS`
/// names a corpus that lacks it (whoever points at a corpus expects its tests to run).
pub fn require(rel: &str) -> bool {
    if path(rel).is_file() {
        return true;
    }
    let entry = manifest().into_iter().find(|e| e.path == rel);
    match (entry, override_root()) {
        (None, _) => panic!("{rel}: not a file of the corpus (corpus/MANIFEST.txt)"),
        (Some(_), Some(root)) => panic!("{rel}: missing from {CORPUS_ENV}={}", root.display()),
        (Some(e), None) if e.included => {
            panic!("{rel}: listed as in the repository but missing from corpus/")
        }
        (Some(_), None) => {
            crate::skip::record(&format!(
                "needs the full corpus ({rel} is not in the repository, see corpus/SOURCES.md; \
                 set {CORPUS_ENV})"
            ));
            false
        }
    }
}
