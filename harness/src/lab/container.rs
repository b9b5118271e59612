//! The `container` backend: a router in a container of the local Docker engine, started through
//! testcontainers' async runner, on two networks of its own — trusted and untrusted, each a
//! documentation /28 ([`crate::container::subnet`]) — and probed from this machine's address on
//! each bridge (the block's gateway, `.1`): the router sees two distinct source addresses, as a
//! router in service sees its admins and the internet. A port the router's firewall drops looks
//! as it does on a wire: the SYN goes unanswered (filtered); a rejected one answers RST or ICMP.
//!
//! Three layouts of image, told by the image's `org.chrlab.layout` label or
//! `$CHRLAB_CONTAINER_LAYOUT`:
//! * `sim` — `images/container/sim/`: ros-sim is the container's process, with its firewall
//!   enforced by nftables in the container's own network namespace (CAP_NET_ADMIN). Ready when it
//!   prints `ready: RouterOS …`.
//! * `docker-routeros` — `images/container/chr/` (and the docker-routeros family it follows): a
//!   CHR disk under QEMU inside the container, each container interface bridged to one of the
//!   VM's NICs so that the router owns the container's addresses. The serial console is a socket
//!   in the lab's run directory (bind-mounted); the first login configures the addresses the
//!   entrypoint names (`chrlab-chr: ether1 eth0 …`), as the QEMU backend's first boot does.
//! * `mikrotik` — MikroTik's own CHR container image (RouterOS 7.22 and later). What is known
//!   and what is assumed is in the README: chrlab treats the container as the router itself
//!   (its addresses are the router's), with no log marker: ready when REST or SSH answers.
//!
//! Everything the lab makes is labelled and owned ([`crate::container::owner`]): removed when
//! the lab drops (also mid-start, when a signal stops the run), reaped by the next run after a
//! SIGKILL.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use testcontainers::core::Mount;
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};
use tokio::io::AsyncBufReadExt;

use super::{Lab, LabError, RebootTiming, Role, UpdateCheckTiming};
use crate::access::{Access, Credentials};
use crate::container::owner::{self, Owner, RUN_LABEL};
use crate::container::subnet::Block;
use crate::container::{ContainerError, Engine};
use crate::probe::ProbeTiming;
use crate::qemu::Accel;
use crate::qemu::firstboot::{ConsoleLogin, first_login};
use crate::secret::Secret;
use crate::vantage::Vantage;

/// The image label that names its layout.
pub const LAYOUT_LABEL: &str = "org.chrlab.layout";
/// The image label that names the RouterOS version it runs (the simulator image sets it).
pub const VERSION_LABEL: &str = "org.chrlab.routeros-version";
/// Overrides (or supplies) the layout.
pub const LAYOUT_ENV: &str = "CHRLAB_CONTAINER_LAYOUT";
/// Where the lab's run directory appears inside a `docker-routeros` container.
pub const RUN_DIR_IN_CONTAINER: &str = "/run/chrlab";

/// How an image runs its router.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// ros-sim is the container's process.
    Sim,
    /// A CHR under QEMU inside the container, bridged to the container's interfaces.
    DockerRouterOs,
    /// MikroTik's own CHR container image (assumed: the container is the router).
    Mikrotik,
}

impl Layout {
    /// Every layout.
    pub const ALL: [Layout; 3] = [Layout::Sim, Layout::DockerRouterOs, Layout::Mikrotik];

    /// The name labels and the environment use.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Sim => "sim",
            Layout::DockerRouterOs => "docker-routeros",
            Layout::Mikrotik => "mikrotik",
        }
    }

    /// The layout called `name`.
    pub fn parse(name: &str) -> Result<Layout, String> {
        Layout::ALL
            .into_iter()
            .find(|l| l.name() == name)
            .ok_or_else(|| {
                format!(
                    "unknown container layout `{name}` (expected {})",
                    Layout::ALL.map(|l| l.name()).join(", ")
                )
            })
    }

    /// The line on the container's stdout that says the router (or its VM) has started.
    pub fn marker(self) -> Option<&'static str> {
        match self {
            Layout::Sim => Some("ready: RouterOS "),
            Layout::DockerRouterOs => Some("chrlab-chr: starting qemu"),
            Layout::Mikrotik => None,
        }
    }
}

