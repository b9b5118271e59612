//! Logins as the log records them: the `via` words and the message texts (FACTS §4.1).
//!
//! The simulator writes these lines and the harness looks for them, so both use this module.
//!
//! ```
//! use routeros::login::{Via, failure_message};
//! let from = "192.0.2.66".parse().ok();
//! assert_eq!(
//!     failure_message("admin", from, Via::RestApi),
//!     "login failure for user admin from 192.0.2.66 via rest-api"
//! );
//! ```

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// Topics of a failed-login line.
pub const FAILURE_TOPICS: &str = "system,error,critical";
/// Topics of a logged-in / logged-out line.
pub const ACCOUNT_TOPICS: &str = "system,info,account";

/// How a login arrived, as the word after `via` in log lines and `/user active`.
///
/// Words seen in captures: `ssh telnet winbox web api rest-api mac-telnet local` [R§2.3];
/// `ftp` is UNVERIFIED (FACTS §11.3) and kept because `/user active` lists it [DOC user.md].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Via {
    /// `ssh`.
    Ssh,
    /// `telnet`.
    Telnet,
    /// `ftp` (UNVERIFIED in a log line).
    Ftp,
    /// `web`: WebFig over www or www-ssl.
    Web,
    /// `rest-api`: REST over www or www-ssl.
    RestApi,
    /// `api`: the binary API, plain or TLS.
    Api,
    /// `winbox`.
    Winbox,
    /// `mac-telnet`.
    MacTelnet,
    /// `local`: the serial console (logged without an address).
    Local,
}

const WORDS: [(Via, &str); 9] = [
    (Via::Ssh, "ssh"),
    (Via::Telnet, "telnet"),
    (Via::Ftp, "ftp"),
    (Via::Web, "web"),
    (Via::RestApi, "rest-api"),
    (Via::Api, "api"),
    (Via::Winbox, "winbox"),
    (Via::MacTelnet, "mac-telnet"),
    (Via::Local, "local"),
];

impl Via {
    /// Every `via` word's value.
    pub const ALL: [Via; 9] = {
        let mut all = [Via::Local; 9];
        let mut i = 0;
        while i < WORDS.len() {
            all[i] = WORDS[i].0;
            i += 1;
        }
        all
    };

    /// The word RouterOS writes after `via`.
    pub fn as_str(self) -> &'static str {
        WORDS
            .iter()
            .find(|(v, _)| *v == self)
            .map_or("local", |(_, w)| w)
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A word that is not a known `via` word.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown login method `{0}`")]
pub struct UnknownVia(pub String);

impl FromStr for Via {
    type Err = UnknownVia;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WORDS
            .iter()
            .find(|(_, w)| *w == s)
            .map(|(v, _)| *v)
            .ok_or_else(|| UnknownVia(s.to_string()))
    }
}

/// `login failure for user <name> [from <addr>] via <via>` (an empty name leaves two spaces).
pub fn failure_message(user: &str, from: Option<IpAddr>, via: Via) -> String {
    match from {
        Some(ip) => format!("login failure for user {user} from {ip} via {via}"),
        None => format!("login failure for user {user} via {via}"),
    }
}

/// Whether a session started or ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `logged in`.
    In,
    /// `logged out`.
    Out,
}

/// `user <name> logged in|out [from <addr>] via <via>`.
pub fn account_message(user: &str, direction: Direction, from: Option<IpAddr>, via: Via) -> String {
    let dir = match direction {
        Direction::In => "in",
        Direction::Out => "out",
    };
    match from {
        Some(ip) => format!("user {user} logged {dir} from {ip} via {via}"),
        None => format!("user {user} logged {dir} via {via}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_and_messages_match_the_captures() {
        for v in Via::ALL {
            assert_eq!(v.as_str().parse::<Via>(), Ok(v));
        }
        assert_eq!(
            failure_message("admin", None, Via::Local),
            "login failure for user admin via local"
        );
        assert_eq!(
            failure_message("", "192.0.2.66".parse().ok(), Via::Ssh),
            "login failure for user  from 192.0.2.66 via ssh"
        );
        assert_eq!(
            account_message(
                "admin",
                Direction::In,
                "10.1.101.212".parse().ok(),
                Via::Winbox
            ),
            "user admin logged in from 10.1.101.212 via winbox"
        );
        assert_eq!(
            account_message("admin", Direction::Out, None, Via::Api),
            "user admin logged out via api"
        );
    }
}
