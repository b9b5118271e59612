// Terminal semantics of the model, data-driven through `cli(term, input, expected)`.
// Expected texts marked [capture] are copied byte for byte from the capture corpus (corpus/MANIFEST.txt
// names every file; see corpus/SOURCES.md).

use chrlab_sim::router::{Router, RouterConfig, Terminal, TerminalOpts, Via};
use routeros::version::Version;

fn router_with(version: &str, identity: &str) -> Router {
    let v = Version::parse(version).expect("version parses");
    let mut cfg = RouterConfig::for_version(v);
    cfg.identity = identity.to_string();
    Router::new(cfg).expect("router starts")
}

fn term(r: &Router, user: &str, password: &str) -> Terminal {
    let s = r
        .login(user, password, Via::Ssh, "127.0.0.1".parse().ok())
        .expect("login");
    r.terminal(
        &s,
        TerminalOpts {
            interactive: false,
            colors: false,
            width: 80,
        },
    )
}

#[track_caller]
fn cli(t: &mut Terminal, input: &str, expected: &str) {
    let got = t.execute(input);
    assert_eq!(
        got, expected,
        "input: {input}\n--- got:\n{got}--- expected:\n{expected}"
    );
}

/// Replaces the volatile last-logged-in timestamp so prints compare byte for byte.
fn mask_dates(s: &str) -> String {
    let re = regex::Regex::new(
        r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}|[a-z]{3}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}",
    )
    .expect("regex");
    re.replace_all(s, "DATE").into_owned()
}

const SERVICES_792: &str = "\
Flags: X, I - INVALID
Columns: NAME, PORT, CERTIFICATE, VRF
#   NAME     PORT  CERTIFICATE  VRF 
0   telnet     23               main
1   ftp        21                   
2   www        80               main
3   ssh        22               main
4 X www-ssl   443  none         main
5   api      8728               main
6   winbox   8291               main
7   api-ssl  8729  none         main
";

const SERVICES_792_AFTER_SET: &str = "\
Flags: X, I - INVALID
Columns: NAME, PORT, CERTIFICATE, VRF
#   NAME     PORT  CERTIFICATE  VRF 
0 X telnet     23               main
1 X ftp        21                   
2 X www        80               main
3   ssh        22               main
4 X www-ssl   443  none         main
5 X api      8728               main
6   winbox   8291               main
7 X api-ssl  8729  none         main
";

/// The tests, under `model` so `cargo test -p chrlab-sim model` selects them.
mod model {
    use super::*;

    #[test]
    fn ip_service_print_matches_the_7_9_2_capture() {
        // [capture] cli/other/ip_service_print__chr-7.9.2_fresh__blog.txt: user rei on identity MikroTik.
        let r = router_with("7.9.2", "MikroTik");
        let mut admin = term(&r, "admin", "");
        cli(
            &mut admin,
            "/user add name=rei group=full password=secret",
            "",
        );
        let mut t = term(&r, "rei", "secret");
        assert_eq!(t.prompt(), "[rei@MikroTik] > ");
        cli(&mut t, "/ip service print", SERVICES_792);
        cli(&mut t, "/ip service set 0,1,2,4,5,7 disabled=yes", "");
        cli(&mut t, "/ip service print", SERVICES_792_AFTER_SET);
    }

    #[test]
    fn ip_service_print_7_2x_layout_with_two_addresses() {
        // [capture] cli/manual/ip_service_print_where_not_dynamic__v7.2x.txt, except the row numbers: the capture's
        // router had dynamic rows in between (0,1,2,7,9,13,15,16); the model has none (see FIDELITY.md).
        let r = router_with("7.23.7", "CHR");
        let mut t = term(&r, "admin", "");
        cli(
            &mut t,
            "/ip service set api address=10.5.101.0/24,2001:db8:fade::/64",
            "",
        );
        cli(
            &mut t,
            "/ip/service/print where !dynamic",
            "\
Flags: X - DISABLED, I - INVALID
Columns: NAME, PORT, PROTO, ADDRESS, CERTIFICATE, VRF, MAX-SESSIONS
#   NAME     PORT  PROTO  ADDRESS             CERTIFICATE  VRF   MAX-SESSIONS
0   ftp        21  tcp                                     main            20
1   ssh        22  tcp                                     main            20
2   telnet     23  tcp                                     main            20
3   www        80  tcp                                     main            20
4 X www-ssl   443  tcp                        none         main            20
5   winbox   8291  tcp                                     main            20
6   api      8728  tcp    10.5.101.0/24                    main            20
                          2001:db8:fade::/64                                 
7   api-ssl  8729  tcp                        none         main            20
",
        );
    }

    #[test]
    fn user_print_matches_the_7_2x_capture() {
        // [capture] cli/manual/user_print__v7.2x.txt (the date masked).
        let r = router_with("7.23.7", "CHR");
        let mut t = term(&r, "admin", "");
        let got = mask_dates(&t.execute("/user/print"));
        let expected = "\
Columns: NAME, GROUP, LAST-LOGGED-IN, INACTIVITY-POLICY
# NAME   GROUP  LAST-LOGGED-IN       INACTIVITY-POLICY
;;; system default user
0 admin  full   2025-07-22 17:09:59  none
";
        assert_eq!(got, mask_dates(expected));
    }