/// Reads the layout: `$CHRLAB_CONTAINER_LAYOUT` (given as `forced`) wins over the image's label.
pub fn choose_layout(
    image: &str,
    forced: Option<&str>,
    labels: &HashMap<String, String>,
) -> Result<Layout, String> {
    if let Some(name) = forced.filter(|n| !n.is_empty()) {
        return Layout::parse(name).map_err(|e| format!("{LAYOUT_ENV}: {e}"));
    }
    match labels.get(LAYOUT_LABEL) {
        Some(name) => {
            Layout::parse(name).map_err(|e| format!("image {image}, label {LAYOUT_LABEL}: {e}"))
        }
        None => Err(format!(
            "image {image} does not say how it runs its router (no label {LAYOUT_LABEL}): set {LAYOUT_ENV} to one of {}",
            Layout::ALL.map(|l| l.name()).join(", ")
        )),
    }
}

/// Checks an image reference (`name[:tag]`, with an optional registry and path) and splits off
/// its tag (`latest` when there is none).
pub fn split_image(text: &str) -> Result<(String, String), String> {
    if text.is_empty() {
        return Err("empty image name (expected container:<image[:tag]>)".into());
    }
    if text.starts_with('-') || text.starts_with('/') || text.ends_with(':') {
        return Err(format!("`{text}` is not an image name"));
    }
    if text.contains('@') {
        return Err("image digests are not supported: name the image by a tag".into());
    }
    if let Some(bad) = text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':')))
    {
        return Err(format!(
            "image name `{text}` has a character {bad:?} no image name has"
        ));
    }
    let last = text.rsplit('/').next().unwrap_or(text);
    match last.rsplit_once(':') {
        Some((_, tag)) => {
            let name = &text[..text.len() - tag.len() - 1];
            Ok((name.to_string(), tag.to_string()))
        }
        None => Ok((text.to_string(), "latest".to_string())),
    }
}

/// How to build a container lab.
#[derive(Debug, Clone)]
pub struct ContainerLabConfig {
    /// The lab as named (for reports).
    pub name: String,
    /// The image, `name[:tag]`.
    pub image: String,
    /// Force a layout (else `$CHRLAB_CONTAINER_LAYOUT`, else the image's label).
    pub layout: Option<Layout>,
    /// The router's administrator as the image starts it (a fresh CHR and the simulator:
    /// `admin`, empty password).
    pub login: ConsoleLogin,
    /// A CHR layout's accelerator (else KVM when it really works, TCG otherwise).
    pub accel: Option<Accel>,
    /// A CHR layout's guest memory.
    pub memory_mib: u32,
}

impl ContainerLabConfig {
    /// A factory router in `image`.
    pub fn new(name: impl Into<String>, image: impl Into<String>) -> ContainerLabConfig {
        ContainerLabConfig {
            name: name.into(),
            image: image.into(),
            layout: None,
            login: ConsoleLogin {
                user: "admin".into(),
                password: Secret::new(""),
                new_password: None,
            },
            accel: None,
            memory_mib: 256,
        }
    }
}

/// A router in a container.
pub struct ContainerLab {
    name: String,
    image: String,
    layout: Layout,
    version: Option<String>,
    access: Access,
    trusted: Option<Vantage>,
    untrusted: Option<Vantage>,
    blocks: Vec<Block>,
    networks: Vec<String>,
    container: Option<ContainerAsync<GenericImage>>,
    container_id: Option<String>,
    accel: Option<Accel>,
    limitations: Vec<crate::lab::Limitation>,
    owner: Option<Owner>,
    started: Duration,
}

fn engine_error(name: &str, e: ContainerError) -> LabError {
    LabError::Machine {
        target: name.to_string(),
        source: Box::new(e),
    }
}

