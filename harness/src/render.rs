//! The RouterOS script that applies a [`Profile`], in syntax RouterOS 6 and 7 both accept (paths
//! with spaces, `[find]`, `:if`): one command per line, in a safe order, and idempotent (running it
//! twice changes nothing the second time).
//!
//! The script is a list of [`Step`]s so an applier can run one step, re-check it ([`Verify`]), and only
//! then go on. Order: update channel → add the new administrator → address list → accept rule, then
//! drop rule → disable services → move ports → logging rule → finally remove/disable the factory
//! `admin`, which the applier must run while logged in as the new administrator ([`RunAs::NewAdmin`]).
//!
//! Passwords live in [`ScriptLine`] pieces; `Display` and [`Reveal::Redacted`] print them as `***`.
//!
//! Every value that comes from the profile or the run goes through [`routeros::quote`] (bare when it
//! is one safe word, quoted otherwise), so no value can add a command, an argument or a
//! substitution to the script; [`Profile::validate`] rejects unsafe names before that.

use std::fmt;
use std::net::IpAddr;

pub use routeros::quote::quote;
use routeros::version::Channel;

use crate::outcome::Measure;
use crate::printable::escape;
use crate::profile::{DefaultAdmin, Profile, ServiceName};
use crate::secret::{REDACTED, Secret};

/// Comment of the accept rule (idempotence key).
pub const ACCEPT_COMMENT: &str = "chrlab: accept management";
/// Comment of the drop/reject rule (idempotence key).
pub const DROP_COMMENT: &str = "chrlab: drop management";
/// Comment of the harness's own address-list entry.
pub const HARNESS_SOURCE_COMMENT: &str = "chrlab: harness source";
/// Comment of the profile's management address-list entries.
pub const MGMT_COMMENT: &str = "chrlab: management";
/// Comment of the new administrator.
pub const ADMIN_COMMENT: &str = "chrlab: administrator";

/// What the script needs besides the profile.
#[derive(Debug, Clone)]
pub struct RenderContext {
    /// The harness's trusted source address, added to the allowed list when the profile says so.
    pub harness_source: Option<IpAddr>,
    /// The harness's trusted IPv6 source address, when its lab has one (for the IPv6 list).
    pub harness_source6: Option<IpAddr>,
    /// The new administrator's password: the profile's, or generated for this run.
    pub password: Secret,
    /// The router's address as the harness reaches it (to tell which interface carries the
    /// harness), when there is a router.
    pub router_address: Option<IpAddr>,
    /// Every vantage's source address (IPv4 and IPv6): the interfaces on their networks carry
    /// the harness too.
    pub vantage_sources: Vec<IpAddr>,
    /// The router's state as read before the apply (the applier's; a script rendered offline
    /// has none): steps that depend on what the router has, its interfaces, decide from it.
    pub before: Option<std::sync::Arc<crate::apply::Before>>,
}

impl RenderContext {
    /// Uses the profile's password, or generates one that satisfies its policy.
    pub fn new(profile: &Profile, harness_source: Option<IpAddr>) -> RenderContext {
        let password = profile
            .users
            .password
            .clone()
            .unwrap_or_else(|| Secret::generate(&profile.users.password_policy));
        RenderContext {
            harness_source,
            harness_source6: None,
            password,
            router_address: None,
            vantage_sources: Vec::new(),
            before: None,
        }
    }
}

/// Why no script could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The allowed list would be empty: the drop rule would lock everybody out.
    #[error(
        "no allowed management source: firewall.management_cidrs is empty and the harness source is unknown"
    )]
    NoAllowedSource,
}

/// Whether a rendering shows passwords.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reveal {
    /// Passwords as `***` (the default everywhere).
    Redacted,
    /// Passwords in clear: only for sending to the router or `chrlab render --show-secrets`.
    Exposed,
}

/// One part of a script line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Literal script text.
    Text(String),
    /// A password, written as a quoted RouterOS string.
    Secret(Secret),
}

/// One command line of a step. `Display` redacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptLine(pub Vec<Piece>);

impl ScriptLine {
    pub(crate) fn text(s: impl Into<String>) -> ScriptLine {
        ScriptLine(vec![Piece::Text(s.into())])
    }

    /// The line, passwords as chosen.
    pub fn render(&self, reveal: Reveal) -> String {
        self.0
            .iter()
            .map(|p| match (p, reveal) {
                (Piece::Text(t), _) => t.clone(),
                (Piece::Secret(_), Reveal::Redacted) => format!("\"{REDACTED}\""),
                (Piece::Secret(s), Reveal::Exposed) => quote(s.expose()),
            })
            .collect()
    }

    /// Whether the line carries a password.
    pub fn has_secret(&self) -> bool {
        self.0.iter().any(|p| matches!(p, Piece::Secret(_)))
    }
}

