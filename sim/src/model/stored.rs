//! Menus a fresh CHR has that the simulator stores and prints but does not act on: NAT, mangle
//! and raw rules, routes, pools, DHCP servers, schedulers, scripts, bridges, VLANs, queues and
//! the like. Their schemas and factory items follow the manual where no capture exists; every
//! such value is listed in sim/FIDELITY.md ("Stored-only menus").
//!
//! Commands RouterOS has in these menus but the simulator does not carry out (`/tool sniffer
//! start`, `/system script run`, `/certificate sign`, ...) are not in the menus' command lists,
//! so they answer `bad command name` (FIDELITY.md names them).

use super::defaults::{
    BOOL, FIXED, LIST, TEXT, Ver, WORD, base, col, col6, comment, disabled, filter, flag, rcol,
    single,
};
use super::menu::Item;
use super::schema::{Kind, MenuDef, PrintForm, Prop, Ty};

/// The stored-only menus of this version.
pub fn menus(v: Ver) -> Vec<MenuDef> {
    let mut m = vec![
        rule_menu("ip/firewall/nat", "nat rule", NAT_EXTRA),
        rule_menu("ip/firewall/mangle", "mangle rule", MANGLE_EXTRA),
        rule_menu("ip/firewall/raw", "raw rule", &[]),
        connection_tracking(v),
        service_port(),
        layer7(),
        route("ip/route", v),
        arp(),
        pool(),
        dhcp_server(v),
        dhcp_server_lease(),
        dhcp_server_network(),
        dns_cache(),
        scheduler(),
        script(),
        note(),
        history(),
        health(v),
        file(v),
        interface_list(),
        interface_list_member(),
        bridge(),
        vlan(),
        certificate(),
        queue_simple(),
        netwatch(v),
        sniffer(),
        graphing(),
        graphing_list("tool/graphing/interface", "interface"),
        graphing_list("tool/graphing/resource", ""),
        ssh_keys(),
    ];
    if v.v7() {
        m.extend([
            route("ipv6/route", v),
            nd(),
            routing_table(),
            routing_rule(),
            routing_filter_rule(),
            disk(),
        ]);
    }
    m
}

/// Factory items of the stored-only menus that are not empty on a fresh router.
pub fn factory_items(v: Ver) -> Vec<(&'static str, Vec<Item>)> {
    let mut out = vec![
        ("ip/firewall/service-port", service_port_items(v)),
        ("interface/list", interface_list_items(v)),
    ];
    if v.v7() {
        out.push(("ipv6/nd", vec![nd_default()]));
        out.push((
            "routing/table",
            vec![Item::new(
                0,
                &[
                    ("name", "main"),
                    ("fib", "yes"),
                    ("dynamic", "yes"),
                    ("disabled", "no"),
                    ("invalid", "no"),
                ],
            )],
        ));
    }
    out
}

/// The properties every menu of this module requires on `add` (RouterOS's
/// `missing value(s) of argument(s)`).
pub fn required(path: &str) -> &'static [&'static str] {
    match path {
        "ip/firewall/nat" | "ip/firewall/mangle" | "ip/firewall/raw" | "routing/filter/rule" => {
            &["chain"]
        }
        "ip/firewall/layer7-protocol" | "ip/pool" | "interface/bridge" | "routing/table" => {
            &["name"]
        }
        "ip/route" | "ipv6/route" => &["gateway"],
        "ip/arp" => &["address", "interface"],
        "ip/dhcp-server" => &["interface"],
        "ip/dhcp-server/lease" => &["address"],
        "ip/dhcp-server/network" => &["address"],
        "system/scheduler" | "system/script" | "certificate" => &["name"],
        "interface/list/member" => &["list", "interface"],
        "interface/vlan" => &["name", "vlan-id", "interface"],
        "queue/simple" => &["target"],
        "tool/netwatch" => &["host"],
        _ => &[],
    }
}

/// Why a factory item of these menus cannot be removed, if it is one.
pub fn refuse_remove(path: &str, item: &Item) -> Option<&'static str> {
    match path {
        "interface/list" if item.is("builtin") => Some("can not remove builtin list"),
        "ipv6/nd" if item.is("default") => Some("can not remove default item"),
        "routing/table" if item.is("dynamic") => Some("can not remove dynamic"),
        _ => None,
    }
}

