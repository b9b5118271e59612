//! The nightly workflow and the nextest configuration are valid: the workflow passes a
//! workflow linter (check-jsonschema with SchemaStore's GitHub Actions schema, offline) and a
//! broken copy does not; `.config/nextest.toml` loads, its test groups hold the tests they are
//! meant to, and the `ci` profile lists.
//!
//! nextest builds every test binary to evaluate a filter, so the config is checked on a
//! stand-in workspace with the real package and test-binary names (one empty test each), built
//! in a target dir of its own: seconds, and never the real build's lock.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use testsupport::{Need, require};

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const WORKFLOW: &str = ".github/workflows/nightly.yml";

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn lint(path: &Path) -> Output {
    Command::new("check-jsonschema")
        .args(["--builtin-schema", "vendor.github-workflows"])
        .arg(path)
        .output()
        .expect("run check-jsonschema")
}

#[test]
fn the_nightly_workflow_passes_the_linter_and_a_broken_copy_does_not() {
    if !require(&[Need::CheckJsonschema]) {
        return;
    }
    let real = Path::new(REPO).join(WORKFLOW);
    let out = lint(&real);
    assert!(
        out.status.success(),
        "{WORKFLOW}:\n{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    // The linter can fail: a job without `runs-on`, and a matrix given as a number.
    let yaml = std::fs::read_to_string(&real).unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ci-config-lint");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, broken) in [
        ("no-runs-on", yaml.replacen("runs-on:", "runs_on:", 1)),
        (
            "bad-matrix",
            yaml.replacen("partition: [1, 2, 3]", "partition: 3", 1),
        ),
    ] {
        assert_ne!(broken, yaml, "{name}: nothing was broken");
        let path = dir.join(format!("{name}.yml"));
        std::fs::write(&path, broken).unwrap();
        let out = lint(&path);
        assert!(
            !out.status.success(),
            "{name} passed the linter:\n{}",
            text(&out.stdout)
        );
    }
    // What the workflow must do, by name.
    for needle in [
        "chrlab image resolve \"$channel\"",
        "for channel in stable long-term testing",
        "cargo nextest run --profile ci -p chrlab-suites",
        "--partition \"hash:${{ matrix.partition }}/${{ env.PARTITIONS }}\"",
        "CHRLAB_SUITE_LAB: qemu:${{ matrix.version }}",
        "actions/cache@v4",
        "key: chr-image-${{ matrix.version }}",
        "github/codeql-action/upload-sarif@v3",
        "actions/upload-artifact@v4",
        "target/nextest/ci/junit.xml",
        "--compare prev/matrix.json",
        "sudo -E env \"PATH=$PATH\"",
    ] {
        assert!(yaml.contains(needle), "{WORKFLOW} lacks {needle:?}");
    }
    // The partitions the matrix lists are the N of `hash:K/N`.
    assert!(yaml.contains("PARTITIONS: \"3\""), "{WORKFLOW}");
}

/// The test binaries of one package directory: `tests/*.rs`, as cargo finds them.
fn test_binaries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| {
            let p = e.ok()?.path();
            let stem = p.file_stem()?.to_string_lossy().into_owned();
            (p.extension()? == "rs").then_some(stem)
        })
        .collect();
    names.sort();
    names
}

/// A workspace with chrlab's packages and test-binary names, each one empty `#[test]`.
fn stand_in_workspace(root: &Path) -> PathBuf {
    let _ = std::fs::remove_dir_all(root);
    let members = [
        ("harness", "chrlab"),
        ("sim", "chrlab-sim"),
        ("suites", "chrlab-suites"),
    ];
    for (dir, package) in members {
        let src = root.join(dir).join("src");
        let tests = root.join(dir).join("tests");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::create_dir_all(&tests).unwrap();
        std::fs::write(
            root.join(dir).join("Cargo.toml"),
            format!("[package]\nname = \"{package}\"\nversion = \"0.0.0\"\nedition = \"2021\"\n"),
        )
        .unwrap();
        std::fs::write(src.join("lib.rs"), "").unwrap();
        for name in test_binaries(&Path::new(REPO).join(dir).join("tests")) {
            // Named after its binary: nextest's hash partition hashes the test's name.
            std::fs::write(
                tests.join(format!("{name}.rs")),
                format!("#[test]\nfn stand_in_{name}() {{}}\n"),
            )
            .unwrap();
        }
    }
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"harness\", \"sim\", \"suites\"]\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join(".config")).unwrap();
    std::fs::copy(
        Path::new(REPO).join(".config/nextest.toml"),
        root.join(".config/nextest.toml"),
    )
    .unwrap();
    root.to_path_buf()
}

fn nextest(root: &Path, args: &[&str]) -> String {
    let out = Command::new("cargo")
        .arg("nextest")
        .args(args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", root.join("target"))
        .env_remove("NEXTEST_PROFILE")
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .expect("run cargo nextest");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.success(),
        "cargo nextest {args:?}:\n{stdout}\n{stderr}"
    );
    assert!(
        !stderr.contains("warning: "),
        "cargo nextest {args:?} warned:\n{stderr}"
    );
    stdout
}

/// The lines of `show-config test-groups` under the group `group` (up to the next group).
fn group<'a>(out: &'a str, group: &str) -> Vec<&'a str> {
    let mut lines = out
        .lines()
        .skip_while(|l| !l.trim_start().starts_with(&format!("group: {group}")));
    let Some(_) = lines.next() else {
        return Vec::new();
    };
    lines
        .take_while(|l| !l.trim_start().starts_with("group: "))
        .collect()
}

#[test]
fn nextest_config_groups_the_root_and_vm_tests_and_the_ci_profile_lists() {
    if !require(&[Need::Nextest]) {
        return;
    }
    let root = stand_in_workspace(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("ci-config-ws"));
    let default = nextest(&root, &["show-config", "test-groups", "--workspace"]);
    let root_group = group(&default, "root").join("\n");
    let vm = group(&default, "vm").join("\n");
    assert!(default.contains("max threads = 2"), "{default}");
    for binary in [
        "chrlab::netns_lab",
        "chrlab::cli_check",
        "chrlab-suites::services",
        "chrlab-sim::firewall_enforcer",
    ] {
        assert!(
            root_group.contains(binary),
            "{binary} is not in group root:\n{default}"
        );
    }
    assert!(
        vm.contains("chrlab::qemu_lab"),
        "qemu_lab is not in group vm:\n{default}"
    );
    assert!(!root_group.contains("chrlab::qemu_lab"), "{default}");
    // Under the ci profile the suites (QEMU labs in the nightly) move to the vm group.
    let ci = nextest(
        &root,
        &[
            "show-config",
            "test-groups",
            "--workspace",
            "--profile",
            "ci",
        ],
    );
    let vm_ci = group(&ci, "vm").join("\n");
    assert!(vm_ci.contains("chrlab-suites::services"), "{ci}");
    assert!(vm_ci.contains("chrlab::qemu_lab"), "{ci}");
    let listed = nextest(
        &root,
        &[
            "list",
            "--workspace",
            "--profile",
            "ci",
            "--partition",
            "hash:1/3",
        ],
    );
    let all = nextest(&root, &["list", "--workspace", "--profile", "ci"]);
    let count = |s: &str| s.lines().filter(|l| l.contains(" stand_in_")).count();
    assert!(
        count(&listed) > 0 && count(&listed) < count(&all),
        "{listed}\n---\n{all}"
    );
}
