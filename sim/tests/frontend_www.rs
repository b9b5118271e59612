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

/// Everything the server sends for one raw request, up to its close (HTTP/1.0) or `limit` bytes.
async fn raw_exchange(sim: &chrlab_sim::SimHandle, request: &[u8]) -> String {
    use tokio::io::AsyncReadExt;
    let mut s = TcpStream::connect(addr(sim, "www", sim.address()))
        .await
        .unwrap();
    s.write_all(request).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(std::time::Duration::from_secs(5), s.read(&mut buf))
            .await
            .expect("the server answers within 5 s")
            .unwrap();
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got);
        if text.contains("</html>\n") {
            break;
        }
    }
    String::from_utf8(got).unwrap()
}

/// The front page as nmap's fingerprint of a RouterOS web server ("MikroTik router config httpd",
/// `nmap-service-probes`) expects it: `HTTP/1.0 200 OK` to an HTTP/1.0 request, a
/// `Content-Type: text/html` header, then `<!DOCTYPE html PUBLIC` … `<title>RouterOS router
/// configuration page</title>`. HTTP/1.1 gets the same page with an HTTP/1.1 status line.
#[tokio::test]
async fn frontend_www_front_page_as_scanners_fingerprint_it() {
    let sim = sim().await;
    let reply = raw_exchange(&sim, b"GET / HTTP/1.0\r\n\r\n").await;
    assert!(reply.starts_with("HTTP/1.0 200 OK\r\n"), "{reply}");
    let (head, body) = reply.split_once("\r\n\r\n").expect("head and body");
    assert!(
        head.split("\r\n").any(|h| h == "Content-Type: text/html"),
        "{head}"
    );
    assert!(body.starts_with("<!DOCTYPE html PUBLIC "), "{body}");
    assert!(
        body.contains("\n<title>RouterOS router configuration page</title>\n"),
        "{body}"
    );

    let reply = raw_exchange(&sim, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"), "{reply}");
    assert!(reply.contains("\r\n\r\n<!DOCTYPE html PUBLIC "), "{reply}");
    sim.shutdown().await;
}
