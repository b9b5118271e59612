//! IPv6 values of the `/ipv6` menus: `routeros`'s parsers ([`routeros::firewall6`]), under the
//! name the simulator's model and firewall use.

pub use routeros::firewall6::*;
