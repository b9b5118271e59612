//! `chrlab validate --candidate <lab> --baseline <lab>`: both labs hardened and audited as
//! `chrlab check` does, side by side, and a go/no-go from what differs.

pub mod behaviour;
pub mod cmd;
pub mod diff;
pub mod report;

pub use behaviour::{BEHAVIOUR_SCHEMA, Behaviour, Factory};
pub use cmd::{LabRun, Snapshot, ValidateArgs, ValidateError, Validation, behave, compare, run};
pub use diff::{Diff, ObservationChange, VerdictChange, is_regression};
