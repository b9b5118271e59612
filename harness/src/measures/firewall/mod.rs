//! Measure 3, the input-chain firewall: management ports only from allowed sources.

pub(crate) mod judge;
mod policy;
mod steps;

pub use judge::{Packet, Verdict, evaluate, evaluate_packet, evaluate_packet6};
pub(crate) use judge::{outsider, parsed, v4};
pub use policy::{FirewallAction, FirewallPolicy};
pub(crate) use steps::management_rules;

use super::{CheckDef, MeasureDef};
use crate::outcome::Measure;

/// `firewall.rules`.
pub const RULES: CheckDef = CheckDef {
    id: "firewall.rules",
    title: "input chain accepts management ports from trusted sources and blocks the rest",
};

/// `firewall.trusted-reachable`.
pub const TRUSTED_REACHABLE: CheckDef = CheckDef {
    id: "firewall.trusted-reachable",
    title: "management ports answer from the trusted vantage",
};

/// `firewall.untrusted-blocked`.
pub const UNTRUSTED_BLOCKED: CheckDef = CheckDef {
    id: "firewall.untrusted-blocked",
    title: "management ports are blocked from the untrusted vantage",
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
