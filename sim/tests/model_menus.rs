// Every menu a fresh CHR has answers, data-driven: one line per menu through `prints(...)` (the
// terminal) and `gets(...)` (REST), so a new menu is one more line. Expected texts follow the
// simulator's print layout rules (sim/FIDELITY.md, "Stored-only menus"); the lines marked
// [capture] compare with a file of the capture corpus (corpus/MANIFEST.txt, corpus/SOURCES.md).

mod model_support;

use chrlab_sim::router::{Router, RouterConfig, Via};
use model_support::{router, term};
use routeros::version::Version;

/// Runs each command on a fresh router of `version`, in order on one terminal, and compares
/// its output.
#[track_caller]
fn prints(version: &str, cases: &[(&str, &str)]) {
    let r = router(version);
    let mut t = term(&r);
    for (input, expected) in cases {
        let got = t.execute(input);
        assert_eq!(
            &got, expected,
            "{version}: {input}\n--- got:\n{got}--- expected:\n{expected}"
        );
    }
}

/// `GET /rest/<path>` on a fresh router of `version`: status 200 and the body.
#[track_caller]
fn gets(version: &str, cases: &[(&str, &str)]) {
    let r = router(version);
    let s = r
        .login("admin", "", Via::RestApi, "127.0.0.1".parse().ok())
        .expect("login");
    for (path, expected) in cases {
        let reply = r.rest(&s, "GET", path, "", b"");
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (200, *expected),
            "{version}: GET {path}"
        );
    }
}

const SERVICE_PORTS_7: &str = "\
Flags: X - DISABLED, I - INVALID
Columns: NAME, PORTS
#   NAME     PORTS    
0   ftp      21       
1   tftp     69       
2   irc      6667     
3   h323              
4   sip      5060,5061
5   pptp              
6 X rtsp     554      
7   udplite           
8   dccp              
9   sctp              
";

const INTERFACE_LISTS_7: &str = "\
Flags: * - BUILTIN, D - DYNAMIC
Columns: NAME
#   NAME   
0 * all    
1 * none   
2 * dynamic
3 * static 
";

const ND_7: &str = "\
Flags: X - disabled, I - invalid; * - default
 0 * interface=all ra-interval=3m20s-10m ra-delay=3s mtu=unspecified
     reachable-time=unspecified retransmit-interval=unspecified ra-lifetime=30m
     hop-limit=unspecified advertise-mac-address=yes advertise-dns=yes
     managed-address-configuration=no other-configuration=no
";

/// The tests, under `model` so `cargo test -p chrlab-sim model` selects them.
mod model {
    use super::*;

    #[test]
    fn every_menu_of_a_fresh_v7_chr_prints() {
        prints(
            "7.23.7",
            &[
                // Empty lists print nothing in v7 (no rows, so no legend or header).
                (
                    "/ip firewall nat print",
                    "Flags: X - disabled, I - invalid; D - dynamic\n",
                ),
                (
                    "/ip firewall mangle print",
                    "Flags: X - disabled, I - invalid; D - dynamic\n",
                ),
                (
                    "/ip firewall raw print",
                    "Flags: X - disabled, I - invalid; D - dynamic\n",
                ),
                ("/ip firewall service-port print", SERVICE_PORTS_7),
                ("/ip firewall layer7-protocol print", ""),
                ("/ipv6 route print", ""),
                ("/ipv6 nd print", ND_7),
                ("/ip route print", ""),
                (
                    "/routing table print",
                    "Flags: D - DYNAMIC\nColumns: NAME, FIB\n#   NAME  FIB\n0 D main  yes\n",
                ),
                ("/routing rule print", "Flags: X - disabled, I - inactive\n"),
                (
                    "/routing filter rule print",
                    "Flags: X - disabled, I - invalid\n",
                ),
                ("/ip arp print", ""),
                ("/ip pool print", ""),
                ("/ip dhcp-server print", ""),
                ("/ip dhcp-server lease print", ""),
                ("/ip dhcp-server network print", ""),
                ("/ip dns cache print", ""),
                ("/system scheduler print", ""),
                ("/system script print", ""),
                (
                    "/system note print",
                    "  show-at-login: yes\n           note: \n",
                ),
                ("/system history print", ""),
                // A CHR has no sensors: an empty list.
                ("/system health print", ""),
                ("/file print", ""),
                ("/interface list print", INTERFACE_LISTS_7),
                ("/interface list member print", ""),
                (
                    "/interface bridge print",
                    "Flags: X - disabled, R - running\n",
                ),
                ("/interface vlan print", ""),
                ("/certificate print", ""),
                ("/disk print", ""),
                (
                    "/queue simple print",
                    "Flags: X - disabled, I - invalid; D - dynamic\n",
                ),
                ("/tool netwatch print", ""),
                (
                    "/tool graphing print",
                    "   store-every: 5min\n  page-refresh: 300\n",
                ),
                ("/tool graphing interface print", ""),
                ("/tool graphing resource print", ""),
                ("/user ssh-keys print", ""),
            ],
        );
    }

