//! `chrlab fleet` as a user meets it. First the inventory, as data: Ansible's YAML (groups,
//! children, variables and their precedence, both password idioms, what is refused and where)
//! and the TOML list. Then end to end: simulators on loopback addresses play a fleet in
//! service, audited read-only by the built binary from an Ansible inventory — every router a
//! row, no password anywhere in what it prints or writes, two shards covering the fleet exactly
//! once, and an address where nothing listens a failed row that does not stop the others.

use std::path::{Path, PathBuf};
use std::process::Output;

use chrlab::fleet::credentials::PasswordFiles;
use chrlab::fleet::inventory::{Inventory, InventoryRouter, PasswordSource};
use chrlab::fleet::loopback::{LoopbackFleet, LoopbackRouter};
use chrlab::secret::Secret;
use serde_json::Value;

mod cli_support;

use cli_support::{REPO, TempDir, chrlab_env};

/// Where the test inventories claim to live: relative paths resolve against `/inv`.
const INV: &str = "/inv/hosts.yml";

fn yaml(text: &str) -> Inventory {
    Inventory::from_yaml(text, Path::new(INV)).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn yaml_err(text: &str) -> String {
    match Inventory::from_yaml(text, Path::new(INV)) {
        Ok(inv) => panic!("accepted: {inv:?}\n{text}"),
        Err(e) => e.to_string(),
    }
}

fn router<'a>(inv: &'a Inventory, name: &str) -> &'a InventoryRouter {
    inv.router(name)
        .unwrap_or_else(|| panic!("no router {name} in {inv:?}"))
}

fn env_var(r: &InventoryRouter) -> Option<(&str, &str, usize)> {
    match &r.password {
        PasswordSource::Env { var, field, origin } => Some((var, field, origin.line)),
        _ => None,
    }
}

const GROUPS: &str = r#"# a community.routeros inventory
all:
  vars:
    ansible_connection: ansible.netcommon.network_cli
    ansible_network_os: community.routeros.routeros
    ansible_user: fromall
    ansible_port: 2200
    chrlab_password_env: ALL_PW
  hosts:
    lone:
      ansible_host: 192.0.2.9
  children:
    routers:
      vars:
        ansible_user: fromparent
        chrlab_profile: profiles/parent.toml
      children:
        core:
          vars:
            ansible_user: fromchild
            ansible_port: 2222
          hosts:
            core1:
              ansible_host: 192.0.2.1
            core2:
              ansible_host: 192.0.2.2
              ansible_user: fromhost
              ansible_password: "{{ lookup('env', 'CORE2_PW') }}"
        edge:
          hosts:
            edge1:
              ansible_host: 198.51.100.1
              chrlab_password_file: secrets/edge.toml
            edge[08:10].example:
dc2:
  hosts:
    dc2-r1:
"#;

