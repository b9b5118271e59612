//! Measure 3, the input-chain firewall: management ports only from allowed sources.

pub(crate) mod judge;
mod policy;
mod steps;

pub use judge::{Packet, Verdict, evaluate, evaluate_packet, evaluate_packet6};
pub(crate) use judge::{outsider, parsed, v4};
pub use policy::{FirewallAction, FirewallPolicy};
pub(crate) use steps::management_rules;

use super::{CheckDef, MeasureDef};
use crate::outcome::{Measure, Severity};

/// `firewall.rules`.
pub const RULES: CheckDef = CheckDef {
    id: "firewall.rules",
    title: "input chain accepts management ports from trusted sources and blocks the rest",
    severity: Severity::High,
    rationale: "the input chain is the barrier between the management ports and untrusted networks",
    how: "white box: /ip firewall filter, the input chain evaluated for the management ports from trusted and untrusted sources",
    advice: "the seed article, \"Basic security for your Mikrotik RouterOS Cloud Router\": two input-chain rules, accept from the allowed sources before a drop for the rest",
};

/// `firewall.trusted-reachable`.
pub const TRUSTED_REACHABLE: CheckDef = CheckDef {
    id: "firewall.trusted-reachable",
    title: "management ports answer from the trusted vantage",
    severity: Severity::Medium,
    rationale: "management that does not answer from trusted sources is a lock-out, not an exposure",
    how: "black box: the TCP port matrix from the trusted vantage, the management ports answer",
    advice: "the seed article, \"Basic security for your Mikrotik RouterOS Cloud Router\": two input-chain rules, accept from the allowed sources before a drop for the rest",
};

/// `firewall.untrusted-blocked`.
pub const UNTRUSTED_BLOCKED: CheckDef = CheckDef {
    id: "firewall.untrusted-blocked",
    title: "management ports are blocked from the untrusted vantage",
    severity: Severity::Critical,
    rationale: "management reachable from untrusted networks is the exposure the baseline exists to close",
    how: "black box: the TCP port matrix from the untrusted vantage, no management port answers",
    advice: "the seed article, \"Basic security for your Mikrotik RouterOS Cloud Router\": two input-chain rules, accept from the allowed sources before a drop for the rest",
};

/// The measure: its checks in report order and its judge.
pub static MEASURE: MeasureDef = MeasureDef {
    measure: Measure::Firewall,
    checks: &[RULES, TRUSTED_REACHABLE, UNTRUSTED_BLOCKED],
    reads: &[],
    judge: judge::judge,
    steps: steps::steps,
    undo: steps::undo,
    probe: None,
};
