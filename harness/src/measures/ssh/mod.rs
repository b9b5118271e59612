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
//!
//! SSH forwarding (MikroTik's advice: off, `/ip ssh set forwarding-enabled=no`): with it on,
//! every user who may log in over ssh can tunnel through the router to anything it reaches.
//! Checked white box (`forwarding-enabled`) and black box: logged in from the trusted vantage,
//! the harness asks for a `direct-tcpip` channel (what `ssh -L` opens) to the router's own ssh
//! port; the router must answer `SSH_MSG_CHANNEL_OPEN_FAILURE`. A confirmed channel fails the
//! check whatever the setting says; without an answer either way it is skipped.

mod judge;
mod policy;
mod probe;
mod steps;

pub use policy::SshPolicy;

use super::{CheckDef, MeasureDef};
use crate::outcome::{Measure, Severity};

/// `ssh.strong-crypto`.
pub const STRONG_CRYPTO: CheckDef = CheckDef {
    id: "ssh.strong-crypto",
    title: "the SSH server offers strong crypto only (strong-crypto=yes, allow-none-crypto=no)",
    severity: Severity::Medium,
    rationale: "SHA-1, CBC and small DH groups are weak, but breaking them needs an attacker on the path",
    how: "white box: /ip ssh strong-crypto and allow-none-crypto; black box: a handshake offering only weak algorithms is refused, one with strong ones completes",
    advice: "MikroTik, \"Securing your router\": /ip ssh set strong-crypto=yes",
};

/// `ssh.forwarding-off`.
pub const FORWARDING_OFF: CheckDef = CheckDef {
    id: "ssh.forwarding-off",
    title: "the SSH server refuses to forward connections (forwarding-enabled=no)",
    severity: Severity::Medium,
    rationale: "forwarding lets every ssh user tunnel through the router past its firewall",
    how: "white box: /ip ssh forwarding-enabled; black box: a direct-tcpip channel from the trusted vantage is refused",
    advice: "MikroTik, \"Securing your router\": /ip ssh set forwarding-enabled=no",
};

/// The sighting of the `direct-tcpip` channel the harness asked for from the trusted vantage
/// (run by the observation itself: it needs the administrator's login).
pub const FORWARDING_PROBE: &str = "forwarding";

/// `/ip ssh`.
pub const MENU: &str = "/ip/ssh";

/// The measure.
pub static MEASURE: MeasureDef = MeasureDef {
    measure: Measure::Ssh,
    checks: &[STRONG_CRYPTO, FORWARDING_OFF],
    reads: &[MENU],
    judge: judge::judge,
    steps: steps::steps,
    undo: steps::undo,
    probe: Some(probe::probe),
};