#[test]
fn groups_children_and_the_precedence_of_their_vars() {
    let inv = yaml(GROUPS);
    let names: Vec<&str> = inv.routers.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "lone",
            "core1",
            "core2",
            "edge1",
            "edge08.example",
            "edge09.example",
            "edge10.example",
            "dc2-r1"
        ]
    );
    // all's vars only.
    let lone = router(&inv, "lone");
    assert_eq!(
        (lone.host.as_str(), lone.port, lone.user.as_str()),
        ("192.0.2.9", 2200, "fromall")
    );
    assert_eq!(lone.group, None);
    assert_eq!(lone.profile, None);
    assert_eq!(env_var(lone), Some(("ALL_PW", "chrlab_password_env", 8)));
    assert_eq!(lone.origin.line, 10);
    // The child group beats its parent, which beats all.
    let core1 = router(&inv, "core1");
    assert_eq!(
        (core1.port, core1.user.as_str(), core1.group.as_deref()),
        (2222, "fromchild", Some("core"))
    );
    let profile = core1.profile.as_ref().expect("the parent group's profile");
    assert_eq!(profile.path, PathBuf::from("/inv/profiles/parent.toml"));
    assert_eq!(
        (profile.field.as_str(), profile.origin.line),
        ("chrlab_profile", 16)
    );
    // The host beats every group; Ansible's env lookup is an environment variable.
    let core2 = router(&inv, "core2");
    assert_eq!(core2.user, "fromhost");
    assert_eq!(env_var(core2), Some(("CORE2_PW", "ansible_password", 28)));
    // A password file, relative to the inventory.
    let edge1 = router(&inv, "edge1");
    assert_eq!((edge1.port, edge1.user.as_str()), (2200, "fromparent"));
    assert_eq!(edge1.group.as_deref(), Some("edge"));
    match &edge1.password {
        PasswordSource::File { path, origin, .. } => {
            assert_eq!(path, &PathBuf::from("/inv/secrets/edge.toml"));
            assert_eq!(origin.line, 33);
        }
        other => panic!("{other:?}"),
    }
    // A host range; a host without ansible_host is reached by its name; a top-level group is
    // a child of all.
    assert_eq!(router(&inv, "edge09.example").host, "edge09.example");
    let dc2 = router(&inv, "dc2-r1");
    assert_eq!(
        (dc2.host.as_str(), dc2.group.as_deref()),
        ("dc2-r1", Some("dc2"))
    );
    assert_eq!((dc2.port, dc2.user.as_str()), (2200, "fromall"));
}

#[test]
fn a_host_in_two_groups_takes_the_deeper_groups_vars() {
    let inv = yaml(
        "all:\n  children:\n    site:\n      vars: {ansible_user: site}\n      children:\n        site_core:\n          vars: {ansible_user: core}\n          hosts: {r1: {ansible_host: 192.0.2.1}}\n    monitored:\n      vars: {ansible_user: monitored, ansible_port: 8022}\n      hosts: {r1: }\n",
    );
    let r1 = router(&inv, "r1");
    assert_eq!((r1.user.as_str(), r1.port), ("core", 8022));
    assert_eq!(r1.group.as_deref(), Some("site_core"));
    assert_eq!(inv.routers.len(), 1, "one router, listed twice");
}

#[test]
fn a_literal_password_or_a_vault_value_is_refused_where_it_stands() {
    for (text, line, owner, field) in [
        (
            "all:\n  hosts:\n    r1:\n      ansible_host: 192.0.2.1\n      ansible_password: Hunter2-Literal\n",
            5,
            "host r1",
            "ansible_password",
        ),
        (
            "all:\n  children:\n    core:\n      vars:\n        ansible_ssh_pass: Hunter2-Literal\n      hosts: {r1: }\n",
            5,
            "group core",
            "ansible_ssh_pass",
        ),
        (
            "all:\n  hosts:\n    r1:\n      ansible_password: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n          6162636465\n",
            4,
            "host r1",
            "ansible_password",
        ),
        (
            "all:\n  hosts:\n    r1:\n      ansible_password: \"{{ vault_pw }}\"\n",
            4,
            "host r1",
            "ansible_password",
        ),
    ] {
        let err = yaml_err(text);
        assert!(
            err.starts_with(&format!("{INV}:{line}: {owner}: {field}: ")),
            "{err}"
        );
        assert!(
            err.contains("chrlab_password_env"),
            "says what to use: {err}"
        );
        assert!(err.contains("lookup('env', 'VAR')"), "{err}");
        assert!(
            !err.contains("Hunter2") && !err.contains("6162636465"),
            "{err}"
        );
    }
}

