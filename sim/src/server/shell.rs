//! The interactive terminal session shared by telnet and the SSH shell channel: banner, password nag,
//! prompt, line editing, command execution and the asynchronous echo of critical log lines.
//!
//! Sans-IO: bytes typed by the client go in through [`Shell::feed`], bytes for the client come out.
//! Layout follows the tik4net wire captures of 7.23.2 and 6.49.13 (see FIDELITY.md, "front ends").

use crate::router::{Router, Session, Terminal, TerminalOpts};

/// Moves the cursor to the bottom line before the prompt is painted (captured on 7.23.2 and 6.49.13).
const PROMPT_LEAD: &str = "\r\r\r\r\x1b[9999B";
/// The same lead before the nag's `new password> ` (one CR less, as captured).
const NAG_LEAD: &str = "\r\r\r\x1b[9999B";
/// Longest input line kept; further characters are dropped until Enter.
const MAX_LINE: usize = 64 * 1024;
/// Empty lines before the logo (see [`Shell::start`]).
const V7_CLEAR_LINES: usize = 25;
const V6_CLEAR_LINES: usize = 7;
const NAG_PROMPT: &str = "new password> ";
const NAG_REPEAT: &str = "repeat new password> ";

/// What the client gets after one [`Shell::feed`].
#[derive(Debug, Default)]
pub(crate) struct Output {
    pub bytes: Vec<u8>,
    /// The session ends (`/quit`, Ctrl-D on an empty line) once `bytes` are written.
    pub close: bool,
}

#[derive(Debug)]
enum Mode {
    /// The first console login's license question (answer echoed, ends with Enter).
    License,
    NagNew,
    NagRepeat {
        first: String,
    },
    Prompt,
    Closed,
}

/// Small parser state that swallows escape sequences the client sends (arrow keys, answers to probes).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Esc {
    None,
    Started,
    Csi,
    Ss3,
}

/// One interactive CLI session on a terminal.
pub(crate) struct Shell {
    term: Terminal,
    mode: Mode,
    line: String,
    esc: Esc,
    /// The last byte was CR: a following LF or NUL belongs to the same Enter.
    after_cr: bool,
    v6: bool,
}

/// The first console login asks this after the version line (console_v7.17.1_02 capture).
pub(crate) const LICENSE_QUESTION: &str = "Do you want to see the software license? [Y/n]: ";

/// What `y` shows. ASSUMPTION: RouterOS pages MikroTik's whole licence agreement here; the
/// simulator says what it is instead of inventing that text.
const LICENSE_TEXT: &str = "\nros-sim: a RouterOS simulator. MikroTik's software license (EULA) is not \
reproduced here;\nsee https://mikrotik.com/downloadterms.html\n";

/// The nag's first line: `Change your password` on 7.17.1 (console capture), with
/// ` (Ctrl-C to skip)` on 7.21.4 and later (tik4net 7.23.2, third-party 7.21.4 and 7.24 texts).
/// ASSUMPTION: the hint appeared in 7.18, the first release after 7.17.1.
fn nag_line(version: &routeros::version::Version) -> &'static str {
    if *version >= routeros::version::Version::new(7, 18, 0) {
        "Change your password (Ctrl-C to skip)"
    } else {
        "Change your password"
    }
}

/// Converts the model's "\n" line ends into "\r\n"; an existing "\r\n" stays as it is.
pub(crate) fn crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut prev = '\0';
    for c in text.chars() {
        if c == '\n' && prev != '\r' {
            out.push('\r');
        }
        out.push(c);
        prev = c;
    }
    out
}

/// v6 paints every banner line as CR + text + CR LF (6.49.13 capture).
fn v6_lines(text: &str) -> String {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches('\n').trim_end_matches('\r');
        out.push('\r');
        out.push_str(body);
        if line.ends_with('\n') {
            out.push_str("\r\n");
        }
    }
    out
}

