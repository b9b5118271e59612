//! Measure 2, management services: unused ones off and unreachable, ssh/www moved.

use super::{
    ADDRESS_RESTRICTED, ANSWER_ON_NEW_PORTS, DEFAULT_PORTS_SILENT, DISABLED, DISABLED_UNREACHABLE,
    MOVED,
};
use crate::check::{Observation, failures, unreadable};
use crate::lab::Role;
use crate::measures::CheckDef;
use crate::outcome::{CheckResult, Measure, Outcome};
use crate::probe::PortState;
use crate::profile::Profile;
use routeros::service::{BANDWIDTH_SERVER, BANDWIDTH_SERVER_PORT as BTEST_PORT};

fn check(def: &CheckDef, title: &str, outcome: Outcome) -> CheckResult {
    CheckResult::new(Measure::Services, def.id, title, outcome)
}

/// Judges the services measure.
pub fn judge(profile: &Profile, obs: &Observation) -> Vec<CheckResult> {
    vec![
        disabled_in_config(profile, obs),
        disabled_unreachable(profile, obs),
        moved_in_config(profile, obs),
        default_ports_silent(profile, obs),
        moved_answer(profile, obs),
        address_restricted(profile, obs),
    ]
}

/// White box: every enabled service's `address=` is non-empty and inside the management
/// sources (the harness's own, as the vantages show them, and `management_cidrs`). Black box,
/// where the untrusted vantage reaches ssh: the administrator's own login from there is refused.
fn address_restricted(profile: &Profile, obs: &Observation) -> CheckResult {
    use crate::operator::{LoginAttempt, LoginService};
    use crate::profile::Cidr;
    let title = ADDRESS_RESTRICTED.title;
    if !profile.services.restrict_addresses {
        return check(&ADDRESS_RESTRICTED, title, Outcome::Pass).with_evidence(
            "the profile leaves /ip service address= open (restrict_addresses = false)",
        );
    }
    let services = match &obs.services {
        Ok(s) => s,
        Err(e) => return check(&ADDRESS_RESTRICTED, title, unreadable(e)),
    };
    let mut allowed: Vec<Cidr> = profile.firewall.management_cidrs.clone();
    if profile.firewall.include_harness_source {
        allowed.extend(obs.source(Role::Trusted).map(Cidr::host));
        allowed.extend(obs.sources6.get(&Role::Trusted).copied().map(Cidr::host));
    }
    let inside = |c: &Cidr| {
        allowed
            .iter()
            .any(|a| a.contains(c.addr()) && a.prefix() <= c.prefix())
    };
    let mut bad = Vec::new();
    let mut evidence = Vec::new();
    for s in services.iter().filter(|s| !s.disabled) {
        let entries: Vec<&str> = s
            .address
            .iter()
            .flat_map(|a| a.split(','))
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .collect();
        evidence.push(format!("{} address={}", s.name, entries.join(",")));
        if entries.is_empty() {
            bad.push(format!(
                "{} admits every address (address= is empty)",
                s.name
            ));
            continue;
        }
        for e in entries {
            match e.parse::<Cidr>() {
                Ok(c) if inside(&c) => {}
                Ok(c) => bad.push(format!(
                    "{} admits {c}, outside the management sources",
                    s.name
                )),
                Err(err) => bad.push(format!(
                    "{} has an address {e:?} chrlab cannot read: {err}",
                    s.name
                )),
            }
        }
    }
    let key = (
        obs.operator_user.clone(),
        LoginService::Ssh,
        Role::Untrusted,
    );
    match obs.logins.get(&key) {
        Some(LoginAttempt::Accepted) => bad.push(format!(
            "the administrator `{}` logged in over ssh from the untrusted vantage",
            obs.operator_user
        )),
        Some(other) => evidence.push(format!(
            "ssh is open from the untrusted vantage; the administrator's login from there: {other:?}"
        )),
        None => evidence.push(
            "ssh does not answer from the untrusted vantage: no login from outside the list could be tried"
                .into(),
        ),
    }
    check(&ADDRESS_RESTRICTED, title, failures(bad)).with_evidence_lines(evidence)
}

fn disabled_in_config(profile: &Profile, obs: &Observation) -> CheckResult {
    let title = DISABLED.title;
    let services = match &obs.services {
        Ok(s) => s,
        Err(e) => return check(&DISABLED, title, unreadable(e)),
    };
    let mut still_on = Vec::new();
    let mut evidence = Vec::new();
    for name in &profile.services.disable {
        match services.iter().find(|s| s.name == name.as_str()) {
            Some(s) if !s.disabled => still_on.push(format!("{} (port {})", s.name, s.port)),
            Some(s) => evidence.push(format!("{} disabled", s.name)),
            None => evidence.push(format!("{} not present", name.as_str())),
        }
    }
    if !profile.services.bandwidth_server {
        let rows = match &obs.bandwidth_server {
            Ok(r) => r,
            Err(e) => return check(&DISABLED, title, unreadable(e)),
        };
        let enabled = rows
            .iter()
            .flatten()
            .find(|(k, _)| k == "enabled")
            .map(|(_, v)| v.as_str());
        match enabled {
            Some("true" | "yes") => {
                still_on.push(format!("{BANDWIDTH_SERVER} (port {BTEST_PORT})"))
            }
            Some(_) => evidence.push(format!("{BANDWIDTH_SERVER} disabled")),
            None => evidence.push(format!("{BANDWIDTH_SERVER} not present")),
        }
    }
    let outcome = if still_on.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail(format!("still enabled: {}", still_on.join(", ")))
    };
    let mut r = check(&DISABLED, title, outcome);
    r.evidence = evidence;
    r
}

