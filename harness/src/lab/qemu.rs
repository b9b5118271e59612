//! The `qemu` backend: a CHR image (or the stand-in guest, `images/standin/`) booted in QEMU,
//! in one of two network modes ([`QemuNet`]; `CHRLAB_QEMU_NET=tap|user`, default `tap` as root,
//! else `user`).
//!
//! **Tap** (root): a tap device in the namespace lab: the router namespace holds a switch with
//! the machine's tap and the two vantages' veths, so the router sees 192.0.2.10 and 192.0.2.66
//! and TCP behaves exactly as on a wire (drop = connect timeout, reject = refused).
//!
//! ```text
//!   trusted ns 192.0.2.10 ─ veth ┐
//!                                ├─ switch lab0 ─ tap0 ═ QEMU ═ ether1 192.0.2.1 (the guest)
//!   untrusted ns 192.0.2.66 ─ veth ┘        (router namespace, no address)
//! ```
//!
//! **User** (no privileges): two QEMU user-mode NICs (slirp) whose host-side addresses differ,
//! so the router sees two sources. Both vantages are threads in the host's namespace; each
//! reaches the guest through port forwards on 127.0.0.1 of its own NIC, added the first time a
//! port is connected to ([`crate::qemu::forward`], the vantage's address translator):
//!
//! ```text
//!   trusted vantage  ─ 127.0.0.1:P1 ─ hostfwd net0 ─ 192.0.2.2    → ether1 192.0.2.1/24
//!   untrusted vantage ─ 127.0.0.1:P2 ─ hostfwd net1 ─ 198.51.100.2 → ether2 198.51.100.1/24
//! ```
//!
//! The router sees the trusted vantage's connections from 192.0.2.2 and the untrusted one's
//! from 198.51.100.2, and those are the vantages' addresses (what a firewall check compares).
//! Because the host completes every handshake itself, a probe is read differently there
//! ([`crate::probe::TcpPath::Forwarded`]), and some things cannot be seen at all:
//! a reset (`reject-with tcp-reset`) and a port without a listener look alike (closed); an ICMP
//! reject is not passed on and looks like a drop (filtered); a truly silent open service (no
//! greeting, no answer to a question, no hang-up) looks filtered. The lab reports these in
//! [`Lab::limitations`].
//!
//! **First boot** is what a CHR does on its serial console ([`crate::qemu::firstboot`]): the
//! login prompt, `admin` with an empty password, the license question, the password nag
//! (skipped with Ctrl-C, or answered with the lab's password), then the lab address on
//! `ether1` (and in user mode the second on `ether2`; no DHCP answers in the lab), and readiness = SSH answering with the *current*
//! credentials (never hard-coded: hardening changes them).
//!
//! **Fresh routers fast**: a first boot is done once per image and machine shape and saved
//! (`savevm`) into a golden qcow2 in the cache; every lab copies it and starts with `-loadvm`
//! (a snapshot in a backing file is invisible through an overlay, so it is copied, not layered).
//! The vantages' MAC addresses are fixed so a restored guest's neighbour cache stays right.
//! The network mode is part of the snapshot's key: the device model differs.
//!
//! **KVM** only when it works: without vmx/svm `/dev/kvm` is a paravirtual KVM that cannot run
//! a Linux guest; with them, a boot under KVM must show an early-boot marker within
//! [`KVM_MARKER_DEADLINE`] or the machine is restarted under TCG. The choice and its reason
//! are logged and in [`Lab::describe`].

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::netns::NamespaceLab;
use super::{Lab, LabError, RebootTiming, Role};
use crate::access::{Access, Credentials};
use crate::probe::{FORWARDED_LIMITATIONS, ProbeTiming, TcpPath};
use crate::qemu::firstboot::{ConsoleLogin, first_login};
use crate::qemu::forward::{Forwards, Route};
use crate::qemu::rundir::RunDir;
use crate::qemu::{
    Accel, EARLY_MARKERS, KVM_MARKER_DEADLINE, Machine, MachineConfig, MachineError, Nic,
    create_overlay,
};
use crate::secret::Secret;
use crate::vantage::Vantage;

/// The router's address on ether1 in the lab.
pub const ROUTER_ADDR: &str = "192.0.2.1";
/// The guest's MAC on ether1 (fixed: a restored guest keeps it).
pub const GUEST_MAC: &str = "52:54:00:c0:02:01";
/// The guest's MAC on ether2 (user mode).
pub const GUEST_MAC2: &str = "52:54:00:c6:33:01";

