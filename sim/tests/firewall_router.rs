//! From the router's CLI to the kernel: rules typed at the simulated terminal are enforced in the
//! router's namespace, and later edits follow. Needs root and `nft`; otherwise it is a counted skip
//! (`testsupport::require`) after checking the translation of the router's snapshot alone.

use std::io::ErrorKind;
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::Duration;

use chrlab_sim::firewall::{Enforcer, ruleset};
use chrlab_sim::model::terminal::TerminalOpts;
use chrlab_sim::netns::{NetnsFd, bind_tcp};
use chrlab_sim::router::{Router, RouterConfig, Via};

const SEED: [&str; 2] = [
    "/ip firewall filter add action=accept chain=input dst-port=22,80,8291 protocol=tcp src-address=192.0.2.10",
    "/ip firewall filter add action=drop chain=input connection-state=!established,related dst-port=22,80,8291 protocol=tcp",
];

fn router_with(lines: &[&str]) -> Router {
    let router = match Router::new(RouterConfig::default()) {
        Ok(r) => r,
        Err(e) => panic!("router: {e}"),
    };
    let session = match router.login("admin", "", Via::Local, None) {
        Ok(s) => s,
        Err(e) => panic!("login: {e:?}"),
    };
    let mut term = router.terminal(
        &session,
        TerminalOpts {
            interactive: false,
            colors: false,
            width: 200,
        },
    );
    for line in lines {
        let out = term.execute(line);
        assert_eq!(out, "", "{line}");
    }
    router
}

fn listed(ns: &NetnsFd) -> String {
    let out = ns.run(|| {
        Command::new("nft")
            .args(["list", "table", "inet", "chrlab"])
            .output()
    });
    match out {
        Ok(Ok(o)) => String::from_utf8_lossy(&o.stdout).into_owned(),
        other => panic!("nft list: {other:?}"),
    }
}

#[tokio::test]
async fn rules_typed_at_the_terminal_are_enforced() {
    let router = router_with(&SEED);
    let text = ruleset(&*router.watch_firewall().borrow());
    let text = match text {
        Ok(t) => t,
        Err(e) => panic!("the router's firewall does not translate: {e}"),
    };
    assert!(text.contains(r#"ip saddr 192.0.2.10 meta l4proto 6 th dport { 22, 80, 8291 } counter accept comment "filter 0""#), "{text}");
    assert!(
        text.contains(r#"ct state != { established, related } counter drop comment "filter 1""#),
        "{text}"
    );
    if !testsupport::require(&[testsupport::Need::Root, testsupport::Need::Nft]) {
        return;
    }
    let ns = match NetnsFd::new_isolated() {
        Ok(ns) => ns,
        Err(e) => panic!("namespace: {e}"),
    };
    let enforcer = Enforcer::spawn(ns.clone(), router.watch_firewall());
    let settled = tokio::time::timeout(Duration::from_secs(5), enforcer.settled()).await;
    assert!(matches!(settled, Ok(Ok(()))), "{settled:?}");
    let table = listed(&ns);
    assert!(
        table.contains("ip saddr 192.0.2.10 tcp dport { 22, 80, 8291 }"),
        "{table}"
    );

    // 127.0.0.1 is not the trusted address: dropped.
    let addr = SocketAddr::from(([127, 0, 0, 1], 22));
    let listener = bind_tcp(Some(&ns), addr);
    let Ok(_listener) = listener else {
        panic!("{listener:?}")
    };
    let connect = |ns: &NetnsFd| {
        ns.run(move || {
            TcpStream::connect_timeout(&addr, Duration::from_millis(300))
                .map(|_| ())
                .map_err(|e| e.kind())
        })
        .unwrap_or(Err(ErrorKind::Other))
    };
    assert_eq!(connect(&ns), Err(ErrorKind::TimedOut));

    // An edit at the terminal reaches the kernel.
    let session = router.login("admin", "", Via::Local, None);
    let Ok(session) = session else {
        panic!("{session:?}")
    };
    let mut term = router.terminal(
        &session,
        TerminalOpts {
            interactive: false,
            colors: false,
            width: 200,
        },
    );
    assert_eq!(term.execute("/ip firewall filter remove 1"), "");
    let settled = tokio::time::timeout(Duration::from_secs(5), enforcer.settled()).await;
    assert!(matches!(settled, Ok(Ok(()))), "{settled:?}");
    assert!(!listed(&ns).contains("drop"), "the drop rule is gone");
    assert_eq!(connect(&ns), Ok(()));
    enforcer.shutdown();
}
