//! Floods and garbage on every port: no crash, no hang, the model intact afterwards; winbox stays silent.

mod frontend_support;

use std::time::Duration;

use frontend_support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frontend_flood_of_200_connections_with_garbage() {
    let sim = sim().await;
    let ip = sim.address();
    let services = ["telnet", "ftp", "www", "ssh", "api", "winbox", "api-ssl"];
    let ports: Vec<u16> = services.iter().map(|s| sim.port(s).unwrap()).collect();
    let mut tasks = Vec::new();
    for i in 0..200usize {
        let port = ports[i % ports.len()];
        tasks.push(tokio::spawn(async move {
            let Ok(Ok(mut s)) =
                tokio::time::timeout(Duration::from_secs(5), TcpStream::connect((ip, port))).await
            else {
                return;
            };
            let garbage: Vec<u8> = (0..2048u32)
                .map(|n| (n.wrapping_mul(2654435761) >> 13) as u8 ^ i as u8)
                .collect();
            let _ = s.write_all(&garbage).await;
            let mut buf = [0u8; 1024];
            let _ = tokio::time::timeout(Duration::from_millis(300), s.read(&mut buf)).await;
        }));
    }
    for t in tasks {
        tokio::time::timeout(Duration::from_secs(20), t)
            .await
            .expect("client finished")
            .expect("client task");
    }
    // The model is intact and every front end still answers.
    assert!(cli(&sim, "/system identity print").contains("name: CHR"));
    let r = reqwest::Client::new()
        .get(format!("http://{}/rest/ip/service", addr(&sim, "www", ip)))
        .basic_auth("admin", Some(""))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut t = TcpStream::connect(addr(&sim, "telnet", ip)).await.unwrap();
    assert!(read_until(&mut t, b"Login: ").await.ends_with(b"Login: "));
    let mut a = TcpStream::connect(addr(&sim, "api", ip)).await.unwrap();
    a.write_all(&routeros::api::encode_sentence(&[
        "/login",
        "=name=admin",
        "=password=",
    ]))
    .await
    .unwrap();
    assert_eq!(read_exact(&mut a, 7).await, b"\x05!done\x00");
    tokio::time::timeout(Duration::from_secs(10), sim.shutdown())
        .await
        .expect("shutdown does not hang");
}

#[tokio::test]
async fn frontend_winbox_accepts_reads_and_answers_nothing() {
    let sim = sim().await;
    let mut s = TcpStream::connect(addr(&sim, "winbox", sim.address()))
        .await
        .unwrap();
    s.write_all(b"\x12\x02index\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")
        .await
        .unwrap();
    let mut buf = [0u8; 64];
    let got = tokio::time::timeout(Duration::from_millis(500), s.read(&mut buf)).await;
    assert!(got.is_err(), "winbox sends no bytes: {got:?}");
    sim.shutdown().await;
}
