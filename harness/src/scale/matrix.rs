//! `chrlab matrix`: one run over many fresh labs — one per RouterOS version, backend or image —
//! each hardened with the profile and audited exactly as `chrlab check` does
//! ([`crate::run::audit_lab`]), in parallel under a budget, into one version × check table.
//!
//! Every input is checked before a lab starts: the labs named (`--target`, `--versions` with
//! `--backend`, `--channels`), the profile, the report destinations and kinds, the `--compare`
//! file (readable, a matrix report of a schema this chrlab reads), cached images. SIGINT/SIGTERM
//! stop every lab (each shuts down as `chrlab check` does), and the run exits 130/143.

use std::collections::HashMap;
use std::io::{IsTerminal as _, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use super::report::{PreviousError, UnsupportedKind, check_kinds, read_json};
use super::runner::{Progress, Quiet, run_all};
use super::{Budget, Job, JobError, Kind, Limits, ManyReport, Regression, Row, SIM_LAB_COST_MB};
use crate::cli::{BenchArgs, DEFAULT_PROFILE};
use crate::lab::LabError;
use crate::lab::spec::{ImageRef, LabOptions, LabSpec};
use crate::outcome::{Exit, RunReport, error_chain};
use crate::printable::escape;
use crate::profile::Profile;
use crate::report::{Destination, ReportError, ReportSpec, TerminalStyle, check_destinations};
use crate::run::{LabRun, RunError, Signal, audit_lab, signalled};

/// Which kind of lab `--versions` builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// The embedded simulator: `sim:<version>`.
    Sim,
    /// A CHR image of the cache booted in QEMU: `qemu:<version>`.
    Qemu,
    /// A container image of the local engine: `container:<--image>:<version>`.
    Container,
}

/// `chrlab matrix`.
#[derive(Debug, Clone, Args)]
pub struct MatrixArgs {
    /// A lab to check, repeatable: any lab `check --target` takes except a live router
    /// (`sim:7.24.4`, `qemu:7.24.4`, `qemu:stable`, `container:IMAGE:TAG`).
    #[arg(long = "target", value_name = "LAB")]
    pub targets: Vec<LabSpec>,
    /// RouterOS versions, comma-separated: one lab of `--backend` each.
    #[arg(long, value_name = "V,V,…", value_delimiter = ',')]
    pub versions: Vec<String>,
    /// What `--versions` builds: sim (default), qemu (`qemu:<version>` from the image cache) or
    /// container (`container:<--image>:<version>`).
    #[arg(long, value_enum)]
    pub backend: Option<Backend>,
    /// The container image whose tags `--versions` names (`--backend container`).
    #[arg(long, value_name = "NAME")]
    pub image: Option<String>,
    /// Update channels, comma-separated (stable, long-term, testing, development): the CHR
    /// image each offers now, from the image cache (`qemu:<channel>`).
    #[arg(long, value_name = "C,C,…", value_delimiter = ',')]
    pub channels: Vec<String>,
    /// Hardening profile (TOML).
    #[arg(long, value_name = "FILE", default_value = DEFAULT_PROFILE)]
    pub profile: PathBuf,
    /// Only check; do not apply the profile first.
    #[arg(long)]
    pub no_apply: bool,
    /// Report: KIND[=PATH] with KIND json, junit, md or html; repeatable.
    #[arg(long = "report", value_name = "KIND[=PATH]")]
    pub reports: Vec<ReportSpec>,
    /// A previous matrix JSON report: name every check that passed there and fails now.
    #[arg(long, value_name = "OLD.json")]
    pub compare: Option<PathBuf>,
    /// At most this many labs at once (default: 4 per core for simulator labs, 1 per core else).
    #[arg(long, value_name = "N")]
    pub parallel: Option<usize>,
    /// Memory the running labs may take together, in MB (default: 80% of what is available); a
    /// simulator lab counts 64, a QEMU or container lab its RAM and 64 more.
    #[arg(long, value_name = "MB")]
    pub memory_mb: Option<u64>,
    /// Seconds one lab may take (default 120 for simulator labs, 1800 else); then it is torn down
    /// and reported as timed out.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// Further attempts for a lab that timed out or could not be reached.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub retries: u32,
}