/// One user-mode NIC of the lab: its slirp network, the host's address in it (the source the
/// router sees) and the guest's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserNic {
    /// The guest interface (`ether1`, `ether2`).
    pub interface: &'static str,
    /// The slirp network.
    pub net: &'static str,
    /// The host side (what connections through this NIC's forwards come from).
    pub host: Ipv4Addr,
    /// The guest's address on it.
    pub guest: Ipv4Addr,
    /// The prefix length of `net`.
    pub prefix: u8,
    /// The guest-side MAC.
    pub mac: &'static str,
}

/// The trusted vantage's NIC in user mode (documentation range TEST-NET-1).
pub const USER_TRUSTED: UserNic = UserNic {
    interface: "ether1",
    net: "192.0.2.0/24",
    host: Ipv4Addr::new(192, 0, 2, 2),
    guest: Ipv4Addr::new(192, 0, 2, 1),
    prefix: 24,
    mac: GUEST_MAC,
};

/// The untrusted vantage's NIC in user mode (documentation range TEST-NET-2).
pub const USER_UNTRUSTED: UserNic = UserNic {
    interface: "ether2",
    net: "198.51.100.0/24",
    host: Ipv4Addr::new(198, 51, 100, 2),
    guest: Ipv4Addr::new(198, 51, 100, 1),
    prefix: 24,
    mac: GUEST_MAC2,
};

/// How the lab's machine is networked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QemuNet {
    /// A tap in the namespace lab (root).
    Tap,
    /// Two QEMU user-mode NICs with port forwards (no privileges).
    User,
}

impl QemuNet {
    /// The word of `CHRLAB_QEMU_NET`.
    pub fn name(self) -> &'static str {
        match self {
            QemuNet::Tap => "tap",
            QemuNet::User => "user",
        }
    }

    /// The mode asked for in `$CHRLAB_QEMU_NET` (`auto` or unset: `None`).
    pub fn from_env() -> Result<Option<QemuNet>, String> {
        Self::parse_env(std::env::var("CHRLAB_QEMU_NET").ok().as_deref())
    }

    /// [`QemuNet::from_env`] on a given value.
    pub fn parse_env(value: Option<&str>) -> Result<Option<QemuNet>, String> {
        match value {
            None | Some("") | Some("auto") => Ok(None),
            Some("tap") => Ok(Some(QemuNet::Tap)),
            Some("user") => Ok(Some(QemuNet::User)),
            Some(other) => Err(format!(
                "CHRLAB_QEMU_NET={other}: expected auto, tap or user"
            )),
        }
    }

    /// The mode for a lab: the one forced, else `$CHRLAB_QEMU_NET`, else tap as root and user
    /// otherwise. Root means root of the host: root of a user namespace (what `chrlab` becomes
    /// without privileges, for the simulator lab) cannot open the host's `/dev/net/tun`.
    pub fn choose(forced: Option<QemuNet>) -> Result<QemuNet, String> {
        if let Some(n) = forced {
            return Ok(n);
        }
        let host_root = nix::unistd::geteuid().is_root()
            && initial_user_namespace(
                &std::fs::read_to_string("/proc/self/uid_map").unwrap_or_default(),
            );
        Ok(Self::from_env()?.unwrap_or(if host_root {
            QemuNet::Tap
        } else {
            QemuNet::User
        }))
    }

    /// Whether a lab in the mode [`QemuNet::choose`] picks now needs network namespaces (tap).
    pub fn needs_namespaces() -> bool {
        matches!(Self::choose(None), Ok(QemuNet::Tap))
    }
}

/// Whether a `/proc/self/uid_map` is the initial user namespace's (the identity over all ids).
pub fn initial_user_namespace(uid_map: &str) -> bool {
    let words: Vec<&str> = uid_map.split_whitespace().collect();
    words == ["0", "0", "4294967295"]
}

/// The name of the snapshot a golden disk holds.
pub const SNAPSHOT: &str = "chrlab-fresh";
/// Bumped whenever what a golden disk holds changes (the first-boot recipe, the device model).
const GOLDEN_RECIPE: u32 = 1;

/// Probe deadlines for a machine under emulation: its kernel answers a SYN in milliseconds,
/// but a busy TCG guest can take far longer than a namespace does.
pub const MACHINE_TIMING: ProbeTiming = ProbeTiming {
    connect: Duration::from_millis(1500),
    greeting: Duration::from_millis(1000),
    answer: Duration::from_millis(3000),
    path: TcpPath::Direct,
};