    #[test]
    fn error_texts_name_line_and_column() {
        let r = router_with("7.23.7", "CHR");
        let mut t = term(&r, "admin", "");
        let cases: &[(&str, &str)] = &[
            (
                "/interface ethernet poe print",
                "bad command name poe (line 1 column 21)\n",
            ),
            (
                "/ipv6 adress print",
                "bad command name adress (line 1 column 7)\n",
            ),
            (
                "/ip servic print",
                "bad command name servic (line 1 column 5)\n",
            ),
            (
                "/ip service set telnet foo=bar",
                "expected end of command (line 1 column 24)\n",
            ),
            (
                "/ip service print extra",
                "expected end of command (line 1 column 19)\n",
            ),
            ("/ip service set nope disabled=yes", "no such item\n"),
            (
                "/ip service set telnet port=70000",
                "value of port out of range (1..65535)\n",
            ),
            (
                "/ip service set telnet port=abc",
                "invalid value for argument port\n",
            ),
            (
                "/ip service set telnet disabled=maybe",
                "invalid value for argument disabled\n",
            ),
            (
                "/ip service set telnet certificate=x",
                "expected end of command (line 1 column 24)\n",
            ),
            (
                "/ip service add name=x",
                "bad command name add (line 1 column 13)\n",
            ),
            (
                "/ip service print where (",
                "syntax error (line 1 column 26)\n",
            ),
            (":put \"abc", "syntax error (line 1 column 10)\n"),
            (
                "/ip address add address=1.2.3.4/24 interface=ether9",
                "input does not match any value of interface\n",
            ),
            (
                "/ip firewall filter add chain=input action=dropp",
                "input does not match any value of action\n",
            ),
            (
                "/ip firewall filter add action=drop",
                "missing value(s) of argument(s) chain\n",
            ),
            (
                "/user add name=x",
                "missing value(s) of argument(s) group\n",
            ),
            (
                "/user add name=admin group=read",
                "failure: user with the same name already exists\n",
            ),
            (
                "/user remove admin",
                "failure: can not remove or disable the last full user\n",
            ),
            (
                "/user disable admin",
                "failure: can not remove or disable the last full user\n",
            ),
            (
                "/user group remove full",
                "failure: default group can not be removed\n",
            ),
            ("/import file-name=x.rsc", "failure: no such file\n"),
            ("/ip service set 9 disabled=yes", "no such item\n"),
        ];
        for (input, expected) in cases {
            cli(&mut t, input, expected);
        }
    }

    #[test]
    fn address_list_duplicates_are_refused() {
        let r = router_with("7.23.7", "CHR");
        let mut t = term(&r, "admin", "");
        cli(
            &mut t,
            "/ip firewall address-list add list=mgmt address=192.0.2.10",
            "",
        );
        cli(
            &mut t,
            "/ip firewall address-list add list=mgmt address=192.0.2.10",
            "failure: already have such entry\n",
        );
        cli(&mut t, "/ip firewall address-list print count-only", "1\n");
    }

    #[test]
    fn find_where_get_and_put() {
        let r = router_with("7.23.7", "CHR");
        let mut t = term(&r, "admin", "");
        cli(&mut t, ":put [/ip service get telnet port]", "23\n");
        cli(
            &mut t,
            ":put [/ip service get [find name=ssh] disabled]",
            "false\n",
        );
        cli(&mut t, ":put [/system identity get name]", "CHR\n");
        cli(&mut t, ":put [/ip service find where port>8700]", "*5;*7\n");
        cli(&mut t, "/ip service print count-only where disabled", "1\n");
        cli(
            &mut t,
            "/ip service print count-only where !disabled and (name=ssh or name~\"^api\")",
            "3\n",
        );
        cli(
            &mut t,
            "/ip service print count-only where not disabled and port<100",
            "4\n",
        );
        cli(
            &mut t,
            "/ip service print count-only where name!=ssh",
            "7\n",
        );
        cli(
            &mut t,
            "/ip service set [find where name~\"^www\"] disabled=yes",
            "",
        );
        cli(&mut t, "/ip service print count-only where disabled", "2\n");
        cli(&mut t, "/ip service enable www", "");
        cli(
            &mut t,
            ":local p 2222; /ip service set ssh port=$p; :put [/ip service get ssh port]",
            "2222\n",
        );
        cli(
            &mut t,
            ":put [/ip service print as-value where name=ssh]",
            ".id=*3;name=ssh;port=2222;proto=tcp;address=;vrf=main;max-sessions=20;disabled=false;invalid=false;dynamic=false\n",
        );
        cli(&mut t, "/ip service print as-value", "");
    }

    #[test]
    fn item_numbers_follow_the_last_print() {
        let r = router_with("7.23.7", "CHR");
        let mut t = term(&r, "admin", "");
        // 7.2x prints by port: 0 = ftp.
        let _ = t.execute("/ip service print");
        cli(&mut t, "/ip service disable 0", "");
        cli(&mut t, ":put [/ip service get ftp disabled]", "true\n");
        cli(&mut t, "/ip service set *0 port=2323", "");
        cli(&mut t, ":put [/ip service get telnet port]", "2323\n");
    }

    #[test]
    fn menus_change_the_prompt_in_both_spellings() {
        let r = router_with("7.23.7", "CHR");
        let mut t = term(&r, "admin", "");
        assert_eq!(t.prompt(), "[admin@CHR] > ");
        cli(&mut t, "/ip service", "");
        assert_eq!(t.prompt(), "[admin@CHR] /ip/service> ");
        cli(&mut t, "print count-only", "8\n");
        cli(&mut t, "..", "");
        assert_eq!(t.prompt(), "[admin@CHR] /ip> ");
        cli(&mut t, "/ip/firewall/filter", "");
        assert_eq!(t.prompt(), "[admin@CHR] /ip/firewall/filter> ");
        cli(&mut t, "/", "");
        assert_eq!(t.prompt(), "[admin@CHR] > ");

        let r6 = router_with("6.49.13", "MikroTik");
        let mut t6 = term(&r6, "admin", "");
        cli(&mut t6, "/ip service", "");
        assert_eq!(t6.prompt(), "[admin@MikroTik] /ip service> ");
    }

