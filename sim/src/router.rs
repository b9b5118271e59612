//! The simulated router: one shared model behind every front end (terminal, binary API, REST).
//!
//! ```no_run
//! use chrlab_sim::router::{Router, RouterConfig, TerminalOpts, Via};
//! let router = Router::new(RouterConfig::default()).unwrap();
//! let session = router.login("admin+ct", "", Via::Ssh, "127.0.0.1".parse().ok()).unwrap();
//! let mut term = router.terminal(&session, TerminalOpts { interactive: false, colors: false, width: 80 });
//! print!("{}", term.execute("/ip service print"));
//! ```

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use routeros::login::Via as LogVia;
use routeros::service::ServiceName;
use routeros::version::Version;
use tokio::sync::{broadcast, watch};

use crate::model::state::{LoginRefusal, LoginVia, Persisted, State, rule_props};
use crate::model::{api, rest, update};

pub use crate::model::terminal::{Terminal, TerminalOpts};

/// How the simulated router starts.
#[derive(Debug, Clone)]
pub struct RouterConfig {
    pub version: Version,
    /// `/system identity` of a fresh router (`RouterConfig::for_version` picks `CHR` for v7, `MikroTik` for v6).
    pub identity: String,
    /// Where the state file lives; `None` keeps everything in memory.
    pub state_dir: Option<PathBuf>,
    /// What `check-for-updates` finds; `None` = offline.
    pub latest_version: Option<Version>,
    /// Whether a firewall enforcer programs `/ip firewall filter` into the kernel (shown in `/system resource`).
    pub firewall_enforced: bool,
    /// How many NICs the machine has: `/interface` lists `ether1`..`ether<n>` (a CHR names its
    /// virtual NICs that way; 1 by default). A fact of the VM, not configuration.
    pub ethernets: u32,
    /// How long a reboot keeps every service down (front ends closed until it has passed).
    /// A real CHR takes about 10–60 s; the simulator's default is 300 ms, because the shape of
    /// a reboot (sessions cut, ports refusing, then back) matters to a harness, not its length.
    pub boot_time: Duration,
}

impl Default for RouterConfig {
    fn default() -> Self {
        RouterConfig {
            version: Version::parse("7.23.7")
                .unwrap_or_else(|_| unreachable!("constant version parses")),
            identity: "CHR".into(),
            state_dir: None,
            latest_version: None,
            firewall_enforced: false,
            ethernets: 1,
            boot_time: Duration::from_millis(300),
        }
    }
}

impl RouterConfig {
    /// The default config for a version: identity `CHR` on v7, `MikroTik` on v6.
    pub fn for_version(version: Version) -> RouterConfig {
        let identity = if version.is_v6() { "MikroTik" } else { "CHR" }.to_string();
        RouterConfig {
            version,
            identity,
            ..RouterConfig::default()
        }
    }
}

/// Why the router could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("failed to read state file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("state file {path} is corrupt: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error("failed to write state file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The service a login arrives through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Via {
    Ssh,
    Telnet,
    Ftp,
    /// WebFig over `www`.
    Web,
    /// WebFig over `www-ssl`.
    WebSsl,
    /// REST over `www`.
    RestApi,
    /// REST over `www-ssl`.
    RestApiSsl,
    Api,
    ApiSsl,
    Winbox,
    /// The serial console.
    Local,
}

impl Via {
    /// The word log lines use: `ssh telnet ftp web rest-api api winbox local`.
    pub fn word(self) -> &'static str {
        self.log_via().as_str()
    }

    /// How the log names this login ([`routeros::login::Via`]).
    pub fn log_via(self) -> LogVia {
        match self {
            Via::Ssh => LogVia::Ssh,
            Via::Telnet => LogVia::Telnet,
            Via::Ftp => LogVia::Ftp,
            Via::Web | Via::WebSsl => LogVia::Web,
            Via::RestApi | Via::RestApiSsl => LogVia::RestApi,
            Via::Api | Via::ApiSsl => LogVia::Api,
            Via::Winbox => LogVia::Winbox,
            Via::Local => LogVia::Local,
        }
    }

    /// The `/ip service` whose `address=` restricts this login.
    pub fn service(self) -> Option<&'static str> {
        self.service_name().map(ServiceName::as_str)
    }

    /// The `/ip service` that carries this login (`None` for the console).
    pub fn service_name(self) -> Option<ServiceName> {
        Some(match self {
            Via::Ssh => ServiceName::Ssh,
            Via::Telnet => ServiceName::Telnet,
            Via::Ftp => ServiceName::Ftp,
            Via::Web | Via::RestApi => ServiceName::Www,
            Via::WebSsl | Via::RestApiSsl => ServiceName::WwwSsl,
            Via::Api => ServiceName::Api,
            Via::ApiSsl => ServiceName::ApiSsl,
            Via::Winbox => ServiceName::Winbox,
            Via::Local => return None,
        })
    }

    /// The group policy a login needs. REST checks `rest-api` per request instead (500 when missing).
    fn policy(self) -> &'static str {
        match self {
            Via::RestApi | Via::RestApiSsl => "",
            Via::Web | Via::WebSsl => "web",
            other => other.word(),
        }
    }

    fn is_rest(self) -> bool {
        matches!(self, Via::RestApi | Via::RestApiSsl)
    }
}

