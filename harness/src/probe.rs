//! Probes: is a port open, closed (refused) or filtered (no answer), and what answers there?
//!
//! A probe connects with its own deadline (a dropped SYN is retried by the kernel for minutes),
//! waits briefly for a greeting (SSH, FTP and telnet speak first), and if the service is silent
//! asks it an application question that both HTTP and the RouterOS API answer in their own way.
//! Through QEMU's user networking a connect always succeeds, so "filtered" there shows as an
//! open port that never answers: [`Identity::Silent`].

use std::collections::BTreeMap;
use std::fmt;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long each probe phase may take; tuned per lab (a namespace lab answers in microseconds).
#[derive(Debug, Clone, Copy)]
pub struct ProbeTiming {
    /// Deadline for the TCP handshake; past it the port is `filtered`.
    pub connect: Duration,
    /// How long to wait for a service that speaks first.
    pub greeting: Duration,
    /// How long to wait for the answer to our question.
    pub answer: Duration,
}

impl ProbeTiming {
    /// Timing for labs on this machine (namespaces, loopback). The kernel answers a SYN at
    /// once, so a short connect deadline is safe. A greeting that comes later than `greeting`
    /// (a busy server on a loaded CI machine) is still recognised in the answer window.
    pub const LOCAL: ProbeTiming = ProbeTiming {
        connect: Duration::from_millis(250),
        greeting: Duration::from_millis(150),
        answer: Duration::from_millis(600),
    };
    /// Timing for a router across a real network.
    pub const REMOTE: ProbeTiming = ProbeTiming {
        connect: Duration::from_secs(3),
        greeting: Duration::from_secs(2),
        answer: Duration::from_secs(3),
    };
}

/// What a port looked like from one vantage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum PortState {
    /// Something accepted the connection.
    Open,
    /// The router refused (RST): no listener, or `reject with tcp-reset`.
    Closed,
    /// An ICMP error came back (`reject` with an icmp type).
    Rejected,
    /// No answer at all: a firewall drops the packets.
    Filtered,
}

/// Who answered on an open port, by what it said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Identity {
    /// `SSH-2.0-ROSSSH` or another SSH identification string (kept verbatim).
    Ssh(String),
    /// An FTP `220` greeting (kept verbatim).
    Ftp(String),
    /// Telnet option negotiation (IAC) or a `Login:` prompt.
    Telnet,
    /// An HTTP server (its status line).
    Http(String),
    /// The RouterOS binary API (it answered our sentence with `!fatal`/`!trap`/`!done`).
    Api,
    /// The bandwidth-test server (its hello `01 00 00 00`, TCP 2000).
    BandwidthTest,
    /// Accepted the connection but said nothing intelligible.
    Silent,
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Identity::Ssh(id) => write!(f, "ssh ({id})"),
            Identity::Ftp(g) => write!(f, "ftp ({g})"),
            Identity::Telnet => f.write_str("telnet"),
            Identity::Http(s) => write!(f, "http ({s})"),
            Identity::Api => f.write_str("routeros api"),
            Identity::BandwidthTest => f.write_str("bandwidth-test server"),
            Identity::Silent => f.write_str("silent"),
        }
    }
}

/// The outcome of probing one port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Probe {
    pub state: PortState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
}

impl Probe {
    /// True when a service answered (open and not silent).
    pub fn answers(&self) -> bool {
        self.state == PortState::Open && !matches!(self.identity, None | Some(Identity::Silent))
    }
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            PortState::Open => "open",
            PortState::Closed => "closed",
            PortState::Rejected => "rejected",
            PortState::Filtered => "filtered",
        };
        match &self.identity {
            Some(id) => write!(f, "{state}, {id}"),
            None => f.write_str(state),
        }
    }
}

/// Probes one TCP port. Runs wherever it is awaited (inside a vantage for its source address).
pub async fn probe_tcp(addr: SocketAddr, timing: ProbeTiming) -> Probe {
    let stream = match tokio::time::timeout(timing.connect, crate::vantage::connect(addr)).await {
        Err(_) => return state_only(PortState::Filtered),
        Ok(Err(e)) => {
            return state_only(match e.kind() {
                ErrorKind::ConnectionRefused | ErrorKind::ConnectionReset => PortState::Closed,
                ErrorKind::TimedOut => PortState::Filtered,
                // ICMP errors: host/network unreachable, administratively prohibited.
                _ => PortState::Rejected,
            });
        }
        Ok(Ok(s)) => s,
    };
    Probe {
        state: PortState::Open,
        identity: Some(identify(stream, timing).await),
    }
}

fn state_only(state: PortState) -> Probe {
    Probe {
        state,
        identity: None,
    }
}

