//! Command-line arguments of `chrlab` (clap derive). The binary only parses these and calls
//! [`crate::run`]; keeping them in the library lets `run::check` take them directly.
//!
//! Reports: `--report KIND[=PATH]`, repeatable, e.g. `--report junit=out/junit.xml --report json=out/r.json`.
//! KIND is `json`, `junit`, `md`, `html` or `sarif`; PATH `-` or no PATH means standard output. The human report is
//! always printed, to stdout, or to stderr when some `--report` already writes to stdout.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use routeros::version::Version;

use crate::lab::LabError;
use crate::lab::spec::{LabSpec, ROUTER_PASSWORD_ENV};
use crate::outcome::Severity;
use crate::report::{Destination, ReportSpec};

/// Default profile path.
pub const DEFAULT_PROFILE: &str = "profiles/baseline.toml";

/// chrlab: prove from outside a MikroTik RouterOS router that a hardening baseline works.
#[derive(Debug, Parser)]
#[command(name = "chrlab", version, about, propagate_version = true)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply the profile (unless --no-apply), then check all five measures from outside.
    Check(CheckArgs),
    /// Print the RouterOS script that applies the profile.
    Render(RenderArgs),
    /// Explain one check: what it proves, how, its severity and why, MikroTik's advice, the fix.
    Explain(ExplainArgs),
    /// Time lab start-up and a full check run.
    Bench(BenchArgs),
    /// Check many fresh labs (versions, backends) in parallel into one version × check table.
    Matrix(crate::scale::matrix::MatrixArgs),
    /// Show or refresh the known-vulnerable version table (CVE records).
    Cve(crate::cve::CveArgs),
    /// Fetch, import and find CHR images in the local cache.
    Image(crate::image::ImageArgs),
    /// Harden and audit a candidate and a baseline lab side by side; print a go/no-go.
    Validate(crate::validate::ValidateArgs),
    /// Audit the routers of an inventory read-only, many at once, into one report.
    Fleet(crate::fleet::FleetArgs),
}

/// `chrlab check`.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Hardening profile (TOML).
    #[arg(long, value_name = "FILE", default_value = DEFAULT_PROFILE)]
    pub profile: PathBuf,
    /// Only check; do not apply the profile first.
    #[arg(long)]
    pub no_apply: bool,
    /// Router to check: `sim` (the embedded simulator), `sim:VERSION`, `ssh://[USER@]HOST[:PORT]`,
    /// `http://[USER@]HOST[:PORT]` or `https://[USER@]HOST[:PORT]`.
    #[arg(long, value_name = "LAB", default_value = "sim")]
    pub target: LabSpec,
    /// Source address of the trusted vantage (must be allowed by the profile's firewall).
    #[arg(long, value_name = "IP")]
    pub trusted_source: Option<IpAddr>,
    /// Source address of the untrusted vantage; without one, checks that need it are skipped.
    #[arg(long, value_name = "IP")]
    pub untrusted_source: Option<IpAddr>,
    /// Environment variable holding the router's current password (never pass it as an argument).
    #[arg(long, value_name = "NAME", default_value = ROUTER_PASSWORD_ENV)]
    pub password_env: String,
    /// Machine-readable report: KIND[=PATH] with KIND json, junit, md, html or sarif; repeatable.
    #[arg(long = "report", value_name = "KIND[=PATH]")]
    pub reports: Vec<ReportSpec>,
    /// File for a `--report KIND` given without `=PATH`, paired in order
    /// (`--report json --out r.json --report junit --out j.xml`).
    #[arg(long = "out", value_name = "PATH")]
    pub outs: Vec<PathBuf>,
    /// RouterOS version the embedded simulator runs: `--target sim --version-under-test V` is
    /// `--target sim:V`.
    #[arg(long, value_name = "VERSION")]
    pub version_under_test: Option<Version>,
    /// Exit 1 only for failures of at least this severity (critical, high, medium, low, info);
    /// default: any failure. Waived failures never fail the run; an incomplete audit always does.
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,
    /// Write every failed check's fix as one idempotent RouterOS script to FILE (see
    /// `chrlab::fix`); passwords appear only when the profile sets them.
    #[arg(long, value_name = "FILE")]
    pub fix_script: Option<PathBuf>,
    /// Harden with your own RouterOS script instead of one rendered from the profile: it is
    /// uploaded over FTP, run with `/import … verbose=yes`, and the profile only states what must
    /// hold. Its errors are reported as `FILE:LINE: message`.
    #[arg(long = "apply", value_name = "FILE.rsc", conflicts_with = "no_apply")]
    pub apply_script: Option<PathBuf>,
    /// The administrator the `--apply` script creates; chrlab proves its login and then uses it.
    /// Its password comes from `CHRLAB_APPLY_PASSWORD`, never the command line.
    #[arg(long, value_name = "USER", requires = "apply_script")]
    pub apply_admin: Option<String>,
}

impl CheckArgs {
    /// The exit code the report calls for under `--fail-on`.
    pub fn exit(&self, report: &crate::outcome::RunReport) -> crate::outcome::Exit {
        report.exit_at(self.fail_on.unwrap_or(Severity::Info))
    }

    /// The lab to build: `--target`, with `--version-under-test` folded in.
    pub fn lab(&self) -> Result<LabSpec, LabError> {
        self.target.clone().with_version(self.version_under_test)
    }

