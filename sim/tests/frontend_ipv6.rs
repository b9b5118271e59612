//! IPv6 in the router's own namespace, over real sockets: every service listens on IPv6 too, log
//! lines name the IPv6 source (IPv4 ones stay plain), `/ipv6 firewall filter` drops only IPv6,
//! `disable-ipv6=yes` closes the IPv6 listeners. Needs root (and `nft` for the firewall test);
//! otherwise each test is a counted skip.
//!
//! A test binary of its own: these tests fork (`ip`, `nft`), and a child that has not yet reached
//! `exec` holds copies of the process's listening sockets, which would keep a port another test
//! just closed accepting for a moment. For the same reason they run one at a time ([`SERIAL`]).
//!
//! The namespace: the router at 192.0.2.1 and 2001:db8::1, a client at 192.0.2.66 and
//! 2001:db8::66, all on its `lo`, so every packet passes the input hook (as the enforcer's own
//! tests do with 127.0.0.1).

mod frontend_support;

use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use chrlab_sim::firewall::Enforcer;
use chrlab_sim::netns::NetnsFd;
use chrlab_sim::{RouterConfig, SimHandle, SimOptions};

use frontend_support::cli;

const ROUTER4: &str = "192.0.2.1";
const ROUTER6: &str = "2001:db8::1";
const CLIENT4: &str = "192.0.2.66";
const CLIENT6: &str = "2001:db8::66";
const SETTLE: Duration = Duration::from_secs(10);

/// Held by every test for its whole run.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test address parses")
}

/// A namespace with the four documentation addresses on `lo` (IPv6 without DAD: usable at once).
fn namespace(needs: &[testsupport::Need]) -> Option<NetnsFd> {
    if !testsupport::require(needs) {
        return None;
    }
    let ns = NetnsFd::new_isolated().expect("new network namespace (root)");
    let done = ns.run(|| {
        for (family, addr) in [
            ("-4", "192.0.2.1/32"),
            ("-4", "192.0.2.66/32"),
            ("-6", "2001:db8::1/128"),
            ("-6", "2001:db8::66/128"),
        ] {
            let mut args = vec![family, "addr", "add", addr, "dev", "lo"];
            if family == "-6" {
                args.push("nodad");
            }
            let st = std::process::Command::new("ip").args(&args).status()?;
            if !st.success() {
                return Err(std::io::Error::other(format!("ip {args:?}: {st}")));
            }
        }
        // The kernel publishes an IPv6 address's local route from its addrconf work, after
        // `ip` returns (even with nodad): wait until both are routable.
        let deadline = std::time::Instant::now() + Duration::from_secs(3);
        for addr in [ROUTER6, CLIENT6] {
            loop {
                let udp = std::net::UdpSocket::bind("[::]:0")?;
                match udp.connect((ip(addr), 9)) {
                    Ok(()) => break,
                    Err(e) if std::time::Instant::now() >= deadline => return Err(e),
                    Err(_) => std::thread::sleep(Duration::from_millis(1)),
                }
            }
        }
        Ok(())
    });
    match done {
        Ok(Ok(())) => Some(ns),
        other => panic!("addresses in the namespace: {other:?}"),
    }
}

/// The v7 simulator as the router of `ns`, listening on 192.0.2.1 (and, being the
/// namespace's router, on its IPv6 addresses).
async fn router_in(ns: &NetnsFd) -> SimHandle {
    chrlab_sim::start(SimOptions {
        address: ip(ROUTER4),
        port_offset: 0,
        router: RouterConfig::default(),
        netns: Some(ns.clone()),
    })
    .await
    .expect("simulator starts in the namespace")
}

/// A TCP connection from `from` to `to` inside `ns`: Ok, or how it failed (refused, timed out).
async fn connect(ns: &NetnsFd, from: &str, to: SocketAddr) -> Result<(), ErrorKind> {
    let (ns, from) = (ns.clone(), SocketAddr::new(ip(from), 0));
    tokio::task::spawn_blocking(move || {
        ns.run(move || {
            let sock = socket2::Socket::new(
                socket2::Domain::for_address(to),
                socket2::Type::STREAM,
                None,
            )
            .map_err(|e| e.kind())?;
            sock.bind(&from.into()).map_err(|e| e.kind())?;
            sock.connect_timeout(&to.into(), Duration::from_millis(400))
                .map_err(|e| e.kind())
        })
        .unwrap_or(Err(ErrorKind::Other))
    })
    .await
    .unwrap_or(Err(ErrorKind::Other))
}

struct AcceptAll;

