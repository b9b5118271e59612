//! `chrlab check` as a user runs it: the built binary against the embedded simulator lab.
//! A hardening run passes every check and writes JSON, JUnit and Markdown reports that agree;
//! `--no-apply` on a factory router exits 1 with failures in every measure it can fail; a profile
//! with a syntax error exits 2 naming the file and line; and a profile's fixed password appears
//! nowhere in the output or the reports, even at the most verbose log level.
//!
//! Needs nftables and root, or user namespaces for the binary to enter (CI runs as root): each run
//! builds its own network namespaces. Without them the tests that run a lab are counted skips.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod cli_support;

use cli_support::{REPO, TempDir, chrlab, sim_lab_runs_here};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn show(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    )
}

fn baseline_toml() -> String {
    let path = Path::new(REPO).join("profiles/baseline.toml");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// `(passed, failed, skipped)` from the last line of the human report,
/// `N passed, N failed, N skipped (T s)`.
fn tally(stdout: &str) -> (usize, usize, usize) {
    let last = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_else(|| panic!("empty report:\n{stdout}"));
    let words: Vec<&str> = last.split_whitespace().collect();
    match words.as_slice() {
        [p, "passed,", f, "failed,", s, "skipped", ..] => (
            p.parse().expect("passed count"),
            f.parse().expect("failed count"),
            s.parse().expect("skipped count"),
        ),
        _ => panic!("the last line is not a tally: {last:?}\n{stdout}"),
    }
}

fn read_json(path: &Path) -> Value {
    let raw =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&raw)
        .unwrap_or_else(|e| panic!("{} is not JSON ({e}):\n{raw}", path.display()))
}

/// The baseline with the harness as its syslog collector (`[logging] remote = "harness"`), so
/// that every check, `logging.remote` included, is proved on the simulator rather than skipped
/// as not required.
fn profile_with_collector(tmp: &TempDir) -> String {
    let base = std::fs::read_to_string(format!("{REPO}/profiles/baseline.toml"))
        .expect("read the baseline");
    let with = base.replacen("# remote = \"harness\"", "remote = \"harness\"", 1);
    assert_ne!(with, base, "the baseline shows `# remote = \"harness\"`");
    let path = tmp.path("collector.toml");
    std::fs::write(&path, with).expect("write the profile");
    path.display().to_string()
}

fn results(report: &Value) -> &Vec<Value> {
    report["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results array in {report:#}"))
}

fn status(result: &Value) -> &str {
    result["outcome"]["status"]
        .as_str()
        .unwrap_or_else(|| panic!("result without outcome.status: {result:#}"))
}

