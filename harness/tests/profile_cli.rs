//! The `chrlab` binary's profile handling: `render` output, secrets, and exit codes
//! (0 success, 2 usage or profile error).

use std::path::PathBuf;
use std::process::{Command, Output};

use chrlab::profile::BASELINE_TOML;

fn chrlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chrlab"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env_remove("RUST_LOG")
        .output()
        .expect("run chrlab")
}

/// Writes the baseline with one edit to a temporary file; returns its path.
fn edited_profile(name: &str, from: &str, to: &str) -> PathBuf {
    assert_eq!(BASELINE_TOML.matches(from).count(), 1, "{from:?}");
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{}-{name}.toml", std::process::id()));
    std::fs::write(&path, BASELINE_TOML.replacen(from, to, 1)).unwrap();
    path
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn render_prints_the_baseline_script_with_a_placeholder_password() {
    let out = chrlab(&["render", "--harness-source", "192.0.2.10"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let script = text(&out.stdout);
    assert!(script.starts_with(
        "# chrlab hardening script for RouterOS 6 and 7, profile profiles/baseline.toml\n"
    ));
    assert_eq!(script.matches("password=\"***\"").count(), 2, "{script}");
    assert!(script.contains("add list=chrlab-mgmt address=192.0.2.10 "));
    assert!(script.contains("dst-port=2222,8080"));
}

#[test]
fn show_secrets_prints_the_profile_password_and_nothing_else_does() {
    let pw = "Profile-Pass-123!";
    let path = edited_profile(
        "with-password",
        "default_admin = \"remove\"",
        &format!("password = \"{pw}\"\ndefault_admin = \"remove\""),
    );
    let p = path.to_str().unwrap();
    let hidden = chrlab(&[
        "-vvv",
        "render",
        "--profile",
        p,
        "--harness-source",
        "192.0.2.10",
    ]);
    assert_eq!(hidden.status.code(), Some(0));
    assert!(!text(&hidden.stdout).contains(pw));
    assert!(
        !text(&hidden.stderr).contains(pw),
        "trace output leaks the password"
    );
    let shown = chrlab(&[
        "-vvv",
        "render",
        "--profile",
        p,
        "--harness-source",
        "192.0.2.10",
        "--show-secrets",
    ]);
    assert_eq!(shown.status.code(), Some(0));
    assert_eq!(
        text(&shown.stdout)
            .matches(&format!("password=\"{pw}\""))
            .count(),
        2
    );
    assert!(
        !text(&shown.stderr).contains(pw),
        "trace output leaks the password"
    );
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn profile_errors_exit_2_naming_file_line_and_field() {
    let path = edited_profile("weak-policy", "min_length = 16", "min_length = 8");
    let p = path.to_str().unwrap();
    for args in [
        vec!["render", "--profile", p, "--harness-source", "192.0.2.10"],
        vec!["check", "--profile", p],
        vec!["bench", "--profile", p],
    ] {
        let out = chrlab(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let line = BASELINE_TOML
            .lines()
            .position(|l| l.starts_with("min_length"))
            .unwrap()
            + 1;
        assert_eq!(
            text(&out.stderr).trim_end(),
            format!(
                "error: {p}:{line}: field `users.password_policy.min_length`: must be at least 12, got 8"
            )
        );
    }
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["render", "--no-such-flag"],
        vec!["check", "--report", "pdf=x.pdf"],
        vec!["check", "--target", "telnet://192.0.2.1"],
        vec!["check", "--version-under-test", "seven"],
        // The baseline allows only the harness source: without one there is nothing to render.
        vec!["render"],
        vec![
            "render",
            "--profile",
            "/nonexistent/p.toml",
            "--harness-source",
            "192.0.2.10",
        ],
    ] {
        let out = chrlab(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(text(&out.stderr).contains("error"), "{args:?}");
    }
}
