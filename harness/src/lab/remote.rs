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
        let address: IpAddr = match host.parse() {
            Ok(ip) => ip,
            Err(_) => tokio::net::lookup_host((host, ssh_port))
                .await
                .map_err(|e| LabError::Target {
                    target: target.to_string(),
                    detail: format!("cannot resolve {host}: {e}"),
                })?
                .next()
                .map(|a| a.ip())
                .ok_or_else(|| LabError::Target {
                    target: target.to_string(),
                    detail: format!("{host} has no address"),
                })?,
        };
        let access = Access::new(address, credentials);
        access.set_port("ssh", ssh_port);
        let bound = |name: &str, ip: IpAddr| {
            Vantage::local_bound(name, ip).map_err(|e| LabError::Target {
                target: target.to_string(),
                detail: format!("{name} source {ip}: {e}"),
            })
        };
        let trusted = match sources.trusted {
            Some(ip) => bound("trusted", ip)?,
            None => Vantage::local("trusted"),
        };
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

    fn limitations(&self) -> Vec<String> {
        match self.untrusted {
            Some(_) => Vec::new(),
            None => vec!["no untrusted vantage: name a second source address".into()],
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