/// How to build a QEMU lab.
#[derive(Debug, Clone)]
pub struct QemuLabConfig {
    /// The image as named (for reports).
    pub name: String,
    /// The image file (raw, qcow2 or vdi); never written.
    pub image: PathBuf,
    /// Guest memory (256 MiB by default, as MikroTik's CHR minimum).
    pub memory_mib: u32,
    /// The console login of the image's administrator.
    pub login: ConsoleLogin,
    /// Start from the golden snapshot (`false`: a cold boot every time).
    pub restore: bool,
    /// Force an accelerator (else: KVM when it works, TCG otherwise).
    pub accel: Option<Accel>,
    /// Force a network mode (else: `$CHRLAB_QEMU_NET`, else tap as root, user otherwise).
    pub net: Option<QemuNet>,
}

impl QemuLabConfig {
    /// A factory CHR image: `admin`, empty password, the nag skipped.
    pub fn new(name: impl Into<String>, image: impl Into<PathBuf>) -> QemuLabConfig {
        QemuLabConfig {
            name: name.into(),
            image: image.into(),
            memory_mib: 256,
            login: ConsoleLogin {
                user: "admin".into(),
                password: Secret::new(""),
                new_password: None,
            },
            restore: true,
            accel: None,
            net: None,
        }
    }
}

/// How the lab's machine came up, for reports and the benchmark.
#[derive(Debug, Clone)]
pub struct BootReport {
    /// The accelerator, and why.
    pub accel: Accel,
    /// Why that accelerator (e.g. why not KVM).
    pub accel_reason: String,
    /// Restored from the golden snapshot (else cold-booted).
    pub restored: bool,
    /// The network mode.
    pub net: QemuNet,
    /// From starting QEMU to SSH answering.
    pub to_ready: Duration,
    /// Whether the golden snapshot had to be made first (and how long that took).
    pub golden_made: Option<Duration>,
}

/// A running QEMU lab.
pub struct QemuLab {
    name: String,
    access: Access,
    net: Option<NamespaceLab>,
    user: Option<UserNet>,
    machine: Option<Machine>,
    boot: BootReport,
}

/// The user-mode side of a lab: the vantages (threads translating to forwards) and the forwards.
struct UserNet {
    trusted: Vantage,
    untrusted: Vantage,
    forwards: Arc<Forwards>,
}

impl UserNet {
    /// Vantages for `machine`'s two user-mode NICs (netdevs `net0`, `net1`).
    async fn start(machine: &Machine, router: IpAddr, name: &str) -> Result<UserNet, LabError> {
        let forwards = Forwards::on_socket(machine.forward_monitor());
        let f = forwards.clone();
        tokio::task::spawn_blocking(move || f.connect())
            .await
            .map_err(|e| machine_error(name, MachineError::Disk(format!("forward monitor: {e}"))))?
            .map_err(|e| LabError::Machine {
                target: name.to_string(),
                source: Box::new(e),
            })?;
        let vantage = |role: &str, netdev: &str, nic: UserNic| {
            Vantage::translated(
                role,
                IpAddr::V4(nic.host),
                forwards.translator(
                    router,
                    Route {
                        netdev: netdev.into(),
                        guest: nic.guest,
                    },
                ),
            )
            .map_err(|e| LabError::Machine {
                target: name.to_string(),
                source: Box::new(e),
            })
        };
        let trusted = vantage("trusted", "net0", USER_TRUSTED)?;
        let untrusted = vantage("untrusted", "net1", USER_UNTRUSTED)?;
        Ok(UserNet {
            trusted,
            untrusted,
            forwards,
        })
    }

    /// Stops the vantages (their threads hold the translators), then removes the forwards.
    fn stop(self) {
        let UserNet {
            trusted,
            untrusted,
            forwards,
        } = self;
        trusted.shutdown();
        untrusted.shutdown();
        forwards.close();
    }
}

/// What connects the machine: a tap in the namespace lab, or user-mode NICs.
enum Wiring {
    Tap(std::os::fd::OwnedFd),
    User,
}

