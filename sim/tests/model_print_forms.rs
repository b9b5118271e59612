// Every print form on every menu of the schema, on a v6 and a v7 router: `print`, `detail`,
// `terse`, `as-value` (alone and under `:put`), `count-only`, `where`, `proplist`,
// `without-paging`, `brief`, and the settings menus' `key: value` form; the same items over the
// binary API (`print`, `.proplist`). The menus come from `Router::menus`, so a new menu is walked
// without a new line here. Layout rules: sim/FIDELITY.md, "Print forms".

mod model_support;

use chrlab_sim::router::{MenuShape, Router, Session, Terminal, Via};
use model_support::{router, term};

const VERSIONS: &[&str] = &["6.49.13", "7.23.2"];

/// The menu as the terminal spells it from the root: `/ip address`.
fn cli(m: &MenuShape) -> String {
    format!("/{}", m.path.replace('/', " "))
}

/// The menu as the API spells it: `/ip/address`.
fn api_path(m: &MenuShape) -> String {
    format!("/{}", m.path)
}

/// Texts RouterOS prints for a command or argument a menu does not have.
fn refused(out: &str) -> bool {
    [
        "bad command name",
        "expected end of command",
        "syntax error",
    ]
    .iter()
    .any(|w| out.contains(w))
        || [
            "no such",
            "failure:",
            "invalid value",
            "input does not match",
            "not enough permissions",
        ]
        .iter()
        .any(|w| out.starts_with(w))
}

/// The API session of a walk, logged in before it (`/user active` counts it).
fn api_session(r: &Router) -> Session {
    r.login("admin", "", Via::Api, "127.0.0.1".parse().ok())
        .expect("api login")
}

/// `GET /rest/<menu>?<query>` on a v7 router: status 200 and the JSON body.
fn rest_get(r: &Router, s: &Session, m: &MenuShape, query: &str) -> serde_json::Value {
    let reply = r.rest(s, "GET", &api_path(m), query, b"");
    assert_eq!(
        reply.status,
        200,
        "GET /rest{}?{query}: {}",
        api_path(m),
        reply.body
    );
    serde_json::from_str(&reply.body).expect("REST answers JSON")
}

