//! Vantage points: the places a check connects from.
//!
//! A [`Vantage`] owns one thread running a current-thread tokio runtime. A namespaced vantage's thread
//! enters its network namespace first, so every socket a client creates while running inside
//! [`Vantage::run`] (reqwest, russh, a bare `TcpStream`) lives in that namespace and leaves from the
//! vantage's address. Jobs run concurrently on the thread (`spawn_local`), so one slow probe does not
//! block another.

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::thread::JoinHandle;

use chrlab_sim::netns::NetnsFd;
use tokio::sync::{mpsc, oneshot};

type Job = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()>>> + Send>;

/// Why a vantage could not start or run a job.
#[derive(Debug, thiserror::Error)]
pub enum VantageError {
    #[error("cannot start vantage {name}: {source}")]
    Start {
        name: String,
        source: std::io::Error,
    },
    #[error("vantage {name} has stopped")]
    Stopped { name: String },
    #[error("a job on vantage {name} panicked")]
    JobPanicked { name: String },
}

thread_local! {
    /// The source address connections made on this thread must leave from (set on the threads
    /// of [`Vantage::local_bound`] vantages).
    static SOURCE: std::cell::Cell<Option<IpAddr>> = const { std::cell::Cell::new(None) };
}

/// The source address the current vantage thread binds to, if any.
pub fn bound_source() -> Option<IpAddr> {
    SOURCE.with(|s| s.get())
}

/// Maps the address a client means (the router's) to the address it must really connect to
/// (e.g. a QEMU user-mode port forward on 127.0.0.1). Called on the vantage's thread, once per
/// connection; it may block briefly (the QEMU lab adds a forward through its monitor the first
/// time a port is asked for).
pub type Translator = Arc<dyn Fn(SocketAddr) -> io::Result<SocketAddr> + Send + Sync>;

thread_local! {
    /// The address translator of this vantage thread (set on [`Vantage::translated`] vantages).
    static TRANSLATE: std::cell::RefCell<Option<Translator>> = const { std::cell::RefCell::new(None) };
}

/// Where a connection to `addr` from the current vantage really goes: `addr` itself, unless
/// the vantage has a translator. An error keeps `addr` (the router's address) in its message.
pub fn translate(addr: SocketAddr) -> io::Result<SocketAddr> {
    let translator = TRANSLATE.with(|t| t.borrow().clone());
    match translator {
        None => Ok(addr),
        Some(f) => f(addr).map_err(|e| io::Error::new(e.kind(), format!("{addr}: {e}"))),
    }
}

/// Whether connections from the current vantage thread are translated.
pub fn translated() -> bool {
    TRANSLATE.with(|t| t.borrow().is_some())
}

/// Opens a TCP connection from the current vantage: inside its namespace (by running on its
/// thread) and from its bound source address when it has one. Clients use this instead of
/// `TcpStream::connect`.
pub async fn connect(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpStream> {
    let target = translate(addr)?;
    if target != addr {
        return connect_direct(target)
            .await
            .map_err(|e| io::Error::new(e.kind(), format!("{addr} (forwarded to {target}): {e}")));
    }
    connect_direct(addr).await
}

async fn connect_direct(addr: SocketAddr) -> io::Result<tokio::net::TcpStream> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    if let Some(source) = bound_source().filter(|s| s.is_ipv4() == addr.is_ipv4()) {
        socket.bind(std::net::SocketAddr::new(source, 0))?;
    }
    socket.set_nodelay(true)?;
    socket.connect(addr).await
}

/// Opens a UDP socket from the current vantage, connected to `addr`: inside its namespace and
/// from its bound source address when it has one (of the same family). A translated vantage
/// (a QEMU port forward) carries no UDP: that is an `Unsupported` error naming `addr`.
pub async fn udp(addr: SocketAddr) -> io::Result<tokio::net::UdpSocket> {
    if translated() {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("{addr}: this vantage reaches the router through TCP port forwards only"),
        ));
    }
    let local = match bound_source() {
        Some(source) if source.is_ipv4() == addr.is_ipv4() => SocketAddr::new(source, 0),
        _ if addr.is_ipv4() => SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
        _ => SocketAddr::new(IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED), 0),
    };
    let socket = tokio::net::UdpSocket::bind(local).await?;
    socket.connect(addr).await?;
    Ok(socket)
}

/// A place to connect from: a name, the source address the router sees, and a thread in its namespace.
pub struct Vantage {
    name: String,
    address: IpAddr,
    /// Its IPv6 address towards the router, when the lab gave it one.
    address6: Option<IpAddr>,
    namespace: Option<NetnsFd>,
    jobs: Option<mpsc::UnboundedSender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Vantage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vantage")
            .field("name", &self.name)
            .field("address", &self.address)
            .finish()
    }
}