impl Wiring {
    /// The machine's NICs (a tap is passed as a duplicate, so a retry can pass it again).
    fn nics(&self) -> std::io::Result<Vec<Nic>> {
        Ok(match self {
            Wiring::Tap(fd) => vec![Nic::Tap {
                fd: fd.try_clone()?,
                mac: GUEST_MAC.into(),
            }],
            Wiring::User => [USER_TRUSTED, USER_UNTRUSTED]
                .iter()
                .map(|n| Nic::User {
                    net: n.net.into(),
                    host: n.host.to_string(),
                    mac: n.mac.into(),
                })
                .collect(),
        })
    }

    /// What the first console login configures.
    fn console_commands(&self) -> Vec<String> {
        match self {
            Wiring::Tap(_) => vec![format!(
                "/ip address add address={ROUTER_ADDR}/24 interface=ether1"
            )],
            Wiring::User => [USER_TRUSTED, USER_UNTRUSTED]
                .iter()
                .map(|n| {
                    format!(
                        "/ip address add address={}/{} interface={}",
                        n.guest, n.prefix, n.interface
                    )
                })
                .collect(),
        }
    }
}

fn machine_error(name: &str, e: MachineError) -> LabError {
    LabError::Machine {
        target: name.to_string(),
        source: Box::new(e),
    }
}

impl QemuLab {
    /// Boots (or restores) the machine and waits until it answers SSH.
    pub async fn start(config: QemuLabConfig) -> Result<QemuLab, LabError> {
        let mut config = config;
        let mode = QemuNet::choose(config.net).map_err(|detail| LabError::Target {
            target: config.name.clone(),
            detail,
        })?;
        config.net = Some(mode);
        tracing::info!(net = mode.name(), "QEMU network mode");
        let format = disk_format(&config.image).map_err(|detail| LabError::Target {
            target: config.name.clone(),
            detail,
        })?;
        let (accel, accel_reason) = choose_accel(config.accel);
        tracing::info!(accel = accel.name(), reason = %accel_reason, "QEMU accelerator");
        let mut golden_made = None;
        let (mut accel, mut accel_reason) = (accel, accel_reason);
        let golden = if config.restore {
            let g = ensure_golden(&config, format, accel).await?;
            golden_made = g.made;
            if g.accel != accel {
                // The snapshot was made after KVM failed: it restores under what made it.
                accel_reason = format!(
                    "{} (the first boot of this image fell back to it)",
                    g.accel.name()
                );
                accel = g.accel;
            }
            Some(g.path)
        } else {
            None
        };
        let started = Instant::now();
        let (net, wiring) = match mode {
            QemuNet::Tap => {
                let (net, tap) = NamespaceLab::create_switched()
                    .await
                    .map_err(LabError::Namespaces)?;
                (Some(net), Wiring::Tap(tap))
            }
            QemuNet::User => (None, Wiring::User),
        };
        let dir = run_dir()?;
        let disk = dir.file("disk.qcow2");
        let (machine, accel, accel_reason) = match &golden {
            Some(golden) => {
                std::fs::copy(golden, &disk).map_err(|e| {
                    machine_error(
                        &config.name,
                        MachineError::Disk(format!("copy {}: {e}", golden.display())),
                    )
                })?;
                let machine = Machine::start(
                    machine_config(&config, &disk, accel, &wiring, Some(SNAPSHOT.into()))?,
                    dir,
                )
                .await
                .map_err(|e| machine_error(&config.name, e))?;
                (machine, accel, accel_reason)
            }
            None => cold_boot(&config, format, accel, accel_reason, &wiring, dir).await?,
        };
        drop(wiring);
        let router: IpAddr = ROUTER_ADDR.parse().expect("a literal address");
        let user = match mode {
            QemuNet::Tap => None,
            QemuNet::User => {
                // Once per process: a golden snapshot's maker is a lab too.
                static SAID: std::sync::Once = std::sync::Once::new();
                SAID.call_once(|| {
                    for limitation in FORWARDED_LIMITATIONS {
                        tracing::warn!(%limitation, "QEMU user-mode networking");
                    }
                });
                Some(UserNet::start(&machine, router, &config.name).await?)
            }
        };
        let lab = QemuLab {
            name: config.name.clone(),
            access: Access::new(
                router,
                Credentials {
                    user: config.login.user.clone(),
                    password: config
                        .login
                        .new_password
                        .clone()
                        .unwrap_or(config.login.password.clone()),
                },
            ),
            net,
            user,
            machine: Some(machine),
            boot: BootReport {
                accel,
                accel_reason,
                restored: golden.is_some(),
                net: mode,
                to_ready: Duration::ZERO,
                golden_made,
            },
        };
        let mut lab = lab;
        lab.wait_ready(accel.boot_deadline()).await?;
        lab.boot.to_ready = started.elapsed();
        tracing::info!(
            image = %config.name,
            accel = accel.name(),
            net = mode.name(),
            restored = lab.boot.restored,
            to_ready = ?lab.boot.to_ready,
            "QEMU lab ready"
        );
        Ok(lab)
    }