impl MatrixArgs {
    /// Whether some lab needs this machine's network namespaces (see `LabSpec::needs_namespaces`).
    pub fn needs_namespaces(&self) -> bool {
        let versions_sim =
            !self.versions.is_empty() && self.backend.unwrap_or(Backend::Sim) == Backend::Sim;
        versions_sim
            || self.targets.iter().any(LabSpec::needs_namespaces)
            || (!self.channels.is_empty() && crate::lab::qemu::QemuNet::needs_namespaces())
    }
}

/// Why a matrix run did not start, or stopped.
#[derive(Debug, thiserror::Error)]
pub enum MatrixError {
    /// No lab named.
    #[error(
        "name the labs: --target LAB (repeatable), --versions V,V,… (with --backend), or --channels C,C,…"
    )]
    NoLabs,
    /// A `--versions` entry that is no version.
    #[error("--versions: `{text}` is not a RouterOS version: {detail}")]
    BadVersion {
        /// The entry.
        text: String,
        /// Why.
        detail: String,
    },
    /// A `--channels` entry that names no channel with an image.
    #[error("--channels: `{text}`: {detail}")]
    BadChannel {
        /// The entry.
        text: String,
        /// Why.
        detail: String,
    },
    /// A live router among the targets.
    #[error(
        "--target {0}: a matrix builds fresh labs it may harden; audit live routers read-only with chrlab fleet"
    )]
    Live(String),
    /// The same lab twice.
    #[error("{0} is named twice")]
    Duplicate(String),
    /// `--backend container` without `--image`.
    #[error("--backend container needs --image NAME (the image whose tags --versions names)")]
    NoImage,
    /// `--image` for another backend.
    #[error("--image is for --backend container")]
    ImageNotContainer,
    /// `--channels` for a backend with no channel images.
    #[error("--channels name CHR images of the cache: they need --backend qemu (or none)")]
    ChannelsNeedQemu,
    /// A lab that cannot be built as named (a bad name, an image not in the cache).
    #[error(transparent)]
    Lab(#[from] LabError),
    /// The profile, a report destination, a lock-out.
    #[error(transparent)]
    Run(Box<RunError>),
    /// A report kind a matrix does not write.
    #[error(transparent)]
    Kind(#[from] UnsupportedKind),
    /// `--compare` unreadable.
    #[error("--compare {}", .path.display())]
    CompareRead {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// `--compare` not a matrix report.
    #[error("--compare {}", .path.display())]
    CompareShape {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: PreviousError,
    },
    /// `--compare` names a fleet report.
    #[error("--compare {}: a fleet report, not a matrix report", .path.display())]
    CompareKind {
        /// The file.
        path: PathBuf,
    },
    /// A report could not be written.
    #[error("write the reports")]
    Write(#[source] ReportError),
}

impl From<RunError> for MatrixError {
    fn from(e: RunError) -> MatrixError {
        MatrixError::Run(Box::new(e))
    }
}

impl MatrixError {
    /// 2 for what the user must fix, else the kind's own code.
    pub fn exit(&self) -> Exit {
        match self {
            MatrixError::Lab(e) if !e.is_usage() => Exit::Internal,
            MatrixError::Run(e) => e.exit(),
            MatrixError::Write(_) => Exit::Internal,
            _ => Exit::Usage,
        }
    }
}

/// The labs the arguments name, in order: `--target`s, then `--versions`, then `--channels`.
pub fn labs(args: &MatrixArgs) -> Result<Vec<LabSpec>, MatrixError> {
    let backend = args.backend.unwrap_or(Backend::Sim);
    match (&args.image, backend) {
        (None, Backend::Container) if !args.versions.is_empty() => {
            return Err(MatrixError::NoImage);
        }
        (Some(_), Backend::Sim | Backend::Qemu) => return Err(MatrixError::ImageNotContainer),
        _ => {}
    }
    if !args.channels.is_empty() && !matches!(args.backend, None | Some(Backend::Qemu)) {
        return Err(MatrixError::ChannelsNeedQemu);
    }
    let mut labs: Vec<LabSpec> = Vec::new();
    for t in &args.targets {
        if !t.is_throwaway() {
            return Err(MatrixError::Live(t.to_string()));
        }
        labs.push(t.clone());
    }
    for text in &args.versions {
        let text = text.trim();
        let version = routeros::version::Version::parse(text)
            .map_err(|e| MatrixError::BadVersion {
                text: text.to_string(),
                detail: e.to_string(),
            })?
            .to_string();
        let name = match backend {
            Backend::Sim => format!("sim:{version}"),
            Backend::Qemu => format!("qemu:{version}"),
            Backend::Container => format!(
                "container:{}:{version}",
                args.image.as_deref().unwrap_or_default()
            ),
        };
        labs.push(name.parse()?);
    }
    for text in &args.channels {
        let text = text.trim();
        let image = match text.parse::<routeros::version::Channel>() {
            Ok(_) => ImageRef::parse(text),
            Err(e) => Err(e.to_string()),
        }
        .map_err(|detail| MatrixError::BadChannel {
            text: text.to_string(),
            detail,
        })?;
        labs.push(LabSpec::Qemu(image));
    }
    if labs.is_empty() {
        return Err(MatrixError::NoLabs);
    }
    for (i, lab) in labs.iter().enumerate() {
        if labs[..i].contains(lab) {
            return Err(MatrixError::Duplicate(lab.to_string()));
        }
    }
    Ok(labs)
}

/// The job for a lab: its name, asked-for version and memory.
pub fn job(spec: &LabSpec) -> Job {
    let vm_cost = |mib: u32| u64::from(mib) + SIM_LAB_COST_MB;
    let (version, cost_mb) = match spec {
        LabSpec::Sim(v) => (v.map(|v| v.to_string()), SIM_LAB_COST_MB),
        LabSpec::Qemu(image) => (
            match image {
                ImageRef::Version(v) => Some(v.clone()),
                _ => None,
            },
            vm_cost(crate::lab::qemu::QemuLabConfig::new("", "").memory_mib),
        ),
        LabSpec::Container(image) => (
            crate::lab::container::split_image(image)
                .ok()
                .map(|(_, tag)| tag)
                .filter(|tag| tag != "latest"),
            vm_cost(crate::lab::container::ContainerLabConfig::new("", "").memory_mib),
        ),
        LabSpec::Remote(_) => (None, SIM_LAB_COST_MB),
    };
    Job {
        name: spec.to_string(),
        group: None,
        version,
        cost_mb,
    }
}

/// The default budget for these labs: 4 per core when all are simulator labs (they mostly
/// wait on the network), 1 per core else; 80% of the memory available.
pub fn default_budget(labs: &[LabSpec]) -> Budget {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let per_core = if labs.iter().all(LabSpec::is_sim) {
        4
    } else {
        1
    };
    Budget {
        parallel: (cores * per_core).max(1),
        memory_mb: available_memory_mb().map_or(4096, |m| m * 4 / 5),
    }
}

/// `MemAvailable` of `/proc/meminfo`, in MB.
fn available_memory_mb() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

/// The default timeout of one lab.
pub fn default_timeout(labs: &[LabSpec]) -> Duration {
    if labs.iter().all(LabSpec::is_sim) {
        Duration::from_secs(120)
    } else {
        Duration::from_secs(1800)
    }
}

/// What a finished matrix run hands back.
#[derive(Debug)]
pub struct MatrixRun {
    /// The table.
    pub report: ManyReport,
    /// `--compare`: the file and the regressions against it.
    pub compared: Option<(PathBuf, Vec<Regression>)>,
    /// The signal that stopped the run (every lab was torn down).
    pub stopped: Option<Signal>,
}

/// Everything checked before a lab starts.
struct Checked {
    labs: Vec<LabSpec>,
    profile: Profile,
    previous: Option<(PathBuf, super::PreviousReport)>,
}

async fn check_inputs(args: &MatrixArgs) -> Result<Checked, MatrixError> {
    let labs = labs(args)?;
    let profile = Profile::load(&args.profile).map_err(RunError::from)?;
    if !args.no_apply {
        crate::apply::refuse_lockout(&profile, None).map_err(|source| RunError::Apply {
            profile: args.profile.display().to_string(),
            router: labs[0].to_string(),
            account: String::new(),
            source,
        })?;
    }
    check_kinds(&args.reports, Kind::Matrix)?;
    check_destinations(&args.reports).map_err(RunError::from)?;
    let previous = match &args.compare {
        None => None,
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|source| MatrixError::CompareRead {
                    path: path.clone(),
                    source,
                })?;
            let old = read_json(&text).map_err(|source| MatrixError::CompareShape {
                path: path.clone(),
                source,
            })?;
            if old.kind != Kind::Matrix {
                return Err(MatrixError::CompareKind { path: path.clone() });
            }
            Some((path.clone(), old))
        }
    };
    // An image named by version or path must be in the cache now (a channel is asked of the
    // upgrade server when its lab starts).
    for lab in &labs {
        if let LabSpec::Qemu(image @ (ImageRef::Version(_) | ImageRef::Path(_))) = lab {
            image.resolve().await.map_err(|detail| LabError::Target {
                target: lab.to_string(),
                detail,
            })?;
        }
    }
    Ok(Checked {
        labs,
        profile,
        previous,
    })
}

/// The function that hardens and audits one lab of `specs` (by job name), stopping when
/// `stop` says so.
fn audit_job(
    specs: Arc<HashMap<String, LabSpec>>,
    profile: Arc<Profile>,
    profile_path: Arc<PathBuf>,
    apply: bool,
    stop: tokio::sync::watch::Receiver<Option<Signal>>,
) -> impl Fn(Job) -> futures::future::BoxFuture<'static, Result<RunReport, JobError>>
+ Clone
+ Send
+ Sync
+ 'static {
    move |job: Job| {
        let (specs, profile, profile_path, mut stop) = (
            specs.clone(),
            profile.clone(),
            profile_path.clone(),
            stop.clone(),
        );
        Box::pin(async move {
            let stopped = |signal: Signal| JobError {
                message: format!(
                    "stopped by {} before it finished; the lab was torn down",
                    signal.name()
                ),
                exit: match signal {
                    Signal::Interrupt => Exit::Interrupted,
                    Signal::Terminate => Exit::Terminated,
                },
                retryable: false,
            };
            if let Some(signal) = *stop.borrow() {
                return Err(stopped(signal));
            }
            let Some(spec) = specs.get(&job.name) else {
                return Err(JobError {
                    message: format!("no lab named {}", job.name),
                    exit: Exit::Internal,
                    retryable: false,
                });
            };
            let until_stopped = async move {
                let signal = stop
                    .wait_for(Option::is_some)
                    .await
                    .map(|s| s.unwrap_or(Signal::Interrupt));
                match signal {
                    Ok(signal) => signal,
                    Err(_) => std::future::pending().await,
                }
            };
            let name = job.name.clone();
            let say = move |what: String| tracing::debug!(lab = %name, "{what}");
            let options = LabOptions::default();
            audit_lab(
                LabRun {
                    spec,
                    options: &options,
                    profile: &profile,
                    profile_path: &profile_path,
                    render_steps: apply,
                    user_script: None,
                    apply_admin: None,
                },
                until_stopped,
                &say,
            )
            .await
            .map(|audit| audit.report)
            .map_err(|e| match e {
                RunError::Signalled { signal, .. } => stopped(signal),
                e => JobError {
                    message: error_chain(&e),
                    exit: e.exit(),
                    retryable: e.exit() == Exit::Router,
                },
            })
        })
    }
}

