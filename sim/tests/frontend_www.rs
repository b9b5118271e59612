//! www (REST over HTTP) and www-ssl with reqwest over real sockets.

mod frontend_support;

use frontend_support::*;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

fn base(sim: &chrlab_sim::SimHandle) -> String {
    format!("http://{}", addr(sim, "www", sim.address()))
}

#[tokio::test]
async fn frontend_www_rest_get_service_401_404_head() {
    let sim = sim().await;
    let client = reqwest::Client::new();
    let url = format!("{}/rest/ip/service", base(&sim));

    let r = client
        .get(&url)
        .basic_auth("admin", Some(""))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let rows: serde_json::Value = r.json().await.unwrap();
    let names: Vec<_> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    assert!(
        names.contains(&"www".to_string()) && names.contains(&"api-ssl".to_string()),
        "{names:?}"
    );

    let r = client.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.text().await.unwrap(),
        r#"{"error":401,"message":"Unauthorized"}"#
    );

    let r = client
        .get(&url)
        .basic_auth("admin", Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.text().await.unwrap(),
        r#"{"error":401,"message":"Unauthorized"}"#
    );
    let ip = client_ip(&sim).await;
    assert!(
        log_has(
            &sim,
            &format!("login failure for user admin from {ip} via rest-api")
        )
        .await
    );
    assert!(
        log_has(
            &sim,
            &format!("user admin logged in from {ip} via rest-api")
        )
        .await
    );

    let r = client
        .get(format!("{url}/*99"))
        .basic_auth("admin", Some(""))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.text().await.unwrap(),
        r#"{"error":404,"message":"Not Found"}"#
    );

    let r = client
        .head(&url)
        .basic_auth("admin", Some(""))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 501);

    let r = client.get(base(&sim)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("<title>RouterOS router configuration page</title>")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_www_survives_bad_json_huge_bodies_and_slow_clients() {
    let sim = sim().await;
    let client = reqwest::Client::new();
    let url = format!("{}/rest/ip/service/*0", base(&sim));
    let r = client
        .patch(&url)
        .basic_auth("admin", Some(""))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    let r = client
        .patch(&url)
        .basic_auth("admin", Some(""))
        .body(vec![b'x'; 3 * 1024 * 1024])
        .send()
        .await;
    if let Ok(r) = r {
        assert_eq!(r.status(), 413);
    }
    // A client that sends half a request line and stalls does not block others.
    let mut slow = TcpStream::connect(addr(&sim, "www", sim.address()))
        .await
        .unwrap();
    slow.write_all(b"GET /rest/ip/serv").await.unwrap();
    let r = client
        .get(format!("{}/rest/system/identity", base(&sim)))
        .basic_auth("admin", Some(""))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("CHR"));
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_www_ssl_serves_rest_once_enabled() {
    let sim = sim().await;
    assert_eq!(
        sim.port("www-ssl"),
        None,
        "www-ssl is disabled on a fresh router"
    );
    cli(&sim, "/ip service enable www-ssl");
    assert!(eventually(|| sim.port("www-ssl").is_some()).await);
    let cert = reqwest::Certificate::from_der(sim.tls_certificate()).unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([cert])
        .resolve("localhost", addr(&sim, "www-ssl", sim.address()))
        .build()
        .unwrap();
    let port = sim.port("www-ssl").unwrap();
    let r = client
        .get(format!("https://localhost:{port}/rest/system/identity"))
        .basic_auth("admin", Some(""))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("CHR"));
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_www_has_no_rest_on_routeros_6() {
    // REST is a v7 feature (FACTS §6): a v6 web server has no such page, and must not answer
    // with a REST error body that would tell a client REST exists.
    let sim = sim_with(Some("6.49.13"), None).await;
    let r = reqwest::Client::new()
        .get(format!("{}/rest/system/identity", base(&sim)))
        .basic_auth("admin", Some(""))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let content_type = r.headers()[reqwest::header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let body = r.text().await.unwrap();
    assert!(
        serde_json::from_str::<serde_json::Value>(&body).is_err(),
        "{body}"
    );
    sim.shutdown().await;
}
