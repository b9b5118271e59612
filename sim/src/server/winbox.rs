//! `winbox` (8291): the opening of the WinBox protocol, as far as evidence shows it, and never a login.
//!
//! WinBox frames every message as chunks `[length][tag][payload]`: tag `0x01` carries a plain M2
//! message (`[2-byte big-endian length]"M2"` then fields), tag `0x06` the EC-SRP5 login (RouterOS
//! ≥ 6.43) and the encrypted session after it. What the server does here (FIDELITY.md, "winbox"):
//! * A first chunk whose tag is neither (a port scanner's probe, an HTTP request) gets an M2 error
//!   reply and the connection closes. The reply's start — `SYS_TO` an empty array, then `SYS_FROM` —
//!   is what nmap's `nmap-service-probes` records from real routers (match `winbox`, "MikroTik
//!   WinBox"); the single `SYS_FROM` element (0) completing it is ASSUMPTION.
//! * A plain M2 message (tag `0x01`, the pre-6.43 login) gets the same reply: nobody is logged in
//!   that way.
//! * An EC-SRP5 login (tag `0x06`: user name and public key) is refused: the simulator cannot do the
//!   key exchange, and closes the connection at once, so the client reports the failure instead of
//!   waiting. A real router would answer with its own public key and salt and refuse later; no
//!   bytes of that exchange are made up here.
//!
//! No login ever succeeds and nothing is logged in the model.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tracing::debug;

use crate::server::Shared;

/// Time allowed for the client's first chunk header.
pub(crate) const IDLE: Duration = Duration::from_secs(10);
/// Chunk tag of a plain M2 message.
pub(crate) const TAG_M2: u8 = 0x01;
/// Chunk tag of the EC-SRP5 login and the encrypted session.
pub(crate) const TAG_EC_SRP5: u8 = 0x06;

/// The reply to a message the server will not serve: a plain M2 message with `SYS_TO` = `[]` and
/// `SYS_FROM` = `[0]`, framed as one chunk.
pub(crate) fn refusal() -> Vec<u8> {
    let mut m2 = b"M2".to_vec();
    // SYS_TO (0xff0001), u32 array (0x88), 0 elements.
    m2.extend_from_slice(&[0x01, 0x00, 0xff, 0x88, 0x00, 0x00]);
    // SYS_FROM (0xff0002), u32 array, 1 element: 0.
    m2.extend_from_slice(&[0x02, 0x00, 0xff, 0x88, 0x01, 0x00, 0, 0, 0, 0]);
    let body_len = m2.len() as u16;
    let mut payload = body_len.to_be_bytes().to_vec();
    payload.extend_from_slice(&m2);
    let mut chunk = vec![payload.len() as u8, TAG_M2];
    chunk.extend_from_slice(&payload);
    chunk
}

pub(crate) async fn serve(mut stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>) {
    let mut header = [0u8; 2];
    if !matches!(
        tokio::time::timeout(
            IDLE.min(shared.router.login_deadline()),
            stream.read_exact(&mut header)
        )
        .await,
        Ok(Ok(_))
    ) {
        debug!(%peer, "winbox client sent no chunk");
        return;
    }
    let [length, tag] = header;
    if tag == TAG_EC_SRP5 {
        debug!(%peer, length, "winbox EC-SRP5 login refused (not simulated)");
        let _ = stream.shutdown().await;
        return;
    }
    let _ = stream.write_all(&refusal()).await;
    let _ = stream.shutdown().await;
    debug!(%peer, length, tag, "winbox message refused");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_is_framed_as_nmap_records_it() {
        let r = refusal();
        // nmap: ^.\x01\0.M2\x01\0\xff\x88\0\0\x02\0\xff\x88[\x01\x02]\0
        assert_eq!(r[0] as usize, r.len() - 2, "chunk length");
        assert_eq!(r[1], TAG_M2);
        assert_eq!(r[2], 0);
        assert_eq!(r[3] as usize, r.len() - 4, "M2 body length");
        assert_eq!(
            &r[4..18],
            b"M2\x01\x00\xff\x88\x00\x00\x02\x00\xff\x88\x01\x00"
        );
    }
}
