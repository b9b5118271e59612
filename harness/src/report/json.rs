use crate::outcome::RunReport;

/// The report as pretty-printed JSON (secrets redacted), ending in a newline.
///
/// Shape: `{router, version, profile, started, finished, duration, summary: {passed, failed, skipped},
/// cve_data: {date, source, records, path?, skipped?},
/// results: [{measure, id, title, outcome: {status, reason?}, evidence, duration}]}`; times are RFC 3339,
/// durations seconds.
pub fn render_json(report: &RunReport) -> String {
    // RunReport's Serialize redacts; serde_json cannot fail on it (string keys, finite floats).
    let mut text = serde_json::to_string_pretty(report)
        .unwrap_or_else(|e| format!("{{\"error\":\"cannot serialize report: {e}\"}}"));
    text.push('\n');
    text
}