    /// How the machine came up.
    pub fn boot_report(&self) -> &BootReport {
        &self.boot
    }

    /// The running machine (its console, monitor, run directory).
    pub fn machine(&self) -> Option<&Machine> {
        self.machine.as_ref()
    }

    /// Waits until the router answers REST or SSH with the current credentials.
    async fn wait_ready(&self, deadline: Duration) -> Result<(), LabError> {
        super::ready::wait(self, &self.name, deadline).await
    }

    /// The port forwards in place (user mode; empty with a tap).
    pub fn forwards(&self) -> Vec<crate::qemu::forward::Forward> {
        self.user
            .as_ref()
            .map(|u| u.forwards.list())
            .unwrap_or_default()
    }

    fn stop_now(&mut self) {
        if let Some(user) = self.user.take() {
            user.stop();
        }
        if let Some(mut m) = self.machine.take() {
            m.kill();
        }
        self.net = None;
    }
}

fn run_dir() -> Result<RunDir, LabError> {
    let base = crate::qemu::rundir::base();
    RunDir::create(&base).map_err(|source| LabError::Machine {
        target: "qemu".into(),
        source: Box::new(MachineError::RunDir {
            path: base.display().to_string(),
            source,
        }),
    })
}

fn machine_config(
    config: &QemuLabConfig,
    disk: &Path,
    accel: Accel,
    wiring: &Wiring,
    loadvm: Option<String>,
) -> Result<MachineConfig, LabError> {
    let nics = wiring
        .nics()
        .map_err(|e| machine_error(&config.name, MachineError::Disk(format!("dup tap: {e}"))))?;
    Ok(MachineConfig {
        qemu: crate::qemu::qemu_binary(),
        disk: disk.to_path_buf(),
        memory_mib: config.memory_mib,
        accel,
        nics,
        loadvm,
    })
}

/// The accelerator to try first, and why.
/// The accelerator: forced (by the lab or `$CHRLAB_QEMU_ACCEL`), else KVM when it can really run a
/// guest, else TCG; with the reason. Shared by the QEMU and container backends.
pub(super) fn choose_accel(forced: Option<Accel>) -> (Accel, String) {
    let forced = forced.or_else(|| crate::qemu::accel_from_env().ok().flatten());
    match forced {
        Some(a) => (
            a,
            format!("{} forced (CHRLAB_QEMU_ACCEL or the lab)", a.name()),
        ),
        None => match crate::qemu::kvm_candidate() {
            Ok(()) => (Accel::Kvm, "KVM available (vmx/svm, /dev/kvm)".into()),
            Err(why) => (Accel::Tcg, format!("TCG: {why}")),
        },
    }
}

/// Boots the image from scratch through its console: KVM first when chosen, TCG when KVM does
/// not reach an early-boot marker in time.
async fn cold_boot(
    config: &QemuLabConfig,
    format: &'static str,
    accel: Accel,
    reason: String,
    wiring: &Wiring,
    dir: RunDir,
) -> Result<(Machine, Accel, String), LabError> {
    let name = &config.name;
    let disk = dir.file("disk.qcow2");
    create_overlay(&config.image, format, &disk).map_err(|e| machine_error(name, e))?;
    let (machine, accel, reason) = if accel == Accel::Kvm {
        let machine = Machine::start(
            machine_config(config, &disk, Accel::Kvm, wiring, None)?,
            dir,
        )
        .await
        .map_err(|e| machine_error(name, e))?;
        match machine.expect(EARLY_MARKERS, KVM_MARKER_DEADLINE).await {
            Ok(_) => (machine, Accel::Kvm, reason),
            Err(e) => {
                let why = format!(
                    "TCG: KVM did not reach an early-boot marker within {KVM_MARKER_DEADLINE:?} ({e}; {})",
                    machine.log_tail()
                );
                tracing::warn!(%why, "falling back to TCG");
                drop(machine);
                let dir = run_dir()?;
                let disk = dir.file("disk.qcow2");
                create_overlay(&config.image, format, &disk).map_err(|e| machine_error(name, e))?;
                let machine = Machine::start(
                    machine_config(config, &disk, Accel::Tcg, wiring, None)?,
                    dir,
                )
                .await
                .map_err(|e| machine_error(name, e))?;
                (machine, Accel::Tcg, why)
            }
        }
    } else {
        let machine = Machine::start(machine_config(config, &disk, accel, wiring, None)?, dir)
            .await
            .map_err(|e| machine_error(name, e))?;
        (machine, accel, reason)
    };
    let commands = wiring.console_commands();
    let report = {
        let mut console = machine.console().lock().await;
        first_login(
            &mut console,
            &config.login,
            &commands,
            accel.boot_deadline(),
            Duration::from_secs(30),
        )
        .await
    };
    match report {
        Ok(report) => tracing::info!(?report, "first console login done"),
        Err(e) => {
            return Err(LabError::Machine {
                target: name.clone(),
                source: Box::new(match machine.exited() {
                    Some(status) => MachineError::Exited {
                        status,
                        log: machine.log_tail(),
                    },
                    None => MachineError::Disk(format!("first login: {e}")),
                }),
            });
        }
    }
    Ok((machine, accel, reason))
}