/// How long the container may take to print its marker (a CHR layout's VM boots afterwards).
const MARKER_DEADLINE: Duration = Duration::from_secs(120);

impl ContainerLab {
    /// Builds the networks, starts the container, waits for its marker, configures a CHR's
    /// addresses through its console, and waits until the router answers with the current
    /// credentials. Whatever was made is removed if any step fails (or the future is dropped).
    pub async fn start(config: ContainerLabConfig) -> Result<ContainerLab, LabError> {
        let began = Instant::now();
        let name = config.name.clone();
        let target = |detail: String| LabError::Target {
            target: name.clone(),
            detail,
        };
        let (repo, tag) = split_image(&config.image).map_err(target)?;
        let engine = Engine::connect()
            .await
            .map_err(|e| engine_error(&name, e))?;
        if let Err(e) = owner::reap(&engine).await {
            tracing::warn!(error = %e, "cannot reap what earlier runs left");
        }
        let labels = engine
            .image_labels(&config.image)
            .await
            .map_err(|e| engine_error(&name, e))?
            .ok_or_else(|| {
                target(format!(
                    "the Docker engine has no image {} (no registry is asked): build it (images/container/sim/build.sh {0}, images/container/chr/build.sh) or `docker load` it",
                    config.image
                ))
            })?;
        let forced = std::env::var(LAYOUT_ENV).ok();
        let layout = match config.layout {
            Some(l) => l,
            None => choose_layout(&config.image, forced.as_deref(), &labels).map_err(target)?,
        };
        let owner = Owner::new().map_err(|e| {
            engine_error(
                &name,
                ContainerError::Setup(format!(
                    "run directory under {}: {e}",
                    owner::base().display()
                )),
            )
        })?;
        let mut lab = ContainerLab {
            name: name.clone(),
            image: config.image.clone(),
            layout,
            version: labels.get(VERSION_LABEL).cloned(),
            access: Access::new(
                IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                Credentials {
                    user: config.login.user.clone(),
                    password: config.login.password.clone(),
                },
            ),
            trusted: None,
            untrusted: None,
            blocks: Vec::new(),
            networks: Vec::new(),
            container: None,
            container_id: None,
            accel: None,
            limitations: Vec::new(),
            owner: Some(owner),
            started: Duration::ZERO,
        };
        lab.build(&engine, &config, &repo, &tag).await?;
        lab.started = began.elapsed();
        tracing::info!(lab = %lab.describe(), elapsed = ?lab.started, "container lab ready");
        Ok(lab)
    }

