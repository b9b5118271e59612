//! The simulator's front ends over one [`Router`] model: the network ones (ssh, telnet, ftp,
//! www/www-ssl REST, api/api-ssl, winbox), the listener manager that follows `/ip service`, and the
//! serial console ([`ConsolePort`], [`SimHandle::attach_console`]).

mod api;
mod btest;
mod console;
mod dns;
mod ftp;
mod layer2;
mod listener;
mod login;
mod proxy;
mod shell;
mod snmp;
mod ssh;
mod syslog;
mod telnet;
mod tls;
mod winbox;
mod www;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, Mutex};

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use console::{ConsoleError, ConsolePort};
pub use listener::ServerError;
pub use tls::TlsError;

use crate::router::{Router, RouterConfig};
use listener::{Manager, Sessions, lock};

/// How to run a simulated router.
///
/// IPv6: while the model has IPv6 in effect (RouterOS 7 with `/ipv6 settings disable-ipv6=no`),
/// every listener also binds `[::]` on its port (`IPV6_V6ONLY`), i.e. every IPv6 address of the
/// namespace — as a router listens on all its addresses — when the simulator is the router of
/// that namespace: `netns` is given, or `address` is `0.0.0.0`. A simulator on one IPv4 address of
/// a shared namespace (`127.0.0.x` in tests) stays IPv4-only. See [`SimHandle::address6`].
#[derive(Debug)]
pub struct SimOptions {
    /// Address every listener binds to (default 127.0.0.1).
    pub address: IpAddr,
    /// Added to every service port, so a non-root run can use 22 → 10022 and so on.
    pub port_offset: u16,
    /// The model's configuration (version, identity, state dir, ...).
    pub router: RouterConfig,
    /// Network namespace the sockets are created in; `None` = the caller's namespace.
    pub netns: Option<crate::netns::NetnsFd>,
}

impl Default for SimOptions {
    fn default() -> SimOptions {
        SimOptions {
            address: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port_offset: 0,
            router: RouterConfig::default(),
            netns: None,
        }
    }
}

/// What every connection task can reach.
pub(crate) struct Shared {
    pub(crate) router: Router,
    pub(crate) netns: Option<crate::netns::NetnsFd>,
    pub(crate) tls: tokio_rustls::TlsAcceptor,
    pub(crate) certificate: Vec<u8>,
    pub(crate) ssh_key: ssh::HostKey,
    pub(crate) sessions: Sessions,
    pub(crate) cancel: CancellationToken,
}

impl Shared {
    /// Spawns a session task that shutdown aborts.
    pub(crate) fn spawn(&self, fut: impl std::future::Future<Output = ()> + Send + 'static) {
        self.sessions.spawn(fut);
    }
}

/// A running simulator: the model plus its listeners. [`SimHandle::shutdown`] stops everything;
/// dropping the handle aborts all tasks too.
pub struct SimHandle {
    shared: Arc<Shared>,
    address: IpAddr,
    address6: Option<IpAddr>,
    ports: Arc<Mutex<HashMap<String, u16>>>,
    manager: Option<JoinHandle<()>>,
    console: Option<JoinHandle<()>>,
    /// MNDP and MAC-Telnet on the namespace's links (`layer2.rs`), when the simulator is its
    /// namespace's router.
    layer2: Option<JoinHandle<()>>,
    /// Remote logging's sender (`syslog.rs`).
    syslog: Option<JoinHandle<()>>,
}

