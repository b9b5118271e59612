//! Profile loading: the baseline is valid, and every kind of mistake is reported with the file,
//! the line and the field.

use chrlab::profile::{BASELINE_TOML, FirewallAction, Profile, ProfileError, ServiceName};
use routeros::version::{Channel, Version};

/// Replaces `from` (which must occur exactly once) in the baseline and loads the result.
fn load_edited(from: &str, to: &str) -> Result<Profile, ProfileError> {
    assert_eq!(
        BASELINE_TOML.matches(from).count(),
        1,
        "ambiguous edit {from:?}"
    );
    let text = BASELINE_TOML.replacen(from, to, 1);
    Profile::from_toml(&text, "profiles/x.toml")
}

/// One error case: the edit, the expected field, a fragment of the message. The expected line is
/// the first line of `to` that is not blank, found in the edited text.
fn check(from: &str, to: &str, field: &str, message: &str) {
    check_at(
        from,
        to,
        field,
        to.trim_start().lines().next().unwrap_or(to),
        message,
    );
}

/// Like [`check`], with the expected line given as text that occurs once in the edited profile.
fn check_at(from: &str, to: &str, field: &str, line_text: &str, message: &str) {
    let text = BASELINE_TOML.replacen(from, to, 1);
    let lines: Vec<&str> = text.lines().collect();
    let hits: Vec<usize> = (0..lines.len())
        .filter(|i| lines[*i].trim_start().starts_with(line_text))
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "{line_text:?} must start exactly one line of the edited profile"
    );
    let line = hits[0] + 1;
    let err = load_edited(from, to).expect_err("edited profile must be rejected");
    let shown = err.to_string();
    assert_eq!(err.field(), Some(field), "{shown}");
    assert_eq!(err.line(), Some(line), "{shown}");
    assert!(
        shown.starts_with(&format!("profiles/x.toml:{line}: field `{field}`: ")),
        "{shown}"
    );
    assert!(shown.contains(message), "{shown:?} lacks {message:?}");
}

#[test]
fn baseline_file_loads_and_matches_the_compiled_in_copy() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../profiles/baseline.toml");
    let p = Profile::load(std::path::Path::new(path)).unwrap();
    assert_eq!(p, Profile::baseline());
    assert_eq!(p.update.channel, Channel::Stable);
    assert_eq!(p.update.min_version, Version::parse("7.24").unwrap());
    assert_eq!(
        p.services.disable,
        [
            ServiceName::Telnet,
            ServiceName::Ftp,
            ServiceName::WwwSsl,
            ServiceName::Api,
            ServiceName::ApiSsl,
            ServiceName::Winbox
        ]
    );
    assert_eq!(p.management_ports(), [2222, 8080]);
    assert_eq!(
        p.enabled_services(),
        [(ServiceName::Www, 8080), (ServiceName::Ssh, 2222)]
    );
    assert_eq!(p.firewall.action, FirewallAction::Drop);
    assert!(p.firewall.include_harness_source);
    assert_eq!(p.users.name, "netops");
    assert!(p.users.password.is_none());
    assert!(p.users.password_policy.min_length >= 12);
    assert_eq!(
        p.logging.failed_login_topics,
        ["system", "error", "critical"]
    );
}

#[test]
fn baseline_min_version_is_the_cve_safe_minimum() {
    let p = Profile::baseline();
    assert_eq!(
        chrlab::cve::safe_min_version(&p.vulnerability_table()),
        Some(p.update.min_version)
    );
}

#[test]
fn type_errors_name_file_line_and_field() {
    check(
        "min_length = 16",
        "min_length = \"long\"",
        "users.password_policy.min_length",
        "invalid type",
    );
    check(
        "channel = \"stable\"",
        "channel = \"beta\"",
        "update.channel",
        "unknown RouterOS channel",
    );
    check(
        "min_version = \"7.24\"",
        "min_version = \"seven\"",
        "update.min_version",
        "invalid RouterOS version",
    );
    check("ssh = 2222", "ssh = 70000", "services.ports.ssh", "u16");
    check(
        "install = true",
        "install = \"no\"",
        "update.install",
        "invalid type",
    );
}

