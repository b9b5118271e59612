//! `[logging]` of a profile.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// `[logging]`: failed logins must be recorded, kept across reboots, sent to a collector when
/// the profile names one, and stamped by a clock the router keeps right over NTP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoggingPolicy {
    /// Topics of the line a failed login writes (FACTS §4.1: `system,error,critical`).
    pub failed_login_topics: Vec<String>,
    /// Topics of the `/system logging` rule that must exist (each one of `failed_login_topics`).
    pub rule_topics: Vec<String>,
    /// Where the rule sends the entries (`memory`, `disk`, `echo`, `remote`, or a custom action).
    #[serde(default = "memory")]
    pub action: String,
    /// The syslog collector the rule's topics are also sent to, if any: an IP address, or
    /// `harness` for the harness's own trusted source (what the suites use).
    #[serde(default)]
    pub remote: Option<Collector>,
    /// The collector's UDP port.
    #[serde(default = "syslog_port")]
    pub remote_port: u16,
    /// The rule's topics also go to an action with `target=disk` (kept across reboots).
    #[serde(default = "yes")]
    pub disk: bool,
    /// The NTP client is enabled with these servers (addresses or names; empty: not required).
    #[serde(default = "pool")]
    pub ntp_servers: Vec<String>,
}

/// `[logging] remote`: where the syslog collector is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Collector {
    /// The harness's trusted source (the trusted vantage's address as the router sees it).
    Harness,
    /// A fixed address.
    Address(IpAddr),
}

impl Collector {
    /// The collector's address, given the harness's trusted source.
    pub fn address(&self, harness: Option<IpAddr>) -> Option<IpAddr> {
        match self {
            Collector::Harness => harness,
            Collector::Address(ip) => Some(*ip),
        }
    }
}

impl TryFrom<String> for Collector {
    type Error = String;

    fn try_from(s: String) -> Result<Collector, String> {
        if s == "harness" {
            return Ok(Collector::Harness);
        }
        s.parse::<IpAddr>()
            .map(Collector::Address)
            .map_err(|_| format!("`{s}` is neither `harness` nor an IP address"))
    }
}

impl From<Collector> for String {
    fn from(c: Collector) -> String {
        match c {
            Collector::Harness => "harness".into(),
            Collector::Address(ip) => ip.to_string(),
        }
    }
}

fn memory() -> String {
    "memory".into()
}

fn syslog_port() -> u16 {
    routeros::syslog::PORT
}

fn yes() -> bool {
    true
}

fn pool() -> Vec<String> {
    vec!["pool.ntp.org".into()]
}
