use serde_json::{Value, json};

use crate::outcome::{CheckResult, Outcome, RunReport, rfc3339};

/// The `$schema` a SARIF report names: the OASIS SARIF 2.1.0 schema (vendored for the tests as
/// `harness/tests/schemas/sarif-schema-2.1.0.json`).
pub const SARIF_SCHEMA: &str = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json";

/// The report as SARIF 2.1.0 (secrets redacted), for GitHub code scanning and other SARIF readers.
///
/// One run whose tool `chrlab` declares one rule per check of the report (`id` the check id,
/// `name`, `shortDescription` the title, `help`, `properties.measure`); one result per failed
/// check, at level `error`, its message the reason and the evidence. Every result is located at the
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
        .filter(|c| c.outcome.is_fail())
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

/// The rule of one check.
fn rule(c: &CheckResult) -> Value {
    json!({
        "id": c.id,
        "name": rule_name(&c.id),
        "shortDescription": { "text": c.title },
        "help": {
            "text": format!(
                "{} ({}). chrlab proves it from outside the router; `chrlab explain {}` says how.",
                c.title, c.measure, c.id
            ),
        },
        "properties": {
            "measure": c.measure.slug(),
            "tags": ["security", "routeros", c.measure.slug()],
        },
    })
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

/// One failed check as a result.
fn result(r: &RunReport, c: &CheckResult, index: usize, uri: &str) -> Value {
    let reason = c.outcome.reason().unwrap_or_default();
    let mut text = format!("{}: {reason}", c.title);
    if !c.evidence.is_empty() {
        text.push_str("\nEvidence:\n");
        text.push_str(&c.evidence.join("\n"));
    }
    json!({
        "ruleId": c.id,
        "ruleIndex": index,
        "kind": "fail",
        "level": level(&c.outcome),
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
            "evidence": c.evidence,
        },
    })
}

/// The SARIF level of a failed check.
fn level(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Fail(_) => "error",
        Outcome::Pass | Outcome::Skip(_) => "none",
    }
}

/// The run's facts that SARIF has no field for: router, version, tally.
fn run_properties(r: &RunReport) -> Value {
    let tally = r.tally();
    let mut p = json!({
        "router": r.router,
        "passed": tally.passed,
        "failed": tally.failed,
        "skipped": tally.skipped,
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