    #[test]
    fn firewall_rules_add_place_before_move_and_print() {
        let r = router_with("7.23.7", "CHR");
        let mut t = term(&r, "admin", "");
        cli(
            &mut t,
            "/ip firewall filter add chain=input action=drop protocol=tcp dst-port=22 comment=\"no ssh\"",
            "",
        );
        cli(
            &mut t,
            "/ip firewall filter add chain=input action=accept src-address-list=mgmt",
            "",
        );
        let _ = t.execute("/ip firewall filter print");
        cli(
            &mut t,
            "/ip firewall filter add chain=input action=accept connection-state=established,related place-before=0",
            "",
        );
        cli(
            &mut t,
            "/ip firewall filter print",
            concat!(
                "Flags: X - disabled, I - invalid; D - dynamic\n",
                " 0   chain=input action=accept connection-state=established,related\n",
                "\n",
                " 1   ;;; no ssh\n",
                "     chain=input action=drop protocol=tcp dst-port=22\n",
                "\n",
                " 2   chain=input action=accept src-address-list=mgmt\n",
            ),
        );
        cli(&mut t, "/ip firewall filter move 2 1", "");
        let _ = t.execute("/ip firewall filter print");
        cli(&mut t, "/ip firewall filter disable 2", "");
        cli(
            &mut t,
            "/ip firewall filter print terse",
            concat!(
                " 0   chain=input action=accept connection-state=established,related log=no log-prefix=\n",
                " 1   chain=input action=accept src-address-list=mgmt log=no log-prefix=\n",
                " 2 X comment=no ssh chain=input action=drop protocol=tcp dst-port=22 log=no log-prefix=\n",
            ),
        );
        let log = t.execute("/log print");
        for verb in ["added", "moved", "changed"] {
            assert!(
                log.contains(&format!("system,info filter rule {verb} by admin")),
                "{log}"
            );
        }
        // `print detail` is the numbered key=value form, with the message quoted; `where`
        // filters on the topics as on any property.
        let detail = t.execute("/log print detail where message~\"rule moved\"");
        let re = regex::Regex::new(
            r#"^ *\d+ time=\d{2}:\d{2}:\d{2} topics=system,info message="filter rule moved by admin"\n$"#,
        )
        .expect("regex");
        assert!(re.is_match(&detail), "{detail:?}");
        let terse = t.execute("/log print terse where topics~\"info\"");
        assert!(terse.lines().count() >= 3, "{terse}");
        assert!(
            terse
                .lines()
                .all(|l| l.contains(" topics=system,info") && l.contains(" message=")),
            "{terse}"
        );
        assert_eq!(
            t.execute("/log print count-only where topics~\"critical\""),
            "0\n"
        );
    }

    #[test]
    fn export_shows_only_changes() {
        let r = router_with("7.23.7", "CHR");
        let mut t = term(&r, "admin", "");
        cli(&mut t, "/ip service set telnet,ftp disabled=yes", "");
        cli(&mut t, "/ip ssh set strong-crypto=yes", "");
        cli(
            &mut t,
            "/ip firewall filter add chain=input action=accept comment=\"allow mgmt\" src-address-list=mgmt",
            "",
        );
        let out = t.execute("/export terse");
        let body: Vec<&str> = out.lines().skip(3).collect();
        // A CHR's header: the date line, the licence (a system id from 7.17), `#`.
        assert_eq!(
            out.lines().skip(1).take(2).collect::<Vec<_>>(),
            ["# system id = SimChr0000A", "#"],
            "{out}"
        );
        assert!(
            out.starts_with("# 20")
                && out
                    .lines()
                    .next()
                    .is_some_and(|l| l.ends_with(" by RouterOS 7.23.7")),
            "{out}"
        );
        assert_eq!(
            body,
            vec![
                "/ip dhcp-client add interface=ether1",
                "/ip firewall filter add action=accept chain=input comment=\"allow mgmt\" src-address-list=mgmt",
                "/ip service set telnet disabled=yes",
                "/ip service set ftp disabled=yes",
                "/ip ssh set strong-crypto=yes",
            ]
        );
        let grouped = t.execute("/ip service export");
        assert_eq!(
            grouped.lines().skip(3).collect::<Vec<_>>(),
            vec![
                "/ip service",
                "set telnet disabled=yes",
                "set ftp disabled=yes"
            ]
        );
        let r6 = router_with("6.49.13", "MikroTik");
        let mut t6 = term(&r6, "admin", "");
        let head = t6.execute("/export");
        let first = head.lines().next().unwrap_or("");
        let re =
            regex::Regex::new(r"^# [a-z]{3}/\d{2}/\d{4} \d{2}:\d{2}:\d{2} by RouterOS 6\.49\.13$")
                .expect("regex");
        assert!(re.is_match(first), "{first}");
        // Before 7.17 the licence line names the software id, which a CHR has none of.
        assert_eq!(
            head.lines().skip(1).take(2).collect::<Vec<_>>(),
            ["# software id = ", "#"],
            "{head}"
        );
    }

    #[test]
    fn password_command_and_nag() {
        let r = router_with("7.23.7", "CHR");
        let s = r.login("admin", "", Via::Telnet, None).expect("login");
        let mut t = r.terminal(
            &s,
            TerminalOpts {
                interactive: true,
                colors: false,
                width: 80,
            },
        );
        assert!(t.needs_password_nag());
        cli(
            &mut t,
            "/password old-password=x new-password=a confirm-new-password=a",
            "failure: old password is not valid\n",
        );
        cli(
            &mut t,
            "/password old-password=\"\" new-password=a confirm-new-password=b",
            "failure: new passwords do not match\n",
        );
        cli(
            &mut t,
            "/password old-password=\"\" new-password=a confirm-new-password=a",
            "",
        );
        assert!(!t.needs_password_nag());
        assert!(r.login("admin", "a", Via::Ssh, None).is_ok());
        t.set_password("b").expect("nag sets the password");
        assert!(r.login("admin", "b", Via::Ssh, None).is_ok());
        let exec = r.terminal(
            &s,
            TerminalOpts {
                interactive: false,
                colors: false,
                width: 80,
            },
        );
        assert!(!exec.needs_password_nag());
    }

    #[test]
    fn banners_by_version() {
        let r = router_with("7.23.2", "CHR");
        let t = term(&r, "admin", "");
        let b = t.banner();
        assert!(b.contains("\n  MikroTik RouterOS 7.23.2 (c) 1999-2026       https://www.mikrotik.com/\n\n\nPress F1 for help\n"), "{b}");
        assert!(b.starts_with("  MMM      MMM       KKK"));
        let r6 = router_with("6.49.13", "MikroTik");
        let b6 = term(&r6, "admin", "").banner();
        assert!(
            b6.contains(
                "  MikroTik RouterOS 6.49.13 (c) 1999-2024       http://www.mikrotik.com/\n"
            ),
            "{b6}"
        );
        assert!(b6.contains("/command        Use command at the base level\n"));
    }

