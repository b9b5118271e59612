//! `[firewall]` of a profile.

use serde::{Deserialize, Serialize};

use crate::profile::{Cidr, RejectWith, yes};

/// `[firewall]`: input-chain rules that keep management ports to allowed sources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirewallPolicy {
    /// Networks allowed to reach the management ports (besides the harness, see below).
    #[serde(default)]
    pub management_cidrs: Vec<Cidr>,
    /// Add the harness's own trusted source address to the allowed list at run time.
    #[serde(default = "yes")]
    pub include_harness_source: bool,
    /// What the rule does to everybody else.
    #[serde(default)]
    pub action: FirewallAction,
    /// With `action = "reject"`: how (`tcp-reset`, `icmp-admin-prohibited`, …).
    #[serde(default)]
    pub reject_with: Option<RejectWith>,
    /// Ports to protect besides those of the enabled services.
    #[serde(default)]
    pub extra_ports: Vec<u16>,
    /// Ports meant to answer from anywhere (a VPN endpoint, say). Every other port that
    /// answers from the untrusted vantage fails `firewall.untrusted-blocked`.
    #[serde(default)]
    pub public_ports: Vec<u16>,
}

/// What the closing rule does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FirewallAction {
    /// Silently discard (a scan sees "filtered").
    #[default]
    Drop,
    /// Answer with an error (a scan sees "closed").
    Reject,
}

impl FirewallAction {
    /// The RouterOS `action=` word.
    pub fn as_str(self) -> &'static str {
        self.routeros().word()
    }

    /// The RouterOS action.
    pub fn routeros(self) -> routeros::firewall::Action {
        match self {
            FirewallAction::Drop => routeros::firewall::Action::Drop,
            FirewallAction::Reject => routeros::firewall::Action::Reject,
        }
    }
}
