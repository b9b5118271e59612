//! `routeros::print` against real `print` output in the capture corpus (`corpus/` in the
//! repository, or `$CHRLAB_CORPUS`; see `corpus/SOURCES.md`). Every case goes through [`check`]:
//! the rendered text must equal the capture byte for byte, prompt/echo lines excluded. A case
//! whose capture is not redistributable starts with [`testsupport::corpus::require`], so in a
//! clone without it the case is a visible, counted skip.
//!
//! Detail, terse and single-value cases build their records by reading the data (index, flags,
//! comment, key=value pairs) back out of the capture, so what is checked is the layout: widths,
//! wrapping, quoting, separators, padding.

use routeros::print::{
    Column, DetailOptions, Record, Row, Style, Table, Value, as_value, detail, detail_with, single,
    table, table_with, terse,
};

/// Compares `got` with output block `N` of a capture, named `path` or `path#N` (blocks are the
/// runs of lines between prompt/echo lines, without the empty lines a terminal leaves around
/// them; default 0). A capture whose last line lacks its `"\n"` (trimmed by whoever saved it) is
/// compared as if it had one.
fn check(capture: &str, got: &str) {
    let want = block(capture);
    if got != want {
        let mut msg = format!("{capture}: rendered output differs\n");
        for (n, (g, w)) in got.split('\n').zip(want.split('\n')).enumerate() {
            if g != w {
                msg.push_str(&format!("line {}:\n got: {g:?}\nwant: {w:?}\n", n + 1));
            }
        }
        msg.push_str(&format!("--- got ---\n{got}--- want ---\n{want}"));
        panic!("{msg}");
    }
}

fn is_prompt(line: &str) -> bool {
    (line.starts_with('[') && line.contains('@') && line.contains(']')) || line.starts_with('/')
}

fn block(capture: &str) -> String {
    let (file, n) = match capture.split_once('#') {
        Some((f, n)) => (f, n.parse::<usize>().unwrap()),
        None => (capture, 0),
    };
    let text = testsupport::corpus::text(file);
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
        blocks.last_mut().unwrap().push_str(line);
    }
    for b in &mut blocks {
        *b = b.trim_matches('\n').to_string();
    }
    // Commands without output (`set`) leave empty blocks.
    blocks.retain(|b| !b.is_empty());
    let mut b = blocks
        .get(n)
        .unwrap_or_else(|| panic!("{capture}: no block {n}"))
        .clone();
    if !b.is_empty() && !b.ends_with('\n') {
        b.push('\n');
    }
    b
}

