//! IPv6 (MikroTik's "Securing your router" and "IPv6 firewall"): RouterOS 7 runs IPv6 on every
//! interface by default, and every enabled management service listens on IPv6 too — where the
//! seed article's `/ip firewall` rules do not apply at all. The baseline either mirrors the IPv4
//! input chain in `/ipv6 firewall filter` (the management ports from the IPv6 management
//! sources only) or turns IPv6 off (`[ipv6] mode`).
//!
//! White box: the IPv6 input chain evaluated for a new TCP connection to each management port
//! from a trusted and an untrusted IPv6 source (or `disable-ipv6=yes`; a RouterOS 6 without the
//! ipv6 package has no IPv6 to manage). Black box: the same TCP ports probed over IPv6 from both
//! vantages ([`crate::check::Observation::matrix6`]): a port the IPv4 firewall filters must not
//! answer over IPv6 from the untrusted vantage.

mod judge;
mod policy;
mod steps;

pub use judge::{Verdict6, evaluate6};
pub(crate) use judge::{outsider6, parsed as parsed6};
pub use policy::{Ipv6Mode, Ipv6Policy};

use super::{CheckDef, MeasureDef};
use crate::outcome::{Measure, Severity};

/// `ipv6.firewall`.
pub const FIREWALL: CheckDef = CheckDef {
    id: "ipv6.firewall",
    title: "the IPv6 input chain admits management ports from IPv6 management sources only (or IPv6 is off)",
    severity: Severity::High,
    rationale: "management over IPv6 bypasses every /ip firewall rule",
    how: "white box: /ipv6 firewall filter input chain evaluated for the management ports from trusted and untrusted IPv6 sources (or IPv6 off)",
    advice: "MikroTik, \"IPv6 firewall\": protect the IPv6 input chain as the IPv4 one, or disable IPv6",
};

/// `ipv6.untrusted-blocked`.
pub const UNTRUSTED_BLOCKED: CheckDef = CheckDef {
    id: "ipv6.untrusted-blocked",
    title: "no management port answers over IPv6 from the untrusted vantage",
    severity: Severity::Critical,
    rationale: "management reachable over IPv6 from untrusted networks is the same exposure as over IPv4",
    how: "black box: the TCP port matrix over IPv6 from the untrusted vantage, no management port answers",
    advice: "MikroTik, \"IPv6 firewall\": drop management from untrusted IPv6 sources",
};

/// `/ipv6 firewall filter`.
pub const FILTER_MENU: &str = "/ipv6/firewall/filter";
/// `/ipv6 firewall address-list`.
pub const LIST_MENU: &str = "/ipv6/firewall/address-list";
/// `/ipv6 settings`.
pub const SETTINGS_MENU: &str = "/ipv6/settings";

/// The measure.
pub static MEASURE: MeasureDef = MeasureDef {
    measure: Measure::Ipv6,
    checks: &[FIREWALL, UNTRUSTED_BLOCKED],
    reads: &[FILTER_MENU, LIST_MENU, SETTINGS_MENU],
    judge: judge::judge,
    steps: steps::steps,
    undo: steps::undo,
    probe: None,
};