const NAT_EXTRA: &[&str] = &["to-addresses", "to-ports"];
const MANGLE_EXTRA: &[&str] = &[
    "new-connection-mark",
    "new-packet-mark",
    "new-routing-mark",
    "passthrough",
];

/// NAT, mangle and raw rules: the filter rule's properties and print form, plus the
/// action arguments of the table (the manual's "NAT", "Mangle", "Raw").
fn rule_menu(path: &'static str, noun: &'static str, extra: &[&'static str]) -> MenuDef {
    let mut d = MenuDef {
        path,
        noun,
        ..filter()
    };
    let at = d
        .props
        .iter()
        .position(|p| p.name == "log")
        .unwrap_or(d.props.len());
    for (i, name) in extra.iter().enumerate() {
        d.props.insert(at + i, Prop::new(name, WORD, None));
    }
    d.props.retain(|p| p.name != "reject-with");
    d
}

fn connection_tracking(v: Ver) -> MenuDef {
    let mut props = vec![
        Prop::new("enabled", Ty::Enum(&["auto", "no", "yes"]), Some("auto")),
        Prop::new("tcp-syn-sent-timeout", WORD, Some("5s")),
        Prop::new("tcp-syn-received-timeout", WORD, Some("5s")),
        Prop::new("tcp-established-timeout", WORD, Some("1d")),
        Prop::new("tcp-fin-wait-timeout", WORD, Some("10s")),
        Prop::new("tcp-close-wait-timeout", WORD, Some("10s")),
        Prop::new("tcp-last-ack-timeout", WORD, Some("10s")),
        Prop::new("tcp-time-wait-timeout", WORD, Some("10s")),
        Prop::new("tcp-close-timeout", WORD, Some("10s")),
        Prop::new("tcp-max-retrans-timeout", WORD, Some("5m")),
        Prop::new("tcp-unacked-timeout", WORD, Some("5m")),
        Prop::new("loose-tcp-tracking", BOOL, Some("yes")),
        Prop::new(
            "udp-timeout",
            WORD,
            Some(if v.v7() { "30s" } else { "10s" }),
        ),
        Prop::new("udp-stream-timeout", WORD, Some("3m")),
        Prop::new("icmp-timeout", WORD, Some("10s")),
        Prop::new("generic-timeout", WORD, Some("10m")),
        Prop::ro("max-entries", WORD, Some("1048576")),
        Prop::ro("total-entries", WORD, Some("0")),
    ];
    if v.v7() {
        props.insert(1, Prop::ro("active-ipv4", BOOL, Some("no")));
        props.insert(2, Prop::ro("active-ipv6", BOOL, Some("no")));
    }
    single("ip/firewall/connection/tracking", props)
}

fn service_port() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::ro("name", TEXT, None),
            Prop::new("ports", WORD, None),
            disabled(),
            Prop::ro("invalid", BOOL, Some("no")),
        ],
        key: Some("name"),
        flags: vec![
            flag('X', "disabled", "DISABLED", 0),
            flag('I', "invalid", "INVALID", 0),
        ],
        columns: vec![col("name"), col("ports")],
        ..base("ip/firewall/service-port", FIXED, PrintForm::Table)
    }
}

/// The connection-tracking helpers (the manual's "Service ports"; `rtsp` is v7 and disabled).
fn service_port_items(v: Ver) -> Vec<Item> {
    let mut ports = vec![
        ("ftp", "21", "no"),
        ("tftp", "69", "no"),
        ("irc", "6667", "no"),
        ("h323", "", "no"),
        ("sip", "5060,5061", "no"),
        ("pptp", "", "no"),
    ];
    if v.v7() {
        ports.push(("rtsp", "554", "yes"));
    }
    ports.extend([
        ("udplite", "", "no"),
        ("dccp", "", "no"),
        ("sctp", "", "no"),
    ]);
    ports
        .iter()
        .enumerate()
        .map(|(i, (name, p, dis))| {
            let mut it = Item::new(
                i as u32,
                &[("name", name), ("disabled", dis), ("invalid", "no")],
            );
            if !p.is_empty() {
                it.set("ports", p);
            }
            it
        })
        .collect()
}