/// Runs the matrix: checks every input, then every lab under the budget.
pub async fn matrix(
    args: &MatrixArgs,
    progress: Arc<dyn Progress>,
) -> Result<MatrixRun, MatrixError> {
    let Checked {
        labs,
        profile,
        previous,
    } = check_inputs(args).await?;
    let defaults = default_budget(&labs);
    let budget = Budget {
        parallel: args.parallel.unwrap_or(defaults.parallel),
        memory_mb: args.memory_mb.unwrap_or(defaults.memory_mb),
    };
    let limits = Limits {
        timeout: args
            .timeout
            .map_or_else(|| default_timeout(&labs), Duration::from_secs),
        retries: args.retries,
    };
    tracing::info!(?budget, ?limits, labs = labs.len(), "matrix");
    let jobs: Vec<Job> = labs.iter().map(job).collect();
    let specs: HashMap<String, LabSpec> = labs.into_iter().map(|l| (l.to_string(), l)).collect();
    let (tx, rx) = tokio::sync::watch::channel(None);
    let listener = tokio::spawn(async move {
        let signal = signalled().await;
        tracing::warn!("{}: tearing every lab down", signal.name());
        let _ = tx.send(Some(signal));
        // Keep the sender: the labs' receivers wait on it.
        std::future::pending::<()>().await;
    });
    let mut report = ManyReport::new(Kind::Matrix, Vec::new());
    let f = audit_job(
        Arc::new(specs),
        Arc::new(profile),
        Arc::new(args.profile.clone()),
        !args.no_apply,
        rx.clone(),
    );
    report.rows = run_all(jobs, budget, limits, progress, f).await;
    report.finished = time::OffsetDateTime::now_utc();
    listener.abort();
    let stopped = *rx.borrow();
    let compared = previous.map(|(path, old)| {
        let found = report.regressions(&old);
        for r in &found {
            report
                .notes
                .push(format!("regression against {}: {r}", path.display()));
        }
        (path, found)
    });
    Ok(MatrixRun {
        report,
        compared,
        stopped,
    })
}

