//! SSH client (russh): password login, exec channel, and an interactive shell with a PTY.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use russh::client::{self, Handle};
use russh::keys::PublicKeyOrCertificate;
use russh::{ChannelMsg, Disconnect, Preferred, cipher, kex, mac};

use super::ClientError;

/// How to negotiate with the router's SSH server.
#[derive(Debug, Clone)]
pub struct SshOptions {
    /// Also offer the SHA-1 key exchanges and MACs RouterOS 6 needs.
    pub legacy_algorithms: bool,
    /// Offer *only* the weak (SHA-1) algorithms: used to prove that `strong-crypto=yes` refuses them.
    pub weak_only: bool,
    /// Limit for connecting and for each reply.
    pub timeout: Duration,
}

impl Default for SshOptions {
    fn default() -> Self {
        SshOptions {
            legacy_algorithms: true,
            weak_only: false,
            timeout: Duration::from_secs(5),
        }
    }
}

impl SshOptions {
    fn preferred(&self) -> Preferred {
        const LEGACY_KEX: &[kex::Name] = &[
            kex::CURVE25519,
            kex::CURVE25519_PRE_RFC_8731,
            kex::DH_G14_SHA256,
            kex::DH_G16_SHA512,
            kex::DH_G14_SHA1,
            kex::DH_G1_SHA1,
            kex::EXTENSION_SUPPORT_AS_CLIENT,
        ];
        const WEAK_KEX: &[kex::Name] = &[
            kex::DH_G14_SHA1,
            kex::DH_G1_SHA1,
            kex::EXTENSION_SUPPORT_AS_CLIENT,
        ];
        const LEGACY_MAC: &[mac::Name] = &[
            mac::HMAC_SHA256_ETM,
            mac::HMAC_SHA256,
            mac::HMAC_SHA512,
            mac::HMAC_SHA1,
        ];
        const WEAK_MAC: &[mac::Name] = &[mac::HMAC_SHA1];
        const WEAK_CIPHER: &[cipher::Name] = &[cipher::AES_128_CBC, cipher::AES_128_CTR];
        if self.weak_only {
            Preferred {
                kex: Cow::Borrowed(WEAK_KEX),
                mac: Cow::Borrowed(WEAK_MAC),
                cipher: Cow::Borrowed(WEAK_CIPHER),
                ..Preferred::DEFAULT
            }
        } else if self.legacy_algorithms {
            Preferred {
                kex: Cow::Borrowed(LEGACY_KEX),
                mac: Cow::Borrowed(LEGACY_MAC),
                ..Preferred::DEFAULT
            }
        } else {
            Preferred::DEFAULT
        }
    }
}

struct AcceptAnyHostKey;

impl client::Handler for AcceptAnyHostKey {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        _key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        // A lab router's host key is generated at first boot: there is nothing to pin it to.
        Ok(true)
    }
}

/// A logged-in SSH connection to a router.
pub struct SshClient {
    handle: Handle<AcceptAnyHostKey>,
    addr: SocketAddr,
    timeout: Duration,
}

impl SshClient {
    /// Connects and logs in with a password. `user` may carry RouterOS login options (`admin+ct`).
    pub async fn connect(
        addr: SocketAddr,
        user: &str,
        password: &str,
        opts: &SshOptions,
    ) -> Result<SshClient, ClientError> {
        let config = Arc::new(client::Config {
            preferred: opts.preferred(),
            inactivity_timeout: Some(Duration::from_secs(30)),
            nodelay: true,
            ..Default::default()
        });
        let ms = opts.timeout.as_millis();
        let stream = tokio::time::timeout(opts.timeout, crate::vantage::connect(addr))
            .await
            .map_err(|_| ClientError::Timeout { addr, ms })?
            .map_err(|source| ClientError::Connect { addr, source })?;
        let protocol = |e: russh::Error| ClientError::Protocol {
            service: "ssh",
            addr,
            detail: e.to_string(),
        };
        let mut handle = tokio::time::timeout(
            opts.timeout,
            client::connect_stream(config, stream, AcceptAnyHostKey),
        )
        .await
        .map_err(|_| ClientError::Timeout { addr, ms })?
        .map_err(protocol)?;
        let auth = tokio::time::timeout(opts.timeout, handle.authenticate_password(user, password))
            .await
            .map_err(|_| ClientError::Timeout { addr, ms })?
            .map_err(protocol)?;
        if !auth.success() {
            return Err(ClientError::LoginRefused {
                service: "ssh",
                user: user.to_string(),
                addr,
            });
        }
        Ok(SshClient {
            handle,
            addr,
            timeout: opts.timeout,
        })
    }

