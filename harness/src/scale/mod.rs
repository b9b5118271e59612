//! Many routers in one run: the shared engine behind `chrlab matrix` (many fresh labs, one per
//! RouterOS version) and `chrlab fleet` (many live routers).
//!
//! A run is a list of [`Job`]s; [`runner::run_all`] runs them in parallel under a [`Budget`]
//! (how many at once, how much memory) and [`Limits`] (a timeout per attempt, retries), each
//! independent of the others: a failing, hanging or panicking job becomes its own [`Row`] and
//! never stalls the rest. The rows make a [`ManyReport`], rendered by [`report`] as a
//! router × check table of [`Cell`]s in the terminal, JSON, Markdown, HTML and JUnit.
//!
//! ```
//! use chrlab::scale::{Cell, Kind, ManyReport};
//! let report = ManyReport::new(Kind::Matrix, Vec::new());
//! assert_eq!(report.exit(), chrlab::outcome::Exit::Pass);
//! assert_eq!(Cell::Waived.label(), "WAIVED");
//! ```

pub mod matrix;
pub mod report;
pub mod runner;

use std::time::Duration;

use time::OffsetDateTime;

use crate::outcome::{Exit, Outcome, RunReport};

/// One router to audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// What the user named: `sim:7.24.4`, an inventory host.
    pub name: String,
    /// The inventory group (fleet).
    pub group: Option<String>,
    /// The asked-for RouterOS version, if any.
    pub version: Option<String>,
    /// Memory the lab needs, in MB: a simulator lab about [`SIM_LAB_COST_MB`], a QEMU lab its RAM.
    pub cost_mb: u64,
}

/// What a simulator lab costs (its thread, runtime and namespaces), in MB.
pub const SIM_LAB_COST_MB: u64 = 64;

/// Why a job produced no report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobError {
    /// The full error chain, secret-free.
    pub message: String,
    /// The exit code the error alone would have called for.
    pub exit: Exit,
    /// Whether another attempt may succeed (a router that did not answer, not a bad input).
    pub retryable: bool,
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// How much may run at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// At most this many jobs at once (0 counts as 1).
    pub parallel: usize,
    /// The sum of the running jobs' [`Job::cost_mb`] stays at or under this; a job that costs
    /// more than the whole budget runs alone.
    pub memory_mb: u64,
}

impl Budget {
    /// Whether a job of `cost_mb` may start while `running` jobs costing `used_mb` run.
    pub fn admits(&self, running: usize, used_mb: u64, cost_mb: u64) -> bool {
        if running == 0 {
            return true;
        }
        running < self.parallel.max(1) && used_mb.saturating_add(cost_mb) <= self.memory_mb
    }
}

/// What one job may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Each attempt is dropped (its lab cleans up on drop) after this long.
    pub timeout: Duration,
    /// Further attempts after a retryable failure or a timeout.
    pub retries: u32,
}

/// What became of one job.
#[derive(Debug, Clone)]
pub struct Row {
    /// [`Job::name`].
    pub name: String,
    /// [`Job::group`].
    pub group: Option<String>,
    /// [`Job::version`].
    pub version: Option<String>,
    /// The audit, or why there is none.
    pub result: RowResult,
    /// Wall time over every attempt.
    pub elapsed: Duration,
    /// How many attempts were made (at least 1).
    pub attempts: u32,
}

/// The last attempt's ending.
// Rows are few and built once: the report stays inline, where every renderer reads it.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum RowResult {
    /// The router was audited; the report is already redacted.
    Audited(RunReport),
    /// The job failed (or panicked) before a report.
    Failed(JobError),
    /// The last attempt did not finish in time.
    TimedOut {
        /// The timeout it hit.
        after: Duration,
    },
}

impl RowResult {
    /// `audited`, `failed` or `timed-out`, as the JSON report writes it.
    pub fn status(&self) -> &'static str {
        match self {
            RowResult::Audited(_) => "audited",
            RowResult::Failed(_) => "failed",
            RowResult::TimedOut { .. } => "timed-out",
        }
    }

    /// Why the row has no audit (`None` when it has one).
    pub fn problem(&self) -> Option<String> {
        match self {
            RowResult::Audited(_) => None,
            RowResult::Failed(e) => Some(e.message.clone()),
            RowResult::TimedOut { after } => {
                Some(format!("timed out after {:.0} s", after.as_secs_f64()))
            }
        }
    }
}

