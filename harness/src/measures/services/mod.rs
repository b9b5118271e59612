//! Measure 2, management services: unused ones off and unreachable, ssh and www moved.

mod judge;
mod policy;
mod steps;

pub use policy::ServicesPolicy;
pub(crate) use steps::allowed_addresses;

use super::{CheckDef, MeasureDef};
use crate::outcome::Measure;

/// `services.disabled`.
pub const DISABLED: CheckDef = CheckDef {
    id: "services.disabled",
    title: "unused services are disabled in /ip service",
};

/// `services.disabled-unreachable`.
pub const DISABLED_UNREACHABLE: CheckDef = CheckDef {
    id: "services.disabled-unreachable",
    title: "disabled services neither open nor answering from any vantage",
};

/// `services.moved`.
pub const MOVED: CheckDef = CheckDef {
    id: "services.moved",
    title: "ssh and www are on the baseline's ports in /ip service",
};

/// `services.default-ports-silent`.
pub const DEFAULT_PORTS_SILENT: CheckDef = CheckDef {
    id: "services.default-ports-silent",
    title: "the moved services' default ports do not answer",
};

/// `services.answer-on-new-ports`.
pub const ANSWER_ON_NEW_PORTS: CheckDef = CheckDef {
    id: "services.answer-on-new-ports",
    title: "ssh and www answer on their new ports from the trusted vantage",
};

/// `services.address-restricted`.
pub const ADDRESS_RESTRICTED: CheckDef = CheckDef {
    id: "services.address-restricted",
    title: "every enabled service admits the management sources only (/ip service address=)",
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