/// Starts the simulator and returns once every enabled service listens.
///
/// ```no_run
/// # async fn f() -> Result<(), chrlab_sim::ServerError> {
/// let sim = chrlab_sim::start(chrlab_sim::SimOptions { port_offset: 10000, ..Default::default() }).await?;
/// let ssh_port = sim.port("ssh");
/// sim.shutdown().await;
/// # Ok(()) }
/// ```
pub async fn start(opts: SimOptions) -> Result<SimHandle, ServerError> {
    let state_dir = opts.router.state_dir.clone();
    let router = Router::new(opts.router).map_err(ServerError::Model)?;
    // The listener manager carries reboots out (sessions cut, ports closed for the boot time).
    router.defer_reboots();
    let (address, port_offset, netns) = (opts.address, opts.port_offset, opts.netns);
    let address6 = (netns.is_some() || address == IpAddr::V4(Ipv4Addr::UNSPECIFIED))
        .then_some(IpAddr::V6(Ipv6Addr::UNSPECIFIED));
    let (tls, certificate) = tls::self_signed_acceptor(&router.identity())?;
    let ssh_key = ssh::HostKey::new(state_dir);
    let cancel = CancellationToken::new();
    let shared = Arc::new(Shared {
        router: router.clone(),
        netns,
        tls,
        certificate,
        ssh_key,
        sessions: Sessions::default(),
        cancel: cancel.clone(),
    });
    let ports = Arc::new(Mutex::new(HashMap::new()));
    let mut manager = Manager::new(
        Arc::clone(&shared),
        address,
        address6,
        port_offset,
        Arc::clone(&ports),
    );
    let mut rx = router.watch_services();
    let table = rx.borrow_and_update().clone();
    manager.reconcile(&table, true).await?;
    router.publish_listeners(crate::router::Listeners::Reconciled {
        generation: table.generation,
        not_listening: Vec::new(),
    });
    let power = router.watch_power();
    let manager = tokio::spawn(manager.follow(rx, power, cancel));
    // Layer 2 only where the simulator owns the links (the same test as for IPv6): never on a
    // shared namespace's loopback.
    let layer2 = address6
        .is_some()
        .then(|| tokio::spawn(layer2::serve(Arc::clone(&shared))));
    let syslog = Some(tokio::spawn(syslog::serve(Arc::clone(&shared), address)));
    Ok(SimHandle {
        shared,
        address,
        address6,
        ports,
        manager: Some(manager),
        console: None,
        layer2,
        syslog,
    })
}

impl SimHandle {
    /// The simulated router's model.
    pub fn router(&self) -> &Router {
        &self.shared.router
    }

    /// The address every listener is bound to.
    pub fn address(&self) -> IpAddr {
        self.address
    }

    /// Where the IPv6 listeners bind while IPv6 is in effect (`[::]`), `None` when this
    /// simulator listens on IPv4 only (see [`SimOptions`]).
    pub fn address6(&self) -> Option<IpAddr> {
        self.address6
    }

    /// Whether the services listen on IPv6 now: IPv6 is in effect and [`SimHandle::address6`]
    /// is set (an IPv6 bind that failed is logged, not counted here).
    pub fn ipv6_listening(&self) -> bool {
        self.address6.is_some() && self.shared.router.watch_services().borrow().ipv6
    }

    /// The port a service listens on right now (offset included); `None` when it is not listening.
    pub fn port(&self, service: &str) -> Option<u16> {
        lock(&self.ports).get(service).copied()
    }

    /// Waits until the listeners follow `/ip service` as it is now ([`Router::settled`]).
    pub async fn settled(&self, deadline: std::time::Duration) -> Result<(), crate::Unsettled> {
        self.shared.router.settled(deadline).await
    }

    /// The self-signed certificate (DER) that www-ssl and api-ssl present, for clients that pin it.
    pub fn tls_certificate(&self) -> &[u8] {
        &self.shared.certificate
    }

    /// Every listening service and its port, in no particular order.
    pub fn listening(&self) -> Vec<(String, u16)> {
        lock(&self.ports)
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }

    /// Serves the serial console on `port` (the seventh front end, logins `via local`) until the
    /// simulator stops; reboots do not end it. A second call replaces the first console.
    pub fn attach_console(&mut self, port: ConsolePort) {
        let task = tokio::spawn(console::serve(
            self.shared.router.clone(),
            port,
            self.shared.cancel.clone(),
        ));
        if let Some(old) = self.console.replace(task) {
            old.abort();
        }
    }

    /// Stops the listeners, the console and every session, and waits until they are gone.
    pub async fn shutdown(mut self) {
        self.shared.cancel.cancel();
        if let Some(console) = self.console.take() {
            let _ = console.await;
        }
        if let Some(manager) = self.manager.take() {
            let _ = manager.await;
        }
        if let Some(layer2) = self.layer2.take() {
            let _ = layer2.await;
        }
        if let Some(syslog) = self.syslog.take() {
            let _ = syslog.await;
        }
        self.shared.sessions.shutdown().await;
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.shared.cancel.cancel();
        if let Some(manager) = self.manager.take() {
            manager.abort();
        }
        if let Some(console) = self.console.take() {
            console.abort();
        }
        if let Some(layer2) = self.layer2.take() {
            layer2.abort();
        }
        if let Some(syslog) = self.syslog.take() {
            syslog.abort();
        }
        self.shared.sessions.abort_all();
    }
}
