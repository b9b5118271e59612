//! Telnet over a real socket, byte for byte against the tik4net captures (7.23.2 and 6.49.13).

mod frontend_support;

use frontend_support::*;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const NEGOTIATION: [u8; 9] = [255, 251, 1, 255, 251, 3, 255, 253, 31];

fn tr(name: &str) -> Vec<u8> {
    corpus(&format!("transcripts/tik4net/{name}"))
}

/// Connects and checks the negotiation + `Login: ` (7.23.2 file 01 is what follows the IAC bytes).
async fn connect(sim: &chrlab_sim::SimHandle) -> TcpStream {
    let mut s = TcpStream::connect(addr(sim, "telnet", sim.address()))
        .await
        .expect("connect");
    let mut expected = NEGOTIATION.to_vec();
    expected.extend_from_slice(&tr("v7.23.2_telnet_01_login_prompt.txt"));
    assert_eq!(read_exact(&mut s, expected.len()).await, expected);
    s
}

#[tokio::test]
async fn frontend_telnet_v7_login_nag_and_prompt_match_the_capture() {
    let sim = sim().await;
    let mut s = connect(&sim).await;
    s.write_all(b"admin+ct\r\n").await.unwrap();
    let expected = tr("v7.23.2_telnet_02_password_prompt.txt");
    assert_eq!(read_exact(&mut s, expected.len()).await, expected);

    s.write_all(b"\r\n").await.unwrap();
    let got = read_until(&mut s, b"new password> \rnew password> ").await;
    let capture = tr("v7.23.2_telnet_03_banner_and_nag.txt");
    // 26 x CR LF open the screen, as captured.
    assert!(
        got.starts_with(&b"\r\n".repeat(26)),
        "{:?}",
        String::from_utf8_lossy(&got)
    );
    // The version line and everything after it are byte-exact (tik4net elided the logo lines).
    let tail = |b: &[u8]| {
        let at = b
            .windows(20)
            .position(|w| w == b"  MikroTik RouterOS ")
            .expect("version line");
        b[at..].to_vec()
    };
    let got_tail = tail(&got);
    let want_tail = String::from_utf8(tail(&capture))
        .unwrap()
        .replace("7.23.2 (c)", &format!("{} (c)", sim.router().version()));
    let got_text = String::from_utf8_lossy(&got_tail).to_string();
    let (want_head, want_rest) = want_tail.split_once("(c) 1999-").unwrap();
    let (got_head, got_rest) = got_text.split_once("(c) 1999-").unwrap();
    assert_eq!(got_head, want_head);
    // After the copyright year the bytes match exactly.
    assert_eq!(&got_rest[4..], &want_rest[4..]);

    s.write_all(&[3]).await.unwrap();
    let expected = tr("v7.23.2_telnet_04_prompt_after_ctrl-c.txt");
    assert_eq!(read_exact(&mut s, expected.len()).await, expected);

    // A command: echo, output, prompt.
    s.write_all(b"/system identity print\r\n").await.unwrap();
    let out = read_until(&mut s, b"[admin@CHR] > ").await;
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("/system identity print\r\n"), "{text:?}");
    assert!(text.contains("name: CHR\r\n"), "{text:?}");

    // Backspace erases.
    s.write_all(b"/quix\x7ft\r\n").await.unwrap();
    assert!(closed_by_peer(&mut s).await);
    assert!(log_has(&sim, "user admin logged in from ").await);
    assert!(log_has(&sim, " via telnet").await);
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_telnet_wrong_password_matches_the_capture_and_is_logged() {
    let sim = sim().await;
    let mut s = connect(&sim).await;
    // CR NUL line ends (RFC 854) work too.
    s.write_all(b"admin\r\0").await.unwrap();
    assert_eq!(read_exact(&mut s, 17).await, b"admin\r\nPassword: ");
    s.write_all(b"wrong\r\0").await.unwrap();
    let expected = tr("v7.23.2_telnet_05_login_refused.txt");
    assert_eq!(read_exact(&mut s, expected.len()).await, expected);
    let ip = client_ip(&sim).await;
    assert!(
        log_has(
            &sim,
            &format!("login failure for user admin from {ip} via telnet")
        )
        .await
    );
    // The dialogue starts over and a good login still works.
    s.write_all(b"admin\r\n\r\n").await.unwrap();
    let got = read_until(&mut s, b"new password> \rnew password> ").await;
    assert!(got.ends_with(b"new password> \rnew password> "));
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_telnet_v6_nag_and_prompt_match_the_capture() {
    let sim = sim_with(Some("6.49.13"), Some("CHR2")).await;
    let mut s = connect(&sim).await;
    s.write_all(b"admin+c\r\n").await.unwrap();
    let expected = tr("v6.49.13_telnet_02_password_prompt.txt");
    assert_eq!(read_exact(&mut s, expected.len()).await, expected);
    s.write_all(b"\r\n").await.unwrap();
    let got = read_until(&mut s, b"new password> \rnew password> \x1b[K").await;
    let text = String::from_utf8_lossy(&got);
    assert!(
        text.contains("\r  MikroTik RouterOS 6.49.13 (c) 1999-"),
        "{text:?}"
    );
    assert!(text.contains("http://www.mikrotik.com/\r\n"), "{text:?}");
    // The nag as captured (without the pending critical line, which this router does not have).
    let nag = tr("v6.49.13_telnet_04_nag.txt");
    let want = [&b"\r\nChange your password\r\n\x1bZ  \x1b[6n"[..], &nag].concat();
    assert!(got.ends_with(&want), "{text:?}");
    s.write_all(&[3]).await.unwrap();
    let expected = tr("v6.49.13_telnet_05_prompt_after_ctrl-c.txt");
    assert_eq!(read_exact(&mut s, expected.len()).await, expected);
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_telnet_echo_reaches_an_idle_session() {
    let sim = sim().await;
    let mut s = connect(&sim).await;
    s.write_all(b"admin\r\n\r\n").await.unwrap();
    read_until(&mut s, b"new password> \rnew password> ").await;
    s.write_all(&[3]).await.unwrap();
    read_until(&mut s, b"[admin@CHR] > ").await;
    // Another client fails an API login: a critical line is echoed into this session.
    let _ = sim
        .router()
        .login("admin", "bad", chrlab_sim::Via::Api, Some(sim.address()));
    let got = read_until(&mut s, b"[admin@CHR] > ").await;
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with('\r'), "{text:?}");
    assert!(
        text.contains("echo: system,error,critical login failure for user admin from"),
        "{text:?}"
    );
    assert!(
        text.ends_with("via api\x1b[K\r\n\r\x1b[9999B[admin@CHR] > "),
        "{text:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_telnet_nag_sets_a_new_password() {
    let sim = sim().await;
    let mut s = connect(&sim).await;
    s.write_all(b"admin\r\n\r\n").await.unwrap();
    read_until(&mut s, b"new password> \rnew password> ").await;
    s.write_all(b"s3cret\r\n").await.unwrap();
    read_until(&mut s, b"repeat new password> ").await;
    s.write_all(b"s3cret\r\n").await.unwrap();
    let got = read_until(&mut s, b"[admin@CHR] > ").await;
    assert!(String::from_utf8_lossy(&got).contains("Password changed"));
    assert!(
        sim.router()
            .login("admin", "s3cret", chrlab_sim::Via::Telnet, None)
            .is_ok()
    );
    assert!(
        sim.router()
            .login("admin", "", chrlab_sim::Via::Telnet, None)
            .is_err()
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_telnet_prints_pending_critical_lines_after_the_banner() {
    let sim = sim().await;
    let from: std::net::IpAddr = "192.0.2.10".parse().unwrap();
    let _ = sim
        .router()
        .login("admin", "bad", chrlab_sim::Via::Api, Some(from));
    let mut s = connect(&sim).await;
    s.write_all(b"admin+ct\r\n").await.unwrap();
    read_until(&mut s, b"Password: ").await;
    s.write_all(b"\r\n").await.unwrap();
    let got = read_until(&mut s, b"new password> \rnew password> ").await;
    let text = String::from_utf8_lossy(&got);
    let line = "system,error,critical login failure for user admin from 192.0.2.10 via api\r\n";
    let at = text.find(line).unwrap_or_else(|| panic!("{text:?}"));
    // Right after the cursor moves: the line's timestamp (`2026-11-25 08:34:00 `), then the line.
    let moves = text
        .find("Press F1 for help\r\n\r\x1b[9999B\r\x1b[9999B")
        .expect("banner end");
    let stamp = &text[moves + 35..at];
    assert_eq!(stamp.len(), 20, "{stamp:?}");
    assert!(stamp.starts_with("20") && stamp.ends_with(' '), "{stamp:?}");
    assert!(
        text[at..].contains("\r\n\r\n\r\nChange your password (Ctrl-C to skip)\r\n"),
        "{text:?}"
    );
    sim.shutdown().await;
}
