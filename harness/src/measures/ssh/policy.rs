//! `[ssh]` of a profile.

use serde::{Deserialize, Serialize};

/// `[ssh]`: the SSH server's crypto and forwarding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SshPolicy {
    /// `/ip ssh strong-crypto` (MikroTik's recommendation: yes).
    #[serde(default = "yes")]
    pub strong_crypto: bool,
    /// Whether the SSH server may forward connections (`/ip ssh forwarding-enabled`);
    /// `false` (MikroTik's recommendation) sets it to `no`, `true` leaves it as it is.
    #[serde(default)]
    pub forwarding: bool,
}

fn yes() -> bool {
    true
}

impl Default for SshPolicy {
    fn default() -> Self {
        SshPolicy {
            strong_crypto: true,
            forwarding: false,
        }
    }
}
