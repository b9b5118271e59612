//! The input chain's verdicts: the chain as RouterOS evaluates it (white box) and what the
//! untrusted vantage saw (black box).

use std::net::{IpAddr, Ipv4Addr};

use routeros::firewall::{Action, AddressListEntry, ConnectionState, FilterRule};
use routeros::firewall6::{AddressList6Entry, FilterRule6};

use super::probe::{TCP, TCP6, UDP, UDP6};
use super::{CHAIN, UNTRUSTED_SILENT};
use crate::check::{Observation, failures_or_unknown, unreadable};
use crate::lab::Role;
use crate::measures::CheckDef;
use crate::measures::firewall::{
    Packet, Verdict, evaluate_packet, evaluate_packet6, outsider, parsed, v4,
};
use crate::measures::ipv6::{FILTER_MENU, Ipv6Mode, SETTINGS_MENU, outsider6, parsed6};
use crate::measures::is_on;
use crate::outcome::{CheckResult, Measure, Outcome};
use crate::probe::{PortState, Seen, TcpPath};
use crate::profile::{FirewallAction, Profile};

fn check(def: &CheckDef, outcome: Outcome) -> CheckResult {
    CheckResult::new(Measure::Input, def.id, def.title, outcome)
}

/// Judges the input measure.
pub fn judge(profile: &Profile, obs: &Observation) -> Vec<CheckResult> {
    vec![chain(profile, obs), untrusted_silent(profile, obs)]
}

fn not_required(def: &CheckDef) -> CheckResult {
    check(
        def,
        Outcome::Skip(
            "not required: the profile leaves the input chain open ([input] close = false)".into(),
        ),
    )
}

