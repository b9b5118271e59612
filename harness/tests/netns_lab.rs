//! The namespace lab over real sockets: both vantages reach the router; the seed article's two rules,
//! enforced by the kernel, let the trusted address in and filter the untrusted one; reject replies
//! arrive at once with the errno each `reject-with` implies; connections opened before a drop rule keep
//! working; after shutdown nothing in this process references the namespaces.
//!
//! Needs root (CI runs as root) and `nft` for the firewall tests. Without them each test is a counted
//! skip (`testsupport::require`), and without root it also checks that the lab refuses with a clear
//! error.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use chrlab::lab::netns::{LabError, NamespaceLab, ROUTER_ADDR, ROUTER_INTERFACE};
use chrlab::vantage::Vantage;
use chrlab_sim::firewall::Enforcer;
use chrlab_sim::netns::bind_tcp;
use testsupport::{Need, require};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

const CONNECT_TIMEOUT: Duration = Duration::from_millis(400);

type Config = (Vec<Vec<(String, String)>>, Vec<Vec<(String, String)>>);

fn props(line: &str) -> Vec<(String, String)> {
    line.split_whitespace()
        .map(|w| {
            let (k, v) = w.split_once('=').unwrap_or((w, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn rules(lines: &[&str]) -> Config {
    (lines.iter().map(|l| props(l)).collect(), Vec::new())
}

/// The seed article's two rules, with the trusted vantage as "your.ip.addr.ess".
const SEED_RULES: [&str; 2] = [
    "action=accept chain=input dst-port=22,80,8291 protocol=tcp src-address=192.0.2.10",
    "action=drop chain=input connection-state=!established,related dst-port=22,80,8291 protocol=tcp",
];

/// A lab, or `None` (a counted skip, after checking the refusal) when this machine cannot build one.
async fn lab(needs_nft: bool) -> Option<NamespaceLab> {
    let needs: &[Need] = if needs_nft {
        &[Need::Root, Need::Nft]
    } else {
        &[Need::Root]
    };
    if !require(needs) {
        if !Need::Root.met() {
            let refused = NamespaceLab::create().await;
            assert!(
                matches!(refused, Err(LabError::NotPrivileged { .. })),
                "{refused:?}"
            );
        }
        return None;
    }
    match NamespaceLab::create().await {
        Ok(lab) => {
            eprintln!("lab setup: {:?}", lab.setup_time);
            Some(lab)
        }
        Err(e) => panic!("root, but the lab failed: {e}"),
    }
}

/// An echo server on `ROUTER_ADDR:port` inside the router namespace, served by this test's runtime.
fn echo_server(lab: &NamespaceLab, port: u16) -> tokio::task::JoinHandle<()> {
    let addr = SocketAddr::from((ROUTER_ADDR, port));
    let listener = bind_tcp(Some(&lab.router_ns), addr).and_then(tokio::net::TcpListener::from_std);
    let listener = match listener {
        Ok(l) => l,
        Err(e) => panic!("listen on {addr} in the router namespace: {e}"),
    };
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 64];
                while let Ok(n) = stream.read(&mut buf).await {
                    if n == 0 || stream.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    })
}

/// Connects from `v` to the router's `port`: Ok, or the error kind (TimedOut after CONNECT_TIMEOUT).
async fn connect(v: &Vantage, port: u16) -> (Result<(), ErrorKind>, Duration) {
    v.run(move || async move {
        let started = Instant::now();
        let r = tokio::time::timeout(
            CONNECT_TIMEOUT,
            tokio::net::TcpStream::connect((ROUTER_ADDR, port)),
        )
        .await;
        let r = match r {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(e.kind()),
            Err(_) => Err(ErrorKind::TimedOut),
        };
        (r, started.elapsed())
    })
    .await
}

async fn enforce(lab: &NamespaceLab, config: Config) -> (watch::Sender<Config>, Enforcer) {
    let (tx, rx) = watch::channel(config);
    let enforcer = Enforcer::spawn(lab.router_ns.clone(), rx);
    let settled = tokio::time::timeout(Duration::from_secs(5), enforcer.settled()).await;
    assert!(
        matches!(settled, Ok(Ok(()))),
        "firewall not applied: {settled:?}"
    );
    (tx, enforcer)
}

#[tokio::test]
async fn both_vantages_reach_the_router_without_a_firewall() {
    let Some(lab) = lab(false).await else { return };
    assert_eq!(lab.trusted.address().to_string(), "192.0.2.10");
    assert_eq!(lab.untrusted.address().to_string(), "192.0.2.66");
    let server = echo_server(&lab, 22);
    assert_eq!(connect(&lab.trusted, 22).await.0, Ok(()));
    assert_eq!(connect(&lab.untrusted, 22).await.0, Ok(()));
    // No listener: refused by the router's kernel.
    assert_eq!(
        connect(&lab.untrusted, 23).await.0,
        Err(ErrorKind::ConnectionRefused)
    );
    // The router sees the vantage's own address as the source.
    let seen = lab
        .untrusted
        .run(|| async {
            let s = tokio::net::TcpStream::connect((ROUTER_ADDR, 22))
                .await
                .ok()?;
            s.local_addr().ok().map(|a| a.ip().to_string())
        })
        .await;
    assert_eq!(seen.as_deref(), Some("192.0.2.66"));
    server.abort();
    lab.shutdown().await;
}

#[tokio::test]
async fn seed_article_rules_let_trusted_in_and_filter_untrusted() {
    let Some(lab) = lab(true).await else { return };
    let ssh = echo_server(&lab, 22);
    let other = echo_server(&lab, 2222);

    // The router's firewall runs from the start (as the simulator's does), still without rules.
    let (tx, enforcer) = enforce(&lab, rules(&[])).await;

    // Opened before the rules: must survive them (connection-state=established).
    let before = lab
        .untrusted
        .run(|| async {
            let s = tokio::net::TcpStream::connect((ROUTER_ADDR, 22)).await?;
            s.into_std()
        })
        .await;
    let Ok(before) = before else {
        panic!("untrusted could not connect before the rules: {before:?}")
    };

    tx.send_replace(rules(&SEED_RULES));
    assert_eq!(enforcer.settled().await, Ok(()));

    assert_eq!(
        connect(&lab.trusted, 22).await.0,
        Ok(()),
        "trusted is allowed"
    );
    let (untrusted, took) = connect(&lab.untrusted, 22).await;
    assert_eq!(
        untrusted,
        Err(ErrorKind::TimedOut),
        "untrusted is dropped (filtered)"
    );
    assert!(took >= CONNECT_TIMEOUT, "{took:?}");
    assert_eq!(
        connect(&lab.untrusted, 8291).await.0,
        Err(ErrorKind::TimedOut)
    );
    assert_eq!(
        connect(&lab.untrusted, 2222).await.0,
        Ok(()),
        "ports outside the rule stay open"
    );

    let echoed = lab
        .untrusted
        .run(move || async move {
            let mut s = tokio::net::TcpStream::from_std(before).map_err(|e| e.to_string())?;
            s.write_all(b"still here")
                .await
                .map_err(|e| e.to_string())?;
            let mut buf = [0u8; 10];
            tokio::time::timeout(CONNECT_TIMEOUT, s.read_exact(&mut buf))
                .await
                .map_err(|_| "no echo (dropped)".to_string())?
                .map_err(|e| e.to_string())?;
            Ok::<_, String>(buf.to_vec())
        })
        .await;
    assert_eq!(
        echoed,
        Ok(b"still here".to_vec()),
        "an established connection keeps working"
    );

    enforcer.shutdown();
    assert_eq!(
        connect(&lab.untrusted, 22).await.0,
        Ok(()),
        "rules gone with the enforcer"
    );
    ssh.abort();
    other.abort();
    lab.shutdown().await;
}

#[tokio::test]
async fn rejects_answer_at_once_with_their_errno() {
    let Some(lab) = lab(true).await else { return };
    let server = echo_server(&lab, 22);
    let cases = [
        ("reject-with=tcp-reset", ErrorKind::ConnectionRefused),
        (
            "reject-with=icmp-port-unreachable",
            ErrorKind::ConnectionRefused,
        ),
        (
            "reject-with=icmp-admin-prohibited",
            ErrorKind::HostUnreachable,
        ),
        (
            "reject-with=icmp-host-unreachable",
            ErrorKind::HostUnreachable,
        ),
        (
            "reject-with=icmp-network-unreachable",
            ErrorKind::NetworkUnreachable,
        ),
        ("", ErrorKind::NetworkUnreachable), // RouterOS's default reply
    ];
    let (tx, enforcer) = enforce(&lab, rules(&[])).await;
    for (with, want) in cases {
        let rule = format!(
            "chain=input action=reject protocol=tcp dst-port=22 src-address=192.0.2.66 {with}"
        );
        let started = Instant::now();
        tx.send_replace(rules(&[&rule]));
        let settled = enforcer.settled().await;
        eprintln!("ruleset applied in {:?}", started.elapsed());
        assert_eq!(settled, Ok(()), "{rule}");
        let (got, took) = connect(&lab.untrusted, 22).await;
        eprintln!("{with:<40} -> {got:?} in {took:?}");
        assert_eq!(got, Err(want), "{rule}");
        assert!(took < Duration::from_millis(100), "{rule}: took {took:?}");
        assert_eq!(
            connect(&lab.trusted, 22).await.0,
            Ok(()),
            "{rule}: trusted is not matched"
        );
    }
    // in-interface names the router's bridge, like a CHR's ether1.
    tx.send_replace(rules(&[&format!(
        "chain=input action=reject reject-with=tcp-reset in-interface={ROUTER_INTERFACE}"
    )]));
    assert_eq!(enforcer.settled().await, Ok(()));
    assert_eq!(
        connect(&lab.trusted, 22).await.0,
        Err(ErrorKind::ConnectionRefused)
    );
    tx.send_replace(rules(&[
        "chain=input action=reject reject-with=tcp-reset in-interface=ether2",
    ]));
    assert_eq!(enforcer.settled().await, Ok(()));
    assert_eq!(connect(&lab.trusted, 22).await.0, Ok(()));
    enforcer.shutdown();
    server.abort();
    lab.shutdown().await;
}

/// Every namespace inode referenced by this process: its fds and its threads.
fn referenced_net_namespaces() -> Vec<String> {
    let mut out = Vec::new();
    let mut links = Vec::new();
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        links.extend(fds.flatten().map(|e| e.path()));
    }
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        links.extend(tasks.flatten().map(|e| e.path().join("ns/net")));
    }
    for link in links {
        if let Ok(target) = std::fs::read_link(&link) {
            let target = target.to_string_lossy().into_owned();
            if target.starts_with("net:[") {
                out.push(target);
            }
        }
    }
    out
}

#[tokio::test]
async fn namespaces_vanish_after_shutdown() {
    let Some(lab) = lab(false).await else { return };
    let inodes: Vec<String> = [
        Some(&lab.router_ns),
        lab.trusted.namespace(),
        lab.untrusted.namespace(),
    ]
    .into_iter()
    .flatten()
    .filter_map(|ns| ns.inode().ok())
    .map(|i| format!("net:[{i}]"))
    .collect();
    assert_eq!(inodes.len(), 3);
    let held = referenced_net_namespaces();
    assert!(
        inodes.iter().all(|i| held.contains(i)),
        "lab namespaces should be referenced while it runs"
    );
    assert_eq!(
        connect(&lab.trusted, 22).await.0,
        Err(ErrorKind::ConnectionRefused)
    );

    lab.shutdown().await;
    let held = referenced_net_namespaces();
    let leaked: Vec<&String> = inodes.iter().filter(|i| held.contains(i)).collect();
    assert!(
        leaked.is_empty(),
        "still referenced after shutdown: {leaked:?}"
    );
}

/// Busy threads that load every core until dropped, so the simulator competes for CPU as it
/// does when five builds share two cores.
struct CpuLoad {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl CpuLoad {
    fn start() -> CpuLoad {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let n = std::thread::available_parallelism().map_or(2, |n| n.get()) * 2;
        let threads = (0..n)
            .map(|_| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let mut x = 0u64;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        x = std::hint::black_box(
                            x.wrapping_mul(6364136223846793005).wrapping_add(1),
                        );
                    }
                })
            })
            .collect();
        CpuLoad { stop, threads }
    }
}

