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
    vec![Step {
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
    }]
}

/// The settings as they were before the apply.
pub(super) fn undo(_step: &Step, _profile: &Profile, before: &Before) -> Vec<String> {
    ["strong-crypto", "allow-none-crypto"]
        .iter()
        .map(|key| match before.setting(MENU, key) {
            Some(v) => format!("/ip ssh set {key}={}", value(&v)),
            None => format!("# /ip ssh {key} before the apply could not be read"),
        })
        .collect()
}
