//! ntc-templates, the TextFSM templates network automation (netmiko, nornir, NAPALM users) parses
//! RouterOS output with, as a third-party reader of the simulator's prints.
//!
//! Each `cli/*.raw` capture of the corpus came from an ntc-templates test case whose `.yml` says
//! what the template must read from it (`parsed_sample`). [`parses_as_captured`] runs that template
//! (installed from PyPI: `pip install ntc_templates`) over the simulator's output and compares the
//! records with the `.yml`, through `testsupport/ntc_parse.py`.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The ntc-templates test case's expectation beside a `cli/` capture (`x__1.raw` → `x__1.yml`),
/// when the capture is one of theirs.
pub fn expectation(capture: &str) -> Option<String> {
    let stem = capture.strip_prefix("cli/")?.strip_suffix(".raw")?;
    if stem.contains('/') {
        return None;
    }
    let yml = format!("cli/{stem}.yml");
    crate::corpus::manifest()
        .iter()
        .any(|e| e.path == yml)
        .then_some(yml)
}

/// The template ntc-templates reads a capture's command with: the capture's name without its
/// `__N` case number (`cli/ip_arp_print__1.raw` → `mikrotik_routeros_ip_arp_print.textfsm`).
pub fn template(capture: &str) -> Option<String> {
    let stem = capture.strip_prefix("cli/")?.strip_suffix(".raw")?;
    let (command, _case) = stem.rsplit_once("__")?;
    Some(format!("mikrotik_routeros_{command}.textfsm"))
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ntc_parse.py")
}

/// Whether `python3` can import ntc-templates, TextFSM and PyYAML.
pub fn available() -> bool {
    Command::new("python3")
        .args(["-c", "import ntc_templates, textfsm, yaml"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Parses `output` (what the simulator printed for `capture`'s command) with the capture's
/// ntc-templates template and compares the records with the capture's `.yml`. `Ok(false)`: the
/// capture has no ntc-templates expectation. `Err`: they differ (both shown), or the parse failed.
pub fn parses_as_captured(capture: &str, output: &str) -> Result<bool, String> {
    let (Some(yml), Some(template)) = (expectation(capture), template(capture)) else {
        return Ok(false);
    };
    let yml_path = crate::corpus::path(&yml);
    let mut child = Command::new("python3")
        .arg(script())
        .arg(&template)
        .arg(&yml_path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("python3 {}: {e}", script().display()))?;
    child
        .stdin
        .take()
        .expect("stdin piped")
        .write_all(output.as_bytes())
        .map_err(|e| format!("writing to the parser: {e}"))?;
    let out = child
        .wait_with_output()
        .map_err(|e| format!("python3 {}: {e}", script().display()))?;
    if out.status.success() {
        return Ok(true);
    }
    Err(format!(
        "{template} read the simulator's output of {capture} differently from {yml} ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

/// In a test that has just compared the simulator's `output` with `capture` byte for byte: when
/// the capture is one of ntc-templates' (it has a `.yml` in the manifest), its template must read
/// `output` exactly as the `.yml` says. Without ntc-templates installed this part is a counted skip
/// ([`crate::require`]; a failure in strict mode); the byte comparison before it still counts.
pub fn assert_parses_as_captured(capture: &str, output: &str) {
    if expectation(capture).is_none() || !crate::require(&[crate::Need::NtcTemplates]) {
        return;
    }
    if let Err(e) = parses_as_captured(capture, output) {
        panic!("{e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capture_names_its_template_and_expectation() {
        assert_eq!(
            template("cli/ip_arp_print_terse_without-paging__1.raw").as_deref(),
            Some("mikrotik_routeros_ip_arp_print_terse_without-paging.textfsm")
        );
        assert_eq!(
            expectation("cli/ip_arp_print__1.raw").as_deref(),
            Some("cli/ip_arp_print__1.yml")
        );
        assert_eq!(expectation("cli/ansible/facts/export.raw"), None);
        assert_eq!(template("rest/manual/get_ip_address.json"), None);
    }
}
