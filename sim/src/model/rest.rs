//! The REST front end (`/rest/...`): JSON views of the same commands.

use serde_json::Value as Json;

use super::menu::{format_id, parse_id};
use super::schema::MenuDef;
use super::state::{Actor, State};
use super::{ErrKind, ExecError, query, update};
use crate::router::Session;

/// `{"detail":..,"error":N,"message":..}` with keys sorted (7.23 order).
pub fn error_body(status: u16, detail: Option<&str>) -> String {
    let message = match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        406 => "Not Acceptable",
        415 => "Unsupported Media Type",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        _ => "Error",
    };
    match detail {
        Some(d) => format!(
            "{{\"detail\":{},\"error\":{status},\"message\":\"{message}\"}}",
            json_str(d)
        ),
        None => format!("{{\"error\":{status},\"message\":\"{message}\"}}"),
    }
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// An object with keys sorted as RouterOS 7.23 sends them; every value a string.
pub fn object(props: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = props.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let fields: Vec<String> = sorted
        .iter()
        .map(|(k, v)| format!("{}:{}", json_str(k), json_str(v)))
        .collect();
    format!("{{{}}}", fields.join(","))
}

fn array(objects: &[Vec<(String, String)>]) -> String {
    let items: Vec<String> = objects.iter().map(|o| object(o)).collect();
    format!("[{}]", items.join(","))
}

type Reply = (u16, String);

/// Joins the words of a `.query` array (they may contain commas themselves).
const QUERY_SEP: &str = "\u{1f}";

fn bad(detail: &str) -> Reply {
    (400, error_body(400, Some(detail)))
}

fn not_found() -> Reply {
    (404, error_body(404, None))
}

fn exec_error(e: ExecError) -> Reply {
    match e.kind {
        ErrKind::Permission => (500, error_body(500, Some(&e.message))),
        _ => bad(&e.message),
    }
}

