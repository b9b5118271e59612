//! The binary-API front end: one command sentence in, reply sentences out.

use super::menu::format_id;
use super::schema::MenuDef;
use super::state::{Actor, State};
use super::{ErrKind, ExecError, query, update};
use crate::router::Session;

/// Parsed words of one command sentence.
#[derive(Default)]
struct Request {
    args: Vec<(String, String)>,
    query: Vec<String>,
    proplist: Option<Vec<String>>,
    tag: Option<String>,
}

fn parse(words: &[String]) -> Request {
    let mut r = Request::default();
    for w in words {
        if let Some(attr) = w.strip_prefix('=') {
            let (k, v) = attr.split_once('=').unwrap_or((attr, ""));
            if k == ".proplist" {
                r.proplist = Some(
                    v.split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                );
            } else {
                r.args.push((k.to_string(), v.to_string()));
            }
        } else if let Some(q) = w.strip_prefix('?') {
            r.query.push(q.to_string());
        } else if let Some(t) = w.strip_prefix(".tag=") {
            r.tag = Some(t.to_string());
        }
    }
    r
}

fn sentence(kind: &str, attrs: Vec<(String, String)>, tag: &Option<String>) -> Vec<String> {
    let mut s = vec![kind.to_string()];
    s.extend(attrs.into_iter().map(|(k, v)| format!("={k}={v}")));
    if let Some(t) = tag {
        s.push(format!(".tag={t}"));
    }
    s
}

/// `!trap [=category=N] =message=...` then `!done`.
fn trap(e: &ExecError, tag: &Option<String>) -> Vec<Vec<String>> {
    let mut attrs = Vec::new();
    if let Some(c) = e.api_category() {
        attrs.push(("category".to_string(), c.to_string()));
    }
    attrs.push(("message".to_string(), e.message.clone()));
    vec![
        sentence("!trap", attrs, tag),
        sentence("!done", Vec::new(), tag),
    ]
}

/// Runs one API command for a logged-in session.
pub fn run(st: &mut State, s: &Session, words: &[String]) -> Vec<Vec<String>> {
    let Some(cmd) = words.first() else {
        return Vec::new();
    };
    let req = parse(&words[1..]);
    let segs: Vec<&str> = cmd.split('/').filter(|p| !p.is_empty()).collect();
    let Some((command, menu)) = segs.split_last() else {
        return trap(&prefix_error(), &req.tag);
    };
    let path = menu.join("/");
    let actor = Actor {
        user: s.user.clone(),
        policy: st.policy_of(&s.user),
    };
    if path.is_empty() && *command == "password" {
        return match password(st, &actor, &req) {
            Ok(()) => vec![sentence("!done", Vec::new(), &req.tag)],
            Err(e) => trap(&e, &req.tag),
        };
    }
    let Some(def) = st.def(&path).cloned() else {
        return trap(&prefix_error(), &req.tag);
    };
    // `getall` is the API's old name for `print`.
    let command = if *command == "getall" {
        &"print"
    } else {
        command
    };
    if !def.command_names().contains(command) || *command == "export" {
        return trap(&ExecError::no_such_command(command), &req.tag);
    }
    match execute(st, &actor, &def, command, &req) {
        Ok(mut replies) => {
            for r in &mut replies {
                if let Some(t) = &req.tag {
                    r.push(format!(".tag={t}"));
                }
            }
            replies
        }
        Err(e) => trap(&e, &req.tag),
    }
}

fn prefix_error() -> ExecError {
    ExecError {
        kind: ErrKind::NoSuchCommand(String::new()),
        message: "no such command prefix".into(),
    }
}

fn done(attrs: Vec<(String, String)>) -> Vec<String> {
    let mut s = vec!["!done".to_string()];
    s.extend(attrs.into_iter().map(|(k, v)| format!("={k}={v}")));
    s
}

fn ids(st: &State, def: &MenuDef, req: &Request) -> Result<Vec<u32>, ExecError> {
    let text = req
        .args
        .iter()
        .find(|(k, _)| k == ".id" || k == "numbers")
        .map(|(_, v)| v.clone())
        .ok_or_else(|| ExecError::arg("missing value(s) of argument(s) numbers".into()))?;
    text.split(',')
        .filter(|t| !t.is_empty())
        .map(|t| st.resolve(def.path, t))
        .collect()
}

fn props_only(req: &Request) -> Vec<(String, String)> {
    req.args
        .iter()
        .filter(|(k, _)| k != ".id" && k != "numbers")
        .cloned()
        .collect()
}

