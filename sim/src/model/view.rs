//! How the terminal shows a menu: tables, records, flags and legends, print order.

use routeros::print::{self, Style};

use super::defaults::{FILTER_PRINT_ORDER, Ver};
use super::menu::Item;
use super::schema::{MenuDef, PrintForm, Ty};
use super::state::State;

/// Items in print order (the 7.2x service layout sorts by port).
pub(crate) fn order(st: &State, def: &MenuDef) -> Vec<Item> {
    let mut items = st.items(def.path);
    if def.path == "ip/service" && st.ver.new_service_layout() {
        items.sort_by_key(|i| {
            i.get("port")
                .and_then(|p| p.parse::<u32>().ok())
                .unwrap_or(0)
        });
    }
    items
}

pub(super) fn filter_props(
    props: Vec<(String, String)>,
    proplist: Option<&str>,
) -> Vec<(String, String)> {
    match proplist {
        None => props,
        Some(list) => {
            let want: Vec<&str> = list.split(',').collect();
            props
                .into_iter()
                .filter(|(k, _)| want.contains(&k.as_str()))
                .collect()
        }
    }
}

/// The flag groups some item sets (each shown group is one flag position).
pub(super) fn used_groups<'a>(def: &MenuDef, items: impl IntoIterator<Item = &'a Item>) -> Vec<u8> {
    let items: Vec<&Item> = items.into_iter().collect();
    let mut groups: Vec<u8> = def
        .flags
        .iter()
        .filter(|f| items.iter().any(|i| i.is(f.prop)))
        .map(|f| f.group)
        .collect();
    groups.dedup();
    groups
}

/// Every flag group of a menu, one position each (v6 menus with [`MenuDef::v6_flag_positions`]).
pub(super) fn flag_positions(def: &MenuDef) -> Vec<u8> {
    let mut all: Vec<u8> = def.flags.iter().map(|f| f.group).collect();
    all.dedup();
    all
}

/// Flag letters by position: one position per shown flag group.
fn flags_of(def: &MenuDef, groups: &[u8], item: &Item) -> String {
    let mut s: String = groups
        .iter()
        .map(|g| {
            def.flags
                .iter()
                .filter(|f| f.group == *g)
                .find(|f| item.is(f.prop))
                .map_or(' ', |f| f.letter)
        })
        .collect();
    while s.ends_with(' ') {
        s.pop();
    }
    s
}

