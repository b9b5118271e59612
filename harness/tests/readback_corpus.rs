//! `chrlab::readback` against captured RouterOS `print terse` output (the capture corpus: `corpus/cli`
//! in the repository, or `$CHRLAB_CORPUS/cli`) and
//! against what the simulator prints for the menus the checks read, on 7.23.7 and 6.49.13.

use chrlab::readback::{Props, parse_log, parse_print, parse_single, parse_terse};
use routeros::model::{LogEntry, PackageUpdate, Service, User};
use routeros::version::Version;

fn capture(file: &str) -> String {
    testsupport::corpus::text(&format!("cli/{file}"))
}

fn get<'a>(row: &'a Props, key: &str) -> Option<&'a str> {
    row.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

#[test]
fn interfaces_v6_values_with_spaces_and_flags() {
    let rows = parse_terse(&capture("interface_print_terse_without-paging__1.raw")).unwrap();
    assert_eq!(rows.len(), 11);
    // ` 2     name=ether3 UniFi1 default-name=ether3 …`: a value with a space.
    assert_eq!(get(&rows[2], "name"), Some("ether3 UniFi1"));
    assert_eq!(get(&rows[2], "default-name"), Some("ether3"));
    assert_eq!(get(&rows[2], "disabled"), None);
    // ` 0 D   …`: dynamic; ` 4  X  …`: disabled; ` 9 DXS …`: both.
    assert_eq!(get(&rows[0], "dynamic"), Some("yes"));
    assert_eq!(get(&rows[4], "disabled"), Some("yes"));
    assert_eq!(get(&rows[4], "dynamic"), None);
    assert_eq!(
        (get(&rows[9], "dynamic"), get(&rows[9], "disabled")),
        (Some("yes"), Some("yes"))
    );
    // Dates keep their space.
    assert_eq!(
        get(&rows[1], "last-link-down-time"),
        Some("aug/17/1970 13:33:01")
    );
    assert_eq!(get(&rows[10], "link-downs"), Some("7"));
    assert_eq!(rows[10].first().map(|(k, _)| k.as_str()), Some("name"));
}

#[test]
fn interfaces_v7_comment_first() {
    let rows = parse_terse(&capture("interface_print_terse_without-paging__2.raw")).unwrap();
    assert_eq!(rows.len(), 9);
    assert_eq!(
        rows[0][0],
        ("comment".to_string(), "this is a comment".to_string())
    );
    assert_eq!(get(&rows[0], "name"), Some("ether1"));
    assert_eq!(
        get(&rows[0], "last-link-up-time"),
        Some("1970-01-01 01:02:03")
    );
    assert_eq!(get(&rows[2], "vrf"), Some("myvrf"));
    assert_eq!(get(&rows[8], "type"), Some("vrf"));
}

#[test]
fn routes_drop_echo_lines_and_read_rows_without_index() {
    let rows = parse_terse(&capture("ip_route_print_terse__1.raw")).unwrap();
    // 13 lines: 8 numbered rows, one echo line, 4 dynamic v7 rows without an index.
    assert_eq!(rows.len(), 12);
    assert!(rows.iter().all(|r| get(r, "dst-address").is_some()));
    // Inner double spaces are kept; trailing ones are not.
    assert_eq!(
        get(&rows[0], "gateway-status"),
        Some("23.90.232.243 reachable via  pppoe-out1")
    );
    assert_eq!(get(&rows[0], "target-scope"), Some("10"));
    assert_eq!(
        get(&rows[6], "gateway-status"),
        Some("185.138.116.222 unreachable,185.138.116.223 reachable via  pppoe-out1")
    );
    assert_eq!(get(&rows[7], "comment"), Some("Test IP-220929-95531"));
    assert_eq!(get(&rows[1], "dynamic"), Some("yes"));
    assert_eq!(get(&rows[11], "pref-src"), Some(""));
    assert_eq!(get(&rows[11], "dynamic"), Some("yes"));
    assert_eq!(
        get(&rows[8], "local-address"),
        Some("192.168.1.254%bridge-lan")
    );
    let v6 = parse_terse(&capture("ip_route_print_terse__2.raw")).unwrap();
    assert_eq!(v6.len(), 5);
    assert_eq!(get(&v6[3], "disabled"), Some("yes"));
    assert_eq!(
        get(&v6[3], "dst-address"),
        Some("ec64:a7fd:bc1c:14c:7960:5000::/84")
    );
}

