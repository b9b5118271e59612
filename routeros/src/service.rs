//! `/ip service`: the eight fixed management services, their names and factory state.
//!
//! This is the one table of RouterOS service names and factory ports: the harness's profile,
//! access tracking and probes and the simulator's fresh-router defaults all read it
//! (FACTS §2: [cli:other/ip_service_print__chr-7.9.2_fresh__blog.txt],
//! [cli:manual/ip_service_print_where_not_dynamic__v7.2x.txt]).
//!
//! ```
//! use routeros::service::ServiceName;
//! let ssh: ServiceName = "ssh".parse().unwrap();
//! assert_eq!(ssh.default_port(), 22);
//! assert_eq!(ServiceName::WwwSsl.as_str(), "www-ssl");
//! ```

use std::fmt;
use std::str::FromStr;

/// The bandwidth-test server (`/tool bandwidth-server`): a listener beside `/ip service`, on by
/// default on a CHR (manual, "Bandwidth Test"), as the harness and the simulator name it.
pub const BANDWIDTH_SERVER: &str = "bandwidth-server";

/// The TCP port of the bandwidth-test server's control connection.
pub const BANDWIDTH_SERVER_PORT: u16 = 2000;

/// What the bandwidth-test server says first on a new control connection (third-party
/// implementations of the protocol; no capture of a CHR's in the corpus: UNVERIFIED).
pub const BANDWIDTH_SERVER_HELLO: [u8; 4] = [0x01, 0, 0, 0];

/// The `Server` header of RouterOS's web proxy (`/ip proxy`) in its own replies, as port
/// scanners' fingerprints record it (no capture in the corpus: UNVERIFIED).
pub const WEB_PROXY_SERVER: &str = "Mikrotik HttpProxy";

/// Every TCP port a RouterOS service or feature listens on when it is turned on (the factory
/// ports of `/ip service`, and MikroTik's manual pages of each feature): what a scan from an
/// untrusted source must find silent unless a profile publishes it. Not from a capture: the
/// manual's port of each feature (DNS, BGP, LDP, SOCKS, PPTP, the bandwidth-test server, The
/// Dude, UPnP, the web proxy).
pub const TCP_PORTS: &[(u16, &str)] = &[
    (21, "ftp"),
    (22, "ssh"),
    (23, "telnet"),
    (53, "dns"),
    (80, "www"),
    (179, "bgp"),
    (443, "www-ssl"),
    (646, "ldp"),
    (1080, "socks"),
    (1723, "pptp"),
    (2000, "bandwidth-test server"),
    (2210, "the dude"),
    (2828, "upnp"),
    (3128, "web proxy (alternative port)"),
    (8080, "web proxy"),
    (8291, "winbox"),
    (8728, "api"),
    (8729, "api-ssl"),
];

/// Every UDP port a RouterOS service or feature answers on when it is turned on (MikroTik's
/// manual pages of each feature; not from a capture). MNDP (5678) and MAC-Telnet (20561) are
/// layer-2 services the IP firewall does not govern, and DHCP (67) answers broadcasts only:
/// none of them is here.
pub const UDP_PORTS: &[(u16, &str)] = &[
    (53, "dns"),
    (123, "ntp server"),
    (161, "snmp"),
    (500, "ipsec ike"),
    (1701, "l2tp"),
    (1900, "upnp (ssdp)"),
    (3799, "radius incoming"),
    (4500, "ipsec nat-t"),
    (5246, "capsman"),
    (13231, "wireguard (default listen port)"),
];

/// An `/ip service` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServiceName {
    /// `telnet`, port 23.
    Telnet,
    /// `ftp`, port 21.
    Ftp,
    /// `www` (WebFig, REST over HTTP since 7.9), port 80.
    Www,
    /// `ssh`, port 22.
    Ssh,
    /// `www-ssl` (HTTPS), port 443; disabled on a fresh CHR (no certificate).
    WwwSsl,
    /// `api` (binary API), port 8728.
    Api,
    /// `winbox`, port 8291.
    Winbox,
    /// `api-ssl` (binary API over TLS), port 8729.
    ApiSsl,
}

/// One row of the factory table.
struct Factory {
    service: ServiceName,
    name: &'static str,
    port: u16,
    /// Has a `certificate` / `tls-version` (the TLS services).
    tls: bool,
    /// Disabled on a fresh CHR.
    disabled: bool,
}

