// Logins, log lines, echo and persistence of the model.

use chrlab_sim::router::{LoginError, Router, RouterConfig, TerminalOpts, Via};
use routeros::version::Version;

fn log_lines(r: &Router) -> Vec<String> {
    let s = r
        .login("admin", "", Via::Local, None)
        .expect("console login");
    let mut t = r.terminal(
        &s,
        TerminalOpts {
            interactive: false,
            colors: false,
            width: 80,
        },
    );
    // Drop the `hh:mm:ss` time column.
    t.execute("/log print")
        .lines()
        .map(|l| l.split_once(' ').map_or(l, |(_, rest)| rest).to_string())
        .collect()
}

fn ip(s: &str) -> Option<std::net::IpAddr> {
    s.parse().ok()
}

/// The tests, under `model` so `cargo test -p chrlab-sim model` selects them.
mod model {
    use super::*;

    #[test]
    fn login_lines_and_echo() {
        let r = Router::new(RouterConfig::default()).expect("router");
        let mut echo = r.subscribe_echo();
        let s = r
            .login("admin+ct512w", "", Via::Ssh, ip("192.0.2.10"))
            .expect("options are stripped");
        assert_eq!(s.user, "admin");
        r.logout(&s);
        assert_eq!(
            r.login("admin", "wrong", Via::Api, ip("192.0.2.66")),
            Err(LoginError::BadCredentials)
        );
        assert_eq!(
            r.login("nobody", "", Via::Telnet, ip("192.0.2.66")),
            Err(LoginError::BadCredentials)
        );
        let lines = log_lines(&r);
        assert_eq!(
            lines[..4],
            [
                "system,info,account user admin logged in from 192.0.2.10 via ssh",
                "system,info,account user admin logged out from 192.0.2.10 via ssh",
                "system,error,critical login failure for user admin from 192.0.2.66 via api",
                "system,error,critical login failure for user nobody from 192.0.2.66 via telnet",
            ]
        );
        let first = echo.try_recv().expect("critical line echoed");
        let re = regex::Regex::new(
        r"^\d{2}:\d{2}:\d{2} echo: system,error,critical login failure for user admin from 192\.0\.2\.66 via api$",
    )
    .expect("regex");
        assert!(re.is_match(&first), "{first}");
        assert!(echo.try_recv().is_ok(), "second failure echoed too");
        assert!(echo.try_recv().is_err(), "info lines are not echoed");
    }

    #[test]
    fn console_failure_has_no_address_and_pending_critical_lines_show_at_login() {
        let r = Router::new(RouterConfig::default()).expect("router");
        let _ = r.login("admin", "x", Via::Local, None);
        let s = r
            .login("admin", "", Via::Telnet, ip("192.0.2.10"))
            .expect("login");
        let t = r.terminal(
            &s,
            TerminalOpts {
                interactive: true,
                colors: false,
                width: 80,
            },
        );
        let pending = t.pending_critical();
        let re = regex::Regex::new(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} system,error,critical login failure for user admin via local\n$")
        .expect("regex");
        assert!(re.is_match(&pending), "{pending:?}");
    }