fn layer7() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("name", TEXT, None),
            Prop::new("regexp", TEXT, Some("")),
            comment(),
        ],
        key: Some("name"),
        columns: vec![col("name"), col("regexp")],
        ..base("ip/firewall/layer7-protocol", LIST, PrintForm::Table)
    }
}

/// `/ip route` and `/ipv6 route`: static routes only (the simulator has no routing table of
/// its own, so no dynamic connected routes are listed).
fn route(path: &'static str, v: Ver) -> MenuDef {
    let (scope, target) = ("30", "10");
    let mut props = vec![
        Prop::new(
            "dst-address",
            Ty::Prefix,
            Some(if path == "ip/route" {
                "0.0.0.0/0"
            } else {
                "::/0"
            }),
        ),
        Prop::new("gateway", WORD, None),
        Prop::new("distance", Ty::Int { min: 1, max: 255 }, Some("1")),
        Prop::new("scope", Ty::Int { min: 0, max: 255 }, Some(scope)),
        Prop::new("target-scope", Ty::Int { min: 0, max: 255 }, Some(target)),
    ];
    if v.v7() {
        props.push(Prop::new("routing-table", WORD, Some("main")));
    } else {
        props.push(Prop::new("routing-mark", WORD, None));
    }
    props.extend([
        Prop::ro("dynamic", BOOL, Some("no")),
        Prop::ro("active", BOOL, Some("no")),
        disabled(),
        comment(),
    ]);
    let flags = if v.v7() {
        vec![
            flag('D', "dynamic", "DYNAMIC", 0),
            flag('X', "disabled", "DISABLED", 1),
            flag('A', "active", "ACTIVE", 1),
        ]
    } else {
        vec![
            flag('X', "disabled", "DISABLED", 0),
            flag('A', "active", "ACTIVE", 0),
            flag('D', "dynamic", "DYNAMIC", 0),
        ]
    };
    let columns = vec![col("dst-address"), col("gateway"), rcol("distance")];
    MenuDef {
        props,
        flags,
        columns,
        ..base(path, LIST, PrintForm::Table)
    }
}

fn arp() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("address", Ty::Prefix, None),
            Prop::new("mac-address", WORD, None),
            Prop::new("interface", Ty::Ref("interface"), None),
            Prop::new("published", BOOL, Some("no")),
            Prop::ro("invalid", BOOL, Some("no")),
            Prop::ro("dhcp", BOOL, Some("no")),
            Prop::ro("dynamic", BOOL, Some("no")),
            Prop::ro("complete", BOOL, Some("no")),
            disabled(),
            comment(),
        ],
        flags: vec![
            flag('X', "disabled", "DISABLED", 0),
            flag('I', "invalid", "INVALID", 0),
            flag('H', "dhcp", "DHCP", 1),
            flag('D', "dynamic", "DYNAMIC", 2),
            flag('P', "published", "PUBLISHED", 3),
            flag('C', "complete", "COMPLETE", 4),
        ],
        // [cli:ip_arp_print__1.raw] (v6 widths and legend).
        columns: vec![
            col6("address", 15),
            col6("mac-address", 17),
            col("interface"),
        ],
        v6_flags_width: Some(2),
        v6_legend: Some(
            "Flags: X - disabled, I - invalid, H - DHCP, D - dynamic, P - published, C - complete",
        ),
        ..base("ip/arp", LIST, PrintForm::Table)
    }
}

fn pool() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("name", TEXT, None),
            Prop::new("ranges", WORD, None),
            Prop::new("next-pool", WORD, Some("none")),
            comment(),
        ],
        key: Some("name"),
        columns: vec![col("name"), col("ranges")],
        ..base("ip/pool", LIST, PrintForm::Table)
    }
}

