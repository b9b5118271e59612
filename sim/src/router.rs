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
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use parking_lot::{Mutex, MutexGuard};

use routeros::login::Via as LogVia;
use routeros::service::ServiceName;
use routeros::version::Version;
use tokio::sync::{broadcast, watch};

use crate::model::ExecError;
use crate::model::state::{LoginRefusal, LoginVia, Persisted, State, rule_props};
use crate::model::{api, rest, update};

pub use crate::model::terminal::{Terminal, TerminalOpts};
pub use crate::model::update::CheckFailure;
pub use crate::model::view::MenuShape;

/// How the simulated router starts.
#[derive(Debug, Clone)]
pub struct RouterConfig {
    pub version: Version,
    /// `/system identity` of a fresh router (`RouterConfig::for_version` picks `CHR` for v7, `MikroTik` for v6).
    pub identity: String,
    /// Where the state file lives; `None` keeps everything in memory.
    pub state_dir: Option<PathBuf>,
    /// What `check-for-updates` finds on v7 (and on v6, when it is a v6 release); `None` =
    /// offline (`ERROR: could not resolve dns name`). A v6 router on the `upgrade` channel is
    /// offered 7.12.1 whatever this says.
    pub latest_version: Option<Version>,
    /// Set: every update check ends in this error (`latest-version` keeps what an earlier
    /// check found). [`Router::set_update_failure`] changes it on a running router.
    pub update_failure: Option<CheckFailure>,
    /// How long `check-for-updates` takes from the command to the verdict (a real router:
    /// seconds; scripts wait 3–15 s). The simulator's default is 50 ms, so a harness meets
    /// the intermediate states without slowing its tests (`chrlab check` runs three checks).
    pub update_check_time: Duration,
    /// Whether a firewall enforcer programs `/ip firewall filter` into the kernel (shown in `/system resource`).
    pub firewall_enforced: bool,
    /// How many NICs the machine has: `/interface` lists `ether1`..`ether<n>` (a CHR names its
    /// virtual NICs that way; 1 by default). A fact of the VM, not configuration.
    pub ethernets: u32,
    /// How long a reboot keeps every service down (front ends closed until it has passed).
    /// A real CHR takes about 10–60 s; the simulator's default is 300 ms, because the shape of
    /// a reboot (sessions cut, ports refusing, then back) matters to a harness, not its length.
    pub boot_time: Duration,
    /// How long the listeners take to follow a change of `/ip service` (default 0: at once).
    /// Tests set it to stand in for a loaded machine, where a just-enabled service is not
    /// listening yet when the command returns; [`Router::settled`] waits it out.
    pub listener_delay: Duration,
    /// How long a connection may take to log in, however slowly it sends: api, api-ssl, ftp,
    /// telnet and ssh close a connection not logged in by then, winbox (which never logs in)
    /// closes every connection then, and www/www-ssl bound a request's headers by it. Default
    /// 60 s (a stated choice, FIDELITY.md "Limits"); tests set it short.
    pub login_deadline: Duration,
    /// Longest run of one terminal command line: past it the script stops with `interrupted`
    /// (default 60 s, ASSUMPTION, FIDELITY.md "Limits"; a real terminal runs until Ctrl-C).
    pub script_time_budget: Duration,
}

impl Default for RouterConfig {
    fn default() -> Self {
        RouterConfig {
            version: Version::parse("7.23.7")
                .unwrap_or_else(|_| unreachable!("constant version parses")),
            identity: "CHR".into(),
            state_dir: None,
            latest_version: None,
            update_failure: None,
            update_check_time: Duration::from_millis(50),
            firewall_enforced: false,
            ethernets: 1,
            boot_time: Duration::from_millis(300),
            listener_delay: Duration::ZERO,
            login_deadline: Duration::from_secs(60),
            script_time_budget: Duration::from_secs(60),
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

/// The `/ip service` table as the listeners need it, with its generation: a number the router
/// bumps on every change, so a listener manager can say which table it has followed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceTable {
    /// Bumped on every change of the table (0 for the table the router started with).
    pub generation: u64,
    pub services: Vec<ServiceState>,
    /// Whether IPv6 is in effect (RouterOS 7 and `/ipv6 settings disable-ipv6=no`): then every
    /// enabled service listens on IPv6 too.
    pub ipv6: bool,
}

impl std::ops::Deref for ServiceTable {
    type Target = Vec<ServiceState>;
    fn deref(&self) -> &Vec<ServiceState> {
        &self.services
    }
}

/// The firewall as CLI-form props, in rule order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FirewallSnapshot {
    /// Bumped on every change of the rules or address lists (0 at start).
    pub generation: u64,
    pub filter: Vec<Vec<(String, String)>>,
    pub address_lists: Vec<Vec<(String, String)>>,
    /// `/ipv6 firewall filter` and `/ipv6 firewall address-list` (empty on RouterOS 6).
    pub filter6: Vec<Vec<(String, String)>>,
    pub address_lists6: Vec<Vec<(String, String)>>,
}

/// The enabled `/ip address` and static `/ipv6 address` entries in effect, as the kernel needs them
/// (what `--manage-addresses` applies).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressSnapshot {
    /// Bumped on every change of the entries (0 at start).
    pub generation: u64,
    pub addresses: Vec<KernelAddress>,
}

