//! The black-box half of the layer-2 measure: from a vantage that shares a link with the router,
//! an MNDP discovery request (does the router announce itself?), a MAC-Telnet session start
//! (does it acknowledge?) and a MAC ping (does it echo?). None logs in; a started session is
//! ended at once.
//!
//! A vantage shares the router's link when the router's address is in the vantage namespace's
//! ARP table (`/proc/thread-self/net/arp`, the calling thread's namespace) after a datagram to it:
//! a router behind a gateway, on this host's loopback, or behind a QEMU port forward cannot be
//! seen at layer 2, and both probes say [`Seen::NotRun`] rather than a silence nobody heard.
//! Sockets are bound to the vantage's interface towards the router (`SO_BINDTODEVICE`, with
//! `SO_BROADCAST`) on the protocols' own ports, because both protocols answer by broadcast to
//! `255.255.255.255:<port>`, not to the asker's address.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::{Duration, Instant};

use futures::future::LocalBoxFuture;
use routeros::mactelnet::{self, Direction, Header, PacketType, Ping};
use routeros::mndp::{self, MacAddr, Packet};
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;

use crate::probe::{Seen, Target};

/// The MNDP probe's id.
pub const MNDP: &str = "mndp";
/// The MAC-Telnet probe's id.
pub const MAC_TELNET: &str = "mac-telnet";
/// The MAC ping probe's id.
pub const MAC_PING: &str = "mac-ping";

/// The measure's probes ([`crate::measures::MeasureDef::probe`]).
pub(super) fn probe(target: Target) -> LocalBoxFuture<'static, Vec<(&'static str, Seen)>> {
    Box::pin(run(target))
}

/// Why a vantage cannot see the router's link.
#[derive(Debug, thiserror::Error)]
enum LinkError {
    #[error("this vantage reaches the router through TCP port forwards only: no shared link")]
    Forwarded,
    #[error("the router {0} is on this host's loopback: there is no link to share")]
    Loopback(IpAddr),
    #[error("layer 2 is probed over IPv4 only; the router is {0}")]
    NotIpv4(IpAddr),
    #[error("cannot find this vantage's interface towards {router}: {source}")]
    Interface {
        router: IpAddr,
        #[source]
        source: io::Error,
    },
    #[error("the router {0} is not on this vantage's link (no ARP entry after a datagram to it)")]
    NotOnLink(IpAddr),
    #[error("cannot open a UDP socket on {interface} port {port}: {source}")]
    Socket {
        interface: String,
        port: u16,
        #[source]
        source: io::Error,
    },
}

/// The vantage's side of the link towards the router.
struct Link {
    interface: String,
    mac: MacAddr,
    router: Ipv4Addr,
}

async fn run(target: Target) -> Vec<(&'static str, Seen)> {
    let link = match link(&target).await {
        Ok(l) => l,
        Err(e) => {
            tracing::debug!(error = %e, "layer 2 probes not run");
            let why = e.to_string();
            return vec![
                (MNDP, Seen::NotRun(why.clone())),
                (MAC_TELNET, Seen::NotRun(why.clone())),
                (MAC_PING, Seen::NotRun(why)),
            ];
        }
    };
    let window = target.timing.answer;
    let (mndp, telnet, ping) = tokio::join!(
        mndp_probe(&link, window),
        mac_telnet_probe(&link, window),
        mac_ping_probe(&link, window)
    );
    vec![(MNDP, mndp), (MAC_TELNET, telnet), (MAC_PING, ping)]
}