fn cells<const N: usize>(v: [&str; N]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn row<const N: usize>(index: usize, flags: &str, v: [&str; N]) -> Row {
    Row::new(index, flags, cells(v))
}

// ---------------------------------------------------------------- v7 tables

fn ip_service_7_9_2(disabled: &[usize]) -> Table {
    let data = [
        ("telnet", "23", "", "main"),
        ("ftp", "21", "", ""),
        ("www", "80", "", "main"),
        ("ssh", "22", "", "main"),
        ("www-ssl", "443", "none", "main"),
        ("api", "8728", "", "main"),
        ("winbox", "8291", "", "main"),
        ("api-ssl", "8729", "none", "main"),
    ];
    Table {
        flags_legend: vec![('X', "DISABLED"), ('I', "INVALID")],
        legend: Some("Flags: X, I - INVALID".into()),
        columns: vec![
            Column::left("NAME"),
            Column::right("PORT"),
            Column::left("CERTIFICATE"),
            Column::left("VRF"),
        ],
        rows: data
            .iter()
            .enumerate()
            .map(|(i, (n, p, c, v))| {
                let flags = if disabled.contains(&i) { "X" } else { "" };
                row(i, flags, [n, p, c, v])
            })
            .collect(),
        ..Table::default()
    }
}

#[test]
fn v7_9_2_ip_service_fresh_and_after_disabling() {
    let file = "cli/other/ip_service_print__chr-7.9.2_fresh__blog.txt";
    if !testsupport::corpus::require(file) {
        return;
    }
    check(file, &table(Style::V7, &ip_service_7_9_2(&[4])));
    check(
        &format!("{file}#1"),
        &table(Style::V7, &ip_service_7_9_2(&[0, 1, 2, 4, 5, 7])),
    );
}

#[test]
fn v7_2x_ip_service_where_not_dynamic() {
    if !testsupport::corpus::require("cli/manual/ip_service_print_where_not_dynamic__v7.2x.txt") {
        return;
    }
    let svc = |i: usize, flags: &str, name: &str, port: &str, addr: &[&str], cert: &str| Row {
        index: i,
        flags: flags.into(),
        comment: None,
        cells: vec![
            vec![name.into()],
            vec![port.into()],
            vec!["tcp".into()],
            addr.iter().map(|a| a.to_string()).collect(),
            vec![cert.into()],
            vec!["main".into()],
            vec!["20".into()],
        ],
    };
    let t = Table {
        flags_legend: vec![('X', "DISABLED"), ('I', "INVALID")],
        columns: vec![
            Column::left("NAME"),
            Column::right("PORT"),
            Column::left("PROTO"),
            Column::left("ADDRESS"),
            Column::left("CERTIFICATE"),
            Column::left("VRF"),
            Column::right("MAX-SESSIONS"),
        ],
        rows: vec![
            svc(0, "", "ftp", "21", &[], ""),
            svc(1, "", "ssh", "22", &[], ""),
            svc(2, "", "telnet", "23", &[], ""),
            svc(7, "", "www", "80", &[], ""),
            svc(9, "X", "www-ssl", "443", &[], "none"),
            svc(13, "", "winbox", "8291", &[], ""),
            svc(
                15,
                "",
                "api",
                "8728",
                &["10.5.101.0/24", "2001:db8:fade::/64"],
                "",
            ),
            svc(16, "", "api-ssl", "8729", &[], "none"),
        ],
        ..Table::default()
    };
    check(
        "cli/manual/ip_service_print_where_not_dynamic__v7.2x.txt",
        &table(Style::V7, &t),
    );
}

#[test]
fn v7_2x_user_print_comment_and_no_flags() {
    if !testsupport::corpus::require("cli/manual/user_print__v7.2x.txt") {
        return;
    }
    let t = Table {
        flags_legend: vec![('X', "DISABLED")],
        columns: vec![
            Column::left("NAME"),
            Column::left("GROUP"),
            Column::left("LAST-LOGGED-IN"),
            Column::left("INACTIVITY-POLICY"),
        ],
        rows: vec![
            row(0, "", ["admin", "full", "2025-07-22 17:09:59", "none"])
                .comment("system default user"),
        ],
        ..Table::default()
    };
    check("cli/manual/user_print__v7.2x.txt", &table(Style::V7, &t));
}

#[test]
fn v7_24beta1_system_package_print() {
    if !testsupport::corpus::require("cli/manual/system_package_print__7.24beta1.txt") {
        return;
    }
    let installed = [
        ("wireless", "", "1388.1KiB"),
        ("container", "X", "1156.1KiB"),
        ("routeros", "", "11.0MiB"),
        ("zerotier", "", "372.1KiB"),
    ];
    let available = [
        ("calea", "20.1KiB"),
        ("gps", "24.1KiB"),
        ("iot", "788.1KiB"),
        ("openflow", "76.1KiB"),
        ("tr069-client", "120.1KiB"),
        ("ups", "44.1KiB"),
    ];
    let mut rows: Vec<Row> = installed
        .iter()
        .enumerate()
        .map(|(i, (n, f, s))| row(i, f, [n, "7.24beta1", "", "2026-05-26 10:47:52", s]))
        .collect();
    rows.extend(
        available
            .iter()
            .enumerate()
            .map(|(i, (n, s))| row(i + 4, "XA", [n, "", "", "", s])),
    );
    let t = Table {
        flags_legend: vec![('X', "DISABLED"), ('A', "AVAILABLE")],
        // 7.24beta1 sizes NAME, VERSION and SCHEDULED by packages it does not list, and pads the
        // SIZE header to 6 while padding the values to 9.
        columns: vec![
            Column::left("NAME").width(14),
            Column::left("VERSION").width(10),
            Column::left("SCHEDULED").width(29),
            Column::left("BUILD-TIME"),
            Column::left("SIZE").header_width(6),
        ],
        rows,
        ..Table::default()
    };
    check(
        "cli/manual/system_package_print__7.24beta1.txt",
        &table(Style::V7, &t),
    );
}

#[test]
fn v7_9_file_print() {
    if !testsupport::corpus::require("cli/manual/file_print_and_reboot__v7.9.txt") {
        return;
    }
    let t = Table {
        // 7.9's /file/print has an empty flag column and pads the last header one wider.
        flags_width: Some(0),
        columns: vec![
            Column::left("NAME"),
            Column::left("TYPE"),
            Column::left("SIZE"),
            Column::left("CREATION-TIME").header_width(20),
        ],
        rows: vec![
            row(
                0,
                "",
                [
                    "routeros-7.9-arm.npk",
                    "package",
                    "13.0MiB",
                    "2023-05-18 16:16:18",
                ],
            ),
            row(1, "", ["pub", "directory", "", "2022-11-04 11:22:19"]),
            row(2, "", ["ramdisk", "directory", "", "1970-01-01 03:00:24"]),
        ],
        ..Table::default()
    };
    check(
        "cli/manual/file_print_and_reboot__v7.9.txt",
        &table(Style::V7, &t),
    );
}

// ---------------------------------------------------------------- v6 tables

fn v6_ip_address(rows: Vec<Row>) -> Table {
    Table {
        flags_legend: vec![('X', "disabled"), ('I', "invalid"), ('D', "dynamic")],
        flags_width: Some(1),
        columns: vec![
            Column::left("ADDRESS").width(18),
            Column::left("NETWORK").width(15),
            Column::left("INTERFACE"),
        ],
        rows,
        ..Table::default()
    }
}

#[test]
fn v6_ip_address_print_with_comments() {
    let t = v6_ip_address(vec![
        row(0, "", ["1.2.3.6/30", "1.2.3.4", "ether1"]),
        row(1, "", ["192.167.1.5/27", "192.167.1.0", "eth2_vlan1"]).comment("test ip1"),
        row(2, "D", ["192.168.1.53/24", "192.168.1.0", "lte1"]),
        row(3, "X", ["192.167.1.99/27", "192.167.1.0", "eth2_vlan2"]).comment("test ip2"),
    ]);
    check("cli/ip_address_print__1.raw", &table(Style::V6, &t));
}

#[test]
fn v6_ip_address_print_overflowing_flags() {
    let t = v6_ip_address(vec![
        row(
            0,
            "",
            ["10.156.1.229/30", "10.156.1.228", "ether4_CiscoPhone3"],
        ),
        row(
            1,
            "",
            ["10.152.1.229/30", "10.152.1.228", "ether5_KFCcisco"],
        ),
        row(2, "", ["10.160.1.229/30", "10.160.1.228", "ether2_BOX"]),
        row(3, "XI", ["10.100.3.200/27", "10.100.3.192", "bridge70"]),
    ]);
    check("cli/ip_address_print__3.raw", &table(Style::V6, &t));
}

#[test]
fn v6_user_active_print() {
    let t = Table {
        flags_legend: vec![('R', "radius"), ('M', "by-romon")],
        flags_width: Some(2),
        columns: vec![
            Column::left("WHEN").width(20),
            Column::left("NAME").width(10),
            Column::left("ADDRESS").width(15),
            Column::left("VIA"),
        ],
        rows: vec![
            row(0, "", ["jul/21/2023 09:38:39", "user1", "1.2.3.4", "ssh"]),
            row(
                1,
                "",
                ["jul/21/2023 11:00:32", "user2", "1.2.3.5", "telnet"],
            ),
        ],
        ..Table::default()
    };
    check("cli/user_active_print__1.raw", &table(Style::V6, &t));
}

#[test]
fn v6_system_package_print_in_colour() {
    let pkgs = [
        "routeros-mipsbe",
        "system",
        "ipv6",
        "wireless",
        "hotspot",
        "dhcp",
        "mpls",
        "routing",
        "ppp",
        "security",
        "advanced-tools",
    ];
    let t = Table {
        flags_legend: vec![('X', "disabled")],
        // This menu's legend ends with a space.
        legend: Some("Flags: X - disabled ".into()),
        flags_width: Some(1),
        columns: vec![
            Column::left("NAME").width(23),
            Column::left("VERSION").width(26),
            Column::left("SCHEDULED").width(23),
        ],
        rows: pkgs
            .iter()
            .enumerate()
            .map(|(i, p)| row(i, "", [p, "6.42.5", ""]))
            .collect(),
    };
    check(
        "cli/ansible/system_package_print.raw#5",
        &table_with(Style::V6, &t, true),
    );
    // Without colour the same table has no escape codes at all.
    assert!(!table(Style::V6, &t).contains('\x1b'));
}

/// [`check`] with every line's trailing spaces removed on both sides: for the TextFSM fixtures
/// whose lines were trimmed when they were saved (their legends lack the trailing space the
/// untrimmed captures of the same menus keep, e.g. `ip_arp_print_without-paging__1.raw`).
fn check_trimmed(capture: &str, got: &str) {
    let trim = |s: &str| -> String {
        s.split_inclusive('\n')
            .map(|l| format!("{}\n", l.trim_end()))
            .collect()
    };
    let want = trim(&block(capture));
    let got = trim(got);
    assert_eq!(
        got, want,
        "{capture}: rendered output differs (trailing spaces ignored)"
    );
}

#[test]
fn v6_interface_print_brief_declared_widths() {
    let file = "cli/interface_print_brief__1.raw";
    if !testsupport::corpus::require(file) {
        return;
    }
    let data = [
        (
            "",
            "ether1",
            "ether",
            "1500",
            "1598",
            "2028",
            "12:34:56:78:90:AA",
        ),
        (
            "D",
            "ether2",
            "ether",
            "1500",
            "1598",
            "",
            "12:34:56:78:90:AB",
        ),
        (" R", "ether3", "ether", "1500", "", "", "12:34:56:78:90:AC"),
        ("  S", "ether4", "ether", "1500", "1598", "", ""),
        ("DR", "ether5", "ether", "1500", "", "", ""),
        (
            " RS",
            "ether6",
            "ether",
            "1500",
            "1598",
            "2028",
            "12:34:56:78:90:AD",
        ),
        (
            "D S",
            "lte1",
            "lte",
            "1500",
            "1598",
            "2028",
            "12:34:56:78:90:AE",
        ),
        ("DRS", "pptp-out1", "pptp-out", "1450", "1598", "2028", ""),
    ];
    let t = Table {
        flags_legend: vec![
            ('D', "dynamic"),
            ('X', "disabled"),
            ('R', "running"),
            ('S', "slave"),
        ],
        flags_width: Some(3),
        columns: vec![
            Column::left("NAME").width(35),
            Column::left("TYPE").width(10),
            Column::right("ACTUAL-MTU").width(10),
            Column::right("L2MTU").width(5),
            Column::right("MAX-L2MTU").width(10),
            Column::left("MAC-ADDRESS"),
        ],
        rows: data
            .iter()
            .enumerate()
            .map(|(i, (f, n, ty, mtu, l2, max, mac))| row(i, f, [n, ty, mtu, l2, max, mac]))
            .collect(),
        ..Table::default()
    };
    check_trimmed(file, &table(Style::V6, &t));
}

#[test]
fn v6_interface_ethernet_print_right_aligned_header() {
    let file = "cli/interface_ethernet_print__1.raw";
    if !testsupport::corpus::require(file) {
        return;
    }
    let flags = ["", "R", "XS", " S", "R"];
    let t = Table {
        flags_legend: vec![('X', "disabled"), ('R', "running"), ('S', "slave")],
        flags_width: Some(2),
        columns: vec![
            Column::left("NAME").width(6),
            Column::right("MTU").width(5),
            Column::left("MAC-ADDRESS").width(17),
            Column::left("ARP").width(15),
            Column::left("SWITCH"),
        ],
        rows: (0..5)
            .map(|i| {
                let name = format!("ether{}", i + 1);
                let mac = format!("12:34:56:78:90:A{}", (b'A' + i as u8) as char);
                row(i, flags[i], [&name, "1500", &mac, "enabled", "switch1"])
            })
            .collect(),
        ..Table::default()
    };
    check(file, &table(Style::V6, &t));
}

#[test]
fn v6_ip_arp_print_declared_widths() {
    let t = Table {
        flags_legend: vec![
            ('X', "disabled"),
            ('I', "invalid"),
            ('H', "DHCP"),
            ('D', "dynamic"),
            ('P', "published"),
            ('C', "complete"),
        ],
        flags_width: Some(2),
        columns: vec![
            Column::left("ADDRESS").width(15),
            Column::left("MAC-ADDRESS").width(17),
            Column::left("INTERFACE"),
        ],
        rows: vec![
            row(0, "DC", ["10.160.1.230", "12:34:56:78:90:AA", "ether2"]),
            row(1, "", ["10.152.1.230", "12:34:56:78:90:AB", "ether5"]),
            row(2, "", ["10.152.1.231", "12:34:56:78:90:AC", ""]),
            row(3, "", ["10.152.1.232", "", "ether4"]),
            row(4, "DC", ["10.152.1.233", "", ""]),
        ],
        ..Table::default()
    };
    check_trimmed("cli/ip_arp_print__1.raw", &table(Style::V6, &t));
}

#[test]
fn v6_ip_dhcp_server_lease_print_declared_widths() {
    let file = "cli/ip_dhcp-server_lease_print__1.raw";
    if !testsupport::corpus::require(file) {
        return;
    }
    let t = Table {
        flags_legend: vec![
            ('X', "disabled"),
            ('R', "radius"),
            ('D', "dynamic"),
            ('B', "blocked"),
        ],
        flags_width: Some(1),
        columns: vec![
            Column::left("ADDRESS").width(16),
            Column::left("MAC-ADDRESS").width(18),
            Column::left("HOST-NAME").width(10),
            Column::left("SERVER").width(14),
            Column::left("RATE-LIMIT").width(11),
            Column::left("STATUS").width(7),
            Column::left("LAST-SEEN"),
        ],
        // The capture numbers two rows 1 (hand-edited); the rows are typed as it shows them.
        rows: vec![
            row(
                0,
                "",
                ["192.168.60.254", "", "", "*1", "", "bound", "35w13h13m15s"],
            ),
            row(
                1,
                "X",
                [
                    "192.168.61.254",
                    "",
                    "MikroTik",
                    "DHCPv4_Server",
                    "",
                    "waiting",
                    "never",
                ],
            ),
            row(
                1,
                "",
                [
                    "192.168.62.254",
                    "12:34:56:78:90:AA",
                    "",
                    "DHCPv4_Server",
                    "",
                    "waiting",
                    "never",
                ],
            ),
            row(
                2,
                "D",
                [
                    "192.168.88.254",
                    "12:34:56:78:90:AB",
                    "MikroTik",
                    "DHCPv4_Server",
                    "",
                    "waiting",
                    "never",
                ],
            ),
        ],
        ..Table::default()
    };
    check(file, &table(Style::V6, &t));
}

// ---------------------------------------------------------------- detail / terse

/// Splits `k=v k2="v 2" k3=a b` into pairs: a new pair starts at a space (outside quotes)
/// followed by `key=`.
fn parse_props(s: &str, typed: bool) -> Vec<(String, Value)> {
    let b = s.as_bytes();
    let mut starts = vec![0];
    let mut in_quotes = false;
    for i in 0..b.len() {
        match b[i] {
            b'"' if i == 0 || b[i - 1] != b'\\' => in_quotes = !in_quotes,
            b' ' if !in_quotes => {
                let rest = &s[i + 1..];
                let key_len = rest
                    .bytes()
                    .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
                    .count();
                if key_len > 0 && rest.as_bytes().get(key_len) == Some(&b'=') {
                    starts.push(i + 1);
                }
            }
            _ => {}
        }
    }
    starts.push(b.len() + 1);
    starts
        .windows(2)
        .map(|w| {
            let tok = &s[w[0]..w[1] - 1];
            let (k, v) = tok.split_once('=').unwrap();
            let value = if typed && v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
                Value::Str(
                    v[1..v.len() - 1]
                        .replace("\\\"", "\"")
                        .replace("\\\\", "\\"),
                )
            } else if typed && !v.is_empty() && v.bytes().all(|c| c.is_ascii_digit()) {
                Value::Num(v.into())
            } else {
                Value::Bare(v.into())
            };
            (k.to_string(), value)
        })
        .collect()
}

