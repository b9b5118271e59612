//! The steps that apply this measure (see [`crate::render`] for their order and form).

use routeros::quote::value;

use crate::apply::Before;
use crate::outcome::Measure;
use crate::profile::{Cidr, DefaultAdmin, Profile};
use crate::render::{
    ADMIN_COMMENT, Effect, Phase, Piece, RenderContext, RunAs, ScriptLine, Step, Verify, lines,
    quote,
};

/// The users measure's steps: the new administrator first, the factory user's retirement last.
pub(super) fn steps(p: &Profile, ctx: &RenderContext, _sources: &[Cidr]) -> Vec<Step> {
    vec![password_rules(p), add_admin(p, ctx), default_admin(p)]
}

/// `/user settings` as the profile's password policy: its length and how many character
/// categories (of lowercase, uppercase, digits, symbols) a password must mix. Before the new
/// administrator is added, whose password satisfies the same policy.
fn password_rules(p: &Profile) -> Step {
    let (length, categories) = rules(p);
    Step {
        id: "users.password-rules",
        measure: Measure::Users,
        description: format!(
            "RouterOS refuses passwords shorter than {length} characters or mixing fewer than {categories} categories"
        ),
        lines: lines(&[format!(
            "/user settings set minimum-password-length={length} minimum-categories={categories}"
        )]),
        verify: vec![],
        run_as: RunAs::Current,
        phase: Phase::AddAdmin,
        effects: vec![],
        only_where: Some(super::SETTINGS_MENU),
    }
}

/// `minimum-password-length` and `minimum-categories` for the profile's policy.
pub(crate) fn rules(p: &Profile) -> (u32, usize) {
    let policy = &p.users.password_policy;
    (policy.min_length, policy.require.len().min(4))
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
        ]
        .into_iter()
        .chain(restriction(p, ctx).map(|list| {
            // Before the login that proves the new administrator works, so that login proves
            // the restriction admits the harness too.
            ScriptLine::text(format!(
                "set [find name={n}] address={}",
                quote(&list.join(","))
            ))
        }))
        .collect(),
        verify: vec![
            Verify::UserPresent {
                name: name.clone(),
                group: group.clone(),
            },
            Verify::LoginWorks { name: name.clone() },
        ],
        run_as: RunAs::Current,
        phase: Phase::AddAdmin,
        effects: vec![Effect::ReplacesAdministrator],
        only_where: None,
    }
}

/// The prefixes the administrator's `address=` admits, as RouterOS writes them, when the
/// profile restricts it and there is anything to admit (an empty `address=` admits everyone).
pub(crate) fn restriction(p: &Profile, ctx: &RenderContext) -> Option<Vec<String>> {
    let u = &p.users;
    if !u.restricts_address() {
        return None;
    }
    let mut list: Vec<Cidr> = if u.restrict_address {
        crate::measures::services::allowed_addresses(p, ctx)
    } else {
        Vec::new()
    };
    for c in &u.allowed_from {
        if !list.contains(c) {
            list.push(*c);
        }
    }
    (!list.is_empty()).then(|| list.iter().map(Cidr::to_string).collect())
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
        phase: Phase::RetireDefaultAdmin,
        effects: vec![],
        only_where: None,
    }
}

/// The commands that would undo one of this measure's steps on a router that was in state
/// `before` (what cannot be undone by a command says so in a comment).
/// The password rules as they were.
fn undo_rules(before: &Before) -> Vec<String> {
    ["minimum-password-length", "minimum-categories"]
        .iter()
        .map(|key| match before.setting(super::SETTINGS_MENU, key) {
            Some(v) => format!("/user settings set {key}={}", value(&v)),
            None => format!("# /user settings {key} before the apply could not be read"),
        })
        .collect()
}

pub(super) fn undo(step: &Step, profile: &Profile, before: &Before) -> Vec<String> {
    let q = crate::render::quote;
    match step.id {
        "users.password-rules" => undo_rules(before),
        "users.add-admin" => {
            let name = &profile.users.name;
            if let Some(u) = before.users.iter().find(|u| &u.name == name) {
                vec![
                    format!(
                        "# {name} existed before the apply; chrlab set its group, password and address"
                    ),
                    format!(
                        "/user set [find name={}] address={}",
                        q(name),
                        value(&u.address.join(","))
                    ),
                ]
            } else {
                vec![format!("/user remove [find name={}]", q(name))]
            }
        }
        "users.default-admin" => vec![format!(
            "# /user add name={} group=full password=…  (chrlab cannot restore the old password: choose one)",
            profile.users.default_admin_name
        )],
        other => vec![format!("# no undo known for step {other}")],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::ScriptLine;

    fn ctx(p: &Profile) -> RenderContext {
        let mut ctx = RenderContext::new(p, "198.51.100.10".parse().ok());
        ctx.harness_source6 = "2001:db8:1::10".parse().ok();
        ctx
    }

    fn text(lines: &[ScriptLine]) -> String {
        lines
            .iter()
            .map(ScriptLine::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_administrator_is_restricted_to_the_management_sources_before_its_login_is_proved() {
        let mut p = Profile::baseline();
        p.firewall.management_cidrs = vec!["192.0.2.0/28".parse().expect("cidr")];
        p.users.allowed_from = vec![
            "203.0.113.64/26".parse().expect("cidr"),
            "192.0.2.0/28".parse().expect("cidr"),
        ];
        let ctx = ctx(&p);
        assert_eq!(
            restriction(&p, &ctx).expect("restricted"),
            [
                "198.51.100.10/32",
                "2001:db8:1::10/128",
                "192.0.2.0/28",
                "203.0.113.64/26"
            ]
        );
        let step = add_admin(&p, &ctx);
        let script = text(&step.lines);
        assert!(
            script.ends_with(
                "set [find name=netops] address=\"198.51.100.10/32,2001:db8:1::10/128,192.0.2.0/28,203.0.113.64/26\""
            ),
            "{script}"
        );
        assert!(step.effects.contains(&Effect::ReplacesAdministrator));
    }

    #[test]
    fn an_open_profile_renders_no_restriction() {
        let mut p = Profile::baseline();
        p.users.restrict_address = false;
        let ctx = ctx(&p);
        assert_eq!(restriction(&p, &ctx), None);
        assert!(!text(&add_admin(&p, &ctx).lines).contains("address="));
        p.users.allowed_from = vec!["192.0.2.0/24".parse().expect("cidr")];
        assert_eq!(restriction(&p, &ctx).expect("restricted"), ["192.0.2.0/24"]);
    }
}