#[test]
fn bad_field_names_and_values_name_their_line() {
    for (text, want) in [
        (
            "all:\n  hosts:\n    r1:\n      chrlab_profil: x.toml\n",
            "/inv/hosts.yml:4: host r1: chrlab_profil: unknown chrlab variable (did you mean chrlab_profile?)",
        ),
        (
            "all:\n  children:\n    core:\n      host:\n        r1:\n",
            "/inv/hosts.yml:4: group core: host: unknown key `host` in a group",
        ),
        (
            "all:\n  hosts:\n    r1:\n      ansible_port: ssh\n",
            "/inv/hosts.yml:4: host r1: ansible_port: `ssh` is not a port",
        ),
        (
            "all:\n  hosts:\n    r1:\n      chrlab_password_env: NOT-A-NAME\n",
            "/inv/hosts.yml:4: host r1: chrlab_password_env: `NOT-A-NAME` is not an environment variable's name",
        ),
        (
            "all:\n  hosts:\n    r1:\n      chrlab_password_env: A\n      chrlab_password_file: b\n",
            "/inv/hosts.yml:5: host r1: chrlab_password_file: a second password source beside chrlab_password_env on line 4",
        ),
        (
            "all:\n  hosts:\n    r1:\n      ansible_host: \"{{ inventory_hostname }}.lab\"\n",
            "/inv/hosts.yml:4: host r1: ansible_host: an address or host name must be a plain value",
        ),
        (
            "all:\n  hosts: [r1, r2]\n",
            "/inv/hosts.yml:2: group all: hosts: expected a mapping of host names",
        ),
        ("all:\n  hosts:\n    r1: {\n", "/inv/hosts.yml:4:"),
        (
            "all:\n  hosts:\n",
            "/inv/hosts.yml: the inventory names no router",
        ),
    ] {
        let err = yaml_err(text);
        assert!(err.starts_with(want), "want {want}\n got {err}");
    }
}

#[test]
fn the_toml_list() {
    let text = r#"
[[router]]
name = "core1"
host = "192.0.2.1"
port = 2222
user = "netops"
group = "core"
profile = "core.toml"
password_env = "CORE1_PW"

[[router]]
name = "edge1.example"
password_file = "pw/edge.toml"
"#;
    let inv = Inventory::from_toml(text, Path::new("/fleet/routers.toml")).unwrap();
    let core1 = router(&inv, "core1");
    assert_eq!(
        (
            core1.host.as_str(),
            core1.port,
            core1.user.as_str(),
            core1.group.as_deref()
        ),
        ("192.0.2.1", 2222, "netops", Some("core"))
    );
    assert_eq!(core1.origin.line, 2);
    assert_eq!(
        core1.profile.as_ref().map(|p| p.path.clone()),
        Some(PathBuf::from("/fleet/core.toml"))
    );
    assert_eq!(env_var(core1), Some(("CORE1_PW", "password_env", 9)));
    let edge = router(&inv, "edge1.example");
    assert_eq!(
        (
            edge.host.as_str(),
            edge.port,
            edge.user.as_str(),
            edge.group.as_deref()
        ),
        ("edge1.example", 22, "admin", None)
    );
    assert!(
        matches!(&edge.password, PasswordSource::File { path, .. } if path == Path::new("/fleet/pw/edge.toml"))
    );

    for (text, want) in [
        (
            "[[router]]\nname = \"r1\"\npasswd_env = \"X\"\n",
            "/fleet/routers.toml:3:1: unknown field `passwd_env`",
        ),
        (
            "[[router]]\nname = \"r1\"\n[[router]]\nname = \"r1\"\n",
            "/fleet/routers.toml:4: host r1: name: a second router of this name (the first is on line 1)",
        ),
        (
            "[[router]]\nname = \"r1\"\nport = 0\n",
            "/fleet/routers.toml:3: host r1: port: port must be 1-65535",
        ),
        (
            "[[router]]\nname = \"r1\"\npassword_env = \"A\"\npassword_file = \"b\"\n",
            "/fleet/routers.toml:3: host r1: password_env: password_env and password_file both set",
        ),
        ("", "/fleet/routers.toml: the inventory names no router"),
    ] {
        let err = Inventory::from_toml(text, Path::new("/fleet/routers.toml"))
            .expect_err(text)
            .to_string();
        assert!(err.starts_with(want), "want {want}\n got {err}");
    }
}

