//! Visible, counted skips for tests that need privileges this machine may not give them.
//!
//! ```no_run
//! use testsupport::{Need, require};
//!
//! #[test]
//! fn packets_are_filtered() {
//!     if !require(&[Need::Root, Need::Nft]) {
//!         return; // printed, recorded in the ledger; a failure under CHRLAB_REQUIRE_PRIVILEGED=1
//!     }
//!     // … the test proper …
//! }
//! ```

use std::fmt;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// The file every skip is appended to, one line each (unset: skips are only printed).
pub const LEDGER_ENV: &str = "CHRLAB_SKIP_LEDGER";

/// With this set to `1`, a test that would skip for lack of privileges fails instead.
pub const STRICT_ENV: &str = "CHRLAB_REQUIRE_PRIVILEGED";

/// Something a test needs from the machine it runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Effective uid 0: network namespaces, nftables, ports below 1024.
    Root,
    /// An `nft` binary that runs (`apt-get install nftables`).
    Nft,
    /// User namespaces this process (or, as root, an ordinary user) may create.
    UserNamespaces,
    /// A `qemu-img` that runs (`apt-get install qemu-utils`).
    QemuImg,
    /// A `qemu-system-x86_64` that runs (`apt-get install qemu-system-x86`).
    Qemu,
    /// The stand-in guest image, built by `images/standin/build.sh DIR` and named by
    /// `$CHRLAB_STANDIN=DIR` (`.ci/run` builds it): see [`standin_dir`].
    Standin,
    /// A Docker engine that answers this process (`apt-get install docker.io`, dockerd running).
    Docker,
    /// The `ros-sim` binary beside the test binary (`cargo build -p chrlab-sim --bin ros-sim`):
    /// see [`ros_sim_binary`].
    RosSim,
    /// The offline auditor `mikrotik-audit` on `PATH` (`pip install mikrotik-rsc-auditor`).
    RscAuditor,
    /// An `nmap` that runs (`apt-get install --no-install-recommends nmap`), for the port
    /// scanner's interop test.
    Nmap,
    /// ntc-templates, TextFSM and PyYAML importable by `python3` (`pip install ntc_templates
    /// pyyaml`), for the TextFSM readers of the simulator's prints ([`crate::ntc`]).
    NtcTemplates,
    /// A `chromium` that runs headless (`apt-get install --no-install-recommends chromium`), for
    /// the HTML report's browser test.
    Chromium,
    /// `cargo nextest` (`cargo install cargo-nextest`), for the check of `.config/nextest.toml`.
    Nextest,
    /// `check-jsonschema` (`pip install check-jsonschema`), the workflow linter that validates
    /// `.github/workflows/` against SchemaStore's GitHub Actions schema, offline.
    CheckJsonschema,
}

impl Need {
    /// What a lab of network namespaces with an enforced firewall (harness's `SimLab`,
    /// `NamespaceLab` plus the simulator's `Enforcer`) needs inside a test binary: a test binary is
    /// multi-threaded, so it cannot enter a user namespace of its own and needs real root.
    pub const NAMESPACE_LAB: &'static [Need] = &[Need::Root, Need::Nft];

    /// What a QEMU lab needs: root for its namespaces and tap, QEMU and qemu-img.
    pub const QEMU_LAB: &'static [Need] = &[Need::Root, Need::Qemu, Need::QemuImg];

    /// A QEMU lab booting the stand-in guest.
    pub const STANDIN_LAB: &'static [Need] =
        &[Need::Root, Need::Qemu, Need::QemuImg, Need::Standin];

    /// A container lab: a Docker engine. (Its vantages are this machine's addresses on the
    /// lab's bridges, so it needs no namespaces of its own.)
    pub const CONTAINER_LAB: &'static [Need] = &[Need::Docker];

    /// A container lab on a simulator image the test builds itself from `ros-sim`.
    pub const SIM_CONTAINER_LAB: &'static [Need] = &[Need::Docker, Need::RosSim];

    /// A QEMU lab booting the stand-in guest on user-mode networking (no root needed).
    pub const STANDIN_USER_LAB: &'static [Need] = &[Need::Qemu, Need::QemuImg, Need::Standin];

