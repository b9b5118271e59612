//! Binary API client (port 8728) over the shared sans-IO codec in `routeros::api`.

use std::net::SocketAddr;
use std::time::Duration;

use routeros::api::{Decoder, encode_sentence};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::ClientError;

/// A connection to the RouterOS binary API.
pub struct ApiClient {
    stream: TcpStream,
    decoder: Decoder,
    addr: SocketAddr,
    timeout: Duration,
}

impl ApiClient {
    /// Opens the TCP connection (not logged in yet).
    pub async fn connect(addr: SocketAddr, timeout: Duration) -> Result<ApiClient, ClientError> {
        let ms = timeout.as_millis();
        let stream = tokio::time::timeout(timeout, crate::vantage::connect(addr))
            .await
            .map_err(|_| ClientError::Timeout { addr, ms })?
            .map_err(|source| ClientError::Connect { addr, source })?;
        Ok(ApiClient {
            stream,
            decoder: Decoder::new(1 << 20),
            addr,
            timeout,
        })
    }

    /// Connects and logs in (post-6.43 plain login).
    pub async fn login(
        addr: SocketAddr,
        user: &str,
        password: &str,
        timeout: Duration,
    ) -> Result<ApiClient, ClientError> {
        let mut client = ApiClient::connect(addr, timeout).await?;
        let reply = client
            .call(&[
                "/login".to_string(),
                format!("=name={user}"),
                format!("=password={password}"),
            ])
            .await?;
        if reply
            .iter()
            .any(|s| s.first().map(String::as_str) == Some("!trap"))
        {
            return Err(ClientError::LoginRefused {
                service: "api",
                user: user.to_string(),
                addr,
            });
        }
        Ok(client)
    }

    /// Sends one sentence and reads reply sentences up to and including `!done` (or `!fatal`).
    pub async fn call(&mut self, words: &[String]) -> Result<Vec<Vec<String>>, ClientError> {
        let bytes = encode_sentence(words);
        self.stream
            .write_all(&bytes)
            .await
            .map_err(|source| ClientError::Connect {
                addr: self.addr,
                source,
            })?;
        let mut replies = Vec::new();
        loop {
            let sentence = self.next_sentence().await?;
            let kind = sentence.first().cloned().unwrap_or_default();
            replies.push(sentence);
            if kind == "!done" || kind == "!fatal" {
                return Ok(replies);
            }
        }
    }

    /// Runs a command and returns its `!re` rows as (key, value) pairs; a `!trap` becomes an error.
    pub async fn rows(
        &mut self,
        words: &[String],
    ) -> Result<Vec<Vec<(String, String)>>, ClientError> {
        let replies = self.call(words).await?;
        let mut rows = Vec::new();
        for sentence in &replies {
            match sentence.first().map(String::as_str) {
                Some("!re") => rows.push(attributes(sentence)),
                Some("!trap") | Some("!fatal") => {
                    let message = attributes(sentence)
                        .into_iter()
                        .find(|(k, _)| k == "message")
                        .map(|(_, v)| v)
                        .unwrap_or_else(|| sentence.join(" "));
                    return Err(ClientError::Command {
                        addr: self.addr,
                        command: words.first().cloned().unwrap_or_default(),
                        message,
                    });
                }
                _ => {}
            }
        }
        Ok(rows)
    }

    async fn next_sentence(&mut self) -> Result<Vec<String>, ClientError> {
        let protocol = |detail: String, addr| ClientError::Protocol {
            service: "api",
            addr,
            detail,
        };
        let mut buf = [0u8; 4096];
        loop {
            match self.decoder.next_sentence() {
                Ok(Some(sentence)) => return Ok(sentence),
                Ok(None) => {}
                Err(e) => return Err(protocol(e.to_string(), self.addr)),
            }
            let n = tokio::time::timeout(self.timeout, self.stream.read(&mut buf))
                .await
                .map_err(|_| protocol("no reply in time".into(), self.addr))?
                .map_err(|source| ClientError::Connect {
                    addr: self.addr,
                    source,
                })?;
            if n == 0 {
                return Err(protocol("connection closed".into(), self.addr));
            }
            self.decoder.feed(&buf[..n]);
        }
    }
}

/// The `=key=value` attribute words of a sentence.
pub fn attributes(sentence: &[String]) -> Vec<(String, String)> {
    sentence
        .iter()
        .filter_map(|w| w.strip_prefix('='))
        .filter_map(|w| {
            w.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}