    #[test]
    fn update_check_offline_and_online() {
        let r = router_with("7.23.7", "CHR");
        let mut t = term(&r, "admin", "");
        cli(
            &mut t,
            "/system package update print",
            "            channel: stable\n  installed-version: 7.23.7\n",
        );
        cli(
            &mut t,
            "/system package update check-for-updates",
            "            channel: stable\n  installed-version: 7.23.7\n             status: ERROR: could not resolve dns name\n",
        );
        let cfg = RouterConfig {
            latest_version: Version::parse("7.24.1").ok(),
            ..RouterConfig::default()
        };
        let online = Router::new(cfg).expect("router");
        let mut t = term(&online, "admin", "");
        cli(
            &mut t,
            "/system package update check-for-updates",
            "            channel: stable\n  installed-version: 7.23.7\n     latest-version: 7.24.1\n             status: New version is available\n",
        );
        let _ = t.execute("/system package update install");
        assert_eq!(online.version().to_string(), "7.24.1");
        cli(
            &mut t,
            ":put [/system package get routeros version]",
            "7.24.1\n",
        );
        assert!(
            t.execute("/log print")
                .contains("system,info router rebooted")
        );
        cli(
            &mut t,
            "/system package update check-for-updates",
            "            channel: stable\n  installed-version: 7.24.1\n     latest-version: 7.24.1\n             status: System is already up to date\n",
        );
    }

    #[test]
    fn read_only_users_cannot_write() {
        let r = router_with("7.23.7", "CHR");
        let mut admin = term(&r, "admin", "");
        cli(&mut admin, "/user add name=ro group=read password=p", "");
        let mut t = term(&r, "ro", "p");
        cli(
            &mut t,
            "/ip service disable telnet",
            "not enough permissions (9)\n",
        );
        cli(&mut t, "/ip service print count-only", "8\n");
    }

    #[test]
    fn bad_input_never_panics() {
        let r = router_with("7.23.7", "CHR");
        let mut t = term(&r, "admin", "");
        let long = "a".repeat(100_000);
        let deep = format!(":put {}", "[".repeat(5000));
        let inputs = [
            long.as_str(),
            deep.as_str(),
            "\u{0}\u{1}\u{7f}",
            "/ip service set [",
            "/ip service print where ((((((",
            "\"",
            "/ip service set 0,1,2,,,9999999999999999999 disabled=yes",
            "/////",
            "/ip/../../../ip/service/print",
            "{ /ip service print count-only }",
            "$x$y$z",
            ":put [/ip service find where name~\"(\"]",
            "/ip service set telnet port=-1",
            "/user add name=\"\" group=full",
        ];
        for i in inputs {
            let _ = t.execute(i);
        }
        cli(&mut t, "/ip/../../../ip/service/print count-only", "8\n");
    }

    #[test]
    fn comment_command_sets_the_comment() {
        let r = router_with("7.23.7", "CHR");
        let mut t = term(&r, "admin", "");
        cli(&mut t, "/ip firewall filter add chain=input", "");
        cli(
            &mut t,
            "/ip firewall filter comment 0 comment=\"from cli\"",
            "",
        );
        cli(
            &mut t,
            ":put [/ip firewall filter get 0 comment]",
            "from cli\n",
        );
    }

    /// The harness's apply scripts (harness/src/render.rs) run as RouterOS would run them.
    #[test]
    fn harness_apply_scripts_run_and_are_idempotent() {
        let r = router_with("7.23.7", "CHR");
        let mut t = term(&r, "admin", "");
        let script = concat!(
            "/user\n",
            ":if ([:len [find name=netops]] = 0) do={ add name=netops group=full password=\"Pw-1\\$x?\" comment=\"chrlab: administrator\" }\n",
            "set [find name=netops] group=full disabled=no password=\"Pw-1\\$x?\"\n",
            "/ip firewall address-list\n",
            ":if ([:len [find list=chrlab-mgmt address=192.0.2.10]] = 0) do={ add list=chrlab-mgmt address=192.0.2.10 comment=\"chrlab: harness source\" }\n",
            "/ip firewall filter\n",
            ":if ([:len [find comment=\"chrlab: accept management\"]] = 0) do={ add chain=input action=accept protocol=tcp dst-port=2222,8080 src-address-list=chrlab-mgmt comment=\"chrlab: accept management\" }\n",
            "set [find comment=\"chrlab: accept management\"] chain=input action=accept protocol=tcp dst-port=2222,8080 src-address-list=chrlab-mgmt disabled=no\n",
            ":if ([:len [find comment=\"chrlab: drop management\"]] = 0) do={ add chain=input action=drop connection-state=!established,related protocol=tcp dst-port=2222,8080 comment=\"chrlab: drop management\" }\n",
            "set [find comment=\"chrlab: drop management\"] chain=input action=drop connection-state=!established,related protocol=tcp dst-port=2222,8080 disabled=no\n",
            "move [find comment=\"chrlab: accept management\"] destination=[find comment=\"chrlab: drop management\"]\n",
            "/system logging\n",
            ":if ([:len [find topics=error action=memory]] = 0) do={ add topics=error action=memory }\n",
            "set [find topics=error action=memory] disabled=no\n",
            "/system package update\n",
            "check-for-updates\n",
            ":if ([get status] = \"New version is available\") do={ install }\n",
        );
        for _ in 0..2 {
            let out = t.execute(script);
            assert!(
                out.contains("status: ERROR: could not resolve dns name"),
                "{out}"
            );
            assert!(
                !out.contains("failure") && !out.contains("error (line"),
                "{out}"
            );
        }
        cli(&mut t, "/user print count-only", "2\n");
        cli(&mut t, "/ip firewall filter print count-only", "2\n");
        cli(
            &mut t,
            ":put [/ip firewall filter get 0 comment]",
            "chrlab: accept management\n",
        );
        cli(&mut t, "/system logging print count-only", "4\n");
        assert!(r.login("netops", "Pw-1$x?", Via::Ssh, None).is_ok());
        let mut n = term(&r, "netops", "Pw-1$x?");
        cli(
            &mut n,
            "/user\n:if ([:len [find name=netops group=full disabled=no]] > 0) do={ remove [find name=admin] }",
            "",
        );
        cli(&mut n, "/user print count-only", "1\n");
        cli(
            &mut n,
            ":if (1 = 2) do={ :put yes } else={ :put no }",
            "no\n",
        );
        cli(&mut n, ":put (\"a\" . \"b\")", "ab\n");
        cli(&mut n, ":put ([:len \"abc\"] + 1)", "4\n");
    }

