// REST semantics of the model, data-driven through `rest(router, session, (method, path, query, body), status, json)`.
// Bodies marked [capture] are copied from the capture corpus's rest/ folder (corpus/MANIFEST.txt names every
// file; see corpus/SOURCES.md).

use chrlab_sim::router::{Router, RouterConfig, Session, Via};

fn setup() -> (Router, Session) {
    let r = Router::new(RouterConfig::default()).expect("router starts");
    let s = r
        .login("admin", "", Via::RestApi, "127.0.0.1".parse().ok())
        .expect("login");
    (r, s)
}

/// One request: method, path after `/rest`, query, body.
type Req<'a> = (&'a str, &'a str, &'a str, &'a str);

#[track_caller]
fn rest(
    r: &Router,
    s: &Session,
    (method, path, query, body): Req<'_>,
    status: u16,
    expected: &str,
) {
    let reply = r.rest(s, method, path, query, body.as_bytes());
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (status, expected),
        "{method} {path}?{query} {body}"
    );
}

const TELNET: &str = r#"{".id":"*0","address":"","disabled":"false","dynamic":"false","invalid":"false","max-sessions":"20","name":"telnet","port":"23","proto":"tcp","vrf":"main"}"#;

/// The tests, under `model` so `cargo test -p chrlab-sim model` selects them.
mod model {
    use super::*;