fn lower(word: &'static str) -> &'static str {
    match word {
        "DISABLED" => "disabled",
        "INVALID" => "invalid",
        "DYNAMIC" => "dynamic",
        "RUNNING" => "running",
        "SLAVE" => "slave",
        "DEFAULT" => "default",
        "RADIUS" => "radius",
        "AVAILABLE" => "available",
        "BY-ROMON" => "by-romon",
        "CONNECTION" => "connection",
        "GLOBAL" => "global",
        "LINK-LOCAL" => "link-local",
        "ACTIVE" => "active",
        "INACTIVE" => "inactive",
        "PUBLISHED" => "published",
        "COMPLETE" => "complete",
        "BUILTIN" => "builtin",
        "UNDOABLE" => "undoable",
        "REDOABLE" => "redoable",
        "FLOATING-UNDO" => "floating-undo",
        "PRIVATE-KEY" => "private-key",
        "AUTHORITY" => "authority",
        "TRUSTED" => "trusted",
        "" => "disabled",
        other => other,
    }
}

/// The legend of v6 tables and of `detail`/record prints (lower-case words).
pub(super) fn legend_lower(def: &MenuDef) -> Vec<(char, &'static str)> {
    def.flags
        .iter()
        .map(|f| (f.letter, lower(f.word)))
        .collect()
}

/// The v7 legend: only groups with a flag on some shown row; `X` without a word prints bare (7.9.2).
fn legend7(def: &MenuDef, flag_rows: &[String]) -> String {
    let used = |c: char| flag_rows.iter().any(|r| r.contains(c));
    let mut groups: Vec<u8> = def.flags.iter().map(|f| f.group).collect();
    groups.dedup();
    let parts: Vec<String> = groups
        .iter()
        .filter(|g| def.flags.iter().any(|f| f.group == **g && used(f.letter)))
        .map(|g| {
            def.flags
                .iter()
                .filter(|f| f.group == *g)
                .map(|f| {
                    if f.word.is_empty() {
                        f.letter.to_string()
                    } else {
                        format!("{} - {}", f.letter, f.word)
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("Flags: {}", parts.join("; "))
    }
}

/// The width a RouterOS 6 table declares for a column: the captured one (`Col::width6`), else,
/// for every column but the last, one by the kind of value (**ASSUMPTION**, from the captured
/// widths of the same kinds: a MAC address 17, a prefix 18, an IPv4 address 15, a number at least
/// 5, anything else its header plus one, at least 10). The last column is as wide as its value.
fn width6(def: &MenuDef, cols: &[&super::schema::Col], prop: &str) -> Option<usize> {
    let c = cols.iter().find(|c| c.prop == prop)?;
    if c.width6.is_some() {
        return c.width6;
    }
    if cols.last().is_some_and(|l| l.prop == prop) {
        return None;
    }
    let header = prop.chars().count();
    let ty = def.prop(prop).map(|p| &p.ty);
    Some(match (prop, ty) {
        ("mac-address", _) => 17,
        (_, Some(Ty::Prefix | Ty::Addrs)) => 18,
        ("address", _) => 15,
        (_, Some(Ty::Int { .. })) => header.max(5),
        _ => (header + 1).max(10),
    })
}

pub(super) fn table(
    def: &MenuDef,
    style: Style,
    rows: &[(usize, Item)],
    v: Ver,
    proplist: Option<&str>,
) -> print::Table {
    let cols: Vec<_> = def
        .columns
        .iter()
        .filter(|c| proplist.is_none_or(|p| p.split(',').any(|x| x == c.prop)))
        .filter(|c| {
            style == Style::V6
                || rows
                    .iter()
                    .any(|(_, i)| !i.get(c.prop).unwrap_or("").is_empty())
        })
        .collect();
    let groups = if style == Style::V6 && def.v6_flag_positions {
        flag_positions(def)
    } else {
        used_groups(def, rows.iter().map(|(_, i)| i))
    };
    let flag_rows: Vec<String> = rows
        .iter()
        .map(|(_, i)| flags_of(def, &groups, i))
        .collect();
    let columns = cols
        .iter()
        .map(|c| {
            let h = c.prop.to_uppercase();
            let col = if c.right {
                print::Column::right(h)
            } else {
                print::Column::left(h)
            };
            match (style, width6(def, &cols, c.prop)) {
                (Style::V6, Some(w)) => col.width(w),
                _ => col,
            }
        })
        .collect();
    let trows = rows
        .iter()
        .zip(&flag_rows)
        .map(|((n, i), flags)| print::Row {
            index: *n,
            flags: flags.clone(),
            comment: i.get("comment").map(str::to_string),
            cells: cols
                .iter()
                .map(|c| {
                    let shown = cli_unit(def.path, c.prop, i.get(c.prop).unwrap_or(""));
                    let v = shown.as_str();
                    let is_list = def.prop(c.prop).is_some_and(|p| p.ty == Ty::Addrs);
                    if is_list && v.contains(',') {
                        v.split(',').map(str::to_string).collect()
                    } else {
                        vec![v.to_string()]
                    }
                })
                .collect(),
        })
        .collect();
    let _ = v;
    let (legend, flags_width) = match style {
        Style::V7 => (Some(legend7(def, &flag_rows)), None),
        Style::V6 => (def.v6_legend.map(str::to_string), def.v6_flags_width),
    };
    print::Table {
        flags_legend: legend_lower(def),
        columns,
        rows: trows,
        legend,
        flags_width,
    }
}

/// A record for detail/terse/records print. `all`: every property; else only the ones set away
/// from their defaults (firewall print), in the firewall's print order.
pub(super) fn record(
    def: &MenuDef,
    groups: &[u8],
    n: usize,
    item: &Item,
    proplist: Option<&str>,
    all: bool,
) -> print::Record {
    let mut props = Vec::new();
    let names: Vec<&str> = if def.path == "ip/firewall/filter" && !all {
        FILTER_PRINT_ORDER.to_vec()
    } else {
        def.props.iter().map(|p| p.name).collect()
    };
    for name in names {
        let Some(p) = def.prop(name) else { continue };
        // A flag the router sets (dynamic, invalid) or `disabled` shows only as its letter; a
        // settable one (ARP `published`) is a property too [cli:ip_arp_print_terse_without-paging__1.raw].
        let status_flag = def.flags.iter().any(|f| f.prop == name) && (p.ro || name == "disabled");
        if p.secret || matches!(name, "comment" | "bytes" | "packets") || status_flag {
            continue;
        }
        if proplist.is_some_and(|l| !l.split(',').any(|x| x == name)) {
            continue;
        }
        let Some(v) = item.get(name) else { continue };
        if !all && p.ro {
            continue;
        }
        if !all
            && def.path == "ip/firewall/filter"
            && !matches!(name, "chain" | "action")
            && p.default == Some(v)
        {
            continue;
        }
        let value = match p.ty {
            Ty::Int { .. } => print::Value::Num(v.to_string()),
            Ty::Text => print::Value::Str(v.to_string()),
            _ => print::Value::Bare(v.to_string()),
        };
        props.push((name.to_string(), value));
    }
    print::Record {
        index: n,
        flags: flags_of(def, groups, item),
        comment: item.get("comment").map(str::to_string),
        props,
    }
}

pub(super) fn log_lines(rows: &[(usize, Item)]) -> String {
    rows.iter()
        .map(|(_, i)| {
            format!(
                "{} {} {}\n",
                i.get("time").unwrap_or(""),
                i.get("topics").unwrap_or(""),
                i.get("message").unwrap_or("")
            )
        })
        .collect()
}

/// `/system resource` values with the units the terminal shows.
pub(super) fn cli_unit(path: &str, prop: &str, v: &str) -> String {
    if path == "file" && prop == "size" {
        return super::files::size_shown(v);
    }
    if path != "system/resource" {
        return v.to_string();
    }
    match prop {
        "free-memory" | "total-memory" | "free-hdd-space" | "total-hdd-space" => {
            match v.parse::<u64>() {
                Ok(n) => format!("{:.1}MiB", n as f64 / 1_048_576.0),
                Err(_) => v.to_string(),
            }
        }
        "cpu-frequency" => format!("{v}MHz"),
        "cpu-load" => format!("{v}%"),
        _ => v.to_string(),
    }
}

/// One menu of a router's schema as the tools that walk every menu see it (`Router::menus`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuShape {
    /// The menu path with `/` separators and no leading slash: `ip/address`.
    pub path: String,
    /// A list of items (`false`: one settings object, printed as `key: value` lines).
    pub list: bool,
    /// `add` makes new items.
    pub add: bool,
    /// The plain `print` is the record form (`/ip firewall filter`), not a table.
    pub records: bool,
    /// The properties the terminal's `print detail` and the API show (no secrets).
    pub props: Vec<String>,
    /// The table's columns (their properties) and each one's declared RouterOS 6 width
    /// (`None`: a last column as wide as its value). A v6 `proplist` print declares the same
    /// widths for the columns it keeps.
    pub columns: Vec<(String, Option<usize>)>,
    /// A value for every property `add` needs and for the item's name, which `add` accepts on a
    /// fresh router.
    pub add_args: Vec<(String, String)>,
}

/// The shapes of every menu `st` has, in schema order.
pub(crate) fn shapes(st: &State) -> Vec<MenuShape> {
    st.defs
        .iter()
        .map(|def| {
            let add = matches!(def.kind, super::schema::Kind::List { add: true, .. });
            let add_args = if add {
                let mut names: Vec<&str> = super::state::required(def.path).to_vec();
                if let Some(key) = def.key.filter(|k| !names.contains(k)) {
                    names.push(key);
                }
                names
                    .iter()
                    .filter_map(|name| def.prop(name).filter(|p| !p.ro))
                    .map(|p| (p.name.to_string(), example(st, def.path, p)))
                    .collect()
            } else {
                Vec::new()
            };
            MenuShape {
                path: def.path.to_string(),
                list: def.is_list(),
                add,
                records: def.form == PrintForm::Records,
                props: def
                    .props
                    .iter()
                    .filter(|p| !p.secret)
                    .map(|p| p.name.to_string())
                    .collect(),
                columns: {
                    let cols: Vec<&super::schema::Col> = def.columns.iter().collect();
                    cols.iter()
                        .map(|c| (c.prop.to_string(), width6(def, &cols, c.prop)))
                        .collect()
                },
                add_args,
            }
        })
        .collect()
}

/// A value `prop` accepts: an existing item's name for a reference, a documentation address
/// for addresses, the lowest number, the first word.
fn example(st: &State, path: &str, prop: &super::schema::Prop) -> String {
    let v6 = path.starts_with("ipv6/");
    match &prop.ty {
        Ty::Addrs if v6 => "2001:db8::/64".into(),
        Ty::Prefix if v6 => "2001:db8::7/64".into(),
        Ty::Bool => "no".into(),
        Ty::Int { min, .. } => (*min).max(1).to_string(),
        Ty::Enum(words) => words.first().map_or_else(String::new, |w| w.to_string()),
        Ty::Addrs => "192.0.2.0/24".into(),
        Ty::Prefix => "192.0.2.7/24".into(),
        Ty::Policy => "read".into(),
        Ty::Ref(menu) => st
            .items(menu)
            .iter()
            .find_map(|i| i.get("name").map(str::to_string))
            .unwrap_or_default(),
        Ty::Text | Ty::Word => match prop.name {
            "gateway" | "host" | "address" if v6 => "2001:db8::9".into(),
            "gateway" | "host" | "address" => "192.0.2.9".into(),
            "target" => "192.0.2.0/24".into(),
            _ => "sample1".into(),
        },
    }
}