    #[test]
    fn v6_tables_use_the_captured_widths() {
        // Layout of [cli:user_active_print__1.raw] and [cli:ansible/system_package_print.raw].
        let r = router_with("6.49.13", "MikroTik");
        let mut t = term(&r, "admin", "");
        let active = t.execute("/user active print");
        let re = regex::Regex::new(
            r"^Flags: R - radius, M - by-romon\n #    WHEN                 NAME       ADDRESS         VIA\n 0    [a-z]{3}/\d{2}/\d{4} \d{2}:\d{2}:\d{2} admin      127\.0\.0\.1       ssh\n$",
        )
        .expect("regex");
        assert!(re.is_match(&active), "{active:?}");
        let pkg = t.execute("/system package print");
        assert!(pkg.starts_with("Flags: X - disabled \n"), "{pkg:?}");
        assert!(
            pkg.contains(" 0   routeros                6.49.13"),
            "{pkg:?}"
        );
    }

    #[test]
    fn do_on_error_and_foreach() {
        let r = router_with("7.23.7", "CHR");
        let mut t = term(&r, "admin", "");
        cli(
            &mut t,
            ":do { /user remove admin } on-error={ :put caught }",
            "caught\n",
        );
        cli(
            &mut t,
            ":foreach s in=[/ip service find where port<100] do={ /ip service disable $s }",
            "",
        );
        cli(&mut t, "/ip service print count-only where disabled", "5\n");
        cli(&mut t, ":do { :put inside }", "inside\n");
    }

    #[test]
    fn settings_menus() {
        let r = router_with("7.23.7", "CHR");
        let mut t = term(&r, "admin", "");
        cli(&mut t, "/system routerboard print", "  routerboard: no\n");
        // A fresh CHR has heard no neighbor: the list is empty, and read-only.
        cli(&mut t, "/ip neighbor print detail without-paging", "");
        assert!(
            t.execute("/ip neighbor add identity=x")
                .contains("bad command name add"),
            "the neighbor list is the router's own"
        );
        cli(
            &mut t,
            "/ip settings set rp-filter=strict tcp-syncookies=yes",
            "",
        );
        cli(
            &mut t,
            "/ip settings set rp-filter=sometimes",
            "input does not match any value of rp-filter\n",
        );
        cli(&mut t, "/user settings set minimum-password-length=12", "");
        let out = t.execute("/export terse");
        assert!(
            out.contains("/ip settings set rp-filter=strict tcp-syncookies=yes\n"),
            "{out}"
        );
        assert!(
            out.contains("/user settings set minimum-password-length=12\n"),
            "{out}"
        );
        let clock = t.execute("/system clock print");
        let re = regex::Regex::new(r"^                  time: \d{2}:\d{2}:\d{2}\n                  date: \d{4}-\d{2}-\d{2}\n  time-zone-autodetect: yes\n")
            .expect("regex");
        assert!(re.is_match(&clock), "{clock}");
    }

    #[test]
    fn interface_ethernet_is_a_view_of_interface() {
        let r = router_with("7.23.7", "CHR");
        let mut t = term(&r, "admin", "");
        // [capture] cli/interface_ethernet_poe_print_without-paging__3.raw: no PoE on this hardware.
        cli(
            &mut t,
            "/interface ethernet poe print without-paging",
            "bad command name poe (line 1 column 21)\n",
        );
        testsupport::ntc::assert_parses_as_captured(
            "cli/interface_ethernet_poe_print_without-paging__3.raw",
            "bad command name poe (line 1 column 21)\n",
        );
        cli(
            &mut t,
            "/interface ethernet print",
            concat!(
                // X and R share a flag group, and v7 shows a used group whole (sim/FIDELITY.md,
                // "Print forms").
                "Flags: X - DISABLED, R - RUNNING\n",
                "Columns: NAME, MTU, MAC-ADDRESS, ARP\n",
                "#   NAME    MTU   MAC-ADDRESS        ARP    \n",
                "0 R ether1  1500  0C:C4:7A:00:00:01  enabled\n",
            ),
        );
        cli(
            &mut t,
            "/interface ethernet set [ find default-name=ether1 ] name=wan arp=reply-only",
            "",
        );
        cli(
            &mut t,
            ":put [/interface get [find default-name=ether1] name]",
            "wan\n",
        );
        cli(
            &mut t,
            "/interface set wan arp=enabled",
            "expected end of command (line 1 column 20)\n",
        );
        let out = t.execute("/export terse");
        assert!(
            out.contains(
                "/interface ethernet set [ find default-name=ether1 ] arp=reply-only name=wan\n"
            ),
            "{out}"
        );
    }
}

#[test]
fn the_bandwidth_server_listens_while_enabled_across_an_upgrade() {
    let v = Version::parse("7.23.7").expect("version");
    let mut cfg = RouterConfig::for_version(v);
    cfg.latest_version = Version::parse("7.24.4").ok();
    let r = Router::new(cfg).expect("router");
    let btest = |r: &Router| {
        r.watch_services()
            .borrow()
            .iter()
            .find(|s| s.name == "bandwidth-server")
            .map(|s| (s.port, s.disabled))
    };
    assert_eq!(btest(&r), Some((2000, false)), "on by default, as on a CHR");
    let mut t = term(&r, "admin", "");
    t.execute("/system package update check-for-updates");
    t.execute("/system package update install");
    r.boot();
    let mut t = term(&r, "admin", "");
    assert_eq!(r.version().to_string(), "7.24.4");
    t.execute("/ip service set [find name=telnet] disabled=yes");
    assert_eq!(btest(&r), Some((2000, false)), "still on after the upgrade");
    t.execute("/tool bandwidth-server set enabled=no");
    assert_eq!(btest(&r), Some((2000, true)));
}

mod update_check {
    //! `/system package update` over time: a check takes `update_check_time`; `status` shows
    //! the previous verdict for a quarter of it, then `finding out latest version...`, then the
    //! verdict; `latest-version` keeps the previous check's value until then.

    use super::*;
    use chrlab_sim::CheckFailure;
    use std::time::Duration;

    fn router(version: &str, latest: Option<&str>, check: Duration) -> Router {
        let v = Version::parse(version).expect("version");
        Router::new(RouterConfig {
            latest_version: latest.map(|l| Version::parse(l).expect("latest")),
            update_check_time: check,
            ..RouterConfig::for_version(v)
        })
        .expect("router")
    }

    fn print(t: &mut Terminal) -> String {
        t.execute("/system package update print")
    }

