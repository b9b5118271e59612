//! Telnet front end: option negotiation, the `Login: ` / `Password: ` dialogue (7.23.2 capture),
//! then the shared [`Shell`].

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::broadcast::error::RecvError;
use tracing::debug;

use crate::router::Via;
use crate::server::Shared;
use crate::server::login::{LOGIN_FAILED, LOGIN_PROMPT, LoginDialogue, LoginStep, channel};
use crate::server::shell::after_login;

use routeros::telnet::{
    DO, Decoder as TelnetDecoder, IAC, OPT_ECHO, OPT_NAWS, OPT_SGA, WILL, escape,
};

/// What the server sends first: it will echo and suppress go-ahead (character mode), and asks for the
/// window size. RouterOS's exact option list was not captured (FIDELITY.md).
pub(crate) const NEGOTIATION: [u8; 9] =
    [IAC, WILL, OPT_ECHO, IAC, WILL, OPT_SGA, IAC, DO, OPT_NAWS];

/// What precedes the first `Login: `. Up to 6.42 the router named itself first
/// (`MikroTik v6.42.3 (stable)\r\n`, `MikroTik v5.2\r\n`: recog fingerprints); 7.23.2 sends nothing (tik4net).
/// Where the line was dropped (6.43–7.x) is UNVERIFIED; the channel word is `testing` for beta/rc versions and
/// `stable` otherwise (6.40.8 really said `bugfix`, the long-term channel then: the model has no channel here).
pub(crate) fn greeting(version: &routeros::version::Version) -> String {
    use routeros::version::Version;
    if *version >= Version::new(6, 43, 0) {
        return String::new();
    }
    if version.major() < 6 {
        return format!("MikroTik v{version}\r\n");
    }
    format!("MikroTik v{version} ({})\r\n", channel(version))
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
    let deadline = tokio::time::Instant::now() + router.login_deadline();
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
    let mut echo = Some(router.subscribe_echo());
    let (mut shell, first) = after_login(router, session, user, decoder.width, false);
    stream.write_all(&escape(first)).await?;
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
}