impl Drop for CpuLoad {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// A simulator lab whose listeners lag `delay` behind each change, or `None` (a counted skip)
/// where this machine cannot build one.
async fn sim_lab(delay: Duration) -> Option<chrlab::lab::sim::SimLab> {
    if !require(&[Need::Root, Need::Nft]) {
        return None;
    }
    let config = chrlab::lab::sim::SimLabConfig {
        listener_delay: delay,
        ..Default::default()
    };
    Some(
        chrlab::lab::sim::SimLab::start(config)
            .await
            .unwrap_or_else(|e| panic!("root and nft, but the simulator lab failed: {e}")),
    )
}

/// Runs one CLI line on the lab's router through the model, as a local administrator.
fn cli(lab: &chrlab::lab::sim::SimLab, line: &str) {
    let router = lab.router();
    let session = router
        .login("admin", "", chrlab_sim::Via::Local, None)
        .expect("local admin login");
    let mut term = router.terminal(
        &session,
        chrlab_sim::TerminalOpts {
            interactive: false,
            colors: false,
            width: 200,
        },
    );
    let out = term.execute(line);
    router.logout(&session);
    assert!(out.trim().is_empty(), "`{line}` printed {out:?}");
}

#[tokio::test]
async fn settled_sim_lab_listens_as_ip_service_says_under_cpu_load() {
    // The listeners lag 200 ms behind every change (a loaded machine, made deterministic): a
    // probe right after the command sees the old state, a probe after `settle` the new one.
    let Some(lab) = sim_lab(Duration::from_millis(200)).await else {
        return;
    };
    let _load = CpuLoad::start();
    let trusted = chrlab::lab::Lab::vantage(&lab, chrlab::lab::Role::Trusted).expect("trusted");
    for round in 0..3 {
        cli(&lab, "/ip service disable telnet");
        lab.settle().await.expect("settles");
        assert_eq!(
            connect(trusted, 23).await.0,
            Err(ErrorKind::ConnectionRefused),
            "round {round}: telnet disabled"
        );
        cli(&lab, "/ip service enable telnet");
        lab.settle().await.expect("settles");
        assert_eq!(
            connect(trusted, 23).await.0,
            Ok(()),
            "round {round}: telnet re-enabled"
        );
        cli(&lab, "/ip service set telnet port=2323");
        lab.settle().await.expect("settles");
        assert_eq!(
            (connect(trusted, 23).await.0, connect(trusted, 2323).await.0),
            (Err(ErrorKind::ConnectionRefused), Ok(())),
            "round {round}: telnet moved to 2323"
        );
        cli(&lab, "/ip service set telnet port=23");
        lab.settle().await.expect("settles");
        assert_eq!(
            connect(trusted, 23).await.0,
            Ok(()),
            "round {round}: back on 23"
        );
    }
}

#[tokio::test]
async fn settle_reports_a_service_whose_port_is_taken_instead_of_hanging() {
    let Some(lab) = sim_lab(Duration::ZERO).await else {
        return;
    };
    let ns = lab.router_namespace().expect("router namespace");
    let squatter = bind_tcp(Some(ns), SocketAddr::from((ROUTER_ADDR, 2323))).expect("squatter");
    cli(&lab, "/ip service set telnet port=2323");
    let err = lab
        .settle()
        .await
        .expect_err("telnet cannot listen on a taken port");
    let text = err.to_string();
    assert!(
        text.starts_with(
            "the router has not done what it was told: service telnet is not listening on port 2323: "
        ),
        "{text}"
    );
    drop(squatter);
    cli(&lab, "/ip service set telnet port=23");
    lab.settle().await.expect("settles once the port is free");
}