impl fmt::Display for ScriptLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Reveal::Redacted))
    }
}

/// Who must be logged in when a step runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunAs {
    /// Whoever applied the previous steps.
    Current,
    /// The new administrator: first prove its login works, then run the step as it
    /// (a REST user cannot disable itself, FACTS §10b).
    NewAdmin,
}

/// Where a step goes in the script: steps of every measure run in this order (stable within a
/// phase), the order that never locks the harness out — the new administrator before the
/// factory one goes, the accept rule before the drop rule, the ports moved after the firewall
/// protects them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Follow the update channel.
    UpdateChannel,
    /// Install an update (reboots).
    UpdateInstall,
    /// Add the new administrator.
    AddAdmin,
    /// The allowed management sources.
    AddressList,
    /// The input chain's rules.
    FilterRules,
    /// The rest of the input chain, after the management rules (ends in a drop).
    InputChain,
    /// Turn unused services off.
    DisableServices,
    /// MAC access and neighbor discovery.
    Layer2,
    /// Move the remaining services.
    MovePorts,
    /// Logging rules.
    Logging,
    /// Unused interfaces disabled.
    Interfaces,
    /// device-mode: confirmed by a power cycle, after every other change is in.
    DeviceMode,
    /// Remove or disable the factory user, logged in as the new administrator.
    RetireDefaultAdmin,
}

/// What a step does that the applier must act on (typed, never recognised by the step's id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The router may reboot (an update install): wait for it with the current credentials and
    /// ports.
    Reboots,
    /// Management services move to the profile's ports: reconnect there before verifying.
    MovesPorts,
    /// A new administrator replaces the one logged in: prove its login, then use it.
    ReplacesAdministrator,
    /// What the harness's own source may reach changes (the address list, the input chain).
    ChangesHarnessReach,
    /// RouterOS holds the change until someone at the router confirms it — a power cycle or a
    /// press of its reset or mode button within the activation timeout (`/system device-mode
    /// update`): the applier has the lab power-cycle the router ([`crate::lab::Lab::power_cycle`]);
    /// where the lab cannot, the step is not sent and the applier says so.
    ConfirmedAtDevice,
}

/// What the applier should read back after a step to confirm it took effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verify {
    /// `/system package update` shows this channel.
    UpdateChannel(Channel),
    /// A user exists, enabled, in this group.
    UserPresent {
        /// Name.
        name: String,
        /// Group.
        group: String,
    },
    /// The new administrator can log in with the run's password.
    LoginWorks {
        /// Name.
        name: String,
    },
    /// The factory user is gone or disabled.
    DefaultAdminHandled {
        /// Its name.
        name: String,
        /// Removed or disabled.
        how: DefaultAdmin,
    },
    /// The address list holds these entries (RouterOS form: bare host addresses).
    AddressList {
        /// List name.
        list: String,
        /// Entries.
        addresses: Vec<String>,
    },
    /// In `/ip firewall filter`, the rule commented `accept_comment` comes before `drop_comment`,
    /// both on these ports.
    FilterOrder {
        /// Accept rule comment.
        accept_comment: String,
        /// Drop rule comment.
        drop_comment: String,
        /// Protected ports.
        ports: Vec<u16>,
    },
    /// These services are disabled.
    ServicesDisabled(Vec<ServiceName>),
    /// These services listen on these ports.
    ServicePorts(Vec<(ServiceName, u16)>),
    /// An enabled `/system logging` rule sends these topics to this action.
    LoggingRule {
        /// Topics.
        topics: Vec<String>,
        /// Action.
        action: String,
    },
}

/// One applicable unit of the script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Stable slug, e.g. `firewall.rules`.
    pub id: &'static str,
    /// The measure it serves.
    pub measure: Measure,
    /// One line for humans.
    pub description: String,
    /// Commands, in order (comments start with `#`).
    pub lines: Vec<ScriptLine>,
    /// What to read back afterwards.
    pub verify: Vec<Verify>,
    /// Who must be logged in.
    pub run_as: RunAs,
    /// Where it goes in the script.
    pub phase: Phase,
    /// What the applier must act on.
    pub effects: Vec<Effect>,
    /// A menu (REST path) the step needs: where the router has none (`/ipv6 firewall filter` on
    /// a RouterOS 6 without the ipv6 package) the applier skips the step and says so, and the
    /// script says it in a comment.
    pub only_where: Option<&'static str>,
}

impl Step {
    /// Whether the step has this effect.
    pub fn has(&self, effect: Effect) -> bool {
        self.effects.contains(&effect)
    }

