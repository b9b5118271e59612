//! The menus a fresh CHR has, their schemas and factory items, per RouterOS version.
//!
//! Every value not backed by a capture is listed in sim/FIDELITY.md ("model").

use std::collections::BTreeMap;

use routeros::service::ServiceName;
use routeros::version::Version;

use super::menu::{Item, Table};
use super::schema::{Col, Flag, Kind, MenuDef, PrintForm, Prop, Ty};
use super::users::{policies_full, policies_read, policies_write};

/// The parts of a version the model branches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ver {
    pub major: u32,
    pub minor: u32,
}

impl Ver {
    pub fn of(v: &Version) -> Ver {
        Ver {
            major: v.major(),
            minor: v.minor(),
        }
    }

    pub fn v7(&self) -> bool {
        self.major >= 7
    }

    pub fn ge(&self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) >= (major, minor)
    }

    /// The 7.2x service layout (PROTO, MAX-SESSIONS, sorted by port). ASSUMPTION: since 7.16.
    pub fn new_service_layout(&self) -> bool {
        self.ge(7, 16)
    }
}

pub(super) const BOOL: Ty = Ty::Bool;
pub(super) const TEXT: Ty = Ty::Text;
pub(super) const WORD: Ty = Ty::Word;
pub(super) const PORT: Ty = Ty::Int { min: 1, max: 65535 };

pub(super) fn col(prop: &'static str) -> Col {
    Col {
        prop,
        right: false,
        width6: None,
    }
}

pub(super) fn rcol(prop: &'static str) -> Col {
    Col {
        prop,
        right: true,
        width6: None,
    }
}

/// A left-aligned column with its captured v6 width.
pub(super) fn col6(prop: &'static str, width: usize) -> Col {
    Col {
        width6: Some(width),
        ..col(prop)
    }
}

/// A right-aligned (number) column with its captured v6 width.
pub(super) fn rcol6(prop: &'static str, width: usize) -> Col {
    Col {
        width6: Some(width),
        ..rcol(prop)
    }
}

pub(super) fn flag(letter: char, prop: &'static str, word: &'static str, group: u8) -> Flag {
    Flag {
        letter,
        prop,
        word,
        group,
    }
}

pub(super) fn base(path: &'static str, kind: Kind, form: PrintForm) -> MenuDef {
    MenuDef {
        path,
        kind,
        props: Vec::new(),
        key: None,
        flags: Vec::new(),
        columns: Vec::new(),
        form,
        read_only: false,
        commands: Vec::new(),
        noun: "item",
        v6_flags_width: None,
        v6_legend: None,
        v6_flag_positions: false,
    }
}

pub(super) fn single(path: &'static str, props: Vec<Prop>) -> MenuDef {
    MenuDef {
        props,
        ..base(path, Kind::Single, PrintForm::Single)
    }
}

pub(super) const LIST: Kind = Kind::List {
    add: true,
    remove: true,
};
pub(super) const FIXED: Kind = Kind::List {
    add: false,
    remove: false,
};

pub(super) fn disabled() -> Prop {
    Prop::new("disabled", BOOL, Some("no"))
}

pub(super) fn comment() -> Prop {
    Prop::new("comment", TEXT, None)
}

fn xi_flags(v: Ver) -> Vec<Flag> {
    vec![
        flag('X', "disabled", "DISABLED", 0),
        flag('I', "invalid", "INVALID", 0),
    ]
    .into_iter()
    .map(|mut f| {
        if v.v7() && !v.new_service_layout() && f.letter == 'X' {
            f.word = "";
        }
        f
    })
    .collect()
}

/// Every menu of the model, for this version.
pub fn menus(v: Ver) -> Vec<MenuDef> {
    let mut m = vec![
        service(v),
        user(v),
        user_group(),
        user_active(),
        filter(),
        address_list(v),
        log_menu(),
        logging(),
        logging_action(),
        ntp_client(v),
        package(v),
        package_update(v),
        identity(),
        resource(v),
        interface(v),
        ethernet(v),
        ip_address(),
        dhcp_client(),
        neighbor(),
        discovery(),
        mac_server(v),
        single(
            "tool/mac-server/mac-winbox",
            vec![Prop::new("allowed-interface-list", WORD, Some("all"))],
        ),
        single(
            "tool/mac-server/ping",
            vec![Prop::new("enabled", BOOL, Some("yes"))],
        ),
        bandwidth_server(),
        dns(v),
        dns_static(),
        single(
            "ip/proxy",
            vec![
                Prop::new("enabled", BOOL, Some("no")),
                Prop::new("src-address", WORD, Some("::")),
                Prop::new("port", PORT, Some("8080")),
                Prop::new("anonymous", BOOL, Some("no")),
                Prop::new("parent-proxy", WORD, Some("::")),
                Prop::new("parent-proxy-port", WORD, Some("0")),
                Prop::new("cache-administrator", TEXT, Some("webmaster")),
                Prop::new("max-cache-size", WORD, Some("unlimited")),
                Prop::new("cache-on-disk", BOOL, Some("no")),
                Prop::new("max-client-connections", WORD, Some("600")),
                Prop::new("max-server-connections", WORD, Some("600")),
            ],
        ),
        socks(v),
        single(
            "ip/upnp",
            vec![
                Prop::new("enabled", BOOL, Some("no")),
                Prop::new("allow-disable-external-interface", BOOL, Some("no")),
                Prop::new("show-dummy-rule", BOOL, Some("yes")),
            ],
        ),
        ssh(v),
        cloud(v),
        single(
            "tool/romon",
            vec![
                Prop::new("enabled", BOOL, Some("no")),
                Prop::new("id", WORD, Some("00:00:00:00:00:00")),
                Prop::new("secrets", WORD, Some("")),
            ],
        ),
        snmp(),
        snmp_community(),
        clock(),
        ro_single("system/routerboard", &["routerboard"]),
        ro_single("system/license", &["system-id", "level"]),
        ip_settings(),
        ipv6_settings(),
    ];
    if v.v7() {
        // RouterOS 7 has IPv6 built in; a v6 CHR without the ipv6 package has only `/ipv6 settings`
        // here and answers `bad command name` for the rest (captured).
        m.push(ipv6_address());
        m.push(MenuDef {
            path: "ipv6/firewall/filter",
            ..filter()
        });
        m.push(MenuDef {
            path: "ipv6/firewall/address-list",
            ..address_list(v)
        });
        m.push(single(
            "user/settings",
            vec![
                Prop::new(
                    "minimum-password-length",
                    Ty::Int {
                        min: 0,
                        max: 4_294_967_295,
                    },
                    Some("0"),
                ),
                Prop::new("minimum-categories", Ty::Int { min: 0, max: 4 }, Some("0")),
            ],
        ));
    }
    m.extend(super::stored::menus(v));
    m.push(sim_menu());
    if super::device_mode::exists(v) {
        m.push(super::device_mode::menu());
    }
    for d in &mut m {
        if matches!(d.path, "ip/firewall/filter" | "ipv6/firewall/filter") {
            d.noun = "filter rule";
        }
    }
    m
}

