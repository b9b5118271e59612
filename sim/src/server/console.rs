//! The serial console front end: the router's own terminal (a tty such as `/dev/ttyS0`, or
//! stdin/stdout), with no network address. Logins arrive [`Via::Local`] and a refusal logs
//! `login failure for user <name> via local` (FACTS §3.8).
//!
//! What the console prints (console_v7.17.1_01..03 captures, blog-wrapped): the greeting line
//! `MikroTik <version> (<channel>)`, then `MikroTik Login: `; the name is echoed, then CR LF and
//! `Password: ` (not echoed), as on telnet ([`crate::server::login`]). After a login: the shared
//! [`Shell`], whose first console login in the router's life asks `Do you want to see the
//! software license? [Y/n]: ` between the version line and `Press F1 for help`. `/quit` or Ctrl-D
//! returns to the greeting and `MikroTik Login: `; the console serves as long as the simulator
//! runs, and a session has no idle timeout.
//!
//! [`Console`] is the sans-IO dialogue; [`ConsolePort`] is the device, and [`serve`] drives one
//! over the other.

use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::router::{Power, Router, Session, Via};
use crate::server::login::{LOGIN_FAILED, LoginDialogue, LoginStep, channel};
use crate::server::shell::{Shell, after_login};
use crate::server::telnet::recv_echo;

/// The console's login prompt (console_v7.17.1_01 capture). vrnetlab reports `RouterOS Login: `
/// from about 6.48 on (FACTS §3.1): UNVERIFIED which releases print which; the captured form is used.
pub(crate) const CONSOLE_LOGIN_PROMPT: &str = "MikroTik Login: ";

/// What the console shows before its login prompt: `MikroTik 7.17.1 (stable)` (captured), the
/// channel word as telnet's pre-6.43 greeting has it. The console's greeting of v6 releases is
/// UNVERIFIED (assumed the same form, without telnet's `v`).
pub(crate) fn greeting(version: &routeros::version::Version) -> String {
    format!(
        "MikroTik {version} ({})\r\n{CONSOLE_LOGIN_PROMPT}",
        channel(version)
    )
}

/// Why the console could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    #[error("failed to open console {path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("console {path} is not a terminal")]
    NotATerminal { path: PathBuf },
    #[error("failed to put console {path} in raw mode: {source}")]
    RawMode { path: PathBuf, source: nix::Error },
}

/// Where the console reads and writes: a tty device in raw mode, or this process's stdin/stdout.
pub struct ConsolePort {
    input: Box<dyn Read + Send>,
    output: Box<dyn Write + Send>,
    raw: Option<RawMode>,
}

/// A terminal switched to raw mode (no echo, no line discipline, Ctrl-C as a byte); the old
/// settings come back when it is dropped.
struct RawMode {
    fd: OwnedFd,
    saved: nix::sys::termios::Termios,
}

impl RawMode {
    fn enter(fd: OwnedFd, path: &Path) -> Result<RawMode, ConsoleError> {
        use nix::sys::termios::{SetArg, cfmakeraw, tcgetattr, tcsetattr};
        let raw_err = |source| ConsoleError::RawMode {
            path: path.to_path_buf(),
            source,
        };
        let saved = tcgetattr(fd.as_fd()).map_err(raw_err)?;
        let mut raw = saved.clone();
        cfmakeraw(&mut raw);
        tcsetattr(fd.as_fd(), SetArg::TCSANOW, &raw).map_err(raw_err)?;
        Ok(RawMode { fd, saved })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        use nix::sys::termios::{SetArg, tcsetattr};
        let _ = tcsetattr(self.fd.as_fd(), SetArg::TCSANOW, &self.saved);
    }
}

