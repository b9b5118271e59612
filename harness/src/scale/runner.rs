//! Runs many jobs in parallel under a [`Budget`], each attempt in its own tokio task under a
//! timeout, and hands back one [`Row`] per job, in job order.
//!
//! Jobs start in the order given, each as soon as the budget admits it (so a big job is never
//! starved by small ones behind it). A job's attempt that panics becomes a `Failed` row; one
//! that outlives [`Limits::timeout`] is aborted — its future is dropped, and with it the lab,
//! which cleans up on drop — and becomes `TimedOut`. Dropping the future of [`run_all`] aborts
//! every running attempt the same way.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use futures::stream::FuturesUnordered;
use tokio::task::JoinHandle;

use super::{Budget, Job, JobError, Limits, Row, RowResult};
use crate::outcome::{Exit, RunReport};

/// Told about each job as it starts and ends: what the user sees while a run goes on.
pub trait Progress: Send + Sync {
    /// An attempt of `job` starts (`attempt` counts from 1).
    fn started(&self, job: &Job, attempt: u32);
    /// An attempt failed or timed out and will be tried again.
    fn retrying(&self, job: &Job, attempt: u32, why: &str);
    /// The job is done.
    fn finished(&self, row: &Row);
}

/// Says nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Progress for Quiet {
    fn started(&self, _: &Job, _: u32) {}
    fn retrying(&self, _: &Job, _: u32, _: &str) {}
    fn finished(&self, _: &Row) {}
}

/// How long an aborted attempt is given to drop its lab before the runner moves on.
const ABORT_GRACE: Duration = Duration::from_secs(10);

/// Runs every job through `f` under `budget` and `limits`; rows come back in job order.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use std::{sync::Arc, time::Duration};
/// use chrlab::scale::{Budget, Job, Limits, runner::{Quiet, run_all}};
/// let job = |name: &str| Job { name: name.into(), group: None, version: None, cost_mb: 64 };
/// let rows = run_all(
///     vec![job("a"), job("b")],
///     Budget { parallel: 2, memory_mb: 1024 },
///     Limits { timeout: Duration::from_secs(5), retries: 0 },
///     Arc::new(Quiet),
///     |job: Job| async move { Ok(chrlab::outcome::RunReport::new(job.name, "p.toml")) },
/// )
/// .await;
/// assert_eq!(rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
/// # });
/// ```
pub async fn run_all<F, Fut>(
    jobs: Vec<Job>,
    budget: Budget,
    limits: Limits,
    progress: Arc<dyn Progress>,
    f: F,
) -> Vec<Row>
where
    F: Fn(Job) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<RunReport, JobError>> + Send + 'static,
{
    let mut rows: Vec<Option<Row>> = jobs.iter().map(|_| None).collect();
    let costs: Vec<u64> = jobs.iter().map(|j| j.cost_mb).collect();
    let mut running = FuturesUnordered::new();
    let (mut count, mut used_mb) = (0usize, 0u64);
    for (index, job) in jobs.into_iter().enumerate() {
        while !budget.admits(count, used_mb, job.cost_mb) {
            let Some((done, row)) = running.next().await else {
                break;
            };
            count -= 1;
            used_mb -= costs[done];
            rows[done] = Some(row);
        }
        count += 1;
        used_mb += job.cost_mb;
        let (f, progress) = (f.clone(), progress.clone());
        running.push(async move { (index, run_one(job, limits, &*progress, f).await) });
    }
    while let Some((done, row)) = running.next().await {
        rows[done] = Some(row);
    }
    rows.into_iter().flatten().collect()
}