#[test]
fn address_lists_keep_printed_flags_keys() {
    let rows = parse_terse(&capture("ip_firewall_address-list_print_terse__1.raw")).unwrap();
    assert_eq!(rows.len(), 16);
    assert_eq!(get(&rows[13], "disabled"), Some("yes"));
    assert_eq!(get(&rows[14], "dynamic"), Some("yes"));
    assert_eq!(get(&rows[14], "timeout"), Some("4m52s"));
    assert_eq!(get(&rows[15], "list"), Some("snmp-monitoring-address-list"));
    let rows = parse_terse(&capture("ip_firewall_address-list_print_terse__2.raw")).unwrap();
    // `D … dynamic=yes` and `  … dynamic=no`: the printed key wins, never duplicated.
    for r in &rows {
        assert_eq!(r.iter().filter(|(k, _)| k == "dynamic").count(), 1, "{r:?}");
    }
    assert_eq!(get(&rows[3], "dynamic"), Some("yes"));
    assert_eq!(get(&rows[0], "dynamic"), Some("no"));
}

#[test]
fn quoted_empty_values_are_unquoted() {
    let rows = parse_terse(&capture(
        "ip_dhcp-server_lease_print_terse_without-paging__1.raw",
    ))
    .unwrap();
    assert_eq!(get(&rows[0], "address-lists"), Some(""));
    assert_eq!(get(&rows[1], "client-id"), Some("1:30:7:4d:f5:7:49"));
    assert_eq!(get(&rows[1], "host-name"), Some("Galaxy-S8"));
}

// What the simulator printed over `ssh admin@… '<command>'` (exec channel), 6.49.13 and 7.23.7.

const SERVICES_V6: &str = " 0   name=telnet port=23 address=
 1   name=ftp port=21 address=
 2   name=www port=80 address=
 3   name=ssh port=22 address=
 4 X name=www-ssl port=443 address= certificate=none tls-version=any
 5   name=api port=8728 address=
 6   name=winbox port=8291 address=
 7   name=api-ssl port=8729 address= certificate=none tls-version=any
";

const SERVICES_V7: &str = " 0   name=ftp port=21 proto=tcp address= vrf=main max-sessions=20
 1   name=ssh port=22 proto=tcp address= vrf=main max-sessions=20
 2   name=telnet port=23 proto=tcp address= vrf=main max-sessions=20
 3   name=www port=80 proto=tcp address= vrf=main max-sessions=20
 4 X name=www-ssl port=443 proto=tcp address= certificate=none tls-version=any vrf=main max-sessions=20
 5   name=winbox port=8291 proto=tcp address= vrf=main max-sessions=20
 6   name=api port=8728 proto=tcp address= vrf=main max-sessions=20
 7   name=api-ssl port=8729 proto=tcp address= certificate=none tls-version=any vrf=main max-sessions=20
";

const USERS_V6: &str = " 0 comment=system default user name=admin group=full address= last-logged-in=nov/25/2026 09:04:05\n";
const USERS_V7: &str = " 0 comment=system default user name=admin group=full address= last-logged-in=2026-11-25 09:04:06 inactivity-policy=none inactivity-timeout=10m\n";

const LOGGING: &str = " 0 * topics=info action=memory prefix=
 1 * topics=error action=memory prefix=
 2 * topics=warning action=memory prefix=
 3 * topics=critical action=echo prefix=
";

