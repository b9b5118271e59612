// `/export` and `/<menu> export` as RouterOS writes them: the forms (compact, verbose, terse),
// sensitive values per version, the selectors of factory items, line wrapping at the terminal
// width, and a round trip (an export typed into a fresh router gives the same export).
// Expected texts marked [capture] are copied from the corpus (corpus/MANIFEST.txt).

mod model_support;

use chrlab_sim::router::Terminal;
use model_support::{router_with_nics as router, term_width as term};

/// Runs a configuration command, which must print nothing.
#[track_caller]
fn ok(t: &mut Terminal, input: &str) {
    let got = t.execute(input);
    assert_eq!(got, "", "input: {input}");
}

/// An export without its first line (the date, the one line two exports of the same state may
/// differ in).
fn body(export: &str) -> String {
    let (first, rest) = export.split_once('\n').unwrap_or((export, ""));
    assert!(
        first.starts_with("# ") && first.contains(" by RouterOS "),
        "{export}"
    );
    rest.to_string()
}

/// The lines of an export after its three header lines.
fn config(export: &str) -> Vec<String> {
    export.lines().skip(3).map(str::to_string).collect()
}

/// [capture] cli/ip_address_export_verbose__1.raw, `/ip address export verbose` on a 6.48.6
/// RB750UPr2 read by netmiko, whose login name `admin+ct511w4098h` makes the terminal 511
/// columns wide (the 91-character line is not wrapped). A CHR with three ethernets, `ether3`
/// renamed `eth3_vlan1` (the capture's VLAN interface stands in as an ethernet: the simulator has
/// no `/interface vlan`, and `/ip address` writes only the name), and the clock set to the
/// capture's: the date line, `#` and the second address come out byte for byte. Not reproduced:
/// the board's `# model =` / `# serial number =` lines and its software id (a CHR has neither),
/// and the first address's `network=10.159.1.158`, which no router computes for
/// `10.159.1.159/30` (the manual: `network` is settable only for /32 addresses), so the capture
/// was edited there; the simulator writes the network of the prefix.
#[test]
fn ip_address_export_verbose_of_a_6_48_6_board() {
    let capture = testsupport::corpus::text("cli/ip_address_export_verbose__1.raw");
    let want: Vec<&str> = capture.lines().collect();
    let r = router("6.48.6", 3);
    let mut t = term(&r, 511);
    ok(
        &mut t,
        "/interface ethernet set [ find default-name=ether3 ] name=eth3_vlan1",
    );
    ok(
        &mut t,
        "/ip address add address=10.159.1.159/30 interface=ether2",
    );
    ok(
        &mut t,
        "/ip address add address=10.80.90.5/27 comment=\"test comment\" disabled=yes interface=eth3_vlan1",
    );
    ok(&mut t, "/system clock set date=jul/21/2023 time=09:42:42");
    let got = t.execute("/ip address export verbose");
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(lines.len(), 6, "{got}");
    // The clock runs on: the export is at most a second later than the `set`.
    assert!(
        lines[0] == want[0] || lines[0] == want[0].replace(":42 by", ":43 by"),
        "{got}"
    );
    assert_eq!(want[1], "# software id = 1234-ABCD");
    assert_eq!(lines[1], "# software id = ", "a CHR has no software id");
    assert_eq!(lines[2], want[2]);
    assert_eq!(
        &want[3..5],
        ["# model = RB750UPr2", "# serial number = AB12345CD789"]
    );
    assert_eq!(lines[3], want[5]);
    assert_eq!(
        lines[4],
        want[6].replace("network=10.159.1.158", "network=10.159.1.156")
    );
    assert_eq!(lines[5], want[7]);
    assert_eq!(want.len(), 8);
}

