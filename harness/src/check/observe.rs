//! Gathering: everything the checks need, read from outside the router once per run.

use std::collections::BTreeMap;
use std::net::IpAddr;

use routeros::model::{LogEntry, PackageUpdate, Service, User};
use serde::Serialize;

use crate::lab::{Lab, Role};
use crate::operator::{LoginAttempt, LoginService, Operator};
use crate::probe::ProbeMatrix;
use crate::profile::{Profile, ServiceName};
use crate::readback::Readback;
use crate::secret::Secret;

/// A key-value row as the router sent it.
pub type Props = Vec<(String, String)>;

/// A read that may have failed; the error says what and why.
pub type Read<T> = Result<T, String>;

/// Login attempts keyed by (user label, protocol, vantage).
pub type Logins = BTreeMap<(String, LoginService, Role), LoginAttempt>;

/// What the harness saw of the router.
#[derive(Debug, Clone)]
pub struct Observation {
    /// The lab's own description.
    pub lab: String,
    /// Source addresses of the vantages.
    pub sources: BTreeMap<Role, IpAddr>,
    /// Facts that make some checks unverifiable here.
    pub limitations: Vec<String>,
    /// How the configuration was read: over REST, or over SSH (`print terse`) when the router
    /// has no REST (RouterOS 6) or its www does not answer.
    pub readback: Readback,
    /// Why REST was not used, when it was not.
    pub readback_reason: Option<String>,
    /// The user the harness is logged in as, and whether its password is known to it.
    pub operator_user: String,
    /// The password the harness uses (to judge the policy); never printed.
    pub operator_password: Secret,
    pub update: Read<PackageUpdate>,
    pub services: Read<Vec<Service>>,
    pub users: Read<Vec<User>>,
    pub filter: Read<Vec<Props>>,
    pub address_lists: Read<Vec<Props>>,
    pub logging: Read<Vec<Props>>,
    pub log: Read<Vec<LogEntry>>,
    /// Port × vantage → state.
    pub matrix: ProbeMatrix,
    /// Logins tried.
    pub logins: Logins,
    /// The failed logins the harness provoked: (protocol, user).
    pub provoked: Vec<(LoginService, String)>,
}

impl Observation {
    /// The source address of a vantage.
    pub fn source(&self, role: Role) -> Option<IpAddr> {
        self.sources.get(&role).copied()
    }

    /// The port a service listens on according to the router's own configuration.
    pub fn configured_port(&self, service: &str) -> Option<u16> {
        self.services
            .as_ref()
            .ok()?
            .iter()
            .find(|s| s.name == service)
            .map(|s| s.port)
    }

    /// A serializable, secret-free view for snapshots.
    pub fn summary(&self) -> ObservationSummary {
        ObservationSummary {
            services: self.services.as_ref().ok().map(|v| {
                v.iter()
                    .map(|s| ServiceRow {
                        name: s.name.clone(),
                        port: s.port,
                        disabled: s.disabled,
                        address: s.address.join(","),
                    })
                    .collect()
            }),
            users: self.users.as_ref().ok().map(|v| {
                v.iter()
                    .map(|u| UserRow {
                        name: u.name.clone(),
                        group: u.group.clone(),
                        disabled: u.disabled,
                    })
                    .collect()
            }),
            filter: self
                .filter
                .as_ref()
                .ok()
                .map(|rules| rules.iter().map(|r| normalized_rule(r)).collect()),
            matrix: self
                .matrix
                .cells
                .iter()
                .map(|(port, by)| {
                    (
                        *port,
                        by.iter().map(|(v, p)| (v.clone(), p.to_string())).collect(),
                    )
                })
                .collect(),
        }
    }
}

/// One filter rule as `key=value` words, sorted by key, booleans as `yes`/`no`, counters, ids and
/// flag-only properties left out — the same text whether it was read over REST or SSH, so a
/// snapshot diff across versions shows a change of behaviour, not of transport.
fn normalized_rule(rule: &[(String, String)]) -> String {
    let mut words: Vec<String> = rule
        .iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                ".id" | "bytes" | "packets" | "dynamic" | "invalid" | "disabled"
            )
        })
        .map(|(k, v)| {
            let v = match v.as_str() {
                "true" => "yes",
                "false" => "no",
                other => other,
            };
            format!("{k}={v}")
        })
        .collect();
    let disabled = rule
        .iter()
        .any(|(k, v)| k == "disabled" && matches!(v.as_str(), "true" | "yes"));
    if disabled {
        words.push("disabled=yes".into());
    }
    words.sort();
    words.join(" ")
}

/// Secret-free, time-free facts for snapshots.
#[derive(Debug, Clone, Serialize)]
pub struct ObservationSummary {
    pub services: Option<Vec<ServiceRow>>,
    pub users: Option<Vec<UserRow>>,
    pub filter: Option<Vec<String>>,
    pub matrix: BTreeMap<u16, BTreeMap<String, String>>,
}

/// One `/ip service` row, normalized.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceRow {
    pub name: String,
    pub port: u16,
    pub disabled: bool,
    pub address: String,
}

/// One `/user` row without secrets.
#[derive(Debug, Clone, Serialize)]
pub struct UserRow {
    pub name: String,
    pub group: String,
    pub disabled: bool,
}

fn parse_rows<T, E: std::fmt::Display>(
    rows: Read<Vec<Props>>,
    parse: impl Fn(&[(String, String)]) -> Result<T, E>,
) -> Read<Vec<T>> {
    rows?
        .iter()
        .map(|r| parse(r).map_err(|e| e.to_string()))
        .collect()
}