    #[test]
    fn once_returns_at_once_and_the_status_passes_through_checking() {
        let r = router("7.23.7", Some("7.24.1"), Duration::from_secs(2));
        let mut t = term(&r, "admin", "");
        // No previous verdict: the check is shown running at once.
        cli(
            &mut t,
            "/system package update check-for-updates once",
            "            channel: stable\n  installed-version: 7.23.7\n             status: finding out latest version...\n",
        );
        // Without `once` the command returns with the verdict.
        cli(
            &mut t,
            "/system package update check-for-updates",
            "            channel: stable\n  installed-version: 7.23.7\n     latest-version: 7.24.1\n             status: New version is available\n",
        );
        // A new check shows the previous verdict for a moment, then runs, latest-version kept.
        let stale = t.execute("/system package update check-for-updates once");
        assert!(
            stale.ends_with(
                "     latest-version: 7.24.1\n             status: New version is available\n"
            ),
            "{stale}"
        );
        std::thread::sleep(Duration::from_millis(700));
        assert!(
            print(&mut t).ends_with(
                "     latest-version: 7.24.1\n             status: finding out latest version...\n"
            ),
            "running"
        );
    }

    #[test]
    fn a_failed_check_keeps_the_previous_latest_version() {
        let r = router("7.23.7", Some("7.24.1"), Duration::from_millis(50));
        let mut t = term(&r, "admin", "");
        let _ = t.execute("/system package update check-for-updates");
        for (failure, status) in [
            (CheckFailure::NoDns, "ERROR: could not resolve dns name"),
            (CheckFailure::NoRoute, "ERROR: no internet connection"),
            (CheckFailure::Server, "ERROR: connection failed"),
        ] {
            r.set_update_failure(Some(failure));
            cli(
                &mut t,
                "/system package update check-for-updates",
                &format!(
                    "            channel: stable\n  installed-version: 7.23.7\n     latest-version: 7.24.1\n             status: {status}\n"
                ),
            );
        }
        // Offline from the start: no latest-version at all.
        let offline = router("7.23.7", None, Duration::from_millis(50));
        let mut t = term(&offline, "admin", "");
        cli(
            &mut t,
            "/system package update check-for-updates",
            "            channel: stable\n  installed-version: 7.23.7\n             status: ERROR: could not resolve dns name\n",
        );
    }

    #[test]
    fn download_waits_for_a_reboot_and_the_reboot_installs() {
        let r = router("7.23.7", Some("7.24.1"), Duration::from_millis(50));
        let mut t = term(&r, "admin", "");
        let out = t.execute("/system package update download");
        assert!(
            out.ends_with("status: Downloaded, please reboot router to upgrade it\n"),
            "{out}"
        );
        assert_eq!(
            r.version().to_string(),
            "7.23.7",
            "download alone installs nothing"
        );
        r.reboot();
        assert_eq!(r.version().to_string(), "7.24.1", "the reboot installs it");
    }

    #[test]
    fn a_v6_router_reaches_v7_through_the_upgrade_channel() {
        let r = router("6.49.13", Some("7.24.4"), Duration::from_millis(50));
        let mut t = term(&r, "admin", "");
        // The v6 channels offer no v7 release (and the simulator knows no newer v6 one).
        let out = t.execute("/system package update check-for-updates");
        assert!(
            out.ends_with("status: ERROR: could not resolve dns name\n"),
            "{out}"
        );
        cli(&mut t, "/system package update set channel=upgrade", "");
        let out = t.execute("/system package update check-for-updates");
        assert!(
            out.ends_with(
                "     latest-version: 7.12.1\n             status: New version is available\n"
            ),
            "{out}"
        );
        let _ = t.execute("/system package update install");
        assert_eq!(r.version().to_string(), "7.12.1", "first v7: 7.12.1 only");
        let mut t = term(&r, "admin", "");
        cli(
            &mut t,
            ":put [/system package update get channel]",
            "stable\n",
        );
        let out = t.execute("/system package update check-for-updates");
        assert!(
            out.ends_with(
                "latest-version: 7.24.4\n             status: New version is available\n"
            ),
            "then the stable channel: {out}"
        );
        // v7 has no upgrade channel.
        let refused = t.execute("/system package update set channel=upgrade");
        assert!(
            refused.contains("input does not match any value of channel"),
            "{refused}"
        );
    }

    #[test]
    fn while_delay_and_do_while_run_as_scripts_do() {
        let r = router("7.23.7", None, Duration::from_millis(50));
        let mut t = term(&r, "admin", "");
        for (input, expected) in [
            (
                ":local i 0; :while ($i < 3) do={ :set i ($i + 1); :put $i }",
                "1\n2\n3\n",
            ),
            (":local i 5; :while ($i < 3) do={ :put $i }", ""),
            (
                ":local i 0; :do { :set i ($i + 1); :put $i } while=($i < 2)",
                "1\n2\n",
            ),
            (":delay 10ms; :delay delay-time=1ms; :put done", "done\n"),
            (
                ":delay soon",
                "invalid value for argument delay-time: soon\n",
            ),
        ] {
            cli(&mut t, input, expected);
        }
        // A script that polls the status sees the check finish while it runs.
        let slow = router("7.23.7", Some("7.24.1"), Duration::from_millis(300));
        let mut t = term(&slow, "admin", "");
        cli(
            &mut t,
            "/system package update check-for-updates once; :local n 0; :while (([/system package update get status] = \"finding out latest version...\") && ($n < 100)) do={ :delay 20ms; :set n ($n + 1) }; :put [/system package update get status]",
            "            channel: stable\n  installed-version: 7.23.7\n             status: finding out latest version...\nNew version is available\n",
        );
    }
}

/// IPv6: RouterOS 7 has it built in; a v6 CHR without the ipv6 package has only `/ipv6 settings`.
mod ipv6 {
    use super::*;

    const IPV6_FACTORY_TWO_NICS: &str = "\
Flags: D - DYNAMIC; G - GLOBAL, L - LINK-LOCAL
Columns: ADDRESS, INTERFACE, ADVERTISE
#    ADDRESS                   INTERFACE  ADVERTISE
0 DL fe80::ec4:7aff:fe00:1/64  ether1     no
1 DL fe80::ec4:7aff:fe00:2/64  ether2     no
";

