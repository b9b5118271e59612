//! Interop: nmap's version detection (`nmap -sV`, Debian package `nmap`) on every TCP port the
//! simulator listens on names each service as MikroTik's, from nmap's own fingerprints
//! (`/usr/share/nmap/nmap-service-probes`), and finishes within a liveness bound.
//!
//! Addresses: simulators on `127.<210–249>.<n>.1` and `.2`, derived from the process id (the machine
//! may run other test binaries, and other worktrees' tests, at the same time). Ports: service port +
//! 26000 (nmap's probes do not depend on the port at the default intensity).

mod interop;

use std::net::{IpAddr, Ipv4Addr};
use std::process::Command;
use std::time::{Duration, Instant};

use chrlab_sim::{RouterConfig, SimOptions};
use interop::*;
use testsupport::{Need, require};

const PROBES: &str = "/usr/share/nmap/nmap-service-probes";
/// Liveness bound for one scan (not a speed target: the measured time is printed).
const SCAN_LIMIT: Duration = Duration::from_secs(240);

/// This process's own loopback address number `host` (1 or 2).
fn own_address(host: u8) -> IpAddr {
    let pid = std::process::id();
    IpAddr::V4(Ipv4Addr::new(
        127,
        210 + (pid % 40) as u8,
        ((pid / 40) % 250) as u8 + 1,
        host,
    ))
}

/// One `<port>` of nmap's XML report.
#[derive(Debug)]
struct Port {
    port: u16,
    state: String,
    name: String,
    product: String,
}

/// The value of `attr="…"` inside one XML tag's text.
fn attribute(tag: &str, attr: &str) -> String {
    let key = format!(" {attr}=\"");
    tag.find(&key)
        .and_then(|i| {
            let rest = &tag[i + key.len()..];
            rest.find('"').map(|j| rest[..j].to_string())
        })
        .unwrap_or_default()
}

/// The opening tag `<name …>` inside `element`, if any.
fn tag<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    let start = element.find(&format!("<{name} "))?;
    let end = element[start..].find('>')? + start;
    Some(&element[start..=end])
}

/// Every `<port>` element of an `-oX` report.
fn ports(xml: &str) -> Vec<Port> {
    xml.split("<port ")
        .skip(1)
        .map(|chunk| {
            let element = chunk.split("</port>").next().unwrap_or(chunk);
            let own = format!("<port {element}");
            let service = tag(&own, "service").unwrap_or("");
            Port {
                port: attribute(&own, "portid").parse().unwrap_or(0),
                state: tag(&own, "state")
                    .map(|t| attribute(t, "state"))
                    .unwrap_or_default(),
                name: attribute(service, "name"),
                product: attribute(service, "product"),
            }
        })
        .collect()
}

/// What nmap must say of each service: its service name and product, as nmap's fingerprint
/// database words them (`p/…/` of the match lines that name MikroTik).
fn expected(service: &str) -> Option<(&'static str, Option<&'static str>)> {
    Some(match service {
        "ssh" => ("ssh", Some("MikroTik RouterOS sshd")),
        "ftp" => ("ftp", Some("MikroTik router ftpd")),
        "www" => ("http", Some("MikroTik router config httpd")),
        "www-ssl" => ("http", Some("MikroTik router config httpd")),
        "api" => ("routeros-api", Some("MikroTik RouterOS API")),
        "api-ssl" => ("routeros-api", Some("MikroTik RouterOS API")),
        "winbox" => ("winbox", Some("MikroTik WinBox")),
        "bandwidth-server" => ("bandwidth-test", Some("MikroTik bandwidth-test server")),
        // nmap's database has no fingerprint of RouterOS's telnetd (checked below): the
        // service is named, the product cannot be.
        "telnet" => ("telnet", None),
        _ => return None,
    })
}

/// Whether nmap's database has a telnet fingerprint that names MikroTik (then the test
/// requires it to match).
fn nmap_knows_mikrotik_telnet() -> bool {
    std::fs::read_to_string(PROBES)
        .unwrap_or_else(|e| panic!("read {PROBES}: {e}"))
        .lines()
        .any(|l| {
            (l.starts_with("match telnet ") || l.starts_with("softmatch telnet "))
                && l.to_ascii_lowercase().contains("mikrotik")
        })
}