impl Row {
    /// The audit, when there is one.
    pub fn report(&self) -> Option<&RunReport> {
        match &self.result {
            RowResult::Audited(r) => Some(r),
            _ => None,
        }
    }

    /// Whether this row fails the run: a failed check, an incomplete audit, or no audit.
    pub fn fails(&self) -> bool {
        match &self.result {
            RowResult::Audited(r) => r.exit() != Exit::Pass,
            RowResult::Failed(_) | RowResult::TimedOut { .. } => true,
        }
    }

    /// The key rows of two runs are matched by: the version when asked for, else the name.
    fn version_or_name(&self) -> &str {
        self.version.as_deref().unwrap_or(&self.name)
    }
}

/// Which command made the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `chrlab matrix`: fresh labs, one per version.
    Matrix,
    /// `chrlab fleet`: live routers of an inventory.
    Fleet,
}

impl Kind {
    /// `matrix` or `fleet`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Matrix => "matrix",
            Kind::Fleet => "fleet",
        }
    }
}

/// What a run over many routers found: one row per job, in job order.
#[derive(Debug, Clone)]
pub struct ManyReport {
    /// Matrix or fleet.
    pub kind: Kind,
    /// One per job, in job order.
    pub rows: Vec<Row>,
    /// When the run started.
    pub started: OffsetDateTime,
    /// When it finished.
    pub finished: OffsetDateTime,
    /// `Some((K, N))`: this run is shard K of N of a larger one.
    pub shard: Option<(u32, u32)>,
    /// Notes for the reader that are no cell (a regression, a skipped router), one per line.
    pub notes: Vec<String>,
}

/// One cell of the router × check table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// The check passed.
    Pass,
    /// The check failed.
    Fail,
    /// Not verifiable.
    Skip,
    /// Failed, accepted by a waiver.
    Waived,
    /// The row was audited but has no such check.
    Absent,
    /// The row did not audit (failed or timed out).
    Error,
}

impl Cell {
    /// Every cell, in the order the JSON report names them.
    pub const ALL: [Cell; 6] = [
        Cell::Pass,
        Cell::Fail,
        Cell::Skip,
        Cell::Waived,
        Cell::Absent,
        Cell::Error,
    ];

    /// `PASS`, `FAIL`, `SKIP`, `WAIVED`, `—` or `ERROR`, as the tables print it.
    pub fn label(self) -> &'static str {
        match self {
            Cell::Pass => "PASS",
            Cell::Fail => "FAIL",
            Cell::Skip => "SKIP",
            Cell::Waived => "WAIVED",
            Cell::Absent => "—",
            Cell::Error => "ERROR",
        }
    }

    /// `pass`, `fail`, `skip`, `waived`, `absent` or `error`, as the JSON report writes it.
    pub fn word(self) -> &'static str {
        match self {
            Cell::Pass => "pass",
            Cell::Fail => "fail",
            Cell::Skip => "skip",
            Cell::Waived => "waived",
            Cell::Absent => "absent",
            Cell::Error => "error",
        }
    }

    /// The cell a JSON word names.
    pub fn from_word(word: &str) -> Option<Cell> {
        Cell::ALL.into_iter().find(|c| c.word() == word)
    }

    fn of(outcome: &Outcome) -> Cell {
        match outcome {
            Outcome::Pass => Cell::Pass,
            Outcome::Fail(_) => Cell::Fail,
            Outcome::Skip(_) => Cell::Skip,
            Outcome::Waived(_) => Cell::Waived,
        }
    }
}

/// A check that passed on the previous run and fails now, on one router or version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Regression {
    /// The row's name now.
    pub name: String,
    /// The row's version, when asked for.
    pub version: Option<String>,
    /// The check id.
    pub check: String,
}

impl std::fmt::Display for Regression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} passed before, fails now", self.name, self.check)
    }
}

/// A previous run as read back from its JSON report ([`report::read_json`]): per row, the cell
/// of every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousReport {
    /// `matrix` or `fleet`.
    pub kind: Kind,
    /// Its rows.
    pub rows: Vec<PreviousRow>,
}

