//! Binary API over real sockets: byte-exact login replies (go-routeros vectors), /quit, not-logged-in,
//! bad framing, tags, and api-ssl.

mod frontend_support;

use std::sync::Arc;

use frontend_support::*;
use routeros::api::{Decoder, encode_sentence};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

async fn api(sim: &chrlab_sim::SimHandle) -> TcpStream {
    TcpStream::connect(addr(sim, "api", sim.address()))
        .await
        .expect("connect api")
}

/// Reads reply sentences until one starts with `!done`/`!fatal` (inclusive).
async fn replies<S: AsyncRead + Unpin>(s: &mut S) -> Vec<Vec<String>> {
    let mut d = Decoder::new(1 << 20);
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        while let Some(sentence) = d.next_sentence().expect("valid reply") {
            let last = matches!(
                sentence.first().map(String::as_str),
                Some("!done" | "!fatal")
            );
            out.push(sentence);
            if last {
                return out;
            }
        }
        let n = tokio::time::timeout(std::time::Duration::from_secs(5), s.read(&mut buf))
            .await
            .expect("reply in time")
            .expect("read");
        assert!(n > 0, "closed before !done: {out:?}");
        d.feed(&buf[..n]);
    }
}

async fn login<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S) {
    s.write_all(&encode_sentence(&["/login", "=name=admin", "=password="]))
        .await
        .unwrap();
    assert_eq!(replies(s).await, vec![vec!["!done".to_string()]]);
}

#[tokio::test]
async fn frontend_api_login_bytes_match_the_go_routeros_vectors() {
    let sim = sim().await;
    cli(&sim, "/user add name=userTest password=passTest group=full");

    let mut s = api(&sim).await;
    let request = &hex_requests("api/go-routeros/login_post643_ok.hex")[0];
    s.write_all(request).await.unwrap();
    let want = hex_replies("api/go-routeros/login_post643_ok.hex").concat();
    assert_eq!(read_exact(&mut s, want.len()).await, want);

    cli(&sim, "/user set userTest password=other");
    let mut s = api(&sim).await;
    s.write_all(request).await.unwrap();
    let want = hex_replies("api/go-routeros/login_post643_incorrect.hex").concat();
    assert_eq!(read_exact(&mut s, want.len()).await, want);
    let ip = client_ip(&sim).await;
    assert!(
        log_has(
            &sim,
            &format!("login failure for user userTest from {ip} via api")
        )
        .await
    );
    assert!(
        log_has(&sim, &format!("user userTest logged in from {ip} via api")).await,
        "{}",
        log_messages(&sim)
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_api_quit_matches_the_librouteros_transcript() {
    let sim = sim().await;
    let mut s = api(&sim).await;
    login(&mut s).await;
    s.write_all(&hex_requests("api/librouteros/quit_fatal.hex")[0])
        .await
        .unwrap();
    let want = hex_replies("api/librouteros/quit_fatal.hex").concat();
    assert_eq!(read_exact(&mut s, want.len()).await, want);
    assert!(closed_by_peer(&mut s).await);
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_api_command_before_login_is_fatal() {
    let sim = sim().await;
    let mut s = api(&sim).await;
    s.write_all(&encode_sentence(&["/ip/service/print"]))
        .await
        .unwrap();
    let want = b"\x06!fatal\x0dnot logged in\x00";
    assert_eq!(read_exact(&mut s, want.len()).await, want);
    assert!(closed_by_peer(&mut s).await);
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_api_bad_length_and_oversized_words_are_fatal() {
    let sim = sim().await;
    // Reserved first byte.
    let mut s = api(&sim).await;
    s.write_all(&[0xF8, 1, 2, 3, 4]).await.unwrap();
    let want = b"\x06!fatal\x0dnot logged in\x00";
    assert_eq!(read_exact(&mut s, want.len()).await, want);
    assert!(closed_by_peer(&mut s).await);
    // A word announced at 256 MiB.
    let mut s = api(&sim).await;
    login(&mut s).await;
    s.write_all(&[0xF0, 0x10, 0, 0, 0]).await.unwrap();
    let got = replies(&mut s).await;
    assert_eq!(got[0][0], "!fatal");
    assert!(closed_by_peer(&mut s).await);
    // Millions of one-byte words and no end of sentence.
    let mut s = api(&sim).await;
    login(&mut s).await;
    let flood = b"\x01A".repeat(5 * 1024 * 1024);
    let (mut rd, mut wr) = s.split();
    let writer = async {
        let _ = wr.write_all(&flood).await;
    };
    let (_, got) = tokio::join!(writer, replies(&mut rd));
    assert_eq!(got[0][0], "!fatal");
    // The router still answers.
    let mut s = api(&sim).await;
    login(&mut s).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_api_print_with_tag_and_cancel() {
    let sim = sim().await;
    let mut s = api(&sim).await;
    login(&mut s).await;
    s.write_all(&encode_sentence(&["/ip/service/print", ".tag=7"]))
        .await
        .unwrap();
    let got = replies(&mut s).await;
    let rows: Vec<_> = got.iter().filter(|r| r[0] == "!re").collect();
    assert!(rows.len() >= 8, "{got:?}");
    for r in &got {
        assert_eq!(r[1], ".tag=7", "{r:?}");
    }
    assert!(rows.iter().any(|r| r.contains(&"=name=telnet".to_string())));
    assert_eq!(got.last().unwrap()[0], "!done");
    s.write_all(&encode_sentence(&["/cancel", "=tag=7", ".tag=8"]))
        .await
        .unwrap();
    assert_eq!(
        replies(&mut s).await,
        vec![vec!["!done".to_string(), ".tag=8".to_string()]]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_api_ssl_speaks_tls_with_the_generated_certificate() {
    let sim = sim().await;
    let port = sim.port("api-ssl").expect("api-ssl listens by default");
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(
            sim.tls_certificate().to_vec(),
        ))
        .unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect((sim.address(), port)).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.expect("tls handshake");
    login(&mut tls).await;
    tls.write_all(&encode_sentence(&["/system/identity/print"]))
        .await
        .unwrap();
    let got = replies(&mut tls).await;
    assert!(
        got.iter().any(|r| r.contains(&"=name=CHR".to_string())),
        "{got:?}"
    );
    sim.shutdown().await;
}
