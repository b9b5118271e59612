//! Gathering: everything the checks need, read from outside the router once per run.

use std::collections::BTreeMap;
use std::net::IpAddr;

use futures::StreamExt as _;
use futures::future::join_all;
use routeros::model::{LogEntry, PackageUpdate, Service, User};
use serde::Serialize;

use crate::lab::{Lab, Role};
use crate::operator::{LoginAttempt, LoginService, Operator};
use crate::outcome::error_chain;
use crate::probe::{PortState, ProbeMatrix, Seen, Sighting};
use crate::profile::{Profile, ServiceName};
use crate::readback::Readback;
use crate::secret::Secret;

/// A key-value row as the router sent it.
pub type Props = Vec<(String, String)>;

/// Why part of the configuration could not be read: the checks that need it are *not
/// verifiable*, and the audit is incomplete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not read {menu}: {cause}")]
pub struct ReadError {
    /// The menu (`/user`, `/log`, …).
    pub menu: String,
    /// What went wrong (the client's error chain, or the router's answer).
    pub cause: String,
}

impl ReadError {
    fn new(menu: &str, cause: impl std::fmt::Display) -> ReadError {
        ReadError {
            menu: menu.to_string(),
            cause: cause.to_string(),
        }
    }
}

/// A read that may have failed; the error says what and why.
pub type Read<T> = Result<T, ReadError>;

/// Listeners a RouterOS router may run besides `/ip service`, probed from both vantages:
/// (what, tcp port). The bandwidth-test server listens on 2000 and is enabled on a fresh CHR
/// (FACTS, manual "Bandwidth Test").
pub const OTHER_LISTENERS: &[(&str, u16)] = &[(
    routeros::service::BANDWIDTH_SERVER,
    routeros::service::BANDWIDTH_SERVER_PORT,
)];

/// Passwords an attacker tries first, besides an empty one and the user name: the most common
/// router passwords.
pub const COMMON_PASSWORDS: &[&str] = &["admin", "password", "1234"];

/// At most this many guesses per user, service and vantage.
pub const MAX_GUESSES: usize = 5;

/// Which password a guess tried (the text is never secret: an attacker tries it first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuessKind {
    /// An empty password.
    Empty,
    /// The user name as password.
    UserName,
    /// A common router password.
    Common(&'static str),
}

impl GuessKind {
    /// The guesses for one user, at most [`MAX_GUESSES`], in the order they are tried.
    pub fn for_user(user: &str) -> Vec<(GuessKind, String)> {
        let mut v = vec![
            (GuessKind::Empty, String::new()),
            (GuessKind::UserName, user.to_string()),
        ];
        for p in COMMON_PASSWORDS {
            if *p != user {
                v.push((GuessKind::Common(p), (*p).to_string()));
            }
        }
        v.truncate(MAX_GUESSES);
        v
    }
}

impl std::fmt::Display for GuessKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GuessKind::Empty => f.write_str("an empty password"),
            GuessKind::UserName => f.write_str("the user name as password"),
            GuessKind::Common(p) => write!(f, "the common password `{p}`"),
        }
    }
}

/// One attacker's guess at a user's password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guess {
    /// The user name tried.
    pub user: String,
    /// Over what.
    pub service: LoginService,
    /// From where.
    pub role: Role,
    /// Which password.
    pub kind: GuessKind,
    /// What happened.
    pub attempt: LoginAttempt,
}

/// Login attempts keyed by (user label, protocol, vantage).
pub type Logins = BTreeMap<(String, LoginService, Role), LoginAttempt>;