fn service(v: Ver) -> MenuDef {
    let mut props = vec![Prop::ro("name", TEXT, None), Prop::new("port", PORT, None)];
    if v.new_service_layout() {
        props.push(Prop::ro("proto", WORD, Some("tcp")));
    }
    props.push(Prop::new("address", Ty::Addrs, Some("")));
    props.push(Prop::new("certificate", WORD, None));
    props.push(Prop::new(
        "tls-version",
        Ty::Enum(&["any", "only-1.2"]),
        None,
    ));
    if v.v7() {
        props.push(Prop::new("vrf", WORD, None));
    }
    if v.new_service_layout() {
        props.push(Prop::new(
            "max-sessions",
            Ty::Int { min: 1, max: 1000 },
            Some("20"),
        ));
    }
    props.push(disabled());
    props.push(Prop::ro("invalid", BOOL, Some("no")));
    if v.new_service_layout() {
        props.push(Prop::ro("dynamic", BOOL, Some("no")));
        // Only on the dynamic row of one connection (`Dc`), which the sim has only when learned.
        props.push(Prop::ro("connection", BOOL, None));
    }
    let mut flags = xi_flags(v);
    if v.new_service_layout() {
        flags.push(flag('D', "dynamic", "DYNAMIC", 1));
        // `Flags: D - DYNAMIC; c - CONNECTION` [cli:manual/ip_service_print_where_dynamic__v7.2x.txt].
        flags.push(flag('c', "connection", "CONNECTION", 2));
    }
    let columns = if v.new_service_layout() {
        vec![
            col("name"),
            rcol("port"),
            col("proto"),
            col("address"),
            col("certificate"),
            col("vrf"),
            rcol("max-sessions"),
        ]
    } else if v.v7() {
        vec![
            col("name"),
            rcol("port"),
            col("address"),
            col("certificate"),
            col("vrf"),
        ]
    } else {
        vec![
            col("name"),
            rcol("port"),
            col("address"),
            col("certificate"),
        ]
    };
    MenuDef {
        props,
        key: Some("name"),
        flags,
        columns,
        ..base("ip/service", FIXED, PrintForm::Table)
    }
}

/// The eight services of a fresh router, in `.id` order (telnet is `*0`): the factory table of
/// [`routeros::service`].
fn service_items(v: Ver) -> Vec<Item> {
    ServiceName::ALL
        .iter()
        .enumerate()
        .map(|(i, svc)| {
            let (name, port) = (svc.as_str(), svc.default_port().to_string());
            let mut it = Item::new(
                i as u32,
                &[
                    ("name", name),
                    ("port", &port),
                    ("address", ""),
                    (
                        "disabled",
                        if svc.disabled_by_default() {
                            "yes"
                        } else {
                            "no"
                        },
                    ),
                    ("invalid", "no"),
                ],
            );
            if svc.is_tls() {
                it.set("certificate", "none");
                it.set("tls-version", "any");
            }
            // 7.9.2 prints an empty VRF cell for ftp (capture); 7.2x prints main.
            if v.v7() && (*svc != ServiceName::Ftp || v.new_service_layout()) {
                it.set("vrf", "main");
            }
            if v.new_service_layout() {
                it.set("proto", "tcp");
                it.set("max-sessions", "20");
                it.set("dynamic", "no");
            }
            it
        })
        .collect()
}

fn user(v: Ver) -> MenuDef {
    let mut props = vec![
        Prop::new("name", TEXT, None),
        Prop::new("group", Ty::Ref("user/group"), None),
        Prop::new("address", Ty::Addrs, Some("")),
        Prop::ro("last-logged-in", WORD, None),
    ];
    if v.new_service_layout() {
        props.push(Prop::new(
            "inactivity-policy",
            Ty::Enum(&["none", "lockscreen", "logout"]),
            Some("none"),
        ));
        props.push(Prop::new("inactivity-timeout", WORD, Some("10m")));
    }
    props.push(Prop::secret("password"));
    props.push(comment());
    props.push(disabled());
    let mut columns = vec![
        col("name"),
        col("group"),
        col("address"),
        col("last-logged-in"),
    ];
    if v.new_service_layout() {
        columns.push(col("inactivity-policy"));
    }
    MenuDef {
        props,
        key: Some("name"),
        flags: vec![flag('X', "disabled", "DISABLED", 0)],
        columns,
        ..base("user", LIST, PrintForm::Table)
    }
}

fn user_group() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("name", TEXT, None),
            Prop::new("policy", Ty::Policy, Some("")),
            Prop::new("skin", WORD, Some("default")),
            comment(),
        ],
        key: Some("name"),
        ..base("user/group", LIST, PrintForm::Records)
    }
}

fn user_active() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::ro("when", WORD, None),
            Prop::ro("name", TEXT, None),
            Prop::ro("address", WORD, None),
            Prop::ro("via", WORD, None),
            Prop::ro("group", WORD, None),
            Prop::ro("radius", BOOL, Some("no")),
            Prop::ro("by-romon", BOOL, Some("no")),
        ],
        flags: vec![
            flag('R', "radius", "RADIUS", 0),
            flag('M', "by-romon", "BY-ROMON", 1),
        ],
        // [cli:user_active_print__1.raw] (v6 widths).
        columns: vec![
            col6("when", 20),
            col6("name", 10),
            col6("address", 15),
            col("via"),
        ],
        v6_flags_width: Some(2),
        read_only: true,
        ..base("user/active", FIXED, PrintForm::Table)
    }
}

