//! Every failure carries its fix: the RouterOS commands that would make a failed check pass on
//! *this* router, decided from what the audit observed (the services still enabled, the ports
//! the router really uses, whether the new administrator is already there), and otherwise the
//! measure's own render steps ([`crate::measures::MeasureDef::steps`]), which are idempotent and
//! already quote every value from the profile ([`routeros::quote`]).
//!
//! [`script`] writes every failure's fix as one script in the apply's safe order
//! ([`Phase`]): the new administrator before the factory one goes, the address list and accept
//! rules before the drops, the ports moved and the factory administrator retired last. What no
//! command can do (device-mode waits for a power cycle; an update reboots) says so in a comment.

use std::collections::BTreeSet;

use routeros::quote::value;

use crate::check::Observation;
use crate::measures::REGISTRY;
use crate::outcome::{CheckResult, Measure};
use crate::printable::escape;
use crate::profile::Profile;
use crate::render::{Effect, Phase, RenderContext, Reveal, RunAs, Step, lines};

/// The steps that would make this failed check pass on the observed router (empty for a
/// check that did not fail).
pub fn steps_for(
    profile: &Profile,
    ctx: &RenderContext,
    obs: &Observation,
    result: &CheckResult,
) -> Vec<Step> {
    if !result.outcome.is_fail() {
        return Vec::new();
    }
    let measure_steps = || -> Vec<Step> {
        let sources = profile.allowed_sources(ctx.harness_source);
        REGISTRY
            .iter()
            .filter(|m| m.measure == result.measure)
            .flat_map(|m| (m.steps)(profile, ctx, &sources))
            .collect()
    };
    let only = |ids: &[&str]| -> Vec<Step> {
        measure_steps()
            .into_iter()
            .filter(|s| ids.contains(&s.id))
            .collect()
    };
    let mut steps = match result.id.as_str() {
        "services.disabled" | "services.disabled-unreachable" => {
            disable_observed(profile, obs).unwrap_or_else(|| only(&["services.disable"]))
        }
        "services.moved" | "services.default-ports-silent" | "services.answer-on-new-ports" => {
            move_observed(profile, obs).unwrap_or_else(|| only(&["services.ports"]))
        }
        "services.address-restricted" => only(&["services.addresses"]),
        "users.address-restricted" if !default_admin_enabled(profile, obs) => {
            only(&["users.add-admin"])
        }
        "users.no-other-privileged" | "users.guessing-refused"
            if !default_admin_enabled(profile, obs) =>
        {
            // Another user: which to demote or remove is the owner's call.
            Vec::new()
        }
        "users.default-admin-gone"
        | "users.default-admin-refused"
        | "users.no-other-privileged"
        | "users.guessing-refused"
        | "users.address-restricted" => {
            let mut v = if new_admin_present(profile, obs) {
                Vec::new()
            } else {
                only(&["users.add-admin"])
            };
            v.extend(only(&["users.default-admin"]));
            v
        }
        "users.new-admin" | "users.password-policy" => only(&["users.add-admin"]),
        "users.password-rules" => only(&["users.password-rules"]),
        "ssh.strong-crypto" => only(&["ssh.crypto"]),
        "ssh.forwarding-off" => only(&["ssh.forwarding"]),
        "update.channel" => only(&["update.channel"]),
        "update.minimum-version" | "update.no-known-vulnerability" | "update.latest" => {
            let mut v = major_upgrade(profile, obs).into_iter().collect::<Vec<_>>();
            v.extend(measure_steps());
            v
        }
        "device.unused-interfaces-disabled" => only(&["device.unused-interfaces"]),
        "device.mode" => only(&["device.mode"]),
        // The rest of a measure is one coherent set of steps (the firewall's list and rules,
        // the input chain, logging, layer 2, the listeners, IPv6, the update): all of them,
        // each idempotent.
        _ => measure_steps(),
    };
    // The firewall and input chain protect the management ports: their rules follow the
    // address list, which the accept rule names.
    if result.measure == Measure::Firewall && steps.iter().all(|s| s.id != "firewall.address-list")
    {
        steps.extend(only(&["firewall.address-list"]));
    }
    steps.sort_by_key(|s| s.phase);
    steps
}

/// The fix of this failed check as text lines, passwords redacted (for the reports).
pub fn lines_for(
    profile: &Profile,
    ctx: &RenderContext,
    obs: &Observation,
    result: &CheckResult,
) -> Vec<String> {
    if !result.outcome.is_fail() {
        return Vec::new();
    }
    let steps = steps_for(profile, ctx, obs, result);
    if steps.is_empty() {
        return vec![no_command(result)];
    }
    steps
        .iter()
        .flat_map(|s| block(s, Reveal::Redacted))
        .collect()
}

