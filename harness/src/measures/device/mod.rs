//! The device itself (MikroTik's "Securing your router"): unused interfaces disabled, and on
//! RouterOS 7.17+ a device-mode that forbids the features the router does not need.
//!
//! White box only. **Unused interfaces**: every ethernet interface of `/interface ethernet`
//! that is neither in the profile's `used_interfaces` nor the one the harness reaches the router
//! through (the interface of the `/ip address` entry holding the address the harness connects
//! to; [`reach`]) must be disabled. A step never disables the harness's own path; where that
//! path cannot be told (the address sits on a bridge or VLAN, or the harness comes through NAT
//! and no interface has an address) nothing is disabled and the check is *not verifiable*.
//!
//! **device-mode**: `/system device-mode` must show every feature of `mode_features_off` off.
//! RouterOS changes device-mode only after a confirmation at the device — a power cycle or a
//! press of the reset or mode button within the activation timeout — so the step carries
//! [`crate::render::Effect::ConfirmedAtDevice`]: the applier sends it only where the lab can
//! power-cycle the router ([`crate::lab::Lab::power_cycle`]), and a script says it in a
//! comment. Before 7.17 the check is *not verifiable* (that device-mode has no such switches).

mod judge;
mod policy;
pub(crate) mod reach;
mod steps;

pub use policy::DevicePolicy;

use super::{CheckDef, MeasureDef};
use crate::outcome::{Measure, Severity};

/// `device.unused-interfaces-disabled`.
pub const UNUSED_INTERFACES: CheckDef = CheckDef {
    id: "device.unused-interfaces-disabled",
    title: "every ethernet interface the router does not use is disabled",
    severity: Severity::Low,
    rationale: "an unused port is a way in only for whoever can plug into it",
    how: "white box: /interface ethernet, every interface not used (nor the harness's own) disabled",
    advice: "MikroTik, \"Securing your router\": disable unused interfaces",
};

/// `device.mode`.
pub const MODE: CheckDef = CheckDef {
    id: "device.mode",
    title: "device-mode keeps the features the profile wants off turned off",
    severity: Severity::Medium,
    rationale: "device-mode keeps even a stolen administrator login from turning on container, sniffer or proxy",
    how: "white box: /system device-mode, the profile's features off (RouterOS 7.17+)",
    advice: "MikroTik, \"Securing your router\": turn off with /system device-mode the features the router does not need",
};

/// `/interface ethernet`.
pub const ETHERNET_MENU: &str = "/interface/ethernet";
/// `/ip address`: which interface holds the address the harness reaches the router at.
pub const ADDRESS_MENU: &str = "/ip/address";
/// `/system device-mode` (RouterOS 7.17+).
pub const DEVICE_MODE_MENU: &str = "/system/device-mode";

/// The measure: its checks in report order, the menus it reads, its judge and its steps.
pub static MEASURE: MeasureDef = MeasureDef {
    measure: Measure::Device,
    checks: &[UNUSED_INTERFACES, MODE],
    reads: &[ETHERNET_MENU, ADDRESS_MENU, DEVICE_MODE_MENU],
    judge: judge::judge,
    steps: steps::steps,
    undo: steps::undo,
    probe: None,
};