#[test]
fn unknown_names_are_rejected() {
    check_at(
        "install = true",
        "install = true\nauto_reboot = true",
        "update.auto_reboot",
        "auto_reboot",
        "unknown field `auto_reboot`",
    );
    check_at(
        "\"telnet\", \"ftp\",",
        "\"telnet\", \"ftpd\",",
        "services.disable",
        "disable = [",
        "unknown variant `ftpd`",
    );
    check_at(
        "www = 8080",
        "www = 8080\nhttp = 81",
        "services.ports.http",
        "http = 81",
        "unknown variant `http`",
    );
    check(
        "action = \"drop\"",
        "action = \"discard\"",
        "firewall.action",
        "unknown variant `discard`",
    );
    check(
        "require = [\"upper\", \"lower\", \"digit\", \"symbol\"]",
        "require = [\"upper\", \"emoji\"]",
        "users.password_policy.require",
        "unknown variant `emoji`",
    );
}

#[test]
fn bad_cidrs_are_rejected() {
    check(
        "management_cidrs = []",
        "management_cidrs = [\"192.0.2.1/24\"]",
        "firewall.management_cidrs",
        "host bits",
    );
    check(
        "management_cidrs = []",
        "management_cidrs = [\"192.0.2.0/40\"]",
        "firewall.management_cidrs",
        "prefix length 40",
    );
    check(
        "management_cidrs = []",
        "management_cidrs = [\"my-office\"]",
        "firewall.management_cidrs",
        "not an IP address",
    );
    check(
        "allowed_from = []",
        "allowed_from = [\"203.0.113.0/33\"]",
        "users.allowed_from",
        "prefix length 33",
    );
    check(
        "forwarding = false",
        "forwarding = \"both\"",
        "ssh.forwarding",
        "invalid type",
    );
}

#[test]
fn semantic_errors_name_file_line_and_field() {
    check(
        "min_length = 16",
        "min_length = 8",
        "users.password_policy.min_length",
        "must be at least 12, got 8",
    );
    check_at(
        "www = 8080",
        "www = 2222",
        "services.ports.ssh",
        "ssh = 2222",
        "port 2222 is used by both `www` and `ssh`",
    );
    check_at(
        "ssh = 2222",
        "ssh = 8291\ntelnet = 2323",
        "services.ports.telnet",
        "telnet = 2323",
        "is disabled, so it cannot get a port",
    );
    check(
        "name = \"netops\"",
        "name = \"admin\"",
        "users.name",
        "must not be `admin`",
    );
    check(
        "name = \"netops\"",
        "name = \"net ops\"",
        "users.name",
        "may only contain",
    );
    check(
        "rule_topics = [\"error\"]",
        "rule_topics = [\"info\"]",
        "logging.rule_topics",
        "not a topic of failed-login lines",
    );
    check_at(
        "include_harness_source = true",
        "include_harness_source = false",
        "firewall.management_cidrs",
        "management_cidrs = []",
        "no allowed source",
    );
    check(
        "# reject_with = \"tcp-reset\"",
        "reject_with = \"tcp-reset\"",
        "firewall.reject_with",
        "only meaningful with action = \"reject\"",
    );
    check(
        "extra_ports = []",
        "extra_ports = [0]",
        "firewall.extra_ports",
        "port 0",
    );
    check(
        "ntp_servers = [\"pool.ntp.org\"]",
        "ntp_servers = [\"pool ntp org\"]",
        "logging.ntp_servers",
        "not an address or host name",
    );
    check(
        "# remote = \"harness\"",
        "remote = \"collector.example\"",
        "logging.remote",
        "neither `harness` nor an IP address",
    );
    check(
        "mode_features_off = [\"container\",",
        "mode_features_off = [\"telnet\", \"container\",",
        "device.mode_features_off[0]",
        "`telnet` is not a device-mode feature",
    );
    check(
        "used_interfaces = []",
        "used_interfaces = [\"ether1\", \"\"]",
        "device.used_interfaces[1]",
        "is empty",
    );
}

#[test]
fn a_weak_password_is_rejected_without_being_printed() {
    let err = load_edited(
        "default_admin = \"remove\"",
        "password = \"Weak-pass1\"\ndefault_admin = \"remove\"",
    )
    .unwrap_err();
    let shown = err.to_string();
    assert_eq!(err.field(), Some("users.password"));
    assert!(
        shown.contains("10 characters, the policy wants at least 16"),
        "{shown}"
    );
    assert!(!shown.contains("Weak-pass1"), "{shown}");
    assert!(!format!("{err:?}").contains("Weak-pass1"));
}

