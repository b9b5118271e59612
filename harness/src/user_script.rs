//! `chrlab check --apply FILE.rsc`: the user's own hardening script instead of one rendered from
//! the profile. The file is checked before any router is touched ([`UserScript::load`]), uploaded
//! the way RouterOS takes files (FTP, when the router's ftp service is open), run with
//! `/import file-name=… verbose=yes` over SSH, and the router's import error is reported against
//! the user's file (`FILE:LINE: message`). The administrator and the ports the script sets are
//! followed as generated steps' are: the new login is proved before it is relied on.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::access::Credentials;
use crate::client::ClientError;
use crate::lab::{Lab, Role};
use crate::operator::{LoginAttempt, LoginService, Operator};
use crate::profile::Profile;
use routeros::cli::IMPORT_DONE;

/// The environment variable that holds the password of the administrator the script creates
/// (`--apply-admin USER`); never a command-line argument.
pub const APPLY_PASSWORD_ENV: &str = "CHRLAB_APPLY_PASSWORD";

/// How long one FTP exchange may take.
const FTP_WAIT: Duration = Duration::from_secs(20);

/// The user's script, read and checked.
#[derive(Debug, Clone)]
pub struct UserScript {
    /// The file as the user named it (for messages: `FILE:LINE`).
    pub path: PathBuf,
    /// The name it gets in the router's file store.
    pub name: String,
    /// Its text.
    pub text: String,
}

/// Why the user's script could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum UserScriptError {
    /// The file cannot be read.
    #[error("read the script {}", .path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not UTF-8 text (RouterOS scripts are text).
    #[error("{}:{line}: the script is not UTF-8 text", .path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// The first line with a byte that is not UTF-8.
        line: usize,
    },
    /// No way to put the file on the router is open.
    #[error(
        "upload the script: no upload path is open on the router: tried ftp on {addr} ({why}); enable /ip service ftp for the upload (chrlab does not upload over SFTP or SCP)"
    )]
    NoUploadPath {
        /// Where ftp was tried.
        addr: SocketAddr,
        /// What happened.
        why: String,
    },
    /// The FTP upload started but failed.
    #[error("upload the script as {name} over ftp to {addr}: {why}")]
    Upload {
        /// The file's name on the router.
        name: String,
        /// The ftp service.
        addr: SocketAddr,
        /// The server's reply or the socket error.
        why: String,
    },
    /// The import stopped at an error the router placed in the file.
    #[error("{}:{line}: {message}", .path.display())]
    Import {
        /// The user's file.
        path: PathBuf,
        /// The line of the user's file.
        line: usize,
        /// The router's message, without its `(line … column …)`.
        message: String,
    },
    /// The import failed without saying where.
    #[error("{}: the import failed: {message}", .path.display())]
    ImportFailed {
        /// The user's file.
        path: PathBuf,
        /// What the router printed last.
        message: String,
    },
    /// The import could not be sent.
    #[error("send /import of {}", .path.display())]
    Send {
        /// The user's file.
        path: PathBuf,
        /// The client's error.
        #[source]
        source: ClientError,
    },
    /// After the import, what the script was said to set does not hold.
    #[error("after {}: {what}", .path.display())]
    After {
        /// The user's file.
        path: PathBuf,
        /// What does not hold.
        what: String,
    },
}

impl UserScriptError {
    /// Whether the user must fix the input (the file itself), nothing having been sent.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            UserScriptError::Unreadable { .. } | UserScriptError::NotUtf8 { .. }
        )
    }
}

