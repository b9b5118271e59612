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

/// The name the DNS probes ask for: under `example.`, which no resolver has an answer for
/// (RFC 2606), so any answer is the resolver's own (an error, a referral, a forward).
pub const PROBE_NAME: &str = "chrlab-probe.example.";

/// What each probe asks, in words, for a verdict's reason.
pub fn describe(probe: &str) -> &'static str {
    match probe {
        DNS_UDP => "a DNS query over UDP 53",
        DNS_TCP => "a DNS query over TCP 53",
        SNMP_PUBLIC => "an SNMP GetRequest with community public (UDP 161)",
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
        let (udp, tcp, snmp) = futures::join!(
            join_all(addrs.iter().map(|ip| dns_udp(*ip, wait))),
            join_all(addrs.iter().map(|ip| dns_tcp(*ip, connect, wait))),
            join_all(addrs.iter().map(|ip| snmp_public(*ip, wait))),
        );
        vec![
            (DNS_UDP, strongest(udp)),
            (DNS_TCP, strongest(tcp)),
            (SNMP_PUBLIC, strongest(snmp)),
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