async fn scan(sim: &chrlab_sim::SimHandle) -> (Vec<Port>, Duration) {
    let mut listening: Vec<(String, u16)> = sim
        .listening()
        .into_iter()
        .filter(|(name, _)| !matches!(name.as_str(), "dns" | "snmp"))
        .collect();
    listening.sort();
    let list = listening
        .iter()
        .map(|(_, p)| p.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let mut cmd = Command::new("nmap");
    cmd.args(["-sV", "-Pn", "-n", "-oX", "-", "-p", &list])
        .arg(sim.address().to_string());
    let started = Instant::now();
    let out = match tokio::task::spawn_blocking(move || run(cmd, SCAN_LIMIT)).await {
        Ok(out) => out,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("nmap thread: {e}"),
    };
    let took = started.elapsed();
    assert_eq!(out.code(), Some(0), "nmap succeeds: {out:?}");
    let found = ports(&out.stdout);
    assert_eq!(
        found.len(),
        listening.len(),
        "nmap reports every port {listening:?}: {}",
        out.stdout
    );
    (found, took)
}

fn check(sim: &chrlab_sim::SimHandle, found: &[Port]) {
    let telnet_fingerprinted = nmap_knows_mikrotik_telnet();
    let mut listening = sim.listening();
    listening.retain(|(name, _)| !matches!(name.as_str(), "dns" | "snmp"));
    for (service, port) in listening {
        let p = found
            .iter()
            .find(|p| p.port == port)
            .unwrap_or_else(|| panic!("nmap reports {service} on {port}: {found:?}"));
        assert_eq!(p.state, "open", "{service}: {p:?}");
        let (name, product) =
            expected(&service).unwrap_or_else(|| panic!("a known service: {service}"));
        assert_eq!(p.name, name, "nmap names {service}: {p:?}");
        match product {
            Some(product) => assert_eq!(p.product, product, "nmap's product for {service}"),
            None if telnet_fingerprinted => assert!(
                p.product.contains("MikroTik"),
                "nmap now fingerprints RouterOS's telnetd: {p:?}"
            ),
            None => assert!(
                !p.product.contains("MikroTik") && p.product.is_empty(),
                "no fingerprint, no product (nothing else's either): {p:?}"
            ),
        }
    }
}

/// The factory CHR (7.23.7): ssh, ftp, telnet, www, api, winbox and the bandwidth-test server.
#[tokio::test(flavor = "multi_thread")]
async fn interop_nmap_names_every_service_as_mikrotik() {
    if !require(&[Need::Nmap]) {
        return;
    }
    let sim = start_sim(own_address(1)).await;
    for service in [
        "ssh",
        "ftp",
        "telnet",
        "www",
        "api",
        "winbox",
        "bandwidth-server",
    ] {
        port(&sim, service);
    }
    let (found, took) = scan(&sim).await;
    eprintln!("nmap -sV on {} ports took {took:?}", found.len());
    check(&sim, &found);
    sim.shutdown().await;
}

/// RouterOS 6 (no REST; a v6 API and ftp banner): the same names.
#[tokio::test(flavor = "multi_thread")]
async fn interop_nmap_names_a_v6_router_too() {
    if !require(&[Need::Nmap]) {
        return;
    }
    let sim = chrlab_sim::start(SimOptions {
        address: own_address(2),
        port_offset: OFFSET,
        router: RouterConfig::for_version(
            routeros::version::Version::parse("6.49.13").expect("version parses"),
        ),
        netns: None,
    })
    .await
    .unwrap_or_else(|e| panic!("simulator starts: {e}"));
    let (found, took) = scan(&sim).await;
    eprintln!("nmap -sV on {} ports took {took:?}", found.len());
    check(&sim, &found);
    sim.shutdown().await;
}

#[test]
fn parses_an_nmap_report() {
    let xml = r#"<host><ports><port protocol="tcp" portid="26022"><state state="open" reason="syn-ack"/><service name="ssh" product="MikroTik RouterOS sshd" extrainfo="protocol 2.0" method="probed" conf="10"/></port>
<port protocol="tcp" portid="26023"><state state="open" reason="syn-ack"/><service name="telnet" method="probed" conf="10"/></port></ports></host>"#;
    let p = ports(xml);
    assert_eq!(p.len(), 2);
    assert_eq!(p[0].port, 26022);
    assert_eq!(p[0].state, "open");
    assert_eq!(p[0].name, "ssh");
    assert_eq!(p[0].product, "MikroTik RouterOS sshd");
    assert_eq!(p[1].name, "telnet");
    assert_eq!(p[1].product, "");
}
