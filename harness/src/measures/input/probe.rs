//! The input chain's black-box probes, run from every vantage (the judge reads the untrusted
//! one's): a TCP connection to every port a RouterOS service can use and to a sample of high
//! ports, and a UDP datagram to every UDP port a RouterOS service can use and to a sample of
//! high ports. A closed chain answers none of them; a router without one resets the TCP
//! connections and answers the UDP datagrams with ICMP port unreachable (its kernel does).
//!
//! The UDP datagram is a real request where a RouterOS service would answer one (a DNS query,
//! an SNMP GetRequest, an NTP client request), else a few zero bytes. Silence is counted only
//! for what was really sent: a vantage without UDP (QEMU port forwards) reports the UDP
//! probes as not run. RouterOS rate-limits ICMP errors (`/ip settings icmp-rate-limit`: one
//! per 10 ms and destination, after a short burst): the datagrams go out [`STAGGER`] apart so
//! that each refusal comes back, and the judge does not count silence on a port the rules accept.

use std::net::SocketAddr;
use std::time::Duration;

use futures::future::{LocalBoxFuture, join_all};
use tokio::io::ErrorKind;

use crate::probe::{PortState, Seen, Target, probe_tcp};

/// Two tables of `(probe id, port)` pairs for the same ports, the ids spelled
/// `<proto>-<port>` (IPv4) and `<proto>6-<port>` (IPv6).
macro_rules! probes {
    ($proto:literal, $proto6:literal: $($port:literal),* $(,)?) => {
        (
            &[$((concat!($proto, "-", stringify!($port)), $port)),*],
            &[$((concat!($proto6, "-", stringify!($port)), $port)),*],
        )
    };
}

type Table = &'static [(&'static str, u16)];

const TCP_BOTH: (Table, Table) = probes!("tcp", "tcp6":
    21, 22, 23, 53, 80, 179, 443, 646, 1080, 1723, 2000, 2210, 2828, 3128, 8080, 8291, 8728, 8729,
    1025, 5000, 10000, 20000, 30000, 40000, 49152, 55555, 60000, 65535,
);

const UDP_BOTH: (Table, Table) = probes!("udp", "udp6":
    53, 123, 161, 500, 1701, 1900, 3799, 4500, 5246, 13231,
    33434, 49152, 60000,
);

/// TCP: [`routeros::service::TCP_PORTS`], then the high-port sample.
pub const TCP: Table = TCP_BOTH.0;
/// The same ports over IPv6 (probed where the lab gives the vantages an IPv6 path).
pub const TCP6: Table = TCP_BOTH.1;
/// UDP: [`routeros::service::UDP_PORTS`], then the high-port sample (33434: traceroute's).
pub const UDP: Table = UDP_BOTH.0;
/// The same ports over IPv6.
pub const UDP6: Table = UDP_BOTH.1;

/// The gap between two UDP probes from one vantage: longer than RouterOS's ICMP rate limit
/// (10 ms per destination), with room for the other measures' datagrams.
pub const STAGGER: Duration = Duration::from_millis(15);

/// The high ports sampled besides RouterOS's own.
pub const HIGH_TCP: [u16; 10] = [
    1025, 5000, 10000, 20000, 30000, 40000, 49152, 55555, 60000, 65535,
];
/// The high UDP ports sampled.
pub const HIGH_UDP: [u16; 3] = [33434, 49152, 60000];

/// The measure's probes ([`crate::measures::MeasureDef::probe`]): to the router's IPv4 address,
/// and to its IPv6 address when the lab gives the vantages one.
pub fn probe(target: Target) -> LocalBoxFuture<'static, Vec<(&'static str, Seen)>> {
    Box::pin(async move {
        let (v4, v6) = futures::join!(probe_at(target.router, TCP, UDP, target.timing), async {
            match target.router6 {
                Some(ip) => probe_at(ip, TCP6, UDP6, target.timing).await,
                None => Vec::new(),
            }
        });
        v4.into_iter().chain(v6).collect()
    })
}

