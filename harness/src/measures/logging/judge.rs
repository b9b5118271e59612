//! Measure 5, logging: failed logins are recorded in the router's log.

use std::collections::BTreeMap;

use super::{
    ACTION_MENU, DISK, FAILED_LOGIN_RECORDED, NTP, NTP_MENU, REMOTE, REMOTE_ACTION, RULE, Syslog,
    ntp_split,
};
use crate::check::{Observation, failures, unreadable};
use crate::lab::Role;
use crate::measures::CheckDef;
use crate::operator::LoginAttempt;
use crate::outcome::{CheckResult, Measure, Outcome};
use crate::profile::Profile;

fn check(def: &CheckDef, title: &str, outcome: Outcome) -> CheckResult {
    CheckResult::new(Measure::Logging, def.id, title, outcome)
}

/// Judges the logging measure.
pub fn judge(profile: &Profile, obs: &Observation) -> Vec<CheckResult> {
    vec![
        rule(profile, obs),
        failed_logins(profile, obs),
        remote(profile, obs),
        disk(profile, obs),
        ntp(profile, obs),
    ]
}

fn get(r: &[(String, String)], k: &str) -> String {
    r.iter()
        .find(|(key, _)| key == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// The enabled rules that send every one of the profile's topics to an action `pick` accepts.
fn rules_to<'a>(
    profile: &Profile,
    rules: &'a [Vec<(String, String)>],
    pick: impl Fn(&str) -> bool,
) -> Vec<&'a Vec<(String, String)>> {
    rules
        .iter()
        .filter(|r| {
            let line = get(r, "topics");
            let topics: Vec<&str> = line.split(',').collect();
            !truthy(&get(r, "disabled"))
                && pick(&get(r, "action"))
                && profile
                    .logging
                    .rule_topics
                    .iter()
                    .all(|t| topics.contains(&t.as_str()))
        })
        .collect()
}

fn rule_line(r: &[(String, String)]) -> String {
    format!(
        "rule topics={} action={} disabled={}",
        get(r, "topics"),
        get(r, "action"),
        get(r, "disabled")
    )
}

fn not_required(def: &CheckDef, what: &str) -> CheckResult {
    check(
        def,
        def.title,
        Outcome::Skip(format!("not required by the profile ({what})")),
    )
}

fn disk(profile: &Profile, obs: &Observation) -> CheckResult {
    if !profile.logging.disk {
        return not_required(&DISK, "[logging] disk = false");
    }
    let want = profile.logging.rule_topics.join(",");
    let title = format!("a /system logging rule sends {want} to a disk action");
    let rules = match &obs.logging {
        Ok(r) => r,
        Err(e) => return check(&DISK, &title, unreadable(e)),
    };
    let actions = match obs.menu(ACTION_MENU) {
        Ok(a) => a,
        Err(e) => return check(&DISK, &title, unreadable(e)),
    };
    let disks: Vec<String> = actions
        .iter()
        .filter(|a| get(a, "target") == "disk")
        .map(|a| get(a, "name"))
        .collect();
    let found = rules_to(profile, rules, |a| disks.iter().any(|d| d == a));
    let mut evidence = vec![format!("disk actions: {}", disks.join(","))];
    evidence.extend(found.iter().map(|r| rule_line(r)));
    let outcome = if disks.is_empty() {
        Outcome::Fail("no /system logging action has target=disk".into())
    } else if found.is_empty() {
        Outcome::Fail(format!(
            "no enabled rule sends {want} to a disk action ({}): the log is lost at a reboot",
            disks.join(",")
        ))
    } else {
        Outcome::Pass
    };
    check(&DISK, &title, outcome).with_evidence_lines(evidence)
}

