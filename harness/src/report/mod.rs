//! Renderings of a [`RunReport`](crate::outcome::RunReport): terminal, JSON, JUnit XML, Markdown,
//! a self-contained HTML page and SARIF 2.1.0.
//!
//! Only this module knows these formats. Every renderer works on [`RunReport::redacted`](crate::outcome::RunReport::redacted),
//! so registered secrets never reach a report.

mod html;
mod json;
mod junit;
mod markdown;
mod sarif;
mod spec;
mod terminal;

pub(crate) use html::esc as html_escape;
pub use html::render_html;
pub use json::{JSON_SCHEMA_VERSION, render_json};
pub use junit::render_junit;
pub use markdown::render_markdown;
pub use sarif::{SARIF_SCHEMA, render_sarif};
pub use spec::{
    Destination, DestinationError, ReportError, ReportKind, ReportSpec, check_destinations,
    write_rendered, write_reports,
};
pub use terminal::{TerminalStyle, render_terminal};