const UPDATE_V6: &str = "            channel: stable
  installed-version: 6.49.13
             status: ERROR: could not resolve dns name
";

const UPDATE_V7: &str = "            channel: stable
  installed-version: 7.23.7
     latest-version: 7.24.4
             status: New version is available
";

const LOG: &str = "09:04:03 system,info,account user admin logged in from 127.0.0.1 via ssh
09:04:03 system,info,account user admin logged out from 127.0.0.1 via ssh
09:04:05 system,error,critical login failure for user admin from 192.0.2.10 via ssh
09:04:06 system,error,critical login failure for user  from 192.0.2.10 via ssh
";

#[test]
fn simulator_services_both_versions() {
    for (text, first) in [(SERVICES_V6, "telnet"), (SERVICES_V7, "ftp")] {
        let services: Vec<Service> = parse_print("/ip/service", text)
            .unwrap()
            .iter()
            .map(|r| Service::from_props(r).unwrap())
            .collect();
        assert_eq!(services.len(), 8);
        assert_eq!(services[0].name, first);
        let telnet = services.iter().find(|s| s.name == "telnet").unwrap();
        assert_eq!((telnet.port, telnet.disabled), (23, false));
        let www_ssl = services.iter().find(|s| s.name == "www-ssl").unwrap();
        assert!(www_ssl.disabled);
        assert_eq!(www_ssl.certificate.as_deref(), Some("none"));
        assert!(services.iter().all(|s| s.address.is_empty() && !s.dynamic));
    }
}

#[test]
fn simulator_users_logging_update_and_log() {
    for (text, date) in [
        (USERS_V6, "nov/25/2026 09:04:05"),
        (USERS_V7, "2026-11-25 09:04:06"),
    ] {
        let rows = parse_print("/user", text).unwrap();
        let u = User::from_props(&rows[0]).unwrap();
        assert_eq!((u.name.as_str(), u.group.as_str()), ("admin", "full"));
        assert_eq!(u.comment.as_deref(), Some("system default user"));
        assert_eq!(u.last_logged_in.as_deref(), Some(date));
        assert!(!u.disabled);
    }
    let rules = parse_print("/system/logging", LOGGING).unwrap();
    assert_eq!(rules.len(), 4);
    assert_eq!(get(&rules[1], "topics"), Some("error"));
    assert_eq!(get(&rules[1], "action"), Some("memory"));
    assert_eq!(get(&rules[1], "prefix"), Some(""));
    assert_eq!(
        get(&rules[1], "disabled"),
        None,
        "`*` is not a disabled flag"
    );

    let v6 = PackageUpdate::from_props(&parse_single(UPDATE_V6).unwrap()).unwrap();
    assert_eq!(v6.installed_version, Version::parse("6.49.13").unwrap());
    assert_eq!(
        v6.status.as_deref(),
        Some("ERROR: could not resolve dns name")
    );
    let v7 = &parse_print("/system/package/update", UPDATE_V7).unwrap()[0];
    let v7 = PackageUpdate::from_props(v7).unwrap();
    assert_eq!(v7.latest_version, Some(Version::parse("7.24.4").unwrap()));

    let log: Vec<LogEntry> = parse_log(LOG)
        .unwrap()
        .iter()
        .map(|r| LogEntry::from_props(r).unwrap())
        .collect();
    assert_eq!(log.len(), 4);
    assert_eq!(
        log[2].message,
        "login failure for user admin from 192.0.2.10 via ssh"
    );
    assert!(log[2].has_topics(&["system", "error", "critical"]));
    assert_eq!(
        log[3].message,
        "login failure for user  from 192.0.2.10 via ssh"
    );
    assert_eq!(log[3].login_failure().unwrap().user, "");
}

#[test]
fn empty_menus_read_as_no_rows() {
    assert_eq!(parse_print("/ip/firewall/filter", "").unwrap().len(), 0);
    assert_eq!(parse_print("/log", "\n").unwrap().len(), 0);
}
