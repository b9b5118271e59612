//! Probes: is a port open, closed (refused) or filtered (no answer), and what answers there?
//!
//! A probe connects with its own deadline (a dropped SYN is retried by the kernel for minutes),
//! waits briefly for a greeting (SSH, FTP and telnet speak first), and if the service is silent
//! asks it an application question that both HTTP and the RouterOS API answer in their own way.
//!
//! **Through a port forward** (QEMU user-mode networking, [`TcpPath::Forwarded`]) the handshake
//! is with QEMU on the host, so `connect()` always succeeds and says nothing about the router.
//! What reaches the host afterwards does: the service's bytes (open); an end of stream before we
//! said anything (the guest refused the forwarded connection: no listener, or `reject-with
//! tcp-reset`: closed); nothing at all, neither after waiting for a greeting nor after our
//! question (the guest dropped it: QEMU keeps trying for ~76 s: filtered). An end of stream only
//! after our question is a listener that hung up on it (open, silent). What this cannot see:
//! a reset and a missing listener look alike, an ICMP reject is not passed on (it looks like a
//! drop), and an open service that neither greets nor answers nor hangs up looks filtered
//! ([`FORWARDED_LIMITATIONS`]).

use std::collections::BTreeMap;
use std::fmt;
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How a lab's TCP connections reach the router.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpPath {
    /// The router's own TCP stack answers the handshake (a wire, a bridge, loopback).
    Direct,
    /// A port forward on this host (QEMU user-mode networking) answers the handshake; the
    /// router is seen only through what comes back afterwards.
    Forwarded,
}

/// What probing through port forwards cannot tell apart (for `Lab::limitations`).
pub const FORWARDED_LIMITATIONS: &[&str] = &[
    "ports are probed through QEMU user-mode port forwards: a connection always completes on the host, so a port is judged by what follows (the service's bytes: open; an end of stream before any question: closed; silence after waiting for a greeting and after a question: filtered)",
    "through the forwards a reset (reject-with tcp-reset) and a port without a listener look alike (both closed)",
    "through the forwards an ICMP reject is not passed on: it looks like a drop (filtered), never rejected",
    "through the forwards an open service that neither greets nor answers a question nor hangs up looks filtered",
];

/// How long each probe phase may take; tuned per lab (a namespace lab answers in microseconds).
#[derive(Debug, Clone, Copy)]
pub struct ProbeTiming {
    /// Deadline for the TCP handshake; past it the port is `filtered`.
    pub connect: Duration,
    /// How long to wait for a service that speaks first.
    pub greeting: Duration,
    /// How long to wait for the answer to our question.
    pub answer: Duration,
    /// How the connections reach the router (how a probe is read).
    pub path: TcpPath,
}

impl ProbeTiming {
    /// Timing for labs on this machine (namespaces, loopback). The kernel answers a SYN at
    /// once, so a short connect deadline is safe. A greeting that comes later than `greeting`
    /// (a busy server on a loaded CI machine) is still recognised in the answer window.
    pub const LOCAL: ProbeTiming = ProbeTiming {
        connect: Duration::from_millis(250),
        greeting: Duration::from_millis(150),
        answer: Duration::from_millis(600),
        path: TcpPath::Direct,
    };
    /// Timing for a router across a real network.
    pub const REMOTE: ProbeTiming = ProbeTiming {
        connect: Duration::from_secs(3),
        greeting: Duration::from_secs(2),
        answer: Duration::from_secs(3),
        path: TcpPath::Direct,
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
    match timing.path {
        TcpPath::Direct => Probe {
            state: PortState::Open,
            identity: Some(identify(stream, timing).await),
        },
        TcpPath::Forwarded => {
            let seen = converse(stream, timing).await;
            tracing::debug!(%addr, ?seen, "probe through a port forward");
            classify_forwarded(&seen)
        }
    }
}

/// What came back through a port forward, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forwarded {
    /// The service spoke first (these bytes) within the greeting window.
    Greeting(Vec<u8>),
    /// The stream ended before we said anything.
    EndBeforeQuestion,
    /// The service answered our question (or greeted late) with these bytes.
    Answer(Vec<u8>),
    /// The stream ended after our question, without a byte.
    EndAfterQuestion,
    /// Nothing came back within the greeting and answer windows.
    Silence,
}