    async fn build(
        &mut self,
        engine: &Engine,
        config: &ContainerLabConfig,
        repo: &str,
        tag: &str,
    ) -> Result<(), LabError> {
        let name = self.name.clone();
        let err = |e: ContainerError| engine_error(&name, e);
        let labels = self.owner().labels();
        let id = self.owner().id().to_string();
        for role in Role::ALL {
            let (net, block) = engine
                .create_network(&format!("chrlab-{id}-{role}"), &self.blocks, &labels)
                .await
                .map_err(err)?;
            self.networks.push(net);
            self.blocks.push(block);
        }
        let (trusted, untrusted) = (self.blocks[0], self.blocks[1]);
        // Nothing holds the access yet: it can still be replaced by one at the router's address.
        self.access = Access::new(IpAddr::V4(trusted.router()), self.access.credentials());
        engine.prepare_testcontainers().map_err(err)?;

        let mut request = GenericImage::new(repo, tag)
            .with_network(format!("chrlab-{id}-{}", Role::Trusted))
            .with_container_name(format!("chrlab-{id}"))
            .with_labels(labels.clone())
            .with_cap_add("NET_ADMIN")
            .with_startup_timeout(Duration::from_secs(60));
        if self.layout == Layout::DockerRouterOs {
            let (accel, why) = super::qemu::choose_accel(config.accel);
            tracing::info!(accel = accel.name(), %why, "container's QEMU accelerator");
            self.accel = Some(accel);
            let kvm = accel == Accel::Kvm;
            request = request
                .with_env_var("CHRLAB_WAIT_INTERFACES", "2")
                .with_env_var("CHRLAB_QEMU_ACCEL", accel.name())
                .with_env_var("CHRLAB_QEMU_MEMORY", config.memory_mib.to_string())
                .with_env_var("CHRLAB_RUN_DIR", RUN_DIR_IN_CONTAINER)
                .with_mount(Mount::bind_mount(
                    self.owner().dir().display().to_string(),
                    RUN_DIR_IN_CONTAINER,
                ))
                .with_host_config_modifier(move |host| {
                    let mut devices = vec![device("/dev/net/tun")];
                    if kvm {
                        devices.push(device("/dev/kvm"));
                    }
                    host.devices = Some(devices);
                });
        }
        tracing::info!(image = %self.image, layout = self.layout.name(), "starting the router's container");
        let container = request.start().await.map_err(|source| {
            err(ContainerError::Testcontainers {
                what: format!("start a container of {}", self.image),
                source,
            })
        })?;
        let container_id = container.id().to_string();
        self.container_id = Some(container_id.clone());
        self.container = Some(container);
        engine
            .connect_network(&self.networks[1], &container_id, untrusted.router())
            .await
            .map_err(err)?;

        let lines = match self.layout.marker() {
            Some(marker) => self.wait_marker(marker).await?,
            None => Vec::new(),
        };
        match self.layout {
            Layout::Sim => {
                if !lines.iter().any(|l| l.starts_with("firewall: enforced")) {
                    self.limitations
                        .push(crate::lab::Limitation::FirewallNotEnforced(format!(
                            "the simulator in {} does not enforce its firewall (its output: {})",
                            self.image,
                            lines.join(" | ")
                        )));
                }
            }
            Layout::DockerRouterOs => self.first_boot(config, &lines).await?,
            Layout::Mikrotik => self.limitations.push(crate::lab::Limitation::Unverified(
                "MikroTik's CHR container layout is assumed, not verified here (see the README)"
                    .into(),
            )),
        }

        let start_err = |e: crate::vantage::VantageError| LabError::Unreachable {
            target: name.clone(),
            detail: "a vantage on a bridge of this machine".into(),
            source: Some(Box::new(e)),
        };
        self.trusted = Some(
            Vantage::local_bound("trusted", IpAddr::V4(trusted.gateway())).map_err(start_err)?,
        );
        // The untrusted vantage reaches the router at its address on the untrusted network.
        let (from, to) = (trusted.router(), untrusted.router());
        let translator: crate::vantage::Translator = Arc::new(move |addr: SocketAddr| {
            Ok(match addr.ip() {
                IpAddr::V4(ip) if ip == from => SocketAddr::new(IpAddr::V4(to), addr.port()),
                _ => addr,
            })
        });
        self.untrusted = Some(
            Vantage::bound_translated("untrusted", IpAddr::V4(untrusted.gateway()), translator)
                .map_err(start_err)?,
        );
        let deadline = match self.accel {
            Some(a) => a.boot_deadline(),
            None => Duration::from_secs(60),
        };
        super::ready::wait(self, &name, deadline).await
    }

    fn owner(&self) -> &Owner {
        self.owner
            .as_ref()
            .expect("a lab has its owner until it is dropped")
    }