async fn link(target: &Target) -> Result<Link, LinkError> {
    if crate::vantage::translated() {
        return Err(LinkError::Forwarded);
    }
    let router = match target.router {
        IpAddr::V4(a) if a.is_loopback() => return Err(LinkError::Loopback(target.router)),
        IpAddr::V4(a) => a,
        other => return Err(LinkError::NotIpv4(other)),
    };
    let iface_err = |source| LinkError::Interface {
        router: target.router,
        source,
    };
    // A datagram to the router makes the kernel pick the interface and resolve its MAC (ARP).
    let sock = crate::vantage::udp(SocketAddr::new(target.router, mndp::PORT))
        .await
        .map_err(iface_err)?;
    let source = sock.local_addr().map_err(iface_err)?.ip();
    if source.is_loopback() {
        return Err(LinkError::Loopback(target.router));
    }
    let _ = sock.send(&mndp::REQUEST).await;
    let (interface, mac) = interface_of(source).map_err(iface_err)?;
    let deadline = Instant::now() + target.timing.connect;
    loop {
        if arp_entry(router).is_some() {
            break;
        }
        if Instant::now() >= deadline {
            return Err(LinkError::NotOnLink(target.router));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(Link {
        interface,
        mac,
        router,
    })
}

/// The interface holding `source`, and its MAC.
fn interface_of(source: IpAddr) -> io::Result<(String, MacAddr)> {
    let all: Vec<_> = nix::ifaddrs::getifaddrs()
        .map_err(io::Error::from)?
        .collect();
    let name = all
        .iter()
        .find(|i| {
            i.address
                .as_ref()
                .and_then(|a| a.as_sockaddr_in())
                .is_some_and(|a| IpAddr::V4(a.ip()) == source)
        })
        .map(|i| i.interface_name.clone())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("no interface has {source}"),
            )
        })?;
    let mac = all
        .iter()
        .filter(|i| i.interface_name == name)
        .find_map(|i| i.address.as_ref()?.as_link_addr()?.addr())
        .map(MacAddr)
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("{name} has no MAC address"),
            )
        })?;
    Ok((name, mac))
}

/// The router's MAC in this namespace's ARP table (complete entries only).
fn arp_entry(router: Ipv4Addr) -> Option<MacAddr> {
    let table = std::fs::read_to_string("/proc/thread-self/net/arp").ok()?;
    parse_arp(&table, router)
}

/// `/proc/net/arp`: `IP address  HW type  Flags  HW address  Mask  Device`.
fn parse_arp(table: &str, router: Ipv4Addr) -> Option<MacAddr> {
    table.lines().skip(1).find_map(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        let ip: Ipv4Addr = f.first()?.parse().ok()?;
        let flags = u32::from_str_radix(f.get(2)?.trim_start_matches("0x"), 16).ok()?;
        // ATF_COM (0x2): the entry is resolved.
        (ip == router && flags & 0x2 != 0)
            .then(|| f.get(3)?.parse().ok())
            .flatten()
    })
}

/// A broadcast UDP socket on `0.0.0.0:port`, bound to `interface`.
fn link_socket(interface: &str, port: u16) -> Result<UdpSocket, LinkError> {
    let err = |source| LinkError::Socket {
        interface: interface.to_string(),
        port,
        source,
    };
    let sock = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP)).map_err(err)?;
    sock.set_reuse_address(true).map_err(err)?;
    sock.set_broadcast(true).map_err(err)?;
    sock.bind_device(Some(interface.as_bytes())).map_err(err)?;
    sock.set_nonblocking(true).map_err(err)?;
    let any = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port));
    sock.bind(&any.into()).map_err(err)?;
    UdpSocket::from_std(sock.into()).map_err(err)
}

fn broadcast(port: u16) -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::BROADCAST, port))
}

/// Waits until `deadline` for a datagram `accept` turns into an answer.
async fn listen<T>(
    sock: &UdpSocket,
    deadline: tokio::time::Instant,
    mut accept: impl FnMut(&[u8], SocketAddr) -> Option<T>,
) -> Option<T> {
    let mut buf = vec![0u8; 1500];
    loop {
        match tokio::time::timeout_at(deadline, sock.recv_from(&mut buf)).await {
            Err(_) => return None,
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "layer 2 probe: receive failed");
                return None;
            }
            Ok(Ok((n, from))) => {
                if let Some(t) = accept(&buf[..n], from) {
                    return Some(t);
                }
            }
        }
    }
}

