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
    vec![add_admin(p, ctx), default_admin(p)]
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
        phase: Phase::AddAdmin,
        effects: vec![Effect::ReplacesAdministrator],
        only_where: None,
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
        phase: Phase::RetireDefaultAdmin,
        effects: vec![],
        only_where: None,
    }
}

/// The commands that would undo one of this measure's steps on a router that was in state
/// `before` (what cannot be undone by a command says so in a comment).
pub(super) fn undo(step: &Step, profile: &Profile, before: &Before) -> Vec<String> {
    let q = crate::render::quote;
    match step.id {
        "users.add-admin" => {
            let name = &profile.users.name;
            if before.users.iter().any(|u| &u.name == name) {
                vec![format!(
                    "# {name} existed before the apply; chrlab set its group and password"
                )]
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