/// One row of a previous run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousRow {
    /// [`Row::name`].
    pub name: String,
    /// [`Row::version`].
    pub version: Option<String>,
    /// Check id → cell.
    pub cells: std::collections::BTreeMap<String, Cell>,
}

impl From<&ManyReport> for PreviousReport {
    fn from(report: &ManyReport) -> PreviousReport {
        let checks = report.checks();
        PreviousReport {
            kind: report.kind,
            rows: report
                .rows
                .iter()
                .map(|row| PreviousRow {
                    name: row.name.clone(),
                    version: row.version.clone(),
                    cells: checks
                        .iter()
                        .map(|(id, _)| (id.clone(), report.cell(row, id)))
                        .collect(),
                })
                .collect(),
        }
    }
}

impl ManyReport {
    /// A report of these rows, started and finished now.
    pub fn new(kind: Kind, rows: Vec<Row>) -> ManyReport {
        let now = OffsetDateTime::now_utc();
        ManyReport {
            kind,
            rows,
            started: now,
            finished: now,
            shard: None,
            notes: Vec::new(),
        }
    }

    /// The table's columns: every registered check (id, title) in registry order, then any other
    /// id a row reports, in first-seen order.
    pub fn checks(&self) -> Vec<(String, String)> {
        let mut checks: Vec<(String, String)> = crate::measures::checks()
            .map(|(_, c)| (c.id.to_string(), c.title.to_string()))
            .collect();
        for r in self.rows.iter().filter_map(Row::report) {
            for c in &r.results {
                if !checks.iter().any(|(id, _)| *id == c.id) {
                    checks.push((c.id.clone(), c.title.clone()));
                }
            }
        }
        checks
    }

    /// What `row` says about check `id`.
    pub fn cell(&self, row: &Row, id: &str) -> Cell {
        match &row.result {
            RowResult::Audited(r) => r
                .results
                .iter()
                .find(|c| c.id == id)
                .map_or(Cell::Absent, |c| Cell::of(&c.outcome)),
            RowResult::Failed(_) | RowResult::TimedOut { .. } => Cell::Error,
        }
    }

    /// [`Exit::ChecksFailed`] when any check failed, any audit is incomplete, or any row did not
    /// audit; else [`Exit::Pass`].
    pub fn exit(&self) -> Exit {
        if self.rows.iter().any(Row::fails) {
            Exit::ChecksFailed
        } else {
            Exit::Pass
        }
    }

