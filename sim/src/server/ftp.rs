//! FTP front end: control connection only — greeting, USER/PASS login through the model, SYST, PWD,
//! NOOP, QUIT. No data connections (see FIDELITY.md).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tracing::debug;

use crate::router::Via;
use crate::server::Shared;

/// Idle time before the server drops a control connection.
const IDLE: Duration = Duration::from_secs(300);
/// Longest command line accepted.
const MAX_LINE: usize = 1024;

/// `220 <identity> FTP server (MikroTik <version>) ready` (recog banner, FACTS §8).
pub(crate) fn greeting(identity: &str, version: &str) -> String {
    format!("220 {identity} FTP server (MikroTik {version}) ready\r\n")
}

/// The FTP command interpreter (sans-IO): one command line in, reply text out.
pub(crate) struct Ftp {
    user: Option<String>,
    session: Option<crate::router::Session>,
}

/// What to do after a reply.
#[derive(Debug, PartialEq)]
pub(crate) enum Next {
    Continue,
    Close,
}

impl Ftp {
    /// Whether `PASS` has logged a user in.
    pub(crate) fn logged_in(&self) -> bool {
        self.session.is_some()
    }

    pub(crate) fn new() -> Ftp {
        Ftp {
            user: None,
            session: None,
        }
    }

    /// Handles one command line (without CR LF).
    pub(crate) fn command(
        &mut self,
        router: &crate::router::Router,
        peer: SocketAddr,
        line: &str,
    ) -> (String, Next) {
        let (verb, arg) = match line.split_once(' ') {
            Some((v, a)) => (v, a),
            None => (line, ""),
        };
        let verb = verb.to_ascii_uppercase();
        match verb.as_str() {
            "USER" => {
                if let Some(session) = self.session.take() {
                    router.logout(&session);
                }
                self.user = Some(arg.to_string());
                (
                    format!("331 Password required for {arg}\r\n"),
                    Next::Continue,
                )
            }
            "PASS" => {
                let Some(user) = self.user.take() else {
                    return ("503 Login with USER first.\r\n".into(), Next::Continue);
                };
                match router.login(&user, arg, Via::Ftp, Some(peer.ip())) {
                    Ok(session) => {
                        self.session = Some(session);
                        (format!("230 User {user} logged in\r\n"), Next::Continue)
                    }
                    Err(_) => ("530 Login incorrect\r\n".into(), Next::Continue),
                }
            }
            "QUIT" => ("221 Closing\r\n".into(), Next::Close),
            "NOOP" => ("200 NOOP command successful\r\n".into(), Next::Continue),
            "SYST" => ("215 UNIX Type: L8\r\n".into(), Next::Continue),
            _ if self.session.is_none() => (
                "530 Please login with USER and PASS.\r\n".into(),
                Next::Continue,
            ),
            "PWD" | "XPWD" => ("257 \"/\" is current directory.\r\n".into(), Next::Continue),
            "TYPE" => ("200 Type set to I.\r\n".into(), Next::Continue),
            _ => (
                format!("500 '{verb}': command not understood.\r\n"),
                Next::Continue,
            ),
        }
    }

    /// Logs the session out, if any.
    pub(crate) fn finish(&mut self, router: &crate::router::Router) {
        if let Some(session) = self.session.take() {
            router.logout(&session);
        }
    }
}

pub(crate) async fn serve(stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>) {
    let router = &shared.router;
    let mut ftp = Ftp::new();
    if let Err(e) = run(stream, peer, &shared, &mut ftp).await {
        debug!(%peer, error = %e, "ftp session ended");
    }
    ftp.finish(router);
}

async fn run(
    stream: TcpStream,
    peer: SocketAddr,
    shared: &Shared,
    ftp: &mut Ftp,
) -> std::io::Result<()> {
    let router = &shared.router;
    let login_by = tokio::time::Instant::now() + router.login_deadline();
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    write
        .write_all(greeting(&router.identity(), &router.version().to_string()).as_bytes())
        .await?;
    let mut line = Vec::new();
    loop {
        line.clear();
        let mut limited = tokio::io::AsyncReadExt::take(&mut reader, MAX_LINE as u64);
        // Before login the connection has until its login deadline, however slowly it sends.
        let mut until = tokio::time::Instant::now() + IDLE;
        if !ftp.logged_in() {
            until = until.min(login_by);
        }
        let n = match tokio::time::timeout_at(until, limited.read_until(b'\n', &mut line)).await {
            Ok(read) => read?,
            Err(_) => {
                write.write_all(b"421 Timeout.\r\n").await?;
                return Ok(());
            }
        };
        if n == 0 {
            return Ok(());
        }
        if !line.ends_with(b"\n") {
            // Longer than MAX_LINE without an end: refuse and drop the connection.
            write.write_all(b"500 Command line too long.\r\n").await?;
            return Ok(());
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        let (reply, next) = ftp.command(router, peer, text);
        write.write_all(reply.as_bytes()).await?;
        if next == Next::Close {
            return Ok(());
        }
    }
}
