//! The QEMU backend end to end, on the stand-in guest (`images/standin/`, `$CHRLAB_STANDIN`):
//! a real QEMU under TCG, the serial-console first login, the tap in the namespace lab, the
//! golden snapshot and its restores, KVM detection, and what a killed or stopped run leaves;
//! and the rootless mode: two user-mode NICs, port forwards on demand, probes through them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrlab::lab::Lab;
use chrlab::lab::Role;
use chrlab::lab::qemu::{QemuLab, QemuLabConfig, QemuNet};
use chrlab::operator::Operator;
use chrlab::probe::{Identity, PortState, Probe, TcpPath, probe_tcp};
use chrlab::qemu::{Accel, kvm_candidate, rundir};
use testsupport::{Need, require, standin_dir};

fn standin_disk() -> Option<PathBuf> {
    if !require(Need::STANDIN_LAB) {
        return None;
    }
    standin_dir().map(|d| d.join("disk.img"))
}

fn standin_disk_user_mode() -> Option<PathBuf> {
    if !require(Need::STANDIN_USER_LAB) {
        return None;
    }
    standin_dir().map(|d| d.join("disk.img"))
}

fn user_mode(disk: &Path, restore: bool) -> QemuLabConfig {
    let mut config = QemuLabConfig::new("standin", disk);
    config.net = Some(QemuNet::User);
    config.restore = restore;
    config
}

