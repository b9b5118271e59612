//! The QEMU backend end to end, on the stand-in guest (`images/standin/`, `$CHRLAB_STANDIN`):
//! a real QEMU under TCG, the serial-console first login, the tap in the namespace lab, the
//! golden snapshot and its restores, KVM detection, and what a killed or stopped run leaves.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrlab::lab::Lab;
use chrlab::lab::Role;
use chrlab::lab::qemu::{QemuLab, QemuLabConfig};
use chrlab::operator::Operator;
use chrlab::qemu::{Accel, kvm_candidate, rundir};
use testsupport::{Need, require, standin_dir};

fn standin_disk() -> Option<PathBuf> {
    if !require(Need::STANDIN_LAB) {
        return None;
    }
    standin_dir().map(|d| d.join("disk.img"))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.split(") ").nth(1).is_some_and(|r| r.starts_with('Z')))
        .unwrap_or(false)
}

fn wait_until(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    f()
}

async fn identity(lab: &dyn Lab) -> String {
    Operator::new(lab)
        .exec(Role::Trusted, ":put [/system identity get name]")
        .await
        .expect("identity over SSH")
        .trim()
        .to_string()
}

#[test]
fn a_cold_boot_logs_in_on_the_console_and_answers_ssh_then_leaves_nothing() {
    let Some(disk) = standin_disk() else { return };
    runtime().block_on(async {
        let mut config = QemuLabConfig::new("standin", &disk);
        config.restore = false;
        let lab = QemuLab::start(config).await.expect("boot the stand-in");
        let report = lab.boot_report().clone();
        assert!(!report.restored);
        match kvm_candidate() {
            Err(why) => {
                assert_eq!(report.accel, Accel::Tcg, "{report:?}");
                assert!(report.accel_reason.contains(&why), "{report:?}");
            }
            Ok(()) => assert!(!report.accel_reason.is_empty()),
        }
        let machine = lab.machine().expect("machine");
        let (pid, dir) = (machine.pid(), machine.dir().to_path_buf());
        {
            let console = machine.console().lock().await;
            let text = String::from_utf8_lossy(console.transcript()).into_owned();
            assert!(text.contains("Login: "), "{text}");
            assert!(
                text.contains("Do you want to see the software license? [Y/n]"),
                "the first console login of a fresh router asks about the license: {text}"
            );
            assert!(
                text.contains("new password> "),
                "the empty-password nag: {text}"
            );
        }
        // The router answers SSH from the trusted vantage, as the factory admin.
        assert!(!identity(&lab).await.is_empty());
        assert!(lab.describe().contains("tcg") || lab.describe().contains("kvm"));
        assert!(alive(pid));
        assert!(dir.join("qemu.pid").is_file());
        Box::new(lab).shutdown().await;
        assert!(
            wait_until(Duration::from_secs(5), || !alive(pid)),
            "QEMU {pid} outlived its lab"
        );
        assert!(!dir.exists(), "{} outlived its lab", dir.display());
    });
}

#[test]
fn restored_routers_are_fresh_and_independent_of_each_other() {
    let Some(disk) = standin_disk() else { return };
    runtime().block_on(async {
        let a = QemuLab::start(QemuLabConfig::new("standin", &disk))
            .await
            .expect("first lab");
        assert!(a.boot_report().restored);
        let factory = identity(&a).await;
        Operator::new(&a)
            .exec(Role::Trusted, "/system identity set name=changed-by-a")
            .await
            .expect("set identity");
        assert_eq!(identity(&a).await, "changed-by-a");
        let b = QemuLab::start(QemuLabConfig::new("standin", &disk))
            .await
            .expect("second lab");
        assert!(b.boot_report().restored);
        assert!(
            b.boot_report().golden_made.is_none(),
            "the golden snapshot is made once"
        );
        assert_eq!(
            identity(&b).await,
            factory,
            "a restored router is a fresh one"
        );
        assert_eq!(
            identity(&a).await,
            "changed-by-a",
            "labs do not share a disk"
        );
        Box::new(a).shutdown().await;
        Box::new(b).shutdown().await;
    });
}