#[test]
fn a_good_password_is_kept_secret() {
    let p = load_edited(
        "default_admin = \"remove\"",
        "password = \"Str0ng-Enough-Pass!\"\ndefault_admin = \"remove\"",
    )
    .unwrap();
    assert_eq!(
        p.users.password.as_ref().unwrap().expose(),
        "Str0ng-Enough-Pass!"
    );
    assert!(!format!("{p:?}").contains("Str0ng-Enough-Pass!"));
    assert!(!toml::to_string(&p).unwrap().contains("Str0ng-Enough-Pass!"));
}

#[test]
fn reject_and_extra_ranges() {
    let p = load_edited(
        "action = \"drop\"\n",
        "action = \"reject\"\nreject_with = \"tcp-reset\"\n",
    )
    .unwrap();
    assert_eq!(p.firewall.action, FirewallAction::Reject);
    let p = load_edited(
        "install = true\n",
        "install = false\n[[update.extra_vulnerable]]\nid = \"LOCAL-1\"\nfrom = \"7.24\"\nto = \"7.25\"\n",
    )
    .unwrap();
    let table = p.vulnerability_table();
    let ids: Vec<_> = chrlab::cve::vulnerabilities_in(&table, &Version::parse("7.24.1").unwrap())
        .into_iter()
        .map(|c| c.id.clone())
        .collect();
    assert_eq!(ids, ["LOCAL-1"]);
    check_at(
        "install = true\n",
        "install = false\n[[update.extra_vulnerable]]\nid = \"LOCAL-1\"\nfrom = \"7.25\"\nto = \"7.24\"\n",
        "update.extra_vulnerable[0].to",
        "to = \"7.24\"",
        "is empty",
    );
}

#[test]
fn missing_file_and_missing_section() {
    let err = Profile::load(std::path::Path::new("/nonexistent/chrlab.toml")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot read profile /nonexistent/chrlab.toml"
    );
    let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{}-no-logging.toml", std::process::id()));
    let cut = BASELINE_TOML.find("[logging]").unwrap();
    std::fs::write(&path, &BASELINE_TOML[..cut]).unwrap();
    let err = Profile::load(&path).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    let shown = err.to_string();
    assert_eq!(
        shown,
        format!("{}: field `logging`: missing (required)", path.display())
    );
    // A missing key inside a section names the key and points at the section header.
    let err = load_edited("min_version = \"7.24\"\n", "").unwrap_err();
    let header = BASELINE_TOML.lines().position(|l| l == "[update]").unwrap() + 1;
    assert_eq!(
        err.to_string(),
        format!("profiles/x.toml:{header}: field `update.min_version`: missing (required)")
    );
}

/// Every `reject-with` word, as the profile's TOML spells it: the RouterOS 7 manual's eight
/// (`docs/cli-reference/ip/firewall/filter.md`), the word the profile used to accept by mistake,
/// iptables spellings RouterOS does not use, and nonsense.
const REJECT_WORDS: &[&str] = &[
    "icmp-network-unreachable",
    "icmp-host-unreachable",
    "icmp-protocol-unreachable",
    "icmp-port-unreachable",
    "icmp-net-prohibited",
    "icmp-host-prohibited",
    "icmp-admin-prohibited",
    "tcp-reset",
    "icmp-network-prohibited",
    "icmp-net-unreachable",
    "icmp-proto-unreachable",
    "icmp-nope",
];

/// Whether the profile accepts `reject_with = word`, and if so its firewall step's script.
fn profile_reject_script(word: &str) -> Option<String> {
    let text = BASELINE_TOML.replacen(
        "action = \"drop\"\n",
        &format!("action = \"reject\"\nreject_with = \"{word}\"\n"),
        1,
    );
    let profile = Profile::from_toml(&text, "profiles/x.toml").ok()?;
    let ctx = chrlab::render::RenderContext {
        harness_source: Some("192.0.2.10".parse().unwrap()),
        harness_source6: None,
        router_address: None,
        vantage_sources: Vec::new(),
        before: None,
        password: chrlab::secret::Secret::new("Correct-Horse-9!x"),
    };
    let steps = chrlab::render::render(&profile, &ctx).expect("renders");
    let step = steps.iter().find(|s| s.id == "firewall.rules").unwrap();
    Some(step.script(chrlab::render::Reveal::Exposed))
}