/// Filter-rule properties in the order `print` shows them (INFERENCE from one v6 sample).
pub const FILTER_PRINT_ORDER: &[&str] = &[
    "chain",
    "action",
    "reject-with",
    "jump-target",
    "connection-state",
    "protocol",
    "src-address",
    "dst-address",
    "src-address-list",
    "dst-address-list",
    "in-interface",
    "out-interface",
    "in-interface-list",
    "out-interface-list",
    "src-port",
    "dst-port",
    "log",
    "log-prefix",
];

pub(super) fn filter() -> MenuDef {
    let mut props: Vec<Prop> = FILTER_PRINT_ORDER
        .iter()
        .map(|p| match *p {
            "action" => Prop::new("action", WORD, Some("accept")),
            "log" => Prop::new("log", BOOL, Some("no")),
            "log-prefix" => Prop::new("log-prefix", TEXT, Some("")),
            other => Prop::new(other, WORD, None),
        })
        .collect();
    props.push(Prop::ro(
        "bytes",
        Ty::Int {
            min: 0,
            max: i64::MAX,
        },
        Some("0"),
    ));
    props.push(Prop::ro(
        "packets",
        Ty::Int {
            min: 0,
            max: i64::MAX,
        },
        Some("0"),
    ));
    props.push(disabled());
    props.push(Prop::ro("invalid", BOOL, Some("no")));
    props.push(Prop::ro("dynamic", BOOL, Some("no")));
    props.push(comment());
    MenuDef {
        props,
        flags: vec![
            flag('X', "disabled", "DISABLED", 0),
            flag('I', "invalid", "INVALID", 0),
            flag('D', "dynamic", "DYNAMIC", 1),
        ],
        commands: vec!["move", "reset-counters"],
        ..base("ip/firewall/filter", LIST, PrintForm::Records)
    }
}

fn address_list(v: Ver) -> MenuDef {
    let mut props = vec![
        Prop::new("list", WORD, None),
        Prop::new("address", WORD, None),
        Prop::new("timeout", WORD, None),
        Prop::ro("creation-time", WORD, None),
        disabled(),
        Prop::ro("dynamic", BOOL, Some("no")),
        comment(),
    ];
    if !v.v7() {
        props.retain(|p| p.name != "creation-time");
    }
    let mut columns = vec![col("list"), col("address")];
    if v.v7() {
        columns.push(col("creation-time"));
    }
    columns.push(col("timeout"));
    MenuDef {
        props,
        flags: vec![
            flag('X', "disabled", "DISABLED", 0),
            flag('D', "dynamic", "DYNAMIC", 1),
        ],
        columns,
        ..base("ip/firewall/address-list", LIST, PrintForm::Table)
    }
}

fn log_menu() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::ro("time", WORD, None),
            Prop::ro("topics", WORD, None),
            Prop::ro("message", TEXT, None),
        ],
        read_only: true,
        ..base("log", FIXED, PrintForm::Table)
    }
}

fn logging() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("topics", WORD, Some("")),
            Prop::new("action", Ty::Ref("system/logging/action"), Some("memory")),
            Prop::new("prefix", WORD, Some("")),
            Prop::ro("default", BOOL, Some("no")),
            Prop::ro("invalid", BOOL, Some("no")),
            disabled(),
        ],
        flags: vec![
            flag('X', "disabled", "DISABLED", 0),
            flag('I', "invalid", "INVALID", 0),
            flag('*', "default", "DEFAULT", 1),
        ],
        columns: vec![col("topics"), col("action"), col("prefix")],
        ..base("system/logging", LIST, PrintForm::Table)
    }
}

fn logging_action() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("name", TEXT, None),
            Prop::new(
                "target",
                Ty::Enum(&["disk", "echo", "email", "memory", "remote"]),
                None,
            ),
            Prop::new("memory-lines", WORD, None),
            Prop::new("memory-stop-on-full", BOOL, None),
            Prop::new("disk-file-name", WORD, None),
            Prop::new("disk-lines-per-file", WORD, None),
            Prop::new("disk-file-count", WORD, None),
            Prop::new("disk-stop-on-full", BOOL, None),
            Prop::new("remember", BOOL, None),
            Prop::new("remote", WORD, None),
            Prop::new("remote-port", WORD, None),
            Prop::new("src-address", WORD, None),
            Prop::new("bsd-syslog", BOOL, None),
            Prop::new("syslog-facility", WORD, None),
            Prop::new("syslog-severity", WORD, None),
            Prop::ro("default", BOOL, Some("no")),
        ],
        key: Some("name"),
        flags: vec![flag('*', "default", "DEFAULT", 0)],
        columns: vec![col("name"), col("target"), col("remote")],
        ..base("system/logging/action", LIST, PrintForm::Table)
    }
}

fn package(v: Ver) -> MenuDef {
    // [cli:ansible/system_package_print.raw] (v6 widths and legend).
    let mut columns = vec![col6("name", 23), col6("version", 26), col6("scheduled", 23)];
    if v.v7() {
        columns.extend([col("build-time"), col("size")]);
    }
    MenuDef {
        props: vec![
            Prop::ro("name", TEXT, None),
            Prop::ro("version", WORD, None),
            Prop::ro("scheduled", WORD, Some("")),
            Prop::ro("build-time", WORD, None),
            Prop::ro("size", WORD, None),
            Prop::ro("disabled", BOOL, Some("no")),
            Prop::ro("available", BOOL, Some("no")),
        ],
        key: Some("name"),
        flags: if v.v7() {
            vec![
                flag('X', "disabled", "DISABLED", 0),
                flag('A', "available", "AVAILABLE", 1),
            ]
        } else {
            vec![flag('X', "disabled", "DISABLED", 0)]
        },
        columns,
        v6_flags_width: Some(1),
        v6_legend: Some("Flags: X - disabled "),
        read_only: true,
        ..base("system/package", FIXED, PrintForm::Table)
    }
}