/// Handles one REST request.
pub fn handle(
    st: &mut State,
    s: &Session,
    method: &str,
    path: &str,
    query_str: &str,
    body: &[u8],
) -> Reply {
    let actor = Actor {
        user: s.user.clone(),
        policy: st.policy_of(&s.user),
    };
    if !actor.may("rest-api") {
        return (500, error_body(500, Some(&ExecError::permission().message)));
    }
    let segs: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    // The longest prefix that names a menu.
    let (menu_len, def) = match longest_menu(st, &segs) {
        Some(found) => found,
        None => {
            let first_unknown = first_unknown(st, &segs);
            return bad(&format!("no such command or directory ({first_unknown})"));
        }
    };
    let rest: Vec<&str> = segs[menu_len..].to_vec();
    if rest.len() > 1 {
        return bad(&format!("no such command or directory ({})", rest[0]));
    }
    let body = match parse_body(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let params = parse_query(query_str);
    // A verb whose command the menu lacks: 406 (manual: DELETE of an interface, `remove`).
    let verb_command = match method {
        "PUT" => Some("add"),
        "PATCH" => Some("set"),
        "DELETE" => Some("remove"),
        _ => None,
    };
    if let Some(c) = verb_command.filter(|c| !def.command_names().contains(c)) {
        let detail = format!("no such command or directory ({c})");
        return (406, error_body(406, Some(&detail)));
    }
    match (method, rest.first().copied()) {
        ("GET", None) => get_list(st, &actor, &def, &params),
        ("GET", Some(id)) if def.command_names().contains(&id) && parse_id(id).is_none() => {
            bad("no such command")
        }
        ("GET", Some(id)) => get_one(st, &def, id, &params),
        ("PATCH", Some(id)) => patch(st, s, &actor, &def, id, &body),
        ("PATCH", None) if !def.is_list() => match st.set(&actor, def.path, &[], &body) {
            Ok(()) => get_list(st, &actor, &def, &[]),
            Err(e) => exec_error(e),
        },
        ("PUT", None) => match st.add(&actor, def.path, &body) {
            Ok(id) => get_one(st, &def, &format_id(id), &[]),
            Err(e) => exec_error(e),
        },
        ("DELETE", Some(id)) => match st.resolve(def.path, id) {
            Ok(id) => match st.remove(&actor, def.path, &[id]) {
                Ok(()) => (204, String::new()),
                Err(e) => exec_error(e),
            },
            Err(_) => not_found(),
        },
        ("POST", Some(cmd)) => post(st, &actor, &def, cmd, &body),
        ("POST", None) => bad("no such command"),
        _ => bad("no such command"),
    }
}

/// The longest prefix of `segs` that names a menu, and how many segments it takes. One walk
/// down from the root that stops at the first prefix naming neither a menu nor a directory
/// (nothing deeper can name one), so a long path costs no more than the menus are deep.
fn longest_menu(st: &State, segs: &[&str]) -> Option<(usize, MenuDef)> {
    let mut prefix = String::new();
    let mut found = None;
    for (n, seg) in segs.iter().enumerate() {
        if n > 0 {
            prefix.push('/');
        }
        prefix.push_str(seg);
        match st.def(&prefix) {
            Some(def) => found = Some((n + 1, def.clone())),
            None if st.is_dir(&prefix) => {}
            None => break,
        }
    }
    found
}

fn first_unknown(st: &State, segs: &[&str]) -> String {
    let mut prefix = String::new();
    for (n, seg) in segs.iter().enumerate() {
        if n > 0 {
            prefix.push('/');
        }
        prefix.push_str(seg);
        if st.def(&prefix).is_none() && !st.is_dir(&prefix) {
            return seg.to_string();
        }
    }
    segs.last().map(|s| s.to_string()).unwrap_or_default()
}

/// The body as `(name, value)` pairs: a JSON object of strings (numbers and booleans are taken as text).
fn parse_body(body: &[u8]) -> Result<Vec<(String, String)>, Reply> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Vec::new());
    }
    let v: Json =
        serde_json::from_slice(body).map_err(|e| bad(&format!("JSON parse error: {e}")))?;
    let Json::Object(map) = v else {
        return Err(bad("JSON object expected"));
    };
    let mut out = Vec::new();
    for (k, v) in map {
        let text = match v {
            Json::String(s) => s,
            Json::Bool(b) => {
                if b {
                    "yes".into()
                } else {
                    "no".into()
                }
            }
            Json::Number(n) => n.to_string(),
            Json::Array(a) => a
                .iter()
                .map(|x| match x {
                    Json::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(if k == ".query" { QUERY_SEP } else { "," }),
            Json::Null => String::new(),
            Json::Object(_) => return Err(bad(&format!("invalid value for argument {k}"))),
        };
        out.push((k, text));
    }
    Ok(out)
}

fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
                continue;
            }
            (b'+', _) => out.push(b' '),
            (b, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn proplist(params: &[(String, String)]) -> Option<Vec<String>> {
    params.iter().find(|(k, _)| k == ".proplist").map(|(_, v)| {
        v.split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    })
}

/// `.proplist` keeps `.id` on 7.23 (the 7.1 manual example dropped it).
fn limit(
    props: Vec<(String, String)>,
    list: &Option<Vec<String>>,
    keep_id: bool,
) -> Vec<(String, String)> {
    match list {
        None => props,
        Some(l) => props
            .into_iter()
            .filter(|(k, _)| l.contains(k) || (keep_id && k == ".id"))
            .collect(),
    }
}

fn keeps_id(st: &State) -> bool {
    st.ver.ge(7, 2)
}

fn get_list(st: &State, actor: &Actor, def: &MenuDef, params: &[(String, String)]) -> Reply {
    if !actor.may("read") {
        return exec_error(ExecError::permission());
    }
    let list = proplist(params);
    let filters: Vec<&(String, String)> = params.iter().filter(|(k, _)| k != ".proplist").collect();
    let items = st.items(def.path);
    if !def.is_list() {
        let Some(item) = items.first() else {
            return (200, "[]".into());
        };
        let obj = limit(st.api_props(def, item), &list, false);
        // 7.1beta4 wrapped singletons in an array; 7.23 sends a bare object.
        return if st.ver.ge(7, 2) {
            (200, object(&obj))
        } else {
            (200, array(&[obj]))
        };
    }
    let mut out = Vec::new();
    for item in &items {
        let props = st.api_props(def, item);
        let ok = filters.iter().all(|(k, v)| {
            let have = props
                .iter()
                .find(|(p, _)| p == k)
                .map(|(_, x)| x.as_str())
                .unwrap_or("");
            super::query::compare(have, routeros::cli::CmpOp::Eq, v)
        });
        if ok {
            out.push(limit(props, &list, keeps_id(st)));
        }
    }
    (200, array(&out))
}

fn get_one(st: &State, def: &MenuDef, id: &str, params: &[(String, String)]) -> Reply {
    let Ok(id) = st.resolve(def.path, id) else {
        return not_found();
    };
    let Some(item) = st.items(def.path).into_iter().find(|i| i.id == id) else {
        return not_found();
    };
    (
        200,
        object(&limit(
            st.api_props(def, &item),
            &proplist(params),
            keeps_id(st),
        )),
    )
}

fn patch(
    st: &mut State,
    s: &Session,
    actor: &Actor,
    def: &MenuDef,
    id: &str,
    body: &[(String, String)],
) -> Reply {
    let Ok(id) = st.resolve(def.path, id) else {
        return not_found();
    };
    let own_user = def.path == "user"
        && st
            .items("user")
            .iter()
            .any(|u| u.id == id && u.get("name") == Some(s.user.as_str()));
    // A user cannot disable itself through REST: 200 and nothing changes (quickchr MANUAL §5).
    let disabling_self = own_user
        && body
            .iter()
            .any(|(k, v)| k == "disabled" && matches!(v.as_str(), "yes" | "true"));
    if !disabling_self && let Err(e) = st.set(actor, def.path, &[id], body) {
        return exec_error(e);
    }
    get_one(st, def, &format_id(id), &[])
}

fn post(
    st: &mut State,
    actor: &Actor,
    def: &MenuDef,
    cmd: &str,
    body: &[(String, String)],
) -> Reply {
    if !def.command_names().contains(&cmd) || cmd == "export" || cmd == "find" {
        return bad(&format!("no such command or directory ({cmd})"));
    }
    let path = def.path;
    let get = |k: &str| body.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let args: Vec<(String, String)> = body
        .iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                ".id" | "numbers" | ".proplist" | ".query" | "destination"
            )
        })
        .cloned()
        .collect();
    let result = match cmd {
        "print" => return post_print(st, actor, def, body),
        "add" => st
            .add(actor, path, &args)
            .map(|id| object(&[("ret".into(), format_id(id))])),
        "set" | "remove" | "enable" | "disable" | "move" => {
            let ids = match get("numbers").or_else(|| get(".id")) {
                Some(n) => numbers(st, def, &n),
                None if !def.is_list() => Vec::new(),
                None => return bad("missing value(s) of argument(s) numbers"),
            };
            let r = match cmd {
                "set" => st.set(actor, path, &ids, &args),
                "remove" => st.remove(actor, path, &ids),
                "enable" => st.set(actor, path, &ids, &[("disabled".into(), "no".into())]),
                "disable" => st.set(actor, path, &ids, &[("disabled".into(), "yes".into())]),
                _ => {
                    let dest =
                        get("destination").and_then(|d| numbers(st, def, &d).first().copied());
                    st.move_items(actor, path, &ids, dest)
                }
            };
            r.map(|()| "[]".to_string())
        }
        "check-for-updates" | "download" | "install" | "cancel" => {
            let snapshot = |st: &State| {
                st.items(path)
                    .into_iter()
                    .next()
                    .map(|i| st.api_props(def, &i))
                    .unwrap_or_default()
            };
            // The API's `!re` sentences as a list: the check as it starts and, without
            // `once`, its verdict (INFERENCE, see FIDELITY.md).
            let mut rows = Vec::new();
            let r = match cmd {
                "check-for-updates" => update::check(st, actor, true).and_then(|()| {
                    if get("once").is_some() {
                        return Ok(());
                    }
                    rows.push(snapshot(st));
                    update::check(st, actor, false)
                }),
                "download" => update::download(st, actor),
                "install" => update::install(st, actor),
                _ => Ok(()),
            };
            r.map(|()| {
                rows.push(snapshot(st));
                array(&rows)
            })
        }
        "get" => {
            let item = st
                .items(path)
                .into_iter()
                .find(|i| get("number").is_none_or(|n| st.resolve(path, &n).ok() == Some(i.id)));
            match item {
                Some(i) => {
                    let props = st.api_props(def, &i);
                    let name = get("value-name").unwrap_or_default();
                    match props.iter().find(|(k, _)| *k == name) {
                        Some((_, v)) => Ok(object(&[("ret".into(), v.clone())])),
                        None => Err(ExecError::arg(
                            "input does not match any value of value-name".into(),
                        )),
                    }
                }
                None => Err(ExecError::no_such_item()),
            }
        }
        "update" if path == super::device_mode::PATH => {
            super::device_mode::update(st, actor, &args)
                .map(|line| object(&[("ret".into(), line.trim().to_string())]))
        }
        _ => Ok("[]".to_string()),
    };
    match result {
        Ok(b) => (200, b),
        Err(e) => exec_error(e),
    }
}