/// Fills [`CheckResult::fix`] of every failed result.
pub fn fill(
    profile: &Profile,
    ctx: &RenderContext,
    obs: &Observation,
    results: &mut [CheckResult],
) {
    for r in results.iter_mut() {
        r.fix = lines_for(profile, ctx, obs, r);
    }
}

/// The steps of the fix script: every failed check's, once each (by step id), in the apply's
/// phase order. An applier sends them as it sends rendered steps ([`crate::apply::run_steps`]).
pub fn plan(
    profile: &Profile,
    ctx: &RenderContext,
    obs: &Observation,
    results: &[CheckResult],
) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut seen = BTreeSet::new();
    for r in results.iter().filter(|r| r.outcome.is_fail()) {
        for step in steps_for(profile, ctx, obs, r) {
            if seen.insert(step.id) {
                steps.push(step);
            }
        }
    }
    steps.sort_by_key(|s| s.phase);
    steps
}

/// One step of the plan as the script writes it (comments, then its commands).
pub fn script_block(step: &Step, reveal: Reveal) -> String {
    block(step, reveal).join("\n") + "\n"
}

/// Who wrote the script and for what, for its header.
#[derive(Debug, Clone)]
pub struct ScriptHeader {
    /// The router audited.
    pub router: String,
    /// The profile file.
    pub profile: String,
    /// When it was audited (RFC 3339).
    pub date: String,
}

