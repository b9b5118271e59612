//! What a lab cannot show: facts about the lab (not the router) that make some checks not
//! verifiable there. The judges match on the kind, never on the words.

use std::fmt;

/// One thing this lab cannot show ([`crate::lab::Lab::limitations`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Limitation {
    /// The router's packet filter does not reach the kernel (a simulator without a network
    /// namespace of its own): black-box proofs of the firewall would prove nothing. The text
    /// says where this was learned.
    FirewallNotEnforced(String),
    /// The vantages see the router's ports only through port forwards on this host (QEMU
    /// user-mode networking): one of the things such a path cannot tell apart.
    ForwardedPorts(&'static str),
    /// Only one vantage: nothing is probed from an untrusted source.
    NoUntrustedVantage,
    /// The lab's own layout is assumed, not verified (the text says which).
    Unverified(String),
}

impl Limitation {
    /// Whether it makes the firewall's black-box checks unverifiable.
    pub fn hides_the_firewall(&self) -> bool {
        matches!(self, Limitation::FirewallNotEnforced(_))
    }
}

impl fmt::Display for Limitation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limitation::FirewallNotEnforced(why) => write!(f, "{why}"),
            Limitation::ForwardedPorts(what) => f.write_str(what),
            Limitation::NoUntrustedVantage => {
                f.write_str("no untrusted vantage: name a second source address")
            }
            Limitation::Unverified(what) => f.write_str(what),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_unenforced_firewall_hides_the_firewall() {
        let all = [
            Limitation::FirewallNotEnforced("the simulator's firewall is not enforced".into()),
            Limitation::ForwardedPorts(
                "through the forwards a firewall's reject looks like a drop",
            ),
            Limitation::NoUntrustedVantage,
            Limitation::Unverified("the firewall layout is assumed".into()),
        ];
        let hiding: Vec<bool> = all.iter().map(Limitation::hides_the_firewall).collect();
        // The words "firewall" in the others do not matter: the kind does.
        assert_eq!(hiding, [true, false, false, false]);
    }
}
