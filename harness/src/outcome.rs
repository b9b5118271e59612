//! The result model: what one check found ([`CheckResult`]) and what a whole run found ([`RunReport`]).

use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use serde::{Serialize, Serializer};
use time::OffsetDateTime;

use crate::cve::DataInfo;
use crate::probe::ProbeMatrix;
use crate::secret::Secret;

/// One of the five hardening measures of the baseline.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Measure {
    /// Security updates: version and update channel.
    Update,
    /// Management services: insecure ones off, the rest on other ports.
    Services,
    /// Input-chain firewall: management ports only from allowed sources.
    Firewall,
    /// Users: no default `admin`, a strong password.
    Users,
    /// Logging: failed logins are recorded.
    Logging,
    /// Layer-2 access: MAC-Telnet, MAC-WinBox, MAC ping, neighbor discovery.
    Layer2,
    /// Other listeners: DNS for remote clients, proxy, SOCKS, UPnP, SNMP, RoMON, cloud DDNS.
    Listeners,
    /// SSH crypto: strong algorithms only.
    Ssh,
    /// IPv6: management over IPv6 as closed as over IPv4 (or IPv6 off).
    Ipv6,
    /// The input chain as a whole: established accepted, invalid dropped, the rest dropped.
    Input,
    /// The device: unused interfaces disabled, device-mode features off (7.17+).
    Device,
}

impl Measure {
    /// Every measure, in the order of the seed article.
    pub const ALL: [Measure; 11] = [
        Measure::Update,
        Measure::Services,
        Measure::Firewall,
        Measure::Users,
        Measure::Logging,
        Measure::Layer2,
        Measure::Listeners,
        Measure::Ssh,
        Measure::Ipv6,
        Measure::Input,
        Measure::Device,
    ];

    /// Short stable name (`update`, `services`, …) used in ids and file names.
    pub fn slug(self) -> &'static str {
        match self {
            Measure::Update => "update",
            Measure::Services => "services",
            Measure::Firewall => "firewall",
            Measure::Users => "users",
            Measure::Logging => "logging",
            Measure::Layer2 => "layer2",
            Measure::Listeners => "listeners",
            Measure::Ssh => "ssh",
            Measure::Ipv6 => "ipv6",
            Measure::Input => "input",
            Measure::Device => "device",
        }
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Measure::Update => "security updates",
            Measure::Services => "management services",
            Measure::Firewall => "firewall",
            Measure::Users => "user management",
            Measure::Logging => "logging",
            Measure::Layer2 => "layer-2 access",
            Measure::Listeners => "other listeners",
            Measure::Ssh => "ssh crypto",
            Measure::Ipv6 => "ipv6",
            Measure::Input => "input chain",
            Measure::Device => "device",
        })
    }
}

/// What a check concluded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "reason", rename_all = "lowercase")]
pub enum Outcome {
    /// The router behaves as the baseline requires.
    Pass,
    /// It does not; the reason says what was seen instead.
    Fail(String),
    /// Not verifiable from here (e.g. no untrusted vantage); the reason says why.
    Skip(String),
}

impl Outcome {
    /// `PASS`, `FAIL` or `SKIP`.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Pass => "PASS",
            Outcome::Fail(_) => "FAIL",
            Outcome::Skip(_) => "SKIP",
        }
    }

    /// The reason of a failure or skip.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Outcome::Pass => None,
            Outcome::Fail(r) | Outcome::Skip(r) => Some(r),
        }
    }

    /// Whether this is a failure.
    pub fn is_fail(&self) -> bool {
        matches!(self, Outcome::Fail(_))
    }

    fn redacted(&self, secrets: &[Secret]) -> Outcome {
        match self {
            Outcome::Pass => Outcome::Pass,
            Outcome::Fail(r) => Outcome::Fail(redact(r, secrets)),
            Outcome::Skip(r) => Outcome::Skip(redact(r, secrets)),
        }
    }
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    /// The measure the check belongs to.
    pub measure: Measure,
    /// Stable slug, e.g. `services.telnet-closed`; never changes between releases.
    pub id: String,
    /// One line for humans, e.g. "telnet is not reachable".
    pub title: String,
    /// The verdict.
    pub outcome: Outcome,
    /// What was observed (read-back rows, probe results), one fact per line.
    pub evidence: Vec<String>,
    /// How long the check took.
    #[serde(serialize_with = "ser_duration_secs")]
    pub duration: Duration,
}

impl CheckResult {
    /// A result with no evidence and zero duration.
    pub fn new(
        measure: Measure,
        id: impl Into<String>,
        title: impl Into<String>,
        outcome: Outcome,
    ) -> CheckResult {
        CheckResult {
            measure,
            id: id.into(),
            title: title.into(),
            outcome,
            evidence: Vec::new(),
            duration: Duration::ZERO,
        }
    }

    /// Adds one line of evidence.
    pub fn with_evidence(mut self, line: impl Into<String>) -> CheckResult {
        self.evidence.push(line.into());
        self
    }

