//! `/export`: the configuration as commands, only values that differ from a fresh router.

use super::log;
use super::menu::Item;
use super::schema::{Kind, MenuDef};
use super::state::State;

/// Export switches.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// One line per item, the menu path repeated, never wrapped.
    pub terse: bool,
    /// Every property of every item, defaults and factory items included.
    pub verbose: bool,
    /// Leave out the sensitive properties ([`SENSITIVE`]).
    pub hide_sensitive: bool,
    /// Terminal width: lines longer than it continue on the next with ` \` and four spaces
    /// ([`wrap`]); `None` writes every command on one line.
    pub width: Option<usize>,
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

/// Properties that `hide-sensitive` (v6) leaves out and that v7 leaves out unless `show-sensitive`
/// (the manual: "sensitive data such as passwords and keys"). User passwords are never exported
/// (their [`super::schema::Prop::secret`]); the SNMP community's passwords and the RoMON secrets are
/// the sensitive values of the menus the simulator exports (sim/FIDELITY.md: ASSUMPTION, not captured).
const SENSITIVE: &[(&str, &str)] = &[
    ("snmp/community", "authentication-password"),
    ("snmp/community", "encryption-password"),
    ("tool/romon", "secrets"),
];

/// Menus whose factory items an export names by their position (`/system logging action` /
/// `set 0 memory-lines=1000 ...` in a 6.49.2 verbose export, where `/user group` items are named
/// `set read ...`), not by their name.
const BY_POSITION: &[&str] = &["system/logging", "system/logging/action"];

/// Where the four-space continuation of a wrapped line starts.
const INDENT: &str = "    ";

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
                out.push_str(&format!("{menu} {}\n", l.text()));
            }
        } else {
            out.push_str(&menu);
            out.push('\n');
            for l in lines {
                match opts.width {
                    Some(w) => out.push_str(&wrap(&l, w)),
                    None => out.push_str(&l.text()),
                }
                out.push('\n');
            }
        }
    }
    out
}

/// One exported command: `add`, `set` or `set <selector>`, then its `key=value` arguments
/// (values already quoted).
struct Line {
    head: String,
    args: Vec<(&'static str, String)>,
}

impl Line {
    /// The command on one line.
    fn text(&self) -> String {
        let mut s = self.head.clone();
        for (k, v) in &self.args {
            s.push_str(&format!(" {k}={v}"));
        }
        s
    }
}

/// `line` broken the way RouterOS writes an export to a terminal `width` columns wide: a piece
/// (` key=` or a value) that would reach column `width - 1` starts a continuation line, the line
/// before it ending in ` \` (between arguments) or `\` (between `key=` and its value), the
/// continuation indented by four spaces. Measured on the v6 exports of the corpus and public
/// exports at 80 columns (`... interface=\` / `    ether1`, where the unwrapped line would be 79
/// characters long); a value too long for a fresh line is written whole (sim/FIDELITY.md,
/// Export).
fn wrap(line: &Line, width: usize) -> String {
    let limit = width.saturating_sub(1);
    let mut out = line.head.clone();
    let mut col = out.chars().count();
    for (k, v) in &line.args {
        let key = k.chars().count() + 1;
        if col + 1 + key >= limit && col > INDENT.len() {
            out.push_str(" \\\n");
            out.push_str(INDENT);
            col = INDENT.len();
        } else {
            out.push(' ');
            col += 1;
        }
        out.push_str(k);
        out.push('=');
        col += key;
        let len = v.chars().count();
        if col + len >= limit && col > INDENT.len() + key {
            out.push_str("\\\n");
            out.push_str(INDENT);
            col = INDENT.len();
        }
        out.push_str(v);
        col += len;
    }
    out
}

fn menu_lines(st: &State, def: &MenuDef, opts: Options) -> Vec<Line> {
    let factory = st
        .factory
        .get(super::state::storage(def.path))
        .cloned()
        .unwrap_or_default();
    // Internal order (not the 7.16 `/ip service` print order by port); a position counts it.
    let items = st.items(def.path);
    let fixed = matches!(def.kind, Kind::List { add: false, .. });
    let mut lines = Vec::new();
    for (position, item) in items.iter().enumerate() {
        // Dynamic items (link-local addresses, dynamic list entries) are the router's own.
        if def.is_list() && item.is("dynamic") {
            continue;
        }
        let base = factory
            .by_id(item.id)
            .filter(|_| !USER_ITEMS.contains(&def.path));
        let args = changed_props(def, item, base, opts);
        match (def.kind, base) {
            (Kind::Single, _) => {
                if !args.is_empty() {
                    lines.push(Line {
                        head: "set".into(),
                        args,
                    });
                }
            }
            (_, Some(b)) => {
                if !args.is_empty() {
                    lines.push(Line {
                        head: format!("set {}", selector(def, b, position)),
                        args,
                    });
                }
            }
            (_, None) => {
                if fixed {
                    continue;
                }
                lines.push(Line {
                    head: "add".into(),
                    args,
                });
            }
        }
    }
    lines
}

/// How an export names a factory item: `[ find default-name=ether1 ]` for interfaces,
/// the position for [`BY_POSITION`] menus, `[ find default=yes ]` for a menu's default item (the
/// SNMP community `public`, as a 6.49.2 verbose export names it), else the name (`telnet`), else
/// the `.id`.
fn selector(def: &MenuDef, base: &Item, position: usize) -> String {
    if def.path.starts_with("interface") {
        return format!(
            "[ find default-name={} ]",
            base.get("default-name").unwrap_or("")
        );
    }
    if BY_POSITION.contains(&def.path) {
        return position.to_string();
    }
    if def.prop("default").is_some() && base.is("default") {
        return "[ find default=yes ]".into();
    }
    match def.key.and_then(|k| base.get(k)) {
        Some(name) => quote(name),
        None => format!("*{:X}", base.id),
    }
}

/// The arguments an item exports, sorted by name as RouterOS writes them (`arp=enabled
/// arp-timeout=auto`): in `verbose` every settable property, else those that differ from the
/// factory item (or, for an added item, from the property's default).
fn changed_props(
    def: &MenuDef,
    item: &Item,
    base: Option<&Item>,
    opts: Options,
) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for p in &def.props {
        let sensitive = SENSITIVE.contains(&(def.path, p.name));
        if p.ro || p.secret || (opts.hide_sensitive && sensitive) {
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
        out.push((p.name, quote(v)));
    }
    out.sort_by(|a, b| a.0.cmp(b.0));
    out
}

/// Quotes a value when the command language needs it (the one quoting of [`routeros::quote`]).
pub use routeros::quote::value as quote;

#[cfg(test)]
mod tests {
    use super::*;