    /// Whether this machine provides it to this process now.
    pub fn met(self) -> bool {
        match self {
            Need::Root => effective_uid() == Some(0),
            Need::Nft => nft_runs(),
            Need::UserNamespaces => user_namespaces_allowed(),
            Need::QemuImg => quietly(Command::new("qemu-img").arg("--version")),
            Need::Qemu => quietly(Command::new("qemu-system-x86_64").arg("--version")),
            Need::Standin => standin_dir().is_some(),
            Need::Docker => {
                quietly(Command::new("docker").args(["version", "--format", "{{.Server.Version}}"]))
            }
            Need::RosSim => ros_sim_binary().is_some(),
            Need::RscAuditor => quietly(Command::new("mikrotik-audit").arg("--help")),
            Need::Nmap => quietly(Command::new("nmap").arg("--version")),
            Need::NtcTemplates => crate::ntc::available(),
            Need::Chromium => quietly(Command::new("chromium").arg("--version")),
            Need::Nextest => quietly(Command::new("cargo").args(["nextest", "--version"])),
            Need::CheckJsonschema => quietly(Command::new("check-jsonschema").arg("--version")),
        }
    }
}

impl fmt::Display for Need {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Need::Root => "root",
            Need::Nft => "nft",
            Need::UserNamespaces => "user namespaces",
            Need::QemuImg => "qemu-img",
            Need::Qemu => "qemu-system-x86_64",
            Need::Standin => {
                "the stand-in guest image (images/standin/build.sh DIR, then CHRLAB_STANDIN=DIR)"
            }
            Need::Docker => "a Docker engine (apt-get install docker.io; dockerd running)",
            Need::RosSim => "the ros-sim binary (cargo build -p chrlab-sim --bin ros-sim)",
            Need::RscAuditor => "mikrotik-audit (pip install mikrotik-rsc-auditor)",
            Need::Nmap => "nmap (apt-get install --no-install-recommends nmap)",
            Need::NtcTemplates => "ntc-templates for python3 (pip install ntc_templates pyyaml)",
            Need::Chromium => "chromium (apt-get install --no-install-recommends chromium)",
            Need::Nextest => "cargo-nextest (cargo install cargo-nextest)",
            Need::CheckJsonschema => "check-jsonschema (pip install check-jsonschema)",
        })
    }
}

/// The folder of a built stand-in guest (`$CHRLAB_STANDIN`), when it holds `disk.img`.
pub fn standin_dir() -> Option<std::path::PathBuf> {
    let dir =
        std::path::PathBuf::from(std::env::var_os("CHRLAB_STANDIN").filter(|d| !d.is_empty())?);
    dir.join("disk.img").is_file().then_some(dir)
}

/// The `ros-sim` binary of this build: beside the test binary's folder (`target/debug/ros-sim`
/// for `target/debug/deps/<test>`), when it has been built.
pub fn ros_sim_binary() -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent()?.parent()?;
    let bin = profile_dir.join("ros-sim");
    bin.is_file().then_some(bin)
}

/// True when every need is met. Otherwise the test cannot run here: it prints
/// `skipped: <test>: needs <what>`, appends that line to `$CHRLAB_SKIP_LEDGER`, and returns false
/// so the caller returns — or, with `$CHRLAB_REQUIRE_PRIVILEGED=1`, panics with the same reason.
///
/// Call it on the test's own thread (where the harness names the thread after the test).
pub fn require(needs: &[Need]) -> bool {
    let missing: Vec<String> = needs
        .iter()
        .filter(|n| !n.met())
        .map(Need::to_string)
        .collect();
    if missing.is_empty() {
        return true;
    }
    let reason = format!("needs {}", missing.join(" and "));
    if std::env::var_os(STRICT_ENV).is_some_and(|v| v == "1") {
        panic!(
            "{}: {reason} ({STRICT_ENV}=1 forbids skipping)",
            test_name()
        );
    }
    record(&reason);
    false
}

/// Prints `skipped: <test>: <reason>` and appends it to the ledger (when one is named).
///
/// The line goes to the process's stderr directly, not through `eprintln!`, which the test harness
/// captures and hides for a test that passes.
pub(crate) fn record(reason: &str) {
    let line = format!("skipped: {}: {reason}", test_name());
    let _ = writeln!(std::io::stderr(), "{line}");
    if let Some(path) = std::env::var_os(LEDGER_ENV).filter(|p| !p.is_empty()) {
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(format!("{line}\n").as_bytes()));
        if let Err(e) = appended {
            panic!(
                "cannot record the skip in {} ({LEDGER_ENV}): {e}",
                Path::new(&path).display()
            );
        }
    }
}

/// `<test binary>::<test>`: the binary from the executable's name (without cargo's hash), the test
/// from the name the harness gives the test's thread.
pub fn test_name() -> String {
    let binary = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .map(|stem| match stem.rsplit_once('-') {
            Some((name, hash)) if hash.chars().all(|c| c.is_ascii_hexdigit()) => name.to_string(),
            _ => stem,
        })
        .unwrap_or_else(|| "<unknown binary>".into());
    let test = std::thread::current()
        .name()
        .map_or_else(|| "<unnamed thread>".into(), str::to_string);
    format!("{binary}::{test}")
}

