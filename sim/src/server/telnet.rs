//! Telnet front end: option negotiation, the `Login: ` / `Password: ` dialogue (7.23.2 capture),
//! then the shared [`Shell`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::broadcast::error::RecvError;
use tracing::debug;

use crate::router::{TerminalOpts, Via};
use crate::server::Shared;
use crate::server::shell::{Shell, login_flags};

use routeros::telnet::{
    DO, Decoder as TelnetDecoder, IAC, OPT_ECHO, OPT_NAWS, OPT_SGA, WILL, escape,
};

/// What the server sends first: it will echo and suppress go-ahead (character mode), and asks for the
/// window size. RouterOS's exact option list was not captured (FIDELITY.md).
pub(crate) const NEGOTIATION: [u8; 9] =
    [IAC, WILL, OPT_ECHO, IAC, WILL, OPT_SGA, IAC, DO, OPT_NAWS];

pub(crate) const LOGIN_PROMPT: &str = "Login: ";
pub(crate) const PASSWORD_PROMPT: &str = "Password: ";
pub(crate) const LOGIN_FAILED: &str = "\r\nLogin failed, incorrect username or password\r\n\r\n";

/// What precedes the first `Login: `. Up to 6.42 the router named itself first
/// (`MikroTik v6.42.3 (stable)\r\n`, `MikroTik v5.2\r\n`: recog fingerprints); 7.23.2 sends nothing (tik4net).
/// Where the line was dropped (6.43–7.x) is UNVERIFIED; the channel word is `testing` for beta/rc versions and
/// `stable` otherwise (6.40.8 really said `bugfix`, the long-term channel then: the model has no channel here).
pub(crate) fn greeting(version: &routeros::version::Version) -> String {
    use routeros::version::{Pre, Version};
    if *version >= Version::new(6, 43, 0) {
        return String::new();
    }
    if version.major() < 6 {
        return format!("MikroTik v{version}\r\n");
    }
    let channel = if matches!(version.pre(), Pre::Release) {
        "stable"
    } else {
        "testing"
    };
    format!("MikroTik v{version} ({channel})\r\n")
}

/// Time allowed for the login dialogue.
const LOGIN_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest user name or password line accepted.
const MAX_FIELD: usize = 256;

/// The login dialogue (sans-IO): which field is being typed.
#[derive(Debug, Default)]
pub(crate) struct LoginDialogue {
    user: Option<String>,
    field: Vec<u8>,
    after_cr: bool,
}

/// One step of the login dialogue.
#[derive(Debug, PartialEq)]
pub(crate) enum LoginStep {
    /// Bytes to echo; keep reading.
    Echo(Vec<u8>),
    /// Name and password are complete. Bytes not consumed yet follow.
    Done {
        echo: Vec<u8>,
        user: String,
        password: String,
        rest: Vec<u8>,
    },
    /// A field grew beyond its limit.
    TooLong,
}

impl LoginDialogue {
    pub(crate) fn feed(&mut self, data: &[u8]) -> LoginStep {
        let mut echo = Vec::new();
        for (i, &b) in data.iter().enumerate() {
            if self.after_cr {
                self.after_cr = false;
                if b == b'\n' || b == 0 {
                    continue;
                }
            }
            match b {
                b'\r' | b'\n' => {
                    self.after_cr = b == b'\r';
                    let field =
                        String::from_utf8_lossy(&std::mem::take(&mut self.field)).into_owned();
                    match self.user.take() {
                        None => {
                            echo.extend_from_slice(b"\r\n");
                            echo.extend_from_slice(PASSWORD_PROMPT.as_bytes());
                            self.user = Some(field);
                        }
                        Some(user) => {
                            let mut rest = data[i + 1..].to_vec();
                            if self.after_cr && matches!(rest.first(), Some(b'\n' | 0)) {
                                rest.remove(0);
                            }
                            self.after_cr = false;
                            return LoginStep::Done {
                                echo,
                                user,
                                password: field,
                                rest,
                            };
                        }
                    }
                }
                0x7f | 0x08 => {
                    if self.field.pop().is_some() && self.user.is_none() {
                        echo.extend_from_slice(b"\x08 \x08");
                    }
                }
                0 => {}
                b if b < 0x20 => {}
                b => {
                    if self.field.len() >= MAX_FIELD {
                        return LoginStep::TooLong;
                    }
                    self.field.push(b);
                    if self.user.is_none() {
                        echo.push(b);
                    }
                }
            }
        }
        LoginStep::Echo(echo)
    }
}

pub(crate) async fn serve(mut stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>) {
    if let Err(e) = run(&mut stream, peer, &shared).await {
        debug!(%peer, error = %e, "telnet session ended");
    }
}