    /// A user's `address=` refuses the right password from outside it on every front end that
    /// logs in with a peer address, and logs the refusal as a failed login.
    #[test]
    fn user_address_refuses_the_right_password_on_every_front_end_and_logs_it() {
        let r = Router::new(RouterConfig::default()).expect("router");
        let admin = r
            .login("admin", "", Via::Api, ip("127.0.0.1"))
            .expect("login");
        let words: Vec<String> = [
            "/user/add",
            "=name=op",
            "=group=full",
            "=password=Op-pw-1234",
            "=address=198.51.100.0/24",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(r.api(&admin, &words)[0][0], "!done");
        for via in [
            Via::Ssh,
            Via::Telnet,
            Via::Ftp,
            Via::Web,
            Via::WebSsl,
            Via::RestApi,
            Via::RestApiSsl,
            Via::Api,
            Via::ApiSsl,
        ] {
            let want = format!(
                "system,error,critical login failure for user op from 203.0.113.7 via {}",
                via.word()
            );
            let count = || log_lines(&r).iter().filter(|l| **l == want).count();
            let before = count();
            assert_eq!(
                r.login("op", "Op-pw-1234", via, ip("203.0.113.7")),
                Err(LoginError::UserAddress),
                "{via:?}"
            );
            assert_eq!(count(), before + 1, "{via:?}: {want}");
            let inside = r
                .login("op", "Op-pw-1234", via, ip("198.51.100.20"))
                .unwrap_or_else(|e| panic!("{via:?} from inside: {e:?}"));
            r.logout(&inside);
        }
    }

    #[test]
    fn policies_and_address_restrictions() {
        let r = Router::new(RouterConfig::default()).expect("router");
        let admin = r
            .login("admin", "", Via::Api, ip("127.0.0.1"))
            .expect("login");
        let run = |w: &[&str]| r.api(&admin, &w.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            run(&["/user/group/add", "=name=sshonly", "=policy=ssh,read"])[0][0],
            "!done"
        );
        assert_eq!(
            run(&[
                "/user/add",
                "=name=op",
                "=group=sshonly",
                "=password=pw",
                "=address=192.0.2.0/28"
            ])[0][0],
            "!done"
        );
        assert!(r.login("op", "pw", Via::Ssh, ip("192.0.2.10")).is_ok());
        assert_eq!(
            r.login("op", "pw", Via::Telnet, ip("192.0.2.10")),
            Err(LoginError::NotPermitted)
        );
        assert_eq!(
            r.login("op", "pw", Via::Ssh, ip("192.0.2.66")),
            Err(LoginError::UserAddress)
        );
        assert_eq!(
            run(&["/ip/service/set", "=.id=ssh", "=address=10.0.0.0/8"])[0][0],
            "!done"
        );
        assert!(!r.service_allows("ssh", ip("192.0.2.10")));
        assert!(r.service_allows("ssh", ip("10.1.2.3")));
        assert_eq!(
            r.login("admin", "", Via::Ssh, ip("192.0.2.10")),
            Err(LoginError::ServiceAddress)
        );
        let lines = log_lines(&r);
        let failures: Vec<&String> = lines
            .iter()
            .filter(|l| l.contains("login failure"))
            .collect();
        assert_eq!(
            failures,
            [
                "system,error,critical login failure for user op from 192.0.2.10 via telnet",
                "system,error,critical login failure for user op from 192.0.2.66 via ssh",
            ]
        );
    }

    #[test]
    fn services_and_firewall_are_watched() {
        let r = Router::new(RouterConfig::default()).expect("router");
        let admin = r
            .login("admin", "", Via::Api, ip("127.0.0.1"))
            .expect("login");
        let services = r.watch_services();
        let firewall = r.watch_firewall();
        let ssh = services
            .borrow()
            .iter()
            .find(|s| s.name == "ssh")
            .cloned()
            .expect("ssh");
        assert_eq!((ssh.port, ssh.disabled, ssh.max_sessions), (22, false, 20));
        assert!(
            services
                .borrow()
                .iter()
                .any(|s| s.name == "www-ssl" && s.disabled)
        );
        let run = |w: &[&str]| r.api(&admin, &w.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        run(&[
            "/ip/service/set",
            "=.id=ssh",
            "=port=2222",
            "=address=192.0.2.0/24",
        ]);
        let ssh = services
            .borrow()
            .iter()
            .find(|s| s.name == "ssh")
            .cloned()
            .expect("ssh");
        assert_eq!(
            (ssh.port, ssh.address.clone()),
            (2222, vec!["192.0.2.0/24".to_string()])
        );
        assert!(services.has_changed().unwrap_or(false));
        run(&[
            "/ip/firewall/filter/add",
            "=chain=input",
            "=action=drop",
            "=protocol=tcp",
            "=dst-port=22",
            "=src-address-list=!mgmt",
        ]);
        run(&[
            "/ip/firewall/address-list/add",
            "=list=mgmt",
            "=address=192.0.2.10",
        ]);
        let fw = firewall.borrow().clone();
        assert_eq!(fw.filter.len(), 1);
        let rule: Vec<(&str, &str)> = fw.filter[0]
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        for want in [
            ("chain", "input"),
            ("action", "drop"),
            ("dst-port", "22"),
            ("src-address-list", "!mgmt"),
            ("disabled", "no"),
        ] {
            assert!(rule.contains(&want), "{want:?} missing in {rule:?}");
        }
        assert!(routeros::firewall::FilterRule::from_props(&fw.filter[0]).is_ok());
        assert_eq!(fw.address_lists.len(), 1);
    }

    #[test]
    fn state_survives_a_restart_and_corruption_is_an_error() {
        let dir = std::env::temp_dir().join(format!("chrlab-model-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let cfg = RouterConfig {
            state_dir: Some(dir.clone()),
            ..RouterConfig::default()
        };
        {
            let r = Router::new(cfg.clone()).expect("router");
            let s = r
                .login("admin", "", Via::Api, ip("127.0.0.1"))
                .expect("login");
            let run = |w: &[&str]| r.api(&s, &w.iter().map(|s| s.to_string()).collect::<Vec<_>>());
            run(&["/ip/service/set", "=.id=telnet", "=disabled=yes"]);
            run(&["/user/add", "=name=rei", "=group=full", "=password=pw"]);
            run(&["/system/identity/set", "=name=lab1"]);
        }
        let r = Router::new(cfg.clone()).expect("router reloads");
        assert_eq!(r.identity(), "lab1");
        assert!(
            r.watch_services()
                .borrow()
                .iter()
                .any(|s| s.name == "telnet" && s.disabled)
        );
        assert!(r.login("rei", "pw", Via::Ssh, None).is_ok());
        let file = dir.join("state.json");
        std::fs::write(&file, b"{ not json").expect("write");
        let err = Router::new(cfg)
            .err()
            .expect("corrupt state is an error")
            .to_string();
        assert!(
            err.contains("state.json") && err.contains("corrupt"),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn identity_defaults_by_version() {
        let v6 = RouterConfig::for_version(Version::parse("6.49.13").expect("version"));
        assert_eq!(Router::new(v6).expect("router").identity(), "MikroTik");
        assert_eq!(
            Router::new(RouterConfig::default())
                .expect("router")
                .identity(),
            "CHR"
        );
    }

    #[test]
    fn rest_ignores_the_user_address_before_7_12() {
        // CVE-2023-41570 (FACTS §6, §10): 7.1-7.11 did not apply the user's address= to REST.
        for (version, allowed) in [("7.11.2", true), ("7.12", false)] {
            let cfg = RouterConfig::for_version(Version::parse(version).expect("version"));
            let r = Router::new(cfg).expect("router");
            let admin = r
                .login("admin", "", Via::Api, ip("127.0.0.1"))
                .expect("login");
            let words: Vec<String> = ["/user/set", "=.id=*1", "=address=10.0.0.0/8"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            assert_eq!(r.api(&admin, &words)[0][0], "!done");
            let rest = r.login("admin", "", Via::RestApi, ip("192.0.2.66"));
            assert_eq!(rest.is_ok(), allowed, "{version}");
            assert_eq!(
                r.login("admin", "", Via::Ssh, ip("192.0.2.66")),
                Err(LoginError::UserAddress)
            );
        }
    }

    /// Deterministic pseudo-random inputs through every front end: nothing may panic.
    #[test]
    fn random_input_never_panics() {
        let r = Router::new(RouterConfig::default()).expect("router");
        let s = r
            .login("admin", "", Via::Api, ip("127.0.0.1"))
            .expect("login");
        let mut t = r.terminal(
            &s,
            TerminalOpts {
                interactive: true,
                colors: false,
                width: 80,
            },
        );
        let alphabet: Vec<char> = " /=[]{}()\"$;:!~<>&|.,*-+#\\\nabcdeipstwrux019"
            .chars()
            .collect();
        let words = [
            "/ip service ",
            "print ",
            "set ",
            "where ",
            "find ",
            "disabled=",
            "[",
            "]",
            ":if ",
            "do={",
            "}",
            ":put ",
            "$x",
            "(",
            ")",
            "\"",
            "0,1,",
            "*1",
            "add ",
            "/user ",
            "remove ",
            "move ",
            "/export ",
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..3000 {
            let mut line = String::new();
            for _ in 0..(next() % 12) {
                if next() % 2 == 0 {
                    line.push_str(words[(next() as usize) % words.len()]);
                } else {
                    line.push(alphabet[(next() as usize) % alphabet.len()]);
                }
            }
            let _ = t.execute(&line);
            let api_words: Vec<String> = line.split(' ').map(str::to_string).collect();
            let _ = r.api(&s, &api_words);
            let _ = r.rest(&s, "POST", &line, &line, line.as_bytes());
            let _ = r.rest(&s, "PATCH", "/ip/service/*0", "", line.as_bytes());
        }
        // The router still works and keeps its last full user.
        assert!(r.login("admin", "", Via::Ssh, None).is_ok());
    }
}
