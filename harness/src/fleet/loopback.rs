//! A fleet of embedded simulators on loopback addresses (`127.0.1.1`, `127.0.1.2`, …), each on
//! the factory ports, standing in for live routers: `chrlab bench --fleet N` and the fleet tests
//! audit them as they would a fleet in service. Binding ports below 1024 needs root.
//!
//! The simulators run on one thread of their own with its own runtime — like other machines —
//! and stop when the fleet is shut down or dropped.

use std::net::IpAddr;
use std::thread::JoinHandle;

use chrlab_sim::{Router, RouterConfig, SimOptions, TerminalOpts, Via};
use tokio::sync::oneshot;

use crate::secret::Secret;

/// One simulated router of a loopback fleet.
#[derive(Debug, Clone)]
pub struct LoopbackRouter {
    /// The loopback address its services listen on.
    pub address: IpAddr,
    /// The factory `admin`'s password (empty: a factory router).
    pub password: Secret,
}

/// Why a loopback fleet did not start.
#[derive(Debug, thiserror::Error)]
pub enum LoopbackError {
    /// A simulator could not start (an address in use, a port below 1024 without root).
    #[error("start the simulated router on {address} (ports below 1024 need root)")]
    Start {
        /// Its address.
        address: IpAddr,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The simulators' thread or runtime could not be made.
    #[error("start the simulators' thread")]
    Thread(#[source] std::io::Error),
    /// A router refused its password.
    #[error("set the password of the simulated router on {address}: {detail}")]
    Password {
        /// Its address.
        address: IpAddr,
        /// Why.
        detail: String,
    },
}

/// Simulated routers on loopback addresses.
pub struct LoopbackFleet {
    routers: Vec<(IpAddr, Router)>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// `127.0.1.1` … `127.0.1.n` (n at most 254).
pub fn addresses(n: usize) -> Vec<IpAddr> {
    (1..=n.min(254))
        .map(|i| IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 1, i as u8)))
        .collect()
}

type Started = Result<Vec<(IpAddr, Router)>, LoopbackError>;

impl LoopbackFleet {
    /// Starts every router (each with the default simulated RouterOS, on its factory ports) and
    /// returns once all of them listen.
    pub async fn start(routers: Vec<LoopbackRouter>) -> Result<LoopbackFleet, LoopbackError> {
        let (ready_tx, ready_rx) = oneshot::channel::<Started>();
        let (stop, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("loopback-fleet".into())
            .spawn(move || serve(routers, ready_tx, stop_rx))
            .map_err(LoopbackError::Thread)?;
        let mut fleet = LoopbackFleet {
            routers: Vec::new(),
            stop: Some(stop),
            thread: Some(thread),
        };
        match ready_rx.await {
            Ok(Ok(routers)) => {
                fleet.routers = routers;
                Ok(fleet)
            }
            Ok(Err(e)) => Err(e),
            Err(_) => Err(LoopbackError::Thread(std::io::Error::other(
                "the simulators' thread ended early",
            ))),
        }
    }

    /// The routers' addresses, in the order given.
    pub fn addresses(&self) -> Vec<IpAddr> {
        self.routers.iter().map(|(a, _)| *a).collect()
    }

    /// The model of the router at `address`, for tests that look behind the curtain.
    pub fn router(&self, address: IpAddr) -> Option<&Router> {
        self.routers
            .iter()
            .find(|(a, _)| *a == address)
            .map(|(_, r)| r)
    }

    /// Stops every simulator.
    pub async fn shutdown(mut self) {
        let _ = tokio::task::spawn_blocking(move || self.stop_now()).await;
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for LoopbackFleet {
    fn drop(&mut self) {
        self.stop_now();
    }
}

fn serve(
    routers: Vec<LoopbackRouter>,
    ready: oneshot::Sender<Started>,
    stop: oneshot::Receiver<()>,
) {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("loopback-fleet-worker")
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = ready.send(Err(LoopbackError::Thread(e)));
            return;
        }
    };
    runtime.block_on(async move {
        let starts = routers.iter().map(|r| {
            chrlab_sim::start(SimOptions {
                address: r.address,
                port_offset: 0,
                router: RouterConfig::default(),
                netns: None,
            })
        });
        let results = futures::future::join_all(starts).await;
        let mut handles = Vec::new();
        let mut failure = None;
        for (r, result) in routers.iter().zip(results) {
            match result {
                Ok(h) => handles.push((r, h)),
                Err(e) if failure.is_none() => {
                    failure = Some(LoopbackError::Start {
                        address: r.address,
                        source: Box::new(e),
                    });
                }
                Err(_) => {}
            }
        }
        if failure.is_none() {
            for (r, h) in &handles {
                if let Err(detail) = set_password(h.router(), &r.password) {
                    failure = Some(LoopbackError::Password {
                        address: r.address,
                        detail,
                    });
                    break;
                }
            }
        }
        match failure {
            Some(e) => {
                let _ = ready.send(Err(e));
            }
            None => {
                let models = handles
                    .iter()
                    .map(|(r, h)| (r.address, h.router().clone()))
                    .collect();
                let _ = ready.send(Ok(models));
                let _ = stop.await;
            }
        }
        futures::future::join_all(handles.into_iter().map(|(_, h)| h.shutdown())).await;
    });
}

/// Gives the factory `admin` a password, as its owner would on the console.
fn set_password(router: &Router, password: &Secret) -> Result<(), String> {
    if password.is_empty() {
        return Ok(());
    }
    let session = router
        .login("admin", "", Via::Local, None)
        .map_err(|e| format!("the factory admin cannot log in: {e:?}"))?;
    let mut term = router.terminal(
        &session,
        TerminalOpts {
            interactive: false,
            colors: false,
            width: 200,
        },
    );
    let result = term.set_password(password.expose());
    router.logout(&session);
    result
}
