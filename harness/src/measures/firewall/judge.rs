//! Measure 3, firewall: management ports reachable from whitelisted sources only.
//!
//! White box: the input chain is evaluated for a new TCP connection to each management port,
//! once from a trusted and once from an untrusted source, as RouterOS would (first terminal
//! match wins, accept when nothing matches). Black box: the probe matrix from both vantages.

use std::net::{IpAddr, Ipv4Addr};

use routeros::firewall::{
    Action, AddressListEntry, ConnectionState, FilterRule, ListAddress, Negatable, Protocol,
};
use routeros::firewall6::{AddressList6Entry, FilterRule6};

use super::{RULES, TRUSTED_REACHABLE, UNTRUSTED_BLOCKED};
use crate::check::observe::ReadError;
use crate::check::{Observation, failures, failures_or_unknown, unreadable};
use crate::lab::Role;
use crate::measures::CheckDef;
use crate::outcome::{CheckResult, Measure, Outcome};
use crate::probe::PortState;
use crate::profile::{FirewallAction, Profile};

fn check(def: &CheckDef, title: &str, outcome: Outcome) -> CheckResult {
    CheckResult::new(Measure::Firewall, def.id, title, outcome)
}

/// Judges the firewall measure.
pub fn judge(profile: &Profile, obs: &Observation) -> Vec<CheckResult> {
    vec![
        rules(profile, obs),
        trusted_reachable(profile, obs),
        untrusted_blocked(profile, obs),
    ]
}

/// What the input chain does with a packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Accepted by rule N (or by the chain's default when N is None).
    Accept(Option<usize>),
    /// Dropped or rejected by rule N.
    Block(usize, Action),
    /// Rule N may or may not match (or jumps where this evaluation does not follow): what the
    /// chain does cannot be told from the rules alone. Why, in one line.
    Undecided(usize, String),
}

/// A packet arriving for the router itself, as far as the evaluation models one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet {
    /// Its IP protocol (ICMP is 1 over IPv4, ICMPv6 58 over IPv6).
    pub protocol: Protocol,
    /// Where it comes from (the family decides which chain evaluates it).
    pub src: IpAddr,
    /// Its destination port (TCP and UDP only).
    pub dst_port: Option<u16>,
    /// What connection tracking makes of it.
    pub state: ConnectionState,
}

/// ICMPv6's protocol number.
const ICMPV6: Protocol = Protocol(58);

impl Packet {
    /// The first packet of a new TCP connection.
    pub fn tcp(src: impl Into<IpAddr>, port: u16) -> Packet {
        Packet {
            protocol: Protocol::TCP,
            src: src.into(),
            dst_port: Some(port),
            state: ConnectionState::New,
        }
    }

    /// A UDP datagram that starts a new flow.
    pub fn udp(src: impl Into<IpAddr>, port: u16) -> Packet {
        Packet {
            protocol: Protocol::UDP,
            ..Packet::tcp(src, port)
        }
    }

    /// An echo request: ICMP over IPv4, ICMPv6 over IPv6.
    pub fn icmp(src: impl Into<IpAddr>) -> Packet {
        let src = src.into();
        Packet {
            protocol: if src.is_ipv4() { Protocol(1) } else { ICMPV6 },
            dst_port: None,
            ..Packet::tcp(src, 0)
        }
    }

    /// The same packet in another connection-tracking state.
    pub fn in_state(self, state: ConnectionState) -> Packet {
        Packet { state, ..self }
    }

    fn is_icmp(&self) -> bool {
        self.protocol == Protocol(1) || self.protocol == ICMPV6
    }
}

/// Evaluates the input chain for a new TCP connection from `src` to `port`.
pub fn evaluate(
    rules: &[FilterRule],
    lists: &[AddressListEntry],
    src: Ipv4Addr,
    port: u16,
) -> Verdict {
    evaluate_packet(rules, lists, &Packet::tcp(src, port))
}

