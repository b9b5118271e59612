//! Minimal telnet and FTP login clients: enough to learn whether a login is accepted.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use routeros::telnet::Decoder;

use super::ClientError;

/// Logs in over telnet; `Ok(())` when the router printed its banner or prompt.
pub async fn telnet_login(
    addr: SocketAddr,
    user: &str,
    password: &str,
    timeout: Duration,
) -> Result<(), ClientError> {
    let mut conn = Telnet::connect(addr, timeout).await?;
    conn.read_until("Login: ").await?;
    conn.send_line(user).await?;
    conn.read_until("Password: ").await?;
    conn.send_line(password).await?;
    let text = conn
        .read_until_any(&["Login failed", "MikroTik", "] > "])
        .await?;
    if text.contains("Login failed") {
        return Err(ClientError::LoginRefused {
            service: "telnet",
            user: user.to_string(),
            addr,
        });
    }
    Ok(())
}

struct Telnet {
    stream: TcpStream,
    decoder: Decoder,
    text: String,
    addr: SocketAddr,
    timeout: Duration,
}

impl Telnet {
    async fn connect(addr: SocketAddr, timeout: Duration) -> Result<Telnet, ClientError> {
        let ms = timeout.as_millis();
        let stream = tokio::time::timeout(timeout, crate::vantage::connect(addr))
            .await
            .map_err(|_| ClientError::Timeout { addr, ms })?
            .map_err(|source| ClientError::Connect { addr, source })?;
        Ok(Telnet {
            stream,
            decoder: Decoder::refusing(),
            text: String::new(),
            addr,
            timeout,
        })
    }

    async fn send_line(&mut self, line: &str) -> Result<(), ClientError> {
        let bytes = format!("{line}\r\n");
        let addr = self.addr;
        self.stream
            .write_all(bytes.as_bytes())
            .await
            .map_err(|source| ClientError::Connect { addr, source })
    }

    async fn read_until(&mut self, needle: &str) -> Result<String, ClientError> {
        self.read_until_any(&[needle]).await
    }

    /// Reads, answering option negotiation with refusals, until one of `needles` appears.
    async fn read_until_any(&mut self, needles: &[&str]) -> Result<String, ClientError> {
        let addr = self.addr;
        let deadline = tokio::time::Instant::now() + self.timeout;
        let mut buf = [0u8; 1024];
        loop {
            if let Some(end) = needles
                .iter()
                .filter_map(|n| self.text.find(n).map(|p| p + n.len()))
                .min()
            {
                let taken: String = self.text.drain(..end).collect();
                return Ok(taken);
            }
            let n = tokio::time::timeout_at(deadline, self.stream.read(&mut buf))
                .await
                .map_err(|_| ClientError::Protocol {
                    service: "telnet",
                    addr,
                    detail: format!("waited for {needles:?}, got {:?}", self.text),
                })?
                .map_err(|source| ClientError::Connect { addr, source })?;
            if n == 0 {
                return Err(ClientError::Protocol {
                    service: "telnet",
                    addr,
                    detail: format!("connection closed while waiting for {needles:?}"),
                });
            }
            let mut reply = Vec::new();
            let data = self.decoder.decode(&buf[..n], &mut reply);
            if !reply.is_empty() {
                self.stream
                    .write_all(&reply)
                    .await
                    .map_err(|source| ClientError::Connect { addr, source })?;
            }
            self.text.push_str(&String::from_utf8_lossy(&data));
        }
    }
}

/// Logs in over FTP; `Ok(greeting)` when the server answered `230`.
pub async fn ftp_login(
    addr: SocketAddr,
    user: &str,
    password: &str,
    timeout: Duration,
) -> Result<String, ClientError> {
    let ms = timeout.as_millis();
    let stream = tokio::time::timeout(timeout, crate::vantage::connect(addr))
        .await
        .map_err(|_| ClientError::Timeout { addr, ms })?
        .map_err(|source| ClientError::Connect { addr, source })?;
    let mut lines = tokio::io::BufReader::new(stream);
    let greeting = ftp_reply(&mut lines, addr, timeout).await?;
    ftp_send(&mut lines, addr, &format!("USER {user}")).await?;
    let after_user = ftp_reply(&mut lines, addr, timeout).await?;
    if !after_user.starts_with("331") && !after_user.starts_with("230") {
        return Err(ClientError::LoginRefused {
            service: "ftp",
            user: user.to_string(),
            addr,
        });
    }
    ftp_send(&mut lines, addr, &format!("PASS {password}")).await?;
    let after_pass = ftp_reply(&mut lines, addr, timeout).await?;
    let _ = ftp_send(&mut lines, addr, "QUIT").await;
    if after_pass.starts_with("230") {
        Ok(greeting)
    } else {
        Err(ClientError::LoginRefused {
            service: "ftp",
            user: user.to_string(),
            addr,
        })
    }
}

async fn ftp_send(
    conn: &mut tokio::io::BufReader<TcpStream>,
    addr: SocketAddr,
    line: &str,
) -> Result<(), ClientError> {
    conn.get_mut()
        .write_all(format!("{line}\r\n").as_bytes())
        .await
        .map_err(|source| ClientError::Connect { addr, source })
}

async fn ftp_reply(
    conn: &mut tokio::io::BufReader<TcpStream>,
    addr: SocketAddr,
    timeout: Duration,
) -> Result<String, ClientError> {
    use tokio::io::AsyncBufReadExt;
    let mut line = String::new();
    let n = tokio::time::timeout(timeout, conn.read_line(&mut line))
        .await
        .map_err(|_| ClientError::Protocol {
            service: "ftp",
            addr,
            detail: "no reply in time".into(),
        })?
        .map_err(|source| ClientError::Connect { addr, source })?;
    if n == 0 {
        return Err(ClientError::Protocol {
            service: "ftp",
            addr,
            detail: "connection closed".into(),
        });
    }
    Ok(line.trim_end().to_string())
}
