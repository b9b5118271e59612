//! The simulator against real RouterOS output in the capture corpus (`corpus/` in the repository,
//! or `$CHRLAB_CORPUS`; see `corpus/SOURCES.md`). A case whose capture is not redistributable
//! starts with [`testsupport::corpus::require`]: without the full corpus it is a counted skip.
//!
//! Every case goes through [`check`]: a router of the capture's version (and machine: NIC count)
//! is put into the capture's state through its own CLI, REST and logins ([`Step`]s), then the
//! print runs ([`Print`]) and its answer must equal the capture: for a terminal print, output
//! block N of the capture byte for byte (blocks are the runs of lines between prompt/echo lines,
//! as in `routeros/tests/print_corpus.rs`); for REST, the whole file byte for byte; for the
//! napalm-ros API mocks (hand-formatted JSON), the same data.

use chrlab_sim::router::{Router, RouterConfig, TerminalOpts, Via};
use routeros::version::Version;

fn is_prompt(line: &str) -> bool {
    (line.starts_with('[') && line.contains('@') && line.contains(']')) || line.starts_with('/')
}

/// Output block `n` of a capture (the same splitting as `routeros/tests/print_corpus.rs`): the
/// runs of lines between prompt/echo lines, without the empty lines a terminal leaves around them.
/// A capture whose last line lacks its `"\n"` (trimmed by whoever saved it) is compared as if it
/// had one.
fn block(capture: &str, n: usize) -> String {
    let text = testsupport::corpus::text(capture);
    let mut blocks: Vec<String> = vec![String::new()];
    let mut seen_prompt = false;
    for line in text.split_inclusive('\n') {
        if is_prompt(line) {
            if seen_prompt || !blocks[0].is_empty() {
                blocks.push(String::new());
            }
            seen_prompt = true;
            continue;
        }
        blocks.last_mut().expect("one block").push_str(line);
    }
    for b in &mut blocks {
        *b = b.trim_matches('\n').to_string();
    }
    blocks.retain(|b| !b.is_empty());
    let mut b = blocks
        .get(n)
        .unwrap_or_else(|| panic!("{capture}: no block {n}"))
        .clone();
    if !b.ends_with('\n') {
        b.push('\n');
    }
    b
}

/// A router of `version` (identity `CHR` on v7, `MikroTik` on v6), changed by `tweak`.
fn config(version: &str, tweak: impl FnOnce(&mut RouterConfig)) -> RouterConfig {
    let mut cfg = RouterConfig::for_version(Version::parse(version).expect("version parses"));
    tweak(&mut cfg);
    cfg
}

