//! An API-version shim between testcontainers and an older Docker engine.
//!
//! testcontainers talks to the engine through bollard with a fixed API version in every path
//! (`/v1.52/containers/create`) and never negotiates; an engine whose newest API is older
//! answers every such request with `client version 1.52 is too new` (Debian 12's Docker 20.10
//! speaks 1.41). The shim listens on a unix socket of its own, rewrites the version in each
//! request line to the engine's and forwards the bytes both ways. It forwards one request per
//! connection (it adds `Connection: close`), so it never has to find where a request body ends;
//! upgraded connections (attach, exec) pass through untouched after the first request line.
//! Older engines ignore request fields they do not know, and bollard reads absent response
//! fields as `None`: what chrlab asks of the engine works on 1.41 (tested here).

use std::path::{Path, PathBuf};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};

/// The most a request head may take before the shim gives up on the connection.
const MAX_HEAD: usize = 64 * 1024;

/// A running shim: its socket, served by a thread of its own for the life of the process.
#[derive(Debug)]
pub struct Shim {
    socket: PathBuf,
}

impl Shim {
    /// Serves `socket`, forwarding to the engine at `upstream` with API version `version`
    /// (`1.41`). The thread and its runtime live as long as the process.
    pub fn spawn(socket: &Path, upstream: &Path, version: &str) -> std::io::Result<Shim> {
        let std_listener = std::os::unix::net::UnixListener::bind(socket)?;
        std_listener.set_nonblocking(true)?;
        let upstream = upstream.to_path_buf();
        let version = version.to_string();
        super::on_own_thread("docker-api-shim", async move {
            let listener = match UnixListener::from_std(std_listener) {
                Ok(l) => l,
                Err(e) => {
                    tracing::error!(error = %e, "docker API shim: cannot listen");
                    return;
                }
            };
            loop {
                match listener.accept().await {
                    Ok((client, _)) => {
                        let upstream = upstream.clone();
                        let version = version.clone();
                        tokio::spawn(async move {
                            if let Err(e) = forward(client, &upstream, &version).await {
                                tracing::debug!(error = %e, "docker API shim: connection ended");
                            }
                        });
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "docker API shim: accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    }
                }
            }
        })?;
        Ok(Shim {
            socket: socket.to_path_buf(),
        })
    }

    /// The socket, as a `DOCKER_HOST` value.
    pub fn docker_host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }
}

async fn forward(mut client: UnixStream, upstream: &Path, version: &str) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 4096];
    let end = loop {
        let n = client.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(end) = find_head_end(&head) {
            break end;
        }
        if head.len() > MAX_HEAD {
            return Err(std::io::Error::other("request head too long"));
        }
    };
    let (first, rest) = head.split_at(end);
    let rewritten =
        rewrite_head(first, version).ok_or_else(|| std::io::Error::other("not an HTTP request"))?;
    let mut server = UnixStream::connect(upstream).await?;
    server.write_all(&rewritten).await?;
    server.write_all(rest).await?;
    tokio::io::copy_bidirectional(&mut client, &mut server).await?;
    Ok(())
}

/// Where the head ends (just past the blank line), if it has.
fn find_head_end(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
}

/// The request head with its path's `/vX.Y/` prefix set to `version` and `Connection: close`
/// in place of any connection header (upgrades keep theirs). `None` if it is not a request.
pub fn rewrite_head(head: &[u8], version: &str) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.split("\r\n");
    let request = lines.next()?;
    let mut words = request.splitn(3, ' ');
    let (method, target, proto) = (words.next()?, words.next()?, words.next()?);
    if !proto.starts_with("HTTP/") {
        return None;
    }
    let target = match target.strip_prefix("/v") {
        Some(rest) => match rest.split_once('/') {
            Some((v, path))
                if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.') =>
            {
                format!("/v{version}/{path}")
            }
            _ => target.to_string(),
        },
        None => target.to_string(),
    };
    let mut out = format!("{method} {target} {proto}\r\n");
    let mut upgrade = false;
    let mut headers = Vec::new();
    for line in lines {
        if line.is_empty() {
            continue;
        }
        let name = line.split(':').next().unwrap_or("").trim();
        if name.eq_ignore_ascii_case("upgrade") {
            upgrade = true;
        }
        headers.push(line);
    }
    for line in headers {
        let name = line.split(':').next().unwrap_or("").trim();
        if !upgrade && name.eq_ignore_ascii_case("connection") {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    if !upgrade {
        out.push_str("Connection: close\r\n");
    }
    out.push_str("\r\n");
    Some(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_in_the_path_becomes_the_engines_and_the_connection_closes() {
        let head = b"POST /v1.52/containers/create?name=x HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n";
        let out = rewrite_head(head, "1.41").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "POST /v1.41/containers/create?name=x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nConnection: close\r\n\r\n"
        );
    }

    #[test]
    fn unversioned_paths_and_upgrades_are_left_alone() {
        let head = b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n";
        let out = String::from_utf8(rewrite_head(head, "1.41").unwrap()).unwrap();
        assert!(out.starts_with("GET /version HTTP/1.1\r\n"));
        let head =
            b"POST /v1.52/exec/1/start HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
        let out = String::from_utf8(rewrite_head(head, "1.41").unwrap()).unwrap();
        assert!(out.starts_with("POST /v1.41/exec/1/start HTTP/1.1\r\n"));
        assert!(out.contains("Connection: Upgrade\r\n"));
        assert!(!out.contains("close"));
    }

    #[test]
    fn what_is_not_a_request_is_refused() {
        assert!(rewrite_head(b"\x16\x03\x01 hello\r\n\r\n", "1.41").is_none());
        assert!(rewrite_head(b"GET / SPDY\r\n\r\n", "1.41").is_none());
    }
}