/// `/system package update`. RouterOS 6 also has the `upgrade` channel, the way to v7 (FACTS §9).
fn package_update(ver: Ver) -> MenuDef {
    let channels: &'static [&'static str] = if ver.v7() {
        &["long-term", "stable", "testing", "development"]
    } else {
        &["long-term", "stable", "testing", "development", "upgrade"]
    };
    MenuDef {
        commands: vec!["check-for-updates", "download", "install", "cancel"],
        ..single(
            "system/package/update",
            vec![
                Prop::new("channel", Ty::Enum(channels), Some("stable")),
                Prop::ro("installed-version", WORD, None),
                Prop::ro("latest-version", WORD, None),
                Prop::ro("status", WORD, None),
            ],
        )
    }
}

fn identity() -> MenuDef {
    single("system/identity", vec![Prop::new("name", TEXT, None)])
}

/// `/system resource` keys of a CHR in print order: v7 as [cli:system_resource_print__3.raw]
/// (7.12.2, board-name CHR); v6 as the x86 print [cli:ansible/facts/system_resource_print_without-paging.raw]
/// (6.42.5, no `factory-software`). Neither has `bad-blocks` (RouterBOARD flash only).
pub fn resource_keys(v: Ver) -> Vec<&'static str> {
    let mut keys = vec![
        "uptime",
        "version",
        "build-time",
        "factory-software",
        "free-memory",
        "total-memory",
        "cpu",
        "cpu-count",
        "cpu-frequency",
        "cpu-load",
        "free-hdd-space",
        "total-hdd-space",
        "write-sect-since-reboot",
        "write-sect-total",
        "architecture-name",
        "board-name",
        "platform",
    ];
    if !v.v7() {
        keys.retain(|k| *k != "factory-software");
    }
    keys
}

/// The simulator's own menu (`/sim`), which RouterOS does not have: facts about the
/// simulator a harness needs and a RouterOS client never parses (`firewall: enforced` or
/// `not-enforced`). A real router answers `bad command name sim` there.
pub const SIM_PATH: &str = "sim";

fn sim_menu() -> MenuDef {
    MenuDef {
        read_only: true,
        ..single(
            SIM_PATH,
            vec![Prop::ro(
                "firewall",
                Ty::Enum(&["enforced", "not-enforced"]),
                None,
            )],
        )
    }
}

fn resource(v: Ver) -> MenuDef {
    MenuDef {
        props: resource_keys(v)
            .iter()
            .map(|k| Prop::ro(k, TEXT, None))
            .collect(),
        read_only: true,
        ..single("system/resource", Vec::new())
    }
}

fn interface(v: Ver) -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("name", TEXT, None),
            // Quoted in detail, as `name` ([cli:ansible/facts/interface_print_detail_without-paging.raw]).
            Prop::ro("default-name", TEXT, None),
            Prop::ro("type", TEXT, None),
            Prop::new(
                "mtu",
                Ty::Int {
                    min: 32,
                    max: 65535,
                },
                Some("1500"),
            ),
            Prop::ro("actual-mtu", WORD, Some("1500")),
            Prop::ro("mac-address", WORD, None),
            Prop::ro("running", BOOL, Some("yes")),
            Prop::ro("dynamic", BOOL, Some("no")),
            Prop::ro("slave", BOOL, Some("no")),
            disabled(),
            comment(),
        ],
        key: Some("name"),
        // X and R share a position (a disabled interface shows X alone):
        // `Flags: D - dynamic; X - disabled, R - running; S - slave` [cli:interface_print_detail__2.raw].
        flags: vec![
            flag('D', "dynamic", "DYNAMIC", 0),
            flag('X', "disabled", "DISABLED", 1),
            flag('R', "running", "RUNNING", 1),
            flag('S', "slave", "SLAVE", 2),
        ],
        // v6 widths and flag width: [cli:interface_print_brief__1.raw].
        columns: vec![
            col6("name", 35),
            col6("type", 10),
            rcol6("actual-mtu", 10),
            col("mac-address"),
        ],
        v6_flags_width: Some(3),
        // v6 keeps the three positions even when unused: [cli:interface_print_brief__1.raw].
        v6_flag_positions: !v.v7(),
        ..base("interface", FIXED, PrintForm::Table)
    }
}

/// `/interface ethernet`: the ethernet view of `/interface` (same items).
fn ethernet(v: Ver) -> MenuDef {
    // Two flag positions, X and R sharing one: [cli:interface_ethernet_print__1.raw] (v6); v7 as
    // `/interface` (**ASSUMPTION**: no v7 capture of this menu).
    let flags = vec![
        flag('X', "disabled", "DISABLED", 0),
        flag('R', "running", "RUNNING", 0),
        flag('S', "slave", "SLAVE", 1),
    ];
    MenuDef {
        props: vec![
            Prop::new("name", TEXT, None),
            Prop::ro("default-name", TEXT, None),
            Prop::new(
                "mtu",
                Ty::Int {
                    min: 32,
                    max: 65535,
                },
                Some("1500"),
            ),
            Prop::ro("mac-address", WORD, None),
            Prop::ro("orig-mac-address", WORD, None),
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
                "loop-protect",
                Ty::Enum(&["default", "off", "on"]),
                Some("default"),
            ),
            Prop::ro("running", BOOL, Some("yes")),
            Prop::ro("slave", BOOL, Some("no")),
            disabled(),
            comment(),
        ],
        key: Some("name"),
        flags,
        // [cli:interface_ethernet_print__1.raw]; CHR has no switch.
        columns: vec![
            col6("name", 6),
            rcol6("mtu", 5),
            col6("mac-address", 17),
            col("arp"),
        ],
        v6_flags_width: Some(2),
        v6_flag_positions: !v.v7(),
        ..base("interface/ethernet", FIXED, PrintForm::Table)
    }
}