    /// The step's commands, one per line, with a trailing newline.
    pub fn script(&self, reveal: Reveal) -> String {
        let mut s = String::new();
        for l in &self.lines {
            s.push_str(&l.render(reveal));
            s.push('\n');
        }
        s
    }
}

/// The steps that apply `profile`: every measure's, in the safe order of their [`Phase`]s.
pub fn render(profile: &Profile, ctx: &RenderContext) -> Result<Vec<Step>, RenderError> {
    let sources = profile.allowed_sources(ctx.harness_source);
    if sources.is_empty() {
        return Err(RenderError::NoAllowedSource);
    }
    let mut steps: Vec<Step> = crate::measures::REGISTRY
        .iter()
        .flat_map(|m| (m.steps)(profile, ctx, &sources))
        .collect();
    steps.sort_by_key(|s| s.phase);
    for s in &steps {
        // Never the lines themselves: they may carry the password.
        tracing::debug!(step = s.id, lines = s.lines.len(), "rendered step");
    }
    Ok(steps)
}

/// The whole script with a header naming the profile, one commented block per step.
pub fn script(steps: &[Step], profile_name: &str, reveal: Reveal) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "# chrlab hardening script for RouterOS 6 and 7, profile {}\n",
        escape(profile_name)
    ));
    s.push_str("# Idempotent: every block can run again without changing anything.\n");
    if reveal == Reveal::Redacted {
        s.push_str(
            "# Passwords are shown as \"***\" (chrlab render --show-secrets prints them).\n",
        );
    }
    for step in steps {
        s.push('\n');
        // A comment runs to the end of the line: keep the description on one.
        s.push_str(&format!(
            "# [{}] {}: {}\n",
            step.id,
            step.measure,
            escape(&step.description)
        ));
        if step.run_as == RunAs::NewAdmin {
            s.push_str(
                "# run this block logged in as the new administrator, after its login works\n",
            );
        }
        if step.has(Effect::MovesPorts) {
            s.push_str("# afterwards: reconnect on the new ports\n");
        }
        if step.has(Effect::Reboots) {
            s.push_str("# afterwards: the router reboots\n");
        }
        if step.has(Effect::ConfirmedAtDevice) {
            s.push_str("# afterwards: confirm at the router within the activation timeout (5 minutes): cut its power or press its reset or mode button; a remote session alone cannot make RouterOS take it\n");
        }
        if let Some(menu) = step.only_where {
            s.push_str(&format!(
                "# only on a router that has {}: skip this block elsewhere\n",
                crate::readback::cli_path(menu)
            ));
        }
        s.push_str(&step.script(reveal));
    }
    s
}

pub(crate) fn lines(texts: &[String]) -> Vec<ScriptLine> {
    texts.iter().map(|t| ScriptLine::text(t.clone())).collect()
}

