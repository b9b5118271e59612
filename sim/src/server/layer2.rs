//! Layer 2 on the simulator's links: MNDP (UDP 5678), MAC-Telnet session starts and MAC ping
//! (UDP 20561).
//!
//! Only a simulator that is its namespace's router runs these ([`super::SimOptions`]: `netns`
//! given, or bound to `0.0.0.0`): it then owns the namespace's links. For every non-loopback
//! interface with an IPv4 address it opens one UDP socket per protocol bound to that interface
//! (`SO_BINDTODEVICE`) on `0.0.0.0:port` with `SO_BROADCAST`, so it receives the link's
//! broadcasts (`255.255.255.255`) and its own broadcasts leave on that interface. The sockets
//! stay open; the model decides per packet ([`crate::Layer2View`], read live), as RouterOS
//! follows `set` at once:
//!
//! * MNDP: a discovery request (a header with no TLVs) is answered at once with the router's
//!   announcement, broadcast on the interface it came in on; announcements also go out every
//!   [`routeros::mndp::ANNOUNCE_INTERVAL_SECS`]. Both only while `/ip neighbor
//!   discovery-settings` covers the interface (`discover-interface-list`, `protocol` has `mndp`)
//!   and the router is up.
//! * MAC-Telnet: a START with the MAC-Telnet client type addressed to the interface's MAC (the
//!   model's `/interface` MAC, or the kernel's) is acknowledged, broadcast, while `/tool
//!   mac-server allowed-interface-list` admits the interface; an END is answered with an END.
//!   Nothing more: no login is ever offered (the terminal runs over ssh and telnet).
//! * MAC ping: a ping ([`routeros::mactelnet::Ping`]) addressed to the interface's MAC is
//!   answered with its pong, broadcast, while `/tool mac-server ping enabled=yes` (MAC ping
//!   has no interface list). RouterOS answers only a ping whose Ethernet frame is addressed to
//!   its MAC; the simulator reads the datagram, not the frame, and goes by the MAC inside the
//!   packet (FIDELITY.md: it answers a broadcast frame too, which a real router does not).
//!
//! On a real router neither is IP (MAC-Telnet is raw Ethernet to the router's MAC), and neither
//! passes `/ip firewall`; the simulator's nftables chains accept both before any rule
//! ([`crate::firewall::LAYER2_ACCEPT`]). Interfaces that appear after the start are not served.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::time::Duration;

use routeros::mactelnet::{self, Direction, Header, PacketType, Ping};
use routeros::mndp::{self, Announcement, MacAddr, Packet};
use socket2::{Domain, Protocol, Type};
use tokio::net::UdpSocket;
use tokio::task::JoinSet;

use super::Shared;
use crate::router::{Layer2View, Power};

/// One link of the namespace, as the kernel has it.
#[derive(Debug, Clone)]
struct Link {
    name: String,
    mac: Option<MacAddr>,
    ipv4: Ipv4Addr,
    ipv6: Option<Ipv6Addr>,
}

/// The namespace's non-loopback links with an IPv4 address.
fn links() -> std::io::Result<Vec<Link>> {
    use nix::net::if_::InterfaceFlags;
    let mut out: Vec<Link> = Vec::new();
    let mut macs: Vec<(String, MacAddr)> = Vec::new();
    let mut v6: Vec<(String, Ipv6Addr)> = Vec::new();
    for ifa in nix::ifaddrs::getifaddrs().map_err(std::io::Error::from)? {
        if ifa.flags.contains(InterfaceFlags::IFF_LOOPBACK) {
            continue;
        }
        let Some(addr) = ifa.address else { continue };
        if let Some(link) = addr.as_link_addr()
            && let Some(m) = link.addr()
        {
            macs.push((ifa.interface_name.clone(), MacAddr(m)));
        } else if let Some(a) = addr.as_sockaddr_in() {
            if !out.iter().any(|l| l.name == ifa.interface_name) {
                out.push(Link {
                    name: ifa.interface_name.clone(),
                    mac: None,
                    ipv4: a.ip(),
                    ipv6: None,
                });
            }
        } else if let Some(a) = addr.as_sockaddr_in6() {
            let ip = a.ip();
            if !ip.is_unicast_link_local() {
                v6.push((ifa.interface_name.clone(), ip));
            }
        }
    }
    for l in &mut out {
        l.mac = macs.iter().find(|(n, _)| *n == l.name).map(|(_, m)| *m);
        l.ipv6 = v6.iter().find(|(n, _)| *n == l.name).map(|(_, a)| *a);
    }
    Ok(out)
}

