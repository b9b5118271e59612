//! The listener manager follows /ip service live: enable, disable, re-port, max-sessions, shutdown.

mod frontend_support;

use std::net::SocketAddr;

use frontend_support::*;
use tokio::net::TcpStream;

#[tokio::test]
async fn frontend_listeners_every_enabled_service_listens_at_start() {
    let sim = sim().await;
    for (service, port) in [
        ("telnet", 23),
        ("ftp", 21),
        ("www", 80),
        ("ssh", 22),
        ("api", 8728),
        ("winbox", 8291),
        ("api-ssl", 8729),
    ] {
        assert_eq!(sim.port(service), Some(port + OFFSET), "{service}");
        TcpStream::connect((sim.address(), port + OFFSET))
            .await
            .unwrap_or_else(|e| panic!("{service}: {e}"));
    }
    assert_eq!(sim.port("www-ssl"), None);
    assert!(refused(SocketAddr::new(sim.address(), 443 + OFFSET)).await);
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_listeners_disable_closes_and_port_change_moves_live() {
    let sim = sim().await;
    let ip = sim.address();
    let telnet = SocketAddr::new(ip, 23 + OFFSET);
    // An open session survives the disable.
    let mut kept = TcpStream::connect(telnet).await.unwrap();
    read_until(&mut kept, b"Login: ").await;
    cli(&sim, "/ip service disable telnet");
    assert!(eventually(|| sim.port("telnet").is_none()).await);
    assert!(refused(telnet).await, "telnet port closed at once");
    use tokio::io::AsyncWriteExt;
    kept.write_all(b"admin\r\n").await.unwrap();
    assert!(
        read_until(&mut kept, b"Password: ")
            .await
            .ends_with(b"Password: ")
    );

    cli(&sim, "/ip service set ssh port=2222");
    assert!(eventually(|| sim.port("ssh") == Some(2222 + OFFSET)).await);
    assert!(refused(SocketAddr::new(ip, 22 + OFFSET)).await);
    let mut s = TcpStream::connect((ip, 2222 + OFFSET)).await.unwrap();
    assert!(
        read_until(&mut s, b"\r\n")
            .await
            .starts_with(b"SSH-2.0-ROSSSH")
    );

    cli(&sim, "/ip service enable telnet");
    assert!(eventually(|| sim.port("telnet").is_some()).await);
    TcpStream::connect(telnet).await.unwrap();
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_listeners_max_sessions_is_enforced() {
    let sim = sim().await;
    cli(&sim, "/ip service set telnet max-sessions=1");
    let telnet = addr(&sim, "telnet", sim.address());
    let mut first = TcpStream::connect(telnet).await.unwrap();
    assert!(
        read_until(&mut first, b"Login: ")
            .await
            .ends_with(b"Login: ")
    );
    let mut second = TcpStream::connect(telnet).await.unwrap();
    assert!(closed_by_peer(&mut second).await, "second session refused");
    drop(first);
    // The slot comes back.
    let mut ok = false;
    for _ in 0..40 {
        let mut third = TcpStream::connect(telnet).await.unwrap();
        if read_until(&mut third, b"Login: ")
            .await
            .ends_with(b"Login: ")
        {
            ok = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(ok);
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_listeners_shutdown_and_drop_close_everything() {
    let sim = sim().await;
    let ip = sim.address();
    let mut open = TcpStream::connect((ip, 23 + OFFSET)).await.unwrap();
    read_until(&mut open, b"Login: ").await;
    sim.shutdown().await;
    assert!(refused(SocketAddr::new(ip, 23 + OFFSET)).await);
    assert!(refused(SocketAddr::new(ip, 8728 + OFFSET)).await);
    assert!(closed_by_peer(&mut open).await, "sessions end at shutdown");

    let sim = sim_with(None, None).await;
    let ip = sim.address();
    drop(sim);
    assert!(eventually_async_refused(SocketAddr::new(ip, 22 + OFFSET)).await);
}

async fn eventually_async_refused(addr: SocketAddr) -> bool {
    for _ in 0..40 {
        if refused(addr).await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn frontend_listeners_bind_inside_the_given_namespace() {
    if !testsupport::require(&[testsupport::Need::Root]) {
        return;
    }
    let ns =
        chrlab_sim::netns::NetnsFd::new_isolated().expect("new network namespace (needs root)");
    let sim = chrlab_sim::start(chrlab_sim::SimOptions {
        address: "127.0.0.1".parse().unwrap(),
        port_offset: 0,
        router: chrlab_sim::RouterConfig::default(),
        netns: Some(ns.clone()),
    })
    .await
    .expect("simulator starts in the namespace");
    assert_eq!(sim.port("api"), Some(8728));
    // Inside the namespace the API answers; the host namespace's 127.0.0.1:8728 is another socket space.
    let ns2 = ns.clone();
    let inside = tokio::task::spawn_blocking(move || {
        ns2.run(|| {
            use std::io::{Read, Write};
            let mut s = std::net::TcpStream::connect(("127.0.0.1", 8728))?;
            s.set_read_timeout(Some(std::time::Duration::from_secs(5)))?;
            s.write_all(&routeros::api::encode_sentence(&[
                "/login",
                "=name=admin",
                "=password=",
            ]))?;
            let mut buf = [0u8; 7];
            s.read_exact(&mut buf)?;
            Ok::<_, std::io::Error>(buf)
        })
    })
    .await
    .unwrap()
    .unwrap()
    .expect("api inside the namespace");
    assert_eq!(&inside, b"\x05!done\x00");
    let ns3 = ns.clone();
    let ip = tokio::task::spawn_blocking(move || client_ip_in(&ns3))
        .await
        .unwrap();
    assert!(log_has(&sim, &format!("user admin logged in from {ip} via api")).await);
    sim.shutdown().await;
}

fn client_ip_in(ns: &chrlab_sim::netns::NetnsFd) -> std::net::IpAddr {
    ns.run(|| {
        std::net::TcpStream::connect(("127.0.0.1", 8291))
            .and_then(|s| s.local_addr())
            .map(|a| a.ip())
    })
    .unwrap()
    .expect("winbox inside the namespace")
}

#[tokio::test]
async fn frontend_listeners_service_address_denies_other_clients_at_connect() {
    let sim = sim().await;
    cli(&sim, "/ip service set api address=192.0.2.0/24");
    let api = addr(&sim, "api", sim.address());
    // Still open to a scan, but the connection is closed before any byte.
    let mut s = TcpStream::connect(api).await.expect("port stays open");
    use tokio::io::AsyncWriteExt;
    let _ = s
        .write_all(&routeros::api::encode_sentence(&[
            "/login",
            "=name=admin",
            "=password=",
        ]))
        .await;
    let mut buf = [0u8; 16];
    use tokio::io::AsyncReadExt;
    let n = tokio::time::timeout(std::time::Duration::from_secs(3), s.read(&mut buf))
        .await
        .expect("closed in time")
        .unwrap_or(0);
    assert_eq!(n, 0, "no reply bytes");
    assert!(!log_messages(&sim).contains("via api"));
    // Allowed again: the login works.
    cli(&sim, "/ip service set api address=\"\"");
    let mut s = TcpStream::connect(api).await.unwrap();
    s.write_all(&routeros::api::encode_sentence(&[
        "/login",
        "=name=admin",
        "=password=",
    ]))
    .await
    .unwrap();
    assert_eq!(read_exact(&mut s, 7).await, b"\x05!done\x00");
    sim.shutdown().await;
}

/// A simulator whose listeners take `delay` to follow each change of `/ip service`, as on a
/// loaded machine.
async fn slow_sim(delay: std::time::Duration) -> chrlab_sim::SimHandle {
    chrlab_sim::start(chrlab_sim::SimOptions {
        address: unique_address(),
        port_offset: OFFSET,
        router: chrlab_sim::RouterConfig {
            listener_delay: delay,
            ..chrlab_sim::RouterConfig::default()
        },
        netns: None,
    })
    .await
    .expect("simulator starts")
}

const SETTLE: std::time::Duration = std::time::Duration::from_secs(10);

#[tokio::test]
async fn frontend_listeners_settled_waits_until_the_listeners_follow_ip_service() {
    // The listeners lag 300 ms behind every change: a probe right after the command would see
    // the old state; after `settled` it must see the new one.
    let sim = slow_sim(std::time::Duration::from_millis(300)).await;
    let ip = sim.address();
    let telnet = SocketAddr::new(ip, 23 + OFFSET);
    for round in 0..2 {
        cli(&sim, "/ip service disable telnet");
        sim.settled(SETTLE).await.expect("settles");
        assert!(
            refused(telnet).await,
            "round {round}: telnet closed once settled"
        );
        cli(&sim, "/ip service enable telnet");
        sim.settled(SETTLE).await.expect("settles");
        let mut s = TcpStream::connect(telnet)
            .await
            .unwrap_or_else(|e| panic!("round {round}: telnet open once settled: {e}"));
        assert!(read_until(&mut s, b"Login: ").await.ends_with(b"Login: "));
        cli(&sim, "/ip service set telnet port=2323");
        sim.settled(SETTLE).await.expect("settles");
        assert!(refused(telnet).await, "round {round}: the old port closed");
        TcpStream::connect((ip, 2323 + OFFSET))
            .await
            .unwrap_or_else(|e| panic!("round {round}: the new port open: {e}"));
        cli(&sim, "/ip service set telnet port=23");
        sim.settled(SETTLE).await.expect("settles");
        assert!(refused(SocketAddr::new(ip, 2323 + OFFSET)).await);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_listeners_settled_reports_a_port_that_cannot_be_opened() {
    let sim = sim().await;
    let ip = sim.address();
    // Something else holds the port the service is moved to.
    let squatter = std::net::TcpListener::bind((ip, 2323 + OFFSET)).expect("bind the squatter");
    cli(&sim, "/ip service set telnet port=2323");
    let err = sim.settled(SETTLE).await.expect_err("telnet cannot listen");
    let chrlab_sim::Unsettled::NotListening(failed) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(failed.len(), 1, "{err}");
    assert_eq!(
        (failed[0].service.as_str(), failed[0].port),
        ("telnet", 2323 + OFFSET)
    );
    assert!(
        err.to_string().starts_with(&format!(
            "service telnet is not listening on port {}: ",
            2323 + OFFSET
        )),
        "{err}"
    );
    // Other services are unaffected, and once the port is free again a change settles.
    assert!(sim.port("ssh").is_some());
    drop(squatter);
    cli(&sim, "/ip service set telnet port=23");
    sim.settled(SETTLE).await.expect("settles");
    TcpStream::connect((ip, 23 + OFFSET))
        .await
        .expect("telnet back");
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_listeners_settled_gives_up_at_its_deadline_and_says_where_it_was() {
    let sim = slow_sim(std::time::Duration::from_secs(30)).await;
    cli(&sim, "/ip service disable telnet");
    let err = sim
        .settled(std::time::Duration::from_millis(200))
        .await
        .expect_err("the listeners are 30 s behind");
    assert_eq!(
        err,
        chrlab_sim::Unsettled::Timeout {
            deadline: std::time::Duration::from_millis(200),
            wanted: 1,
            at: "service table 0 followed".into(),
        }
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_listeners_settled_waits_for_a_reboot_to_end() {
    let sim = sim().await;
    sim.router().reboot();
    assert_eq!(sim.router().power(), chrlab_sim::Power::Rebooting);
    sim.settled(SETTLE).await.expect("settles after the boot");
    assert_eq!(sim.router().power(), chrlab_sim::Power::Up);
    let ssh = SocketAddr::new(sim.address(), 22 + OFFSET);
    let mut s = TcpStream::connect(ssh)
        .await
        .expect("ssh back after the boot");
    assert!(
        read_until(&mut s, b"\r\n")
            .await
            .starts_with(b"SSH-2.0-ROSSSH")
    );
    sim.shutdown().await;
}
