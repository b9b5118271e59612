//! The `validate` command: its arguments, the two labs' runs, the per-version snapshots.

use std::path::{Path, PathBuf};

use clap::Args;

use super::behaviour::{self, Behaviour};
use super::diff::Diff;
use crate::apply::Journal;
use crate::cli::{CheckArgs, DEFAULT_PROFILE};
use crate::lab::Lab;
use crate::lab::spec::{LabSpec, ROUTER_PASSWORD_ENV};
use crate::outcome::{Exit, RunReport};
use crate::report::{ReportKind, ReportSpec};
use crate::run::{Prepared, Progress, RunError, harden_and_audit, prepare, signalled};

/// `chrlab validate`.
#[derive(Debug, Clone, Args)]
pub struct ValidateArgs {
    /// The lab under validation (any lab name: `sim:7.24.4`, `qemu:7.24.4`, `container:…`, `ssh://…`).
    #[arg(long, value_name = "LAB")]
    pub candidate: LabSpec,
    /// The lab it is compared with (the version in service).
    #[arg(long, value_name = "LAB")]
    pub baseline: LabSpec,
    /// Hardening profile (TOML), applied to both.
    #[arg(long, value_name = "FILE", default_value = DEFAULT_PROFILE)]
    pub profile: PathBuf,
    /// Any difference makes a NO-GO, not only a verdict that regressed.
    #[arg(long)]
    pub strict: bool,
    /// The diff as a file: KIND[=PATH] with KIND json or md; repeatable.
    #[arg(long = "report", value_name = "KIND[=PATH]")]
    pub reports: Vec<ReportSpec>,
    /// Folder of per-version behaviour snapshots (`behaviour__<version>.json`): a version
    /// without one gets it written (review and commit it); one with a snapshot is diffed
    /// against it too.
    #[arg(long, value_name = "DIR")]
    pub snapshots: Option<PathBuf>,
    /// Environment variable holding the routers' current password (remote labs).
    #[arg(long, value_name = "NAME", default_value = ROUTER_PASSWORD_ENV)]
    pub password_env: String,
}

/// Why `validate` produced no go/no-go.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// Preparing, hardening or auditing one of the labs.
    #[error("{role} {lab}")]
    Run {
        /// `baseline` or `candidate`.
        role: &'static str,
        /// The lab's name.
        lab: String,
        /// What went wrong.
        #[source]
        source: Box<RunError>,
    },
    /// A report kind the diff has no form for.
    #[error("--report {0}: validate writes json and md reports only")]
    ReportKind(ReportKind),
    /// The snapshot folder or one of its files cannot be read.
    #[error("read the behaviour snapshot {}", .path.display())]
    Snapshot {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A snapshot or a report cannot be written.
    #[error("write {}", .path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl ValidateError {
    /// The exit code by kind: the lab's own ([`RunError::exit`]), 2 for what the user must fix,
    /// 4 when a file cannot be written.
    pub fn exit(&self) -> Exit {
        match self {
            ValidateError::Run { source, .. } => source.exit(),
            ValidateError::ReportKind(_) | ValidateError::Snapshot { .. } => Exit::Usage,
            ValidateError::Write { .. } => Exit::Internal,
        }
    }

    /// What a router received before the run stopped, with the commands that undo it.
    pub fn account(&self) -> Option<&str> {
        match self {
            ValidateError::Run { source, .. } => source.account(),
            _ => None,
        }
    }
}

impl ValidateArgs {
    fn check_args(&self, target: &LabSpec) -> CheckArgs {
        CheckArgs {
            profile: self.profile.clone(),
            no_apply: false,
            target: target.clone(),
            trusted_source: None,
            untrusted_source: None,
            password_env: self.password_env.clone(),
            reports: Vec::new(),
            outs: Vec::new(),
            version_under_test: None,
            fail_on: None,
            fix_script: None,
            apply_script: None,
            apply_admin: None,
        }
    }

    /// Both labs' plans, every input checked as `chrlab check` checks it (and the reports and
    /// the snapshot folder), before either lab starts.
    pub fn prepare(&self) -> Result<(Prepared, Prepared), ValidateError> {
        let plan = |role: &'static str, spec: &LabSpec| {
            prepare(&self.check_args(spec)).map_err(|source| ValidateError::Run {
                role,
                lab: spec.to_string(),
                source: Box::new(source),
            })
        };
        let plans = (
            plan("baseline", &self.baseline)?,
            plan("candidate", &self.candidate)?,
        );
        if let Some(bad) = self
            .reports
            .iter()
            .find(|r| !matches!(r.kind, ReportKind::Json | ReportKind::Markdown))
        {
            return Err(ValidateError::ReportKind(bad.kind));
        }
        crate::report::check_destinations(&self.reports).map_err(|e| ValidateError::Run {
            role: "baseline",
            lab: self.baseline.to_string(),
            source: Box::new(RunError::Destination(e)),
        })?;
        if let Some(dir) = &self.snapshots {
            read_snapshots(dir)?;
        }
        Ok(plans)
    }
}