/// A broadcast UDP socket on `0.0.0.0:port` bound to the interface `name`.
fn link_socket(shared: &Shared, name: &str, port: u16) -> std::io::Result<UdpSocket> {
    let sock = crate::netns::socket_in(
        shared.netns.as_ref(),
        Domain::IPV4,
        Type::DGRAM,
        Some(Protocol::UDP),
    )?;
    sock.set_reuse_address(true)?;
    sock.set_broadcast(true)?;
    sock.bind_device(Some(name.as_bytes()))?;
    sock.set_nonblocking(true)?;
    let any = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port));
    sock.bind(&any.into())?;
    UdpSocket::from_std(sock.into())
}

fn broadcast(port: u16) -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::BROADCAST, port))
}

/// Serves MNDP and MAC-Telnet on every link until the simulator stops.
pub(crate) async fn serve(shared: Arc<Shared>) {
    let found = match &shared.netns {
        Some(ns) => ns.run(links).and_then(|r| r),
        None => links(),
    };
    let links = match found {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, "layer 2: cannot list the links; no mndp, no mac-telnet");
            return;
        }
    };
    let mut tasks = JoinSet::new();
    for link in links {
        for port in [mndp::PORT, mactelnet::PORT] {
            match link_socket(&shared, &link.name, port) {
                Ok(sock) => {
                    tracing::debug!(interface = %link.name, port, "layer 2: listening");
                    let (shared, link) = (Arc::clone(&shared), link.clone());
                    if port == mndp::PORT {
                        tasks.spawn(mndp_on(shared, link, sock));
                    } else {
                        tasks.spawn(mac_telnet_on(shared, link, sock));
                    }
                }
                Err(e) => {
                    tracing::warn!(interface = %link.name, port, error = %e, "layer 2: cannot listen")
                }
            }
        }
    }
    shared.cancel.cancelled().await;
    tasks.shutdown().await;
}

fn up(shared: &Shared) -> bool {
    shared.router.power() == Power::Up
}

/// The announcement the router makes on `link`.
fn announcement(view: &Layer2View, link: &Link, seq: u16) -> Announcement {
    let mac = view
        .mac_of(&link.name)
        .and_then(|m| m.parse::<MacAddr>().ok())
        .or(link.mac);
    let text = |s: &str| (!s.is_empty()).then(|| s.to_string());
    Announcement {
        seq,
        mac,
        identity: Some(view.identity.clone()),
        version: text(&view.version),
        platform: text(&view.platform).or_else(|| Some("MikroTik".into())),
        uptime: Some(u32::try_from(view.uptime_secs).unwrap_or(u32::MAX)),
        software_id: text(&view.software_id),
        board: text(&view.board),
        unpack: Some(0),
        ipv6: link.ipv6,
        interface: Some(link.name.clone()),
        ipv4: Some(link.ipv4),
    }
}

