//! The SOCKS proxy (`/ip socks`, TCP 1080) and the web proxy (`/ip proxy`, TCP 8080), while
//! enabled: each answers a client's first request the way a proxy that cannot reach the
//! destination does, and closes. Nothing is ever forwarded (the simulator has no uplink).
//!
//! - SOCKS: with `version=4` (the factory's) a SOCKS4 CONNECT gets `00 5B` ("request rejected
//!   or failed"); with `version=5` the greeting gets the method the server accepts (`00` none,
//!   `02` password per `auth-method`, `FF` none acceptable) and a CONNECT after it gets reply
//!   `05` ("connection refused"). A request of the other version is closed without a reply.
//! - Web proxy: a request (`GET http://host/ HTTP/1.x`) gets `HTTP/1.0 502 Bad Gateway` with
//!   `Server: Mikrotik HttpProxy` and a short error page.
//!
//! No capture of either is in the corpus: the replies are the protocols' own (RFC 1928, the
//! SOCKS4 protocol note) and the server name port scanners record for RouterOS's web proxy
//! (FIDELITY.md, **ASSUMPTION**).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tracing::debug;

use crate::server::Shared;

/// How long a client may take over its request.
const IDLE: Duration = Duration::from_secs(10);
/// The longest request head either server reads.
const MAX_REQUEST: usize = 8192;

use routeros::service::WEB_PROXY_SERVER as PROXY_SERVER;

async fn read_some(stream: &mut TcpStream, buf: &mut [u8]) -> Option<usize> {
    match tokio::time::timeout(IDLE, stream.read(buf)).await {
        Ok(Ok(n)) if n > 0 => Some(n),
        _ => None,
    }
}

pub(crate) async fn serve_socks(mut stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>) {
    let version = shared
        .router
        .menu_value("ip/socks", "version")
        .unwrap_or_else(|| "4".into());
    let password = shared
        .router
        .menu_value("ip/socks", "auth-method")
        .is_some_and(|m| m == "password");
    let mut buf = vec![0u8; 512];
    let Some(n) = read_some(&mut stream, &mut buf).await else {
        return;
    };
    match (buf[0], version.as_str()) {
        (4, "4") => {
            // VN CD DSTPORT DSTIP USERID NUL: answered once the user id's NUL has come.
            let mut got = n;
            while !buf[8.min(got)..got].contains(&0) && got < buf.len() {
                match read_some(&mut stream, &mut buf[got..]).await {
                    Some(m) => got += m,
                    None => return,
                }
            }
            let _ = stream.write_all(&[0x00, 0x5B, 0, 0, 0, 0, 0, 0]).await;
            debug!(%peer, "socks4 request rejected: nothing is forwarded");
        }
        (5, "5") => {
            let methods = buf.get(2..n).unwrap_or(&[]);
            let chosen = if password && methods.contains(&0x02) {
                0x02
            } else if !password && methods.contains(&0x00) {
                0x00
            } else {
                0xFF
            };
            if stream.write_all(&[0x05, chosen]).await.is_err() || chosen != 0x00 {
                return;
            }
            if read_some(&mut stream, &mut buf).await.is_some() {
                let _ = stream
                    .write_all(&[0x05, 0x05, 0x00, 0x01, 0, 0, 0, 0, 0, 0])
                    .await;
            }
            debug!(%peer, "socks5 request refused: nothing is forwarded");
        }
        (other, _) => debug!(%peer, other, %version, "socks request of another version: closed"),
    }
}

pub(crate) async fn serve_web_proxy(mut stream: TcpStream, peer: SocketAddr, _shared: Arc<Shared>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_REQUEST {
        match read_some(&mut stream, &mut buf).await {
            Some(n) => head.extend_from_slice(&buf[..n]),
            None => return,
        }
    }
    let body = "<html><head><title>ERROR: Bad Gateway</title></head><body><h1>ERROR: Bad Gateway</h1></body></html>\r\n";
    let reply = format!(
        "HTTP/1.0 502 Bad Gateway\r\nServer: {PROXY_SERVER}\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(reply.as_bytes()).await;
    debug!(%peer, "web proxy request answered with 502: nothing is forwarded");
}