/// The `!re` sentences of an API `print` as key/value pairs.
fn api_print(r: &Router, s: &Session, m: &MenuShape, extra: &[&str]) -> Vec<Vec<(String, String)>> {
    let mut sentence = vec![format!("{}/print", api_path(m))];
    sentence.extend(extra.iter().map(|w| w.to_string()));
    let reply = r.api(s, &sentence);
    let done = reply.last().expect("a reply");
    assert_eq!(done[0], "!done", "{}: api print: {reply:?}", m.path);
    reply
        .iter()
        .filter(|s| s[0] == "!re")
        .map(|s| {
            s[1..]
                .iter()
                .filter_map(|w| w.strip_prefix('=')?.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Runs `line`, asserting RouterOS accepted it.
#[track_caller]
fn run(t: &mut Terminal, ver: &str, line: &str) -> String {
    let out = t.execute(line);
    assert!(!refused(&out), "{ver}: {line}\n{out}");
    out
}

/// The menus to walk, each with one item added where the menu allows `add`.
fn prepared(r: &Router, t: &mut Terminal, ver: &str) -> Vec<MenuShape> {
    let menus = r.menus();
    assert!(menus.len() > 30, "{ver}: only {} menus", menus.len());
    for m in menus.iter().filter(|m| m.add) {
        let args: Vec<String> = m
            .add_args
            .iter()
            .map(|(k, v)| format!("{k}=\"{v}\""))
            .collect();
        let line = format!("{} add {}", cli(m), args.join(" "));
        let out = t.execute(&line);
        assert_eq!(out, "", "{ver}: {line}");
    }
    menus
}

#[test]
fn every_list_menu_answers_every_print_form() {
    for ver in VERSIONS {
        let r = router(ver);
        let mut t = term(&r);
        let api = api_session(&r);
        let rest = r
            .login("admin", "", Via::RestApi, "127.0.0.1".parse().ok())
            .expect("rest login");
        let v7 = ver.starts_with('7');
        for m in prepared(&r, &mut t, ver).iter().filter(|m| m.list) {
            let p = cli(m);
            let items = api_print(&r, &api, m, &[]);
            let n = items.len();
            if m.add {
                assert!(n >= 1, "{ver}: {p}: the added item is missing");
            }

            // count-only is the number of items.
            let out = run(&mut t, ver, &format!("{p} print count-only"));
            assert_eq!(out, format!("{n}\n"), "{ver}: {p} print count-only");
            let out = run(&mut t, ver, &format!(":put [{p} print count-only]"));
            assert_eq!(out, format!("{n}\n"), "{ver}: :put [{p} print count-only]");

            // print, without-paging, brief: the same table.
            let table = run(&mut t, ver, &format!("{p} print"));
            let paged = run(&mut t, ver, &format!("{p} print without-paging"));
            assert_eq!(table, paged, "{ver}: {p} print without-paging");
            let brief = run(&mut t, ver, &format!("{p} print brief"));
            assert_eq!(table, brief, "{ver}: {p} print brief");
            if n == 0 && v7 {
                assert_eq!(table, "", "{ver}: an empty v7 print prints nothing");
            }
            if n > 0 && !m.records && m.path != "log" {
                check_table(ver, m, &table, n);
            }

            // value-list: one `key: values` line per property.
            let vl = run(&mut t, ver, &format!("{p} print value-list"));
            if n > 0 {
                assert!(!vl.is_empty(), "{ver}: {p} print value-list");
                for l in vl.lines() {
                    assert!(l.contains(':'), "{ver}: {p} print value-list: {l:?}");
                }
            }

            // detail: numbered records, each followed by an empty line but the last.
            let detail = run(&mut t, ver, &format!("{p} print detail"));
            check_detail(ver, &p, &detail, n);
            let wp = run(&mut t, ver, &format!("{p} print detail without-paging"));
            assert_eq!(detail, wp, "{ver}: {p} print detail without-paging");

            // terse: one numbered line per item.
            let terse = run(&mut t, ver, &format!("{p} print terse"));
            let lines: Vec<&str> = terse.lines().collect();
            assert_eq!(lines.len(), n, "{ver}: {p} print terse\n{terse}");
            for (i, l) in lines.iter().enumerate() {
                assert!(
                    l.trim_start().starts_with(&i.to_string()),
                    "{ver}: {p} print terse line {i}: {l:?}"
                );
                assert!(!l.contains('"'), "{ver}: terse quotes nothing: {l:?}");
            }

            // as-value: nothing at the terminal; the array under :put.
            let out = run(&mut t, ver, &format!("{p} print as-value"));
            assert_eq!(out, "", "{ver}: {p} print as-value prints nothing");
            let out = run(&mut t, ver, &format!(":put [{p} print as-value]"));
            assert_eq!(
                out.matches(".id=*").count(),
                n,
                "{ver}: :put [{p} print as-value]\n{out}"
            );
            if n > 0 {
                assert!(!out.ends_with(";\n"), "{ver}: {out:?}");
            }

            // where: an item's own value selects it, a value no item has selects none.
            if let Some((k, v)) = items.first().and_then(|i| {
                i.iter()
                    .find(|(k, v)| k != ".id" && !v.is_empty() && !v.contains('"'))
            }) {
                let same = items
                    .iter()
                    .filter(|i| i.iter().any(|(k2, v2)| k2 == k && v2 == v))
                    .count();
                let line = format!("{p} print count-only where {k}=\"{v}\"");
                let out = run(&mut t, ver, &line);
                let got: usize = out.trim().parse().unwrap_or(usize::MAX);
                // Booleans read back from the API as true/false, the terminal compares yes/no.
                if v != "true" && v != "false" {
                    assert_eq!(got, same, "{ver}: {line}");
                }
                let line = format!("{p} print count-only where {k}=\"no-such-value-42\"");
                assert_eq!(run(&mut t, ver, &line), "0\n", "{ver}: {line}");
                let line = format!("{p} print terse where {k}=\"no-such-value-42\"");
                assert_eq!(run(&mut t, ver, &line), "", "{ver}: {line}");
            }

            // proplist: only the named properties (the first two a menu has, or its only one).
            let named: Vec<&str> = m
                .props
                .iter()
                .map(String::as_str)
                .filter(|p| *p != "comment")
                .take(2)
                .collect();
            if !named.is_empty() {
                let list = named.join(",");
                let wanted = |k: &str| named.contains(&k);
                let line = format!("{p} print detail proplist={list}");
                let out = run(&mut t, ver, &line);
                for l in out.lines().filter(|l| l.contains('=')) {
                    let keys = l
                        .split(' ')
                        .filter_map(|w| w.split_once('='))
                        .map(|(k, _)| k);
                    for k in keys {
                        assert!(wanted(k), "{ver}: {line}: {l:?}");
                    }
                }
                let line = format!("{p} print proplist={list}");
                let out = run(&mut t, ver, &line);
                if let Some(h) = out.lines().find(|l| l.trim_start().starts_with('#')) {
                    for word in h.split_whitespace().skip(1) {
                        assert!(
                            wanted(&word.to_lowercase()),
                            "{ver}: {line}: column {word}\n{out}"
                        );
                    }
                }
                if v7 {
                    // The same items over REST, and `.proplist` keeps `.id` besides the names.
                    let all = rest_get(&r, &rest, m, "");
                    assert_eq!(all.as_array().map(Vec::len), Some(n), "{ver}: GET {p}");
                    let some = rest_get(&r, &rest, m, &format!(".proplist={list}"));
                    for o in some.as_array().expect("an array") {
                        let keys: Vec<&String> = o.as_object().expect("objects").keys().collect();
                        assert!(
                            keys.iter().all(|k| wanted(k) || *k == ".id"),
                            "{ver}: GET {p}?.proplist={list}: {o}"
                        );
                    }
                }
                let api = api_print(&r, &api, m, &[&format!("=.proplist={list}")]);
                assert_eq!(api.len(), n, "{ver}: {p} api .proplist");
                for i in &api {
                    assert!(
                        i.iter().all(|(k, _)| wanted(k)),
                        "{ver}: {p} .proplist={list}: {i:?}"
                    );
                }
            }
        }
    }
}

/// A table's shape: v7 `Columns:` line and `#` header; v6 `#` header with every declared column
/// width kept (headers padded to it, even when the values are shorter).
#[track_caller]
fn check_table(ver: &str, m: &MenuShape, table: &str, n: usize) {
    let p = cli(m);
    let header = table
        .lines()
        .find(|l| l.trim_start().starts_with('#'))
        .unwrap_or_else(|| panic!("{ver}: {p} print has no header\n{table}"));
    if ver.starts_with('7') {
        assert!(
            table.lines().any(|l| l.starts_with("Columns: ")) || m.columns.is_empty(),
            "{ver}: {p} print\n{table}"
        );
        return;
    }
    assert!(header.starts_with(" #"), "{ver}: {p}: {header:?}");
    assert!(!table.contains("Columns:"), "{ver}: {p}\n{table}");
    let rows = table
        .lines()
        .filter(|l| {
            l.trim_start()
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
        })
        .count();
    assert!(rows >= n, "{ver}: {p}: {rows} rows for {n} items\n{table}");
    let last = m.columns.len().saturating_sub(1);
    // Every row keeps the columns before the last one at their declared widths, even where its
    // values are shorter or empty: the last column starts where its header does.
    if let Some((prop, _)) = m.columns.get(last).filter(|_| last > 0) {
        let start = header
            .find(&format!(" {}", prop.to_uppercase()))
            .unwrap_or_else(|| panic!("{ver}: {p}: {header:?}"))
            + 1;
        for l in table.lines().skip_while(|l| *l != header).skip(1) {
            if !l.contains(";;;") {
                assert!(
                    l.chars().count() >= start,
                    "{ver}: {p}: a row shorter than the declared widths: {l:?}\n{table}"
                );
            }
        }
    }
    for (i, (prop, width)) in m.columns.iter().enumerate() {
        let h = prop.to_uppercase();
        match width {
            Some(w) if i < last => {
                let left = format!("{h:<w$} ");
                let right = format!(" {h:>w$}");
                assert!(
                    header.contains(&left) || header.contains(&right),
                    "{ver}: {p}: column {h} keeps its declared width {w}: {header:?}"
                );
            }
            _ => assert!(header.contains(&h), "{ver}: {p}: {header:?}"),
        }
    }
}

#[track_caller]
fn check_detail(ver: &str, p: &str, detail: &str, n: usize) {
    let body: Vec<&str> = detail
        .lines()
        .skip_while(|l| l.starts_with("Flags:") || l.starts_with("  ") && l.contains(" - "))
        .collect();
    let starts = body
        .iter()
        .filter(|l| {
            let t = l.trim_start();
            t.chars().next().is_some_and(|c| c.is_ascii_digit()) && l.len() - t.len() <= 3
        })
        .count();
    assert_eq!(
        starts, n,
        "{ver}: {p} print detail: numbered records\n{detail}"
    );
    let blanks = body.iter().filter(|l| l.is_empty()).count();
    assert_eq!(
        blanks,
        n.saturating_sub(1),
        "{ver}: {p} print detail: an empty line after each record but the last\n{detail}"
    );
}

#[test]
fn every_settings_menu_prints_key_value_lines() {
    for ver in VERSIONS {
        let r = router(ver);
        let mut t = term(&r);
        let api = api_session(&r);
        for m in prepared(&r, &mut t, ver).iter().filter(|m| !m.list) {
            let p = cli(m);
            let out = run(&mut t, ver, &format!("{p} print"));
            for l in out.lines() {
                assert!(l.contains(": "), "{ver}: {p} print: {l:?}");
            }
            let wp = run(&mut t, ver, &format!("{p} print without-paging"));
            assert_eq!(out, wp, "{ver}: {p} print without-paging");
            let vl = run(&mut t, ver, &format!("{p} print value-list"));
            assert_eq!(out, vl, "{ver}: {p} print value-list");
            assert_eq!(
                run(&mut t, ver, &format!("{p} print as-value")),
                "",
                "{ver}: {p} print as-value prints nothing"
            );
            let put = run(&mut t, ver, &format!(":put [{p} print as-value]"));
            let keys = out.lines().count();
            if keys > 0 {
                let first = out.lines().next().unwrap().trim_start();
                let key = first.split(": ").next().unwrap();
                assert!(put.contains(&format!("{key}=")), "{ver}: {p}: {put}");
                let one = run(&mut t, ver, &format!("{p} print proplist={key}"));
                assert_eq!(
                    one.lines().count(),
                    1,
                    "{ver}: {p} print proplist={key}\n{one}"
                );
            }
            let api = api_print(&r, &api, m, &[]);
            assert_eq!(api.len(), 1, "{ver}: {p}: one settings object over the API");
            if ver.starts_with('7') {
                let rest = r
                    .login("admin", "", Via::RestApi, "127.0.0.1".parse().ok())
                    .expect("rest login");
                let body = rest_get(&r, &rest, m, "");
                assert!(body.is_object(), "{ver}: GET {p}: one object: {body}");
            }
        }
    }
}

#[test]
fn log_prints_detail_terse_and_where() {
    for ver in VERSIONS {
        let r = router(ver);
        let mut t = term(&r);
        // A failed login writes `system,error,critical` lines.
        let _ = r.login(
            "print-forms-probe",
            "x",
            Via::Telnet,
            "192.0.2.66".parse().ok(),
        );
        let all = run(&mut t, ver, "/log print");
        let n = all.lines().count();
        assert!(n >= 1, "{ver}: /log print\n{all}");
        assert!(all.contains("print-forms-probe"), "{ver}\n{all}");
        let detail = run(&mut t, ver, "/log print detail");
        check_detail(ver, "/log", &detail, n);
        assert!(detail.contains("print-forms-probe"), "{ver}\n{detail}");
        let terse = run(&mut t, ver, "/log print terse");
        assert_eq!(terse.lines().count(), n, "{ver}\n{terse}");
        let script = run(&mut t, ver, "/log print where topics~\"critical\"");
        assert!(script.contains("print-forms-probe"), "{ver}\n{script}");
        assert!(
            script.lines().all(|l| l.contains("critical")),
            "{ver}\n{script}"
        );
        let none = run(&mut t, ver, "/log print where topics~\"no-such-topic\"");
        assert_eq!(none, "", "{ver}");
        let count = run(&mut t, ver, "/log print count-only");
        assert_eq!(count, format!("{n}\n"), "{ver}");
    }
}

#[test]
fn v6_interface_flags_keep_their_positions_in_every_form() {
    // [capture] cli/ansible/facts/interface_print_detail_without-paging.raw (6.42.5 x86, 80
    // columns): the legend and a running ether1's first detail line, three flag positions with
    // `R` in the second. The second line differs (the capture's MAC and link times).
    let capture =
        testsupport::corpus::text("cli/ansible/facts/interface_print_detail_without-paging.raw");
    let head: Vec<&str> = capture.lines().take(2).collect();
    let r = router("6.42.5");
    let mut t = term(&r);
    let detail = run(&mut t, "6.42.5", "/interface print detail");
    let got: Vec<&str> = detail.lines().take(2).collect();
    assert_eq!(got, head, "/interface print detail\n{detail}");
    // The same positions in terse and in the table (interface_print_terse_without-paging__2.raw,
    // interface_print_brief__1.raw).
    let terse = run(&mut t, "6.42.5", "/interface print terse");
    assert!(terse.starts_with(" 0  R  name=ether1 "), "{terse}");
    let table = run(&mut t, "6.42.5", "/interface print");
    assert!(table.contains("\n 0  R  ether1    "), "{table}");
}

#[test]
fn v7_interface_x_and_r_share_a_flag_position() {
    // [capture] cli/interface_print_detail__2.raw: `Flags: D - dynamic; X - disabled, R - running;
    // S - slave; P - passthrough` (the simulator has no passthrough flag), and a disabled
    // interface shows `X` alone (` 2  X   ;;; Spare Optic`).
    let capture = testsupport::corpus::text("cli/interface_print_detail__2.raw");
    let legend = capture.lines().next().expect("a legend");
    let want = legend
        .strip_suffix("; P - passthrough")
        .expect("the capture's legend");
    let r = router("7.23.2");
    let mut t = term(&r);
    run(&mut t, "7.23.2", "/interface disable ether1");
    let detail = run(&mut t, "7.23.2", "/interface print detail");
    assert_eq!(detail.lines().next(), Some(want), "{detail}");
    assert!(detail.contains("\n 0 X name=\"ether1\""), "{detail}");
    let table = run(&mut t, "7.23.2", "/interface print");
    assert!(
        table.starts_with("Flags: X - DISABLED, R - RUNNING\n"),
        "{table}"
    );
    assert!(table.contains("\n0 X ether1"), "{table}");
}