/// What the simulator prints for each script in turn, run as `admin` on one fresh in-process router.
fn sim_outputs(scripts: &[&str]) -> Vec<String> {
    let router = chrlab_sim::Router::new(chrlab_sim::RouterConfig::default()).unwrap();
    let session = router
        .login("admin", "", chrlab_sim::Via::Local, None)
        .unwrap();
    let mut term = router.terminal(
        &session,
        chrlab_sim::TerminalOpts {
            interactive: false,
            colors: false,
            width: 200,
        },
    );
    scripts.iter().map(|s| term.execute(s)).collect()
}

#[test]
fn the_profile_and_the_simulator_accept_the_same_reject_with_words() {
    for word in REJECT_WORDS {
        let sim_said = sim_outputs(&[&format!(
            "/ip firewall filter add chain=input action=reject reject-with={word} protocol=tcp"
        )])
        .remove(0);
        let sim_accepts = sim_said.trim().is_empty();
        let script = profile_reject_script(word);
        assert_eq!(
            script.is_some(),
            sim_accepts,
            "reject-with={word}: profile accepts = {}, simulator said {sim_said:?}",
            script.is_some()
        );
        let Some(script) = script else { continue };
        // The profile's own firewall step applies cleanly and the rule reads back with the word.
        let out = sim_outputs(&[
            &script,
            "/ip firewall filter print terse where action=reject",
        ]);
        assert_eq!(out[0].trim(), "", "reject-with={word}: applying\n{script}");
        assert!(
            out[1].contains(&format!("reject-with={word}")),
            "reject-with={word} not stored:\n{}",
            out[1]
        );
    }
}

// ---- hostile values (issue 7 item 9) ----

use chrlab::render::{Reveal, Step};
use routeros::cli::{self, Command, Part, Value, Word};

/// One string-valued place in a profile: the baseline text it replaces, the replacement with
/// `{v}` where the TOML string goes, a benign value, and the script argument the value must
/// arrive in when the profile accepts it (`None`: the value never reaches the script).
struct Field {
    path: &'static str,
    from: &'static str,
    to: &'static str,
    benign: &'static str,
    argument: Option<&'static str>,
}

