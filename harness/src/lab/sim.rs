//! The `sim` backend: the embedded RouterOS simulator in its own network namespace, probed
//! from a trusted and an untrusted namespace over a bridge (see [`super::netns`]). The
//! simulator's input-chain firewall is enforced there by nftables.
//!
//! The simulator runs on a thread of its own with its own runtime — like a separate machine —
//! so a lab outlives the test or command runtime that built it and can be shared by tests.

use std::path::PathBuf;
use std::thread::JoinHandle;

use async_trait::async_trait;
pub use chrlab_sim::CheckFailure;
use chrlab_sim::firewall::Enforcer;
use chrlab_sim::{Router, RouterConfig, SimOptions};
use routeros::version::Version;
use tokio::sync::oneshot;

/// How long the lab's simulated router stays down in a reboot ([`RouterConfig::boot_time`]).
pub const SIM_LAB_BOOT_TIME: std::time::Duration = std::time::Duration::from_millis(150);

use super::netns::NamespaceLab;
use super::{Lab, LabError, RebootTiming, Role, UpdateCheckTiming};
use crate::access::{Access, Credentials};
use crate::probe::ProbeTiming;
use crate::vantage::Vantage;

/// The RouterOS version the embedded simulator reports unless told otherwise.
pub const DEFAULT_VERSION: &str = "7.23.7";
/// The version its simulated upgrade server offers, so the update measure can be applied.
pub const DEFAULT_LATEST: &str = "7.24.4";

/// How long [`SimLab::settle`] waits for the simulator to follow its configuration: far more
/// than it takes on a loaded machine; it only bounds a failure.
pub const SETTLE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// How to build a simulator lab.
#[derive(Debug, Clone)]
pub struct SimLabConfig {
    /// Version the router runs.
    pub version: Version,
    /// What `check-for-updates` finds (`None`: the router is offline).
    pub latest_version: Option<Version>,
    /// Identity (default: the version's factory identity).
    pub identity: Option<String>,
    /// Where the router keeps its state across restarts (`None`: in memory).
    pub state_dir: Option<PathBuf>,
    /// How long the simulator's listeners take to follow a change of `/ip service`
    /// ([`RouterConfig::listener_delay`]; 0 by default, tests stand in for a loaded machine).
    pub listener_delay: std::time::Duration,
    /// How long the router's update check takes ([`RouterConfig::update_check_time`]).
    pub update_check_time: std::time::Duration,
    /// Set: the router's update checks fail with this error.
    pub update_failure: Option<CheckFailure>,
}

impl Default for SimLabConfig {
    fn default() -> Self {
        SimLabConfig {
            version: Version::parse(DEFAULT_VERSION).unwrap_or(Version::new(7, 23, 7)),
            latest_version: Version::parse(DEFAULT_LATEST).ok(),
            identity: None,
            state_dir: None,
            listener_delay: std::time::Duration::ZERO,
            update_check_time: RouterConfig::default().update_check_time,
            update_failure: None,
        }
    }
}

/// A running simulator lab.
pub struct SimLab {
    access: Access,
    net: Option<NamespaceLab>,
    router: Router,
    enforcer: Option<Enforcer>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    version: Version,
    update_check_time: std::time::Duration,
}