fn dhcp_server(v: Ver) -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("name", TEXT, None),
            Prop::new("interface", Ty::Ref("interface"), None),
            Prop::new("address-pool", WORD, Some("static-only")),
            Prop::new("lease-time", WORD, Some(if v.v7() { "30m" } else { "10m" })),
            Prop::new(
                "authoritative",
                Ty::Enum(&["after-10sec-delay", "after-2sec-delay", "no", "yes"]),
                Some("yes"),
            ),
            Prop::ro("dynamic", BOOL, Some("no")),
            Prop::ro("invalid", BOOL, Some("no")),
            disabled(),
            comment(),
        ],
        key: Some("name"),
        flags: vec![
            flag('D', "dynamic", "DYNAMIC", 0),
            flag('X', "disabled", "DISABLED", 1),
            flag('I', "invalid", "INVALID", 1),
        ],
        columns: vec![
            col("name"),
            col("interface"),
            col("address-pool"),
            col("lease-time"),
        ],
        ..base("ip/dhcp-server", LIST, PrintForm::Table)
    }
}

fn dhcp_server_lease() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("address", WORD, None),
            Prop::new("mac-address", WORD, None),
            Prop::new("client-id", WORD, None),
            Prop::new("server", WORD, Some("all")),
            Prop::ro("host-name", TEXT, None),
            Prop::ro("status", WORD, Some("waiting")),
            Prop::ro("dynamic", BOOL, Some("no")),
            disabled(),
            comment(),
        ],
        flags: vec![
            flag('X', "disabled", "DISABLED", 0),
            flag('D', "dynamic", "DYNAMIC", 1),
        ],
        // v6 widths: [cli:ip_dhcp-server_lease_print__1.raw].
        columns: vec![
            col6("address", 16),
            col6("mac-address", 18),
            col6("host-name", 10),
            col6("server", 14),
            col("status"),
        ],
        v6_flags_width: Some(1),
        ..base("ip/dhcp-server/lease", LIST, PrintForm::Table)
    }
}

fn dhcp_server_network() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("address", Ty::Prefix, None),
            Prop::new("gateway", WORD, None),
            Prop::new("dns-server", WORD, None),
            comment(),
        ],
        columns: vec![col("address"), col("gateway"), col("dns-server")],
        ..base("ip/dhcp-server/network", LIST, PrintForm::Table)
    }
}

fn dns_cache() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::ro("name", TEXT, None),
            Prop::ro("type", WORD, None),
            Prop::ro("data", WORD, None),
            Prop::ro("ttl", WORD, None),
        ],
        columns: vec![col("name"), col("type"), col("data"), col("ttl")],
        read_only: true,
        ..base(
            "ip/dns/cache",
            Kind::List {
                add: false,
                remove: false,
            },
            PrintForm::Table,
        )
    }
}

/// The policies a new scheduler item or script gets (the manual's default).
const SCRIPT_POLICY: &str = "ftp,reboot,read,write,policy,test,password,sniff,sensitive,romon";

fn scheduler() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("name", TEXT, None),
            Prop::new("start-date", WORD, None),
            Prop::new("start-time", WORD, Some("startup")),
            Prop::new("interval", WORD, Some("0s")),
            Prop::new("on-event", TEXT, Some("")),
            Prop::ro("owner", TEXT, None),
            Prop::new("policy", Ty::Policy, Some(SCRIPT_POLICY)),
            Prop::ro("run-count", WORD, Some("0")),
            Prop::ro("next-run", WORD, None),
            disabled(),
            comment(),
        ],
        key: Some("name"),
        flags: vec![flag('X', "disabled", "DISABLED", 0)],
        columns: vec![
            col("name"),
            col("start-date"),
            col("start-time"),
            col("interval"),
            col("on-event"),
            rcol("run-count"),
        ],
        ..base("system/scheduler", LIST, PrintForm::Table)
    }
}

fn script() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("name", TEXT, None),
            Prop::ro("owner", TEXT, None),
            Prop::new("policy", Ty::Policy, Some(SCRIPT_POLICY)),
            Prop::new("dont-require-permissions", BOOL, Some("no")),
            Prop::ro("run-count", WORD, Some("0")),
            Prop::ro("last-started", WORD, None),
            Prop::new("source", TEXT, Some("")),
            comment(),
        ],
        key: Some("name"),
        ..base("system/script", LIST, PrintForm::Records)
    }
}

fn note() -> MenuDef {
    single(
        "system/note",
        vec![
            Prop::new("show-at-login", BOOL, Some("yes")),
            Prop::new("note", TEXT, Some("")),
        ],
    )
}

