// Binary-API semantics of the model, data-driven through `api(router, session, words, expected)`.

use chrlab_sim::router::{Router, RouterConfig, Session, Via};

fn setup() -> (Router, Session) {
    let r = Router::new(RouterConfig::default()).expect("router starts");
    let s = r
        .login("admin", "", Via::Api, "127.0.0.1".parse().ok())
        .expect("login");
    (r, s)
}

#[track_caller]
fn api(r: &Router, s: &Session, words: &[&str], expected: &[&[&str]]) {
    let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    let got = r.api(s, &words);
    let want: Vec<Vec<String>> = expected
        .iter()
        .map(|s| s.iter().map(|w| w.to_string()).collect())
        .collect();
    assert_eq!(got, want, "command: {words:?}");
}

/// The tests, under `model` so `cargo test -p chrlab-sim model` selects them.
mod model {
    use super::*;

    #[test]
    fn print_shapes_and_queries() {
        let (r, s) = setup();
        api(
            &r,
            &s,
            &["/ip/service/print", "?name=ssh"],
            &[
                &[
                    "!re",
                    "=.id=*3",
                    "=name=ssh",
                    "=port=22",
                    "=proto=tcp",
                    "=address=",
                    "=vrf=main",
                    "=max-sessions=20",
                    "=disabled=false",
                    "=invalid=false",
                    "=dynamic=false",
                ],
                &["!done"],
            ],
        );
        api(
            &r,
            &s,
            &[
                "/ip/service/print",
                "=.proplist=name,port",
                "?disabled=true",
            ],
            &[&["!re", "=name=www-ssl", "=port=443"], &["!done"]],
        );
        // Booleans match in either spelling, as librouteros sends `?=disabled=yes`.
        for word in ["?disabled=yes", "?=disabled=yes"] {
            api(
                &r,
                &s,
                &["/ip/service/print", "=.proplist=name", word],
                &[&["!re", "=name=www-ssl"], &["!done"]],
            );
        }
        api(
            &r,
            &s,
            &[
                "/ip/service/print",
                "=.proplist=name",
                "?name=ssh",
                "?name=telnet",
                "?#|",
            ],
            &[&["!re", "=name=telnet"], &["!re", "=name=ssh"], &["!done"]],
        );
        api(
            &r,
            &s,
            &[
                "/ip/service/print",
                "=.proplist=name",
                "?-certificate",
                "?#!",
                "?>port=8000",
            ],
            &[&["!re", "=name=api-ssl"], &["!done"]],
        );
        api(
            &r,
            &s,
            &["/ip/service/print", "=count-only="],
            &[&["!done", "=ret=8"]],
        );
        // A proplist naming no field gives empty !re sentences [api:librouteros/print_proplist_empty_rows.hex].
        api(
            &r,
            &s,
            &["/user/print", "=.proplist=nothing"],
            &[&["!re"], &["!done"]],
        );
        api(
            &r,
            &s,
            &["/system/package/update/print"],
            &[
                &["!re", "=channel=stable", "=installed-version=7.23.7"],
                &["!done"],
            ],
        );
        api(
            &r,
            &s,
            &["/system/identity/print", ".tag=7"],
            &[&["!re", "=name=CHR", ".tag=7"], &["!done", ".tag=7"]],
        );
    }

    #[test]
    fn user_print_has_the_napalm_fields() {
        // [api:napalm-ros/get_users__no_keys__user_print.json] fields (values as text on the wire).
        let (r, s) = setup();
        let got = r.api(&s, &["/user/print".to_string()]);
        let re = &got[0];
        for w in [
            "=.id=*1",
            "=name=admin",
            "=group=full",
            "=address=",
            "=disabled=false",
            "=comment=system default user",
        ] {
            assert!(re.contains(&w.to_string()), "{w} missing in {re:?}");
        }
        assert!(re.iter().any(|w| w.starts_with("=last-logged-in=")));
        assert!(!re.iter().any(|w| w.starts_with("=password")));
    }

