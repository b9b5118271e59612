//! Measure 4, users: the factory admin is gone and cannot log in; a named administrator with a
//! strong password can.

use super::{
    DEFAULT_ADMIN_GONE, DEFAULT_ADMIN_REFUSED, GUESSING_REFUSED, NEW_ADMIN, NO_OTHER_PRIVILEGED,
    PASSWORD_POLICY,
};
use crate::check::{Observation, failures, unreadable};
use crate::lab::Role;
use crate::measures::CheckDef;
use crate::operator::{LoginAttempt, LoginService};
use crate::outcome::{CheckResult, Measure, Outcome};
use crate::profile::{DefaultAdmin, Profile};

fn check(def: &CheckDef, title: &str, outcome: Outcome) -> CheckResult {
    CheckResult::new(Measure::Users, def.id, title, outcome)
}

/// Judges the users measure.
pub fn judge(profile: &Profile, obs: &Observation) -> Vec<CheckResult> {
    vec![
        admin_gone(profile, obs),
        admin_refused(profile, obs),
        new_admin(profile, obs),
        password_policy(profile, obs),
        no_other_privileged(profile, obs),
        guesses_refused(obs),
        password_rules(profile, obs),
    ]
}

/// `/user settings` holds the profile's policy, so RouterOS refuses a weaker password for any
/// user, now and later (white box: the audit never sets a password to find out).
fn password_rules(profile: &Profile, obs: &Observation) -> CheckResult {
    use super::{PASSWORD_RULES, SETTINGS_MENU};
    let result = |o| CheckResult::new(Measure::Users, PASSWORD_RULES.id, PASSWORD_RULES.title, o);
    let v6 = matches!(&obs.update, Ok(u) if u.installed_version.major() < 7);
    if v6 && obs.menu(SETTINGS_MENU).is_err() {
        return result(Outcome::Skip(
            "not verifiable: RouterOS 6 has no /user settings, so it enforces no password rules of its own".into(),
        ));
    }
    let (want_length, want_categories) = super::steps::rules(profile);
    let read = |key| crate::measures::setting(obs, SETTINGS_MENU, key);
    let (length, categories) = match (read("minimum-password-length"), read("minimum-categories")) {
        (Ok(l), Ok(c)) => (l, c),
        (Err(o), _) | (_, Err(o)) => return result(o),
    };
    let mut bad = Vec::new();
    match length.parse::<u32>() {
        Ok(n) if n >= want_length => {}
        _ => bad.push(format!(
            "minimum-password-length={length}, the policy wants at least {want_length}"
        )),
    }
    match categories.parse::<usize>() {
        Ok(n) if n >= want_categories => {}
        _ => bad.push(format!(
            "minimum-categories={categories}, the policy wants at least {want_categories}"
        )),
    }
    result(crate::check::failures(bad)).with_evidence(format!(
        "/user settings minimum-password-length={length} minimum-categories={categories}"
    ))
}

/// Policies that let a user change the router or read its secrets: a user whose group has any
/// of them is an administrator in all but name.
pub const PRIVILEGED_POLICIES: [&str; 4] = ["write", "policy", "password", "sensitive"];

/// The policies a group grants (`!name` entries deny).
fn granted(policy: &str) -> Vec<&str> {
    policy
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty() && !p.starts_with('!'))
        .collect()
}

