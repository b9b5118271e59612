//! Shared helpers for the interop tests: a simulator on a fixed loopback address, and third-party client
//! processes that are always killed and reaped (even when an assertion fails).
#![allow(dead_code)]

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use chrlab_sim::{RouterConfig, SimHandle, SimOptions};

/// Port offset of every interop simulator (ssh 26022, www 26080, www-ssl 26443, api 34728, ...).
/// Each test has its own 127.0.0.6x address, so tests and other test binaries can run in parallel.
pub const OFFSET: u16 = 26000;

/// How long one client invocation may take before it is killed.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);

/// `127.0.0.<n>`.
pub fn lo(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, n))
}

/// Starts a default simulator (RouterOS 7.23.7, identity CHR) on `address`.
pub async fn start_sim(address: IpAddr) -> SimHandle {
    chrlab_sim::start(SimOptions {
        address,
        port_offset: OFFSET,
        router: RouterConfig::default(),
        netns: None,
    })
    .await
    .unwrap_or_else(|e| panic!("simulator starts on {address}: {e}"))
}

/// The port `service` listens on.
pub fn port(sim: &SimHandle, service: &str) -> u16 {
    sim.port(service)
        .unwrap_or_else(|| panic!("{service} listens: {:?}", sim.listening()))
}

/// Fails the test (never passes silently) when a third-party client is not installed.
pub fn require_binary(path: &str, install: &str) {
    assert!(
        Path::new(path).is_file(),
        "{path} is missing: this interop test needs it; install it with `{install}`"
    );
}

/// A child process that is killed and reaped when dropped.
pub struct ChildGuard(Option<Child>);

impl ChildGuard {
    pub fn new(child: Child) -> ChildGuard {
        ChildGuard(Some(child))
    }

    pub fn child(&mut self) -> &mut Child {
        self.0.as_mut().expect("child present until drop")
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// What a finished client printed.
#[derive(Debug)]
pub struct Output {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }
}

/// Runs `cmd` with stdin from /dev/null; kills it after `timeout` (and panics then). Blocking: call it
/// from [`run_async`] inside a tokio test so the simulator's tasks keep running.
pub fn run(mut cmd: Command, timeout: Duration) -> Output {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let shown = format!("{cmd:?}");
    let child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {shown}: {e}"));
    let mut guard = ChildGuard(Some(child));
    let child = guard.0.as_mut().expect("child present");
    let mut out = child.stdout.take().expect("stdout piped");
    let mut err = child.stderr.take().expect("stderr piped");
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("wait {shown}: {e}"),
        }
    };
    // Kill (when still running) and reap before the pipes are drained, so a hung client cannot block us.
    drop(guard);
    let stdout = String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    let Some(status) = status else {
        panic!("{shown} did not finish within {timeout:?}\nstdout: {stdout}\nstderr: {stderr}");
    };
    Output {
        status,
        stdout,
        stderr,
    }
}

/// [`run`] on a blocking thread.
pub async fn run_async(cmd: Command) -> Output {
    match tokio::task::spawn_blocking(move || run(cmd, CLIENT_TIMEOUT)).await {
        Ok(out) => out,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("client thread: {e}"),
    }
}

/// A private temporary directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "chrlab-interop-{tag}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