/// A logged-in user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: String,
    pub via: Via,
    pub from: Option<IpAddr>,
    pub id: u32,
    pub group: String,
}

/// Why a login was refused (the log lines are already written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    #[error("invalid user name or password")]
    BadCredentials,
    #[error("the user's group lacks the policy for this service")]
    NotPermitted,
    #[error("the user's address= does not allow this address")]
    UserAddress,
    #[error("the service's address= does not allow this address")]
    ServiceAddress,
}

/// One `/ip service` as the listeners need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceState {
    pub name: String,
    pub port: u16,
    pub disabled: bool,
    pub address: Vec<String>,
    pub max_sessions: u32,
}

/// The firewall as CLI-form props, in rule order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FirewallSnapshot {
    pub filter: Vec<Vec<(String, String)>>,
    pub address_lists: Vec<Vec<(String, String)>>,
}

/// A REST answer: status and the exact JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestReply {
    pub status: u16,
    pub body: String,
}

/// Whether the router is running or on its way through a reboot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Power {
    /// Running: services answer.
    Up,
    /// A reboot was asked for (`/system package update install`); it ends with [`Router::boot`].
    Rebooting,
}

/// The simulated router (cheap to clone; all clones share one state).
#[derive(Clone)]
pub struct Router {
    state: Arc<Mutex<State>>,
    services: Arc<watch::Sender<Vec<ServiceState>>>,
    firewall: Arc<watch::Sender<FirewallSnapshot>>,
    power: Arc<watch::Sender<Power>>,
    /// Whether a front end carries reboots out ([`Router::defer_reboots`]).
    deferred: Arc<AtomicBool>,
    boot_time: Duration,
    state_file: Option<PathBuf>,
}

const STATE_FILE: &str = "state.json";