async fn identify(mut stream: TcpStream, timing: ProbeTiming) -> Identity {
    let mut buf = vec![0u8; 512];
    if let Some(bytes) = read_some(&mut stream, &mut buf, timing.greeting).await {
        return classify_greeting(bytes);
    }
    // Silent so far: ask a question. A RouterOS API sentence before login is answered with
    // `!fatal not logged in`; an HTTP server answers it with an HTTP error status line.
    let question = routeros::api::encode_sentence(&["/system/identity/print"]);
    if stream.write_all(&question).await.is_err() {
        return Identity::Silent;
    }
    match read_some(&mut stream, &mut buf, timing.answer).await {
        // A late greeting arrives before any answer to our question.
        Some(bytes) => match classify_greeting(bytes) {
            Identity::Silent | Identity::Http(_) => classify_answer(bytes),
            greeting => greeting,
        },
        None => Identity::Silent,
    }
}

async fn read_some<'a>(
    stream: &mut TcpStream,
    buf: &'a mut [u8],
    wait: Duration,
) -> Option<&'a [u8]> {
    match tokio::time::timeout(wait, stream.read(buf)).await {
        Ok(Ok(n)) if n > 0 => Some(&buf[..n]),
        _ => None,
    }
}

fn first_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.lines().next().unwrap_or("").trim().to_string()
}

/// Classifies what a service said first, before we sent anything.
pub fn classify_greeting(bytes: &[u8]) -> Identity {
    if bytes.starts_with(b"SSH-") {
        Identity::Ssh(first_line(bytes))
    } else if bytes.starts_with(b"220") {
        Identity::Ftp(first_line(bytes))
    } else if bytes.first() == Some(&0xFF) || String::from_utf8_lossy(bytes).contains("Login:") {
        Identity::Telnet
    } else if bytes.starts_with(b"HTTP/") {
        Identity::Http(first_line(bytes))
    } else if bytes == routeros::service::BANDWIDTH_SERVER_HELLO {
        Identity::BandwidthTest
    } else {
        Identity::Silent
    }
}

/// Classifies the answer to the API question sent to a silent service.
pub fn classify_answer(bytes: &[u8]) -> Identity {
    if bytes.starts_with(b"HTTP/") {
        return Identity::Http(first_line(bytes));
    }
    let mut decoder = routeros::api::Decoder::new(4096);
    decoder.feed(bytes);
    match decoder.next_sentence() {
        Ok(Some(sentence))
            if sentence
                .first()
                .is_some_and(|w| matches!(w.as_str(), "!fatal" | "!trap" | "!done")) =>
        {
            Identity::Api
        }
        _ => Identity::Silent,
    }
}

/// Port × vantage → probe, in a stable order for snapshots.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProbeMatrix {
    /// `port → vantage → probe`.
    pub cells: BTreeMap<u16, BTreeMap<String, Probe>>,
}

impl ProbeMatrix {
    /// The probe for `port` from `vantage`, if it was probed.
    pub fn get(&self, port: u16, vantage: &str) -> Option<&Probe> {
        self.cells.get(&port).and_then(|m| m.get(vantage))
    }

    /// Records one probe.
    pub fn insert(&mut self, port: u16, vantage: &str, probe: Probe) {
        self.cells
            .entry(port)
            .or_default()
            .insert(vantage.to_string(), probe);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings_are_classified_by_what_they_say() {
        let cases: &[(&[u8], Identity)] = &[
            (
                b"SSH-2.0-ROSSSH\r\n",
                Identity::Ssh("SSH-2.0-ROSSSH".into()),
            ),
            (
                b"220 CHR FTP server (MikroTik 7.23.7) ready\r\n",
                Identity::Ftp("220 CHR FTP server (MikroTik 7.23.7) ready".into()),
            ),
            (&[0xFF, 0xFD, 0x18], Identity::Telnet),
            (b"\r\nLogin: ", Identity::Telnet),
            (b"garbage", Identity::Silent),
        ];
        for (bytes, want) in cases {
            assert_eq!(&classify_greeting(bytes), want, "greeting {bytes:?}");
        }
    }

    #[test]
    fn answers_tell_http_from_the_api() {
        assert_eq!(
            classify_answer(b"HTTP/1.1 400 Bad Request\r\n\r\n"),
            Identity::Http("HTTP/1.1 400 Bad Request".into())
        );
        let fatal = routeros::api::encode_sentence(&["!fatal", "not logged in"]);
        assert_eq!(classify_answer(&fatal), Identity::Api);
        assert_eq!(classify_answer(b"\x00\x00"), Identity::Silent);
    }

    /// A server that speaks first, but late, after our question went out.
    #[tokio::test]
    async fn a_late_greeting_is_still_recognised() {
        use tokio::io::AsyncWriteExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_millis(300)).await;
            let _ = s.write_all(b"SSH-2.0-ROSSSH\r\n").await;
            tokio::time::sleep(Duration::from_millis(300)).await;
        });
        let probe = probe_tcp(addr, ProbeTiming::LOCAL).await;
        assert_eq!(
            probe.identity,
            Some(Identity::Ssh("SSH-2.0-ROSSSH".into())),
            "{probe}"
        );
        server.abort();
        let _ = server.await;
        // Nothing listening: closed, at once.
        let closed = probe_tcp(addr, ProbeTiming::LOCAL).await;
        assert_eq!(closed.state, PortState::Closed);
    }
}
