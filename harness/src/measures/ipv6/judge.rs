//! The IPv6 verdicts: the IPv6 input chain (white box) and the IPv6 port matrix (black box).

use std::net::{IpAddr, Ipv6Addr};

use routeros::firewall6::{AddressList6Entry, FilterRule6};

use super::{FILTER_MENU, FIREWALL, Ipv6Mode, LIST_MENU, SETTINGS_MENU, UNTRUSTED_BLOCKED};
use crate::check::observe::ReadError;
use crate::check::{Observation, failures, failures_or_unknown, unreadable};
use crate::lab::Role;
use crate::measures::firewall::{Packet, Verdict, evaluate_packet6};
use crate::measures::{CheckDef, is_on};
use crate::outcome::{CheckResult, Measure, Outcome};
use crate::probe::PortState;
use crate::profile::Profile;

fn check(def: &CheckDef, outcome: Outcome) -> CheckResult {
    CheckResult::new(Measure::Ipv6, def.id, def.title, outcome)
}

/// Judges the ipv6 measure.
pub fn judge(profile: &Profile, obs: &Observation) -> Vec<CheckResult> {
    vec![firewall(profile, obs), untrusted_blocked(profile, obs)]
}

/// What the IPv6 input chain does with a packet: the firewall measure's [`Verdict`].
pub type Verdict6 = Verdict;

/// Evaluates the IPv6 input chain for a new TCP connection from `src` to `port`, as RouterOS
/// would: the first terminal match wins, and a chain that matches nothing accepts.
pub fn evaluate6(
    rules: &[FilterRule6],
    lists: &[AddressList6Entry],
    src: Ipv6Addr,
    port: u16,
) -> Verdict6 {
    evaluate_packet6(rules, lists, &Packet::tcp(src, port))
}

