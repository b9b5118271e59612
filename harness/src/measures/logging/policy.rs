//! `[logging]` of a profile.

use serde::{Deserialize, Serialize};

/// `[logging]`: failed logins must be recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoggingPolicy {
    /// Topics of the line a failed login writes (FACTS §4.1: `system,error,critical`).
    pub failed_login_topics: Vec<String>,
    /// Topics of the `/system logging` rule that must exist (each one of `failed_login_topics`).
    pub rule_topics: Vec<String>,
    /// Where the rule sends the entries (`memory`, `disk`, `echo`, `remote`, or a custom action).
    #[serde(default = "memory")]
    pub action: String,
}

fn memory() -> String {
    "memory".into()
}
