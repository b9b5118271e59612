//! The input chain as a whole (MikroTik's "Building Your First Firewall" and "Securing your
//! router"): accept established, related and untracked packets, drop invalid ones, accept ICMP
//! and what the profile publishes, and drop everything else that does not come from an allowed
//! management source. The firewall measure proves the management ports; this one proves that
//! nothing else is left open behind them.
//!
//! White box (`input.chain`): the chain is evaluated for an established, an invalid and an ICMP
//! packet and for new TCP and UDP flows to every port a RouterOS service can use and to a sample
//! of high ports, from the untrusted source, as RouterOS would. Black box
//! (`input.untrusted-silent`): from the untrusted vantage the same TCP ports are probed (the
//! port matrix and [`probe`]) and the UDP ports are sent a datagram each (a real request where a
//! RouterOS service would answer one); every one must stay silent (no answer, no reset, no ICMP
//! error) except what the profile publishes. Where the vantages carry no UDP (QEMU user-mode
//! port forwards) the UDP half is not observed and the check says so.

mod judge;
mod policy;
pub mod probe;
mod steps;

pub use policy::InputPolicy;

use super::{CheckDef, MeasureDef};
use crate::outcome::{Measure, Severity};

/// `input.chain`.
pub const CHAIN: CheckDef = CheckDef {
    id: "input.chain",
    title: "the input chain accepts established/related, drops invalid and drops every other new connection from untrusted sources",
    severity: Severity::High,
    rationale: "an input chain that does not drop the rest leaves every other listener exposed",
    how: "white box: /ip firewall filter input chain evaluated for established, invalid, ICMP and new TCP/UDP flows from the untrusted source",
    advice: "MikroTik, \"Building Your First Firewall\": accept established/related, drop invalid, drop everything else not from the LAN",
};

/// `input.untrusted-silent`.
pub const UNTRUSTED_SILENT: CheckDef = CheckDef {
    id: "input.untrusted-silent",
    title: "from the untrusted vantage every RouterOS port and a sample of high ports, TCP and UDP, stays silent except what the profile publishes",
    severity: Severity::High,
    rationale: "any port that answers from untrusted networks is exposure the profile did not publish",
    how: "black box: every RouterOS TCP and UDP port and a sample of high ports probed from the untrusted vantage stays silent",
    advice: "MikroTik, \"Building Your First Firewall\": nothing answers from outside except what you publish",
};

/// The measure.
pub static MEASURE: MeasureDef = MeasureDef {
    measure: Measure::Input,
    checks: &[CHAIN, UNTRUSTED_SILENT],
    reads: &[],
    judge: judge::judge,
    steps: steps::steps,
    undo: steps::undo,
    probe: Some(probe::probe),
};
