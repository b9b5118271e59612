//! Pure RouterOS knowledge: no IO.

pub mod api;
pub mod cli;
pub mod device_mode;
pub mod dns;
pub mod firewall;
pub mod firewall6;
pub mod login;
pub mod mactelnet;
pub mod mndp;
pub mod model;
pub mod print;
pub mod quote;
pub mod service;
pub mod snmp;
pub mod syslog;
pub mod telnet;
pub mod version;
mod word;
