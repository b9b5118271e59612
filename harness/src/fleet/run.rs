//! What `chrlab fleet` does: read the inventory, check every input (the inventory, each
//! router's profile and password source, the report destinations) before any router is
//! contacted, then audit the routers of this shard read-only, [`FleetArgs::parallel`] at once,
//! each attempt under a time limit, through the many-router engine ([`crate::scale`]); and
//! `chrlab bench --fleet N`, the same against N simulators on loopback addresses.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::args::FleetArgs;
use super::credentials::{CredentialError, PasswordFiles};
use super::inventory::{Inventory, InventoryError, InventoryRouter, Origin};
use super::loopback::{LoopbackError, LoopbackFleet, LoopbackRouter};
use crate::cli::{BenchArgs, UnpairedOut};
use crate::lab::remote::Sources;
use crate::lab::spec::{LabOptions, LabSpec, RemoteSpec, Scheme};
use crate::lab::{Lab, LabError, Role};
use crate::outcome::{Exit, RunReport};
use crate::printable::escape;
use crate::profile::{Profile, ProfileError};
use crate::report::{DestinationError, ReportError, TerminalStyle, check_destinations};
use crate::run::{Signal, signalled};
use crate::scale::report::UnsupportedKind;
use crate::scale::runner::{Progress, run_all};
use crate::scale::{Budget, Job, JobError, Kind, Limits, ManyReport, Row};
use crate::secret::Secret;

/// What a remote audit costs this machine, in MB (two vantage threads and their sockets): the
/// fleet's budget is [`FleetArgs::parallel`], not memory.
const REMOTE_COST_MB: u64 = 8;

