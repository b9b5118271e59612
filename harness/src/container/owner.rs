//! Who owns what a container lab made, and the reaping of what a killed run left.
//!
//! Every lab locks a run directory of its own (`qemu::rundir`, under `…/chrlab/container/`) and
//! puts three labels on every container, network and image it makes: `chrlab=<run id>`,
//! `chrlab.lock=<that directory's lock file>` and `chrlab.host=<this machine's name>`. The lock
//! is held (`flock`, close-on-exec) for as long as the lab lives, so when its process dies —
//! even by SIGKILL — the lock is free. [`reap`] lists everything labelled `chrlab.lock` on this
//! machine and removes what has no live owner: the lock file is gone, or it can be locked.
//! Nothing is ever matched by name.

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use nix::fcntl::{Flock, FlockArg};
use testcontainers::bollard;

use super::{ContainerError, Engine};
use crate::qemu::rundir::{self, RunDir};

/// The label every resource of a lab carries: the run's id.
pub const RUN_LABEL: &str = "chrlab";
/// The label naming the owner's lock file.
pub const LOCK_LABEL: &str = "chrlab.lock";
/// The label naming the machine the owner runs on (an engine may serve several).
pub const HOST_LABEL: &str = "chrlab.host";

/// Where container labs' run directories live.
pub fn base() -> PathBuf {
    rundir::base_for("container")
}

/// This machine's name, as the host label spells it.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

/// A run directory for the whole process (the API shim's socket), locked until it exits; the
/// next run reaps it.
pub fn process_dir() -> io::Result<PathBuf> {
    static DIR: OnceLock<Result<RunDir, String>> = OnceLock::new();
    match DIR.get_or_init(|| RunDir::create(&base()).map_err(|e| e.to_string())) {
        Ok(dir) => Ok(dir.path().to_path_buf()),
        Err(e) => Err(io::Error::other(format!(
            "run directory under {}: {e}",
            base().display()
        ))),
    }
}

/// The owner of one lab's resources: a locked run directory and the labels that point at it.
#[derive(Debug)]
pub struct Owner {
    dir: RunDir,
    id: String,
    host: String,
}

impl Owner {
    /// Locks a fresh run directory (reaping dead runs' directories first).
    pub fn new() -> io::Result<Owner> {
        let dir = RunDir::create(&base())?;
        let host = hostname();
        let leaf = dir
            .path()
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let id = format!("{host}-{leaf}");
        Ok(Owner { dir, id, host })
    }

    /// The run's id (the value of the `chrlab` label).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The run directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The labels every resource of this lab carries.
    pub fn labels(&self) -> HashMap<String, String> {
        HashMap::from([
            (RUN_LABEL.to_string(), self.id.clone()),
            (
                LOCK_LABEL.to_string(),
                self.dir.file(rundir::LOCK).display().to_string(),
            ),
            (HOST_LABEL.to_string(), self.host.clone()),
        ])
    }
}

/// Whether a resource with these labels has no live owner on this machine.
pub fn orphaned(labels: &HashMap<String, String>) -> bool {
    let Some(lock) = labels.get(LOCK_LABEL) else {
        return false;
    };
    if labels.get(HOST_LABEL).map(String::as_str) != Some(hostname().as_str()) {
        return false;
    }
    match File::open(lock) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => true,
        // Not ours to judge (another user's directory, say).
        Err(_) => false,
        Ok(file) => Flock::lock(file, FlockArg::LockExclusiveNonblock).is_ok(),
    }
}

/// What [`reap`] removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reaped {
    /// Containers.
    pub containers: usize,
    /// Networks.
    pub networks: usize,
    /// Images.
    pub images: usize,
}

impl Reaped {
    /// Whether nothing was removed.
    pub fn is_empty(&self) -> bool {
        *self == Reaped::default()
    }
}

fn lock_filter() -> HashMap<String, Vec<String>> {
    HashMap::from([("label".to_string(), vec![LOCK_LABEL.to_string()])])
}

/// Removes every container, then network, then image labelled by a chrlab run of this machine
/// whose owner is gone. A resource that cannot be removed is logged and left for the next run.
pub async fn reap(engine: &Engine) -> Result<Reaped, ContainerError> {
    use bollard::query_parameters::{
        ListContainersOptions, ListImagesOptions, ListNetworksOptions,
    };
    let docker = engine.docker();
    let mut reaped = Reaped::default();
    let containers = docker
        .list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(lock_filter()),
            ..Default::default()
        }))
        .await
        .map_err(|source| ContainerError::Engine {
            what: "list labelled containers".into(),
            source,
        })?;
    for c in containers {
        let (Some(id), Some(labels)) = (c.id, c.labels) else {
            continue;
        };
        if orphaned(&labels) {
            match engine.remove_container(&id).await {
                Ok(()) => reaped.containers += 1,
                Err(e) => tracing::warn!(error = %e, "cannot reap a container"),
            }
        }
    }
    let networks = docker
        .list_networks(Some(ListNetworksOptions {
            filters: Some(lock_filter()),
        }))
        .await
        .map_err(|source| ContainerError::Engine {
            what: "list labelled networks".into(),
            source,
        })?;
    for n in networks {
        let (Some(id), Some(labels)) = (n.id, n.labels) else {
            continue;
        };
        if orphaned(&labels) {
            match engine.remove_network(&id).await {
                Ok(()) => reaped.networks += 1,
                Err(e) => tracing::warn!(error = %e, "cannot reap a network"),
            }
        }
    }
    let images = docker
        .list_images(Some(ListImagesOptions {
            all: false,
            filters: Some(lock_filter()),
            ..Default::default()
        }))
        .await
        .map_err(|source| ContainerError::Engine {
            what: "list labelled images".into(),
            source,
        })?;
    for i in images {
        if orphaned(&i.labels) {
            match engine.remove_image(&i.id).await {
                Ok(()) => reaped.images += 1,
                Err(e) => tracing::warn!(error = %e, "cannot reap an image"),
            }
        }
    }
    if !reaped.is_empty() {
        tracing::info!(?reaped, "removed what a killed run left");
    }
    Ok(reaped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resource_is_orphaned_only_when_its_lock_is_free_or_gone_on_this_host() {
        let dir = std::env::temp_dir().join(format!("chrlab-owner-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        // SAFETY-free: CHRLAB_RUN_DIR is not touched; the RunDir is made under a private base.
        let run = RunDir::create(&dir).unwrap();
        let lock = run.file(rundir::LOCK).display().to_string();
        let labels = |lock: &str, host: &str| {
            HashMap::from([
                (LOCK_LABEL.to_string(), lock.to_string()),
                (HOST_LABEL.to_string(), host.to_string()),
            ])
        };
        // Held by this process (`RunDir` keeps it locked): alive.
        assert!(!orphaned(&labels(&lock, &hostname())));
        // Another machine's: never ours to remove.
        assert!(!orphaned(&labels(
            &dir.join("gone/lock").display().to_string(),
            "elsewhere"
        )));
        // No lock file: its owner removed it or was reaped.
        assert!(orphaned(&labels(
            &dir.join("gone/lock").display().to_string(),
            &hostname()
        )));
        // No lock label at all: not a lab's.
        assert!(!orphaned(&HashMap::new()));
        let path = run.path().to_path_buf();
        drop(run);
        assert!(!path.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
