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

/// How bad a check's failure is, from the exposure it leaves (MikroTik's guidance): `critical`
/// (full control for anyone who reaches the router), `high`, `medium`, `low`, `info`.
/// Ordered from the least to the most severe, so `a >= threshold` reads as "at least".
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// An observation; nothing is exposed.
    Info,
    /// A weakness that helps an attacker only a little (a scan, a lost log).
    Low,
    /// A weakness that needs another to be exploited, or costs availability.
    Medium,
    /// An exposure an attacker can use directly.
    High,
    /// Full control, or the exposure the baseline exists to close, for anyone who reaches it.
    Critical,
}

impl Severity {
    /// Every severity, from the most severe down.
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// The lowercase name (`critical`, …), as in profiles, flags and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A severity name that is none of the five.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity `{0}`: expected one of critical, high, medium, low, info")]
pub struct UnknownSeverity(pub String);

impl std::str::FromStr for Severity {
    type Err = UnknownSeverity;

    fn from_str(s: &str) -> Result<Severity, UnknownSeverity> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownSeverity(s.to_string()))
    }
}

/// What a check concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The router behaves as the baseline requires.
    Pass,
    /// It does not; the reason says what was seen instead.
    Fail(String),
    /// Not verifiable from here (e.g. no untrusted vantage); the reason says why.
    Skip(String),
    /// A failure that a waiver of the profile accepts until its date: reported as WAIVED with
    /// the failure and the waiver's reason, never as a pass; it does not fail the run.
    Waived(Waived),
}

/// A failure and the waiver that accepts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waived {
    /// What the check saw: the failure's reason.
    pub failure: String,
    /// Why the failure is accepted (the waiver's `reason`).
    pub reason: String,
    /// The last day the waiver applies, `YYYY-MM-DD`.
    pub expires: String,
}

impl Outcome {
    /// `PASS`, `FAIL`, `SKIP` or `WAIVED`.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Pass => "PASS",
            Outcome::Fail(_) => "FAIL",
            Outcome::Skip(_) => "SKIP",
            Outcome::Waived(_) => "WAIVED",
        }
    }

    /// The reason of a failure or skip; for a waived failure, what the check saw.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Outcome::Pass => None,
            Outcome::Fail(r) | Outcome::Skip(r) => Some(r),
            Outcome::Waived(w) => Some(&w.failure),
        }
    }

    /// Whether this is a failure (a waived one is not).
    pub fn is_fail(&self) -> bool {
        matches!(self, Outcome::Fail(_))
    }

    /// The waiver, when the failure is waived.
    pub fn waived(&self) -> Option<&Waived> {
        match self {
            Outcome::Waived(w) => Some(w),
            _ => None,
        }
    }

    fn redacted(&self, secrets: &[Secret]) -> Outcome {
        match self {
            Outcome::Pass => Outcome::Pass,
            Outcome::Fail(r) => Outcome::Fail(redact(r, secrets)),
            Outcome::Skip(r) => Outcome::Skip(redact(r, secrets)),
            Outcome::Waived(w) => Outcome::Waived(Waived {
                failure: redact(&w.failure, secrets),
                reason: redact(&w.reason, secrets),
                expires: w.expires.clone(),
            }),
        }
    }
}

/// `{"status": "pass"}`, `{"status": "fail", "reason": …}`, `{"status": "skip", "reason": …}`,
/// `{"status": "waived", "reason": <the failure>, "waiver": {"reason": …, "expires": …}}`.
impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        #[derive(Serialize)]
        struct WaiverJson<'a> {
            reason: &'a str,
            expires: &'a str,
        }
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("status", &self.label().to_ascii_lowercase())?;
        if let Some(reason) = self.reason() {
            map.serialize_entry("reason", reason)?;
        }
        if let Outcome::Waived(w) = self {
            map.serialize_entry(
                "waiver",
                &WaiverJson {
                    reason: &w.reason,
                    expires: &w.expires,
                },
            )?;
        }
        map.end()
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
    /// How bad a failure of this check is (the registry's [`crate::measures::CheckDef`]).
    pub severity: Severity,
    /// The verdict.
    pub outcome: Outcome,
    /// What was observed (read-back rows, probe results), one fact per line.
    pub evidence: Vec<String>,
    /// How long the check took.
    #[serde(serialize_with = "ser_duration_secs")]
    pub duration: Duration,
    /// For a failure: the RouterOS commands that would make it pass on this router, derived
    /// from what was observed (see [`crate::fix`]); comments (`#`) say what no command can do.
    /// Empty when the check passed or was skipped.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fix: Vec<String>,
}

