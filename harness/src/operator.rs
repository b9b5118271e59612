//! The operator: everything the harness does to a router goes through here, from a vantage,
//! with the credentials and ports currently tracked in [`Access`].

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use futures::future::join_all;
use routeros::login::Via as LogVia;
use routeros::service::ServiceName;

use crate::access::{Access, Credentials};
use crate::client::ClientError;
use crate::client::api::ApiClient;
use crate::client::rest::RestClient;
use crate::client::ssh::{SshClient, SshOptions};
use crate::client::terminal::{ftp_login, telnet_login};
use crate::lab::{Lab, Role};
use crate::probe::{Probe, ProbeMatrix, probe_tcp};
use crate::readback::{self, Readback};
use routeros::model::{PackageUpdate, UpdateStatus};

/// What an update check came to ([`Operator::check_for_updates`]).
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateCheck {
    /// A verdict: up to date, a new version, or one downloaded.
    Verdict(PackageUpdate),
    /// The router could not check: `status` has its own words (`ERROR: …`); `latest-version`
    /// is what an earlier check found, if any.
    Failed(PackageUpdate),
    /// No verdict within the deadline; the last state read, if any.
    TimedOut {
        last: Option<PackageUpdate>,
        after: Duration,
    },
}

impl UpdateCheck {
    /// The verdict, when there is one.
    pub fn verdict(&self) -> Option<&PackageUpdate> {
        match self {
            UpdateCheck::Verdict(u) => Some(u),
            _ => None,
        }
    }
}

/// A management protocol a login can be tried over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LoginService {
    Ssh,
    Telnet,
    Ftp,
    Api,
    Rest,
}

impl LoginService {
    /// Every protocol, in report order.
    pub const ALL: [LoginService; 5] = [
        LoginService::Ssh,
        LoginService::Telnet,
        LoginService::Ftp,
        LoginService::Api,
        LoginService::Rest,
    ];

    /// The `/ip service` item that carries this protocol.
    pub fn service(self) -> &'static str {
        self.service_name().as_str()
    }

    /// The `/ip service` that carries this protocol.
    pub fn service_name(self) -> ServiceName {
        match self {
            LoginService::Ssh => ServiceName::Ssh,
            LoginService::Telnet => ServiceName::Telnet,
            LoginService::Ftp => ServiceName::Ftp,
            LoginService::Api => ServiceName::Api,
            LoginService::Rest => ServiceName::Www,
        }
    }

    /// The word RouterOS logs after `via` for this protocol.
    pub fn via(self) -> &'static str {
        self.log_via().as_str()
    }

    /// How RouterOS's log names a login over this protocol.
    pub fn log_via(self) -> LogVia {
        match self {
            LoginService::Ssh => LogVia::Ssh,
            LoginService::Telnet => LogVia::Telnet,
            LoginService::Ftp => LogVia::Ftp,
            LoginService::Api => LogVia::Api,
            LoginService::Rest => LogVia::RestApi,
        }
    }
}

/// What happened when a login was tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginAttempt {
    /// The router let the user in.
    Accepted,
    /// The router answered and refused the credentials.
    Refused,
    /// Nothing answered (port closed, filtered or service silent): no login was possible.
    Unreachable(String),
}

/// A row of (key, value) pairs as the router sent it.
pub type Rows = Vec<Vec<(String, String)>>;

/// Runs operations against the lab's router from its vantages.
pub struct Operator<'a> {
    lab: &'a dyn Lab,
    /// How configuration is read ([`Operator::rows`]), decided on first use; with the reason
    /// REST was not used, if it was not.
    readback: OnceLock<(Readback, Option<String>)>,
}