#[test]
fn passwords_come_from_the_environment_or_a_file_and_never_show_in_errors() {
    let tmp = TempDir::new("fleet-passwords");
    let inventory = tmp.path("hosts.yml");
    std::fs::write(tmp.path("one.pw"), "S3cret-One-Pw\n").unwrap();
    std::fs::write(
        tmp.path("table.toml"),
        "r3 = \"S3cret-Three-Pw\"\n\"r4.example\" = \"S3cret-Four-Pw\"\n",
    )
    .unwrap();
    std::fs::write(tmp.path("broken.toml"), "r6 = S3cret-Unquoted\n").unwrap();
    std::fs::create_dir(tmp.path("adir")).unwrap();
    let text = "all:\n  hosts:\n    r1:\n      chrlab_password_env: R1_PW\n    r2:\n      chrlab_password_file: one.pw\n    r3:\n      chrlab_password_file: table.toml\n    r4.example:\n      chrlab_password_file: table.toml\n    r5:\n      chrlab_password_file: table.toml\n    r6:\n      chrlab_password_file: broken.toml\n    r7:\n      ansible_password: \"{{ lookup('env', 'UNSET_PW') }}\"\n    r8:\n      chrlab_password_file: adir\n    r9:\n";
    let inv = Inventory::from_yaml(text, &inventory).unwrap();
    let mut files = PasswordFiles::default();
    let env = |var: &str| (var == "R1_PW").then(|| "S3cret-Env-Pw".to_string());
    let mut pw = |name: &str| files.password_with(router(&inv, name), env);
    let ok = |r: Result<Secret, _>| {
        r.map(|s: Secret| s.expose().to_string())
            .map_err(|e: chrlab::fleet::credentials::CredentialError| e.to_string())
    };
    assert_eq!(ok(pw("r1")).unwrap(), "S3cret-Env-Pw");
    assert_eq!(ok(pw("r2")).unwrap(), "S3cret-One-Pw");
    assert_eq!(ok(pw("r3")).unwrap(), "S3cret-Three-Pw");
    assert_eq!(ok(pw("r4.example")).unwrap(), "S3cret-Four-Pw");
    assert_eq!(
        ok(pw("r9")).unwrap(),
        "",
        "no source: a router without a password"
    );
    let shown = inventory.display().to_string();
    for (name, line, field, want) in [
        (
            "r5",
            12,
            "chrlab_password_file",
            "table.toml has no line for r5",
        ),
        ("r6", 14, "chrlab_password_file", "line 1: not a TOML table"),
        (
            "r7",
            16,
            "ansible_password",
            "the environment variable UNSET_PW is not set",
        ),
        ("r8", 18, "chrlab_password_file", "not a regular file"),
    ] {
        let err = ok(pw(name)).unwrap_err();
        assert!(
            err.starts_with(&format!("{shown}:{line}: host {name}: {field}: ")),
            "{err}"
        );
        assert!(err.contains(want), "{err}");
        assert!(!err.contains("S3cret"), "{err}");
    }
}

// ---- end to end ------------------------------------------------------------------------

