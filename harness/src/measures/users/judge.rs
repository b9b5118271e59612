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
        address_restricted(profile, obs),
    ]
}

/// Rights that make a user's `address=` matter here: it can change the router (`write`) or
/// its users (`policy`).
const RESTRICTED_POLICIES: [&str; 2] = ["write", "policy"];

/// White box: every enabled user whose group grants `write` or `policy` has a non-empty
/// `address=` that does not admit the untrusted vantage. Black box, where ssh answers from the
/// untrusted vantage: the administrator's login from there with the right password is refused,
/// and the log shows the refusal (`login failure for user X from Y via ssh`); a refusal the log
/// does not show happened before the password was checked (a service's `address=`) and does
/// not reach the user's own restriction. Without such a login the verdict rests on `/user`.
fn address_restricted(profile: &Profile, obs: &Observation) -> CheckResult {
    use super::ADDRESS_RESTRICTED as DEF;
    use crate::profile::Cidr;
    let result = |o| CheckResult::new(Measure::Users, DEF.id, DEF.title, o);
    if !profile.users.restricts_address() {
        return result(Outcome::Pass).with_evidence(
            "the profile leaves /user address= open (restrict_address = false, no allowed_from)",
        );
    }
    let mut bad = Vec::new();
    let mut evidence = Vec::new();
    // Black box first: a login that got in fails the check whatever /user says.
    let operator = &obs.operator_user;
    let untrusted = obs.source(Role::Untrusted);
    let mut proven = false;
    let mut tried = false;
    let new_log = obs.new_log_entries();
    for ((user, service, role), attempt) in &obs.logins {
        if user != operator || *role != Role::Untrusted {
            continue;
        }
        tried = true;
        let via = service.via();
        match attempt {
            LoginAttempt::Accepted => bad.push(format!(
                "`{operator}` logged in over {via} from the untrusted vantage with the right password"
            )),
            LoginAttempt::Refused => {
                let line = routeros::login::failure_message(operator, untrusted, service.log_via());
                let logged = new_log
                    .as_ref()
                    .is_some_and(|entries| entries.iter().any(|e| e.message == line));
                if logged {
                    proven = true;
                    evidence.push(format!(
                        "{via} answers from the untrusted vantage; `{operator}`'s login from there with the right password was refused and logged: {line}"
                    ));
                } else {
                    evidence.push(format!(
                        "{via} answers from the untrusted vantage and refused `{operator}`'s login with the right password, but the log has no `{line}`: refused before the password was checked (a service's address=?), so the user's own restriction was not reached there"
                    ));
                }
            }
            LoginAttempt::Unreachable(why) => evidence.push(format!(
                "{via} from the untrusted vantage did not get as far as a login ({why})"
            )),
        }
    }
    if !tried {
        evidence.push(
            "no login service (ssh, telnet, ftp, api, rest) answers from the untrusted vantage: no login from outside the restriction could be tried; the verdict rests on /user"
                .into(),
        );
    } else if !proven && bad.is_empty() {
        evidence.push("no refusal from the untrusted vantage was the user's own (logged); the verdict rests on /user".into());
    }
    let (users, groups) = match (&obs.users, &obs.groups) {
        (Err(e), _) | (_, Err(e)) if bad.is_empty() => {
            return result(unreadable(e)).with_evidence_lines(evidence);
        }
        (Ok(u), Ok(g)) => (u, g),
        _ => return result(failures(bad)).with_evidence_lines(evidence),
    };
    let outsiders: Vec<std::net::IpAddr> = untrusted
        .into_iter()
        .chain(obs.sources6.get(&Role::Untrusted).copied())
        .collect();
    let get = |r: &Vec<(String, String)>, k: &str| {
        r.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    for u in users.iter().filter(|u| !u.disabled) {
        let policy = groups
            .iter()
            .find(|g| get(g, "name") == u.group)
            .map(|g| get(g, "policy"));
        let rights: Vec<&str> = match &policy {
            Some(p) => granted(p)
                .into_iter()
                .filter(|p| RESTRICTED_POLICIES.contains(p))
                .collect(),
            // A group /user group does not list: its rights are unknown, so it counts.
            None => vec!["unknown rights"],
        };
        if rights.is_empty() {
            continue;
        }
        let entries: Vec<&str> = u
            .address
            .iter()
            .flat_map(|a| a.split(','))
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .collect();
        evidence.push(format!(
            "`{}` (group {}, {}): address={}",
            u.name,
            u.group,
            rights.join(","),
            entries.join(",")
        ));
        if entries.is_empty() {
            bad.push(format!(
                "`{}` (group {}) may log in from any address (address= is empty)",
                u.name, u.group
            ));
            continue;
        }
        for e in entries {
            match e.parse::<Cidr>() {
                Ok(c) => {
                    for ip in outsiders.iter().filter(|ip| c.contains(**ip)) {
                        bad.push(format!(
                            "`{}` may log in from {c}, which holds the untrusted vantage's {ip}",
                            u.name
                        ));
                    }
                }
                Err(err) => bad.push(format!(
                    "`{}` has an address {e:?} chrlab cannot read: {err}",
                    u.name
                )),
            }
        }
    }
    let outcome = if !bad.is_empty() {
        failures(bad)
    } else if outsiders.is_empty() {
        Outcome::Skip(
            "not verifiable: the lab gives no untrusted vantage address to test the restrictions against".into(),
        )
    } else {
        if !proven {
            evidence.push("white box only: /user restricts every such user".into());
        }
        Outcome::Pass
    };
    result(outcome).with_evidence_lines(evidence)
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

#[cfg(test)]
mod tests {
    use super::*;
    use routeros::model::{LogEntry, User};

    const TRUSTED: &str = "198.51.100.10";
    const UNTRUSTED: &str = "203.0.113.10";

    fn user(name: &str, group: &str, address: &[&str]) -> User {
        User {
            id: None,
            name: name.into(),
            group: group.into(),
            disabled: false,
            address: address.iter().map(|a| a.to_string()).collect(),
            comment: None,
            last_logged_in: None,
        }
    }

    fn group(name: &str, policy: &str) -> Vec<(String, String)> {
        vec![
            ("name".into(), name.into()),
            ("policy".into(), policy.into()),
        ]
    }

    fn log(message: &str) -> LogEntry {
        LogEntry {
            id: None,
            time: "10:00:00".into(),
            topics: vec!["system".into(), "error".into(), "critical".into()],
            message: message.into(),
            extra_info: None,
        }
    }

    /// A router with `users`, the operator `netops`, and what its login from the untrusted
    /// vantage did (with the log lines that appeared meanwhile).
    fn observation(
        users: Vec<User>,
        untrusted: Option<LoginAttempt>,
        new_log: &[&str],
    ) -> Observation {
        let mut obs = Observation::nothing_read("test", "not read in this test");
        obs.users = Ok(users);
        obs.groups = Ok(vec![
            group("full", "local,ssh,read,write,policy,test"),
            group("read", "local,ssh,read,!write,!policy"),
        ]);
        obs.operator_user = "netops".into();
        obs.sources
            .insert(Role::Trusted, TRUSTED.parse().expect("address"));
        obs.sources
            .insert(Role::Untrusted, UNTRUSTED.parse().expect("address"));
        obs.log_before = Ok(vec![]);
        obs.log = Ok(new_log.iter().map(|m| log(m)).collect());
        if let Some(a) = untrusted {
            obs.logins
                .insert(("netops".into(), LoginService::Ssh, Role::Untrusted), a);
        }
        obs
    }

    fn judged(obs: &Observation) -> CheckResult {
        let r = judge(&Profile::baseline(), obs).pop().expect("a result");
        assert_eq!(r.id, super::super::ADDRESS_RESTRICTED.id);
        r
    }

    fn restricted() -> Vec<User> {
        vec![
            user("netops", "full", &["198.51.100.10/32"]),
            user("viewer", "read", &[]),
        ]
    }

    const REFUSED_LINE: &str = "login failure for user netops from 203.0.113.10 via ssh";

    #[test]
    fn passes_on_the_white_box_alone_and_says_so_when_ssh_is_filtered_from_untrusted() {
        let r = judged(&observation(restricted(), None, &[]));
        assert_eq!(r.outcome, Outcome::Pass, "{r:?}");
        assert!(
            r.evidence.iter().any(|e| e.contains("rests on /user")),
            "{:?}",
            r.evidence
        );
        assert!(r.evidence.iter().any(|e| e.contains("white box only")));
        // A read-only user needs no restriction.
        assert!(!r.evidence.iter().any(|e| e.contains("viewer")));
    }

    #[test]
    fn passes_with_black_box_proof_when_the_refusal_is_logged() {
        let r = judged(&observation(
            restricted(),
            Some(LoginAttempt::Refused),
            &[REFUSED_LINE],
        ));
        assert_eq!(r.outcome, Outcome::Pass, "{r:?}");
        assert!(
            r.evidence
                .iter()
                .any(|e| e.contains("refused and logged") && e.contains(REFUSED_LINE)),
            "{:?}",
            r.evidence
        );
        assert!(!r.evidence.iter().any(|e| e.contains("white box only")));
    }

    #[test]
    fn an_unlogged_refusal_is_not_taken_for_the_users_own_restriction() {
        let r = judged(&observation(restricted(), Some(LoginAttempt::Refused), &[]));
        assert_eq!(r.outcome, Outcome::Pass, "{r:?}");
        assert!(
            r.evidence
                .iter()
                .any(|e| e.contains("refused before the password was checked")),
            "{:?}",
            r.evidence
        );
        assert!(r.evidence.iter().any(|e| e.contains("white box only")));
    }

    #[test]
    fn fails_when_a_privileged_user_is_unrestricted_or_admits_the_untrusted_vantage() {
        let users = vec![
            user("netops", "full", &["198.51.100.10/32", "203.0.113.0/24"]),
            user("backup", "full", &[]),
            user("odd", "nosuchgroup", &["198.51.100.0/24"]),
        ];
        match judged(&observation(users, None, &[])).outcome {
            Outcome::Fail(why) => {
                assert!(
                    why.contains("`netops` may log in from 203.0.113.0/24, which holds the untrusted vantage's 203.0.113.10"),
                    "{why}"
                );
                assert!(
                    why.contains("`backup` (group full) may log in from any address"),
                    "{why}"
                );
                assert!(!why.contains("odd"), "{why}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_accepted_login_from_untrusted_fails_even_when_users_were_not_read() {
        let mut obs = observation(restricted(), Some(LoginAttempt::Accepted), &[]);
        obs.users = Err(crate::check::observe::ReadError {
            menu: "/user".into(),
            cause: "timed out".into(),
        });
        match judged(&obs).outcome {
            Outcome::Fail(why) => assert!(
                why.contains("`netops` logged in over ssh from the untrusted vantage"),
                "{why}"
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn any_login_service_that_lets_the_administrator_in_from_untrusted_fails() {
        let mut obs = observation(restricted(), Some(LoginAttempt::Refused), &[REFUSED_LINE]);
        obs.logins.insert(
            ("netops".into(), LoginService::Telnet, Role::Untrusted),
            LoginAttempt::Accepted,
        );
        match judged(&obs).outcome {
            Outcome::Fail(why) => assert!(
                why.contains("`netops` logged in over telnet from the untrusted vantage"),
                "{why}"
            ),
            other => panic!("{other:?}"),
        }
        // Another user's login from there is not the administrator's.
        let mut obs = observation(restricted(), None, &[]);
        obs.logins.insert(
            (
                "admin (empty password)".into(),
                LoginService::Ssh,
                Role::Untrusted,
            ),
            LoginAttempt::Accepted,
        );
        assert_eq!(judged(&obs).outcome, Outcome::Pass);
    }

    #[test]
    fn is_not_verifiable_without_the_users_or_an_untrusted_address() {
        let mut obs = observation(restricted(), Some(LoginAttempt::Refused), &[REFUSED_LINE]);
        obs.users = Err(crate::check::observe::ReadError {
            menu: "/user".into(),
            cause: "timed out".into(),
        });
        assert!(matches!(judged(&obs).outcome, Outcome::Skip(_)));
        let mut obs = observation(restricted(), None, &[]);
        obs.sources.remove(&Role::Untrusted);
        match judged(&obs).outcome {
            Outcome::Skip(why) => assert!(why.contains("no untrusted vantage address"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_profile_that_leaves_addresses_open_passes_without_looking() {
        let mut profile = Profile::baseline();
        profile.users.restrict_address = false;
        let obs = observation(vec![user("netops", "full", &[])], None, &[]);
        let r = judge(&profile, &obs).pop().expect("a result");
        assert_eq!(r.outcome, Outcome::Pass);
        // allowed_from alone still asks for a restriction.
        profile.users.allowed_from = vec!["192.0.2.0/24".parse().expect("cidr")];
        let r = judge(&profile, &obs).pop().expect("a result");
        assert!(matches!(r.outcome, Outcome::Fail(_)), "{r:?}");
    }
}
