//! Per-machine run directories, and the reaping of what a killed run left.
//!
//! Every machine gets `<base>/<pid>-<n>/` (base: `$CHRLAB_RUN_DIR`, else
//! `$XDG_RUNTIME_DIR/chrlab/qemu`, else `/tmp/chrlab-<uid>/qemu`), holding its console and QMP
//! sockets, its disk overlay, QEMU's pidfile and logs, and a `lock` file that the owning
//! process keeps locked (`flock`) for as long as the machine lives. The lock's descriptor is
//! close-on-exec, so QEMU never inherits it: when the owner dies — even by SIGKILL — the lock is
//! free. [`reap`] then finds that directory, kills the QEMU whose pid the pidfile names *only if
//! that process's command line names this very directory* (a pid can be reused; the directory
//! cannot), and removes the directory. Nothing is ever matched by process name.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use nix::fcntl::{Flock, FlockArg};

/// The file the owner keeps locked.
pub const LOCK: &str = "lock";
/// The file QEMU writes its pid to (`-pidfile`).
pub const PIDFILE: &str = "qemu.pid";

/// Where QEMU machines' run directories live.
pub fn base() -> PathBuf {
    if let Some(dir) = std::env::var_os("CHRLAB_RUN_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    base_for("qemu")
}

/// Where run directories of `kind` live (`container`: `$CHRLAB_RUN_DIR/container`, where the
/// QEMU reaper passes over it — it has no lock file —, else `$XDG_RUNTIME_DIR/chrlab/<kind>`,
/// else `/tmp/chrlab-<uid>/<kind>`).
pub fn base_for(kind: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os("CHRLAB_RUN_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join(kind);
    }
    if let Some(dir) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("chrlab").join(kind);
    }
    PathBuf::from(format!(
        "/tmp/chrlab-{}/{kind}",
        nix::unistd::geteuid().as_raw()
    ))
}

/// A machine's run directory, locked by this process; removed when dropped.
#[derive(Debug)]
pub struct RunDir {
    path: PathBuf,
    _lock: Flock<File>,
}

impl RunDir {
    /// Reaps what dead runs left under `base`, then creates and locks a fresh directory.
    pub fn create(base: &Path) -> io::Result<RunDir> {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        create_private_dir(base)?;
        let reaped = reap(base);
        if reaped > 0 {
            tracing::info!(reaped, base = %base.display(), "removed machines a killed run left");
        }
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = base.join(format!("{}-{n}", std::process::id()));
        if path.exists() {
            // Our pid, from a previous process that died: its lock is free, so it is ours.
            std::fs::remove_dir_all(&path)?;
        }
        std::fs::create_dir(&path)?;
        let file = File::create(path.join(LOCK))?;
        let lock = Flock::lock(file, FlockArg::LockExclusiveNonblock)
            .map_err(|(_, e)| io::Error::from(e))?;
        Ok(RunDir { path, _lock: lock })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A file in it.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.path) {
            tracing::warn!(dir = %self.path.display(), error = %e, "cannot remove the run directory");
        }
    }
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Removes every run directory under `base` whose owner is gone, after killing its QEMU.
/// Returns how many were removed.
pub fn reap(base: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(base) else {
        return 0;
    };
    let mut reaped = 0;
    for entry in entries.flatten() {
        let dir = entry.path();
        if !dir.is_dir() {
            continue;
        }
        let Ok(file) = File::open(dir.join(LOCK)) else {
            // No lock file: a directory being created right now, or not ours.
            continue;
        };
        let Ok(lock) = Flock::lock(file, FlockArg::LockExclusiveNonblock) else {
            continue; // its owner is alive
        };
        if let Some(pid) = owned_qemu(&dir) {
            kill_and_wait(pid, Duration::from_secs(5));
        }
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => reaped += 1,
            Err(e) => tracing::warn!(dir = %dir.display(), error = %e, "cannot reap"),
        }
        drop(lock);
    }
    reaped
}

/// The pid in `dir`'s pidfile, if that process is alive and its command line names `dir`.
pub fn owned_qemu(dir: &Path) -> Option<i32> {
    let pid: i32 = std::fs::read_to_string(dir.join(PIDFILE))
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let needle = dir.as_os_str().as_encoded_bytes();
    cmdline
        .split(|&b| b == 0)
        .any(|arg| arg.windows(needle.len()).any(|w| w == needle))
        .then_some(pid)
}

/// SIGKILLs `pid` and waits until it is gone (or a zombie of someone else's).
pub fn kill_and_wait(pid: i32, limit: Duration) {
    let pid = nix::unistd::Pid::from_raw(pid);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
    let start = Instant::now();
    while start.elapsed() < limit {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Gone, or a zombie waiting for its (dead or other) parent.
        if stat.is_empty() || stat.split(") ").nth(1).is_some_and(|s| s.starts_with('Z')) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_directory_is_kept_and_a_dead_one_reaped() {
        let base = std::env::temp_dir().join(format!("chrlab-rundir-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let live = RunDir::create(&base).unwrap();
        // A directory whose owner died: its lock file exists but nobody holds it.
        let dead = base.join("999999999-0");
        std::fs::create_dir_all(&dead).unwrap();
        File::create(dead.join(LOCK)).unwrap();
        std::fs::write(dead.join(PIDFILE), "1\n").unwrap(); // pid 1 does not name the dir
        assert_eq!(reap(&base), 1);
        assert!(!dead.exists());
        assert!(live.path().exists(), "a locked directory is never reaped");
        let path = live.path().to_path_buf();
        drop(live);
        assert!(!path.exists());
        let _ = std::fs::remove_dir_all(&base);
    }
}