/// REST action endpoints read `numbers` as positions or `.id`s; names match nothing (quickchr MANUAL).
fn numbers(st: &State, def: &MenuDef, text: &str) -> Vec<u32> {
    let order = st.items(def.path);
    text.split(',')
        .filter_map(|t| {
            if let Some(id) = parse_id(t) {
                order.iter().find(|i| i.id == id).map(|i| i.id)
            } else {
                t.parse::<usize>()
                    .ok()
                    .and_then(|n| order.get(n))
                    .map(|i| i.id)
            }
        })
        .collect()
}

fn post_print(st: &State, actor: &Actor, def: &MenuDef, body: &[(String, String)]) -> Reply {
    if !actor.may("read") {
        return exec_error(ExecError::permission());
    }
    let list = body.iter().find(|(k, _)| k == ".proplist").map(|(_, v)| {
        v.split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    });
    let query: Vec<String> = body
        .iter()
        .find(|(k, _)| k == ".query")
        .map(|(_, v)| {
            let sep = if v.contains(QUERY_SEP) {
                QUERY_SEP
            } else {
                ","
            };
            v.split(sep).map(str::to_string).collect()
        })
        .unwrap_or_default();
    let mut out = Vec::new();
    for item in st.items(def.path) {
        let props = st.api_props(def, &item);
        match query::api_match(&query, &props) {
            Ok(true) => out.push(limit(props, &list, keeps_id(st) && !query.is_empty())),
            Ok(false) => {}
            Err(e) => return exec_error(e),
        }
    }
    (200, array(&out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> State {
        let version = routeros::version::Version::parse("7.23.7")
            .unwrap_or_else(|_| unreachable!("constant version parses"));
        State::new(version, "CHR")
    }

    fn menu_of(st: &State, path: &str) -> Option<(usize, &'static str)> {
        let segs: Vec<&str> = path.split('/').collect();
        longest_menu(st, &segs).map(|(n, def)| (n, def.path))
    }

    #[test]
    fn the_longest_prefix_naming_a_menu_wins() {
        let st = state();
        assert_eq!(
            menu_of(&st, "ip/firewall/filter/*1"),
            Some((3, "ip/firewall/filter"))
        );
        assert_eq!(menu_of(&st, "interface/*1"), Some((1, "interface")));
        assert_eq!(menu_of(&st, "ip/service"), Some((2, "ip/service")));
        // A directory alone, or an unknown first segment, names no menu.
        assert_eq!(menu_of(&st, "ip"), None);
        assert_eq!(menu_of(&st, "nope/ip/service"), None);
    }

    #[test]
    fn a_long_path_stops_at_its_first_unknown_segment() {
        let st = state();
        let long = format!("ip/service{}", "/x".repeat(30_000));
        assert_eq!(menu_of(&st, &long), Some((2, "ip/service")));
        let segs: Vec<&str> = long.split('/').collect();
        assert_eq!(first_unknown(&st, &segs), "x");
    }
}
