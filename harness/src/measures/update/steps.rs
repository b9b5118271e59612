//! The steps that apply this measure (see [`crate::render`] for their order and form).

use routeros::quote::value;

use crate::apply::Before;
use crate::outcome::Measure;
use crate::profile::{Cidr, Profile};
use crate::render::{Effect, Phase, RenderContext, RunAs, Step, Verify, lines};

/// The update measure's steps: follow the channel, then (if the profile says so) install.
pub(super) fn steps(p: &Profile, _ctx: &RenderContext, _sources: &[Cidr]) -> Vec<Step> {
    let mut steps = vec![update_channel(p)];
    if p.update.install {
        steps.push(update_install());
    }
    steps
}

/// Waits, in RouterOS script, for the check `check-for-updates once` started: `status` shows
/// the previous verdict for a moment and `finding out latest version...` while it runs, so a
/// verdict counts once the check was seen running or after 3 s (the manual's own script waits
/// 3 s); 30 s without a verdict end the wait. Polls every 10 ms, so even a check quicker than
/// a human's (the simulator's) is seen running. The same rule as
/// [`crate::operator::Operator::check_for_updates`].
const UPDATE_WAIT: &str = concat!(
    ":local seen false; :local polls 0; ",
    ":while ($polls < 3000) do={ ",
    ":if ([get status] ~ \"^(System is already up to date|New version is available|Downloaded|ERROR)\") do={ ",
    ":if ($seen || ($polls >= 300)) do={ :set polls 3000 } else={ :set polls ($polls + 1); :delay 10ms } ",
    "} else={ :set seen true; :set polls ($polls + 1); :delay 10ms } }"
);

fn update_channel(p: &Profile) -> Step {
    let ch = p.update.channel;
    Step {
        id: "update.channel",
        measure: Measure::Update,
        description: format!("follow the {ch} channel"),
        lines: lines(&[
            "/system package update".into(),
            format!("set channel={}", value(ch.as_str())),
        ]),
        verify: vec![Verify::UpdateChannel(ch)],
        run_as: RunAs::Current,
        phase: Phase::UpdateChannel,
        effects: vec![],
        only_where: None,
    }
}

fn update_install() -> Step {
    Step {
        id: "update.install",
        measure: Measure::Update,
        description: "download and install the latest version (reboots)".into(),
        lines: lines(&[
            "/system package update".into(),
            "check-for-updates once".into(),
            UPDATE_WAIT.into(),
            ":if ([get status] = \"New version is available\") do={ install }".into(),
        ]),
        verify: vec![],
        run_as: RunAs::Current,
        phase: Phase::UpdateInstall,
        effects: vec![Effect::Reboots],
        only_where: None,
    }
}

/// The commands that would undo one of this measure's steps on a router that was in state
/// `before` (what cannot be undone by a command says so in a comment).
pub(super) fn undo(step: &Step, _profile: &Profile, before: &Before) -> Vec<String> {
    match step.id {
        "update.channel" => match &before.update {
            Some(u) => vec![format!(
                "/system package update set channel={}",
                u.channel.as_str()
            )],
            None => vec!["# the channel before the apply could not be read".into()],
        },
        "update.install" => vec![
            "# an installed update is not undone by a command: upload the old version's packages and run /system package downgrade".into(),
        ],
        other => vec![format!("# no undo known for step {other}")],
    }
}
