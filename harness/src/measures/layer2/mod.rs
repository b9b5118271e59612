//! Layer-2 access (MikroTik's "Securing your router": MAC connectivity and neighbor
//! discovery): MAC-Telnet, MAC-WinBox and MAC ping reach the router from any host on the same
//! link, with no IP address and past every `/ip firewall` rule; neighbor discovery (MNDP, CDP,
//! LLDP) announces its identity, version and addresses to that link. The factory allows all of
//! it on every interface; the baseline allows none of it.
//!
//! Checked white box (the router's own settings) and, where the vantages share a link with the
//! router (the namespace lab's bridge, a QEMU tap on the lab's switch), black box
//! ([`probe`]): from every vantage an MNDP discovery request (`mndp`: the router's announcement
//! gives away its identity, version and board), a MAC-Telnet session start to the router's
//! MAC (`mac-telnet`: an ACK proves the server would offer a login; the probe ends the session
//! and never logs in) and a MAC ping in an Ethernet frame addressed to the router's MAC
//! (`mac-ping`: an echo of the probe's nonce). An answer where the profile allows the protocol
//! nowhere fails the check whatever the settings say. Where there is no shared link (QEMU user
//! networking, a simulator on loopback, a router behind a gateway) the probes say so (`not
//! run`) and the verdict rests on the settings.
//!
//! White box only, each for its reason:
//! - **MAC-WinBox** rides the MAC-Telnet transport, but its session type is not documented
//!   publicly, and a guess that goes unanswered would prove nothing.
//! - **CDP and LLDP** are announcements a router sends on its own schedule (every 30 s or so),
//!   with no request that makes it send one now: a probe would have to listen longer than a
//!   whole audit takes, and a quiet window proves nothing. MNDP, which answers a request,
//!   stands for neighbor discovery on the wire; `discover-interface-list` covers all three.

mod judge;
mod policy;
pub mod probe;
mod steps;

pub use policy::Layer2Policy;

use super::{CheckDef, MeasureDef};
use crate::outcome::{Measure, Severity};

/// `layer2.mac-server`.
pub const MAC_SERVER: CheckDef = CheckDef {
    id: "layer2.mac-server",
    title: "MAC-Telnet is allowed only on the profile's interface list",
    severity: Severity::High,
    rationale: "MAC-Telnet offers a login to any host on the link, past every IP firewall rule",
    how: "white box: /tool mac-server allowed-interface-list; black box: a MAC-Telnet session start from the vantages on the router's link goes unanswered",
    advice: "MikroTik, \"Securing your router\": /tool mac-server set allowed-interface-list=none",
};

/// `layer2.mac-winbox`.
pub const MAC_WINBOX: CheckDef = CheckDef {
    id: "layer2.mac-winbox",
    title: "MAC-WinBox is allowed only on the profile's interface list",
    severity: Severity::High,
    rationale: "MAC-WinBox offers full management to any host on the link, past every IP firewall rule",
    how: "white box: /tool mac-server mac-winbox allowed-interface-list",
    advice: "MikroTik, \"Securing your router\": /tool mac-server mac-winbox set allowed-interface-list=none",
};

/// `layer2.mac-ping`.
pub const MAC_PING: CheckDef = CheckDef {
    id: "layer2.mac-ping",
    title: "MAC ping is as the profile says",
    severity: Severity::Low,
    rationale: "MAC ping only reveals the router to the link",
    how: "white box: /tool mac-server ping enabled",
    advice: "MikroTik, \"Securing your router\": /tool mac-server ping set enabled=no",
};

/// `layer2.neighbor-discovery`.
pub const NEIGHBOR_DISCOVERY: CheckDef = CheckDef {
    id: "layer2.neighbor-discovery",
    title: "neighbor discovery runs only on the profile's interface list",
    severity: Severity::Medium,
    rationale: "discovery announces identity, version and addresses to the link, which aids a targeted attack",
    how: "white box: /ip neighbor discovery-settings discover-interface-list; black box: an MNDP request from the vantages goes unanswered",
    advice: "MikroTik, \"Securing your router\": /ip neighbor discovery-settings set discover-interface-list=none",
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
    probe: Some(probe::probe),
};
