//! First boot over the serial console, as a CHR does it (FACTS §3, the 7.17.1 console captures):
//!
//! 1. `MikroTik Login: ` (`RouterOS Login: ` on some versions: any `Login: ` is taken) → the user
//!    with the `+ct` flags (no colours, no terminal probing), then `Password: ` → the password;
//! 2. on the first console login only, `Do you want to see the software license? [Y/n]: ` → `n`;
//! 3. with an empty password, the nag `new password> ` → the password the lab was asked for
//!    (typed twice), or Ctrl-C to keep the factory's empty one;
//! 4. the prompt `[admin@…] > `; then the lab's commands, one at a time, each followed by a
//!    marker that proves it finished and lets the output in between be read;
//! 5. `/quit`.
//!
//! Nothing is assumed about the password once set: the caller gets the credentials back and
//! every later readiness check uses them.

use std::time::Duration;

use super::console::{Console, ConsoleError};
use crate::secret::Secret;

/// Why the first login failed.
#[derive(Debug, thiserror::Error)]
pub enum FirstBootError {
    /// The console did not behave.
    #[error(transparent)]
    Console(#[from] ConsoleError),
    /// The router refused the user and password.
    #[error(
        "the router refused the console login for `{user}` (a fresh CHR has `admin` with an empty password; give the image's password with --password-env)"
    )]
    Refused {
        /// The user tried.
        user: String,
    },
    /// The password change was refused.
    #[error("the router refused the new password at the first-login nag: {0}")]
    PasswordChange(String),
    /// A configuration command printed an error.
    #[error("console command `{command}` failed: {output}")]
    Command {
        /// The command.
        command: String,
        /// What the router printed.
        output: String,
    },
}

/// The console's texts the dialogue reacts to.
const LOGIN: &str = "Login: ";
const PASSWORD: &str = "Password: ";
const LICENSE: &str = "software license? [Y/n]";
const NAG: &str = "new password> ";
const REPEAT: &str = "repeat new password> ";
const REFUSED: &str = "Login failed";
const PROMPT: &str = "] > ";
const MISMATCH: &str = "Try again";

/// How to log in on the console.
#[derive(Debug, Clone)]
pub struct ConsoleLogin {
    /// The user (a fresh CHR: `admin`).
    pub user: String,
    /// Its current password (a fresh CHR: empty).
    pub password: Secret,
    /// What to answer at the empty-password nag: `None` skips it with Ctrl-C.
    pub new_password: Option<Secret>,
}

/// What the login did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginReport {
    /// The license question was asked (and answered `n`).
    pub license_asked: bool,
    /// The empty-password nag was shown.
    pub nag_shown: bool,
    /// The password was changed at the nag.
    pub password_changed: bool,
}

/// Waits for the login prompt (up to `boot`), logs in, runs `commands` (each must print
/// nothing, as RouterOS does on success) and logs out. `step` bounds each later exchange.
pub async fn first_login(
    console: &mut Console,
    login: &ConsoleLogin,
    commands: &[String],
    boot: Duration,
    step: Duration,
) -> Result<LoginReport, FirstBootError> {
    // A console that was already printing its prompt before we connected shows nothing new:
    // Enter makes RouterOS paint the login prompt again.
    console.send(b"\r").await?;
    console.expect(&[LOGIN], boot).await?;
    console
        .send(format!("{}+ct\r", login.user).as_bytes())
        .await?;
    console.expect(&[PASSWORD], step).await?;
    let mut typed = login.password.expose().as_bytes().to_vec();
    typed.push(b'\r');
    console.send(&typed).await?;

    let mut report = LoginReport {
        license_asked: false,
        nag_shown: false,
        password_changed: false,
    };
    loop {
        // The first console login is slow on a real CHR (≈10 s to the license question).
        let texts: &[&str] = if report.license_asked {
            &[NAG, PROMPT, REFUSED]
        } else {
            &[LICENSE, NAG, PROMPT, REFUSED]
        };
        match texts[console.expect(texts, boot).await?] {
            LICENSE => {
                report.license_asked = true;
                console.send(b"n\r").await?;
            }
            NAG => {
                report.nag_shown = true;
                match &login.new_password {
                    None => {
                        console.send(b"\x03").await?;
                        console.expect(&[PROMPT], step).await?;
                        break;
                    }
                    Some(new) => {
                        let mut line = new.expose().as_bytes().to_vec();
                        line.push(b'\r');
                        console.send(&line).await?;
                        console.expect(&[REPEAT], step).await?;
                        console.send(&line).await?;
                        let texts = [PROMPT, MISMATCH, "rror"];
                        match console.expect(&texts, step).await? {
                            0 => {
                                report.password_changed = true;
                                break;
                            }
                            _ => {
                                return Err(FirstBootError::PasswordChange(console.tail(200)));
                            }
                        }
                    }
                }
            }
            PROMPT => break,
            _ => {
                return Err(FirstBootError::Refused {
                    user: login.user.clone(),
                });
            }
        }
    }
    // The prompt is painted again right after login (captures): let it settle.
    console
        .drain(Duration::from_millis(300), Duration::from_secs(3))
        .await;
    for (n, command) in commands.iter().enumerate() {
        run(console, &login.user, command, n, step).await?;
    }
    console.send(b"/quit\r").await?;
    Ok(report)
}