async fn probe_at(
    ip: std::net::IpAddr,
    tcp: Table,
    udp: Table,
    timing: crate::probe::ProbeTiming,
) -> Vec<(&'static str, Seen)> {
    {
        let tcp = join_all(tcp.iter().map(|(id, port)| async move {
            let p = probe_tcp(SocketAddr::new(ip, *port), timing).await;
            let seen = match p.state {
                PortState::Filtered => Seen::Silent(format!("tcp {port}: {p}")),
                PortState::Closed | PortState::Rejected => {
                    Seen::Refused(format!("tcp {port}: {p}"))
                }
                PortState::Open => Seen::Answered(format!("tcp {port}: {p}")),
            };
            (*id, seen)
        }));
        // One datagram every STAGGER: RouterOS sends at most one ICMP error per 10 ms and
        // destination (`/ip settings icmp-rate-limit`), so a burst would hide refusals.
        let udp = join_all(udp.iter().enumerate().map(|(i, (id, port))| async move {
            tokio::time::sleep(STAGGER * i as u32).await;
            (
                *id,
                udp_silence(SocketAddr::new(ip, *port), timing.answer).await,
            )
        }));
        let (mut tcp, udp) = futures::join!(tcp, udp);
        tcp.extend(udp);
        tcp
    }
}

/// What a RouterOS service on `port` would answer, or a few zero bytes.
fn request(port: u16) -> Vec<u8> {
    match port {
        53 => routeros::dns::query(
            0x4348,
            crate::measures::listeners::probe::PROBE_NAME,
            routeros::dns::TYPE_A,
        )
        .unwrap_or_else(|_| vec![0u8; 8]),
        161 => match routeros::snmp::SYS_DESCR.parse::<routeros::snmp::Oid>() {
            Ok(oid) => {
                routeros::snmp::get_request(routeros::snmp::Version::V2c, b"public", 0x4348, &[oid])
            }
            Err(_) => vec![0u8; 8],
        },
        // An NTP v4 client request (RFC 5905: LI 0, VN 4, mode 3), the rest zero.
        123 => {
            let mut b = vec![0u8; 48];
            b[0] = 0x23;
            b
        }
        _ => vec![0u8; 8],
    }
}

/// Sends one datagram and waits for anything: a reply (answered), an ICMP port unreachable
/// (refused: the router's stack answered), or nothing (silent).
async fn udp_silence(addr: SocketAddr, wait: Duration) -> Seen {
    let port = addr.port();
    let socket = match crate::vantage::udp(addr).await {
        Ok(s) => s,
        Err(e) => return Seen::NotRun(format!("udp {port}: {e}")),
    };
    if let Err(e) = socket.send(&request(port)).await {
        return Seen::NotRun(format!("udp {port}: cannot send: {e}"));
    }
    let mut buf = [0u8; 1500];
    match tokio::time::timeout(wait, socket.recv(&mut buf)).await {
        Err(_) => Seen::Silent(format!(
            "udp {port}: no reply within {} ms",
            wait.as_millis()
        )),
        Ok(Err(e)) if e.kind() == ErrorKind::ConnectionRefused => {
            Seen::Refused(format!("udp {port}: ICMP port unreachable"))
        }
        Ok(Err(e)) => Seen::Refused(format!("udp {port}: an ICMP error ({e})")),
        Ok(Ok(n)) => Seen::Answered(format!("udp {port}: a {n}-byte reply")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_are_routeros_ports_then_the_samples() {
        let tcp: Vec<u16> = routeros::service::TCP_PORTS
            .iter()
            .map(|(p, _)| *p)
            .chain(HIGH_TCP)
            .collect();
        assert_eq!(TCP.iter().map(|(_, p)| *p).collect::<Vec<_>>(), tcp);
        let udp: Vec<u16> = routeros::service::UDP_PORTS
            .iter()
            .map(|(p, _)| *p)
            .chain(HIGH_UDP)
            .collect();
        assert_eq!(UDP.iter().map(|(_, p)| *p).collect::<Vec<_>>(), udp);
        for (id, port) in TCP.iter().chain(UDP).chain(TCP6).chain(UDP6) {
            assert!(id.ends_with(&format!("-{port}")), "{id}");
        }
        assert_eq!(TCP.len(), TCP6.len());
        assert_eq!(UDP.len(), UDP6.len());
    }
}
