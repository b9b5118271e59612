//! The harness's binary-API, REST, telnet and FTP clients against the embedded simulator on
//! loopback: each logs in with the right password, is refused (as `LoginRefused`) with a wrong
//! one, reads what it is meant to read, and the refusal is logged from the vantage's address.
//!
//! Every test runs its own simulator on its own 127.0.0.N address and port offset, and connects
//! from a vantage bound to its own source address 127.0.0.(100+N).

use std::net::SocketAddr;
use std::time::Duration;

use chrlab::client::ClientError;
use chrlab::client::api::ApiClient;
use chrlab::client::rest::RestClient;
use chrlab::client::terminal::{ftp_login, telnet_login};
use chrlab::vantage::Vantage;
use chrlab_sim::{RouterConfig, SimHandle};
use support::{addr, log_messages, loopback, sim_at};

mod support;

const LIMIT: Duration = Duration::from_secs(5);

/// The eight fixed services of `/ip service` (FACTS §2).
const SERVICES: [&str; 8] = [
    "telnet", "ftp", "www", "ssh", "www-ssl", "api", "winbox", "api-ssl",
];

/// A simulator on 127.0.0.`n` (ports + `offset`) and a vantage whose connections leave from
/// 127.0.0.(100+`n`).
async fn lab(n: u8, offset: u16) -> (SimHandle, Vantage) {
    let sim = sim_at(n, offset, RouterConfig::default()).await;
    let vantage =
        Vantage::local_bound(&format!("clients-{n}"), loopback(100 + n)).expect("bound vantage");
    (sim, vantage)
}

fn assert_logged(sim: &SimHandle, expected: &str) {
    let log = log_messages(sim);
    assert!(
        log.iter().any(|m| m == expected),
        "{expected:?} not in {log:#?}"
    );
}

fn assert_refused<T: std::fmt::Debug>(
    result: Result<T, ClientError>,
    service: &str,
    user: &str,
    at: SocketAddr,
) {
    match result {
        Err(ClientError::LoginRefused {
            service: s,
            user: u,
            addr,
        }) => assert_eq!((s, u.as_str(), addr), (service, user, at)),
        other => panic!("expected {service} LoginRefused, got {other:?}"),
    }
}

fn names(rows: &[Vec<(String, String)>]) -> Vec<String> {
    rows.iter()
        .map(|row| {
            row.iter()
                .find(|(k, _)| k == "name")
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("row without name: {row:?}"))
        })
        .collect()
}

#[tokio::test]
async fn api_login_reads_the_services_and_refuses_a_wrong_password() {
    let (sim, vantage) = lab(51, 25000).await;
    let at = addr(&sim, "api");
    let rows = vantage
        .run(move || async move {
            let mut api = ApiClient::login(at, "admin", "", LIMIT).await?;
            api.rows(&["/ip/service/print".to_string()]).await
        })
        .await
        .expect("api login and /ip/service/print");
    assert_eq!(rows.len(), 8, "{rows:#?}");
    let mut got = names(&rows);
    got.sort();
    let mut want: Vec<String> = SERVICES.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(got, want);
    let api_row = &rows[names(&rows).iter().position(|n| n == "api").unwrap()];
    assert!(
        api_row.contains(&("port".to_string(), "8728".to_string())),
        "{api_row:?}"
    );
    // A command the router does not know is a Command error, not a login problem.
    let bad = vantage
        .run(move || async move {
            let mut api = ApiClient::login(at, "admin", "", LIMIT).await?;
            api.rows(&["/no/such/menu/print".to_string()]).await
        })
        .await;
    assert!(
        matches!(bad, Err(ClientError::Command { .. })),
        "expected a Command error, got {bad:?}"
    );
    let refused = vantage
        .run(move || async move {
            ApiClient::login(at, "admin", "wrong-password", LIMIT)
                .await
                .map(|_| ())
        })
        .await;
    assert_refused(refused, "api", "admin", at);
    assert_logged(
        &sim,
        "login failure for user admin from 127.0.0.151 via api",
    );
    vantage.shutdown();
    sim.shutdown().await;
}

#[tokio::test]
async fn rest_reads_the_services_and_maps_401_to_login_refused() {
    let (sim, vantage) = lab(52, 26000).await;
    let at = addr(&sim, "www");
    let rows = vantage
        .run(move || async move {
            let rest = RestClient::new(at, false, "admin", "", LIMIT)?;
            rest.rows("/ip/service").await
        })
        .await
        .expect("GET /rest/ip/service");
    assert_eq!(rows.len(), 8, "{rows:#?}");
    let mut got = names(&rows);
    got.sort();
    let mut want: Vec<String> = SERVICES.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(got, want);
    assert!(
        rows.iter().all(|r| r.iter().any(|(k, _)| k == ".id")),
        "{rows:#?}"
    );
    let refused = vantage
        .run(move || async move {
            let rest = RestClient::new(at, false, "admin", "wrong-password", LIMIT)?;
            rest.rows("/ip/service").await
        })
        .await;
    assert_refused(refused, "rest", "admin", at);
    assert_logged(
        &sim,
        "login failure for user admin from 127.0.0.152 via rest-api",
    );
    // A RouterOS error answer (not 401) stays a Command error.
    let missing = vantage
        .run(move || async move {
            let rest = RestClient::new(at, false, "admin", "", LIMIT)?;
            rest.get("/no/such/menu").await
        })
        .await;
    assert!(
        matches!(missing, Err(ClientError::Command { .. })),
        "expected a Command error, got {missing:?}"
    );
    vantage.shutdown();
    sim.shutdown().await;
}

#[tokio::test]
async fn telnet_login_accepts_the_right_password_and_refuses_a_wrong_one() {
    let (sim, vantage) = lab(53, 27000).await;
    let at = addr(&sim, "telnet");
    let ok = vantage
        .run(move || async move { telnet_login(at, "admin", "", LIMIT).await })
        .await;
    assert!(ok.is_ok(), "{ok:?}");
    assert_logged(&sim, "user admin logged in from 127.0.0.153 via telnet");
    let refused = vantage
        .run(move || async move { telnet_login(at, "admin", "wrong-password", LIMIT).await })
        .await;
    assert_refused(refused, "telnet", "admin", at);
    assert_logged(
        &sim,
        "login failure for user admin from 127.0.0.153 via telnet",
    );
    vantage.shutdown();
    sim.shutdown().await;
}

#[tokio::test]
async fn ftp_login_accepts_the_right_password_and_refuses_a_wrong_one() {
    let (sim, vantage) = lab(54, 28000).await;
    let at = addr(&sim, "ftp");
    let greeting = vantage
        .run(move || async move { ftp_login(at, "admin", "", LIMIT).await })
        .await
        .expect("ftp login as admin");
    assert_eq!(greeting, "220 CHR FTP server (MikroTik 7.23.7) ready");
    let refused = vantage
        .run(move || async move { ftp_login(at, "admin", "wrong-password", LIMIT).await })
        .await;
    assert_refused(refused, "ftp", "admin", at);
    assert_logged(
        &sim,
        "login failure for user admin from 127.0.0.154 via ftp",
    );
    vantage.shutdown();
    sim.shutdown().await;
}