impl CheckResult {
    /// A result with no evidence and zero duration; its severity is the registered check's
    /// (an id outside the registry, as tests make up, is `info`: see [`Self::with_severity`]).
    pub fn new(
        measure: Measure,
        id: impl Into<String>,
        title: impl Into<String>,
        outcome: Outcome,
    ) -> CheckResult {
        let id = id.into();
        CheckResult {
            measure,
            severity: crate::measures::find(&id)
                .map(|(_, c)| c.severity)
                .unwrap_or(Severity::Info),
            id,
            title: title.into(),
            outcome,
            evidence: Vec::new(),
            duration: Duration::ZERO,
            fix: Vec::new(),
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

    /// Sets the severity.
    pub fn with_severity(mut self, severity: Severity) -> CheckResult {
        self.severity = severity;
        self
    }

    /// Sets the fix: the commands that would make this failure pass.
    pub fn with_fix(mut self, lines: impl IntoIterator<Item = String>) -> CheckResult {
        self.fix.extend(lines);
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
            severity: self.severity,
            id: redact(&self.id, secrets),
            title: redact(&self.title, secrets),
            outcome: self.outcome.redacted(secrets),
            evidence: self.evidence.iter().map(|e| redact(e, secrets)).collect(),
            duration: self.duration,
            fix: self.fix.iter().map(|e| redact(e, secrets)).collect(),
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
    /// Failed checks a waiver accepts.
    pub waived: usize,
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )?;
        if self.waived > 0 {
            write!(f, ", {} waived", self.waived)?;
        }
        Ok(())
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
    /// Notes for the reader that are no verdict (an unused waiver), one per line.
    pub notes: Vec<String>,
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
            notes: Vec::new(),
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
                Outcome::Waived(_) => t.waived += 1,
            }
        }
        t
    }

    /// [`Exit::Pass`] when nothing failed, something ran and the router could be read, else
    /// [`Exit::ChecksFailed`]. Waived failures do not count.
    pub fn exit(&self) -> Exit {
        self.exit_at(Severity::Info)
    }

    /// As [`Self::exit`], counting only failures of at least `fail_on` (`--fail-on`); an
    /// incomplete audit or one where nothing ran still fails, whatever the threshold.
    pub fn exit_at(&self, fail_on: Severity) -> Exit {
        let failing = self
            .results
            .iter()
            .any(|r| r.outcome.is_fail() && r.severity >= fail_on);
        if self.results.is_empty() || failing || !self.incomplete.is_empty() {
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
            notes: self.notes.iter().map(|n| redact(n, s)).collect(),
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
    /// Empty when there is nothing to note (an unused waiver is).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
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
            notes: &r.notes,
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
    fn severities_parse_print_and_order() {
        for s in Severity::ALL {
            assert_eq!(s.to_string().parse::<Severity>(), Ok(s));
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{s}\""));
        }
        assert_eq!("high".parse::<Severity>(), Ok(Severity::High));
        let err = "severe".parse::<Severity>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown severity `severe`: expected one of critical, high, medium, low, info"
        );
        assert!("High".parse::<Severity>().is_err(), "names are lowercase");
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
    }

    #[test]
    fn fail_on_counts_only_failures_at_or_above_the_threshold_and_never_waived_ones() {
        let mut r = RunReport::new("sim", "p.toml");
        r.push(CheckResult::new(
            Measure::Logging,
            "logging.ntp",
            "ntp",
            Outcome::Fail("no ntp".into()),
        ));
        assert_eq!(r.results[0].severity, Severity::Low, "from the registry");
        assert_eq!(r.exit(), Exit::ChecksFailed);
        assert_eq!(r.exit_at(Severity::Low), Exit::ChecksFailed);
        assert_eq!(r.exit_at(Severity::Medium), Exit::Pass);
        r.push(CheckResult::new(
            Measure::Users,
            "users.default-admin-refused",
            "admin",
            Outcome::Waived(Waived {
                failure: "admin logged in".into(),
                reason: "lab router".into(),
                expires: "2030-01-01".into(),
            }),
        ));
        assert_eq!(r.exit_at(Severity::Medium), Exit::Pass, "waived");
        assert_eq!(
            r.tally().to_string(),
            "0 passed, 1 failed, 0 skipped, 1 waived"
        );
        assert_eq!(r.failed().len(), 1);
        let json = serde_json::to_value(&r.results[1]).unwrap();
        assert_eq!(json["severity"], "critical");
        assert_eq!(json["outcome"]["status"], "waived");
        assert_eq!(json["outcome"]["reason"], "admin logged in");
        assert_eq!(json["outcome"]["waiver"]["reason"], "lab router");
        assert_eq!(json["outcome"]["waiver"]["expires"], "2030-01-01");
        r.incomplete.push("/user: timed out".into());
        assert_eq!(
            r.exit_at(Severity::Critical),
            Exit::ChecksFailed,
            "incomplete"
        );
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