impl Router {
    /// Starts a router: loads `state_dir/state.json` when it exists (a corrupt file is an error), else a
    /// fresh CHR, which it writes there at once.
    pub fn new(cfg: RouterConfig) -> Result<Router, SimError> {
        let state_file = cfg.state_dir.as_ref().map(|d| d.join(STATE_FILE));
        let mut state = match &state_file {
            Some(path) if path.exists() => load(path, &cfg.identity)?,
            _ => State::new(cfg.version, &cfg.identity),
        };
        state.latest_version = cfg.latest_version;
        state.firewall_enforced = cfg.firewall_enforced;
        state.add_ethernets(cfg.ethernets);
        if let Some(path) = &state_file {
            save(path, &state.persisted())?;
        }
        let (services, _) = watch::channel(services_of(&state));
        let (firewall, _) = watch::channel(firewall_of(&state));
        let (power, _) = watch::channel(Power::Up);
        Ok(Router {
            state: Arc::new(Mutex::new(state)),
            services: Arc::new(services),
            firewall: Arc::new(firewall),
            power: Arc::new(power),
            deferred: Arc::new(AtomicBool::new(false)),
            boot_time: cfg.boot_time,
            state_file,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the state, then persists and notifies watchers if anything changed. A reboot
    /// `f` asked for happens at once, unless a front end carries reboots out
    /// ([`Router::defer_reboots`]): then the router only turns [`Power::Rebooting`].
    pub(crate) fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let mut st = self.lock();
        let out = f(&mut st);
        if st.reboot.is_some() {
            if self.deferred.load(Ordering::SeqCst) {
                self.power
                    .send_if_modified(|p| replace_if_changed(p, Power::Rebooting));
            } else {
                update::boot(&mut st);
            }
        }
        if st.dirty {
            st.dirty = false;
            if let Some(path) = &self.state_file
                && let Err(e) = save(path, &st.persisted())
            {
                tracing::error!(error = %e, "state not saved");
            }
            let services = services_of(&st);
            let firewall = firewall_of(&st);
            drop(st);
            self.services
                .send_if_modified(|cur| replace_if_changed(cur, services));
            self.firewall
                .send_if_modified(|cur| replace_if_changed(cur, firewall));
        }
        out
    }

    /// Up, or rebooting (from a command asking for it until [`Router::boot`]).
    pub fn power(&self) -> Power {
        *self.power.borrow()
    }

    /// The power state, live: front ends take the router down when it turns
    /// [`Power::Rebooting`] and call [`Router::boot`] after [`Router::boot_time`].
    pub fn watch_power(&self) -> watch::Receiver<Power> {
        self.power.subscribe()
    }

    /// From now on a reboot waits for [`Router::boot`] (the network front ends call this). Without
    /// it — a model used on its own — a reboot happens at once, inside the command that asked.
    pub fn defer_reboots(&self) {
        self.deferred.store(true, Ordering::SeqCst);
    }

    /// How long a reboot keeps the services down ([`RouterConfig::boot_time`]).
    pub fn boot_time(&self) -> Duration {
        self.boot_time
    }

    /// Asks for a reboot into the installed version, as `/system reboot` would (immediate, or
    /// [`Power::Rebooting`] when reboots are deferred).
    pub fn reboot(&self) {
        self.with_state(|st| update::request_reboot(st, None));
    }

    /// Completes a reboot: installs the update a pending `install` asked for, drops what RouterOS
    /// keeps only in RAM (memory log, `/user active`), logs `router rebooted` (`system,info`) and
    /// turns [`Power::Up`]. The configuration stays (and stays in the state file).
    pub fn boot(&self) {
        self.with_state(|st| {
            update::boot(st);
            // Under the state lock: a reboot asked for from now on is a new one.
            self.power
                .send_if_modified(|p| replace_if_changed(p, Power::Up));
        });
    }

    /// The installed RouterOS version.
    pub fn version(&self) -> Version {
        self.lock().version
    }

    /// `/system identity` name.
    pub fn identity(&self) -> String {
        self.lock().identity()
    }

    /// `/ip ssh strong-crypto`.
    pub fn ssh_strong_crypto(&self) -> bool {
        self.lock().single("ip/ssh", "strong-crypto").as_deref() == Some("yes")
    }

    /// Whether a service's `address=` admits a client (checked at connection time by the front ends).
    pub fn service_allows(&self, service: &str, from: Option<IpAddr>) -> bool {
        self.lock()
            .items("ip/service")
            .iter()
            .find(|s| s.get("name") == Some(service))
            .is_none_or(|s| {
                crate::model::schema::addr_allowed(s.get("address").unwrap_or(""), from)
            })
    }

    /// One property of a single-value menu (`tool/bandwidth-server`, `authenticate`), as the
    /// terminal would print it.
    pub fn menu_value(&self, menu: &str, prop: &str) -> Option<String> {
        self.lock()
            .items(menu)
            .first()
            .and_then(|i| i.get(prop).map(str::to_string))
    }

    /// The services, live.
    pub fn watch_services(&self) -> watch::Receiver<Vec<ServiceState>> {
        self.services.subscribe()
    }

    /// The firewall filter rules and address lists, live.
    pub fn watch_firewall(&self) -> watch::Receiver<FirewallSnapshot> {
        self.firewall.subscribe()
    }

    /// Critical log lines as terminals echo them: `hh:mm:ss echo: <topics> <message>`.
    pub fn subscribe_echo(&self) -> broadcast::Receiver<String> {
        self.lock().echo.subscribe()
    }

    /// Checks a login (options like `+ct512w` stripped) and writes the log lines.
    pub fn login(
        &self,
        user_with_opts: &str,
        password: &str,
        via: Via,
        from: Option<IpAddr>,
    ) -> Result<Session, LoginError> {
        let lv = LoginVia {
            word: via.log_via(),
            policy: via.policy(),
            service: via.service(),
            rest: via.is_rest(),
        };
        let rec = self.with_state(|s| s.login(user_with_opts, password, lv, from));
        match rec {
            Ok(r) => Ok(Session {
                user: r.user,
                via,
                from,
                id: r.id,
                group: r.group,
            }),
            Err(LoginRefusal::BadCredentials) => Err(LoginError::BadCredentials),
            Err(LoginRefusal::Policy) => Err(LoginError::NotPermitted),
            Err(LoginRefusal::UserAddress) => Err(LoginError::UserAddress),
            Err(LoginRefusal::ServiceAddress) => Err(LoginError::ServiceAddress),
        }
    }

    /// Ends a session (`user X logged out ...`; nothing for REST).
    pub fn logout(&self, s: &Session) {
        self.with_state(|st| st.logout(s.id));
    }

    /// A CLI session for a logged-in user.
    pub fn terminal(&self, s: &Session, opts: TerminalOpts) -> Terminal {
        Terminal::new(self.clone(), s.clone(), opts)
    }

    /// Reply sentences for one API command sentence (after login; `.tag` words are echoed).
    pub fn api(&self, s: &Session, sentence: &[String]) -> Vec<Vec<String>> {
        self.with_state(|st| api::run(st, s, sentence))
    }

    /// A REST request (`path` after `/rest`, `query` without `?`).
    pub fn rest(
        &self,
        s: &Session,
        method: &str,
        path: &str,
        query: &str,
        body: &[u8],
    ) -> RestReply {
        let (status, body) = self.with_state(|st| rest::handle(st, s, method, path, query, body));
        RestReply { status, body }
    }
}

fn replace_if_changed<T: PartialEq>(cur: &mut T, new: T) -> bool {
    if *cur == new {
        false
    } else {
        *cur = new;
        true
    }
}

/// The listener name of the bandwidth-test server (`/tool bandwidth-server`), which listens on
/// TCP 2000 beside the `/ip service` items while enabled (on by default on a CHR).
pub const BANDWIDTH_SERVER: &str = "bandwidth-server";

/// The TCP port the bandwidth-test server's control connection uses (manual, "Bandwidth Test").
pub const BANDWIDTH_SERVER_PORT: u16 = 2000;

fn services_of(st: &State) -> Vec<ServiceState> {
    let btest = st
        .items("tool/bandwidth-server")
        .first()
        .map(|i| ServiceState {
            name: BANDWIDTH_SERVER.to_string(),
            port: BANDWIDTH_SERVER_PORT,
            disabled: !i.is("enabled"),
            address: Vec::new(),
            max_sessions: i
                .get("max-sessions")
                .and_then(|p| p.parse().ok())
                .unwrap_or(100),
        });
    st.items("ip/service")
        .iter()
        .map(|i| ServiceState {
            name: i.get("name").unwrap_or("").to_string(),
            port: i.get("port").and_then(|p| p.parse().ok()).unwrap_or(0),
            disabled: i.is("disabled"),
            address: i
                .get("address")
                .unwrap_or("")
                .split(',')
                .filter(|a| !a.is_empty())
                .map(str::to_string)
                .collect(),
            max_sessions: i
                .get("max-sessions")
                .and_then(|p| p.parse().ok())
                .unwrap_or(20),
        })
        .chain(btest)
        .collect()
}

fn firewall_of(st: &State) -> FirewallSnapshot {
    FirewallSnapshot {
        filter: st
            .items("ip/firewall/filter")
            .iter()
            .map(rule_props)
            .collect(),
        address_lists: st
            .items("ip/firewall/address-list")
            .iter()
            .map(rule_props)
            .collect(),
    }
}

fn load(path: &Path, identity: &str) -> Result<State, SimError> {
    let text = std::fs::read_to_string(path).map_err(|source| SimError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let corrupt = |reason: String| SimError::Corrupt {
        path: path.to_path_buf(),
        reason,
    };
    let p: Persisted = serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
    State::restore(p, identity).map_err(corrupt)
}

/// Writes the state atomically (temporary file + rename).
fn save(path: &Path, p: &Persisted) -> Result<(), SimError> {
    let write_err = |source| SimError::Write {
        path: path.to_path_buf(),
        source,
    };
    let text = serde_json::to_string_pretty(p).map_err(|e| write_err(std::io::Error::other(e)))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(write_err)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text).map_err(write_err)?;
    std::fs::rename(&tmp, path).map_err(write_err)
}