pub(crate) fn ports_text(ports: &[u16]) -> String {
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> RenderContext {
        RenderContext {
            harness_source: Some("192.0.2.10".parse().unwrap()),
            harness_source6: None,
            password: Secret::new("Correct-Horse-9!x"),
            router_address: None,
            vantage_sources: Vec::new(),
            before: None,
        }
    }

    fn all_lines(steps: &[Step], reveal: Reveal) -> Vec<String> {
        steps
            .iter()
            .flat_map(|s| s.lines.iter().map(move |l| l.render(reveal)))
            .collect()
    }

    fn pos(lines: &[String], needle: &str) -> usize {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line contains {needle:?}:\n{}", lines.join("\n")))
    }

    #[test]
    fn accept_before_drop_and_idempotent_guards() {
        let steps = render(&Profile::baseline(), &ctx()).unwrap();
        let l = all_lines(&steps, Reveal::Redacted);
        let add_accept = pos(&l, "add chain=input action=accept");
        let add_drop = pos(&l, "add chain=input action=drop");
        assert!(add_accept < add_drop);
        assert!(
            l[add_accept]
                .starts_with(":if ([:len [find comment=\"chrlab: accept management\"]] = 0)")
        );
        assert!(
            l[add_drop].starts_with(":if ([:len [find comment=\"chrlab: drop management\"]] = 0)")
        );
        assert!(l[add_accept].contains("dst-port=2222,8080 src-address-list=chrlab-mgmt"));
        assert!(
            l[add_drop]
                .contains("connection-state=!established,related protocol=tcp dst-port=2222,8080")
        );
        let mv = pos(&l, "move [find comment=\"chrlab: accept management\"]");
        assert!(mv > add_drop);
        // The address list is filled before the rules that use it.
        let list = pos(&l, "add list=chrlab-mgmt address=192.0.2.10 ");
        assert!(l[list].starts_with(":if ([:len [find list=chrlab-mgmt address=192.0.2.10]] = 0)"));
        assert!(list < add_accept);
        // Firewall before services move, so new ports are never open unprotected.
        assert!(add_drop < pos(&l, "set [find name=ssh] port=2222"));
    }

    #[test]
    fn user_added_before_admin_removed() {
        let steps = render(&Profile::baseline(), &ctx()).unwrap();
        let l = all_lines(&steps, Reveal::Redacted);
        let add = pos(&l, "add name=netops group=full");
        assert!(l[add].starts_with(":if ([:len [find name=netops]] = 0) do={ add "));
        let remove = pos(&l, "remove [find name=admin]");
        assert!(add < remove);
        assert!(l[remove].contains("[find name=netops group=full disabled=no]] > 0"));
        let last = steps.last().unwrap();
        assert_eq!(last.id, "users.default-admin");
        assert_eq!(last.run_as, RunAs::NewAdmin);
        let adders: Vec<_> = steps.iter().filter(|s| s.id == "users.add-admin").collect();
        assert_eq!(adders[0].run_as, RunAs::Current);
    }

    #[test]
    fn passwords_only_when_exposed() {
        let steps = render(&Profile::baseline(), &ctx()).unwrap();
        let redacted = script(&steps, "p.toml", Reveal::Redacted);
        assert!(!redacted.contains("Correct-Horse-9!x"));
        assert!(redacted.contains("password=\"***\""));
        assert!(!format!("{steps:?}").contains("Correct-Horse-9!x"));
        let shown = script(&steps, "p.toml", Reveal::Exposed);
        assert_eq!(shown.matches("password=\"Correct-Horse-9!x\"").count(), 2);
    }

    #[test]
    fn every_command_is_guarded_or_convergent() {
        // `add` only inside an `:if … = 0` guard; everything else is set/move/remove by find.
        let steps = render(&Profile::baseline(), &ctx()).unwrap();
        for l in all_lines(&steps, Reveal::Redacted) {
            if l.contains(" add ") || l.starts_with("add ") {
                assert!(l.starts_with(":if ([:len [find "), "unguarded add: {l}");
            }
            if l.contains("remove ") {
                assert!(l.starts_with(":if ("), "unguarded remove: {l}");
            }
        }
    }

    #[test]
    fn services_and_logging() {
        let steps = render(&Profile::baseline(), &ctx()).unwrap();
        let l = all_lines(&steps, Reveal::Redacted);
        for s in ["telnet", "ftp", "www-ssl", "api", "api-ssl", "winbox"] {
            pos(&l, &format!("set [find name={s}] disabled=yes"));
        }
        pos(&l, "set [find name=www] port=8080");
        let log = pos(&l, "add topics=error action=memory");
        assert!(l[log].starts_with(":if ([:len [find topics=error action=memory]] = 0)"));
        let ports = steps.iter().find(|s| s.id == "services.ports").unwrap();
        assert!(ports.has(Effect::MovesPorts));
    }

    #[test]
    fn no_source_is_an_error() {
        let p = Profile::baseline();
        let c = RenderContext {
            harness_source: None,
            harness_source6: None,
            password: Secret::new("x"),
            router_address: None,
            vantage_sources: Vec::new(),
            before: None,
        };
        assert_eq!(render(&p, &c), Err(RenderError::NoAllowedSource));
    }

    #[test]
    fn comment_lines_stay_one_line() {
        let mut steps = render(&Profile::baseline(), &ctx()).unwrap();
        steps[0].description = "x\n/user add name=evil group=full".into();
        let text = script(
            &steps,
            "p.toml\n/system reset-configuration",
            Reveal::Redacted,
        );
        let commands = routeros::cli::parse(&text).unwrap();
        let clean = script(
            &render(&Profile::baseline(), &ctx()).unwrap(),
            "p.toml",
            Reveal::Redacted,
        );
        assert_eq!(commands.len(), routeros::cli::parse(&clean).unwrap().len());
        assert!(text.contains("x\\n/user add"), "{text}");
    }

    #[test]
    fn a_step_confirmed_at_the_device_says_so_in_the_script() {
        let steps = render(&Profile::baseline(), &ctx()).unwrap();
        let mode = steps.iter().find(|s| s.id == "device.mode").unwrap();
        assert!(mode.has(Effect::ConfirmedAtDevice));
        // After every other change: its power cycle ends nothing half done.
        assert_eq!(steps[steps.len() - 2].id, "device.mode");
        let text = script(&steps, "p.toml", Reveal::Redacted);
        assert!(
            text.contains("# afterwards: confirm at the router within the activation timeout"),
            "{text}"
        );
    }

    #[test]
    fn quoting_escapes_routeros_specials() {
        assert_eq!(quote(r#"a"b\c$d?e"#), r#""a\"b\\c\$d\?e""#);
    }
}
