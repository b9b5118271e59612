//! Renderings of a [`RunReport`](crate::outcome::RunReport): terminal, JSON, JUnit XML and Markdown.
//!
//! Only this module knows these formats. Every renderer works on [`RunReport::redacted`](crate::outcome::RunReport::redacted),
//! so registered secrets never reach a report.

mod json;
mod junit;
mod markdown;
mod spec;
mod terminal;

pub use json::render_json;
pub use junit::render_junit;
pub use markdown::render_markdown;
pub use spec::{
    Destination, DestinationError, ReportError, ReportKind, ReportSpec, check_destinations,
    write_reports,
};
pub use terminal::{TerminalStyle, render_terminal};