async fn mndp_probe(link: &Link, window: Duration) -> Seen {
    let sock = match link_socket(&link.interface, mndp::PORT) {
        Ok(s) => s,
        Err(e) => return Seen::NotRun(e.to_string()),
    };
    if let Err(e) = sock.send_to(&mndp::REQUEST, broadcast(mndp::PORT)).await {
        return Seen::NotRun(format!("mndp request on {} not sent: {e}", link.interface));
    }
    let deadline = tokio::time::Instant::now() + window;
    let router = IpAddr::V4(link.router);
    let seen = listen(&sock, deadline, |data, from| match mndp::decode(data) {
        Ok(Packet::Announcement(a))
            if from.ip() == router || a.ipv4.map(IpAddr::V4) == Some(router) =>
        {
            Some(a)
        }
        _ => None,
    })
    .await;
    match seen {
        Some(a) => Seen::Answered(a.summary()),
        None => Seen::Silent(format!(
            "no MNDP announcement from {} within {} ms of a discovery request on {}",
            link.router,
            window.as_millis(),
            link.interface
        )),
    }
}

async fn mac_telnet_probe(link: &Link, window: Duration) -> Seen {
    let Some(router_mac) = arp_entry(link.router) else {
        return Seen::NotRun(format!("the MAC of {} is not known here", link.router));
    };
    let sock = match link_socket(&link.interface, mactelnet::PORT) {
        Ok(s) => s,
        Err(e) => return Seen::NotRun(e.to_string()),
    };
    let session = session_key();
    let start = Header {
        ptype: PacketType::SessionStart,
        src: link.mac,
        dst: router_mac,
        session,
        client_type: mactelnet::CLIENT_MAC_TELNET,
        counter: 0,
    };
    if let Err(e) = sock
        .send_to(
            &start.encode(Direction::FromClient),
            broadcast(mactelnet::PORT),
        )
        .await
    {
        return Seen::NotRun(format!(
            "mac-telnet start on {} not sent: {e}",
            link.interface
        ));
    }
    let deadline = tokio::time::Instant::now() + window;
    let mine = |h: &Header| h.dst == link.mac && h.session == session;
    let acked = listen(&sock, deadline, |data, _| {
        Header::decode(data, Direction::FromServer)
            .ok()
            .filter(|h| h.ptype == PacketType::Ack && mine(h))
    })
    .await;
    let Some(ack) = acked else {
        return Seen::Silent(format!(
            "no MAC-Telnet ACK from {router_mac} within {} ms of a session start on {}",
            window.as_millis(),
            link.interface
        ));
    };
    // End the session we opened; a router that answers the END is polite, not required.
    let end = Header {
        ptype: PacketType::End,
        ..start
    };
    let _ = sock
        .send_to(
            &end.encode(Direction::FromClient),
            broadcast(mactelnet::PORT),
        )
        .await;
    let ended = listen(
        &sock,
        tokio::time::Instant::now() + window.min(Duration::from_millis(200)),
        |data, _| {
            Header::decode(data, Direction::FromServer)
                .ok()
                .filter(|h| h.ptype == PacketType::End && mine(h))
        },
    )
    .await;
    Seen::Answered(format!(
        "{} acknowledged a MAC-Telnet session start (session {session:#06x}); the session was ended{}",
        ack.src,
        if ended.is_some() {
            " and the router confirmed"
        } else {
            ""
        }
    ))
}