fn disabled_unreachable(profile: &Profile, obs: &Observation) -> CheckResult {
    let title = DISABLED_UNREACHABLE.title;
    let mut bad = Vec::new();
    let mut evidence = Vec::new();
    let mut off: Vec<(&str, u16)> = profile
        .services
        .disable
        .iter()
        .map(|name| {
            let port = obs
                .configured_port(name.as_str())
                .unwrap_or(name.default_port());
            (name.as_str(), port)
        })
        .collect();
    if !profile.services.bandwidth_server {
        off.push((BANDWIDTH_SERVER, BTEST_PORT));
    }
    for (name, port) in off {
        for role in Role::ALL {
            if let Some(p) = obs.matrix.get(port, role.name()) {
                evidence.push(format!("{name} port {port} from {role}: {p}"));
                if p.state == PortState::Open {
                    bad.push(format!("{name} port {port} is open from {role} ({p})"));
                }
            }
        }
    }
    let outcome = if evidence.is_empty() {
        Outcome::Skip("not verifiable: no port was probed".into())
    } else if bad.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail(bad.join("; "))
    };
    let mut r = check(&DISABLED_UNREACHABLE, title, outcome);
    r.evidence = evidence;
    r
}

fn moved_in_config(profile: &Profile, obs: &Observation) -> CheckResult {
    let title = MOVED.title;
    let services = match &obs.services {
        Ok(s) => s,
        Err(e) => return check(&MOVED, title, unreadable(e)),
    };
    let mut bad = Vec::new();
    let mut evidence = Vec::new();
    for (name, want) in &profile.services.ports {
        match services.iter().find(|s| s.name == name.as_str()) {
            Some(s) if s.port == *want => evidence.push(format!("{} port {}", s.name, s.port)),
            Some(s) => bad.push(format!("{} listens on {}, not {want}", s.name, s.port)),
            None => bad.push(format!("{} is missing from /ip service", name.as_str())),
        }
    }
    check(&MOVED, title, failures(bad)).with_evidence_lines(evidence)
}

fn default_ports_silent(profile: &Profile, obs: &Observation) -> CheckResult {
    let title = DEFAULT_PORTS_SILENT.title;
    let mut bad = Vec::new();
    let mut evidence = Vec::new();
    for (name, want) in &profile.services.ports {
        let old = name.default_port();
        if old == *want {
            continue;
        }
        for role in Role::ALL {
            if let Some(p) = obs.matrix.get(old, role.name()) {
                evidence.push(format!("port {old} from {role}: {p}"));
                if p.answers() {
                    bad.push(format!("port {old} still answers from {role} ({p})"));
                }
            }
        }
    }
    let outcome = if evidence.is_empty() {
        Outcome::Skip("not verifiable: the profile moves no service, or nothing was probed".into())
    } else if bad.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail(bad.join("; "))
    };
    let mut r = check(&DEFAULT_PORTS_SILENT, title, outcome);
    r.evidence = evidence;
    r
}

fn moved_answer(profile: &Profile, obs: &Observation) -> CheckResult {
    let title = ANSWER_ON_NEW_PORTS.title;
    let mut bad = Vec::new();
    let mut evidence = Vec::new();
    for (name, port) in &profile.services.ports {
        match obs.matrix.get(*port, Role::Trusted.name()) {
            Some(p) => {
                evidence.push(format!("{} port {port} from trusted: {p}", name.as_str()));
                let right = match (name.as_str(), &p.identity) {
                    ("ssh", Some(crate::probe::Identity::Ssh(_))) => true,
                    ("www" | "www-ssl", Some(crate::probe::Identity::Http(_))) => true,
                    ("api" | "api-ssl", Some(crate::probe::Identity::Api)) => true,
                    ("ftp", Some(crate::probe::Identity::Ftp(_))) => true,
                    ("telnet", Some(crate::probe::Identity::Telnet)) => true,
                    ("winbox", Some(_)) => p.state == PortState::Open,
                    _ => false,
                };
                if !right {
                    bad.push(format!(
                        "{} does not answer on port {port} from trusted ({p})",
                        name.as_str()
                    ));
                }
            }
            None => bad.push(format!("port {port} was not probed from trusted")),
        }
    }
    check(&ANSWER_ON_NEW_PORTS, title, failures(bad)).with_evidence_lines(evidence)
}
