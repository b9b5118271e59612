//! Measure 5, logging: failed logins are recorded in the router's log.

use std::collections::BTreeMap;

use super::{FAILED_LOGIN_RECORDED, RULE};
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
    vec![rule(profile, obs), failed_logins(profile, obs)]
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