fn ip_address() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("address", Ty::Prefix, None),
            Prop::new("network", WORD, None),
            Prop::new("interface", Ty::Ref("interface"), None),
            Prop::ro("actual-interface", WORD, None),
            disabled(),
            Prop::ro("dynamic", BOOL, Some("no")),
            Prop::ro("invalid", BOOL, Some("no")),
            comment(),
        ],
        flags: vec![
            flag('X', "disabled", "DISABLED", 0),
            flag('I', "invalid", "INVALID", 0),
            flag('D', "dynamic", "DYNAMIC", 1),
        ],
        // [cli:ip_address_print__1.raw] (v6 widths).
        columns: vec![col6("address", 18), col6("network", 15), col("interface")],
        v6_flags_width: Some(1),
        ..base("ip/address", LIST, PrintForm::Table)
    }
}

/// `/ipv6 address` (v7): properties and legend as the ansible v6 capture shows them
/// [cli:ansible/facts/ipv6_address_print_detail_without-paging.raw], the API keys of napalm-ros's
/// mock; the v7 table columns are an ASSUMPTION (sim/FIDELITY.md).
fn ipv6_address() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("address", Ty::Prefix, None),
            Prop::new("from-pool", TEXT, Some("")),
            Prop::new("interface", Ty::Ref("interface"), None),
            Prop::ro("actual-interface", WORD, None),
            Prop::new("eui-64", BOOL, Some("no")),
            Prop::new("advertise", BOOL, Some("yes")),
            Prop::new("no-dad", BOOL, Some("no")),
            disabled(),
            Prop::ro("invalid", BOOL, Some("no")),
            Prop::ro("dynamic", BOOL, Some("no")),
            Prop::ro("global", BOOL, Some("no")),
            Prop::ro("link-local", BOOL, Some("no")),
            comment(),
        ],
        flags: vec![
            flag('X', "disabled", "DISABLED", 0),
            flag('I', "invalid", "INVALID", 0),
            flag('D', "dynamic", "DYNAMIC", 1),
            flag('G', "global", "GLOBAL", 2),
            flag('L', "link-local", "LINK-LOCAL", 2),
        ],
        columns: vec![
            col("address"),
            col("from-pool"),
            col("interface"),
            col("advertise"),
        ],
        ..base("ipv6/address", LIST, PrintForm::Table)
    }
}

/// The dynamic link-local `/ipv6 address` of the machine's `n`th NIC (`.id` `*n`): the EUI-64
/// address of its MAC, `advertise=no` [cli:ansible/facts/ipv6_address_print_detail_without-paging.raw].
pub fn link_local_item(n: u32, mac: &str) -> Item {
    let name = format!("ether{n}");
    let addr = crate::ipv6::link_local(mac)
        .map(|a| format!("{a}/64"))
        .unwrap_or_default();
    Item::new(
        n,
        &[
            ("address", &addr),
            ("from-pool", ""),
            ("interface", &name),
            ("actual-interface", &name),
            ("eui-64", "no"),
            ("advertise", "no"),
            ("no-dad", "no"),
            ("disabled", "no"),
            ("invalid", "no"),
            ("dynamic", "yes"),
            ("global", "no"),
            ("link-local", "yes"),
        ],
    )
}

fn dhcp_client() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("interface", Ty::Ref("interface"), None),
            Prop::new(
                "add-default-route",
                Ty::Enum(&["yes", "no", "special-classless"]),
                Some("yes"),
            ),
            Prop::new(
                "default-route-distance",
                Ty::Int { min: 0, max: 255 },
                Some("1"),
            ),
            Prop::new("use-peer-dns", BOOL, Some("yes")),
            Prop::new("use-peer-ntp", BOOL, Some("yes")),
            Prop::ro("status", WORD, Some("searching...")),
            disabled(),
            Prop::ro("dynamic", BOOL, Some("no")),
            Prop::ro("invalid", BOOL, Some("no")),
            comment(),
        ],
        flags: vec![
            flag('X', "disabled", "DISABLED", 0),
            flag('I', "invalid", "INVALID", 0),
            flag('D', "dynamic", "DYNAMIC", 1),
        ],
        columns: vec![
            col("interface"),
            col("use-peer-dns"),
            col("add-default-route"),
            col("status"),
        ],
        ..base("ip/dhcp-client", LIST, PrintForm::Table)
    }
}

/// `/ip neighbor`: the neighbors discovery has heard, read-only; empty on a fresh CHR, and the
/// simulator never fills it (it hears no announcements: FIDELITY.md). Keys in the order of the
/// captured detail prints [cli:ip_neighbor_print_detail__2.raw].
fn neighbor() -> MenuDef {
    let ro = |name| Prop::ro(name, WORD, None);
    let text = |name| Prop::ro(name, TEXT, None);
    MenuDef {
        props: vec![
            ro("interface"),
            ro("address"),
            ro("address4"),
            ro("address6"),
            ro("mac-address"),
            text("identity"),
            text("platform"),
            text("version"),
            ro("unpack"),
            ro("age"),
            ro("uptime"),
            text("software-id"),
            text("board"),
            ro("ipv6"),
            text("interface-name"),
            text("system-description"),
            ro("system-caps"),
            ro("system-caps-enabled"),
        ],
        columns: vec![
            col("interface"),
            col("address"),
            col("mac-address"),
            col("identity"),
            col("version"),
            col("board"),
        ],
        read_only: true,
        ..base("ip/neighbor", FIXED, PrintForm::Table)
    }
}

fn discovery() -> MenuDef {
    single(
        "ip/neighbor/discovery-settings",
        vec![
            Prop::new("discover-interface-list", WORD, Some("all")),
            Prop::new("protocol", WORD, Some("cdp,lldp,mndp")),
        ],
    )
}

fn mac_server(v: Ver) -> MenuDef {
    let _ = v;
    single(
        "tool/mac-server",
        vec![Prop::new("allowed-interface-list", WORD, Some("all"))],
    )
}

fn bandwidth_server() -> MenuDef {
    single(
        "tool/bandwidth-server",
        vec![
            Prop::new("enabled", BOOL, Some("yes")),
            Prop::new("authenticate", BOOL, Some("yes")),
            Prop::new(
                "allocate-udp-ports-from",
                Ty::Int {
                    min: 1000,
                    max: 64000,
                },
                Some("2000"),
            ),
            Prop::new("max-sessions", Ty::Int { min: 1, max: 1000 }, Some("100")),
        ],
    )
}