/// The effective uid, from `/proc/self/status` (`Uid: real effective saved fs`).
fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

fn nft_runs() -> bool {
    [
        "/usr/sbin/nft",
        "/sbin/nft",
        "/usr/bin/nft",
        "/bin/nft",
        "nft",
    ]
    .iter()
    .filter(|p| !p.starts_with('/') || Path::new(p).exists())
    .any(|p| quietly(Command::new(p).arg("--version")))
}

/// The kernel allows them (the Debian, Ubuntu/AppArmor and generic switches) and, unless this is
/// root (which is checked as the ordinary user the test switches to), this process can make one.
fn user_namespaces_allowed() -> bool {
    let sysctl = |name: &str| {
        std::fs::read_to_string(format!("/proc/sys/{name}"))
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
    };
    if sysctl("kernel/unprivileged_userns_clone") == Some(0)
        || sysctl("kernel/apparmor_restrict_unprivileged_userns") == Some(1)
        || sysctl("user/max_user_namespaces") == Some(0)
    {
        return false;
    }
    effective_uid() == Some(0)
        || quietly(Command::new("unshare").args(["--user", "--map-root-user", "true"]))
}

fn quietly(cmd: &mut Command) -> bool {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    use std::process::Output;

    /// Marks the instance of this test binary that plays the unprivileged test.
    const CHILD_ENV: &str = "TESTSUPPORT_SKIP_CHILD";
    const NOBODY: u32 = 65534;
    const TEST: &str = "skip::tests::a_skip_is_printed_recorded_and_fatal_in_strict_mode";

    /// Re-runs this binary, filtered to this test, as uid 65534 (or as this user when not root),
    /// once as is and once with `CHRLAB_REQUIRE_PRIVILEGED=1`: an unprivileged test that needs
    /// root must print its skip line and record it in the ledger, and must fail in strict mode.
    #[test]
    fn a_skip_is_printed_recorded_and_fatal_in_strict_mode() {
        if std::env::var_os(CHILD_ENV).is_some() {
            // The child: not root, so the guarded part of a test must not run.
            assert!(!require(&[Need::Root]), "the child must not be root");
            return;
        }
        let dir = std::env::temp_dir().join(format!("testsupport-skip-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        // The build directory may not be reachable by uid 65534: run a copy from the temp dir.
        let exe = dir.join(
            std::env::current_exe()
                .expect("current exe")
                .file_name()
                .expect("exe name"),
        );
        std::fs::copy(std::env::current_exe().expect("current exe"), &exe).expect("copy exe");
        let ledger = dir.join("ledger");
        std::fs::write(&ledger, "").expect("ledger");
        for (path, mode) in [(&dir, 0o755), (&exe, 0o755), (&ledger, 0o666)] {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        }
        let run = |strict: bool| -> Output {
            let mut cmd = Command::new(&exe);
            cmd.args(["--exact", TEST, "--test-threads=1"])
                .env(CHILD_ENV, "1")
                .env(LEDGER_ENV, &ledger)
                .env_remove(STRICT_ENV);
            if strict {
                cmd.env(STRICT_ENV, "1");
            }
            if Need::Root.met() {
                cmd.uid(NOBODY).gid(NOBODY);
            }
            cmd.output().expect("run the child")
        };
        let show = |o: &Output| {
            format!(
                "exit {:?}\n--- stdout\n{}--- stderr\n{}",
                o.status.code(),
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            )
        };
        let line = format!("skipped: testsupport::{TEST}: needs root");

        let lenient = run(false);
        assert!(lenient.status.success(), "{}", show(&lenient));
        assert!(
            String::from_utf8_lossy(&lenient.stderr).contains(&line),
            "the skip line is printed, uncaptured: {}",
            show(&lenient)
        );
        let recorded = std::fs::read_to_string(&ledger).expect("read ledger");
        assert_eq!(recorded, format!("{line}\n"), "the ledger holds the skip");

        let strict = run(true);
        assert!(!strict.status.success(), "{}", show(&strict));
        let out = String::from_utf8_lossy(&strict.stdout);
        assert!(
            out.contains(&format!(
                "{TEST}: needs root ({STRICT_ENV}=1 forbids skipping)"
            )),
            "strict mode fails with the reason: {}",
            show(&strict)
        );
        let after = std::fs::read_to_string(&ledger).expect("read ledger");
        assert_eq!(after, recorded, "a failure is not a skip");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn test_names_drop_cargos_hash() {
        assert_eq!(
            test_name(),
            "testsupport::skip::tests::test_names_drop_cargos_hash"
        );
    }
}
