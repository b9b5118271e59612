//! The steps that apply `[ipv6]` (see [`crate::render`] for their order and form).

use routeros::quote::value;

use super::{FILTER_MENU, Ipv6Mode, LIST_MENU, SETTINGS_MENU};
use crate::apply::Before;
use crate::outcome::Measure;
use crate::profile::{Cidr, MGMT_ADDRESS_LIST, Profile, RejectWith};
use crate::render::{
    ACCEPT_COMMENT, DROP_COMMENT, Effect, HARNESS_SOURCE_COMMENT, MGMT_COMMENT, Phase,
    RenderContext, RunAs, Step, lines, ports_text, quote,
};

/// The IPv6 management sources: the harness's own IPv6 source (when the profile includes the
/// harness) and the profile's IPv6 `management_cidrs`.
pub(crate) fn sources6(p: &Profile, ctx: &RenderContext) -> Vec<Cidr> {
    let mut v = Vec::new();
    if p.firewall.include_harness_source
        && let Some(ip) = ctx.harness_source6
    {
        v.push(Cidr::host(ip));
    }
    for c in &p.firewall.management_cidrs {
        if c.addr().is_ipv6() && !v.contains(c) {
            v.push(*c);
        }
    }
    v
}

/// The measure's steps: the IPv6 sources and the mirrored input chain, or IPv6 off.
pub(super) fn steps(p: &Profile, ctx: &RenderContext, _sources: &[Cidr]) -> Vec<Step> {
    match p.ipv6.mode {
        Ipv6Mode::Filter => vec![address_list(p, ctx), filter_rules(p)],
        Ipv6Mode::Disable => vec![disable()],
    }
}

fn address_list(p: &Profile, ctx: &RenderContext) -> Step {
    let sources = sources6(p, ctx);
    let list = value(MGMT_ADDRESS_LIST);
    let harness = ctx
        .harness_source6
        .filter(|_| p.firewall.include_harness_source)
        .map(Cidr::host);
    let mut l = vec!["/ipv6 firewall address-list".to_string()];
    for c in &sources {
        // RouterOS keeps IPv6 list entries as prefixes (a host is `/128`).
        let addr = value(&c.to_string());
        let comment = if Some(*c) == harness {
            HARNESS_SOURCE_COMMENT
        } else {
            MGMT_COMMENT
        };
        l.push(format!(
            ":if ([:len [find list={list} address={addr}]] = 0) do={{ add list={list} address={addr} comment={} }}",
            quote(comment)
        ));
    }
    let description = if sources.is_empty() {
        format!("no IPv6 management source: the IPv6 list {MGMT_ADDRESS_LIST} stays empty")
    } else {
        format!(
            "allow {} in the IPv6 address list {MGMT_ADDRESS_LIST}",
            sources
                .iter()
                .map(Cidr::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Step {
        id: "ipv6.address-list",
        measure: Measure::Ipv6,
        description,
        lines: lines(&l),
        verify: vec![],
        run_as: RunAs::Current,
        phase: Phase::AddressList,
        effects: vec![Effect::ChangesHarnessReach],
        only_where: Some(LIST_MENU),
    }
}

/// The `reject-with` of `/ipv6 firewall filter` closest to the IPv4 one (ICMPv6 has its own
/// codes: no route, administratively prohibited, address and port unreachable).
pub fn reject_with6(with: RejectWith) -> &'static str {
    let word = with.word();
    match word {
        "tcp-reset" => "tcp-reset",
        "icmp-port-unreachable" => "icmp-port-unreachable",
        "icmp-net-unreachable" | "icmp-network-unreachable" => "icmp-no-route",
        "icmp-host-unreachable" | "icmp-protocol-unreachable" => "icmp-address-unreachable",
        _ => "icmp-admin-prohibited",
    }
}

fn filter_rules(p: &Profile) -> Step {
    let pt = ports_text(&p.management_ports());
    let with = reject_with6(p.firewall.reject_with.unwrap_or_default());
    Step {
        id: "ipv6.rules",
        measure: Measure::Ipv6,
        description: format!(
            "over IPv6 too: accept tcp/{pt} from {MGMT_ADDRESS_LIST}, then {} it from everywhere else",
            p.firewall.action.as_str()
        ),
        lines: lines(&crate::measures::firewall::management_rules(
            p,
            "/ipv6 firewall filter",
            with,
        )),
        verify: vec![],
        run_as: RunAs::Current,
        phase: Phase::FilterRules,
        effects: vec![Effect::ChangesHarnessReach],
        only_where: Some(FILTER_MENU),
    }
}

fn disable() -> Step {
    Step {
        id: "ipv6.disable",
        measure: Measure::Ipv6,
        description: "turn IPv6 off (disable-ipv6=yes)".into(),
        lines: lines(&["/ipv6 settings set disable-ipv6=yes".into()]),
        verify: vec![],
        run_as: RunAs::Current,
        phase: Phase::FilterRules,
        effects: vec![Effect::ChangesHarnessReach],
        only_where: Some(FILTER_MENU),
    }
}

/// The commands that would undo one of this measure's steps on a router that was in state
/// `before`.
pub(super) fn undo(step: &Step, _profile: &Profile, before: &Before) -> Vec<String> {
    match step.id {
        "ipv6.address-list" => [HARNESS_SOURCE_COMMENT, MGMT_COMMENT]
            .iter()
            .map(|c| {
                format!(
                    "/ipv6 firewall address-list remove [find list={MGMT_ADDRESS_LIST} comment={}]",
                    quote(c)
                )
            })
            .collect(),
        "ipv6.rules" => [DROP_COMMENT, ACCEPT_COMMENT]
            .iter()
            .map(|c| format!("/ipv6 firewall filter remove [find comment={}]", quote(c)))
            .collect(),
        "ipv6.disable" => match before.setting(SETTINGS_MENU, "disable-ipv6") {
            Some(v) => vec![format!("/ipv6 settings set disable-ipv6={}", value(&v))],
            None => vec!["# /ipv6 settings disable-ipv6 before the apply could not be read".into()],
        },
        other => vec![format!("# no undo known for step {other}")],
    }
}
