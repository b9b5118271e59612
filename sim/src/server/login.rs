//! The terminal login dialogue shared by telnet and the serial console (sans-IO): the user name
//! echoed, `Password: ` not echoed (7.23.2 telnet capture), and the refusal text.

pub(crate) const LOGIN_PROMPT: &str = "Login: ";
pub(crate) const PASSWORD_PROMPT: &str = "Password: ";
pub(crate) const LOGIN_FAILED: &str = "\r\nLogin failed, incorrect username or password\r\n\r\n";

/// The channel word RouterOS names itself with before login (`MikroTik 7.17.1 (stable)` on the
/// console, `MikroTik v6.42.3 (stable)` on old telnet): `testing` for beta/rc versions, `stable`
/// otherwise. The model has no release channel, so `long-term` and `bugfix` (6.40.8) never appear
/// (UNVERIFIED, FIDELITY.md).
pub(crate) fn channel(version: &routeros::version::Version) -> &'static str {
    if matches!(version.pre(), routeros::version::Pre::Release) {
        "stable"
    } else {
        "testing"
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