/// One enabled `/ip address` (or static `/ipv6 address`) entry on the machine's interface it names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct KernelAddress {
    /// The kernel link: the `default-name` of the `/interface` the entry names (`ether2` stays
    /// `ether2` in the kernel when RouterOS renames it), else the name itself.
    pub link: String,
    /// `198.51.100.1/24`, as `/ip address` stores it.
    pub address: String,
}

/// An enabled service whose port the front ends could not open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotListening {
    pub service: String,
    /// The port it should listen on (offset included).
    pub port: u16,
    /// Why it does not (the bind error).
    pub error: String,
}

impl std::fmt::Display for NotListening {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "service {} is not listening on port {}: {}",
            self.service, self.port, self.error
        )
    }
}

/// What the network front ends have made of `/ip service`, published by the listener manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listeners {
    /// No front ends run (a model used on its own): nothing listens and nothing is waited for.
    Detached,
    /// The listeners follow the service table of `generation`, except `not_listening`.
    Reconciled {
        generation: u64,
        not_listening: Vec<NotListening>,
    },
    /// Every listener is closed for a reboot.
    Down,
    /// The front ends have stopped.
    Stopped,
}

/// Why [`Router::settled`] gave up: what did not settle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unsettled {
    /// The listeners follow the current table, but some services could not open their port.
    #[error("{}", list(.0))]
    NotListening(Vec<NotListening>),
    /// The deadline passed first.
    #[error(
        "the listeners did not follow /ip service within {deadline:?}: service table {wanted} wanted, {at}"
    )]
    Timeout {
        deadline: Duration,
        wanted: u64,
        /// Where the front ends were (`service table 3 followed`, `down for a reboot`, …).
        at: String,
    },
    /// The front ends stopped.
    #[error("the simulator's front ends have stopped")]
    Stopped,
}

fn list(items: &[NotListening]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
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

/// The layer-2 settings and what an MNDP announcement carries, as the model has them now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer2View {
    /// `/ip neighbor discovery-settings discover-interface-list`.
    pub discover_interface_list: String,
    /// `/ip neighbor discovery-settings protocol` (`cdp,lldp,mndp`).
    pub discovery_protocols: String,
    /// `/tool mac-server allowed-interface-list` (MAC-Telnet).
    pub mac_server_list: String,
    /// `/tool mac-server ping enabled`.
    pub mac_ping: bool,
    /// `/system identity`.
    pub identity: String,
    /// `/system resource version` (`7.16.2 (stable)`).
    pub version: String,
    /// `/system resource platform`.
    pub platform: String,
    /// `/system resource board-name`.
    pub board: String,
    /// Seconds since the model booted.
    pub uptime_secs: u64,
    /// `/system license` software-id (v6) or system-id (v7).
    pub software_id: String,
    /// `/interface`: name → MAC address.
    pub interfaces: Vec<(String, String)>,
    /// `/interface list member`, enabled entries: (list, interface).
    pub list_members: Vec<(String, String)>,
}

impl Layer2View {
    /// Whether an `/interface list` name admits `interface`: `all` every interface, `none`
    /// none, `static` every interface the model has (a CHR's ethernets are all static),
    /// `dynamic` none (the simulator makes no dynamic interfaces), and a list of the user's the
    /// interfaces `/interface list member` puts in it.
    pub fn list_admits(&self, list: &str, interface: &str) -> bool {
        match list {
            "all" => true,
            "none" | "dynamic" => false,
            "static" => self.interfaces.iter().any(|(n, _)| n == interface),
            _ => self
                .list_members
                .iter()
                .any(|(l, i)| l == list && i == interface),
        }
    }

