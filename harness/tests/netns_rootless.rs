//! The rootless path: a process that starts as an ordinary user (uid 65534 when this test runs as root),
//! becomes root of its own user namespace before any thread exists, and builds the same lab with the
//! same firewall as the root path.
//!
//! A test binary is multi-threaded, so the user namespace is entered in a child: this test re-runs its
//! own binary with `UserNamespace::pre_exec`, and the child instance (marked by an environment variable)
//! does the lab work and prints a marker the parent checks. Without `nft` or user namespaces the
//! test is a counted skip (`testsupport::require`).

use std::io::ErrorKind;
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::time::Duration;

use chrlab::lab::netns::{NamespaceLab, ROUTER_ADDR, UserNamespace};
use chrlab_sim::firewall::Enforcer;
use chrlab_sim::netns::bind_tcp;
use tokio::sync::watch;

const CHILD_ENV: &str = "CHRLAB_ROOTLESS_CHILD";
const MARKER: &str = "rootless lab: trusted=Ok(()) untrusted=Err(TimedOut)";
const NOBODY: u32 = 65534;

fn props(line: &str) -> Vec<(String, String)> {
    line.split_whitespace()
        .map(|w| {
            let (k, v) = w.split_once('=').unwrap_or((w, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// In the child: root of a user namespace, not of the machine.
async fn child() {
    let uid_map = std::fs::read_to_string("/proc/self/uid_map").unwrap_or_default();
    eprintln!("child uid_map: {}", uid_map.trim());
    let fields: Vec<&str> = uid_map.split_whitespace().collect();
    assert_eq!(fields.first().copied(), Some("0"), "root inside");
    assert_eq!(
        fields.get(2).copied(),
        Some("1"),
        "a one-uid user namespace, not the initial one"
    );
    let lab = match NamespaceLab::create().await {
        Ok(lab) => lab,
        Err(e) => panic!("rootless lab: {e}"),
    };
    let listener = bind_tcp(Some(&lab.router_ns), (ROUTER_ADDR, 22).into());
    let Ok(_listener) = listener else {
        panic!("listen: {listener:?}")
    };
    let rules = vec![
        props("action=accept chain=input dst-port=22 protocol=tcp src-address=192.0.2.10"),
        props(
            "action=drop chain=input dst-port=22 protocol=tcp connection-state=!established,related",
        ),
    ];
    let (_tx, rx) = watch::channel((rules, Vec::new()));
    let enforcer = Enforcer::spawn(lab.router_ns.clone(), rx);
    let settled = tokio::time::timeout(Duration::from_secs(5), enforcer.settled()).await;
    assert!(matches!(settled, Ok(Ok(()))), "{settled:?}");
    let probe = || async {
        match tokio::time::timeout(
            Duration::from_millis(300),
            tokio::net::TcpStream::connect((ROUTER_ADDR, 22)),
        )
        .await
        {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(e.kind()),
            Err(_) => Err(ErrorKind::TimedOut),
        }
    };
    let trusted = lab.trusted.run(probe).await;
    let untrusted = lab.untrusted.run(probe).await;
    println!("rootless lab: trusted={trusted:?} untrusted={untrusted:?}");
    enforcer.shutdown();
    lab.shutdown().await;
}

fn spawn_child(as_nobody: bool) -> std::io::Result<std::process::Output> {
    let exe = std::env::current_exe()?;
    let mut cmd = Command::new(exe);
    cmd.args([
        "--exact",
        "rootless_lab_builds_and_filters",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD_ENV, "1");
    let (uid, gid) = if as_nobody {
        cmd.uid(NOBODY).gid(NOBODY);
        (NOBODY, NOBODY)
    } else {
        (
            nix::unistd::geteuid().as_raw(),
            nix::unistd::getegid().as_raw(),
        )
    };
    // SAFETY: the hook only makes async-signal-safe syscalls (unshare, open, write, close).
    unsafe { cmd.pre_exec(UserNamespace::mapping(uid, gid).pre_exec()) };
    cmd.output()
}

#[tokio::test]
async fn rootless_lab_builds_and_filters() {
    if std::env::var_os(CHILD_ENV).is_some() {
        child().await;
        return;
    }
    if !testsupport::require(&[testsupport::Need::Nft, testsupport::Need::UserNamespaces]) {
        return;
    }
    let root = nix::unistd::geteuid().is_root();
    let mut out = spawn_child(root);
    if root && matches!(&out, Err(e) if e.kind() == ErrorKind::PermissionDenied) {
        eprintln!(
            "the test binary is not executable by uid {NOBODY}; running the child under this uid"
        );
        out = spawn_child(false);
    }
    let out = match out {
        Ok(o) => o,
        Err(e) => panic!("cannot start the child: {e}"),
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains(MARKER), "child output:\n{stdout}\n{stderr}");
}
