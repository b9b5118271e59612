//! The simulator's one model: menus, items and their command semantics, shared by every front end.
//!
//! Front ends (terminal, binary API, REST) translate their syntax into the operations of [`state::State`]
//! and format the results; validation, errors, logging and persistence live here once.

pub mod api;
pub mod defaults;
pub mod error;
pub mod export;
pub mod log;
pub mod menu;
pub mod query;
pub mod rest;
pub mod schema;
pub mod state;
pub mod terminal;
pub mod update;
pub mod users;

pub use error::{ErrKind, ExecError};