    /// Reads the container's stdout until `marker`, returning every line so far.
    async fn wait_marker(&self, marker: &str) -> Result<Vec<String>, LabError> {
        let Some(container) = &self.container else {
            return Ok(Vec::new());
        };
        let mut stdout = container.stdout(true);
        let mut lines = Vec::new();
        let deadline = Instant::now() + MARKER_DEADLINE;
        loop {
            let mut line = String::new();
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, stdout.read_line(&mut line)).await {
                Ok(Ok(0)) | Ok(Err(_)) => {
                    let stderr = container.stderr_to_vec().await.unwrap_or_default();
                    return Err(LabError::Machine {
                        target: self.name.clone(),
                        source: Box::new(ContainerError::Setup(format!(
                            "the container stopped before printing `{marker}` (stdout: {}; stderr: {})",
                            lines.join(" | "),
                            tail(&String::from_utf8_lossy(&stderr), 1500)
                        ))),
                    });
                }
                Ok(Ok(_)) => {
                    let line = line.trim_end().to_string();
                    tracing::debug!(%line, "container stdout");
                    let done = line.contains(marker);
                    lines.push(line);
                    if done {
                        return Ok(lines);
                    }
                }
                Err(_) => {
                    return Err(LabError::Machine {
                        target: self.name.clone(),
                        source: Box::new(ContainerError::Setup(format!(
                            "no `{marker}` on the container's stdout within {MARKER_DEADLINE:?} (so far: {})",
                            lines.join(" | ")
                        ))),
                    });
                }
            }
        }
    }

    /// A CHR's first console login: the addresses the entrypoint named, on the ethers it named.
    async fn first_boot(
        &mut self,
        config: &ContainerLabConfig,
        lines: &[String],
    ) -> Result<(), LabError> {
        let name = self.name.clone();
        let fail = |detail: String| LabError::Machine {
            target: name.clone(),
            source: Box::new(ContainerError::Setup(detail)),
        };
        let ethers = parse_ether_lines(lines);
        let mut commands = Vec::new();
        for (block, eth) in self.blocks.iter().zip(["eth0", "eth1"]) {
            let Some(e) = ethers.iter().find(|e| e.eth == eth) else {
                return Err(fail(format!(
                    "the entrypoint named no ether for {eth} (its output: {})",
                    lines.join(" | ")
                )));
            };
            if e.address != block.router() {
                return Err(fail(format!(
                    "the entrypoint says {eth} had {}, the lab gave it {}",
                    e.address,
                    block.router()
                )));
            }
            commands.push(format!(
                "/ip address add address={}/{} interface={}",
                e.address, e.prefix, e.ether
            ));
        }
        let socket = self.owner().dir().join("console.sock");
        let accel = self.accel.unwrap_or(Accel::Tcg);
        let wait_until = Instant::now() + Duration::from_secs(30);
        while !socket.exists() && Instant::now() < wait_until {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut console = crate::qemu::console::Console::connect(
            &socket,
            Some(self.owner().dir().join("console.log")),
        )
        .await
        .map_err(|e| fail(format!("console: {e}")))?;
        let report = first_login(
            &mut console,
            &config.login,
            &commands,
            accel.boot_deadline(),
            Duration::from_secs(30),
        )
        .await
        .map_err(|e| {
            fail(format!(
                "first console login: {e} (console: {})",
                console.tail(600)
            ))
        })?;
        tracing::info!(?report, "first console login done");
        Ok(())
    }

    /// How long the lab took to be ready.
    pub fn start_time(&self) -> Duration {
        self.started
    }

    /// The container's id.
    pub fn container_id(&self) -> Option<&str> {
        self.container_id.as_deref()
    }

    /// The run's id (the value of every resource's `chrlab` label).
    pub fn run_id(&self) -> Option<&str> {
        self.owner.as_ref().map(|o| o.id())
    }

    /// The lab's run directory (a CHR layout's console socket and log are there).
    pub fn run_dir(&self) -> Option<&std::path::Path> {
        self.owner.as_ref().map(|o| o.dir())
    }

    /// The layout the lab runs.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The subnets of the trusted and untrusted networks.
    pub fn subnets(&self) -> Vec<String> {
        self.blocks.iter().map(|b| b.cidr()).collect()
    }

    fn stop_now(&mut self) {
        for v in [self.trusted.take(), self.untrusted.take()]
            .into_iter()
            .flatten()
        {
            v.shutdown();
        }
        // testcontainers removes a container from its Drop only inside a runtime, and panics
        // outside one; the lab removes it itself, by its run's label (which also finds one that
        // testcontainers created but never handed over).
        if let Some(container) = self.container.take() {
            std::mem::forget(container);
        }
        let Some(owner) = self.owner.take() else {
            return;
        };
        let run = owner.id().to_string();
        let networks = std::mem::take(&mut self.networks);
        let cleanup = crate::container::on_own_thread("container-lab-cleanup", async move {
            remove_run(&run, &networks).await
        });
        match cleanup {
            Ok(handle) => {
                let _ = handle.join();
            }
            Err(e) => tracing::error!(error = %e, "cannot remove the lab's containers"),
        }
        // Last: the lock goes only once nothing of the run is left (or the next run reaps it).
        drop(owner);
    }
}