async fn mndp_on(shared: Arc<Shared>, link: Link, sock: UdpSocket) {
    let mut tick = tokio::time::interval(Duration::from_secs(mndp::ANNOUNCE_INTERVAL_SECS));
    let mut seq: u16 = 0;
    let mut buf = vec![0u8; 1500];
    loop {
        let asked = tokio::select! {
            _ = tick.tick() => false,
            got = sock.recv_from(&mut buf) => match got {
                Ok((n, from)) => match mndp::decode(&buf[..n]) {
                    Ok(Packet::Request) => {
                        tracing::debug!(interface = %link.name, %from, "mndp: discovery request");
                        true
                    }
                    // Announcements (ours looped back, or a neighbour's) and garbage.
                    Ok(Packet::Announcement(_)) => continue,
                    Err(e) => {
                        tracing::debug!(interface = %link.name, %from, error = %e, "mndp: ignored");
                        continue;
                    }
                },
                Err(e) => {
                    tracing::debug!(interface = %link.name, error = %e, "mndp: receive failed");
                    continue;
                }
            },
        };
        let view = shared.router.layer2();
        if !up(&shared) || !view.discovers_on(&link.name) {
            if asked {
                tracing::debug!(interface = %link.name, "mndp: not on this interface; silent");
            }
            continue;
        }
        seq = seq.wrapping_add(1);
        let packet = announcement(&view, &link, seq).encode();
        if let Err(e) = sock.send_to(&packet, broadcast(mndp::PORT)).await {
            tracing::warn!(interface = %link.name, error = %e, "mndp: announcement not sent");
        }
    }
}

async fn mac_telnet_on(shared: Arc<Shared>, link: Link, sock: UdpSocket) {
    let mut buf = vec![0u8; 1500];
    loop {
        let (n, from) = match sock.recv_from(&mut buf).await {
            Ok(got) => got,
            Err(e) => {
                tracing::debug!(interface = %link.name, error = %e, "mac-telnet: receive failed");
                continue;
            }
        };
        if let Ok(ping) = Ping::decode(&buf[..n]) {
            if !ping.pong {
                mac_ping(&shared, &link, &sock, &ping, from).await;
            }
            continue;
        }
        let Ok(h) = Header::decode(&buf[..n], Direction::FromClient) else {
            continue;
        };
        if !matches!(h.ptype, PacketType::SessionStart | PacketType::End)
            || h.client_type != mactelnet::CLIENT_MAC_TELNET
        {
            continue;
        }
        let view = shared.router.layer2();
        if !addressed_to(&view, &link, h.dst) {
            continue;
        }
        if !up(&shared) || !view.mac_telnet_on(&link.name) {
            tracing::debug!(interface = %link.name, %from, "mac-telnet: not allowed on this interface; silent");
            continue;
        }
        let reply = match h.ptype {
            PacketType::SessionStart => h.ack(),
            _ => Header {
                ptype: PacketType::End,
                ..h.ack()
            },
        };
        tracing::debug!(interface = %link.name, %from, session = h.session, ptype = ?h.ptype, "mac-telnet: answered");
        if let Err(e) = sock
            .send_to(
                &reply.encode(Direction::FromServer),
                broadcast(mactelnet::PORT),
            )
            .await
        {
            tracing::warn!(interface = %link.name, error = %e, "mac-telnet: reply not sent");
        }
    }
}

/// Whether `dst` is this link's MAC: the model's `/interface` MAC or the kernel's.
fn addressed_to(view: &Layer2View, link: &Link, dst: MacAddr) -> bool {
    view.mac_of(&link.name)
        .and_then(|m| m.parse::<MacAddr>().ok())
        .is_some_and(|m| m == dst)
        || link.mac == Some(dst)
}