fn ntp(profile: &Profile, obs: &Observation) -> CheckResult {
    let servers = &profile.logging.ntp_servers;
    if servers.is_empty() {
        return not_required(&NTP, "[logging] ntp_servers is empty");
    }
    let title = format!("the NTP client is enabled with {}", servers.join(", "));
    let rows = match obs.menu(NTP_MENU) {
        Ok(r) => r,
        Err(e) => return check(&NTP, &title, unreadable(e)),
    };
    let Some(row) = rows.first() else {
        return check(
            &NTP,
            &title,
            Outcome::Skip(format!("not verifiable: {NTP_MENU} is empty")),
        );
    };
    let has = |k: &str| row.iter().any(|(key, _)| key == k);
    let list = |k: &str| -> Vec<String> {
        get(row, k)
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (configured, shown) = if has("servers") {
        // RouterOS 7.
        let s = list("servers");
        (s.clone(), format!("servers={}", s.join(",")))
    } else if has("primary-ntp") {
        // RouterOS 6: two addresses and a list of names.
        let mut s: Vec<String> = ["primary-ntp", "secondary-ntp"]
            .iter()
            .map(|k| get(row, k))
            .filter(|a| !a.is_empty() && a != "0.0.0.0")
            .collect();
        s.extend(list("server-dns-names"));
        (
            s,
            format!(
                "primary-ntp={} secondary-ntp={} server-dns-names={}",
                get(row, "primary-ntp"),
                get(row, "secondary-ntp"),
                get(row, "server-dns-names")
            ),
        )
    } else {
        return check(
            &NTP,
            &title,
            Outcome::Skip(format!(
                "not verifiable: {NTP_MENU} has neither servers (RouterOS 7) nor primary-ntp (RouterOS 6)"
            )),
        );
    };
    let enabled = get(row, "enabled");
    let evidence = vec![format!("/system ntp client enabled={enabled} {shown}")];
    // RouterOS 6 keeps only two addresses: more are not asked of it.
    let v6 = !has("servers");
    let (ips, names) = ntp_split(servers);
    let wanted: Vec<String> = if v6 {
        ips.iter()
            .take(2)
            .map(|a| a.to_string())
            .chain(names)
            .collect()
    } else {
        servers.clone()
    };
    let missing: Vec<&String> = wanted.iter().filter(|s| !configured.contains(s)).collect();
    let outcome = if !crate::measures::is_on(&enabled) {
        Outcome::Fail(format!("the NTP client is off (enabled={enabled})"))
    } else if !missing.is_empty() {
        Outcome::Fail(format!(
            "the NTP client lacks {} ({shown})",
            missing
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    } else {
        Outcome::Pass
    };
    check(&NTP, &title, outcome).with_evidence_lines(evidence)
}

fn remote(profile: &Profile, obs: &Observation) -> CheckResult {
    let Some(collector) = profile.logging.remote else {
        return not_required(&REMOTE, "[logging] remote names no collector");
    };
    let port = profile.logging.remote_port;
    let Some(ip) = collector.address(obs.source(Role::Trusted)) else {
        return check(
            &REMOTE,
            REMOTE.title,
            Outcome::Skip(
                "not verifiable: the collector is the harness, which has no trusted vantage".into(),
            ),
        );
    };
    let want = profile.logging.rule_topics.join(",");
    let title = format!(
        "failed logins ({want}) are sent to the syslog collector {ip}:{port}, and it received them"
    );
    // White box: an action with that remote and a rule sending the topics to it.
    let rules = match &obs.logging {
        Ok(r) => r,
        Err(e) => return check(&REMOTE, &title, unreadable(e)),
    };
    let actions = match obs.menu(ACTION_MENU) {
        Ok(a) => a,
        Err(e) => return check(&REMOTE, &title, unreadable(e)),
    };
    let to_collector: Vec<String> = actions
        .iter()
        .filter(|a| {
            get(a, "target") == "remote"
                && get(a, "remote").parse::<std::net::IpAddr>().ok() == Some(ip)
                && get(a, "remote-port")
                    .parse::<u16>()
                    .unwrap_or(routeros::syslog::PORT)
                    == port
        })
        .map(|a| get(a, "name"))
        .collect();
    let mut evidence: Vec<String> = actions
        .iter()
        .filter(|a| get(a, "target") == "remote")
        .map(|a| {
            format!(
                "action {} target=remote remote={} remote-port={}",
                get(a, "name"),
                get(a, "remote"),
                get(a, "remote-port")
            )
        })
        .collect();
    if to_collector.is_empty() {
        return check(
            &REMOTE,
            &title,
            Outcome::Fail(format!(
                "no /system logging action sends to {ip}:{port} (the profile's collector; expected one like `{REMOTE_ACTION}`)"
            )),
        )
        .with_evidence_lines(evidence);
    }
    let found = rules_to(profile, rules, |a| to_collector.iter().any(|n| n == a));
    evidence.extend(found.iter().map(|r| rule_line(r)));
    if found.is_empty() {
        return check(
            &REMOTE,
            &title,
            Outcome::Fail(format!(
                "no enabled rule sends {want} to {} (the action for {ip}:{port})",
                to_collector.join(",")
            )),
        )
        .with_evidence_lines(evidence);
    }
    // Black box: the collector on the trusted vantage got the failed-login lines.
    let (on, datagrams) = match &obs.syslog {
        Syslog::NotRequired => {
            return check(
                &REMOTE,
                &title,
                Outcome::Skip("not verifiable: no collector listened".into()),
            )
            .with_evidence_lines(evidence);
        }
        Syslog::NotRun(why) => {
            return check(
                &REMOTE,
                &title,
                Outcome::Skip(format!(
                    "not verifiable: the configuration sends to {ip}:{port}, but no collector could listen there ({why})"
                )),
            )
            .with_evidence_lines(evidence);
        }
        Syslog::Listened { on, datagrams } => (on, datagrams),
    };
    let Some(from) = obs.source(Role::Trusted) else {
        return check(
            &REMOTE,
            &title,
            Outcome::Skip("not verifiable: no trusted vantage".into()),
        );
    };
    let expected: Vec<String> = obs
        .provoked
        .iter()
        .map(|(service, user)| line(user, from, service))
        .collect();
    if expected.is_empty() {
        return check(
            &REMOTE,
            &title,
            Outcome::Skip("not verifiable: no login service refused a wrong password".into()),
        )
        .with_evidence_lines(evidence);
    }
    let topics = profile.logging.failed_login_topics.join(",");
    evidence.push(format!(
        "collector on udp {on} received {} datagram(s) from {}",
        datagrams.len(),
        super::collector::sources(datagrams)
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(",")
    ));
    let mut missing = Vec::new();
    for want in &expected {
        match datagrams.iter().find(|(_, d)| d.carries(&topics, want)) {
            Some((src, d)) => evidence.push(format!("received from {src}: {}", d.text)),
            None => missing.push(format!(
                "the collector on udp {on} received no datagram carrying `{topics} {want}`"
            )),
        }
    }
    check(&REMOTE, &title, failures(missing)).with_evidence_lines(evidence)
}

fn truthy(v: &str) -> bool {
    matches!(v, "true" | "yes")
}

fn rule(profile: &Profile, obs: &Observation) -> CheckResult {
    let want = profile.logging.rule_topics.join(",");
    let title = format!(
        "a /system logging rule sends {want} to {}",
        profile.logging.action
    );
    let rules = match &obs.logging {
        Ok(r) => r,
        Err(e) => return check(&RULE, &title, unreadable(e)),
    };
    let get = |r: &Vec<(String, String)>, k: &str| {
        r.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let found = rules.iter().find(|r| {
        let topics: Vec<String> = get(r, "topics").split(',').map(str::to_string).collect();
        !truthy(&get(r, "disabled"))
            && get(r, "action") == profile.logging.action
            && profile
                .logging
                .rule_topics
                .iter()
                .all(|t| topics.contains(t))
    });
    let evidence: Vec<String> = rules
        .iter()
        .map(|r| {
            format!(
                "topics={} action={} disabled={}",
                get(r, "topics"),
                get(r, "action"),
                get(r, "disabled")
            )
        })
        .collect();
    let outcome = match found {
        Some(_) => Outcome::Pass,
        None => Outcome::Fail(format!(
            "no enabled rule sends {want} to {}",
            profile.logging.action
        )),
    };
    let mut r = check(&RULE, &title, outcome);
    r.evidence = evidence;
    r
}

fn failed_logins(profile: &Profile, obs: &Observation) -> CheckResult {
    let title = FAILED_LOGIN_RECORDED.title;
    let id = &FAILED_LOGIN_RECORDED;
    let Some(from) = obs.source(Role::Trusted) else {
        return check(
            id,
            title,
            Outcome::Skip("not verifiable: no trusted vantage".into()),
        );
    };
    let new = match (&obs.log_before, &obs.log, obs.new_log_entries()) {
        (Err(e), _, _) | (_, Err(e), _) => return check(id, title, unreadable(e)),
        (_, _, Some(new)) => new,
        (_, _, None) => {
            return check(
                id,
                title,
                Outcome::Skip("not verifiable: the log could not be read".into()),
            );
        }
    };
    // What this run did to provoke a failure line: the wrong password, and every guess the
    // router refused from the trusted vantage. Only entries that appeared during this run
    // count, so lines an earlier audit caused prove nothing.
    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    for (service, user) in &obs.provoked {
        *expected.entry(line(user, from, service)).or_default() += 1;
    }
    for g in &obs.guesses {
        if g.role == Role::Trusted && g.attempt == LoginAttempt::Refused {
            *expected.entry(line(&g.user, from, &g.service)).or_default() += 1;
        }
    }
    if expected.is_empty() {
        return check(
            id,
            title,
            Outcome::Skip("not verifiable: no login service refused a wrong password".into()),
        );
    }
    let topics: Vec<&str> = profile
        .logging
        .failed_login_topics
        .iter()
        .map(String::as_str)
        .collect();
    let mut missing = Vec::new();
    let mut evidence = vec![format!(
        "{} entries appeared in /log during the run",
        new.len()
    )];
    for (want, count) in &expected {
        let found: Vec<_> = new.iter().filter(|e| &e.message == want).collect();
        let right = found.iter().filter(|e| e.has_topics(&topics)).count();
        if right >= *count {
            evidence.push(format!("{}× {} {want}", right, topics.join(",")));
        } else if let Some(e) = found.iter().find(|e| !e.has_topics(&topics)) {
            missing.push(format!(
                "`{want}` is logged with topics {} instead of {}",
                e.topics.join(","),
                topics.join(",")
            ));
        } else {
            missing.push(format!(
                "`{want}`: {count} failed login(s) provoked, {right} new line(s) in /log"
            ));
        }
    }
    check(id, title, failures(missing)).with_evidence_lines(evidence)
}

/// The line RouterOS logs for a failed network login (FACTS §4.1).
fn line(user: &str, from: std::net::IpAddr, service: &crate::operator::LoginService) -> String {
    routeros::login::failure_message(user, Some(from), service.log_via())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measures::logging::Collector;
    use crate::operator::LoginService;
    use routeros::syslog::Received;
    use std::net::{IpAddr, SocketAddr};

    const TRUSTED: &str = "192.0.2.10";
    const ROUTER: &str = "192.0.2.1";

    fn row(kv: &[(&str, &str)]) -> Vec<(String, String)> {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn profile() -> Profile {
        let mut p = Profile::baseline();
        p.logging.remote = Some(Collector::Harness);
        p
    }

    /// A router with the factory rules and actions, `extra` rules and `actions` added, and a
    /// provoked ssh failure from the trusted vantage.
    fn obs(extra_rules: &[&[(&str, &str)]], extra_actions: &[&[(&str, &str)]]) -> Observation {
        let mut o = Observation::nothing_read("test", "unused");
        let trusted: IpAddr = TRUSTED.parse().unwrap();
        o.sources.insert(Role::Trusted, trusted);
        let mut rules = vec![
            row(&[
                ("topics", "info"),
                ("action", "memory"),
                ("disabled", "false"),
            ]),
            row(&[
                ("topics", "error"),
                ("action", "memory"),
                ("disabled", "false"),
            ]),
            row(&[
                ("topics", "critical"),
                ("action", "echo"),
                ("disabled", "false"),
            ]),
        ];
        rules.extend(extra_rules.iter().map(|r| row(r)));
        o.logging = Ok(rules);
        let mut actions = vec![
            row(&[("name", "memory"), ("target", "memory")]),
            row(&[("name", "disk"), ("target", "disk")]),
            row(&[
                ("name", "remote"),
                ("target", "remote"),
                ("remote", "0.0.0.0"),
                ("remote-port", "514"),
            ]),
        ];
        actions.extend(extra_actions.iter().map(|r| row(r)));
        o.menus.insert(ACTION_MENU, Ok(actions));
        o.provoked = vec![(LoginService::Ssh, "chrlab".into())];
        o
    }

    fn collector_line() -> Received {
        let from: IpAddr = TRUSTED.parse().unwrap();
        let msg = line("chrlab", from, &LoginService::Ssh);
        Received::parse(&routeros::syslog::datagram(
            3,
            1,
            2,
            (3, 4, 5),
            "MikroTik",
            "system,error,critical",
            &msg,
        ))
    }

    fn listened(datagrams: Vec<Received>) -> Syslog {
        let from: SocketAddr = format!("{ROUTER}:40000").parse().unwrap();
        Syslog::Listened {
            on: format!("{TRUSTED}:514").parse().unwrap(),
            datagrams: datagrams.into_iter().map(|d| (from, d)).collect(),
        }
    }

    const SYSLOG_ACTION: &[(&str, &str)] = &[
        ("name", "syslog"),
        ("target", "remote"),
        ("remote", TRUSTED),
        ("remote-port", "514"),
    ];
    const SYSLOG_RULE: &[(&str, &str)] = &[
        ("topics", "error"),
        ("action", "syslog"),
        ("disabled", "false"),
    ];

    fn remote_of(p: &Profile, o: &Observation) -> Outcome {
        remote(p, o).outcome
    }

    #[test]
    fn remote_is_skipped_when_the_profile_names_no_collector() {
        let o = obs(&[], &[]);
        assert!(
            matches!(remote_of(&Profile::baseline(), &o), Outcome::Skip(w) if w.contains("not required"))
        );
    }

    #[test]
    fn remote_fails_without_the_action_or_the_rule_whatever_the_collector_heard() {
        let mut o = obs(&[], &[]);
        o.syslog = listened(vec![collector_line()]);
        match remote_of(&profile(), &o) {
            Outcome::Fail(why) => assert!(
                why.contains("no /system logging action sends to 192.0.2.10:514"),
                "{why}"
            ),
            other => panic!("{other:?}"),
        }
        let mut o = obs(&[], &[SYSLOG_ACTION]);
        o.syslog = listened(vec![collector_line()]);
        match remote_of(&profile(), &o) {
            Outcome::Fail(why) => assert!(
                why.contains("no enabled rule sends error to syslog"),
                "{why}"
            ),
            other => panic!("{other:?}"),
        }
        let disabled: &[(&str, &str)] = &[
            ("topics", "error"),
            ("action", "syslog"),
            ("disabled", "true"),
        ];
        let mut o = obs(&[disabled], &[SYSLOG_ACTION]);
        o.syslog = listened(vec![collector_line()]);
        assert!(matches!(remote_of(&profile(), &o), Outcome::Fail(_)));
    }

    #[test]
    fn remote_passes_only_when_the_collector_received_the_line() {
        let mut o = obs(&[SYSLOG_RULE], &[SYSLOG_ACTION]);
        o.syslog = listened(vec![collector_line()]);
        let r = remote(&profile(), &o);
        assert_eq!(r.outcome, Outcome::Pass, "{:?}", r.evidence);
        assert!(
            r.evidence
                .join("\n")
                .contains("received from 192.0.2.1:40000"),
            "{:?}",
            r.evidence
        );
        // Configured, but nothing arrived: a failure of the black box.
        o.syslog = listened(vec![Received::parse(
            b"<30>Jan  2 03:04:05 MikroTik system,info other",
        )]);
        match remote_of(&profile(), &o) {
            Outcome::Fail(why) => assert!(why.contains("received no datagram carrying"), "{why}"),
            other => panic!("{other:?}"),
        }
        // No collector could listen (QEMU port forwards): not verifiable, never a pass.
        o.syslog = Syslog::NotRun("udp 192.0.2.10:514: TCP port forwards only".into());
        match remote_of(&profile(), &o) {
            Outcome::Skip(why) => assert!(
                why.starts_with("not verifiable") && why.contains("port forwards"),
                "{why}"
            ),
            other => panic!("{other:?}"),
        }
        // Nothing provoked: nothing to expect.
        o.syslog = listened(vec![]);
        o.provoked.clear();
        assert!(matches!(remote_of(&profile(), &o), Outcome::Skip(_)));
    }

    #[test]
    fn disk_needs_an_enabled_rule_to_a_disk_action() {
        let o = obs(&[], &[]);
        assert!(
            matches!(disk(&Profile::baseline(), &o).outcome, Outcome::Fail(w) if w.contains("lost at a reboot"))
        );
        let rule: &[(&str, &str)] = &[
            ("topics", "error"),
            ("action", "disk"),
            ("disabled", "false"),
        ];
        let o = obs(&[rule], &[]);
        assert_eq!(disk(&Profile::baseline(), &o).outcome, Outcome::Pass);
        let mut relaxed = Profile::baseline();
        relaxed.logging.disk = false;
        assert!(matches!(
            disk(&relaxed, &obs(&[], &[])).outcome,
            Outcome::Skip(_)
        ));
    }

    fn with_ntp(kv: &[(&str, &str)]) -> Observation {
        let mut o = obs(&[], &[]);
        o.menus.insert(NTP_MENU, Ok(vec![row(kv)]));
        o
    }

    #[test]
    fn ntp_is_read_per_version() {
        let p = Profile::baseline();
        // RouterOS 7, factory: off.
        let o = with_ntp(&[
            ("enabled", "false"),
            ("mode", "unicast"),
            ("servers", ""),
            ("vrf", "main"),
        ]);
        assert!(matches!(ntp(&p, &o).outcome, Outcome::Fail(w) if w.contains("off")));
        let o = with_ntp(&[("enabled", "true"), ("servers", "time.example")]);
        assert!(
            matches!(ntp(&p, &o).outcome, Outcome::Fail(w) if w.contains("lacks pool.ntp.org"))
        );
        let o = with_ntp(&[("enabled", "true"), ("servers", "pool.ntp.org,192.0.2.123")]);
        assert_eq!(ntp(&p, &o).outcome, Outcome::Pass);
        // RouterOS 6: two addresses and names.
        let mut p6 = Profile::baseline();
        p6.logging.ntp_servers = vec!["192.0.2.123".into(), "pool.ntp.org".into()];
        let o = with_ntp(&[
            ("enabled", "yes"),
            ("primary-ntp", "192.0.2.123"),
            ("secondary-ntp", "0.0.0.0"),
            ("server-dns-names", "pool.ntp.org"),
            ("mode", "unicast"),
        ]);
        assert_eq!(ntp(&p6, &o).outcome, Outcome::Pass);
        let o = with_ntp(&[
            ("enabled", "yes"),
            ("primary-ntp", "0.0.0.0"),
            ("server-dns-names", "pool.ntp.org"),
        ]);
        assert!(matches!(ntp(&p6, &o).outcome, Outcome::Fail(w) if w.contains("192.0.2.123")));
        // Unreadable: not verifiable.
        assert!(matches!(ntp(&p, &obs(&[], &[])).outcome, Outcome::Skip(_)));
    }
}
