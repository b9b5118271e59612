//! The step that applies `[layer2]` (see [`crate::render`] for the order and form of steps).

use routeros::quote::value;

use super::{DISCOVERY_MENU, MAC_PING_MENU, MAC_SERVER_MENU, MAC_WINBOX_MENU};
use crate::apply::{Before, yes_no};
use crate::outcome::Measure;
use crate::profile::{Cidr, Profile};
use crate::render::{Phase, RenderContext, RunAs, Step, lines};

/// One step: MAC-Telnet, MAC-WinBox, MAC ping and neighbor discovery as the profile says.
pub(super) fn steps(p: &Profile, _ctx: &RenderContext, _sources: &[Cidr]) -> Vec<Step> {
    let l = &p.layer2;
    vec![Step {
        id: "layer2.mac-and-discovery",
        measure: Measure::Layer2,
        description: format!(
            "MAC-Telnet on {}, MAC-WinBox on {}, MAC ping {}, neighbor discovery on {}",
            l.mac_server,
            l.mac_winbox,
            if l.mac_ping { "on" } else { "off" },
            l.neighbor_discovery
        ),
        lines: lines(&[
            format!(
                "/tool mac-server set allowed-interface-list={}",
                value(&l.mac_server)
            ),
            format!(
                "/tool mac-server mac-winbox set allowed-interface-list={}",
                value(&l.mac_winbox)
            ),
            format!("/tool mac-server ping set enabled={}", yes_no(l.mac_ping)),
            format!(
                "/ip neighbor discovery-settings set discover-interface-list={}",
                value(&l.neighbor_discovery)
            ),
        ]),
        verify: vec![],
        run_as: RunAs::Current,
        phase: Phase::Layer2,
        effects: vec![],
        only_where: None,
    }]
}

/// The settings as they were before the apply.
pub(super) fn undo(_step: &Step, _profile: &Profile, before: &Before) -> Vec<String> {
    let mut out = Vec::new();
    for (menu, key, cli) in [
        (
            MAC_SERVER_MENU,
            "allowed-interface-list",
            "/tool mac-server",
        ),
        (
            MAC_WINBOX_MENU,
            "allowed-interface-list",
            "/tool mac-server mac-winbox",
        ),
        (MAC_PING_MENU, "enabled", "/tool mac-server ping"),
        (
            DISCOVERY_MENU,
            "discover-interface-list",
            "/ip neighbor discovery-settings",
        ),
    ] {
        match before.setting(menu, key) {
            Some(v) => out.push(format!("{cli} set {key}={}", value(&v))),
            None => out.push(format!("# {cli} {key} before the apply could not be read")),
        }
    }
    out
}
