//! The interactive terminal session shared by telnet and the SSH shell channel: banner, password nag,
//! prompt, line editing, command execution and the asynchronous echo of critical log lines.
//!
//! Sans-IO: bytes typed by the client go in through [`Shell::feed`], bytes for the client come out.
//! Layout follows the tik4net wire captures of 7.23.2 and 6.49.13 (see FIDELITY.md, "front ends").

use crate::router::Terminal;

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
    NagNew,
    NagRepeat { first: String },
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
    /// (banner, then either the password nag or the prompt).
    pub(crate) fn start(term: Terminal, v6: bool) -> (Shell, Vec<u8>) {
        let nag = term.needs_password_nag();
        let mut out = String::new();
        // The screen is cleared with empty lines first: 26 CR LF on 7.23.2 counting the Enter that ended the
        // password (the telnet front end writes that one), 7 painted `\r\r\n` on 6.49.13.
        let banner = term.banner();
        let pending = term.pending_critical();
        if v6 {
            out.push_str(&v6_lines(&"\n".repeat(V6_CLEAR_LINES)));
            out.push_str(&v6_lines(&banner));
            out.push_str("\r\x1b[9999B\r\x1b[9999B");
            out.push_str(&crlf(&pending));
        } else {
            out.push_str(&"\r\n".repeat(V7_CLEAR_LINES));
            out.push_str(&crlf(&banner));
            out.push_str("\r\x1b[9999B\r\x1b[9999B");
            out.push_str(&crlf(&pending));
            out.push_str("\r\n");
        }
        let mode = if nag {
            if v6 {
                // 6.49.13: the nag line, the VT100 probes, then the prompt painted twice and cleared.
                out.push_str("\r\nChange your password\r\n\x1bZ  \x1b[6n");
                out.push_str(NAG_LEAD);
                out.push_str(NAG_PROMPT);
                out.push('\r');
                out.push_str(NAG_PROMPT);
                out.push_str("\x1b[K");
            } else {
                out.push_str("\r\n\r\nChange your password (Ctrl-C to skip)\r\n");
                out.push_str(NAG_LEAD);
                out.push_str(NAG_PROMPT);
                out.push('\r');
                out.push_str(NAG_PROMPT);
            }
            Mode::NagNew
        } else {
            out.push_str(PROMPT_LEAD);
            out.push_str(&term.prompt());
            Mode::Prompt
        };
        let shell = Shell {
            term,
            mode,
            line: String::new(),
            esc: Esc::None,
            after_cr: false,
        };
        (shell, out.into_bytes())
    }

    /// The Enter that ended the login may still send its LF or NUL: swallow one.
    pub(crate) fn swallow_line_feed(&mut self) {
        self.after_cr = true;
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
                    if self.line.pop().is_some() && matches!(self.mode, Mode::Prompt) {
                        out.push_str("\x08 \x08");
                    }
                }
                c if c.is_control() || c == '\u{fffd}' => {}
                c => {
                    if self.line.len() >= MAX_LINE {
                        continue;
                    }
                    self.line.push(c);
                    if matches!(self.mode, Mode::Prompt) {
                        out.push(c);
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
            Mode::Closed => {}
        }
    }

    /// Handles Enter; returns true when the session ends.
    fn enter(&mut self, out: &mut String) -> bool {
        let line = std::mem::take(&mut self.line);
        match std::mem::replace(&mut self.mode, Mode::Prompt) {
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
                        out.push_str("Password changed\r\n");
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
                    let result = self.term.execute(&line);
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