/// Removes every container labelled with run `run`, then `networks`.
async fn remove_run(run: &str, networks: &[String]) {
    use testcontainers::bollard::query_parameters::ListContainersOptions;
    let engine = match Engine::connect().await {
        Ok(e) => e,
        Err(e) => {
            tracing::error!(error = %e, "cannot reach the engine to remove the lab");
            return;
        }
    };
    let filters = HashMap::from([("label".to_string(), vec![format!("{RUN_LABEL}={run}")])]);
    match engine
        .docker()
        .list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(filters),
            ..Default::default()
        }))
        .await
    {
        Ok(containers) => {
            for id in containers.into_iter().filter_map(|c| c.id) {
                if let Err(e) = engine.remove_container(&id).await {
                    tracing::error!(error = %e, "cannot remove the lab's container");
                }
            }
        }
        Err(e) => tracing::error!(error = %e, "cannot list the lab's containers"),
    }
    for net in networks {
        if let Err(e) = engine.remove_network(net).await {
            tracing::error!(error = %e, "cannot remove the lab's network");
        }
    }
}

fn device(path: &str) -> testcontainers::bollard::models::DeviceMapping {
    testcontainers::bollard::models::DeviceMapping {
        path_on_host: Some(path.into()),
        path_in_container: Some(path.into()),
        cgroup_permissions: Some("rwm".into()),
    }
}

/// One `chrlab-chr: ether<K> eth<J> <addr>/<prefix> mac <mac>` line of the CHR entrypoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EtherLine {
    /// The router's interface (`ether1`).
    pub ether: String,
    /// The container's interface bridged to it (`eth0`).
    pub eth: String,
    /// The container's address, which the router takes.
    pub address: Ipv4Addr,
    /// Its prefix length.
    pub prefix: u8,
}

/// The entrypoint's interface lines among `lines`.
pub fn parse_ether_lines(lines: &[String]) -> Vec<EtherLine> {
    lines
        .iter()
        .filter_map(|l| {
            let rest = l.strip_prefix("chrlab-chr: ")?;
            let words: Vec<&str> = rest.split_whitespace().collect();
            let [ether, eth, cidr, ..] = words[..] else {
                return None;
            };
            if !ether.starts_with("ether") || !eth.starts_with("eth") {
                return None;
            }
            let (addr, prefix) = cidr.split_once('/')?;
            Some(EtherLine {
                ether: ether.into(),
                eth: eth.into(),
                address: addr.parse().ok()?,
                prefix: prefix.parse().ok()?,
            })
        })
        .collect()
}

fn tail(text: &str, n: usize) -> String {
    let start = text.len().saturating_sub(n);
    let start = (start..=text.len())
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(text.len());
    text[start..].trim().to_string()
}

impl Drop for ContainerLab {
    fn drop(&mut self) {
        self.stop_now();
    }
}

#[async_trait]
impl Lab for ContainerLab {
    fn describe(&self) -> String {
        let mut text = format!(
            "container of {} ({} layout) at {}",
            self.image,
            self.layout.name(),
            self.access.address()
        );
        if !self.blocks.is_empty() {
            text.push_str(&format!(", networks {}", self.subnets().join(" and ")));
        }
        if let Some(a) = self.accel {
            text.push_str(&format!(", QEMU {}", a.name()));
        }
        text
    }

    fn version_hint(&self) -> Option<String> {
        self.version.clone()
    }

    fn access(&self) -> &Access {
        &self.access
    }