/// Answers a MAC ping on `link` when the model allows it.
async fn mac_ping(shared: &Shared, link: &Link, sock: &UdpSocket, ping: &Ping, from: SocketAddr) {
    let view = shared.router.layer2();
    if !addressed_to(&view, link, ping.dst) {
        return;
    }
    if !up(shared) || !view.mac_ping {
        tracing::debug!(interface = %link.name, %from, "mac ping: off; silent");
        return;
    }
    tracing::debug!(interface = %link.name, %from, "mac ping: answered");
    if let Err(e) = sock
        .send_to(&ping.answer().encode(), broadcast(mactelnet::PORT))
        .await
    {
        tracing::warn!(interface = %link.name, error = %e, "mac ping: pong not sent");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::router::{Router, RouterConfig, Session, Via};

    fn set(r: &Router, s: &Session, words: &[&str]) {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        let reply = r.api(s, &words);
        assert_eq!(
            reply.last().map(|l| l[0].as_str()),
            Some("!done"),
            "{reply:?}"
        );
    }

    #[test]
    fn the_model_decides_per_interface_and_the_announcement_says_what_it_has() {
        let r = Router::new(RouterConfig::default()).unwrap_or_else(|e| panic!("{e}"));
        let view = r.layer2();
        // Factory: both on every interface.
        assert!(view.discovers_on("ether1") && view.mac_telnet_on("ether1"));
        assert!(view.mac_ping, "MAC ping is on in the factory state");
        let link = Link {
            name: "ether1".into(),
            mac: Some(MacAddr([2, 0, 0, 0, 0, 1])),
            ipv4: Ipv4Addr::new(192, 0, 2, 1),
            ipv6: None,
        };
        let a = announcement(&view, &link, 3);
        assert_eq!(a.identity.as_deref(), Some(view.identity.as_str()));
        assert_eq!(a.board.as_deref(), Some("CHR"));
        assert_eq!(a.platform.as_deref(), Some("MikroTik"));
        assert!(
            a.version.as_deref().is_some_and(|v| v.contains("(stable)")),
            "{a:?}"
        );
        // The model's MAC of ether1 wins over the kernel's.
        assert_eq!(
            a.mac.map(|m| m.to_string()).as_deref(),
            Some("0C:C4:7A:00:00:01")
        );
        assert_eq!(a.interface.as_deref(), Some("ether1"));
        assert_eq!(a.ipv4, Some(link.ipv4));
        // An interface the model does not have announces the kernel's MAC.
        let other = Link {
            name: "br9".into(),
            ..link.clone()
        };
        assert_eq!(announcement(&view, &other, 1).mac, link.mac);

        let s = r
            .login("admin", "", Via::Api, None)
            .unwrap_or_else(|e| panic!("{e:?}"));
        set(
            &r,
            &s,
            &[
                "/ip/neighbor/discovery-settings/set",
                "=discover-interface-list=none",
            ],
        );
        set(
            &r,
            &s,
            &["/tool/mac-server/set", "=allowed-interface-list=none"],
        );
        // MAC ping has its own switch, not the interface list.
        assert!(r.layer2().mac_ping);
        set(&r, &s, &["/tool/mac-server/ping/set", "=enabled=no"]);
        let view = r.layer2();
        assert!(!view.discovers_on("ether1") && !view.mac_telnet_on("ether1"));
        assert!(!view.mac_ping);
        // MNDP also needs `mndp` among the protocols.
        set(
            &r,
            &s,
            &[
                "/ip/neighbor/discovery-settings/set",
                "=discover-interface-list=all",
            ],
        );
        set(
            &r,
            &s,
            &["/ip/neighbor/discovery-settings/set", "=protocol=cdp,lldp"],
        );
        assert!(!r.layer2().discovers_on("ether1"));
        // A list of the user's admits what its members say.
        assert!(!r.layer2().list_admits("LAN", "ether1"));
        set(&r, &s, &["/interface/list/add", "=name=LAN"]);
        set(
            &r,
            &s,
            &[
                "/interface/list/member/add",
                "=list=LAN",
                "=interface=ether1",
            ],
        );
        let view = r.layer2();
        assert!(view.list_admits("LAN", "ether1") && !view.list_admits("LAN", "ether2"));
        assert!(view.list_admits("static", "ether1") && !view.list_admits("dynamic", "ether1"));
        set(
            &r,
            &s,
            &["/tool/mac-server/set", "=allowed-interface-list=LAN"],
        );
        assert!(r.layer2().mac_telnet_on("ether1"));
    }
}