/// Why a fleet run produced no report. Everything but [`FleetError::Signalled`] and
/// [`FleetError::Report`] is found before a router is contacted.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// The inventory is unreadable or wrong.
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    /// A router's password cannot be had.
    #[error(transparent)]
    Credential(#[from] CredentialError),
    /// A profile an inventory entry names cannot be used.
    #[error("{origin}: host {}: {field}: cannot use the profile", escape(.host))]
    Profile {
        /// Where the inventory names it.
        origin: Origin,
        /// The first router that uses it.
        host: String,
        /// The field.
        field: String,
        /// Why.
        #[source]
        source: Box<ProfileError>,
    },
    /// `--profile` cannot be used (by the routers that name no profile).
    #[error("--profile, for {} and every router that names no profile", escape(.host))]
    DefaultProfile {
        /// The first router that uses it.
        host: String,
        /// Why.
        #[source]
        source: Box<ProfileError>,
    },
    /// A report cannot be written where it is asked to go.
    #[error(transparent)]
    Destination(#[from] DestinationError),
    /// A report kind the fleet does not write.
    #[error(transparent)]
    Kind(#[from] UnsupportedKind),
    /// `--out` without a report to pair with.
    #[error(transparent)]
    Unpaired(#[from] UnpairedOut),
    /// `--parallel 0`.
    #[error("--parallel must be at least 1")]
    Parallel,
    /// The simulated fleet of `chrlab bench --fleet` did not start.
    #[error("bench --fleet")]
    Loopback(#[from] LoopbackError),
    /// The bench's inventory could not be written.
    #[error("bench --fleet: write {}", .path.display())]
    BenchFiles {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A signal stopped the run; every router's connections were closed.
    #[error("stopped by {}; every router's connections were closed", .0.name())]
    Signalled(Signal),
    /// Writing a report failed (after the audits).
    #[error(transparent)]
    Report(#[from] ReportError),
}

impl FleetError {
    /// The exit code for this kind of error: 2 for what the user must fix (no router was
    /// contacted), 130/143 after a signal, 4 otherwise.
    pub fn exit(&self) -> Exit {
        match self {
            FleetError::Signalled(Signal::Interrupt) => Exit::Interrupted,
            FleetError::Signalled(Signal::Terminate) => Exit::Terminated,
            FleetError::Report(_) | FleetError::Loopback(_) | FleetError::BenchFiles { .. } => {
                Exit::Internal
            }
            _ => Exit::Usage,
        }
    }
}

/// One router, every input checked: ready to be audited.
#[derive(Debug)]
struct Plan {
    spec: LabSpec,
    password: Secret,
    profile: Arc<Profile>,
    profile_path: PathBuf,
}

/// The routers of this shard as jobs, and their plans by name.
struct Fleet {
    jobs: Vec<Job>,
    plans: HashMap<String, Arc<Plan>>,
    notes: Vec<String>,
}

/// Checks every input and plans each router of this shard; contacts nothing.
fn plan(args: &FleetArgs) -> Result<Fleet, FleetError> {
    crate::scale::report::check_kinds(&args.reports, Kind::Fleet)?;
    check_destinations(&args.reports)?;
    if args.parallel == 0 {
        return Err(FleetError::Parallel);
    }
    let inventory = Inventory::load(&args.inventory)?;
    // Every profile of the inventory, each read once, in every shard alike.
    let mut profiles: HashMap<PathBuf, Arc<Profile>> = HashMap::new();
    for r in &inventory.routers {
        let (path, loaded) = match &r.profile {
            Some(p) => (
                p.path.clone(),
                load_once(&mut profiles, &p.path).map_err(|source| FleetError::Profile {
                    origin: p.origin.clone(),
                    host: r.name.clone(),
                    field: p.field.clone(),
                    source: Box::new(source),
                }),
            ),
            None => (
                args.profile.clone(),
                load_once(&mut profiles, &args.profile).map_err(|source| {
                    FleetError::DefaultProfile {
                        host: r.name.clone(),
                        source: Box::new(source),
                    }
                }),
            ),
        };
        loaded?;
        debug_assert!(profiles.contains_key(&path));
    }
    let selected: Vec<&InventoryRouter> = inventory
        .routers
        .iter()
        .filter(|r| args.shard.is_none_or(|s| s.contains(&r.name)))
        .collect();
    let mut notes = Vec::new();
    if let Some(s) = args.shard {
        notes.push(format!(
            "shard {s}: {} of the inventory's {} routers",
            selected.len(),
            inventory.routers.len()
        ));
    }
    // The passwords of the routers this machine audits (another shard's need not be here).
    let mut files = PasswordFiles::default();
    let mut plans = HashMap::new();
    let mut jobs = Vec::new();
    for r in selected {
        let password = files.password(r)?;
        let profile_path = r
            .profile
            .as_ref()
            .map_or(&args.profile, |p| &p.path)
            .clone();
        let profile = profiles[&profile_path].clone();
        let spec = LabSpec::Remote(RemoteSpec {
            scheme: Scheme::Ssh,
            user: Some(r.user.clone()),
            host: r.host.clone(),
            port: Some(r.port),
        });
        jobs.push(Job {
            name: r.name.clone(),
            group: r.group.clone(),
            version: None,
            cost_mb: REMOTE_COST_MB,
        });
        plans.insert(
            r.name.clone(),
            Arc::new(Plan {
                spec,
                password,
                profile,
                profile_path,
            }),
        );
    }
    Ok(Fleet { jobs, plans, notes })
}

fn load_once(
    profiles: &mut HashMap<PathBuf, Arc<Profile>>,
    path: &Path,
) -> Result<(), ProfileError> {
    if !profiles.contains_key(path) {
        profiles.insert(path.to_path_buf(), Arc::new(Profile::load(path)?));
    }
    Ok(())
}

/// Audits the routers of this shard of the inventory; the report has one row per router, in
/// inventory order.
pub async fn run(args: &FleetArgs) -> Result<ManyReport, FleetError> {
    let fleet = plan(args)?;
    let sources = Sources {
        trusted: args.trusted_source,
        untrusted: args.untrusted_source,
    };
    let plans = Arc::new(fleet.plans);
    let job = move |job: Job| {
        let plan = plans.get(&job.name).cloned();
        async move {
            match plan {
                Some(plan) => audit_router(plan, sources).await,
                None => Err(JobError {
                    message: format!("no plan for {}", job.name),
                    exit: Exit::Internal,
                    retryable: false,
                }),
            }
        }
    };
    let budget = Budget {
        parallel: args.parallel,
        memory_mb: u64::MAX,
    };
    let limits = Limits {
        timeout: Duration::from_secs(args.timeout.max(1)),
        retries: args.retries,
    };
    let progress = Arc::new(FleetProgress::new(fleet.jobs.len()));
    let started = time::OffsetDateTime::now_utc();
    let rows = tokio::select! {
        rows = run_all(fleet.jobs, budget, limits, progress.clone(), job) => rows,
        signal = signalled() => return Err(FleetError::Signalled(signal)),
    };
    progress.done();
    let mut report = ManyReport::new(Kind::Fleet, rows);
    report.started = started;
    report.finished = time::OffsetDateTime::now_utc();
    report.shard = args.shard.map(|s| (s.index, s.count));
    report.notes.extend(fleet.notes);
    Ok(report)
}

/// A lab that, dropped without [`OwnedLab::shutdown`] (a timed-out attempt), is dropped on a
/// thread of its own: its vantages join their threads, which must not block an async worker.
struct OwnedLab(Option<Box<dyn Lab>>);

impl OwnedLab {
    fn get(&self) -> &dyn Lab {
        self.0.as_deref().expect("the lab is there until shut down")
    }

    async fn shutdown(mut self) {
        if let Some(lab) = self.0.take() {
            lab.shutdown().await;
        }
    }
}

impl Drop for OwnedLab {
    fn drop(&mut self) {
        if let Some(lab) = self.0.take() {
            let _ = std::thread::Builder::new()
                .name("fleet-lab-drop".into())
                .spawn(move || drop(lab));
        }
    }
}

/// Every message of an error's chain, `: `-joined, with the password taken out.
fn chain(e: &dyn std::error::Error, password: &Secret) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    password.redact_in(&text)
}

/// Audits one router read-only: reach it, prove the login with one command over SSH (so a
/// router that does not answer, or refuses the login, is a failed row and not an audit of
/// nothing), then audit it without applying anything.
async fn audit_router(plan: Arc<Plan>, sources: Sources) -> Result<RunReport, JobError> {
    let options = LabOptions {
        password: plan.password.clone(),
        sources,
    };
    let lab = plan.spec.start_with(&options).await.map_err(|e| JobError {
        message: chain(&e, &plan.password),
        exit: if e.is_usage() {
            Exit::Usage
        } else if e.is_unreachable() {
            Exit::Router
        } else {
            Exit::Internal
        },
        retryable: e.is_unreachable(),
    })?;
    let lab = OwnedLab(Some(lab));
    let target = plan.spec.to_string();
    let op = crate::operator::Operator::new(lab.get());
    let login = op.exec(Role::Trusted, ":put \"chrlab-fleet\"").await;
    drop(op);
    if let Err(e) = login {
        let retryable = matches!(
            e,
            crate::client::ClientError::Timeout { .. } | crate::client::ClientError::Connect { .. }
        );
        let e = LabError::Unreachable {
            target: target.clone(),
            detail: if e.is_login_refused() {
                "the router refused the login (check the inventory's user and password source)"
                    .into()
            } else {
                "ssh does not answer".into()
            },
            source: Some(Box::new(e)),
        };
        lab.shutdown().await;
        return Err(JobError {
            message: chain(&e, &plan.password),
            exit: Exit::Router,
            retryable,
        });
    }
    let result = crate::audit::audit(lab.get(), &plan.profile, &plan.profile_path, false).await;
    lab.shutdown().await;
    let mut audit = result.map_err(|e| JobError {
        message: format!("audit {target}: {}", chain(&e, &plan.password)),
        exit: if e.is_usage() {
            Exit::Usage
        } else {
            Exit::Router
        },
        retryable: false,
    })?;
    crate::waiver::apply(
        &mut audit.report,
        &plan.profile.waivers,
        time::OffsetDateTime::now_utc().date(),
    );
    Ok(audit.report.redacted())
}

/// A bar on stderr: routers done of all, and how many did not audit (hidden when stderr is not
/// a terminal).
struct FleetProgress {
    bar: indicatif::ProgressBar,
    failed: std::sync::atomic::AtomicUsize,
}

impl FleetProgress {
    fn new(total: usize) -> FleetProgress {
        let bar = indicatif::ProgressBar::new(total as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {elapsed:>3} [{bar:30}] {pos}/{len} routers {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(100));
        FleetProgress {
            bar,
            failed: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    fn done(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for FleetProgress {
    fn started(&self, job: &Job, attempt: u32) {
        tracing::info!(router = %escape(&job.name), attempt, "auditing");
    }

    fn retrying(&self, job: &Job, attempt: u32, why: &str) {
        tracing::warn!(router = %escape(&job.name), attempt, "{}; trying again", escape(why));
    }

    fn finished(&self, row: &Row) {
        use std::sync::atomic::Ordering;
        if row.report().is_none() {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
        tracing::info!(router = %escape(&row.name), elapsed = ?row.elapsed, status = row.result.status(), "done");
        self.bar.inc(1);
        let failed = self.failed.load(Ordering::Relaxed);
        if failed > 0 {
            self.bar.set_message(format!("({failed} not audited)"));
        }
    }
}

impl Drop for FleetProgress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// `chrlab fleet` for the binary: runs, prints the table (to stdout, or stderr when a report
/// goes to stdout), writes the reports, and returns the exit code.
pub fn main(mut args: FleetArgs, verbose: bool) -> Exit {
    use std::io::IsTerminal as _;
    match args.report_specs() {
        Ok(specs) => {
            args.reports = specs;
            args.outs.clear();
        }
        Err(e) => return fail(&FleetError::from(e)),
    }
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(exit) => return exit,
    };
    match runtime.block_on(run(&args)) {
        Err(e) => fail(&e),
        Ok(report) => {
            let to_stdout = args
                .reports
                .iter()
                .any(|r| r.dest == crate::report::Destination::Stdout);
            let tty = if to_stdout {
                std::io::stderr().is_terminal()
            } else {
                std::io::stdout().is_terminal()
            };
            let table =
                crate::scale::report::render_terminal(&report, TerminalStyle::detect(tty, verbose));
            if to_stdout {
                eprint!("{table}");
            } else {
                print!("{table}");
            }
            match crate::scale::report::write(&report, &args.reports) {
                Ok(()) => report.exit(),
                Err(e) => fail(&FleetError::from(e)),
            }
        }
    }
}

fn fail(e: &FleetError) -> Exit {
    eprintln!("error: {}", escape(&crate::outcome::error_chain(e)));
    e.exit()
}

/// The multi-threaded runtime `main` and `bench_main` run on (an error said, and its exit code).
fn runtime() -> Result<tokio::runtime::Runtime, Exit> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("error: cannot start the async runtime: {e}");
            Exit::Internal
        })
}

/// `chrlab bench --fleet N` for the binary.
pub fn bench_main(args: &BenchArgs) -> Exit {
    let n = usize::from(args.fleet.unwrap_or(50));
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(exit) => return exit,
    };
    match runtime.block_on(bench(args, n)) {
        Ok(()) => Exit::Pass,
        Err(e) => fail(&e),
    }
}

/// Removes a folder and its files when dropped.
struct TempFolder(PathBuf);

impl Drop for TempFolder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An Ansible inventory of loopback routers `r01` … with their passwords in a TOML file beside
/// it; returns the inventory's path.
pub fn write_loopback_inventory(
    dir: &Path,
    routers: &[LoopbackRouter],
) -> std::io::Result<PathBuf> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let width = routers.len().to_string().len().max(2);
    let name = |i: usize| format!("r{:0width$}", i + 1);
    let mut inventory = String::from(
        "# chrlab bench --fleet: simulated routers on loopback addresses\nall:\n  vars:\n    ansible_user: admin\n    chrlab_password_file: passwords.toml\n  children:\n    loopback:\n      hosts:\n",
    );
    let mut passwords = String::new();
    for (i, r) in routers.iter().enumerate() {
        inventory.push_str(&format!(
            "        {}:\n          ansible_host: {}\n",
            name(i),
            r.address
        ));
        passwords.push_str(&format!(
            "{} = {}\n",
            name(i),
            toml::Value::String(r.password.expose().to_string())
        ));
    }
    let path = dir.join("inventory.yml");
    std::fs::write(&path, inventory)?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(dir.join("passwords.toml"))?;
    file.write_all(passwords.as_bytes())?;
    Ok(path)
}

/// Starts N simulators on `127.0.1.1` …, writes an Ansible inventory for them, audits them
/// read-only as `chrlab fleet` does, and prints the wall times.
pub async fn bench(args: &BenchArgs, n: usize) -> Result<(), FleetError> {
    let n = n.clamp(1, 254);
    let policy = crate::secret::PasswordPolicy::default();
    let routers: Vec<LoopbackRouter> = super::loopback::addresses(n)
        .into_iter()
        .map(|address| LoopbackRouter {
            address,
            password: Secret::generate(&policy),
        })
        .collect();
    let dir = std::env::temp_dir().join(format!("chrlab-fleet-bench-{}", std::process::id()));
    let _cleanup = TempFolder(dir.clone());
    std::fs::create_dir_all(&dir).map_err(|source| FleetError::BenchFiles {
        path: dir.clone(),
        source,
    })?;
    let inventory =
        write_loopback_inventory(&dir, &routers).map_err(|source| FleetError::BenchFiles {
            path: dir.clone(),
            source,
        })?;
    let started = Instant::now();
    let fleet = LoopbackFleet::start(routers).await?;
    let ready = started.elapsed();
    println!(
        "fleet of {n} simulated routers on loopback ({}..{}): started in {:.1} ms",
        fleet_first(n),
        fleet_last(n),
        ready.as_secs_f64() * 1e3
    );
    // The fleet's default concurrency, then every router at once.
    let mut widths = vec![super::args::DEFAULT_PARALLEL.min(n)];
    if n > super::args::DEFAULT_PARALLEL {
        widths.push(n);
    }
    let mut outcome = Ok(());
    for parallel in widths {
        let mut fleet_args = FleetArgs::new(inventory.clone());
        fleet_args.profile = args.profile.clone();
        fleet_args.parallel = parallel;
        let started = Instant::now();
        let result = run(&fleet_args).await;
        let wall = started.elapsed();
        let report = match result {
            Ok(r) => r,
            Err(e) => {
                outcome = Err(e);
                break;
            }
        };
        let audited = report.rows.iter().filter(|r| r.report().is_some()).count();
        let mut each: Vec<Duration> = report.rows.iter().map(|r| r.elapsed).collect();
        each.sort();
        let median = each.get(each.len() / 2).copied().unwrap_or_default();
        let slowest = each.last().copied().unwrap_or_default();
        println!(
            "fleet audit (read-only, from an Ansible inventory, {parallel} at once): {:.1} ms wall for {n} routers ({audited} audited, {} not); per router median {:.1} ms, slowest {:.1} ms (goal: at most 5000 ms wall)",
            wall.as_secs_f64() * 1e3,
            n - audited,
            median.as_secs_f64() * 1e3,
            slowest.as_secs_f64() * 1e3
        );
        for row in report.rows.iter().filter(|r| r.report().is_none()) {
            println!(
                "  {}: {}",
                escape(&row.name),
                escape(&row.result.problem().unwrap_or_default())
            );
        }
    }
    fleet.shutdown().await;
    outcome
}

fn fleet_first(_n: usize) -> String {
    super::loopback::addresses(1)[0].to_string()
}

fn fleet_last(n: usize) -> String {
    super::loopback::addresses(n)
        .last()
        .map(ToString::to_string)
        .unwrap_or_default()
}
