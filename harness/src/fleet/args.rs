//! `chrlab fleet` arguments.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Args;

use super::shard::Shard;
use crate::cli::{DEFAULT_PROFILE, UnpairedOut};
use crate::report::{Destination, ReportSpec};

/// How many routers a fleet audit reaches at once unless told otherwise.
pub const DEFAULT_PARALLEL: usize = 16;

/// `chrlab fleet`: audit the routers of an inventory read-only, many at once.
#[derive(Debug, Clone, Args)]
pub struct FleetArgs {
    /// Inventory: Ansible YAML (`.yml`, `.yaml`) or a TOML list of `[[router]]` (`.toml`).
    #[arg(long, value_name = "FILE")]
    pub inventory: PathBuf,
    /// Profile for the routers whose inventory entry names none (`chrlab_profile`, `profile`).
    #[arg(long, value_name = "FILE", default_value = DEFAULT_PROFILE)]
    pub profile: PathBuf,
    /// Routers audited at once.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PARALLEL, alias = "concurrency")]
    pub parallel: usize,
    /// Time limit of one attempt at one router, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub timeout: u64,
    /// Further attempts at a router that could not be reached or timed out (never at one that
    /// refused the login or was audited).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub retries: u32,
    /// Audit only shard K of N (`--shard 2/4`): a router is in shard `1 + FNV-1a(name) mod N`,
    /// so N machines given 1/N … N/N audit every router exactly once.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    /// This machine's source address for the trusted vantage (default: the one the kernel picks).
    #[arg(long, value_name = "IP")]
    pub trusted_source: Option<IpAddr>,
    /// This machine's source address outside the management networks; without one, the checks
    /// that need an untrusted vantage are not verifiable.
    #[arg(long, value_name = "IP")]
    pub untrusted_source: Option<IpAddr>,
    /// Combined report: KIND[=PATH] with KIND json, junit, md or html; repeatable.
    #[arg(long = "report", value_name = "KIND[=PATH]")]
    pub reports: Vec<ReportSpec>,
    /// File for a `--report KIND` given without `=PATH`, paired in order.
    #[arg(long = "out", value_name = "PATH")]
    pub outs: Vec<PathBuf>,
}

impl FleetArgs {
    /// Arguments for `inventory` with every default.
    pub fn new(inventory: PathBuf) -> FleetArgs {
        FleetArgs {
            inventory,
            profile: PathBuf::from(DEFAULT_PROFILE),
            parallel: DEFAULT_PARALLEL,
            timeout: 300,
            retries: 1,
            shard: None,
            trusted_source: None,
            untrusted_source: None,
            reports: Vec::new(),
            outs: Vec::new(),
        }
    }

    /// The reports to write: each `--out PATH` goes, in order, to a `--report KIND` that named
    /// no path of its own (as `chrlab check` pairs them).
    pub fn report_specs(&self) -> Result<Vec<ReportSpec>, UnpairedOut> {
        let mut outs = self.outs.iter();
        let specs = self
            .reports
            .iter()
            .map(|r| match (&r.dest, r.explicit_dest, outs.len()) {
                (Destination::Stdout, false, 1..) => ReportSpec {
                    kind: r.kind,
                    dest: Destination::File(outs.next().cloned().unwrap_or_default()),
                    explicit_dest: true,
                },
                _ => r.clone(),
            })
            .collect();
        match outs.next() {
            Some(extra) => Err(UnpairedOut(extra.clone())),
            None => Ok(specs),
        }
    }
}