/// What the harness saw of the router.
#[derive(Debug, Clone)]
pub struct Observation {
    /// The lab's own description.
    pub lab: String,
    /// The router's address as the harness reached it.
    pub router: Option<IpAddr>,
    /// Source addresses of the vantages.
    pub sources: BTreeMap<Role, IpAddr>,
    /// Their IPv6 source addresses, where the lab gave them one.
    pub sources6: BTreeMap<Role, IpAddr>,
    /// Facts that make some checks unverifiable here.
    pub limitations: Vec<crate::lab::Limitation>,
    /// How the probes' TCP reached the router: directly, or through port forwards that hide
    /// the difference between a drop and an ICMP reject.
    pub tcp_path: crate::probe::TcpPath,
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
    /// `/user group`: name and policy of each group.
    pub groups: Read<Vec<Props>>,
    /// `/tool bandwidth-server` (one row).
    pub bandwidth_server: Read<Vec<Props>>,
    pub filter: Read<Vec<Props>>,
    pub address_lists: Read<Vec<Props>>,
    pub logging: Read<Vec<Props>>,
    /// `/log` before the harness provoked any failed login.
    pub log_before: Read<Vec<LogEntry>>,
    /// `/log` at the end of the observation.
    pub log: Read<Vec<LogEntry>>,
    /// Port × vantage → state.
    pub matrix: ProbeMatrix,
    /// The same over IPv6, to the router's IPv6 address (`None`: the lab gives the vantages
    /// no IPv6 path to the router).
    pub matrix6: Option<ProbeMatrix>,
    /// What the measures' own probes saw ([`crate::measures::MeasureDef::probe`]), per measure,
    /// in vantage order.
    pub sightings: BTreeMap<crate::outcome::Measure, Vec<Sighting>>,
    /// Logins tried.
    pub logins: Logins,
    /// The failed logins the harness provoked with a wrong password: (protocol, user).
    pub provoked: Vec<(LoginService, String)>,
    /// An attacker's guesses at every user's password, from both vantages.
    pub guesses: Vec<Guess>,
    /// The menus the measures declare they read ([`crate::measures::MeasureDef::reads`]).
    pub menus: BTreeMap<&'static str, Read<Vec<Props>>>,
    /// What the syslog collector on the trusted vantage received while the logins ran
    /// ([`crate::measures::logging::collector`]).
    pub syslog: crate::measures::logging::Syslog,
}

impl Observation {
    /// A menu some measure declared it reads, or why it could not be read.
    pub fn menu(&self, menu: &str) -> Result<&Vec<Props>, &ReadError> {
        static NOT_DECLARED: std::sync::OnceLock<ReadError> = std::sync::OnceLock::new();
        match self.menus.get(menu) {
            Some(r) => r.as_ref(),
            None => Err(NOT_DECLARED
                .get_or_init(|| ReadError::new("a menu", "not read: no measure declares it"))),
        }
    }

    /// What the probe `probe` of `measure` saw, from each vantage that ran it.
    pub fn sightings(
        &self,
        measure: crate::outcome::Measure,
        probe: &str,
    ) -> impl Iterator<Item = &Sighting> {
        self.sightings
            .get(&measure)
            .into_iter()
            .flatten()
            .filter(move |s| s.probe == probe)
    }

    /// What the probe `probe` of `measure` saw from `role`, if it ran there.
    pub fn seen(&self, measure: crate::outcome::Measure, probe: &str, role: Role) -> Option<&Seen> {
        self.sightings(measure, probe)
            .find(|s| s.vantage == role.name())
            .map(|s| &s.seen)
    }

    /// What a harness that could read nothing saw: every read failed with `cause`, no probe and
    /// no login ran (a lab whose router vanished; the judges' own tests).
    pub fn nothing_read(lab: &str, cause: &str) -> Observation {
        let err = |menu: &str| ReadError::new(menu, cause);
        Observation {
            lab: lab.to_string(),
            router: None,
            sources: BTreeMap::new(),
            sources6: BTreeMap::new(),
            limitations: Vec::new(),
            tcp_path: crate::probe::TcpPath::Direct,
            readback: Readback::Rest,
            readback_reason: None,
            operator_user: String::new(),
            operator_password: Secret::new(""),
            update: Err(err("/system package update")),
            services: Err(err("/ip service")),
            users: Err(err("/user")),
            groups: Err(err("/user group")),
            bandwidth_server: Err(err("/tool bandwidth-server")),
            filter: Err(err("/ip firewall filter")),
            address_lists: Err(err("/ip firewall address-list")),
            logging: Err(err("/system logging")),
            log_before: Err(err("/log")),
            log: Err(err("/log")),
            matrix: ProbeMatrix::default(),
            matrix6: None,
            sightings: BTreeMap::new(),
            logins: Logins::new(),
            provoked: Vec::new(),
            guesses: Vec::new(),
            menus: crate::measures::extra_reads()
                .into_iter()
                .map(|m| (m, Err(err(m))))
                .collect(),
            syslog: crate::measures::logging::Syslog::NotRun(cause.to_string()),
        }
    }

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