    #[test]
    fn errors_match_the_7_23_7_captures() {
        let (r, s) = setup();
        // [capture] rest/lab-7.23.7/error_404_unknown_id.json, error_400_unknown_path.json
        rest(
            &r,
            &s,
            ("GET", "/ip/service/*99", "", ""),
            404,
            r#"{"error":404,"message":"Not Found"}"#,
        );
        rest(
            &r,
            &s,
            ("GET", "/nonexistent", "", ""),
            400,
            r#"{"detail":"no such command or directory (nonexistent)","error":400,"message":"Bad Request"}"#,
        );
        rest(
            &r,
            &s,
            ("PATCH", "/ip/service/*0", "", r#"{"comment":"x"}"#),
            400,
            r#"{"detail":"unknown parameter comment","error":400,"message":"Bad Request"}"#,
        );
        rest(
            &r,
            &s,
            ("PUT", "/ip/address", "", "{not json"),
            400,
            r#"{"detail":"JSON parse error: key must be a string at line 1 column 2","error":400,"message":"Bad Request"}"#,
        );
        rest(
            &r,
            &s,
            ("POST", "/ip/address", "", "{}"),
            400,
            r#"{"detail":"no such command","error":400,"message":"Bad Request"}"#,
        );
        rest(
            &r,
            &s,
            ("GET", "/ip/address/print", "", ""),
            400,
            r#"{"detail":"no such command","error":400,"message":"Bad Request"}"#,
        );
    }

    #[test]
    fn reads_are_string_valued_and_sorted() {
        let (r, s) = setup();
        rest(&r, &s, ("GET", "/ip/service/*0", "", ""), 200, TELNET);
        rest(&r, &s, ("GET", "/ip/service/telnet", "", ""), 200, TELNET);
        rest(
            &r,
            &s,
            ("GET", "/ip/service", "name=telnet", ""),
            200,
            &format!("[{TELNET}]"),
        );
        rest(
            &r,
            &s,
            ("GET", "/ip/service/telnet", ".proplist=name,port", ""),
            200,
            r#"{".id":"*0","name":"telnet","port":"23"}"#,
        );
        rest(
            &r,
            &s,
            ("GET", "/ip/service", "name=nothing", ""),
            200,
            "[]",
        );
        let resource = r.rest(&s, "GET", "/system/resource", "", b"");
        assert_eq!(resource.status, 200);
        assert!(
            resource
                .body
                .starts_with(r#"{"architecture-name":"x86_64","board-name":"CHR""#),
            "{}",
            resource.body
        );
        rest(
            &r,
            &s,
            ("GET", "/system/identity", "", ""),
            200,
            r#"{"name":"CHR"}"#,
        );
    }

    #[test]
    fn writes_follow_the_manual_examples() {
        let (r, s) = setup();
        // Shapes of rest/manual/put_ip_address.json, patch_ip_address_id_3.json, delete_*_404.json.
        rest(
            &r,
            &s,
            (
                "PUT",
                "/ip/address",
                "",
                r#"{"address":"192.168.111.111/32","interface":"ether1"}"#,
            ),
            200,
            r#"{".id":"*1","actual-interface":"ether1","address":"192.168.111.111/32","disabled":"false","dynamic":"false","interface":"ether1","invalid":"false","network":"192.168.111.111"}"#,
        );
        rest(
            &r,
            &s,
            ("PATCH", "/ip/address/*1", "", r#"{"comment":"test"}"#),
            200,
            r#"{".id":"*1","actual-interface":"ether1","address":"192.168.111.111/32","comment":"test","disabled":"false","dynamic":"false","interface":"ether1","invalid":"false","network":"192.168.111.111"}"#,
        );
        rest(
            &r,
            &s,
            (
                "POST",
                "/ip/address/print",
                "",
                r#"{".proplist":"address,interface"}"#,
            ),
            200,
            r#"[{"address":"192.168.111.111/32","interface":"ether1"}]"#,
        );
        rest(&r, &s, ("DELETE", "/ip/address/*1", "", ""), 204, "");
        rest(
            &r,
            &s,
            ("DELETE", "/ip/address/*1", "", ""),
            404,
            r#"{"error":404,"message":"Not Found"}"#,
        );
    }

    #[test]
    fn firewall_move_answers_an_empty_list() {
        let (r, s) = setup();
        for _ in 0..2 {
            let reply = r.rest(
                &s,
                "PUT",
                "/ip/firewall/filter",
                "",
                br#"{"chain":"input","action":"drop"}"#,
            );
            assert_eq!(reply.status, 200, "{}", reply.body);
        }
        // [capture] rest/lab-7.23.7/post_ip_firewall_filter_move_ok.json
        rest(
            &r,
            &s,
            (
                "POST",
                "/ip/firewall/filter/move",
                "",
                r#"{"numbers":"*2","destination":"*1"}"#,
            ),
            200,
            "[]",
        );
        let ids: Vec<Vec<(String, String)>> = r.watch_firewall().borrow().filter.clone();
        assert_eq!(ids.len(), 2);
    }

    #[test]
    fn quirks_of_10b() {
        let (r, s) = setup();
        // A user cannot disable itself: 200, nothing changes.
        let reply = r.rest(&s, "PATCH", "/user/*1", "", br#"{"disabled":"true"}"#);
        assert_eq!(reply.status, 200);
        assert!(
            reply.body.contains(r#""disabled":"false""#),
            "{}",
            reply.body
        );
        // Action endpoints do not read names in `numbers`.
        rest(
            &r,
            &s,
            ("POST", "/ip/service/disable", "", r#"{"numbers":"telnet"}"#),
            200,
            "[]",
        );
        rest(
            &r,
            &s,
            ("GET", "/ip/service/telnet", ".proplist=disabled", ""),
            200,
            r#"{".id":"*0","disabled":"false"}"#,
        );
        rest(
            &r,
            &s,
            ("POST", "/ip/service/disable", "", r#"{"numbers":"*0"}"#),
            200,
            "[]",
        );
        rest(
            &r,
            &s,
            ("GET", "/ip/service/telnet", ".proplist=disabled", ""),
            200,
            r#"{".id":"*0","disabled":"true"}"#,
        );
    }

    #[test]
    fn missing_rest_api_policy_is_a_500() {
        let (r, s) = setup();
        let reply = r.rest(
            &s,
            "PUT",
            "/user/group",
            "",
            br#"{"name":"norest","policy":"read,api"}"#,
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        let reply = r.rest(
            &s,
            "PUT",
            "/user",
            "",
            br#"{"name":"u","group":"norest","password":"p"}"#,
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        let u = r
            .login("u", "p", Via::RestApi, "127.0.0.1".parse().ok())
            .expect("credentials are fine");
        rest(
            &r,
            &u,
            ("GET", "/ip/service", "", ""),
            500,
            r#"{"detail":"not enough permissions (9)","error":500,"message":"Internal Server Error"}"#,
        );
    }

    #[test]
    fn check_for_updates_lists_the_start_and_the_verdict_and_once_only_the_start() {
        let (r, s) = setup();
        let start = r#"{"channel":"stable","installed-version":"7.23.7","status":"finding out latest version..."}"#;
        let verdict = r#"{"channel":"stable","installed-version":"7.23.7","status":"ERROR: could not resolve dns name"}"#;
        rest(
            &r,
            &s,
            ("POST", "/system/package/update/check-for-updates", "", "{}"),
            200,
            &format!("[{start},{verdict}]"),
        );
        // `once`: one row, as the new check starts (the previous verdict, for a moment).
        rest(
            &r,
            &s,
            (
                "POST",
                "/system/package/update/check-for-updates",
                "",
                r#"{"once":""}"#,
            ),
            200,
            &format!("[{verdict}]"),
        );
    }

    #[test]
    fn post_print_takes_a_query_array() {
        // Shape of rest/manual/post_ip_address_print_proplist_query.json.
        let (r, s) = setup();
        for addr in ["10.155.101.214/24", "192.168.111.111/32", "172.16.5.1/24"] {
            let body = format!(r#"{{"address":"{addr}","interface":"ether1"}}"#);
            assert_eq!(
                r.rest(&s, "PUT", "/ip/address", "", body.as_bytes()).status,
                200
            );
        }
        rest(
            &r,
            &s,
            (
                "POST",
                "/ip/address/print",
                "",
                r##"{".proplist":"address,interface",".query":["network=10.155.101.0","network=192.168.111.111","#|"]}"##,
            ),
            200,
            r#"[{".id":"*1","address":"10.155.101.214/24","interface":"ether1"},{".id":"*2","address":"192.168.111.111/32","interface":"ether1"}]"#,
        );
    }

    #[test]
    fn verbs_a_menu_lacks_are_406() {
        // Shape of rest/manual/error_406_remove_interface.json, keys sorted as 7.23 sends them.
        let (r, s) = setup();
        rest(
            &r,
            &s,
            ("DELETE", "/interface/*1", "", ""),
            406,
            r#"{"detail":"no such command or directory (remove)","error":406,"message":"Not Acceptable"}"#,
        );
        rest(
            &r,
            &s,
            ("PUT", "/ip/service", "", r#"{"name":"x"}"#),
            406,
            r#"{"detail":"no such command or directory (add)","error":406,"message":"Not Acceptable"}"#,
        );
        rest(
            &r,
            &s,
            ("PATCH", "/system/resource", "", r#"{"cpu":"x"}"#),
            406,
            r#"{"detail":"no such command or directory (set)","error":406,"message":"Not Acceptable"}"#,
        );
    }

    #[test]
    fn ipv6_menus_are_the_same_model_over_rest() {
        let (r, s) = setup();
        rest(
            &r,
            &s,
            ("GET", "/ipv6/address", "", ""),
            200,
            r#"[{".id":"*1","actual-interface":"ether1","address":"fe80::ec4:7aff:fe00:1/64","advertise":"false","disabled":"false","dynamic":"true","eui-64":"false","from-pool":"","global":"false","interface":"ether1","invalid":"false","link-local":"true","no-dad":"false"}]"#,
        );
        rest(
            &r,
            &s,
            (
                "PUT",
                "/ipv6/firewall/filter",
                "",
                r#"{"chain":"input","action":"drop","protocol":"tcp","dst-port":"22","src-address":"2001:db8::66"}"#,
            ),
            200,
            r#"{".id":"*1","action":"drop","bytes":"0","chain":"input","disabled":"false","dst-port":"22","dynamic":"false","invalid":"false","log":"false","log-prefix":"","packets":"0","protocol":"tcp","src-address":"2001:db8::66"}"#,
        );
        let reply = r.rest(
            &s,
            "PUT",
            "/ipv6/firewall/filter",
            "",
            br#"{"chain":"input","src-address":"192.0.2.66"}"#,
        );
        assert_eq!(reply.status, 400, "{}", reply.body);
        assert!(reply.body.contains("src-address"), "{}", reply.body);
        // What REST added, the terminal's model shows.
        assert_eq!(r.watch_firewall().borrow().filter6.len(), 1);
        let v6 = Router::new(RouterConfig::for_version(
            routeros::version::Version::parse("6.49.13").expect("version"),
        ))
        .expect("router starts");
        let s6 = v6
            .login("admin", "", Via::Api, "127.0.0.1".parse().ok())
            .expect("login");
        let words: Vec<String> = vec!["/ipv6/address/print".into()];
        let reply = v6.api(&s6, &words);
        assert_eq!(
            reply.first().and_then(|w| w.first()).map(String::as_str),
            Some("!trap")
        );
    }

    #[test]
    fn device_mode_reads_and_updates_over_rest_and_waits_for_a_power_cycle() {
        let (r, s) = setup();
        let get = r.rest(&s, "GET", "/system/device-mode", "", b"");
        assert_eq!(get.status, 200, "{}", get.body);
        assert!(get.body.contains(r#""sniffer":"true""#), "{}", get.body);
        assert!(get.body.contains(r#""mode":"advanced""#), "{}", get.body);
        let bad = r.rest(
            &s,
            "POST",
            "/system/device-mode/update",
            "",
            br#"{"sniffer":"maybe"}"#,
        );
        assert_eq!(bad.status, 400, "{}", bad.body);
        let up = r.rest(
            &s,
            "POST",
            "/system/device-mode/update",
            "",
            br#"{"sniffer":"no"}"#,
        );
        assert_eq!(up.status, 200, "{}", up.body);
        assert!(up.body.contains("please activate"), "{}", up.body);
        assert_eq!(
            r.menu_value("system/device-mode", "sniffer").as_deref(),
            Some("yes")
        );
        r.power_cycle();
        assert_eq!(
            r.menu_value("system/device-mode", "sniffer").as_deref(),
            Some("no")
        );
    }
}