    fn vantage(&self, role: Role) -> Option<&Vantage> {
        match role {
            Role::Trusted => self.trusted.as_ref(),
            Role::Untrusted => self.untrusted.as_ref(),
        }
    }

    fn timing(&self) -> ProbeTiming {
        match self.layout {
            Layout::Sim => ProbeTiming::LOCAL,
            Layout::DockerRouterOs | Layout::Mikrotik => super::qemu::MACHINE_TIMING,
        }
    }

    fn reboot_timing(&self) -> RebootTiming {
        match (self.layout, self.accel) {
            (Layout::Sim, _) => RebootTiming {
                going_down: Duration::from_secs(5),
                booting: Duration::from_secs(10),
            },
            (_, Some(a)) => RebootTiming {
                going_down: Duration::from_secs(30),
                booting: a.boot_deadline(),
            },
            _ => RebootTiming::REAL,
        }
    }

    fn update_check_timing(&self) -> UpdateCheckTiming {
        match self.layout {
            // The simulator's check takes its configured time; these only bound a failure.
            Layout::Sim => {
                let t = chrlab_sim::RouterConfig::default().update_check_time;
                UpdateCheckTiming {
                    stale: t,
                    deadline: t * 10 + Duration::from_secs(5),
                    poll: Duration::from_millis(10),
                }
            }
            _ => UpdateCheckTiming::REAL,
        }
    }

    fn limitations(&self) -> Vec<crate::lab::Limitation> {
        self.limitations.clone()
    }

    async fn settle(&self) -> Result<(), LabError> {
        // The router applies a change as its command returns; what follows inside the
        // container (listeners, the kernel's firewall) does so within milliseconds.
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok(())
    }

    async fn shutdown(self: Box<Self>) {
        let _ = tokio::task::spawn_blocking(move || drop(self)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names_split_at_the_tag_after_the_last_slash() {
        assert_eq!(
            split_image("chrlab/ros-sim:7.23.7").unwrap(),
            ("chrlab/ros-sim".into(), "7.23.7".into())
        );
        assert_eq!(
            split_image("localhost:5000/chr").unwrap(),
            ("localhost:5000/chr".into(), "latest".into())
        );
        assert_eq!(
            split_image("evilfreelancer/docker-routeros").unwrap(),
            ("evilfreelancer/docker-routeros".into(), "latest".into())
        );
        for bad in ["", "-x", "a b", "x:", "x@sha256:00", "/abs", "x;rm"] {
            assert!(split_image(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_layout_comes_from_the_environment_or_the_label() {
        let label = HashMap::from([(LAYOUT_LABEL.to_string(), "sim".to_string())]);
        assert_eq!(choose_layout("i", None, &label).unwrap(), Layout::Sim);
        assert_eq!(
            choose_layout("i", Some("docker-routeros"), &label).unwrap(),
            Layout::DockerRouterOs
        );
        let none = HashMap::new();
        let e = choose_layout("evil/ros", None, &none).unwrap_err();
        assert!(e.contains(LAYOUT_ENV) && e.contains("evil/ros"), "{e}");
        assert!(
            choose_layout("i", Some("vrnetlab"), &none)
                .unwrap_err()
                .contains("vrnetlab")
        );
    }

    #[test]
    fn the_entrypoint_names_which_ether_takes_which_address() {
        let lines = [
            "chrlab-chr: waiting for eth1".to_string(),
            "chrlab-chr: ether1 eth0 198.51.100.2/28 mac 52:54:00:00:00:01".to_string(),
            "chrlab-chr: ether2 eth1 198.51.100.18/28 mac 52:54:00:00:00:02".to_string(),
            "chrlab-chr: starting qemu accel=tcg memory=256".to_string(),
        ];
        let e = parse_ether_lines(&lines);
        assert_eq!(e.len(), 2);
        assert_eq!(e[1].ether, "ether2");
        assert_eq!(e[1].eth, "eth1");
        assert_eq!(e[1].address, Ipv4Addr::new(198, 51, 100, 18));
        assert_eq!(e[1].prefix, 28);
    }
}
