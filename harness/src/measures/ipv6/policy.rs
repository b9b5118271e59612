//! `[ipv6]` of a profile.

use serde::{Deserialize, Serialize};

/// `[ipv6]`: management over IPv6. RouterOS 7 has IPv6 on by default (every interface has a
/// link-local address) and its services listen on IPv6 too, where `/ip firewall` does not apply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ipv6Policy {
    /// What to do about it.
    #[serde(default)]
    pub mode: Ipv6Mode,
}

/// How management over IPv6 is closed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ipv6Mode {
    /// An `/ipv6 firewall filter` input chain that mirrors the IPv4 one: the management ports
    /// from the IPv6 management sources only (MikroTik's recommendation: firewall IPv6 as IPv4).
    #[default]
    Filter,
    /// No IPv6 at all: `/ipv6 settings set disable-ipv6=yes`.
    Disable,
}

impl Ipv6Mode {
    /// The profile's word.
    pub fn as_str(self) -> &'static str {
        match self {
            Ipv6Mode::Filter => "filter",
            Ipv6Mode::Disable => "disable",
        }
    }
}
