//! The simulator's one model: menus, items and their command semantics, shared by every front end.
//!
//! Front ends (terminal, binary API, REST) translate their syntax into the operations of [`state::State`]
//! and format the results; validation, errors, logging and persistence live here once.
//!
//! Codemap: `schema` (property types, validation texts), `defaults` (the menus of a fresh CHR per
//! version), `stored` (the menus the simulator stores and prints but does not act on), `menu` (items, tables, `.id`s), `state` (add/set/remove/move, log routing), `login`,
//! `users` (policies), `log` (buffer, dates, echo lines), `files` (the file store: `/file` items with contents, FTP and `/import` read them), `update` (package update), `device_mode` (`/system device-mode` and its confirmation at boot), `query` (`where`
//! and API `?` queries), `terminal` + `script` + `view` (the CLI: dispatch, scripting, print layout),
//! `api`, `rest`, `export`, `error`. The public face is `crate::router::Router`.

pub(crate) mod api;
pub(crate) mod defaults;
pub(crate) mod device_mode;
pub(crate) mod error;
pub(crate) mod export;
pub(crate) mod files;
pub(crate) mod log;
pub(crate) mod login;
pub(crate) mod menu;
pub(crate) mod query;
pub(crate) mod rest;
pub(crate) mod schema;
pub(crate) mod script;
pub(crate) mod state;
pub(crate) mod stored;
pub mod terminal;
pub(crate) mod update;
pub(crate) mod users;
pub(crate) mod view;

pub use error::{ErrKind, ExecError};
