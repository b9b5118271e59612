//! Every failure carries its fix, and the fixes work: audit a router, take the fix script,
//! apply it to the router as the apply sends steps (one block per exec channel, as the user it
//! must run as, reconnecting on moved ports, waiting for the update's reboot, confirming a
//! device-mode change by power-cycling the lab), re-audit — every check that failed now passes,
//! and none that passed now fails. For the negative control (a factory router audited as it is)
//! and for single misconfigurations of a hardened router. What no script can do is accounted for
//! explicitly, never silently: on RouterOS 6 under a 7.x baseline the update checks must fail
//! before and after, with a fix that says it cannot be done by the script.
//!
//! Needs root and nftables (CI runs as root): the lab builds network namespaces. Without them the
//! test is a counted skip (`testsupport::require`).

use std::collections::BTreeMap;
use std::path::Path;

use chrlab::apply::{Journal, apply, run_steps};
use chrlab::audit::{Audit, audit};
use chrlab::fix::{self, ScriptHeader};
use chrlab::lab::sim::{SimLab, SimLabConfig};
use chrlab::lab::{Lab, Role};
use chrlab::operator::Operator;
use chrlab::outcome::Outcome;
use chrlab::profile::Profile;
use chrlab::render::Reveal;
use chrlab::secret::Secret;

/// Satisfies the baseline's policy (16+ characters, upper, lower, digit, symbol).
const PASSWORD: &str = "Fix-Round-Trip-2026!";

fn profile() -> Profile {
    let mut p = Profile::baseline();
    p.users.password = Some(Secret::new(PASSWORD));
    p
}

async fn audited(lab: &SimLab, profile: &Profile, when: &str) -> Audit {
    audit(lab, profile, Path::new("profiles/baseline.toml"), false)
        .await
        .unwrap_or_else(|e| panic!("audit {when}: {e}"))
}

fn outcomes(a: &Audit) -> BTreeMap<String, Outcome> {
    a.report
        .results
        .iter()
        .map(|r| (r.id.clone(), r.outcome.clone()))
        .collect()
}

/// Audits, fixes with the written script, re-audits; returns what went wrong (empty: the round
/// trip holds). `broken` must be among the failures the first audit finds.
async fn round_trip(
    lab: &SimLab,
    profile: &Profile,
    case: &str,
    broken: &[&str],
    unfixable: &[(&str, &str)],
) -> (Vec<String>, Vec<&'static str>) {
    let mut wrong = Vec::new();
    let first = audited(lab, profile, &format!("{case}, before the fix")).await;
    let failed: Vec<&str> = first
        .report
        .results
        .iter()
        .filter(|r| r.outcome.is_fail())
        .map(|r| r.id.as_str())
        .collect();
    eprintln!("{case}: failed {failed:?}");
    for id in broken {
        if !failed.contains(id) {
            wrong.push(format!(
                "{case}: {id} did not fail before the fix (failed: {failed:?})"
            ));
        }
    }
    for r in first.report.results.iter() {
        match (r.outcome.is_fail(), r.fix.is_empty()) {
            (true, true) => wrong.push(format!("{case}: {} failed without a fix", r.id)),
            (false, false) => wrong.push(format!("{case}: {} did not fail yet has a fix", r.id)),
            _ => {}
        }
    }
    let ctx = first
        .context
        .clone()
        .unwrap_or_else(|| panic!("{case}: something failed, so the audit has a context"));
    let steps = fix::plan(profile, &ctx, &first.observation, &first.report.results);
    let header = ScriptHeader {
        router: first.report.router.clone(),
        profile: "profiles/baseline.toml".into(),
        date: "2026-12-04T20:00:00Z".into(),
    };
    let script = fix::script(
        &header,
        profile,
        &ctx,
        &first.observation,
        &first.report.results,
        Reveal::Exposed,
    );
    assert!(script.starts_with("# chrlab fix script for "), "{script}");
    // What is sent is exactly the script's blocks, in the script's order.
    let mut at = 0;
    for s in &steps {
        let block = fix::script_block(s, Reveal::Exposed);
        match script[at..].find(&block) {
            Some(i) => at += i + block.len(),
            None => panic!(
                "{case}: block {} not in the script, in order:\n{script}",
                s.id
            ),
        }
    }
    // The report's copy never carries the password.
    let redacted = fix::script(
        &header,
        profile,
        &ctx,
        &first.observation,
        &first.report.results,
        Reveal::Redacted,
    );
    assert!(!redacted.contains(PASSWORD), "{case}: {redacted}");
    run_steps(lab, profile, &ctx, &steps, &Journal::default())
        .await
        .unwrap_or_else(|e| panic!("{case}: applying the fix script: {e}\n{script}"));
    let second = audited(lab, profile, &format!("{case}, after the fix")).await;
    let after = outcomes(&second);
    for (id, before) in outcomes(&first) {
        let now = after
            .get(&id)
            .cloned()
            .unwrap_or(Outcome::Skip("missing".into()));
        if let Some((_, says)) = unfixable.iter().find(|(u, _)| *u == id) {
            // Accounted for explicitly: failing before and after, its fix saying why.
            let fix = first
                .report
                .results
                .iter()
                .find(|r| r.id == id)
                .map(|r| r.fix.join("\n"));
            if !before.is_fail() || !now.is_fail() || !fix.as_deref().unwrap_or("").contains(says) {
                wrong.push(format!(
                    "{case}: {id} should fail before and after with a fix saying {says:?}: {before:?} then {now:?}, fix {fix:?}"
                ));
            }
            continue;
        }
        match (&before, &now) {
            (Outcome::Fail(why), o) if *o != Outcome::Pass => wrong.push(format!(
                "{case}: {id} failed ({why}) and after the fix is {o:?}"
            )),
            (Outcome::Pass, Outcome::Fail(why)) => wrong.push(format!(
                "{case}: {id} passed and after the fix fails: {why}"
            )),
            _ => {}
        }
    }
    (wrong, steps.iter().map(|s| s.id).collect())
}

