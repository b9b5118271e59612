//! The enforcer against the real kernel: nft accepts every translation, changes are followed, a bad
//! configuration keeps the previous ruleset, shutdown removes the table, and packets are filtered.
//! Needs root and `nft`; without them each test is a counted skip (`testsupport::require`) that still
//! checks what it can without a kernel.

use std::io::ErrorKind;
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::Duration;

use chrlab_sim::firewall::{Enforcer, EnforcerStatus, FirewallError, ruleset_from};
use chrlab_sim::netns::{NetnsFd, bind_tcp};
use tokio::sync::watch;

type Config = (Vec<Vec<(String, String)>>, Vec<Vec<(String, String)>>);

fn props(line: &str) -> Vec<(String, String)> {
    line.split_whitespace()
        .map(|w| {
            let (k, v) = w.split_once('=').unwrap_or((w, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn config(rules: &[&str], lists: &[&str]) -> Config {
    (
        rules.iter().map(|r| props(r)).collect(),
        lists.iter().map(|l| props(l)).collect(),
    )
}

/// A fresh namespace if this machine can make one and run nft in it (else a counted skip).
fn namespace() -> Option<NetnsFd> {
    if !testsupport::require(&[testsupport::Need::Root, testsupport::Need::Nft]) {
        return None;
    }
    match NetnsFd::new_isolated() {
        Ok(ns) => Some(ns),
        Err(e) => panic!("root but cannot create a network namespace: {e}"),
    }
}

/// `nft list table inet chrlab` inside `ns` (None when the table does not exist).
fn listed(ns: &NetnsFd) -> Option<String> {
    let out = ns.run(|| {
        Command::new("nft")
            .args(["list", "table", "inet", "chrlab"])
            .output()
    });
    match out {
        Ok(Ok(o)) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        _ => None,
    }
}

async fn settle(enforcer: &Enforcer) -> Result<(), FirewallError> {
    match tokio::time::timeout(Duration::from_secs(5), enforcer.settled()).await {
        Ok(r) => r,
        Err(_) => panic!("enforcer did not settle within 5 s"),
    }
}

#[tokio::test]
async fn nft_accepts_every_kind_of_translated_rule() {
    let Some(ns) = namespace() else {
        // Still check that the translation itself works without a kernel.
        assert!(ruleset_from(&config(&["chain=input action=drop"], &[]).0, &[]).is_ok());
        return;
    };
    let cfg = config(
        &[
            "chain=input action=accept connection-state=established,related,untracked",
            "chain=input action=drop connection-state=invalid",
            "chain=input action=accept protocol=icmp",
            "chain=input action=accept protocol=udp dst-port=500,1701,4500 log-prefix=VPN",
            "chain=input action=accept protocol=ipsec-esp",
            "chain=input action=accept protocol=tcp src-address-list=Supervision dst-port=4430,22,8291",
            "chain=input action=accept dst-address=127.0.0.1",
            "chain=input action=drop in-interface=all-ethernet log=yes log-prefix=",
            "chain=input action=reject reject-with=icmp-admin-prohibited src-address=!10.0.0.0/8 protocol=tcp",
            "chain=input action=reject reject-with=tcp-reset dst-address=192.0.2.1-192.0.2.9",
            "chain=input action=reject",
            "chain=input action=jump jump-target=guard protocol=tcp src-port=1024-65535",
            "chain=guard action=log log-prefix=guard",
            "chain=guard action=return",
            "chain=forward action=fasttrack-connection connection-state=established,related",
            "chain=forward action=drop connection-state=new in-interface=ether1 out-interface=!ether1",
            "chain=output action=passthrough",
            "chain=input action=drop protocol=tcp tcp-flags=syn,!ack connection-state=new",
            "chain=input action=drop tcp-flags=!fin,!syn,!rst,!ack",
            "chain=input action=accept protocol=icmp icmp-options=8:0",
            "chain=input action=accept icmp-options=3-4",
            "chain=input action=drop icmp-options=!11",
            "chain=input action=drop disabled=yes src-mac-address=67:33:EB:0E:EB:A8",
        ],
        &[
            "list=Supervision address=192.0.2.10",
            "list=Supervision address=198.51.100.0/24",
            "list=Supervision address=198.51.100.7",
            "list=Supervision address=203.0.113.1-203.0.113.20",
        ],
    );
    let (_tx, rx) = watch::channel(cfg);
    let enforcer = Enforcer::spawn(ns.clone(), rx);
    let settled = settle(&enforcer).await;
    assert_eq!(settled, Ok(()), "status: {:?}", *enforcer.status().borrow());
    let listed = listed(&ns).unwrap_or_default();
    assert!(
        listed.contains("ct state != { established, related }")
            || listed.contains("ct state { established, related, untracked }")
    );
    assert!(
        listed.contains("reject with icmp admin-prohibited"),
        "{listed}"
    );
    enforcer.shutdown();
    assert_eq!(self::listed(&ns), None, "shutdown must remove the table");
}

#[tokio::test]
async fn follows_changes_and_keeps_the_last_good_ruleset() {
    let Some(ns) = namespace() else {
        assert!(ruleset_from(&config(&["chain=input action=tarpit"], &[]).0, &[]).is_err());
        return;
    };
    let (tx, rx) = watch::channel(config(
        &["chain=input action=drop protocol=tcp dst-port=1"],
        &[],
    ));
    let enforcer = Enforcer::spawn(ns.clone(), rx);
    assert_eq!(settle(&enforcer).await, Ok(()));
    assert!(
        listed(&ns).is_some_and(|t| t.contains("dport 1 ")),
        "{:?}",
        listed(&ns)
    );

    tx.send_replace(config(
        &["chain=input action=drop protocol=tcp dst-port=2"],
        &[],
    ));
    assert_eq!(settle(&enforcer).await, Ok(()));
    let now = listed(&ns).unwrap_or_default();
    assert!(
        now.contains("dport 2 ") && !now.contains("dport 1 "),
        "{now}"
    );

    // Cannot be enforced: reported, and the previous ruleset stays.
    tx.send_replace(config(&["chain=input action=tarpit protocol=tcp"], &[]));
    let err = settle(&enforcer).await;
    assert_eq!(
        err,
        Err(FirewallError::Unsupported {
            index: 0,
            what: "action=tarpit".into()
        })
    );
    assert!(matches!(
        *enforcer.status().borrow(),
        EnforcerStatus::Failed { ruleset: None, .. }
    ));
    assert!(listed(&ns).is_some_and(|t| t.contains("dport 2 ")));
    drop(enforcer);
    assert_eq!(listed(&ns), None, "drop must remove the table");
}

#[tokio::test]
async fn refuses_this_process_namespace() {
    let own = match NetnsFd::current() {
        Ok(ns) => ns,
        Err(e) => panic!("cannot open own namespace: {e}"),
    };
    let (_tx, rx) = watch::channel(config(&["chain=input action=drop"], &[]));
    let enforcer = Enforcer::spawn(own, rx);
    let mut status = enforcer.status();
    let failed = tokio::time::timeout(
        Duration::from_secs(5),
        status.wait_for(|s| matches!(s, EnforcerStatus::Failed { .. })),
    )
    .await;
    let failed = failed.ok().and_then(Result::ok).map(|s| s.clone());
    assert_eq!(
        failed,
        Some(EnforcerStatus::Failed {
            ruleset: None,
            error: FirewallError::HostNamespace
        })
    );
}

/// Over the namespace's own loopback: open, then reject with tcp-reset (refused), then drop (timeout).
#[tokio::test]
async fn packets_are_filtered_in_the_namespace() {
    let Some(ns) = namespace() else { return };
    let addr: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 2222));
    let listener = bind_tcp(Some(&ns), addr);
    let Ok(_listener) = listener else {
        panic!("bind in namespace: {listener:?}")
    };
    let connect = |ns: &NetnsFd| {
        ns.run(move || {
            TcpStream::connect_timeout(&addr, Duration::from_millis(300))
                .map(|_| ())
                .map_err(|e| e.kind())
        })
        .unwrap_or(Err(ErrorKind::Other))
    };
    assert_eq!(connect(&ns), Ok(()));

    let (tx, rx) = watch::channel(config(
        &["chain=input action=reject reject-with=tcp-reset protocol=tcp dst-port=2222"],
        &[],
    ));
    let enforcer = Enforcer::spawn(ns.clone(), rx);
    assert_eq!(settle(&enforcer).await, Ok(()));
    assert_eq!(connect(&ns), Err(ErrorKind::ConnectionRefused));

    tx.send_replace(config(
        &["chain=input action=drop protocol=tcp dst-port=2222"],
        &[],
    ));
    assert_eq!(settle(&enforcer).await, Ok(()));
    assert_eq!(connect(&ns), Err(ErrorKind::TimedOut));

    // A comment-only edit changes nothing enforced: the table (and its counters) stay.
    let dropped = |ns: &NetnsFd| {
        listed(ns)
            .unwrap_or_default()
            .lines()
            .any(|l| l.contains("dport 2222") && l.contains(" drop") && !l.contains("packets 0 "))
    };
    assert!(
        dropped(&ns),
        "the drop rule counted the SYNs: {:?}",
        listed(&ns)
    );
    tx.send_replace(config(
        &["chain=input action=drop protocol=tcp dst-port=2222 comment=ssh"],
        &[],
    ));
    assert_eq!(settle(&enforcer).await, Ok(()));
    assert!(dropped(&ns), "counters kept: {:?}", listed(&ns));

    enforcer.shutdown();
    assert_eq!(connect(&ns), Ok(()));
}

#[tokio::test]
async fn nft_accepts_every_kind_of_translated_ipv6_rule() {
    let cfg = chrlab_sim::router::FirewallSnapshot {
        filter: config(&["chain=input action=drop protocol=tcp dst-port=22 src-address=192.0.2.66"], &[]).0,
        filter6: config(
            &[
                "chain=input action=accept connection-state=established,related,untracked",
                "chain=input action=accept protocol=icmpv6 icmp-options=128:0",
                "chain=input action=accept protocol=icmpv6 icmp-options=!1",
                "chain=input action=accept protocol=tcp src-address-list=mgmt6 dst-port=22,8291",
                "chain=input action=drop src-address=!2001:db8::/32 dst-address=2001:db8::1-2001:db8::9",
                "chain=input action=reject reject-with=icmp-admin-prohibited protocol=udp",
                "chain=input action=reject reject-with=icmp-address-unreachable",
                "chain=input action=reject reject-with=icmp-port-unreachable",
                "chain=input action=reject reject-with=tcp-reset",
                "chain=input action=reject",
                "chain=input action=jump jump-target=guard6 in-interface=all-ethernet",
                "chain=guard6 action=log log-prefix=guard6",
                "chain=guard6 action=return",
                "chain=forward action=drop connection-state=invalid",
                "chain=output action=passthrough",
            ],
            &[
                "list=mgmt6 address=2001:db8::10",
                "list=mgmt6 address=2001:db8:1::/48",
                "list=mgmt6 address=2001:db8:2::1-2001:db8:2::9",
            ],
        )
        .0,
        address_lists6: config(
            &[],
            &[
                "list=mgmt6 address=2001:db8::10",
                "list=mgmt6 address=2001:db8:1::/48",
                "list=mgmt6 address=2001:db8:2::1-2001:db8:2::9",
            ],
        )
        .1,
        ..Default::default()
    };
    let Some(ns) = namespace() else {
        assert!(chrlab_sim::firewall::ruleset(&cfg).is_ok());
        return;
    };
    let (_tx, rx) = watch::channel(cfg);
    let enforcer = Enforcer::spawn(ns.clone(), rx);
    let settled = settle(&enforcer).await;
    assert_eq!(settled, Ok(()), "status: {:?}", *enforcer.status().borrow());
    let listed = listed(&ns).unwrap_or_default();
    assert!(listed.contains("chain input6"), "{listed}");
    assert!(listed.contains("type ipv6_addr"), "{listed}");
    assert!(listed.contains("ip6 saddr @al6_0"), "{listed}");
    assert!(listed.contains("ip saddr 192.0.2.66"), "{listed}");
    enforcer.shutdown();
    assert_eq!(self::listed(&ns), None, "shutdown must remove the table");
}
