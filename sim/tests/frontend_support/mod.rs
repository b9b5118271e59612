//! Shared helpers for the front-end tests: a simulator on its own loopback address, raw clients.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use chrlab_sim::{RouterConfig, SimHandle, SimOptions, TerminalOpts, Via};
use routeros::version::Version;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::TcpStream;

/// Ports are offset so nothing needs a privileged port; every test gets its own 127.x.y.z address.
pub const OFFSET: u16 = 20000;

static NEXT: AtomicU32 = AtomicU32::new(1);

/// A loopback address no other test (in this or a parallel test binary) uses.
pub fn unique_address() -> IpAddr {
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let pid = std::process::id();
    IpAddr::V4(Ipv4Addr::new(
        127,
        (10 + (pid % 200)) as u8,
        ((pid / 200) % 250) as u8 + 1,
        (n % 250) as u8 + 1,
    ))
}

/// Starts a simulator for `version` (None = the default 7.23.7) with `identity`.
pub async fn sim_with(version: Option<&str>, identity: Option<&str>) -> SimHandle {
    let mut router = RouterConfig::default();
    if let Some(v) = version {
        router.version = Version::parse(v).expect("test version parses");
    }
    if let Some(identity) = identity {
        router.identity = identity.to_string();
    }
    chrlab_sim::start(SimOptions {
        address: unique_address(),
        port_offset: OFFSET,
        router,
        netns: None,
    })
    .await
    .expect("simulator starts")
}

pub async fn sim() -> SimHandle {
    sim_with(None, None).await
}

/// The socket address of a listening service.
pub fn addr(sim: &SimHandle, service: &str, ip: IpAddr) -> SocketAddr {
    SocketAddr::new(ip, sim.port(service).expect("service listens"))
}

/// The source address this machine uses to reach the simulator (what the model logs as `from`).
pub async fn client_ip(sim: &SimHandle) -> IpAddr {
    let s = TcpStream::connect(addr(sim, "winbox", sim.address()))
        .await
        .expect("connect winbox");
    s.local_addr().expect("local address").ip()
}

/// Runs one CLI line as admin (empty password) through the model's terminal and returns the output.
pub fn cli(sim: &SimHandle, line: &str) -> String {
    let router = sim.router();
    let session = router
        .login("admin", "", Via::Local, None)
        .expect("local admin login");
    let mut term = router.terminal(
        &session,
        TerminalOpts {
            interactive: false,
            colors: false,
            width: 200,
        },
    );
    let out = term.execute(line);
    router.logout(&session);
    out
}

/// The `/log` messages as the model has them (through its REST view).
pub fn log_messages(sim: &SimHandle) -> String {
    let router = sim.router();
    let session = router
        .login("admin", "", Via::Local, None)
        .expect("local admin login");
    let reply = router.rest(&session, "GET", "/log", "", b"");
    router.logout(&session);
    reply.body
}

/// Waits until `check` passes or 3 s elapse.
pub async fn eventually(mut check: impl FnMut() -> bool) -> bool {
    for _ in 0..60 {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    check()
}

/// Polls the log until a message contains `text` or 3 s elapse; prints the log when it never does.
pub async fn log_has(sim: &SimHandle, text: &str) -> bool {
    for _ in 0..60 {
        if log_messages(sim).contains(text) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let log = log_messages(sim);
    let relevant: Vec<&str> = log
        .split("},{")
        .filter(|e| !e.contains("via local"))
        .collect();
    eprintln!("log without {text:?}: {relevant:?}");
    false
}

/// Reads until the bytes read so far end with `suffix` (or 5 s pass); returns everything read.
pub async fn read_until<R: AsyncRead + Unpin>(r: &mut R, suffix: &[u8]) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !got.ends_with(suffix) {
        match tokio::time::timeout_at(deadline, r.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
    got
}

/// Reads exactly `n` bytes (5 s limit).
pub async fn read_exact<R: AsyncRead + Unpin>(r: &mut R, n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    tokio::time::timeout(Duration::from_secs(5), r.read_exact(&mut buf))
        .await
        .expect("read in time")
        .expect("read");
    buf
}

/// True when the peer closes the connection within 3 s (EOF or reset), after draining what it sent.
pub async fn closed_by_peer<R: AsyncRead + Unpin>(r: &mut R) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    loop {
        match tokio::time::timeout_at(deadline, r.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

/// True when a TCP connect to `addr` is refused.
pub async fn refused(addr: SocketAddr) -> bool {
    matches!(
        tokio::time::timeout(Duration::from_secs(2), TcpStream::connect(addr)).await,
        Ok(Err(_))
    )
}

/// A file of the capture corpus (`corpus/`, or `$CHRLAB_CORPUS`).
pub fn corpus(path: &str) -> Vec<u8> {
    testsupport::corpus::bytes(path)
}

/// The `R` (router → client) sentences of a `.hex` capture, in order.
pub fn hex_replies(path: &str) -> Vec<Vec<u8>> {
    hex_lines(path, 'R')
}

/// The `C` (client → router) sentences of a `.hex` capture, in order.
pub fn hex_requests(path: &str) -> Vec<Vec<u8>> {
    hex_lines(path, 'C')
}

fn hex_lines(path: &str, dir: char) -> Vec<Vec<u8>> {
    let text = String::from_utf8(corpus(path)).expect("hex file is text");
    text.lines()
        .filter_map(|l| l.strip_prefix(dir).and_then(|r| r.strip_prefix(' ')))
        .map(|h| {
            (0..h.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&h[i..i + 2], 16).expect("hex byte"))
                .collect()
        })
        .collect()
}