/// One step that puts the router into a capture's state.
enum Step {
    /// A CLI line at the current session's terminal; it must print nothing.
    Cli(&'static str),
    /// A REST request (method, path, query, body) in the current session; it must answer 2xx.
    Rest(&'static str, &'static str, &'static str, &'static str),
    /// Logs in (user, password, service, client address); the new session is the current one.
    Login(&'static str, &'static str, Via, &'static str),
    /// Logs the current session out.
    Logout,
    /// A record the router's own machinery makes and no command can (menu, fields), put in
    /// with [`Router::learn`] as the capture's router had learned it.
    Learn(&'static str, &'static [(&'static str, &'static str)]),
}

/// What is compared with the capture.
enum Print {
    /// A CLI line at the current session's terminal, against output block N of the capture.
    Cli(&'static str, usize),
    /// [`Print::Cli`] at a terminal of this many columns (the session's terminal for the setup
    /// stays 80 wide): for `print detail` captures taken on a wide terminal.
    CliWide(&'static str, usize, u16),
    /// A REST request (method, path, query, body), whose body must equal the whole file.
    Rest(&'static str, &'static str, &'static str, &'static str),
    /// A binary-API sentence, whose `!re` rows, typed as librouteros types them (integers,
    /// `yes`/`true`/`no`/`false` as booleans), must equal the `data` of a napalm-ros mock file.
    /// These files are hand-formatted JSON, not router bytes: this compares data, not bytes.
    Api(&'static [&'static str]),
}

/// Starts a router from `cfg`, logs `admin` in over SSH from 192.0.2.10 (and, for a REST or API
/// print, over that service from the same address), runs `setup`, then `print`, and compares
/// the answer with the capture.
fn check(capture: &str, cfg: RouterConfig, setup: &[Step], print: Print) {
    let r = Router::new(cfg).expect("router starts");
    let opts = || TerminalOpts {
        interactive: false,
        colors: false,
        width: 80,
    };
    let from = "192.0.2.10".parse().ok();
    // The terminal session (CLI steps and prints) and the REST/API session.
    let mut cli = Some(r.login("admin", "", Via::Ssh, from).expect("admin logs in"));
    let mut term = cli.as_ref().map(|s| r.terminal(s, opts()));
    let other = match print {
        Print::Cli(..) | Print::CliWide(..) => None,
        Print::Rest(..) => Some(Via::RestApi),
        Print::Api(..) => Some(Via::Api),
    }
    .map(|via| r.login("admin", "", via, from).expect("admin logs in"));
    for step in setup {
        match step {
            Step::Cli(line) => {
                let t = term.as_mut().expect("a logged-in terminal");
                let out = t.execute(line);
                assert_eq!(out, "", "{capture}: setup line {line:?} printed something");
            }
            Step::Rest(method, path, query, body) => {
                let s = other.as_ref().expect("a REST print");
                let reply = r.rest(s, method, path, query, body.as_bytes());
                assert!(
                    (200..300).contains(&reply.status),
                    "{capture}: setup {method} {path}: {} {}",
                    reply.status,
                    reply.body
                );
            }
            Step::Login(user, password, via, from) => {
                let s = r
                    .login(user, password, *via, from.parse().ok())
                    .unwrap_or_else(|e| panic!("{capture}: {user} logs in: {e}"));
                term = Some(r.terminal(&s, opts()));
                cli = Some(s);
            }
            Step::Logout => {
                let s = cli.take().expect("a logged-in terminal");
                term = None;
                r.logout(&s);
            }
            Step::Learn(menu, fields) => {
                r.learn(menu, fields).unwrap_or_else(|e| {
                    panic!("{capture}: learn {menu} {fields:?}: {}", e.message)
                });
            }
        }
    }
    let terminal = matches!(print, Print::Cli(..) | Print::CliWide(..));
    let (got, want, what) = match print {
        Print::Cli(line, n) => {
            let t = term.as_mut().expect("a logged-in session");
            (
                t.execute(line),
                block(capture, n),
                format!("`{line}` (block {n})"),
            )
        }
        Print::CliWide(line, n, width) => {
            let s = cli.as_ref().expect("a logged-in session");
            let mut wide = r.terminal(s, TerminalOpts { width, ..opts() });
            (
                wide.execute(line),
                block(capture, n),
                format!("`{line}` at {width} columns (block {n})"),
            )
        }
        Print::Rest(method, path, query, body) => {
            let s = other.as_ref().expect("a REST session");
            let reply = r.rest(s, method, path, query, body.as_bytes());
            let want = testsupport::corpus::text(capture);
            (reply.body, want, format!("{method} {path}?{query}"))
        }
        Print::Api(words) => {
            let s = other.as_ref().expect("an API session");
            let sentence: Vec<String> = words.iter().map(|w| w.to_string()).collect();
            let rows: Vec<serde_json::Value> = r
                .api(s, &sentence)
                .iter()
                .filter(|reply| reply.first().map(String::as_str) == Some("!re"))
                .map(|reply| librouteros_typed(&reply[1..]))
                .collect();
            let text = testsupport::corpus::text(capture);
            let file: serde_json::Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{capture}: {e}"));
            // Key order is not data (librouteros builds a dict): compare with sorted keys.
            let pretty = |v: &serde_json::Value| {
                serde_json::to_string_pretty(&sorted_keys(v)).expect("JSON") + "\n"
            };
            (
                pretty(&serde_json::Value::Array(rows)),
                pretty(&file["data"]),
                format!("API {}", words.join(" ")),
            )
        }
    };
    if got != want {
        let mut msg = format!("{capture}: {what} differs\n");
        for (i, (g, w)) in got.split('\n').zip(want.split('\n')).enumerate() {
            if g != w {
                msg.push_str(&format!("line {}:\n got: {g:?}\nwant: {w:?}\n", i + 1));
            }
        }
        msg.push_str(&format!("--- got ---\n{got}--- want ---\n{want}"));
        panic!("{msg}");
    }
    // ntc-templates' reader of the capture's command reads the simulator's print as the
    // capture's `.yml` says (only for its captures; the rest have no `.yml`).
    if terminal {
        testsupport::ntc::assert_parses_as_captured(capture, &got);
    }
}

/// `=key=value` words as an object, typed the way librouteros (python) types them.
fn librouteros_typed(words: &[String]) -> serde_json::Value {
    let mut obj = serde_json::Map::new();
    for w in words {
        let Some((k, v)) = w.strip_prefix('=').and_then(|kv| kv.split_once('=')) else {
            continue;
        };
        let typed = match v {
            "yes" | "true" => serde_json::Value::Bool(true),
            "no" | "false" => serde_json::Value::Bool(false),
            _ => match v.parse::<i64>() {
                Ok(n) => serde_json::Value::from(n),
                Err(_) => serde_json::Value::from(v),
            },
        };
        obj.insert(k.to_string(), typed);
    }
    serde_json::Value::Object(obj)
}

fn sorted_keys(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            serde_json::Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted_keys(&m[k])))
                    .collect(),
            )
        }
        serde_json::Value::Array(a) => {
            serde_json::Value::Array(a.iter().map(sorted_keys).collect())
        }
        other => other.clone(),
    }
}