/// Reads detail records back out of a capture: skips `legend_lines`, a record starts where the
/// first `data_col` characters are not blank.
fn parse_detail(capture: &str, legend_lines: usize, data_col: usize) -> Vec<Record> {
    let text = block(capture);
    let mut recs: Vec<Record> = Vec::new();
    for line in text.lines().skip(legend_lines) {
        if line.trim().is_empty() {
            continue;
        }
        let (head, rest) = line.split_at(data_col.min(line.len()));
        if !head.trim().is_empty() {
            let head = head.trim_start();
            let (index, flags) = head.split_once(' ').unwrap();
            recs.push(Record {
                index: index.parse().unwrap(),
                flags: flags.trim_end().to_string(),
                ..Record::default()
            });
        }
        let r = recs.last_mut().unwrap();
        if let Some(c) = rest.strip_prefix(";;; ") {
            r.comment = Some(c.to_string());
        } else {
            r.props.extend(parse_props(rest, true));
        }
    }
    recs
}

#[test]
fn v6_ip_address_print_detail_wraps_at_80() {
    let file = "cli/ansible/facts/ip_address_print_detail_without-paging.raw";
    let recs = parse_detail(file, 1, 5);
    assert_eq!(recs.len(), 3);
    let legend = [('X', "disabled"), ('I', "invalid"), ('D', "dynamic")];
    check(file, &detail(Style::V6, &legend, &recs, 80));
}

