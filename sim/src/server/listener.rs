//! The listener manager: one TCP listener per enabled `/ip service` (and the UDP ones of the DNS
//! resolver and the SNMP agent, which the service table carries beside them), following
//! `Router::watch_services()` live, with per-service `max-sessions` and one task set that `SimHandle` stops. It also carries
//! out reboots (`Router::watch_power()`): every session and listener goes, and the listeners come
//! back after the boot time.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::router::{Listeners, NotListening, Power, Router, ServiceState, ServiceTable};
use crate::server::{Shared, api, btest, dns, ftp, proxy, snmp, ssh, telnet, winbox, www};

/// The front end a service name is served by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Telnet,
    Ftp,
    Www,
    WwwSsl,
    Ssh,
    Api,
    ApiSsl,
    Winbox,
    BandwidthServer,
    /// The DNS resolver's remote requests: UDP and TCP.
    Dns,
    /// The SNMP agent: UDP only.
    Snmp,
    /// The SOCKS proxy (`/ip socks`).
    Socks,
    /// The web proxy (`/ip proxy`).
    WebProxy,
}

impl Kind {
    /// The front end for an `/ip service` name; `None` for services the simulator does not serve.
    pub(crate) fn from_service(name: &str) -> Option<Kind> {
        Some(match name {
            "telnet" => Kind::Telnet,
            "ftp" => Kind::Ftp,
            "www" => Kind::Www,
            "www-ssl" => Kind::WwwSsl,
            "ssh" => Kind::Ssh,
            "api" => Kind::Api,
            "api-ssl" => Kind::ApiSsl,
            "winbox" => Kind::Winbox,
            crate::router::BANDWIDTH_SERVER => Kind::BandwidthServer,
            crate::router::DNS_SERVER => Kind::Dns,
            crate::router::SNMP_AGENT => Kind::Snmp,
            crate::router::SOCKS_PROXY => Kind::Socks,
            crate::router::WEB_PROXY => Kind::WebProxy,
            _ => return None,
        })
    }

    /// Whether it listens on TCP.
    fn tcp(self) -> bool {
        self != Kind::Snmp
    }

    /// Whether it listens on UDP.
    fn udp(self) -> bool {
        matches!(self, Kind::Dns | Kind::Snmp)
    }
}

