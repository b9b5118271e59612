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
use routeros::quote::value;
use routeros::version::Channel;

use crate::outcome::Measure;
use crate::printable::escape;
use crate::profile::{Cidr, DefaultAdmin, FirewallAction, MGMT_ADDRESS_LIST, Profile, ServiceName};
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
    /// The new administrator's password: the profile's, or generated for this run.
    pub password: Secret,
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
            password,
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
    fn text(s: impl Into<String>) -> ScriptLine {
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

/// What the applier must do after a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// Nothing special.
    Nothing,
    /// Management ports moved: reconnect to the new ports before verifying.
    Reconnect,
    /// The router reboots: wait for it with the current credentials and ports.
    Reboot,
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
    /// What to do afterwards.
    pub after: After,
}

impl Step {
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

/// The steps that apply `profile`, in safe order.
pub fn render(profile: &Profile, ctx: &RenderContext) -> Result<Vec<Step>, RenderError> {
    let sources = profile.allowed_sources(ctx.harness_source);
    if sources.is_empty() {
        return Err(RenderError::NoAllowedSource);
    }
    let mut steps = vec![update_channel(profile)];
    if profile.update.install {
        steps.push(update_install());
    }
    steps.push(add_admin(profile, ctx));
    steps.push(address_list(profile, ctx, &sources));
    steps.push(filter_rules(profile));
    steps.push(disable_services(profile));
    if !profile.services.ports.is_empty() {
        steps.push(move_ports(profile));
    }
    steps.push(logging_rule(profile));
    steps.push(default_admin(profile));
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
        match step.after {
            After::Nothing => {}
            After::Reconnect => s.push_str("# afterwards: reconnect on the new ports\n"),
            After::Reboot => s.push_str("# afterwards: the router reboots\n"),
        }
        s.push_str(&step.script(reveal));
    }
    s
}

fn lines(texts: &[String]) -> Vec<ScriptLine> {
    texts.iter().map(|t| ScriptLine::text(t.clone())).collect()
}

