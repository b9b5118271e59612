//! QEMU machines: the process, its accelerator, its console and monitor, and its disk.
//!
//! A [`Machine`] is one QEMU process started on a thread of its own (the thread is QEMU's
//! parent: `PR_SET_PDEATHSIG` kills QEMU when that thread ends, which includes the harness
//! being SIGKILLed), in its own process group (a Ctrl-C in the terminal reaches the harness,
//! which tears the machine down, not QEMU directly), with its files in a [`rundir::RunDir`].
//! It starts paused (`-S`) so not a byte of the console is lost: the console and QMP sockets
//! are connected first, then QMP `cont` lets it run.
//!
//! The device model is what MikroTik's CHR runs on under QEMU (tikoci/quickchr, MikroTik's CHR
//! manual): SeaBIOS, a virtio disk, virtio-net NICs, the serial console on ttyS0.

pub mod console;
pub mod firstboot;
pub mod forward;
pub mod qmp;
pub mod rundir;

use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use console::{Console, ConsoleError};
use qmp::{Qmp, QmpError};
use rundir::RunDir;

/// Which accelerator runs the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Accel {
    /// Hardware virtualisation through `/dev/kvm`.
    Kvm,
    /// QEMU's software emulation.
    Tcg,
}

impl Accel {
    /// The `-accel` word.
    pub fn name(self) -> &'static str {
        match self {
            Accel::Kvm => "kvm",
            Accel::Tcg => "tcg",
        }
    }

    /// How long a CHR may take from power-on to its login prompt. Under TCG a CHR takes a
    /// minute or more on a slow machine; these bound a failure.
    pub fn boot_deadline(self) -> Duration {
        match self {
            Accel::Kvm => Duration::from_secs(60),
            Accel::Tcg => Duration::from_secs(300),
        }
    }
}

/// How long a guest under KVM may take to print its first early-boot marker before KVM is
/// judged broken and the machine restarted under TCG.
pub const KVM_MARKER_DEADLINE: Duration = Duration::from_secs(20);

/// Console texts that prove the guest's kernel or OS runs (not just the BIOS): the Linux
/// banner, the stand-in's init line, and any login prompt.
pub const EARLY_MARKERS: &[&str] = &["Linux version", "chrlab-standin: init", "Login: "];

/// Whether KVM may work here, and why not. `/dev/kvm` must open read-write, and the CPU must
/// have hardware virtualisation (`vmx`/`svm`): a `/dev/kvm` without them is a paravirtual KVM
/// that cannot run a Linux guest (LAB-NOTES: the guest hangs or dies with `KVM internal error`).
/// `CHRLAB_QEMU_ACCEL=tcg|kvm` overrides the choice.
pub fn kvm_candidate() -> Result<(), String> {
    kvm_candidate_from(
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/kvm")
            .map(drop)
            .map_err(|e| e.to_string()),
        &std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default(),
    )
}

/// [`kvm_candidate`] on given facts.
pub fn kvm_candidate_from(dev_kvm: Result<(), String>, cpuinfo: &str) -> Result<(), String> {
    dev_kvm.map_err(|e| format!("/dev/kvm cannot be opened: {e}"))?;
    let flags = cpuinfo
        .lines()
        .find(|l| l.starts_with("flags"))
        .unwrap_or("");
    if flags.split_whitespace().any(|f| f == "vmx" || f == "svm") {
        Ok(())
    } else {
        Err("/dev/kvm exists but the CPU has no vmx/svm: a paravirtual KVM that cannot run a Linux guest".into())
    }
}

/// The accelerator asked for in `$CHRLAB_QEMU_ACCEL` (`auto` or unset: `None`).
pub fn accel_from_env() -> Result<Option<Accel>, String> {
    match std::env::var("CHRLAB_QEMU_ACCEL").as_deref() {
        Err(_) | Ok("") | Ok("auto") => Ok(None),
        Ok("tcg") => Ok(Some(Accel::Tcg)),
        Ok("kvm") => Ok(Some(Accel::Kvm)),
        Ok(other) => Err(format!(
            "CHRLAB_QEMU_ACCEL={other}: expected auto, kvm or tcg"
        )),
    }
}