/// One line per lab on stderr as it starts and finishes: above live spinners on a terminal,
/// plain lines otherwise (CI logs).
pub struct Lines {
    bars: Option<MultiProgress>,
    running: Mutex<HashMap<String, ProgressBar>>,
}

impl Lines {
    /// Spinners when stderr is a terminal.
    pub fn new() -> Lines {
        Lines {
            bars: std::io::stderr().is_terminal().then(MultiProgress::new),
            running: Mutex::new(HashMap::new()),
        }
    }

    fn line(&self, text: String) {
        tracing::info!("{text}");
        match &self.bars {
            Some(bars) => {
                let _ = bars.println(&text);
            }
            None => eprintln!("{text}"),
        }
    }
}

impl Default for Lines {
    fn default() -> Self {
        Lines::new()
    }
}

impl Progress for Lines {
    fn started(&self, job: &Job, attempt: u32) {
        let name = escape(&job.name).into_owned();
        let again = if attempt > 1 {
            format!(" (attempt {attempt})")
        } else {
            String::new()
        };
        self.line(format!("{name}: started{again}"));
        if let Some(bars) = &self.bars {
            let bar = bars.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {elapsed:>3} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_message(format!("{name}: hardening and auditing"));
            bar.enable_steady_tick(Duration::from_millis(100));
            if let Ok(mut running) = self.running.lock()
                && let Some(old) = running.insert(job.name.clone(), bar)
            {
                old.finish_and_clear();
            }
        }
    }