/// A golden disk: a qcow2 overlay of the image holding the [`SNAPSHOT`] of a router that has
/// done its first boot.
struct Golden {
    path: PathBuf,
    /// The accelerator that made it (a snapshot restores only under the same one).
    accel: Accel,
    /// How long making it took, when it was made now.
    made: Option<Duration>,
}

/// The golden disk of this image and machine shape: made once (boot, first login, SSH ready,
/// `savevm`), under a lock so parallel labs wait for one maker.
async fn ensure_golden(
    config: &QemuLabConfig,
    format: &'static str,
    accel: Accel,
) -> Result<Golden, LabError> {
    let root =
        crate::user_files::user_dir("CHRLAB_CACHE_DIR", "XDG_CACHE_HOME", ".cache", "golden")
            .ok_or_else(|| LabError::Target {
                target: config.name.clone(),
                detail: "no cache directory for the golden snapshot (set CHRLAB_CACHE_DIR or HOME)"
                    .into(),
            })?;
    let key = golden_key(config, accel).map_err(|detail| LabError::Target {
        target: config.name.clone(),
        detail,
    })?;
    let dir = root.join(&key);
    let golden = dir.join("fresh.qcow2");
    let io = |what: &str, e: std::io::Error| {
        machine_error(&config.name, MachineError::Disk(format!("{what}: {e}")))
    };
    std::fs::create_dir_all(&root).map_err(|e| io("golden cache", e))?;
    let lock_path = root.join(format!("{key}.lock"));
    let lock_file = std::fs::File::create(&lock_path).map_err(|e| io("golden lock", e))?;
    // Blocking: another lab may be making this very snapshot.
    let lock = tokio::task::spawn_blocking(move || {
        nix::fcntl::Flock::lock(lock_file, nix::fcntl::FlockArg::LockExclusive)
            .map_err(|(_, e)| std::io::Error::from(e))
    })
    .await
    .map_err(|e| io("golden lock", std::io::Error::other(e.to_string())))?
    .map_err(|e| io("golden lock", e))?;
    if golden.is_file() {
        drop(lock);
        let made_with = std::fs::read_to_string(dir.join("golden.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v.get("accel").and_then(|a| a.as_str()).map(str::to_string));
        let accel = match made_with.as_deref() {
            Some("kvm") => Accel::Kvm,
            _ => Accel::Tcg,
        };
        return Ok(Golden {
            path: golden,
            accel,
            made: None,
        });
    }
    tracing::info!(image = %config.name, accel = accel.name(), "first boot of this image: making its golden snapshot (once)");
    let started = Instant::now();
    let mut cold = config.clone();
    cold.restore = false;
    cold.accel = Some(accel);
    let lab = Box::pin(QemuLab::start(cold)).await?;
    let made_with = lab.boot.accel;
    let machine = lab.machine.as_ref().expect("a started lab has its machine");
    {
        let mut qmp = machine.qmp().lock().await;
        qmp.execute("stop", None, crate::qemu::QMP_TIMEOUT)
            .await
            .map_err(|e| machine_error(&config.name, e.into()))?;
        qmp.hmp(&format!("savevm {SNAPSHOT}"), crate::qemu::QMP_TIMEOUT)
            .await
            .map_err(|e| machine_error(&config.name, e.into()))?;
    }
    let staging = root.join(format!("{key}.staging"));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(|e| io("golden staging", e))?;
    // QEMU must have let go of the disk before it is moved.
    let mut lab = lab;
    if let Some(user) = lab.user.take() {
        user.stop();
    }
    if let Some(mut m) = lab.machine.take() {
        let from = m.dir().join("disk.qcow2");
        let to = staging.join("fresh.qcow2");
        m.kill();
        // The run directory goes with the machine: move the disk out first.
        std::fs::rename(&from, &to)
            .or_else(|_| std::fs::copy(&from, &to).map(drop))
            .map_err(|e| io("golden disk", e))?;
        drop(m);
    }
    std::fs::write(
        staging.join("golden.json"),
        serde_json::json!({
            "image": config.image.display().to_string(),
            "format": format,
            "accel": made_with.name(),
            "memory_mib": config.memory_mib,
            "net": config.net.map(QemuNet::name),
            "recipe": GOLDEN_RECIPE,
        })
        .to_string(),
    )
    .map_err(|e| io("golden meta", e))?;
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::rename(&staging, &dir).map_err(|e| io("golden commit", e))?;
    drop(lock);
    Ok(Golden {
        path: golden,
        accel: made_with,
        made: Some(started.elapsed()),
    })
}

/// What makes two golden snapshots interchangeable: the image (path, size, modification time),
/// the machine's shape (memory, network mode) and accelerator, the login, and the recipe.
fn golden_key(config: &QemuLabConfig, accel: Accel) -> Result<String, String> {
    use sha2::{Digest, Sha256};
    let image = std::fs::canonicalize(&config.image)
        .map_err(|e| format!("{}: {e}", config.image.display()))?;
    let meta = std::fs::metadata(&image).map_err(|e| format!("{}: {e}", image.display()))?;
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    // The network mode changes the device model (one NIC or two) and the guest's addresses.
    let net = config.net.map(QemuNet::name).unwrap_or("auto");
    let mut h = Sha256::new();
    h.update(format!(
        "{}\0{}\0{modified}\0{}\0{}\0{net}\0{}\0{}\0{}\0{GOLDEN_RECIPE}",
        image.display(),
        meta.len(),
        config.memory_mib,
        accel.name(),
        config.login.user,
        // The password itself never goes into a file name; whether one is set does.
        config.login.new_password.is_some(),
        crate::qemu::qemu_binary().display(),
    ));
    Ok(hex::encode(&h.finalize()[..12]))
}

/// The image's format for QEMU, from its first bytes.
pub fn disk_format(path: &Path) -> Result<&'static str, String> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if !f.metadata().map(|m| m.is_file()).unwrap_or(false) {
        return Err(format!("{} is not a regular file", path.display()));
    }
    let mut head = [0u8; 512];
    let n = f
        .read(&mut head)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if n >= 4 && &head[..4] == b"QFI\xfb" {
        Ok("qcow2")
    } else if n >= 68 && &head[..4] == b"<<< " && head[64..68] == [0x7f, 0x10, 0xda, 0xbe] {
        Ok("vdi")
    } else if n == 512 && head[510..512] == [0x55, 0xaa] {
        Ok("raw")
    } else {
        Err(format!(
            "{} is not a disk image QEMU can boot (no qcow2 or VDI signature, no MBR boot signature)",
            path.display()
        ))
    }
}