impl ConsolePort {
    /// Opens a tty device (`/dev/ttyS0`, `/dev/console`) and puts it in raw mode.
    pub fn open(path: &Path) -> Result<ConsolePort, ConsoleError> {
        use std::os::unix::fs::OpenOptionsExt;
        let open_err = |source| ConsoleError::Open {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(nix::libc::O_NOCTTY)
            .open(path)
            .map_err(open_err)?;
        if !nix::unistd::isatty(file.as_fd()).unwrap_or(false) {
            return Err(ConsoleError::NotATerminal {
                path: path.to_path_buf(),
            });
        }
        let raw = RawMode::enter(file.try_clone().map_err(open_err)?.into(), path)?;
        let output = file.try_clone().map_err(open_err)?;
        Ok(ConsolePort {
            input: Box::new(file),
            output: Box::new(output),
            raw: Some(raw),
        })
    }

    /// This process's stdin and stdout (`--console -`); stdin is put in raw mode when it is a
    /// terminal, and used as it is when it is a pipe.
    pub fn stdio() -> Result<ConsolePort, ConsoleError> {
        let path = Path::new("-");
        let stdin = std::io::stdin();
        let raw = if nix::unistd::isatty(stdin.as_fd()).unwrap_or(false) {
            let fd = stdin
                .as_fd()
                .try_clone_to_owned()
                .map_err(|source| ConsoleError::Open {
                    path: path.to_path_buf(),
                    source,
                })?;
            Some(RawMode::enter(fd, path)?)
        } else {
            None
        };
        Ok(ConsolePort {
            input: Box::new(stdin),
            output: Box::new(std::io::stdout()),
            raw,
        })
    }
}

/// Where the console dialogue is.
enum Phase {
    Login(LoginDialogue),
    Shell {
        shell: Box<Shell>,
        session: Session,
    },
    /// The router is rebooting: nothing is shown until it is up again.
    Down,
}

/// The console dialogue (sans-IO): bytes typed in, bytes for the terminal out.
pub(crate) struct Console {
    router: Router,
    phase: Phase,
}

impl Console {
    /// A console at its login prompt, and the bytes it shows first (the greeting).
    pub(crate) fn new(router: Router) -> (Console, Vec<u8>) {
        let first = greeting(&router.version()).into_bytes();
        let console = Console {
            router,
            phase: Phase::Login(LoginDialogue::default()),
        };
        (console, first)
    }

    /// Feeds bytes typed on the console.
    pub(crate) fn feed(&mut self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut data = data.to_vec();
        loop {
            match &mut self.phase {
                Phase::Down => return out,
                Phase::Shell { shell, session } => {
                    let o = shell.feed(&data);
                    out.extend_from_slice(&o.bytes);
                    if o.close {
                        self.router.logout(session);
                        debug!(user = %session.user, "console session ended");
                        out.extend_from_slice(b"\r\n");
                        out.extend_from_slice(greeting(&self.router.version()).as_bytes());
                        self.phase = Phase::Login(LoginDialogue::default());
                    }
                    return out;
                }
                Phase::Login(dialogue) => match dialogue.feed(&data) {
                    LoginStep::Echo(echo) => {
                        out.extend_from_slice(&echo);
                        return out;
                    }
                    LoginStep::TooLong => {
                        // A console cannot hang up: the dialogue starts over.
                        out.extend_from_slice(LOGIN_FAILED.as_bytes());
                        out.extend_from_slice(CONSOLE_LOGIN_PROMPT.as_bytes());
                        self.phase = Phase::Login(LoginDialogue::default());
                        return out;
                    }
                    LoginStep::Done {
                        echo,
                        user,
                        password,
                        rest,
                    } => {
                        out.extend_from_slice(&echo);
                        match self.router.login(&user, &password, Via::Local, None) {
                            Ok(session) => {
                                info!(user = %session.user, "console login");
                                out.extend_from_slice(&self.start_shell(session, &user));
                            }
                            Err(e) => {
                                debug!(error = %e, "console login refused");
                                out.extend_from_slice(LOGIN_FAILED.as_bytes());
                                out.extend_from_slice(CONSOLE_LOGIN_PROMPT.as_bytes());
                                self.phase = Phase::Login(LoginDialogue::default());
                            }
                        }
                        if rest.is_empty() {
                            return out;
                        }
                        data = rest;
                    }
                },
            }
        }
    }

