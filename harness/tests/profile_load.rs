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