fn dns(v: Ver) -> MenuDef {
    let mut props = vec![
        Prop::new("servers", WORD, Some("")),
        Prop::ro("dynamic-servers", WORD, Some("")),
    ];
    if v.v7() {
        props.push(Prop::new("use-doh-server", WORD, Some("")));
        props.push(Prop::new("verify-doh-cert", BOOL, Some("no")));
    }
    props.extend([
        Prop::new("allow-remote-requests", BOOL, Some("no")),
        Prop::new(
            "max-udp-packet-size",
            Ty::Int {
                min: 50,
                max: 65507,
            },
            Some("4096"),
        ),
        Prop::new("query-server-timeout", WORD, Some("2s")),
        Prop::new("query-total-timeout", WORD, Some("10s")),
        Prop::new("max-concurrent-queries", WORD, Some("100")),
        Prop::new("max-concurrent-tcp-sessions", WORD, Some("20")),
        Prop::new("cache-size", WORD, Some("2048KiB")),
        Prop::new("cache-max-ttl", WORD, Some("1w")),
        Prop::ro("cache-used", WORD, Some("0KiB")),
    ]);
    single("ip/dns", props)
}

/// `/ip dns static`: the resolver's own names. Only what the simulator's resolver answers from
/// (`name`, `address`, `type=A`, `ttl`) and the usual `disabled`/`comment`.
fn dns_static() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("name", TEXT, None),
            Prop::new("address", WORD, None),
            Prop::new(
                "type",
                Ty::Enum(&[
                    "A", "AAAA", "CNAME", "FWD", "MX", "NS", "NXDOMAIN", "SRV", "TXT",
                ]),
                Some("A"),
            ),
            Prop::new("ttl", WORD, Some("1d")),
            disabled(),
            comment(),
        ],
        flags: vec![flag('X', "disabled", "DISABLED", 0)],
        columns: vec![col("name"), col("address"), col("ttl")],
        ..base("ip/dns/static", LIST, PrintForm::Table)
    }
}

fn socks(v: Ver) -> MenuDef {
    let mut props = vec![
        Prop::new("enabled", BOOL, Some("no")),
        Prop::new("port", PORT, Some("1080")),
        Prop::new("connection-idle-timeout", WORD, Some("2m")),
        Prop::new("max-connections", WORD, Some("200")),
    ];
    if v.v7() {
        props.push(Prop::new("version", Ty::Enum(&["4", "5"]), Some("4")));
        props.push(Prop::new(
            "auth-method",
            Ty::Enum(&["none", "password"]),
            Some("none"),
        ));
    }
    single("ip/socks", props)
}

fn ssh(v: Ver) -> MenuDef {
    let mut props = vec![];
    if v.v7() {
        props.push(Prop::new(
            "forwarding-enabled",
            Ty::Enum(&["no", "local", "remote", "both"]),
            Some("no"),
        ));
    } else {
        props.push(Prop::new("forwarding-enabled", BOOL, Some("no")));
    }
    if !v.ge(7, 21) {
        props.push(Prop::new("always-allow-password-login", BOOL, Some("no")));
    }
    props.push(Prop::new("strong-crypto", BOOL, Some("no")));
    props.push(Prop::new("allow-none-crypto", BOOL, Some("no")));
    props.push(Prop::new("host-key-size", WORD, Some("2048")));
    if v.ge(7, 9) {
        props.push(Prop::new(
            "host-key-type",
            Ty::Enum(&["rsa", "ed25519"]),
            Some("rsa"),
        ));
    }
    if v.ge(7, 17) {
        props.push(Prop::new("ciphers", WORD, Some("auto")));
    }
    if v.ge(7, 21) {
        props.push(Prop::new(
            "password-authentication",
            Ty::Enum(&["yes", "no", "yes-if-no-key"]),
            Some("yes-if-no-key"),
        ));
    }
    single("ip/ssh", props)
}

fn cloud(v: Ver) -> MenuDef {
    let mut props = vec![
        Prop::new("ddns-enabled", BOOL, Some("no")),
        Prop::new("ddns-update-interval", WORD, Some("none")),
        Prop::new("update-time", BOOL, Some("yes")),
    ];
    if v.ge(7, 12) {
        props.push(Prop::new(
            "back-to-home-vpn",
            WORD,
            Some("revoked-and-disabled"),
        ));
    }
    props.push(Prop::ro("status", WORD, Some("unknown")));
    single("ip/cloud", props)
}

pub(super) fn ro_single(path: &'static str, keys: &[&'static str]) -> MenuDef {
    MenuDef {
        read_only: true,
        ..single(path, keys.iter().map(|k| Prop::ro(k, WORD, None)).collect())
    }
}

fn clock() -> MenuDef {
    single(
        "system/clock",
        vec![
            Prop::ro("time", WORD, None),
            Prop::ro("date", WORD, None),
            Prop::new("time-zone-autodetect", BOOL, Some("yes")),
            Prop::new("time-zone-name", WORD, Some("manual")),
            Prop::ro("gmt-offset", WORD, Some("+00:00")),
            Prop::ro("dst-active", BOOL, Some("no")),
        ],
    )
}

fn ip_settings() -> MenuDef {
    single(
        "ip/settings",
        vec![
            Prop::new("ip-forward", BOOL, Some("yes")),
            Prop::new("send-redirects", BOOL, Some("yes")),
            Prop::new("accept-source-route", BOOL, Some("no")),
            Prop::new("accept-redirects", BOOL, Some("no")),
            Prop::new("secure-redirects", BOOL, Some("yes")),
            Prop::new(
                "rp-filter",
                Ty::Enum(&["loose", "no", "strict"]),
                Some("no"),
            ),
            Prop::new("tcp-syncookies", BOOL, Some("no")),
            Prop::new("allow-fast-path", BOOL, Some("yes")),
            Prop::new("icmp-rate-limit", WORD, Some("10")),
            Prop::new("icmp-rate-mask", WORD, Some("0x1818")),
            Prop::new("arp-timeout", WORD, Some("30s")),
        ],
    )
}