    /// Runs one command line on an exec channel and returns what it printed.
    pub async fn exec(&self, command: &str) -> Result<String, ClientError> {
        let protocol = |detail: String| ClientError::Protocol {
            service: "ssh",
            addr: self.addr,
            detail,
        };
        let mut channel = self
            .handle
            .channel_open_session()
            .await
            .map_err(|e| protocol(e.to_string()))?;
        channel
            .exec(true, command)
            .await
            .map_err(|e| protocol(e.to_string()))?;
        let mut out = Vec::new();
        let collect = async {
            while let Some(msg) = channel.wait().await {
                match msg {
                    ChannelMsg::Data { data } => out.extend_from_slice(&data),
                    ChannelMsg::ExtendedData { data, .. } => out.extend_from_slice(&data),
                    ChannelMsg::Eof | ChannelMsg::Close => break,
                    _ => {}
                }
            }
        };
        tokio::time::timeout(self.timeout, collect)
            .await
            .map_err(|_| protocol(format!("no end of output for `{command}`")))?;
        Ok(String::from_utf8_lossy(&out).replace("\r\n", "\n"))
    }

    /// Opens an interactive shell with a PTY of the given width.
    pub async fn shell(&self, width: u32) -> Result<SshShell, ClientError> {
        let protocol = |e: russh::Error| ClientError::Protocol {
            service: "ssh",
            addr: self.addr,
            detail: e.to_string(),
        };
        let channel = self.handle.channel_open_session().await.map_err(protocol)?;
        channel
            .request_pty(true, "xterm", width, 24, 0, 0, &[])
            .await
            .map_err(protocol)?;
        channel.request_shell(true).await.map_err(protocol)?;
        Ok(SshShell {
            channel,
            seen: Vec::new(),
            addr: self.addr,
        })
    }

    /// Asks for a `direct-tcpip` channel (what `ssh -L` opens) to `host:port` as the router
    /// reaches it: `Ok(Ok(()))` when the router confirmed it (the channel is closed again at
    /// once, nothing is sent through it), `Ok(Err(reason))` when it answered
    /// `SSH_MSG_CHANNEL_OPEN_FAILURE`, `Err` when it did not answer in time or the connection
    /// broke.
    pub async fn direct_tcpip(
        &self,
        host: &str,
        port: u16,
    ) -> Result<Result<(), russh::ChannelOpenFailure>, ClientError> {
        let protocol = |detail: String| ClientError::Protocol {
            service: "ssh",
            addr: self.addr,
            detail,
        };
        let opening = self.handle.channel_open_direct_tcpip(
            host,
            u32::from(port),
            self.addr.ip().to_string(),
            0,
        );
        match tokio::time::timeout(self.timeout, opening).await {
            Err(_) => Err(protocol(format!(
                "no answer to a direct-tcpip channel open to {host}:{port}"
            ))),
            Ok(Ok(channel)) => {
                let _ = channel.close().await;
                Ok(Ok(()))
            }
            Ok(Err(russh::Error::ChannelOpenFailure(reason))) => Ok(Err(reason)),
            Ok(Err(e)) => Err(protocol(e.to_string())),
        }
    }

    /// Says goodbye politely.
    pub async fn close(self) {
        let _ = self
            .handle
            .disconnect(Disconnect::ByApplication, "", "en")
            .await;
    }
}

/// What an operator types at a first-login screen, if it is one: `n` to the licence question,
/// Ctrl-C to the password nag (FACTS §3). `None` when `screen` ends at neither.
pub fn first_login_answer(screen: &str) -> Option<&'static [u8]> {
    let tail = screen.trim_end_matches([' ', '\u{1b}', '[', 'K']);
    if tail.ends_with("Do you want to see the software license? [Y/n]:") {
        Some(b"n\r")
    } else if tail.ends_with("new password>") {
        Some(b"\x03")
    } else {
        None
    }
}

/// An interactive shell: write keystrokes, wait for text.
pub struct SshShell {
    channel: russh::Channel<client::Msg>,
    seen: Vec<u8>,
    addr: SocketAddr,
}