impl Drop for QemuLab {
    fn drop(&mut self) {
        self.stop_now();
    }
}

#[async_trait]
impl Lab for QemuLab {
    fn describe(&self) -> String {
        format!(
            "QEMU machine {} at {} ({}, {}, {})",
            self.name,
            self.access.address(),
            self.boot.accel.name(),
            if self.boot.restored {
                "restored from its first-boot snapshot"
            } else {
                "cold boot"
            },
            match self.boot.net {
                QemuNet::Tap => "tap in network namespaces",
                QemuNet::User => "two QEMU user-mode NICs, port forwards on 127.0.0.1",
            }
        )
    }

    fn access(&self) -> &Access {
        &self.access
    }

    fn vantage(&self, role: Role) -> Option<&Vantage> {
        if let Some(user) = &self.user {
            return Some(match role {
                Role::Trusted => &user.trusted,
                Role::Untrusted => &user.untrusted,
            });
        }
        let net = self.net.as_ref()?;
        Some(match role {
            Role::Trusted => &net.trusted,
            Role::Untrusted => &net.untrusted,
        })
    }

    fn timing(&self) -> ProbeTiming {
        match self.boot.net {
            QemuNet::Tap => MACHINE_TIMING,
            QemuNet::User => ProbeTiming {
                path: TcpPath::Forwarded,
                ..MACHINE_TIMING
            },
        }
    }