/// Evaluates the IPv4 input chain (`/ip firewall filter`) for `packet` as RouterOS would: the
/// first terminal match wins, a chain that matches nothing accepts. An IPv6 packet never
/// reaches this chain: it is accepted by its default.
pub fn evaluate_packet(
    rules: &[FilterRule],
    lists: &[AddressListEntry],
    packet: &Packet,
) -> Verdict {
    let IpAddr::V4(src) = packet.src else {
        return Verdict::Accept(None);
    };
    let in_list = |name: &String| {
        lists.iter().any(|e| {
            !e.disabled
                && &e.list == name
                && matches!(&e.address, ListAddress::Ip(a) if a.contains(src))
        })
    };
    evaluate_chain(
        rules.iter().map(|r| {
            let addresses = negate(&r.src_address, |a| a.contains(src))
                && negate(&r.src_address_list, in_list)
                && r.dst_address.is_none()
                && r.dst_address_list.is_none();
            (r, addresses)
        }),
        packet,
    )
}

/// Evaluates the IPv6 input chain (`/ipv6 firewall filter`) for `packet`, as
/// [`evaluate_packet`] does the IPv4 one.
pub fn evaluate_packet6(
    rules: &[FilterRule6],
    lists: &[AddressList6Entry],
    packet: &Packet,
) -> Verdict {
    let IpAddr::V6(src) = packet.src else {
        return Verdict::Accept(None);
    };
    let in_list = |name: &String| {
        lists
            .iter()
            .any(|e| !e.disabled && &e.list == name && e.address.contains(src))
    };
    evaluate_chain(
        rules.iter().map(|r| {
            let addresses = negate(&r.src_address, |a| a.contains(src))
                && negate(&r.rule.src_address_list, in_list)
                && r.dst_address.is_none()
                && r.rule.dst_address_list.is_none();
            (&r.rule, addresses)
        }),
        packet,
    )
}

/// The chain, rule by rule, each with whether its address matchers (family-specific) match.
fn evaluate_chain<'a>(
    rules: impl Iterator<Item = (&'a FilterRule, bool)>,
    packet: &Packet,
) -> Verdict {
    for (i, (rule, addresses)) in rules.enumerate() {
        if rule.disabled || rule.chain.name() != "input" || !addresses {
            continue;
        }
        match matches(rule, packet) {
            Match::No => continue,
            Match::Unknown(why) => return Verdict::Undecided(i, why),
            Match::Yes => {}
        }
        match rule.action {
            Action::Accept => return Verdict::Accept(Some(i)),
            Action::Drop | Action::Reject | Action::Tarpit => {
                return Verdict::Block(i, rule.action);
            }
            Action::Jump => {
                return Verdict::Undecided(
                    i,
                    format!(
                        "rule {i} jumps to chain {}, which this evaluation does not follow",
                        rule.jump_target.as_deref().unwrap_or("?")
                    ),
                );
            }
            _ => {}
        }
    }
    Verdict::Accept(None)
}

/// Whether a rule matches a packet.
enum Match {
    Yes,
    No,
    /// It names a matcher the evaluation does not model (why).
    Unknown(String),
}

/// Properties among the unmodelled ones that change no match (an action's arguments).
const NOT_MATCHERS: [&str; 3] = ["address-list", "address-list-timeout", "hw-offload"];

fn negate<T>(m: &Option<Negatable<T>>, test: impl Fn(&T) -> bool) -> bool {
    match m {
        None => true,
        Some(n) => test(&n.value) != n.negated,
    }
}

/// The matchers every family shares (the addresses are the caller's).
fn matches(rule: &FilterRule, packet: &Packet) -> Match {
    let port = |p: &routeros::firewall::PortSet| packet.dst_port.is_some_and(|d| p.contains(d));
    let known = negate(&rule.protocol, |p| *p == packet.protocol)
        // A port matcher needs a protocol with ports; a packet without one never matches it.
        && (rule.dst_port.is_none() || packet.dst_port.is_some())
        && negate(&rule.dst_port, port)
        && negate(&rule.connection_state, |s| s.0.contains(&packet.state))
        // A rule bound to an interface or naming things we do not model is not assumed to match.
        && rule.in_interface.is_none()
        && rule.in_interface_list.is_none()
        && rule.src_port.is_none();
    if !known {
        return Match::No;
    }
    // What is left could still tell the packet apart: the verdict would be a guess.
    if rule.tcp_flags.is_some() {
        if packet.protocol != Protocol::TCP {
            return Match::No;
        }
        return Match::Unknown(
            "a rule matches on tcp-flags, which this evaluation does not model".into(),
        );
    }
    if rule.icmp_options.is_some() {
        if !packet.is_icmp() {
            return Match::No;
        }
        return Match::Unknown(
            "a rule matches on icmp-options, which this evaluation does not model".into(),
        );
    }
    if let Some((k, _)) = rule
        .unmodelled
        .iter()
        .find(|(k, _)| !NOT_MATCHERS.contains(&k.as_str()))
    {
        return Match::Unknown(format!(
            "a rule matches on {k}, which this evaluation does not model"
        ));
    }
    Match::Yes
}

