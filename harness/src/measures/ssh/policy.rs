//! `[ssh]` of a profile.

use serde::{Deserialize, Serialize};

/// `[ssh]`: the SSH server's crypto.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SshPolicy {
    /// `/ip ssh strong-crypto` (MikroTik's recommendation: yes).
    #[serde(default = "yes")]
    pub strong_crypto: bool,
}

fn yes() -> bool {
    true
}

impl Default for SshPolicy {
    fn default() -> Self {
        SshPolicy {
            strong_crypto: true,
        }
    }
}
