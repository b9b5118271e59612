//! `chrlab fleet`: audit many live routers read-only from an inventory (Ansible's YAML or a
//! TOML list), with bounded concurrency, per-router time limits and retries, one combined
//! report (router × check, [`crate::scale::report`]) and `--shard K/N` to split a fleet across
//! machines; and `chrlab bench --fleet N`, the same against simulators on loopback addresses.

mod args;
pub mod credentials;
pub mod inventory;
pub mod loopback;
mod run;
pub mod shard;
mod yaml;

pub use args::{DEFAULT_PARALLEL, FleetArgs};
pub use run::{FleetError, bench, bench_main, main, run, write_loopback_inventory};
