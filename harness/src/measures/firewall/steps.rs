//! The steps that apply this measure (see [`crate::render`] for their order and form).

use routeros::quote::value;

use crate::apply::Before;
use crate::outcome::Measure;
use crate::profile::{Cidr, FirewallAction, MGMT_ADDRESS_LIST, Profile};
use crate::render::{
    ACCEPT_COMMENT, DROP_COMMENT, Effect, HARNESS_SOURCE_COMMENT, MGMT_COMMENT, Phase,
    RenderContext, RunAs, Step, Verify, lines, ports_text, quote,
};

/// The firewall measure's steps: the allowed sources, then the accept and drop rules.
pub(super) fn steps(p: &Profile, ctx: &RenderContext, sources: &[Cidr]) -> Vec<Step> {
    // IPv6 prefixes go to `/ipv6 firewall address-list` (the ipv6 measure).
    let v4: Vec<Cidr> = sources
        .iter()
        .filter(|c| c.addr().is_ipv4())
        .copied()
        .collect();
    vec![address_list(p, ctx, &v4), filter_rules(p)]
}

fn address_list(p: &Profile, ctx: &RenderContext, sources: &[Cidr]) -> Step {
    let mut l = vec!["/ip firewall address-list".to_string()];
    let list = value(MGMT_ADDRESS_LIST);
    let harness = ctx
        .harness_source
        .filter(|_| p.firewall.include_harness_source)
        .map(Cidr::host);
    for c in sources {
        let addr = value(&c.routeros_form());
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
    Step {
        id: "firewall.address-list",
        measure: Measure::Firewall,
        description: format!(
            "allow {} in the address list {MGMT_ADDRESS_LIST}",
            sources
                .iter()
                .map(Cidr::routeros_form)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        lines: lines(&l),
        verify: vec![Verify::AddressList {
            list: MGMT_ADDRESS_LIST.into(),
            addresses: sources.iter().map(Cidr::routeros_form).collect(),
        }],
        run_as: RunAs::Current,
        phase: Phase::AddressList,
        effects: vec![Effect::ChangesHarnessReach],
        only_where: None,
    }
}

/// The management rules of an input chain, as script lines under `menu` (`/ip firewall filter`,
/// `/ipv6 firewall filter`): accept the management ports from the list, then drop (or reject
/// with `reject_with`, the menu's own word) them from everywhere else. Idempotent.
pub(crate) fn management_rules(p: &Profile, menu: &str, reject_with: &str) -> Vec<String> {
    let pt = ports_text(&p.management_ports());
    let (dst, list) = (value(&pt), value(MGMT_ADDRESS_LIST));
    let accept =
        format!("chain=input action=accept protocol=tcp dst-port={dst} src-address-list={list}");
    let mut close = format!(
        "chain=input action={} connection-state=!established,related protocol=tcp dst-port={dst}",
        value(p.firewall.action.as_str())
    );
    if p.firewall.action == FirewallAction::Reject {
        close.push_str(&format!(" reject-with={}", value(reject_with)));
    }
    let (ac, dc) = (quote(ACCEPT_COMMENT), quote(DROP_COMMENT));
    vec![
        menu.to_string(),
        // Accept first, so there is never a moment with only the drop rule.
        format!(":if ([:len [find comment={ac}]] = 0) do={{ add {accept} comment={ac} }}"),
        format!("set [find comment={ac}] {accept} disabled=no"),
        format!(":if ([:len [find comment={dc}]] = 0) do={{ add {close} comment={dc} }}"),
        format!("set [find comment={dc}] {close} disabled=no"),
        // Repairs the order if the rules already existed the wrong way round; a no-op otherwise.
        format!("move [find comment={ac}] destination=[find comment={dc}]"),
    ]
}

fn filter_rules(p: &Profile) -> Step {
    let ports = p.management_ports();
    let pt = ports_text(&ports);
    let with = p.firewall.reject_with.unwrap_or_default();
    Step {
        id: "firewall.rules",
        measure: Measure::Firewall,
        description: format!(
            "accept tcp/{pt} from {MGMT_ADDRESS_LIST}, then {} it from everywhere else",
            p.firewall.action.as_str()
        ),
        lines: lines(&management_rules(p, "/ip firewall filter", with.word())),
        verify: vec![Verify::FilterOrder {
            accept_comment: ACCEPT_COMMENT.into(),
            drop_comment: DROP_COMMENT.into(),
            ports,
        }],
        run_as: RunAs::Current,
        phase: Phase::FilterRules,
        effects: vec![Effect::ChangesHarnessReach],
        only_where: None,
    }
}

/// The commands that would undo one of this measure's steps on a router that was in state
/// `before` (what cannot be undone by a command says so in a comment).
pub(super) fn undo(step: &Step, _profile: &Profile, _before: &Before) -> Vec<String> {
    let q = crate::render::quote;
    match step.id {
        "firewall.address-list" => [HARNESS_SOURCE_COMMENT, MGMT_COMMENT]
            .iter()
            .map(|c| {
                format!(
                    "/ip firewall address-list remove [find list={} comment={}]",
                    crate::profile::MGMT_ADDRESS_LIST,
                    q(c)
                )
            })
            .collect(),
        "firewall.rules" => vec![
            format!(
                "/ip firewall filter remove [find comment={}]",
                q(DROP_COMMENT)
            ),
            format!(
                "/ip firewall filter remove [find comment={}]",
                q(ACCEPT_COMMENT)
            ),
        ],
        other => vec![format!("# no undo known for step {other}")],
    }
}
