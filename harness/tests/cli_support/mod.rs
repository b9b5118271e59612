//! Shared by the tests that run the built `chrlab` binary against the embedded simulator lab.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

use testsupport::Need;

/// The workspace root: the binary runs there, so `profiles/baseline.toml` resolves.
pub const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// A fresh directory under the system temp dir, removed (with its contents) when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("chrlab-cli-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        TempDir(dir)
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Whether `chrlab` can build its simulator lab here: nft, and root or a user namespace it enters
/// itself. If not, the calling test is a counted skip (`testsupport::require`) and returns.
pub fn sim_lab_runs_here() -> bool {
    if Need::Root.met() {
        testsupport::require(&[Need::Nft])
    } else {
        testsupport::require(&[Need::Nft, Need::UserNamespaces])
    }
}

/// Runs the built binary in the workspace root, without the caller's log level or router password.
pub fn chrlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chrlab"))
        .args(args)
        .current_dir(REPO)
        .env_remove("RUST_LOG")
        .env_remove("CHRLAB_ROUTER_PASSWORD")
        .output()
        .expect("run chrlab")
}

/// [`chrlab`] with these environment variables set for the child only.
pub fn chrlab_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chrlab"));
    cmd.args(args)
        .current_dir(REPO)
        .env_remove("RUST_LOG")
        .env_remove("CHRLAB_ROUTER_PASSWORD");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run chrlab")
}