use Step::{Cli, Learn, Login, Logout, Rest};

#[test]
fn user_print_7_2x_after_a_login_at_the_captured_time() {
    if !testsupport::corpus::require("cli/manual/user_print__v7.2x.txt") {
        return;
    }
    // cli/manual/user_print__v7.2x.txt: admin last logged in at 2025-07-22 17:09:59.
    check(
        "cli/manual/user_print__v7.2x.txt",
        config("7.23.7", |_| {}),
        &[
            Cli("/system/clock/set date=2025-07-22 time=17:09:59"),
            Logout,
            Login("admin", "", Via::Ssh, "192.0.2.10"),
        ],
        Print::Cli("/user/print", 0),
    );
}

#[test]
fn v6_user_active_print_two_sessions() {
    // cli/user_active_print__1.raw: v6 layout, version not stated; 6.48.6 is what
    // cli/ip_address_export_verbose__1.raw names on the same day (jul/21/2023), and every v6
    // before the ISO dates prints alike. user1 logged in over SSH at 09:38:39, user2 over telnet
    // at 11:00:32; user2 prints, as no third session is listed.
    check(
        "cli/user_active_print__1.raw",
        config("6.48.6", |_| {}),
        &[
            Cli("/user add name=user1 group=full password=one"),
            Cli("/user add name=user2 group=full password=two"),
            Cli("/system clock set date=jul/21/2023 time=09:38:39"),
            Logout,
            Login("user1", "one", Via::Ssh, "1.2.3.4"),
            Cli("/system clock set time=11:00:32"),
            Login("user2", "two", Via::Telnet, "1.2.3.5"),
        ],
        Print::Cli("/user active print", 0),
    );
}

/// The REST examples of the manual come from a 7.1beta4 router (its `/system/resource` example);
/// `.proplist` there leaves `.id` out, as the simulator does before 7.2.
const MANUAL_REST: &str = "7.1beta4";

fn three_nics(c: &mut RouterConfig) {
    c.ethernets = 3;
}

/// The two addresses of the manual's `GET /rest/ip/address` example (ether3's disabled).
const TWO_ADDRESSES: &[Step] = &[
    Rest(
        "PUT",
        "/ip/address",
        "",
        r#"{"address":"10.0.0.111/24","interface":"ether2"}"#,
    ),
    Rest(
        "PUT",
        "/ip/address",
        "",
        r#"{"address":"10.0.0.109/24","interface":"ether3","disabled":"true"}"#,
    ),
];