    /// The reports to write: each `--out PATH` goes, in order, to a `--report KIND` that named no
    /// path of its own.
    pub fn report_specs(&self) -> Result<Vec<ReportSpec>, UnpairedOut> {
        let mut outs = self.outs.iter();
        let specs: Vec<ReportSpec> = self
            .reports
            .iter()
            .map(|r| match (&r.dest, r.explicit_dest) {
                (Destination::Stdout, false) => match outs.next() {
                    Some(p) => ReportSpec {
                        kind: r.kind,
                        dest: Destination::File(p.clone()),
                        explicit_dest: true,
                    },
                    None => r.clone(),
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

/// An `--out PATH` with no `--report KIND` to pair with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--out {} has no --report KIND (without =PATH) to pair with", .0.display())]
pub struct UnpairedOut(pub PathBuf);

/// `chrlab render`.
/// `chrlab explain <check-id>`.
#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    /// The check id, e.g. `services.moved` (as every report prints it).
    #[arg(value_name = "CHECK-ID")]
    pub id: String,
    /// The profile whose steps the fix shows.
    #[arg(long, value_name = "FILE", default_value = DEFAULT_PROFILE)]
    pub profile: PathBuf,
    /// The address the router is managed from, admitted by the fix (else the profile's
    /// management sources, else a documentation address that says it stands in).
    #[arg(long, value_name = "IP")]
    pub harness_source: Option<IpAddr>,
}

#[derive(Debug, Clone, Args)]
pub struct RenderArgs {
    /// Hardening profile (TOML).
    #[arg(long, value_name = "FILE", default_value = DEFAULT_PROFILE)]
    pub profile: PathBuf,
    /// Print passwords instead of `***`.
    #[arg(long)]
    pub show_secrets: bool,
    /// The harness's own address, added to the allowed management sources.
    #[arg(long, value_name = "IP")]
    pub harness_source: Option<IpAddr>,
}

/// `chrlab bench`.
#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Hardening profile (TOML).
    #[arg(long, value_name = "FILE", default_value = DEFAULT_PROFILE)]
    pub profile: PathBuf,
    /// Router to use (see `check --target`).
    #[arg(long, value_name = "LAB", default_value = "sim")]
    pub target: LabSpec,
    /// Number of measured runs.
    #[arg(long, default_value_t = 5)]
    pub iterations: u32,
    /// RouterOS version the embedded simulator runs (`--target sim` only).
    #[arg(long, value_name = "VERSION")]
    pub version_under_test: Option<Version>,
    /// Time a matrix of 4 simulator versions against the slowest of them alone (`chrlab::scale`).
    #[arg(long)]
    pub matrix: bool,
    /// Instead: audit N simulators on loopback addresses read-only, as `chrlab fleet` does.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=254), conflicts_with = "matrix")]
    pub fleet: Option<u8>,
}

impl BenchArgs {
    /// The lab to build: `--target`, with `--version-under-test` folded in.
    pub fn lab(&self) -> Result<LabSpec, LabError> {
        self.target.clone().with_version(self.version_under_test)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn out_pairs_with_reports_that_name_no_path() {
        let parse = |args: &[&str]| {
            let mut argv = vec!["chrlab", "check"];
            argv.extend_from_slice(args);
            match Cli::try_parse_from(argv).unwrap().command {
                Command::Check(a) => a.report_specs(),
                _ => unreachable!(),
            }
        };
        let specs = parse(&[
            "--report", "json", "--out", "r.json", "--report", "md=-", "--report", "junit",
            "--out", "j.xml",
        ])
        .unwrap();
        let dests: Vec<String> = specs.iter().map(|s| s.to_string()).collect();
        assert_eq!(dests, ["json=r.json", "md=-", "junit=j.xml"]);
        let err = parse(&["--report", "json=a.json", "--out", "b.json"]).unwrap_err();
        assert!(err.to_string().contains("--out b.json"), "{err}");
        match Cli::try_parse_from(["chrlab", "check", "--fail-on", "high"])
            .unwrap()
            .command
        {
            Command::Check(a) => assert_eq!(a.fail_on, Some(Severity::High)),
            _ => unreachable!(),
        }
        let bad = Cli::try_parse_from(["chrlab", "check", "--fail-on", "severe"]).unwrap_err();
        assert!(
            bad.to_string().contains("unknown severity `severe`"),
            "{bad}"
        );
        assert!(err.to_string().contains("--out b.json"), "{err}");
    }

    #[test]
    fn check_arguments() {
        let cli = Cli::try_parse_from([
            "chrlab",
            "-vv",
            "check",
            "--no-apply",
            "--target",
            "ssh://admin@192.0.2.1:22",
            "--untrusted-source",
            "192.0.2.66",
            "--report",
            "junit=out/j.xml",
            "--report",
            "json",
            "--version-under-test",
            "6.49.13",
        ])
        .unwrap();
        assert_eq!(cli.verbose, 2);
        let Command::Check(a) = cli.command else {
            panic!("not check")
        };
        assert!(a.no_apply);
        assert_eq!(a.profile, PathBuf::from(DEFAULT_PROFILE));
        assert_eq!(a.reports.len(), 2);
        assert_eq!(a.version_under_test, Version::parse("6.49.13").ok());
        // One lab specification: the CLI's version flag names the same lab as `sim:6.49.13`.
        let sim =
            Cli::try_parse_from(["chrlab", "check", "--version-under-test", "6.49.13"]).unwrap();
        let Command::Check(sim) = sim.command else {
            panic!("not check")
        };
        assert_eq!(
            sim.lab().unwrap(),
            "sim:6.49.13".parse::<LabSpec>().unwrap()
        );
        assert!(a.lab().is_err(), "a version for a remote router is refused");
        assert_eq!(a.untrusted_source, Some("192.0.2.66".parse().unwrap()));
        assert!(Cli::try_parse_from(["chrlab", "check", "--report", "pdf=x"]).is_err());
        assert!(Cli::try_parse_from(["chrlab", "check", "--report", "html=x"]).is_ok());
        assert!(Cli::try_parse_from(["chrlab", "check", "--version-under-test", "x"]).is_err());
    }
}
