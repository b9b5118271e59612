//! A small client of QEMU's machine protocol (QMP): JSON lines over the lab's `qmp.sock`.
//!
//! Only what the lab needs: the greeting and capabilities handshake, `execute`, and HMP commands
//! through `human-monitor-command` (`savevm`/`loadvm`, which QMP itself lacks in QEMU 7.2).
//! Asynchronous events (`{"event": …}`) are logged and skipped while a reply is awaited.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};

/// What went wrong talking to QEMU's monitor.
#[derive(Debug, thiserror::Error)]
pub enum QmpError {
    /// The socket could not be opened or broke.
    #[error("QMP socket {path}: {source}")]
    Io {
        /// The socket's path.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// QEMU answered something that is not QMP.
    #[error("QMP: unexpected answer: {0}")]
    Protocol(String),
    /// QEMU refused the command.
    #[error("QMP `{command}` failed: {class}: {desc}")]
    Command {
        /// The command.
        command: String,
        /// QEMU's error class.
        class: String,
        /// QEMU's description.
        desc: String,
    },
    /// No answer in time.
    #[error("QMP `{0}`: no answer in time")]
    Timeout(String),
}

/// What one QMP message says about the command awaited: `None` for an asynchronous event
/// (logged and skipped), else its `return` value or its `error`.
pub fn reply(command: &str, message: &Value) -> Option<Result<Value, QmpError>> {
    if let Some(event) = message.get("event") {
        tracing::debug!(%event, "QMP event");
        return None;
    }
    if let Some(ret) = message.get("return") {
        return Some(Ok(ret.clone()));
    }
    if let Some(error) = message.get("error") {
        let field = |k: &str| {
            error
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        return Some(Err(QmpError::Command {
            command: command.to_string(),
            class: field("class"),
            desc: field("desc"),
        }));
    }
    Some(Err(QmpError::Protocol(message.to_string())))
}

/// A connected, negotiated QMP session.
pub struct Qmp {
    path: String,
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl std::fmt::Debug for Qmp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Qmp").field("path", &self.path).finish()
    }
}

impl Qmp {
    /// Connects to `path`, reads the greeting and enters command mode.
    pub async fn connect(path: &Path, timeout: Duration) -> Result<Qmp, QmpError> {
        let name = path.display().to_string();
        let io = |source| QmpError::Io {
            path: name.clone(),
            source,
        };
        let stream = UnixStream::connect(path).await.map_err(io)?;
        let (read, writer) = stream.into_split();
        let mut qmp = Qmp {
            path: name.clone(),
            reader: BufReader::new(read),
            writer,
        };
        let greeting = tokio::time::timeout(timeout, qmp.read_message())
            .await
            .map_err(|_| QmpError::Timeout("greeting".into()))??;
        if greeting.get("QMP").is_none() {
            return Err(QmpError::Protocol(format!("greeting {greeting}")));
        }
        qmp.execute("qmp_capabilities", None, timeout).await?;
        Ok(qmp)
    }

    async fn read_message(&mut self) -> Result<Value, QmpError> {
        let mut line = String::new();
        let n = self
            .reader
            .read_line(&mut line)
            .await
            .map_err(|source| QmpError::Io {
                path: self.path.clone(),
                source,
            })?;
        if n == 0 {
            return Err(QmpError::Io {
                path: self.path.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "QEMU closed the monitor",
                ),
            });
        }
        serde_json::from_str(&line).map_err(|e| QmpError::Protocol(format!("{e}: {line:?}")))
    }

    /// Runs one command and returns its `return` value.
    pub async fn execute(
        &mut self,
        command: &str,
        arguments: Option<Value>,
        timeout: Duration,
    ) -> Result<Value, QmpError> {
        let mut request = json!({ "execute": command });
        if let Some(args) = arguments {
            request["arguments"] = args;
        }
        let mut text = request.to_string();
        text.push('\n');
        self.writer
            .write_all(text.as_bytes())
            .await
            .map_err(|source| QmpError::Io {
                path: self.path.clone(),
                source,
            })?;
        let answer = async {
            loop {
                let message = self.read_message().await?;
                if let Some(reply) = reply(command, &message) {
                    return reply;
                }
            }
        };
        tokio::time::timeout(timeout, answer)
            .await
            .map_err(|_| QmpError::Timeout(command.to_string()))?
    }

    /// Runs a human-monitor command (e.g. `savevm fresh`); HMP reports failures as text, which
    /// is returned as an error when it is not empty.
    pub async fn hmp(&mut self, command_line: &str, timeout: Duration) -> Result<(), QmpError> {
        let out = self
            .execute(
                "human-monitor-command",
                Some(json!({ "command-line": command_line })),
                timeout,
            )
            .await?;
        let text = out.as_str().unwrap_or("").trim();
        if text.is_empty() {
            Ok(())
        } else {
            Err(QmpError::Command {
                command: command_line.to_string(),
                class: "HMP".into(),
                desc: text.to_string(),
            })
        }
    }

    /// The run state (`running`, `paused`, `prelaunch`, `inmigrate`, …).
    pub async fn status(&mut self, timeout: Duration) -> Result<String, QmpError> {
        let v = self.execute("query-status", None, timeout).await?;
        Ok(v.get("status")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string())
    }
}
