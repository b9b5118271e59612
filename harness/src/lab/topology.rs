//! The lab abstraction: one router, reachable from named vantage points, behind one trait so
//! that the simulator, a QEMU-booted CHR, a container or a live router plug in alike.

use std::fmt;

use async_trait::async_trait;

use crate::access::Access;
use crate::probe::ProbeTiming;
use crate::vantage::Vantage;

/// Where a connection comes from, relative to the hardening profile's management whitelist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// A source address inside the management CIDRs.
    Trusted,
    /// A source address outside them.
    Untrusted,
}

impl Role {
    /// Both roles, trusted first.
    pub const ALL: [Role; 2] = [Role::Trusted, Role::Untrusted];

    /// The role's name as reports and snapshots spell it.
    pub fn name(self) -> &'static str {
        match self {
            Role::Trusted => "trusted",
            Role::Untrusted => "untrusted",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a lab could not be built or used. Each variant keeps its cause; the binary prints the
/// chain (`start the simulated router: bind 192.0.2.1:22: address in use`).
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// The network namespaces of a simulator lab could not be built.
    #[error("set up network namespaces")]
    Namespaces(#[source] super::netns::LabError),
    /// The simulator did not start.
    #[error("start the simulated router")]
    Simulator(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A live router cannot be reached (its name does not resolve, no route, no source address).
    #[error("reach router {target}: {detail}")]
    Unreachable {
        /// The lab as named.
        target: String,
        /// What failed.
        detail: String,
        /// The cause, when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The simulated router did not do what it was told in time (a listener, the firewall).
    #[error("the router has not done what it was told: {0}")]
    Unsettled(String),
    /// A virtual machine (QEMU) could not be started or driven.
    #[error("machine {target}")]
    Machine {
        /// The lab as named.
        target: String,
        /// What failed.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The lab is named wrongly (a usage error: the user must fix the name).
    #[error("lab `{target}`: {detail}")]
    Target {
        /// The text as given.
        target: String,
        /// What is wrong with it.
        detail: String,
    },
}

impl LabError {
    /// Whether the user must fix the input (a bad lab name), rather than the lab failing.
    pub fn is_usage(&self) -> bool {
        matches!(self, LabError::Target { .. })
    }

    /// Whether the router could not be reached (as opposed to the harness failing).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, LabError::Unreachable { .. })
    }
}

/// How long a router may take to go down after being told to reboot, and to boot again.
#[derive(Debug, Clone, Copy)]
pub struct RebootTiming {
    /// From the command to the moment its services stop answering.
    pub going_down: std::time::Duration,
    /// From then until SSH answers again.
    pub booting: std::time::Duration,
}

impl RebootTiming {
    /// A real router: a CHR boots in seconds under KVM, a minute or more under TCG.
    pub const REAL: RebootTiming = RebootTiming {
        going_down: std::time::Duration::from_secs(30),
        booting: std::time::Duration::from_secs(300),
    };
}

/// How long a router's update check may take, and how to wait for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpdateCheckTiming {
    /// Until then a verdict may still be the previous check's (unless the check was seen in
    /// progress): the manual's own script waits 3 s before reading `status`.
    pub stale: std::time::Duration,
    /// Past it, no verdict is a timeout.
    pub deadline: std::time::Duration,
    /// Between two reads of `status`.
    pub poll: std::time::Duration,
}

impl UpdateCheckTiming {
    /// A real router: the manual's script waits 3 s, published scripts 3–15 s; the check goes
    /// over the internet, so allow a minute.
    pub const REAL: UpdateCheckTiming = UpdateCheckTiming {
        stale: std::time::Duration::from_secs(3),
        deadline: std::time::Duration::from_secs(60),
        poll: std::time::Duration::from_secs(1),
    };
}

/// A running lab: one router and the vantages that probe it.
#[async_trait]
pub trait Lab: Send + Sync {
    /// One line for reports: what router, on what backend.
    fn describe(&self) -> String;
    /// The RouterOS version under test, when the lab knows it before asking the router.
    fn version_hint(&self) -> Option<String> {
        None
    }
    /// How to reach the router now (tracked as hardening changes ports and users).
    fn access(&self) -> &Access;
    /// The vantage for a role, if this lab has one.
    fn vantage(&self, role: Role) -> Option<&Vantage>;
    /// The router's IPv6 address as the vantages reach it (each vantage's own is
    /// [`Vantage::address6`]); `None` when the lab gives them no IPv6 path to the router, and
    /// then nothing is probed over IPv6 (the IPv6 checks say so: not verifiable).
    fn router_addr6(&self) -> Option<std::net::IpAddr> {
        None
    }
    /// Probe deadlines that suit this lab's network.
    fn timing(&self) -> ProbeTiming;
    /// How long a reboot may take (an update install reboots the router).
    fn reboot_timing(&self) -> RebootTiming {
        RebootTiming::REAL
    }
    /// How long an update check may take here.
    fn update_check_timing(&self) -> UpdateCheckTiming {
        UpdateCheckTiming::REAL
    }
    /// Facts that make some checks unverifiable here (e.g. the firewall is not enforced).
    fn limitations(&self) -> Vec<crate::lab::Limitation> {
        Vec::new()
    }
    /// Waits until configuration just changed is in force (a simulator opens its listeners and
    /// applies its firewall to the kernel a moment after the command returns; a real router
    /// needs no wait); an error names what did not settle in time.
    async fn settle(&self) -> Result<(), LabError> {
        Ok(())
    }
    /// Whether this lab can cut the router's power and turn it on again ([`Lab::power_cycle`]):
    /// the one confirmation of a `/system device-mode update` that needs no one at the router.
    fn can_power_cycle(&self) -> bool {
        false
    }
    /// Cuts the router's power and turns it on again (a hypervisor's reset, not `/system
    /// reboot`); returns once the router is booting again. A lab that cannot says so.
    async fn power_cycle(&self) -> Result<(), LabError> {
        Err(LabError::Unsettled(format!(
            "{} cannot power-cycle its router",
            self.describe()
        )))
    }
    /// Stops everything the lab started.
    async fn shutdown(self: Box<Self>);
}
