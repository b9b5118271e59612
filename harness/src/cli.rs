//! Command-line arguments of `chrlab` (clap derive). The binary only parses these and calls
//! [`crate::run`]; keeping them in the library lets `run::check` take them directly.
//!
//! Reports: `--report KIND[=PATH]`, repeatable, e.g. `--report junit=out/junit.xml --report json=out/r.json`.
//! KIND is `json`, `junit` or `md`; PATH `-` or no PATH means standard output. The human report is
//! always printed, to stdout, or to stderr when some `--report` already writes to stdout.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, Parser, Subcommand};
use routeros::version::Version;

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
    /// Time lab start-up and a full check run.
    Bench(BenchArgs),
    /// Show or refresh the known-vulnerable version table (CVE records).
    Cve(crate::cve::CveArgs),
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
    /// Router to check: `sim` (the embedded simulator), `ssh://user@host:port`,
    /// `https://host[:port]`, `http://host[:port]`, `api://user@host[:port]`.
    #[arg(long, value_name = "URL", default_value = "sim")]
    pub target: Target,
    /// Source address of the trusted vantage (must be allowed by the profile's firewall).
    #[arg(long, value_name = "IP")]
    pub trusted_source: Option<IpAddr>,
    /// Source address of the untrusted vantage; without one, checks that need it are skipped.
    #[arg(long, value_name = "IP")]
    pub untrusted_source: Option<IpAddr>,
    /// Environment variable holding the router's current password (never pass it as an argument).
    #[arg(long, value_name = "NAME", default_value = "CHRLAB_ROUTER_PASSWORD")]
    pub password_env: String,
    /// Machine-readable report: KIND[=PATH] with KIND json, junit or md; repeatable.
    #[arg(long = "report", value_name = "KIND[=PATH]")]
    pub reports: Vec<ReportSpec>,
    /// File for a `--report KIND` given without `=PATH`, paired in order
    /// (`--report json --out r.json --report junit --out j.xml`).
    #[arg(long = "out", value_name = "PATH")]
    pub outs: Vec<PathBuf>,
    /// RouterOS version the embedded simulator runs (target `sim` only).
    #[arg(long, value_name = "VERSION", default_value = "7.23.7")]
    pub version_under_test: Version,
}

impl CheckArgs {
    /// The reports to write: each `--out PATH` goes, in order, to a `--report KIND` that named no
    /// path of its own.
    pub fn report_specs(&self) -> Result<Vec<ReportSpec>, String> {
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
            Some(extra) => Err(format!(
                "--out {} has no --report KIND (without =PATH) to pair with",
                extra.display()
            )),
            None => Ok(specs),
        }
    }
}

/// `chrlab render`.
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
    #[arg(long, value_name = "URL", default_value = "sim")]
    pub target: Target,
    /// Number of measured runs.
    #[arg(long, default_value_t = 5)]
    pub iterations: u32,
    /// RouterOS version the embedded simulator runs (target `sim` only).
    #[arg(long, value_name = "VERSION", default_value = "7.23.7")]
    pub version_under_test: Version,
}

/// How the harness reaches the router.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// SSH (CLI over an exec channel or shell).
    Ssh,
    /// REST over HTTP (`www`).
    Http,
    /// REST over HTTPS (`www-ssl`).
    Https,
    /// Binary API (`api`).
    Api,
    /// Binary API over TLS (`api-ssl`).
    ApiSsl,
}

impl Scheme {
    /// The URL scheme word.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Ssh => "ssh",
            Scheme::Http => "http",
            Scheme::Https => "https",
            Scheme::Api => "api",
            Scheme::ApiSsl => "api-ssl",
        }
    }

    /// The RouterOS factory port for this access.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Ssh => 22,
            Scheme::Http => 80,
            Scheme::Https => 443,
            Scheme::Api => 8728,
            Scheme::ApiSsl => 8729,
        }
    }
}

/// `--target`: the embedded simulator or a remote router.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The embedded simulator (`sim`).
    Sim,
    /// A router reached over the network.
    Remote {
        /// Access protocol.
        scheme: Scheme,
        /// User name from the URL, if any.
        user: Option<String>,
        /// Host name or address (IPv6 without brackets).
        host: String,
        /// Port from the URL, if any.
        port: Option<u16>,
    },
}