/// Reads a port-forwarded connection: waits for a greeting, else asks the question.
async fn converse(mut stream: TcpStream, timing: ProbeTiming) -> Forwarded {
    let mut buf = vec![0u8; 512];
    match tokio::time::timeout(timing.greeting, stream.read(&mut buf)).await {
        Ok(Ok(n)) if n > 0 => return Forwarded::Greeting(buf[..n].to_vec()),
        // QEMU closes (or resets) its side when the guest refused the connection.
        Ok(Ok(_)) | Ok(Err(_)) => return Forwarded::EndBeforeQuestion,
        Err(_) => {}
    }
    if stream.write_all(&question()).await.is_err() {
        return Forwarded::EndBeforeQuestion;
    }
    match tokio::time::timeout(timing.answer, stream.read(&mut buf)).await {
        Ok(Ok(n)) if n > 0 => Forwarded::Answer(buf[..n].to_vec()),
        Ok(Ok(_)) | Ok(Err(_)) => Forwarded::EndAfterQuestion,
        Err(_) => Forwarded::Silence,
    }
}

/// The port's state and identity from what came back through a port forward.
pub fn classify_forwarded(seen: &Forwarded) -> Probe {
    let open = |identity| Probe {
        state: PortState::Open,
        identity: Some(identity),
    };
    match seen {
        Forwarded::Greeting(bytes) => open(classify_greeting(bytes)),
        Forwarded::Answer(bytes) => open(classify_late(bytes)),
        Forwarded::EndAfterQuestion => open(Identity::Silent),
        Forwarded::EndBeforeQuestion => state_only(PortState::Closed),
        Forwarded::Silence => state_only(PortState::Filtered),
    }
}

/// The question asked of a silent service. A RouterOS API sentence before login is answered
/// with `!fatal not logged in`; an HTTP server answers it with an HTTP error status line.
fn question() -> Vec<u8> {
    routeros::api::encode_sentence(&["/system/identity/print"])
}

