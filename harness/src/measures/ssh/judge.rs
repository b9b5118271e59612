//! The SSH crypto verdict, from the router's own settings.

use super::{MENU, STRONG_CRYPTO};
use crate::check::Observation;
use crate::measures::{is_on, setting};
use crate::outcome::{CheckResult, Measure};
use crate::profile::Profile;

/// Judges the ssh measure.
pub fn judge(profile: &Profile, obs: &Observation) -> Vec<CheckResult> {
    let result = |o| CheckResult::new(Measure::Ssh, STRONG_CRYPTO.id, STRONG_CRYPTO.title, o);
    let read = |key| setting(obs, MENU, key);
    let r = match (read("strong-crypto"), read("allow-none-crypto")) {
        (Err(o), _) => result(o),
        (Ok(strong), none) => {
            let mut bad = Vec::new();
            if profile.ssh.strong_crypto && !is_on(&strong) {
                bad.push(format!("strong-crypto={strong}: the SSH server still offers SHA-1 key exchange and MACs and CBC/3DES ciphers"));
            }
            if let Ok(none) = &none
                && is_on(none)
            {
                bad.push(format!(
                    "allow-none-crypto={none}: the SSH server accepts unencrypted sessions"
                ));
            }
            let evidence = format!(
                "/ip ssh strong-crypto={strong} allow-none-crypto={}",
                none.as_deref().unwrap_or("(not shown)")
            );
            result(crate::check::failures(bad)).with_evidence(evidence)
        }
    };
    vec![r]
}
