//! Shared by the model tests: a router of a version, and an exec-channel terminal on it.
#![allow(dead_code)]

use chrlab_sim::router::{Router, RouterConfig, Terminal, TerminalOpts, Via};
use routeros::version::Version;

/// A router of `version` in its factory state (one NIC).
pub fn router(version: &str) -> Router {
    router_with_nics(version, 1)
}

/// A router of `version` whose machine has `ethernets` NICs.
pub fn router_with_nics(version: &str, ethernets: u32) -> Router {
    let v = Version::parse(version).expect("version parses");
    let mut cfg = RouterConfig::for_version(v);
    cfg.ethernets = ethernets;
    Router::new(cfg).expect("router starts")
}

/// An exec-channel terminal 80 columns wide, `admin` logged in from 127.0.0.1.
pub fn term(r: &Router) -> Terminal {
    term_width(r, 80)
}

/// An exec-channel terminal `width` columns wide, `admin` logged in from 127.0.0.1.
pub fn term_width(r: &Router, width: u16) -> Terminal {
    let s = r
        .login("admin", "", Via::Ssh, "127.0.0.1".parse().ok())
        .expect("login");
    r.terminal(
        &s,
        TerminalOpts {
            interactive: false,
            colors: false,
            width,
        },
    )
}