#[test]
fn rest_get_ip_address_examples() {
    if !testsupport::corpus::require("rest/manual/get_ip_address.json") {
        return;
    }
    check(
        "rest/manual/get_ip_address.json",
        config(MANUAL_REST, three_nics),
        TWO_ADDRESSES,
        Print::Rest("GET", "/ip/address", "", ""),
    );
    check(
        "rest/manual/get_ip_address_id_1.json",
        config(MANUAL_REST, three_nics),
        TWO_ADDRESSES,
        Print::Rest("GET", "/ip/address/*1", "", ""),
    );
    check(
        "rest/manual/get_ip_address_proplist.json",
        config(MANUAL_REST, three_nics),
        TWO_ADDRESSES,
        Print::Rest("GET", "/ip/address", ".proplist=address,disabled", ""),
    );
}

#[test]
fn rest_writes_on_an_interface_named_dummy() {
    if !testsupport::corpus::require("rest/manual/patch_ip_address_id_3.json") {
        return;
    }
    // The manual's examples address an interface named `dummy`; here the CHR's ether2 carries
    // that name (the REST bodies show only the name).
    let dummy = |c: &mut RouterConfig| c.ethernets = 2;
    let before = [
        Cli("/interface set ether2 name=dummy"),
        Cli("/ip address add address=172.16.5.1/24 interface=ether1"),
        Cli("/ip address add address=172.16.6.1/24 interface=ether1"),
        Cli("/ip address add address=192.168.99.2/24 interface=dummy"),
    ];
    check(
        "rest/manual/patch_ip_address_id_3.json",
        config(MANUAL_REST, dummy),
        &before,
        Print::Rest("PATCH", "/ip/address/*3", "", r#"{"comment": "test"}"#),
    );
    let mut patched: Vec<Step> = before.into_iter().collect();
    patched.push(Rest(
        "PATCH",
        "/ip/address/*3",
        "",
        r#"{"comment": "test"}"#,
    ));
    check(
        "rest/manual/get_ip_address_query_comment_interface.json",
        config(MANUAL_REST, dummy),
        &patched,
        Print::Rest("GET", "/ip/address", "comment=test&interface=dummy", ""),
    );
    // `.id` `*A`: nine addresses came before it.
    let mut nine: Vec<Step> = vec![Cli("/interface set ether2 name=dummy")];
    nine.extend(NINE_ADDRESSES.iter().map(|line| Cli(line)));
    check(
        "rest/manual/put_ip_address.json",
        config(MANUAL_REST, dummy),
        &nine,
        Print::Rest(
            "PUT",
            "/ip/address",
            "",
            r#"{"address": "192.168.111.111", "interface": "dummy"}"#,
        ),
    );
}

const NINE_ADDRESSES: [&str; 9] = [
    "/ip address add address=10.0.1.1/24 interface=ether1",
    "/ip address add address=10.0.2.1/24 interface=ether1",
    "/ip address add address=10.0.3.1/24 interface=ether1",
    "/ip address add address=10.0.4.1/24 interface=ether1",
    "/ip address add address=10.0.5.1/24 interface=ether1",
    "/ip address add address=10.0.6.1/24 interface=ether1",
    "/ip address add address=10.0.7.1/24 interface=ether1",
    "/ip address add address=10.0.8.1/24 interface=ether1",
    "/ip address add address=10.0.9.1/24 interface=ether1",
];

#[test]
fn v6_clock_print_in_moscow() {
    // cli/system_clock_print__1.raw: v6 dates, version not stated (6.48.6 as above, the same
    // day); Europe/Moscow is +03:00 without DST.
    check(
        "cli/system_clock_print__1.raw",
        config("6.48.6", |_| {}),
        &[Cli(
            "/system clock set time-zone-name=Europe/Moscow date=jul/21/2023 time=10:00:47",
        )],
        Print::Cli("/system clock print", 0),
    );
}

#[test]
fn napalm_ros_mock_data() {
    let v6 = || config("6.48.6", |_| {});
    check(
        "api/napalm-ros/get_facts__pc__system_identity_print.json",
        v6(),
        &[],
        Print::Api(&["/system/identity/print"]),
    );
    check(
        "api/napalm-ros/get_facts__pc__system_routerboard_print.json",
        v6(),
        &[],
        Print::Api(&["/system/routerboard/print"]),
    );
    check(
        "api/napalm-ros/get_snmp_information__normal__snmp_print.json",
        v6(),
        &[Cli(
            r#"/snmp set contact="contact name" location="some location""#,
        )],
        Print::Api(&["/snmp/print"]),
    );
    check(
        "api/napalm-ros/get_config__v7__system_package_update_print.json",
        config("7.5", |_| {}),
        &[],
        Print::Api(&["/system/package/update/print"]),
    );
}

/// napalm-ros's `/ipv6/address/print` mock (a router whose one address is ether1's link-local):
/// the v7 simulator's factory row has the same keys and values, apart from the address, which
/// is the EUI-64 address of each machine's own MAC (the mock's is a VirtualBox MAC), and the
/// `no-dad` and `global` keys the simulator adds (FIDELITY: ASSUMPTION).
#[test]
fn napalm_ros_ipv6_address_mock() {
    let capture = "api/napalm-ros/get_interfaces_ip__both__ipv6_address_print.json";
    if !testsupport::corpus::require(capture) {
        return;
    }
    let r = Router::new(config("7.23.7", |_| {})).expect("router starts");
    let s = r
        .login("admin", "", Via::Api, "192.0.2.10".parse().ok())
        .expect("admin logs in");
    let rows: Vec<serde_json::Value> = r
        .api(&s, &["/ipv6/address/print".to_string()])
        .iter()
        .filter(|reply| reply.first().map(String::as_str) == Some("!re"))
        .map(|reply| librouteros_typed(&reply[1..]))
        .collect();
    let file: serde_json::Value =
        serde_json::from_str(&testsupport::corpus::text(capture)).expect("JSON");
    let want = file["data"].as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), want.len(), "{rows:?}");
    for (mut got, mut want) in rows.into_iter().zip(want) {
        let (got, want) = (
            got.as_object_mut().expect("a row"),
            want.as_object_mut().expect("a row"),
        );
        for extra in ["no-dad", "global"] {
            assert!(got.remove(extra).is_some(), "{extra} in {got:?}");
        }
        let mock = want.remove("address");
        assert_eq!(
            mock.as_ref().and_then(|a| a.as_str()),
            chrlab_sim::ipv6::link_local("08:00:27:A9:3F:55")
                .map(|a| format!("{a}/64"))
                .as_deref(),
            "the mock's address is its MAC's EUI-64 link-local"
        );
        assert_eq!(
            got.remove("address").as_ref().and_then(|a| a.as_str()),
            Some("fe80::ec4:7aff:fe00:1/64")
        );
        assert_eq!(
            sorted_keys(&got.clone().into()),
            sorted_keys(&want.clone().into())
        );
    }
}

