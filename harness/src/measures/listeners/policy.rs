//! `[listeners]` of a profile.

use serde::{Deserialize, Serialize};

/// `[listeners]`: which of the other listeners stay on (all off by default, as MikroTik
/// recommends for a router that does not need them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenersPolicy {
    /// `/ip dns allow-remote-requests`.
    #[serde(default)]
    pub dns_remote_requests: bool,
    /// `/ip proxy enabled`.
    #[serde(default)]
    pub proxy: bool,
    /// `/ip socks enabled`.
    #[serde(default)]
    pub socks: bool,
    /// `/ip upnp enabled`.
    #[serde(default)]
    pub upnp: bool,
    /// `/snmp enabled`.
    #[serde(default)]
    pub snmp: bool,
    /// `/tool romon enabled`.
    #[serde(default)]
    pub romon: bool,
    /// `/ip cloud ddns-enabled`.
    #[serde(default)]
    pub cloud_ddns: bool,
}

impl ListenersPolicy {
    /// Whether each listener of [`super::LISTENERS`] may stay on, in that order.
    pub fn allowed(&self) -> [bool; 7] {
        [
            self.dns_remote_requests,
            self.proxy,
            self.socks,
            self.upnp,
            self.snmp,
            self.romon,
            self.cloud_ddns,
        ]
    }
}