    #[test]
    fn changes_and_errors() {
        let (r, s) = setup();
        api(
            &r,
            &s,
            &[
                "/ip/firewall/filter/add",
                "=chain=input",
                "=action=drop",
                "=protocol=tcp",
                "=dst-port=23",
            ],
            &[&["!done", "=ret=*1"]],
        );
        api(
            &r,
            &s,
            &["/ip/firewall/filter/add", "=chain=input"],
            &[&["!done", "=ret=*2"]],
        );
        api(
            &r,
            &s,
            &["/ip/firewall/filter/move", "=numbers=*2", "=destination=*1"],
            &[&["!done"]],
        );
        api(
            &r,
            &s,
            &["/ip/firewall/filter/print", "=.proplist=.id"],
            &[&["!re", "=.id=*2"], &["!re", "=.id=*1"], &["!done"]],
        );
        api(
            &r,
            &s,
            &["/ip/service/set", "=.id=telnet", "=disabled=yes"],
            &[&["!done"]],
        );
        api(
            &r,
            &s,
            &["/ip/service/get", "=number=telnet", "=value-name=disabled"],
            &[&["!done", "=ret=true"]],
        );
        api(
            &r,
            &s,
            &[
                "/ip/address/add",
                "=address=192.168.88.1",
                "=interface=asdf",
            ],
            &[
                &[
                    "!trap",
                    "=category=1",
                    "=message=input does not match any value of interface",
                ],
                &["!done"],
            ],
        );
        api(
            &r,
            &s,
            &["/ip/service/set", "=.id=*99", "=disabled=yes"],
            &[
                &["!trap", "=category=0", "=message=no such item"],
                &["!done"],
            ],
        );
        api(
            &r,
            &s,
            &["/ip/service/set", "=.id=*0", "=comment=x"],
            &[&["!trap", "=message=unknown parameter comment"], &["!done"]],
        );
        api(
            &r,
            &s,
            &["/ip/nothing/print"],
            &[&["!trap", "=message=no such command prefix"], &["!done"]],
        );
        api(
            &r,
            &s,
            &["/ip/service/frob"],
            &[&["!trap", "=message=no such command"], &["!done"]],
        );
        api(
            &r,
            &s,
            &["/ip/service/add", "=name=x", ".tag=3"],
            &[
                &["!trap", "=message=no such command", ".tag=3"],
                &["!done", ".tag=3"],
            ],
        );
        api(
            &r,
            &s,
            &["/user/remove", "=.id=*1"],
            &[
                &[
                    "!trap",
                    "=message=failure: can not remove or disable the last full user",
                ],
                &["!done"],
            ],
        );
    }

    #[test]
    fn update_check_over_the_api() {
        let (r, s) = setup();
        api(
            &r,
            &s,
            &["/system/package/update/check-for-updates"],
            &[
                // As the check starts, then its verdict, then done.
                &[
                    "!re",
                    "=channel=stable",
                    "=installed-version=7.23.7",
                    "=status=finding out latest version...",
                ],
                &[
                    "!re",
                    "=channel=stable",
                    "=installed-version=7.23.7",
                    "=status=ERROR: could not resolve dns name",
                ],
                &["!done"],
            ],
        );
        // `once`: one sentence, and the check goes on (it finished above: this is a new one,
        // whose status is the previous verdict for a moment).
        let reply = r.api(
            &s,
            &[
                "/system/package/update/check-for-updates".into(),
                "=once=".into(),
            ],
        );
        assert_eq!(reply.len(), 2, "{reply:?}");
        assert_eq!(reply[1], vec!["!done".to_string()]);
    }

    #[test]
    fn getall_is_print() {
        let (r, s) = setup();
        api(
            &r,
            &s,
            &["/system/identity/getall"],
            &[&["!re", "=name=CHR"], &["!done"]],
        );
    }

    #[test]
    fn empty_answers_by_version() {
        let (r, s) = setup();
        api(
            &r,
            &s,
            &["/ip/address/print", ".tag=4"],
            &[&["!empty", ".tag=4"], &["!done", ".tag=4"]],
        );
        let old = Router::new(RouterConfig::for_version(
            routeros::version::Version::parse("7.16.2").expect("version"),
        ))
        .expect("router");
        let s = old.login("admin", "", Via::Api, None).expect("login");
        api(&old, &s, &["/ip/address/print"], &[&["!done"]]);
    }
}
