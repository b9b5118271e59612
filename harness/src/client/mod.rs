//! Clients that talk to a router the way an operator's tools do: SSH (russh), REST (reqwest) and
//! the binary API (the shared `routeros::api` codec). Each runs wherever it is awaited, so running
//! it inside [`crate::vantage::Vantage::run`] makes its connections leave from that vantage.

pub mod api;
pub mod rest;
pub mod ssh;
pub mod terminal;

use std::net::SocketAddr;

/// Why a client could not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("connect to {addr} timed out after {ms} ms")]
    Timeout { addr: SocketAddr, ms: u128 },
    #[error("connect to {addr}: {source}")]
    Connect {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("{service} login as `{user}` at {addr} was refused")]
    LoginRefused {
        service: &'static str,
        user: String,
        addr: SocketAddr,
    },
    #[error("{service} at {addr}: {detail}")]
    Protocol {
        service: &'static str,
        addr: SocketAddr,
        detail: String,
    },
    #[error("router at {addr} answered `{command}` with an error: {message}")]
    Command {
        addr: SocketAddr,
        command: String,
        message: String,
    },
}

impl ClientError {
    /// True when the router refused the credentials (as opposed to a network failure).
    pub fn is_login_refused(&self) -> bool {
        matches!(self, ClientError::LoginRefused { .. })
    }
}
