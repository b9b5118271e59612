//! The layer-2 verdicts, from the router's own settings.

use super::{
    DISCOVERY_MENU, MAC_PING, MAC_PING_MENU, MAC_SERVER, MAC_SERVER_MENU, MAC_WINBOX,
    MAC_WINBOX_MENU, NEIGHBOR_DISCOVERY,
};
use crate::check::{Observation, unreadable};
use crate::measures::CheckDef;
use crate::outcome::{CheckResult, Measure, Outcome};
use crate::profile::Profile;

fn check(def: &CheckDef, outcome: Outcome) -> CheckResult {
    CheckResult::new(Measure::Layer2, def.id, def.title, outcome)
}

/// One property of a single-row menu, or why it could not be had.
fn setting(obs: &Observation, menu: &str, key: &str) -> Result<Option<String>, Outcome> {
    let rows = obs.menu(menu).map_err(unreadable)?;
    Ok(rows
        .iter()
        .flatten()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone()))
}

fn list_check(
    def: &CheckDef,
    obs: &Observation,
    menu: &str,
    key: &str,
    want: &str,
    what: &str,
) -> CheckResult {
    let outcome = match setting(obs, menu, key) {
        Err(o) => o,
        Ok(None) => Outcome::Skip(format!("not verifiable: {menu} has no {key}")),
        Ok(Some(v)) if v == want => Outcome::Pass,
        Ok(Some(v)) => Outcome::Fail(format!(
            "{what} is allowed on interface list `{v}`; the baseline allows `{want}`"
        )),
    };
    let evidence = setting(obs, menu, key)
        .ok()
        .flatten()
        .map(|v| format!("{menu} {key}={v}"));
    let r = check(def, outcome);
    match evidence {
        Some(e) => r.with_evidence(e),
        None => r,
    }
}

/// Judges the layer-2 measure.
pub fn judge(profile: &Profile, obs: &Observation) -> Vec<CheckResult> {
    let p = &profile.layer2;
    let ping = {
        let want = if p.mac_ping { "yes" } else { "no" };
        let outcome = match setting(obs, MAC_PING_MENU, "enabled") {
            Err(o) => o,
            Ok(None) => Outcome::Skip(format!("not verifiable: {MAC_PING_MENU} has no enabled")),
            Ok(Some(v)) => {
                let on = matches!(v.as_str(), "yes" | "true");
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
