//! `[services]` of a profile.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::profile::ServiceName;

/// `[services]`: which `/ip service` entries are off, and where the others listen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServicesPolicy {
    /// Services that must be disabled.
    pub disable: Vec<ServiceName>,
    /// New ports for services that stay enabled (`ssh = 2222`).
    #[serde(default)]
    pub ports: BTreeMap<ServiceName, u16>,
    /// Whether the bandwidth-test server (`/tool bandwidth-server`, TCP 2000) stays enabled;
    /// `false` (MikroTik's advice) disables it.
    #[serde(default)]
    pub bandwidth_server: bool,
    /// Restrict every service to the management sources (`/ip service set … address=`: the
    /// harness's own source and `[firewall] management_cidrs`), so a login from anywhere else
    /// is refused even where the firewall lets the port through (MikroTik's recommendation).
    #[serde(default = "crate::profile::yes")]
    pub restrict_addresses: bool,
}
