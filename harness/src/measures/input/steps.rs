//! The step that closes the input chain (see [`crate::render`] for the order and form of steps).
//!
//! Its rules go after the firewall measure's management rules, in this order, each found again
//! by its comment (idempotent: a second apply changes nothing, and repairs the order):
//! accept established/related/untracked, drop invalid, accept ICMP (when the profile says so),
//! accept the published TCP and UDP ports, and last drop everything from sources outside the
//! management address list. Sources in the list keep every port (the management rules already
//! decided which of theirs are management).

use routeros::quote::value;

use crate::apply::Before;
use crate::measures::ipv6::Ipv6Mode;
use crate::outcome::Measure;
use crate::profile::{Cidr, MGMT_ADDRESS_LIST, Profile};
use crate::render::{Effect, Phase, RenderContext, RunAs, Step, lines, ports_text, quote};

/// The comment of the rule accepting established, related and untracked packets.
pub const ESTABLISHED_COMMENT: &str = "chrlab: accept established";
/// The comment of the rule dropping invalid packets.
pub const INVALID_COMMENT: &str = "chrlab: drop invalid";
/// The comment of the rule accepting ICMP.
pub const ICMP_COMMENT: &str = "chrlab: accept icmp";
/// The comment of the rule accepting the published TCP ports.
pub const PUBLIC_TCP_COMMENT: &str = "chrlab: accept public tcp";
/// The comment of the rule accepting the published UDP ports.
pub const PUBLIC_UDP_COMMENT: &str = "chrlab: accept public udp";
/// The comment of the final drop.
pub const FINAL_DROP_COMMENT: &str = "chrlab: drop all else";

/// Every comment this measure's rules carry, in chain order (for undo).
const COMMENTS: [&str; 6] = [
    ESTABLISHED_COMMENT,
    INVALID_COMMENT,
    ICMP_COMMENT,
    PUBLIC_TCP_COMMENT,
    PUBLIC_UDP_COMMENT,
    FINAL_DROP_COMMENT,
];

/// The address family a chain is rendered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// `/ip firewall filter`.
    V4,
    /// `/ipv6 firewall filter`.
    V6,
}

/// The rules before the final drop, `(comment, properties)`, in chain order. Over IPv6,
/// ICMPv6 is accepted always, and before the invalid drop: neighbor discovery is ICMPv6, and
/// it must never depend on how connection tracking classifies it (Linux tracks no neighbor
/// solicitation as a connection).
pub(crate) fn rules(p: &Profile, family: Family) -> Vec<(&'static str, String)> {
    let established = (
        ESTABLISHED_COMMENT,
        "chain=input action=accept connection-state=established,related,untracked".to_string(),
    );
    let invalid = (
        INVALID_COMMENT,
        "chain=input action=drop connection-state=invalid".to_string(),
    );
    let mut out = match family {
        Family::V4 => {
            let mut v = vec![established, invalid];
            if p.input.accept_icmp {
                v.push((
                    ICMP_COMMENT,
                    "chain=input action=accept protocol=icmp".into(),
                ));
            }
            v
        }
        Family::V6 => vec![
            established,
            (
                ICMP_COMMENT,
                "chain=input action=accept protocol=icmpv6".into(),
            ),
            invalid,
        ],
    };
    if !p.firewall.public_ports.is_empty() {
        out.push((
            PUBLIC_TCP_COMMENT,
            format!(
                "chain=input action=accept protocol=tcp dst-port={}",
                value(&ports_text(&p.firewall.public_ports))
            ),
        ));
    }
    if !p.input.public_udp_ports.is_empty() {
        out.push((
            PUBLIC_UDP_COMMENT,
            format!(
                "chain=input action=accept protocol=udp dst-port={}",
                value(&ports_text(&p.input.public_udp_ports))
            ),
        ));
    }
    out
}

/// The final drop: everything from sources outside the management list (IPv4 or IPv6 list
/// of that name).
pub(crate) fn final_drop() -> String {
    format!(
        "chain=input action=drop src-address-list={}",
        value(&format!("!{MGMT_ADDRESS_LIST}"))
    )
}

/// The measure's steps: the IPv4 chain, and its IPv6 mirror where `[ipv6]` filters IPv6
/// (skipped on a router without `/ipv6 firewall`); none when the profile leaves the chain open.
pub(super) fn steps(p: &Profile, _ctx: &RenderContext, _sources: &[Cidr]) -> Vec<Step> {
    if !p.input.close {
        return Vec::new();
    }
    let mut out = vec![chain_step(p, Family::V4)];
    if p.ipv6.mode == Ipv6Mode::Filter {
        out.push(chain_step(p, Family::V6));
    }
    out
}

fn chain_step(p: &Profile, family: Family) -> Step {
    let (menu, id, only_where, icmp) = match family {
        Family::V4 => ("/ip firewall filter", "input.chain", None, "icmp"),
        Family::V6 => (
            "/ipv6 firewall filter",
            "input.chain6",
            Some(crate::measures::ipv6::FILTER_MENU),
            "icmpv6",
        ),
    };
    let last = quote(FINAL_DROP_COMMENT);
    let drop = final_drop();
    let mut l = vec![
        menu.to_string(),
        format!(":if ([:len [find comment={last}]] = 0) do={{ add {drop} comment={last} }}"),
        format!("set [find comment={last}] {drop} disabled=no"),
    ];
    for (comment, props) in rules(p, family) {
        let c = quote(comment);
        l.push(format!(
            ":if ([:len [find comment={c}]] = 0) do={{ add {props} comment={c} place-before=[find comment={last}] }}"
        ));
        l.push(format!("set [find comment={c}] {props} disabled=no"));
        // Repairs the order if the rule already existed elsewhere; a no-op otherwise.
        l.push(format!(
            "move [find comment={c}] destination=[find comment={last}]"
        ));
    }
    let published: Vec<String> = p
        .firewall
        .public_ports
        .iter()
        .map(|p| format!("tcp/{p}"))
        .chain(p.input.public_udp_ports.iter().map(|p| format!("udp/{p}")))
        .collect();
    let icmp_accepted = family == Family::V6 || p.input.accept_icmp;
    Step {
        id,
        measure: Measure::Input,
        description: format!(
            "close the {} input chain: accept established/related{}, drop invalid{}, drop everything else not from {MGMT_ADDRESS_LIST}",
            match family {
                Family::V4 => "IPv4",
                Family::V6 => "IPv6",
            },
            if icmp_accepted {
                format!(", accept {icmp}")
            } else {
                String::new()
            },
            if published.is_empty() {
                String::new()
            } else {
                format!(", accept {}", published.join(" "))
            }
        ),
        lines: lines(&l),
        verify: vec![],
        run_as: RunAs::Current,
        phase: Phase::InputChain,
        effects: vec![Effect::ChangesHarnessReach],
        only_where,
    }
}

/// Removes the measure's rules (the chain as the firewall measure left it).
pub(super) fn undo(step: &Step, _profile: &Profile, _before: &Before) -> Vec<String> {
    match step.id {
        "input.chain" | "input.chain6" => {
            let menu = if step.id == "input.chain" {
                "/ip firewall filter"
            } else {
                "/ipv6 firewall filter"
            };
            COMMENTS
                .iter()
                .map(|c| format!("{menu} remove [find comment={}]", quote(c)))
                .collect()
        }
        other => vec![format!("# no undo known for step {other}")],
    }
}
