//! Binary API (`api` 8728, `api-ssl` 8729 over TLS): sentence framing with `routeros::api`, `/login`,
//! `/quit`, `/cancel` and `.tag` handled here, every other command answered by `Router::api`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use routeros::api::{Decoder, encode_sentence};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tracing::debug;

use crate::router::{Router, Session, Via};
use crate::server::Shared;

/// Longest word accepted; longer ones end the connection with `!fatal`.
pub(crate) const MAX_WORD: usize = 1024 * 1024;
/// Most bytes one sentence may take; a longer one ends the connection with `!fatal`.
pub(crate) const MAX_SENTENCE: usize = 8 * 1024 * 1024;
/// Idle time of a logged-in connection (before login: [`Router::login_deadline`] from the
/// connection's start, however slowly the client sends).
const SESSION_IDLE: Duration = Duration::from_secs(600);
const TLS_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) const LOGIN_FAILED: &str = "=message=invalid user name or password (6)";

/// The API conversation (sans-IO): one decoded sentence in, reply sentences out.
pub(crate) struct Conversation {
    peer: SocketAddr,
    via: Via,
    session: Option<Session>,
}

/// Reply to one sentence.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Reply {
    pub sentences: Vec<Vec<String>>,
    /// Close the connection after writing.
    pub close: bool,
}

fn fatal(reason: &str) -> Reply {
    Reply {
        sentences: vec![vec!["!fatal".into(), reason.into()]],
        close: true,
    }
}

/// Adds `.tag=` right after the reply word, as RouterOS does.
fn tagged(mut sentence: Vec<String>, tag: Option<&str>) -> Vec<String> {
    if let Some(tag) = tag {
        let at = usize::from(!sentence.is_empty());
        sentence.insert(at, format!(".tag={tag}"));
    }
    sentence
}

fn attribute<'a>(words: &'a [String], name: &str) -> Option<&'a str> {
    words.iter().find_map(|w| {
        w.strip_prefix('=')
            .and_then(|rest| rest.strip_prefix(name))
            .and_then(|rest| rest.strip_prefix('='))
    })
}

impl Conversation {
    pub(crate) fn new(peer: SocketAddr, via: Via) -> Conversation {
        Conversation {
            peer,
            via,
            session: None,
        }
    }

    /// The logged-in session, if any.
    pub(crate) fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    pub(crate) fn sentence(&mut self, router: &Router, words: Vec<String>) -> Reply {
        let Some(command) = words.first().cloned() else {
            // Empty sentences are ignored.
            return Reply::default();
        };
        let tag = words
            .iter()
            .find_map(|w| w.strip_prefix(".tag="))
            .map(str::to_string);
        let tag = tag.as_deref();
        let rest: Vec<String> = words
            .into_iter()
            .filter(|w| !w.starts_with(".tag="))
            .collect();
        match command.as_str() {
            "/login" => {
                let name = attribute(&rest, "name").unwrap_or("");
                let password = attribute(&rest, "password").unwrap_or("");
                if let Some(old) = self.session.take() {
                    router.logout(&old);
                }
                match router.login(name, password, self.via, Some(self.peer.ip())) {
                    Ok(session) => {
                        self.session = Some(session);
                        Reply {
                            sentences: vec![tagged(vec!["!done".into()], tag)],
                            close: false,
                        }
                    }
                    Err(_) => Reply {
                        sentences: vec![
                            tagged(vec!["!trap".into(), LOGIN_FAILED.into()], tag),
                            tagged(vec!["!done".into()], tag),
                        ],
                        close: false,
                    },
                }
            }
            _ if self.session.is_none() => fatal("not logged in"),
            "/quit" => fatal("session terminated on request"),
            "/cancel" => Reply {
                // Commands complete before their reply is sent, so nothing is left to cancel.
                sentences: vec![tagged(vec!["!done".into()], tag)],
                close: false,
            },
            _ => {
                let Some(session) = self.session.as_ref() else {
                    return fatal("not logged in");
                };
                let replies = router.api(session, &rest);
                let close = replies
                    .iter()
                    .any(|s| s.first().map(String::as_str) == Some("!fatal"));
                Reply {
                    sentences: replies.into_iter().map(|s| tagged(s, tag)).collect(),
                    close,
                }
            }
        }
    }

