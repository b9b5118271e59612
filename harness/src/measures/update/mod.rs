//! Measure 1, update state: the installed version, the update channel, known-vulnerable versions.

mod judge;
mod policy;
mod steps;

pub use policy::{ExtraVulnerability, UpdatePolicy};

use super::{CheckDef, MeasureDef};
use crate::outcome::Measure;

/// `update.minimum-version`.
pub const MINIMUM_VERSION: CheckDef = CheckDef {
    id: "update.minimum-version",
    title: "installed RouterOS meets the minimum version",
};

/// `update.no-known-vulnerability`.
pub const NO_KNOWN_VULNERABILITY: CheckDef = CheckDef {
    id: "update.no-known-vulnerability",
    title: "installed RouterOS is in no known-vulnerable range",
};

/// `update.channel`.
pub const CHANNEL: CheckDef = CheckDef {
    id: "update.channel",
    title: "update channel is the baseline's",
};

/// `update.latest`.
pub const LATEST: CheckDef = CheckDef {
    id: "update.latest",
    title: "no newer RouterOS is available",
};

/// The measure: its checks in report order and its judge.
pub static MEASURE: MeasureDef = MeasureDef {
    measure: Measure::Update,
    checks: &[MINIMUM_VERSION, NO_KNOWN_VULNERABILITY, CHANNEL, LATEST],
    reads: &[],
    judge: judge::judge,
    steps: steps::steps,
    undo: steps::undo,
    probe: None,
};