    /// Whether MNDP runs on `interface`.
    pub fn discovers_on(&self, interface: &str) -> bool {
        self.discovery_protocols
            .split(',')
            .any(|p| p.trim() == "mndp")
            && self.list_admits(&self.discover_interface_list, interface)
    }

    /// Whether MAC-Telnet is allowed on `interface`.
    pub fn mac_telnet_on(&self, interface: &str) -> bool {
        self.list_admits(&self.mac_server_list, interface)
    }

    /// The model's MAC address of `interface`, if it has that interface.
    pub fn mac_of(&self, interface: &str) -> Option<&str> {
        self.interfaces
            .iter()
            .find(|(n, _)| n == interface)
            .map(|(_, m)| m.as_str())
    }
}

/// The simulated router (cheap to clone; all clones share one state).
#[derive(Clone)]
pub struct Router {
    state: Arc<Mutex<State>>,
    services: Arc<watch::Sender<ServiceTable>>,
    firewall: Arc<watch::Sender<FirewallSnapshot>>,
    addresses: Arc<watch::Sender<AddressSnapshot>>,
    power: Arc<watch::Sender<Power>>,
    listeners: Arc<watch::Sender<Listeners>>,
    listener_delay: Duration,
    /// Whether a front end carries reboots out ([`Router::defer_reboots`]).
    deferred: Arc<AtomicBool>,
    boot_time: Duration,
    state_file: Option<PathBuf>,
    login_deadline: Duration,
    script_time_budget: Duration,
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
        state.update_failure = cfg.update_failure.clone();
        state.check_time = cfg.update_check_time;
        state.firewall_enforced = cfg.firewall_enforced;
        state.add_ethernets(cfg.ethernets);
        if let Some(path) = &state_file {
            save(path, &state.persisted())?;
        }
        let (services, _) = watch::channel(ServiceTable {
            generation: 0,
            services: services_of(&state),
            ipv6: state.ipv6_enabled(),
        });
        let (firewall, _) = watch::channel(firewall_of(&state));
        let (addresses, _) = watch::channel(AddressSnapshot {
            generation: 0,
            addresses: addresses_of(&state),
        });
        let (power, _) = watch::channel(Power::Up);
        let (listeners, _) = watch::channel(Listeners::Detached);
        Ok(Router {
            state: Arc::new(Mutex::new(state)),
            services: Arc::new(services),
            firewall: Arc::new(firewall),
            addresses: Arc::new(addresses),
            power: Arc::new(power),
            listeners: Arc::new(listeners),
            listener_delay: cfg.listener_delay,
            deferred: Arc::new(AtomicBool::new(false)),
            boot_time: cfg.boot_time,
            state_file,
            login_deadline: cfg.login_deadline,
            script_time_budget: cfg.script_time_budget,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock()
    }

    /// Takes the state for a run of work that may be long (a terminal command line): the holder
    /// lets other sessions in between steps ([`Held::breathe`]) and publishes its changes each
    /// time and when dropped, as [`Router::with_state`] does at its end.
    pub(crate) fn hold(&self) -> Held<'_> {
        let mut guard = self.lock();
        // Whatever reads the router sees a running update check where the clock has taken it.
        update::advance(&mut guard);
        Held {
            router: self,
            guard,
        }
    }