    #[test]
    fn v7_lists_print_their_columns_once_they_hold_an_item() {
        prints(
            "7.23.7",
            &[
                ("/ip pool add name=dhcp ranges=192.0.2.10-192.0.2.20", ""),
                (
                    "/ip pool print",
                    "Columns: NAME, RANGES\n# NAME  RANGES               \n0 dhcp  192.0.2.10-192.0.2.20\n",
                ),
                ("/ip route add gateway=192.0.2.1", ""),
                (
                    "/ip route print",
                    "Columns: DST-ADDRESS, GATEWAY, DISTANCE\n# DST-ADDRESS  GATEWAY    DISTANCE\n0 0.0.0.0/0    192.0.2.1         1\n",
                ),
                ("/interface list add name=WAN", ""),
                ("/interface list member add list=WAN interface=ether1", ""),
                (
                    "/interface list member print",
                    "Columns: LIST, INTERFACE\n# LIST  INTERFACE\n0 WAN   ether1\n",
                ),
                (
                    "/ip firewall nat add chain=srcnat action=masquerade out-interface-list=WAN",
                    "",
                ),
                (
                    "/ip firewall nat print",
                    // `log=no log-prefix=""` printed as in the captured NAT rules [cli:ip_firewall_nat_print_all_without-paging__1.raw].
                    "Flags: X - disabled, I - invalid; D - dynamic\n 0   chain=srcnat action=masquerade out-interface-list=WAN log=no log-prefix=\"\"\n",
                ),
                (
                    "/system scheduler add name=nightly start-time=03:00:00 interval=1d on-event=backup",
                    "",
                ),
                (
                    "/system scheduler print",
                    "Columns: NAME, START-TIME, INTERVAL, ON-EVENT, RUN-COUNT\n# NAME     START-TIME  INTERVAL  ON-EVENT  RUN-COUNT\n0 nightly  03:00:00    1d        backup            0\n",
                ),
                // Required arguments, with RouterOS's text.
                (
                    "/interface vlan add name=vlan10 interface=ether1",
                    "missing value(s) of argument(s) vlan-id\n",
                ),
                // The built-in interface lists stay.
                (
                    "/interface list remove all",
                    "failure: can not remove builtin list\n",
                ),
            ],
        );
    }

