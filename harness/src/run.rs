//! What `chrlab check` and `chrlab bench` do: check every input, build the lab the target names,
//! audit it, shut the lab down (also when the audit failed or a signal stopped it), and hand
//! back the report.
//!
//! Everything the user can get wrong — the profile, the lab's name, the report paths, a
//! profile that would lock the harness out — is refused here, before a router is touched.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::apply::{ApplyError, Journal, refuse_lockout};
use crate::audit::{audit, audit_with};
use crate::cli::{BenchArgs, CheckArgs, UnpairedOut};
use crate::lab::LabError;
use crate::lab::remote::Sources;
use crate::lab::spec::{LabOptions, LabSpec};
use crate::outcome::{Exit, RunReport};
use crate::profile::{Profile, ProfileError};
use crate::report::{DestinationError, check_destinations};
use crate::secret::Secret;

/// A signal that stops a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM.
    Terminate,
}

impl Signal {
    /// `SIGINT` or `SIGTERM`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }
}

/// Why a run produced no report. The exit code follows from the kind ([`RunError::exit`]).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The profile is unreadable or invalid (the user must fix it).
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// The lab is named wrongly, or cannot be built or reached.
    #[error(transparent)]
    Lab(#[from] LabError),
    /// A report cannot be written where it is asked to go.
    #[error(transparent)]
    Destination(#[from] DestinationError),
    /// `--out` without a report to pair with.
    #[error(transparent)]
    Unpaired(#[from] UnpairedOut),
    /// A remote router cannot be hardened without a password for its new administrator.
    #[error(
        "hardening a remote router needs the new administrator's password: set users.password in {profile} or {NEW_ADMIN_PASSWORD_ENV}"
    )]
    NoNewAdminPassword {
        /// The profile file.
        profile: String,
    },
    /// The password in the environment does not meet the profile's policy.
    #[error("{NEW_ADMIN_PASSWORD_ENV}: {0}")]
    WeakNewAdminPassword(String),
    /// Applying the profile failed (or was refused). `account` says what the router received.
    #[error("apply {profile} to {router}")]
    Apply {
        /// The profile file.
        profile: String,
        /// The router.
        router: String,
        /// What was and was not applied, and how to undo it.
        account: String,
        /// Why it stopped.
        #[source]
        source: ApplyError,
    },
    /// The fix script cannot be written where `--fix-script` asks.
    #[error("write the fix script {}", .path.display())]
    FixScript {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The `--apply` script cannot be read, uploaded or imported, or what it was said to set
    /// does not hold.
    #[error(transparent)]
    UserScript(#[from] crate::user_script::UserScriptError),
    /// `--apply-admin` without the password in the environment.
    #[error(
        "--apply-admin {user}: set {} to the password the script gives {user}",
        crate::user_script::APPLY_PASSWORD_ENV
    )]
    NoApplyPassword {
        /// The administrator.
        user: String,
    },
    /// A signal stopped the run; the lab was torn down.
    #[error("stopped by {}; the lab was torn down", .signal.name())]
    Signalled {
        /// Which.
        signal: Signal,
        /// What the router had received when the signal came (empty for a fresh simulator).
        account: String,
    },
}

impl RunError {
    /// The exit code for this kind of error: 2 for what the user must fix (nothing was sent to
    /// a router), 3 when the router refused or could not be reached, 4 when the harness failed,
    /// 130/143 after SIGINT/SIGTERM.
    pub fn exit(&self) -> Exit {
        match self {
            RunError::Profile(_)
            | RunError::Destination(_)
            | RunError::Unpaired(_)
            | RunError::NoNewAdminPassword { .. }
            | RunError::WeakNewAdminPassword(_)
            | RunError::FixScript { .. }
            | RunError::NoApplyPassword { .. } => Exit::Usage,
            RunError::UserScript(e) if e.is_usage() => Exit::Usage,
            RunError::UserScript(_) => Exit::Router,
            RunError::Lab(e) if e.is_usage() => Exit::Usage,
            RunError::Lab(e) if e.is_unreachable() => Exit::Router,
            RunError::Lab(_) => Exit::Internal,
            RunError::Apply { source, .. } if source.is_usage() => Exit::Usage,
            RunError::Apply {
                source: ApplyError::NoTrustedVantage,
                ..
            } => Exit::Internal,
            RunError::Apply { .. } => Exit::Router,
            RunError::Signalled {
                signal: Signal::Interrupt,
                ..
            } => Exit::Interrupted,
            RunError::Signalled {
                signal: Signal::Terminate,
                ..
            } => Exit::Terminated,
        }
    }