impl russh::client::Handler for AcceptAll {
    type Error = russh::Error;
    async fn check_server_key(
        &mut self,
        _key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// An SSH password login from `from` to `to` inside `ns`; true when it succeeded.
async fn ssh_login(ns: &NetnsFd, from: &str, to: SocketAddr, password: &str) -> bool {
    let socket = chrlab_sim::netns::tcp_socket(Some(ns), to).expect("socket in the namespace");
    socket
        .bind(&SocketAddr::new(ip(from), 0).into())
        .expect("bind the client address");
    let socket = tokio::net::TcpSocket::from_std_stream(socket.into());
    let stream = socket.connect(to).await.expect("tcp connects");
    let config = Arc::new(russh::client::Config::default());
    let mut h = russh::client::connect_stream(config, stream, AcceptAll)
        .await
        .expect("ssh handshake");
    h.authenticate_password("admin", password)
        .await
        .expect("auth exchange")
        .success()
}

fn ssh6() -> SocketAddr {
    SocketAddr::new(ip(ROUTER6), 22)
}

fn ssh4() -> SocketAddr {
    SocketAddr::new(ip(ROUTER4), 22)
}

#[tokio::test]
async fn frontend_ipv6_ssh_over_ipv6_logs_the_ipv6_source_and_ipv4_stays_plain() {
    let _serial = SERIAL.lock().await;
    let Some(ns) = namespace(&[testsupport::Need::Root]) else {
        return;
    };
    let sim = router_in(&ns).await;
    assert_eq!(sim.address6(), Some(ip("::")));
    assert!(sim.ipv6_listening());
    assert!(!ssh_login(&ns, CLIENT6, ssh6(), "wrong").await);
    assert!(!ssh_login(&ns, CLIENT4, ssh4(), "wrong").await);
    assert!(ssh_login(&ns, CLIENT6, ssh6(), "").await);
    let log = cli(&sim, "/log print");
    assert!(
        log.contains("login failure for user admin from 2001:db8::66 via ssh"),
        "{log}"
    );
    assert!(
        log.contains("login failure for user admin from 192.0.2.66 via ssh"),
        "{log}"
    );
    assert!(
        log.contains("user admin logged in from 2001:db8::66 via ssh"),
        "{log}"
    );
    assert!(!log.contains("::ffff:"), "{log}");
    // Every enabled service, on the same port.
    for port in [21, 23, 80, 8291, 8728, 8729] {
        let to = SocketAddr::new(ip(ROUTER6), port);
        assert_eq!(connect(&ns, CLIENT6, to).await, Ok(()), "port {port}");
    }
    // www-ssl is disabled in a fresh CHR: nothing on 443 in either family.
    let closed = SocketAddr::new(ip(ROUTER6), 443);
    assert_eq!(
        connect(&ns, CLIENT6, closed).await,
        Err(ErrorKind::ConnectionRefused)
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_ipv6_service_address_takes_ipv6_prefixes() {
    let _serial = SERIAL.lock().await;
    let Some(ns) = namespace(&[testsupport::Need::Root]) else {
        return;
    };
    let sim = router_in(&ns).await;
    assert_eq!(
        cli(
            &sim,
            "/ip service set ssh address=2001:db8::10/128,192.0.2.0/24"
        ),
        ""
    );
    sim.settled(SETTLE).await.expect("listeners settle");
    assert!(sim.router().service_allows("ssh", Some(ip("2001:db8::10"))));
    assert!(!sim.router().service_allows("ssh", Some(ip(CLIENT6))));
    assert!(sim.router().service_allows("ssh", Some(ip(CLIENT4))));
    // The port is open, but the client is not admitted: the connection closes at once.
    let socket = chrlab_sim::netns::tcp_socket(Some(&ns), ssh6()).expect("socket");
    socket
        .bind(&SocketAddr::new(ip(CLIENT6), 0).into())
        .expect("bind");
    let socket = tokio::net::TcpSocket::from_std_stream(socket.into());
    let mut stream = socket.connect(ssh6()).await.expect("the port is open");
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(
        Duration::from_secs(5),
        tokio::io::AsyncReadExt::read(&mut stream, &mut buf),
    )
    .await
    .expect("closed in time");
    assert!(matches!(n, Ok(0) | Err(_)), "no SSH banner: {n:?}");
    sim.shutdown().await;
}

async fn settle(e: &Enforcer) {
    tokio::time::timeout(SETTLE, e.settled())
        .await
        .expect("enforcer settles in time")
        .expect("the ruleset is enforced");
}

#[tokio::test]
async fn frontend_ipv6_drop_rule_blocks_ipv6_while_ipv4_connects() {
    let _serial = SERIAL.lock().await;
    let Some(ns) = namespace(&[testsupport::Need::Root, testsupport::Need::Nft]) else {
        return;
    };
    let sim = router_in(&ns).await;
    let enforcer = Enforcer::spawn(ns.clone(), sim.router().watch_firewall());
    settle(&enforcer).await;
    assert_eq!(connect(&ns, CLIENT6, ssh6()).await, Ok(()));
    assert_eq!(connect(&ns, CLIENT4, ssh4()).await, Ok(()));

    assert_eq!(
        cli(
            &sim,
            "/ipv6 firewall filter add chain=input action=drop protocol=tcp dst-port=22 src-address=2001:db8::66"
        ),
        ""
    );
    settle(&enforcer).await;
    assert_eq!(
        connect(&ns, CLIENT6, ssh6()).await,
        Err(ErrorKind::TimedOut)
    );
    assert_eq!(connect(&ns, CLIENT4, ssh4()).await, Ok(()));

    // An IPv4 rule that drops everything to port 22 leaves IPv6 alone, and vice versa.
    assert_eq!(cli(&sim, "/ipv6 firewall filter remove 0"), "");
    assert_eq!(
        cli(
            &sim,
            "/ip firewall filter add chain=input action=drop protocol=tcp dst-port=22"
        ),
        ""
    );
    settle(&enforcer).await;
    assert_eq!(connect(&ns, CLIENT6, ssh6()).await, Ok(()));
    assert_eq!(
        connect(&ns, CLIENT4, ssh4()).await,
        Err(ErrorKind::TimedOut)
    );

    // Address lists of the IPv6 menu: reject from the listed prefix only.
    assert_eq!(cli(&sim, "/ip firewall filter remove 0"), "");
    for line in [
        "/ipv6 firewall address-list add list=untrusted address=2001:db8::66",
        "/ipv6 firewall filter add chain=input action=reject reject-with=tcp-reset protocol=tcp src-address-list=untrusted",
    ] {
        assert_eq!(cli(&sim, line), "", "{line}");
    }
    settle(&enforcer).await;
    assert_eq!(
        connect(&ns, CLIENT6, ssh6()).await,
        Err(ErrorKind::ConnectionRefused)
    );
    assert_eq!(connect(&ns, CLIENT4, ssh4()).await, Ok(()));
    enforcer.shutdown();
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_ipv6_disable_ipv6_stops_listening_on_ipv6() {
    let _serial = SERIAL.lock().await;
    let Some(ns) = namespace(&[testsupport::Need::Root]) else {
        return;
    };
    let sim = router_in(&ns).await;
    assert_eq!(connect(&ns, CLIENT6, ssh6()).await, Ok(()));
    assert_eq!(cli(&sim, "/ipv6 settings set disable-ipv6=yes"), "");
    sim.settled(SETTLE).await.expect("listeners settle");
    assert!(!sim.ipv6_listening());
    assert_eq!(
        connect(&ns, CLIENT6, ssh6()).await,
        Err(ErrorKind::ConnectionRefused)
    );
    assert_eq!(connect(&ns, CLIENT4, ssh4()).await, Ok(()));
    assert_eq!(cli(&sim, "/ipv6 settings set disable-ipv6=no"), "");
    sim.settled(SETTLE).await.expect("listeners settle");
    assert_eq!(connect(&ns, CLIENT6, ssh6()).await, Ok(()));
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_ipv6_listeners_come_back_after_a_reboot() {
    let _serial = SERIAL.lock().await;
    let Some(ns) = namespace(&[testsupport::Need::Root]) else {
        return;
    };
    let sim = router_in(&ns).await;
    assert_eq!(connect(&ns, CLIENT6, ssh6()).await, Ok(()));
    sim.router().reboot();
    sim.settled(SETTLE).await.expect("the router is back");
    assert_eq!(connect(&ns, CLIENT6, ssh6()).await, Ok(()));
    assert_eq!(connect(&ns, CLIENT4, ssh4()).await, Ok(()));
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_ipv6_a_v6_router_and_a_shared_namespace_stay_ipv4_only() {
    let _serial = SERIAL.lock().await;
    let Some(ns) = namespace(&[testsupport::Need::Root]) else {
        return;
    };
    let sim = chrlab_sim::start(SimOptions {
        address: ip(ROUTER4),
        port_offset: 0,
        router: RouterConfig::for_version(
            routeros::version::Version::parse("6.49.13").expect("version"),
        ),
        netns: Some(ns.clone()),
    })
    .await
    .expect("simulator starts");
    assert!(!sim.ipv6_listening());
    assert_eq!(
        connect(&ns, CLIENT6, ssh6()).await,
        Err(ErrorKind::ConnectionRefused)
    );
    assert_eq!(connect(&ns, CLIENT4, ssh4()).await, Ok(()));
    sim.shutdown().await;
    // A simulator on one loopback address of the caller's namespace binds no IPv6.
    let shared = frontend_support::sim().await;
    assert_eq!(shared.address6(), None);
    shared.shutdown().await;
}
