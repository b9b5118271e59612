//! The step that applies `[listeners]` (see [`crate::render`] for the order and form of steps).

use routeros::quote::value;

use super::LISTENERS;
use crate::apply::{Before, yes_no};
use crate::outcome::Measure;
use crate::profile::{Cidr, Profile};
use crate::render::{Phase, RenderContext, RunAs, Step, lines};

/// One step: every listener the profile does not keep is turned off (one it keeps is left as
/// it is: the profile only allows it).
pub(super) fn steps(p: &Profile, _ctx: &RenderContext, _sources: &[Cidr]) -> Vec<Step> {
    let off: Vec<_> = LISTENERS
        .iter()
        .zip(p.listeners.allowed())
        .filter(|(_, allowed)| !allowed)
        .map(|(l, _)| l)
        .collect();
    if off.is_empty() {
        return Vec::new();
    }
    vec![Step {
        id: "listeners.off",
        measure: Measure::Listeners,
        description: format!(
            "turn off {}",
            off.iter()
                .map(|l| l.cli.trim_start_matches('/'))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        lines: lines(
            &off.iter()
                .map(|l| format!("{} set {}={}", l.cli, l.key, yes_no(false)))
                .collect::<Vec<_>>(),
        ),
        verify: vec![],
        run_as: RunAs::Current,
        phase: Phase::DisableServices,
        effects: vec![],
        only_where: None,
    }]
}

/// The settings as they were before the apply.
pub(super) fn undo(_step: &Step, profile: &Profile, before: &Before) -> Vec<String> {
    LISTENERS
        .iter()
        .zip(profile.listeners.allowed())
        .filter(|(_, allowed)| !allowed)
        .map(|(l, _)| match before.setting(l.menu, l.key) {
            Some(v) => format!("{} set {}={}", l.cli, l.key, value(&v)),
            None => format!("# {} {} before the apply could not be read", l.cli, l.key),
        })
        .collect()
}
