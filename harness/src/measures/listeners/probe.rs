//! The listeners' black-box probes, run from every vantage: a real DNS query over UDP and over
//! TCP 53 (an open resolver answers it, even with SERVFAIL or NXDOMAIN), and an SNMP v2c
//! GetRequest for `sysDescr.0` with the factory community `public` (UDP 161). Each asks the
//! router's IPv4 address and, when the lab gives the vantages one, its IPv6 address; an answer
//! on either is an answer.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use futures::future::{LocalBoxFuture, join_all};
use routeros::{dns, snmp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::probe::{Seen, Target, udp_exchange};

/// A DNS query over UDP 53.
pub const DNS_UDP: &str = "dns-udp";
/// A DNS query over TCP 53.
pub const DNS_TCP: &str = "dns-tcp";
/// An SNMP GetRequest with the community `public` (UDP 161).
pub const SNMP_PUBLIC: &str = "snmp-public";
/// A SOCKS4 CONNECT and a SOCKS5 greeting (TCP 1080).
pub const SOCKS: &str = "socks";
/// A proxy request for an absolute URI (TCP 8080).
pub const WEB_PROXY: &str = "web-proxy";

/// The SOCKS proxy's factory port (`/ip socks port`).
pub const SOCKS_PORT: u16 = 1080;
/// The web proxy's factory port (`/ip proxy port`).
pub const WEB_PROXY_PORT: u16 = 8080;
use routeros::service::WEB_PROXY_SERVER;

/// The name the DNS probes ask for: under `example.`, which no resolver has an answer for
/// (RFC 2606), so any answer is the resolver's own (an error, a referral, a forward).
pub const PROBE_NAME: &str = "chrlab-probe.example.";

/// What each probe asks, in words, for a verdict's reason.
pub fn describe(probe: &str) -> &'static str {
    match probe {
        DNS_UDP => "a DNS query over UDP 53",
        DNS_TCP => "a DNS query over TCP 53",
        SNMP_PUBLIC => "an SNMP GetRequest with community public (UDP 161)",
        SOCKS => "a SOCKS4 CONNECT and a SOCKS5 greeting (TCP 1080)",
        WEB_PROXY => "a proxy request for http://chrlab-probe.example/ (TCP 8080)",
        _ => "a probe",
    }
}

/// The measure's probes ([`crate::measures::MeasureDef::probe`]).
pub fn probe(target: Target) -> LocalBoxFuture<'static, Vec<(&'static str, Seen)>> {
    Box::pin(async move {
        let addrs: Vec<IpAddr> = std::iter::once(target.router)
            .chain(target.router6)
            .collect();
        let wait = target.timing.answer;
        let connect = target.timing.connect;
        let (udp, tcp, snmp, socks, proxy) = futures::join!(
            join_all(addrs.iter().map(|ip| dns_udp(*ip, wait))),
            join_all(addrs.iter().map(|ip| dns_tcp(*ip, connect, wait))),
            join_all(addrs.iter().map(|ip| snmp_public(*ip, wait))),
            join_all(addrs.iter().map(|ip| socks(*ip, connect, wait))),
            join_all(addrs.iter().map(|ip| web_proxy(*ip, connect, wait))),
        );
        vec![
            (DNS_UDP, strongest(udp)),
            (DNS_TCP, strongest(tcp)),
            (SNMP_PUBLIC, strongest(snmp)),
            (SOCKS, strongest(socks)),
            (WEB_PROXY, strongest(proxy)),
        ]
    })
}

/// One sighting for several addresses: an answer on any, else a refusal, else silence, else
/// not run; the details of the ones that count, joined.
fn strongest(seen: Vec<Seen>) -> Seen {
    let rank = |s: &Seen| match s {
        Seen::Answered(_) => 3,
        Seen::Refused(_) => 2,
        Seen::Silent(_) => 1,
        Seen::NotRun(_) => 0,
    };
    let Some(top) = seen.iter().map(rank).max() else {
        return Seen::NotRun("no address to probe".into());
    };
    let details: Vec<String> = seen
        .iter()
        .filter(|s| rank(s) == top)
        .map(|s| match s {
            Seen::Answered(d) | Seen::Refused(d) | Seen::Silent(d) | Seen::NotRun(d) => d.clone(),
        })
        .collect();
    let detail = details.join("; ");
    match top {
        3 => Seen::Answered(detail),
        2 => Seen::Refused(detail),
        1 => Seen::Silent(detail),
        _ => Seen::NotRun(detail),
    }
}