    /// Adds several lines of evidence.
    pub fn with_evidence_lines(mut self, lines: impl IntoIterator<Item = String>) -> CheckResult {
        self.evidence.extend(lines);
        self
    }

    /// Sets the duration.
    pub fn with_duration(mut self, duration: Duration) -> CheckResult {
        self.duration = duration;
        self
    }

    fn redacted(&self, secrets: &[Secret]) -> CheckResult {
        CheckResult {
            measure: self.measure,
            id: redact(&self.id, secrets),
            title: redact(&self.title, secrets),
            outcome: self.outcome.redacted(secrets),
            evidence: self.evidence.iter().map(|e| redact(e, secrets)).collect(),
            duration: self.duration,
        }
    }
}

/// Counts of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Checks that passed.
    pub passed: usize,
    /// Checks that failed.
    pub failed: usize,
    /// Checks that could not be verified.
    pub skipped: usize,
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }
}

/// Process exit codes of `chrlab`, one per kind of ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Every check passed (skips allowed, unless the router could not be read).
    Pass = 0,
    /// At least one check failed, no check ran at all, or the audit was incomplete.
    ChecksFailed = 1,
    /// Bad command line or bad profile: the user must fix the input; nothing was sent.
    Usage = 2,
    /// The router refused or could not be reached (the message names it and the command).
    Router = 3,
    /// The harness itself failed (lab set-up, bug).
    Internal = 4,
    /// Stopped by SIGINT (Ctrl-C): 128 + 2.
    Interrupted = 130,
    /// Stopped by SIGTERM: 128 + 15.
    Terminated = 143,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// Everything one `chrlab check` run found about one router.
///
/// Serializing (and every report format) replaces the texts of the registered secrets by `***`.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// Which router: the target URL or `sim:<version>`.
    pub router: String,
    /// RouterOS version the router reported, if it was read.
    pub version: Option<String>,
    /// The profile file the run used.
    pub profile: PathBuf,
    /// How the configuration was read back (`rest` or `ssh`), once it was.
    pub readback: Option<String>,
    /// Results in the order the checks ran.
    pub results: Vec<CheckResult>,
    /// What could not be read from the router (a menu, a timeout, a lock-out): the checks that
    /// needed it are *not verifiable*, and the audit is incomplete.
    pub incomplete: Vec<String>,
    /// The CVE data the update check judged by: its date and source (bundled or refreshed), so
    /// a stale table shows.
    pub cve_data: Option<DataInfo>,
    /// What every vantage saw on every probed TCP port over IPv4 (empty when nothing was probed).
    pub matrix: ProbeMatrix,
    /// The same over IPv6, when the lab has it.
    pub matrix6: Option<ProbeMatrix>,
    /// When the run started.
    pub started: OffsetDateTime,
    /// When the run finished.
    pub finished: OffsetDateTime,
    secrets: Vec<Secret>,
}

impl RunReport {
    /// An empty report started now.
    pub fn new(router: impl Into<String>, profile: impl Into<PathBuf>) -> RunReport {
        let now = OffsetDateTime::now_utc();
        RunReport {
            router: router.into(),
            version: None,
            profile: profile.into(),
            readback: None,
            results: Vec::new(),
            incomplete: Vec::new(),
            cve_data: None,
            matrix: ProbeMatrix::default(),
            matrix6: None,
            started: now,
            finished: now,
            secrets: Vec::new(),
        }
    }

    /// Registers a secret whose text must never appear in any rendering of this report.
    pub fn add_secret(&mut self, secret: &Secret) {
        if !secret.is_empty() && !self.secrets.contains(secret) {
            self.secrets.push(secret.clone());
        }
    }

    /// `text` with every registered secret replaced by `***`, for renderings of facts that are
    /// not strings of the report (a probe's identity in the matrix).
    pub fn redact_text(&self, text: &str) -> String {
        redact(text, &self.secrets)
    }

    /// Appends a result.
    pub fn push(&mut self, result: CheckResult) {
        self.results.push(result);
    }

    /// Sets `finished` to now.
    pub fn finish(&mut self) {
        self.finished = OffsetDateTime::now_utc();
    }

    /// The failed results.
    pub fn failed(&self) -> Vec<&CheckResult> {
        self.results
            .iter()
            .filter(|r| r.outcome.is_fail())
            .collect()
    }

    /// Counts by outcome.
    pub fn tally(&self) -> Tally {
        let mut t = Tally::default();
        for r in &self.results {
            match r.outcome {
                Outcome::Pass => t.passed += 1,
                Outcome::Fail(_) => t.failed += 1,
                Outcome::Skip(_) => t.skipped += 1,
            }
        }
        t
    }

    /// [`Exit::Pass`] when nothing failed, something ran and the router could be read, else
    /// [`Exit::ChecksFailed`].
    pub fn exit(&self) -> Exit {
        if self.results.is_empty() || !self.failed().is_empty() || !self.incomplete.is_empty() {
            Exit::ChecksFailed
        } else {
            Exit::Pass
        }
    }