fn show(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `127.<62+i>.<pid>`: addresses no other test (nor a second run of this one) uses.
fn address(i: u8) -> std::net::IpAddr {
    let pid = std::process::id();
    std::net::IpAddr::V4(std::net::Ipv4Addr::new(
        127,
        62 + i,
        ((pid >> 8) & 255) as u8,
        (pid & 255).max(1) as u8,
    ))
}

fn rows(json: &Value) -> Vec<&Value> {
    json["rows"].as_array().expect("rows").iter().collect()
}

fn names(json: &Value) -> Vec<String> {
    rows(json)
        .iter()
        .map(|r| r["name"].as_str().expect("name").to_string())
        .collect()
}

/// Every violation of the schema `file` (in `harness/schemas/`) in `doc`, one per line.
fn violations(file: &str, doc: &Value) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join(file);
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", path.display()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loopback_fleet_is_audited_read_only_from_an_ansible_inventory() {
    // The simulators listen on the factory ports (22, 80, …): below 1024, so root.
    if !testsupport::require(&[testsupport::Need::Root]) {
        return;
    }
    let policy = chrlab::secret::PasswordPolicy::default();
    let pw: Vec<Secret> = (0..3).map(|_| Secret::generate(&policy)).collect();
    let routers: Vec<LoopbackRouter> = (0..3)
        .map(|i| LoopbackRouter {
            address: address(i),
            password: pw[i as usize].clone(),
        })
        .collect();
    let fleet = LoopbackFleet::start(routers)
        .await
        .expect("start three simulators on loopback addresses");
    let gone = address(8); // nothing listens there

    let tmp = TempDir::new("fleet-e2e");
    std::fs::copy(
        format!("{REPO}/profiles/baseline.toml"),
        tmp.path("core.toml"),
    )
    .unwrap();
    std::fs::write(tmp.path("edge.pw"), format!("{}\n", pw[2].expose())).unwrap();
    let inventory = tmp.path("hosts.yml");
    std::fs::write(
        &inventory,
        format!(
            "all:\n  vars:\n    ansible_connection: ansible.netcommon.network_cli\n    ansible_network_os: community.routeros.routeros\n    ansible_user: admin\n  children:\n    core:\n      vars:\n        chrlab_profile: core.toml\n      hosts:\n        r1:\n          ansible_host: {}\n          ansible_password: \"{{{{ lookup('env', 'FLEET_TEST_PW1') }}}}\"\n        r2:\n          ansible_host: {}\n          chrlab_password_env: FLEET_TEST_PW2\n    edge:\n      hosts:\n        r3:\n          ansible_host: {}\n          chrlab_password_file: edge.pw\n        gone:\n          ansible_host: {gone}\n          chrlab_password_env: FLEET_TEST_PW2\n",
            address(0),
            address(1),
            address(2)
        ),
    )
    .unwrap();
    let inv = inventory.display().to_string();
    let env = [
        ("FLEET_TEST_PW1", pw[0].expose()),
        ("FLEET_TEST_PW2", pw[1].expose()),
    ];
    let secret_free = |what: &str, text: &str| {
        for p in &pw {
            assert!(!text.contains(p.expose()), "a password in {what}:\n{text}");
        }
    };

    // Every input is checked before a router is contacted: one unset password stops the run.
    let out = chrlab_env(&["fleet", "--inventory", &inv], &env[..1]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{inv}:16: host r2: chrlab_password_env: the environment variable FLEET_TEST_PW2 is not set")),
        "{}",
        show(&out)
    );

    // The whole fleet.
    let (json, junit) = (tmp.path("fleet.json"), tmp.path("fleet.xml"));
    let out = chrlab_env(
        &[
            "fleet",
            "--inventory",
            &inv,
            "--timeout",
            "120",
            "--report",
            &format!("json={}", json.display()),
            "--report",
            &format!("junit={}", junit.display()),
        ],
        &env,
    );
    // A factory router fails the baseline, and one router was not reached: exit 1.
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let report = read_json(&json);
    let junit_text = std::fs::read_to_string(&junit).unwrap();
    secret_free("stdout", &String::from_utf8_lossy(&out.stdout));
    secret_free("stderr", &String::from_utf8_lossy(&out.stderr));
    secret_free("the JSON report", &report.to_string());
    secret_free("the JUnit report", &junit_text);
    assert_eq!(names(&report), ["r1", "r2", "r3", "gone"], "{report:#}");
    assert_eq!(report["kind"], "fleet");
    assert_eq!(
        violations("many-report.schema.json", &report),
        "",
        "fleet report"
    );
    for row in rows(&report) {
        let name = row["name"].as_str().unwrap();
        let group = row["group"].as_str();
        assert_eq!(
            group,
            Some(if name.starts_with('r') && name != "r3" {
                "core"
            } else {
                "edge"
            }),
            "{row:#}"
        );
        assert!(
            junit_text.contains(&format!("<testsuite name=\"{name}\"")),
            "{junit_text}"
        );
        if name == "gone" {
            assert_eq!(row["status"], "failed", "{row:#}");
            assert_eq!(row["error"]["exit"], 3, "{row:#}");
            assert_eq!(
                row["attempts"], 2,
                "an unreachable router is tried again: {row:#}"
            );
            assert!(
                row["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains(&gone.to_string()),
                "{row:#}"
            );
        } else {
            assert_eq!(row["status"], "audited", "{row:#}");
            assert_eq!(row["attempts"], 1, "{row:#}");
            assert_eq!(
                violations("report.schema.json", &row["report"]),
                "",
                "{name}"
            );
            let cells = row["cells"].as_object().expect("cells");
            assert_eq!(cells["users.default-admin-gone"], "fail", "{row:#}");
            assert!(cells.values().any(|c| c == "pass"), "{row:#}");
            // Read-only: the router is as it was, factory services on.
            let r = fleet
                .router(address(name[1..].parse::<u8>().unwrap() - 1))
                .expect("router");
            assert!(
                r.service_allows("telnet", None),
                "{name}: the audit changed the router"
            );
        }
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("gone"), "{}", show(&out));

    // Two shards: every router in exactly one.
    let mut seen: Vec<String> = Vec::new();
    for k in 1..=2 {
        let path = tmp.path(&format!("shard{k}.json"));
        let out = chrlab_env(
            &[
                "fleet",
                "--inventory",
                &inv,
                "--shard",
                &format!("{k}/2"),
                "--retries",
                "0",
                "--report",
                &format!("json={}", path.display()),
            ],
            &env,
        );
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", show(&out));
        let shard = read_json(&path);
        assert_eq!(shard["shard"]["index"], k, "{shard:#}");
        assert_eq!(shard["shard"]["count"], 2, "{shard:#}");
        assert_eq!(
            violations("many-report.schema.json", &shard),
            "",
            "shard {k}"
        );
        seen.extend(names(&shard));
    }
    seen.sort();
    assert_eq!(seen, ["gone", "r1", "r2", "r3"]);
    fleet.shutdown().await;
}

/// A fleet run's error with its causes, which must be a usage error.
async fn input_error(args: &chrlab::fleet::FleetArgs) -> String {
    let e = chrlab::fleet::run(args)
        .await
        .expect_err("bad input accepted");
    assert_eq!(e.exit(), chrlab::outcome::Exit::Usage, "{e}");
    let mut text = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        text.push_str(": ");
        text.push_str(&s.to_string());
        src = s.source();
    }
    text
}

