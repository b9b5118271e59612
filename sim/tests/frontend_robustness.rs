//! Floods and garbage on every port: no crash, no hang, the model intact afterwards; winbox refuses.

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

/// Reads what the server sends until it closes (at most 5 s, 4 KiB).
async fn until_closed(s: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
            .await
            .expect("winbox answers and closes within 5 s")
            .unwrap_or(0);
        if n == 0 || got.len() > 4096 {
            return got;
        }
        got.extend_from_slice(&buf[..n]);
    }
}

/// WinBox refuses, never silently: a message it will not serve (an old `index` request, an HTTP
/// request) gets the M2 reply nmap records from real routers (`SYS_TO` = `[]`, then `SYS_FROM`)
/// and the connection closes; an EC-SRP5 login (tag 6) is closed at once, with no bytes made up.
#[tokio::test]
async fn frontend_winbox_refuses_what_it_cannot_serve() {
    let sim = sim().await;
    // nmap's `winbox` match: ^.\x01\0.M2\x01\0\xff\x88\0\0\x02\0\xff\x88[\x01\x02]\0
    let nmap_prefix = |r: &[u8]| {
        r.len() > 18
            && r[1] == 0x01
            && r[2] == 0
            && &r[4..16] == b"M2\x01\x00\xff\x88\x00\x00\x02\x00\xff\x88"
            && (r[16] == 1 || r[16] == 2)
            && r[17] == 0
    };
    for request in [
        &b"\x12\x02index\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"[..],
        &b"GET / HTTP/1.0\r\n\r\n"[..],
    ] {
        let mut s = TcpStream::connect(addr(&sim, "winbox", sim.address()))
            .await
            .unwrap();
        s.write_all(request).await.unwrap();
        let reply = until_closed(&mut s).await;
        assert!(nmap_prefix(&reply), "{request:?} → {reply:?}");
        assert_eq!(reply[0] as usize, reply.len() - 2, "one chunk: {reply:?}");
    }
    // EC-SRP5 init: [length][6]["admin\0"][32-byte public key][parity].
    let mut init = vec![39u8, 0x06];
    init.extend_from_slice(b"admin\0");
    init.extend_from_slice(&[0x11; 33]);
    let mut s = TcpStream::connect(addr(&sim, "winbox", sim.address()))
        .await
        .unwrap();
    s.write_all(&init).await.unwrap();
    assert_eq!(until_closed(&mut s).await, b"", "closed, nothing invented");
    assert!(
        !log_messages(&sim).contains("via winbox"),
        "nobody logs in over winbox"
    );
    sim.shutdown().await;
}