    /// What the router received before the run stopped, with the commands that undo it.
    pub fn account(&self) -> Option<&str> {
        match self {
            RunError::Apply { account, .. } | RunError::Signalled { account, .. } => {
                Some(account).filter(|a| !a.is_empty()).map(String::as_str)
            }
            _ => None,
        }
    }
}

/// A spinner on stderr that says what the run is doing (hidden when stderr is not a terminal).
pub(crate) struct Progress(ProgressBar);

impl Progress {
    pub(crate) fn new() -> Progress {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {elapsed:>3} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(100));
        Progress(bar)
    }

    pub(crate) fn say(&self, what: impl Into<String>) {
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

/// Environment variable that carries the new administrator's password for a remote router.
pub const NEW_ADMIN_PASSWORD_ENV: &str = "CHRLAB_NEW_ADMIN_PASSWORD";

/// Waits for SIGINT or SIGTERM (never returns if neither can be listened for).
pub async fn signalled() -> Signal {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        tracing::warn!("cannot listen for SIGINT/SIGTERM");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = int.recv() => Signal::Interrupt,
        _ = term.recv() => Signal::Terminate,
    }
}

/// What `chrlab check` will do, every input checked: nothing built from it can fail because of
/// what the user typed ([`prepare`]); [`harden_and_audit`] then runs it on a lab.
pub struct Prepared {
    /// The lab to build.
    pub spec: LabSpec,
    /// The profile, with the new administrator's password from the environment when needed.
    pub profile: Profile,
    /// The profile's file, as the user named it.
    pub profile_path: std::path::PathBuf,
    /// How to start the lab (sources, the router's password).
    pub options: LabOptions,
    user_script: Option<crate::user_script::UserScript>,
    apply_admin: Option<crate::access::Credentials>,
    render_steps: bool,
}

impl Prepared {
    fn profile_name(&self) -> String {
        self.profile_path.display().to_string()
    }

    /// What [`audit_lab`] needs of it.
    pub(crate) fn lab_run(&self) -> LabRun<'_> {
        LabRun {
            spec: &self.spec,
            options: &self.options,
            profile: &self.profile,
            profile_path: &self.profile_path,
            render_steps: self.render_steps,
            user_script: self.user_script.as_ref(),
            apply_admin: self.apply_admin.clone(),
        }
    }
}

