//! FTP front end: greeting, USER/PASS login through the model, SYST, PWD, NOOP, QUIT, and passive
//! data connections (PASV, then STOR, RETR, LIST, NLST) to the model's file store (see FIDELITY.md).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tracing::debug;

use crate::router::Via;
use crate::server::Shared;

/// Idle time before the server drops a control connection.
const IDLE: Duration = Duration::from_secs(300);
/// How long a passive listener waits for the client's data connection.
const DATA_WAIT: Duration = Duration::from_secs(30);
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
    /// Open a passive data listener and answer 227 with its address.
    Passive,
    /// Receive a file over the data connection and store it under this name.
    Store(String),
    /// Send this file's contents over the data connection.
    Retrieve(String),
    /// Send the file list (`true`: names only, NLST).
    List(bool),
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
            "PASV" => (String::new(), Next::Passive),
            "STOR" if !arg.is_empty() => (String::new(), Next::Store(file_name(arg))),
            "RETR" if !arg.is_empty() => (String::new(), Next::Retrieve(file_name(arg))),
            "LIST" => (String::new(), Next::List(false)),
            "NLST" => (String::new(), Next::List(true)),
            "SIZE" => match router.with_state(|st| st.file_contents(&file_name(arg))) {
                Some(c) => (format!("213 {}\r\n", c.len()), Next::Continue),
                None => (format!("550 {arg}: No such file.\r\n"), Next::Continue),
            },
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

/// A path the client names, as the file store's name (`/a.rsc` and `a.rsc` are one file).
fn file_name(arg: &str) -> String {
    arg.trim().trim_start_matches('/').to_string()
}

/// `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)` for a data listener on `addr`.
pub(crate) fn passive_reply(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => {
            let [h1, h2, h3, h4] = a.ip().octets();
            let p = a.port();
            format!(
                "227 Entering Passive Mode ({h1},{h2},{h3},{h4},{},{}).\r\n",
                p >> 8,
                p & 0xff
            )
        }
        SocketAddr::V6(_) => "425 Can't open passive connection on IPv6.\r\n".into(),
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
    let local = stream.local_addr()?;
    let mut passive: Option<TcpListener> = None;
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    write
        .write_all(greeting(&router.identity(), &router.version().to_string()).as_bytes())
        .await?;
    let mut line = Vec::new();
    loop {
        line.clear();
        let mut limited = (&mut reader).take(MAX_LINE as u64);
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
        match next {
            Next::Continue => {}
            Next::Close => return Ok(()),
            Next::Passive => {
                let here = SocketAddr::new(local.ip(), 0);
                // In the router's namespace, as its service listeners are.
                match crate::server::listener::bind(shared, here) {
                    Ok(l) => {
                        let at = l.local_addr()?;
                        write.write_all(passive_reply(at).as_bytes()).await?;
                        passive = Some(l);
                    }
                    Err(_) => {
                        write
                            .write_all(b"425 Can't open passive connection.\r\n")
                            .await?
                    }
                }
            }
            Next::Store(_) | Next::Retrieve(_) | Next::List(_) => {
                let Some(listener) = passive.take() else {
                    write.write_all(b"425 Use PASV first.\r\n").await?;
                    continue;
                };
                let reply = transfer(router, listener, next, &mut write).await?;
                write.write_all(reply.as_bytes()).await?;
            }
        }
    }
}

/// One transfer over a passive data connection; returns the closing reply.
async fn transfer(
    router: &crate::router::Router,
    listener: TcpListener,
    what: Next,
    control: &mut tokio::net::tcp::OwnedWriteHalf,
) -> std::io::Result<String> {
    // What to send is known before the data connection opens; a missing file never opens it.
    let outgoing = match &what {
        Next::Retrieve(name) => match router.with_state(|st| st.file_contents(name)) {
            Some(c) => Some(c.into_bytes()),
            None => return Ok(format!("550 {name}: No such file.\r\n")),
        },
        Next::List(names_only) => Some(
            router
                .with_state(|st| st.file_list())
                .iter()
                .map(|(n, size)| {
                    if *names_only {
                        format!("{n}\r\n")
                    } else {
                        format!("-rw-rw---- 1 root root {size:>10} Jan  1 00:00 {n}\r\n")
                    }
                })
                .collect::<String>()
                .into_bytes(),
        ),
        _ => None,
    };
    let name = match &what {
        Next::Store(n) | Next::Retrieve(n) => n.clone(),
        _ => "file list".into(),
    };
    control
        .write_all(format!("150 Opening BINARY mode data connection for '{name}'.\r\n").as_bytes())
        .await?;
    let Ok(Ok((mut data, _))) = tokio::time::timeout(DATA_WAIT, listener.accept()).await else {
        return Ok("425 Can't build data connection.\r\n".into());
    };
    if let Some(bytes) = outgoing {
        data.write_all(&bytes).await?;
        data.shutdown().await?;
        return Ok("226 Transfer complete.\r\n".into());
    }
    let mut buf = Vec::new();
    let limit = crate::model::files::MAX_FILE as u64 + 1;
    let read = tokio::time::timeout(IDLE, (&mut data).take(limit).read_to_end(&mut buf)).await;
    if !matches!(read, Ok(Ok(_))) {
        return Ok("426 Connection closed; transfer aborted.\r\n".into());
    }
    // The store keeps text; bytes that are not UTF-8 are kept as U+FFFD (FIDELITY.md).
    let text = String::from_utf8_lossy(&buf).into_owned();
    match router.with_state(|st| st.put_file(&name, &text)) {
        Ok(()) => Ok("226 Transfer complete.\r\n".into()),
        Err(e) => Ok(format!("552 {name}: {e}.\r\n")),
    }
}
