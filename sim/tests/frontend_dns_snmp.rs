//! The DNS resolver (UDP and TCP 53) and the SNMP agent (UDP 161) over real sockets: off on a
//! fresh router, on while `/ip dns allow-remote-requests=yes` / `/snmp enabled=yes`, off again
//! when turned off; `/ip dns static` names answered, other names SERVFAIL; `public` answers
//! `sysDescr.0` and `sysName.0`, a wrong community gets nothing. The last test runs the router
//! in a namespace of its own with its firewall enforced (root and `nft`; else a counted skip):
//! `protocol=udp dst-port=53` drops DNS over UDP and leaves TCP, and IPv6 gets answers too.

mod frontend_support;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use chrlab_sim::SimHandle;
use routeros::dns::{self, Message, Rcode};
use routeros::snmp::{self, Oid, Value, Version};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use frontend_support::{OFFSET, cli, sim_with};

const SETTLE: Duration = Duration::from_secs(10);
const WAIT: Duration = Duration::from_millis(400);

async fn settled(sim: &SimHandle) {
    sim.settled(SETTLE)
        .await
        .expect("listeners follow the model");
}

/// Sends one datagram and waits for the first reply.
async fn udp(to: SocketAddr, request: &[u8]) -> Option<Vec<u8>> {
    let bind: SocketAddr = if to.is_ipv4() {
        "0.0.0.0:0".parse().ok()?
    } else {
        "[::]:0".parse().ok()?
    };
    let sock = tokio::net::UdpSocket::bind(bind).await.ok()?;
    sock.connect(to).await.ok()?;
    sock.send(request).await.ok()?;
    let mut buf = vec![0u8; 4096];
    match tokio::time::timeout(WAIT, sock.recv(&mut buf)).await {
        Ok(Ok(n)) => Some(buf[..n].to_vec()),
        _ => None,
    }
}

async fn dns_udp(ip: IpAddr, name: &str) -> Option<Message> {
    let q = dns::query(0x5151, name, dns::TYPE_A).expect("query");
    let reply = udp(SocketAddr::new(ip, OFFSET + dns::PORT), &q).await?;
    Some(Message::parse(&reply).expect("a DNS reply parses"))
}

async fn dns_tcp(ip: IpAddr, name: &str) -> Option<Message> {
    let to = SocketAddr::new(ip, OFFSET + dns::PORT);
    let mut s = tokio::net::TcpStream::connect(to).await.ok()?;
    let q = dns::query(0x7272, name, dns::TYPE_A).expect("query");
    s.write_all(&dns::tcp_frame(&q).expect("frame"))
        .await
        .ok()?;
    let mut len = [0u8; 2];
    tokio::time::timeout(WAIT, s.read_exact(&mut len))
        .await
        .ok()?
        .ok()?;
    let mut body = vec![0u8; usize::from(u16::from_be_bytes(len))];
    tokio::time::timeout(WAIT, s.read_exact(&mut body))
        .await
        .ok()?
        .ok()?;
    Some(Message::parse(&body).expect("a DNS reply parses"))
}

async fn snmp_get(
    ip: IpAddr,
    version: Version,
    community: &[u8],
    oids: &[&str],
) -> Option<snmp::Message> {
    let oids: Vec<Oid> = oids.iter().map(|o| o.parse().expect("oid")).collect();
    let req = snmp::get_request(version, community, 4711, &oids);
    let reply = udp(SocketAddr::new(ip, OFFSET + snmp::PORT), &req).await?;
    Some(snmp::Message::parse(&reply).expect("an SNMP reply parses"))
}