impl Shell {
    /// Starts the session: returns the shell and the bytes the client sees first
    /// (banner, then either the password nag or the prompt). With `ask_license` (the first console
    /// login of the router's life) the banner stops after the version line and asks
    /// `Do you want to see the software license? [Y/n]: `; the rest follows the answer.
    pub(crate) fn start(term: Terminal, v6: bool, ask_license: bool) -> (Shell, Vec<u8>) {
        let mut out = String::new();
        // The screen is cleared with empty lines first: 26 CR LF on 7.23.2 counting the Enter that ended the
        // password (the telnet front end writes that one), 7 painted `\r\r\n` on 6.49.13.
        let (head, _) = term.banner_parts();
        if v6 {
            out.push_str(&v6_lines(&"\n".repeat(V6_CLEAR_LINES)));
            out.push_str(&v6_lines(&head));
        } else {
            out.push_str(&"\r\n".repeat(V7_CLEAR_LINES));
            out.push_str(&crlf(&head));
        }
        let mut shell = Shell {
            term,
            mode: Mode::Prompt,
            line: String::new(),
            esc: Esc::None,
            after_cr: false,
            v6,
        };
        if ask_license {
            // Three empty lines after the version line, then the question (console_v7.17.1_02).
            out.push_str("\r\n\r\n");
            out.push_str(LICENSE_QUESTION);
            shell.mode = Mode::License;
        } else {
            shell.after_banner(&mut out);
        }
        (shell, out.into_bytes())
    }

    /// The rest of the banner (`Press F1 for help`), pending critical lines, then the nag or the prompt.
    fn after_banner(&mut self, out: &mut String) {
        let (_, tail) = self.term.banner_parts();
        let pending = self.term.pending_critical();
        let nag = self.term.needs_password_nag();
        if self.v6 {
            out.push_str(&v6_lines(&tail));
            out.push_str("\r\x1b[9999B\r\x1b[9999B");
            out.push_str(&crlf(&pending));
        } else {
            out.push_str(&crlf(&tail));
            out.push_str("\r\x1b[9999B\r\x1b[9999B");
            out.push_str(&crlf(&pending));
            out.push_str("\r\n");
        }
        self.mode = if nag {
            if self.v6 {
                // 6.49.13: the nag line, the VT100 probes, then the prompt painted twice and cleared.
                out.push_str("\r\nChange your password\r\n\x1bZ  \x1b[6n");
                out.push_str(NAG_LEAD);
                out.push_str(NAG_PROMPT);
                out.push('\r');
                out.push_str(NAG_PROMPT);
                out.push_str("\x1b[K");
            } else {
                out.push_str("\r\n\r\n");
                out.push_str(nag_line(&self.term.version()));
                out.push_str("\r\n");
                out.push_str(NAG_LEAD);
                out.push_str(NAG_PROMPT);
                out.push('\r');
                out.push_str(NAG_PROMPT);
            }
            Mode::NagNew
        } else {
            out.push_str(PROMPT_LEAD);
            out.push_str(&self.term.prompt());
            Mode::Prompt
        };
    }

    /// The answer to the license question, on Enter: `n` declines, `y` or an empty line (the
    /// capital `Y` is the default) shows the license; anything else asks again (ASSUMPTION).
    fn answer_license(&mut self, answer: &str, out: &mut String) {
        out.push_str("\r\n");
        match answer.trim() {
            "n" | "N" => {}
            "" | "y" | "Y" => out.push_str(&crlf(LICENSE_TEXT)),
            _ => {
                out.push_str(LICENSE_QUESTION);
                self.mode = Mode::License;
                return;
            }
        }
        self.term.license_answered();
        self.after_banner(out);
    }

    /// The Enter that ended the login may still send its LF or NUL: swallow one.
    pub(crate) fn swallow_line_feed(&mut self) {
        self.after_cr = true;
    }

    /// Whether typed characters are echoed as they are.
    fn echoes(&self) -> bool {
        matches!(self.mode, Mode::Prompt | Mode::License)
    }

    /// Whether typed characters are echoed as `*`: the nag's passwords (`new password> ********`
    /// in the 7.17.1 console capture and in two 7.24 console pastes, one `*` per character).
    fn masks(&self) -> bool {
        matches!(self.mode, Mode::NagNew | Mode::NagRepeat { .. })
    }

    /// Whether the session has ended.
    pub(crate) fn is_closed(&self) -> bool {
        matches!(self.mode, Mode::Closed)
    }