fn query_id(ip: IpAddr) -> u16 {
    // Different per family, so a reply is matched to its query.
    if ip.is_ipv4() { 0x4c51 } else { 0x4c56 }
}

/// What a DNS reply to query `id` says: an answer (any rcode but REFUSED), a refusal, or bytes
/// that are no DNS reply to it (not counted as an answer).
fn classify_dns(reply: &[u8], id: u16, via: &str) -> Seen {
    match dns::Message::parse(reply) {
        Ok(m) if m.response && m.id == id => {
            if m.rcode == dns::Rcode::Refused {
                Seen::Refused(format!("{via}: REFUSED"))
            } else {
                let ra = if m.recursion_available {
                    ", recursion available"
                } else {
                    ""
                };
                Seen::Answered(format!(
                    "{via}: {}{ra}, {} address(es)",
                    m.rcode,
                    m.answers_a.len()
                ))
            }
        }
        Ok(_) => Seen::Refused(format!("{via}: a DNS message that answers another query")),
        Err(e) => Seen::Refused(format!(
            "{via}: {} bytes that are no DNS reply ({e})",
            reply.len()
        )),
    }
}

async fn dns_udp(ip: IpAddr, wait: Duration) -> Seen {
    let id = query_id(ip);
    let Ok(query) = dns::query(id, PROBE_NAME, dns::TYPE_A) else {
        return Seen::NotRun(format!("cannot ask for {PROBE_NAME}"));
    };
    let addr = SocketAddr::new(ip, dns::PORT);
    match udp_exchange(addr, &query, wait).await {
        Ok(reply) => classify_dns(&reply, id, &format!("udp {addr}")),
        Err(seen) => seen,
    }
}

async fn dns_tcp(ip: IpAddr, connect: Duration, wait: Duration) -> Seen {
    let id = query_id(ip);
    let addr = SocketAddr::new(ip, dns::PORT);
    let via = format!("tcp {addr}");
    let Some(framed) = dns::query(id, PROBE_NAME, dns::TYPE_A)
        .ok()
        .and_then(|q| dns::tcp_frame(&q))
    else {
        return Seen::NotRun(format!("cannot ask for {PROBE_NAME}"));
    };
    let mut stream = match tokio::time::timeout(connect, crate::vantage::connect(addr)).await {
        Err(_) => return Seen::Silent(format!("{via}: filtered (no handshake)")),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            return Seen::Silent(format!("{via}: closed"));
        }
        Ok(Err(e)) => return Seen::Silent(format!("{via}: {e}")),
        Ok(Ok(s)) => s,
    };
    if let Err(e) = stream.write_all(&framed).await {
        return Seen::Silent(format!("{via}: {e}"));
    }
    let mut len = [0u8; 2];
    match tokio::time::timeout(wait, stream.read_exact(&mut len)).await {
        Err(_) => return Seen::Silent(format!("{via}: no reply within {} ms", wait.as_millis())),
        Ok(Err(_)) => return Seen::Silent(format!("{via}: closed without a reply")),
        Ok(Ok(_)) => {}
    }
    let mut body = vec![0u8; usize::from(u16::from_be_bytes(len))];
    match tokio::time::timeout(wait, stream.read_exact(&mut body)).await {
        Ok(Ok(_)) => classify_dns(&body, id, &via),
        _ => Seen::Refused(format!("{via}: a reply cut short")),
    }
}

