//! The steps that apply this measure (see [`crate::render`] for their order and form).

use routeros::quote::value;

use crate::apply::{Before, yes_no};
use crate::outcome::Measure;
use crate::profile::{Cidr, Profile};
use crate::render::{Phase, RenderContext, RunAs, Step, Verify, lines};

/// The logging measure's step: a rule that records failed logins.
pub(super) fn steps(p: &Profile, _ctx: &RenderContext, _sources: &[Cidr]) -> Vec<Step> {
    vec![logging_rule(p)]
}

fn logging_rule(p: &Profile) -> Step {
    let topics = p.logging.rule_topics.join(",");
    let action = &p.logging.action;
    let sel = format!("topics={} action={}", value(&topics), value(action));
    Step {
        id: "logging.failed-logins",
        measure: Measure::Logging,
        description: format!("log {topics} to {action}, so failed logins are recorded"),
        lines: lines(&[
            "/system logging".into(),
            format!(":if ([:len [find {sel}]] = 0) do={{ add {sel} }}"),
            format!("set [find {sel}] disabled=no"),
        ]),
        verify: vec![Verify::LoggingRule {
            topics: p.logging.rule_topics.clone(),
            action: action.clone(),
        }],
        run_as: RunAs::Current,
        phase: Phase::Logging,
        effects: vec![],
        only_where: None,
    }
}

/// The commands that would undo one of this measure's steps on a router that was in state
/// `before` (what cannot be undone by a command says so in a comment).
pub(super) fn undo(step: &Step, profile: &Profile, before: &Before) -> Vec<String> {
    match step.id {
        "logging.failed-logins" => {
            let topics = profile.logging.rule_topics.join(",");
            let action = &profile.logging.action;
            let get = |r: &Vec<(String, String)>, k: &str| {
                r.iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            match before
                .logging
                .iter()
                .find(|r| get(r, "topics") == topics && &get(r, "action") == action)
            {
                Some(r) => vec![format!(
                    "/system logging set [find topics={topics} action={action}] disabled={}",
                    yes_no(matches!(get(r, "disabled").as_str(), "true" | "yes"))
                )],
                None => vec![format!(
                    "/system logging remove [find topics={topics} action={action}]"
                )],
            }
        }
        other => vec![format!("# no undo known for step {other}")],
    }
}
