//! `[layer2]` of a profile.

use serde::{Deserialize, Serialize};

/// `[layer2]`: where MAC access and neighbor discovery may run. Each is an `/interface list`
/// name: `none` (MikroTik's recommendation for a router reachable by strangers), `all` (the
/// factory setting), or a list of the user's own (e.g. a management VLAN's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer2Policy {
    /// `/tool mac-server allowed-interface-list` (MAC-Telnet).
    #[serde(default = "none")]
    pub mac_server: String,
    /// `/tool mac-server mac-winbox allowed-interface-list`.
    #[serde(default = "none")]
    pub mac_winbox: String,
    /// `/tool mac-server ping enabled`.
    #[serde(default)]
    pub mac_ping: bool,
    /// `/ip neighbor discovery-settings discover-interface-list`.
    #[serde(default = "none")]
    pub neighbor_discovery: String,
}

fn none() -> String {
    "none".into()
}

impl Default for Layer2Policy {
    fn default() -> Self {
        Layer2Policy {
            mac_server: none(),
            mac_winbox: none(),
            mac_ping: false,
            neighbor_discovery: none(),
        }
    }
}

impl Layer2Policy {
    /// The interface-list fields, by their names in the profile.
    pub fn lists(&self) -> [(&'static str, &str); 3] {
        [
            ("layer2.mac_server", &self.mac_server),
            ("layer2.mac_winbox", &self.mac_winbox),
            ("layer2.neighbor_discovery", &self.neighbor_discovery),
        ]
    }
}
