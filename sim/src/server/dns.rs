//! The DNS resolver's answers to remote requests (UDP and TCP 53), while `/ip dns
//! allow-remote-requests=yes`: a name of `/ip dns static` gets its A records; any other name gets
//! SERVFAIL with recursion available, because the simulator forwards to no upstream server (with
//! `servers=` empty a CHR has none either; what it answers then is not captured: an
//! **ASSUMPTION**, FIDELITY.md). A message that is not a query we can read gets no answer.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use routeros::dns::{Message, Rcode, TYPE_A};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tracing::debug;

use crate::router::Router;
use crate::server::Shared;

/// QTYPE `*` (any).
const TYPE_ANY: u16 = 255;
/// Silence after which a TCP client is dropped.
const IDLE: Duration = Duration::from_secs(10);

/// The reply to one request, or `None` when the request is dropped.
pub(crate) fn answer(router: &Router, request: &[u8]) -> Option<Vec<u8>> {
    let asked = match Message::parse(request) {
        Ok(m) => m,
        Err(e) => {
            debug!(error = %e, "dns request dropped");
            return None;
        }
    };
    if asked.response {
        return None;
    }
    if asked.opcode != 0 {
        return Some(routeros::dns::reply(&asked, Rcode::NotImp, &[], 0));
    }
    let Some(q) = &asked.question else {
        return Some(routeros::dns::reply(&asked, Rcode::FormErr, &[], 0));
    };
    let (rcode, addresses) = match router.dns_static_a(&q.name) {
        Some(a) if matches!(q.qtype, TYPE_A | TYPE_ANY) => (Rcode::NoError, a),
        Some(_) => (Rcode::NoError, Vec::new()),
        None => (Rcode::ServFail, Vec::new()),
    };
    debug!(name = %q.name, %rcode, answers = addresses.len(), "dns query answered");
    // `/ip dns static` ttl defaults to 1d.
    Some(routeros::dns::reply(&asked, rcode, &addresses, 86_400))
}

/// One DNS-over-TCP connection: length-prefixed queries, each answered in turn.
pub(crate) async fn serve_tcp(mut stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>) {
    loop {
        let mut len = [0u8; 2];
        if !matches!(
            tokio::time::timeout(IDLE, stream.read_exact(&mut len)).await,
            Ok(Ok(_))
        ) {
            return;
        }
        let mut request = vec![0u8; usize::from(u16::from_be_bytes(len))];
        if !matches!(
            tokio::time::timeout(IDLE, stream.read_exact(&mut request)).await,
            Ok(Ok(_))
        ) {
            debug!(%peer, "dns tcp request cut short");
            return;
        }
        let Some(reply) = answer(&shared.router, &request) else {
            return;
        };
        let Some(framed) = routeros::dns::tcp_frame(&reply) else {
            return;
        };
        if stream.write_all(&framed).await.is_err() {
            return;
        }
    }
}
