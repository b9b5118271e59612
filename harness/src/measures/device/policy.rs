//! `[device]` of a profile.

use serde::{Deserialize, Serialize};

/// `[device]`: which interfaces the router uses (the rest are disabled), and which device-mode
/// features must be off (RouterOS 7.17+).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevicePolicy {
    /// The interfaces the router needs besides the one the harness reaches it through (which
    /// always counts as used): `/interface` names.
    #[serde(default)]
    pub used_interfaces: Vec<String>,
    /// Disable every ethernet interface that is not used (MikroTik's "Securing your router":
    /// disable unused interfaces).
    #[serde(default = "crate::profile::yes")]
    pub disable_unused: bool,
    /// `/system device-mode` features that must be off (the switch names: `container`,
    /// `sniffer`, …; [`routeros::device_mode::FEATURES`]).
    #[serde(default = "default_features_off")]
    pub mode_features_off: Vec<String>,
}

/// The features a router that does not need them should not be able to turn on: the ones an
/// intruder with an administrator's login would use to capture traffic, relay or tunnel out, or
/// run their own code (see profiles/baseline.toml).
pub fn default_features_off() -> Vec<String> {
    [
        "container",
        "traffic-gen",
        "sniffer",
        "socks",
        "proxy",
        "bandwidth-test",
        "hotspot",
        "smb",
        "zerotier",
        "romon",
    ]
    .into_iter()
    .map(String::from)
    .collect()
}

impl Default for DevicePolicy {
    fn default() -> Self {
        DevicePolicy {
            used_interfaces: Vec::new(),
            disable_unused: true,
            mode_features_off: default_features_off(),
        }
    }
}
