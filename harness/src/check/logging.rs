//! Measure 5, logging: failed logins are recorded in the router's log.

use super::{Observation, failures};
use crate::lab::Role;
use crate::outcome::{CheckResult, Measure, Outcome};
use crate::profile::Profile;

fn check(id: &str, title: &str, outcome: Outcome) -> CheckResult {
    CheckResult::new(Measure::Logging, id, title, outcome)
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
        Err(e) => {
            return check(
                "logging.rule",
                &title,
                Outcome::Fail(format!("could not read /system logging: {e}")),
            );
        }
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
    let mut r = check("logging.rule", &title, outcome);
    r.evidence = evidence;
    r
}

fn failed_logins(profile: &Profile, obs: &Observation) -> CheckResult {
    let title = "failed logins from the trusted vantage appear in /log";
    let Some(from) = obs.source(Role::Trusted) else {
        return check(
            "logging.failed-login-recorded",
            title,
            Outcome::Skip("not verifiable: no trusted vantage".into()),
        );
    };
    let log = match &obs.log {
        Ok(l) => l,
        Err(e) => {
            return check(
                "logging.failed-login-recorded",
                title,
                Outcome::Fail(format!("could not read /log: {e}")),
            );
        }
    };
    if obs.provoked.is_empty() {
        return check(
            "logging.failed-login-recorded",
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
    let mut evidence = Vec::new();
    for (service, user) in &obs.provoked {
        let want = format!(
            "login failure for user {user} from {from} via {}",
            service.via()
        );
        match log.iter().find(|e| e.message == want) {
            Some(e) if e.has_topics(&topics) => {
                evidence.push(format!("{} {}", e.topics.join(","), e.message))
            }
            Some(e) => missing.push(format!(
                "`{want}` is logged with topics {} instead of {}",
                e.topics.join(","),
                topics.join(",")
            )),
            None => missing.push(format!("`{want}` is not in /log")),
        }
    }
    check("logging.failed-login-recorded", title, failures(missing)).with_evidence_lines(evidence)
}