impl Vantage {
    /// A vantage in this process's own network namespace. Its nominal address is 127.0.0.1 (what a
    /// simulator on loopback sees); towards another host the kernel picks the source.
    pub fn local(name: &str) -> Vantage {
        match Self::start(name, IpAddr::V4(Ipv4Addr::LOCALHOST), None) {
            Ok(v) => v,
            Err(e) => {
                tracing::error!(error = %e, "local vantage has no thread; its jobs will fail");
                Vantage {
                    name: name.to_string(),
                    address: IpAddr::V4(Ipv4Addr::LOCALHOST),
                    address6: None,
                    namespace: None,
                    jobs: None,
                    thread: None,
                }
            }
        }
    }

    /// A vantage in this process's namespace whose connections leave from `source`, an address of
    /// this machine (a second source for probing a remote router from outside its whitelist).
    pub fn local_bound(name: &str, source: IpAddr) -> Result<Vantage, VantageError> {
        Self::start_bound(name, source, None, Some(source), None)
    }

    /// A vantage in this process's namespace whose connections go where `translator` says
    /// (a port forward), and that the router sees as `address` (the forward's source there).
    pub fn translated(
        name: &str,
        address: IpAddr,
        translator: Translator,
    ) -> Result<Vantage, VantageError> {
        Self::start_bound(name, address, None, None, Some(translator))
    }

    /// A vantage in this process's namespace whose connections leave from `source` and go where
    /// `translator` says (the router's address on this vantage's own network, say).
    pub fn bound_translated(
        name: &str,
        source: IpAddr,
        translator: Translator,
    ) -> Result<Vantage, VantageError> {
        Self::start_bound(name, source, None, Some(source), Some(translator))
    }

    /// A vantage whose thread lives in `namespace`, where `address` is configured.
    pub fn in_namespace(
        name: &str,
        namespace: NetnsFd,
        address: IpAddr,
    ) -> Result<Vantage, VantageError> {
        Self::start(name, address, Some(namespace))
    }

    fn start(
        name: &str,
        address: IpAddr,
        namespace: Option<NetnsFd>,
    ) -> Result<Vantage, VantageError> {
        Self::start_bound(name, address, namespace, None, None)
    }

    fn start_bound(
        name: &str,
        address: IpAddr,
        namespace: Option<NetnsFd>,
        bind: Option<IpAddr>,
        translator: Option<Translator>,
    ) -> Result<Vantage, VantageError> {
        let start_err = |source| VantageError::Start {
            name: name.to_string(),
            source,
        };
        let (jobs, mut rx) = mpsc::unbounded_channel::<Job>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<std::io::Result<()>>();
        let ns = namespace.clone();
        let thread = std::thread::Builder::new()
            .name(format!("vantage-{name}"))
            .spawn(move || {
                SOURCE.with(|s| s.set(bind));
                TRANSLATE.with(|t| *t.borrow_mut() = translator);
                let setup = (|| {
                    if let Some(ns) = &ns {
                        ns.enter_current_thread()?;
                    }
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                })();
                let rt = match setup {
                    Ok(rt) => {
                        let _ = ready_tx.send(Ok(()));
                        rt
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let local = tokio::task::LocalSet::new();
                local.block_on(&rt, async move {
                    while let Some(job) = rx.recv().await {
                        tokio::task::spawn_local(job());
                    }
                });
            })
            .map_err(start_err)?;
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                let _ = thread.join();
                return Err(start_err(e));
            }
            Err(_) => {
                let _ = thread.join();
                return Err(start_err(std::io::Error::other(
                    "vantage thread ended during setup",
                )));
            }
        }
        Ok(Vantage {
            name: name.to_string(),
            address,
            address6: None,
            namespace,
            jobs: Some(jobs),
            thread: Some(thread),
        })
    }

    /// The vantage's name (`trusted`, `untrusted`, `local`, ...).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The source address the router sees from this vantage.
    pub fn address(&self) -> IpAddr {
        self.address
    }

    /// The vantage with an IPv6 address too (configured in its namespace by the lab): the
    /// source the router sees when the vantage connects to the router's IPv6 address.
    pub fn with_address6(mut self, address6: IpAddr) -> Vantage {
        self.address6 = Some(address6);
        self
    }

    /// The source address the router sees over IPv6, when the vantage has one.
    pub fn address6(&self) -> Option<IpAddr> {
        self.address6
    }

