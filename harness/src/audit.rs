//! One audit of one router: optionally apply the profile, then observe and judge every measure.

use std::path::Path;
use std::time::Instant;

use crate::apply::{AppliedStep, ApplyError, Journal, apply_with};
use crate::check::{self, Observation};
use crate::lab::Lab;
use crate::outcome::RunReport;
use crate::profile::Profile;
use crate::render::RenderContext;
use crate::secret::Secret;

/// What an audit did and found.
#[derive(Debug)]
pub struct Audit {
    /// The steps applied (empty with `apply = false`).
    pub applied: Vec<AppliedStep>,
    /// What the harness saw.
    pub observation: Observation,
    /// The verdicts, secrets registered for redaction; every failure carries its fix.
    pub report: RunReport,
    /// What the fixes were rendered with (the harness's sources, the router's state, the new
    /// administrator's password), for [`crate::fix::script`]; `None` without a trusted vantage.
    pub context: Option<RenderContext>,
}

/// Runs an audit. `apply`: harden the router first with `profile`. The new administrator's
/// password is the profile's, or one generated for this run (it never leaves the process
/// except towards the router).
pub async fn audit(
    lab: &dyn Lab,
    profile: &Profile,
    profile_path: &Path,
    apply_first: bool,
) -> Result<Audit, ApplyError> {
    audit_with(lab, profile, profile_path, apply_first, &Journal::default()).await
}

/// [`audit`], recording the apply's progress in `journal` (for a caller that may stop it).
pub async fn audit_with(
    lab: &dyn Lab,
    profile: &Profile,
    profile_path: &Path,
    apply_first: bool,
    journal: &Journal,
) -> Result<Audit, ApplyError> {
    let mut report = RunReport::new(lab.describe(), profile_path);
    report.cve_data = Some(crate::cve::active().info().clone());
    let password = profile
        .users
        .password
        .clone()
        .unwrap_or_else(|| Secret::generate(&profile.users.password_policy));
    report.add_secret(&password);
    report.add_secret(&lab.access().credentials().password);
    let applied = if apply_first {
        apply_with(lab, profile, &password, journal).await?
    } else {
        Vec::new()
    };
    lab.settle().await.map_err(ApplyError::Settle)?;
    let started = Instant::now();
    let observation = check::observe(lab, profile).await;
    tracing::info!(elapsed = ?started.elapsed(), "observed the router");
    let mut results = check::judge(profile, &observation);
    // Every failure carries its fix, rendered as the apply renders its steps.
    let context = if results.iter().any(|r| r.outcome.is_fail()) {
        crate::apply::render_context(lab, &password).await.ok()
    } else {
        None
    };
    if let Some(ctx) = &context {
        crate::fix::fill(profile, ctx, &observation, &mut results);
    }
    report.version = observation
        .update
        .as_ref()
        .ok()
        .map(|u| u.installed_version.to_string())
        .or_else(|| lab.version_hint());
    report.readback = Some(match &observation.readback_reason {
        Some(why) => format!("{} ({why})", observation.readback),
        None => observation.readback.to_string(),
    });
    report.incomplete = observation.unreadable();
    report.matrix = observation.matrix.clone();
    report.matrix6 = observation.matrix6.clone();
    // Checks are judged together from one observation, so no per-check time is claimed.
    for r in results {
        report.push(r);
    }
    report.finish();
    Ok(Audit {
        applied,
        observation,
        report,
        context,
    })
}
