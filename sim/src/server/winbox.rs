//! `winbox` (8291): the port accepts connections and reads what the client sends, but answers nothing.
//! The real WinBox protocol (EC-SRP login, M2 messages) is proprietary and is not simulated: no bytes
//! are made up. The connection closes when the client closes it or after [`IDLE`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tracing::debug;

use crate::server::Shared;

/// Silence after which the server closes the connection.
pub(crate) const IDLE: Duration = Duration::from_secs(10);
/// Bytes read from one client before the server closes the connection.
const MAX_READ: usize = 64 * 1024;

pub(crate) async fn serve(mut stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>) {
    let mut buf = [0u8; 4096];
    let mut total = 0usize;
    // Nothing logs in here: the login deadline ends every connection, however slowly it sends.
    let login_by = tokio::time::Instant::now() + shared.router.login_deadline();
    loop {
        let until = login_by.min(tokio::time::Instant::now() + IDLE);
        match tokio::time::timeout_at(until, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => {
                total += n;
                if total > MAX_READ {
                    break;
                }
            }
        }
    }
    debug!(%peer, bytes = total, "winbox connection closed");
}