    /// The vantage's namespace (`None` for [`Vantage::local`]).
    pub fn namespace(&self) -> Option<&NetnsFd> {
        self.namespace.as_ref()
    }

    /// Runs the future made by `f` on the vantage's thread (inside its namespace) and returns its output.
    ///
    /// ```no_run
    /// # async fn demo(v: &chrlab::vantage::Vantage) {
    /// let banner = v.run(|| async {
    ///     let stream = tokio::net::TcpStream::connect("192.0.2.1:22").await;
    ///     stream.is_ok()
    /// }).await;
    /// # }
    /// ```
    ///
    /// Panics if the vantage has stopped or the job panicked; [`Vantage::try_run`] returns those as errors.
    pub async fn run<F, Fut, T>(&self, f: F) -> T
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = T> + 'static,
        T: Send + 'static,
    {
        match self.try_run(f).await {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        }
    }

    /// Like [`Vantage::run`], with a stopped vantage or a panicking job reported as an error.
    pub async fn try_run<F, Fut, T>(&self, f: F) -> Result<T, VantageError>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = T> + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            Box::pin(async move {
                let _ = tx.send(f().await);
            })
        });
        let stopped = || VantageError::Stopped {
            name: self.name.clone(),
        };
        self.jobs
            .as_ref()
            .ok_or_else(stopped)?
            .send(job)
            .map_err(|_| stopped())?;
        rx.await.map_err(|_| {
            if self.thread.as_ref().is_some_and(|t| !t.is_finished()) {
                VantageError::JobPanicked {
                    name: self.name.clone(),
                }
            } else {
                stopped()
            }
        })
    }

    /// Stops the thread; jobs still running are dropped.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            if t.thread().id() == std::thread::current().id() {
                return; // dropped from one of its own jobs: the loop ends by itself
            }
            let _ = t.join();
        }
    }
}

impl Drop for Vantage {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_runs_jobs_concurrently_and_reports_panics() {
        let v = Vantage::local("local");
        assert_eq!(v.name(), "local");
        assert_eq!(v.address(), IpAddr::V4(Ipv4Addr::LOCALHOST));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await;
        let Ok(listener) = listener else {
            panic!("bind: {listener:?}")
        };
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let connected = v.run(move || async move {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
        });
        assert!(connected.await);

        // A job waiting on another job's signal proves both run at once.
        let (tx, rx) = oneshot::channel::<u8>();
        let waiter = v.try_run(move || async move { rx.await.unwrap_or(0) });
        let sender = v.try_run(move || async move { tx.send(7).is_ok() });
        let (got, sent) = tokio::join!(waiter, sender);
        assert_eq!((got.ok(), sent.ok()), (Some(7), Some(true)));

        let panicked = v
            .try_run(|| async {
                if std::hint::black_box(true) {
                    panic!("job failure");
                }
                0u8
            })
            .await;
        assert!(
            matches!(panicked, Err(VantageError::JobPanicked { .. })),
            "{panicked:?}"
        );
        assert_eq!(
            v.try_run(|| async { 1 }).await.ok(),
            Some(1),
            "the vantage survives a panicking job"
        );
        v.shutdown();
    }

    #[tokio::test]
    async fn a_translated_vantage_connects_where_its_translator_says() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let real = listener.local_addr().unwrap();
        let router: SocketAddr = "192.0.2.1:2222".parse().unwrap();
        let translator: Translator = Arc::new(move |addr: SocketAddr| {
            if addr == router {
                Ok(real)
            } else {
                Err(io::Error::new(
                    io::ErrorKind::AddrNotAvailable,
                    "no forward",
                ))
            }
        });
        let nominal: IpAddr = "198.51.100.2".parse().unwrap();
        let v = Vantage::translated("untrusted", nominal, translator).unwrap();
        assert_eq!(v.address(), nominal);
        let accept = tokio::spawn(async move { listener.accept().await.is_ok() });
        let (ok, translated_there) = v
            .run(move || async move { (connect(router).await.is_ok(), super::translated()) })
            .await;
        assert!(ok && translated_there);
        assert!(accept.await.unwrap());
        // An address the translator refuses: the error names the address the client meant.
        let err = v
            .run(|| async { connect("203.0.113.5:22".parse().unwrap()).await.err() })
            .await
            .expect("refused");
        assert_eq!(err.kind(), io::ErrorKind::AddrNotAvailable);
        assert!(err.to_string().contains("203.0.113.5:22"), "{err}");
        // Other threads are not translated.
        assert!(!translated());
        assert_eq!(translate(router).unwrap(), router);
        v.shutdown();
    }
}