/// Types one command, then a `:put` marker; what the router printed between the echo of the
/// command and the marker's output is the command's output, which must be empty.
async fn run(
    console: &mut Console,
    user: &str,
    command: &str,
    n: usize,
    step: Duration,
) -> Result<(), FirstBootError> {
    let marker = format!("chrlab-done-{n}");
    console.send(format!("{command}\r").as_bytes()).await?;
    console
        .send(format!(":put \"{marker}\"\r").as_bytes())
        .await?;
    let start = console.transcript().len();
    // The marker's output is on a line of its own; its echo has a quote after it.
    let done = format!("{marker}\r\n");
    console.expect(&[&done], step).await?;
    let seen = String::from_utf8_lossy(&console.transcript()[start..]).into_owned();
    let output = command_output(&seen, user, command, &marker);
    if output.is_empty() {
        Ok(())
    } else {
        Err(FirstBootError::Command {
            command: command.to_string(),
            output: crate::printable::escape(&output).into_owned(),
        })
    }
}

/// What a command printed, from the console text that follows typing it and the marker: every
/// line that is not an echo of either, not a prompt (`[user@identity] > …`, whole or as a
/// fragment of a repaint that a slow guest interleaves with the echo) and not empty.
pub fn command_output(seen: &str, user: &str, command: &str, marker: &str) -> String {
    let prompt = format!("[{user}@");
    seen.split(['\r', '\n'])
        .map(strip_escapes)
        .map(|l| l.trim().to_string())
        .filter(|l| {
            !l.is_empty()
                && !l.starts_with(&prompt)
                // A repaint cut off before the `@` (seen under load: `[admi`).
                && !prompt.starts_with(l.as_str())
                && !l.ends_with(command.trim())
                && !l.contains(&format!(":put \"{marker}\""))
                && l != marker
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A line without ANSI escape sequences (`ESC [ … letter`) and other control bytes.
fn strip_escapes(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            } else {
                chars.next();
            }
        } else if !c.is_control() {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_silent_command_has_no_output() {
        let seen = "/ip address add address=192.0.2.1/24 interface=ether1\r\n\
                    [admin@MikroTik] > :put \"chrlab-done-0\"\r\nchrlab-done-0\r\n";
        assert_eq!(
            command_output(
                seen,
                "admin",
                "/ip address add address=192.0.2.1/24 interface=ether1",
                "chrlab-done-0"
            ),
            ""
        );
    }

    #[test]
    fn a_prompt_repainted_into_the_echo_is_not_output() {
        let seen = "/ip address add address=192.0.2.1/24 interface=ether1\r\n\
                    \r\r\x1b[9999B[admin@CHR\r\n[admin@CHR] > :put \"chrlab-done-0\"\r\nchrlab-done-0\r\n";
        assert_eq!(
            command_output(
                seen,
                "admin",
                "/ip address add address=192.0.2.1/24 interface=ether1",
                "chrlab-done-0"
            ),
            ""
        );
    }

    #[test]
    fn a_prompt_repaint_cut_short_is_not_output() {
        let command = "/ip address add address=192.0.2.1/24 interface=ether1";
        let seen = format!(
            "{command}\r\n\r\r\x1b[9999B[admi\r\n[admin@CHR] > :put \"chrlab-done-0\"\r\nchrlab-done-0\r\n"
        );
        assert_eq!(command_output(&seen, "admin", command, "chrlab-done-0"), "");
    }

    #[test]
    fn an_error_is_output() {
        let seen = "/ip address add address=192.0.2.1/24 interface=ether9\r\n\
                    input does not match any value of interface\r\n\
                    [admin@MikroTik] > \x1b[K:put \"chrlab-done-0\"\r\nchrlab-done-0\r\n";
        assert_eq!(
            command_output(
                seen,
                "admin",
                "/ip address add address=192.0.2.1/24 interface=ether9",
                "chrlab-done-0"
            ),
            "input does not match any value of interface"
        );
    }
}