/// One network card.
#[derive(Debug)]
pub enum Nic {
    /// A tap device the harness opened (in the lab's router namespace), passed as a descriptor.
    Tap {
        /// The tap's descriptor.
        fd: OwnedFd,
        /// The guest-side MAC address.
        mac: String,
    },
    /// QEMU user-mode networking (slirp), without root.
    User {
        /// The slirp network, e.g. `192.0.2.0/24`.
        net: String,
        /// The host's address in it (what the guest sees connections come from).
        host: String,
        /// The guest-side MAC address.
        mac: String,
    },
}

/// How to start a machine.
#[derive(Debug)]
pub struct MachineConfig {
    /// The QEMU binary (`$CHRLAB_QEMU`, else `qemu-system-x86_64` on the PATH).
    pub qemu: PathBuf,
    /// The qcow2 disk to run (the lab's own copy or overlay; never the cached image).
    pub disk: PathBuf,
    /// Guest memory.
    pub memory_mib: u32,
    /// The accelerator.
    pub accel: Accel,
    /// The network cards, ether1 first.
    pub nics: Vec<Nic>,
    /// Restore this internal snapshot of the disk at start (`-loadvm`).
    pub loadvm: Option<String>,
}

/// The QEMU binary to use.
pub fn qemu_binary() -> PathBuf {
    std::env::var_os("CHRLAB_QEMU")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("qemu-system-x86_64"))
}