#[tokio::test]
async fn every_input_is_checked_before_a_router_is_contacted() {
    use chrlab::fleet::FleetArgs;
    let tmp = TempDir::new("fleet-inputs");
    let inventory = tmp.path("hosts.yml");
    // 192.0.2.1 is never contacted: every case fails on its input first.
    let write = |text: &str| std::fs::write(&inventory, text).unwrap();
    let shown = inventory.display().to_string();
    write(
        "all:\n  children:\n    core:\n      vars:\n        chrlab_profile: missing.toml\n      hosts:\n        r1: {ansible_host: 192.0.2.1}\n",
    );
    let mut args = FleetArgs::new(inventory.clone());
    args.profile = format!("{REPO}/profiles/baseline.toml").into();
    let text = input_error(&args).await;
    assert!(
        text.starts_with(&format!(
            "{shown}:5: host r1: chrlab_profile: cannot use the profile: cannot read profile {}",
            tmp.path("missing.toml").display()
        )),
        "{text}"
    );
    write("all:\n  hosts:\n    r1: {ansible_host: 192.0.2.1}\n");
    args.profile = tmp.path("nope.toml");
    let text = input_error(&args).await;
    assert!(
        text.starts_with(
            "--profile, for r1 and every router that names no profile: cannot read profile"
        ),
        "{text}"
    );
    args.profile = format!("{REPO}/profiles/baseline.toml").into();
    args.reports = vec!["sarif=out.sarif".parse().unwrap()];
    let text = input_error(&args).await;
    assert!(text.contains("sarif"), "{text}");
    args.reports = vec![format!("json={}", tmp.0.display()).parse().unwrap()];
    let text = input_error(&args).await;
    assert!(text.contains("is not a regular file"), "{text}");
}
