//! Measure 1, update state: installed version, channel, known-vulnerable versions.

use routeros::model::UpdateStatus;

use super::{CHANNEL, LATEST, MINIMUM_VERSION, NO_KNOWN_VULNERABILITY};
use crate::check::{Observation, unreadable};
use crate::cve;
use crate::measures::CheckDef;
use crate::outcome::{CheckResult, Measure, Outcome};
use crate::profile::Profile;

/// Judges the update measure.
pub fn judge(profile: &Profile, obs: &Observation) -> Vec<CheckResult> {
    let check = |def: &CheckDef, outcome: Outcome| {
        CheckResult::new(Measure::Update, def.id, def.title, outcome)
    };
    let update = match &obs.update {
        Ok(u) => u,
        Err(e) => {
            return super::MEASURE
                .checks
                .iter()
                .map(|def| check(def, unreadable(e)))
                .collect();
        }
    };
    let installed = &update.installed_version;
    let min = &profile.update.min_version;
    let minimum = if installed >= min {
        Outcome::Pass
    } else {
        Outcome::Fail(format!(
            "RouterOS {installed} is installed; the baseline requires {min} or newer"
        ))
    };
    let table = profile.vulnerability_table();
    let hits = cve::vulnerabilities_in(&table, installed);
    let vulnerable = if hits.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail(format!(
            "RouterOS {installed} is affected by {}",
            hits.iter()
                .map(|c| match &c.fixed_in {
                    Some(f) => format!("{} (fixed in {f})", c.id),
                    None => c.id.clone(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ))
    };
    let channel = if update.channel == profile.update.channel {
        Outcome::Pass
    } else {
        Outcome::Fail(format!(
            "the update channel is {}; the baseline requires {}",
            update.channel.as_str(),
            profile.update.channel.as_str()
        ))
    };
    let latest = if !profile.update.check_for_updates {
        Outcome::Skip("the profile does not ask the router to check for updates".into())
    } else {
        match update.status_kind() {
            UpdateStatus::UpToDate => Outcome::Pass,
            UpdateStatus::NewVersionAvailable if profile.update.require_latest => {
                Outcome::Fail(format!(
                    "a newer version is available ({}); {installed} is installed",
                    update
                        .latest_version
                        .as_ref()
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| "unknown".into())
                ))
            }
            UpdateStatus::NewVersionAvailable => Outcome::Pass,
            UpdateStatus::Downloaded => Outcome::Fail(
                "an update is downloaded but the router has not rebooted into it".into(),
            ),
            UpdateStatus::Error(e) => Outcome::Skip(format!(
                "not verifiable: the router could not check for updates (ERROR: {e})"
            )),
            UpdateStatus::NotChecked | UpdateStatus::Checking => {
                Outcome::Skip("not verifiable: the update check did not finish".into())
            }
            UpdateStatus::Other(s) => Outcome::Skip(format!("not verifiable: status `{s}`")),
        }
    };
    vec![
        check(&MINIMUM_VERSION, minimum).with_evidence(format!("installed-version: {installed}")),
        check(&NO_KNOWN_VULNERABILITY, vulnerable),
        check(&CHANNEL, channel).with_evidence(format!("channel: {}", update.channel.as_str())),
        check(&LATEST, latest).with_evidence(format!(
            "status: {}",
            update.status.as_deref().unwrap_or("(not checked)")
        )),
    ]
}
