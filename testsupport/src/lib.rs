//! Test-only helpers shared by every crate's tests, so each concern lives in one place:
//!
//! - [`corpus`]: where the RouterOS capture corpus is (`$CHRLAB_CORPUS`, else the repository's
//!   `corpus/`), and how a test whose capture is not redistributable skips without it;
//! - [`ntc`]: ntc-templates' TextFSM templates reading the simulator's prints, against the
//!   `.yml` expectations beside the `cli/` captures;
//! - [`skip`]: how a test that needs root, nftables or user namespaces says that it cannot run
//!   here. A skip prints `skipped: <test>: needs …`, is appended to the ledger named by
//!   `$CHRLAB_SKIP_LEDGER`, and fails the test instead when `$CHRLAB_REQUIRE_PRIVILEGED=1`.
//!
//! A test skips with an early `return`, which the test harness counts as a pass; the line and the
//! ledger are what make the skip visible and countable, and strict mode is what keeps CI honest.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod corpus;
pub mod ntc;
pub mod skip;

pub use skip::{Need, require, ros_sim_binary, standin_dir};