#[tokio::test]
async fn frontend_dns_answers_remote_requests_only_while_allowed() {
    let sim = sim_with(None, None).await;
    let ip = sim.address();
    assert_eq!(sim.port("dns"), None, "off on a fresh router");
    assert!(dns_udp(ip, "chrlab-probe.example.").await.is_none());
    assert!(dns_tcp(ip, "chrlab-probe.example.").await.is_none());

    assert_eq!(cli(&sim, "/ip dns set allow-remote-requests=yes"), "");
    settled(&sim).await;
    assert_eq!(sim.port("dns"), Some(OFFSET + 53));
    // No upstream server: SERVFAIL, recursion available, the question echoed.
    for reply in [
        dns_udp(ip, "chrlab-probe.example.").await,
        dns_tcp(ip, "chrlab-probe.example.").await,
    ] {
        let reply = reply.expect("an open resolver answers");
        assert!(reply.response && reply.recursion_available, "{reply:?}");
        assert_eq!(reply.rcode, Rcode::ServFail);
        assert_eq!(
            reply.question.map(|q| q.name),
            Some("chrlab-probe.example".to_string())
        );
    }
    // A static name is answered with its address, over both transports; case does not matter.
    assert_eq!(
        cli(&sim, "/ip dns static add name=router.lan address=192.0.2.1"),
        ""
    );
    let udp_reply = dns_udp(ip, "Router.LAN").await.expect("answered");
    let tcp_reply = dns_tcp(ip, "router.lan.").await.expect("answered");
    for reply in [udp_reply, tcp_reply] {
        assert_eq!(reply.rcode, Rcode::NoError);
        assert_eq!(
            reply.answers_a,
            vec!["192.0.2.1".parse::<std::net::Ipv4Addr>().unwrap()]
        );
    }
    // Garbage gets nothing, and the resolver still answers afterwards.
    assert!(
        udp(SocketAddr::new(ip, OFFSET + 53), b"\x01\x02garbage")
            .await
            .is_none()
    );
    assert!(dns_udp(ip, "router.lan").await.is_some());

    assert_eq!(cli(&sim, "/ip dns set allow-remote-requests=no"), "");
    settled(&sim).await;
    assert_eq!(sim.port("dns"), None);
    assert!(dns_udp(ip, "router.lan").await.is_none());
    assert!(dns_tcp(ip, "router.lan").await.is_none());
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_snmp_answers_public_only_while_enabled() {
    let sim = sim_with(None, Some("lab-snmp")).await;
    let ip = sim.address();
    let both = [snmp::SYS_DESCR, snmp::SYS_NAME];
    assert_eq!(sim.port("snmp"), None, "off on a fresh router");
    assert!(snmp_get(ip, Version::V2c, b"public", &both).await.is_none());

    assert_eq!(cli(&sim, "/snmp set enabled=yes"), "");
    settled(&sim).await;
    assert_eq!(sim.port("snmp"), Some(OFFSET + 161));
    for version in [Version::V1, Version::V2c] {
        let reply = snmp_get(ip, version, b"public", &both)
            .await
            .expect("public answers");
        assert_eq!(
            (reply.pdu, reply.request_id, reply.error_status),
            (snmp::GET_RESPONSE, 4711, 0)
        );
        assert_eq!(reply.version, version);
        let values: Vec<&Value> = reply.varbinds.iter().map(|(_, v)| v).collect();
        assert_eq!(
            values,
            [
                &Value::OctetString(b"RouterOS CHR".to_vec()),
                &Value::OctetString(b"lab-snmp".to_vec())
            ]
        );
    }
    // A wrong community is ignored, as RouterOS does.
    assert!(
        snmp_get(ip, Version::V2c, b"private", &both)
            .await
            .is_none()
    );
    // An object the agent does not serve: noSuchObject (v2c), noSuchName (v1).
    let v2 = snmp_get(ip, Version::V2c, b"public", &["1.3.6.1.2.1.99.0"])
        .await
        .expect("answered");
    assert_eq!(v2.varbinds[0].1, Value::NoSuchObject);
    let v1 = snmp_get(ip, Version::V1, b"public", &["1.3.6.1.2.1.99.0"])
        .await
        .expect("answered");
    assert_eq!((v1.error_status, v1.error_index), (snmp::NO_SUCH_NAME, 1));
    // A community limited to other addresses is ignored from here; a disabled one too.
    assert_eq!(
        cli(&sim, "/snmp community set public addresses=198.51.100.0/24"),
        ""
    );
    assert!(snmp_get(ip, Version::V2c, b"public", &both).await.is_none());
    assert_eq!(
        cli(
            &sim,
            "/snmp community set public addresses=::/0 disabled=yes"
        ),
        ""
    );
    assert!(snmp_get(ip, Version::V2c, b"public", &both).await.is_none());
    assert_eq!(cli(&sim, "/snmp community set public disabled=no"), "");
    assert!(snmp_get(ip, Version::V2c, b"public", &both).await.is_some());

    assert_eq!(cli(&sim, "/snmp set enabled=no"), "");
    settled(&sim).await;
    assert_eq!(sim.port("snmp"), None);
    assert!(snmp_get(ip, Version::V2c, b"public", &both).await.is_none());
    sim.shutdown().await;
}

/// A namespace with the router's and a client's documentation addresses on `lo`.
fn namespace() -> Option<chrlab_sim::netns::NetnsFd> {
    if !testsupport::require(&[testsupport::Need::Root, testsupport::Need::Nft]) {
        return None;
    }
    let ns = chrlab_sim::netns::NetnsFd::new_isolated().expect("new network namespace (root)");
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
        // The IPv6 local routes appear a moment after `ip` returns.
        let deadline = std::time::Instant::now() + Duration::from_secs(3);
        for addr in ["2001:db8::1", "2001:db8::66"] {
            loop {
                let probe = std::net::UdpSocket::bind("[::]:0")?;
                match probe.connect((addr.parse::<IpAddr>().expect("ip"), 9)) {
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

/// A DNS query over UDP from `from` to port 53 of `to`, inside `ns`.
async fn dns_udp_in(ns: &chrlab_sim::netns::NetnsFd, from: &str, to: &str) -> Option<Message> {
    let from = SocketAddr::new(from.parse().ok()?, 0);
    let to = SocketAddr::new(to.parse().ok()?, dns::PORT);
    let sock = chrlab_sim::netns::bind_udp(Some(ns), from).ok()?;
    let sock = tokio::net::UdpSocket::from_std(sock).ok()?;
    let q = dns::query(9, "chrlab-probe.example.", dns::TYPE_A).ok()?;
    sock.send_to(&q, to).await.ok()?;
    let mut buf = vec![0u8; 1024];
    let n = tokio::time::timeout(WAIT, sock.recv(&mut buf))
        .await
        .ok()?
        .ok()?;
    Message::parse(&buf[..n]).ok()
}

/// Whether a TCP connection from `from` to port 53 of `to`, inside `ns`, completes.
async fn dns_tcp_connects(ns: &chrlab_sim::netns::NetnsFd, from: &str, to: &str) -> bool {
    let to = SocketAddr::new(to.parse().expect("ip"), dns::PORT);
    let socket = chrlab_sim::netns::tcp_socket(Some(ns), to).expect("socket in the namespace");
    socket
        .bind(&SocketAddr::new(from.parse().expect("ip"), 0).into())
        .expect("bind the client address");
    let socket = tokio::net::TcpSocket::from_std_stream(socket.into());
    matches!(
        tokio::time::timeout(WAIT, socket.connect(to)).await,
        Ok(Ok(_))
    )
}

async fn enforced(e: &chrlab_sim::firewall::Enforcer) {
    tokio::time::timeout(SETTLE, e.settled())
        .await
        .expect("enforcer settles in time")
        .expect("the ruleset is enforced");
}

#[tokio::test]
async fn frontend_dns_udp_rules_of_the_input_chain_apply_and_ipv6_is_answered() {
    let Some(ns) = namespace() else {
        return;
    };
    let sim = chrlab_sim::start(chrlab_sim::SimOptions {
        address: "192.0.2.1".parse().expect("ip"),
        port_offset: 0,
        router: chrlab_sim::RouterConfig::default(),
        netns: Some(ns.clone()),
    })
    .await
    .expect("simulator starts in the namespace");
    let enforcer = chrlab_sim::firewall::Enforcer::spawn(ns.clone(), sim.router().watch_firewall());
    assert_eq!(cli(&sim, "/ip dns set allow-remote-requests=yes"), "");
    settled(&sim).await;
    enforced(&enforcer).await;
    let v4 = dns_udp_in(&ns, "192.0.2.66", "192.0.2.1").await;
    assert_eq!(v4.map(|m| m.rcode), Some(Rcode::ServFail));
    let v6 = dns_udp_in(&ns, "2001:db8::66", "2001:db8::1").await;
    assert_eq!(
        v6.map(|m| m.rcode),
        Some(Rcode::ServFail),
        "ipv6 answered too"
    );

    assert_eq!(
        cli(
            &sim,
            "/ip firewall filter add chain=input action=drop protocol=udp dst-port=53 src-address=192.0.2.66"
        ),
        ""
    );
    enforced(&enforcer).await;
    assert!(
        dns_udp_in(&ns, "192.0.2.66", "192.0.2.1").await.is_none(),
        "udp dropped"
    );
    assert!(
        dns_tcp_connects(&ns, "192.0.2.66", "192.0.2.1").await,
        "tcp not"
    );
    assert!(
        dns_udp_in(&ns, "2001:db8::66", "2001:db8::1")
            .await
            .is_some(),
        "ipv6 not"
    );
    sim.shutdown().await;
    enforcer.shutdown();
}