    /// `head` and `key=value` words (no spaces in values) as a [`Line`].
    fn line(head: &str, words: &str) -> Line {
        Line {
            head: head.into(),
            args: words
                .split(' ')
                .map(|w| {
                    let (k, v) = w.split_once('=').expect("key=value");
                    (&*k.to_string().leak(), v.to_string())
                })
                .collect(),
        }
    }

    /// Lines of a public 6.49.2 verbose export (GitHub, not in the corpus), read in a terminal of
    /// unknown width: the rule measured at 80 columns explains all its breaks, of both kinds, at
    /// one width.
    #[test]
    fn wide_terminal_breaks_where_a_6_49_2_export_does() {
        let cases = [
            (
                "set 6",
                "kind=pcq name=pcq-upload-default pcq-burst-rate=0 pcq-burst-threshold=0 pcq-burst-time=10s pcq-classifier=src-address pcq-dst-address-mask=32 pcq-dst-address6-mask=128 pcq-limit=50KiB pcq-rate=0 pcq-src-address-mask=32 pcq-src-address6-mask=128 pcq-total-limit=2000KiB",
                "set 6 kind=pcq name=pcq-upload-default pcq-burst-rate=0 pcq-burst-threshold=0 pcq-burst-time=10s pcq-classifier=src-address pcq-dst-address-mask=32 pcq-dst-address6-mask=128 pcq-limit=50KiB pcq-rate=0 pcq-src-address-mask=32 pcq-src-address6-mask=\\\n    128 pcq-total-limit=2000KiB",
            ),
            (
                "add",
                "admin-mac=48:8F:5A:76:1A:C4 ageing-time=5m arp=enabled arp-timeout=auto auto-mac=no comment=defconf dhcp-snooping=no disabled=no fast-forward=yes forward-delay=15s igmp-snooping=no max-message-age=20s mtu=auto name=bridge priority=0x8000 protocol-mode=rstp transmit-hold-count=6 vlan-filtering=no",
                "add admin-mac=48:8F:5A:76:1A:C4 ageing-time=5m arp=enabled arp-timeout=auto auto-mac=no comment=defconf dhcp-snooping=no disabled=no fast-forward=yes forward-delay=15s igmp-snooping=no max-message-age=20s mtu=auto name=bridge priority=0x8000 \\\n    protocol-mode=rstp transmit-hold-count=6 vlan-filtering=no",
            ),
            (
                "set [ find default-name=ether1 ]",
                "advertise=10M-half,10M-full,100M-half,100M-full arp=enabled arp-timeout=auto auto-negotiation=yes bandwidth=unlimited/unlimited disabled=no full-duplex=yes l2mtu=1598 loop-protect=default loop-protect-disable-time=5m loop-protect-send-interval=5s mac-address=08:55:31:18:B5:35 mtu=1500 name=ether1 orig-mac-address=08:55:31:18:B5:35 rx-flow-control=off speed=100Mbps tx-flow-control=off",
                "set [ find default-name=ether1 ] advertise=10M-half,10M-full,100M-half,100M-full arp=enabled arp-timeout=auto auto-negotiation=yes bandwidth=unlimited/unlimited disabled=no full-duplex=yes l2mtu=1598 loop-protect=default loop-protect-disable-time=5m \\\n    loop-protect-send-interval=5s mac-address=08:55:31:18:B5:35 mtu=1500 name=ether1 orig-mac-address=08:55:31:18:B5:35 rx-flow-control=off speed=100Mbps tx-flow-control=off",
            ),
        ];
        for (head, words, want) in &cases {
            assert_eq!(wrap(&line(head, words), 251), *want);
        }
        // 251 is the only width that gives all three: at 250 the ethernet line breaks earlier,
        // at 252 the queue type's `128` still fits.
        let (head, words, want) = cases[2];
        assert_ne!(wrap(&line(head, words), 250), want);
        let (head, words, want) = cases[0];
        assert_ne!(wrap(&line(head, words), 252), want);
    }
}
