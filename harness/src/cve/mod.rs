//! Known vulnerable RouterOS versions for the update-state check, read from CVE records.
//!
//! The data is data: published CVE JSON 5 records (`harness/data/cve/records/`, verbatim from the
//! CVE list, embedded at build time), chrlab's readings of the records whose ranges are prose
//! (`harness/data/cve/readings.toml`), and the table `chrlab cve update` refreshes into the user's
//! data directory ([`data_dir`]). [`active`] is the table checks use.

mod cmd;
mod range;
mod reading;
mod record;
mod table;

#[cfg(test)]
mod bundled_tests;

pub use cmd::{CveArgs, CveCommand, UpdateArgs, UpdateError, list, run, update};
pub use range::{Range, Upper};
pub use reading::{Reading, Readings, ReadingsError};
pub use record::{Change, Record, RecordError, VersionEntry};
pub use table::{
    Basis, Cve, DataInfo, DataSource, TABLE_FILE, TABLE_FORMAT, Table, TableError, active, builtin,
    bundled, choose, data_dir, load_refreshed, safe_min_version, vulnerabilities,
    vulnerabilities_in,
};
