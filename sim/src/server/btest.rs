//! The bandwidth-test server (`/tool bandwidth-server`, TCP 2000): the control connection's
//! opening only. On connect the server sends its hello `01 00 00 00`; the client answers with a
//! 16-byte test command; with `authenticate=yes` the server asks for a login with `02 00 00 00`
//! and a 16-byte challenge, and the client answers with 48 bytes (an MD5 digest and the user
//! name). No test traffic is simulated: after the command (or the login answer) the server says
//! `00 00 00 00` and closes. The framing follows third-party implementations of the protocol
//! (see FIDELITY.md); no capture of a CHR's bandwidth server is in the corpus.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tracing::debug;

use crate::server::Shared;

/// The server's hello.
use routeros::service::BANDWIDTH_SERVER_HELLO as HELLO;
/// "Authenticate": followed by a 16-byte challenge.
const AUTH_REQUIRED: [u8; 4] = [0x02, 0, 0, 0];
/// Silence after which the server gives up on the client.
const IDLE: Duration = Duration::from_secs(10);

pub(crate) async fn serve(mut stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>) {
    if stream.write_all(&HELLO).await.is_err() {
        return;
    }
    let mut command = [0u8; 16];
    if !matches!(
        tokio::time::timeout(IDLE, stream.read_exact(&mut command)).await,
        Ok(Ok(_))
    ) {
        debug!(%peer, "bandwidth-test client sent no command");
        return;
    }
    let authenticate = shared
        .router
        .menu_value("tool/bandwidth-server", "authenticate")
        .is_none_or(|v| v == "yes");
    if authenticate {
        let challenge: [u8; 16] = rand::random();
        let mut ask = AUTH_REQUIRED.to_vec();
        ask.extend_from_slice(&challenge);
        if stream.write_all(&ask).await.is_err() {
            return;
        }
        let mut answer = [0u8; 48];
        let _ = tokio::time::timeout(IDLE, stream.read_exact(&mut answer)).await;
    }
    let _ = stream.write_all(&[0, 0, 0, 0]).await;
    debug!(%peer, authenticate, "bandwidth-test connection closed");
}