/// A MAC ping to the router's MAC; a pong that echoes this probe's nonce is an answer.
///
/// RouterOS answers a MAC ping only when the Ethernet frame is addressed to its own MAC, so the
/// request cannot go out through a UDP socket (the kernel would send `255.255.255.255` as an
/// Ethernet broadcast): it is written as a whole IPv4/UDP datagram to a packet socket
/// (`AF_PACKET`, `SOCK_DGRAM`) with the router's MAC as the link-layer destination, as the
/// MAC-Telnet tools' `macping` does. The pong comes back by broadcast to the MAC-Telnet port.
async fn mac_ping_probe(link: &Link, window: Duration) -> Seen {
    let Some(router_mac) = arp_entry(link.router) else {
        return Seen::NotRun(format!("the MAC of {} is not known here", link.router));
    };
    let sock = match link_socket(&link.interface, mactelnet::PORT) {
        Ok(s) => s,
        Err(e) => return Seen::NotRun(e.to_string()),
    };
    let nonce: [u8; 16] = rand::random();
    let ping = Ping {
        pong: false,
        src: link.mac,
        dst: router_mac,
        payload: nonce.to_vec(),
    };
    let source = vantage_address(&link.interface).unwrap_or(Ipv4Addr::UNSPECIFIED);
    let datagram = udp_broadcast(source, mactelnet::PORT, &ping.encode());
    if let Err(e) = send_to_mac(&link.interface, router_mac, &datagram) {
        return Seen::NotRun(format!(
            "mac ping on {} not sent (a packet socket needs CAP_NET_RAW): {e}",
            link.interface
        ));
    }
    let deadline = tokio::time::Instant::now() + window;
    let pong = listen(&sock, deadline, |data, _| {
        Ping::decode(data)
            .ok()
            .filter(|p| p.pong && p.dst == link.mac && p.payload == nonce)
    })
    .await;
    match pong {
        Some(p) => Seen::Answered(format!(
            "{} answered a MAC ping from {} with its echo",
            p.src, link.mac
        )),
        None => Seen::Silent(format!(
            "no MAC ping answer from {router_mac} within {} ms of a ping on {}",
            window.as_millis(),
            link.interface
        )),
    }
}

/// The vantage's IPv4 address on `interface` (the source of the ping's IP header).
fn vantage_address(interface: &str) -> Option<Ipv4Addr> {
    nix::ifaddrs::getifaddrs().ok()?.find_map(|i| {
        (i.interface_name == interface)
            .then(|| i.address?.as_sockaddr_in().map(|a| a.ip()))
            .flatten()
    })
}

/// A whole IPv4/UDP datagram from `source:port` to `255.255.255.255:port` (UDP checksum 0:
/// none, which IPv4 allows).
fn udp_broadcast(source: Ipv4Addr, port: u16, payload: &[u8]) -> Vec<u8> {
    let udp_len = 8 + payload.len();
    let total = 20 + udp_len;
    let mut d = Vec::with_capacity(total);
    d.extend_from_slice(&[0x45, 0]);
    d.extend_from_slice(&(total as u16).to_be_bytes());
    d.extend_from_slice(&rand::random::<u16>().to_be_bytes());
    d.extend_from_slice(&[0, 0, 64, 17, 0, 0]);
    d.extend_from_slice(&source.octets());
    d.extend_from_slice(&Ipv4Addr::BROADCAST.octets());
    let sum = ipv4_checksum(&d[..20]);
    d[10..12].copy_from_slice(&sum.to_be_bytes());
    d.extend_from_slice(&port.to_be_bytes());
    d.extend_from_slice(&port.to_be_bytes());
    d.extend_from_slice(&(udp_len as u16).to_be_bytes());
    d.extend_from_slice(&[0, 0]);
    d.extend_from_slice(payload);
    d
}

