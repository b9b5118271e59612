//! The steps that apply this measure (see [`crate::render`] for their order and form).

use routeros::quote::value;

use crate::apply::{Before, yes_no};
use crate::outcome::Measure;
use crate::profile::{Cidr, Profile, ServiceName};
use crate::render::{Effect, Phase, RenderContext, RunAs, Step, Verify, lines};

/// The services measure's steps: disable the unused ones, then move the rest (if any move).
pub(super) fn steps(p: &Profile, ctx: &RenderContext, _sources: &[Cidr]) -> Vec<Step> {
    let mut steps = vec![disable_services(p)];
    if !p.services.ports.is_empty() {
        steps.push(move_ports(p));
    }
    if p.services.restrict_addresses {
        steps.push(restrict_addresses(&allowed_addresses(p, ctx)));
    }
    steps
}

/// What every service's `address=` admits: the harness's own sources (IPv4 and IPv6, when the
/// profile includes the harness) and the profile's management networks, as RouterOS writes
/// prefixes (`198.51.100.10/32`).
pub(crate) fn allowed_addresses(p: &Profile, ctx: &RenderContext) -> Vec<Cidr> {
    let mut v: Vec<Cidr> = Vec::new();
    if p.firewall.include_harness_source {
        v.extend(ctx.harness_source.map(Cidr::host));
        v.extend(ctx.harness_source6.map(Cidr::host));
    }
    for c in &p.firewall.management_cidrs {
        if !v.contains(c) {
            v.push(*c);
        }
    }
    v
}

fn restrict_addresses(allowed: &[Cidr]) -> Step {
    let list: Vec<String> = allowed.iter().map(Cidr::to_string).collect();
    let joined = list.join(",");
    Step {
        id: "services.addresses",
        measure: Measure::Services,
        description: format!("admit only {joined} on every service"),
        lines: lines(&[
            "/ip service".to_string(),
            format!("set [find] address={}", value(&joined)),
        ]),
        verify: vec![],
        run_as: RunAs::Current,
        // After the firewall rules, with the harness's own source in the list.
        phase: Phase::DisableServices,
        effects: vec![Effect::ChangesHarnessReach],
        only_where: None,
    }
}

fn disable_services(p: &Profile) -> Step {
    let mut l = vec!["/ip service".to_string()];
    for s in &p.services.disable {
        l.push(format!(
            "set [find name={}] disabled=yes",
            value(s.as_str())
        ));
    }
    if !p.services.bandwidth_server {
        l.push("/tool bandwidth-server set enabled=no".into());
    }
    Step {
        id: "services.disable",
        measure: Measure::Services,
        description: format!(
            "disable {}",
            p.services
                .disable
                .iter()
                .map(|s| s.as_str())
                .chain((!p.services.bandwidth_server).then_some("the bandwidth-test server"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        lines: lines(&l),
        verify: vec![Verify::ServicesDisabled(p.services.disable.clone())],
        run_as: RunAs::Current,
        phase: Phase::DisableServices,
        effects: vec![],
        only_where: None,
    }
}

fn move_ports(p: &Profile) -> Step {
    let mut l = vec!["/ip service".to_string()];
    let moved: Vec<(ServiceName, u16)> = p.services.ports.iter().map(|(s, n)| (*s, *n)).collect();
    for (s, port) in &moved {
        l.push(format!("set [find name={}] port={port}", value(s.as_str())));
    }
    Step {
        id: "services.ports",
        measure: Measure::Services,
        description: format!(
            "move {}",
            moved
                .iter()
                .map(|(s, n)| format!("{s} to {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        lines: lines(&l),
        verify: vec![Verify::ServicePorts(moved)],
        run_as: RunAs::Current,
        phase: Phase::MovePorts,
        effects: vec![Effect::MovesPorts],
        only_where: None,
    }
}

/// The commands that would undo one of this measure's steps on a router that was in state
/// `before` (what cannot be undone by a command says so in a comment).
pub(super) fn undo(step: &Step, profile: &Profile, before: &Before) -> Vec<String> {
    match step.id {
        "services.disable" => profile
            .services
            .disable
            .iter()
            .filter_map(|s| before.service(*s))
            .map(|s| {
                format!(
                    "/ip service set [find name={}] disabled={}",
                    s.name,
                    yes_no(s.disabled)
                )
            })
            .chain(
                before
                    .bandwidth_server
                    .filter(|_| !profile.services.bandwidth_server)
                    .map(|on| format!("/tool bandwidth-server set enabled={}", yes_no(on))),
            )
            .collect(),
        "services.ports" => profile
            .services
            .ports
            .keys()
            .filter_map(|s| before.service(*s))
            .map(|s| format!("/ip service set [find name={}] port={}", s.name, s.port))
            .collect(),
        "services.addresses" => before
            .services
            .iter()
            .map(|s| {
                format!(
                    "/ip service set [find name={}] address={}",
                    s.name,
                    value(&s.address.join(","))
                )
            })
            .collect(),
        other => vec![format!("# no undo known for step {other}")],
    }
}
