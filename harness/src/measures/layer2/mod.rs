//! Layer-2 access (MikroTik's "Securing your router": MAC connectivity and neighbor
//! discovery): MAC-Telnet, MAC-WinBox and MAC ping reach the router from any host on the same
//! link, with no IP address and past every `/ip firewall` rule; neighbor discovery (MNDP, CDP,
//! LLDP) announces its identity, version and addresses to that link. The factory allows all of
//! it on every interface; the baseline allows none of it.
//!
//! Checked white box (the router's own settings). The black-box proof — a MAC-Telnet
//! discovery and an MNDP listen from the vantages, which share a bridge with the router — needs
//! the simulator to speak those protocols, which it does not yet (sim/FIDELITY.md).

mod judge;
mod policy;
mod steps;

pub use policy::Layer2Policy;

use super::{CheckDef, MeasureDef};
use crate::outcome::Measure;

/// `layer2.mac-server`.
pub const MAC_SERVER: CheckDef = CheckDef {
    id: "layer2.mac-server",
    title: "MAC-Telnet is allowed only on the profile's interface list",
};

/// `layer2.mac-winbox`.
pub const MAC_WINBOX: CheckDef = CheckDef {
    id: "layer2.mac-winbox",
    title: "MAC-WinBox is allowed only on the profile's interface list",
};

/// `layer2.mac-ping`.
pub const MAC_PING: CheckDef = CheckDef {
    id: "layer2.mac-ping",
    title: "MAC ping is as the profile says",
};

/// `layer2.neighbor-discovery`.
pub const NEIGHBOR_DISCOVERY: CheckDef = CheckDef {
    id: "layer2.neighbor-discovery",
    title: "neighbor discovery runs only on the profile's interface list",
};

/// The menus the measure reads.
pub const MAC_SERVER_MENU: &str = "/tool/mac-server";
/// `/tool mac-server mac-winbox`.
pub const MAC_WINBOX_MENU: &str = "/tool/mac-server/mac-winbox";
/// `/tool mac-server ping`.
pub const MAC_PING_MENU: &str = "/tool/mac-server/ping";
/// `/ip neighbor discovery-settings`.
pub const DISCOVERY_MENU: &str = "/ip/neighbor/discovery-settings";

/// The measure: its checks in report order, the menus it reads, its judge and its steps.
pub static MEASURE: MeasureDef = MeasureDef {
    measure: Measure::Layer2,
    checks: &[MAC_SERVER, MAC_WINBOX, MAC_PING, NEIGHBOR_DISCOVERY],
    reads: &[
        MAC_SERVER_MENU,
        MAC_WINBOX_MENU,
        MAC_PING_MENU,
        DISCOVERY_MENU,
    ],
    judge: judge::judge,
    steps: steps::steps,
    undo: steps::undo,
    probe: None,
};