    #[test]
    fn factory_v7_ipv6_address_print_shows_a_link_local_per_ether() {
        let mut cfg = RouterConfig::for_version(Version::parse("7.23.7").expect("version"));
        cfg.ethernets = 2;
        let r = Router::new(cfg).expect("router starts");
        let mut t = term(&r, "admin", "");
        cli(&mut t, "/ipv6 address print", IPV6_FACTORY_TWO_NICS);
        // The router's own addresses: neither changed, removed nor exported.
        cli(
            &mut t,
            "/ipv6 address remove 0",
            "failure: can not remove dynamic\n",
        );
        cli(
            &mut t,
            "/ipv6 address set 1 advertise=yes",
            "failure: can not change dynamic\n",
        );
        assert!(!t.execute("/export").contains("/ipv6 address"));
    }

    #[test]
    fn v6_router_without_the_ipv6_package_says_bad_command_name() {
        let r = router_with("6.49.13", "MikroTik");
        let mut t = term(&r, "admin", "");
        cli(
            &mut t,
            "/ipv6 address print",
            "bad command name address (line 1 column 7)\n",
        );
        cli(
            &mut t,
            "/ipv6 firewall filter print",
            "bad command name firewall (line 1 column 7)\n",
        );
        assert!(
            t.execute("/ipv6 settings print")
                .contains("disable-ipv6: no")
        );
    }

    #[test]
    fn ipv6_address_add_takes_ipv6_prefixes_and_flags_them_global() {
        let r = router_with("7.23.7", "CHR");
        let mut t = term(&r, "admin", "");
        cli(
            &mut t,
            "/ipv6 address add address=2001:db8::1/64 interface=ether1 advertise=no",
            "",
        );
        cli(
            &mut t,
            "/ipv6 address add address=2001:db8:1::1 interface=ether1",
            "",
        );
        cli(
            &mut t,
            "/ipv6 address add address=2001:db8::1/64 interface=ether1",
            "failure: already have such address\n",
        );
        cli(
            &mut t,
            "/ipv6 address add address=192.0.2.1/24 interface=ether1",
            "invalid value for argument address\n",
        );
        cli(
            &mut t,
            "/ipv6 address add address=2001:db8:2::1/64 interface=ether9",
            "input does not match any value of interface\n",
        );
        cli(
            &mut t,
            "/ipv6 address print",
            "\
Flags: D - DYNAMIC; G - GLOBAL, L - LINK-LOCAL
Columns: ADDRESS, INTERFACE, ADVERTISE
#    ADDRESS                   INTERFACE  ADVERTISE
0 DL fe80::ec4:7aff:fe00:1/64  ether1     no 
1  G 2001:db8::1/64            ether1     no 
2  G 2001:db8:1::1/64          ether1     yes
",
        );
        cli(
            &mut t,
            "/ipv6 address print detail where dynamic",
            "\
Flags: X - disabled, I - invalid; D - dynamic; G - global; L - link-local
 0 DL address=fe80::ec4:7aff:fe00:1/64 from-pool=\"\" interface=ether1
      actual-interface=ether1 eui-64=no advertise=no no-dad=no
",
        );
        assert!(t.execute("/export").contains(
            "/ipv6 address\nadd address=2001:db8::1/64 advertise=no interface=ether1\nadd address=2001:db8:1::1/64 interface=ether1\n"
        ));
    }

    #[test]
    fn ipv6_firewall_takes_what_the_ipv4_one_takes_with_ipv6_addresses() {
        let r = router_with("7.23.7", "CHR");
        let mut t = term(&r, "admin", "");
        cli(
            &mut t,
            "/ipv6 firewall filter add chain=input action=drop protocol=tcp dst-port=22 src-address=2001:db8::66",
            "",
        );
        cli(
            &mut t,
            "/ipv6 firewall filter add chain=input action=reject reject-with=icmp-admin-prohibited",
            "",
        );
        cli(
            &mut t,
            "/ipv6 firewall filter add chain=input action=drop src-address=192.0.2.1",
            "invalid value for argument src-address\n",
        );
        cli(
            &mut t,
            "/ipv6 firewall filter add chain=input action=reject reject-with=icmp-network-unreachable",
            "input does not match any value of reject-with\n",
        );
        cli(
            &mut t,
            "/ipv6 firewall filter add chain=input action=nothing",
            "input does not match any value of action\n",
        );
        cli(
            &mut t,
            "/ipv6 firewall filter print",
            "\
Flags: X - disabled, I - invalid; D - dynamic
 0   chain=input action=drop protocol=tcp src-address=2001:db8::66 dst-port=22
     log=no log-prefix=\"\"

 1   chain=input action=reject reject-with=icmp-admin-prohibited log=no
     log-prefix=\"\"
",
        );
        cli(
            &mut t,
            "/ipv6 firewall address-list add list=mgmt address=2001:db8::10",
            "",
        );
        cli(
            &mut t,
            "/ipv6 firewall address-list add list=mgmt address=2001:db8::10/128",
            "failure: already have such entry\n",
        );
        cli(
            &mut t,
            "/ipv6 firewall address-list add list=mgmt address=192.0.2.10",
            "invalid value for argument address\n",
        );
        let out = mask_dates(&t.execute("/ipv6 firewall address-list print"));
        assert_eq!(
            out,
            "\
Columns: LIST, ADDRESS, CREATION-TIME
# LIST  ADDRESS           CREATION-TIME      
0 mgmt  2001:db8::10/128  DATE
"
        );
        // The IPv4 menus still refuse IPv6 values.
        cli(
            &mut t,
            "/ip firewall filter add chain=input src-address=2001:db8::66",
            "invalid value for argument src-address\n",
        );
        // Both families are in the one model the enforcer follows.
        let fw = r.watch_firewall().borrow().clone();
        assert!(fw.filter.is_empty());
        assert_eq!(fw.filter6.len(), 2);
        assert_eq!(fw.address_lists6.len(), 1);
    }

