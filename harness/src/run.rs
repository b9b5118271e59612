//! What `chrlab check` and `chrlab bench` do: build the lab the target names, audit it,
//! shut the lab down (also when the audit failed), and hand back the report.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::access::Credentials;
use crate::audit::audit;
use crate::cli::{BenchArgs, CheckArgs, Scheme, Target};
use crate::lab::Lab;
use crate::lab::remote::{RemoteLab, Sources};
use crate::lab::sim::{SimLab, SimLabConfig};
use crate::outcome::{Exit, RunReport};
use crate::profile::{Profile, ProfileError};
use crate::secret::Secret;

/// Why a run produced no report.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The profile is unreadable or invalid (the user must fix it).
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// A bad combination of arguments.
    #[error("{0}")]
    Usage(String),
    /// The harness failed (lab, network, client).
    #[error("{0}")]
    Internal(String),
}

impl RunError {
    /// Exit code: [`Exit::Usage`] for what the user must fix, [`Exit::Internal`] otherwise.
    pub fn exit(&self) -> Exit {
        match self {
            RunError::Profile(_) | RunError::Usage(_) => Exit::Usage,
            RunError::Internal(_) => Exit::Internal,
        }
    }
}

/// A spinner on stderr that says what the run is doing (hidden when stderr is not a terminal).
struct Progress(ProgressBar);

impl Progress {
    fn new() -> Progress {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {elapsed:>3} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(100));
        Progress(bar)
    }

    fn say(&self, what: impl Into<String>) {
        let what = what.into();
        tracing::info!("{what}");
        self.0.set_message(what);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

async fn build_lab(
    target: &Target,
    version: routeros::version::Version,
    password_env: &str,
    sources: Sources,
    progress: &Progress,
) -> Result<Box<dyn Lab>, RunError> {
    match target {
        Target::Sim => {
            progress.say(format!(
                "starting the simulated RouterOS {version} in network namespaces"
            ));
            let lab = SimLab::start(SimLabConfig {
                version,
                ..SimLabConfig::default()
            })
            .await
            .map_err(|e| RunError::Internal(e.to_string()))?;
            Ok(Box::new(lab))
        }
        Target::Remote {
            scheme,
            user,
            host,
            port,
        } => {
            // chrlab applies over SSH and reads back over REST: an ssh:// target names the SSH
            // port (REST on www, port 80); an http(s):// target names the www or www-ssl port
            // (SSH on 22).
            let (ssh_port, rest) = match scheme {
                Scheme::Ssh => (port.unwrap_or(22), None),
                Scheme::Http => (22, Some(("www", port.unwrap_or(80), false))),
                Scheme::Https => (22, Some(("www-ssl", port.unwrap_or(443), true))),
                Scheme::Api | Scheme::ApiSsl => {
                    return Err(RunError::Usage(format!(
                        "--target {}://… is not supported: chrlab applies over ssh:// and reads over http(s)://",
                        scheme.as_str()
                    )));
                }
            };
            let password = std::env::var(password_env).unwrap_or_default();
            let credentials = Credentials {
                user: user.clone().unwrap_or_else(|| "admin".into()),
                password: Secret::new(password),
            };
            let url = format!(
                "{}://{}@{host}:{}",
                scheme.as_str(),
                credentials.user,
                target.port().unwrap_or(ssh_port)
            );
            progress.say(format!("reaching {url}"));
            let lab = RemoteLab::connect(&url, host, ssh_port, credentials, sources)
                .await
                .map_err(|e| RunError::Internal(e.to_string()))?;
            if let Some((service, port, tls)) = rest {
                lab.access().set_port(service, port);
                lab.access().use_rest_tls(tls);
            }
            Ok(Box::new(lab))
        }
    }
}

/// Environment variable that carries the new administrator's password for a remote router.
pub const NEW_ADMIN_PASSWORD_ENV: &str = "CHRLAB_NEW_ADMIN_PASSWORD";

/// Applies (unless `--no-apply`) and checks the profile against the target.
pub async fn check(args: &CheckArgs) -> Result<RunReport, RunError> {
    let mut profile = Profile::load(&args.profile)?;
    if args.target != Target::Sim && !args.no_apply && profile.users.password.is_none() {
        // A password generated for this run is never shown: fine for a throw-away simulator,
        // a lock-out for a router someone has to administer afterwards.
        let password = std::env::var(NEW_ADMIN_PASSWORD_ENV).map_err(|_| {
            RunError::Usage(format!(
                "hardening a remote router needs the new administrator's password: set users.password in {} or {NEW_ADMIN_PASSWORD_ENV}",
                args.profile.display()
            ))
        })?;
        let password = Secret::new(password);
        profile
            .users
            .password_policy
            .check(&password)
            .map_err(|v| RunError::Usage(format!("{NEW_ADMIN_PASSWORD_ENV}: {v}")))?;
        profile.users.password = Some(password);
    }
    let sources = Sources {
        trusted: args.trusted_source,
        untrusted: args.untrusted_source,
    };
    if args.target == Target::Sim && (sources.trusted.is_some() || sources.untrusted.is_some()) {
        return Err(RunError::Usage(
            "--trusted-source/--untrusted-source name addresses of this machine for a remote --target; the simulator lab has its own".into(),
        ));
    }
    let progress = Progress::new();
    let lab = build_lab(
        &args.target,
        args.version_under_test,
        &args.password_env,
        sources,
        &progress,
    )
    .await?;
    progress.say(if args.no_apply {
        "auditing the router as it is".to_string()
    } else {
        format!("hardening with {} and auditing", args.profile.display())
    });
    let result = audit(lab.as_ref(), &profile, &args.profile, !args.no_apply).await;
    progress.say("stopping the lab");
    lab.shutdown().await;
    result
        .map(|a| a.report)
        .map_err(|e| RunError::Internal(e.to_string()))
}

/// Times lab start-up, hardening and a full audit, `iterations` times, on a fresh lab each time.
pub async fn bench(args: &BenchArgs) -> Result<(), RunError> {
    let profile = Profile::load(&args.profile)?;
    let progress = Progress::new();
    let mut totals = Vec::new();
    for i in 0..args.iterations.max(1) {
        let started = Instant::now();
        let lab = build_lab(
            &args.target,
            args.version_under_test,
            "CHRLAB_ROUTER_PASSWORD",
            Sources::default(),
            &progress,
        )
        .await?;
        let ready = started.elapsed();
        progress.say(format!("run {}/{}: auditing", i + 1, args.iterations));
        let result = audit(lab.as_ref(), &profile, &args.profile, true).await;
        let audited = started.elapsed();
        lab.shutdown().await;
        let report = result
            .map_err(|e| RunError::Internal(e.to_string()))?
            .report;
        let tally = report.tally();
        totals.push(audited);
        println!(
            "run {}: lab ready {:>7.1} ms, hardened and audited {:>7.1} ms ({} passed, {} failed, {} skipped)",
            i + 1,
            ready.as_secs_f64() * 1e3,
            audited.as_secs_f64() * 1e3,
            tally.passed,
            tally.failed,
            tally.skipped
        );
    }
    totals.sort();
    let median = totals[totals.len() / 2];
    println!(
        "whole suite on the simulator (lab + apply + every check): median {:.1} ms over {} runs (goal: under 1000 ms)",
        median.as_secs_f64() * 1e3,
        totals.len()
    );
    Ok(())
}