/// `/system history`: RouterOS lists undoable changes here; the simulator records none.
fn history() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::ro("action", TEXT, None),
            Prop::ro("by", WORD, None),
            Prop::ro("policy", WORD, None),
            Prop::ro("undoable", BOOL, Some("no")),
            Prop::ro("redoable", BOOL, Some("no")),
            Prop::ro("floating-undo", BOOL, Some("no")),
        ],
        flags: vec![
            flag('U', "undoable", "UNDOABLE", 0),
            flag('R', "redoable", "REDOABLE", 0),
            flag('F', "floating-undo", "FLOATING-UNDO", 0),
        ],
        columns: vec![col("action"), col("by"), col("policy")],
        read_only: true,
        ..base(
            "system/history",
            Kind::List {
                add: false,
                remove: false,
            },
            PrintForm::Table,
        )
    }
}

/// `/system health`: a CHR has no sensors. v7 lists sensors (none), v6 prints their values
/// as one settings object (no keys).
fn health(v: Ver) -> MenuDef {
    if v.v7() {
        MenuDef {
            props: vec![
                Prop::ro("name", WORD, None),
                Prop::ro("value", WORD, None),
                Prop::ro("type", WORD, None),
            ],
            columns: vec![col("name"), col("value"), col("type")],
            read_only: true,
            ..base("system/health", FIXED, PrintForm::Table)
        }
    } else {
        MenuDef {
            read_only: true,
            ..single("system/health", Vec::new())
        }
    }
}

fn file(v: Ver) -> MenuDef {
    let mut props = vec![
        Prop::new("name", TEXT, None),
        Prop::ro("type", WORD, None),
        Prop::ro("size", WORD, None),
        Prop::ro("creation-time", WORD, None),
    ];
    if v.v7() {
        props.push(Prop::new("contents", TEXT, None));
    }
    MenuDef {
        props,
        key: Some("name"),
        columns: vec![col("name"), col("type"), rcol("size"), col("creation-time")],
        ..base(
            "file",
            Kind::List {
                add: v.v7(),
                remove: true,
            },
            PrintForm::Table,
        )
    }
}

fn interface_list() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("name", TEXT, None),
            Prop::new("include", WORD, Some("")),
            Prop::new("exclude", WORD, Some("")),
            Prop::ro("builtin", BOOL, Some("no")),
            Prop::ro("dynamic", BOOL, Some("no")),
            comment(),
        ],
        key: Some("name"),
        flags: vec![
            flag('*', "builtin", "BUILTIN", 0),
            flag('D', "dynamic", "DYNAMIC", 0),
        ],
        columns: vec![col("name"), col("include"), col("exclude")],
        ..base("interface/list", LIST, PrintForm::Table)
    }
}

/// The built-in lists (`.id`s as RouterOS gives them: `*2000000`..; ASSUMPTION).
fn interface_list_items(v: Ver) -> Vec<Item> {
    let mut names = vec![
        ("all", 0x200_0000),
        ("none", 0x200_0001),
        ("dynamic", 0x200_0002),
    ];
    if v.v7() {
        names.push(("static", 0x200_0010));
    }
    names
        .iter()
        .map(|(name, id)| {
            Item::new(
                *id,
                &[
                    ("name", name),
                    ("include", ""),
                    ("exclude", ""),
                    ("builtin", "yes"),
                    ("dynamic", "no"),
                ],
            )
        })
        .collect()
}

fn interface_list_member() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("list", Ty::Ref("interface/list"), None),
            Prop::new("interface", WORD, None),
            Prop::ro("dynamic", BOOL, Some("no")),
            disabled(),
            comment(),
        ],
        flags: vec![
            flag('X', "disabled", "DISABLED", 0),
            flag('D', "dynamic", "DYNAMIC", 1),
        ],
        columns: vec![col("list"), col("interface")],
        ..base("interface/list/member", LIST, PrintForm::Table)
    }
}

