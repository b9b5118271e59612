//! Measure 2, management services: unused ones off and unreachable, ssh and www moved.

mod judge;
mod policy;
mod steps;

pub use policy::ServicesPolicy;
pub(crate) use steps::allowed_addresses;

use super::{CheckDef, MeasureDef};
use crate::outcome::{Measure, Severity};

/// `services.disabled`.
pub const DISABLED: CheckDef = CheckDef {
    id: "services.disabled",
    title: "unused services are disabled in /ip service",
    severity: Severity::High,
    rationale: "every enabled management service is attack surface, and telnet, ftp and www send passwords in the clear",
    how: "white box: /ip service, every service the profile does not keep must be disabled",
    advice: "the seed article, \"Basic security for your Mikrotik RouterOS Cloud Router\": disable FTP and Telnet, and the API and WinBox when unused",
};

/// `services.disabled-unreachable`.
pub const DISABLED_UNREACHABLE: CheckDef = CheckDef {
    id: "services.disabled-unreachable",
    title: "disabled services neither open nor answering from any vantage",
    severity: Severity::High,
    rationale: "a service that answers although disabled is exposed whatever the configuration says",
    how: "black box: the TCP port matrix from every vantage, the disabled services' ports must neither open nor answer",
    advice: "the seed article, \"Basic security for your Mikrotik RouterOS Cloud Router\": disable FTP and Telnet, and the API and WinBox when unused",
};

/// `services.moved`.
pub const MOVED: CheckDef = CheckDef {
    id: "services.moved",
    title: "ssh and www are on the baseline's ports in /ip service",
    severity: Severity::Low,
    rationale: "moving a port only cuts automated scans; it controls no access",
    how: "white box: /ip service, ssh and www on the profile's ports",
    advice: "the seed article, \"Basic security for your Mikrotik RouterOS Cloud Router\": \"different ports for the SSH and HTTP\"",
};

/// `services.default-ports-silent`.
pub const DEFAULT_PORTS_SILENT: CheckDef = CheckDef {
    id: "services.default-ports-silent",
    title: "the moved services' default ports do not answer",
    severity: Severity::Low,
    rationale: "a default port that still answers only makes scans easier",
    how: "black box: the TCP port matrix from every vantage, ports 22 and 80 must not answer",
    advice: "the seed article, \"Basic security for your Mikrotik RouterOS Cloud Router\": \"different ports for the SSH and HTTP\"",
};

/// `services.answer-on-new-ports`.
pub const ANSWER_ON_NEW_PORTS: CheckDef = CheckDef {
    id: "services.answer-on-new-ports",
    title: "ssh and www answer on their new ports from the trusted vantage",
    severity: Severity::Medium,
    rationale: "a management service that does not answer where the profile put it locks the administrator out",
    how: "black box: from the trusted vantage, ssh and www answer on their new ports",
    advice: "the seed article, \"Basic security for your Mikrotik RouterOS Cloud Router\": \"different ports for the SSH and HTTP\"",
};

/// `services.address-restricted`.
pub const ADDRESS_RESTRICTED: CheckDef = CheckDef {
    id: "services.address-restricted",
    title: "every enabled service admits the management sources only (/ip service address=)",
    severity: Severity::High,
    rationale: "a service that admits any address exposes its login to guessing and exploits",
    how: "white box: every enabled service's address= in /ip service admits the management sources only",
    advice: "MikroTik, \"Securing your router\": restrict each service to the management addresses (/ip service set ... address=)",
};

/// The measure: its checks in report order and its judge.
pub static MEASURE: MeasureDef = MeasureDef {
    measure: Measure::Services,
    checks: &[
        DISABLED,
        DISABLED_UNREACHABLE,
        MOVED,
        DEFAULT_PORTS_SILENT,
        ANSWER_ON_NEW_PORTS,
        ADDRESS_RESTRICTED,
    ],
    reads: &[],
    judge: judge::judge,
    steps: steps::steps,
    undo: steps::undo,
    probe: None,
};