#[test]
fn kvm_is_used_only_when_a_guest_really_runs_under_it() {
    let Some(disk) = standin_disk() else { return };
    runtime().block_on(async {
        let mut config = QemuLabConfig::new("standin", &disk);
        config.restore = false;
        config.accel = Some(Accel::Kvm);
        let lab = QemuLab::start(config)
            .await
            .expect("boot with KVM asked for");
        let report = lab.boot_report().clone();
        if kvm_candidate().is_err() {
            // Asked to try KVM where it cannot run Linux: the boot still succeeds, under TCG,
            // and says why.
            assert_eq!(report.accel, Accel::Tcg, "{report:?}");
            assert!(
                report
                    .accel_reason
                    .contains("KVM did not reach an early-boot marker"),
                "{report:?}"
            );
        } else {
            assert!(!report.accel_reason.is_empty(), "{report:?}");
        }
        assert!(!identity(&lab).await.is_empty());
        Box::new(lab).shutdown().await;
    });
}

/// Starts `chrlab check --target qemu:DISK` with its run directories under `base`, waits until
/// its QEMU runs, and returns the child with that QEMU's pid and run directory.
fn chrlab_mid_boot(disk: &Path, base: &Path, cache: &Path) -> (std::process::Child, i32, PathBuf) {
    let child = Command::new(env!("CARGO_BIN_EXE_chrlab"))
        .args(["check", "--target"])
        .arg(format!("qemu:{}", disk.display()))
        // The default profile is named relative to the workspace.
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("CHRLAB_RUN_DIR", base)
        .env("CHRLAB_CACHE_DIR", cache)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chrlab");
    let mut found = None;
    let seen = wait_until(Duration::from_secs(60), || {
        found = std::fs::read_dir(base).ok().and_then(|entries| {
            entries.flatten().find_map(|e| {
                let dir = e.path();
                rundir::owned_qemu(&dir).map(|pid| (pid, dir))
            })
        });
        found.is_some()
    });
    if !seen {
        let mut child = child;
        let _ = child.kill();
        let out = child.wait_with_output().ok();
        panic!("no QEMU started under {}: {out:?}", base.display());
    }
    let (pid, dir) = found.unwrap();
    (child, pid, dir)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chrlab-qemu-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_sigkilled_run_leaves_no_qemu_and_the_next_run_reaps_its_directory() {
    let Some(disk) = standin_disk() else { return };
    let base = scratch("kill-runs");
    let cache = scratch("kill-cache");
    let (mut child, pid, dir) = chrlab_mid_boot(&disk, &base, &cache);
    child.kill().expect("SIGKILL chrlab");
    let _ = child.wait();
    assert!(
        wait_until(Duration::from_secs(5), || !alive(pid)),
        "QEMU {pid} outlived the SIGKILLed run"
    );
    assert!(dir.exists(), "a SIGKILLed run cannot clean up after itself");
    // The next run (any machine started under the same base) reaps it.
    let next = rundir::RunDir::create(&base).expect("next run");
    assert!(!dir.exists(), "{} was not reaped", dir.display());
    drop(next);
    let _ = std::fs::remove_dir_all(&base);
    let _ = std::fs::remove_dir_all(&cache);
}

#[test]
fn sigterm_mid_boot_tears_the_machine_down_and_exits_143() {
    let Some(disk) = standin_disk() else { return };
    let base = scratch("term-runs");
    let cache = scratch("term-cache");
    let (mut child, pid, dir) = chrlab_mid_boot(&disk, &base, &cache);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143), "{status:?}");
    assert!(!alive(pid), "QEMU {pid} outlived the stopped run");
    assert!(!dir.exists(), "{} outlived the stopped run", dir.display());
    let _ = std::fs::remove_dir_all(&base);
    let _ = std::fs::remove_dir_all(&cache);
}