    /// Runs `f` on the state, then persists and notifies watchers if anything changed. A reboot
    /// `f` asked for happens at once, unless a front end carries reboots out
    /// ([`Router::defer_reboots`]): then the router only turns [`Power::Rebooting`].
    pub(crate) fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let mut held = self.hold();
        f(&mut held)
    }

    /// What [`Router::with_state`] does after its work: the reboot asked for, and, when the state
    /// changed, the state file and the watchers.
    fn publish(&self, st: &mut State) {
        if st.reboot.is_some() {
            if self.deferred.load(Ordering::SeqCst) {
                self.power
                    .send_if_modified(|p| replace_if_changed(p, Power::Rebooting));
            } else {
                update::boot(st);
            }
        }
        if st.dirty {
            st.dirty = false;
            if let Some(path) = &self.state_file
                && let Err(e) = save(path, &st.persisted())
            {
                tracing::error!(error = %e, "state not saved");
            }
            let services = services_of(st);
            let ipv6 = st.ipv6_enabled();
            let firewall = firewall_of(st);
            let addresses = addresses_of(st);
            // Still under the state lock, so generations follow the order of the changes.
            self.services.send_if_modified(|cur| {
                if cur.services == services && cur.ipv6 == ipv6 {
                    return false;
                }
                cur.services = services;
                cur.ipv6 = ipv6;
                cur.generation += 1;
                true
            });
            self.firewall.send_if_modified(|cur| {
                if cur.filter == firewall.filter
                    && cur.address_lists == firewall.address_lists
                    && cur.filter6 == firewall.filter6
                    && cur.address_lists6 == firewall.address_lists6
                {
                    return false;
                }
                *cur = FirewallSnapshot {
                    generation: cur.generation + 1,
                    ..firewall
                };
                true
            });
            self.addresses.send_if_modified(|cur| {
                if cur.addresses == addresses {
                    return false;
                }
                cur.addresses = addresses;
                cur.generation += 1;
                true
            });
        }
    }

    /// How long a connection may take to log in ([`RouterConfig::login_deadline`]).
    pub fn login_deadline(&self) -> Duration {
        self.login_deadline
    }

    /// Longest run of one terminal command line ([`RouterConfig::script_time_budget`]).
    pub fn script_time_budget(&self) -> Duration {
        self.script_time_budget
    }

    /// From now on every update check ends in `failure` (`None`: checks reach the server).
    pub fn set_update_failure(&self, failure: Option<CheckFailure>) {
        self.with_state(|st| st.update_failure = failure);
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

    /// Adds an `/ip address` entry as the one who set the machine up would (a lab gives the
    /// router the address it reaches it at, as the QEMU lab does at first boot): configuration,
    /// not a factory value, so `/export` shows it.
    pub fn add_address(&self, address: &str, interface: &str) -> Result<(), ExecError> {
        let actor = crate::model::state::Actor {
            user: "admin".into(),
            policy: crate::model::users::ALL_POLICIES.join(","),
        };
        self.with_state(|st| {
            st.add(
                &actor,
                "ip/address",
                &[
                    ("address".into(), address.into()),
                    ("interface".into(), interface.into()),
                ],
            )
            .map(|_| ())
        })
    }

    /// Test support: puts in a record that the router's own machinery makes and no command can
    /// (an ARP entry learned from a neighbour, a DHCP lease handed out, the dynamic `/ip service`
    /// row of a running resolver), marked `dynamic=yes` where the menu has that flag. The
    /// simulator has no such machinery; this lets a test give it the records a capture's
    /// router had, and then print them through the generic printer. Returns the `.id`.
    ///
    /// ```
    /// # use chrlab_sim::router::{Router, RouterConfig};
    /// # use routeros::version::Version;
    /// let r = Router::new(RouterConfig::for_version(Version::parse("6.48.6").unwrap())).unwrap();
    /// r.learn("ip/arp", &[("address", "10.0.0.2"), ("interface", "ether1"), ("complete", "yes")])
    ///     .unwrap();
    /// ```
    pub fn learn(&self, menu: &str, fields: &[(&str, &str)]) -> Result<String, ExecError> {
        self.with_state(|st| st.learn(menu, fields))
            .map(crate::model::menu::format_id)
    }

    /// Cuts the power and turns it on again (a hypervisor's reset, a pulled plug): a reboot like
    /// [`Router::reboot`] that also confirms a pending `/system device-mode update` made
    /// within its activation timeout, which a soft reboot does not.
    pub fn power_cycle(&self) {
        self.with_state(|st| {
            update::request_reboot(st, None);
            if let Some(r) = st.reboot.as_mut() {
                r.power_cycle = true;
            }
        });
    }

    /// Whether the reboot under way is a power cut ([`Router::power_cycle`]) rather than one a
    /// command asked for: the front ends then go down at once, with no reply left to send.
    pub fn power_cut_pending(&self) -> bool {
        self.lock().reboot.is_some_and(|r| r.power_cycle)
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

    /// `/ip ssh forwarding-enabled` admits local forwarding (`direct-tcpip` channels, `ssh -L`):
    /// v7 `local` or `both`, v6 `yes`.
    pub fn ssh_local_forwarding(&self) -> bool {
        matches!(
            self.lock()
                .single("ip/ssh", "forwarding-enabled")
                .as_deref(),
            Some("local" | "both" | "yes")
        )
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

    /// What the layer-2 services (MNDP, MAC-Telnet) say and allow right now: read per packet by
    /// `server/layer2.rs`, so a `set` takes effect on the next packet.
    pub fn layer2(&self) -> Layer2View {
        let st = self.lock();
        let get = |menu: &str, key: &str| st.single(menu, key).unwrap_or_default();
        let resource = st.items("system/resource");
        let resource = resource.first();
        let res = |key: &str| {
            resource
                .and_then(|i| i.get(key))
                .unwrap_or_default()
                .to_string()
        };
        let software_id = st
            .single("system/license", "software-id")
            .or_else(|| st.single("system/license", "system-id"))
            .unwrap_or_default();
        Layer2View {
            discover_interface_list: get(
                "ip/neighbor/discovery-settings",
                "discover-interface-list",
            ),
            discovery_protocols: get("ip/neighbor/discovery-settings", "protocol"),
            mac_server_list: get("tool/mac-server", "allowed-interface-list"),
            mac_ping: get("tool/mac-server/ping", "enabled") == "yes",
            identity: st.identity(),
            version: res("version"),
            platform: res("platform"),
            board: res("board-name"),
            uptime_secs: st.started.elapsed().as_secs(),
            software_id,
            interfaces: st
                .items("interface")
                .iter()
                .filter_map(|i| {
                    Some((
                        i.get("name")?.to_string(),
                        i.get("mac-address").unwrap_or_default().to_string(),
                    ))
                })
                .collect(),
            list_members: st
                .items("interface/list/member")
                .iter()
                .filter(|i| !i.is("disabled"))
                .filter_map(|i| Some((i.get("list")?.to_string(), i.get("interface")?.to_string())))
                .collect(),
        }
    }

    /// The addresses `/ip dns static` gives `name` (compared without case and final dot): `None`
    /// when no enabled entry has the name, else its enabled `type=A` entries' addresses.
    pub fn dns_static_a(&self, name: &str) -> Option<Vec<std::net::Ipv4Addr>> {
        let want = name.trim_end_matches('.');
        let entries: Vec<_> = self
            .lock()
            .items("ip/dns/static")
            .into_iter()
            .filter(|i| {
                !i.is("disabled")
                    && i.get("name")
                        .is_some_and(|n| n.trim_end_matches('.').eq_ignore_ascii_case(want))
            })
            .collect();
        if entries.is_empty() {
            return None;
        }
        Some(
            entries
                .iter()
                .filter(|i| i.get("type").is_none_or(|t| t == "A"))
                .filter_map(|i| i.get("address")?.parse().ok())
                .collect(),
        )
    }

    /// Whether an SNMP v1/v2c request with `community` from `from` may read: an enabled
    /// `/snmp community` of that name with `read-access=yes`, `security=none` (the others need
    /// SNMPv3), whose `addresses` admit `from` (`::/0`, the v7 factory value, admits every
    /// address of both families).
    pub fn snmp_community_reads(&self, community: &[u8], from: IpAddr) -> bool {
        self.lock().items("snmp/community").iter().any(|c| {
            c.get("name").is_some_and(|n| n.as_bytes() == community)
                && !c.is("disabled")
                && c.get("read-access").is_none_or(|v| v == "yes")
                && c.get("security").is_none_or(|v| v == "none")
                && c.get("addresses").is_none_or(|a| {
                    a.split(',').any(|p| p.trim() == "::/0")
                        || crate::model::schema::addr_allowed(a, Some(from))
                })
        })
    }

    /// The services, live.
    pub fn watch_services(&self) -> watch::Receiver<ServiceTable> {
        self.services.subscribe()
    }

    /// How long the listeners wait before following a change ([`RouterConfig::listener_delay`]).
    pub fn listener_delay(&self) -> Duration {
        self.listener_delay
    }

    /// What the listeners have made of `/ip service`, live.
    pub fn watch_listeners(&self) -> watch::Receiver<Listeners> {
        self.listeners.subscribe()
    }

    /// The listener manager says what it has done.
    pub(crate) fn publish_listeners(&self, now: Listeners) {
        self.listeners.send_replace(now);
    }

    /// Waits until the router has done what it was told about its services: the listeners
    /// follow the `/ip service` table as it is at the call (or a later one) and the router is
    /// up (a reboot asked for before the call has ended). Gives up after `deadline`, and says
    /// what did not settle; a service whose port cannot be opened is reported at once. Without
    /// front ends there is nothing to wait for.
    pub async fn settled(&self, deadline: Duration) -> Result<(), Unsettled> {
        let wanted = self.services.borrow().generation;
        let mut listeners = self.listeners.subscribe();
        let mut power = self.power.subscribe();
        let wait = async {
            loop {
                let up = *power.borrow_and_update() == Power::Up;
                let now = listeners.borrow_and_update().clone();
                match now {
                    Listeners::Detached => return Ok(()),
                    Listeners::Stopped => return Err(Unsettled::Stopped),
                    Listeners::Reconciled {
                        generation,
                        not_listening,
                    } if up && generation >= wanted => {
                        return if not_listening.is_empty() {
                            Ok(())
                        } else {
                            Err(Unsettled::NotListening(not_listening))
                        };
                    }
                    _ => {}
                }
                tokio::select! {
                    changed = listeners.changed() => if changed.is_err() { return Err(Unsettled::Stopped) },
                    changed = power.changed() => if changed.is_err() { return Err(Unsettled::Stopped) },
                }
            }
        };
        match tokio::time::timeout(deadline, wait).await {
            Ok(done) => done,
            Err(_) => Err(Unsettled::Timeout {
                deadline,
                wanted,
                at: match (&*self.listeners.borrow(), self.power()) {
                    (_, Power::Rebooting) => "the router is rebooting".to_string(),
                    (Listeners::Down, Power::Up) => {
                        "the listeners are still down after a reboot".to_string()
                    }
                    (Listeners::Reconciled { generation, .. }, Power::Up) => {
                        format!("service table {generation} followed")
                    }
                    (other, Power::Up) => format!("listeners {other:?}"),
                },
            }),
        }
    }

    /// The firewall filter rules and address lists, live.
    pub fn watch_firewall(&self) -> watch::Receiver<FirewallSnapshot> {
        self.firewall.subscribe()
    }

    /// The enabled `/ip address` entries, live (for a follower that applies them to the kernel).
    pub fn watch_addresses(&self) -> watch::Receiver<AddressSnapshot> {
        self.addresses.subscribe()
    }

    /// Whether the first console login is still to ask `Do you want to see the software
    /// license? [Y/n]: ` (once in the router's life; kept in the state file).
    pub fn license_pending(&self) -> bool {
        !self.lock().license_answered
    }

    /// Critical log lines as terminals echo them: `hh:mm:ss echo: <topics> <message>`.
    pub fn subscribe_echo(&self) -> broadcast::Receiver<String> {
        self.lock().echo.subscribe()
    }

    /// The syslog datagrams the `target=remote` logging actions send, as the router writes lines.
    pub(crate) fn subscribe_syslog(&self) -> broadcast::Receiver<crate::model::log::Datagram> {
        self.lock().syslog.subscribe()
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

    /// Every menu of this router's schema, for tools and tests that walk them all.
    pub fn menus(&self) -> Vec<MenuShape> {
        self.with_state(|st| crate::model::view::shapes(st))
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

/// The router's state taken by one session ([`Router::hold`]); other sessions wait for it,
/// except while the holder breathes.
pub(crate) struct Held<'a> {
    router: &'a Router,
    guard: MutexGuard<'a, State>,
}

impl Held<'_> {
    /// Between two steps of a long run: publishes what changed, then hands the state to a
    /// session waiting for it, if any (a fair hand-off, so a waiting front end gets in), and
    /// takes it back; the clock has moved on meanwhile.
    pub(crate) fn breathe(&mut self) {
        self.router.publish(&mut self.guard);
        MutexGuard::bump(&mut self.guard);
        update::advance(&mut self.guard);
    }

    /// Runs `f` (a sleep) without the state, then takes it back.
    pub(crate) fn unlocked<T>(&mut self, f: impl FnOnce() -> T) -> T {
        self.router.publish(&mut self.guard);
        let out = MutexGuard::unlocked_fair(&mut self.guard, f);
        update::advance(&mut self.guard);
        out
    }
}

impl std::ops::Deref for Held<'_> {
    type Target = State;
    fn deref(&self) -> &State {
        &self.guard
    }
}

impl std::ops::DerefMut for Held<'_> {
    fn deref_mut(&mut self) -> &mut State {
        &mut self.guard
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.router.publish(&mut self.guard);
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

/// The bandwidth-test server listens beside the `/ip service` items while enabled.
pub use routeros::service::{BANDWIDTH_SERVER, BANDWIDTH_SERVER_PORT};

/// The DNS resolver listens beside the `/ip service` items (UDP and TCP 53) while
/// `/ip dns allow-remote-requests=yes` (the manual: "When the remote requests are enabled, the
/// MikroTik router responds to TCP and UDP DNS requests on port 53").
pub const DNS_SERVER: &str = "dns";
/// The SNMP agent listens beside the `/ip service` items (UDP 161) while `/snmp enabled=yes`.
pub const SNMP_AGENT: &str = "snmp";

/// The SOCKS proxy listens beside the `/ip service` items (its `port`, TCP) while
/// `/ip socks enabled=yes`.
pub const SOCKS_PROXY: &str = "socks";
/// The web proxy listens beside the `/ip service` items (its `port`, TCP) while
/// `/ip proxy enabled=yes`.
pub const WEB_PROXY: &str = "web-proxy";

/// What the SNMP agent says for `sysDescr.0` on a CHR: `RouterOS <board>` (FACTS §8, recog's
/// fingerprints), the board of a CHR being `CHR`.
pub const SNMP_SYS_DESCR: &str = "RouterOS CHR";

fn services_of(st: &State) -> Vec<ServiceState> {
    let pseudo = |menu: &str, name: &str, port: u16, key: &str, sessions: u32| {
        st.items(menu).first().map(|i| ServiceState {
            name: name.to_string(),
            port,
            disabled: !i.is(key),
            address: Vec::new(),
            max_sessions: sessions,
        })
    };
    let dns_sessions = st
        .items("ip/dns")
        .first()
        .and_then(|i| i.get("max-concurrent-tcp-sessions")?.parse().ok())
        .unwrap_or(20);
    let dns = pseudo(
        "ip/dns",
        DNS_SERVER,
        routeros::dns::PORT,
        "allow-remote-requests",
        dns_sessions,
    );
    let snmp = pseudo("snmp", SNMP_AGENT, routeros::snmp::PORT, "enabled", 0);
    let own_port = |menu: &str, name: &str, factory: u16, sessions: &str| {
        st.items(menu).first().map(|i| ServiceState {
            name: name.to_string(),
            port: i
                .get("port")
                .and_then(|p| p.parse().ok())
                .unwrap_or(factory),
            disabled: !i.is("enabled"),
            address: Vec::new(),
            max_sessions: i.get(sessions).and_then(|p| p.parse().ok()).unwrap_or(200),
        })
    };
    let socks = own_port("ip/socks", SOCKS_PROXY, 1080, "max-connections");
    let web_proxy = own_port("ip/proxy", WEB_PROXY, 8080, "max-client-connections");
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
    // Dynamic rows (learned: a resolver's, a connection's) name listeners the pseudo-services
    // below already stand for.
    st.items("ip/service")
        .iter()
        .filter(|i| !i.is("dynamic"))
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
        .chain(dns)
        .chain(snmp)
        .chain(socks)
        .chain(web_proxy)
        .collect()
}

fn firewall_of(st: &State) -> FirewallSnapshot {
    FirewallSnapshot {
        generation: 0,
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
        filter6: st
            .items("ipv6/firewall/filter")
            .iter()
            .map(rule_props)
            .collect(),
        address_lists6: st
            .items("ipv6/firewall/address-list")
            .iter()
            .map(rule_props)
            .collect(),
    }
}

fn addresses_of(st: &State) -> Vec<KernelAddress> {
    let interfaces = st.items("interface");
    // The static `/ipv6 address` entries in effect join the IPv4 ones (the kernel makes its own
    // link-locals; with IPv6 disabled every entry is invalid and none is applied).
    let v6: Vec<_> = st
        .items("ipv6/address")
        .into_iter()
        .filter(|i| !i.is("dynamic") && !i.is("invalid"))
        .collect();
    let mut out: Vec<KernelAddress> = st
        .items("ip/address")
        .iter()
        .chain(v6.iter())
        .filter(|i| !i.is("disabled"))
        .filter_map(|i| {
            let name = i.get("interface")?;
            let link = interfaces
                .iter()
                .find(|n| n.get("name") == Some(name))
                .and_then(|n| n.get("default-name"))
                .unwrap_or(name);
            Some(KernelAddress {
                link: link.to_string(),
                address: i.get("address")?.to_string(),
            })
        })
        .collect();
    out.sort();
    out.dedup();
    out
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
