//! The `remote` backend: an existing router by address. The vantages are this machine, each
//! optionally bound to one of its source addresses; without an untrusted source the checks that
//! need one report "not verifiable" instead of passing.

use std::net::IpAddr;

use async_trait::async_trait;

use super::{Lab, LabError, Role};
use crate::access::{Access, Credentials};
use crate::probe::ProbeTiming;
use crate::vantage::Vantage;

/// A router reached over the network.
pub struct RemoteLab {
    target: String,
    access: Access,
    trusted: Vantage,
    untrusted: Option<Vantage>,
}

/// Source addresses of this machine to probe from (`None`: let the kernel choose).
#[derive(Debug, Clone, Copy, Default)]
pub struct Sources {
    /// Inside the profile's management CIDRs.
    pub trusted: Option<IpAddr>,
    /// Outside them.
    pub untrusted: Option<IpAddr>,
}

impl RemoteLab {
    /// Resolves `host` and prepares to reach it with `credentials`; `ssh_port` is where SSH
    /// answers now.
    pub async fn connect(
        target: &str,
        host: &str,
        ssh_port: u16,
        credentials: Credentials,
        sources: Sources,
    ) -> Result<RemoteLab, LabError> {
        let unreachable =
            |detail: String, source: Option<Box<dyn std::error::Error + Send + Sync>>| {
                LabError::Unreachable {
                    target: target.to_string(),
                    detail,
                    source,
                }
            };
        let address: IpAddr = match host.parse() {
            Ok(ip) => ip,
            Err(_) => tokio::net::lookup_host((host, ssh_port))
                .await
                .map_err(|e| unreachable(format!("cannot resolve {host}"), Some(Box::new(e))))?
                .next()
                .map(|a| a.ip())
                .ok_or_else(|| unreachable(format!("{host} has no address"), None))?,
        };
        let access = Access::new(address, credentials);
        access.set_port("ssh", ssh_port);
        let bound = |name: &str, ip: IpAddr| {
            // A source address this machine does not have is the user's to fix.
            Vantage::local_bound(name, ip).map_err(|e| LabError::Target {
                target: target.to_string(),
                detail: format!("{name} source {ip} cannot be used on this machine: {e}"),
            })
        };
        // Without a named source, bind to the one the kernel would pick for this router, so the
        // address the checks expect in the router's log is the one it really sees.
        let trusted_ip = match sources.trusted {
            Some(ip) => ip,
            None => route_source(address)
                .map_err(|e| unreachable(format!("no route to {address}"), Some(Box::new(e))))?,
        };
        let trusted = bound("trusted", trusted_ip)?;
        let untrusted = match sources.untrusted {
            Some(ip) => Some(bound("untrusted", ip)?),
            None => None,
        };
        Ok(RemoteLab {
            target: target.to_string(),
            access,
            trusted,
            untrusted,
        })
    }
}

#[async_trait]
impl Lab for RemoteLab {
    fn describe(&self) -> String {
        format!("remote router {} ({})", self.target, self.access.address())
    }

    fn access(&self) -> &Access {
        &self.access
    }

    fn vantage(&self, role: Role) -> Option<&Vantage> {
        match role {
            Role::Trusted => Some(&self.trusted),
            Role::Untrusted => self.untrusted.as_ref(),
        }
    }

    fn timing(&self) -> ProbeTiming {
        ProbeTiming::REMOTE
    }

    fn limitations(&self) -> Vec<crate::lab::Limitation> {
        match self.untrusted {
            Some(_) => Vec::new(),
            None => vec![crate::lab::Limitation::NoUntrustedVantage],
        }
    }

    async fn shutdown(self: Box<Self>) {
        let this = *self;
        let _ = tokio::task::spawn_blocking(move || {
            this.trusted.shutdown();
            if let Some(u) = this.untrusted {
                u.shutdown();
            }
        })
        .await;
    }
}

/// The source address the kernel chooses towards `dest` (a connected UDP socket sends nothing).
fn route_source(dest: IpAddr) -> std::io::Result<IpAddr> {
    let any: IpAddr = if dest.is_ipv4() {
        IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
    } else {
        IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)
    };
    let socket = std::net::UdpSocket::bind((any, 0))?;
    socket.connect((dest, 9))?;
    Ok(socket.local_addr()?.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_towards_loopback_is_loopback() {
        let ip: IpAddr = "127.0.0.2".parse().unwrap();
        assert!(route_source(ip).unwrap().is_loopback());
    }
}