    /// The prompt painted after a line is done.
    fn paint_prompt(&self, out: &mut String) {
        out.push_str(PROMPT_LEAD);
        out.push_str(&self.term.prompt());
    }

    /// Writes an asynchronous echo line (`hh:mm:ss echo: topics message`) into the session if it sits at
    /// the prompt; during the nag nothing is shown. Captured form (7.23.2):
    /// `\r<line>ESC[K\r\n\r ESC[9999B<prompt><typed text>`.
    pub(crate) fn echo(&self, line: &str) -> Option<Vec<u8>> {
        if !matches!(self.mode, Mode::Prompt) {
            return None;
        }
        let mut out = String::new();
        out.push('\r');
        out.push_str(line.trim_end_matches(['\r', '\n']));
        out.push_str("\x1b[K\r\n\r\x1b[9999B");
        out.push_str(&self.term.prompt());
        out.push_str(&self.line);
        Some(out.into_bytes())
    }

    /// Feeds bytes typed by the client.
    pub(crate) fn feed(&mut self, input: &[u8]) -> Output {
        let mut out = String::new();
        let mut close = false;
        // Decode as UTF-8 where possible; invalid bytes are dropped.
        let text = String::from_utf8_lossy(input);
        for c in text.chars() {
            if self.is_closed() {
                break;
            }
            if self.after_cr {
                self.after_cr = false;
                if c == '\n' || c == '\0' {
                    continue;
                }
            }
            match self.esc {
                Esc::Started => {
                    self.esc = match c {
                        '[' => Esc::Csi,
                        'O' => Esc::Ss3,
                        _ => Esc::None,
                    };
                    continue;
                }
                Esc::Csi => {
                    if ('\u{40}'..='\u{7e}').contains(&c) {
                        self.esc = Esc::None;
                    }
                    continue;
                }
                Esc::Ss3 => {
                    self.esc = Esc::None;
                    continue;
                }
                Esc::None => {}
            }
            match c {
                '\x1b' => self.esc = Esc::Started,
                '\r' | '\n' => {
                    self.after_cr = c == '\r';
                    if self.enter(&mut out) {
                        close = true;
                    }
                }
                '\x03' => self.ctrl_c(&mut out),
                '\x04' if self.line.is_empty() && matches!(self.mode, Mode::Prompt) => {
                    out.push_str("\r\n");
                    self.mode = Mode::Closed;
                    close = true;
                }
                '\x7f' | '\x08' => {
                    if self.line.pop().is_some() && (self.echoes() || self.masks()) {
                        out.push_str("\x08 \x08");
                    }
                }
                c if c.is_control() || c == '\u{fffd}' => {}
                c => {
                    if self.line.len() >= MAX_LINE {
                        continue;
                    }
                    self.line.push(c);
                    if self.echoes() {
                        out.push(c);
                    } else if self.masks() {
                        out.push('*');
                    }
                }
            }
        }
        Output {
            bytes: out.into_bytes(),
            close,
        }
    }

    fn ctrl_c(&mut self, out: &mut String) {
        match self.mode {
            Mode::NagNew | Mode::NagRepeat { .. } => {
                // Skips the nag: the prompt follows (7.23.2 and 6.49.13 captures).
                self.line.clear();
                self.mode = Mode::Prompt;
                out.push_str("\r\n");
                self.paint_prompt(out);
            }
            Mode::Prompt => {
                self.line.clear();
                out.push_str("\r\n");
                self.paint_prompt(out);
            }
            // UNVERIFIED: Ctrl-C abandons the answer typed so far; the question stays.
            Mode::License => {
                self.line.clear();
                out.push_str("\r\n");
                out.push_str(LICENSE_QUESTION);
            }
            Mode::Closed => {}
        }
    }