const FIELDS: &[Field] = &[
    Field {
        path: "update.channel",
        from: "channel = \"stable\"",
        to: "channel = {v}",
        benign: "stable",
        argument: Some("channel"),
    },
    Field {
        path: "update.min_version",
        from: "min_version = \"7.24\"",
        to: "min_version = {v}",
        benign: "7.24",
        argument: None,
    },
    Field {
        path: "update.extra_vulnerable[0].id",
        from: "install = true\n",
        to: "install = true\n[[update.extra_vulnerable]]\nid = {v}\nfrom = \"7.20\"\nto = \"7.21\"\n",
        benign: "LOCAL-1",
        argument: None,
    },
    Field {
        path: "update.extra_vulnerable[0].summary",
        from: "install = true\n",
        to: "install = true\n[[update.extra_vulnerable]]\nid = \"LOCAL-1\"\nsummary = {v}\nfrom = \"7.20\"\nto = \"7.21\"\n",
        benign: "in-house finding",
        argument: None,
    },
    Field {
        path: "update.extra_vulnerable[0].from",
        from: "install = true\n",
        to: "install = true\n[[update.extra_vulnerable]]\nid = \"LOCAL-1\"\nfrom = {v}\nto = \"7.21\"\n",
        benign: "7.20",
        argument: None,
    },
    Field {
        path: "services.disable",
        from: "\"telnet\", \"ftp\",",
        to: "{v}, \"ftp\",",
        benign: "telnet",
        argument: None,
    },
    Field {
        path: "services.ports",
        from: "www = 8080",
        to: "www = 8080\n{v} = 8081",
        benign: "ssh",
        argument: None,
    },
    Field {
        path: "firewall.management_cidrs",
        from: "management_cidrs = []",
        to: "management_cidrs = [{v}]",
        benign: "198.51.100.0/24",
        argument: Some("address"),
    },
    Field {
        path: "firewall.action",
        from: "action = \"drop\"",
        to: "action = {v}",
        benign: "drop",
        argument: Some("action"),
    },
    Field {
        path: "firewall.reject_with",
        from: "action = \"drop\"\n",
        to: "action = \"reject\"\nreject_with = {v}\n",
        benign: "tcp-reset",
        argument: Some("reject-with"),
    },
    Field {
        path: "users.name",
        from: "name = \"netops\"",
        to: "name = {v}",
        benign: "netops",
        argument: Some("name"),
    },
    Field {
        path: "users.group",
        from: "group = \"full\"",
        to: "group = {v}",
        benign: "full",
        argument: Some("group"),
    },
    Field {
        path: "users.password",
        from: "default_admin = \"remove\"",
        to: "password = {v}\ndefault_admin = \"remove\"",
        benign: "Aa1!Aa1!Aa1!Aa1!",
        argument: Some("password"),
    },
    Field {
        path: "users.default_admin",
        from: "default_admin = \"remove\"",
        to: "default_admin = {v}",
        benign: "remove",
        argument: None,
    },
    Field {
        path: "users.default_admin_name",
        from: "default_admin_name = \"admin\"",
        to: "default_admin_name = {v}",
        benign: "admin",
        argument: Some("name"),
    },
    Field {
        path: "users.password_policy.require",
        from: "require = [\"upper\", \"lower\", \"digit\", \"symbol\"]",
        to: "require = [{v}]",
        benign: "upper",
        argument: None,
    },
    Field {
        path: "logging.failed_login_topics",
        from: "failed_login_topics = [\"system\", \"error\", \"critical\"]",
        to: "failed_login_topics = [\"system\", \"error\", \"critical\", {v}]",
        benign: "account",
        argument: None,
    },
    Field {
        path: "logging.rule_topics",
        from: "rule_topics = [\"error\"]",
        to: "rule_topics = [{v}]",
        benign: "error",
        argument: Some("topics"),
    },
    Field {
        path: "logging.action",
        from: "action = \"memory\"",
        to: "action = {v}",
        benign: "memory",
        argument: Some("action"),
    },
    Field {
        path: "logging.remote",
        from: "# remote = \"harness\"",
        to: "remote = {v}",
        benign: "harness",
        argument: None,
    },
    Field {
        path: "logging.ntp_servers",
        from: "ntp_servers = [\"pool.ntp.org\"]",
        to: "ntp_servers = [{v}]",
        benign: "pool.ntp.org",
        argument: Some("servers"),
    },
];

