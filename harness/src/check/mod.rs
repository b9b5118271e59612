//! Gathering ([`observe`]) talks to the router; judging (one module per measure, in
//! [`crate::measures`]) is pure: observations in, [`crate::outcome::CheckResult`]s out — so every
//! verdict can be tested without a router, and a negative control is the same judge on an
//! un-hardened router's facts. What the judges share is here.

pub mod observe;

pub use observe::{Observation, observe};

/// Judges every measure of the registry, in report order.
pub use crate::measures::judge;

/// The verdict when what a check needs could not be read: *not verifiable*, never a failure
/// (the checks whose own observation is the symptom — a probe, a login — carry the failure).
pub(crate) fn unreadable(e: &observe::ReadError) -> crate::outcome::Outcome {
    crate::outcome::Outcome::Skip(format!("not verifiable: {e}"))
}

/// PASS when nothing was found wrong, else FAIL with every problem, `;`-separated.
/// Failures first; else what could not be told makes the check *not verifiable*; else a pass.
pub(crate) fn failures_or_unknown(
    problems: Vec<String>,
    unknown: Vec<String>,
) -> crate::outcome::Outcome {
    if problems.is_empty() && !unknown.is_empty() {
        return crate::outcome::Outcome::Skip(format!("not verifiable: {}", unknown.join("; ")));
    }
    failures(problems)
}

pub(crate) fn failures(problems: Vec<String>) -> crate::outcome::Outcome {
    if problems.is_empty() {
        crate::outcome::Outcome::Pass
    } else {
        crate::outcome::Outcome::Fail(problems.join("; "))
    }
}
