//! The ros-sim binary as a whole router: the serial console (`--console -` on pipes), and, as root
//! in a network namespace of its own, `--enforce-firewall --manage-addresses --address 0.0.0.0`.

mod frontend_support;

use std::io::{BufRead, Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use frontend_support::unique_address;

/// A running ros-sim whose console is its stdin/stdout.
struct Guest {
    child: Child,
    stdin: ChildStdin,
    out: Arc<(Mutex<Vec<u8>>, Condvar)>,
    /// Where the next `expect` starts reading.
    at: usize,
    /// The lines before the console started (`firewall:`, `ready:`).
    header: Vec<String>,
}

impl Guest {
    /// Starts ros-sim with `args` plus `--console -`; `pre` runs in the child before exec.
    fn start(
        args: &[&str],
        pre: impl FnMut() -> std::io::Result<()> + Send + Sync + 'static,
    ) -> Guest {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ros-sim"));
        cmd.args(args)
            .args(["--console", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        // SAFETY: `pre` only makes system calls (setns, prctl) that are async-signal-safe.
        unsafe {
            cmd.pre_exec(pre);
        }
        let mut child = cmd.spawn().expect("spawn ros-sim");
        let stdin = child.stdin.take().expect("stdin");
        let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        let mut header = Vec::new();
        loop {
            let mut line = String::new();
            if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                let _ = child.kill();
                let status = child.wait();
                panic!("ros-sim ended before ready ({status:?}): {header:?}");
            }
            let line = line.trim_end().to_string();
            let ready = line.starts_with("ready:");
            header.push(line);
            if ready {
                break;
            }
        }
        let out = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let sink = Arc::clone(&out);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let (bytes, cv) = &*sink;
                bytes.lock().unwrap().extend_from_slice(&buf[..n]);
                cv.notify_all();
            }
        });
        Guest {
            child,
            stdin,
            out,
            at: 0,
            header,
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).expect("write to the console");
        self.stdin.flush().expect("flush the console");
    }

    /// The console's output from the last `expect` up to and including `needle`.
    fn expect(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        let (bytes, cv) = &*self.out;
        let mut got = bytes.lock().unwrap();
        loop {
            if let Some(pos) = find(&got[self.at..], needle.as_bytes()) {
                let end = self.at + pos + needle.len();
                let text = String::from_utf8_lossy(&got[self.at..end]).into_owned();
                self.at = end;
                return text;
            }
            let now = Instant::now();
            if now >= deadline {
                panic!(
                    "console never showed {needle:?}; after the last match it showed {:?}",
                    String::from_utf8_lossy(&got[self.at..])
                );
            }
            got = cv.wait_timeout(got, deadline - now).unwrap().0;
        }
    }

    /// Sends SIGTERM and waits for a clean exit.
    fn stop(mut self) {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        )
        .expect("SIGTERM");
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                assert!(status.success(), "ros-sim exited with {status}");
                return;
            }
            if start.elapsed() > Duration::from_secs(10) {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("ros-sim did not exit on SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Guest {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Ends ros-sim with the test process.
fn die_with_parent() -> std::io::Result<()> {
    nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGTERM).map_err(std::io::Error::from)
}

#[test]
fn frontend_console_login_license_nag_command_and_refusal() {
    let ip = unique_address().to_string();
    let mut g = Guest::start(
        &["--address", &ip, "--port-offset", "23000"],
        die_with_parent,
    );
    assert!(
        g.header.iter().any(|l| l.contains("NOT enforced")),
        "{:?}",
        g.header
    );
    g.expect("MikroTik 7.23.7 (stable)\r\nMikroTik Login: ");

    // A wrong password: the telnet refusal, then the console's login prompt again.
    g.send(b"admin\r");
    g.expect("admin\r\nPassword: ");
    g.send(b"wrong\r");
    let refused = g.expect("MikroTik Login: ");
    assert_eq!(
        refused,
        "\r\nLogin failed, incorrect username or password\r\n\r\nMikroTik Login: "
    );

    // The first login of the router's life asks about the license, then the nag; Ctrl-C skips it.
    g.send(b"admin\r");
    g.expect("Password: ");
    g.send(b"\r");
    let banner = g.expect("Do you want to see the software license? [Y/n]: ");
    assert!(banner.contains("MikroTik RouterOS 7.23.7"), "{banner:?}");
    assert!(
        !banner.contains("Press F1"),
        "the question comes first: {banner:?}"
    );
    g.send(b"n\r");
    let rest = g.expect("new password> \rnew password> ");
    assert!(rest.starts_with("n\r\n"), "the answer is echoed: {rest:?}");
    assert!(rest.contains("Press F1 for help"), "{rest:?}");
    // The refused console login is pending, without an address.
    assert!(
        rest.contains("system,error,critical login failure for user admin via local\r\n"),
        "{rest:?}"
    );
    assert!(
        rest.contains("Change your password (Ctrl-C to skip)"),
        "{rest:?}"
    );
    g.send(b"\x03");
    g.expect("[admin@CHR] > ");

    g.send(b"/system identity print\r");
    let mut out = g.expect("[admin@CHR] > ");
    // The refused login's echo line may come first, with a prompt redraw of its own (RouterOS
    // prints echo lines whenever they happen): then the command's output follows.
    if !out.contains("name: CHR\r\n") && out.contains("echo: ") {
        out.push_str(&g.expect("[admin@CHR] > "));
    }
    assert!(out.contains("name: CHR\r\n"), "{out:?}");
    g.send(b"/log print\r");
    let out = g.expect("[admin@CHR] > ");
    assert!(
        out.contains("login failure for user admin via local"),
        "{out:?}"
    );

    // /quit returns to the login prompt; the second login does not ask again, and sets a password.
    g.send(b"/quit\r");
    g.expect("MikroTik 7.23.7 (stable)\r\nMikroTik Login: ");
    g.send(b"admin\r\r");
    let second = g.expect("new password> \rnew password> ");
    assert!(!second.contains("software license"), "{second:?}");
    g.send(b"pw123\r");
    g.expect("repeat new password> ");
    g.send(b"pw123\r");
    let changed = g.expect("[admin@CHR] > ");
    assert!(changed.contains("Password changed"), "{changed:?}");

    // Ctrl-D ends the session too; the new password works and no nag follows.
    g.send(b"\x04");
    g.expect("MikroTik Login: ");
    g.send(b"admin+ct\rpw123\r");
    let third = g.expect("[admin@CHR] > ");
    assert!(!third.contains("Change your password"), "{third:?}");
    assert!(!third.contains("software license"), "{third:?}");
    g.stop();
}

/// Root: ros-sim as the whole router of a fresh network namespace (`lo` and veths named
/// `ether1`, `ether2`): the console adds an address and a drop rule, the kernel gets both, and SIGTERM
/// removes the nft table.
#[test]
fn frontend_guest_owns_its_namespace_firewall_and_addresses() {
    use testsupport::{Need, require};
    if !require(&[Need::Root, Need::Nft]) {
        return;
    }
    let ns = chrlab_sim::netns::NetnsFd::new_isolated().expect("namespace");
    add_veth(&ns, "ether1", "peer1");
    add_veth(&ns, "ether2", "peer2");
    let fd = ns.raw_fd();
    let mut g = Guest::start(
        &[
            "--enforce-firewall",
            "--manage-addresses",
            "--address",
            "0.0.0.0",
        ],
        move || {
            // SAFETY: the fd is the namespace the parent holds open until the test ends.
            let ns = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
            nix::sched::setns(ns, nix::sched::CloneFlags::CLONE_NEWNET)
                .map_err(std::io::Error::from)?;
            die_with_parent()
        },
    );
    assert!(
        g.header
            .iter()
            .any(|l| l
                == "firewall: enforced by nftables (table inet chrlab) in this network namespace"),
        "{:?}",
        g.header
    );
    assert!(
        g.header.iter().any(
            |l| l.starts_with("ready: RouterOS 7.23.7 on 0.0.0.0 ") && l.contains(" telnet=23")
        ),
        "{:?}",
        g.header
    );
    assert!(
        nft_list(&ns).is_some(),
        "the table exists once ready is printed"
    );

    g.expect("MikroTik Login: ");
    g.send(b"admin\r\r");
    g.expect("[Y/n]: ");
    g.send(b"n\r");
    g.expect("new password> \rnew password> ");
    g.send(b"\x03");
    g.expect("[admin@CHR] > ");
    g.send(b"/interface print\r");
    let out = g.expect("[admin@CHR] > ");
    assert!(out.contains("ether1") && out.contains("ether2"), "{out:?}");
    g.send(b"/ip address add address=198.51.100.1/24 interface=ether2\r");
    let out = g.expect("[admin@CHR] > ");
    assert!(
        !out.contains("failure") && !out.contains("invalid"),
        "{out:?}"
    );

    // The kernel has the address, and telnet (bound to 0.0.0.0) answers on it.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !kernel_has(&ns, "198.51.100.1/24") {
        assert!(
            Instant::now() < deadline,
            "address never reached the kernel"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        connects(&ns, "198.51.100.1:23"),
        "telnet answers on the new address"
    );

    // A drop rule: the kernel table has it, and the port stops answering.
    g.send(b"/ip firewall filter add chain=input protocol=tcp dst-port=23 action=drop\r");
    g.expect("[admin@CHR] > ");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !nft_list(&ns).is_some_and(|t| t.contains("tcp dport 23") && t.contains("drop")) {
        assert!(
            Instant::now() < deadline,
            "rule never reached nftables: {:?}",
            nft_list(&ns)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!connects(&ns, "198.51.100.1:23"), "the drop rule drops");
    assert!(connects(&ns, "198.51.100.1:22"), "ssh is not dropped");

    // Disabling the entry removes the kernel address.
    g.send(b"/ip address disable 0\r");
    g.expect("[admin@CHR] > ");
    let deadline = Instant::now() + Duration::from_secs(5);
    while kernel_has(&ns, "198.51.100.1/24") {
        assert!(
            Instant::now() < deadline,
            "disabled address stayed in the kernel"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    g.stop();
    assert_eq!(nft_list(&ns), None, "SIGTERM removes table inet chrlab");
}

/// `nft list table inet chrlab` inside `ns`; `None` when there is no such table.
fn nft_list(ns: &chrlab_sim::netns::NetnsFd) -> Option<String> {
    ns.run(|| {
        let out = Command::new("nft")
            .args(["list", "table", "inet", "chrlab"])
            .stderr(Stdio::null())
            .output()
            .expect("run nft");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    })
    .expect("namespace thread")
}

/// A TCP connection from inside `ns` completes within a second.
fn connects(ns: &chrlab_sim::netns::NetnsFd, to: &str) -> bool {
    let to: std::net::SocketAddr = to.parse().expect("socket address");
    ns.run(move || std::net::TcpStream::connect_timeout(&to, Duration::from_secs(1)).is_ok())
        .expect("namespace thread")
}

/// Runs a netlink conversation inside `ns`.
fn netlink<T: Send + 'static, F>(
    ns: &chrlab_sim::netns::NetnsFd,
    f: impl FnOnce(rtnetlink::Handle) -> F + Send + 'static,
) -> T
where
    F: std::future::Future<Output = T>,
{
    ns.run(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let (conn, handle, _) = rtnetlink::new_connection().expect("netlink socket");
            let conn = tokio::spawn(conn);
            let out = f(handle).await;
            conn.abort();
            out
        })
    })
    .expect("namespace thread")
}

