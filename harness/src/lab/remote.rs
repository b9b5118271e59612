//! The `remote` backend: an existing router by address. The trusted vantage is this machine;
//! there is no untrusted vantage unless one is configured, so the checks that need it report
//! "not verifiable" instead of passing.

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
}

impl RemoteLab {
    /// Resolves `host` and prepares to reach it with `credentials`; `ssh_port` is where SSH
    /// answers now.
    pub async fn connect(
        target: &str,
        host: &str,
        ssh_port: u16,
        credentials: Credentials,
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
        Ok(RemoteLab {
            target: target.to_string(),
            access,
            trusted: Vantage::local("trusted"),
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
            Role::Untrusted => None,
        }
    }

    fn timing(&self) -> ProbeTiming {
        ProbeTiming::REMOTE
    }

    fn limitations(&self) -> Vec<String> {
        vec!["no untrusted vantage: this machine is the only source address".into()]
    }

    async fn shutdown(self: Box<Self>) {
        let this = *self;
        let _ = tokio::task::spawn_blocking(move || this.trusted.shutdown()).await;
    }
}