/// One job, attempt after attempt, until it audits, fails for good, or runs out of retries.
async fn run_one<F, Fut>(job: Job, limits: Limits, progress: &dyn Progress, f: F) -> Row
where
    F: Fn(Job) -> Fut,
    Fut: Future<Output = Result<RunReport, JobError>> + Send + 'static,
{
    let started = Instant::now();
    let mut attempt = 0;
    loop {
        attempt += 1;
        progress.started(&job, attempt);
        let result = attempt_once(f(job.clone()), limits.timeout).await;
        let retry = match &result {
            RowResult::Audited(_) => false,
            RowResult::Failed(e) => e.retryable,
            RowResult::TimedOut { .. } => true,
        };
        if retry && attempt <= limits.retries {
            let why = result.problem().unwrap_or_default();
            tracing::info!(job = %job.name, attempt, "{why}; trying again");
            progress.retrying(&job, attempt, &why);
            continue;
        }
        let row = Row {
            name: job.name.clone(),
            group: job.group.clone(),
            version: job.version.clone(),
            result,
            elapsed: started.elapsed(),
            attempts: attempt,
        };
        progress.finished(&row);
        return row;
    }
}

/// Aborts the task when dropped (a plain `JoinHandle` would let it run on).
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// One attempt in a task of its own: a panic is caught there, a timeout aborts it.
async fn attempt_once<Fut>(attempt: Fut, timeout: Duration) -> RowResult
where
    Fut: Future<Output = Result<RunReport, JobError>> + Send + 'static,
{
    let mut task = AbortOnDrop(tokio::spawn(attempt));
    match tokio::time::timeout(timeout, &mut task.0).await {
        Ok(Ok(Ok(report))) => RowResult::Audited(report.redacted()),
        Ok(Ok(Err(e))) => RowResult::Failed(e),
        Ok(Err(join)) => RowResult::Failed(JobError {
            message: if join.is_panic() {
                format!("the job panicked: {}", panic_text(join.into_panic()))
            } else {
                "the job was cancelled".to_string()
            },
            exit: Exit::Internal,
            retryable: false,
        }),
        Err(_) => {
            // Drop the attempt (and its lab) now, and give its drop a moment to finish, so a
            // retry or the next job does not share the machine with a lab being torn down.
            task.0.abort();
            if tokio::time::timeout(ABORT_GRACE, &mut task.0)
                .await
                .is_err()
            {
                tracing::warn!("a timed-out job did not stop within {ABORT_GRACE:?}");
            }
            RowResult::TimedOut { after: timeout }
        }
    }
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(s) => (*s).to_string(),
            Err(_) => "(no message)".to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

    use super::*;

    fn job(name: &str, cost_mb: u64) -> Job {
        Job {
            name: name.to_string(),
            group: None,
            version: None,
            cost_mb,
        }
    }

    fn limits(timeout_ms: u64, retries: u32) -> Limits {
        Limits {
            timeout: Duration::from_millis(timeout_ms),
            retries,
        }
    }

    fn names(rows: &[Row]) -> Vec<&str> {
        rows.iter().map(|r| r.name.as_str()).collect()
    }

    /// Counts running jobs and their memory, and remembers the highest of each.
    #[derive(Default)]
    struct Gauge {
        now: AtomicUsize,
        peak: AtomicUsize,
        mem: AtomicU64,
        peak_mem: AtomicU64,
    }

    impl Gauge {
        fn enter(&self, cost: u64) {
            let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(n, Ordering::SeqCst);
            let m = self.mem.fetch_add(cost, Ordering::SeqCst) + cost;
            self.peak_mem.fetch_max(m, Ordering::SeqCst);
        }
        fn leave(&self, cost: u64) {
            self.now.fetch_sub(1, Ordering::SeqCst);
            self.mem.fetch_sub(cost, Ordering::SeqCst);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_budget_bounds_jobs_at_once_and_memory_and_rows_keep_job_order() {
        let gauge = Arc::new(Gauge::default());
        let jobs: Vec<Job> = (0..12).map(|i| job(&format!("j{i}"), 100)).collect();
        let g = gauge.clone();
        let rows = run_all(
            jobs,
            Budget {
                parallel: 3,
                memory_mb: 250,
            },
            limits(5_000, 0),
            Arc::new(Quiet),
            move |job: Job| {
                let g = g.clone();
                async move {
                    g.enter(job.cost_mb);
                    // Later jobs finish first: the rows must still come back in job order.
                    let n: u64 = job.name[1..].parse().unwrap();
                    tokio::time::sleep(Duration::from_millis(60 - n * 4)).await;
                    g.leave(job.cost_mb);
                    Ok(RunReport::new(job.name, "p.toml"))
                }
            },
        )
        .await;
        let expected: Vec<String> = (0..12).map(|i| format!("j{i}")).collect();
        assert_eq!(names(&rows), expected);
        assert!(rows.iter().all(|r| r.report().is_some() && r.attempts == 1));
        // Memory (250 MB / 100 MB) allows 2 at once, fewer than `parallel`.
        assert_eq!(gauge.peak.load(Ordering::SeqCst), 2);
        assert!(gauge.peak_mem.load(Ordering::SeqCst) <= 250);

        let gauge = Arc::new(Gauge::default());
        let g = gauge.clone();
        run_all(
            (0..10).map(|i| job(&format!("k{i}"), 1)).collect(),
            Budget {
                parallel: 4,
                memory_mb: 1024,
            },
            limits(5_000, 0),
            Arc::new(Quiet),
            move |job: Job| {
                let g = g.clone();
                async move {
                    g.enter(job.cost_mb);
                    tokio::time::sleep(Duration::from_millis(40)).await;
                    g.leave(job.cost_mb);
                    Ok(RunReport::new(job.name, "p.toml"))
                }
            },
        )
        .await;
        assert_eq!(gauge.peak.load(Ordering::SeqCst), 4, "parallel is reached");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_bigger_than_the_budget_runs_alone() {
        let gauge = Arc::new(Gauge::default());
        let g = gauge.clone();
        let overlapped = Arc::new(AtomicUsize::new(0));
        let o = overlapped.clone();
        let rows = run_all(
            vec![job("small", 10), job("huge", 4096), job("small2", 10)],
            Budget {
                parallel: 8,
                memory_mb: 512,
            },
            limits(5_000, 0),
            Arc::new(Quiet),
            move |job: Job| {
                let (g, o) = (g.clone(), o.clone());
                async move {
                    g.enter(job.cost_mb);
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    if job.name == "huge" && g.now.load(Ordering::SeqCst) > 1 {
                        o.fetch_add(1, Ordering::SeqCst);
                    }
                    g.leave(job.cost_mb);
                    Ok(RunReport::new(job.name, "p.toml"))
                }
            },
        )
        .await;
        assert_eq!(names(&rows), ["small", "huge", "small2"]);
        assert!(rows.iter().all(|r| r.report().is_some()));
        assert_eq!(overlapped.load(Ordering::SeqCst), 0, "huge ran alone");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_hanging_job_times_out_while_the_others_finish() {
        /// Counts drops: the hanging job's lab must be dropped when its attempt is aborted.
        struct Lab(Arc<AtomicUsize>);
        impl Drop for Lab {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let dropped = Arc::new(AtomicUsize::new(0));
        let d = dropped.clone();
        let started = Instant::now();
        let rows = run_all(
            vec![job("fast1", 1), job("hangs", 1), job("fast2", 1)],
            Budget {
                parallel: 3,
                memory_mb: 100,
            },
            limits(300, 0),
            Arc::new(Quiet),
            move |job: Job| {
                let d = d.clone();
                async move {
                    let _lab = Lab(d);
                    if job.name == "hangs" {
                        std::future::pending::<()>().await;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Ok(RunReport::new(job.name, "p.toml"))
                }
            },
        )
        .await;
        assert_eq!(names(&rows), ["fast1", "hangs", "fast2"]);
        assert!(rows[0].report().is_some() && rows[2].report().is_some());
        assert!(
            rows[0].elapsed < Duration::from_millis(300),
            "the fast ones did not wait"
        );
        match rows[1].result {
            RowResult::TimedOut { after } => assert_eq!(after, Duration::from_millis(300)),
            ref other => panic!("not timed out: {other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(dropped.load(Ordering::SeqCst), 3, "every lab dropped");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_job_becomes_a_failed_row() {
        let rows = run_all(
            vec![job("ok", 1), job("boom", 1)],
            Budget {
                parallel: 2,
                memory_mb: 100,
            },
            limits(5_000, 3),
            Arc::new(Quiet),
            |job: Job| async move {
                if job.name == "boom" {
                    panic!("lab exploded");
                }
                Ok(RunReport::new(job.name, "p.toml"))
            },
        )
        .await;
        assert!(rows[0].report().is_some());
        match &rows[1].result {
            RowResult::Failed(e) => {
                assert!(e.message.contains("lab exploded"), "{}", e.message);
                assert_eq!(e.exit, Exit::Internal);
            }
            other => panic!("not failed: {other:?}"),
        }
        assert_eq!(rows[1].attempts, 1, "a panic is not retried");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn only_retryable_failures_and_timeouts_are_retried() {
        let calls: Arc<Mutex<Vec<String>>> = Arc::default();
        let flaky_tries = Arc::new(AtomicU32::new(0));
        let (c, t) = (calls.clone(), flaky_tries.clone());
        let rows = run_all(
            vec![
                job("flaky", 1),
                job("bad-input", 1),
                job("down", 1),
                job("slow-once", 1),
            ],
            Budget {
                parallel: 4,
                memory_mb: 100,
            },
            limits(200, 2),
            Arc::new(Quiet),
            move |job: Job| {
                let (c, t) = (c.clone(), t.clone());
                async move {
                    c.lock().unwrap().push(job.name.clone());
                    let fail = |retryable| JobError {
                        message: format!("{} refused", job.name),
                        exit: Exit::Router,
                        retryable,
                    };
                    match job.name.as_str() {
                        "flaky" if t.fetch_add(1, Ordering::SeqCst) == 0 => Err(fail(true)),
                        "bad-input" => Err(fail(false)),
                        "down" => Err(fail(true)),
                        "slow-once"
                            if c.lock()
                                .unwrap()
                                .iter()
                                .filter(|n| *n == "slow-once")
                                .count()
                                == 1 =>
                        {
                            std::future::pending().await
                        }
                        _ => Ok(RunReport::new(job.name, "p.toml")),
                    }
                }
            },
        )
        .await;
        let attempts: Vec<u32> = rows.iter().map(|r| r.attempts).collect();
        assert_eq!(attempts, [2, 1, 3, 2]);
        assert!(rows[0].report().is_some(), "flaky passed on its second try");
        assert!(matches!(&rows[1].result, RowResult::Failed(e) if !e.retryable));
        assert!(matches!(&rows[2].result, RowResult::Failed(e) if e.message == "down refused"));
        assert!(rows[3].report().is_some(), "a timeout is retried");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn progress_hears_every_start_and_end() {
        #[derive(Default)]
        struct Log(Mutex<Vec<String>>);
        impl Progress for Log {
            fn started(&self, job: &Job, attempt: u32) {
                self.0
                    .lock()
                    .unwrap()
                    .push(format!("start {} {attempt}", job.name));
            }
            fn retrying(&self, job: &Job, attempt: u32, _: &str) {
                self.0
                    .lock()
                    .unwrap()
                    .push(format!("retry {} {attempt}", job.name));
            }
            fn finished(&self, row: &Row) {
                self.0.lock().unwrap().push(format!("end {}", row.name));
            }
        }
        let log = Arc::new(Log::default());
        run_all(
            vec![job("a", 1), job("b", 1)],
            Budget {
                parallel: 1,
                memory_mb: 100,
            },
            limits(100, 1),
            log.clone(),
            |job: Job| async move {
                if job.name == "b" {
                    std::future::pending::<()>().await;
                }
                Ok(RunReport::new(job.name, "p.toml"))
            },
        )
        .await;
        assert_eq!(
            *log.0.lock().unwrap(),
            [
                "start a 1",
                "end a",
                "start b 1",
                "retry b 1",
                "start b 2",
                "end b"
            ]
        );
    }
}