/// The factory `/ip service` table of a fresh CHR, in `.id` order (telnet is `*0`). FACTS §2.
/// The v6 default state has not been captured (FACTS §11.1): the simulator uses this table for v6 too.
const FACTORY: [Factory; 8] = [
    Factory {
        service: ServiceName::Telnet,
        name: "telnet",
        port: 23,
        tls: false,
        disabled: false,
    },
    Factory {
        service: ServiceName::Ftp,
        name: "ftp",
        port: 21,
        tls: false,
        disabled: false,
    },
    Factory {
        service: ServiceName::Www,
        name: "www",
        port: 80,
        tls: false,
        disabled: false,
    },
    Factory {
        service: ServiceName::Ssh,
        name: "ssh",
        port: 22,
        tls: false,
        disabled: false,
    },
    Factory {
        service: ServiceName::WwwSsl,
        name: "www-ssl",
        port: 443,
        tls: true,
        disabled: true,
    },
    Factory {
        service: ServiceName::Api,
        name: "api",
        port: 8728,
        tls: false,
        disabled: false,
    },
    Factory {
        service: ServiceName::Winbox,
        name: "winbox",
        port: 8291,
        tls: false,
        disabled: false,
    },
    Factory {
        service: ServiceName::ApiSsl,
        name: "api-ssl",
        port: 8729,
        tls: true,
        disabled: false,
    },
];

/// The eight names, in `/ip service print` order (for error messages that list them).
pub const NAMES: [&str; 8] = {
    let mut names = [""; 8];
    let mut i = 0;
    while i < FACTORY.len() {
        names[i] = FACTORY[i].name;
        i += 1;
    }
    names
};

impl ServiceName {
    /// The eight fixed services, in `/ip service print` order.
    pub const ALL: [ServiceName; 8] = {
        let mut all = [ServiceName::Telnet; 8];
        let mut i = 0;
        while i < FACTORY.len() {
            all[i] = FACTORY[i].service;
            i += 1;
        }
        all
    };

    fn factory(self) -> &'static Factory {
        // Every variant has exactly one row (tested below); the fallback is never taken.
        FACTORY
            .iter()
            .find(|f| f.service == self)
            .unwrap_or(&FACTORY[0])
    }

    /// The name as RouterOS writes it.
    pub fn as_str(self) -> &'static str {
        self.factory().name
    }

    /// The factory port.
    pub fn default_port(self) -> u16 {
        self.factory().port
    }

    /// Whether the service speaks TLS (has `certificate` and `tls-version`).
    pub fn is_tls(self) -> bool {
        self.factory().tls
    }

    /// Whether a fresh CHR has the service disabled (only `www-ssl`).
    pub fn disabled_by_default(self) -> bool {
        self.factory().disabled
    }

    /// The factory port of a service given by name; `None` for a name that is not a service.
    pub fn default_port_of(name: &str) -> Option<u16> {
        name.parse::<ServiceName>()
            .ok()
            .map(ServiceName::default_port)
    }
}

impl fmt::Display for ServiceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A word that is not one of the eight service names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown service `{0}` (one of telnet, ftp, www, ssh, www-ssl, api, winbox, api-ssl)")]
pub struct UnknownService(pub String);

impl FromStr for ServiceName {
    type Err = UnknownService;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FACTORY
            .iter()
            .find(|f| f.name == s)
            .map(|f| f.service)
            .ok_or_else(|| UnknownService(s.to_string()))
    }
}

impl serde::Serialize for ServiceName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for ServiceName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::word::deserialize_word(d, &NAMES, "an /ip service name")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_has_one_row_and_round_trips() {
        for (i, s) in ServiceName::ALL.into_iter().enumerate() {
            assert_eq!(FACTORY.iter().filter(|f| f.service == s).count(), 1);
            assert_eq!(s.as_str().parse::<ServiceName>(), Ok(s));
            assert_eq!(NAMES[i], s.as_str());
        }
        assert_eq!(
            ServiceName::ALL.map(ServiceName::default_port),
            [23, 21, 80, 22, 443, 8728, 8291, 8729]
        );
        assert_eq!(ServiceName::default_port_of("api-ssl"), Some(8729));
        assert_eq!(ServiceName::default_port_of("http"), None);
        assert!(ServiceName::WwwSsl.disabled_by_default());
        assert!(!ServiceName::ApiSsl.disabled_by_default());
        assert!(ServiceName::ApiSsl.is_tls() && !ServiceName::Api.is_tls());
        assert!("SSH".parse::<ServiceName>().is_err());
    }
}