/// Connects to `addr`, sends `request` and reads what comes back before `wait` passes (or the
/// server closes): its bytes, or what the vantage saw instead.
async fn tcp_exchange(
    addr: SocketAddr,
    request: &[u8],
    connect: Duration,
    wait: Duration,
) -> Result<Vec<u8>, Seen> {
    let via = format!("tcp {addr}");
    let mut stream = match tokio::time::timeout(connect, crate::vantage::connect(addr)).await {
        Err(_) => return Err(Seen::Silent(format!("{via}: filtered (no handshake)"))),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            return Err(Seen::Silent(format!("{via}: closed")));
        }
        Ok(Err(e)) => return Err(Seen::Silent(format!("{via}: {e}"))),
        Ok(Ok(s)) => s,
    };
    if let Err(e) = stream.write_all(request).await {
        return Err(Seen::Silent(format!("{via}: {e}")));
    }
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + wait;
    while got.len() < 4096 {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
            _ => break,
        }
        // A SOCKS reply is whole at 8 bytes (v4) or 2 (v5); an HTTP head at its blank line.
        if got.len() >= 8 || got.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    if got.is_empty() {
        return Err(Seen::Silent(format!(
            "{via}: no reply within {} ms",
            wait.as_millis()
        )));
    }
    Ok(got)
}

async fn socks(ip: IpAddr, connect: Duration, wait: Duration) -> Seen {
    let addr = SocketAddr::new(ip, SOCKS_PORT);
    // CONNECT to 192.0.2.1:80 (TEST-NET-1) as user `chrlab`.
    let v4 = [
        4, 1, 0, 80, 192, 0, 2, 1, b'c', b'h', b'r', b'l', b'a', b'b', 0,
    ];
    // Version 5, one method: no authentication.
    let v5 = [5, 1, 0];
    let (a, b) = futures::join!(
        tcp_exchange(addr, &v4, connect, wait),
        tcp_exchange(addr, &v5, connect, wait)
    );
    let four = match a {
        Ok(r) if r.len() >= 2 && r[0] == 0 && (0x5A..=0x5D).contains(&r[1]) => {
            Seen::Answered(format!("tcp {addr}: a SOCKS4 reply (code {:#04x})", r[1]))
        }
        Ok(r) => Seen::Refused(format!(
            "tcp {addr}: {} bytes that are no SOCKS4 reply",
            r.len()
        )),
        Err(seen) => seen,
    };
    let five = match b {
        Ok(r) if r.len() >= 2 && r[0] == 5 => {
            Seen::Answered(format!("tcp {addr}: a SOCKS5 reply (method {:#04x})", r[1]))
        }
        Ok(r) => Seen::Refused(format!(
            "tcp {addr}: {} bytes that are no SOCKS5 reply",
            r.len()
        )),
        Err(seen) => seen,
    };
    strongest(vec![four, five])
}

async fn web_proxy(ip: IpAddr, connect: Duration, wait: Duration) -> Seen {
    let addr = SocketAddr::new(ip, WEB_PROXY_PORT);
    let request = format!(
        "GET http://{host}/ HTTP/1.0\r\nHost: {host}\r\n\r\n",
        host = PROBE_NAME.trim_end_matches('.')
    );
    match tcp_exchange(addr, request.as_bytes(), connect, wait).await {
        Ok(reply) => classify_proxy(&reply, &format!("tcp {addr}")),
        Err(seen) => seen,
    }
}

/// A reply to a proxy request: RouterOS's web proxy names itself in `Server`; any other HTTP
/// server on the port (WebFig moved there, say) answered, but not as a proxy.
fn classify_proxy(reply: &[u8], via: &str) -> Seen {
    let text = String::from_utf8_lossy(reply);
    let status = text.lines().next().unwrap_or("").trim().to_string();
    if !status.starts_with("HTTP/") {
        return Seen::Refused(format!(
            "{via}: {} bytes that are no HTTP reply",
            reply.len()
        ));
    }
    let server = text
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("server")
                .then(|| v.trim().to_string())
        });
    match server {
        Some(s) if s.contains(WEB_PROXY_SERVER) => {
            Seen::Answered(format!("{via}: the web proxy ({status}, Server: {s})"))
        }
        _ => Seen::Refused(format!(
            "{via}: an HTTP server that is not the proxy ({status})"
        )),
    }
}