    fn retrying(&self, job: &Job, attempt: u32, why: &str) {
        self.line(format!(
            "{}: attempt {attempt} failed ({}); trying again",
            escape(&job.name),
            escape(why)
        ));
    }

    fn finished(&self, row: &Row) {
        if let Ok(mut running) = self.running.lock()
            && let Some(bar) = running.remove(&row.name)
        {
            if let Some(bars) = &self.bars {
                bars.remove(&bar);
            }
            bar.finish_and_clear();
        }
        let what = match row.report() {
            Some(r) => format!(
                "{}, {}",
                if row.fails() { "FAIL" } else { "PASS" },
                r.tally()
            ),
            None => format!("ERROR, {}", row.result.problem().unwrap_or_default()),
        };
        self.line(format!(
            "{}: finished: {} ({:.1} s)",
            escape(&row.name),
            escape(&what),
            row.elapsed.as_secs_f64()
        ));
    }
}

/// `chrlab matrix`: runs it, prints the table (and the regressions), writes the reports, and
/// returns the exit code: 0 when every lab passed, 1 on a failure, an error or a regression,
/// 2 for bad input, 130/143 after a signal.
pub async fn run(args: &MatrixArgs, out: &mut dyn Write, err: &mut dyn Write) -> Exit {
    let run = match matrix(args, Arc::new(Lines::new())).await {
        Ok(run) => run,
        Err(e) => {
            let _ = writeln!(err, "error: {}", escape(&error_chain(&e)));
            return e.exit();
        }
    };
    let to_stdout = args.reports.iter().any(|r| r.dest == Destination::Stdout);
    let human: &mut dyn Write = if to_stdout { err } else { out };
    let tty = if to_stdout {
        std::io::stderr().is_terminal()
    } else {
        std::io::stdout().is_terminal()
    };
    let mut text = super::report::render_terminal(&run.report, TerminalStyle::detect(tty, false));
    if let Some((path, found)) = &run.compared {
        text.push_str(&super::report::render_regressions(
            found,
            &path.display().to_string(),
        ));
    }
    let _ = human.write_all(text.as_bytes());
    let _ = human.flush();
    if let Some(signal) = run.stopped {
        let _ = writeln!(
            err,
            "stopped by {}: every lab was torn down; no report written",
            signal.name()
        );
        return match signal {
            Signal::Interrupt => Exit::Interrupted,
            Signal::Terminate => Exit::Terminated,
        };
    }
    if let Err(e) = super::report::write(&run.report, &args.reports) {
        let _ = writeln!(
            err,
            "error: {}",
            escape(&error_chain(&MatrixError::Write(e)))
        );
        return Exit::Internal;
    }
    let regressed = run.compared.as_ref().is_some_and(|(_, f)| !f.is_empty());
    if regressed {
        Exit::ChecksFailed
    } else {
        run.report.exit()
    }
}

