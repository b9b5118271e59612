//! What the harness currently knows about how to reach the router: address, service ports and
//! credentials. Hardening changes them (admin is replaced, ssh/www move), so every later
//! connection, readiness wait and check reads them from here instead of assuming defaults.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, RwLock};

use crate::profile::ServiceName;
use crate::secret::Secret;

/// Login name and password.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: String,
    pub password: Secret,
}

impl Credentials {
    /// A fresh RouterOS: `admin` with an empty password.
    pub fn factory() -> Credentials {
        Credentials {
            user: "admin".into(),
            password: Secret::new(""),
        }
    }
}

#[derive(Debug, Clone)]
struct State {
    credentials: Credentials,
    ports: BTreeMap<String, u16>,
    rest_tls: bool,
}

/// Shared, updatable knowledge of how to reach one router.
#[derive(Debug, Clone)]
pub struct Access {
    address: IpAddr,
    state: Arc<RwLock<State>>,
}

impl Access {
    /// Access to a router at `address` with default ports and the given credentials.
    pub fn new(address: IpAddr, credentials: Credentials) -> Access {
        let ports = ServiceName::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), s.default_port()))
            .collect();
        Access {
            address,
            state: Arc::new(RwLock::new(State {
                credentials,
                ports,
                rest_tls: false,
            })),
        }
    }

    /// The router's address as the vantages see it.
    pub fn address(&self) -> IpAddr {
        self.address
    }

    /// Current credentials.
    pub fn credentials(&self) -> Credentials {
        self.read().credentials
    }

    /// The port a service listens on now.
    pub fn port(&self, service: &str) -> u16 {
        self.read()
            .ports
            .get(service)
            .copied()
            .unwrap_or_else(|| default_port(service))
    }

    /// `address:port` of a service.
    pub fn endpoint(&self, service: &str) -> SocketAddr {
        SocketAddr::new(self.address, self.port(service))
    }

    /// The service REST is read through: `www-ssl` (HTTPS) or `www` (HTTP), and whether it is TLS.
    pub fn rest_service(&self) -> (&'static str, bool) {
        if self.read().rest_tls {
            ("www-ssl", true)
        } else {
            ("www", false)
        }
    }

    /// Reads REST over HTTPS (`www-ssl`) instead of HTTP.
    pub fn use_rest_tls(&self, tls: bool) {
        if let Ok(mut s) = self.state.write() {
            s.rest_tls = tls;
        }
    }

    /// Records that a service moved.
    pub fn set_port(&self, service: &str, port: u16) {
        if let Ok(mut s) = self.state.write() {
            s.ports.insert(service.to_string(), port);
        }
    }

    /// Records new credentials (after the new admin user's login was verified).
    pub fn set_credentials(&self, credentials: Credentials) {
        if let Ok(mut s) = self.state.write() {
            s.credentials = credentials;
        }
    }

    fn read(&self) -> State {
        match self.state.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

/// RouterOS's default port for a service name (0 when unknown).
pub fn default_port(service: &str) -> u16 {
    ServiceName::default_port_of(service).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moved_ports_and_new_credentials_are_seen_by_every_clone() {
        let access = Access::new("192.0.2.1".parse().unwrap(), Credentials::factory());
        let other = access.clone();
        assert_eq!(other.port("ssh"), 22);
        access.set_port("ssh", 2222);
        access.set_credentials(Credentials {
            user: "netops".into(),
            password: Secret::new("s3cret-Pass!"),
        });
        assert_eq!(other.endpoint("ssh").to_string(), "192.0.2.1:2222");
        assert_eq!(other.credentials().user, "netops");
        assert_eq!(other.port("www"), 80);
    }
}