#[test]
fn check_hardens_the_simulator_and_every_report_says_pass() {
    if !sim_lab_runs_here() {
        return;
    }
    let tmp = TempDir::new("pass");
    let (json, junit, md) = (tmp.path("r.json"), tmp.path("j.xml"), tmp.path("r.md"));
    let profile = profile_with_collector(&tmp);
    let out = chrlab(&[
        "check",
        "--profile",
        &profile,
        "--report",
        &format!("json={}", json.display()),
        "--report",
        &format!("junit={}", junit.display()),
        "--report",
        &format!("md={}", md.display()),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let stdout = text(&out.stdout);
    let (passed, failed, skipped) = tally(&stdout);
    assert_eq!((failed, skipped), (0, 0), "{stdout}");
    assert!(passed >= 18, "{stdout}");
    assert_eq!(stdout.matches("  PASS  ").count(), passed, "{stdout}");

    let report = read_json(&json);
    let rs = results(&report);
    assert_eq!(rs.len(), passed);
    for r in rs {
        assert_eq!(status(r), "pass", "{r:#}");
    }
    assert_eq!(report["summary"]["passed"], passed);
    assert_eq!(report["summary"]["failed"], 0);
    let mut measures: Vec<&str> = rs.iter().filter_map(|r| r["measure"].as_str()).collect();
    measures.dedup();
    // Every measure of the registry, in its order.
    let every: Vec<&str> = chrlab::measures::REGISTRY
        .iter()
        .map(|m| m.measure.slug())
        .collect();
    assert_eq!(measures, every);

    let xml = std::fs::read_to_string(&junit).expect("junit report written");
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(
        xml.contains(&format!("tests=\"{passed}\" failures=\"0\" errors=\"0\"")),
        "{xml}"
    );
    assert!(!xml.contains("<failure"), "{xml}");
    assert_eq!(xml.matches("<testcase ").count(), passed, "{xml}");

    let markdown = std::fs::read_to_string(&md).expect("markdown report written");
    assert!(
        markdown.contains(&format!("**{passed} passed, 0 failed, 0 skipped**")),
        "{markdown}"
    );
    assert_eq!(markdown.matches("\n| PASS |").count(), passed, "{markdown}");
}

#[test]
fn check_without_apply_fails_a_factory_router_in_every_measure() {
    if !sim_lab_runs_here() {
        return;
    }
    let tmp = TempDir::new("no-apply");
    let json = tmp.path("r.json");
    let out = chrlab(&[
        "check",
        "--no-apply",
        "--report",
        &format!("json={}", json.display()),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let stdout = text(&out.stdout);
    let (_, failed, _) = tally(&stdout);
    assert!(failed > 0, "{stdout}");
    let report = read_json(&json);
    let failing: Vec<(&str, &str)> = results(&report)
        .iter()
        .filter(|r| status(r) == "fail")
        .map(|r| {
            (
                r["measure"].as_str().unwrap_or(""),
                r["id"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(failing.len(), failed, "{failing:?}");
    // Logging is the one measure a factory CHR already meets (error -> memory is a default rule).
    for measure in ["update", "services", "firewall", "users"] {
        assert!(
            failing.iter().any(|(m, _)| *m == measure),
            "no failure in {measure}: {failing:?}"
        );
    }
    for id in [
        "services.disabled",
        "firewall.untrusted-blocked",
        "users.default-admin-gone",
        "users.default-admin-refused",
    ] {
        assert!(
            failing.iter().any(|(_, i)| *i == id),
            "{id} did not fail: {failing:?}"
        );
    }
    assert!(stdout.contains("  FAIL  "), "{stdout}");
}

#[test]
fn a_profile_with_a_syntax_error_exits_2_naming_file_and_line() {
    let tmp = TempDir::new("syntax");
    let toml = baseline_toml();
    let good = "action = \"drop\"";
    assert_eq!(toml.matches(good).count(), 1, "baseline.toml changed");
    let line = toml[..toml.find(good).expect("found")]
        .matches('\n')
        .count()
        + 1;
    let path = tmp.path("broken.toml");
    // A bare word is not a TOML value.
    std::fs::write(&path, toml.replacen(good, "action = drop", 1)).expect("write profile");
    let path_text = path.to_str().expect("utf-8 temp path");
    let out = chrlab(&["check", "--profile", path_text]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("{path_text}:{line}")),
        "stderr does not name {path_text}:{line}:\n{stderr}"
    );
    assert!(
        text(&out.stdout).trim().is_empty(),
        "no report for a broken profile: {}",
        show(&out)
    );
}

#[test]
fn a_fixed_profile_password_never_reaches_output_or_reports() {
    if !sim_lab_runs_here() {
        return;
    }
    let tmp = TempDir::new("secret");
    let password = "Cli-Check-Secret-4711!";
    let toml = baseline_toml();
    let anchor = "default_admin = \"remove\"";
    assert_eq!(toml.matches(anchor).count(), 1, "baseline.toml changed");
    let profile = tmp.path("with-password.toml");
    std::fs::write(
        &profile,
        toml.replacen(anchor, &format!("password = \"{password}\"\n{anchor}"), 1),
    )
    .expect("write profile");
    let reports = [tmp.path("r.json"), tmp.path("j.xml"), tmp.path("r.md")];
    let out = chrlab(&[
        "-vvv",
        "check",
        "--profile",
        profile.to_str().expect("utf-8 temp path"),
        "--report",
        &format!("json={}", reports[0].display()),
        "--report",
        &format!("junit={}", reports[1].display()),
        "--report",
        &format!("md={}", reports[2].display()),
    ]);
    // The password satisfies the policy, so the run passes: it was really applied and used.
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(
        !text(&out.stdout).contains(password),
        "stdout has the password"
    );
    assert!(
        !text(&out.stderr).contains(password),
        "stderr has the password"
    );
    assert!(!text(&out.stderr).is_empty(), "-vvv logged nothing");
    for path in &reports {
        let content = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        assert!(!content.is_empty(), "{} is empty", path.display());
        assert!(
            !content.contains(password),
            "{} has the password",
            path.display()
        );
    }
    let report = read_json(&reports[0]);
    let policy = results(&report)
        .iter()
        .find(|r| r["id"] == "users.password-policy")
        .expect("users.password-policy result");
    assert_eq!(status(policy), "pass", "{policy:#}");
}

#[test]
fn hardening_a_remote_router_without_a_known_password_is_refused() {
    // A generated password is never shown: using one on a router someone administers would
    // lock them out, so chrlab refuses before it connects anywhere.
    let out = Command::new(env!("CARGO_BIN_EXE_chrlab"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .args(["check", "--target", "ssh://admin@127.0.0.9"])
        .env_remove("CHRLAB_NEW_ADMIN_PASSWORD")
        .output()
        .expect("run chrlab");
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        text(&out.stderr).contains("CHRLAB_NEW_ADMIN_PASSWORD"),
        "{}",
        show(&out)
    );
    // A password that breaks the policy is refused the same way, naming the variable.
    let out = Command::new(env!("CARGO_BIN_EXE_chrlab"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .args(["check", "--target", "ssh://admin@127.0.0.9"])
        .env("CHRLAB_NEW_ADMIN_PASSWORD", "Qz7!")
        .output()
        .expect("run chrlab");
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        !text(&out.stderr).contains("Qz7!"),
        "the rejected password is not echoed: {}",
        show(&out)
    );
}

#[test]
fn bench_reports_the_wall_time_of_the_whole_suite() {
    if !sim_lab_runs_here() {
        return;
    }
    // The time itself is a benchmark's business, not a test's: only the report is asserted.
    let tmp = TempDir::new("bench");
    let profile = profile_with_collector(&tmp);
    let out = chrlab(&["bench", "--profile", &profile, "--iterations", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("run 1: lab ready") && stdout.contains(" passed, 0 failed, 0 skipped)"),
        "{}",
        show(&out)
    );
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("whole suite on the simulator") && last.contains(" ms over 1 runs"),
        "{last}"
    );
}

/// A profile file in `tmp`: the baseline with `from` replaced by `to` (which must occur once).
fn profile_with(tmp: &TempDir, name: &str, from: &str, to: &str) -> PathBuf {
    let toml = baseline_toml();
    assert_eq!(
        toml.matches(from).count(),
        1,
        "baseline.toml changed: {from}"
    );
    let path = tmp.path(name);
    std::fs::write(&path, toml.replacen(from, to, 1)).expect("write profile");
    path
}

#[test]
fn a_profile_that_would_lock_the_harness_out_is_refused_before_anything_starts() {
    let tmp = TempDir::new("lockout");
    let profile = profile_with(
        &tmp,
        "no-ssh.toml",
        "disable = [\"telnet\",",
        "disable = [\"ssh\", \"telnet\",",
    );
    // ssh may not get a port once disabled: drop the move, so the profile itself is valid.
    let text_now = std::fs::read_to_string(&profile).expect("read");
    std::fs::write(&profile, text_now.replace("ssh = 2222\n", "")).expect("write");
    let out = chrlab(&["check", "--profile", profile.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("`services.disable`"), "{stderr}");
    assert!(stderr.contains("locks chrlab out"), "{stderr}");
    assert!(text(&out.stdout).trim().is_empty(), "{}", show(&out));
}

#[test]
fn report_paths_are_checked_before_the_lab_starts() {
    let tmp = TempDir::new("dest");
    let same = tmp.path("r.out");
    let out = chrlab(&[
        "check",
        "--report",
        &format!("json={}", same.display()),
        "--report",
        &format!("md={}", same.display()),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(text(&out.stderr).contains("same place"), "{}", show(&out));
    let out = chrlab(&["check", "--report", &format!("json={}", tmp.0.display())]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        text(&out.stderr).contains("not a regular file"),
        "{}",
        show(&out)
    );
    assert!(!same.exists(), "nothing is written for a refused run");
}

#[test]
fn an_unreachable_router_exits_3_naming_it_and_the_step() {
    // Nothing listens on 127.0.0.98:1: the first step cannot be sent.
    let out = Command::new(env!("CARGO_BIN_EXE_chrlab"))
        .current_dir(REPO)
        .args(["check", "--target", "ssh://admin@127.0.0.98:1"])
        .env("CHRLAB_NEW_ADMIN_PASSWORD", "Unreachable-Router-77!x")
        .env_remove("CHRLAB_ROUTER_PASSWORD")
        .output()
        .expect("run chrlab");
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("ssh://admin@127.0.0.98:1"), "{stderr}");
    assert!(stderr.contains("step update.channel"), "{stderr}");
    assert!(stderr.contains("127.0.0.98:1"), "{stderr}");
    assert!(stderr.contains("nothing was applied"), "{stderr}");
}

#[test]
fn auditing_an_unreadable_router_says_the_audit_is_incomplete() {
    let out = Command::new(env!("CARGO_BIN_EXE_chrlab"))
        .current_dir(REPO)
        .args([
            "check",
            "--no-apply",
            "--target",
            "ssh://admin@127.0.0.98:1",
        ])
        .env_remove("CHRLAB_ROUTER_PASSWORD")
        .output()
        .expect("run chrlab");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("audit incomplete: the router could not be read"),
        "{stdout}"
    );
    // What needs the configuration is not verifiable, not failed.
    assert!(
        stdout.contains("not verifiable: could not read /user"),
        "{stdout}"
    );
    assert!(!stdout.contains("FAIL  the factory user"), "{stdout}");
}

#[test]
fn a_step_that_fails_midway_says_what_was_applied_and_how_to_undo_it() {
    if !sim_lab_runs_here() {
        return;
    }
    let tmp = TempDir::new("midway");
    // No logging action of that name: the logging step fails on the router, after the
    // channel, the administrator, the firewall and the services were applied.
    let profile = profile_with(
        &tmp,
        "bad-action.toml",
        "action = \"memory\"",
        "action = \"nosuch\"",
    );
    let out = chrlab(&["check", "--profile", profile.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("step logging.failed-logins"), "{stderr}");
    let applied = stderr
        .find("applied to the router:")
        .expect("the applied steps are listed");
    let pending = stderr
        .find("not applied:")
        .expect("the steps not applied are listed");
    let undo = stderr
        .find("RouterOS commands that undo the applied steps:")
        .expect("the undo commands are printed");
    assert!(applied < pending && pending < undo, "{stderr}");
    let (done, rest) = stderr[applied..].split_at(pending - applied);
    for id in [
        "update.channel",
        "users.add-admin",
        "firewall.rules",
        "services.ports",
    ] {
        assert!(done.contains(&format!("[{id}]")), "{id} applied: {stderr}");
    }
    for id in ["logging.failed-logins", "users.default-admin"] {
        assert!(
            rest[..undo - pending].contains(&format!("[{id}]")),
            "{id} not applied: {stderr}"
        );
    }
    let undo_text = &stderr[undo..];
    assert!(
        undo_text.contains("/ip service set [find name=ssh] port=22"),
        "{undo_text}"
    );
    assert!(
        undo_text.contains("/ip firewall filter remove [find comment=\"chrlab: drop management\"]"),
        "{undo_text}"
    );
    assert!(
        undo_text.contains("/user remove [find name=\"netops\"]"),
        "{undo_text}"
    );
}

/// Starts `chrlab check` on the simulator, sends `signal` after `after`, and returns the output.
fn signalled_run(signal: nix::sys::signal::Signal, after: std::time::Duration) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_chrlab"))
        .args(["check"])
        .current_dir(REPO)
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run chrlab");
    std::thread::sleep(after);
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, signal).expect("signal chrlab");
    child.wait_with_output().expect("wait for chrlab")
}

#[test]
fn ctrl_c_and_sigterm_stop_the_run_cleanly_with_their_exit_codes() {
    if !sim_lab_runs_here() {
        return;
    }
    use nix::sys::signal::Signal;
    for (signal, code, name) in [
        (Signal::SIGINT, 130, "SIGINT"),
        (Signal::SIGTERM, 143, "SIGTERM"),
    ] {
        // Long enough for the lab to be up and the apply under way.
        let out = signalled_run(signal, std::time::Duration::from_millis(700));
        assert_eq!(out.status.code(), Some(code), "{name}: {}", show(&out));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(&format!("stopped by {name}; the lab was torn down")),
            "{stderr}"
        );
        // The account of what the router received is printed, whatever it was.
        assert!(
            stderr.contains("applied to the router:")
                || stderr.contains("nothing was applied to the router"),
            "{stderr}"
        );
        assert!(
            text(&out.stdout).trim().is_empty(),
            "no report after a signal: {}",
            show(&out)
        );
    }
}