async fn run(stream: &mut TcpStream, peer: SocketAddr, shared: &Shared) -> std::io::Result<()> {
    let router = &shared.router;
    let mut greeting = NEGOTIATION.to_vec();
    greeting.extend_from_slice(self::greeting(&router.version()).as_bytes());
    greeting.extend_from_slice(LOGIN_PROMPT.as_bytes());
    stream.write_all(&greeting).await?;
    let mut decoder = TelnetDecoder::server();
    let mut dialogue = LoginDialogue::default();
    let mut buf = vec![0u8; 4096];
    let deadline = tokio::time::Instant::now() + LOGIN_TIMEOUT;
    let (session, user, rest) = loop {
        let n = match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(read) => read?,
            Err(_) => return Ok(()),
        };
        if n == 0 {
            return Ok(());
        }
        let mut reply = Vec::new();
        let data = decoder.decode(&buf[..n], &mut reply);
        if !reply.is_empty() {
            stream.write_all(&reply).await?;
        }
        match dialogue.feed(&data) {
            LoginStep::Echo(echo) => {
                if !echo.is_empty() {
                    stream.write_all(&escape(echo)).await?;
                }
            }
            LoginStep::TooLong => return Ok(()),
            LoginStep::Done {
                echo,
                user,
                password,
                rest,
            } => {
                if !echo.is_empty() {
                    stream.write_all(&escape(echo)).await?;
                }
                match router.login(&user, &password, Via::Telnet, Some(peer.ip())) {
                    Ok(session) => break (session, user, rest),
                    Err(_) => {
                        let mut out = LOGIN_FAILED.as_bytes().to_vec();
                        out.extend_from_slice(LOGIN_PROMPT.as_bytes());
                        stream.write_all(&out).await?;
                        dialogue = LoginDialogue::default();
                    }
                }
            }
        }
    };
    let result = shell(stream, shared, &session, &user, decoder, rest).await;
    router.logout(&session);
    result
}

async fn shell(
    stream: &mut TcpStream,
    shared: &Shared,
    session: &crate::router::Session,
    user: &str,
    mut decoder: TelnetDecoder,
    rest: Vec<u8>,
) -> std::io::Result<()> {
    let router = &shared.router;
    let flags = login_flags(user);
    let term = router.terminal(
        session,
        TerminalOpts {
            interactive: true,
            colors: flags.colors,
            width: flags.width.or(decoder.width).unwrap_or(80),
        },
    );
    let mut echo = Some(router.subscribe_echo());
    let (mut shell, first) = Shell::start(term, router.version().is_v6());
    shell.swallow_line_feed();
    let mut out = b"\r\n".to_vec();
    out.extend_from_slice(&first);
    stream.write_all(&escape(out)).await?;
    if !rest.is_empty() {
        let o = shell.feed(&rest);
        stream.write_all(&escape(o.bytes)).await?;
        if o.close {
            return Ok(());
        }
    }
    let mut buf = vec![0u8; 4096];
    loop {
        tokio::select! {
            read = stream.read(&mut buf) => {
                let n = read?;
                if n == 0 {
                    return Ok(());
                }
                let mut reply = Vec::new();
                let data = decoder.decode(&buf[..n], &mut reply);
                if !reply.is_empty() {
                    stream.write_all(&reply).await?;
                }
                let o = shell.feed(&data);
                if !o.bytes.is_empty() {
                    stream.write_all(&escape(o.bytes)).await?;
                }
                if o.close {
                    return Ok(());
                }
            }
            line = recv_echo(&mut echo) => {
                if let Some(line) = line
                    && let Some(bytes) = shell.echo(&line)
                {
                    stream.write_all(&escape(bytes)).await?;
                }
            }
        }
    }
}

/// Next echo line; `None` after a lag. A closed channel is dropped and never yields again.
pub(crate) async fn recv_echo(
    rx: &mut Option<tokio::sync::broadcast::Receiver<String>>,
) -> Option<String> {
    let Some(r) = rx.as_mut() else {
        return std::future::pending().await;
    };
    match r.recv().await {
        Ok(line) => Some(line),
        Err(RecvError::Lagged(_)) => None,
        Err(RecvError::Closed) => {
            *rx = None;
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use routeros::telnet::{SB, SE, WONT};

    #[test]
    fn old_versions_name_themselves_before_login() {
        let v = |t| routeros::version::Version::parse(t).unwrap();
        // recog fingerprints, which trim the space after `Login:`.
        assert_eq!(greeting(&v("6.42.3")), "MikroTik v6.42.3 (stable)\r\n");
        assert_eq!(greeting(&v("6.36rc12")), "MikroTik v6.36rc12 (testing)\r\n");
        assert_eq!(greeting(&v("5.2")), "MikroTik v5.2\r\n");
        assert_eq!(greeting(&v("7.23.2")), "");
        assert_eq!(greeting(&v("6.49.13")), "");
    }

    #[test]
    fn strips_negotiation_and_reads_naws() {
        let mut d = TelnetDecoder::server();
        let mut reply = Vec::new();
        let data = d.decode(
            &[
                IAC, DO, OPT_ECHO, b'a', IAC, SB, OPT_NAWS, 0, 132, 0, 40, IAC, SE, IAC, DO, 24,
                b'b',
            ],
            &mut reply,
        );
        assert_eq!(data, b"ab");
        assert_eq!(d.width, Some(132));
        assert_eq!(reply, vec![IAC, WONT, 24]);
    }

    #[test]
    fn dialogue_accepts_cr_lf_and_cr_nul() {
        for enter in [&b"\r\n"[..], &b"\r\0"[..], &b"\n"[..]] {
            let mut d = LoginDialogue::default();
            let mut input = b"admin+ct".to_vec();
            input.extend_from_slice(enter);
            assert_eq!(
                d.feed(&input),
                LoginStep::Echo(b"admin+ct\r\nPassword: ".to_vec())
            );
            let mut input = b"pw".to_vec();
            input.extend_from_slice(enter);
            input.extend_from_slice(b"x");
            match d.feed(&input) {
                LoginStep::Done {
                    user,
                    password,
                    rest,
                    ..
                } => {
                    assert_eq!(user, "admin+ct");
                    assert_eq!(password, "pw");
                    assert_eq!(rest, b"x");
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }
}