/// One lab's part of a validation.
#[derive(Debug)]
pub struct LabRun {
    /// The lab's name as given.
    pub lab: String,
    /// What it did.
    pub behaviour: Behaviour,
    /// Its audit report (as `chrlab check` reports it).
    pub report: RunReport,
}

/// A snapshot this run wrote, or compared with.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Snapshot {
    /// The file.
    pub path: PathBuf,
    /// The RouterOS version it is for.
    pub version: String,
    /// `baseline` or `candidate`: whose behaviour it holds or was compared with.
    pub role: &'static str,
    /// `None`: written by this run (new, to review and commit); else what differs from it.
    pub diff: Option<Diff>,
}

/// The go/no-go.
#[derive(Debug)]
pub struct Validation {
    /// The version in service.
    pub baseline: LabRun,
    /// The version under validation.
    pub candidate: LabRun,
    /// What differs from baseline to candidate.
    pub diff: Diff,
    /// The snapshots written or compared (`--snapshots`).
    pub snapshots: Vec<Snapshot>,
    /// `--strict`: any difference is a NO-GO.
    pub strict: bool,
}

impl Validation {
    /// How many verdicts regressed from baseline to candidate.
    pub fn regressions(&self) -> usize {
        self.diff.regressions()
    }

    /// Whether the candidate may go: no verdict regressed (and, with `--strict`, nothing
    /// changed, also against the snapshots).
    pub fn go(&self) -> bool {
        self.regressions() == 0
            && !(self.strict
                && (!self.diff.is_empty()
                    || self
                        .snapshots
                        .iter()
                        .any(|s| s.diff.as_ref().is_some_and(|d| !d.is_empty()))))
    }

    /// `GO`, or `NO-GO (n regressions)` (`--strict`: `NO-GO (n changes)` when nothing regressed).
    pub fn verdict_line(&self) -> String {
        if self.go() {
            "GO".into()
        } else if self.regressions() > 0 {
            let n = self.regressions();
            format!("NO-GO ({n} regression{})", if n == 1 { "" } else { "s" })
        } else {
            let n = self.diff.verdicts.len()
                + self.diff.observations.len()
                + self
                    .snapshots
                    .iter()
                    .filter_map(|s| s.diff.as_ref())
                    .map(|d| d.verdicts.len() + d.observations.len())
                    .sum::<usize>();
            format!(
                "NO-GO ({n} change{}, --strict)",
                if n == 1 { "" } else { "s" }
            )
        }
    }

    /// The exit code: 0 for GO, 1 for NO-GO.
    pub fn exit(&self) -> Exit {
        if self.go() {
            Exit::Pass
        } else {
            Exit::ChecksFailed
        }
    }
}

/// One lab's behaviour: the factory state read before the apply, the hardening and audit of
/// `chrlab check` ([`harden_and_audit`]), then `/export`'s sections.
pub async fn behave(
    plan: &Prepared,
    lab: &dyn Lab,
    journal: &Journal,
) -> Result<(Behaviour, RunReport), RunError> {
    let factory = behaviour::read_factory(lab, &plan.profile).await;
    let audit = harden_and_audit(plan, lab, journal).await?;
    let export = behaviour::read_export_sections(lab).await;
    let b = Behaviour::new(&audit, &factory, export, lab.router_addr6(), &plan.profile);
    Ok((b, audit.report))
}

/// Both labs' behaviours, side by side, and what differs (the labs are the caller's: it starts
/// and shuts them down).
pub async fn compare(
    plans: &(Prepared, Prepared),
    baseline: &dyn Lab,
    candidate: &dyn Lab,
    journals: &(Journal, Journal),
    strict: bool,
) -> Result<Validation, ValidateError> {
    let (b, c) = tokio::join!(
        behave(&plans.0, baseline, &journals.0),
        behave(&plans.1, candidate, &journals.1)
    );
    let err = |role, plan: &Prepared| {
        let lab = plan.spec.to_string();
        move |source| ValidateError::Run {
            role,
            lab,
            source: Box::new(source),
        }
    };
    let (b, breport) = b.map_err(err("baseline", &plans.0))?;
    let (c, creport) = c.map_err(err("candidate", &plans.1))?;
    let diff = Diff::between(&b, &c);
    Ok(Validation {
        baseline: LabRun {
            lab: plans.0.spec.to_string(),
            behaviour: b,
            report: breport,
        },
        candidate: LabRun {
            lab: plans.1.spec.to_string(),
            behaviour: c,
            report: creport,
        },
        diff,
        snapshots: Vec::new(),
        strict,
    })
}