/// Lines wider than the terminal continue on the next line: ` \` between arguments, `\` between
/// `key=` and its value, four spaces of indent. The expected lines are the defconf firewall rules
/// and a DHCP client as public 80-column exports of v6 and v7 routers write them (GitHub
/// configuration backups, not in the corpus): `interface=\` breaks although the whole line would
/// be 79 characters long, so a piece may not reach column 79.
#[test]
fn long_lines_wrap_at_the_terminal_width() {
    for version in ["6.49.13", "7.23.7"] {
        let r = router(version, 1);
        let mut t = term(&r, 80);
        ok(&mut t, "/ip dhcp-client remove [ find ]");
        ok(
            &mut t,
            "/ip firewall filter add chain=input action=accept connection-state=established,related,untracked comment=\"defconf: accept established,related,untracked\"",
        );
        ok(
            &mut t,
            "/ip firewall filter add chain=input action=drop connection-state=invalid comment=\"defconf: drop invalid\"",
        );
        ok(
            &mut t,
            "/ip firewall filter add chain=input action=drop in-interface-list=!LAN comment=\"defconf: drop all not coming from LAN\"",
        );
        ok(
            &mut t,
            "/ip dhcp-client add interface=ether1 comment=\"defconf client on port one\"",
        );
        let got = t.execute("/export");
        assert_eq!(
            config(&got),
            [
                "/ip dhcp-client",
                "add comment=\"defconf client on port one\" interface=ether1",
                "/ip firewall filter",
                "add action=accept chain=input comment=\\",
                "    \"defconf: accept established,related,untracked\" connection-state=\\",
                "    established,related,untracked",
                "add action=drop chain=input comment=\"defconf: drop invalid\" connection-state=\\",
                "    invalid",
                "add action=drop chain=input comment=\"defconf: drop all not coming from LAN\" \\",
                "    in-interface-list=!LAN",
            ],
            "{version}\n{got}"
        );
        // 79 characters unwrapped: the value moves to the next line.
        ok(
            &mut t,
            "/ip dhcp-client set 0 comment=\"defconf: dhcp client of the uplink on port one 1\"",
        );
        let got = t.execute("/ip dhcp-client export");
        assert_eq!(
            config(&got),
            [
                "/ip dhcp-client",
                "add comment=\"defconf: dhcp client of the uplink on port one 1\" interface=\\",
                "    ether1",
            ],
            "{got}"
        );
        // A wide terminal writes each command on one line, and terse never wraps.
        let wide = term(&r, 511).execute("/export");
        assert!(
            wide.contains("add action=accept chain=input comment=\"defconf: accept established,related,untracked\" connection-state=established,related,untracked\n"),
            "{wide}"
        );
        let terse = t.execute("/export terse");
        assert!(!terse.contains('\\'), "{terse}");
        assert!(
            terse.contains("/ip firewall filter add action=drop chain=input comment=\"defconf: drop all not coming from LAN\" in-interface-list=!LAN\n"),
            "{terse}"
        );
    }
}

/// The arguments per version: v6 has `hide-sensitive` and shows sensitive values by default; v7
/// hides them unless `show-sensitive`, which v6 does not know. User passwords are in no export.
#[test]
fn sensitive_values_and_arguments_by_version() {
    let secret = "s3cr3t-auth";
    for version in ["6.48.6", "7.23.7"] {
        let r = router(version, 1);
        let mut t = term(&r, 511);
        ok(
            &mut t,
            "/user add name=ops group=full password=user-password-1",
        );
        ok(
            &mut t,
            &format!("/snmp community set [ find default=yes ] authentication-password={secret}"),
        );
        let plain = t.execute("/export");
        let hidden = t.execute("/export hide-sensitive");
        let shown = t.execute("/export show-sensitive");
        let verbose = t.execute("/export verbose");
        let v7 = version.starts_with('7');
        if v7 {
            assert!(!plain.contains(secret), "{plain}");
            assert!(!verbose.contains("authentication-password"), "{verbose}");
            assert!(
                shown.contains(&format!(
                    "/snmp community\nset [ find default=yes ] authentication-password={secret}\n"
                )),
                "{shown}"
            );
        } else {
            assert!(
                plain.contains(&format!(
                    "/snmp community\nset [ find default=yes ] authentication-password={secret}\n"
                )),
                "{plain}"
            );
            assert!(verbose.contains(&format!("authentication-password={secret}")));
            assert_eq!(shown, "expected end of command (line 1 column 9)\n");
        }
        assert!(!hidden.contains(secret), "{hidden}");
        assert!(hidden.starts_with("# "), "{hidden}");
        for e in [&plain, &hidden, &shown, &verbose] {
            assert!(!e.contains("user-password-1"), "{e}");
        }
        assert_eq!(
            t.execute("/export compact-ish"),
            "expected end of command (line 1 column 9)\n"
        );
        assert_eq!(
            t.execute("/ip address export foo"),
            "expected end of command (line 1 column 20)\n"
        );
        assert_eq!(
            t.execute("/export file=backup"),
            "failure: file store is not available\n"
        );
        // `compact` is the default form.
        assert_eq!(body(&t.execute("/export compact")), body(&plain));
    }
}

/// `verbose` writes every settable property of every item, factory items included, keys in
/// alphabetical order (`arp=enabled arp-timeout=auto`), each factory item named as RouterOS names
/// it: `[ find default-name=ether1 ]`, `[ find default=yes ]` (the community `public`), the
/// position (`/system logging action set 0 ...`), else the name (`set telnet`).
#[test]
fn verbose_writes_every_property_with_routeros_selectors() {
    let r = router("6.49.13", 1);
    let mut t = term(&r, 511);
    let got = t.execute("/export verbose");
    for line in [
        "/interface ethernet\nset [ find default-name=ether1 ] arp=enabled arp-timeout=auto disabled=no loop-protect=default mtu=1500 name=ether1\n",
        "/ip service\nset telnet address=\"\" disabled=no port=23\n",
        "/snmp community\nset [ find default=yes ] addresses=0.0.0.0/0 authentication-password=\"\" authentication-protocol=MD5 disabled=no encryption-password=\"\" encryption-protocol=DES name=public read-access=yes security=none write-access=no\n",
        "/system logging action\nset 0 memory-lines=1000 memory-stop-on-full=no name=memory target=memory\n",
        "/system logging\nset 0 action=memory disabled=no prefix=\"\" topics=info\n",
        "/system identity\nset name=MikroTik\n",
    ] {
        assert!(got.contains(line), "{line:?} not in\n{got}");
    }
    // The compact form of the same router: only the DHCP client (a CHR's own configuration).
    assert_eq!(
        config(&t.execute("/export")),
        ["/ip dhcp-client", "add interface=ether1"]
    );
}