/// The dynamic `/ip service` rows below 8729 of the 7.2x manual's router
/// (cli/manual/ip_service_print_where_dynamic__v7.2x.txt: rows 3-6, 8, 10-12 and 14), in the
/// order its print numbers them: a resolver answering remote requests, a DHCP server and
/// client, the SNMP agent, the bandwidth-test server, the loader, neighbour discovery and one
/// winbox connection.
const V7_2X_DYNAMIC_SERVICES: &[&[(&str, &str)]] = &[
    &[("name", "resolver"), ("port", "53")],
    &[("name", "resolver"), ("port", "53"), ("proto", "udp")],
    &[("name", "dhcp"), ("port", "67"), ("proto", "udp")],
    &[("name", "dhcpclient"), ("port", "68"), ("proto", "udp")],
    &[("name", "snmp"), ("port", "161"), ("proto", "udp")],
    &[("name", "btest"), ("port", "2000")],
    &[("name", "loader"), ("port", "3986")],
    &[("name", "discover"), ("port", "5678"), ("proto", "udp")],
    &[("name", "winbox"), ("port", "8291"), ("connection", "yes")],
];

#[test]
fn ip_service_where_not_dynamic_7_2x_between_learned_rows() {
    let capture = "cli/manual/ip_service_print_where_not_dynamic__v7.2x.txt";
    if !testsupport::corpus::require(capture) {
        return;
    }
    // The print keeps each row's number in the whole (port-sorted) table, so the dynamic rows
    // the capture's router had give the gaps 3-6, 8, 10-12, 14.
    let mut setup: Vec<Step> = vec![
        Cli("/system/identity/set name=dzeltenais_burkaans"),
        Cli("/ip/service/set api address=10.5.101.0/24,2001:db8:fade::/64"),
    ];
    setup.extend(
        V7_2X_DYNAMIC_SERVICES
            .iter()
            .map(|fields| Learn("ip/service", fields)),
    );
    check(
        capture,
        config("7.23.7", |_| {}),
        &setup,
        Print::Cli("/ip/service/print where !dynamic", 0),
    );
}