fn bridge() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("name", TEXT, None),
            Prop::new("mtu", WORD, Some("auto")),
            Prop::ro("actual-mtu", WORD, Some("1500")),
            Prop::new(
                "arp",
                Ty::Enum(&[
                    "disabled",
                    "enabled",
                    "local-proxy-arp",
                    "proxy-arp",
                    "reply-only",
                ]),
                Some("enabled"),
            ),
            Prop::new("arp-timeout", WORD, Some("auto")),
            Prop::new(
                "protocol-mode",
                Ty::Enum(&["mstp", "none", "rstp", "stp"]),
                Some("rstp"),
            ),
            Prop::new("fast-forward", BOOL, Some("yes")),
            Prop::new("igmp-snooping", BOOL, Some("no")),
            Prop::new("auto-mac", BOOL, Some("yes")),
            Prop::new("ageing-time", WORD, Some("5m")),
            Prop::new("priority", WORD, Some("0x8000")),
            Prop::new("vlan-filtering", BOOL, Some("no")),
            Prop::new("dhcp-snooping", BOOL, Some("no")),
            Prop::ro("running", BOOL, Some("no")),
            disabled(),
            comment(),
        ],
        key: Some("name"),
        flags: vec![
            flag('X', "disabled", "DISABLED", 0),
            flag('R', "running", "RUNNING", 1),
        ],
        ..base("interface/bridge", LIST, PrintForm::Records)
    }
}

fn vlan() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("name", TEXT, None),
            Prop::new(
                "mtu",
                Ty::Int {
                    min: 32,
                    max: 65535,
                },
                Some("1500"),
            ),
            Prop::new(
                "arp",
                Ty::Enum(&[
                    "disabled",
                    "enabled",
                    "local-proxy-arp",
                    "proxy-arp",
                    "reply-only",
                ]),
                Some("enabled"),
            ),
            Prop::new("arp-timeout", WORD, Some("auto")),
            Prop::new("vlan-id", Ty::Int { min: 1, max: 4095 }, None),
            Prop::new("interface", Ty::Ref("interface"), None),
            Prop::new("use-service-tag", BOOL, Some("no")),
            Prop::ro("running", BOOL, Some("no")),
            disabled(),
            comment(),
        ],
        key: Some("name"),
        flags: vec![
            flag('X', "disabled", "DISABLED", 0),
            flag('R', "running", "RUNNING", 1),
        ],
        columns: vec![
            col("name"),
            rcol("mtu"),
            col("arp"),
            rcol("vlan-id"),
            col("interface"),
        ],
        ..base("interface/vlan", LIST, PrintForm::Table)
    }
}

fn certificate() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("name", TEXT, None),
            Prop::new("common-name", TEXT, Some("")),
            Prop::new("country", TEXT, None),
            Prop::new("state", TEXT, None),
            Prop::new("locality", TEXT, None),
            Prop::new("organization", TEXT, None),
            Prop::new("unit", TEXT, None),
            Prop::new("subject-alt-name", TEXT, Some("")),
            Prop::new("key-size", WORD, Some("2048")),
            Prop::new("days-valid", Ty::Int { min: 1, max: 36500 }, Some("365")),
            Prop::new("key-usage", WORD, None),
            Prop::new("trusted", BOOL, Some("no")),
            Prop::ro("private-key", BOOL, Some("no")),
            Prop::ro("authority", BOOL, Some("no")),
            Prop::ro("fingerprint", WORD, None),
        ],
        key: Some("name"),
        flags: vec![
            flag('K', "private-key", "PRIVATE-KEY", 0),
            flag('A', "authority", "AUTHORITY", 1),
            flag('T', "trusted", "TRUSTED", 2),
        ],
        columns: vec![col("name"), col("common-name"), col("fingerprint")],
        ..base("certificate", LIST, PrintForm::Table)
    }
}

/// `/disk` (v7): the CHR's system disk is not listed there (ASSUMPTION), so it is empty.
fn disk() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::ro("slot", WORD, None),
            Prop::ro("type", WORD, None),
            Prop::ro("model", TEXT, None),
            Prop::ro("size", WORD, None),
            Prop::ro("free", WORD, None),
            Prop::ro("fs", WORD, None),
            comment(),
        ],
        key: Some("slot"),
        columns: vec![
            col("slot"),
            col("model"),
            rcol("size"),
            rcol("free"),
            col("fs"),
        ],
        ..base("disk", FIXED, PrintForm::Table)
    }
}