fn ports_text(ports: &[u16]) -> String {
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn update_channel(p: &Profile) -> Step {
    let ch = p.update.channel;
    Step {
        id: "update.channel",
        measure: Measure::Update,
        description: format!("follow the {ch} channel"),
        lines: lines(&[
            "/system package update".into(),
            format!("set channel={}", value(ch.as_str())),
        ]),
        verify: vec![Verify::UpdateChannel(ch)],
        run_as: RunAs::Current,
        after: After::Nothing,
    }
}

/// Waits, in RouterOS script, for the check `check-for-updates once` started: `status` shows
/// the previous verdict for a moment and `finding out latest version...` while it runs, so a
/// verdict counts once the check was seen running or after 3 s (the manual's own script waits
/// 3 s); 30 s without a verdict end the wait. Polls every 10 ms, so even a check quicker than
/// a human's (the simulator's) is seen running. The same rule as
/// [`crate::operator::Operator::check_for_updates`].
const UPDATE_WAIT: &str = concat!(
    ":local seen false; :local polls 0; ",
    ":while ($polls < 3000) do={ ",
    ":if ([get status] ~ \"^(System is already up to date|New version is available|Downloaded|ERROR)\") do={ ",
    ":if ($seen || ($polls >= 300)) do={ :set polls 3000 } else={ :set polls ($polls + 1); :delay 10ms } ",
    "} else={ :set seen true; :set polls ($polls + 1); :delay 10ms } }"
);

fn update_install() -> Step {
    Step {
        id: "update.install",
        measure: Measure::Update,
        description: "download and install the latest version (reboots)".into(),
        lines: lines(&[
            "/system package update".into(),
            "check-for-updates once".into(),
            UPDATE_WAIT.into(),
            ":if ([get status] = \"New version is available\") do={ install }".into(),
        ]),
        verify: vec![],
        run_as: RunAs::Current,
        after: After::Reboot,
    }
}

fn add_admin(p: &Profile, ctx: &RenderContext) -> Step {
    let u = &p.users;
    let (name, group) = (&u.name, &u.group);
    let (n, g) = (value(name), value(group));
    let pw = || Piece::Secret(ctx.password.clone());
    Step {
        id: "users.add-admin",
        measure: Measure::Users,
        description: format!("add the administrator {name} (group {group}) unless it exists"),
        lines: vec![
            ScriptLine::text("/user"),
            ScriptLine(vec![
                Piece::Text(format!(
                    ":if ([:len [find name={n}]] = 0) do={{ add name={n} group={g} password="
                )),
                pw(),
                Piece::Text(format!(" comment={} }}", quote(ADMIN_COMMENT))),
            ]),
            ScriptLine(vec![
                Piece::Text(format!(
                    "set [find name={n}] group={g} disabled=no password="
                )),
                pw(),
            ]),
        ],
        verify: vec![
            Verify::UserPresent {
                name: name.clone(),
                group: group.clone(),
            },
            Verify::LoginWorks { name: name.clone() },
        ],
        run_as: RunAs::Current,
        after: After::Nothing,
    }
}

fn address_list(p: &Profile, ctx: &RenderContext, sources: &[Cidr]) -> Step {
    let mut l = vec!["/ip firewall address-list".to_string()];
    let list = value(MGMT_ADDRESS_LIST);
    let harness = ctx
        .harness_source
        .filter(|_| p.firewall.include_harness_source)
        .map(Cidr::host);
    for c in sources {
        let addr = value(&c.routeros_form());
        let comment = if Some(*c) == harness {
            HARNESS_SOURCE_COMMENT
        } else {
            MGMT_COMMENT
        };
        l.push(format!(
            ":if ([:len [find list={list} address={addr}]] = 0) do={{ add list={list} address={addr} comment={} }}",
            quote(comment)
        ));
    }
    Step {
        id: "firewall.address-list",
        measure: Measure::Firewall,
        description: format!(
            "allow {} in the address list {MGMT_ADDRESS_LIST}",
            sources
                .iter()
                .map(Cidr::routeros_form)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        lines: lines(&l),
        verify: vec![Verify::AddressList {
            list: MGMT_ADDRESS_LIST.into(),
            addresses: sources.iter().map(Cidr::routeros_form).collect(),
        }],
        run_as: RunAs::Current,
        after: After::Nothing,
    }
}

fn filter_rules(p: &Profile) -> Step {
    let ports = p.management_ports();
    let pt = ports_text(&ports);
    let (dst, list) = (value(&pt), value(MGMT_ADDRESS_LIST));
    let accept =
        format!("chain=input action=accept protocol=tcp dst-port={dst} src-address-list={list}");
    let mut close = format!(
        "chain=input action={} connection-state=!established,related protocol=tcp dst-port={dst}",
        value(p.firewall.action.as_str())
    );
    if p.firewall.action == FirewallAction::Reject {
        let with = p.firewall.reject_with.unwrap_or_default();
        close.push_str(&format!(" reject-with={}", value(with.word())));
    }
    let (ac, dc) = (quote(ACCEPT_COMMENT), quote(DROP_COMMENT));
    Step {
        id: "firewall.rules",
        measure: Measure::Firewall,
        description: format!(
            "accept tcp/{pt} from {MGMT_ADDRESS_LIST}, then {} it from everywhere else",
            p.firewall.action.as_str()
        ),
        lines: lines(&[
            "/ip firewall filter".into(),
            // Accept first, so there is never a moment with only the drop rule.
            format!(":if ([:len [find comment={ac}]] = 0) do={{ add {accept} comment={ac} }}"),
            format!("set [find comment={ac}] {accept} disabled=no"),
            format!(":if ([:len [find comment={dc}]] = 0) do={{ add {close} comment={dc} }}"),
            format!("set [find comment={dc}] {close} disabled=no"),
            // Repairs the order if the rules already existed the wrong way round; a no-op otherwise.
            format!("move [find comment={ac}] destination=[find comment={dc}]"),
        ]),
        verify: vec![Verify::FilterOrder {
            accept_comment: ACCEPT_COMMENT.into(),
            drop_comment: DROP_COMMENT.into(),
            ports,
        }],
        run_as: RunAs::Current,
        after: After::Nothing,
    }
}

fn disable_services(p: &Profile) -> Step {
    let mut l = vec!["/ip service".to_string()];
    for s in &p.services.disable {
        l.push(format!(
            "set [find name={}] disabled=yes",
            value(s.as_str())
        ));
    }
    if !p.services.bandwidth_server {
        l.push("/tool bandwidth-server set enabled=no".into());
    }
    Step {
        id: "services.disable",
        measure: Measure::Services,
        description: format!(
            "disable {}",
            p.services
                .disable
                .iter()
                .map(|s| s.as_str())
                .chain((!p.services.bandwidth_server).then_some("the bandwidth-test server"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        lines: lines(&l),
        verify: vec![Verify::ServicesDisabled(p.services.disable.clone())],
        run_as: RunAs::Current,
        after: After::Nothing,
    }
}

fn move_ports(p: &Profile) -> Step {
    let mut l = vec!["/ip service".to_string()];
    let moved: Vec<(ServiceName, u16)> = p.services.ports.iter().map(|(s, n)| (*s, *n)).collect();
    for (s, port) in &moved {
        l.push(format!("set [find name={}] port={port}", value(s.as_str())));
    }
    Step {
        id: "services.ports",
        measure: Measure::Services,
        description: format!(
            "move {}",
            moved
                .iter()
                .map(|(s, n)| format!("{s} to {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        lines: lines(&l),
        verify: vec![Verify::ServicePorts(moved)],
        run_as: RunAs::Current,
        after: After::Reconnect,
    }
}

fn logging_rule(p: &Profile) -> Step {
    let topics = p.logging.rule_topics.join(",");
    let action = &p.logging.action;
    let sel = format!("topics={} action={}", value(&topics), value(action));
    Step {
        id: "logging.failed-logins",
        measure: Measure::Logging,
        description: format!("log {topics} to {action}, so failed logins are recorded"),
        lines: lines(&[
            "/system logging".into(),
            format!(":if ([:len [find {sel}]] = 0) do={{ add {sel} }}"),
            format!("set [find {sel}] disabled=no"),
        ]),
        verify: vec![Verify::LoggingRule {
            topics: p.logging.rule_topics.clone(),
            action: action.clone(),
        }],
        run_as: RunAs::Current,
        after: After::Nothing,
    }
}

fn default_admin(p: &Profile) -> Step {
    let u = &p.users;
    let old = &u.default_admin_name;
    let (o, n, g) = (value(old), value(&u.name), value(&u.group));
    let action = match u.default_admin {
        DefaultAdmin::Remove => format!("remove [find name={o}]"),
        DefaultAdmin::Disable => format!("set [find name={o}] disabled=yes"),
    };
    Step {
        id: "users.default-admin",
        measure: Measure::Users,
        description: format!(
            "{} the factory user {old}",
            match u.default_admin {
                DefaultAdmin::Remove => "remove",
                DefaultAdmin::Disable => "disable",
            }
        ),
        lines: lines(&[
            "/user".into(),
            // Guard: never leave the router without the new full administrator.
            format!(":if ([:len [find name={n} group={g} disabled=no]] > 0) do={{ {action} }}"),
        ]),
        verify: vec![Verify::DefaultAdminHandled {
            name: old.clone(),
            how: u.default_admin,
        }],
        run_as: RunAs::NewAdmin,
        after: After::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> RenderContext {
        RenderContext {
            harness_source: Some("192.0.2.10".parse().unwrap()),
            password: Secret::new("Correct-Horse-9!x"),
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
        assert_eq!(ports.after, After::Reconnect);
    }

    #[test]
    fn no_source_is_an_error() {
        let p = Profile::baseline();
        let c = RenderContext {
            harness_source: None,
            password: Secret::new("x"),
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
    fn quoting_escapes_routeros_specials() {
        assert_eq!(quote(r#"a"b\c$d?e"#), r#""a\"b\\c\$d\?e""#);
    }
}