async fn started() -> SimLab {
    SimLab::start(SimLabConfig::default())
        .await
        .unwrap_or_else(|e| {
            panic!("cannot start the simulator lab (run as root with nftables installed): {e}")
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fix_script_of_a_factory_router_makes_every_failure_pass() {
    if !testsupport::require(testsupport::Need::NAMESPACE_LAB) {
        return;
    }
    let profile = profile();
    let lab = started().await;
    // The negative control: everything the baseline demands is missing, including the update
    // (whose fix reboots the router) and device-mode (whose fix the lab confirms by a power
    // cycle, as the apply does).
    let (wrong, sent) = round_trip(
        &lab,
        &profile,
        "factory router",
        &[
            "update.minimum-version",
            "services.disabled",
            "firewall.rules",
            "users.default-admin-gone",
            "ssh.strong-crypto",
            "input.chain",
        ],
        &[],
    )
    .await;
    let version = lab.version_hint();
    Box::new(lab).shutdown().await;
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // What no command alone can finish was in the script and carried out explicitly: the
    // update's install rebooted the lab into the new version, and the device-mode change was
    // confirmed by the lab's power cycle (both with a comment in the script saying so).
    for id in [
        "update.install",
        "device.mode",
        "users.add-admin",
        "users.default-admin",
    ] {
        assert!(sent.contains(&id), "{id} not in the fix script: {sent:?}");
    }
    assert!(
        sent.iter().position(|s| *s == "firewall.address-list")
            < sent.iter().position(|s| *s == "firewall.rules")
    );
    assert!(
        sent.iter().position(|s| *s == "services.ports")
            < sent.iter().position(|s| *s == "users.default-admin")
    );
    eprintln!("factory router ({version:?}): fix script sent {sent:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fix_script_of_a_factory_routeros_6_fixes_all_but_the_major_upgrade_and_says_so() {
    if !testsupport::require(testsupport::Need::NAMESPACE_LAB) {
        return;
    }
    let profile = profile();
    let lab = SimLab::start(SimLabConfig {
        version: chrlab_version("6.49.13"),
        latest_version: None,
        ..SimLabConfig::default()
    })
    .await
    .unwrap_or_else(|e| panic!("cannot start the simulator lab: {e}"));
    let (wrong, sent) = round_trip(
        &lab,
        &profile,
        "factory RouterOS 6",
        &[
            "services.disabled",
            "firewall.rules",
            "users.default-admin-gone",
        ],
        // RouterOS 6 under a 7.x baseline: the update is the one thing the script cannot do.
        &[
            ("update.minimum-version", "cannot be fixed by this script"),
            (
                "update.no-known-vulnerability",
                "cannot be fixed by this script",
            ),
        ],
    )
    .await;
    Box::new(lab).shutdown().await;
    eprintln!("factory RouterOS 6: fix script sent {sent:?}");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn chrlab_version(v: &str) -> routeros::version::Version {
    routeros::version::Version::parse(v).unwrap()
}

/// One misconfiguration of a hardened router, the checks it breaks, the command that makes it.
struct Misconfiguration {
    case: &'static str,
    command: &'static str,
    breaks: &'static [&'static str],
    /// A service the command moves, and where: the harness follows it, as a user would.
    moves: Option<(&'static str, u16)>,
}

const MISCONFIGURATIONS: &[Misconfiguration] = &[
    Misconfiguration {
        case: "telnet re-enabled",
        command: "/ip service set [find name=telnet] disabled=no",
        breaks: &["services.disabled"],
        moves: None,
    },
    Misconfiguration {
        case: "DNS open to remote requests",
        command: "/ip dns set allow-remote-requests=yes",
        breaks: &["listeners.dns-remote-requests"],
        moves: None,
    },
    Misconfiguration {
        case: "weak ssh crypto",
        command: "/ip ssh set strong-crypto=no",
        breaks: &["ssh.strong-crypto"],
        moves: None,
    },
    Misconfiguration {
        case: "the final drop removed",
        command: "/ip firewall filter remove [find comment=\"chrlab: drop all else\"]",
        breaks: &["input.chain"],
        moves: None,
    },
    Misconfiguration {
        case: "the default admin re-added",
        command: "/user add name=admin group=full password=\"\"",
        breaks: &["users.default-admin-gone"],
        moves: None,
    },
    Misconfiguration {
        case: "ssh back on its default port",
        command: "/ip service set [find name=ssh] port=22",
        breaks: &["services.moved"],
        moves: Some(("ssh", 22)),
    },
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fix_script_undoes_each_single_misconfiguration_of_a_hardened_router() {
    if !testsupport::require(testsupport::Need::NAMESPACE_LAB) {
        return;
    }
    let profile = profile();
    let lab = started().await;
    apply(&lab, &profile, &Secret::new(PASSWORD))
        .await
        .unwrap_or_else(|e| panic!("hardening the lab: {e}"));
    let hardened = outcomes(&audited(&lab, &profile, "hardened").await);
    let op = Operator::new(&lab);
    let mut wrong = Vec::new();
    for m in MISCONFIGURATIONS {
        let out = op
            .exec(Role::Trusted, m.command)
            .await
            .unwrap_or_else(|e| panic!("{}: {}: {e}", m.case, m.command));
        assert!(!chrlab::apply::reports_error(&out), "{}: {out}", m.case);
        if let Some((service, port)) = m.moves {
            lab.access().set_port(service, port);
            lab.settle().await.expect("settle");
        }
        let (w, sent) = round_trip(&lab, &profile, m.case, m.breaks, &[]).await;
        eprintln!("{}: fix script sent {sent:?}", m.case);
        wrong.extend(w);
        // Fixed, the router is back where hardening left it.
        let now = outcomes(&audited(&lab, &profile, m.case).await);
        for (id, o) in &hardened {
            if *o == Outcome::Pass && now.get(id) != Some(&Outcome::Pass) {
                wrong.push(format!(
                    "{}: {id} passed when hardened, now {:?}",
                    m.case,
                    now.get(id)
                ));
            }
        }
    }
    Box::new(lab).shutdown().await;
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// `chrlab check --no-apply --fix-script FILE` as a user runs it: the failures show their fix
/// in the terminal, and the file is the one script with its header; a password the profile
/// does not set is never written (its lines are commented out, saying so).
#[test]
fn check_writes_the_fix_script_and_shows_each_fix() {
    if !testsupport::require(testsupport::Need::NAMESPACE_LAB) {
        return;
    }
    let dir = std::env::temp_dir().join(format!("chrlab-fix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("fix.rsc");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chrlab"))
        .args(["check", "--target", "sim", "--no-apply", "--fix-script"])
        .arg(&file)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env_remove("RUST_LOG")
        .env_remove("CHRLAB_ROUTER_PASSWORD")
        .output()
        .expect("run chrlab");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let telnet = stdout
        .find("[services.disabled, ")
        .unwrap_or_else(|| panic!("{stdout}"));
    let fix = &stdout[telnet..];
    assert!(
        fix.contains("fix:") && fix.contains("> set [find name=telnet] disabled=yes"),
        "{stdout}"
    );
    let script = std::fs::read_to_string(&file).expect("the fix script was written");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        script.starts_with("# chrlab fix script for embedded simulator"),
        "{script}"
    );
    assert!(
        script.contains(", profile profiles/baseline.toml, audited 20"),
        "{script}"
    );
    assert!(
        script.contains("set [find name=telnet] disabled=yes"),
        "{script}"
    );
    assert!(
        script.contains("# needs the new administrator's password"),
        "{script}"
    );
    assert!(
        script
            .lines()
            .all(|l| l.starts_with('#') || !l.contains("***")),
        "{script}"
    );
    assert!(
        script.find("chrlab: accept management") < script.find("chrlab: drop management"),
        "{script}"
    );
}

/// A `--fix-script` that cannot be written is refused before any lab starts (exit 2, naming it).
#[test]
fn an_unwritable_fix_script_is_refused_before_the_router_is_touched() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chrlab"))
        .args([
            "check",
            "--target",
            "sim",
            "--no-apply",
            "--fix-script",
            "/nonexistent-dir/fix.rsc",
        ])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env_remove("RUST_LOG")
        .output()
        .expect("run chrlab");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("write the fix script /nonexistent-dir/fix.rsc"),
        "{stderr}"
    );
    assert!(!stderr.contains("starting the lab"), "{stderr}");
}