impl SshShell {
    /// Sends raw bytes (keystrokes).
    pub async fn send(&mut self, bytes: &[u8]) -> Result<(), ClientError> {
        self.channel
            .data_bytes(bytes.to_vec())
            .await
            .map_err(|e| ClientError::Protocol {
                service: "ssh",
                addr: self.addr,
                detail: e.to_string(),
            })
    }

    /// Reads past the first-login screens (licence question, password nag) until a prompt
    /// `] > ` appears; returns everything read.
    pub async fn to_prompt(&mut self, limit: Duration) -> Result<String, ClientError> {
        let deadline = tokio::time::Instant::now() + limit;
        let mut screen = String::new();
        let mut answered: Vec<&'static [u8]> = Vec::new();
        loop {
            let text = self
                .read_until_any(&["] > ", "[Y/n]: ", "new password> "], deadline)
                .await?;
            screen.push_str(&text);
            if text.ends_with("] > ") {
                return Ok(screen);
            }
            // Each screen is answered once: the nag paints its prompt twice.
            if let Some(answer) = first_login_answer(&screen)
                && !answered.contains(&answer)
            {
                answered.push(answer);
                self.send(answer).await?;
            }
        }
    }

    async fn read_until_any(
        &mut self,
        needles: &[&str],
        deadline: tokio::time::Instant,
    ) -> Result<String, ClientError> {
        let find = |hay: &[u8]| {
            needles
                .iter()
                .filter_map(|n| {
                    hay.windows(n.len())
                        .position(|w| w == n.as_bytes())
                        .map(|p| p + n.len())
                })
                .min()
        };
        loop {
            if let Some(end) = find(&self.seen) {
                let taken: Vec<u8> = self.seen.drain(..end).collect();
                return Ok(String::from_utf8_lossy(&taken).into_owned());
            }
            match tokio::time::timeout_at(deadline, self.channel.wait()).await {
                Ok(Some(ChannelMsg::Data { data })) => self.seen.extend_from_slice(&data),
                Ok(Some(ChannelMsg::Eof | ChannelMsg::Close) | None) | Err(_) => {
                    return Err(ClientError::Protocol {
                        service: "ssh",
                        addr: self.addr,
                        detail: format!(
                            "no prompt; the shell printed {:?}",
                            String::from_utf8_lossy(&self.seen)
                        ),
                    });
                }
                Ok(Some(_)) => {}
            }
        }
    }

    /// Reads until `needle` has appeared in the output since the last call; returns that output.
    pub async fn read_until(
        &mut self,
        needle: &str,
        limit: Duration,
    ) -> Result<String, ClientError> {
        let find = |hay: &[u8]| {
            hay.windows(needle.len().max(1))
                .position(|w| w == needle.as_bytes())
                .map(|p| p + needle.len())
        };
        let wait = async {
            loop {
                if let Some(end) = find(&self.seen) {
                    let taken: Vec<u8> = self.seen.drain(..end).collect();
                    return Some(String::from_utf8_lossy(&taken).into_owned());
                }
                match self.channel.wait().await {
                    Some(ChannelMsg::Data { data }) => self.seen.extend_from_slice(&data),
                    Some(ChannelMsg::Eof | ChannelMsg::Close) | None => return None,
                    Some(_) => {}
                }
            }
        };
        match tokio::time::timeout(limit, wait).await {
            Ok(Some(text)) => Ok(text),
            _ => Err(ClientError::Protocol {
                service: "ssh",
                addr: self.addr,
                detail: format!(
                    "`{needle}` did not appear; the shell printed {:?}",
                    String::from_utf8_lossy(&self.seen)
                ),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_login_screens_get_their_answers() {
        let license = "  MikroTik RouterOS 7.17.1 (c) 1999-2025       https://www.mikrotik.com/\r\n\r\n\r\n\r\nDo you want to see the software license? [Y/n]: ";
        assert_eq!(first_login_answer(license), Some(&b"n\r"[..]));
        let nag = "Change your password (Ctrl-C to skip)\r\n\r\nnew password> \rnew password> ";
        assert_eq!(first_login_answer(nag), Some(&b"\x03"[..]));
        assert_eq!(first_login_answer("[admin@CHR] > "), None);
    }
}