impl SimLab {
    /// Builds the namespaces, starts the simulator in the router namespace and enforces its
    /// firewall there. Needs root (or an unprivileged user namespace entered beforehand).
    pub async fn start(config: SimLabConfig) -> Result<SimLab, LabError> {
        let net = NamespaceLab::create().await.map_err(LabError::Namespaces)?;
        let address = net.router_addr;
        let factory = RouterConfig::for_version(config.version);
        let router_config = RouterConfig {
            identity: config.identity.clone().unwrap_or(factory.identity),
            latest_version: config.latest_version,
            state_dir: config.state_dir.clone(),
            firewall_enforced: true,
            listener_delay: config.listener_delay,
            update_check_time: config.update_check_time,
            update_failure: config.update_failure.clone(),
            // A second NIC, ether2, wired to nothing: a CHR started with two virtual NICs, only
            // the first on the lab's bridge (the unused interface the device measure disables).
            ethernets: 2,
            // The outage of a reboot: its shape (sessions cut, ports refusing, then back) is what
            // the harness must handle; 150 ms is 7 of the apply's 20 ms polls, so the going-down
            // is always seen, without making every `chrlab check` wait out the default 300 ms.
            boot_time: SIM_LAB_BOOT_TIME,
            ..factory
        };
        let opts = SimOptions {
            address,
            port_offset: 0,
            router: router_config,
            netns: Some(net.router_ns.clone()),
        };
        let (ready_tx, ready_rx) = oneshot::channel();
        let (stop, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("sim-router".into())
            .spawn(move || run_router(opts, ready_tx, stop_rx))
            .map_err(|e| LabError::Simulator(Box::new(e)))?;
        let router = match ready_rx.await {
            Ok(Ok(router)) => router,
            Ok(Err(e)) => return Err(LabError::Simulator(e)),
            Err(_) => return Err(LabError::Simulator("the router thread ended early".into())),
        };
        // The address the lab reaches the router at, on ether1, as the QEMU lab configures a
        // CHR at first boot (a fresh router's /ip address is empty).
        router
            .add_address(&format!("{address}/{}", super::netns::PREFIX_LEN), "ether1")
            .map_err(|e| LabError::Simulator(e.message.into()))?;
        let enforcer = Enforcer::spawn(net.router_ns.clone(), router.watch_firewall());
        enforcer
            .settled()
            .await
            .map_err(|e| LabError::Simulator(Box::new(e)))?;
        tracing::info!(%address, version = %config.version, setup = ?net.setup_time, "simulator lab ready");
        Ok(SimLab {
            access: Access::new(address, Credentials::factory()),
            net: Some(net),
            router,
            enforcer: Some(enforcer),
            stop: Some(stop),
            thread: Some(thread),
            version: config.version,
            update_check_time: config.update_check_time,
        })
    }

    /// The simulated router's model, for tests that need to look behind the curtain.
    pub fn router(&self) -> &Router {
        &self.router
    }

    /// The router's network namespace (where its listeners bind), for tests that put something
    /// else there.
    pub fn router_namespace(&self) -> Option<&chrlab_sim::netns::NetnsFd> {
        self.net.as_ref().map(|n| &n.router_ns)
    }

    /// Waits until the router has done what it was told: its listeners follow `/ip service` as
    /// it is now and its firewall configuration is in force in the kernel. Gives up after
    /// [`SETTLE_DEADLINE`] and names what did not settle.
    pub async fn settle(&self) -> Result<(), LabError> {
        let listeners = self.router.settled(SETTLE_DEADLINE);
        let firewall = async {
            match &self.enforcer {
                Some(e) => match tokio::time::timeout(SETTLE_DEADLINE, e.settled()).await {
                    Ok(done) => done.map_err(|e| format!("the firewall is not in force: {e}")),
                    Err(_) => Err(format!(
                        "the firewall was not in force within {SETTLE_DEADLINE:?}"
                    )),
                },
                None => Ok(()),
            }
        };
        let (listeners, firewall) = futures::join!(listeners, firewall);
        let problems: Vec<String> = [listeners.map_err(|e| e.to_string()), firewall]
            .into_iter()
            .filter_map(Result::err)
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(LabError::Unsettled(problems.join("; ")))
        }
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(enforcer) = self.enforcer.take() {
            enforcer.shutdown();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        // The namespaces vanish with their last file descriptor.
        self.net = None;
    }
}

/// Why the simulator's thread could not start it.
type SimStartError = Box<dyn std::error::Error + Send + Sync>;

fn run_router(
    opts: SimOptions,
    ready: oneshot::Sender<Result<Router, SimStartError>>,
    stop: oneshot::Receiver<()>,
) {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("sim-router-worker")
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = ready.send(Err(Box::new(e)));
            return;
        }
    };
    runtime.block_on(async move {
        match chrlab_sim::start(opts).await {
            Ok(handle) => {
                let _ = ready.send(Ok(handle.router().clone()));
                let _ = stop.await;
                handle.shutdown().await;
            }
            Err(e) => {
                let _ = ready.send(Err(Box::new(e)));
            }
        }
    });
}

impl Drop for SimLab {
    fn drop(&mut self) {
        self.stop_now();
    }
}

#[async_trait]
impl Lab for SimLab {
    fn describe(&self) -> String {
        // The version is the router's to report (an update changes it): see `version_hint`.
        format!(
            "embedded simulator at {} (network namespaces, nftables firewall)",
            self.access.address()
        )
    }

    fn version_hint(&self) -> Option<String> {
        Some(self.version.to_string())
    }

    fn access(&self) -> &Access {
        &self.access
    }

    fn vantage(&self, role: Role) -> Option<&Vantage> {
        let net = self.net.as_ref()?;
        Some(match role {
            Role::Trusted => &net.trusted,
            Role::Untrusted => &net.untrusted,
        })
    }

    fn router_addr6(&self) -> Option<std::net::IpAddr> {
        // The simulator owns its namespace, so it listens on its bridge's IPv6 address too.
        self.net.as_ref().map(NamespaceLab::router_addr6)
    }

    fn timing(&self) -> ProbeTiming {
        ProbeTiming::LOCAL
    }

    fn reboot_timing(&self) -> RebootTiming {
        // The simulator reboots in a fraction of a second; these only bound a failure.
        RebootTiming {
            going_down: std::time::Duration::from_secs(5),
            booting: std::time::Duration::from_secs(10),
        }
    }

    fn update_check_timing(&self) -> UpdateCheckTiming {
        // The simulator's check takes its configured time; these only bound a failure.
        let t = self.update_check_time;
        UpdateCheckTiming {
            stale: t,
            deadline: t * 10 + std::time::Duration::from_secs(5),
            poll: std::time::Duration::from_millis(10),
        }
    }

    async fn settle(&self) -> Result<(), LabError> {
        SimLab::settle(self).await
    }

    fn can_power_cycle(&self) -> bool {
        true
    }

    async fn power_cycle(&self) -> Result<(), LabError> {
        // The simulator's front ends carry the reboot out: wait until it is up again.
        let mut power = self.router.watch_power();
        power.borrow_and_update();
        self.router.power_cycle();
        let up = power.wait_for(|p| *p == chrlab_sim::router::Power::Up);
        match tokio::time::timeout(self.reboot_timing().booting, up).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(_)) => Err(LabError::Unsettled("the simulated router is gone".into())),
            Err(_) => Err(LabError::Unsettled(
                "the simulated router did not come back from its power cycle".into(),
            )),
        }
    }

    async fn shutdown(self: Box<Self>) {
        // Joining the router thread blocks; keep it off the async workers.
        let _ = tokio::task::spawn_blocking(move || drop(self)).await;
    }
}