impl<'a> Operator<'a> {
    /// An operator for this lab; it decides on its first read whether REST works.
    pub fn new(lab: &'a dyn Lab) -> Operator<'a> {
        Operator {
            lab,
            readback: OnceLock::new(),
        }
    }

    /// An operator that reads configuration the given way, without trying the other.
    pub fn with_readback(lab: &'a dyn Lab, way: Readback) -> Operator<'a> {
        let readback = OnceLock::new();
        let _ = readback.set((way, None));
        Operator { lab, readback }
    }

    /// The lab's access (address, ports, credentials).
    pub fn access(&self) -> &Access {
        self.lab.access()
    }

    /// Follows the router's own `/ip service` table: every later login and probe uses the
    /// ports it reports (a URL's port only says where to start).
    pub fn follow_ports(&self, services: &[routeros::model::Service]) {
        for s in services {
            if !s.dynamic && s.port != 0 && s.port != self.access().port(&s.name) {
                tracing::info!(service = %s.name, port = s.port, "following the router's port");
                self.access().set_port(&s.name, s.port);
            }
        }
    }

    fn timeout(&self) -> Duration {
        let t = self.lab.timing();
        (t.connect + t.answer) * 5
    }

    fn vantage_or(&self, role: Role) -> Result<&crate::vantage::Vantage, ClientError> {
        self.lab.vantage(role).ok_or_else(|| ClientError::Protocol {
            service: "lab",
            addr: self.access().endpoint("ssh"),
            detail: format!("this lab has no {role} vantage"),
        })
    }

    /// Runs one command line over SSH (exec channel) with the current credentials.
    pub async fn exec(&self, role: Role, command: &str) -> Result<String, ClientError> {
        self.exec_as(role, &self.access().credentials(), command)
            .await
    }

    /// Runs one command line over SSH as the given user.
    pub async fn exec_as(
        &self,
        role: Role,
        creds: &Credentials,
        command: &str,
    ) -> Result<String, ClientError> {
        self.exec_many_as(role, creds, &[command.to_string()])
            .await
            .map(|mut outs| outs.pop().unwrap_or_default())
    }

    /// Runs several command lines over one SSH connection, one exec channel each.
    pub async fn exec_many_as(
        &self,
        role: Role,
        creds: &Credentials,
        commands: &[String],
    ) -> Result<Vec<String>, ClientError> {
        let addr = self.access().endpoint("ssh");
        let user = creds.user.clone();
        let password = creds.password.expose().to_string();
        let commands = commands.to_vec();
        let opts = SshOptions {
            timeout: self.timeout(),
            ..SshOptions::default()
        };
        self.vantage_or(role)?
            .run(move || async move {
                let client = SshClient::connect(addr, &user, &password, &opts).await?;
                let mut outs = Vec::with_capacity(commands.len());
                for command in &commands {
                    outs.push(client.exec(command).await?);
                }
                client.close().await;
                Ok(outs)
            })
            .await
    }

    /// How this operator reads configuration: REST when the router has it and `www` (or
    /// `www-ssl`, per [`Access::rest_service`]) answers it, else SSH. Decided once, on the first
    /// call, by reading `/system/resource` over REST from `role`.
    pub async fn readback(&self, role: Role) -> Readback {
        if let Some((way, _)) = self.readback.get() {
            return *way;
        }
        let decided = match self.rest_rows(role, "/system/resource").await {
            Ok(_) => (Readback::Rest, None),
            Err(e) => (Readback::Ssh, Some(e.to_string())),
        };
        tracing::debug!(readback = %decided.0, reason = ?decided.1, "configuration read-back");
        self.readback.get_or_init(|| decided).0
    }

    /// Why REST is not used for reading, once [`Operator::readback`] chose SSH for that reason.
    pub fn readback_reason(&self) -> Option<String> {
        self.readback.get().and_then(|(_, r)| r.clone())
    }

    /// Reads a menu (API-style path: `/ip/service`, `/system/package/update`, `/log`) as rows
    /// of (key, value), the way [`Operator::readback`] chose: `GET /rest<menu>`, or over SSH
    /// `<menu> print terse without-paging` (`print` for a single-value menu) read by
    /// [`crate::readback`]. Values keep their form: `true`/`false` over REST, `yes`/`no` over SSH.
    pub async fn rows(&self, role: Role, menu: &str) -> Result<Rows, ClientError> {
        self.rows_many(role, &[menu])
            .await
            .pop()
            .unwrap_or_else(|| Ok(Vec::new()))
    }

    /// Reads several menus like [`Operator::rows`]; over SSH on one connection (one exec
    /// channel each), so the router logs one login for all of them.
    pub async fn rows_many(&self, role: Role, menus: &[&str]) -> Vec<Result<Rows, ClientError>> {
        if menus.is_empty() {
            return Vec::new();
        }
        match self.readback(role).await {
            Readback::Rest => {
                let mut out = Vec::with_capacity(menus.len());
                for menu in menus {
                    out.push(self.rest_rows(role, menu).await);
                }
                out
            }
            Readback::Ssh => {
                let commands: Vec<String> =
                    menus.iter().map(|m| readback::print_command(m)).collect();
                match self
                    .exec_many_as(role, &self.access().credentials(), &commands)
                    .await
                {
                    Ok(outputs) => menus
                        .iter()
                        .zip(commands.iter().zip(outputs))
                        .map(|(menu, (command, text))| self.read_printed(menu, command, &text))
                        .collect(),
                    Err(e) => {
                        // The connection failed for every menu: the first gets the error
                        // itself, the others its text.
                        let addr = self.access().endpoint("ssh");
                        let text = e.to_string();
                        let mut out = vec![Err(e)];
                        out.extend(menus.iter().skip(1).map(|_| {
                            Err(ClientError::Protocol {
                                service: "ssh",
                                addr,
                                detail: text.clone(),
                            })
                        }));
                        out
                    }
                }
            }
        }
    }

    /// Turns what `command` printed into rows, or the router's error message into an error.
    fn read_printed(&self, menu: &str, command: &str, text: &str) -> Result<Rows, ClientError> {
        let addr = self.access().endpoint("ssh");
        readback::parse_print(menu, text).map_err(|e| {
            if crate::apply::reports_error(text) {
                ClientError::Command {
                    addr,
                    command: command.to_string(),
                    message: text.trim().to_string(),
                }
            } else {
                ClientError::Protocol {
                    service: "ssh",
                    addr,
                    detail: format!("`{command}` printed output that cannot be read: {e}"),
                }
            }
        })
    }

    /// Checks for updates the way a router must be asked: issues `check-for-updates once`,
    /// then polls `/system/package/update` until `status` is a verdict (`System is already up
    /// to date`, `New version is available`, `Downloaded, please reboot…`) or an `ERROR: …`,
    /// within the lab's [`crate::lab::UpdateCheckTiming`]. A verdict read before the router has
    /// shown the check in progress (or before `stale` has passed) may be the previous check's,
    /// and is not taken. The one place the harness waits for an update check.
    pub async fn check_for_updates(&self, role: Role) -> Result<UpdateCheck, ClientError> {
        let timing = self.lab.update_check_timing();
        let started = std::time::Instant::now();
        self.start_update_check(role).await?;
        let mut in_progress = false;
        loop {
            let rows = self.rows(role, "/system/package/update").await?;
            let update = rows.first().and_then(|r| PackageUpdate::from_props(r).ok());
            let fresh = in_progress || started.elapsed() >= timing.stale;
            match update.as_ref().map(PackageUpdate::status_kind) {
                Some(UpdateStatus::UpToDate)
                | Some(UpdateStatus::NewVersionAvailable)
                | Some(UpdateStatus::Downloaded)
                    if fresh =>
                {
                    return Ok(UpdateCheck::Verdict(
                        update.unwrap_or_else(|| unreachable!()),
                    ));
                }
                Some(UpdateStatus::Error(_)) if fresh => {
                    return Ok(UpdateCheck::Failed(
                        update.unwrap_or_else(|| unreachable!()),
                    ));
                }
                Some(UpdateStatus::Checking)
                | Some(UpdateStatus::NotChecked)
                | Some(UpdateStatus::Other(_)) => in_progress = true,
                _ => {}
            }
            if started.elapsed() >= timing.deadline {
                return Ok(UpdateCheck::TimedOut {
                    last: update,
                    after: started.elapsed(),
                });
            }
            tokio::time::sleep(timing.poll).await;
        }
    }

    /// Issues `check-for-updates once` (REST `POST`, or the CLI command over SSH).
    async fn start_update_check(&self, role: Role) -> Result<(), ClientError> {
        match self.readback(role).await {
            Readback::Rest => self
                .rest_post(
                    role,
                    "/system/package/update/check-for-updates",
                    serde_json::json!({ "once": "" }),
                )
                .await
                .map(|_| ()),
            Readback::Ssh => {
                let command = "/system package update check-for-updates once";
                let out = self.exec(role, command).await?;
                if crate::apply::reports_error(&out) {
                    return Err(ClientError::Command {
                        addr: self.access().endpoint("ssh"),
                        command: command.into(),
                        message: out.trim().to_string(),
                    });
                }
                Ok(())
            }
        }
    }

    /// Reads a menu over REST (`/rest<path>`) as rows of (key, value).
    pub async fn rest_rows(
        &self,
        role: Role,
        path: &str,
    ) -> Result<Vec<Vec<(String, String)>>, ClientError> {
        let path = path.to_string();
        self.with_rest(role, move |client| async move { client.rows(&path).await })
            .await
    }

    /// Runs a REST command (`POST /rest<path>`) and returns its JSON answer.
    pub async fn rest_post(
        &self,
        role: Role,
        path: &str,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, ClientError> {
        let path = path.to_string();
        self.with_rest(role, move |client| async move {
            client.post(&path, &body).await
        })
        .await
    }

    /// Runs `f` with a REST client for the current credentials, on the vantage's thread.
    async fn with_rest<F, Fut, T>(&self, role: Role, f: F) -> Result<T, ClientError>
    where
        F: FnOnce(RestClient) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<T, ClientError>> + 'static,
        T: Send + 'static,
    {
        let (service, tls) = self.access().rest_service();
        let addr = self.access().endpoint(service);
        let creds = self.access().credentials();
        let timeout = self.timeout();
        self.vantage_or(role)?
            .run(move || async move {
                let client =
                    RestClient::new(addr, tls, &creds.user, creds.password.expose(), timeout)?;
                f(client).await
            })
            .await
    }

    /// Tries a login over one protocol at the service's current port.
    pub async fn try_login(
        &self,
        role: Role,
        service: LoginService,
        user: &str,
        password: &str,
    ) -> LoginAttempt {
        let name = match service {
            LoginService::Rest => self.access().rest_service().0,
            other => other.service(),
        };
        let addr = self.access().endpoint(name);
        self.try_login_at(role, service, addr, user, password).await
    }

    /// Tries a login over one protocol at an explicit address.
    pub async fn try_login_at(
        &self,
        role: Role,
        service: LoginService,
        addr: SocketAddr,
        user: &str,
        password: &str,
    ) -> LoginAttempt {
        let Ok(vantage) = self.vantage_or(role) else {
            return LoginAttempt::Unreachable(format!("no {role} vantage"));
        };
        let user = user.to_string();
        let password = password.to_string();
        let timeout = self.lab.timing().connect + self.lab.timing().answer * 4;
        let rest_tls = self.access().rest_service().1;
        let result: Result<(), ClientError> = vantage
            .run(move || async move {
                match service {
                    LoginService::Ssh => {
                        let opts = SshOptions {
                            timeout,
                            ..SshOptions::default()
                        };
                        SshClient::connect(addr, &user, &password, &opts)
                            .await?
                            .close()
                            .await;
                        Ok(())
                    }
                    LoginService::Telnet => telnet_login(addr, &user, &password, timeout).await,
                    LoginService::Ftp => {
                        ftp_login(addr, &user, &password, timeout).await.map(|_| ())
                    }
                    LoginService::Api => ApiClient::login(addr, &user, &password, timeout)
                        .await
                        .map(|_| ()),
                    LoginService::Rest => {
                        let client = RestClient::new(addr, rest_tls, &user, &password, timeout)?;
                        client.get("/system/identity").await.map(|_| ())
                    }
                }
            })
            .await;
        match result {
            Ok(()) => LoginAttempt::Accepted,
            Err(e) if e.is_login_refused() => LoginAttempt::Refused,
            Err(e) => LoginAttempt::Unreachable(e.to_string()),
        }
    }

    /// Logs in over ssh from `role` and asks for a `direct-tcpip` channel (`ssh -L`) to
    /// `host:port` as the router reaches it: [`Seen::Answered`] when the router confirmed the
    /// channel (forwarding is on; nothing is sent through it), [`Seen::Refused`] with the
    /// router's reason when it answered `SSH_MSG_CHANNEL_OPEN_FAILURE`, [`Seen::NotRun`] when the
    /// login itself was refused, [`Seen::Silent`] when ssh did not answer.
    ///
    /// [`Seen::Answered`]: crate::probe::Seen::Answered
    /// [`Seen::Refused`]: crate::probe::Seen::Refused
    /// [`Seen::NotRun`]: crate::probe::Seen::NotRun
    /// [`Seen::Silent`]: crate::probe::Seen::Silent
    pub async fn try_forwarding(
        &self,
        role: Role,
        user: &str,
        password: &str,
        host: std::net::IpAddr,
        port: u16,
    ) -> crate::probe::Seen {
        use crate::probe::Seen;
        let Ok(vantage) = self.vantage_or(role) else {
            return Seen::NotRun(format!("no {role} vantage"));
        };
        let addr = self.access().endpoint(LoginService::Ssh.service());
        let (user, password) = (user.to_string(), password.to_string());
        let timeout = self.lab.timing().connect + self.lab.timing().answer * 4;
        let host_text = host.to_string();
        let result = vantage
            .run(move || async move {
                let opts = SshOptions {
                    timeout,
                    ..SshOptions::default()
                };
                let client = SshClient::connect(addr, &user, &password, &opts).await?;
                let answer = client.direct_tcpip(&host_text, port).await;
                client.close().await;
                answer
            })
            .await;
        match result {
            Ok(Ok(())) => Seen::Answered(format!(
                "the router confirmed a direct-tcpip channel to {host}:{port}"
            )),
            Ok(Err(reason)) => {
                Seen::Refused(format!("channel open to {host}:{port} failed: {reason:?}"))
            }
            Err(e) if e.is_login_refused() => {
                Seen::NotRun(format!("the login to ask for the channel was refused: {e}"))
            }
            Err(e) => Seen::Silent(e.to_string()),
        }
    }

    /// Probes every (port, vantage) pair in parallel.
    pub async fn probe_matrix(&self, ports: &[u16]) -> ProbeMatrix {
        self.probe_matrix_at(self.access().address(), ports).await
    }

    /// The same matrix to another of the router's addresses (its IPv6 one).
    pub async fn probe_matrix_at(&self, ip: std::net::IpAddr, ports: &[u16]) -> ProbeMatrix {
        let timing = self.lab.timing();
        let mut matrix = ProbeMatrix::default();
        let per_role = Role::ALL.iter().filter_map(|role| {
            let vantage = self.lab.vantage(*role)?;
            let ports = ports.to_vec();
            Some(async move {
                let probes: Vec<(u16, Probe)> = vantage
                    .run(move || async move {
                        let all = ports.iter().map(|port| async move {
                            (*port, probe_tcp(SocketAddr::new(ip, *port), timing).await)
                        });
                        join_all(all).await
                    })
                    .await;
                (*role, probes)
            })
        });
        for (role, probes) in join_all(per_role).await {
            for (port, probe) in probes {
                matrix.insert(port, role.name(), probe);
            }
        }
        matrix
    }

    /// Every measure's own probes ([`crate::measures::MeasureDef::probe`]) from every vantage,
    /// all at once: what each saw, per measure, in vantage order.
    pub async fn measure_probes(
        &self,
        target: crate::probe::Target,
    ) -> std::collections::BTreeMap<crate::outcome::Measure, Vec<crate::probe::Sighting>> {
        let probing: Vec<_> = crate::measures::REGISTRY
            .iter()
            .filter_map(|m| Some((m.measure, m.probe?)))
            .collect();
        let per_role = Role::ALL.iter().filter_map(|role| {
            let vantage = self.lab.vantage(*role)?;
            let (target, probing) = (target.clone(), probing.clone());
            Some(async move {
                let seen = vantage
                    .try_run(move || async move {
                        let all = probing.into_iter().map(|(measure, probe)| {
                            let target = target.clone();
                            async move {
                                let started = std::time::Instant::now();
                                let seen = probe(target).await;
                                tracing::debug!(?measure, elapsed = ?started.elapsed(), "measure probe done");
                                (measure, seen)
                            }
                        });
                        join_all(all).await
                    })
                    .await;
                (*role, seen)
            })
        });
        let mut out: std::collections::BTreeMap<_, Vec<crate::probe::Sighting>> =
            std::collections::BTreeMap::new();
        for (role, seen) in join_all(per_role).await {
            match seen {
                Ok(seen) => {
                    for (measure, sightings) in seen {
                        out.entry(measure)
                            .or_default()
                            .extend(sightings.into_iter().map(|(probe, seen)| {
                                crate::probe::Sighting {
                                    probe,
                                    vantage: role.name(),
                                    seen,
                                }
                            }));
                    }
                }
                Err(e) => {
                    tracing::warn!(vantage = role.name(), error = %e, "measure probes did not run")
                }
            }
        }
        out
    }
}
