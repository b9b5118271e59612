//! The router's serial console, as QEMU serves it on the lab's `console.sock`.
//!
//! Everything the router prints is kept (a transcript, also appended to `console.log` in the
//! run directory for a failed boot's diagnosis); [`Console::expect`] waits for one of several
//! texts to appear after what an earlier `expect` consumed. What the harness *types* is never
//! recorded, so a password sent at the nag does not reach the log (the router echoes `*`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

/// What went wrong on the console.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The socket could not be opened or broke.
    #[error("console {path}: {source}")]
    Io {
        /// The socket's path.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// None of the texts appeared in time.
    #[error("the console did not show {wanted} within {waited:?}; it last showed: {tail}")]
    Timeout {
        /// What was awaited.
        wanted: String,
        /// How long.
        waited: Duration,
        /// The end of the transcript, escaped.
        tail: String,
    },
    /// The machine went away (QEMU closed the console).
    #[error("the console closed while waiting for {wanted}; it last showed: {tail}")]
    Closed {
        /// What was awaited.
        wanted: String,
        /// The end of the transcript, escaped.
        tail: String,
    },
}

/// A connected serial console.
pub struct Console {
    path: String,
    stream: UnixStream,
    transcript: Vec<u8>,
    consumed: usize,
    log: Option<PathBuf>,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console")
            .field("path", &self.path)
            .field("bytes", &self.transcript.len())
            .finish()
    }
}

impl Console {
    /// Connects to the console socket; `log` receives a copy of what the router prints.
    pub async fn connect(path: &Path, log: Option<PathBuf>) -> Result<Console, ConsoleError> {
        let stream = UnixStream::connect(path)
            .await
            .map_err(|source| ConsoleError::Io {
                path: path.display().to_string(),
                source,
            })?;
        Ok(Console {
            path: path.display().to_string(),
            stream,
            transcript: Vec::new(),
            consumed: 0,
            log,
        })
    }

    /// Everything the router printed so far.
    pub fn transcript(&self) -> &[u8] {
        &self.transcript
    }

    /// The last `n` bytes of the transcript, with control characters escaped.
    pub fn tail(&self, n: usize) -> String {
        let start = self.transcript.len().saturating_sub(n);
        crate::printable::escape(&String::from_utf8_lossy(&self.transcript[start..])).into_owned()
    }

    /// Types `bytes`.
    pub async fn send(&mut self, bytes: &[u8]) -> Result<(), ConsoleError> {
        self.stream
            .write_all(bytes)
            .await
            .map_err(|source| ConsoleError::Io {
                path: self.path.clone(),
                source,
            })
    }

    /// Waits until one of `texts` appears in what the router printed after the last match;
    /// returns its index and consumes the transcript up to the end of the match.
    pub async fn expect(
        &mut self,
        texts: &[&str],
        deadline: Duration,
    ) -> Result<usize, ConsoleError> {
        let wanted = || {
            texts
                .iter()
                .map(|t| format!("`{}`", crate::printable::escape(t)))
                .collect::<Vec<_>>()
                .join(" or ")
        };
        let until = tokio::time::Instant::now() + deadline;
        loop {
            if let Some((index, end)) = find_first(&self.transcript[self.consumed..], texts) {
                self.consumed += end;
                return Ok(index);
            }
            let mut buf = [0u8; 4096];
            match tokio::time::timeout_at(until, self.stream.read(&mut buf)).await {
                Err(_) => {
                    return Err(ConsoleError::Timeout {
                        wanted: wanted(),
                        waited: deadline,
                        tail: self.tail(300),
                    });
                }
                Ok(Ok(0)) => {
                    return Err(ConsoleError::Closed {
                        wanted: wanted(),
                        tail: self.tail(300),
                    });
                }
                Ok(Ok(n)) => {
                    self.record(&buf[..n]);
                }
                Ok(Err(source)) => {
                    return Err(ConsoleError::Io {
                        path: self.path.clone(),
                        source,
                    });
                }
            }
        }
    }

    /// Reads what arrives within `quiet` of the last byte (at most `limit`): for a prompt that
    /// is painted more than once.
    pub async fn drain(&mut self, quiet: Duration, limit: Duration) {
        let until = tokio::time::Instant::now() + limit;
        loop {
            let mut buf = [0u8; 4096];
            let next = tokio::time::Instant::now() + quiet;
            match tokio::time::timeout_at(next.min(until), self.stream.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => self.record(&buf[..n]),
                _ => break,
            }
        }
        self.consumed = self.transcript.len();
    }

    fn record(&mut self, bytes: &[u8]) {
        self.transcript.extend_from_slice(bytes);
        if let Some(log) = &self.log {
            use std::io::Write;
            if let Ok(mut f) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
            {
                let _ = f.write_all(bytes);
            }
        }
    }
}

/// The first of `texts` to end in `hay` (earliest end wins), as (index, end offset).
pub fn find_first(hay: &[u8], texts: &[&str]) -> Option<(usize, usize)> {
    texts
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            let t = t.as_bytes();
            hay.windows(t.len().max(1))
                .position(|w| w == t)
                .map(|p| (i, p + t.len()))
        })
        .min_by_key(|&(_, end)| end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_match_wins() {
        let hay = b"MikroTik 7.17.1 (stable)\r\n   MikroTik Login: ";
        assert_eq!(
            find_first(hay, &["Password: ", "Login: "]),
            Some((1, hay.len()))
        );
        assert_eq!(
            find_first(b"a Login: b Password: ", &["Password: ", "Login: "]),
            Some((1, 9))
        );
        assert_eq!(find_first(b"nothing", &["Login: "]), None);
    }
}