fn ipv6_settings() -> MenuDef {
    single(
        "ipv6/settings",
        vec![
            Prop::new("disable-ipv6", BOOL, Some("no")),
            Prop::new("forward", BOOL, Some("yes")),
            Prop::new(
                "accept-redirects",
                Ty::Enum(&["no", "yes-if-forwarding-disabled"]),
                Some("yes-if-forwarding-disabled"),
            ),
            Prop::new(
                "accept-router-advertisements",
                Ty::Enum(&["no", "yes", "yes-if-forwarding-disabled"]),
                Some("yes-if-forwarding-disabled"),
            ),
            Prop::new("max-neighbor-entries", WORD, Some("8192")),
        ],
    )
}

/// `/system ntp client`, per version. RouterOS 6 (the SNTP client of the system package):
/// `enabled`, `primary-ntp`/`secondary-ntp` (IP addresses), `server-dns-names` and a read-only
/// `mode` (keys from [api:napalm-ros/get_ntp_servers__*], a v6 API print; the factory values
/// `no`, `0.0.0.0` and an empty name list from the manual's defaults). RouterOS 7: `enabled`,
/// `mode`, `servers` (addresses or names) and `vrf` (the manual "NTP"; no capture of a fresh
/// v7's print). The status fields a syncing client shows are not modelled (FIDELITY.md).
fn ntp_client(v: Ver) -> MenuDef {
    let props = if v.v7() {
        vec![
            Prop::new("enabled", BOOL, Some("no")),
            Prop::new(
                "mode",
                Ty::Enum(&["broadcast", "manycast", "multicast", "unicast"]),
                Some("unicast"),
            ),
            Prop::new("servers", WORD, Some("")),
            Prop::new("vrf", WORD, Some("main")),
        ]
    } else {
        vec![
            Prop::new("enabled", BOOL, Some("no")),
            Prop::new("primary-ntp", Ty::Prefix, Some("0.0.0.0")),
            Prop::new("secondary-ntp", Ty::Prefix, Some("0.0.0.0")),
            Prop::new("server-dns-names", WORD, Some("")),
            Prop::ro("mode", WORD, Some("unicast")),
        ]
    };
    single("system/ntp/client", props)
}

fn snmp() -> MenuDef {
    single(
        "snmp",
        vec![
            Prop::new("enabled", BOOL, Some("no")),
            Prop::new("contact", TEXT, Some("")),
            Prop::new("location", TEXT, Some("")),
            Prop::new("engine-id", TEXT, Some("")),
            Prop::new("trap-target", WORD, Some("")),
            Prop::new("trap-community", TEXT, Some("public")),
            Prop::new("trap-version", Ty::Enum(&["1", "2", "3"]), Some("1")),
            Prop::new("trap-generators", WORD, Some("")),
        ],
    )
}

fn snmp_community() -> MenuDef {
    MenuDef {
        props: vec![
            Prop::new("name", TEXT, None),
            Prop::new("addresses", Ty::Addrs, Some("::/0")),
            Prop::new(
                "security",
                Ty::Enum(&["authorized", "none", "private"]),
                Some("none"),
            ),
            Prop::new("read-access", BOOL, Some("yes")),
            Prop::new("write-access", BOOL, Some("no")),
            Prop::new(
                "authentication-protocol",
                Ty::Enum(&["MD5", "SHA1"]),
                Some("MD5"),
            ),
            Prop::new(
                "encryption-protocol",
                Ty::Enum(&["DES", "AES"]),
                Some("DES"),
            ),
            Prop::new("authentication-password", TEXT, Some("")),
            Prop::new("encryption-password", TEXT, Some("")),
            Prop::ro("default", BOOL, Some("no")),
            disabled(),
            comment(),
        ],
        key: Some("name"),
        flags: vec![
            flag('*', "default", "DEFAULT", 0),
            flag('X', "disabled", "DISABLED", 0),
        ],
        // [cli:snmp_community_print_without-paging__1.raw] (v6 widths and legend).
        columns: vec![
            col6("name", 59),
            col6("addresses", 97),
            col6("security", 10),
            col6("read-access", 11),
            col6("write-access", 12),
        ],
        v6_flags_width: Some(2),
        v6_legend: Some("Flags: * - default, X - disabled "),
        ..base("snmp/community", LIST, PrintForm::Table)
    }
}

/// Defaults of a settings (single) menu: every property with a default.
pub(super) fn single_item(def: &MenuDef) -> Item {
    let props: Vec<(&str, &str)> = def
        .props
        .iter()
        .filter_map(|p| p.default.map(|d| (p.name, d)))
        .collect();
    Item::new(0, &props)
}

