//! The step that applies `[ssh]`.

use routeros::quote::value;

use super::MENU;
use crate::apply::{Before, yes_no};
use crate::outcome::Measure;
use crate::profile::{Cidr, Profile};
use crate::render::{Phase, RenderContext, RunAs, Step, lines};

/// `strong-crypto` as the profile says, `allow-none-crypto` off. Existing sessions keep their
/// algorithms; the harness's next connection negotiates the strong ones.
pub(super) fn steps(p: &Profile, _ctx: &RenderContext, _sources: &[Cidr]) -> Vec<Step> {
    let mut steps = vec![crypto(p)];
    if !p.ssh.forwarding {
        steps.push(forwarding_off());
    }
    steps
}

/// `forwarding-enabled=no` (v7's enum and v6's boolean both take `no`): no `ssh -L` or `-R`
/// through the router.
fn forwarding_off() -> Step {
    Step {
        id: "ssh.forwarding",
        measure: Measure::Ssh,
        description: "SSH forwarding-enabled=no".into(),
        lines: lines(&["/ip ssh set forwarding-enabled=no".to_string()]),
        verify: vec![],
        run_as: RunAs::Current,
        phase: Phase::DisableServices,
        effects: vec![],
        only_where: None,
    }
}

fn crypto(p: &Profile) -> Step {
    Step {
        id: "ssh.crypto",
        measure: Measure::Ssh,
        description: format!(
            "SSH strong-crypto={}, allow-none-crypto=no",
            yes_no(p.ssh.strong_crypto)
        ),
        lines: lines(&[format!(
            "/ip ssh set strong-crypto={} allow-none-crypto=no",
            yes_no(p.ssh.strong_crypto)
        )]),
        verify: vec![],
        run_as: RunAs::Current,
        phase: Phase::DisableServices,
        effects: vec![],
        only_where: None,
    }
}

/// The settings as they were before the apply.
pub(super) fn undo(step: &Step, _profile: &Profile, before: &Before) -> Vec<String> {
    let keys: &[&str] = match step.id {
        "ssh.forwarding" => &["forwarding-enabled"],
        _ => &["strong-crypto", "allow-none-crypto"],
    };
    keys.iter()
        .map(|key| match before.setting(MENU, key) {
            Some(v) => format!("/ip ssh set {key}={}", value(&v)),
            None => format!("# /ip ssh {key} before the apply could not be read"),
        })
        .collect()
}