/// A veth pair `name` / `peer` inside `ns`, the peer up (the kernel here may lack the dummy
/// driver; a NIC of a VM looks the same to ros-sim).
fn add_veth(ns: &chrlab_sim::netns::NetnsFd, name: &'static str, peer: &'static str) {
    use futures::TryStreamExt;
    netlink(ns, move |h| async move {
        h.link()
            .add(rtnetlink::LinkVeth::new(name, peer).build())
            .execute()
            .await
            .expect("add veth pair");
        let link = h
            .link()
            .get()
            .match_name(peer.to_string())
            .execute()
            .try_next()
            .await
            .expect("find the peer")
            .expect("the peer exists");
        h.link()
            .set(
                rtnetlink::LinkUnspec::new_with_index(link.header.index)
                    .up()
                    .build(),
            )
            .execute()
            .await
            .expect("peer up");
    });
}

/// Whether any link in `ns` has `address` (`198.51.100.1/24`).
fn kernel_has(ns: &chrlab_sim::netns::NetnsFd, address: &'static str) -> bool {
    use futures::TryStreamExt;
    use rtnetlink::packet_route::address::AddressAttribute;
    netlink(ns, move |h| async move {
        let mut found = Vec::new();
        let mut stream = h.address().get().execute();
        while let Some(msg) = stream.try_next().await.expect("address dump") {
            for attr in &msg.attributes {
                if let AddressAttribute::Local(ip) = attr {
                    found.push(format!("{ip}/{}", msg.header.prefix_len));
                }
            }
        }
        found.iter().any(|a| a == address)
    })
}
