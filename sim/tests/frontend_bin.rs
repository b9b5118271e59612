//! The ros-sim binary: prints `ready` once every enabled service listens, exits cleanly on SIGTERM.

mod frontend_support;

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use frontend_support::unique_address;

#[test]
fn frontend_bin_prints_ready_and_exits_on_sigterm() {
    let ip = unique_address();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ros-sim"));
    child
        .args([
            "--address",
            &ip.to_string(),
            "--port-offset",
            "21000",
            "--identity",
            "Lab1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    // Should this test process be killed, the kernel ends ros-sim too: nothing outlives a run.
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        child.pre_exec(|| {
            nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGTERM)
                .map_err(std::io::Error::from)
        });
    }
    let mut child = child.spawn().expect("spawn ros-sim");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    let ready = loop {
        match lines.next() {
            Some(Ok(line)) => {
                let is_ready = line.contains("ready");
                seen.push(line.clone());
                if is_ready {
                    break line;
                }
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("no ready line: {seen:?}");
            }
        }
    };
    assert!(ready.contains(&ip.to_string()), "{ready}");
    assert!(
        ready.contains("ssh=21022") && ready.contains("api=29728"),
        "{ready}"
    );
    assert!(seen.iter().any(|l| l.contains("NOT enforced")), "{seen:?}");
    std::net::TcpStream::connect((ip, 21023)).expect("telnet listens when ready is printed");

    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ros-sim did not exit on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
    assert!(std::net::TcpStream::connect((ip, 21023)).is_err());
}