#[test]
fn v6_ip_route_print_detail_three_line_legend() {
    let file = "cli/ansible/facts/ip_route_print_detail_without-paging.raw";
    let recs = parse_detail(file, 3, 8);
    assert_eq!(recs.len(), 5);
    let opts = DetailOptions {
        legend: Some(
            "Flags: X - disabled, A - active, D - dynamic,\n\
             C - connect, S - static, r - rip, b - bgp, o - ospf, m - mme,\n\
             B - blackhole, U - unreachable, P - prohibit"
                .into(),
        ),
        flags_width: Some(4),
        ..DetailOptions::default()
    };
    check(file, &detail_with(Style::V6, &[], &recs, 80, &opts));
}

#[test]
fn v6_interface_print_detail_counts_without_quotes() {
    // Line 1 of ether10 is 82 characters: quotes do not count toward the 80-column wrap.
    let file = "cli/ansible/facts/interface_print_detail_without-paging.raw";
    let recs = parse_detail(file, 1, 7);
    assert_eq!(recs.len(), 11);
    let legend = [
        ('D', "dynamic"),
        ('X', "disabled"),
        ('R', "running"),
        ('S', "slave"),
    ];
    let opts = DetailOptions {
        legend: Some("Flags: D - dynamic, X - disabled, R - running, S - slave".into()),
        flags_width: Some(3),
        separate: false,
    };
    check(file, &detail_with(Style::V6, &legend, &recs, 80, &opts));
}