    pub(crate) fn finish(&mut self, router: &Router) {
        if let Some(session) = self.session.take() {
            router.logout(&session);
        }
    }
}

pub(crate) async fn serve(stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>, tls: bool) {
    let via = if tls { Via::ApiSsl } else { Via::Api };
    let mut conversation = Conversation::new(peer, via);
    let login_by = tokio::time::Instant::now() + shared.router.login_deadline();
    let result = if tls {
        let handshake_by = login_by.min(tokio::time::Instant::now() + TLS_TIMEOUT);
        match tokio::time::timeout_at(handshake_by, shared.tls.accept(stream)).await {
            Ok(Ok(stream)) => run(stream, &shared.router, &mut conversation, login_by).await,
            Ok(Err(e)) => Err(e),
            Err(_) => Ok(()),
        }
    } else {
        run(stream, &shared.router, &mut conversation, login_by).await
    };
    if let Err(e) = result {
        debug!(%peer, error = %e, "api session ended");
    }
    conversation.finish(&shared.router);
}

async fn run<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    router: &Router,
    conversation: &mut Conversation,
    login_by: tokio::time::Instant,
) -> std::io::Result<()> {
    let mut decoder = Decoder::new(MAX_WORD);
    let mut buf = vec![0u8; 16 * 1024];
    // Bytes of the sentence being received (words already decoded plus bytes buffered).
    let mut pending = 0usize;
    loop {
        // Answer every complete sentence already buffered.
        loop {
            match decoder.next_sentence() {
                Ok(Some(words)) => {
                    pending = decoder.buffered();
                    let reply = conversation.sentence(router, words);
                    write_reply(&mut stream, &reply).await?;
                    if reply.close {
                        let _ = stream.shutdown().await;
                        return Ok(());
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    debug!(error = %e, "bad api sentence");
                    // Not a valid sentence: the same `!fatal` the router gives before login (FACTS §7).
                    write_reply(&mut stream, &fatal(malformed(conversation))).await?;
                    let _ = stream.shutdown().await;
                    return Ok(());
                }
            }
        }
        let until = if conversation.session().is_some() {
            tokio::time::Instant::now() + SESSION_IDLE
        } else {
            login_by
        };
        let n = match tokio::time::timeout_at(until, stream.read(&mut buf)).await {
            Ok(read) => read?,
            Err(_) => return Ok(()),
        };
        if n == 0 {
            return Ok(());
        }
        pending += n;
        if pending > MAX_SENTENCE {
            debug!(bytes = pending, "api sentence too long");
            write_reply(&mut stream, &fatal(malformed(conversation))).await?;
            let _ = stream.shutdown().await;
            return Ok(());
        }
        decoder.feed(&buf[..n]);
    }
}

/// The `!fatal` reason for a stream that is not a valid sentence: before login the router's
/// `not logged in` (FACTS §7); after login the wording is UNVERIFIED.
fn malformed(conversation: &Conversation) -> &'static str {
    if conversation.session().is_none() {
        "not logged in"
    } else {
        "malformed sentence"
    }
}

async fn write_reply<S: AsyncWrite + Unpin>(stream: &mut S, reply: &Reply) -> std::io::Result<()> {
    let mut bytes = Vec::new();
    for sentence in &reply.sentences {
        bytes.extend_from_slice(&encode_sentence(sentence));
    }
    if !bytes.is_empty() {
        stream.write_all(&bytes).await?;
        stream.flush().await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_goes_after_the_reply_word() {
        assert_eq!(
            tagged(vec!["!re".into(), "=a=b".into()], Some("7")),
            vec!["!re".to_string(), ".tag=7".into(), "=a=b".into()]
        );
    }

    #[test]
    fn reads_attributes() {
        let w = vec![
            "/login".to_string(),
            "=name=admin".into(),
            "=password=a=b".into(),
        ];
        assert_eq!(attribute(&w, "name"), Some("admin"));
        assert_eq!(attribute(&w, "password"), Some("a=b"));
        assert_eq!(attribute(&w, "missing"), None);
    }
}
