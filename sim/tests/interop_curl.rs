//! Interop: `/usr/bin/curl` (Debian package `curl`) on the simulator's REST API, over www (HTTP) and
//! www-ssl (HTTPS), as the RouterOS manual's own examples use it.
//!
//! Addresses: simulators on 127.0.0.65–67, curl bound (`--interface`) to 127.0.0.75–77.
//! Ports: service port + 26000.

mod frontend_support;
mod interop;

use std::net::IpAddr;
use std::process::Command;

use chrlab_sim::SimHandle;
use frontend_support::{cli, log_has};
use interop::*;
use serde_json::{Value, json};

const CURL: &str = "/usr/bin/curl";
const INSTALL: &str = "apt-get install -y curl";

/// What curl got: HTTP status (0 when there was no HTTP answer), body, exit code, stderr.
#[derive(Debug)]
struct Reply {
    status: u16,
    body: String,
    exit: Option<i32>,
    stderr: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is JSON ({e}): {:?}", self.body))
    }
}

/// Runs `curl -sS` bound to `source` with `args`; the status code is appended by `-w`.
async fn curl(source: IpAddr, args: &[&str]) -> Reply {
    let mut cmd = Command::new(CURL);
    cmd.env_remove("http_proxy")
        .env_remove("https_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .args(["-q", "-sS", "--max-time", "20", "--noproxy", "*"])
        .args(["--interface", &source.to_string()])
        .args(["-w", "\n%{http_code}"])
        .args(args);
    let out = run_async(cmd).await;
    let (body, code) = out
        .stdout
        .rsplit_once('\n')
        .unwrap_or_else(|| panic!("curl printed a status: {out:?}"));
    Reply {
        status: code.trim().parse().unwrap_or(0),
        body: body.to_string(),
        exit: out.code(),
        stderr: out.stderr,
    }
}

fn rest(sim: &SimHandle, path: &str) -> String {
    format!("http://{}:{}/rest{path}", sim.address(), port(sim, "www"))
}

/// Every value of a REST object is a JSON string (FACTS §6).
fn assert_all_strings(v: &Value) {
    let obj = v.as_object().unwrap_or_else(|| panic!("an object: {v}"));
    for (k, val) in obj {
        assert!(val.is_string(), "{k} is a string in {v}");
    }
}

fn assert_id_form(id: &str) {
    let hex = id
        .strip_prefix('*')
        .unwrap_or_else(|| panic!(".id starts with `*`: {id}"));
    assert!(
        !hex.is_empty()
            && hex
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase()),
        ".id is `*` + upper-case hex: {id}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_curl_identity_401_and_errors() {
    require_binary(CURL, INSTALL);
    let sim = start_sim(lo(65)).await;
    let source = lo(75);

    let r = curl(source, &["-u", "admin:", &rest(&sim, "/system/identity")]).await;
    assert_eq!((r.exit, r.status), (Some(0), 200), "{r:?}");
    assert_eq!(r.json(), json!({"name": "CHR"}));

    // Wrong password: 401 with RouterOS's body, and a login-failure line naming curl's source address.
    let r = curl(
        source,
        &["-u", "admin:wrong", &rest(&sim, "/system/identity")],
    )
    .await;
    assert_eq!(r.status, 401, "{r:?}");
    assert_eq!(r.body, r#"{"error":401,"message":"Unauthorized"}"#);
    assert!(
        log_has(
            &sim,
            &format!("login failure for user admin from {source} via rest-api")
        )
        .await
    );

    // No credentials at all: 401 too.
    let r = curl(source, &[&rest(&sim, "/system/identity")]).await;
    assert_eq!(r.status, 401, "{r:?}");
    assert_eq!(r.json(), json!({"error": 401, "message": "Unauthorized"}));

    // Unknown path, unknown id: the captured 7.23.7 bodies.
    let r = curl(source, &["-u", "admin:", &rest(&sim, "/nonexistent")]).await;
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(
        r.json(),
        json!({"detail": "no such command or directory (nonexistent)", "error": 400, "message": "Bad Request"})
    );
    let r = curl(
        source,
        &["-u", "admin:", &rest(&sim, "/ip/firewall/address-list/*99")],
    )
    .await;
    assert_eq!(r.status, 404, "{r:?}");
    assert_eq!(r.json(), json!({"error": 404, "message": "Not Found"}));

    // HEAD is not implemented (501).
    let r = curl(
        source,
        &["-u", "admin:", "-I", &rest(&sim, "/system/identity")],
    )
    .await;
    assert_eq!(r.status, 501, "{r:?}");

    // The successful login is logged once, as rest-api and api.
    assert!(
        log_has(
            &sim,
            &format!("user admin logged in from {source} via rest-api")
        )
        .await
    );

    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_curl_put_patch_delete_print() {
    require_binary(CURL, INSTALL);
    let sim = start_sim(lo(66)).await;
    let source = lo(76);
    let json_ct = ["-H", "content-type: application/json"];
    let list = rest(&sim, "/ip/firewall/address-list");

    // PUT = add: the new object with its .id, every value a string.
    let mut args = vec!["-u", "admin:", "-X", "PUT"];
    args.extend(json_ct);
    args.extend([
        "-d",
        r#"{"list":"curl-interop","address":"192.0.2.66","comment":"from curl"}"#,
        &list,
    ]);
    let r = curl(source, &args).await;
    assert_eq!(r.status, 200, "{r:?}");
    let added = r.json();
    assert_all_strings(&added);
    let id = added[".id"].as_str().expect(".id").to_string();
    assert_id_form(&id);
    assert_eq!(added["list"], "curl-interop");
    assert_eq!(added["address"], "192.0.2.66");
    assert_eq!(added["comment"], "from curl");
    assert_eq!(added["disabled"], "false");
    assert_eq!(added["dynamic"], "false");

    // The model sees it.
    let printed = cli(
        &sim,
        "/ip firewall address-list print terse where list=curl-interop",
    );
    assert!(printed.contains("address=192.0.2.66"), "{printed:?}");

    // GET by id, GET with a query.
    let item = format!("{list}/{id}");
    let r = curl(source, &["-u", "admin:", &item]).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json(), added);
    let r = curl(
        source,
        &["-u", "admin:", &format!("{list}?list=curl-interop")],
    )
    .await;
    assert_eq!(r.json(), json!([added.clone()]));

    // PATCH = set: the whole object comes back, changed.
    let mut args = vec!["-u", "admin:", "-X", "PATCH"];
    args.extend(json_ct);
    args.extend(["-d", r#"{"comment":"patched","disabled":"true"}"#, &item]);
    let r = curl(source, &args).await;
    assert_eq!(r.status, 200, "{r:?}");
    let patched = r.json();
    assert_all_strings(&patched);
    let mut expected = added.clone();
    expected["comment"] = json!("patched");
    expected["disabled"] = json!("true");
    assert_eq!(patched, expected);

    // A duplicate add is refused.
    let mut args = vec!["-u", "admin:", "-X", "PUT"];
    args.extend(json_ct);
    args.extend([
        "-d",
        r#"{"list":"curl-interop","address":"192.0.2.66"}"#,
        &list,
    ]);
    let r = curl(source, &args).await;
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(r.json()["detail"], "failure: already have such entry");

    // An unknown parameter is refused (400, detail names it).
    let mut args = vec!["-u", "admin:", "-X", "PATCH"];
    args.extend(json_ct);
    args.extend(["-d", r#"{"nonsense":"1"}"#, &item]);
    let r = curl(source, &args).await;
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(r.json()["error"], 400);

    // DELETE = remove: 204, empty body; the item is gone (404) from REST and from the model.
    let r = curl(source, &["-u", "admin:", "-X", "DELETE", &item]).await;
    assert_eq!((r.status, r.body.as_str()), (204, ""), "{r:?}");
    let r = curl(source, &["-u", "admin:", &item]).await;
    assert_eq!(r.status, 404, "{r:?}");
    let r = curl(source, &["-u", "admin:", "-X", "DELETE", &item]).await;
    assert_eq!(r.status, 404, "{r:?}");
    assert_eq!(r.json(), json!({"error": 404, "message": "Not Found"}));
    let printed = cli(
        &sim,
        "/ip firewall address-list print terse where list=curl-interop",
    );
    assert!(!printed.contains("192.0.2.66"), "{printed:?}");

    // POST <path>/print with .proplist: only those fields (the manual's example has no .id).
    let mut args = vec!["-u", "admin:", "-X", "POST"];
    args.extend(json_ct);
    args.extend(["-d", r#"{".proplist":["name","port"]}"#]);
    let print = rest(&sim, "/ip/service/print");
    args.push(&print);
    let r = curl(source, &args).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        r.json(),
        json!([
            {"name": "telnet", "port": "23"},
            {"name": "ftp", "port": "21"},
            {"name": "www", "port": "80"},
            {"name": "ssh", "port": "22"},
            {"name": "www-ssl", "port": "443"},
            {"name": "api", "port": "8728"},
            {"name": "winbox", "port": "8291"},
            {"name": "api-ssl", "port": "8729"},
        ])
    );

    // GET ?.proplist= keeps .id on 7.23.7.
    let r = curl(
        source,
        &[
            "-u",
            "admin:",
            &rest(&sim, "/ip/service?.proplist=name,disabled&name=ssh"),
        ],
    )
    .await;
    assert_eq!(
        r.json(),
        json!([{".id": "*3", "name": "ssh", "disabled": "false"}])
    );

    // A command with arguments through POST: set, then read back.
    let mut args = vec!["-u", "admin:", "-X", "POST"];
    args.extend(json_ct);
    let set = rest(&sim, "/system/identity/set");
    args.extend(["-d", r#"{"name":"curl-router"}"#, &set]);
    let r = curl(source, &args).await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = curl(source, &["-u", "admin:", &rest(&sim, "/system/identity")]).await;
    assert_eq!(r.json(), json!({"name": "curl-router"}));
    assert_eq!(sim.router().identity(), "curl-router");

    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_curl_https_www_ssl() {
    require_binary(CURL, INSTALL);
    let sim = start_sim(lo(67)).await;
    let source = lo(77);
    let https_port = 443 + OFFSET;
    let https = |path: &str| format!("https://{}:{https_port}/rest{path}", sim.address());

    // www-ssl is disabled on a fresh router: nothing listens.
    assert_eq!(sim.port("www-ssl"), None);
    let r = curl(source, &["-k", "-u", "admin:", &https("/system/identity")]).await;
    assert_eq!(r.exit, Some(7), "connection refused: {r:?}");

    // Enable it over REST (HTTP), as an administrator would.
    let mut args = vec!["-u", "admin:", "-X", "PATCH"];
    args.extend(["-H", "content-type: application/json"]);
    let svc = rest(&sim, "/ip/service/www-ssl");
    args.extend(["-d", r#"{"disabled":"false"}"#, &svc]);
    let r = curl(source, &args).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["disabled"], "false");
    assert!(
        frontend_support::eventually(|| sim.port("www-ssl") == Some(https_port)).await,
        "www-ssl listens on {https_port}: {:?}",
        sim.listening()
    );

    // curl -k: the same REST over TLS.
    let r = curl(source, &["-k", "-u", "admin:", &https("/system/identity")]).await;
    assert_eq!((r.exit, r.status), (Some(0), 200), "{r:?}");
    assert_eq!(r.json(), json!({"name": "CHR"}));

    // Without -k the self-signed certificate is rejected (curl exit 60) ...
    let r = curl(source, &["-u", "admin:", &https("/system/identity")]).await;
    assert!(
        r.exit == Some(60) && r.stderr.contains("SSL certificate problem"),
        "self-signed certificate rejected: {r:?}"
    );

    // ... and with it pinned as the CA (name `localhost` from its SAN) it verifies.
    let dir = TempDir::new("curl-ca");
    let pem_path = dir.path().join("router.pem");
    std::fs::write(&pem_path, pem(sim.tls_certificate())).expect("write pem");
    let resolve = format!("localhost:{https_port}:{}", sim.address());
    let url = format!("https://localhost:{https_port}/rest/system/identity");
    let r = curl(
        source,
        &[
            "--cacert",
            pem_path.to_str().expect("utf-8 path"),
            "--resolve",
            &resolve,
            "-u",
            "admin:",
            &url,
        ],
    )
    .await;
    assert_eq!((r.exit, r.status), (Some(0), 200), "{r:?}");
    assert_eq!(r.json(), json!({"name": "CHR"}));

    // A wrong password over HTTPS: 401 and a rest-api login failure.
    let r = curl(
        source,
        &["-k", "-u", "admin:wrong", &https("/system/identity")],
    )
    .await;
    assert_eq!(r.status, 401, "{r:?}");
    assert_eq!(r.body, r#"{"error":401,"message":"Unauthorized"}"#);
    assert!(
        log_has(
            &sim,
            &format!("login failure for user admin from {source} via rest-api")
        )
        .await
    );

    // Disabling www-ssl closes the port again.
    let r = curl(
        source,
        &[
            "-k",
            "-u",
            "admin:",
            "-X",
            "PATCH",
            "-H",
            "content-type: application/json",
            "-d",
            r#"{"disabled":"true"}"#,
            &https("/ip/service/www-ssl"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(frontend_support::eventually(|| sim.port("www-ssl").is_none()).await);
    let r = curl(source, &["-k", "-u", "admin:", &https("/system/identity")]).await;
    assert_eq!(r.exit, Some(7), "connection refused after disable: {r:?}");

    sim.shutdown().await;
}

/// DER → PEM.
fn pem(der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ascii"));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}