    #[test]
    fn every_menu_of_a_fresh_v6_chr_prints() {
        prints(
            "6.49.10",
            &[
                (
                    "/ip firewall nat print",
                    "Flags: X - disabled, I - invalid, D - dynamic\n",
                ),
                (
                    "/ip firewall layer7-protocol print",
                    " # NAME       REGEXP\n",
                ),
                (
                    "/ip route print",
                    "Flags: X - disabled, A - active, D - dynamic\n #   DST-ADDRESS        GATEWAY    DISTANCE\n",
                ),
                ("/ip pool print", " # NAME       RANGES\n"),
                (
                    "/ip dhcp-server print",
                    "Flags: D - dynamic, X - disabled, I - invalid\n #   NAME       INTERFACE  ADDRESS-POOL  LEASE-TIME\n",
                ),
                (
                    "/ip dns cache print",
                    " # NAME       TYPE       DATA       TTL\n",
                ),
                (
                    "/system scheduler print",
                    "Flags: X - disabled\n #   NAME       START-DATE  START-TIME  INTERVAL   ON-EVENT   RUN-COUNT\n",
                ),
                ("/system script print", ""),
                (
                    "/system history print",
                    "Flags: U - undoable, R - redoable, F - floating-undo\n #   ACTION     BY         POLICY\n",
                ),
                // v6 prints health values as one settings object; a CHR has none.
                ("/system health print", ""),
                (
                    "/file print",
                    " # NAME       TYPE             SIZE CREATION-TIME\n",
                ),
                (
                    "/interface list print",
                    "Flags: * - builtin, D - dynamic\n #   NAME       INCLUDE    EXCLUDE\n 0 * all                   \n 1 * none                  \n 2 * dynamic               \n",
                ),
                (
                    "/interface vlan print",
                    "Flags: X - disabled, R - running\n #   NAME         MTU ARP        VLAN-ID INTERFACE\n",
                ),
                (
                    "/certificate print",
                    "Flags: K - private-key, A - authority, T - trusted\n #   NAME       COMMON-NAME  FINGERPRINT\n",
                ),
                (
                    "/tool netwatch print",
                    "Flags: X - disabled\n #   HOST       INTERVAL   TIMEOUT    STATUS     SINCE\n",
                ),
                (
                    "/user ssh-keys print",
                    " # USER             BITS KEY-OWNER\n",
                ),
                // RouterOS 6 without the ipv6 package, and without the v7 routing tree or /disk.
                (
                    "/ipv6 route print",
                    "bad command name route (line 1 column 7)\n",
                ),
                ("/ipv6 nd print", "bad command name nd (line 1 column 7)\n"),
                (
                    "/routing table print",
                    "bad command name routing (line 1 column 2)\n",
                ),
                ("/disk print", "bad command name disk (line 1 column 2)\n"),
            ],
        );
    }

    #[test]
    fn v6_ip_arp_legend_and_header_match_the_capture() {
        // [capture] cli/ip_arp_print__1.raw: its first two lines (legend and header; the rows are
        // a configured router's, a fresh one has none).
        let rel = "cli/ip_arp_print__1.raw";
        let capture = testsupport::corpus::text(rel);
        let head: String = capture.lines().take(2).map(|l| format!("{l}\n")).collect();
        prints("6.49.10", &[("/ip arp print", &head)]);
    }

