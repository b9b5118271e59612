//! The listeners' verdicts, from the router's own settings.

use super::LISTENERS;
use crate::check::Observation;
use crate::measures::{is_on, setting};
use crate::outcome::{CheckResult, Measure, Outcome};
use crate::profile::Profile;

/// Judges the listeners measure: each one off, unless the profile lets it stay on.
pub fn judge(profile: &Profile, obs: &Observation) -> Vec<CheckResult> {
    LISTENERS
        .iter()
        .zip(profile.listeners.allowed())
        .map(|(l, allowed)| {
            let result = |o| CheckResult::new(Measure::Listeners, l.check.id, l.check.title, o);
            match setting(obs, l.menu, l.key) {
                Err(o) => result(o),
                Ok(v) => {
                    let outcome = if !is_on(&v) || allowed {
                        Outcome::Pass
                    } else {
                        Outcome::Fail(format!("{}: {} {}={v}", l.what, l.cli, l.key))
                    };
                    result(outcome).with_evidence(format!("{} {}={v}", l.cli, l.key))
                }
            }
        })
        .collect()
}
