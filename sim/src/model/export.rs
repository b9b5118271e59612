//! `/export`: the configuration as commands, only values that differ from a fresh router.

use super::log;
use super::menu::Item;
use super::schema::{Kind, MenuDef};
use super::state::State;

/// Export switches.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub terse: bool,
    pub verbose: bool,
    pub hide_sensitive: bool,
}

/// Menus in export order (RouterOS exports a menu's dependencies first).
const ORDER: &[&str] = &[
    "interface/ethernet",
    "user/group",
    "ip/address",
    "ip/cloud",
    "ip/dhcp-client",
    "ip/dns",
    "ip/dns/static",
    "ip/firewall/address-list",
    "ip/firewall/filter",
    "ip/neighbor/discovery-settings",
    "ip/proxy",
    "ip/service",
    "ip/settings",
    "ip/socks",
    "ip/ssh",
    "ip/upnp",
    "ipv6/address",
    "ipv6/firewall/address-list",
    "ipv6/firewall/filter",
    "ipv6/settings",
    "snmp",
    "snmp/community",
    "system/clock",
    "system/identity",
    "system/logging/action",
    "system/logging",
    "system/ntp/client",
    "system/package/update",
    "tool/bandwidth-server",
    "tool/mac-server",
    "tool/mac-server/mac-winbox",
    "tool/mac-server/ping",
    "tool/romon",
    "user/settings",
];

/// Factory items that export as `add` (the CHR's DHCP client is ordinary configuration).
const USER_ITEMS: &[&str] = &["ip/dhcp-client"];

const SENSITIVE: &[&str] = &["authentication-password", "encryption-password", "secrets"];

/// The export header, three lines on a CHR: the date line (`# 2025-07-21 17:14:33 by RouterOS
/// 7.17.1`; v6 and early v7: `# jul/21/2023 09:42:42 ...`), the licence line, then `#`.
///
/// The licence line is `# software id = …` up to 7.16 and `# system id = …` from 7.17 (FACTS
/// §5: a 6.48.6 and a 7.4 export, a 7.17.1 header). A CHR has no software id (its licence is
/// known by its system id), so before 7.17 the line ends in an empty value; it has no
/// RouterBOARD, so the `# model = …` / `# serial number = …` lines of a board's header are
/// absent (sim/FIDELITY.md: ASSUMPTION).
pub fn header(st: &State) -> String {
    let licence = if st.ver.ge(7, 17) {
        let id = st.single("system/license", "system-id").unwrap_or_default();
        format!("# system id = {id}")
    } else {
        let id = st
            .single("system/license", "software-id")
            .unwrap_or_default();
        format!("# software id = {id}")
    };
    format!(
        "# {} by RouterOS {}\n{licence}\n#\n",
        log::full_date(st.ver, st.now()),
        st.version
    )
}

/// `/export` of `path` (empty = everything).
pub fn export(st: &State, path: &str, opts: Options) -> String {
    let mut out = header(st);
    for p in ORDER
        .iter()
        .filter(|p| path.is_empty() || **p == path || p.starts_with(&format!("{path}/")))
    {
        let Some(def) = st.def(p) else { continue };
        let lines = menu_lines(st, def, opts);
        if lines.is_empty() {
            continue;
        }
        let menu = format!("/{}", p.replace('/', " "));
        if opts.terse {
            for l in lines {
                out.push_str(&format!("{menu} {l}\n"));
            }
        } else {
            out.push_str(&menu);
            out.push('\n');
            for l in lines {
                out.push_str(&l);
                out.push('\n');
            }
        }
    }
    out
}

fn menu_lines(st: &State, def: &MenuDef, opts: Options) -> Vec<String> {
    let factory = st
        .factory
        .get(super::state::storage(def.path))
        .cloned()
        .unwrap_or_default();
    let items = st.items(def.path);
    let fixed = matches!(def.kind, Kind::List { add: false, .. });
    let mut lines = Vec::new();
    for item in &items {
        // Dynamic items (link-local addresses, dynamic list entries) are the router's own.
        if def.is_list() && item.is("dynamic") {
            continue;
        }
        let base = factory
            .by_id(item.id)
            .filter(|_| !USER_ITEMS.contains(&def.path));
        let changed = changed_props(def, item, base, opts);
        match (def.kind, base) {
            (Kind::Single, _) => {
                if !changed.is_empty() {
                    lines.push(format!("set {}", changed.join(" ")));
                }
            }
            (_, Some(b)) => {
                if !changed.is_empty() {
                    lines.push(format!("set {} {}", selector(def, b), changed.join(" ")));
                }
            }
            (_, None) => {
                if fixed {
                    continue;
                }
                lines.push(format!("add {}", changed.join(" ")).trim_end().to_string());
            }
        }
    }
    lines
}

/// `telnet` for named fixed items, `[ find default-name=ether1 ]` for interfaces.
fn selector(def: &MenuDef, base: &Item) -> String {
    if def.path.starts_with("interface") {
        return format!(
            "[ find default-name={} ]",
            base.get("default-name").unwrap_or("")
        );
    }
    match def.key.and_then(|k| base.get(k)) {
        Some(name) => quote(name),
        None => format!("*{:X}", base.id),
    }
}

fn changed_props(def: &MenuDef, item: &Item, base: Option<&Item>, opts: Options) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in &def.props {
        if p.ro || p.secret || (opts.hide_sensitive && SENSITIVE.contains(&p.name)) {
            continue;
        }
        let Some(v) = item.get(p.name) else { continue };
        let default = match base {
            Some(b) => b.get(p.name),
            None => p.default,
        };
        let always =
            matches!(def.path, "ip/firewall/filter" | "ipv6/firewall/filter") && p.name == "action";
        if !opts.verbose && !always && default == Some(v) {
            continue;
        }
        out.push(format!("{}={}", p.name, quote(v)));
    }
    out.sort();
    out
}

/// Quotes a value when the command language needs it (the one quoting of [`routeros::quote`]).
pub use routeros::quote::value as quote;
