//! Measure 5, logging: failed logins are recorded.

mod judge;
mod policy;
mod steps;

pub use policy::LoggingPolicy;

use super::{CheckDef, MeasureDef};
use crate::outcome::Measure;

/// `logging.rule`.
pub const RULE: CheckDef = CheckDef {
    id: "logging.rule",
    title: "a /system logging rule sends the profile's topics to its action",
};

/// `logging.failed-login-recorded`.
pub const FAILED_LOGIN_RECORDED: CheckDef = CheckDef {
    id: "logging.failed-login-recorded",
    title: "failed logins provoked by this run from the trusted vantage appear in /log",
};

/// The measure: its checks in report order and its judge.
pub static MEASURE: MeasureDef = MeasureDef {
    measure: Measure::Logging,
    checks: &[RULE, FAILED_LOGIN_RECORDED],
    reads: &[],
    judge: judge::judge,
    steps: steps::steps,
    undo: steps::undo,
    probe: None,
};