async fn snmp_public(ip: IpAddr, wait: Duration) -> Seen {
    const REQUEST_ID: i64 = 0x4c53;
    let Ok(oid) = snmp::SYS_DESCR.parse::<snmp::Oid>() else {
        return Seen::NotRun("sysDescr.0 is no object identifier".into());
    };
    let addr = SocketAddr::new(ip, snmp::PORT);
    let request = snmp::get_request(snmp::Version::V2c, b"public", REQUEST_ID, &[oid]);
    let reply = match udp_exchange(addr, &request, wait).await {
        Ok(reply) => reply,
        Err(seen) => return seen,
    };
    match snmp::Message::parse(&reply) {
        Ok(m) if m.pdu == snmp::GET_RESPONSE && m.request_id == REQUEST_ID => {
            let value = match m.varbinds.first() {
                Some((_, snmp::Value::OctetString(s))) => {
                    format!("sysDescr.0 = {:?}", String::from_utf8_lossy(s))
                }
                Some((_, other)) => format!("sysDescr.0 = {other:?}"),
                None => format!("error-status {}", m.error_status),
            };
            Seen::Answered(format!("udp {addr}: community public read: {value}"))
        }
        Ok(m) => Seen::Refused(format!(
            "udp {addr}: an SNMP PDU {:#04x} that answers no GetRequest of ours",
            m.pdu
        )),
        Err(e) => Seen::Refused(format!(
            "udp {addr}: {} bytes that are no SNMP reply ({e})",
            reply.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_routeros_web_proxy_counts_as_the_proxy() {
        let proxy = b"HTTP/1.0 502 Bad Gateway\r\nServer: Mikrotik HttpProxy\r\n\r\n";
        assert!(matches!(classify_proxy(proxy, "t"), Seen::Answered(d) if d.contains("502")));
        // WebFig moved to the proxy's port answers HTTP, but not as the proxy.
        let www = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
        assert!(
            matches!(classify_proxy(www, "t"), Seen::Refused(d) if d.contains("not the proxy"))
        );
        assert!(matches!(classify_proxy(b"\x05\x00", "t"), Seen::Refused(_)));
    }

    #[test]
    fn any_dns_reply_but_refused_is_an_answer() {
        let asked = dns::Message::parse(&dns::query(7, PROBE_NAME, dns::TYPE_A).unwrap()).unwrap();
        let servfail = dns::reply(&asked, dns::Rcode::ServFail, &[], 0);
        assert!(classify_dns(&servfail, 7, "udp x").answered());
        let nx = dns::reply(&asked, dns::Rcode::NxDomain, &[], 0);
        assert!(classify_dns(&nx, 7, "udp x").answered());
        let refused = dns::reply(&asked, dns::Rcode::Refused, &[], 0);
        assert!(matches!(
            classify_dns(&refused, 7, "udp x"),
            Seen::Refused(_)
        ));
        // Another query's reply and garbage are no answer.
        assert!(!classify_dns(&servfail, 8, "udp x").answered());
        assert!(!classify_dns(b"\x00", 7, "udp x").answered());
    }

    #[test]
    fn the_strongest_sighting_of_both_families_counts() {
        let got = strongest(vec![
            Seen::Silent("v4 silent".into()),
            Seen::Answered("v6 answered".into()),
        ]);
        assert_eq!(got, Seen::Answered("v6 answered".into()));
        let got = strongest(vec![Seen::NotRun("a".into()), Seen::Silent("b".into())]);
        assert_eq!(got, Seen::Silent("b".into()));
        assert!(matches!(strongest(vec![]), Seen::NotRun(_)));
    }

    /// A stand-in resolver and agent on loopback: the probes read what they say.
    #[tokio::test]
    async fn the_probes_read_a_resolver_and_an_agent() {
        let dns_server = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = dns_server.local_addr().unwrap();
        let serve = tokio::spawn(async move {
            let mut b = [0u8; 512];
            let (n, from) = dns_server.recv_from(&mut b).await.unwrap();
            let asked = dns::Message::parse(&b[..n]).unwrap();
            let reply = dns::reply(&asked, dns::Rcode::ServFail, &[], 0);
            dns_server.send_to(&reply, from).await.unwrap();
        });
        let id = query_id(addr.ip());
        let q = dns::query(id, PROBE_NAME, dns::TYPE_A).unwrap();
        let reply = udp_exchange(addr, &q, Duration::from_millis(500))
            .await
            .unwrap();
        let seen = classify_dns(&reply, id, "udp");
        assert!(seen.answered(), "{seen}");
        assert!(seen.to_string().contains("SERVFAIL"), "{seen}");
        serve.await.unwrap();
    }
}