    #[test]
    fn every_menu_of_a_fresh_v7_chr_answers_rest() {
        gets(
            "7.23.7",
            &[
                ("/ip/firewall/nat", "[]"),
                ("/ip/firewall/mangle", "[]"),
                ("/ip/firewall/raw", "[]"),
                ("/ip/firewall/layer7-protocol", "[]"),
                ("/ipv6/route", "[]"),
                ("/ip/route", "[]"),
                (
                    "/routing/table",
                    r#"[{".id":"*0","disabled":"false","dynamic":"true","fib":"true","invalid":"false","name":"main"}]"#,
                ),
                ("/routing/rule", "[]"),
                ("/routing/filter/rule", "[]"),
                ("/ip/arp", "[]"),
                ("/ip/pool", "[]"),
                ("/ip/dhcp-server", "[]"),
                ("/ip/dns/cache", "[]"),
                ("/system/scheduler", "[]"),
                ("/system/script", "[]"),
                ("/system/note", r#"{"note":"","show-at-login":"true"}"#),
                ("/system/history", "[]"),
                ("/system/health", "[]"),
                ("/file", "[]"),
                ("/interface/list/member", "[]"),
                ("/interface/bridge", "[]"),
                ("/interface/vlan", "[]"),
                ("/certificate", "[]"),
                ("/disk", "[]"),
                ("/queue/simple", "[]"),
                ("/tool/netwatch", "[]"),
                (
                    "/tool/graphing",
                    r#"{"page-refresh":"300","store-every":"5min"}"#,
                ),
                ("/user/ssh-keys", "[]"),
                (
                    "/interface/list",
                    r#"[{".id":"*2000000","builtin":"true","dynamic":"false","exclude":"","include":"","name":"all"},{".id":"*2000001","builtin":"true","dynamic":"false","exclude":"","include":"","name":"none"},{".id":"*2000002","builtin":"true","dynamic":"false","exclude":"","include":"","name":"dynamic"},{".id":"*2000010","builtin":"true","dynamic":"false","exclude":"","include":"","name":"static"}]"#,
                ),
            ],
        );
    }

    #[test]
    fn connection_tracking_and_sniffer_are_settings() {
        let r = router("7.23.7");
        let mut t = term(&r);
        let ct = t.execute("/ip firewall connection tracking print");
        assert!(ct.contains("   tcp-established-timeout: 1d\n"), "{ct}");
        assert!(ct.starts_with("                   enabled: auto\n"), "{ct}");
        let sn = t.execute("/tool sniffer print");
        assert!(sn.contains("            running: no\n"), "{sn}");
        // The simulator captures no packets: RouterOS's `start` is not offered (FIDELITY.md).
        assert_eq!(
            t.execute("/tool sniffer start"),
            "bad command name start (line 1 column 15)\n"
        );
    }

    #[test]
    fn system_resource_has_the_keys_of_the_chr_capture_in_order() {
        // [capture] cli/system_resource_print__3.raw: 7.12.2, board-name CHR. Same keys in the same
        // order; the values the simulator fixes (uptime, memory, load) differ.
        let rel = "cli/system_resource_print__3.raw";
        let capture = testsupport::corpus::text(rel);
        let keys = |text: &str| -> Vec<String> {
            text.lines()
                .filter_map(|l| l.split_once(": ").map(|(k, _)| k.trim().to_string()))
                .collect()
        };
        let value = |text: &str, key: &str| -> Option<String> {
            text.lines()
                .filter_map(|l| l.split_once(": "))
                .find(|(k, _)| k.trim() == key)
                .map(|(_, v)| v.to_string())
        };
        let r = router("7.12.2");
        let got = term(&r).execute("/system resource print");
        assert_eq!(keys(&got), keys(&capture), "{got}");
        for key in [
            "cpu",
            "cpu-frequency",
            "total-hdd-space",
            "architecture-name",
            "board-name",
            "platform",
        ] {
            assert_eq!(value(&got, key), value(&capture, key), "{key}");
        }
        assert_eq!(value(&got, "version").as_deref(), Some("7.12.2 (stable)"));
        assert!(!got.contains("sim-firewall"), "{got}");
    }

    #[test]
    fn the_firewall_fact_is_in_the_sim_menu_only() {
        let r = router("7.23.7");
        let mut t = term(&r);
        assert_eq!(t.execute("/sim print"), "  firewall: not-enforced\n");
        assert!(!t.execute("/system resource print").contains("firewall"));
        gets("7.23.7", &[("/sim", r#"{"firewall":"not-enforced"}"#)]);
        let mut cfg = RouterConfig::for_version(Version::parse("7.23.7").unwrap());
        cfg.firewall_enforced = true;
        let r = Router::new(cfg).expect("router starts");
        assert_eq!(term(&r).execute("/sim print"), "  firewall: enforced\n");
        // Read-only: a client cannot pretend.
        assert_eq!(
            term(&r).execute("/sim set firewall=not-enforced"),
            "bad command name set (line 1 column 6)\n"
        );
    }
}