pub(crate) fn parsed(
    obs: &Observation,
) -> Result<(Vec<FilterRule>, Vec<AddressListEntry>), ReadError> {
    let filter = obs.filter.as_ref().map_err(Clone::clone)?;
    let lists = obs.address_lists.as_ref().map_err(Clone::clone)?;
    let bad = |menu: &str, i: usize, e: &dyn std::fmt::Display| ReadError {
        menu: menu.to_string(),
        cause: format!("row {i} cannot be understood: {e}"),
    };
    let rules = filter
        .iter()
        .enumerate()
        .map(|(i, r)| FilterRule::from_props(r).map_err(|e| bad("/ip/firewall/filter", i, &e)))
        .collect::<Result<Vec<_>, _>>()?;
    let lists = lists
        .iter()
        .enumerate()
        .map(|(i, r)| {
            AddressListEntry::from_props(r).map_err(|e| bad("/ip/firewall/address-list", i, &e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((rules, lists))
}

pub(crate) fn v4(ip: Option<IpAddr>) -> Option<Ipv4Addr> {
    match ip? {
        IpAddr::V4(v) => Some(v),
        IpAddr::V6(_) => None,
    }
}

/// A source that no management CIDR contains (TEST-NET-3), for judging the rules.
pub(crate) fn outsider(profile: &Profile, obs: &Observation) -> Ipv4Addr {
    if let Some(ip) = v4(obs.source(Role::Untrusted)) {
        return ip;
    }
    let candidate = Ipv4Addr::new(203, 0, 113, 66);
    let listed = profile
        .firewall
        .management_cidrs
        .iter()
        .any(|c| c.contains(IpAddr::V4(candidate)));
    if listed {
        Ipv4Addr::new(198, 51, 100, 66)
    } else {
        candidate
    }
}

fn rules(profile: &Profile, obs: &Observation) -> CheckResult {
    let title = RULES.title;
    let (rules, lists) = match parsed(obs) {
        Ok(x) => x,
        Err(e) => return check(&RULES, title, unreadable(&e)),
    };
    let trusted = v4(obs.source(Role::Trusted)).or_else(|| {
        profile
            .firewall
            .management_cidrs
            .iter()
            .find_map(|c| v4(Some(c.addr())))
    });
    let outsider = outsider(profile, obs);
    let mut bad = Vec::new();
    let mut unknown = Vec::new();
    let mut evidence = Vec::new();
    for port in profile.management_ports() {
        if let Some(t) = trusted {
            let v = evaluate(&rules, &lists, t, port);
            evidence.push(format!("tcp {t} -> :{port}: {v:?}"));
            match v {
                Verdict::Block(i, a) => bad.push(format!(
                    "port {port} from trusted {t} is blocked by rule {i} ({})",
                    a.word()
                )),
                Verdict::Undecided(_, why) => {
                    unknown.push(format!("port {port} from trusted {t}: {why}"))
                }
                Verdict::Accept(_) => {}
            }
        }
        let v = evaluate(&rules, &lists, outsider, port);
        evidence.push(format!("tcp {outsider} -> :{port}: {v:?}"));
        match v {
            Verdict::Accept(Some(i)) => bad.push(format!(
                "port {port} from untrusted {outsider} is accepted by rule {i}"
            )),
            Verdict::Accept(None) => bad.push(format!(
                "port {port} from untrusted {outsider} is not blocked by any input rule"
            )),
            Verdict::Undecided(_, why) => {
                unknown.push(format!("port {port} from untrusted {outsider}: {why}"))
            }
            Verdict::Block(..) => {}
        }
    }
    check(&RULES, title, failures_or_unknown(bad, unknown)).with_evidence_lines(evidence)
}

fn trusted_reachable(profile: &Profile, obs: &Observation) -> CheckResult {
    let title = TRUSTED_REACHABLE.title;
    if obs.source(Role::Trusted).is_none() {
        return check(
            &TRUSTED_REACHABLE,
            title,
            Outcome::Skip("not verifiable: no trusted vantage".into()),
        );
    }
    let mut bad = Vec::new();
    let mut evidence = Vec::new();
    for port in profile.management_ports() {
        match obs.matrix.get(port, Role::Trusted.name()) {
            Some(p) => {
                evidence.push(format!("port {port} from trusted: {p}"));
                if !p.answers() {
                    bad.push(format!("port {port} does not answer from trusted ({p})"));
                }
            }
            None => bad.push(format!("port {port} was not probed from trusted")),
        }
    }
    check(&TRUSTED_REACHABLE, title, failures(bad)).with_evidence_lines(evidence)
}

fn untrusted_blocked(profile: &Profile, obs: &Observation) -> CheckResult {
    let title = UNTRUSTED_BLOCKED.title;
    if obs.source(Role::Untrusted).is_none() {
        return check(
            &UNTRUSTED_BLOCKED,
            title,
            Outcome::Skip(
                "not verifiable: no untrusted vantage (name a second source address)".into(),
            ),
        );
    }
    if let Some(limit) = obs.limitations.iter().find(|l| l.hides_the_firewall()) {
        return check(
            &UNTRUSTED_BLOCKED,
            title,
            Outcome::Skip(format!("not verifiable: {limit}")),
        );
    }
    let want = match profile.firewall.action {
        FirewallAction::Drop => "filtered",
        FirewallAction::Reject => "closed or rejected",
    };
    let mut bad = Vec::new();
    let mut evidence = Vec::new();
    let managed = profile.management_ports();
    // Through port forwards an ICMP reject looks like a drop: there a `filtered` probe proves a
    // drop only together with the rules, which must drop that port for the untrusted source.
    let forwarded = obs.tcp_path == crate::probe::TcpPath::Forwarded;
    let white_box = if forwarded { parsed(obs).ok() } else { None };
    let untrusted_ip = v4(obs.source(Role::Untrusted));
    for port in &managed {
        let port = *port;
        match obs.matrix.get(port, Role::Untrusted.name()) {
            Some(p)
                if forwarded
                    && p.state == PortState::Filtered
                    && profile.firewall.action == FirewallAction::Drop =>
            {
                evidence.push(format!(
                    "port {port} from untrusted: {p} (through a port forward)"
                ));
                let verdict = match (&white_box, untrusted_ip) {
                    (Some((rules, lists)), Some(ip)) => Some(evaluate(rules, lists, ip, port)),
                    _ => None,
                };
                match verdict {
                    Some(Verdict::Block(_, Action::Drop)) => {}
                    Some(Verdict::Block(i, a)) => bad.push(format!(
                        "port {port} is blocked from untrusted by rule {i} ({}), expected drop",
                        a.word()
                    )),
                    Some(Verdict::Accept(_)) => bad.push(format!(
                        "port {port} looks filtered from untrusted but the input chain accepts it"
                    )),
                    Some(Verdict::Undecided(_, why)) => {
                        return check(
                            &UNTRUSTED_BLOCKED,
                            title,
                            Outcome::Skip(format!(
                                "not verifiable: through port forwards a drop and an ICMP reject look alike, and the rules do not tell: {why}"
                            )),
                        );
                    }
                    None => {
                        return check(&UNTRUSTED_BLOCKED,
                            title,
                            Outcome::Skip(
                                "not verifiable: through port forwards a drop and an ICMP reject look alike, and the rules could not be read".into(),
                            ),
                        );
                    }
                }
            }
            Some(p) => {
                evidence.push(format!("port {port} from untrusted: {p}"));
                let ok = match profile.firewall.action {
                    FirewallAction::Drop => p.state == PortState::Filtered,
                    FirewallAction::Reject => {
                        matches!(p.state, PortState::Closed | PortState::Rejected)
                    }
                };
                if !ok {
                    bad.push(format!(
                        "port {port} is {p} from untrusted, expected {want}"
                    ));
                }
            }
            None => bad.push(format!("port {port} was not probed from untrusted")),
        }
    }
    // Every other port a RouterOS service or listener can use: nothing may answer from the
    // untrusted vantage that the profile does not mean to be public.
    for (port, by) in &obs.matrix.cells {
        if managed.contains(port) {
            continue;
        }
        let Some(p) = by.get(Role::Untrusted.name()) else {
            continue;
        };
        if p.state != PortState::Open {
            continue;
        }
        if profile.firewall.public_ports.contains(port) {
            evidence.push(format!(
                "port {port} from untrusted: {p} (public by the profile)"
            ));
        } else {
            bad.push(format!(
                "port {port} ({}) answers from untrusted: {p}",
                obs.port_owner(*port)
            ));
        }
    }
    check(&UNTRUSTED_BLOCKED, title, failures(bad)).with_evidence_lines(evidence)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A rule from its CLI form (`chain=input action=drop …`), for tests.
    pub(crate) fn rule(line: &str) -> FilterRule {
        let props: Vec<(String, String)> = line
            .split_whitespace()
            .map(|w| {
                let (k, v) = w.split_once('=').unwrap_or((w, ""));
                (k.to_string(), v.to_string())
            })
            .collect();
        FilterRule::from_props(&props).expect("test rule parses")
    }

    fn list(name: &str, address: &str) -> AddressListEntry {
        AddressListEntry::from_props(&[
            ("list".into(), name.into()),
            ("address".into(), address.into()),
        ])
        .expect("test entry parses")
    }

    const TRUSTED: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
    const OUTSIDER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 66);

    /// One case: rules, address lists, source, port → verdict.
    fn check(rules: &[&str], lists: &[AddressListEntry], src: Ipv4Addr, port: u16, want: Verdict) {
        let rules: Vec<FilterRule> = rules.iter().map(|r| rule(r)).collect();
        assert_eq!(
            evaluate(&rules, lists, src, port),
            want,
            "{rules:?} from {src} to {port}"
        );
    }

    #[test]
    fn the_seed_rules_admit_the_whitelist_and_drop_the_rest() {
        let seed = [
            "chain=input action=accept protocol=tcp dst-port=22,80,8291 src-address=192.0.2.10",
            "chain=input action=drop connection-state=!established,related protocol=tcp dst-port=22,80,8291",
        ];
        check(&seed, &[], TRUSTED, 22, Verdict::Accept(Some(0)));
        check(&seed, &[], OUTSIDER, 8291, Verdict::Block(1, Action::Drop));
        // Ports the rules do not name fall through to the chain's accept.
        check(&seed, &[], OUTSIDER, 2222, Verdict::Accept(None));
    }

    #[test]
    fn order_lists_negation_and_disabled_rules_count() {
        let lists = [list("mgmt", "192.0.2.0/28")];
        // The drop before the accept wins, as on RouterOS.
        check(
            &[
                "chain=input action=drop protocol=tcp dst-port=2222",
                "chain=input action=accept src-address-list=mgmt",
            ],
            &lists,
            TRUSTED,
            2222,
            Verdict::Block(0, Action::Drop),
        );
        // A disabled drop is skipped; the address list admits 192.0.2.10 but not .66.
        let rules = [
            "chain=input action=drop protocol=tcp dst-port=2222 disabled=yes",
            "chain=input action=accept src-address-list=mgmt",
            "chain=input action=reject src-address-list=!mgmt protocol=tcp",
        ];
        check(&rules, &lists, TRUSTED, 2222, Verdict::Accept(Some(1)));
        check(
            &rules,
            &lists,
            OUTSIDER,
            2222,
            Verdict::Block(2, Action::Reject),
        );
        // Rules of other chains, and rules bound to an interface, are not assumed to match.
        check(
            &[
                "chain=forward action=drop",
                "chain=input action=drop in-interface=ether2",
            ],
            &[],
            OUTSIDER,
            22,
            Verdict::Accept(None),
        );
    }
}