/// The ports worth probing: every factory port plus the profile's and the router's current ones.
pub fn ports_to_probe(profile: &Profile, services: &Read<Vec<Service>>) -> Vec<u16> {
    let mut ports: Vec<u16> = ServiceName::ALL.iter().map(|s| s.default_port()).collect();
    ports.extend(profile.services.ports.values().copied());
    ports.extend(profile.firewall.extra_ports.iter().copied());
    if let Ok(services) = services {
        ports.extend(services.iter().map(|s| s.port));
    }
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// Reads the configuration, probes every port from every vantage, tries the logins and
/// provokes one failed login per reachable protocol, then reads the log.
pub async fn observe(lab: &dyn Lab, profile: &Profile) -> Observation {
    let op = Operator::new(lab);
    let creds = lab.access().credentials();
    let read = |r: Result<Vec<Props>, crate::client::ClientError>| r.map_err(|e| e.to_string());

    // White box, first: the configuration as the router reports it, over REST when the
    // router has it and www answers, else over SSH (RouterOS 6 has no REST).
    let readback = op.readback(Role::Trusted).await;
    let readback_reason = op.readback_reason();
    tracing::info!(%readback, reason = ?readback_reason, "reading the configuration");
    if profile.update.check_for_updates {
        // The answer lands in /system/package/update's status; failures show there too.
        let _ = op.check_for_updates(Role::Trusted).await;
    }
    let mut reads = op
        .rows_many(
            Role::Trusted,
            &[
                "/system/package/update",
                "/ip/service",
                "/user",
                "/ip/firewall/filter",
                "/ip/firewall/address-list",
                "/system/logging",
                "/system/resource",
            ],
        )
        .await
        .into_iter()
        .map(read);
    let mut next = || {
        reads
            .next()
            .unwrap_or_else(|| Err("no answer for this menu".to_string()))
    };
    let update = next().and_then(|rows| {
        let row = rows.first().ok_or("empty answer")?;
        PackageUpdate::from_props(row).map_err(|e| e.to_string())
    });
    let services = parse_rows(next(), Service::from_props)
        .map(|v| v.into_iter().filter(|s| !s.dynamic).collect::<Vec<_>>());
    let users = parse_rows(next(), User::from_props);
    let filter = next();
    let address_lists = next();
    let logging = next();
    let resource = next();
    let mut limitations = lab.limitations();
    if let Ok(rows) = resource {
        // ros-sim says whether its firewall reaches the kernel; a real router has no such field.
        let sim_firewall = rows
            .iter()
            .flatten()
            .find(|(k, _)| k == "sim-firewall")
            .map(|(_, v)| v.clone());
        if sim_firewall.as_deref() == Some("not-enforced") {
            limitations.push(
                "the simulator's firewall is not enforced (no network namespace of its own)".into(),
            );
        }
    }
    // RouterOS 6 has no REST API (FACTS §6): no login can be tried over it, so none is, rather
    // than being counted as a login that failed.
    let has_rest = !matches!(&update, Ok(u) if u.installed_version.major() < 7);
    let rest_logins: &[LoginService] = if has_rest { &[LoginService::Rest] } else { &[] };

    // Black box (ports from both vantages) while the logins run: probes log nothing, and the
    // logins stay in a fixed order so the log lines they cause are deterministic.
    let ports = ports_to_probe(profile, &services);
    let probing = op.probe_matrix(&ports);
    let logging_in = async {
        // The factory admin everywhere, the operator over ssh and rest.
        let mut logins = Logins::new();
        let admin = profile.users.default_admin_name.clone();
        for service in [LoginService::Ssh, LoginService::Telnet, LoginService::Api]
            .iter()
            .chain(rest_logins)
            .copied()
        {
            let attempt = op.try_login(Role::Trusted, service, &admin, "").await;
            logins.insert(
                (format!("{admin} (empty password)"), service, Role::Trusted),
                attempt,
            );
        }
        for service in [LoginService::Ssh].iter().chain(rest_logins).copied() {
            let attempt = op
                .try_login(Role::Trusted, service, &creds.user, creds.password.expose())
                .await;
            logins.insert((creds.user.clone(), service, Role::Trusted), attempt);
        }
        // Provoke failed logins from the trusted vantage with a wrong password.
        let wrong = format!("chrlab-wrong-{}", std::process::id());
        let mut provoked = Vec::new();
        for service in [LoginService::Ssh].iter().chain(rest_logins).copied() {
            if op
                .try_login(Role::Trusted, service, &creds.user, &wrong)
                .await
                == LoginAttempt::Refused
            {
                provoked.push((service, creds.user.clone()));
            }
        }
        (logins, provoked)
    };
    let (matrix, (logins, provoked)) = tokio::join!(probing, logging_in);
    let log = parse_rows(
        read(op.rows(Role::Trusted, "/log").await),
        LogEntry::from_props,
    );

    Observation {
        lab: lab.describe(),
        sources: Role::ALL
            .iter()
            .filter_map(|r| Some((*r, lab.vantage(*r)?.address())))
            .collect(),
        limitations,
        readback,
        readback_reason,
        operator_user: creds.user,
        operator_password: creds.password,
        update,
        services,
        users,
        filter,
        address_lists,
        logging,
        log,
        matrix,
        logins,
        provoked,
    }
}
