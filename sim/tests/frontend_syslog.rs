//! Remote logging over a real socket: a `/system logging action target=remote` sends each line
//! its rules select as one RFC 3164 datagram to `remote:remote-port`, from the router's address;
//! nothing once the rule is disabled or the action removed, and nothing on a fresh router.

mod frontend_support;

use std::net::SocketAddr;
use std::time::Duration;

use chrlab_sim::Via;
use routeros::syslog::Received;
use tokio::net::UdpSocket;

use frontend_support::{cli, sim_with};

const WAIT: Duration = Duration::from_millis(400);

/// The next datagram within [`WAIT`], with its source.
async fn next(collector: &UdpSocket) -> Option<(Vec<u8>, SocketAddr)> {
    let mut buf = vec![0u8; 2048];
    match tokio::time::timeout(WAIT, collector.recv_from(&mut buf)).await {
        Ok(Ok((n, from))) => Some((buf[..n].to_vec(), from)),
        _ => None,
    }
}

#[tokio::test]
async fn frontend_remote_action_sends_failed_logins_while_its_rule_is_enabled() {
    let sim = sim_with(None, Some("lab-syslog")).await;
    let collector = UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("bind collector");
    let port = collector.local_addr().expect("collector address").port();
    let fail = |user: &str| {
        assert!(
            sim.router()
                .login(user, "wrong", Via::Ssh, "192.0.2.10".parse().ok())
                .is_err()
        );
    };
    // Factory: the `remote` action points at 0.0.0.0 and no rule uses it.
    fail("admin");
    assert!(
        next(&collector).await.is_none(),
        "a fresh router sends nothing"
    );

    assert_eq!(
        cli(
            &sim,
            &format!(
                "/system logging action add name=collector target=remote remote=127.0.0.1 remote-port={port}"
            )
        ),
        ""
    );
    assert_eq!(
        cli(&sim, "/system logging add topics=critical action=collector"),
        ""
    );
    fail("admin");
    let (bytes, from) = next(&collector).await.expect("the failed login is sent");
    assert_eq!(from.ip(), sim.address(), "sent from the router's address");
    let got = Received::parse(&bytes);
    assert!(
        got.carries(
            "system,error,critical",
            "login failure for user admin from 192.0.2.10 via ssh"
        ),
        "{got:?}"
    );
    assert_eq!(got.pri, Some(26), "daemon.crit");
    assert!(got.text.contains(" lab-syslog "), "{got:?}");
    // Lines the rule does not select are not sent.
    assert!(next(&collector).await.is_none());

    assert_eq!(
        cli(
            &sim,
            "/system logging set [find action=collector] disabled=yes"
        ),
        ""
    );
    fail("admin");
    assert!(
        next(&collector).await.is_none(),
        "a disabled rule sends nothing"
    );
    assert_eq!(
        cli(
            &sim,
            "/system logging set [find action=collector] disabled=no"
        ),
        ""
    );
    fail("other");
    assert!(next(&collector).await.is_some(), "enabled again");
    assert_eq!(
        cli(&sim, "/system logging action remove [find name=collector]"),
        ""
    );
    fail("admin");
    assert!(next(&collector).await.is_none(), "no action, nothing sent");
    sim.shutdown().await;
}