fn execute(
    st: &mut State,
    actor: &Actor,
    def: &MenuDef,
    cmd: &str,
    req: &Request,
) -> Result<Vec<Vec<String>>, ExecError> {
    let path = def.path;
    match cmd {
        "print" => print(st, actor, def, req),
        "add" => {
            let id = st.add(actor, path, &props_only(req))?;
            Ok(vec![done(vec![("ret".into(), format_id(id))])])
        }
        "set" => {
            let ids = if def.is_list() {
                ids(st, def, req)?
            } else {
                Vec::new()
            };
            st.set(actor, path, &ids, &props_only(req))?;
            Ok(vec![done(Vec::new())])
        }
        "remove" => {
            let ids = ids(st, def, req)?;
            st.remove(actor, path, &ids)?;
            Ok(vec![done(Vec::new())])
        }
        "enable" | "disable" => {
            let ids = ids(st, def, req)?;
            let v = if cmd == "disable" { "yes" } else { "no" };
            st.set(actor, path, &ids, &[("disabled".into(), v.into())])?;
            Ok(vec![done(Vec::new())])
        }
        "move" => {
            let ids = ids(st, def, req)?;
            let dest = match req.args.iter().find(|(k, _)| k == "destination") {
                Some((_, d)) => Some(st.resolve(path, d)?),
                None => None,
            };
            st.move_items(actor, path, &ids, dest)?;
            Ok(vec![done(Vec::new())])
        }
        "get" => {
            let item = if def.is_list() {
                let n = arg(req, "number").ok_or_else(|| {
                    ExecError::arg("missing value(s) of argument(s) number".into())
                })?;
                let id = st.resolve(path, &n)?;
                st.items(path).into_iter().find(|i| i.id == id)
            } else {
                st.items(path).into_iter().next()
            }
            .ok_or_else(ExecError::no_such_item)?;
            let name = arg(req, "value-name").unwrap_or_default();
            let props = st.api_props(def, &item);
            let v = props
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
                .ok_or_else(|| {
                    ExecError::arg("input does not match any value of value-name".into())
                })?;
            Ok(vec![done(vec![("ret".into(), v)])])
        }
        "check-for-updates" | "download" | "install" | "cancel" => {
            let snapshot = |st: &State| {
                st.items(path)
                    .into_iter()
                    .next()
                    .map(|item| sentence("!re", st.api_props(def, &item), &None))
                    .ok_or_else(ExecError::no_such_item)
            };
            let mut out = Vec::new();
            match cmd {
                // Like the terminal: one `!re` as the check starts and, without `once`, one
                // more with the verdict, then `!done` (INFERENCE, see FIDELITY.md).
                "check-for-updates" => {
                    let once = req.args.iter().any(|(k, _)| k == "once");
                    update::check(st, actor, true)?;
                    if !once {
                        out.push(snapshot(st)?);
                        update::check(st, actor, false)?;
                    }
                }
                "download" => update::download(st, actor)?,
                "install" => update::install(st, actor)?,
                _ => {}
            }
            if cmd != "cancel" {
                out.push(snapshot(st)?);
            }
            out.push(done(Vec::new()));
            Ok(out)
        }
        "comment" => {
            let ids = ids(st, def, req)?;
            let text = arg(req, "comment").unwrap_or_default();
            st.set(actor, path, &ids, &[("comment".into(), text)])?;
            Ok(vec![done(Vec::new())])
        }
        "reset-counters" => Ok(vec![done(Vec::new())]),
        "update" if path == super::device_mode::PATH => {
            let line = super::device_mode::update(st, actor, &props_only(req))?;
            Ok(vec![done(vec![("ret".into(), line.trim().to_string())])])
        }
        other => Err(ExecError::no_such_command(other)),
    }
}

fn arg(req: &Request, name: &str) -> Option<String> {
    req.args
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

fn print(
    st: &mut State,
    actor: &Actor,
    def: &MenuDef,
    req: &Request,
) -> Result<Vec<Vec<String>>, ExecError> {
    if !actor.may("read") {
        return Err(ExecError::permission());
    }
    let count_only = req.args.iter().any(|(k, _)| k == "count-only");
    let mut out = Vec::new();
    let mut count = 0;
    for item in st.items(def.path) {
        let props = st.api_props(def, &item);
        if !query::api_match(&req.query, &props)? {
            continue;
        }
        count += 1;
        if count_only {
            continue;
        }
        let props = match &req.proplist {
            Some(list) => props
                .into_iter()
                .filter(|(k, _)| list.contains(k))
                .collect(),
            None => props,
        };
        out.push(sentence("!re", props, &None));
    }
    if count_only {
        out.push(done(vec![("ret".into(), count.to_string())]));
    } else {
        // 7.18: "console - put !empty sentence when API query returns nothing" (changelog, via the
        // client libraries that had to learn it: go-routeros #29, tik4net #103).
        if out.is_empty() && st.ver.ge(7, 18) {
            out.push(vec!["!empty".to_string()]);
        }
        out.push(done(Vec::new()));
    }
    Ok(out)
}

fn password(st: &mut State, actor: &Actor, req: &Request) -> Result<(), ExecError> {
    let old = arg(req, "old-password").unwrap_or_default();
    let new = arg(req, "new-password").unwrap_or_default();
    if !st.password_matches(&actor.user, &old) {
        return Err(ExecError::failure("old password is not valid"));
    }
    st.set_password(&actor.user, &new)
}
