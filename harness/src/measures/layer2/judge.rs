//! The layer-2 verdicts, from the router's own settings.

use super::{
    DISCOVERY_MENU, MAC_PING, MAC_PING_MENU, MAC_SERVER, MAC_SERVER_MENU, MAC_WINBOX,
    MAC_WINBOX_MENU, NEIGHBOR_DISCOVERY,
};
use crate::check::Observation;
use crate::measures::{CheckDef, is_on, setting};
use crate::outcome::{CheckResult, Measure, Outcome};
use crate::profile::Profile;

fn check(def: &CheckDef, outcome: Outcome) -> CheckResult {
    CheckResult::new(Measure::Layer2, def.id, def.title, outcome)
}

fn list_check(
    def: &CheckDef,
    obs: &Observation,
    menu: &str,
    key: &str,
    want: &str,
    what: &str,
) -> CheckResult {
    match setting(obs, menu, key) {
        Err(o) => check(def, o),
        Ok(v) => {
            let outcome = if v == want {
                Outcome::Pass
            } else {
                Outcome::Fail(format!(
                    "{what} is allowed on interface list `{v}`; the baseline allows `{want}`"
                ))
            };
            check(def, outcome).with_evidence(format!("{menu} {key}={v}"))
        }
    }
}

/// Judges the layer-2 measure.
pub fn judge(profile: &Profile, obs: &Observation) -> Vec<CheckResult> {
    let p = &profile.layer2;
    let ping = {
        let want = if p.mac_ping { "yes" } else { "no" };
        let outcome = match setting(obs, MAC_PING_MENU, "enabled") {
            Err(o) => o,
            Ok(v) => {
                let on = is_on(&v);
                if on == p.mac_ping {
                    Outcome::Pass
                } else if on {
                    Outcome::Fail("MAC ping is enabled: any host on the link can ping the router by its MAC address".into())
                } else {
                    Outcome::Fail(format!(
                        "MAC ping is disabled; the profile wants enabled={want}"
                    ))
                }
            }
        };
        check(&MAC_PING, outcome)
    };
    vec![
        list_check(
            &MAC_SERVER,
            obs,
            MAC_SERVER_MENU,
            "allowed-interface-list",
            &p.mac_server,
            "MAC-Telnet",
        ),
        list_check(
            &MAC_WINBOX,
            obs,
            MAC_WINBOX_MENU,
            "allowed-interface-list",
            &p.mac_winbox,
            "MAC-WinBox",
        ),
        ping,
        list_check(
            &NEIGHBOR_DISCOVERY,
            obs,
            DISCOVERY_MENU,
            "discover-interface-list",
            &p.neighbor_discovery,
            "neighbor discovery",
        ),
    ]
}