/// Strings that would break out of an unquoted or badly quoted script value.
fn hostile_values() -> Vec<String> {
    let mut v: Vec<String> = [
        "full;/user/add name=evil group=full password=Evil-Pass-123!",
        "full disabled=yes",
        "full\n/user add name=evil group=full",
        "full\r\n/system reset-configuration",
        "a\"b",
        "a\\b",
        "\\",
        "$x",
        "$[/system reset-configuration]",
        "[/system reset-configuration]",
        "a]b[c",
        "{ /user add name=evil }",
        "}{",
        "a=b",
        "a b",
        "#comment",
        "a?b",
        "(1)",
        "ünïcødé",
        "管理员",
        "a\u{202e}b",
        "a\x1b[2Jb",
        "a\x00b",
        "a\x07\x08\x7f\u{9b}b",
        "\t",
        "",
        "-",
        ".",
        "a.",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("a".repeat(65));
    v.push("x".repeat(100_000));
    v
}

/// A TOML string holding `s` exactly.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The value to feed a field: the password keeps the policy's classes around the hostile part.
fn value_for(field: &Field, hostile: &str) -> String {
    if field.path == "users.password" {
        format!("Aa1!Aa1!Aa1!Aa1!{hostile}")
    } else {
        hostile.to_string()
    }
}

fn profile_text(field: &Field, value: &str) -> String {
    assert_eq!(
        BASELINE_TOML.matches(field.from).count(),
        1,
        "{}: ambiguous edit {:?}",
        field.path,
        field.from
    );
    BASELINE_TOML.replacen(field.from, &field.to.replace("{v}", &toml_string(value)), 1)
}

fn render_steps(p: &Profile) -> Vec<Step> {
    let ctx = chrlab::render::RenderContext {
        harness_source: Some("192.0.2.10".parse().unwrap()),
        harness_source6: None,
        router_address: None,
        vantage_sources: Vec::new(),
        before: None,
        password: p
            .users
            .password
            .clone()
            .unwrap_or_else(|| chrlab::secret::Secret::new("Correct-Horse-9!x")),
    };
    chrlab::render::render(p, &ctx).expect("renders")
}

/// The structure of parsed commands with the values left out: menus, commands, argument names,
/// and the structure inside `[ ]`, `{ }` and `( )`.
fn shape(cmds: &[Command]) -> String {
    fn value(v: &Value, out: &mut String) {
        for p in &v.parts {
            match p {
                Part::Text(_) => out.push('t'),
                Part::Var(_) => out.push('$'),
                Part::Subst(c) => out.push_str(&format!("[{}]", shape(c))),
                Part::Block(c) => out.push_str(&format!("{{{}}}", shape(c))),
                Part::Expr(_) => out.push_str("(expr)"),
            }
        }
    }
    let mut out = String::new();
    for c in cmds {
        out.push('<');
        for w in &c.words {
            match &w.word {
                Word::Root => out.push('/'),
                Word::Bare(b) => out.push_str(&format!(" {b}")),
                Word::Value(v) => {
                    out.push_str(" v:");
                    value(v, &mut out);
                }
                Word::Assign { key, value: v } => {
                    out.push_str(&format!(" {key}="));
                    value(v, &mut out);
                }
                Word::Block(b) => out.push_str(&format!(" {{{}}}", shape(b))),
                Word::Where(_) => out.push_str(" where"),
            }
        }
        out.push('>');
    }
    out
}

/// Every `key=value` with a plain-text value, at any depth.
fn assignments(cmds: &[Command], out: &mut Vec<(String, String)>) {
    fn value(v: &Value, out: &mut Vec<(String, String)>) {
        for p in &v.parts {
            match p {
                Part::Subst(c) | Part::Block(c) => assignments(c, out),
                Part::Expr(e) => expr(e, out),
                _ => {}
            }
        }
    }
    fn expr(e: &cli::Expr, out: &mut Vec<(String, String)>) {
        match e {
            cli::Expr::Term(v) => value(v, out),
            cli::Expr::Not(e) => expr(e, out),
            cli::Expr::Bin(a, _, b) => {
                expr(a, out);
                expr(b, out);
            }
        }
    }
    for c in cmds {
        for w in &c.words {
            match &w.word {
                Word::Assign { key, value: v } => {
                    if let Some(t) = v.as_text() {
                        out.push((key.clone(), t));
                    }
                    value(v, out);
                }
                Word::Value(v) => value(v, out),
                Word::Block(b) => assignments(b, out),
                _ => {}
            }
        }
    }
}

/// One hostile value in one field: the profile refuses it naming the field (and its line), or
/// the script it renders is the benign script's commands with the value in its argument.
/// Returns whether the profile accepted the value.
fn check_hostile(field: &Field, hostile: &str) -> bool {
    let value = value_for(field, hostile);
    let case = format!(
        "{} = {:?}",
        field.path,
        chrlab::printable::excerpt(&value, 60)
    );
    let text = profile_text(field, &value);
    let profile = match Profile::from_toml(&text, "profiles/x.toml") {
        Err(e) => {
            let shown = e.to_string();
            let f = e
                .field()
                .unwrap_or_else(|| panic!("{case}: no field in {shown}"));
            // Parse errors inside `[[array]]` tables name the field without the index.
            let unindexed = |p: &str| p.replace("[0]", "");
            let (f0, want) = (unindexed(f), unindexed(field.path));
            assert!(
                f0 == want || f0.starts_with(&format!("{want}.")),
                "{case}: error names field {f}: {shown}"
            );
            let line = e
                .line()
                .unwrap_or_else(|| panic!("{case}: no line in {shown}"));
            assert!(
                shown.starts_with(&format!("profiles/x.toml:{line}: field `{f}`: ")),
                "{case}: {shown}"
            );
            assert!(
                !shown.chars().any(char::is_control),
                "{case}: raw control character in {shown:?}"
            );
            assert!(shown.chars().count() < 1_000, "{case}: huge message");
            if field.path == "users.password" {
                assert!(
                    !shown.contains(&value),
                    "{case}: the password is in the error"
                );
            }
            return false;
        }
        Ok(p) => p,
    };
    let benign = Profile::from_toml(&profile_text(field, &value_for(field, field.benign)), "b")
        .unwrap_or_else(|e| panic!("{}: benign value refused: {e}", field.path));
    let (got, want) = (render_steps(&profile), render_steps(&benign));
    assert_eq!(
        got.iter()
            .map(|s| (s.id, s.lines.len()))
            .collect::<Vec<_>>(),
        want.iter()
            .map(|s| (s.id, s.lines.len()))
            .collect::<Vec<_>>(),
        "{case}: other steps"
    );
    let mut found = false;
    for (g, w) in got.iter().zip(&want) {
        for (gl, wl) in g.lines.iter().zip(&w.lines) {
            let (gl, wl) = (gl.render(Reveal::Exposed), wl.render(Reveal::Exposed));
            let gp = cli::parse(&gl).unwrap_or_else(|e| panic!("{case}: {e} in\n{gl}"));
            let wp = cli::parse(&wl).expect("the benign line parses");
            assert_eq!(
                shape(&gp),
                shape(&wp),
                "{case}: command changed:\n{gl}\nvs\n{wl}"
            );
            let mut args = Vec::new();
            assignments(&gp, &mut args);
            if let Some(arg) = field.argument {
                found |= args.iter().any(|(k, v)| k == arg && *v == value);
            }
        }
    }
    if field.argument.is_some() {
        assert!(found, "{case}: the value does not arrive in its argument");
    }
    // The whole script, with its comment lines, still holds the same number of commands.
    let count = |steps: &[Step]| {
        cli::parse(&chrlab::render::script(steps, "p.toml", Reveal::Exposed))
            .expect("the script parses")
            .len()
    };
    assert_eq!(count(&got), count(&want), "{case}: commands added");
    true
}

#[test]
fn hostile_values_in_every_string_field_are_refused_or_stay_one_value() {
    let hostile = hostile_values();
    let mut accepted = Vec::new();
    for field in FIELDS {
        for h in &hostile {
            if check_hostile(field, h) {
                accepted.push((field.path, h.clone()));
            }
        }
    }
    // Both outcomes are exercised: the password takes quotes, brackets, `$`, `;` and unicode
    // (and they arrive intact), free-text summaries too; names never take any of them.
    for (path, sample) in [
        ("users.password", "$x"),
        ("users.password", "a]b[c"),
        ("users.password", "}{"),
        ("users.password", "\\"),
        ("users.password", "a\"b"),
        ("users.password", "管理员"),
        (
            "update.extra_vulnerable[0].summary",
            "full;/user/add name=evil group=full password=Evil-Pass-123!",
        ),
    ] {
        assert!(
            accepted.contains(&(path, sample.to_string())),
            "{path} = {sample:?} was refused"
        );
    }
    assert!(
        !accepted.iter().any(|(p, _)| [
            "users.name",
            "users.group",
            "users.default_admin_name",
            "logging.action"
        ]
        .contains(p)),
        "a hostile name was accepted: {accepted:?}"
    );
}

#[test]
fn the_injections_of_the_issue_are_refused_naming_the_field() {
    for (value, field) in [
        (
            "full;/user/add name=evil group=full password=x",
            "users.group",
        ),
        ("full disabled=yes", "users.group"),
        ("netops\n/user add name=evil", "users.name"),
    ] {
        let text = BASELINE_TOML.replacen(
            if field == "users.group" {
                "group = \"full\""
            } else {
                "name = \"netops\""
            },
            &format!(
                "{} = {}",
                field.trim_start_matches("users."),
                toml_string(value)
            ),
            1,
        );
        let err = Profile::from_toml(&text, "profiles/x.toml").unwrap_err();
        assert_eq!(err.field(), Some(field), "{err}");
        assert!(err.to_string().contains("may only contain"), "{err}");
    }
}

// ---- what Profile::load reads (issue 7 item 11) ----

/// A fresh path under the test target dir.
fn scratch(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{}-{name}", std::process::id()))
}

/// Loads `path` on a thread and fails the test if that takes more than five seconds (a FIFO
/// that is opened for reading blocks until a writer comes).
fn load_quickly(path: &std::path::Path) -> Result<Profile, ProfileError> {
    let (tx, rx) = std::sync::mpsc::channel();
    let p = path.to_path_buf();
    std::thread::spawn(move || {
        let _ = tx.send(Profile::load(&p));
    });
    rx.recv_timeout(std::time::Duration::from_secs(5))
        .unwrap_or_else(|_| panic!("Profile::load({}) blocked", path.display()))
}

#[test]
fn only_a_regular_file_is_read() {
    let dir = scratch("dir");
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = scratch("fifo");
    let _ = std::fs::remove_file(&fifo);
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
    for (path, kind) in [
        (std::path::PathBuf::from("/dev/zero"), "character device"),
        (dir.clone(), "directory"),
        (fifo.clone(), "FIFO"),
    ] {
        let err = load_quickly(&path).unwrap_err();
        assert!(
            matches!(err, ProfileError::NotRegular { kind: k, .. } if k == kind),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "cannot read profile {}: it is a {kind}, not a regular file",
                path.display()
            )
        );
    }
    std::fs::remove_file(&fifo).unwrap();
    std::fs::remove_dir(&dir).unwrap();
}