impl UserScript {
    /// Reads `path` and checks it is UTF-8 text.
    pub fn load(path: &Path) -> Result<UserScript, UserScriptError> {
        let bytes = std::fs::read(path).map_err(|source| UserScriptError::Unreadable {
            path: path.to_path_buf(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            UserScriptError::NotUtf8 {
                path: path.to_path_buf(),
                line: good.iter().filter(|b| **b == b'\n').count() + 1,
            }
        })?;
        let base = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let clean: String = base
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let name = if clean.ends_with(".rsc") {
            clean
        } else {
            format!("{clean}.rsc")
        };
        Ok(UserScript {
            path: path.to_path_buf(),
            name,
            text,
        })
    }

    /// What `/import` printed, judged: done, or the error at its line of this file.
    pub fn judge_import(&self, output: &str) -> Result<(), UserScriptError> {
        if output.lines().any(|l| l.trim_end() == IMPORT_DONE) {
            return Ok(());
        }
        let last = output
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("(nothing)")
            .trim_end();
        match placed(last) {
            Some((message, line)) => Err(UserScriptError::Import {
                path: self.path.clone(),
                line,
                message,
            }),
            None => Err(UserScriptError::ImportFailed {
                path: self.path.clone(),
                message: last.to_string(),
            }),
        }
    }
}

/// `message (line L column C)` → (`message`, L).
fn placed(text: &str) -> Option<(String, usize)> {
    let start = text.rfind(" (line ")?;
    let inner = text[start + 7..].strip_suffix(')')?;
    let line = inner.split(' ').next()?.parse().ok()?;
    Some((text[..start].to_string(), line))
}

/// Failure of an FTP upload: the service could not be reached at all, or it refused.
enum FtpFailure {
    Unreachable(String),
    Refused(String),
}

/// Uploads `contents` as `name` over FTP (passive mode).
async fn ftp_upload(
    addr: SocketAddr,
    creds: Credentials,
    name: String,
    contents: Vec<u8>,
) -> Result<(), FtpFailure> {
    let stream = match tokio::time::timeout(FTP_WAIT, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(FtpFailure::Unreachable(e.to_string())),
        Err(_) => return Err(FtpFailure::Unreachable("no answer".into())),
    };
    let mut ctl = BufReader::new(stream);
    let refused = |e: std::io::Error| FtpFailure::Refused(e.to_string());
    expect(&mut ctl, None, "220").await?;
    expect(&mut ctl, Some(&format!("USER {}", creds.user)), "331").await?;
    expect(
        &mut ctl,
        Some(&format!("PASS {}", creds.password.expose())),
        "230",
    )
    .await
    .map_err(|_| FtpFailure::Refused(format!("login as {} refused", creds.user)))?;
    expect(&mut ctl, Some("TYPE I"), "200").await?;
    let pasv = expect(&mut ctl, Some("PASV"), "227").await?;
    let data_addr = passive_addr(&pasv)
        .ok_or_else(|| FtpFailure::Refused(format!("unreadable PASV reply {pasv:?}")))?;
    let mut data = TcpStream::connect(data_addr).await.map_err(refused)?;
    expect(&mut ctl, Some(&format!("STOR {name}")), "150").await?;
    data.write_all(&contents).await.map_err(refused)?;
    data.shutdown().await.map_err(refused)?;
    drop(data);
    expect(&mut ctl, None, "226").await?;
    let _ = ctl.get_mut().write_all(b"QUIT\r\n").await;
    Ok(())
}

/// Sends `command` (if any) and reads one reply, which must start with `code`.
async fn expect(
    ctl: &mut BufReader<TcpStream>,
    command: Option<&str>,
    code: &str,
) -> Result<String, FtpFailure> {
    if let Some(c) = command {
        ctl.get_mut()
            .write_all(format!("{c}\r\n").as_bytes())
            .await
            .map_err(|e| FtpFailure::Refused(e.to_string()))?;
    }
    let mut line = String::new();
    let read = tokio::time::timeout(FTP_WAIT, (&mut *ctl).take(4096).read_line(&mut line)).await;
    match read {
        Ok(Ok(n)) if n > 0 && line.starts_with(code) => Ok(line.trim_end().to_string()),
        Ok(Ok(_)) => {
            let verb = command
                .and_then(|c| c.split(' ').next())
                .unwrap_or("greeting");
            Err(FtpFailure::Refused(format!(
                "{verb}: the server answered {:?}",
                line.trim_end()
            )))
        }
        Ok(Err(e)) => Err(FtpFailure::Refused(e.to_string())),
        Err(_) => Err(FtpFailure::Refused("no reply in time".into())),
    }
}

/// The address a `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)` reply names.
fn passive_addr(reply: &str) -> Option<SocketAddr> {
    let inner = reply.split(['(', ')']).nth(1)?;
    let n: Vec<u8> = inner
        .split(',')
        .map(|x| x.trim().parse().ok())
        .collect::<Option<_>>()?;
    let [a, b, c, d, p1, p2] = n[..] else {
        return None;
    };
    Some(SocketAddr::from((
        [a, b, c, d],
        u16::from(p1) * 256 + u16::from(p2),
    )))
}

/// Uploads and imports `script` on the lab's router, then follows what it was said to set: the
/// administrator `new_admin` (proved by a login before it is used) and the profile's
/// `services.ports`.
pub async fn apply(
    lab: &dyn Lab,
    profile: &Profile,
    script: &UserScript,
    new_admin: Option<Credentials>,
) -> Result<(), UserScriptError> {
    let after = |what: String| UserScriptError::After {
        path: script.path.clone(),
        what,
    };
    let op = Operator::new(lab);
    let creds = lab.access().credentials();
    let addr = lab.access().endpoint("ftp");
    let vantage = lab
        .vantage(Role::Trusted)
        .ok_or_else(|| after("the lab has no trusted vantage".into()))?;
    let (c, n, t) = (
        creds.clone(),
        script.name.clone(),
        script.text.clone().into_bytes(),
    );
    tracing::info!(file = %script.path.display(), %addr, "uploading the script over ftp");
    match vantage
        .run(move || async move { ftp_upload(addr, c, n, t).await })
        .await
    {
        Ok(()) => {}
        Err(FtpFailure::Unreachable(why)) => {
            return Err(UserScriptError::NoUploadPath { addr, why });
        }
        Err(FtpFailure::Refused(why)) => {
            return Err(UserScriptError::Upload {
                name: script.name.clone(),
                addr,
                why,
            });
        }
    }
    let command = format!("/import file-name={} verbose=yes", script.name);
    tracing::info!(file = %script.path.display(), "{command}");
    let output = op
        .exec_as(Role::Trusted, &creds, &command)
        .await
        .map_err(|source| UserScriptError::Send {
            path: script.path.clone(),
            source,
        })?;
    script.judge_import(&output)?;
    for (service, port) in &profile.services.ports {
        lab.access().set_port(service.as_str(), *port);
    }
    if !profile.services.ports.is_empty() {
        crate::apply::wait_for_ssh(lab, "apply.user-script")
            .await
            .map_err(|e| after(e.to_string()))?;
    }
    if let Some(admin) = new_admin {
        match op
            .try_login(
                Role::Trusted,
                LoginService::Ssh,
                &admin.user,
                admin.password.expose(),
            )
            .await
        {
            LoginAttempt::Accepted => lab.access().set_credentials(admin),
            other => {
                return Err(after(format!(
                    "the administrator `{}` (--apply-admin) cannot log in over ssh: {other:?}",
                    admin.user
                )));
            }
        }
    }
    lab.settle().await.map_err(|e| after(e.to_string()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script() -> UserScript {
        UserScript {
            path: "my-hardening.rsc".into(),
            name: "my-hardening.rsc".into(),
            text: String::new(),
        }
    }

    #[test]
    fn a_finished_import_passes() {
        let out = format!("some output\n{IMPORT_DONE}\n");
        assert!(script().judge_import(&out).is_ok());
    }

    #[test]
    fn an_import_error_names_the_users_file_and_line() {
        let e = script()
            .judge_import("expected end of command (line 7 column 12)\n")
            .unwrap_err();
        assert_eq!(e.to_string(), "my-hardening.rsc:7: expected end of command");
        let e = script().judge_import("failure: x\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "my-hardening.rsc: the import failed: failure: x"
        );
    }

    #[test]
    fn passive_replies_parse() {
        assert_eq!(
            passive_addr("227 Entering Passive Mode (10,0,0,1,200,10)."),
            Some("10.0.0.1:51210".parse().unwrap())
        );
        assert_eq!(passive_addr("227 nonsense"), None);
    }

    #[test]
    fn a_file_that_is_not_utf8_is_refused_with_its_line() {
        let dir = std::env::temp_dir().join(format!("chrlab-us-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("bad script.rsc");
        std::fs::write(&p, b"/system identity\nset name=\xff\n").unwrap();
        let e = UserScript::load(&p).unwrap_err();
        assert!(e.is_usage());
        assert!(
            e.to_string()
                .ends_with("bad script.rsc:2: the script is not UTF-8 text")
        );
        std::fs::write(&p, b"/system identity\n").unwrap();
        assert_eq!(UserScript::load(&p).unwrap().name, "bad_script.rsc");
        std::fs::remove_dir_all(&dir).ok();
    }
}
