//! The steps that apply this measure (see [`crate::render`] for their order and form).

use routeros::quote::value;

use super::{NTP_MENU, REMOTE_ACTION, ntp_split};
use crate::apply::{Before, yes_no};
use crate::outcome::Measure;
use crate::profile::{Cidr, Profile};
use crate::render::{Phase, RenderContext, RunAs, ScriptLine, Step, Verify, lines};

/// The logging measure's steps: a rule that records failed logins; the same topics to disk and
/// to the collector, when the profile asks; the NTP client.
pub(super) fn steps(p: &Profile, ctx: &RenderContext, _sources: &[Cidr]) -> Vec<Step> {
    let mut v = vec![logging_rule(p)];
    if p.logging.disk {
        v.push(rule_step(
            p,
            "logging.disk",
            "disk",
            "so failed logins survive a reboot",
            vec![],
        ));
    }
    if let Some(c) = p.logging.remote {
        match c.address(ctx.harness_source) {
            Some(ip) => v.push(remote(p, ip)),
            None => v.push(comment_only(
                "logging.remote",
                "# [logging] remote = \"harness\" but the harness's source is unknown: no collector set",
            )),
        }
    }
    if !p.logging.ntp_servers.is_empty() {
        v.push(ntp(p));
    }
    v
}

fn comment_only(id: &'static str, text: &str) -> Step {
    Step {
        id,
        measure: Measure::Logging,
        description: text.trim_start_matches("# ").to_string(),
        lines: vec![ScriptLine::text(text)],
        verify: vec![],
        run_as: RunAs::Current,
        phase: Phase::Logging,
        effects: vec![],
        only_where: None,
    }
}

/// An enabled `/system logging` rule of the profile's topics to `action` (added once).
fn rule_lines(p: &Profile, action: &str) -> Vec<String> {
    let topics = p.logging.rule_topics.join(",");
    let sel = format!("topics={} action={}", value(&topics), value(action));
    vec![
        "/system logging".into(),
        format!(":if ([:len [find {sel}]] = 0) do={{ add {sel} }}"),
        format!("set [find {sel}] disabled=no"),
    ]
}

fn rule_step(p: &Profile, id: &'static str, action: &str, why: &str, before: Vec<String>) -> Step {
    let topics = p.logging.rule_topics.join(",");
    let mut l = before;
    l.extend(rule_lines(p, action));
    Step {
        id,
        measure: Measure::Logging,
        description: format!("log {topics} to {action}, {why}"),
        lines: lines(&l),
        verify: vec![Verify::LoggingRule {
            topics: p.logging.rule_topics.clone(),
            action: action.to_string(),
        }],
        run_as: RunAs::Current,
        phase: Phase::Logging,
        effects: vec![],
        only_where: None,
    }
}

fn logging_rule(p: &Profile) -> Step {
    let mut s = rule_step(
        p,
        "logging.failed-logins",
        &p.logging.action,
        "so failed logins are recorded",
        vec![],
    );
    s.description = format!(
        "log {} to {}, so failed logins are recorded",
        p.logging.rule_topics.join(","),
        p.logging.action
    );
    s
}

/// The remote action (added once, pointed at the collector) and a rule sending the topics to it.
fn remote(p: &Profile, ip: std::net::IpAddr) -> Step {
    let name = value(REMOTE_ACTION);
    let to = format!(
        "target=remote remote={} remote-port={}",
        value(&ip.to_string()),
        p.logging.remote_port
    );
    let action = vec![
        "/system logging action".into(),
        format!(":if ([:len [find name={name}]] = 0) do={{ add name={name} {to} }}"),
        format!("set [find name={name}] {to}"),
    ];
    let mut s = rule_step(
        p,
        "logging.remote",
        REMOTE_ACTION,
        "so failed logins reach a collector the router cannot erase",
        action,
    );
    s.description = format!(
        "send {} to the syslog collector {ip}:{} (action {REMOTE_ACTION})",
        p.logging.rule_topics.join(","),
        p.logging.remote_port
    );
    s
}