    /// Measures in first-seen order with their results.
    pub fn by_measure(&self) -> Vec<(Measure, Vec<&CheckResult>)> {
        let mut groups: Vec<(Measure, Vec<&CheckResult>)> = Vec::new();
        for r in &self.results {
            match groups.iter_mut().find(|(m, _)| *m == r.measure) {
                Some((_, v)) => v.push(r),
                None => groups.push((r.measure, vec![r])),
            }
        }
        groups
    }

    /// Wall time between `started` and `finished`.
    pub fn elapsed(&self) -> Duration {
        (self.finished - self.started)
            .try_into()
            .unwrap_or_default()
    }

    /// A copy with every registered secret replaced by `***` in every text field.
    pub fn redacted(&self) -> RunReport {
        let s = &self.secrets;
        RunReport {
            router: redact(&self.router, s),
            version: self.version.as_deref().map(|v| redact(v, s)),
            profile: PathBuf::from(redact(&self.profile.to_string_lossy(), s)),
            readback: self.readback.as_deref().map(|v| redact(v, s)),
            results: self.results.iter().map(|r| r.redacted(s)).collect(),
            incomplete: self.incomplete.iter().map(|i| redact(i, s)).collect(),
            cve_data: self.cve_data.clone(),
            matrix: self.matrix.clone(),
            matrix6: self.matrix6.clone(),
            started: self.started,
            finished: self.finished,
            secrets: self.secrets.clone(),
        }
    }
}

/// An error and its causes on one line (`a: b: c`), for reports and log lines.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

fn redact(text: &str, secrets: &[Secret]) -> String {
    secrets
        .iter()
        .fold(text.to_string(), |acc, s| s.redact_in(&acc))
}

/// Formats a timestamp as RFC 3339 (falls back to the debug form, which cannot happen for valid UTC times).
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| format!("{t:?}"))
}

fn ser_duration_secs<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

#[derive(Serialize)]
struct ReportJson<'a> {
    /// [`crate::report::JSON_SCHEMA_VERSION`]: the version of `harness/schemas/report.schema.json`.
    schema_version: &'static str,
    router: &'a str,
    version: Option<&'a str>,
    profile: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    readback: Option<&'a str>,
    started: String,
    finished: String,
    duration: f64,
    summary: Tally,
    /// Empty when the audit is complete.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    incomplete: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    cve_data: Option<&'a DataInfo>,
    results: &'a [CheckResult],
}

impl Serialize for RunReport {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let r = self.redacted();
        ReportJson {
            schema_version: crate::report::JSON_SCHEMA_VERSION,
            router: &r.router,
            version: r.version.as_deref(),
            profile: r.profile.display().to_string(),
            readback: r.readback.as_deref(),
            started: rfc3339(r.started),
            finished: rfc3339(r.finished),
            duration: r.elapsed().as_secs_f64(),
            summary: r.tally(),
            incomplete: &r.incomplete,
            cve_data: r.cve_data.as_ref(),
            results: &r.results,
        }
        .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_outcomes() {
        let mut r = RunReport::new("sim", "profiles/baseline.toml");
        assert_eq!(r.exit(), Exit::ChecksFailed, "nothing ran");
        r.push(CheckResult::new(
            Measure::Update,
            "update.version",
            "v",
            Outcome::Pass,
        ));
        r.push(CheckResult::new(
            Measure::Logging,
            "logging.x",
            "x",
            Outcome::Skip("no untrusted vantage".into()),
        ));
        assert_eq!(r.exit(), Exit::Pass);
        // A skip because the router could not be read makes the audit incomplete: not a pass.
        r.incomplete.push("/user: connect timed out".into());
        assert_eq!(r.exit(), Exit::ChecksFailed);
        r.incomplete.clear();
        r.push(CheckResult::new(
            Measure::Users,
            "users.admin-gone",
            "admin",
            Outcome::Fail("admin still exists".into()),
        ));
        assert_eq!(r.exit(), Exit::ChecksFailed);
        assert_eq!(r.failed().len(), 1);
        assert_eq!(r.tally().to_string(), "1 passed, 1 failed, 1 skipped");
        assert_eq!(ExitCode::from(Exit::Usage), ExitCode::from(2));
    }

    #[test]
    fn measures_read_as_plain_words() {
        let words: Vec<String> = Measure::ALL.iter().map(|m| m.to_string()).collect();
        assert_eq!(
            words,
            [
                "security updates",
                "management services",
                "firewall",
                "user management",
                "logging",
                "layer-2 access",
                "other listeners",
                "ssh crypto",
                "ipv6",
                "input chain",
                "device"
            ]
        );
    }

    #[test]
    fn serializing_redacts_secrets() {
        let mut r = RunReport::new("sim", "p.toml");
        let s = Secret::new("Sup3r-Secret!");
        r.add_secret(&s);
        r.push(
            CheckResult::new(
                Measure::Users,
                "users.login",
                "login",
                Outcome::Fail("password Sup3r-Secret! refused".into()),
            )
            .with_evidence("sent Sup3r-Secret!"),
        );
        let json = serde_json::to_string(&r).unwrap();
        assert!(!json.contains("Sup3r-Secret!"), "{json}");
        assert!(json.contains("password *** refused"));
    }
}
