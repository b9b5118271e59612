//! Pure RouterOS knowledge: no IO.

pub mod api;
pub mod cli;
pub mod firewall;
pub mod model;
pub mod print;
pub mod telnet;
pub mod version;