/// The NTP client, on with the profile's servers. RouterOS 7 takes `servers=` (addresses or
/// names); RouterOS 6 has no `servers` and takes up to two addresses as `primary-ntp` and
/// `secondary-ntp` and names as `server-dns-names` (sim/src/model/defaults.rs, the manual
/// "NTP"): the script tries the v7 form and falls back to the v6 one.
fn ntp(p: &Profile) -> Step {
    let servers = &p.logging.ntp_servers;
    let (ips, names) = ntp_split(servers);
    let v7 = format!(
        "/system ntp client set enabled=yes servers={}",
        value(&servers.join(","))
    );
    let ip = |i: usize| ips.get(i).map_or("0.0.0.0".to_string(), |a| a.to_string());
    let v6 = format!(
        "/system ntp client set enabled=yes primary-ntp={} secondary-ntp={} server-dns-names={}",
        value(&ip(0)),
        value(&ip(1)),
        value(&names.join(","))
    );
    let mut l = vec![format!(":do {{ {v7} }} on-error={{ {v6} }}")];
    if ips.len() > 2 {
        l.insert(
            0,
            format!(
                "# RouterOS 6 takes two NTP addresses: {} are left out there",
                ips[2..]
                    .iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    Step {
        id: "logging.ntp",
        measure: Measure::Logging,
        description: format!(
            "enable the NTP client with {}, so log timestamps can be trusted",
            servers.join(", ")
        ),
        lines: lines(&l),
        verify: vec![],
        run_as: RunAs::Current,
        phase: Phase::Logging,
        effects: vec![],
        only_where: Some(NTP_MENU),
    }
}

fn get(r: &[(String, String)], k: &str) -> String {
    r.iter()
        .find(|(key, _)| key == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Undoes a rule step: the rule back to how it was, or removed when it was not there.
fn undo_rule(profile: &Profile, action: &str, before: &Before) -> String {
    let topics = profile.logging.rule_topics.join(",");
    let sel = format!("topics={} action={}", value(&topics), value(action));
    match before
        .logging
        .iter()
        .find(|r| get(r, "topics") == topics && get(r, "action") == action)
    {
        Some(r) => format!(
            "/system logging set [find {sel}] disabled={}",
            yes_no(matches!(get(r, "disabled").as_str(), "true" | "yes"))
        ),
        None => format!("/system logging remove [find {sel}]"),
    }
}

/// The commands that would undo one of this measure's steps on a router that was in state
/// `before` (what cannot be undone by a command says so in a comment).
pub(super) fn undo(step: &Step, profile: &Profile, before: &Before) -> Vec<String> {
    match step.id {
        "logging.failed-logins" => vec![undo_rule(profile, &profile.logging.action, before)],
        "logging.disk" => vec![undo_rule(profile, "disk", before)],
        "logging.remote" => {
            let mut v = vec![undo_rule(profile, REMOTE_ACTION, before)];
            let name = value(REMOTE_ACTION);
            let old = before
                .menus
                .get(super::ACTION_MENU)
                .and_then(|rows| rows.iter().find(|r| get(r, "name") == REMOTE_ACTION));
            match old {
                Some(r) => v.push(format!(
                    "/system logging action set [find name={name}] target={} remote={} remote-port={}",
                    value(&get(r, "target")),
                    value(&get(r, "remote")),
                    value(&get(r, "remote-port"))
                )),
                None => v.push(format!("/system logging action remove [find name={name}]")),
            }
            v
        }
        "logging.ntp" => {
            let keys = [
                "enabled",
                "servers",
                "primary-ntp",
                "secondary-ntp",
                "server-dns-names",
            ];
            let set: Vec<String> = keys
                .iter()
                .filter_map(|k| {
                    let v = before.setting(NTP_MENU, k)?;
                    let v = match v.as_str() {
                        "true" => "yes".to_string(),
                        "false" => "no".to_string(),
                        _ => v,
                    };
                    Some(format!("{k}={}", value(&v)))
                })
                .collect();
            if set.is_empty() {
                vec!["# /system ntp client before the apply could not be read".into()]
            } else {
                vec![format!("/system ntp client set {}", set.join(" "))]
            }
        }
        other => vec![format!("# no undo known for step {other}")],
    }
}
