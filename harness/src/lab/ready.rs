//! Readiness, shared by the backends that boot a router: the router answers with the lab's
//! *current* credentials and ports (a readiness wait that hard-codes `admin` and port 22 loops
//! forever once the hardening changed them — a known failure of container labs, FACTS §10b).

use std::time::{Duration, Instant};

use super::{Lab, LabError, Role};
use crate::operator::Operator;

/// Waits until `lab`'s router answers, with the lab's current credentials, from the trusted
/// vantage: REST (`/system/identity` on www, no key exchange: cheap under emulation) or else a
/// command over SSH (RouterOS 6 has no REST). Gives up after `deadline`, naming the last error.
pub async fn wait(lab: &dyn Lab, name: &str, deadline: Duration) -> Result<(), LabError> {
    let start = Instant::now();
    let op = Operator::new(lab);
    let mut last = String::new();
    let attempt = Duration::from_secs(20);
    while start.elapsed() < deadline {
        match tokio::time::timeout(attempt, op.rest_rows(Role::Trusted, "/system/identity")).await {
            Ok(Ok(rows)) if !rows.is_empty() => return Ok(()),
            Ok(Ok(_)) => last = "REST: /system/identity is empty".into(),
            Ok(Err(e)) => last = format!("REST: {e}"),
            Err(_) => last = format!("REST: no answer within {attempt:?}"),
        }
        match tokio::time::timeout(attempt, op.exec(Role::Trusted, ":put \"chrlab-ready\"")).await {
            Ok(Ok(out)) if out.contains("chrlab-ready") => return Ok(()),
            Ok(Ok(out)) => last = format!("{last}; SSH: unexpected output {out:?}"),
            Ok(Err(e)) => last = format!("{last}; SSH: {e}"),
            Err(_) => last = format!("{last}; SSH: no answer within {attempt:?}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(LabError::Unreachable {
        target: name.to_string(),
        detail: format!("neither REST nor SSH answered within {deadline:?}: {last}"),
        source: None,
    })
}