    /// What normally listens on a port: the `/ip service` item the router reports there, else
    /// the service whose factory port it is, else another RouterOS listener.
    pub fn port_owner(&self, port: u16) -> String {
        if let Ok(services) = &self.services
            && let Some(s) = services.iter().find(|s| s.port == port)
        {
            return format!("{} per /ip service", s.name);
        }
        if let Some(s) = ServiceName::ALL.iter().find(|s| s.default_port() == port) {
            return format!("{}'s factory port", s.as_str());
        }
        if let Some((what, _)) = OTHER_LISTENERS.iter().find(|(_, p)| *p == port) {
            return (*what).to_string();
        }
        "unknown".into()
    }

    /// What could not be read, one line each: the audit is incomplete when this is not empty.
    pub fn unreadable(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut note = |e: Option<&ReadError>| {
            if let Some(e) = e {
                out.push(e.to_string());
            }
        };
        note(self.update.as_ref().err());
        note(self.services.as_ref().err());
        note(self.users.as_ref().err());
        note(self.groups.as_ref().err());
        note(self.bandwidth_server.as_ref().err());
        note(self.filter.as_ref().err());
        note(self.address_lists.as_ref().err());
        note(self.logging.as_ref().err());
        note(self.log_before.as_ref().err());
        note(self.log.as_ref().err());
        out
    }

    /// The log entries that appeared while the harness observed: by `.id` where the router
    /// gives one (REST), else the entries of the final log that the first read did not hold.
    /// `None` when either read failed.
    pub fn new_log_entries(&self) -> Option<Vec<&LogEntry>> {
        let (before, after) = (self.log_before.as_ref().ok()?, self.log.as_ref().ok()?);
        if before.iter().chain(after).all(|e| e.id.is_some()) {
            let old: std::collections::BTreeSet<&str> =
                before.iter().filter_map(|e| e.id.as_deref()).collect();
            return Some(
                after
                    .iter()
                    .filter(|e| !e.id.as_deref().is_some_and(|id| old.contains(id)))
                    .collect(),
            );
        }
        // Without ids, a multiset difference: an entry is new when the final log holds more
        // copies of it than the first read did.
        let key = |e: &LogEntry| (e.time.clone(), e.topics.clone(), e.message.clone());
        let mut seen: BTreeMap<(String, Vec<String>, String), usize> = BTreeMap::new();
        for e in before {
            *seen.entry(key(e)).or_default() += 1;
        }
        Some(
            after
                .iter()
                .filter(|e| match seen.get_mut(&key(e)) {
                    Some(n) if *n > 0 => {
                        *n -= 1;
                        false
                    }
                    _ => true,
                })
                .collect(),
        )
    }

    /// A prefix as a snapshot shows it: a vantage's own address, IPv4 or IPv6 (which differ
    /// between lab backends, and only some have IPv6), by its role (`<trusted>`), anything
    /// else as it is.
    fn vantage_name(&self, prefix: &str) -> String {
        let host = prefix
            .trim()
            .strip_suffix("/32")
            .or_else(|| prefix.trim().strip_suffix("/128"))
            .unwrap_or(prefix.trim());
        let Ok(ip) = host.parse::<IpAddr>() else {
            return prefix.to_string();
        };
        for sources in [&self.sources, &self.sources6] {
            if let Some((role, _)) = sources.iter().find(|(_, a)| **a == ip) {
                return format!("<{}>", role.name());
            }
        }
        prefix.to_string()
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
                        address: s
                            .address
                            .iter()
                            .flat_map(|a| a.split(','))
                            .map(|a| self.vantage_name(a))
                            .fold(Vec::new(), |mut seen: Vec<String>, a| {
                                if !seen.contains(&a) {
                                    seen.push(a);
                                }
                                seen
                            })
                            .join(","),
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
            matrix: matrix_text(&self.matrix),
            matrix6: self.matrix6.as_ref().map(matrix_text),
            sightings: self
                .sightings
                .iter()
                .flat_map(|(measure, seen)| {
                    seen.iter().map(move |s| {
                        (
                            format!("{}.{}", measure.slug(), s.probe),
                            (s.vantage.to_string(), s.seen.to_string()),
                        )
                    })
                })
                .fold(
                    BTreeMap::new(),
                    |mut m: BTreeMap<String, BTreeMap<String, String>>, (k, (v, seen))| {
                        m.entry(k).or_default().insert(v, seen);
                        m
                    },
                ),
        }
    }
}