/// The port lists, joined for a reason or the evidence.
fn ports(list: &[u16]) -> String {
    list.iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What one rule verdict means for a packet that must be blocked (or accepted).
struct Tally {
    bad: Vec<String>,
    unknown: Vec<String>,
}

fn chain(profile: &Profile, obs: &Observation) -> CheckResult {
    if !profile.input.close {
        return not_required(&CHAIN);
    }
    let (rules, lists) = match parsed(obs) {
        Ok(x) => x,
        Err(e) => return check(&CHAIN, unreadable(&e)),
    };
    let mut t = Tally {
        bad: Vec::new(),
        unknown: Vec::new(),
    };
    let mut evidence = Vec::new();
    let from = outsider(profile, obs);
    judge_family(
        profile,
        &mut t,
        &mut evidence,
        "",
        IpAddr::V4(from),
        profile.input.accept_icmp,
        &|p: Packet| evaluate_packet(&rules, &lists, &p),
    );
    // The IPv6 mirror, where the profile filters IPv6 and the router has an IPv6 chain.
    match ipv6_chain(profile, obs) {
        Ipv6Chain::Rules(rules6, lists6) => {
            let from6 = outsider6(profile, obs);
            // ICMPv6 carries neighbor discovery: the chain must accept it whatever accept_icmp says.
            judge_family(
                profile,
                &mut t,
                &mut evidence,
                "IPv6 ",
                IpAddr::V6(from6),
                true,
                &|p: Packet| evaluate_packet6(&rules6, &lists6, &p),
            );
        }
        Ipv6Chain::NotApplicable(why) => evidence.push(format!("IPv6 chain not judged: {why}")),
        Ipv6Chain::Unreadable(why) => t.unknown.push(format!("the IPv6 chain: {why}")),
    }
    check(&CHAIN, failures_or_unknown(t.bad, t.unknown)).with_evidence_lines(evidence)
}

/// What the IPv6 half of the white box has to go on.
enum Ipv6Chain {
    Rules(Vec<FilterRule6>, Vec<AddressList6Entry>),
    /// Nothing to judge, and why (the profile turns IPv6 off, IPv6 is off, RouterOS 6 without it).
    NotApplicable(String),
    /// The chain could not be read.
    Unreadable(String),
}

fn ipv6_chain(profile: &Profile, obs: &Observation) -> Ipv6Chain {
    if profile.ipv6.mode != Ipv6Mode::Filter {
        return Ipv6Chain::NotApplicable(
            "[ipv6] mode turns IPv6 off (ipv6.firewall judges that)".into(),
        );
    }
    if let Ok(rows) = obs.menu(SETTINGS_MENU)
        && rows
            .iter()
            .flatten()
            .any(|(k, v)| k == "disable-ipv6" && is_on(v))
    {
        return Ipv6Chain::NotApplicable("IPv6 is off (/ipv6 settings disable-ipv6=yes)".into());
    }
    if matches!(&obs.update, Ok(u) if u.installed_version.major() < 7)
        && obs.menu(FILTER_MENU).is_err()
    {
        return Ipv6Chain::NotApplicable("RouterOS 6 without IPv6".into());
    }
    match parsed6(obs) {
        Ok((rules, lists)) => Ipv6Chain::Rules(rules, lists),
        Err(e) => Ipv6Chain::Unreadable(e.to_string()),
    }
}

/// One family's chain (`label` "" or "IPv6 "): established accepted, invalid dropped, ICMP as
/// `icmp_accepted` wants, and every new flow to the tables' ports blocked but the published.
fn judge_family(
    profile: &Profile,
    t: &mut Tally,
    evidence: &mut Vec<String>,
    label: &str,
    from: IpAddr,
    icmp_accepted: bool,
    eval: &dyn Fn(Packet) -> Verdict,
) {
    evidence.push(format!(
        "{label}evaluated for packets from the untrusted source {from}"
    ));
    // Replies to the router's own connections (and to the management sessions) come back as
    // established packets: dropping them breaks the router.
    let established = eval(Packet::tcp(from, 49152).in_state(ConnectionState::Established));
    evidence.push(format!("{label}established tcp: {established:?}"));
    must_accept(
        t,
        &format!("an {label}established TCP packet"),
        &established,
    );
    let invalid = eval(Packet::tcp(from, 49152).in_state(ConnectionState::Invalid));
    evidence.push(format!("{label}invalid tcp: {invalid:?}"));
    must_block(t, &format!("an {label}invalid TCP packet"), &invalid);
    let icmp = eval(Packet::icmp(from));
    evidence.push(format!("{label}icmp echo: {icmp:?}"));
    if icmp_accepted {
        must_accept(t, &format!("an {label}ICMP echo request"), &icmp);
    } else {
        must_block(t, &format!("an {label}ICMP echo request"), &icmp);
    }
    for (proto, table, public) in [
        ("tcp", TCP, &profile.firewall.public_ports),
        ("udp", UDP, &profile.input.public_udp_ports),
    ] {
        let mut accepted = Vec::new();
        let mut blocked_public = Vec::new();
        let mut blocked = Vec::new();
        for (_, port) in table.iter().copied().chain(public.iter().map(|p| ("", *p))) {
            let packet = match proto {
                "tcp" => Packet::tcp(from, port),
                _ => Packet::udp(from, port),
            };
            let is_public = public.contains(&port);
            match eval(packet) {
                Verdict::Accept(_) if is_public => {}
                Verdict::Accept(rule) => accepted.push((port, rule)),
                Verdict::Block(..) if is_public => blocked_public.push(port),
                Verdict::Block(..) => blocked.push(port),
                Verdict::Undecided(_, why) => t
                    .unknown
                    .push(format!("a new {label}{proto} flow to port {port}: {why}")),
            }
        }
        blocked.sort_unstable();
        blocked.dedup();
        if !blocked.is_empty() {
            evidence.push(format!("{label}new {proto} blocked: {}", ports(&blocked)));
        }
        let by_rule: Vec<u16> = accepted
            .iter()
            .filter(|(_, r)| r.is_some())
            .map(|(p, _)| *p)
            .collect();
        let by_default: Vec<u16> = accepted
            .iter()
            .filter(|(_, r)| r.is_none())
            .map(|(p, _)| *p)
            .collect();
        if !by_default.is_empty() {
            t.bad.push(format!(
                "new {label}{proto} flows from {from} to ports {} are not blocked by any input rule (the chain ends in accept)",
                ports(&by_default)
            ));
        }
        if !by_rule.is_empty() {
            t.bad.push(format!(
                "new {label}{proto} flows from {from} to ports {} are accepted by a rule",
                ports(&by_rule)
            ));
        }
        if !blocked_public.is_empty() {
            t.bad.push(format!(
                "{label}{proto} ports {} are published by the profile but blocked",
                ports(&blocked_public)
            ));
        }
    }
}

fn must_accept(t: &mut Tally, what: &str, v: &Verdict) {
    match v {
        Verdict::Accept(_) => {}
        Verdict::Block(i, a) => t
            .bad
            .push(format!("{what} is {} by rule {i}", blocked_word(*a))),
        Verdict::Undecided(_, why) => t.unknown.push(format!("{what}: {why}")),
    }
}

fn must_block(t: &mut Tally, what: &str, v: &Verdict) {
    match v {
        Verdict::Block(..) => {}
        Verdict::Accept(Some(i)) => t.bad.push(format!("{what} is accepted by rule {i}")),
        Verdict::Accept(None) => t
            .bad
            .push(format!("{what} is not dropped by any input rule")),
        Verdict::Undecided(_, why) => t.unknown.push(format!("{what}: {why}")),
    }
}

fn blocked_word(a: Action) -> &'static str {
    match a {
        Action::Reject => "rejected",
        _ => "dropped",
    }
}