/// Why a machine could not be started or driven.
#[derive(Debug, thiserror::Error)]
pub enum MachineError {
    /// A file of the run directory could not be made.
    #[error("run directory {path}: {source}")]
    RunDir {
        /// The path.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// QEMU could not be started.
    #[error("start {qemu}: {source} (install qemu-system-x86, or set CHRLAB_QEMU)")]
    Spawn {
        /// The binary.
        qemu: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// QEMU ended on its own.
    #[error("QEMU exited ({status}); its log: {log}")]
    Exited {
        /// Its exit status.
        status: String,
        /// The end of its stderr.
        log: String,
    },
    /// The monitor failed.
    #[error(transparent)]
    Qmp(#[from] QmpError),
    /// The console failed.
    #[error(transparent)]
    Console(#[from] ConsoleError),
    /// A disk operation failed (`qemu-img`).
    #[error("disk: {0}")]
    Disk(String),
}

/// A running QEMU.
pub struct Machine {
    accel: Accel,
    pid: i32,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    exit: Arc<Mutex<Option<String>>>,
    qmp: tokio::sync::Mutex<Qmp>,
    console: tokio::sync::Mutex<Console>,
    // Last: the directory goes after QEMU has been killed.
    dir: RunDir,
}

impl std::fmt::Debug for Machine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Machine")
            .field("pid", &self.pid)
            .field("accel", &self.accel)
            .field("dir", &self.dir.path())
            .finish()
    }
}

/// How long QMP commands may take (a `savevm` of 256 MiB under TCG takes a few seconds).
pub const QMP_TIMEOUT: Duration = Duration::from_secs(120);

impl Machine {
    /// Starts QEMU paused in `dir`, connects the console and the monitor, and lets it run.
    pub async fn start(config: MachineConfig, dir: RunDir) -> Result<Machine, MachineError> {
        let args = arguments(&config, dir.path());
        tracing::debug!(qemu = %config.qemu.display(), ?args, "starting QEMU");
        let log = dir.file("qemu.log");
        let stderr = std::fs::File::create(&log).map_err(|source| MachineError::RunDir {
            path: log.display().to_string(),
            source,
        })?;
        let fds: Vec<OwnedFd> = config
            .nics
            .into_iter()
            .filter_map(|n| match n {
                Nic::Tap { fd, .. } => Some(fd),
                Nic::User { .. } => None,
            })
            .collect();
        let qemu = config.qemu.clone();
        let (pid_tx, pid_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let exit = Arc::new(Mutex::new(None));
        let exit_in = exit.clone();
        let thread = std::thread::Builder::new()
            .name("qemu".into())
            .spawn(move || supervise(qemu, args, fds, stderr, pid_tx, stop_rx, exit_in))
            .map_err(|source| MachineError::Spawn {
                qemu: config.qemu.display().to_string(),
                source,
            })?;
        let pid = match pid_rx.recv() {
            Ok(Ok(pid)) => pid,
            Ok(Err(source)) => {
                let _ = thread.join();
                return Err(MachineError::Spawn {
                    qemu: config.qemu.display().to_string(),
                    source,
                });
            }
            Err(_) => {
                let _ = thread.join();
                return Err(MachineError::Spawn {
                    qemu: config.qemu.display().to_string(),
                    source: std::io::Error::other("the QEMU thread ended"),
                });
            }
        };
        let mut guard = StopOnError {
            stop: Some(stop_tx),
            thread: Some(thread),
        };
        // The sockets appear once QEMU has parsed its arguments.
        let qmp_path = dir.file("qmp.sock");
        let console_path = dir.file("console.sock");
        let started = tokio::time::Instant::now();
        loop {
            if let Some(status) = exit.lock().map(|e| e.clone()).unwrap_or(None) {
                return Err(MachineError::Exited {
                    status,
                    log: tail_of(&log),
                });
            }
            if qmp_path.exists() && console_path.exists() && dir.file(FORWARD_MONITOR).exists() {
                break;
            }
            if started.elapsed() > Duration::from_secs(30) {
                return Err(MachineError::Exited {
                    status: "no monitor socket after 30 s".into(),
                    log: tail_of(&log),
                });
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let console = Console::connect(&console_path, Some(dir.file("console.log"))).await?;
        let mut qmp = Qmp::connect(&qmp_path, QMP_TIMEOUT).await?;
        qmp.execute("cont", None, QMP_TIMEOUT).await?;
        tracing::debug!(pid, since_spawn = ?started.elapsed(), "QEMU running");
        let (stop, thread) = guard.disarm();
        Ok(Machine {
            accel: config.accel,
            pid,
            stop,
            thread,
            exit,
            qmp: tokio::sync::Mutex::new(qmp),
            console: tokio::sync::Mutex::new(console),
            dir,
        })
    }

    /// The accelerator it runs under.
    pub fn accel(&self) -> Accel {
        self.accel
    }

    /// QEMU's pid.
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// The run directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The console.
    pub fn console(&self) -> &tokio::sync::Mutex<Console> {
        &self.console
    }

    /// The second monitor's socket (for a blocking client such as [`forward::Forwards`]).
    pub fn forward_monitor(&self) -> PathBuf {
        self.dir.file(FORWARD_MONITOR)
    }

    /// The monitor.
    pub fn qmp(&self) -> &tokio::sync::Mutex<Qmp> {
        &self.qmp
    }

    /// How QEMU ended, if it did.
    pub fn exited(&self) -> Option<String> {
        self.exit.lock().ok().and_then(|e| e.clone())
    }

    /// The end of QEMU's own log (stderr).
    pub fn log_tail(&self) -> String {
        tail_of(&self.dir.file("qemu.log"))
    }

    /// Waits for one of `texts` on the console, failing early when QEMU exits.
    pub async fn expect(&self, texts: &[&str], deadline: Duration) -> Result<usize, MachineError> {
        let mut console = self.console.lock().await;
        match console.expect(texts, deadline).await {
            Ok(i) => Ok(i),
            Err(e) => Err(match self.exited() {
                Some(status) => MachineError::Exited {
                    status,
                    log: self.log_tail(),
                },
                None => e.into(),
            }),
        }
    }

    /// Kills QEMU and waits for it.
    pub fn kill(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Machine {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Stops the QEMU thread unless disarmed (a start that failed half-way).
struct StopOnError {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StopOnError {
    fn disarm(
        &mut self,
    ) -> (
        Option<mpsc::Sender<()>>,
        Option<std::thread::JoinHandle<()>>,
    ) {
        (self.stop.take(), self.thread.take())
    }
}

impl Drop for StopOnError {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn tail_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let start = text.len().saturating_sub(600);
    let start = (start..text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    crate::printable::escape(text[start..].trim()).into_owned()
}

/// QEMU's command line for `config` with its files in `dir`.
pub fn arguments(config: &MachineConfig, dir: &Path) -> Vec<String> {
    let file = |name: &str| dir.join(name).display().to_string();
    let mut args: Vec<String> = vec![
        "-nodefaults".into(),
        "-no-user-config".into(),
        "-machine".into(),
        "pc".into(),
        "-accel".into(),
        config.accel.name().into(),
        "-m".into(),
        config.memory_mib.to_string(),
        "-smp".into(),
        "1".into(),
        "-display".into(),
        "none".into(),
        "-chardev".into(),
        format!(
            "socket,id=console,path={},server=on,wait=off",
            file("console.sock")
        ),
        "-serial".into(),
        "chardev:console".into(),
        "-qmp".into(),
        format!("unix:{},server=on,wait=off", file("qmp.sock")),
        // A second monitor for blocking callers (port forwards added from vantage threads):
        // QEMU serves one client per monitor socket.
        "-qmp".into(),
        format!("unix:{},server=on,wait=off", file(FORWARD_MONITOR)),
        "-pidfile".into(),
        file(rundir::PIDFILE),
        "-drive".into(),
        format!(
            "file={},format=qcow2,if=virtio,cache=unsafe",
            config.disk.display()
        ),
        "-S".into(),
    ];
    let mut next_fd = FIRST_PASSED_FD;
    for (i, nic) in config.nics.iter().enumerate() {
        let (netdev, mac) = match nic {
            Nic::Tap { mac, .. } => {
                let fd = next_fd;
                next_fd += 1;
                (format!("tap,id=net{i},fd={fd}"), mac)
            }
            Nic::User { net, host, mac } => (
                format!("user,id=net{i},net={net},host={host},restrict=on"),
                mac,
            ),
        };
        args.push("-netdev".into());
        args.push(netdev);
        args.push("-device".into());
        // No option ROM: a CHR boots from its disk, and iPXE only costs boot time.
        args.push(format!("virtio-net-pci,netdev=net{i},mac={mac},romfile="));
    }
    if let Some(name) = &config.loadvm {
        args.push("-loadvm".into());
        args.push(name.clone());
    }
    args
}

/// The second monitor socket's name in the run directory ([`forward::Forwards`]).
pub const FORWARD_MONITOR: &str = "qmp-fwd.sock";

/// Tap descriptors are passed to QEMU as 3, 4, …
const FIRST_PASSED_FD: i32 = 3;

/// The QEMU thread: spawns QEMU, reports its pid, then waits for a stop request or its end.
fn supervise(
    qemu: PathBuf,
    args: Vec<String>,
    fds: Vec<OwnedFd>,
    stderr: std::fs::File,
    pid_tx: std::sync::mpsc::Sender<std::io::Result<i32>>,
    stop: mpsc::Receiver<()>,
    exit: Arc<Mutex<Option<String>>>,
) {
    use std::os::unix::process::CommandExt;
    let raw: Vec<i32> = fds.iter().map(|f| f.as_raw_fd()).collect();
    let mut command = Command::new(&qemu);
    command
        .args(&args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(stderr)
        .process_group(0);
    // SAFETY: only async-signal-safe calls (prctl, dup2, fcntl) between fork and exec.
    unsafe {
        command.pre_exec(move || {
            use nix::libc;
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // Move every passed descriptor above the target range first, so that dup2 onto
            // 3, 4, … never clobbers one not yet moved.
            let mut moved = [0i32; 8];
            for (i, &fd) in raw.iter().enumerate().take(8) {
                let high = libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 100);
                if high < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                moved[i] = high;
            }
            for (i, &high) in moved.iter().enumerate().take(raw.len().min(8)) {
                // dup2 clears close-on-exec on the new descriptor.
                if libc::dup2(high, FIRST_PASSED_FD + i as i32) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => {
            let _ = pid_tx.send(Err(e));
            return;
        }
    };
    drop(fds);
    let pid = child.id() as i32;
    let _ = pid_tx.send(Ok(pid));
    loop {
        match stop.recv_timeout(Duration::from_millis(100)) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = child.kill();
                let _ = child.wait();
                return;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if let Ok(Some(status)) = child.try_wait() {
            tracing::debug!(%status, "QEMU exited");
            if let Ok(mut e) = exit.lock() {
                *e = Some(status.to_string());
            }
            // Wait for the stop request, so the owner decides when the directory goes.
            let _ = stop.recv();
            return;
        }
    }
}

/// Creates `overlay` as a qcow2 whose backing file is `base` (never written).
pub fn create_overlay(base: &Path, base_format: &str, overlay: &Path) -> Result<(), MachineError> {
    let base = std::fs::canonicalize(base)
        .map_err(|e| MachineError::Disk(format!("{}: {e}", base.display())))?;
    let out = Command::new("qemu-img")
        .arg("create")
        .arg("-q")
        .args(["-f", "qcow2", "-F", base_format, "-b"])
        .arg(&base)
        .arg(overlay)
        .output()
        .map_err(|e| MachineError::Disk(format!("run qemu-img (install qemu-utils): {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(MachineError::Disk(format!(
            "qemu-img create on {}: {}",
            base.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kvm_needs_the_device_and_the_cpu_flags() {
        let with = "processor\t: 0\nflags\t\t: fpu vme vmx sse\n";
        let without = "processor\t: 0\nflags\t\t: fpu vme hypervisor sse\n";
        assert!(kvm_candidate_from(Ok(()), with).is_ok());
        let e = kvm_candidate_from(Ok(()), without).unwrap_err();
        assert!(e.contains("paravirtual"), "{e}");
        let e = kvm_candidate_from(Err("No such file or directory".into()), with).unwrap_err();
        assert!(e.contains("/dev/kvm"), "{e}");
    }

    #[test]
    fn the_command_line_never_names_the_cached_image_and_passes_taps_as_descriptors() {
        let dir = Path::new("/run/chrlab/qemu/1-0");
        let config = MachineConfig {
            qemu: "qemu-system-x86_64".into(),
            disk: dir.join("disk.qcow2"),
            memory_mib: 256,
            accel: Accel::Tcg,
            nics: vec![Nic::User {
                net: "192.0.2.0/24".into(),
                host: "192.0.2.2".into(),
                mac: "52:54:00:c0:00:02".into(),
            }],
            loadvm: Some("fresh".into()),
        };
        let args = arguments(&config, dir).join(" ");
        assert!(args.contains("-accel tcg -m 256"), "{args}");
        assert!(
            args.contains("file=/run/chrlab/qemu/1-0/disk.qcow2,format=qcow2"),
            "{args}"
        );
        assert!(args.contains("user,id=net0,net=192.0.2.0/24,host=192.0.2.2,restrict=on"));
        assert!(args.contains("-loadvm fresh"), "{args}");
        assert!(args.contains("-S"), "{args}");
        assert!(
            args.contains("-qmp unix:/run/chrlab/qemu/1-0/qmp-fwd.sock,server=on,wait=off"),
            "{args}"
        );
    }
}