/// A probe matrix as text: `port → vantage → what the probe saw`.
fn matrix_text(matrix: &ProbeMatrix) -> BTreeMap<u16, BTreeMap<String, String>> {
    matrix
        .cells
        .iter()
        .map(|(port, by)| {
            (
                *port,
                by.iter().map(|(v, p)| (v.clone(), p.to_string())).collect(),
            )
        })
        .collect()
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
    /// The same over IPv6, when the lab has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matrix6: Option<BTreeMap<u16, BTreeMap<String, String>>>,
    /// What the measures' own probes saw: `measure.probe → vantage → seen`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub sightings: BTreeMap<String, BTreeMap<String, String>>,
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
    menu: &str,
    rows: Read<Vec<Props>>,
    parse: impl Fn(&[(String, String)]) -> Result<T, E>,
) -> Read<Vec<T>> {
    rows?
        .iter()
        .enumerate()
        .map(|(i, r)| parse(r).map_err(|e| ReadError::new(menu, format!("row {i}: {e}"))))
        .collect()
}

/// The ports worth probing: every factory port of `/ip service`, the other RouterOS listeners,
/// the profile's ports and the ports the router reports now.
pub fn ports_to_probe(profile: &Profile, services: &Read<Vec<Service>>) -> Vec<u16> {
    let mut ports: Vec<u16> = ServiceName::ALL.iter().map(|s| s.default_port()).collect();
    ports.extend(OTHER_LISTENERS.iter().map(|(_, p)| *p));
    ports.extend(profile.services.ports.values().copied());
    ports.extend(profile.firewall.extra_ports.iter().copied());
    if let Ok(services) = services {
        ports.extend(services.iter().map(|s| s.port));
    }
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// Reads the configuration, probes every port from every vantage, tries the logins, provokes
/// one failed login per reachable protocol and guesses every user's password the way an
/// attacker would, then reads the log again.
pub async fn observe(lab: &dyn Lab, profile: &Profile) -> Observation {
    let op = Operator::new(lab);
    // The measures' own probes (UDP, SSH handshakes, layer 2) log nothing and, but for the
    // ones that need a service's port (they wait for the read-back), need nothing the
    // configuration says: they start at once, beside the read-back, the logins and the matrix.
    let (ports_known, ports) = crate::probe::ServicePorts::channel();
    let target = crate::probe::Target {
        router: op.access().address(),
        router6: lab.router_addr6(),
        timing: lab.timing(),
        ports,
    };
    let (mut observation, probed) = tokio::join!(
        observe_with(lab, &op, profile, ports_known),
        op.measure_probes(target)
    );
    // The probes' sightings first, then what the observation added (SSH forwarding).
    let mut sightings = probed;
    for (measure, seen) in std::mem::take(&mut observation.sightings) {
        sightings.entry(measure).or_default().extend(seen);
    }
    observation.sightings = sightings;
    observation
}

/// [`observe`] but for the measures' own probes; hands the service ports to them through
/// `ports_known` as soon as the configuration is read.
async fn observe_with(
    lab: &dyn Lab,
    op: &Operator<'_>,
    profile: &Profile,
    ports_known: crate::probe::ServicePortsSender,
) -> Observation {
    // White box, first: the configuration as the router reports it, over REST when the
    // router has it and www answers, else over SSH (RouterOS 6 has no REST).
    let readback = op.readback(Role::Trusted).await;
    let readback_reason = op.readback_reason();
    tracing::info!(%readback, reason = ?readback_reason, "reading the configuration");
    if profile.update.check_for_updates {
        // The answer lands in /system/package/update's status; failures show there too.
        let _ = op.check_for_updates(Role::Trusted).await;
    }
    const MENUS: [&str; 10] = [
        "/system/package/update",
        "/ip/service",
        "/user",
        "/user/group",
        "/tool/bandwidth-server",
        "/ip/firewall/filter",
        "/ip/firewall/address-list",
        "/system/logging",
        // ros-sim's own menu (a real router answers `bad command name`, read as an error here).
        "/sim",
        "/log",
    ];
    let mut reads = op
        .rows_many(Role::Trusted, &MENUS)
        .await
        .into_iter()
        .zip(MENUS)
        .map(|(r, menu)| r.map_err(|e| ReadError::new(menu, error_chain(&e))));
    let mut next = |menu: &str| {
        reads
            .next()
            .unwrap_or_else(|| Err(ReadError::new(menu, "no answer for this menu")))
    };
    let update = next("/system/package/update").and_then(|rows| {
        let menu = "/system/package/update";
        let row = rows
            .first()
            .ok_or_else(|| ReadError::new(menu, "empty answer"))?;
        PackageUpdate::from_props(row).map_err(|e| ReadError::new(menu, e))
    });
    let services = parse_rows("/ip/service", next("/ip/service"), Service::from_props)
        .map(|v| v.into_iter().filter(|s| !s.dynamic).collect::<Vec<_>>());
    let users = parse_rows("/user", next("/user"), User::from_props);
    let groups = next("/user/group");
    let bandwidth_server = next("/tool/bandwidth-server");
    let filter = next("/ip/firewall/filter");
    let address_lists = next("/ip/firewall/address-list");
    let logging = next("/system/logging");
    let sim = next("/sim");
    let log_before = parse_rows("/log", next("/log"), LogEntry::from_props);
    // The menus the measures declare, in one more batch.
    let extra = crate::measures::extra_reads();
    let menus: BTreeMap<&'static str, Read<Vec<Props>>> = op
        .rows_many(Role::Trusted, &extra)
        .await
        .into_iter()
        .zip(extra.iter().copied())
        .map(|(r, menu)| (menu, r.map_err(|e| ReadError::new(menu, error_chain(&e)))))
        .collect();
    let mut limitations = lab.limitations();
    if let Ok(rows) = sim {
        // ros-sim says in its own `/sim` menu whether its firewall reaches the kernel; a real
        // router has no such menu, so the read fails there and says nothing.
        let sim_firewall = rows
            .iter()
            .flatten()
            .find(|(k, _)| k == "firewall")
            .map(|(_, v)| v.clone());
        if sim_firewall.as_deref() == Some("not-enforced") {
            limitations.push(crate::lab::Limitation::FirewallNotEnforced(
                "the simulator's firewall is not enforced (no network namespace of its own)".into(),
            ));
        }
    }
    // From now on every login and probe goes where the router says its services are; the
    // target URL only said where to start.
    if let Ok(services) = &services {
        op.follow_ports(services);
    }
    // REST needs RouterOS 7 (FACTS §6) and an enabled www (or www-ssl): otherwise no login is
    // tried over it, rather than counted as a login that failed.
    let v6 = matches!(&update, Ok(u) if u.installed_version.major() < 7);
    let rest_service = op.access().rest_service().0;
    let rest_off =
        matches!(&services, Ok(s) if s.iter().any(|s| s.name == rest_service && s.disabled));
    let rest_logins: &[LoginService] = if v6 || rest_off {
        &[]
    } else {
        &[LoginService::Rest]
    };
    let creds = lab.access().credentials();

    // Black box (ports from both vantages) while the logins run: probes log nothing, and the
    // logins stay in a fixed order so the log lines they cause are deterministic.
    let ports = ports_to_probe(profile, &services);
    // The logins run side by side (each refused password costs the router's login delay), and
    // the attacker's guesses start as soon as the probes say which ports answer from where.
    let logging_in = async {
        // The factory admin everywhere, the operator over ssh and rest, and a wrong password for
        // the operator from the trusted vantage, which the log must then show.
        let admin = profile.users.default_admin_name.clone();
        let wrong = format!("chrlab-wrong-{}", std::process::id());
        let admin_tries = [LoginService::Ssh, LoginService::Telnet, LoginService::Api]
            .iter()
            .chain(rest_logins)
            .map(|service| {
                let key = (format!("{admin} (empty password)"), *service, Role::Trusted);
                let admin = &admin;
                async move { (key, op.try_login(Role::Trusted, *service, admin, "").await) }
            });
        let operator_tries = [LoginService::Ssh]
            .iter()
            .chain(rest_logins)
            .map(|service| {
                let key = (creds.user.clone(), *service, Role::Trusted);
                let creds = &creds;
                async move {
                    let attempt = op
                        .try_login(
                            Role::Trusted,
                            *service,
                            &creds.user,
                            creds.password.expose(),
                        )
                        .await;
                    (key, attempt)
                }
            });
        let provoking = [LoginService::Ssh]
            .iter()
            .chain(rest_logins)
            .map(|service| {
                let (user, wrong) = (&creds.user, &wrong);
                async move {
                    let refused = op.try_login(Role::Trusted, *service, user, wrong).await
                        == LoginAttempt::Refused;
                    refused.then(|| (*service, user.clone()))
                }
            });
        let (admin_logins, operator_logins, provoked) = tokio::join!(
            join_all(admin_tries),
            join_all(operator_tries),
            join_all(provoking)
        );
        let logins: Logins = admin_logins.into_iter().chain(operator_logins).collect();
        let provoked: Vec<(LoginService, String)> = provoked.into_iter().flatten().collect();
        (logins, provoked)
    };
    let probing_then_guessing = async {
        let started = std::time::Instant::now();
        let matrix = op.probe_matrix(&ports).await;
        tracing::debug!(elapsed = ?started.elapsed(), "probe matrix done");
        // Where a login service answers from the untrusted vantage, the administrator tries to
        // log in from there too, with the right password: a service's `address=` and the
        // administrator's own `/user address=` must refuse it even though the port is open.
        let open_from_untrusted = |service: &LoginService| {
            let name = match service {
                LoginService::Rest => op.access().rest_service().0,
                other => other.service(),
            };
            matrix
                .get(op.access().port(name), Role::Untrusted.name())
                .is_some_and(|p| p.state == PortState::Open)
        };
        let untrusted_tries = [
            LoginService::Ssh,
            LoginService::Telnet,
            LoginService::Ftp,
            LoginService::Api,
        ]
        .iter()
        .chain(rest_logins)
        .filter(|s| open_from_untrusted(s))
        .map(|service| {
            let creds = &creds;
            async move {
                let attempt = op
                    .try_login(
                        Role::Untrusted,
                        *service,
                        &creds.user,
                        creds.password.expose(),
                    )
                    .await;
                ((creds.user.clone(), *service, Role::Untrusted), attempt)
            }
        });
        let untrusted_login: Vec<_> = join_all(untrusted_tries).await;
        let guesses = guess_passwords(op, &users, profile, rest_logins, &matrix).await;
        tracing::debug!(elapsed = ?started.elapsed(), "untrusted logins and guesses done");
        (matrix, guesses, untrusted_login)
    };
    // The same ports over IPv6 alongside: none of it logs in.
    let router6 = lab.router_addr6();
    let probing6 = async {
        match router6 {
            Some(ip) => Some(op.probe_matrix_at(ip, &ports).await),
            None => None,
        }
    };
    let service_ports: BTreeMap<String, u16> = match &services {
        Ok(s) => s.iter().map(|s| (s.name.clone(), s.port)).collect(),
        Err(_) => BTreeMap::new(),
    };
    let forward_port = service_ports.get("ssh").copied().unwrap_or(22);
    ports_known.send(service_ports);
    // SSH forwarding (`ssh.forwarding-off`): logged in from the trusted vantage, a
    // `direct-tcpip` channel to the router's own ssh port, as the router has it.
    let forwarding = op.try_forwarding(
        Role::Trusted,
        &creds.user,
        creds.password.expose(),
        op.access().address(),
        forward_port,
    );
    // A syslog collector listens on the trusted vantage while every login runs (and a moment
    // after), when the profile names one: the remote action's datagrams are the black box.
    let timing = lab.timing();
    let (((matrix, guesses, untrusted_login), (mut logins, provoked), matrix6, forwarding), syslog) =
        crate::measures::logging::collector::collect(
            lab,
            profile,
            timing.greeting,
            timing.answer,
            async { tokio::join!(probing_then_guessing, logging_in, probing6, forwarding) },
        )
        .await;
    logins.extend(untrusted_login);
    let mut sightings = BTreeMap::new();
    sightings
        .entry(crate::outcome::Measure::Ssh)
        .or_insert_with(Vec::new)
        .push(crate::probe::Sighting {
            probe: crate::measures::ssh::FORWARDING_PROBE,
            vantage: Role::Trusted.name(),
            seen: forwarding,
        });
    let log = parse_rows(
        "/log",
        op.rows(Role::Trusted, "/log")
            .await
            .map_err(|e| ReadError::new("/log", error_chain(&e))),
        LogEntry::from_props,
    );

    Observation {
        lab: lab.describe(),
        router: Some(lab.access().address()),
        sources: Role::ALL
            .iter()
            .filter_map(|r| Some((*r, lab.vantage(*r)?.address())))
            .collect(),
        sources6: Role::ALL
            .iter()
            .filter_map(|r| Some((*r, lab.vantage(*r)?.address6()?)))
            .collect(),
        limitations,
        tcp_path: lab.timing().path,
        readback,
        readback_reason,
        operator_user: creds.user,
        operator_password: creds.password,
        update,
        services,
        users,
        groups,
        bandwidth_server,
        filter,
        address_lists,
        logging,
        log_before,
        log,
        matrix,
        matrix6,
        sightings,
        logins,
        provoked,
        guesses,
        menus,
        syslog,
    }
}

/// An attacker's first guesses ([`GuessKind::for_user`]) at every enabled user's password (and
/// the factory user's, if it is not in the list), over ssh and REST, from every vantage the
/// service answers: at most [`MAX_GUESSES`] per user, service and vantage.
async fn guess_passwords(
    op: &Operator<'_>,
    users: &Read<Vec<User>>,
    profile: &Profile,
    rest_logins: &[LoginService],
    matrix: &ProbeMatrix,
) -> Vec<Guess> {
    let mut names: Vec<String> = match users {
        Ok(users) => users
            .iter()
            .filter(|u| !u.disabled)
            .map(|u| u.name.clone())
            .collect(),
        Err(_) => Vec::new(),
    };
    let admin = &profile.users.default_admin_name;
    if users.is_err() && !names.contains(admin) {
        // Without the user list an attacker still tries the factory name.
        names.push(admin.clone());
    }
    // Every guess, planned first: (user, service, vantage, which password).
    let mut plan = Vec::new();
    for user in &names {
        for service in [LoginService::Ssh].iter().chain(rest_logins).copied() {
            let name = match service {
                LoginService::Rest => op.access().rest_service().0,
                other => other.service(),
            };
            let port = op.access().port(name);
            for role in Role::ALL {
                let reachable = matrix
                    .get(port, role.name())
                    .is_some_and(|p| p.state == PortState::Open);
                if reachable {
                    for (kind, password) in GuessKind::for_user(user) {
                        plan.push((user.clone(), service, role, kind, password));
                    }
                }
            }
        }
    }
    // A refused password costs a login delay (RouterOS, and the simulator, wait before saying
    // no), so the guesses run a few at a time; the list keeps the planned order.
    futures::stream::iter(plan)
        .map(|(user, service, role, kind, password)| async move {
            let attempt = op.try_login(role, service, &user, &password).await;
            Guess {
                user,
                service,
                role,
                kind,
                attempt,
            }
        })
        .buffered(GUESSES_AT_ONCE)
        .collect()
        .await
}

/// How many guesses run at once: well under RouterOS's default `max-sessions` of 20 per service.
const GUESSES_AT_ONCE: usize = 8;