async fn probe(lab: &dyn Lab, role: Role, port: u16) -> Probe {
    let addr = std::net::SocketAddr::new(lab.access().address(), port);
    let timing = lab.timing();
    lab.vantage(role)
        .expect("a vantage")
        .run(move || async move { probe_tcp(addr, timing).await })
        .await
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

#[test]
fn a_user_mode_lab_boots_cold_the_router_sees_two_sources_and_nothing_outlives_it() {
    let Some(disk) = standin_disk_user_mode() else {
        return;
    };
    runtime().block_on(async {
        let started = Instant::now();
        let lab = QemuLab::start(user_mode(&disk, false))
            .await
            .expect("cold boot on user-mode networking");
        let report = lab.boot_report().clone();
        eprintln!(
            "user mode cold boot: {:?} to ready ({:?} wall)",
            report.to_ready,
            started.elapsed()
        );
        assert!(!report.restored);
        assert_eq!(report.net, QemuNet::User);
        assert!(lab.describe().contains("user-mode"), "{}", lab.describe());
        assert_eq!(lab.timing().path, TcpPath::Forwarded);
        assert!(!lab.limitations().is_empty());
        {
            let machine = lab.machine().expect("machine");
            let console = machine.console().lock().await;
            let text = String::from_utf8_lossy(console.transcript()).into_owned();
            assert!(
                text.contains("/ip address add address=192.0.2.1/24 interface=ether1")
                    && text.contains("/ip address add address=198.51.100.1/24 interface=ether2"),
                "both addresses are configured over the console: {text}"
            );
        }
        // The vantages are what the router sees.
        assert_eq!(
            lab.vantage(Role::Trusted).unwrap().address().to_string(),
            "192.0.2.2"
        );
        assert_eq!(
            lab.vantage(Role::Untrusted).unwrap().address().to_string(),
            "198.51.100.2"
        );
        // SSH through a forward from the trusted vantage (readiness already used one).
        assert!(!identity(&lab).await.is_empty());
        let ssh = probe(&lab, Role::Trusted, 22).await;
        assert!(matches!(ssh.identity, Some(Identity::Ssh(_))), "{ssh}");
        // And from the untrusted one, through the other NIC.
        Operator::new(&lab)
            .exec(Role::Untrusted, ":put untrusted")
            .await
            .expect("SSH from the untrusted vantage");
        let log = Operator::new(&lab)
            .exec(Role::Trusted, "/log print")
            .await
            .expect("read the log");
        assert!(log.contains("logged in from 192.0.2.2 via ssh"), "{log}");
        assert!(log.contains("logged in from 198.51.100.2 via ssh"), "{log}");
        // One forward per NIC and port, added on demand.
        let forwards = lab.forwards();
        let to_22: Vec<_> = forwards.iter().filter(|f| f.port == 22).collect();
        assert_eq!(to_22.len(), 2, "{forwards:?}");
        assert!(
            to_22
                .iter()
                .any(|f| f.route.netdev == "net0" && f.route.guest.to_string() == "192.0.2.1")
        );
        assert!(
            to_22
                .iter()
                .any(|f| f.route.netdev == "net1" && f.route.guest.to_string() == "198.51.100.1")
        );
        let machine = lab.machine().expect("machine");
        let (pid, dir) = (machine.pid(), machine.dir().to_path_buf());
        Box::new(lab).shutdown().await;
        assert!(
            wait_until(Duration::from_secs(5), || !alive(pid)),
            "QEMU {pid} outlived its lab"
        );
        assert!(!dir.exists(), "{} outlived its lab", dir.display());
        for f in &forwards {
            assert!(
                std::net::TcpStream::connect(("127.0.0.1", f.host_port)).is_err(),
                "forward {f:?} outlived its lab"
            );
        }
    });
}

#[test]
fn a_restored_user_mode_lab_shows_a_drop_as_filtered_and_a_reset_as_closed() {
    let Some(disk) = standin_disk_user_mode() else {
        return;
    };
    runtime().block_on(async {
        let lab = QemuLab::start(user_mode(&disk, true))
            .await
            .expect("restore on user-mode networking");
        let report = lab.boot_report().clone();
        eprintln!(
            "user mode restore: {:?} to ready (golden made now: {:?})",
            report.to_ready, report.golden_made
        );
        assert!(report.restored);
        assert_eq!(report.net, QemuNet::User);
        let op = Operator::new(&lab);
        // Before any rule: telnet answers from both sides, a port without a listener is closed.
        for role in Role::ALL {
            let telnet = probe(&lab, role, 23).await;
            assert_eq!(telnet.identity, Some(Identity::Telnet), "{role}: {telnet}");
            let nothing = probe(&lab, role, 2).await;
            assert_eq!(nothing.state, PortState::Closed, "{role}: {nothing}");
        }
        op.exec(
            Role::Trusted,
            "/ip firewall filter add chain=input protocol=tcp dst-port=23 action=reject reject-with=tcp-reset",
        )
        .await
        .expect("add the reset rule");
        op.exec(
            Role::Trusted,
            "/ip firewall filter add chain=input src-address=198.51.100.2 action=drop",
        )
        .await
        .expect("add the drop rule");
        lab.settle().await.expect("settle");
        // The stand-in applies its rules with `nft` inside a TCG guest, which can take longer
        // than the lab's settle (measured: ~0.6 s more under load); a real router does it as
        // the command returns. Until then the port still answers.
        let started = Instant::now();
        let mut untrusted_ssh = probe(&lab, Role::Untrusted, 22).await;
        while untrusted_ssh.state == PortState::Open && started.elapsed() < Duration::from_secs(10)
        {
            tokio::time::sleep(Duration::from_millis(100)).await;
            untrusted_ssh = probe(&lab, Role::Untrusted, 22).await;
        }
        let filtered_after = started.elapsed();
        assert_eq!(untrusted_ssh.state, PortState::Filtered, "{untrusted_ssh}");
        let trusted_ssh = probe(&lab, Role::Trusted, 22).await;
        assert_eq!(trusted_ssh.state, PortState::Open, "{trusted_ssh}");
        assert!(matches!(trusted_ssh.identity, Some(Identity::Ssh(_))), "{trusted_ssh}");
        for role in Role::ALL {
            let reset = probe(&lab, role, 23).await;
            assert_eq!(reset.state, PortState::Closed, "{role}: {reset}");
        }
        eprintln!("the drop was in force and judged filtered after {filtered_after:?}");
        // The router's own view: the drop rule counted the untrusted vantage's packets.
        let rules = op
            .exec(Role::Trusted, "/ip firewall filter print")
            .await
            .expect("print rules");
        assert!(rules.contains("198.51.100.2"), "{rules}");
        Box::new(lab).shutdown().await;
    });
}

/// Through port forwards an ICMP reject looks like a drop: the untrusted-blocked check must not
/// pass a router that rejects where the profile says drop (it would fail on a real wire).
#[test]
fn through_forwards_an_icmp_reject_does_not_pass_for_a_drop() {
    let Some(disk) = standin_disk_user_mode() else {
        return;
    };
    runtime().block_on(async {
        let lab = QemuLab::start(user_mode(&disk, true))
            .await
            .expect("user-mode lab");
        let profile = chrlab::profile::Profile::baseline();
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../profiles/baseline.toml"));
        let first = chrlab::audit::audit(&lab, &profile, path, true)
            .await
            .expect("harden and audit");
        let verdict = |a: &chrlab::audit::Audit| {
            a.report
                .results
                .iter()
                .find(|r| r.id == "firewall.untrusted-blocked")
                .expect("the check ran")
                .outcome
                .clone()
        };
        assert!(
            !verdict(&first).is_fail() && verdict(&first).reason().is_none(),
            "the baseline's drop passes: {:?}",
            verdict(&first)
        );
        // Reject the untrusted source with an ICMP error, ahead of every other rule.
        Operator::new(&lab)
            .exec(
                Role::Trusted,
                "/ip firewall filter add chain=input src-address=198.51.100.2 action=reject reject-with=icmp-admin-prohibited place-before=0",
            )
            .await
            .expect("add the reject rule");
        lab.settle().await.expect("settled");
        tokio::time::sleep(Duration::from_secs(2)).await; // the stand-in's nft inside TCG
        let second = chrlab::audit::audit(&lab, &profile, path, false)
            .await
            .expect("audit");
        let v = verdict(&second);
        assert!(v.is_fail(), "an ICMP reject must not pass for a drop: {v:?}");
        assert!(v.reason().unwrap_or("").contains("expected drop"), "{v:?}");
        Box::new(lab).shutdown().await;
    });
}
