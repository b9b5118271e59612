use serde_json::{Value, json};

use crate::outcome::{CheckResult, Outcome, RunReport, Severity, rfc3339};

/// The `$schema` a SARIF report names: the OASIS SARIF 2.1.0 schema (vendored for the tests as
/// `harness/tests/schemas/sarif-schema-2.1.0.json`).
pub const SARIF_SCHEMA: &str = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json";

/// The report as SARIF 2.1.0 (secrets redacted), for GitHub code scanning and other SARIF readers.
///
/// One run whose tool `chrlab` declares one rule per check of the report (`id` the check id,
/// `name`, `shortDescription` the title, `fullDescription` the severity's rationale, `help` how
/// the check proves it and MikroTik's advice, `properties` the measure, `severity` and GitHub's
/// numeric `security-severity`); one result per failed or waived check, its level from the
/// severity (critical and high `error`, medium `warning`, low and info `note`), its message the
/// reason, the evidence and the fix (the RouterOS commands that would make it pass, also as
/// `properties.fix`: SARIF's `fixes` edit files of the scanned repository, and these commands edit
/// the router, not the profile). A waived failure carries a `suppressions` entry (status `accepted`,
/// the waiver's reason and date as justification), so code scanning shows it dismissed rather
/// than hides it. Every result is located at the
/// profile file (`physicalLocation.artifactLocation.uri`) and at the router
/// (`logicalLocations[0].name`, kind `resource`), and fingerprinted by router and check so a code
/// scanner follows one finding across runs. The invocation carries the start and end times.
pub fn render_sarif(report: &RunReport) -> String {
    let r = report.redacted();
    let mut rules: Vec<Value> = Vec::new();
    let mut ids: Vec<&str> = Vec::new();
    for c in &r.results {
        if ids.contains(&c.id.as_str()) {
            continue;
        }
        ids.push(&c.id);
        rules.push(rule(c));
    }
    let uri = profile_uri(&r.profile);
    let results: Vec<Value> = r
        .results
        .iter()
        .filter(|c| c.outcome.is_fail() || c.outcome.waived().is_some())
        .map(|c| {
            let index = ids.iter().position(|id| *id == c.id).unwrap_or_default();
            result(&r, c, index, &uri)
        })
        .collect();
    let log = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "chrlab",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "invocations": [{
                "executionSuccessful": r.incomplete.is_empty(),
                "startTimeUtc": rfc3339(r.started),
                "endTimeUtc": rfc3339(r.finished),
                "toolExecutionNotifications": r.incomplete.iter().map(|why| json!({
                    "level": "error",
                    "message": { "text": format!("the router could not be read: {why}") },
                })).collect::<Vec<_>>(),
            }],
            "automationDetails": { "id": format!("chrlab/{}/", r.router) },
            "properties": run_properties(&r),
            "results": results,
        }]
    });
    let mut text = serde_json::to_string_pretty(&log)
        .unwrap_or_else(|e| format!("{{\"error\":\"cannot serialize sarif report: {e}\"}}"));
    text.push('\n');
    text
}

/// The rule of one check; what the registry says of it where the id is registered.
fn rule(c: &CheckResult) -> Value {
    let def = crate::measures::find(&c.id).map(|(_, d)| d);
    let help = match def {
        Some(d) => format!(
            "{}. How chrlab proves it: {}. MikroTik's advice: {}. `chrlab explain {}` prints the fix.",
            sentence(&c.title),
            sentence(d.how),
            sentence(d.advice),
            c.id
        ),
        None => format!("{} ({}).", c.title, c.measure),
    };
    let mut rule = json!({
        "id": c.id,
        "name": rule_name(&c.id),
        "shortDescription": { "text": c.title },
        "help": { "text": help },
        "properties": {
            "measure": c.measure.slug(),
            "severity": c.severity.as_str(),
            "security-severity": security_severity(c.severity),
            "tags": ["security", "routeros", c.measure.slug()],
        },
    });
    if let Some(d) = def {
        rule["fullDescription"] = json!({
            "text": format!("Severity {}: {}", c.severity, d.rationale),
        });
    }
    rule
}