    fn limitations(&self) -> Vec<crate::lab::Limitation> {
        match self.boot.net {
            QemuNet::Tap => Vec::new(),
            QemuNet::User => FORWARDED_LIMITATIONS
                .iter()
                .map(|l| crate::lab::Limitation::ForwardedPorts(l))
                .collect(),
        }
    }

    fn reboot_timing(&self) -> RebootTiming {
        RebootTiming {
            going_down: Duration::from_secs(30),
            booting: self.boot.accel.boot_deadline(),
        }
    }

    async fn settle(&self) -> Result<(), LabError> {
        // A router applies a change as its command returns; what follows it inside the guest
        // (listeners, the kernel's firewall) does so within milliseconds. This bounds that.
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
    fn formats_are_told_by_their_signatures() {
        let dir = std::env::temp_dir().join(format!("chrlab-qemu-fmt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let raw = dir.join("a.img");
        let mut mbr = vec![0u8; 1024];
        mbr[510] = 0x55;
        mbr[511] = 0xaa;
        std::fs::write(&raw, &mbr).unwrap();
        assert_eq!(disk_format(&raw), Ok("raw"));
        let q = dir.join("a.qcow2");
        std::fs::write(&q, b"QFI\xfb\0\0\0\x03rest").unwrap();
        assert_eq!(disk_format(&q), Ok("qcow2"));
        let junk = dir.join("a.txt");
        std::fs::write(&junk, b"hello").unwrap();
        let e = disk_format(&junk).unwrap_err();
        assert!(e.contains("not a disk image"), "{e}");
        assert!(
            disk_format(&dir)
                .unwrap_err()
                .contains("not a regular file")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_network_mode_is_chosen_by_the_lab_the_environment_or_privilege() {
        assert_eq!(QemuNet::parse_env(None), Ok(None));
        assert_eq!(QemuNet::parse_env(Some("auto")), Ok(None));
        assert_eq!(QemuNet::parse_env(Some("user")), Ok(Some(QemuNet::User)));
        assert_eq!(QemuNet::parse_env(Some("tap")), Ok(Some(QemuNet::Tap)));
        let e = QemuNet::parse_env(Some("slirp")).unwrap_err();
        assert!(e.contains("CHRLAB_QEMU_NET=slirp"), "{e}");
        assert_eq!(QemuNet::choose(Some(QemuNet::User)), Ok(QemuNet::User));
        assert!(initial_user_namespace("         0          0 4294967295\n"));
        assert!(!initial_user_namespace(
            "         0       1000          1\n"
        ));
        assert!(!initial_user_namespace(""));
    }

    #[test]
    fn user_mode_has_two_nics_and_configures_both_addresses() {
        let nics = Wiring::User.nics().unwrap();
        let args: Vec<String> = nics
            .iter()
            .map(|n| match n {
                Nic::User { net, host, .. } => format!("{net} {host}"),
                Nic::Tap { .. } => "tap".into(),
            })
            .collect();
        assert_eq!(
            args,
            ["192.0.2.0/24 192.0.2.2", "198.51.100.0/24 198.51.100.2"]
        );
        assert_eq!(
            Wiring::User.console_commands(),
            [
                "/ip address add address=192.0.2.1/24 interface=ether1",
                "/ip address add address=198.51.100.1/24 interface=ether2",
            ]
        );
    }

    #[test]
    fn the_golden_key_depends_on_the_network_mode() {
        let dir = std::env::temp_dir().join(format!("chrlab-qemu-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let image = dir.join("a.img");
        std::fs::write(&image, b"x").unwrap();
        let mut config = QemuLabConfig::new("a", &image);
        config.net = Some(QemuNet::Tap);
        let tap = golden_key(&config, Accel::Tcg).unwrap();
        config.net = Some(QemuNet::User);
        let user = golden_key(&config, Accel::Tcg).unwrap();
        assert_ne!(tap, user);
        assert_eq!(user, golden_key(&config, Accel::Tcg).unwrap());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