/// ether2 and ether5 of a five-port machine, named as the ARP captures name them.
fn five_nics(c: &mut RouterConfig) {
    c.ethernets = 5;
}

#[test]
fn v6_ip_arp_print_terse_a_learned_and_a_static_entry() {
    let capture = "cli/ip_arp_print_terse_without-paging__1.raw";
    if !testsupport::corpus::require(capture) {
        return;
    }
    // v6 (ASSUMPTION: no version stated; the table prints of the same fixture set carry v6
    // legends, and every v6 prints terse alike). Entry 0 was learned from a neighbour (dynamic,
    // complete); entry 1 was added by hand.
    check(
        capture,
        config("6.48.6", five_nics),
        &[
            Cli("/interface set ether2 name=ether2_BOX"),
            Cli("/interface set ether5 name=ether5_KFCcisco"),
            Learn(
                "ip/arp",
                &[
                    ("address", "10.160.1.230"),
                    ("mac-address", "12:34:56:78:90:AA"),
                    ("interface", "ether2_BOX"),
                    ("complete", "yes"),
                ],
            ),
            Cli(
                "/ip arp add address=10.152.1.230 mac-address=12:34:56:78:90:AB interface=ether5_KFCcisco",
            ),
        ],
        Print::Cli("/ip arp print terse without-paging", 0),
    );
}

#[test]
fn v6_ip_neighbor_print_detail_one_learned_neighbor() {
    let capture = "cli/ip_neighbor_print_detail__1.raw";
    if !testsupport::corpus::require(capture) {
        return;
    }
    // A 6.48.6 RB750UPr2 heard on ether1, learned as discovery would. The viewer's
    // version is not stated (ASSUMPTION: 6.48.6, its neighbour's). One line of 393 columns, so
    // the terminal was at least that wide; 450 as in the printer's test of the __3 capture.
    check(
        capture,
        config("6.48.6", |_| {}),
        &[Learn(
            "ip/neighbor",
            &[
                ("interface", "ether1"),
                ("address", "10.159.1.159"),
                ("address4", "10.159.1.159"),
                ("mac-address", "12:34:56:78:90:AB"),
                ("identity", "MikroTik-Dev"),
                ("platform", "MikroTik"),
                ("version", "6.48.6 (long-term)"),
                ("unpack", "none"),
                ("age", "17s"),
                ("uptime", "1w5d2h31m30s"),
                ("software-id", "1234-ABCD"),
                ("board", "RB750UPr2"),
                ("interface-name", "ether2"),
                (
                    "system-description",
                    "MikroTik RouterOS 6.48.6 (long-term) RB750UPr2",
                ),
                ("system-caps", "bridge,router"),
                ("system-caps-enabled", "bridge,wlan-ap,router"),
            ],
        )],
        Print::CliWide("/ip neighbor print detail", 0, 450),
    );
}
