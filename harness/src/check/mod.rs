//! The five measures' checks. Gathering ([`observe`]) talks to the router; judging (one module
//! per measure) is pure: observations in, [`CheckResult`]s out — so every verdict can be tested
//! without a router, and a negative control is the same judge on an un-hardened router's facts.

pub mod firewall;
pub mod logging;
pub mod observe;
pub mod services;
pub mod update;
pub mod users;

pub use observe::{Observation, observe};

use crate::outcome::CheckResult;
use crate::profile::Profile;

/// Judges every measure, in report order.
pub fn judge(profile: &Profile, obs: &Observation) -> Vec<CheckResult> {
    let mut results = Vec::new();
    results.extend(update::judge(profile, obs));
    results.extend(services::judge(profile, obs));
    results.extend(firewall::judge(profile, obs));
    results.extend(users::judge(profile, obs));
    results.extend(logging::judge(profile, obs));
    results
}

/// The verdict when what a check needs could not be read: *not verifiable*, never a failure
/// (the checks whose own observation is the symptom — a probe, a login — carry the failure).
pub(crate) fn unreadable(e: &observe::ReadError) -> crate::outcome::Outcome {
    crate::outcome::Outcome::Skip(format!("not verifiable: {e}"))
}

/// PASS when nothing was found wrong, else FAIL with every problem, `;`-separated.
pub(crate) fn failures(problems: Vec<String>) -> crate::outcome::Outcome {
    if problems.is_empty() {
        crate::outcome::Outcome::Pass
    } else {
        crate::outcome::Outcome::Fail(problems.join("; "))
    }
}