/// Classifies what came after the question: a late greeting, else the answer to it.
fn classify_late(bytes: &[u8]) -> Identity {
    match classify_greeting(bytes) {
        Identity::Silent | Identity::Http(_) => classify_answer(bytes),
        greeting => greeting,
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
    // Silent so far: ask a question.
    if stream.write_all(&question()).await.is_err() {
        return Identity::Silent;
    }
    match read_some(&mut stream, &mut buf, timing.answer).await {
        // A late greeting arrives before any answer to our question.
        Some(bytes) => classify_late(bytes),
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

/// Where a measure's own black-box probes ([`MeasureProbe`]) aim: handed to every vantage's
/// thread (so `Send` and cheap to clone); the probe runs there, inside the vantage's namespace
/// and from its source address ([`crate::vantage::udp`], [`crate::vantage::connect`]).
#[derive(Debug, Clone)]
pub struct Target {
    /// The router's address as the vantages reach it.
    pub router: IpAddr,
    /// The router's IPv6 address, when the lab gives the vantages one.
    pub router6: Option<IpAddr>,
    /// The lab's deadlines and how its TCP reaches the router.
    pub timing: ProbeTiming,
    /// The port each `/ip service` listens on now, by name, as the router reports it: known
    /// once the configuration is read, so the probes that need no service table start before.
    pub ports: ServicePorts,
}

/// The router's service ports, as its `/ip service` reports them, handed to the measures'
/// probes when the read-back has them ([`ServicePorts::channel`]); a probe that needs a port
/// waits for them ([`ServicePorts::get`]), one that does not never asks.
#[derive(Debug, Clone)]
pub struct ServicePorts(tokio::sync::watch::Receiver<Option<BTreeMap<String, u16>>>);

/// Where the read-back hands the service ports over ([`ServicePorts::channel`]).
#[derive(Debug)]
pub struct ServicePortsSender(tokio::sync::watch::Sender<Option<BTreeMap<String, u16>>>);

impl ServicePorts {
    /// Ports not known yet, and where they will be handed over. Dropping the sender without
    /// sending means the router did not say: every probe then gets no ports.
    pub fn channel() -> (ServicePortsSender, ServicePorts) {
        let (tx, rx) = tokio::sync::watch::channel(None);
        (ServicePortsSender(tx), ServicePorts(rx))
    }

    /// Ports known from the start.
    pub fn known(ports: BTreeMap<String, u16>) -> ServicePorts {
        let (tx, rx) = tokio::sync::watch::channel(Some(ports));
        drop(tx);
        ServicePorts(rx)
    }

    /// The port of `service`, once the ports are known (`None`: the router does not list it,
    /// or its service table could not be read).
    pub async fn get(&self, service: &str) -> Option<u16> {
        let mut rx = self.0.clone();
        let ports = rx.wait_for(Option::is_some).await.ok()?;
        ports.as_ref()?.get(service).copied()
    }
}

impl ServicePortsSender {
    /// Hands the ports over (empty when the service table could not be read).
    pub fn send(self, ports: BTreeMap<String, u16>) {
        // No receiver left: no probe waits for them.
        let _ = self.0.send(Some(ports));
    }
}

/// A measure's black-box probes, run once from every vantage alongside the TCP port matrix:
/// `(probe id, what was seen)` for each thing it tried. The future runs on the vantage's
/// thread, so it need not be `Send`.
pub type MeasureProbe =
    fn(Target) -> futures::future::LocalBoxFuture<'static, Vec<(&'static str, Seen)>>;

/// What one of a measure's probes saw from one vantage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sighting {
    /// The probe's stable id (`dns-udp`, `ssh-weak-kex`, …), unique within its measure.
    pub probe: &'static str,
    /// The vantage it ran from ([`crate::lab::Role::name`]).
    pub vantage: &'static str,
    /// What came back.
    pub seen: Seen,
}

/// What came back to a probe. A measure's judge decides what each means for its check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "seen", content = "detail")]
pub enum Seen {
    /// A service answered the request as a server of its kind does; what it said, in one line.
    Answered(String),
    /// A service is there and said no (a handshake refused, an error reply); why, in one line.
    Refused(String),
    /// No service answered (no reply within the deadline, or the port is unreachable).
    Silent(String),
    /// The probe could not run from here (the vantage carries no UDP, the lab has no IPv6, …):
    /// nothing was observed.
    NotRun(String),
}

impl Seen {
    /// True when a service of the probed kind answered.
    pub fn answered(&self) -> bool {
        matches!(self, Seen::Answered(_))
    }
}

impl fmt::Display for Seen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Seen::Answered(what) => write!(f, "answered: {what}"),
            Seen::Refused(why) => write!(f, "refused: {why}"),
            Seen::Silent(why) => write!(f, "silent: {why}"),
            Seen::NotRun(why) => write!(f, "not run: {why}"),
        }
    }
}