/// `chrlab validate`: checks every input, starts both labs at once, hardens and audits them
/// side by side, shuts both down (also on an error and on SIGINT/SIGTERM), and compares.
pub async fn run(args: &ValidateArgs) -> Result<Validation, ValidateError> {
    let plans = args.prepare()?;
    let progress = Progress::new();
    progress.say(format!(
        "starting the baseline {} and the candidate {}",
        plans.0.spec, plans.1.spec
    ));
    let signal_err = |signal, account: String| ValidateError::Run {
        role: "baseline and candidate",
        lab: format!("{} and {}", plans.0.spec, plans.1.spec),
        source: Box::new(RunError::Signalled { signal, account }),
    };
    let started = tokio::select! {
        labs = async {
            tokio::join!(
                plans.0.spec.start_with(&plans.0.options),
                plans.1.spec.start_with(&plans.1.options)
            )
        } => labs,
        signal = signalled() => return Err(signal_err(signal, String::new())),
    };
    let start_err = |role, spec: &LabSpec, e| ValidateError::Run {
        role,
        lab: spec.to_string(),
        source: Box::new(RunError::Lab(e)),
    };
    let (baseline, candidate) = match started {
        (Ok(b), Ok(c)) => (b, c),
        (Err(e), Ok(c)) => {
            c.shutdown().await;
            return Err(start_err("baseline", &plans.0.spec, e));
        }
        (Ok(b), Err(e)) => {
            b.shutdown().await;
            return Err(start_err("candidate", &plans.1.spec, e));
        }
        (Err(e), Err(_)) => return Err(start_err("baseline", &plans.0.spec, e)),
    };
    progress.say("hardening and auditing both");
    let journals = (Journal::default(), Journal::default());
    let outcome = tokio::select! {
        v = compare(&plans, baseline.as_ref(), candidate.as_ref(), &journals, args.strict) => Ok(v),
        signal = signalled() => Err(signal),
    };
    progress.say("stopping both labs");
    tokio::join!(baseline.shutdown(), candidate.shutdown());
    let mut validation = match outcome {
        Ok(v) => v?,
        Err(signal) => {
            let account = [&journals.0, &journals.1]
                .iter()
                .map(|j| j.account())
                .filter(|a| !a.is_empty())
                .collect::<Vec<_>>()
                .join("\n");
            return Err(signal_err(signal, account));
        }
    };
    if let Some(dir) = &args.snapshots {
        validation.snapshots = snapshots(dir, &validation)?;
    }
    Ok(validation)
}

/// The snapshot file of a version.
pub fn snapshot_path(dir: &Path, version: &str) -> PathBuf {
    let safe: String = version
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!("behaviour__{safe}.json"))
}

/// Every snapshot in `dir` (none when it does not exist yet): a file that is not a behaviour
/// snapshot is an error naming it, found before any lab starts.
fn read_snapshots(dir: &Path) -> Result<Vec<(PathBuf, Behaviour)>, ValidateError> {
    let bad = |path: &Path, e: Box<dyn std::error::Error + Send + Sync>| ValidateError::Snapshot {
        path: path.to_path_buf(),
        source: e,
    };
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(dir).map_err(|e| bad(dir, e.into()))?;
    let mut out = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| bad(dir, e.into()))?.path();
        let is_snapshot = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("behaviour__") && n.ends_with(".json"));
        if !is_snapshot {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| bad(&path, e.into()))?;
        let b: Behaviour = serde_json::from_str(&text).map_err(|e| bad(&path, e.into()))?;
        if b.schema != behaviour::BEHAVIOUR_SCHEMA {
            return Err(bad(
                &path,
                format!(
                    "schema {} (this chrlab reads {})",
                    b.schema,
                    behaviour::BEHAVIOUR_SCHEMA
                )
                .into(),
            ));
        }
        out.push((path, b));
    }
    Ok(out)
}