fn queue_simple() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("name", TEXT, None),
            Prop::new("target", WORD, None),
            Prop::new("parent", WORD, Some("none")),
            Prop::new("priority", WORD, Some("8/8")),
            Prop::new("queue", WORD, Some("default-small/default-small")),
            Prop::new("limit-at", WORD, Some("0/0")),
            Prop::new("max-limit", WORD, Some("0/0")),
            Prop::new("burst-limit", WORD, Some("0/0")),
            Prop::new("burst-threshold", WORD, Some("0/0")),
            Prop::new("burst-time", WORD, Some("0s/0s")),
            Prop::ro("dynamic", BOOL, Some("no")),
            Prop::ro("invalid", BOOL, Some("no")),
            disabled(),
            comment(),
        ],
        key: Some("name"),
        flags: vec![
            flag('X', "disabled", "DISABLED", 0),
            flag('I', "invalid", "INVALID", 0),
            flag('D', "dynamic", "DYNAMIC", 1),
        ],
        commands: vec!["move", "reset-counters"],
        ..base("queue/simple", LIST, PrintForm::Records)
    }
}

fn netwatch(v: Ver) -> MenuDef {
    let mut props = vec![Prop::new("host", WORD, None)];
    if v.v7() {
        props.push(Prop::new(
            "type",
            Ty::Enum(&["dns", "http-get", "https-get", "icmp", "simple", "tcp-conn"]),
            Some("simple"),
        ));
    }
    props.extend([
        Prop::new("interval", WORD, Some(if v.v7() { "10s" } else { "1m" })),
        Prop::new("timeout", WORD, Some(if v.v7() { "3s" } else { "1s" })),
        Prop::new("up-script", TEXT, Some("")),
        Prop::new("down-script", TEXT, Some("")),
        Prop::ro("status", WORD, Some("unknown")),
        Prop::ro("since", WORD, None),
        disabled(),
        comment(),
    ]);
    let mut columns = vec![col("host")];
    if v.v7() {
        columns.push(col("type"));
    }
    columns.extend([col("interval"), col("timeout"), col("status"), col("since")]);
    MenuDef {
        props,
        flags: vec![flag('X', "disabled", "DISABLED", 0)],
        columns,
        ..base("tool/netwatch", LIST, PrintForm::Table)
    }
}

fn sniffer() -> MenuDef {
    single(
        "tool/sniffer",
        vec![
            Prop::new("only-headers", BOOL, Some("no")),
            Prop::new("memory-limit", WORD, Some("100KiB")),
            Prop::new("memory-scroll", BOOL, Some("yes")),
            Prop::new("file-name", TEXT, Some("")),
            Prop::new("file-limit", WORD, Some("1000KiB")),
            Prop::new("streaming-enabled", BOOL, Some("no")),
            Prop::new("streaming-server", WORD, Some("0.0.0.0:37008")),
            Prop::new("filter-stream", BOOL, Some("no")),
            Prop::new("filter-interface", WORD, Some("")),
            Prop::ro("running", BOOL, Some("no")),
        ],
    )
}

fn graphing() -> MenuDef {
    single(
        "tool/graphing",
        vec![
            Prop::new(
                "store-every",
                Ty::Enum(&["24hours", "5min", "hour"]),
                Some("5min"),
            ),
            Prop::new("page-refresh", WORD, Some("300")),
        ],
    )
}

/// `/tool graphing interface|resource`: which graphs are kept; empty on a fresh router.
fn graphing_list(path: &'static str, first: &'static str) -> MenuDef {
    let mut props = Vec::new();
    let mut columns = Vec::new();
    if !first.is_empty() {
        props.push(Prop::new(first, WORD, Some("all")));
        columns.push(col(first));
    }
    props.extend([
        Prop::new("allow-address", Ty::Addrs, Some("0.0.0.0/0")),
        Prop::new("store-on-disk", BOOL, Some("yes")),
        disabled(),
        comment(),
    ]);
    columns.extend([col("allow-address"), col("store-on-disk")]);
    MenuDef {
        props,
        flags: vec![flag('X', "disabled", "DISABLED", 0)],
        columns,
        ..base(path, LIST, PrintForm::Table)
    }
}