/// The state of a fresh router: every menu's items.
pub fn factory(v: Ver, version: &Version, identity: &str) -> BTreeMap<String, Table> {
    let mut t = BTreeMap::new();
    for def in menus(v) {
        if super::state::storage(def.path) != def.path {
            continue;
        }
        let table = match def.kind {
            Kind::Single => Table::new(vec![single_item(&def)]),
            Kind::List { .. } => Table::new(Vec::new()),
        };
        t.insert(def.path.to_string(), table);
    }
    let mut put = |path: &str, items: Vec<Item>| {
        t.insert(path.to_string(), Table::new(items));
    };
    put("ip/service", service_items(v));
    put(
        "user",
        vec![Item::new(
            1,
            &[
                ("name", "admin"),
                ("group", "full"),
                ("address", ""),
                ("password", ""),
                ("comment", "system default user"),
                ("disabled", "no"),
            ],
        )],
    );
    if let Some(u) = t
        .get_mut("user")
        .and_then(|t| t.by_id_mut(1))
        .filter(|_| v.new_service_layout())
    {
        u.set("inactivity-policy", "none");
        u.set("inactivity-timeout", "10m");
    }
    let groups = [
        ("read", policies_read(v)),
        ("write", policies_write(v)),
        ("full", policies_full(v)),
    ];
    let items = groups
        .iter()
        .enumerate()
        .map(|(i, (name, pol))| {
            Item::new(
                i as u32 + 1,
                &[("name", name), ("policy", pol), ("skin", "default")],
            )
        })
        .collect();
    t.insert("user/group".into(), Table::new(items));
    t.insert("system/logging".into(), Table::new(logging_items()));
    t.insert(
        "system/logging/action".into(),
        Table::new(logging_action_items()),
    );
    let pkg = Item::new(
        1,
        &[
            ("name", "routeros"),
            ("version", &version.to_string()),
            ("scheduled", ""),
            ("disabled", "no"),
            ("available", "no"),
        ],
    );
    t.insert("system/package".into(), Table::new(vec![pkg]));
    if let Some(u) = t
        .get_mut("system/package/update")
        .and_then(|t| t.by_id_mut(0))
    {
        u.set("installed-version", &version.to_string());
    }
    if let Some(i) = t.get_mut("system/identity").and_then(|t| t.by_id_mut(0)) {
        i.set("name", identity);
    }
    let ether1 = ethernet_item(1);
    if v.v7() {
        let ll = link_local_item(1, ether1.get("mac-address").unwrap_or(""));
        t.insert("ipv6/address".into(), Table::new(vec![ll]));
    }
    t.insert("interface".into(), Table::new(vec![ether1]));
    let dhcp = Item::new(
        1,
        &[
            ("interface", "ether1"),
            ("add-default-route", "yes"),
            ("default-route-distance", "1"),
            ("use-peer-dns", "yes"),
            ("use-peer-ntp", "yes"),
            ("status", "searching..."),
            ("disabled", "no"),
            ("dynamic", "no"),
            ("invalid", "no"),
        ],
    );
    t.insert("ip/dhcp-client".into(), Table::new(vec![dhcp]));
    let public = Item::new(
        0,
        &[
            ("name", "public"),
            ("addresses", if v.v7() { "::/0" } else { "0.0.0.0/0" }),
            ("security", "none"),
            ("read-access", "yes"),
            ("write-access", "no"),
            ("authentication-protocol", "MD5"),
            ("encryption-protocol", "DES"),
            ("authentication-password", ""),
            ("encryption-password", ""),
            ("default", "yes"),
            ("disabled", "no"),
        ],
    );
    t.insert("snmp/community".into(), Table::new(vec![public]));
    t.insert(
        "system/routerboard".into(),
        Table::new(vec![Item::new(0, &[("routerboard", "no")])]),
    );
    let license = Item::new(0, &[("system-id", "SimChr0000A"), ("level", "free")]);
    t.insert("system/license".into(), Table::new(vec![license]));
    for (path, items) in super::stored::factory_items(v) {
        let mut table = Table::new(items);
        // Built-in items with high `.id`s (`/interface list`) leave the numbers below them
        // to what is added.
        table.next_id = 1;
        t.insert(path.to_string(), table);
    }
    t
}

/// The `/interface` item of the machine's `n`th NIC (`.id` `*n`, name `ether<n>`, MAC
/// `0C:C4:7A:00:00:<n>`, invented like ether1's).
pub fn ethernet_item(n: u32) -> Item {
    let name = format!("ether{n}");
    let mac = format!("0C:C4:7A:00:00:{n:02X}");
    Item::new(
        n,
        &[
            ("name", &name),
            ("default-name", &name),
            ("type", "ether"),
            ("mtu", "1500"),
            ("actual-mtu", "1500"),
            ("mac-address", &mac),
            ("orig-mac-address", &mac),
            ("arp", "enabled"),
            ("arp-timeout", "auto"),
            ("loop-protect", "default"),
            ("running", "yes"),
            ("dynamic", "no"),
            ("slave", "no"),
            ("disabled", "no"),
        ],
    )
}

fn logging_items() -> Vec<Item> {
    let rules = [
        ("info", "memory"),
        ("error", "memory"),
        ("warning", "memory"),
        ("critical", "echo"),
    ];
    rules
        .iter()
        .enumerate()
        .map(|(i, (topics, action))| {
            Item::new(
                i as u32,
                &[
                    ("topics", topics),
                    ("action", action),
                    ("prefix", ""),
                    ("default", "yes"),
                    ("invalid", "no"),
                    ("disabled", "no"),
                ],
            )
        })
        .collect()
}

fn logging_action_items() -> Vec<Item> {
    let mem = Item::new(
        0,
        &[
            ("name", "memory"),
            ("target", "memory"),
            ("memory-lines", "1000"),
            ("memory-stop-on-full", "no"),
            ("default", "yes"),
        ],
    );
    let disk = Item::new(
        1,
        &[
            ("name", "disk"),
            ("target", "disk"),
            ("disk-file-name", "log"),
            ("disk-lines-per-file", "1000"),
            ("disk-file-count", "2"),
            ("disk-stop-on-full", "no"),
            ("default", "yes"),
        ],
    );
    let echo = Item::new(
        2,
        &[
            ("name", "echo"),
            ("target", "echo"),
            ("remember", "yes"),
            ("default", "yes"),
        ],
    );
    let remote = Item::new(
        3,
        &[
            ("name", "remote"),
            ("target", "remote"),
            ("remote", "0.0.0.0"),
            ("remote-port", "514"),
            ("src-address", "0.0.0.0"),
            ("bsd-syslog", "no"),
            ("syslog-facility", "daemon"),
            ("syslog-severity", "auto"),
            ("default", "yes"),
        ],
    );
    vec![mem, disk, echo, remote]
}

/// Directories of the menu tree (paths that only hold other menus or commands).
pub fn directories(defs: &[MenuDef]) -> Vec<String> {
    let mut dirs: Vec<String> = Vec::new();
    for d in defs {
        let parts: Vec<&str> = d.path.split('/').collect();
        for n in 1..parts.len() {
            let p = parts[..n].join("/");
            if !dirs.contains(&p) && !defs.iter().any(|m| m.path == p) {
                dirs.push(p);
            }
        }
    }
    dirs.push("system".into());
    dirs.sort();
    dirs.dedup();
    dirs
}
