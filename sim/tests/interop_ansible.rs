//! Interop: Ansible's `community.routeros` collection (PyPI's `ansible` package bundles it), the
//! tool RouterOS users automate with, against the simulator whose administrator has a password:
//! `community.routeros.command` and `community.routeros.facts` over `network_cli` (SSH, paramiko,
//! the `+cet1024w` login options the collection's documentation recommends), and
//! `community.routeros.api_info` over the API (librouteros).
//!
//! The facts leave out the `routing` subset: it prints `/routing bgp peer`, `vpnv4-route` and
//! `instance`, RouterOS 6 menus that RouterOS 7 replaced (`/routing bgp connection`, manual
//! "BGP"), so on a 7.x CHR it ends in `bad command name` too.
//!
//! `ansible-playbook` comes from `$CHRLAB_ANSIBLE_PLAYBOOK`, else `PATH`; `.ci/run` installs
//! `ansible`, `paramiko` and `librouteros` into a virtual environment and names it. Missing, the
//! test fails with the install command (never passes silently).
//!
//! Address: simulator on 127.0.0.90. Ports: service port + 26000 (ssh 26022, api 34728).

mod frontend_support;
mod interop;

use std::path::{Path, PathBuf};

use std::process::Command;

use frontend_support::cli;
use interop::*;
use serde_json::Value;

const PASSWORD: &str = "Ansible-Interop-2026!";

/// The `ansible-playbook` to run.
fn playbook_binary() -> String {
    std::env::var("CHRLAB_ANSIBLE_PLAYBOOK").unwrap_or_else(|_| "ansible-playbook".into())
}

fn require_ansible() {
    let ok = Command::new(playbook_binary())
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "{} does not run: this interop test needs Ansible with community.routeros, paramiko and \
         librouteros: `python3 -m venv V && V/bin/pip install ansible paramiko librouteros`, then \
         CHRLAB_ANSIBLE_PLAYBOOK=V/bin/ansible-playbook",
        playbook_binary()
    );
}

/// Writes the inventory and the playbook into `dir`.
fn write_playbook(dir: &Path, host: &str, ssh: u16, api: u16) -> (PathBuf, PathBuf) {
    let inventory = dir.join("inventory.yml");
    std::fs::write(
        &inventory,
        format!(
            "all:\n  hosts:\n    chr:\n      ansible_host: {host}\n      ansible_port: {ssh}\n      \
             ansible_user: admin+cet1024w\n      ansible_password: {PASSWORD}\n      \
             ansible_connection: ansible.netcommon.network_cli\n      \
             ansible_network_os: community.routeros.routeros\n      \
             ansible_network_cli_ssh_type: paramiko\n"
        ),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", inventory.display()));
    let playbook = dir.join("playbook.yml");
    std::fs::write(
        &playbook,
        format!(
            "- hosts: chr\n  gather_facts: false\n  tasks:\n\
             \x20   - name: command\n      community.routeros.command:\n        commands:\n\
             \x20         - /system identity print\n          - /ip service print\n      register: cmd\n\
             \x20   - name: facts\n      community.routeros.facts:\n        gather_subset: [default, hardware, interfaces, config]\n      register: facts\n\
             \x20   - name: api_info\n      community.routeros.api_info:\n        hostname: {host}\n\
             \x20       port: {api}\n        username: admin\n        password: {PASSWORD}\n\
             \x20       path: ip service\n      delegate_to: localhost\n      register: api\n"
        ),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", playbook.display()));
    (inventory, playbook)
}

/// The `res` of the named task for host `chr` in the json callback's report.
fn task_result<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["plays"][0]["tasks"]
        .as_array()
        .and_then(|tasks| tasks.iter().find(|t| t["task"]["name"] == name))
        .map(|t| &t["hosts"]["chr"])
        .unwrap_or_else(|| panic!("no task {name} in {report}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ansible_community_routeros_command_facts_and_api_info() {
    require_ansible();
    let sim = start_sim(lo(90)).await;
    assert_eq!(
        cli(&sim, &format!("/user set admin password={PASSWORD}")),
        ""
    );
    let tmp = TempDir::new("ansible");
    let dir = tmp.path().to_path_buf();
    let (inventory, playbook) = write_playbook(
        &dir,
        &sim.address().to_string(),
        port(&sim, "ssh"),
        port(&sim, "api"),
    );
    let mut cmd = Command::new(playbook_binary());
    cmd.arg("-i")
        .arg(&inventory)
        .arg(&playbook)
        .env("ANSIBLE_STDOUT_CALLBACK", "json")
        .env("ANSIBLE_HOST_KEY_CHECKING", "False")
        .env("ANSIBLE_LOCAL_TEMP", dir.join("tmp"))
        .env("ANSIBLE_HOME", dir.join("home"))
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_PERSISTENT_COMMAND_TIMEOUT", "30");
    // Ansible starts slowly (Python, the collections, a persistent connection): its own bound.
    let out =
        match tokio::task::spawn_blocking(move || run(cmd, std::time::Duration::from_secs(180)))
            .await
        {
            Ok(out) => out,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
    let report: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("ansible's json report: {e}\n{out:?}"));
    let stats = &report["stats"]["chr"];
    let failed: Vec<String> = report["plays"][0]["tasks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["hosts"]["chr"]["failed"] == true)
        .map(|t| format!("{}: {}", t["task"]["name"], t["hosts"]["chr"]["msg"]))
        .collect();
    assert!(
        failed.is_empty(),
        "failed tasks: {failed:#?}\nstderr: {}",
        out.stderr
    );
    assert_eq!(stats["failures"], 0, "{out:?}");
    assert_eq!(stats["unreachable"], 0, "{out:?}");

    let cmd = task_result(&report, "command");
    let lines = cmd["stdout_lines"].to_string();
    assert!(lines.contains("name: CHR"), "{cmd}");
    assert!(
        lines.contains("telnet") && lines.contains("winbox"),
        "{cmd}"
    );

    let facts = &task_result(&report, "facts")["ansible_facts"];
    assert_eq!(facts["ansible_net_hostname"], "CHR", "{facts}");
    assert!(
        facts["ansible_net_version"]
            .as_str()
            .is_some_and(|v| v.starts_with("7.23.7")),
        "{facts}"
    );
    assert!(
        facts["ansible_net_interfaces"].get("ether1").is_some(),
        "{facts}"
    );
    // The config subset reads `/export`, header included.
    let config = facts["ansible_net_config"].as_str().unwrap_or_default();
    assert!(config.contains("/ip dhcp-client"), "{facts}");

    let api = task_result(&report, "api_info");
    let names: Vec<&str> = api["result"]
        .as_array()
        .unwrap_or_else(|| panic!("api_info result: {api}"))
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert!(names.contains(&"telnet") && names.contains(&"api"), "{api}");
}