/// `text` without the full stop it may end in, so that one can be put after it.
fn sentence(text: &str) -> &str {
    text.trim_end().trim_end_matches('.')
}

/// GitHub code scanning's numeric severity (a string of a number from 0.0 to 10.0; critical is
/// above 9.0, high 7.0 to 8.9, medium 4.0 to 6.9, low 0.1 to 3.9).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// The SARIF level of a failed (or waived) check: from its severity.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// `services.telnet-closed` → `ServicesTelnetClosed`: SARIF's rule names are identifiers in
/// Pascal case, distinct from the opaque id.
fn rule_name(id: &str) -> String {
    id.split(|ch: char| !ch.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// One failed or waived check as a result.
fn result(r: &RunReport, c: &CheckResult, index: usize, uri: &str) -> Value {
    let reason = c.outcome.reason().unwrap_or_default();
    let mut text = format!("{}: {reason}", c.title);
    if !c.evidence.is_empty() {
        text.push_str("\nEvidence:\n");
        text.push_str(&c.evidence.join("\n"));
    }
    if !c.fix.is_empty() {
        text.push_str("\nFix (RouterOS commands):\n");
        text.push_str(&c.fix.join("\n"));
    }
    let mut result = json!({
        "ruleId": c.id,
        "ruleIndex": index,
        "kind": "fail",
        "level": level(c.severity),
        "message": { "text": text },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": uri },
                "region": { "startLine": 1 },
            },
            "logicalLocations": [{
                "name": r.router,
                "fullyQualifiedName": format!("{}/{}", r.router, c.id),
                "kind": "resource",
            }],
        }],
        "partialFingerprints": { "chrlabCheck/v1": format!("{}:{}", r.router, c.id) },
        "properties": {
            "measure": c.measure.slug(),
            "severity": c.severity.as_str(),
            "evidence": c.evidence,
        },
    });
    if !c.fix.is_empty() {
        result["properties"]["fix"] = json!(c.fix);
    }
    if let Outcome::Waived(w) = &c.outcome {
        result["suppressions"] = json!([{
            "kind": "external",
            "status": "accepted",
            "justification": format!("waived until {}: {}", w.expires, w.reason),
        }]);
    }
    result
}

/// The run's facts that SARIF has no field for: router, version, tally.
fn run_properties(r: &RunReport) -> Value {
    let tally = r.tally();
    let mut p = json!({
        "router": r.router,
        "passed": tally.passed,
        "failed": tally.failed,
        "skipped": tally.skipped,
        "waived": tally.waived,
    });
    if let Some(v) = &r.version {
        p["routerosVersion"] = json!(v);
    }
    if let Some(data) = &r.cve_data {
        p["cveDataDate"] = json!(data.date());
        p["cveDataSource"] = json!(data.source_word());
    }
    p
}

/// The profile file as a URI reference: a relative path stays relative (a code scanner resolves
/// it against the repository), an absolute one becomes a `file://` URI; bytes outside RFC 3986's
/// unreserved set and `/` are percent-encoded.
fn profile_uri(path: &std::path::Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut out = String::new();
    if text.starts_with('/') {
        out.push_str("file://");
    }
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_pascal_case_identifiers() {
        assert_eq!(rule_name("services.telnet-closed"), "ServicesTelnetClosed");
        assert_eq!(rule_name("ipv6.input-v6"), "Ipv6InputV6");
    }

    #[test]
    fn profile_paths_become_uri_references() {
        use std::path::Path;
        assert_eq!(
            profile_uri(Path::new("profiles/baseline.toml")),
            "profiles/baseline.toml"
        );
        assert_eq!(
            profile_uri(Path::new("/home/op/my profile.toml")),
            "file:///home/op/my%20profile.toml"
        );
    }
}