/// Whether a port's answer from the untrusted vantage is what the profile wants there anyway:
/// a management port the `[firewall]` rules reject.
fn rejected_by_design(profile: &Profile, port: u16) -> bool {
    profile.firewall.action == FirewallAction::Reject && profile.management_ports().contains(&port)
}

fn untrusted_silent(profile: &Profile, obs: &Observation) -> CheckResult {
    if !profile.input.close {
        return not_required(&UNTRUSTED_SILENT);
    }
    if obs.source(Role::Untrusted).is_none() {
        return check(
            &UNTRUSTED_SILENT,
            Outcome::Skip(
                "not verifiable: no untrusted vantage (name a second source address)".into(),
            ),
        );
    }
    if let Some(limit) = obs.limitations.iter().find(|l| l.hides_the_firewall()) {
        return check(
            &UNTRUSTED_SILENT,
            Outcome::Skip(format!("not verifiable: {limit}")),
        );
    }
    let role = Role::Untrusted;
    // Through port forwards silence cannot tell a drop from an ICMP reject (nor from a service
    // that never speaks): there it counts only where the rules drop the port too.
    let forwarded = obs.tcp_path == TcpPath::Forwarded;
    let white_box: Option<(Vec<FilterRule>, Vec<AddressListEntry>)> = parsed(obs).ok();
    let from: Option<Ipv4Addr> = v4(obs.source(role));
    let dropped_by_rules = |packet: Packet| match (&white_box, from) {
        (Some((rules, lists)), Some(_)) => {
            matches!(
                evaluate_packet(rules, lists, &packet),
                Verdict::Block(_, Action::Drop)
            )
        }
        _ => false,
    };
    let accepted_by_rules = |packet: Packet| match &white_box {
        Some((rules, lists)) => {
            matches!(evaluate_packet(rules, lists, &packet), Verdict::Accept(_))
        }
        None => false,
    };
    let mut notes: Vec<String> = Vec::new();
    let mut answered = Vec::new();
    let (mut reset_tcp, mut refused_udp) = (Vec::new(), Vec::new());
    let mut unknown = Vec::new();
    let (mut silent, mut published, mut unconfirmed) = (Vec::new(), Vec::new(), Vec::new());
    let mut tcp_seen: Vec<u16> = Vec::new();
    // The measure's own TCP probes, then any other port of the matrix (services moved to other
    // ports, the profile's extra ports).
    let mut tcp: Vec<(u16, Option<Seen>)> = TCP
        .iter()
        .map(|(id, port)| (*port, obs.seen(Measure::Input, id, role).cloned()))
        .collect();
    for (port, by) in &obs.matrix.cells {
        if TCP.iter().any(|(_, p)| p == port) {
            continue;
        }
        if let Some(p) = by.get(role.name()) {
            let text = format!("tcp {port}: {p}");
            tcp.push((
                *port,
                Some(match p.state {
                    PortState::Filtered => Seen::Silent(text),
                    PortState::Open => Seen::Answered(text),
                    PortState::Closed | PortState::Rejected => Seen::Refused(text),
                }),
            ));
        }
    }
    for (port, seen) in tcp {
        tcp_seen.push(port);
        if profile.firewall.public_ports.contains(&port) {
            published.push(format!("tcp {port}"));
            continue;
        }
        match seen {
            None => unknown.push(format!(
                "tcp {port} was not probed from the untrusted vantage"
            )),
            Some(Seen::NotRun(why)) => unknown.push(why),
            Some(Seen::Silent(_)) if forwarded && from.is_some() => {
                if dropped_by_rules(Packet::tcp(from.unwrap_or(Ipv4Addr::UNSPECIFIED), port)) {
                    silent.push(format!("tcp {port}"));
                } else {
                    unconfirmed.push(port);
                }
            }
            Some(Seen::Silent(_)) => silent.push(format!("tcp {port}")),
            Some(Seen::Refused(_)) if rejected_by_design(profile, port) => {
                published.push(format!("tcp {port} (rejected by [firewall])"))
            }
            Some(Seen::Refused(what)) => reset_tcp.push(format!(
                "{port} ({})",
                what.split_once(": ").map_or(what.as_str(), |x| x.1)
            )),
            Some(Seen::Answered(what)) => answered.push(what),
        }
    }
    if !unconfirmed.is_empty() {
        unknown.push(format!(
            "tcp {} looked silent through the port forwards, where a drop and an ICMP reject look alike, and the rules do not drop them",
            ports(&unconfirmed)
        ));
    }
    let mut udp_not_run: Vec<String> = Vec::new();
    for (id, port) in UDP {
        if profile.input.public_udp_ports.contains(port) {
            published.push(format!("udp {port}"));
            continue;
        }
        match obs.seen(Measure::Input, id, role) {
            None => unknown.push(format!("udp {port} was not probed from the untrusted vantage")),
            Some(Seen::NotRun(why)) => udp_not_run.push(why.clone()),
            Some(Seen::Silent(_))
                if from.is_some_and(|f| accepted_by_rules(Packet::udp(f, *port))) =>
            {
                unknown.push(format!(
                    "udp {port} was silent, but the input chain accepts it: an ICMP error may have been rate-limited, or a listener ignored the datagram"
                ))
            }
            Some(Seen::Silent(_)) => silent.push(format!("udp {port}")),
            Some(Seen::Refused(_)) => refused_udp.push(*port),
            Some(Seen::Answered(what)) => answered.push(what.clone()),
        }
    }
    // A vantage without UDP says the same for every port: say it once.
    if let Some(first) = udp_not_run.first() {
        unknown.push(format!(
            "the UDP probes did not run from the untrusted vantage ({} of {}; {first})",
            udp_not_run.len(),
            UDP.len()
        ));
    }
    // Over IPv6, where the lab gives the vantages a path (the ipv6 measure says where not).
    let (mut silent6, mut bad6) = (Vec::new(), Vec::new());
    // Only where the router runs IPv6: with IPv6 off or absent there is no IPv6 chain to close
    // (the ipv6 measure judges that IPv6 is off), and the lab's own IPv6 addresses may answer.
    let ipv6_not_judged = match ipv6_chain(profile, obs) {
        Ipv6Chain::NotApplicable(why) => Some(why),
        _ => None,
    };
    if let (Some(_), Some(why)) = (&obs.matrix6, &ipv6_not_judged) {
        notes.push(format!("IPv6 not judged here: {why}"));
    }
    if obs.matrix6.is_some() && ipv6_not_judged.is_none() {
        for (proto, table, public) in [
            ("tcp", TCP6, &profile.firewall.public_ports),
            ("udp", UDP6, &profile.input.public_udp_ports),
        ] {
            for (id, port) in table {
                if public.contains(port) {
                    published.push(format!("{proto} {port} over IPv6"));
                    continue;
                }
                match obs.seen(Measure::Input, id, role) {
                    None => unknown.push(format!(
                        "{proto} {port} was not probed over IPv6 from the untrusted vantage"
                    )),
                    Some(Seen::NotRun(why)) => unknown.push(why.clone()),
                    Some(Seen::Silent(_)) => silent6.push(format!("{proto} {port}")),
                    Some(Seen::Refused(_))
                        if proto == "tcp" && rejected_by_design(profile, *port) =>
                    {
                        published.push(format!("tcp {port} over IPv6 (rejected by [firewall])"))
                    }
                    Some(Seen::Refused(what) | Seen::Answered(what)) => bad6.push(what.clone()),
                }
            }
        }
    }
    let mut bad = Vec::new();
    if !answered.is_empty() {
        bad.push(format!(
            "answered the untrusted vantage: {}",
            answered.join("; ")
        ));
    }
    if !reset_tcp.is_empty() {
        bad.push(format!(
            "the router refused (not silent) tcp {}",
            reset_tcp.join(", ")
        ));
    }
    if !refused_udp.is_empty() {
        bad.push(format!(
            "the router sent ICMP port unreachable for udp {} (RouterOS rate-limits these errors: the silence of other UDP ports proves little then)",
            ports(&refused_udp)
        ));
    }
    if !bad6.is_empty() {
        bad.push(format!(
            "over IPv6 the router answered the untrusted vantage: {}",
            bad6.join("; ")
        ));
    }
    // Ports not probed directly but published by the profile are evidence only.
    let mut evidence = notes;
    if !silent.is_empty() {
        evidence.push(format!(
            "silent from the untrusted vantage: {}",
            silent.join(", ")
        ));
    }
    if !silent6.is_empty() {
        evidence.push(format!(
            "silent over IPv6 from the untrusted vantage: {}",
            silent6.join(", ")
        ));
    }
    if !published.is_empty() {
        evidence.push(format!(
            "published by the profile: {}",
            published.join(", ")
        ));
    }

    check(&UNTRUSTED_SILENT, failures_or_unknown(bad, unknown)).with_evidence_lines(evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measures::firewall::judge::tests::rule;

    const U: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 66);

    #[test]
    fn the_rendered_chain_evaluates_as_closed() {
        let p = Profile::baseline();
        let mut lines: Vec<String> =
            super::super::steps::rules(&p, super::super::steps::Family::V4)
                .into_iter()
                .map(|(_, r)| r)
                .collect();
        lines.push(super::super::steps::final_drop());
        let rules: Vec<FilterRule> = lines.iter().map(|l| rule(l)).collect();
        let eval = |pk: Packet| evaluate_packet(&rules, &[], &pk);
        assert_eq!(
            eval(Packet::tcp(U, 443).in_state(ConnectionState::Established)),
            Verdict::Accept(Some(0))
        );
        assert_eq!(
            eval(Packet::udp(U, 53).in_state(ConnectionState::Invalid)),
            Verdict::Block(1, Action::Drop)
        );
        assert_eq!(eval(Packet::icmp(U)), Verdict::Accept(Some(2)));
        assert!(matches!(
            eval(Packet::udp(U, 161)),
            Verdict::Block(_, Action::Drop)
        ));
        assert!(matches!(
            eval(Packet::tcp(U, 65535)),
            Verdict::Block(_, Action::Drop)
        ));
    }

    #[test]
    fn unmodelled_matchers_and_jumps_leave_the_verdict_open() {
        let rules = [
            rule("chain=input action=accept protocol=tcp connection-limit=10,32"),
            rule("chain=input action=drop"),
        ];
        assert!(matches!(
            evaluate_packet(&rules, &[], &Packet::tcp(U, 22)),
            Verdict::Undecided(0, _)
        ));
        // A UDP packet never matches a TCP rule, whatever else it names.
        assert_eq!(
            evaluate_packet(&rules, &[], &Packet::udp(U, 22)),
            Verdict::Block(1, Action::Drop)
        );
        let jump = [rule("chain=input action=jump jump-target=mine")];
        assert!(matches!(
            evaluate_packet(&jump, &[], &Packet::icmp(U)),
            Verdict::Undecided(0, _)
        ));
        // Port matchers never match ICMP.
        let ports = [
            rule("chain=input action=drop dst-port=22"),
            rule("chain=input action=drop protocol=icmp"),
        ];
        assert_eq!(
            evaluate_packet(&ports, &[], &Packet::icmp(U)),
            Verdict::Block(1, Action::Drop)
        );
    }
}