/// Errors of the network front ends.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("failed to listen on {addr} for service {service}: {source}")]
    Bind {
        service: String,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("port {port} plus offset {offset} of service {service} is beyond 65535")]
    PortRange {
        service: String,
        port: u16,
        offset: u16,
    },
    #[error(transparent)]
    Tls(#[from] crate::server::tls::TlsError),
    #[error(transparent)]
    Model(#[from] crate::router::SimError),
}

/// Binds a listening TCP socket (SO_REUSEADDR, non-blocking) in the simulator's namespace.
pub(crate) fn bind(shared: &Shared, addr: SocketAddr) -> std::io::Result<TcpListener> {
    let std_listener = crate::netns::bind_tcp(shared.netns.as_ref(), addr)?;
    std_listener.set_nonblocking(true)?;
    TcpListener::from_std(std_listener)
}

/// Binds a UDP socket in the simulator's namespace.
fn bind_udp(shared: &Shared, addr: SocketAddr) -> std::io::Result<UdpSocket> {
    UdpSocket::from_std(crate::netns::bind_udp(shared.netns.as_ref(), addr)?)
}

/// One running listener: its TCP and UDP sockets' tasks.
struct Running {
    /// Port configured in the model (before the offset).
    port: u16,
    /// Port actually bound.
    bound: u16,
    tasks: Vec<JoinHandle<()>>,
    /// The IPv6 listeners beside them on the same port, while IPv6 is in effect.
    tasks6: Vec<JoinHandle<()>>,
}

impl Running {
    async fn stop(self) {
        for task in self.tasks.into_iter().chain(self.tasks6) {
            task.abort();
            let _ = task.await;
        }
    }
}

/// Counts the live sessions of one service.
#[derive(Default)]
pub(crate) struct SessionCount(AtomicU32);

/// Held by a session; gives its slot back when dropped.
pub(crate) struct SessionSlot(Arc<SessionCount>);

impl Drop for SessionSlot {
    fn drop(&mut self) {
        self.0.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl SessionCount {
    fn try_take(self: &Arc<Self>, limit: u32) -> Option<SessionSlot> {
        let mut current = self.0.load(Ordering::SeqCst);
        loop {
            if limit != 0 && current >= limit {
                return None;
            }
            match self
                .0
                .compare_exchange(current, current + 1, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => return Some(SessionSlot(Arc::clone(self))),
                Err(now) => current = now,
            }
        }
    }
}

/// The state shared by the manager and its listeners.
pub(crate) struct Manager {
    shared: Arc<Shared>,
    address: IpAddr,
    /// Where the IPv6 listeners bind while the model has IPv6 in effect (`None`: IPv4 only).
    address6: Option<IpAddr>,
    /// Whether the model has IPv6 in effect (the last table followed).
    ipv6: bool,
    offset: u16,
    running: HashMap<String, Running>,
    ports: Arc<Mutex<HashMap<String, u16>>>,
    counts: HashMap<String, Arc<SessionCount>>,
}

impl Manager {
    pub(crate) fn new(
        shared: Arc<Shared>,
        address: IpAddr,
        address6: Option<IpAddr>,
        offset: u16,
        ports: Arc<Mutex<HashMap<String, u16>>>,
    ) -> Manager {
        Manager {
            shared,
            address,
            address6,
            ipv6: false,
            offset,
            running: HashMap::new(),
            ports,
            counts: HashMap::new(),
        }
    }

    /// Opens, closes or moves listeners so they match `services`. With `strict`, the first bind
    /// failure is returned (start-up); otherwise it is logged, the service stays closed, and it
    /// is among the services returned as not listening.
    pub(crate) async fn reconcile(
        &mut self,
        table: &ServiceTable,
        strict: bool,
    ) -> Result<Vec<NotListening>, ServerError> {
        let services = &table.services[..];
        self.ipv6 = table.ipv6;
        let mut not_listening = Vec::new();
        // Close what is disabled, gone or re-ported.
        let mut stop = Vec::new();
        for (name, running) in &self.running {
            let keep = services
                .iter()
                .any(|s| &s.name == name && !s.disabled && s.port == running.port);
            if !keep {
                stop.push(name.clone());
            }
        }
        for name in stop {
            if let Some(running) = self.running.remove(&name) {
                let port = running.bound;
                running.stop().await;
                info!(service = %name, port, "listener closed");
            }
            lock(&self.ports).remove(&name);
        }
        // Open what is enabled and not running.
        for service in services {
            let Some(kind) = Kind::from_service(&service.name) else {
                continue;
            };
            if service.disabled || self.running.contains_key(&service.name) {
                continue;
            }
            match self.open(kind, service).await {
                Ok(()) => {}
                Err(e) if strict => return Err(e),
                Err(e) => {
                    warn!(service = %service.name, error = %e, "service not listening");
                    not_listening.push(NotListening {
                        service: service.name.clone(),
                        port: service.port.saturating_add(self.offset),
                        error: match e {
                            ServerError::Bind { source, .. } => source.to_string(),
                            other => other.to_string(),
                        },
                    });
                }
            }
        }
        self.follow_ipv6();
        Ok(not_listening)
    }

    /// Opens or closes the IPv6 listener of every running service as IPv6 is in effect or not. An
    /// IPv6 listener that cannot bind (a kernel without IPv6) is logged and left closed: the
    /// service still listens on IPv4, and the next change of the table tries again.
    fn follow_ipv6(&mut self) {
        let want = self.ipv6.then_some(self.address6).flatten();
        for (name, running) in &mut self.running {
            match (want, !running.tasks6.is_empty()) {
                (None, true) => {
                    for task in running.tasks6.drain(..) {
                        task.abort();
                    }
                    info!(service = %name, port = running.bound, "ipv6 listener closed");
                }
                (Some(ip), false) => {
                    let Some(kind) = Kind::from_service(name) else {
                        continue;
                    };
                    let addr = SocketAddr::new(ip, running.bound);
                    let count = Arc::clone(self.counts.entry(name.clone()).or_default());
                    match listen(&self.shared, kind, name, addr, count) {
                        Ok((tasks, _)) => {
                            running.tasks6 = tasks;
                            info!(service = %name, %addr, "listening");
                        }
                        Err(e) => {
                            warn!(service = %name, %addr, error = %e, "not listening on ipv6")
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// Reconciles with `table` and tells the router which table the listeners now follow.
    pub(crate) async fn follow_table(&mut self, table: &ServiceTable) {
        let not_listening = self.reconcile(table, false).await.unwrap_or_default();
        self.shared.router.publish_listeners(Listeners::Reconciled {
            generation: table.generation,
            not_listening,
        });
    }

    async fn open(&mut self, kind: Kind, service: &ServiceState) -> Result<(), ServerError> {
        let port = service
            .port
            .checked_add(self.offset)
            .ok_or_else(|| ServerError::PortRange {
                service: service.name.clone(),
                port: service.port,
                offset: self.offset,
            })?;
        let addr = SocketAddr::new(self.address, port);
        let count = Arc::clone(self.counts.entry(service.name.clone()).or_default());
        let (tasks, bound) =
            listen(&self.shared, kind, &service.name, addr, count).map_err(|source| {
                ServerError::Bind {
                    service: service.name.clone(),
                    addr,
                    source,
                }
            })?;
        let name = service.name.clone();
        info!(service = %name, %addr, "listening");
        lock(&self.ports).insert(name.clone(), bound);
        self.running.insert(
            name,
            Running {
                port: service.port,
                bound,
                tasks,
                tasks6: Vec::new(),
            },
        );
        Ok(())
    }

    /// Follows the model's service table and power state until cancelled.
    pub(crate) async fn follow(
        mut self,
        mut rx: watch::Receiver<ServiceTable>,
        mut power: watch::Receiver<Power>,
        cancel: CancellationToken,
    ) {
        loop {
            if *power.borrow_and_update() == Power::Rebooting {
                if !self.reboot(&mut rx, &cancel).await {
                    break;
                }
                continue;
            }
            tokio::select! {
                _ = cancel.cancelled() => break,
                changed = rx.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    // A loaded machine (or a test standing in for one) is slow to follow.
                    let delay = self.shared.router.listener_delay();
                    if !delay.is_zero() && !sleep_unless(delay, &cancel).await {
                        break;
                    }
                    let table = rx.borrow_and_update().clone();
                    self.follow_table(&table).await;
                }
                changed = power.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
            }
        }
        self.close_all().await;
        self.shared.router.publish_listeners(Listeners::Stopped);
    }

    /// One reboot: after [`GOING_DOWN`] (the command's reply goes out first; a power cut has no
    /// reply to send and goes down at once) every listener closes and every session is cut;
    /// after the boot time the model boots and the listeners open again as `/ip service` says.
    /// False when cancelled on the way.
    async fn reboot(
        &mut self,
        rx: &mut watch::Receiver<ServiceTable>,
        cancel: &CancellationToken,
    ) -> bool {
        let power_cut = self.shared.router.power_cut_pending();
        info!(power_cut, "reboot requested");
        if !power_cut && !sleep_unless(GOING_DOWN, cancel).await {
            return false;
        }
        // Listeners first, so nothing is accepted after the sessions are cut.
        self.close_all().await;
        self.shared.router.publish_listeners(Listeners::Down);
        self.shared.sessions.shutdown().await;
        info!(boot_time = ?self.shared.router.boot_time(), "router down");
        if !sleep_unless(self.shared.router.boot_time(), cancel).await {
            return false;
        }
        self.shared.router.boot();
        let table = rx.borrow_and_update().clone();
        self.follow_table(&table).await;
        info!("router up");
        true
    }

    async fn close_all(&mut self) {
        for (_, running) in self.running.drain() {
            running.stop().await;
        }
        lock(&self.ports).clear();
    }
}

impl Drop for Manager {
    fn drop(&mut self) {
        for running in self.running.values() {
            for task in running.tasks.iter().chain(&running.tasks6) {
                task.abort();
            }
        }
    }
}

/// From a reboot command to the moment the router goes down: long enough for the command's own
/// reply to reach the client (a real router takes about as long to start shutting down).
const GOING_DOWN: Duration = Duration::from_millis(100);

/// Sleeps for `d`; false when `cancel` fires first.
async fn sleep_unless(d: Duration, cancel: &CancellationToken) -> bool {
    tokio::select! {
        _ = cancel.cancelled() => false,
        _ = tokio::time::sleep(d) => true,
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The `max-sessions` of a service as the model has it now (0 = unlimited).
fn max_sessions(router: &Router, name: &str) -> u32 {
    router
        .watch_services()
        .borrow()
        .iter()
        .find(|s| s.name == name)
        .map(|s| s.max_sessions)
        .unwrap_or(0)
}

/// Opens what `kind` listens on at `addr` (TCP, UDP or both, on the same port) and spawns a
/// task per socket: the tasks and the port bound (the TCP one's, when both).
fn listen(
    shared: &Arc<Shared>,
    kind: Kind,
    name: &str,
    addr: SocketAddr,
    count: Arc<SessionCount>,
) -> std::io::Result<(Vec<JoinHandle<()>>, u16)> {
    let mut tasks = Vec::new();
    let mut bound = addr.port();
    let tcp = if kind.tcp() {
        let listener = bind(shared, addr)?;
        bound = listener.local_addr().map(|a| a.port()).unwrap_or(bound);
        Some(listener)
    } else {
        None
    };
    let udp = if kind.udp() {
        let socket = bind_udp(shared, SocketAddr::new(addr.ip(), bound))?;
        bound = socket.local_addr().map(|a| a.port()).unwrap_or(bound);
        Some(socket)
    } else {
        None
    };
    if let Some(listener) = tcp {
        tasks.push(tokio::spawn(accept_loop(
            listener,
            kind,
            name.to_string(),
            count,
            Arc::clone(shared),
        )));
    }
    if let Some(socket) = udp {
        tasks.push(tokio::spawn(udp_loop(
            socket,
            kind,
            name.to_string(),
            Arc::clone(shared),
        )));
    }
    Ok((tasks, bound))
}

/// Answers the datagrams of a UDP listener, one at a time (each answer is computed at once).
async fn udp_loop(socket: UdpSocket, kind: Kind, name: String, shared: Arc<Shared>) {
    let mut buf = vec![0u8; 4096];
    loop {
        let (n, peer) = match socket.recv_from(&mut buf).await {
            Ok(got) => got,
            Err(e) => {
                warn!(service = %name, error = %e, "receive failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let request = buf.get(..n).unwrap_or_default();
        let reply = match kind {
            Kind::Dns => dns::answer(&shared.router, request),
            Kind::Snmp => snmp::answer(&shared.router, request, peer.ip()),
            _ => None,
        };
        if let Some(reply) = reply
            && let Err(e) = socket.send_to(&reply, peer).await
        {
            debug!(service = %name, %peer, error = %e, "reply not sent");
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    kind: Kind,
    name: String,
    count: Arc<SessionCount>,
    shared: Arc<Shared>,
) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                warn!(service = %name, error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        // A service `address=` that does not admit the client: the connection is closed at once
        // ("access to the service is denied"; the port still looks open to a scan).
        if !shared.router.service_allows(&name, Some(peer.ip())) {
            debug!(service = %name, %peer, "address not allowed, connection closed");
            drop(stream);
            continue;
        }
        let limit = max_sessions(&shared.router, &name);
        let Some(slot) = count.try_take(limit) else {
            debug!(service = %name, %peer, limit, "max-sessions reached, connection closed");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let session_shared = Arc::clone(&shared);
        shared.spawn(async move {
            let _slot = slot;
            serve(kind, stream, peer, session_shared).await;
        });
    }
}

async fn serve(kind: Kind, stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>) {
    debug!(?kind, %peer, "connection");
    match kind {
        Kind::Telnet => telnet::serve(stream, peer, shared).await,
        Kind::Ftp => ftp::serve(stream, peer, shared).await,
        Kind::Www => www::serve(stream, peer, shared, false).await,
        Kind::WwwSsl => www::serve(stream, peer, shared, true).await,
        Kind::Ssh => ssh::serve(stream, peer, shared).await,
        Kind::Api => api::serve(stream, peer, shared, false).await,
        Kind::ApiSsl => api::serve(stream, peer, shared, true).await,
        Kind::Winbox => winbox::serve(stream, peer, shared).await,
        Kind::BandwidthServer => btest::serve(stream, peer, shared).await,
        Kind::Dns => dns::serve_tcp(stream, peer, shared).await,
        Kind::Socks => proxy::serve_socks(stream, peer, shared).await,
        Kind::WebProxy => proxy::serve_web_proxy(stream, peer, shared).await,
        // UDP only: never accepted.
        Kind::Snmp => {}
    }
}

/// The set of session tasks; aborted together at shutdown.
#[derive(Default)]
pub(crate) struct Sessions(Mutex<JoinSet<()>>);

impl Sessions {
    pub(crate) fn spawn(&self, fut: impl std::future::Future<Output = ()> + Send + 'static) {
        let mut set = lock(&self.0);
        while set.try_join_next().is_some() {}
        set.spawn(fut);
    }

    pub(crate) fn abort_all(&self) {
        lock(&self.0).abort_all();
    }

    /// Aborts every session and waits until they are gone; sessions spawned later are kept.
    pub(crate) async fn shutdown(&self) {
        let mut set = std::mem::take(&mut *lock(&self.0));
        set.shutdown().await;
    }
}