/// Configures a router the way an operator would.
fn configure(t: &mut Terminal) {
    for c in [
        "/interface ethernet set [ find default-name=ether2 ] name=lan arp=reply-only",
        "/ip address add address=192.0.2.1/24 interface=lan comment=\"management network\"",
        "/ip address add address=198.51.100.7/30 interface=ether1 disabled=yes",
        "/ip service set telnet,ftp disabled=yes",
        "/ip service set ssh port=2222 address=192.0.2.0/24",
        "/ip firewall address-list add list=mgmt address=192.0.2.0/24",
        "/ip firewall filter add chain=input action=accept connection-state=established,related,untracked comment=\"defconf: accept established,related,untracked\"",
        "/ip firewall filter add chain=input action=accept src-address-list=mgmt protocol=tcp dst-port=2222 comment=\"allow \\\"mgmt\\\" over ssh\"",
        "/ip firewall filter add chain=input action=drop",
        "/ip dns set servers=192.0.2.53 allow-remote-requests=no",
        "/snmp community set [ find default=yes ] authentication-password=auth-secret-1",
        "/system identity set name=\"edge router 1\"",
        "/system logging action set 3 remote=192.0.2.99",
        "/system logging add topics=firewall action=remote",
        "/tool romon set secrets=romon-secret",
    ] {
        ok(t, c);
    }
}

/// An export typed back into a fresh router line by line (the continuation lines of a wrapped
/// command with it) is accepted and gives the same export: RouterOS exports are scripts meant to
/// be run again. The fresh router first loses its DHCP client, as `/system reset-configuration
/// no-defaults=yes` leaves a CHR, since the export adds it back.
#[test]
fn exports_run_again_on_a_fresh_router_give_the_same_export() {
    for version in ["6.48.6", "7.23.7"] {
        for form in [
            "",
            " verbose",
            " terse",
            " show-sensitive",
            " verbose terse",
        ] {
            if form.contains("show-sensitive") && version.starts_with('6') {
                continue;
            }
            let r = router(version, 2);
            let mut t = term(&r, 80);
            configure(&mut t);
            let cmd = format!("/export{form}");
            let first = t.execute(&cmd);
            let fresh = router(version, 2);
            let mut f = term(&fresh, 80);
            ok(&mut f, "/ip dhcp-client remove [ find ]");
            let mut command = String::new();
            for line in first.lines().filter(|l| !l.starts_with('#')) {
                command.push_str(line);
                if line.ends_with('\\') {
                    command.push('\n');
                    continue;
                }
                let out = f.execute(&command);
                assert_eq!(out, "", "{version}{form}: {command:?} was refused\n{first}");
                command.clear();
            }
            assert!(command.is_empty(), "{first}");
            let again = f.execute(&cmd);
            assert_eq!(body(&again), body(&first), "{version}{form}");
            assert!(first.lines().count() > 10, "{first}");
        }
    }
}

/// cli/ansible/facts/export.raw (full corpus only): `/export` of a configured 6.42.5 board as
/// ansible's facts module stores it. Its `/ip address` block (a compact export writes `network=`)
/// comes out byte for byte; the other menus (wireless security profiles, user-manager, lcd) are
/// not simulated, and the DHCP client line has `dhcp-options`, which the simulated client lacks.
/// The address line is 80 characters long and unwrapped, so the terminal was wider than 80
/// columns: community.routeros's SSH guide has users log in as `admin+cet512w` "to tell RouterOS
/// to not wrap before 512 characters in a line".
#[test]
fn ansible_facts_export_ip_address_block_of_a_6_42_5_board() {
    let rel = "cli/ansible/facts/export.raw";
    if !testsupport::corpus::require(rel) {
        return;
    }
    let capture = testsupport::corpus::text(rel);
    let want: Vec<&str> = capture.lines().collect();
    let at = want
        .iter()
        .position(|l| *l == "/ip address")
        .expect("the capture has an /ip address block");
    let r = router("6.42.5", 1);
    let mut t = term(&r, 512);
    ok(
        &mut t,
        "/ip address add address=192.168.88.1/24 interface=ether1 comment=defconf",
    );
    let got = t.execute("/export");
    let lines: Vec<&str> = got.lines().collect();
    let mine = lines
        .iter()
        .position(|l| *l == "/ip address")
        .expect("an /ip address block");
    assert_eq!(lines[mine..mine + 2], want[at..at + 2], "{got}");
    assert!(want[0].ends_with(" by RouterOS 6.42.5"));
    assert!(lines[0].ends_with(" by RouterOS 6.42.5"), "{got}");
}