/// Sends one UDP datagram from the current vantage and waits up to `wait` for the first reply:
/// its bytes, or what came instead ([`Seen::Silent`]: no reply, or an ICMP port unreachable;
/// [`Seen::NotRun`]: the vantage has no UDP path to the router).
pub async fn udp_exchange(
    addr: SocketAddr,
    request: &[u8],
    wait: Duration,
) -> Result<Vec<u8>, Seen> {
    let socket = match crate::vantage::udp(addr).await {
        Ok(s) => s,
        Err(e) if e.kind() == ErrorKind::Unsupported => return Err(Seen::NotRun(e.to_string())),
        Err(e) => {
            return Err(Seen::NotRun(format!(
                "cannot open a UDP socket to {addr}: {e}"
            )));
        }
    };
    if let Err(e) = socket.send(request).await {
        return Err(Seen::Silent(format!("udp {addr}: {e}")));
    }
    let mut buf = vec![0u8; 2048];
    match tokio::time::timeout(wait, socket.recv(&mut buf)).await {
        Err(_) => Err(Seen::Silent(format!(
            "udp {addr}: no reply within {} ms",
            wait.as_millis()
        ))),
        Ok(Err(e)) if e.kind() == ErrorKind::ConnectionRefused => {
            Err(Seen::Silent(format!("udp {addr}: port unreachable")))
        }
        Ok(Err(e)) => Err(Seen::Silent(format!("udp {addr}: {e}"))),
        Ok(Ok(n)) => Ok(buf[..n].to_vec()),
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

    #[tokio::test]
    async fn a_udp_exchange_tells_a_reply_from_silence_and_an_unreachable_port() {
        let server = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = server.local_addr().unwrap();
        let echo = tokio::spawn(async move {
            let mut b = [0u8; 64];
            let (n, from) = server.recv_from(&mut b).await.unwrap();
            server.send_to(&b[..n], from).await.unwrap();
            // Stays bound, silent, for the second exchange.
            server.recv_from(&mut b).await.unwrap();
            server
        });
        let wait = Duration::from_millis(300);
        assert_eq!(
            udp_exchange(addr, b"ping", wait).await,
            Ok(b"ping".to_vec())
        );
        match udp_exchange(addr, b"again", wait).await {
            Err(Seen::Silent(why)) => assert!(why.contains("no reply"), "{why}"),
            other => panic!("a silent server: {other:?}"),
        }
        drop(echo.await.unwrap());
        // Nobody bound: the kernel's ICMP port unreachable comes back on loopback.
        match udp_exchange(addr, b"anyone", wait).await {
            Err(Seen::Silent(why)) => assert!(why.contains("unreachable"), "{why}"),
            other => panic!("an unbound port: {other:?}"),
        }
    }

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

    #[test]
    fn what_comes_back_through_a_forward_decides_the_state() {
        let ssh = classify_forwarded(&Forwarded::Greeting(b"SSH-2.0-ROSSSH\r\n".to_vec()));
        assert_eq!(
            (ssh.state, ssh.identity),
            (
                PortState::Open,
                Some(Identity::Ssh("SSH-2.0-ROSSSH".into()))
            )
        );
        let fatal = routeros::api::encode_sentence(&["!fatal", "not logged in"]);
        assert_eq!(
            classify_forwarded(&Forwarded::Answer(fatal)).identity,
            Some(Identity::Api)
        );
        assert_eq!(
            classify_forwarded(&Forwarded::Answer(b"HTTP/1.1 400 Bad Request\r\n".to_vec())),
            Probe {
                state: PortState::Open,
                identity: Some(Identity::Http("HTTP/1.1 400 Bad Request".into()))
            }
        );
        // The guest refused the forwarded connection (no listener, or a tcp-reset reject).
        assert_eq!(
            classify_forwarded(&Forwarded::EndBeforeQuestion),
            state_only(PortState::Closed)
        );
        // A listener that hung up on our question is there.
        assert_eq!(
            classify_forwarded(&Forwarded::EndAfterQuestion),
            Probe {
                state: PortState::Open,
                identity: Some(Identity::Silent)
            }
        );
        // Dropped: QEMU keeps trying the guest and the host side stays silent.
        assert_eq!(
            classify_forwarded(&Forwarded::Silence),
            state_only(PortState::Filtered)
        );
    }

    /// A stand-in for a port forward: the host accepts every connection; what follows is the
    /// guest's doing.
    #[tokio::test]
    async fn probes_through_a_forward_read_what_follows_the_handshake() {
        use tokio::io::AsyncWriteExt;
        const FORWARDED: ProbeTiming = ProbeTiming {
            connect: Duration::from_millis(500),
            greeting: Duration::from_millis(200),
            answer: Duration::from_millis(300),
            path: TcpPath::Forwarded,
        };
        async fn serve(behaviour: u8) -> (SocketAddr, tokio::task::JoinHandle<()>) {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let task = tokio::spawn(async move {
                let (mut s, _) = listener.accept().await.unwrap();
                match behaviour {
                    // refused by the guest: the host side closes at once
                    0 => drop(s),
                    // dropped by the guest: nothing, for longer than the probe waits
                    1 => tokio::time::sleep(Duration::from_secs(5)).await,
                    // an SSH server
                    2 => {
                        let _ = s.write_all(b"SSH-2.0-ROSSSH\r\n").await;
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    // a listener that hangs up on the question
                    _ => {
                        let mut b = [0u8; 64];
                        let _ = s.read(&mut b).await;
                    }
                }
            });
            (addr, task)
        }
        let mut got = Vec::new();
        for behaviour in 0..4 {
            let (addr, task) = serve(behaviour).await;
            got.push(probe_tcp(addr, FORWARDED).await);
            task.abort();
            let _ = task.await;
        }
        assert_eq!(got[0], state_only(PortState::Closed), "{got:?}");
        assert_eq!(got[1], state_only(PortState::Filtered), "{got:?}");
        assert_eq!(
            got[2].identity,
            Some(Identity::Ssh("SSH-2.0-ROSSSH".into()))
        );
        assert_eq!(
            got[3],
            Probe {
                state: PortState::Open,
                identity: Some(Identity::Silent)
            }
        );
    }
}