/// Checks every input of `chrlab check` before a router is touched: the lab's name, the profile,
/// the report and fix-script destinations, the `--apply` script and the lock-out rules.
// `RunError` is the run's one error, returned once per run and mostly by async fns (which the
// lint does not see): boxing it here only would split the type for nothing.
#[allow(clippy::result_large_err)]
pub fn prepare(args: &CheckArgs) -> Result<Prepared, RunError> {
    let spec = args.lab()?;
    let mut profile = Profile::load(&args.profile)?;
    check_destinations(&args.reports)?;
    if let Some(path) = &args.fix_script {
        fix_script_destination(path).map_err(|source| RunError::FixScript {
            path: path.clone(),
            source,
        })?;
    }
    let profile_name = args.profile.display().to_string();
    // `--apply FILE.rsc`: the user's script replaces the rendered steps (checked here, before a
    // router is touched); the profile then only states what must hold.
    let user_script = args
        .apply_script
        .as_deref()
        .map(crate::user_script::UserScript::load)
        .transpose()?;
    let apply_admin = match &args.apply_admin {
        Some(user) => Some(crate::access::Credentials {
            user: user.clone(),
            password: Secret::new(
                std::env::var(crate::user_script::APPLY_PASSWORD_ENV)
                    .map_err(|_| RunError::NoApplyPassword { user: user.clone() })?,
            ),
        }),
        None => None,
    };
    let render_steps = !args.no_apply && user_script.is_none();
    if render_steps {
        refuse_lockout(&profile, args.trusted_source).map_err(|source| RunError::Apply {
            profile: profile_name.clone(),
            router: spec.to_string(),
            account: String::new(),
            source,
        })?;
    }
    if !spec.is_throwaway() && render_steps && profile.users.password.is_none() {
        // A password generated for this run is never shown: fine for a throw-away simulator,
        // a lock-out for a router someone has to administer afterwards.
        let password =
            std::env::var(NEW_ADMIN_PASSWORD_ENV).map_err(|_| RunError::NoNewAdminPassword {
                profile: profile_name.clone(),
            })?;
        let password = Secret::new(password);
        profile
            .users
            .password_policy
            .check(&password)
            .map_err(|v| RunError::WeakNewAdminPassword(v.to_string()))?;
        profile.users.password = Some(password);
    }
    let options = LabOptions {
        sources: Sources {
            trusted: args.trusted_source,
            untrusted: args.untrusted_source,
        },
        ..LabOptions::from_env(&args.password_env)
    };
    Ok(Prepared {
        spec,
        profile,
        profile_path: args.profile.clone(),
        options,
        user_script,
        apply_admin,
        render_steps,
    })
}

/// Hardens the lab's router as `chrlab check` does (the rendered profile, the user's `--apply`
/// script, or nothing with `--no-apply`), audits it and applies the profile's waivers. The
/// caller owns the lab (and shuts it down); `journal` records what the router received.
pub async fn harden_and_audit(
    plan: &Prepared,
    lab: &dyn crate::lab::Lab,
    journal: &Journal,
) -> Result<crate::audit::Audit, RunError> {
    harden_and_audit_lab(&plan.lab_run(), lab, journal).await
}

/// [`harden_and_audit`] for what one lab needs.
async fn harden_and_audit_lab(
    run: &LabRun<'_>,
    lab: &dyn crate::lab::Lab,
    journal: &Journal,
) -> Result<crate::audit::Audit, RunError> {
    if let Some(s) = run.user_script {
        crate::user_script::apply(lab, run.profile, s, run.apply_admin.clone())
            .await
            .map_err(RunError::UserScript)?;
    }
    let mut audit = audit_with(
        lab,
        run.profile,
        run.profile_path,
        run.render_steps,
        journal,
    )
    .await
    .map_err(|source| RunError::Apply {
        profile: run.profile_path.display().to_string(),
        router: lab.describe(),
        account: journal.account(),
        source,
    })?;
    // Waived failures are accepted: they are reported as WAIVED, and their fixes are left out
    // of the fix script, which carries only what still fails.
    crate::waiver::apply(
        &mut audit.report,
        &run.profile.waivers,
        time::OffsetDateTime::now_utc().date(),
    );
    Ok(audit)
}

/// Applies (unless `--no-apply`) and checks the profile against the target.
pub async fn check(args: &CheckArgs) -> Result<RunReport, RunError> {
    // Every input first: nothing below this block may fail because of what the user typed.
    let plan = prepare(args)?;
    let progress = Progress::new();
    let audit = audit_lab(plan.lab_run(), signalled(), &|what| progress.say(what)).await?;
    if let Some(path) = &args.fix_script {
        write_fix_script(path, &plan.profile, &plan.profile_name(), &audit).map_err(|source| {
            RunError::FixScript {
                path: path.clone(),
                source,
            }
        })?;
    }
    Ok(audit.report)
}