impl Target {
    /// The port to connect to: the URL's, else the scheme's factory port.
    pub fn port(&self) -> Option<u16> {
        match self {
            Target::Sim => None,
            Target::Remote { scheme, port, .. } => Some(port.unwrap_or(scheme.default_port())),
        }
    }
}

/// Why a `--target` value is not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid target `{text}`: {reason}")]
pub struct TargetError {
    /// The argument.
    pub text: String,
    /// What is wrong.
    pub reason: String,
}

impl FromStr for Target {
    type Err = TargetError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| TargetError {
            text: s.to_string(),
            reason: reason.to_string(),
        };
        if s == "sim" {
            return Ok(Target::Sim);
        }
        let (scheme_text, rest) = s
            .split_once("://")
            .ok_or_else(|| err("expected sim or SCHEME://[USER@]HOST[:PORT]"))?;
        let scheme = match scheme_text {
            "ssh" => Scheme::Ssh,
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            "api" => Scheme::Api,
            "api-ssl" | "apis" => Scheme::ApiSsl,
            _ => return Err(err("scheme must be ssh, http, https, api or api-ssl")),
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains('/') || rest.contains('?') {
            return Err(err("no path or query allowed"));
        }
        let (user, hostport) = match rest.rsplit_once('@') {
            Some((u, h)) if !u.is_empty() => {
                if u.contains(':') {
                    return Err(err("no password in the URL (use --password-env)"));
                }
                (Some(u.to_string()), h)
            }
            Some(_) => return Err(err("empty user name")),
            None => (None, rest),
        };
        let (host, port_text) = if let Some(v6) = hostport.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .ok_or_else(|| err("unclosed `[` in IPv6 address"))?;
            match after {
                "" => (h, None),
                a => (
                    h,
                    Some(
                        a.strip_prefix(':')
                            .ok_or_else(|| err("expected `:PORT` after `]`"))?,
                    ),
                ),
            }
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        if host.is_empty() {
            return Err(err("empty host"));
        }
        let port = match port_text {
            None => None,
            Some(p) => Some(
                p.parse::<u16>()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| err("port must be 1-65535"))?,
            ),
        };
        Ok(Target::Remote {
            scheme,
            user,
            host: host.to_string(),
            port,
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Sim => f.write_str("sim"),
            Target::Remote {
                scheme,
                user,
                host,
                port,
            } => {
                write!(f, "{}://", scheme.as_str())?;
                if let Some(u) = user {
                    write!(f, "{u}@")?;
                }
                if host.contains(':') {
                    write!(f, "[{host}]")?;
                } else {
                    f.write_str(host)?;
                }
                if let Some(p) = port {
                    write!(f, ":{p}")?;
                }
                Ok(())
            }
        }
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
    fn targets_parse_and_round_trip() {
        for s in [
            "sim",
            "ssh://admin@192.0.2.1:2222",
            "https://router.example",
            "http://192.0.2.1:8080",
            "api://netops@[2001:db8::1]:8728",
        ] {
            assert_eq!(s.parse::<Target>().unwrap().to_string(), s);
        }
        let t: Target = "ssh://admin@192.0.2.1".parse().unwrap();
        assert_eq!(t.port(), Some(22));
        assert_eq!("https://h".parse::<Target>().unwrap().port(), Some(443));
        for bad in [
            "telnet://h",
            "192.0.2.1",
            "ssh://admin:pw@h",
            "ssh://h:0",
            "ssh://h:99999",
            "https://h/rest",
            "ssh://@h",
        ] {
            assert!(bad.parse::<Target>().is_err(), "{bad}");
        }
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
        assert!(err.contains("--out b.json"), "{err}");
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
        assert_eq!(a.version_under_test, Version::parse("6.49.13").unwrap());
        assert_eq!(a.untrusted_source, Some("192.0.2.66".parse().unwrap()));
        assert!(Cli::try_parse_from(["chrlab", "check", "--report", "html=x"]).is_err());
        assert!(Cli::try_parse_from(["chrlab", "check", "--version-under-test", "x"]).is_err());
    }
}
