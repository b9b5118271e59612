//! SSH crypto (MikroTik's "Securing your router": `/ip ssh set strong-crypto=yes`): with it,
//! RouterOS drops SHA-1 key exchange and MACs, CBC and 3DES ciphers and small Diffie-Hellman
//! groups from what its SSH server offers; `allow-none-crypto` must stay off.
//!
//! Checked white box (the router's settings) and black box (`probe.rs`): from every vantage a
//! handshake offering only the weak algorithms must be refused and one offering only strong
//! ones must complete — key exchange only, no authentication, so nothing is logged. A weak
//! handshake that completed fails the check whatever the settings say; without a vantage that
//! saw both (the SSH port filtered from everywhere) the black-box half is not verifiable and
//! the check is skipped, even with the right settings.

mod judge;
mod policy;
mod probe;
mod steps;

pub use policy::SshPolicy;

use super::{CheckDef, MeasureDef};
use crate::outcome::Measure;

/// `ssh.strong-crypto`.
pub const STRONG_CRYPTO: CheckDef = CheckDef {
    id: "ssh.strong-crypto",
    title: "the SSH server offers strong crypto only (strong-crypto=yes, allow-none-crypto=no)",
};

/// `/ip ssh`.
pub const MENU: &str = "/ip/ssh";

/// The measure.
pub static MEASURE: MeasureDef = MeasureDef {
    measure: Measure::Ssh,
    checks: &[STRONG_CRYPTO],
    reads: &[MENU],
    judge: judge::judge,
    steps: steps::steps,
    undo: steps::undo,
    probe: Some(probe::probe),
};
