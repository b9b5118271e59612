//! Other listeners (MikroTik's "Securing your router": services the router can run besides
//! `/ip service`): a DNS resolver answering remote requests (an open resolver), the web proxy,
//! SOCKS, UPnP, SNMP, RoMON and the cloud's dynamic DNS. Each is off unless the profile says it
//! stays on (then protect or publish its port in `[firewall]`).
//!
//! Checked white box (the router's own settings) and, for DNS, SNMP, SOCKS and the web proxy,
//! black box from every vantage ([`probe`]): a real DNS query over UDP and TCP 53, an SNMP
//! GetRequest with the community `public`, a SOCKS4 CONNECT and a SOCKS5 greeting (TCP 1080)
//! and a proxy request for an absolute URI (TCP 8080, the factory ports). An answer that reaches the untrusted vantage fails the check whatever the
//! settings say; a pass needs the untrusted vantage to have asked and got no answer. Where the
//! vantages carry no UDP (QEMU user-mode port forwards) the verdict rests on the settings and
//! says so. UPnP, RoMON and the cloud stay white box: the simulator runs none of those
//! servers (sim/FIDELITY.md). The bandwidth-test server is proved from both
//! vantages by `services.*` and `firewall.*`.

mod judge;
mod policy;
pub mod probe;
mod steps;

pub use policy::ListenersPolicy;

use super::{CheckDef, MeasureDef};
use crate::outcome::{Measure, Severity};

/// One listener: its check, the menu and property that switch it, and what it is.
#[derive(Debug, Clone, Copy)]
pub struct Listener {
    /// Its check.
    pub check: CheckDef,
    /// The menu (REST path).
    pub menu: &'static str,
    /// The menu as the CLI writes it.
    pub cli: &'static str,
    /// The property that turns it on.
    pub key: &'static str,
    /// What runs when it is on, for a failure's reason.
    pub what: &'static str,
    /// Its black-box probes ([`probe`]), by id; empty: white box only.
    pub probes: &'static [&'static str],
}

/// Every listener, in report order.
pub const LISTENERS: [Listener; 7] = [
    Listener {
        check: CheckDef {
            id: "listeners.dns-remote-requests",
            title: "the DNS resolver answers no remote requests (no open resolver)",
            severity: Severity::High,
            rationale: "an open resolver is abused for DDoS amplification and cache poisoning",
            how: "white box: /ip dns allow-remote-requests; black box: a DNS query over UDP and TCP 53 from the untrusted vantage goes unanswered",
            advice: "MikroTik, \"Securing your router\": /ip dns set allow-remote-requests=no unless the router is a resolver, then firewall port 53",
        },
        menu: "/ip/dns",
        cli: "/ip dns",
        key: "allow-remote-requests",
        what: "the DNS resolver answers remote requests (UDP and TCP 53)",
        probes: &[probe::DNS_UDP, probe::DNS_TCP],
    },
    Listener {
        check: CheckDef {
            id: "listeners.proxy",
            title: "the web proxy is off",
            severity: Severity::High,
            rationale: "an open web proxy relays anyone's traffic from the router's address",
            how: "white box: /ip proxy enabled; black box: a request for an absolute URI to TCP 8080 from the untrusted vantage goes unanswered",
            advice: "MikroTik, \"Securing your router\": /ip proxy set enabled=no",
        },
        menu: "/ip/proxy",
        cli: "/ip proxy",
        key: "enabled",
        what: "the web proxy runs (TCP 8080)",
        probes: &[probe::WEB_PROXY],
    },
    Listener {
        check: CheckDef {
            id: "listeners.socks",
            title: "the SOCKS proxy is off",
            severity: Severity::High,
            rationale: "an open SOCKS proxy relays anyone's traffic from the router's address",
            how: "white box: /ip socks enabled; black box: a SOCKS4 CONNECT and a SOCKS5 greeting to TCP 1080 from the untrusted vantage go unanswered",
            advice: "MikroTik, \"Securing your router\": /ip socks set enabled=no",
        },
        menu: "/ip/socks",
        cli: "/ip socks",
        key: "enabled",
        what: "the SOCKS proxy runs (TCP 1080)",
        probes: &[probe::SOCKS],
    },
    Listener {
        check: CheckDef {
            id: "listeners.upnp",
            title: "UPnP is off",
            severity: Severity::Medium,
            rationale: "UPnP lets any client behind the router open ports through it",
            how: "white box: /ip upnp enabled",
            advice: "MikroTik, \"Securing your router\": /ip upnp set enabled=no",
        },
        menu: "/ip/upnp",
        cli: "/ip upnp",
        key: "enabled",
        what: "UPnP runs: any client may open ports through the router",
        probes: &[],
    },
    Listener {
        check: CheckDef {
            id: "listeners.snmp",
            title: "SNMP is off",
            severity: Severity::High,
            rationale: "SNMP with the factory community public discloses the configuration to whoever asks",
            how: "white box: /snmp enabled; black box: an SNMP GetRequest with community public to UDP 161 from the untrusted vantage goes unanswered",
            advice: "MikroTik, \"Securing your router\": /snmp set enabled=no, or a private community restricted to the monitoring hosts",
        },
        menu: "/snmp",
        cli: "/snmp",
        key: "enabled",
        what: "SNMP answers (UDP 161; the factory community is `public`)",
        probes: &[probe::SNMP_PUBLIC],
    },
    Listener {
        check: CheckDef {
            id: "listeners.romon",
            title: "RoMON is off",
            severity: Severity::Medium,
            rationale: "RoMON lets any RoMON peer manage the router over layer 2",
            how: "white box: /tool romon enabled",
            advice: "MikroTik, \"Securing your router\": /tool romon set enabled=no",
        },
        menu: "/tool/romon",
        cli: "/tool romon",
        key: "enabled",
        what: "RoMON runs: the router can be managed over layer 2 from any RoMON peer",
        probes: &[],
    },
    Listener {
        check: CheckDef {
            id: "listeners.cloud-ddns",
            title: "the cloud's dynamic DNS is off",
            severity: Severity::Low,
            rationale: "a cloud name only makes the router easier to find",
            how: "white box: /ip cloud ddns-enabled",
            advice: "MikroTik, \"Securing your router\": /ip cloud set ddns-enabled=no unless needed",
        },
        menu: "/ip/cloud",
        cli: "/ip cloud",
        key: "ddns-enabled",
        what: "the router publishes its address under a MikroTik cloud name",
        probes: &[],
    },
];

/// The measure: its checks in report order, the menus it reads, its judge and its steps.
pub static MEASURE: MeasureDef = MeasureDef {
    measure: Measure::Listeners,
    checks: &[
        LISTENERS[0].check,
        LISTENERS[1].check,
        LISTENERS[2].check,
        LISTENERS[3].check,
        LISTENERS[4].check,
        LISTENERS[5].check,
        LISTENERS[6].check,
    ],
    reads: &[
        LISTENERS[0].menu,
        LISTENERS[1].menu,
        LISTENERS[2].menu,
        LISTENERS[3].menu,
        LISTENERS[4].menu,
        LISTENERS[5].menu,
        LISTENERS[6].menu,
    ],
    judge: judge::judge,
    steps: steps::steps,
    undo: steps::undo,
    probe: Some(probe::probe),
};