pub(crate) fn parsed(
    obs: &Observation,
) -> Result<(Vec<FilterRule6>, Vec<AddressList6Entry>), ReadError> {
    let rows = obs.menu(FILTER_MENU).map_err(Clone::clone)?;
    let lists = obs.menu(LIST_MENU).map_err(Clone::clone)?;
    let bad = |menu: &str, i: usize, e: &dyn std::fmt::Display| ReadError {
        menu: menu.to_string(),
        cause: format!("row {i} cannot be understood: {e}"),
    };
    let rules = rows
        .iter()
        .enumerate()
        .map(|(i, r)| FilterRule6::from_props(r).map_err(|e| bad(FILTER_MENU, i, &e)))
        .collect::<Result<Vec<_>, _>>()?;
    let lists = lists
        .iter()
        .enumerate()
        .map(|(i, r)| AddressList6Entry::from_props(r).map_err(|e| bad(LIST_MENU, i, &e)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((rules, lists))
}

fn v6(ip: Option<&IpAddr>) -> Option<Ipv6Addr> {
    match ip? {
        IpAddr::V6(v) => Some(*v),
        IpAddr::V4(_) => None,
    }
}

/// An IPv6 source that no management CIDR contains, for judging the rules.
pub(crate) fn outsider6(profile: &Profile, obs: &Observation) -> Ipv6Addr {
    if let Some(ip) = v6(obs.sources6.get(&Role::Untrusted)) {
        return ip;
    }
    let listed = |a: Ipv6Addr| {
        profile
            .firewall
            .management_cidrs
            .iter()
            .any(|c| c.contains(IpAddr::V6(a)))
    };
    let candidate = Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 0x66);
    if listed(candidate) {
        Ipv6Addr::new(0x2001, 0xdb8, 0xfffe, 0, 0, 0, 0, 0x66)
    } else {
        candidate
    }
}

/// The router is a RouterOS 6 (its IPv6 is a package, off unless installed).
fn v6_router(obs: &Observation) -> bool {
    matches!(&obs.update, Ok(u) if u.installed_version.major() < 7)
}

fn firewall(profile: &Profile, obs: &Observation) -> CheckResult {
    // IPv6 off is the strongest answer, whatever the chain holds.
    if let Ok(rows) = obs.menu(SETTINGS_MENU)
        && let Some(v) = rows
            .iter()
            .flatten()
            .find(|(k, _)| k == "disable-ipv6")
            .map(|(_, v)| v)
    {
        if is_on(v) {
            return check(&FIREWALL, Outcome::Pass)
                .with_evidence(format!("/ipv6 settings disable-ipv6={v}"));
        }
        if profile.ipv6.mode == Ipv6Mode::Disable {
            return check(
                &FIREWALL,
                Outcome::Fail(format!(
                    "IPv6 is on (/ipv6 settings disable-ipv6={v}), the profile says mode = \"disable\""
                )),
            );
        }
    }
    let (rules, lists) = match parsed(obs) {
        Ok(x) => x,
        // A RouterOS 6 without the ipv6 package has no /ipv6 firewall: nothing listens on IPv6.
        Err(e) if v6_router(obs) && obs.menu(FILTER_MENU).is_err() => {
            return check(&FIREWALL, Outcome::Pass)
                .with_evidence(format!("RouterOS 6 without IPv6: {} ({})", e.menu, e.cause));
        }
        Err(e) => return check(&FIREWALL, unreadable(&e)),
    };
    let trusted = v6(obs.sources6.get(&Role::Trusted)).or_else(|| {
        profile
            .firewall
            .management_cidrs
            .iter()
            .find_map(|c| v6(Some(&c.addr())))
    });
    let outsider = outsider6(profile, obs);
    let mut bad = Vec::new();
    let mut unknown = Vec::new();
    let mut evidence = Vec::new();
    for port in profile.management_ports() {
        if let Some(t) = trusted {
            let v = evaluate6(&rules, &lists, t, port);
            evidence.push(format!("tcp [{t}] -> :{port}: {v:?}"));
            match v {
                Verdict::Block(i, a) => bad.push(format!(
                    "port {port} from trusted [{t}] is blocked by IPv6 rule {i} ({})",
                    a.word()
                )),
                Verdict::Undecided(_, why) => {
                    unknown.push(format!("port {port} from trusted [{t}]: {why}"))
                }
                Verdict::Accept(_) => {}
            }
        }
        let v = evaluate6(&rules, &lists, outsider, port);
        evidence.push(format!("tcp [{outsider}] -> :{port}: {v:?}"));
        match v {
            Verdict::Accept(Some(i)) => bad.push(format!(
                "port {port} from untrusted [{outsider}] is accepted by IPv6 rule {i}"
            )),
            Verdict::Accept(None) => bad.push(format!(
                "port {port} from untrusted [{outsider}] is not blocked by any IPv6 input rule"
            )),
            Verdict::Undecided(_, why) => {
                unknown.push(format!("port {port} from untrusted [{outsider}]: {why}"))
            }
            Verdict::Block(..) => {}
        }
    }
    check(&FIREWALL, failures_or_unknown(bad, unknown)).with_evidence_lines(evidence)
}

fn untrusted_blocked(profile: &Profile, obs: &Observation) -> CheckResult {
    let Some(matrix6) = &obs.matrix6 else {
        return check(
            &UNTRUSTED_BLOCKED,
            Outcome::Skip(
                "not verifiable: this lab gives the vantages no IPv6 path to the router".into(),
            ),
        );
    };
    if !obs.sources6.contains_key(&Role::Untrusted) {
        return check(
            &UNTRUSTED_BLOCKED,
            Outcome::Skip("not verifiable: no untrusted vantage with an IPv6 address".into()),
        );
    }
    if let Some(limit) = obs.limitations.iter().find(|l| l.hides_the_firewall()) {
        return check(
            &UNTRUSTED_BLOCKED,
            Outcome::Skip(format!("not verifiable: {limit}")),
        );
    }
    let managed = profile.management_ports();
    let mut bad = Vec::new();
    let mut evidence = Vec::new();
    let untrusted = Role::Untrusted.name();
    for (port, by) in &matrix6.cells {
        let Some(p) = by.get(untrusted) else {
            if managed.contains(port) {
                bad.push(format!(
                    "port {port} was not probed over IPv6 from untrusted"
                ));
            }
            continue;
        };
        let over_v4 = obs.matrix.get(*port, untrusted);
        if managed.contains(port) {
            evidence.push(format!(
                "port {port} from untrusted over IPv6: {p}; over IPv4: {}",
                over_v4.map_or("not probed".to_string(), ToString::to_string)
            ));
        }
        if p.state != PortState::Open {
            continue;
        }
        if profile.firewall.public_ports.contains(port) {
            evidence.push(format!(
                "port {port} over IPv6 from untrusted: {p} (public by the profile)"
            ));
            continue;
        }
        let blocked_v4 = over_v4.is_some_and(|q| q.state != PortState::Open);
        bad.push(if blocked_v4 {
            format!(
                "port {port} ({}) is blocked over IPv4 but answers over IPv6 from untrusted: {p}",
                obs.port_owner(*port)
            )
        } else {
            format!(
                "port {port} ({}) answers over IPv6 from untrusted: {p}",
                obs.port_owner(*port)
            )
        });
    }
    check(&UNTRUSTED_BLOCKED, failures(bad)).with_evidence_lines(evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use routeros::firewall::Action;

    fn props(line: &str) -> Vec<(String, String)> {
        line.split_whitespace()
            .map(|w| {
                let (k, v) = w.split_once('=').unwrap_or((w, ""));
                (k.to_string(), v.to_string())
            })
            .collect()
    }

    const TRUSTED: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x10);
    const OUTSIDER: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x66);

    #[test]
    fn the_mirrored_chain_admits_the_ipv6_list_and_drops_the_rest() {
        let rules: Vec<FilterRule6> = [
            "chain=input action=accept protocol=tcp dst-port=22,8291 src-address-list=chrlab-mgmt",
            "chain=input action=drop connection-state=!established,related protocol=tcp dst-port=22,8291",
        ]
        .iter()
        .map(|r| FilterRule6::from_props(&props(r)).unwrap())
        .collect();
        let lists = vec![
            AddressList6Entry::from_props(&props("list=chrlab-mgmt address=2001:db8::10/128"))
                .unwrap(),
        ];
        assert_eq!(
            evaluate6(&rules, &lists, TRUSTED, 22),
            Verdict::Accept(Some(0))
        );
        assert_eq!(
            evaluate6(&rules, &lists, OUTSIDER, 8291),
            Verdict::Block(1, Action::Drop)
        );
        // Ports the rules do not name fall through to the chain's accept.
        assert_eq!(
            evaluate6(&rules, &lists, OUTSIDER, 2000),
            Verdict::Accept(None)
        );
        // No IPv6 rule at all, as on a factory RouterOS 7: everything is accepted.
        assert_eq!(evaluate6(&[], &[], OUTSIDER, 22), Verdict::Accept(None));
    }

    fn observation(filter: Vec<Vec<(String, String)>>, settings: &str) -> Observation {
        let mut obs = Observation::nothing_read("test", "not read");
        obs.menus.insert(FILTER_MENU, Ok(filter));
        obs.menus.insert(
            LIST_MENU,
            Ok(vec![props("list=chrlab-mgmt address=2001:db8::10/128")]),
        );
        obs.menus.insert(SETTINGS_MENU, Ok(vec![props(settings)]));
        obs.sources6.insert(Role::Trusted, IpAddr::V6(TRUSTED));
        obs.sources6.insert(Role::Untrusted, IpAddr::V6(OUTSIDER));
        obs
    }

    #[test]
    fn an_empty_ipv6_chain_fails_and_ipv6_off_passes() {
        let profile = Profile::baseline();
        let open = observation(vec![], "disable-ipv6=no");
        let r = firewall(&profile, &open);
        assert!(
            matches!(&r.outcome, Outcome::Fail(why) if why.contains("not blocked by any IPv6 input rule")),
            "{r:?}"
        );
        let off = observation(vec![], "disable-ipv6=yes");
        assert_eq!(firewall(&profile, &off).outcome, Outcome::Pass);
    }

    #[test]
    fn a_port_open_over_ipv6_from_untrusted_fails_and_no_ipv6_path_is_not_verifiable() {
        use crate::probe::{Identity, Probe, ProbeMatrix};
        let profile = Profile::baseline();
        let mut obs = observation(vec![], "disable-ipv6=no");
        assert!(matches!(
            untrusted_blocked(&profile, &obs).outcome,
            Outcome::Skip(why) if why.contains("no IPv6 path")
        ));
        let port = profile.management_ports()[0];
        let mut m4 = ProbeMatrix::default();
        m4.insert(
            port,
            "untrusted",
            Probe {
                state: PortState::Filtered,
                identity: None,
            },
        );
        obs.matrix = m4;
        let mut m6 = ProbeMatrix::default();
        m6.insert(
            port,
            "untrusted",
            Probe {
                state: PortState::Open,
                identity: Some(Identity::Ssh("SSH-2.0-ROSSSH".into())),
            },
        );
        obs.matrix6 = Some(m6.clone());
        let r = untrusted_blocked(&profile, &obs);
        assert!(
            matches!(&r.outcome, Outcome::Fail(why) if why.contains("blocked over IPv4 but answers over IPv6")),
            "{r:?}"
        );
        m6.insert(
            port,
            "untrusted",
            Probe {
                state: PortState::Filtered,
                identity: None,
            },
        );
        obs.matrix6 = Some(m6);
        assert_eq!(untrusted_blocked(&profile, &obs).outcome, Outcome::Pass);
    }
}