/// `/user ssh-keys`: public keys imported for users. The simulator's SSH server does not use
/// them and `import` is not carried out, so the list stays empty.
fn ssh_keys() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::ro("user", WORD, None),
            Prop::ro("bits", WORD, None),
            Prop::ro("key-owner", TEXT, None),
            comment(),
        ],
        columns: vec![col("user"), rcol("bits"), col("key-owner")],
        ..base(
            "user/ssh-keys",
            Kind::List {
                add: false,
                remove: true,
            },
            PrintForm::Table,
        )
    }
}

fn nd() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("interface", WORD, None),
            Prop::new("ra-interval", WORD, Some("3m20s-10m")),
            Prop::new("ra-delay", WORD, Some("3s")),
            Prop::new("mtu", WORD, Some("unspecified")),
            Prop::new("reachable-time", WORD, Some("unspecified")),
            Prop::new("retransmit-interval", WORD, Some("unspecified")),
            Prop::new("ra-lifetime", WORD, Some("30m")),
            Prop::new("hop-limit", WORD, Some("unspecified")),
            Prop::new("advertise-mac-address", BOOL, Some("yes")),
            Prop::new("advertise-dns", BOOL, Some("yes")),
            Prop::new("managed-address-configuration", BOOL, Some("no")),
            Prop::new("other-configuration", BOOL, Some("no")),
            Prop::ro("default", BOOL, Some("no")),
            Prop::ro("invalid", BOOL, Some("no")),
            disabled(),
            comment(),
        ],
        flags: vec![
            flag('X', "disabled", "DISABLED", 0),
            flag('I', "invalid", "INVALID", 0),
            flag('*', "default", "DEFAULT", 1),
        ],
        ..base("ipv6/nd", LIST, PrintForm::Records)
    }
}

/// The default `/ipv6 nd` entry for every interface (the manual's "Neighbor discovery").
fn nd_default() -> Item {
    Item::new(
        0,
        &[
            ("interface", "all"),
            ("ra-interval", "3m20s-10m"),
            ("ra-delay", "3s"),
            ("mtu", "unspecified"),
            ("reachable-time", "unspecified"),
            ("retransmit-interval", "unspecified"),
            ("ra-lifetime", "30m"),
            ("hop-limit", "unspecified"),
            ("advertise-mac-address", "yes"),
            ("advertise-dns", "yes"),
            ("managed-address-configuration", "no"),
            ("other-configuration", "no"),
            ("default", "yes"),
            ("invalid", "no"),
            ("disabled", "no"),
        ],
    )
}

fn routing_table() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("name", TEXT, None),
            Prop::new("fib", BOOL, Some("no")),
            Prop::ro("dynamic", BOOL, Some("no")),
            Prop::ro("invalid", BOOL, Some("no")),
            disabled(),
            comment(),
        ],
        key: Some("name"),
        flags: vec![
            flag('D', "dynamic", "DYNAMIC", 0),
            flag('X', "disabled", "DISABLED", 1),
            flag('I', "invalid", "INVALID", 1),
        ],
        columns: vec![col("name"), col("fib")],
        ..base("routing/table", LIST, PrintForm::Table)
    }
}

fn routing_rule() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("src-address", WORD, None),
            Prop::new("dst-address", WORD, None),
            Prop::new("routing-mark", WORD, None),
            Prop::new("interface", WORD, None),
            Prop::new(
                "action",
                Ty::Enum(&["drop", "lookup", "lookup-only-in-table", "unreachable"]),
                Some("lookup"),
            ),
            Prop::new("table", WORD, None),
            Prop::ro("inactive", BOOL, Some("no")),
            disabled(),
            comment(),
        ],
        flags: vec![
            flag('X', "disabled", "DISABLED", 0),
            flag('I', "inactive", "INACTIVE", 0),
        ],
        commands: vec!["move"],
        ..base("routing/rule", LIST, PrintForm::Records)
    }
}

fn routing_filter_rule() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("chain", WORD, None),
            Prop::new("rule", TEXT, Some("")),
            Prop::ro("invalid", BOOL, Some("no")),
            disabled(),
            comment(),
        ],
        flags: vec![
            flag('X', "disabled", "DISABLED", 0),
            flag('I', "invalid", "INVALID", 0),
        ],
        commands: vec!["move"],
        ..base("routing/filter/rule", LIST, PrintForm::Records)
    }
}