    fn start_shell(&mut self, session: Session, user: &str) -> Vec<u8> {
        let ask_license = self.router.license_pending();
        let (shell, out) = after_login(&self.router, &session, user, None, ask_license);
        self.phase = Phase::Shell {
            shell: Box::new(shell),
            session,
        };
        out
    }

    /// An asynchronous echo line, for a session sitting at its prompt.
    pub(crate) fn echo(&self, line: &str) -> Option<Vec<u8>> {
        match &self.phase {
            Phase::Shell { shell, .. } => shell.echo(line),
            _ => None,
        }
    }

    /// The router goes down for a reboot: the session ends (it is cut, as every other).
    pub(crate) fn down(&mut self) {
        if let Phase::Shell { session, .. } = &self.phase {
            self.router.logout(session);
        }
        self.phase = Phase::Down;
    }

    /// The router is up again (after a reboot): a fresh greeting and login prompt.
    pub(crate) fn up(&mut self) -> Vec<u8> {
        if !matches!(self.phase, Phase::Down) {
            return Vec::new();
        }
        self.phase = Phase::Login(LoginDialogue::default());
        let mut out = b"\r\n".to_vec();
        out.extend_from_slice(greeting(&self.router.version()).as_bytes());
        out
    }

    /// The input has ended for good (stdin closed): an open session is logged out.
    pub(crate) fn hang_up(&mut self) {
        if let Phase::Shell { session, .. } = &self.phase {
            self.router.logout(session);
        }
        self.phase = Phase::Login(LoginDialogue::default());
    }
}

/// Serves the console on `port` until `cancel`: reads on one thread, writes on another (a tty or
/// a pipe blocks), and follows reboots.
pub(crate) async fn serve(router: Router, port: ConsolePort, cancel: CancellationToken) {
    let ConsolePort {
        mut input,
        mut output,
        raw,
    } = port;
    let (in_tx, mut in_rx) = mpsc::channel::<Vec<u8>>(16);
    let (out_tx, out_rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let reader = std::thread::Builder::new()
        .name("console-read".into())
        .spawn(move || {
            let mut buf = vec![0u8; 4096];
            loop {
                match input.read(&mut buf) {
                    Ok(0) => return,
                    Ok(n) => {
                        if in_tx.blocking_send(buf[..n].to_vec()).is_err() {
                            return;
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        warn!(error = %e, "console read failed");
                        return;
                    }
                }
            }
        });
    let writer = std::thread::Builder::new()
        .name("console-write".into())
        .spawn(move || {
            while let Ok(bytes) = out_rx.recv() {
                if let Err(e) = output.write_all(&bytes).and_then(|()| output.flush()) {
                    warn!(error = %e, "console write failed");
                    return;
                }
            }
        });
    if let Err(e) = reader.and(writer) {
        warn!(error = %e, "console not started");
        return;
    }
    let send = |bytes: Vec<u8>| {
        if !bytes.is_empty() {
            let _ = out_tx.send(bytes);
        }
    };
    let (mut console, first) = Console::new(router.clone());
    send(first);
    let mut echo = Some(router.subscribe_echo());
    let mut power: watch::Receiver<Power> = router.watch_power();
    let mut reading = true;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            data = in_rx.recv(), if reading => match data {
                Some(data) => send(console.feed(&data)),
                None => {
                    info!("console input closed");
                    console.hang_up();
                    reading = false;
                }
            },
            line = recv_echo(&mut echo) => {
                if let Some(line) = line && let Some(bytes) = console.echo(&line) {
                    send(bytes);
                }
            }
            changed = power.changed() => {
                if changed.is_err() {
                    break;
                }
                let now = *power.borrow_and_update();
                match now {
                    Power::Rebooting => console.down(),
                    Power::Up => send(console.up()),
                }
            }
        }
    }
    drop(raw);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::router::RouterConfig;
    use crate::server::shell::LICENSE_QUESTION;

    fn router(version: &str) -> Router {
        let mut cfg = RouterConfig::for_version(
            routeros::version::Version::parse(version).unwrap_or_else(|e| panic!("{e}")),
        );
        cfg.identity = "MikroTik".into();
        Router::new(cfg).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn greeting_names_the_version_and_channel() {
        let v = |t| routeros::version::Version::parse(t).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            greeting(&v("7.17.1")),
            "MikroTik 7.17.1 (stable)\r\nMikroTik Login: "
        );
        assert_eq!(
            greeting(&v("7.18beta2")),
            "MikroTik 7.18beta2 (testing)\r\nMikroTik Login: "
        );
    }

    #[test]
    fn wrong_password_starts_over_at_the_console_prompt() {
        let r = router("7.17.1");
        let (mut c, _) = Console::new(r.clone());
        assert_eq!(c.feed(b"admin\r"), b"admin\r\nPassword: ");
        assert_eq!(
            String::from_utf8_lossy(&c.feed(b"x\r")),
            "\r\nLogin failed, incorrect username or password\r\n\r\nMikroTik Login: "
        );
        assert!(r.license_pending(), "a refused login does not count");
    }

    /// What a terminal shows for `bytes`: escape sequences dropped, CR returns to the start of the
    /// line (what follows overwrites it), trailing blanks trimmed.
    fn screen(bytes: &[u8]) -> Vec<String> {
        let text = String::from_utf8_lossy(bytes);
        let mut lines = Vec::new();
        let mut line: Vec<char> = Vec::new();
        let mut col: usize = 0;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\x1b' => {
                    if chars.peek() == Some(&'[') {
                        chars.next();
                        for c in chars.by_ref() {
                            if ('\u{40}'..='\u{7e}').contains(&c) {
                                break;
                            }
                        }
                    } else {
                        chars.next();
                    }
                }
                '\r' => col = 0,
                '\n' => {
                    lines.push(line.iter().collect::<String>().trim_end().to_string());
                    line.clear();
                    col = 0;
                }
                '\x08' => col = col.saturating_sub(1),
                c => {
                    if col < line.len() {
                        line[col] = c;
                    } else {
                        line.push(c);
                    }
                    col += 1;
                }
            }
        }
        lines.push(line.iter().collect::<String>().trim_end().to_string());
        lines
    }

    fn capture(name: &str) -> Option<Vec<String>> {
        let rel = format!("transcripts/other/{name}");
        if !testsupport::corpus::require(&rel) {
            return None;
        }
        Some(
            testsupport::corpus::text(&rel)
                .lines()
                .map(|l| l.trim_end().to_string())
                .collect(),
        )
    }

    fn words(lines: &[String]) -> String {
        lines
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The first console login of a fresh 7.17.1, as the three blog captures show it: greeting,
    /// login prompt, banner and license question, then (after `n`) `Press F1 for help`, the
    /// pending critical line of an earlier refused console login, the nag and the prompt.
    #[test]
    fn first_console_login_matches_the_7_17_1_captures() {
        // One skip line when the full corpus is missing: the captures come together.
        let Some(login) = capture("console_v7.17.1_01_login__blog.txt") else {
            return;
        };
        let (Some(license), Some(nag)) = (
            capture("console_v7.17.1_02_banner_license_prompt__blog.txt"),
            capture("console_v7.17.1_03_nag_after_license__blog.txt"),
        ) else {
            return;
        };
        let r = router("7.17.1");
        // The capture's pending line comes from a refused console login before this one.
        assert!(r.login("admin", "wrong", Via::Local, None).is_err());
        let (mut c, mut out) = Console::new(r.clone());
        out.extend(c.feed(b"admin\r"));
        let shown = screen(&out);
        // 01: the greeting line exactly; the blog wrapped `Login: admin` and `Password:` onto
        // one line, so the second line is compared word by word.
        assert_eq!(shown[0], login[0]);
        assert_eq!(words(&shown[1..]), words(&login[1..]));
        assert!(out.ends_with(b"\r\nPassword: "), "{out:?}");

        // 02: the logo, the version line and the question, line for line.
        let out = c.feed(b"\r");
        let shown = screen(&out);
        assert!(
            shown
                .windows(license.len())
                .any(|w| w == license.as_slice()),
            "{shown:#?}"
        );
        assert!(out.ends_with(LICENSE_QUESTION.as_bytes()), "{out:?}");
        assert!(r.license_pending(), "asked, not answered yet");

        // 03: every non-empty line (the blog's empty lines stand for cursor moves), the
        // timestamp of the critical line aside; the password is typed as the capture's 8 stars.
        let mut out = c.feed(b"n\r");
        assert!(!r.license_pending(), "answered");
        out.extend(c.feed(b"s3cret!!\r"));
        out.extend(c.feed(b"s3cret!!\r"));
        let stamp = regex::Regex::new(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} ")
            .unwrap_or_else(|e| panic!("{e}"));
        let norm = |lines: &[String]| -> Vec<String> {
            lines
                .iter()
                .filter(|l| !l.is_empty())
                .map(|l| stamp.replace(l, "<time> ").into_owned())
                .collect()
        };
        let shown = norm(&screen(&out));
        assert_eq!(shown[0], "n", "the answer is echoed after the question");
        assert_eq!(shown[1..], norm(&nag)[..], "{out:?}");
        assert!(r.login("admin", "s3cret!!", Via::Local, None).is_ok());
    }

    #[test]
    fn the_license_is_asked_once_and_y_or_enter_shows_it() {
        let r = router("7.23.2");
        let (mut c, _) = Console::new(r.clone());
        c.feed(b"admin\r");
        let out = String::from_utf8_lossy(&c.feed(b"\r")).into_owned();
        assert!(out.ends_with(LICENSE_QUESTION), "{out:?}");
        // Anything but y/n/Enter asks again.
        let again = String::from_utf8_lossy(&c.feed(b"maybe\r")).into_owned();
        assert!(
            again.ends_with(&format!("\r\n{LICENSE_QUESTION}")),
            "{again:?}"
        );
        // Enter takes the default, Y: the license text, then the banner goes on.
        let shown = String::from_utf8_lossy(&c.feed(b"\r")).into_owned();
        assert!(
            shown.contains("software license (EULA) is not"),
            "{shown:?}"
        );
        assert!(shown.contains("Press F1 for help"), "{shown:?}");
        assert!(
            shown.contains("Change your password (Ctrl-C to skip)"),
            "{shown:?}"
        );
        // Ctrl-C skips the nag; /quit returns to the greeting and the console prompt.
        let prompt = String::from_utf8_lossy(&c.feed(b"\x03")).into_owned();
        assert!(prompt.ends_with("[admin@MikroTik] > "), "{prompt:?}");
        let back = String::from_utf8_lossy(&c.feed(b"/quit\r")).into_owned();
        assert!(
            back.ends_with("\r\nMikroTik 7.23.2 (stable)\r\nMikroTik Login: "),
            "{back:?}"
        );
        // The second login: no question, the nag straight after the banner.
        c.feed(b"admin\r");
        let second = String::from_utf8_lossy(&c.feed(b"\r")).into_owned();
        assert!(!second.contains("software license"), "{second:?}");
        assert!(second.contains("Press F1 for help"), "{second:?}");
        // Ctrl-D on an empty line ends the session as well.
        c.feed(b"\x03");
        let back = String::from_utf8_lossy(&c.feed(b"\x04")).into_owned();
        assert!(back.ends_with("MikroTik Login: "), "{back:?}");
    }

    #[test]
    fn the_answer_survives_a_restart_with_a_state_dir() {
        let dir = std::env::temp_dir().join(format!("ros-sim-license-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let start = || {
            Router::new(RouterConfig {
                state_dir: Some(dir.clone()),
                ..RouterConfig::default()
            })
            .unwrap_or_else(|e| panic!("{e}"))
        };
        let r = start();
        let (mut c, _) = Console::new(r.clone());
        c.feed(b"admin\r\r");
        assert!(r.license_pending());
        c.feed(b"n\r");
        assert!(!r.license_pending());
        drop((c, r));
        assert!(!start().license_pending(), "kept in state.json");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