#[test]
fn v7_interface_print_detail_wide_terminal() {
    let file = "cli/interface_print_detail__2.raw";
    let recs = parse_detail(file, 1, 8);
    assert_eq!(recs.len(), 27);
    let legend = [
        ('D', "dynamic"),
        ('X', "disabled"),
        ('R', "running"),
        ('S', "slave"),
        ('P', "passthrough"),
    ];
    let opts = DetailOptions {
        flags_width: Some(4),
        ..DetailOptions::default()
    };
    check(file, &detail_with(Style::V7, &legend, &recs, 1000, &opts));
}

#[test]
fn ip_neighbor_print_detail_no_flags_wraps_at_terminal_width() {
    let file = "cli/ip_neighbor_print_detail__3.raw";
    let recs = parse_detail(file, 0, 3);
    assert_eq!(recs.len(), 3);
    check(file, &detail(Style::V7, &[], &recs, 450));
}

fn parse_terse(capture: &str, data_col: usize) -> Vec<Record> {
    block(capture)
        .lines()
        .map(|line| {
            let (head, rest) = line.split_at(data_col);
            let (index, flags) = head.trim_start().split_once(' ').unwrap();
            let mut props = parse_props(rest, false);
            let comment = match props.first() {
                Some((k, v)) if k == "comment" => {
                    let c = v.text().to_string();
                    props.remove(0);
                    Some(c)
                }
                _ => None,
            };
            Record {
                index: index.parse().unwrap(),
                flags: flags.trim_end().into(),
                comment,
                props,
            }
        })
        .collect()
}