/// Every failed check's fix as one idempotent script, steps once each in the apply's phase
/// order. `reveal` as for [`crate::render::script`]: with [`Reveal::Redacted`] a line that
/// carries a password is written commented out (a `***` password would be set as such).
pub fn script(
    header: &ScriptHeader,
    profile: &Profile,
    ctx: &RenderContext,
    obs: &Observation,
    results: &[CheckResult],
    reveal: Reveal,
) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "# chrlab fix script for {}, profile {}, audited {}\n",
        escape(&header.router),
        escape(&header.profile),
        escape(&header.date)
    ));
    out.push_str("# Idempotent, in a safe order: accept rules before drops, ports moved and the factory admin retired last.\n");
    let failed: Vec<&CheckResult> = results.iter().filter(|r| r.outcome.is_fail()).collect();
    if failed.is_empty() {
        out.push_str("# nothing failed: nothing to fix\n");
        return out;
    }
    out.push_str(&format!(
        "# fixes: {}\n",
        failed
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    for r in &failed {
        if steps_for(profile, ctx, obs, r).is_empty() {
            out.push_str(&no_command(r));
            out.push('\n');
        }
    }
    for step in &plan(profile, ctx, obs, results) {
        out.push('\n');
        for l in block(step, reveal) {
            out.push_str(&l);
            out.push('\n');
        }
    }
    out
}

/// What to say for a failed check no command fixes.
fn no_command(result: &CheckResult) -> String {
    format!(
        "# {}: no command fixes this; review the router by hand ({})",
        result.id,
        escape(result.outcome.reason().unwrap_or_default())
    )
}

/// One step as a commented block: what it does and who must run it, then its commands.
fn block(step: &Step, reveal: Reveal) -> Vec<String> {
    let mut v = vec![format!(
        "# [{}] {}: {}",
        step.id,
        step.measure,
        escape(&step.description)
    )];
    if step.run_as == RunAs::NewAdmin {
        v.push("# run this block logged in as the new administrator, after its login works".into());
    }
    if step.has(Effect::MovesPorts) {
        v.push("# afterwards: reconnect on the new ports".into());
    }
    if step.has(Effect::Reboots) {
        v.push("# afterwards: the router reboots".into());
    }
    if step.has(Effect::ConfirmedAtDevice) {
        v.push("# afterwards: confirm at the router within the activation timeout (5 minutes): cut its power or press its reset or mode button; no script can make RouterOS take it".into());
    }
    if let Some(menu) = step.only_where {
        v.push(format!(
            "# only on a router that has {}: skip this block elsewhere",
            crate::readback::cli_path(menu)
        ));
    }
    for l in &step.lines {
        if reveal == Reveal::Redacted && l.has_secret() {
            v.push(format!(
                "# needs the new administrator's password (chrlab render --show-secrets): {l}"
            ));
        } else {
            v.push(l.render(reveal));
        }
    }
    v
}

/// The services the profile disables that the router showed enabled, by name (and the
/// bandwidth-test server when it was seen on): `None` when the services could not be read.
fn disable_observed(profile: &Profile, obs: &Observation) -> Option<Vec<Step>> {
    let services = obs.services.as_ref().ok()?;
    let mut l = vec!["/ip service".to_string()];
    let mut names = Vec::new();
    for s in services.iter().filter(|s| !s.disabled) {
        if profile
            .services
            .disable
            .iter()
            .any(|d| d.as_str() == s.name)
        {
            l.push(format!("set [find name={}] disabled=yes", value(&s.name)));
            names.push(format!("{} (port {})", s.name, s.port));
        }
    }
    let btest_on = obs
        .bandwidth_server
        .as_ref()
        .ok()
        .and_then(|rows| rows.iter().flatten().find(|(k, _)| k == "enabled"))
        .is_some_and(|(_, v)| crate::measures::is_on(v));
    if !profile.services.bandwidth_server && btest_on {
        l.push("/tool bandwidth-server set enabled=no".into());
        names.push("the bandwidth-test server".into());
    }
    if names.is_empty() {
        // Disabled in the configuration yet reachable: the profile's whole step, once more.
        return None;
    }
    Some(vec![Step {
        id: "services.disable",
        measure: Measure::Services,
        description: format!("disable {}", names.join(", ")),
        lines: lines(&l),
        verify: vec![],
        run_as: RunAs::Current,
        phase: Phase::DisableServices,
        effects: vec![],
        only_where: None,
    }])
}

/// The services whose observed port is not the profile's, moved there.
fn move_observed(profile: &Profile, obs: &Observation) -> Option<Vec<Step>> {
    let services = obs.services.as_ref().ok()?;
    let mut l = vec!["/ip service".to_string()];
    let mut moves = Vec::new();
    for (name, port) in &profile.services.ports {
        if let Some(s) = services.iter().find(|s| s.name == name.as_str())
            && s.port != *port
        {
            l.push(format!("set [find name={}] port={port}", value(&s.name)));
            moves.push(format!("{} from {} to {port}", s.name, s.port));
        }
    }
    if moves.is_empty() {
        return None;
    }
    Some(vec![Step {
        id: "services.ports",
        measure: Measure::Services,
        description: format!("move {}", moves.join(", ")),
        lines: lines(&l),
        verify: vec![],
        run_as: RunAs::Current,
        phase: Phase::MovePorts,
        effects: vec![Effect::MovesPorts],
        only_where: None,
    }])
}

/// When the router runs an older major version than the profile's minimum (RouterOS 6 under a
/// 7.x baseline): the channel's install only reaches the newest release of the installed major,
/// so no command here fixes it; the block says so (MikroTik's v6 → v7 upgrade is a separate
/// procedure, not chrlab's to script).
fn major_upgrade(profile: &Profile, obs: &Observation) -> Option<Step> {
    let installed = &obs.update.as_ref().ok()?.installed_version;
    let wanted = &profile.update.min_version;
    (installed.major() < wanted.major()).then(|| Step {
        id: "update.major",
        measure: Measure::Update,
        description: format!(
            "RouterOS {installed} cannot reach {wanted} through its update channel"
        ),
        lines: lines(&[format!(
            "# cannot be fixed by this script: upgrade RouterOS {} to {} by MikroTik's major-version upgrade, then audit again",
            installed.major(),
            wanted.major()
        )]),
        verify: vec![],
        run_as: RunAs::Current,
        phase: Phase::UpdateChannel,
        effects: vec![],
        only_where: None,
    })
}

/// Whether the router showed the factory administrator enabled (the user the guesses and the
/// privilege check find first).
fn default_admin_enabled(profile: &Profile, obs: &Observation) -> bool {
    obs.users.as_ref().is_ok_and(|users| {
        users
            .iter()
            .any(|u| u.name == profile.users.default_admin_name && !u.disabled)
    })
}

/// Whether the router showed the profile's administrator, enabled, in its group.
fn new_admin_present(profile: &Profile, obs: &Observation) -> bool {
    obs.users.as_ref().is_ok_and(|users| {
        users
            .iter()
            .any(|u| u.name == profile.users.name && u.group == profile.users.group && !u.disabled)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Outcome;
    use routeros::model::Service;

    fn service(name: &str, port: u16, disabled: bool) -> Service {
        Service {
            id: None,
            name: name.into(),
            port,
            disabled,
            address: Vec::new(),
            certificate: None,
            vrf: None,
            max_sessions: None,
            invalid: false,
            dynamic: false,
        }
    }

    fn ctx(profile: &Profile) -> RenderContext {
        RenderContext::new(profile, Some("192.0.2.10".parse().unwrap()))
    }

    fn failed(measure: Measure, id: &str) -> CheckResult {
        CheckResult::new(measure, id, id, Outcome::Fail("seen".into()))
    }

    #[test]
    fn reports_show_the_fix_under_the_failure_and_json_only_where_there_is_one() {
        let mut r = crate::outcome::RunReport::new("sim", "profiles/baseline.toml");
        r.push(
            failed(Measure::Ssh, "ssh.strong-crypto")
                .with_fix(["/ip ssh set strong-crypto=yes".to_string()]),
        );
        r.push(CheckResult::new(
            Measure::Ssh,
            "ssh.forwarding-off",
            "x",
            Outcome::Pass,
        ));
        let md = crate::report::render_markdown(&r);
        assert!(
            md.contains(
                "Fix for `ssh.strong-crypto`:\n\n```routeros\n/ip ssh set strong-crypto=yes\n```"
            ),
            "{md}"
        );
        let term = crate::report::render_terminal(&r, Default::default());
        let at = term.find("[ssh.strong-crypto, ").unwrap();
        assert!(
            term[at..].contains("fix:\n        > /ip ssh set strong-crypto=yes"),
            "{term}"
        );
        let json: serde_json::Value = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json["results"][0]["fix"][0],
            "/ip ssh set strong-crypto=yes"
        );
        assert!(json["results"][1].get("fix").is_none(), "{json}");
    }

    #[test]
    fn a_pass_has_no_fix() {
        let p = Profile::baseline();
        let obs = Observation::nothing_read("nowhere", "no router");
        let r = CheckResult::new(Measure::Ssh, "ssh.strong-crypto", "x", Outcome::Pass);
        assert!(lines_for(&p, &ctx(&p), &obs, &r).is_empty());
    }

    #[test]
    fn disables_exactly_the_services_seen_enabled() {
        let p = Profile::baseline();
        let mut obs = Observation::nothing_read("nowhere", "no router");
        obs.services = Ok(vec![
            service("telnet", 23, false),
            service("ftp", 21, true),
            service("ssh", 2222, false),
        ]);
        let fix = lines_for(
            &p,
            &ctx(&p),
            &obs,
            &failed(Measure::Services, "services.disabled"),
        );
        assert!(
            fix.contains(&"set [find name=telnet] disabled=yes".to_string()),
            "{fix:#?}"
        );
        assert!(!fix.iter().any(|l| l.contains("name=ftp")), "{fix:#?}");
        assert!(!fix.iter().any(|l| l.contains("name=ssh")), "{fix:#?}");
    }

    #[test]
    fn moves_only_the_services_on_other_ports() {
        let p = Profile::baseline();
        let mut obs = Observation::nothing_read("nowhere", "no router");
        obs.services = Ok(vec![service("ssh", 22, false), service("www", 8080, false)]);
        let fix = lines_for(
            &p,
            &ctx(&p),
            &obs,
            &failed(Measure::Services, "services.moved"),
        );
        assert!(
            fix.contains(&"set [find name=ssh] port=2222".to_string()),
            "{fix:#?}"
        );
        assert!(!fix.iter().any(|l| l.contains("name=www")), "{fix:#?}");
    }

    #[test]
    fn the_script_puts_accepts_before_drops_and_the_admin_last_and_hides_the_password() {
        let p = Profile::baseline();
        let obs = Observation::nothing_read("nowhere", "no router");
        let results = vec![
            failed(Measure::Users, "users.default-admin-gone"),
            failed(Measure::Services, "services.moved"),
            failed(Measure::Firewall, "firewall.rules"),
            CheckResult::new(Measure::Ssh, "ssh.strong-crypto", "x", Outcome::Pass),
        ];
        let header = ScriptHeader {
            router: "sim:7.16".into(),
            profile: "profiles/baseline.toml".into(),
            date: "2026-12-04T20:00:00Z".into(),
        };
        let c = ctx(&p);
        let s = script(&header, &p, &c, &obs, &results, Reveal::Redacted);
        assert!(s.starts_with("# chrlab fix script for sim:7.16, profile profiles/baseline.toml, audited 2026-12-04T20:00:00Z\n"), "{s}");
        let at = |needle: &str| {
            s.find(needle)
                .unwrap_or_else(|| panic!("{needle} not in\n{s}"))
        };
        assert!(at("[users.add-admin]") < at("[firewall.address-list]"));
        assert!(at("[firewall.address-list]") < at("[firewall.rules]"));
        assert!(at("chrlab: accept management") < at("chrlab: drop management"));
        assert!(at("[firewall.rules]") < at("[services.ports]"));
        assert!(at("[services.ports]") < at("[users.default-admin]"));
        assert!(!s.contains("ssh.crypto"), "{s}");
        assert!(!s.contains(c.password.expose()), "{s}");
        assert!(
            s.contains("# needs the new administrator's password"),
            "{s}"
        );
        let exposed = script(&header, &p, &c, &obs, &results, Reveal::Exposed);
        assert!(exposed.contains(c.password.expose()));
    }
}
