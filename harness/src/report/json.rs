use crate::outcome::RunReport;

/// The version of the JSON report's shape, its `schema_version` field. The shape is documented
/// by the JSON Schema `harness/schemas/report.schema.json` of the same version; a change that
/// removes or renames a field, or changes its type, raises it.
pub const JSON_SCHEMA_VERSION: &str = "1";

/// The report as pretty-printed JSON (secrets redacted), ending in a newline.
///
/// Shape (exactly: `harness/schemas/report.schema.json`): `{schema_version, router, version,
/// profile, readback?, started, finished, duration, summary: {passed, failed, skipped, waived},
/// incomplete?, cve_data?: {date, source, records, path?, skipped?}, notes?,
/// results: [{measure, id, title, severity, outcome: {status, reason?, waiver?: {reason, expires}},
/// evidence, duration, fix?}]}`; times are RFC 3339, durations seconds.
pub fn render_json(report: &RunReport) -> String {
    // RunReport's Serialize redacts; serde_json cannot fail on it (string keys, finite floats).
    let mut text = serde_json::to_string_pretty(report)
        .unwrap_or_else(|e| format!("{{\"error\":\"cannot serialize report: {e}\"}}"));
    text.push('\n');
    text
}