/// What hardening and auditing one fresh lab needs, every input already checked.
pub(crate) struct LabRun<'a> {
    /// The lab to build.
    pub spec: &'a LabSpec,
    /// Its password and sources.
    pub options: &'a LabOptions,
    /// The profile to harden with and check against.
    pub profile: &'a Profile,
    /// Its file, as reports name it.
    pub profile_path: &'a std::path::Path,
    /// Harden with the steps rendered from the profile first.
    pub render_steps: bool,
    /// Harden with the user's script instead.
    pub user_script: Option<&'a crate::user_script::UserScript>,
    /// The administrator the user's script creates.
    pub apply_admin: Option<crate::access::Credentials>,
}

/// Starts the lab, hardens it (the rendered profile or the user's script), audits it, shuts it
/// down whatever happened — also when `stop` ends the run first — and applies the profile's
/// waivers: the part of `chrlab check` that `chrlab matrix` runs once per lab.
pub(crate) async fn audit_lab(
    run: LabRun<'_>,
    stop: impl std::future::Future<Output = Signal>,
    say: &(dyn Fn(String) + Sync),
) -> Result<crate::audit::Audit, RunError> {
    let LabRun {
        spec,
        options,
        profile_path,
        render_steps,
        user_script,
        ..
    } = run;
    let applies = render_steps || user_script.is_some();
    tokio::pin!(stop);
    say(format!("starting the lab {spec}"));
    let lab = tokio::select! {
        lab = spec.start_with(options) => lab?,
        signal = &mut stop => return Err(RunError::Signalled { signal, account: String::new() }),
    };
    say(if let Some(s) = user_script {
        format!("hardening with {} and auditing", s.path.display())
    } else if !applies {
        "auditing the router as it is".to_string()
    } else {
        format!("hardening with {} and auditing", profile_path.display())
    });
    let journal = Journal::default();
    let outcome = tokio::select! {
        result = harden_and_audit_lab(&run, lab.as_ref(), &journal) => Ok(result),
        signal = &mut stop => Err(signal),
    };
    say("stopping the lab".to_string());
    lab.shutdown().await;
    match outcome {
        Ok(result) => result,
        Err(signal) => Err(RunError::Signalled {
            signal,
            account: if applies {
                journal.account()
            } else {
                String::new()
            },
        }),
    }
}

/// Refuses, before a router is touched, a `--fix-script` path that cannot become a file: an
/// existing directory, or a directory to create it in that does not exist.
fn fix_script_destination(path: &std::path::Path) -> std::io::Result<()> {
    use std::io::{Error, ErrorKind};
    if path.is_dir() {
        return Err(Error::new(ErrorKind::IsADirectory, "it is a directory"));
    }
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) if !dir.is_dir() => Err(Error::new(
            ErrorKind::NotFound,
            format!("no directory {}", dir.display()),
        )),
        _ => Ok(()),
    }
}

/// Writes every failure's fix as one script ([`crate::fix::script`]). Passwords in clear only
/// when the profile (or the environment) set them: a generated one would be unknown to whoever
/// runs the script, so its lines are written commented out.
fn write_fix_script(
    path: &std::path::Path,
    profile: &Profile,
    profile_name: &str,
    audit: &crate::audit::Audit,
) -> std::io::Result<()> {
    let header = crate::fix::ScriptHeader {
        router: audit.report.router.clone(),
        profile: profile_name.to_string(),
        date: crate::outcome::rfc3339(audit.report.started),
    };
    let reveal = if profile.users.password.is_some() {
        crate::render::Reveal::Exposed
    } else {
        crate::render::Reveal::Redacted
    };
    let fallback;
    let ctx = match &audit.context {
        Some(ctx) => ctx,
        None => {
            fallback = crate::render::RenderContext::new(profile, None);
            &fallback
        }
    };
    let text = crate::fix::script(
        &header,
        profile,
        ctx,
        &audit.observation,
        &audit.report.results,
        reveal,
    );
    std::fs::write(path, text)
}

