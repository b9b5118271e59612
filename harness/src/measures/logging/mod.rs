//! Measure 5, logging: failed logins are recorded in the router's log, kept on disk, sent to a
//! syslog collector when the profile names one, and stamped by a clock the NTP client keeps.
//!
//! `logging.remote` is proved black box as well: a collector ([`collector`]) listens on the
//! trusted vantage's address, inside its namespace, while the audit provokes failed logins, and
//! the check passes only when the router's datagram carrying the failed-login line arrived.
//! Where the vantage carries no UDP (QEMU port forwards) or the collector is not the harness,
//! that is *not verifiable*, never a pass.

pub mod collector;
mod judge;
mod policy;
mod steps;

pub use collector::Syslog;
pub use policy::{Collector, LoggingPolicy};

use super::{CheckDef, MeasureDef};
use crate::outcome::{Measure, Severity};

/// `logging.rule`.
pub const RULE: CheckDef = CheckDef {
    id: "logging.rule",
    title: "a /system logging rule sends the profile's topics to its action",
    severity: Severity::Medium,
    rationale: "without the rule failed logins leave no trace",
    how: "white box: /system logging, a rule with the profile's topics and action",
    advice: "the seed article, \"Basic security for your Mikrotik RouterOS Cloud Router\": \"it logs every unsuccessful attempt\"",
};

/// `logging.failed-login-recorded`.
pub const FAILED_LOGIN_RECORDED: CheckDef = CheckDef {
    id: "logging.failed-login-recorded",
    title: "failed logins provoked by this run from the trusted vantage appear in /log",
    severity: Severity::Medium,
    rationale: "a guessing attack that leaves no log line goes unnoticed",
    how: "black box: failed logins provoked from the trusted vantage; white box: each appears as a new line in /log",
    advice: "the seed article, \"Basic security for your Mikrotik RouterOS Cloud Router\": \"it logs every unsuccessful attempt\"",
};

/// `logging.remote`.
pub const REMOTE: CheckDef = CheckDef {
    id: "logging.remote",
    title: "failed logins are sent to the profile's syslog collector, and it received them",
    severity: Severity::Medium,
    rationale: "a log kept only on the router is erased by whoever takes it over",
    how: "white box: /system logging action target=remote; black box: a syslog collector on the trusted vantage receives the provoked failed-login line",
    advice: "MikroTik, \"Securing your router\": send logs to a remote syslog server",
};

/// `logging.disk`.
pub const DISK: CheckDef = CheckDef {
    id: "logging.disk",
    title: "a /system logging rule sends the profile's topics to a disk action",
    severity: Severity::Low,
    rationale: "a log kept in memory is lost at the next reboot",
    how: "white box: /system logging, a rule sending the topics to a target=disk action",
    advice: "MikroTik, \"Securing your router\": keep logs on disk across reboots",
};

/// `logging.ntp`.
pub const NTP: CheckDef = CheckDef {
    id: "logging.ntp",
    title: "the NTP client is enabled with the profile's servers",
    severity: Severity::Low,
    rationale: "without a synchronised clock log lines cannot be correlated",
    how: "white box: /system ntp client enabled with the profile's servers",
    advice: "MikroTik, \"Securing your router\": keep the clock synchronised with NTP",
};

/// `/system logging action` (REST path).
pub const ACTION_MENU: &str = "/system/logging/action";
/// `/system ntp client` (REST path).
pub const NTP_MENU: &str = "/system/ntp/client";
/// The name of the remote action the profile's collector gets.
pub const REMOTE_ACTION: &str = "syslog";
/// The longest NTP server name a profile may give (a DNS name's limit).
pub const MAX_NTP_SERVER_CHARS: usize = 253;

/// The profile's NTP servers split as RouterOS 6 takes them: addresses, then names.
pub(crate) fn ntp_split(servers: &[String]) -> (Vec<std::net::IpAddr>, Vec<String>) {
    let ips = servers.iter().filter_map(|s| s.parse().ok()).collect();
    let names = servers
        .iter()
        .filter(|s| s.parse::<std::net::IpAddr>().is_err())
        .cloned()
        .collect();
    (ips, names)
}

/// The measure: its checks in report order and its judge.
pub static MEASURE: MeasureDef = MeasureDef {
    measure: Measure::Logging,
    checks: &[RULE, FAILED_LOGIN_RECORDED, REMOTE, DISK, NTP],
    reads: &[ACTION_MENU, NTP_MENU],
    judge: judge::judge,
    steps: steps::steps,
    undo: steps::undo,
    probe: None,
};