#[test]
fn terse_v6_and_v7() {
    for file in [
        "cli/interface_print_terse_without-paging__1.raw",
        "cli/interface_print_terse_without-paging__2.raw",
    ] {
        let recs = parse_terse(file, 7);
        assert!(recs.len() > 5);
        check(file, &terse(&recs));
    }
}

// ---------------------------------------------------------------- single-value

#[test]
fn single_value_menus() {
    for file in [
        "cli/system_resource_print__1.raw",
        "cli/system_identity_print__1.raw",
        "cli/system_clock_print__1.raw",
        "cli/ansible/system_package_print.raw#3",
        "cli/ansible/system_package_print.raw#4",
    ] {
        let props: Vec<(String, String)> = block(file)
            .lines()
            .map(|l| {
                let (k, v) = l.split_once(": ").unwrap();
                (k.trim_start().to_string(), v.to_string())
            })
            .collect();
        check(file, &single(&props));
    }
}

#[test]
fn as_value_is_semicolon_joined() {
    let recs = vec![vec![
        (".id".to_string(), "*1".to_string()),
        ("address".to_string(), "192.168.88.1/24".to_string()),
        ("disabled".to_string(), "false".to_string()),
    ]];
    assert_eq!(
        as_value(&recs),
        ".id=*1;address=192.168.88.1/24;disabled=false\n"
    );
}