/// Writes each lab's behaviour where its version has no snapshot yet; diffs it against the
/// snapshot where there is one (the baseline first, so two labs of one version write once).
fn snapshots(dir: &Path, v: &Validation) -> Result<Vec<Snapshot>, ValidateError> {
    let existing = read_snapshots(dir)?;
    let mut written: Vec<(PathBuf, Behaviour)> = Vec::new();
    let mut out = Vec::new();
    for (role, run) in [("baseline", &v.baseline), ("candidate", &v.candidate)] {
        let b = &run.behaviour;
        let path = snapshot_path(dir, &b.version);
        let known = existing
            .iter()
            .chain(&written)
            .find(|(p, _)| *p == path)
            .map(|(_, s)| s.clone());
        match known {
            Some(snap) => out.push(Snapshot {
                path,
                version: b.version.clone(),
                role,
                diff: Some(Diff::between(&snap, b)),
            }),
            None => {
                let write = |path: &Path| -> std::io::Result<()> {
                    std::fs::create_dir_all(dir)?;
                    let mut text =
                        serde_json::to_string_pretty(b).map_err(std::io::Error::other)?;
                    text.push('\n');
                    std::fs::write(path, text)
                };
                write(&path).map_err(|source| ValidateError::Write {
                    path: path.clone(),
                    source,
                })?;
                written.push((path.clone(), b.clone()));
                out.push(Snapshot {
                    path,
                    version: b.version.clone(),
                    role,
                    diff: None,
                });
            }
        }
    }
    Ok(out)
}

/// `chrlab validate` from the binary: runs it, prints the go/no-go (to stderr when a report
/// goes to standard output), writes the reports, and gives the exit code: 0 GO, 1 NO-GO, else
/// the error's ([`ValidateError::exit`]), printed with what a router received.
pub async fn main(args: &ValidateArgs) -> Exit {
    match run(args).await {
        Ok(v) => {
            let text = super::report::render_terminal(&v);
            if args
                .reports
                .iter()
                .any(|r| r.dest == crate::report::Destination::Stdout)
            {
                eprint!("{text}");
            } else {
                print!("{text}");
            }
            match super::report::write(&v, &args.reports) {
                Ok(()) => v.exit(),
                Err(e) => {
                    eprintln!(
                        "error: {}",
                        crate::printable::escape(&crate::outcome::error_chain(&e))
                    );
                    e.exit()
                }
            }
        }
        Err(e) => {
            eprintln!(
                "error: {}",
                crate::printable::escape(&crate::outcome::error_chain(&e))
            );
            if let Some(account) = e.account() {
                for line in account.lines() {
                    eprintln!("{}", crate::printable::escape(line));
                }
            }
            e.exit()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::diff::{ObservationChange, VerdictChange};

    fn run(version: &str) -> LabRun {
        LabRun {
            lab: format!("sim:{version}"),
            behaviour: Behaviour {
                schema: behaviour::BEHAVIOUR_SCHEMA,
                version: version.into(),
                verdicts: Default::default(),
                observations: serde_json::json!({}),
            },
            report: RunReport::new(format!("sim:{version}"), Path::new("p.toml")),
        }
    }

    fn validation(diff: Diff, strict: bool) -> Validation {
        Validation {
            baseline: run("7.24.4"),
            candidate: run("7.25"),
            diff,
            snapshots: Vec::new(),
            strict,
        }
    }

    #[test]
    fn go_follows_regressions_and_strict_follows_any_change() {
        let moved = Diff {
            verdicts: Vec::new(),
            observations: vec![ObservationChange {
                path: "factory.services.telnet".into(),
                baseline: Some("port=23 disabled=no".into()),
                candidate: Some("port=2323 disabled=no".into()),
            }],
        };
        let v = validation(moved.clone(), false);
        assert!(v.go());
        assert_eq!(v.verdict_line(), "GO");
        assert_eq!(v.exit(), Exit::Pass);
        let v = validation(moved, true);
        assert!(!v.go());
        assert_eq!(v.verdict_line(), "NO-GO (1 change, --strict)");
        assert_eq!(v.exit(), Exit::ChecksFailed);
        let regressed = Diff {
            verdicts: vec![VerdictChange {
                check: "services.disabled".into(),
                baseline: "PASS".into(),
                candidate: "FAIL".into(),
                regression: true,
            }],
            observations: Vec::new(),
        };
        let v = validation(regressed, false);
        assert_eq!(v.verdict_line(), "NO-GO (1 regression)");
        assert_eq!(v.exit(), Exit::ChecksFailed);
        assert_eq!(validation(Diff::default(), true).verdict_line(), "GO");
    }

    #[test]
    fn snapshot_names_are_safe_file_names() {
        assert_eq!(
            snapshot_path(Path::new("d"), "7.25beta3"),
            Path::new("d/behaviour__7.25beta3.json")
        );
        assert_eq!(
            snapshot_path(Path::new("d"), "../x y"),
            Path::new("d/behaviour__.._x_y.json")
        );
    }
}
