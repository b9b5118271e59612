//! `[input]` of a profile.

use serde::{Deserialize, Serialize};

/// `[input]`: the input chain as a whole, besides the management rules of `[firewall]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputPolicy {
    /// Close the chain: established/related/untracked accepted first, invalid dropped, a final
    /// drop of everything else from sources outside the management list. `false` leaves the
    /// chain as `[firewall]` makes it and the measure's checks are not required.
    #[serde(default = "yes")]
    pub close: bool,
    /// Accept ICMP from anywhere (MikroTik's default firewall does: ping and path-MTU discovery
    /// keep working). `false`: ICMP from untrusted sources is dropped too.
    #[serde(default = "yes")]
    pub accept_icmp: bool,
    /// UDP ports meant to answer from anywhere (a WireGuard or IPsec endpoint). TCP ports meant
    /// to be public are `[firewall] public_ports`.
    #[serde(default)]
    pub public_udp_ports: Vec<u16>,
}

fn yes() -> bool {
    true
}

impl Default for InputPolicy {
    fn default() -> Self {
        InputPolicy {
            close: true,
            accept_icmp: true,
            public_udp_ports: Vec::new(),
        }
    }
}