fn no_other_privileged(profile: &Profile, obs: &Observation) -> CheckResult {
    let id = &NO_OTHER_PRIVILEGED;
    let title = format!(
        "no enabled user besides `{}` has {} rights, unless the profile allows it",
        profile.users.name,
        PRIVILEGED_POLICIES.join("/")
    );
    let (users, groups) = match (&obs.users, &obs.groups) {
        (Err(e), _) | (_, Err(e)) => return check(id, &title, unreadable(e)),
        (Ok(u), Ok(g)) => (u, g),
    };
    let get = |r: &Vec<(String, String)>, k: &str| {
        r.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut bad = Vec::new();
    let mut evidence = Vec::new();
    for u in users.iter().filter(|u| !u.disabled) {
        if u.name == profile.users.name {
            continue;
        }
        let policy = groups
            .iter()
            .find(|g| get(g, "name") == u.group)
            .map(|g| get(g, "policy"));
        let Some(policy) = policy else {
            bad.push(format!(
                "`{}` is in group `{}`, which /user group does not list",
                u.name, u.group
            ));
            continue;
        };
        let rights: Vec<&str> = granted(&policy)
            .into_iter()
            .filter(|p| PRIVILEGED_POLICIES.contains(p))
            .collect();
        if rights.is_empty() {
            evidence.push(format!("`{}` (group {}): no such rights", u.name, u.group));
        } else if profile.users.allowed_privileged.contains(&u.name) {
            evidence.push(format!(
                "`{}` (group {}): {} — allowed by the profile",
                u.name,
                u.group,
                rights.join(",")
            ));
        } else {
            bad.push(format!(
                "`{}` is enabled in group `{}` with {}",
                u.name,
                u.group,
                rights.join(",")
            ));
        }
    }
    check(id, &title, failures(bad)).with_evidence_lines(evidence)
}

fn guesses_refused(obs: &Observation) -> CheckResult {
    let id = &GUESSING_REFUSED;
    let title = GUESSING_REFUSED.title;
    let mut got_in = Vec::new();
    let mut refused = 0;
    let mut evidence = Vec::new();
    for g in &obs.guesses {
        match &g.attempt {
            LoginAttempt::Accepted => got_in.push(format!(
                "`{}` logged in over {} from {} with {}",
                g.user,
                g.service.via(),
                g.role,
                g.kind
            )),
            LoginAttempt::Refused => refused += 1,
            LoginAttempt::Unreachable(_) => {}
        }
    }
    evidence.push(format!(
        "{} guesses, {refused} refused, {} accepted",
        obs.guesses.len(),
        got_in.len()
    ));
    let outcome = if !got_in.is_empty() {
        Outcome::Fail(got_in.join("; "))
    } else if refused == 0 {
        match &obs.users {
            Err(e) => unreadable(e),
            Ok(_) => Outcome::Skip(
                "not verifiable: no login service answered a guess from any vantage".into(),
            ),
        }
    } else {
        Outcome::Pass
    };
    check(id, title, outcome).with_evidence_lines(evidence)
}

fn admin_gone(profile: &Profile, obs: &Observation) -> CheckResult {
    let admin = &profile.users.default_admin_name;
    let title = format!("the factory user `{admin}` is removed or disabled");
    let users = match &obs.users {
        Ok(u) => u,
        Err(e) => return check(&DEFAULT_ADMIN_GONE, &title, unreadable(e)),
    };
    let outcome = match users.iter().find(|u| &u.name == admin) {
        None => Outcome::Pass,
        Some(u) if u.disabled && profile.users.default_admin == DefaultAdmin::Disable => {
            Outcome::Pass
        }
        Some(u) if u.disabled => Outcome::Fail(format!(
            "`{admin}` is disabled but still present; the baseline removes it"
        )),
        Some(u) => Outcome::Fail(format!(
            "`{admin}` still exists and is enabled (group {})",
            u.group
        )),
    };
    check(&DEFAULT_ADMIN_GONE, &title, outcome).with_evidence(format!(
        "users: {}",
        users
            .iter()
            .map(|u| u.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

fn admin_refused(profile: &Profile, obs: &Observation) -> CheckResult {
    let admin = &profile.users.default_admin_name;
    let title = format!("`{admin}` with the factory (empty) password cannot log in");
    let mut accepted = Vec::new();
    let mut refused = 0;
    let mut evidence = Vec::new();
    for ((user, service, role), attempt) in &obs.logins {
        if !user.starts_with(&format!("{admin} ")) {
            continue;
        }
        evidence.push(format!("{} from {role}: {attempt:?}", service.via()));
        match attempt {
            LoginAttempt::Accepted => accepted.push(format!("{} from {role}", service.via())),
            LoginAttempt::Refused => refused += 1,
            LoginAttempt::Unreachable(_) => {}
        }
    }
    let outcome = if !accepted.is_empty() {
        Outcome::Fail(format!(
            "`{admin}` logged in with an empty password over {}",
            accepted.join(", ")
        ))
    } else if refused == 0 {
        Outcome::Skip(
            "not verifiable: no login service answered, so no login could be refused".into(),
        )
    } else {
        Outcome::Pass
    };
    let mut r = check(&DEFAULT_ADMIN_REFUSED, &title, outcome);
    r.evidence = evidence;
    r
}

fn new_admin(profile: &Profile, obs: &Observation) -> CheckResult {
    let name = &profile.users.name;
    let title = format!(
        "the administrator `{name}` exists in group {} and can log in",
        profile.users.group
    );
    let users = match &obs.users {
        Ok(u) => u,
        Err(e) => return check(&NEW_ADMIN, &title, unreadable(e)),
    };
    let Some(user) = users.iter().find(|u| &u.name == name) else {
        return check(
            &NEW_ADMIN,
            &title,
            Outcome::Fail(format!("there is no user `{name}`")),
        );
    };
    if user.disabled {
        return check(
            &NEW_ADMIN,
            &title,
            Outcome::Fail(format!("`{name}` is disabled")),
        );
    }
    if user.group != profile.users.group {
        return check(
            &NEW_ADMIN,
            &title,
            Outcome::Fail(format!(
                "`{name}` is in group {}, not {}",
                user.group, profile.users.group
            )),
        );
    }
    if &obs.operator_user != name {
        return check(
            &NEW_ADMIN,
            &title,
            Outcome::Skip(format!(
                "not verifiable: the harness does not know `{name}`'s password"
            )),
        );
    }
    let mut evidence = Vec::new();
    let mut failed = Vec::new();
    for service in [LoginService::Ssh, LoginService::Rest] {
        let key = (name.clone(), service, Role::Trusted);
        match obs.logins.get(&key) {
            Some(LoginAttempt::Accepted) => {
                evidence.push(format!("{} from trusted: accepted", service.via()))
            }
            Some(other) => failed.push(format!("{} from trusted: {other:?}", service.via())),
            None => {}
        }
    }
    let outcome = if failed.is_empty() && !evidence.is_empty() {
        Outcome::Pass
    } else if failed.is_empty() {
        Outcome::Skip("not verifiable: no login was tried".into())
    } else {
        Outcome::Fail(format!("`{name}` could not log in: {}", failed.join("; ")))
    };
    let mut r = check(&NEW_ADMIN, &title, outcome);
    r.evidence = evidence;
    r
}

fn password_policy(profile: &Profile, obs: &Observation) -> CheckResult {
    let title = PASSWORD_POLICY.title;
    if obs.operator_user != profile.users.name {
        return check(
            &PASSWORD_POLICY,
            title,
            Outcome::Fail(format!(
                "the router is administered as `{}`, not as the baseline's `{}`",
                obs.operator_user, profile.users.name
            )),
        );
    }
    let outcome = match profile.users.password_policy.check(&obs.operator_password) {
        Ok(()) => Outcome::Pass,
        Err(v) => Outcome::Fail(format!("`{}`'s password: {v}", obs.operator_user)),
    };
    check(&PASSWORD_POLICY, title, outcome).with_evidence(format!(
        "policy: at least {} characters",
        profile.users.password_policy.min_length
    ))
}