/// The IPv4 header checksum (RFC 791: the ones' complement of the ones' complement sum).
fn ipv4_checksum(header: &[u8]) -> u16 {
    let mut sum: u32 = header
        .chunks(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Sends an IPv4 datagram out of `interface` in an Ethernet frame addressed to `mac`.
fn send_to_mac(interface: &str, mac: MacAddr, datagram: &[u8]) -> io::Result<()> {
    use nix::libc;
    let eth_ip = (libc::ETH_P_IP as u16).to_be();
    let sock = Socket::new(
        Domain::PACKET,
        Type::DGRAM,
        Some(Protocol::from(i32::from(eth_ip))),
    )?;
    let index = nix::net::if_::if_nametoindex(interface).map_err(io::Error::from)?;
    let mut storage = socket2::SockAddrStorage::zeroed();
    // SAFETY: `sockaddr_ll` is one of this platform's socket address types and fits the
    // storage; the length passed below is its size and the family is set to `AF_PACKET`.
    let addr = unsafe {
        let ll = storage.view_as::<libc::sockaddr_ll>();
        ll.sll_family = libc::AF_PACKET as u16;
        ll.sll_protocol = eth_ip;
        ll.sll_ifindex = index as i32;
        ll.sll_halen = 6;
        ll.sll_addr[..6].copy_from_slice(&mac.0);
        socket2::SockAddr::new(
            storage,
            std::mem::size_of::<libc::sockaddr_ll>() as socket2::socklen_t,
        )
    };
    let sent = sock.send_to(datagram, &addr)?;
    if sent != datagram.len() {
        return Err(io::Error::other(format!(
            "sent {sent} of {} bytes",
            datagram.len()
        )));
    }
    Ok(())
}

/// A session key that differs between runs and vantages.
fn session_key() -> u16 {
    rand::random::<u16>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arp_entries_are_read_only_when_complete() {
        let table = "IP address       HW type     Flags       HW address            Mask     Device\n\
                     192.0.2.1        0x1         0x2         0c:c4:7a:00:00:01     *        eth0\n\
                     192.0.2.9        0x1         0x0         00:00:00:00:00:00     *        eth0\n";
        assert_eq!(
            parse_arp(table, Ipv4Addr::new(192, 0, 2, 1)),
            Some(MacAddr([0x0c, 0xc4, 0x7a, 0, 0, 1]))
        );
        assert_eq!(parse_arp(table, Ipv4Addr::new(192, 0, 2, 9)), None);
        assert_eq!(parse_arp(table, Ipv4Addr::new(192, 0, 2, 2)), None);
        assert_eq!(parse_arp("", Ipv4Addr::new(192, 0, 2, 1)), None);
        assert_eq!(
            parse_arp("h\n garbage 0x 0xz", Ipv4Addr::new(192, 0, 2, 1)),
            None
        );
    }

    #[test]
    fn the_ping_datagram_is_a_valid_ipv4_udp_broadcast() {
        let d = udp_broadcast(Ipv4Addr::new(192, 0, 2, 20), 20561, b"xyz");
        assert_eq!(d.len(), 20 + 8 + 3);
        assert_eq!(d[0], 0x45);
        assert_eq!(u16::from_be_bytes([d[2], d[3]]), 31);
        assert_eq!((d[8], d[9]), (64, 17));
        assert_eq!(d[12..16], [192, 0, 2, 20]);
        assert_eq!(d[16..20], [255, 255, 255, 255]);
        // A header whose checksum is right sums to zero.
        assert_eq!(ipv4_checksum(&d[..20]), 0);
        assert_eq!(d[20..22], 20561u16.to_be_bytes());
        assert_eq!(d[22..24], 20561u16.to_be_bytes());
        assert_eq!(u16::from_be_bytes([d[24], d[25]]), 11);
        assert_eq!(&d[28..], b"xyz");
        // RFC 1071's example words.
        assert_eq!(
            ipv4_checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            !0xddf2
        );
    }

    #[tokio::test]
    async fn without_a_shared_link_the_probes_say_they_did_not_run() {
        // A router on loopback (the embedded simulator): nothing is sent.
        let target = Target {
            router: IpAddr::V4(Ipv4Addr::LOCALHOST),
            router6: None,
            timing: crate::probe::ProbeTiming::LOCAL,
            ports: crate::probe::ServicePorts::known(Default::default()),
        };
        let seen = probe(target.clone()).await;
        assert_eq!(seen.len(), 3);
        for (id, s) in &seen {
            assert!(
                matches!(s, Seen::NotRun(why) if why.contains("loopback")),
                "{id}: {s:?}"
            );
        }
        let v6 = Target {
            router: IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
            ..target
        };
        for (id, s) in probe(v6).await {
            assert!(matches!(s, Seen::NotRun(_)), "{id}: {s:?}");
        }
    }

    /// The probes from both vantages of a namespace lab against the simulator as its router.
    async fn probe_from(lab: &crate::lab::netns::NamespaceLab) -> Vec<Vec<(&'static str, Seen)>> {
        let target = Target {
            router: lab.router_addr,
            router6: None,
            timing: crate::probe::ProbeTiming::LOCAL,
            ports: crate::probe::ServicePorts::known(Default::default()),
        };
        let mut out = Vec::new();
        for v in [&lab.trusted, &lab.untrusted] {
            let t = target.clone();
            out.push(v.run(move || probe(t)).await);
        }
        out
    }

    #[tokio::test]
    async fn the_simulator_answers_mndp_mac_telnet_and_mac_ping_on_its_link_until_told_not_to() {
        if !testsupport::require(&[testsupport::Need::Root]) {
            return;
        }
        let lab = crate::lab::netns::NamespaceLab::create()
            .await
            .unwrap_or_else(|e| panic!("root, but the lab failed: {e}"));
        let sim = chrlab_sim::start(chrlab_sim::SimOptions {
            address: lab.router_addr,
            port_offset: 0,
            router: chrlab_sim::RouterConfig::default(),
            netns: Some(lab.router_ns.clone()),
        })
        .await
        .unwrap_or_else(|e| panic!("simulator in the router namespace: {e}"));
        // A firewall that drops every IPv4 packet in and out, enforced in the router's
        // namespace: layer 2 passes it, as on a real router where it is not IP at all.
        let enforcer = chrlab_sim::firewall::Enforcer::spawn(
            lab.router_ns.clone(),
            sim.router().watch_firewall(),
        );
        let r = sim.router();
        let s = r
            .login("admin", "", chrlab_sim::Via::Api, None)
            .unwrap_or_else(|e| panic!("admin login: {e:?}"));
        let api = |words: &[&str]| {
            let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
            let reply = r.api(&s, &words);
            assert_eq!(
                reply.last().map(|s| s[0].as_str()),
                Some("!done"),
                "{reply:?}"
            );
        };
        api(&["/ip/firewall/filter/add", "=chain=input", "=action=drop"]);
        api(&["/ip/firewall/filter/add", "=chain=output", "=action=drop"]);
        enforcer
            .settled()
            .await
            .unwrap_or_else(|e| panic!("drop-all firewall: {e}"));
        // The layer-2 sockets open on a task of their own: give them a moment.
        tokio::time::sleep(Duration::from_millis(50)).await;

        let started = Instant::now();
        for seen in probe_from(&lab).await {
            let mndp = &seen[0];
            assert_eq!(mndp.0, MNDP);
            match &mndp.1 {
                Seen::Answered(what) => {
                    assert!(what.contains("identity=CHR version=7."), "{what}");
                    assert!(what.contains("board=CHR"), "{what}");
                    assert!(what.contains("interface=ether1"), "{what}");
                }
                other => panic!("factory MNDP: {other:?}"),
            }
            assert_eq!(seen[1].0, MAC_TELNET);
            assert!(seen[1].1.answered(), "factory MAC-Telnet: {:?}", seen[1].1);
            assert_eq!(seen[2].0, MAC_PING);
            assert!(seen[2].1.answered(), "factory MAC ping: {:?}", seen[2].1);
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );

        // Hardened, live: both fall silent at once.
        api(&[
            "/ip/neighbor/discovery-settings/set",
            "=discover-interface-list=none",
        ]);
        api(&["/tool/mac-server/set", "=allowed-interface-list=none"]);
        // MAC ping has its own switch: still on, still answered.
        for seen in probe_from(&lab).await {
            assert!(seen[2].1.answered(), "MAC ping still on: {:?}", seen[2].1);
        }
        api(&["/tool/mac-server/ping/set", "=enabled=no"]);
        for seen in probe_from(&lab).await {
            assert!(
                matches!(seen[2].1, Seen::Silent(_)),
                "MAC ping off: {:?}",
                seen[2].1
            );
            assert!(
                matches!(seen[0].1, Seen::Silent(_)),
                "hardened MNDP: {:?}",
                seen[0].1
            );
            assert!(
                matches!(seen[1].1, Seen::Silent(_)),
                "hardened MAC-Telnet: {:?}",
                seen[1].1
            );
        }
        enforcer.shutdown();
        sim.shutdown().await;
        lab.shutdown().await;
    }
}