    #[test]
    fn disable_ipv6_takes_the_addresses_out_of_effect() {
        let r = router_with("7.23.7", "CHR");
        let mut t = term(&r, "admin", "");
        assert!(r.watch_services().borrow().ipv6);
        cli(
            &mut t,
            "/ipv6 address add address=2001:db8::1/64 interface=ether1",
            "",
        );
        // What `--manage-addresses` puts on the kernel's links: the static address, not the
        // link-local (the kernel makes its own).
        let kernel = || {
            r.watch_addresses()
                .borrow()
                .addresses
                .iter()
                .map(|a| format!("{} {}", a.link, a.address))
                .collect::<Vec<_>>()
        };
        assert_eq!(kernel(), ["ether1 2001:db8::1/64"]);
        cli(&mut t, "/ipv6 settings set disable-ipv6=yes", "");
        assert!(!r.watch_services().borrow().ipv6);
        assert_eq!(kernel(), Vec::<String>::new());
        cli(
            &mut t,
            "/ipv6 address print",
            "\
Flags: X - DISABLED, I - INVALID; G - GLOBAL, L - LINK-LOCAL
Columns: ADDRESS, INTERFACE, ADVERTISE
#    ADDRESS         INTERFACE  ADVERTISE
0 IG 2001:db8::1/64  ether1     yes
",
        );
        cli(&mut t, "/ipv6 settings set disable-ipv6=no", "");
        assert!(r.watch_services().borrow().ipv6);
        assert!(
            t.execute("/ipv6 address print")
                .contains("DL fe80::ec4:7aff:fe00:1/64")
        );
        // A v6 router never has IPv6 in effect.
        assert!(
            !router_with("6.49.13", "MikroTik")
                .watch_services()
                .borrow()
                .ipv6
        );
    }
}

/// `/system ntp client` per version: the factory values, `set` over the CLI, `/export`, and the
/// harness's one-line form that tries the v7 keys and falls back to the v6 ones.
#[test]
fn ntp_client_per_version() {
    let r7 = router_with("7.23.7", "MikroTik");
    let mut t7 = term(&r7, "admin", "");
    let factory7 = t7.execute("/system ntp client print");
    assert!(factory7.contains("enabled: no"), "{factory7}");
    assert!(factory7.contains("servers:"), "{factory7}");
    assert!(!factory7.contains("primary-ntp"), "{factory7}");
    let line = ":do { /system ntp client set enabled=yes servers=pool.ntp.org } on-error={ /system ntp client set enabled=yes primary-ntp=0.0.0.0 secondary-ntp=0.0.0.0 server-dns-names=pool.ntp.org }";
    cli(&mut t7, line, "");
    let set7 = t7.execute("/system ntp client print");
    assert!(set7.contains("enabled: yes"), "{set7}");
    assert!(set7.contains("servers: pool.ntp.org"), "{set7}");
    let export7 = t7.execute("/export");
    assert!(
        export7.contains("/system ntp client\nset enabled=yes servers=pool.ntp.org"),
        "{export7}"
    );

    let r6 = router_with("6.49.18", "MikroTik");
    let mut t6 = term(&r6, "admin", "");
    let factory6 = t6.execute("/system ntp client print");
    assert!(factory6.contains("primary-ntp: 0.0.0.0"), "{factory6}");
    assert!(!factory6.contains("servers:"), "{factory6}");
    assert_ne!(
        t6.execute("/system ntp client set servers=pool.ntp.org"),
        "",
        "RouterOS 6 has no servers key"
    );
    cli(&mut t6, line, "");
    let set6 = t6.execute("/system ntp client print");
    assert!(set6.contains("enabled: yes"), "{set6}");
    assert!(set6.contains("server-dns-names: pool.ntp.org"), "{set6}");
}

/// `/system device-mode` and disabled interfaces.
mod device {
    use super::*;

    #[test]
    fn device_mode_exists_from_7_17_and_changes_only_on_a_power_cycle() {
        // Before 7.17 the menu is not modelled: RouterOS's answer to an unknown menu.
        for old in ["7.16.2", "6.49.13"] {
            let r = router_with(old, "MikroTik");
            let mut t = term(&r, "admin", "");
            let out = t.execute("/system device-mode print");
            assert!(out.contains("bad command name device-mode"), "{old}: {out}");
        }
        let r = router_with("7.24.4", "CHR");
        let mut t = term(&r, "admin", "");
        let out = t.execute("/system device-mode print");
        assert!(out.contains("mode: advanced"), "{out}");
        assert!(out.contains("sniffer: yes"), "{out}");
        assert!(out.contains("container: no"), "{out}");
        // `set` is not how it changes.
        assert!(!t.execute("/system device-mode set sniffer=no").is_empty());
        // A bad value is refused before anything waits.
        assert!(
            t.execute("/system device-mode update sniffer=maybe")
                .contains("invalid value for argument sniffer")
        );
        cli(
            &mut t,
            "/system device-mode update sniffer=no socks=no",
            "  update: please activate by turning power off or pressing reset or mode button in 5m00s\n",
        );
        assert_eq!(
            r.menu_value("system/device-mode", "sniffer").as_deref(),
            Some("yes"),
            "nothing changes before the confirmation"
        );
        // A soft reboot does not confirm it, and drops it.
        r.reboot();
        assert_eq!(
            r.menu_value("system/device-mode", "sniffer").as_deref(),
            Some("yes")
        );
        r.power_cycle();
        assert_eq!(
            r.menu_value("system/device-mode", "sniffer").as_deref(),
            Some("yes"),
            "the pending update died with the soft reboot"
        );
        // Update, then a power cycle within the timeout: in force.
        let mut t = term(&r, "admin", "");
        t.execute("/system device-mode update sniffer=no socks=no activation-timeout=1m");
        r.power_cycle();
        let mut t = term(&r, "admin", "");
        let out = t.execute("/system device-mode print");
        assert!(out.contains("sniffer: no"), "{out}");
        assert!(out.contains("socks: no"), "{out}");
        assert!(out.contains("fetch: yes"), "{out}");
    }

    #[test]
    fn unused_ethernet_disabled_shows_in_print_and_export() {
        let mut cfg = RouterConfig::for_version(Version::parse("7.24.4").unwrap());
        cfg.ethernets = 2;
        let r = Router::new(cfg).unwrap();
        let mut t = term(&r, "admin", "");
        cli(&mut t, "/interface set [find name=ether2] disabled=yes", "");
        let out = t.execute("/interface ethernet print terse");
        // A disabled interface shows X alone, in the position it shares with R
        // ([capture] cli/interface_print_detail__2.raw: ` 2  X   ;;; Spare Optic`).
        assert!(out.lines().any(|l| l.contains(" X name=ether2")), "{out}");
        let export = t.execute("/export");
        assert!(
            export.contains("/interface ethernet\nset [ find default-name=ether2 ] disabled=yes"),
            "{export}"
        );
    }
}