#[test]
fn a_file_over_one_mebibyte_is_refused() {
    let path = scratch("big.toml");
    // A valid profile padded with a comment to one byte over the limit.
    let mut text = BASELINE_TOML.to_string();
    text.push('#');
    let limit = chrlab::profile::MAX_PROFILE_BYTES as usize;
    text.push_str(&"x".repeat(limit + 1 - text.len()));
    std::fs::write(&path, &text).unwrap();
    let err = Profile::load(&path).unwrap_err();
    assert!(
        matches!(err, ProfileError::TooLarge { size, .. } if size == limit as u64 + 1),
        "{err:?}"
    );
    assert!(err.to_string().contains("at most 1048576"), "{err}");
    // Exactly at the limit it loads.
    text.pop();
    std::fs::write(&path, &text).unwrap();
    Profile::load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn absurd_paths_are_refused_before_any_io() {
    let long = std::path::PathBuf::from("/tmp/".to_string() + &"d/".repeat(3000) + "p.toml");
    let err = Profile::load(&long).unwrap_err();
    assert!(
        matches!(err, ProfileError::PathTooLong { max: 4096, .. }),
        "{err:?}"
    );
    let shown = err.to_string();
    assert!(
        shown.contains("the path is too long (6011 bytes, at most 4096)"),
        "{shown}"
    );
    assert!(shown.len() < 200, "{shown}");
    let component = std::path::PathBuf::from(format!("/tmp/{}.toml", "n".repeat(300)));
    let err = Profile::load(&component).unwrap_err();
    assert!(
        matches!(
            err,
            ProfileError::PathTooLong {
                len: 305,
                max: 255,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_non_utf8_file_names_the_byte_offset_and_line() {
    let path = scratch("latin1.toml");
    let at = BASELINE_TOML.find("name = \"netops\"").unwrap() + "name = \"net".len();
    let mut bytes = BASELINE_TOML.as_bytes().to_vec();
    bytes.insert(at, 0xE9); // "é" in Latin-1
    std::fs::write(&path, &bytes).unwrap();
    let err = Profile::load(&path).unwrap_err();
    let line = BASELINE_TOML[..at].matches('\n').count() + 1;
    let column = at - BASELINE_TOML[..at].rfind('\n').unwrap();
    assert_eq!(err.line(), Some(line));
    assert_eq!(
        err.to_string(),
        format!(
            "{}:{line}: not UTF-8 text: invalid byte at offset {at} (column {column})",
            path.display()
        )
    );
    assert!(
        std::error::Error::source(&err).is_some(),
        "the decoding error is kept"
    );
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn lengths_have_limits() {
    check(
        "name = \"netops\"",
        &format!("name = \"{}\"", "n".repeat(65)),
        "users.name",
        "must be at most 64 characters, got 65",
    );
    check(
        "group = \"full\"",
        &format!("group = \"{}\"", "g".repeat(65)),
        "users.group",
        "must be at most 64 characters, got 65",
    );
    check(
        "min_length = 16",
        "min_length = 4000000000",
        "users.password_policy.min_length",
        "must be at most 128, got 4000000000",
    );
    let p = load_edited(
        "default_admin = \"remove\"",
        &format!(
            "password = \"Aa1!{}\"\ndefault_admin = \"remove\"",
            "x".repeat(125)
        ),
    )
    .unwrap_err();
    assert!(p.to_string().contains("129 characters, at most 128"), "{p}");
    // 64 and 128 themselves are fine.
    load_edited(
        "name = \"netops\"",
        &format!("name = \"{}\"", "n".repeat(64)),
    )
    .unwrap();
    load_edited("min_length = 16", "min_length = 128").unwrap();
}