    /// Every check that passed in `old` and fails now, per row, in row then check order. Rows
    /// are matched by name, else by version when exactly one old row has it (a matrix rerun on
    /// another backend).
    pub fn regressions(&self, old: &PreviousReport) -> Vec<Regression> {
        let checks = self.checks();
        let mut found = Vec::new();
        for row in &self.rows {
            let Some(before) = old.rows.iter().find(|o| o.name == row.name).or_else(|| {
                let mut same = old
                    .rows
                    .iter()
                    .filter(|o| o.version.as_deref() == Some(row.version_or_name()));
                match (same.next(), same.next()) {
                    (Some(one), None) => Some(one),
                    _ => None,
                }
            }) else {
                continue;
            };
            for (id, _) in &checks {
                if before.cells.get(id) == Some(&Cell::Pass) && self.cell(row, id) == Cell::Fail {
                    found.push(Regression {
                        name: row.name.clone(),
                        version: row.version.clone(),
                        check: id.clone(),
                    });
                }
            }
        }
        found
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::outcome::{CheckResult, Measure, Waived};

    /// A report of `sim:<version>` with these outcomes for registered ids.
    pub(crate) fn audited(version: &str, outcomes: &[(&str, Outcome)]) -> Row {
        let mut r = RunReport::new(format!("sim:{version}"), "profiles/baseline.toml");
        r.version = Some(version.to_string());
        for (id, o) in outcomes {
            r.push(CheckResult::new(Measure::Services, *id, *id, o.clone()));
        }
        Row {
            name: format!("sim:{version}"),
            group: None,
            version: Some(version.to_string()),
            result: RowResult::Audited(r),
            elapsed: Duration::from_millis(1500),
            attempts: 1,
        }
    }

    pub(crate) fn first_two_ids() -> (String, String) {
        let mut ids = crate::measures::checks().map(|(_, c)| c.id.to_string());
        (ids.next().unwrap(), ids.next().unwrap())
    }

    #[test]
    fn cells_follow_outcomes_and_errored_rows() {
        let (a, b) = first_two_ids();
        let waived = Outcome::Waived(Waived {
            failure: "f".into(),
            reason: "r".into(),
            expires: "2030-01-01".into(),
        });
        let mut report = ManyReport::new(
            Kind::Matrix,
            vec![
                audited("7.24.4", &[(&a, Outcome::Pass), (&b, waived)]),
                Row {
                    result: RowResult::TimedOut {
                        after: Duration::from_secs(3),
                    },
                    ..audited("6.49.13", &[])
                },
            ],
        );
        let checks = report.checks();
        assert_eq!(checks.len(), crate::measures::checks().count());
        assert_eq!(checks[0].0, a);
        assert_eq!(report.cell(&report.rows[0], &a), Cell::Pass);
        assert_eq!(report.cell(&report.rows[0], &b), Cell::Waived);
        assert_eq!(report.cell(&report.rows[0], &checks[5].0), Cell::Absent);
        assert_eq!(report.cell(&report.rows[1], &a), Cell::Error);
        assert_eq!(report.exit(), Exit::ChecksFailed, "a timed-out row fails");
        report.rows.pop();
        assert_eq!(report.exit(), Exit::Pass, "waived and passed only");
        report.rows[0] = audited("7.24.4", &[(&a, Outcome::Fail("open".into()))]);
        assert_eq!(report.exit(), Exit::ChecksFailed);
        for c in Cell::ALL {
            assert_eq!(Cell::from_word(c.word()), Some(c));
        }
    }

    #[test]
    fn an_unregistered_id_becomes_a_column_after_the_registry() {
        let report = ManyReport::new(
            Kind::Matrix,
            vec![audited("7.24.4", &[("custom.thing", Outcome::Pass)])],
        );
        let checks = report.checks();
        assert_eq!(checks.last().unwrap().0, "custom.thing");
        assert_eq!(checks.len(), crate::measures::checks().count() + 1);
    }

    #[test]
    fn regressions_are_checks_that_passed_before_and_fail_now() {
        let (a, b) = first_two_ids();
        let old = ManyReport::new(
            Kind::Matrix,
            vec![
                audited("7.24.4", &[(&a, Outcome::Pass), (&b, Outcome::Pass)]),
                audited("7.12.2", &[(&a, Outcome::Fail("x".into()))]),
            ],
        );
        let now = ManyReport::new(
            Kind::Matrix,
            vec![
                audited(
                    "7.24.4",
                    &[(&a, Outcome::Fail("open".into())), (&b, Outcome::Pass)],
                ),
                audited("7.12.2", &[(&a, Outcome::Fail("x".into()))]),
                audited("7.16.2", &[(&a, Outcome::Fail("new".into()))]),
            ],
        );
        let found = now.regressions(&PreviousReport::from(&old));
        assert_eq!(
            found,
            [Regression {
                name: "sim:7.24.4".into(),
                version: Some("7.24.4".into()),
                check: a.clone(),
            }],
            "failing before, or no row before, is no regression"
        );
        assert_eq!(
            found[0].to_string(),
            format!("sim:7.24.4: {a} passed before, fails now")
        );
        // The same version on another backend is matched by its version.
        let mut qemu = now.clone();
        qemu.rows.truncate(1);
        qemu.rows[0].name = "qemu:7.24.4".into();
        assert_eq!(qemu.regressions(&PreviousReport::from(&old)).len(), 1);
    }

    #[test]
    fn the_budget_admits_by_count_and_memory_and_a_huge_job_alone() {
        let b = Budget {
            parallel: 2,
            memory_mb: 300,
        };
        assert!(b.admits(0, 0, 10_000), "alone, whatever it costs");
        assert!(b.admits(1, 64, 64));
        assert!(!b.admits(2, 128, 64), "count");
        assert!(!b.admits(1, 256, 64), "memory");
        assert!(!b.admits(1, 10, 10_000));
    }
}