    /// Handles Enter; returns true when the session ends.
    fn enter(&mut self, out: &mut String) -> bool {
        let line = std::mem::take(&mut self.line);
        match std::mem::replace(&mut self.mode, Mode::Prompt) {
            Mode::License => {
                self.answer_license(&line, out);
                false
            }
            Mode::NagNew => {
                out.push_str("\r\n");
                out.push_str(NAG_LEAD);
                out.push_str(NAG_REPEAT);
                self.mode = Mode::NagRepeat { first: line };
                false
            }
            Mode::NagRepeat { first } => {
                out.push_str("\r\n");
                if first != line {
                    // UNVERIFIED wording (third-party report), then the nag starts over.
                    out.push_str("Try again, error: New passwords do not match!\r\n");
                    out.push_str(NAG_LEAD);
                    out.push_str(NAG_PROMPT);
                    self.mode = Mode::NagNew;
                    return false;
                }
                match self.term.set_password(&line) {
                    Ok(()) => {
                        // An empty line first (console_v7.17.1_03 and a 7.24.5 console paste).
                        out.push_str("\r\nPassword changed\r\n");
                        self.paint_prompt(out);
                    }
                    Err(message) => {
                        out.push_str(&crlf(message.trim_end_matches('\n')));
                        out.push_str("\r\n");
                        out.push_str(NAG_LEAD);
                        out.push_str(NAG_PROMPT);
                        self.mode = Mode::NagNew;
                    }
                }
                false
            }
            Mode::Prompt => {
                out.push_str("\r\n");
                let trimmed = line.trim();
                if trimmed == "/quit" || trimmed == "quit" {
                    self.mode = Mode::Closed;
                    return true;
                }
                if !trimmed.is_empty() {
                    let result = blocking(|| self.term.execute(&line));
                    out.push_str(&crlf(&result));
                }
                self.paint_prompt(out);
                false
            }
            Mode::Closed => {
                self.mode = Mode::Closed;
                true
            }
        }
    }
}

/// The shell of a terminal login (telnet, the console) and its first bytes: the `+flags` of the
/// login name set colours and width (else `width`, else 80), the CR LF of the Enter that ended
/// the password comes first, and a LF or NUL still following that Enter is swallowed.
pub(crate) fn after_login(
    router: &Router,
    session: &Session,
    user: &str,
    width: Option<u16>,
    ask_license: bool,
) -> (Shell, Vec<u8>) {
    let flags = login_flags(user);
    let term = router.terminal(
        session,
        TerminalOpts {
            interactive: true,
            colors: flags.colors,
            width: flags.width.or(width).unwrap_or(80),
        },
    );
    let (mut shell, first) = Shell::start(term, router.version().is_v6(), ask_license);
    shell.swallow_line_feed();
    let mut out = b"\r\n".to_vec();
    out.extend_from_slice(&first);
    (shell, out)
}

/// Terminal options given after `+` in a login name (`admin+ct80w`): colours off with `c`, width with `<n>w`.
pub(crate) struct LoginFlags {
    pub colors: bool,
    pub width: Option<u16>,
}

/// Parses the `+flags` part of a login name; the model strips it itself for the user lookup.
pub(crate) fn login_flags(name: &str) -> LoginFlags {
    let mut flags = LoginFlags {
        colors: true,
        width: None,
    };
    let Some((_, opts)) = name.rsplit_once('+') else {
        return flags;
    };
    let mut number = String::new();
    for c in opts.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        match c {
            'c' => flags.colors = false,
            'w' => flags.width = number.parse().ok(),
            _ => {}
        }
        number.clear();
    }
    flags
}

/// Runs a command line (which may take long) on a runtime worker without stalling the worker's
/// other tasks: a multi-threaded runtime moves them elsewhere meanwhile (`block_in_place`); a
/// current-thread runtime has nowhere to move them, and runs it as it is.
pub(crate) fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_is_idempotent() {
        assert_eq!(crlf("a\nb\r\nc"), "a\r\nb\r\nc");
    }

    #[test]
    fn v6_banner_lines_get_a_leading_cr() {
        assert_eq!(v6_lines("\n  MMM\n"), "\r\r\n\r  MMM\r\n");
    }

    #[test]
    fn parses_login_flags() {
        let f = login_flags("admin+ct511w4098h");
        assert!(!f.colors);
        assert_eq!(f.width, Some(511));
        let f = login_flags("admin");
        assert!(f.colors);
        assert_eq!(f.width, None);
    }
}