/// Times lab start-up, hardening and a full audit, `iterations` times, on a fresh lab each time.
pub async fn bench(args: &BenchArgs) -> Result<(), RunError> {
    if args.matrix {
        return crate::scale::matrix::bench(args).await;
    }
    let spec: LabSpec = args.lab()?;
    let profile = Profile::load(&args.profile)?;
    let progress = Progress::new();
    let cold = match &spec {
        LabSpec::Qemu(image) => Some(bench_cold_boot(&spec, image, &progress).await?),
        _ => None,
    };
    let mut totals = Vec::new();
    let mut readies = Vec::new();
    for i in 0..args.iterations.max(1) {
        let started = Instant::now();
        progress.say(format!(
            "run {}/{}: starting {spec}",
            i + 1,
            args.iterations
        ));
        let lab = spec.start().await?;
        let ready = started.elapsed();
        progress.say(format!("run {}/{}: auditing", i + 1, args.iterations));
        let result = audit(lab.as_ref(), &profile, &args.profile, true).await;
        let audited = started.elapsed();
        let router = lab.describe();
        lab.shutdown().await;
        let report = result
            .map_err(|source| RunError::Apply {
                profile: args.profile.display().to_string(),
                router,
                account: String::new(),
                source,
            })?
            .report;
        let tally = report.tally();
        totals.push(audited);
        readies.push(ready);
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
    readies.sort();
    let median = totals[totals.len() / 2];
    let ready = readies[readies.len() / 2];
    match cold {
        None => println!(
            "whole suite on the simulator (lab + apply + every check of the full baseline): median {:.1} ms over {} runs (goal: at most 1500 ms); {} checks",
            median.as_secs_f64() * 1e3,
            totals.len(),
            crate::measures::checks().count()
        ),
        Some(cold) => {
            println!(
                "cold boot to ready {:.1} ms; restore to ready: median {:.1} ms over {} runs, {:.1}x faster (goal: under 1000 ms and at least 10x)",
                cold.as_secs_f64() * 1e3,
                ready.as_secs_f64() * 1e3,
                readies.len(),
                cold.as_secs_f64() / ready.as_secs_f64().max(1e-9)
            );
            println!(
                "whole suite on {spec} (restore + apply + every check): median {:.1} ms over {} runs",
                median.as_secs_f64() * 1e3,
                totals.len()
            );
        }
    }
    Ok(())
}

/// Times one cold boot of the image to a router that answers SSH (console first login
/// included), then makes sure its golden snapshot exists, so the measured runs are restores.
async fn bench_cold_boot(
    spec: &LabSpec,
    image: &crate::lab::spec::ImageRef,
    progress: &Progress,
) -> Result<std::time::Duration, RunError> {
    use crate::lab::qemu::{QemuLab, QemuLabConfig};
    let path = image.resolve().await.map_err(|detail| {
        RunError::Lab(crate::lab::LabError::Target {
            target: spec.to_string(),
            detail,
        })
    })?;
    progress.say(format!(
        "cold boot of {spec} (console first login, then SSH)"
    ));
    let mut config = QemuLabConfig::new(spec.to_string(), &path);
    config.restore = false;
    let started = Instant::now();
    let lab = QemuLab::start(config.clone()).await?;
    let cold = started.elapsed();
    println!(
        "cold boot: {:.1} ms to ready ({}: {})",
        cold.as_secs_f64() * 1e3,
        lab.boot_report().accel.name(),
        lab.boot_report().accel_reason
    );
    crate::lab::Lab::shutdown(Box::new(lab)).await;
    progress.say(format!(
        "first restore of {spec} (makes its golden snapshot if missing)"
    ));
    config.restore = true;
    let lab = QemuLab::start(config).await?;
    if let Some(made) = lab.boot_report().golden_made {
        println!(
            "golden snapshot made in {:.1} ms (once per image)",
            made.as_secs_f64() * 1e3
        );
    }
    crate::lab::Lab::shutdown(Box::new(lab)).await;
    Ok(cold)
}
