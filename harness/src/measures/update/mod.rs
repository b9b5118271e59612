//! Measure 1, update state: the installed version, the update channel, known-vulnerable versions.

mod judge;
mod policy;
mod steps;

pub use policy::{ExtraVulnerability, UpdatePolicy};

use super::{CheckDef, MeasureDef};
use crate::outcome::{Measure, Severity};

/// `update.minimum-version`.
pub const MINIMUM_VERSION: CheckDef = CheckDef {
    id: "update.minimum-version",
    title: "installed RouterOS meets the minimum version",
    severity: Severity::High,
    rationale: "a RouterOS older than the minimum lacks security fixes MikroTik has shipped",
    how: "white box: the version /system resource reports, compared with the profile's minimum",
    advice: "the seed article, \"Basic security for your Mikrotik RouterOS Cloud Router\": run a current release on a supported channel",
};

/// `update.no-known-vulnerability`.
pub const NO_KNOWN_VULNERABILITY: CheckDef = CheckDef {
    id: "update.no-known-vulnerability",
    title: "installed RouterOS is in no known-vulnerable range",
    severity: Severity::Critical,
    rationale: "a version in a known-vulnerable range can be exploited remotely with published tools",
    how: "white box: the version /system resource reports, looked up in the CVE table (bundled or refreshed)",
    advice: "the seed article, \"Basic security for your Mikrotik RouterOS Cloud Router\": run a current release (one outside every known-vulnerable range)",
};

/// `update.channel`.
pub const CHANNEL: CheckDef = CheckDef {
    id: "update.channel",
    title: "update channel is the baseline's",
    severity: Severity::Low,
    rationale: "the channel only decides which releases an update brings",
    how: "white box: /system package update's channel, compared with the profile's",
    advice: "the seed article, \"Basic security for your Mikrotik RouterOS Cloud Router\": run a current release on a supported channel",
};

/// `update.latest`.
pub const LATEST: CheckDef = CheckDef {
    id: "update.latest",
    title: "no newer RouterOS is available",
    severity: Severity::Low,
    rationale: "a newer release may carry fixes, but no known flaw is named",
    how: "white box: /system package update check-for-updates, latest-version against installed-version",
    advice: "the seed article, \"Basic security for your Mikrotik RouterOS Cloud Router\": run a current release (/system package update install)",
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