/// The versions `chrlab bench --matrix` runs.
pub const BENCH_VERSIONS: [&str; 4] = ["6.49.13", "7.12.2", "7.16.2", "7.24.4"];

/// `chrlab bench --matrix`: the wall time of a matrix of [`BENCH_VERSIONS`] on the simulator
/// against the slowest of the same labs run alone (goal: at most 1.3×), medians over the
/// iterations.
pub async fn bench(args: &BenchArgs) -> Result<(), RunError> {
    let profile = Arc::new(Profile::load(&args.profile)?);
    let labs: Vec<LabSpec> = BENCH_VERSIONS
        .iter()
        .map(|v| format!("sim:{v}").parse())
        .collect::<Result<_, LabError>>()?;
    let specs: Arc<HashMap<String, LabSpec>> =
        Arc::new(labs.iter().map(|l| (l.to_string(), l.clone())).collect());
    let (_tx, rx) = tokio::sync::watch::channel(None);
    let f = audit_job(specs, profile, Arc::new(args.profile.clone()), true, rx);
    let budget = default_budget(&labs);
    let limits = Limits {
        timeout: default_timeout(&labs),
        retries: 0,
    };
    // A lab that did not audit makes the numbers meaningless: stop, naming it.
    let check = |rows: &[Row]| match rows.iter().find(|r| r.report().is_none()) {
        Some(r) => Err(LabError::Target {
            target: r.name.clone(),
            detail: r.result.problem().unwrap_or_default(),
        }),
        None => Ok(()),
    };
    let (mut slowest, mut whole) = (Vec::new(), Vec::new());
    let iterations = args.iterations.max(1);
    for i in 1..=iterations {
        let mut alone = Vec::new();
        for lab in &labs {
            let started = Instant::now();
            let rows = run_all(vec![job(lab)], budget, limits, Arc::new(Quiet), f.clone()).await;
            check(&rows)?;
            alone.push((started.elapsed(), lab.to_string()));
        }
        let started = Instant::now();
        let rows = run_all(
            labs.iter().map(job).collect(),
            budget,
            limits,
            Arc::new(Quiet),
            f.clone(),
        )
        .await;
        let together = started.elapsed();
        check(&rows)?;
        let (max, which) = alone.iter().max().cloned().unwrap_or_default();
        println!(
            "run {i}: alone {} ; slowest {which} {:.1} ms; matrix of {} {:.1} ms ({:.2}x)",
            alone
                .iter()
                .map(|(d, n)| format!("{n} {:.1} ms", d.as_secs_f64() * 1e3))
                .collect::<Vec<_>>()
                .join(", "),
            max.as_secs_f64() * 1e3,
            labs.len(),
            together.as_secs_f64() * 1e3,
            together.as_secs_f64() / max.as_secs_f64().max(1e-9)
        );
        slowest.push(max);
        whole.push(together);
    }
    slowest.sort();
    whole.sort();
    let (s, w) = (slowest[slowest.len() / 2], whole[whole.len() / 2]);
    println!(
        "matrix of {} simulator versions ({}) under the default budget ({} at once): median {:.1} ms; slowest single lab: median {:.1} ms; ratio {:.2}x over {iterations} runs (goal: at most 1.3x)",
        labs.len(),
        BENCH_VERSIONS.join(", "),
        budget.parallel,
        w.as_secs_f64() * 1e3,
        s.as_secs_f64() * 1e3,
        w.as_secs_f64() / s.as_secs_f64().max(1e-9)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn args(argv: &[&str]) -> MatrixArgs {
        let mut full = vec!["chrlab", "matrix"];
        full.extend_from_slice(argv);
        match Cli::try_parse_from(full).unwrap().command {
            Command::Matrix(a) => a,
            _ => unreachable!(),
        }
    }

    fn names(argv: &[&str]) -> Result<Vec<String>, String> {
        labs(&args(argv))
            .map(|l| l.iter().map(|l| l.to_string()).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn versions_backends_targets_and_channels_name_labs() {
        assert_eq!(
            names(&["--versions", "6.49.13,7.12.2", "--target", "sim:7.24.4"]).unwrap(),
            ["sim:7.24.4", "sim:6.49.13", "sim:7.12.2"]
        );
        assert_eq!(
            names(&["--versions", "7.24.4", "--backend", "qemu"]).unwrap(),
            ["qemu:7.24.4"]
        );
        assert_eq!(
            names(&[
                "--versions",
                "7.24.4,7.16.2",
                "--backend",
                "container",
                "--image",
                "chrlab/ros-sim"
            ])
            .unwrap(),
            [
                "container:chrlab/ros-sim:7.24.4",
                "container:chrlab/ros-sim:7.16.2"
            ]
        );
        assert_eq!(
            names(&["--channels", "stable,long-term"]).unwrap(),
            ["qemu:stable", "qemu:long-term"]
        );
        let j = job(&"qemu:7.24.4".parse().unwrap());
        assert_eq!((j.version.as_deref(), j.cost_mb), (Some("7.24.4"), 320));
        let j = job(&"sim:6.49.13".parse().unwrap());
        assert_eq!((j.version.as_deref(), j.cost_mb), (Some("6.49.13"), 64));
        let j = job(&"container:chrlab/ros-sim:7.23.7".parse().unwrap());
        assert_eq!(j.version.as_deref(), Some("7.23.7"));
    }

    #[test]
    fn bad_lab_lists_are_refused_saying_what() {
        for (argv, why) in [
            (&[][..], "name the labs"),
            (
                &["--versions", "seven"][..],
                "`seven` is not a RouterOS version",
            ),
            (
                &["--versions", "7.12.2,,7.24.4"][..],
                "`` is not a RouterOS version",
            ),
            (&["--versions", "7.1,7.1"][..], "sim:7.1 is named twice"),
            (&["--target", "ssh://192.0.2.1"][..], "chrlab fleet"),
            (
                &["--versions", "7.1", "--backend", "container"][..],
                "needs --image",
            ),
            (&["--versions", "7.1", "--image", "x"][..], "--image is for"),
            (
                &["--channels", "stable", "--backend", "sim"][..],
                "--backend qemu",
            ),
            (&["--channels", "upgrade"][..], "no CHR image"),
            (&["--channels", "nightly"][..], "`nightly`"),
        ] {
            let err = names(argv).unwrap_err();
            assert!(err.contains(why), "{argv:?}: {err}");
        }
        let e = labs(&args(&["--versions", "x"])).unwrap_err();
        assert_eq!(e.exit(), Exit::Usage);
    }

    #[test]
    fn the_default_budget_fits_the_labs() {
        let sims: Vec<LabSpec> = ["sim:7.1", "sim:7.2"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        assert_eq!(default_budget(&sims).parallel, 4 * cores);
        let mixed = vec![sims[0].clone(), "qemu:7.24.4".parse().unwrap()];
        assert_eq!(default_budget(&mixed).parallel, cores);
        assert!(default_budget(&mixed).memory_mb > 0);
        assert_eq!(default_timeout(&sims), Duration::from_secs(120));
        assert_eq!(default_timeout(&mixed), Duration::from_secs(1800));
    }

    #[test]
    fn namespaces_are_needed_for_simulator_labs() {
        assert!(args(&["--versions", "7.1"]).needs_namespaces());
        assert!(
            !args(&[
                "--versions",
                "7.1",
                "--backend",
                "container",
                "--image",
                "x"
            ])
            .needs_namespaces()
        );
    }
}
