//! SSH crypto (MikroTik's "Securing your router": `/ip ssh set strong-crypto=yes`): with it,
//! RouterOS drops SHA-1 key exchange and MACs, CBC and 3DES ciphers and small Diffie-Hellman
//! groups from what its SSH server offers; `allow-none-crypto` must stay off.
//!
//! Checked white box (the router's settings). The black-box proof — offering only the weak
//! algorithms from outside and seeing the handshake refused, the strong ones and seeing it
//! succeed — needs the simulator's SSH server to change its algorithm lists with the setting,
//! which it does not yet (sim/FIDELITY.md).

mod judge;
mod policy;
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
    probe: None,
};
