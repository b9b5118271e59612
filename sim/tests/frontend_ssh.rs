//! SSH with a russh client over a real socket: identification, exec, shell with the nag, wrong password,
//! strong-crypto.

mod frontend_support;

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use frontend_support::*;
use russh::client;
use russh::{ChannelMsg, Preferred, kex, mac};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

struct AcceptAll;

impl client::Handler for AcceptAll {
    type Error = russh::Error;
    async fn check_server_key(
        &mut self,
        _key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

async fn connect_with(
    sim: &chrlab_sim::SimHandle,
    preferred: Preferred,
) -> Result<client::Handle<AcceptAll>, russh::Error> {
    let config = client::Config {
        preferred,
        ..Default::default()
    };
    client::connect(Arc::new(config), addr(sim, "ssh", sim.address()), AcceptAll).await
}

async fn login(sim: &chrlab_sim::SimHandle, password: &str) -> (client::Handle<AcceptAll>, bool) {
    let mut h = connect_with(sim, Preferred::default())
        .await
        .expect("ssh connects");
    let ok = h
        .authenticate_password("admin", password)
        .await
        .expect("auth exchange")
        .success();
    (h, ok)
}

#[tokio::test]
async fn frontend_ssh_identification_is_rossssh() {
    let sim = sim().await;
    let mut s = TcpStream::connect(addr(&sim, "ssh", sim.address()))
        .await
        .unwrap();
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(
        buf[..n].starts_with(b"SSH-2.0-ROSSSH\r\n"),
        "{:?}",
        &buf[..n]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_ssh_exec_runs_one_command_plainly() {
    let sim = sim().await;
    let (h, ok) = login(&sim, "").await;
    assert!(ok);
    let mut ch = h.channel_open_session().await.unwrap();
    ch.exec(true, "/system identity print").await.unwrap();
    let mut out = Vec::new();
    let mut status = None;
    while let Some(msg) = tokio::time::timeout(Duration::from_secs(5), ch.wait())
        .await
        .unwrap()
    {
        match msg {
            ChannelMsg::Data { data } => out.extend_from_slice(&data),
            ChannelMsg::ExitStatus { exit_status } => status = Some(exit_status),
            _ => {}
        }
    }
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains("name: CHR"), "{text:?}");
    assert!(
        !text.contains('\x1b') && !text.contains("MikroTik RouterOS"),
        "{text:?}"
    );
    assert_eq!(status, Some(0));
    let ip = client_ip(&sim).await;
    assert!(log_has(&sim, &format!("user admin logged in from {ip} via ssh")).await);
    sim.shutdown().await;
}

/// Runs `command` on an exec channel of a logged-in session and returns what came back.
async fn exec_bytes(h: &client::Handle<AcceptAll>, command: &str) -> Vec<u8> {
    let mut ch = h.channel_open_session().await.unwrap();
    ch.exec(true, command).await.unwrap();
    let mut out = Vec::new();
    while let Some(msg) = tokio::time::timeout(Duration::from_secs(5), ch.wait())
        .await
        .unwrap()
    {
        if let ChannelMsg::Data { data } = msg {
            out.extend_from_slice(&data);
        }
    }
    out
}

/// Exec output ends every line with CR LF (oxidized reads RouterOS exports over exec with
/// `\r\n`-anchored patterns; the API's `/execute as-string` returns CR LF too), so a tool that
/// splits `print detail` on `\r\n\r\n` gets one record per item.
#[tokio::test]
async fn frontend_ssh_exec_lines_end_in_crlf_and_detail_records_split_on_a_blank_line() {
    let sim = sim().await;
    let (h, ok) = login(&sim, "").await;
    assert!(ok);
    let out = exec_bytes(&h, "/ip service print detail").await;
    let text = String::from_utf8(out).expect("utf-8");
    let bare_lf = text
        .match_indices('\n')
        .filter(|(i, _)| *i == 0 || text.as_bytes()[i - 1] != b'\r')
        .count();
    assert_eq!(bare_lf, 0, "every line ends in CR LF: {text:?}");
    let records: Vec<&str> = text
        .split("\r\n\r\n")
        .map(str::trim)
        .filter(|r| r.contains("name="))
        .collect();
    let count = exec_bytes(&h, "/ip service print count-only").await;
    let count = String::from_utf8(count).expect("utf-8");
    assert_eq!(count, format!("{}\r\n", records.len()), "{text:?}");
    assert!(records.len() >= 8, "{records:?}");
    assert!(
        records.iter().all(|r| !r.contains("\r\n\r\n")),
        "{records:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_ssh_wrong_password_fails_and_is_logged() {
    let sim = sim().await;
    let (_h, ok) = login(&sim, "wrong").await;
    assert!(!ok);
    let ip = client_ip(&sim).await;
    assert!(
        log_has(
            &sim,
            &format!("login failure for user admin from {ip} via ssh")
        )
        .await
    );
    sim.shutdown().await;
}

async fn read_shell_until(ch: &mut russh::Channel<client::Msg>, suffix: &[u8]) -> Vec<u8> {
    let mut got = Vec::new();
    while !got.ends_with(suffix) {
        match tokio::time::timeout(Duration::from_secs(5), ch.wait()).await {
            Ok(Some(ChannelMsg::Data { data })) => got.extend_from_slice(&data),
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => break,
        }
    }
    got
}

#[tokio::test]
async fn frontend_ssh_shell_banner_nag_prompt_command_quit() {
    let sim = sim().await;
    let (h, ok) = login(&sim, "").await;
    assert!(ok);
    let mut ch = h.channel_open_session().await.unwrap();
    ch.request_pty(true, "xterm", 120, 40, 0, 0, &[])
        .await
        .unwrap();
    ch.request_shell(true).await.unwrap();
    let got = read_shell_until(&mut ch, b"new password> \rnew password> ").await;
    let text = String::from_utf8_lossy(&got);
    assert!(text.contains("  MikroTik RouterOS "), "{text:?}");
    assert!(
        text.contains("Change your password (Ctrl-C to skip)\r\n"),
        "{text:?}"
    );
    ch.data(&[3u8][..]).await.unwrap();
    let got = read_shell_until(&mut ch, b"[admin@CHR] > ").await;
    assert_eq!(got, b"\r\n\r\r\r\r\x1b[9999B[admin@CHR] > ");
    // A critical line is echoed into the idle shell.
    let from: std::net::IpAddr = "192.0.2.66".parse().unwrap();
    let _ = sim
        .router()
        .login("admin", "bad", chrlab_sim::Via::Api, Some(from));
    let got = read_shell_until(&mut ch, b"[admin@CHR] > ").await;
    let text = String::from_utf8_lossy(&got);
    assert!(
        text.contains("echo: system,error,critical login failure for user admin from 192.0.2.66 via api\x1b[K\r\n"),
        "{text:?}"
    );
    ch.data(&b"/system identity print\r"[..]).await.unwrap();
    let got = read_shell_until(&mut ch, b"[admin@CHR] > ").await;
    assert!(String::from_utf8_lossy(&got).contains("name: CHR\r\n"));
    ch.data(&b"/quit\r"[..]).await.unwrap();
    let mut closed = false;
    while let Ok(Some(msg)) = tokio::time::timeout(Duration::from_secs(5), ch.wait()).await {
        if matches!(msg, ChannelMsg::Close | ChannelMsg::Eof) {
            closed = true;
            break;
        }
    }
    assert!(closed, "the shell channel closes after /quit");
    sim.shutdown().await;
}

fn sha1_only() -> Preferred {
    Preferred {
        kex: Cow::Owned(vec![kex::DH_G14_SHA1, kex::EXTENSION_SUPPORT_AS_CLIENT]),
        mac: Cow::Owned(vec![mac::HMAC_SHA1]),
        ..Preferred::default()
    }
}

#[tokio::test]
async fn frontend_ssh_strong_crypto_drops_sha1_for_new_connections() {
    let sim = sim().await;
    // Default strong-crypto=no: a SHA-1-only client (as for RouterOS 6) gets in.
    let mut h = connect_with(&sim, sha1_only())
        .await
        .expect("sha1 kex accepted by default");
    assert!(
        h.authenticate_password("admin", "")
            .await
            .unwrap()
            .success()
    );
    cli(&sim, "/ip ssh set strong-crypto=yes");
    assert!(
        connect_with(&sim, sha1_only()).await.is_err(),
        "sha1 refused with strong-crypto"
    );
    // Modern clients still connect.
    let (_h, ok) = login(&sim, "").await;
    assert!(ok);
    sim.shutdown().await;
}

/// Remembers the host key the server shows.
struct KeepKey(Arc<std::sync::Mutex<Option<String>>>);

impl client::Handler for KeepKey {
    type Error = russh::Error;
    async fn check_server_key(
        &mut self,
        key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        *self.0.lock().unwrap() = Some(format!("{key:?}"));
        Ok(true)
    }
}

async fn host_key(state_dir: &std::path::Path) -> String {
    let router = chrlab_sim::RouterConfig {
        state_dir: Some(state_dir.to_path_buf()),
        ..Default::default()
    };
    let sim = chrlab_sim::start(chrlab_sim::SimOptions {
        address: unique_address(),
        port_offset: OFFSET,
        router,
        netns: None,
    })
    .await
    .expect("simulator starts");
    let seen = Arc::new(std::sync::Mutex::new(None));
    let h = client::connect(
        Arc::new(client::Config::default()),
        addr(&sim, "ssh", sim.address()),
        KeepKey(Arc::clone(&seen)),
    )
    .await
    .expect("ssh connects");
    drop(h);
    sim.shutdown().await;
    seen.lock().unwrap().clone().expect("host key seen")
}

#[tokio::test]
async fn frontend_ssh_host_key_is_kept_in_the_state_dir() {
    let dir = std::env::temp_dir().join(format!("chrlab-ssh-key-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let first = host_key(&dir).await;
    assert!(dir.join("ssh_host_rsa_key").exists());
    let second = host_key(&dir).await;
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(first, second);
    assert!(first.contains("Rsa") || first.contains("rsa"), "{first}");
}

/// Keeps the algorithms a key exchange agreed on.
struct KeepNames(Arc<std::sync::Mutex<Option<String>>>);

impl client::Handler for KeepNames {
    type Error = russh::Error;
    async fn check_server_key(
        &mut self,
        _key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }
    async fn kex_done(
        &mut self,
        _secret: Option<&[u8]>,
        names: &russh::Names,
        _session: &mut client::Session,
    ) -> Result<(), Self::Error> {
        *self.0.lock().unwrap() = Some(format!(
            "{} {} {} {}",
            names.kex.as_ref(),
            names.cipher.as_ref(),
            names.client_mac.as_ref(),
            names.key
        ));
        Ok(())
    }
}

/// Only what `strong-crypto=yes` drops: SHA-1 kexes, CBC ciphers, SHA-1 MACs, `ssh-rsa`.
fn weak_only() -> Preferred {
    Preferred {
        kex: Cow::Owned(vec![kex::DH_G1_SHA1, kex::DH_G14_SHA1, kex::DH_GEX_SHA1]),
        key: Cow::Owned(vec![russh::keys::Algorithm::Rsa { hash: None }]),
        cipher: Cow::Owned(vec![
            russh::cipher::AES_128_CBC,
            russh::cipher::AES_192_CBC,
            russh::cipher::AES_256_CBC,
            russh::cipher::TRIPLE_DES_CBC,
        ]),
        mac: Cow::Owned(vec![mac::HMAC_SHA1, mac::HMAC_SHA1_ETM]),
        ..Preferred::default()
    }
}

/// A key exchange and nothing else (no authentication): the agreed `kex cipher mac host-key`.
async fn handshake_only(
    sim: &chrlab_sim::SimHandle,
    preferred: Preferred,
) -> Result<String, russh::Error> {
    let names = Arc::new(std::sync::Mutex::new(None));
    let config = client::Config {
        preferred,
        ..Default::default()
    };
    let h = client::connect(
        Arc::new(config),
        addr(sim, "ssh", sim.address()),
        KeepNames(Arc::clone(&names)),
    )
    .await?;
    h.disconnect(russh::Disconnect::ByApplication, "", "en")
        .await?;
    let agreed = names.lock().unwrap().clone();
    Ok(agreed.expect("kex_done reported the agreed algorithms"))
}

/// A client offering only the weak set agrees with the factory server (v7 and v6) and is
/// refused at key exchange under `strong-crypto=yes`; the strong-only client is not.
#[tokio::test]
async fn frontend_ssh_strong_crypto_refuses_a_weak_only_handshake() {
    for (version, weak_kex) in [
        (None, "diffie-hellman-group14-sha1"),
        (Some("6.49.13"), "diffie-hellman-group1-sha1"),
    ] {
        let sim = sim_with(version, None).await;
        let agreed = handshake_only(&sim, weak_only()).await.unwrap_or_else(|e| {
            panic!("{version:?}: weak-only refused by the factory server: {e}")
        });
        assert_eq!(
            agreed,
            format!("{weak_kex} aes128-cbc hmac-sha1 ssh-rsa"),
            "{version:?}"
        );
        cli(&sim, "/ip ssh set strong-crypto=yes");
        match handshake_only(&sim, weak_only()).await {
            Err(russh::Error::NoCommonAlgo { kind, theirs, .. }) => {
                assert!(
                    matches!(kind, russh::AlgorithmKind::Kex),
                    "{version:?}: {kind:?}"
                );
                assert!(
                    theirs.iter().all(|k| !k.ends_with("-sha1")),
                    "{version:?}: {theirs:?}"
                );
            }
            other => panic!("{version:?}: weak-only with strong-crypto=yes: {other:?}"),
        }
        let strong = Preferred {
            kex: Cow::Owned(vec![kex::CURVE25519, kex::DH_G16_SHA512]),
            cipher: Cow::Owned(vec![russh::cipher::AES_256_GCM, russh::cipher::AES_256_CTR]),
            mac: Cow::Owned(vec![mac::HMAC_SHA256, mac::HMAC_SHA512]),
            ..Preferred::default()
        };
        let agreed = handshake_only(&sim, strong)
            .await
            .unwrap_or_else(|e| panic!("{version:?}: strong-only refused: {e}"));
        assert!(
            agreed.starts_with("curve25519-sha256 aes256-gcm"),
            "{agreed}"
        );
        // A handshake without authentication logs nothing.
        assert!(
            !log_messages(&sim).contains("via ssh"),
            "{}",
            log_messages(&sim)
        );
        sim.shutdown().await;
    }
}

/// Asks for a `direct-tcpip` channel (`ssh -L`) to the simulator's own ssh port.
async fn direct_tcpip(
    sim: &chrlab_sim::SimHandle,
    h: &client::Handle<AcceptAll>,
) -> Result<(), russh::Error> {
    let port = sim.port("ssh").expect("ssh listens");
    h.channel_open_direct_tcpip(
        sim.address().to_string(),
        u32::from(port),
        "192.0.2.9",
        40000,
    )
    .await
    .map(|_| ())
}

#[tokio::test]
async fn frontend_ssh_forwarding_is_refused_unless_forwarding_enabled_admits_it() {
    for (version, on, off) in [(None, "local", "remote"), (Some("6.49.13"), "yes", "no")] {
        let sim = sim_with(version, None).await;
        let (h, ok) = login(&sim, "").await;
        assert!(ok);
        // The factory's forwarding-enabled=no.
        match direct_tcpip(&sim, &h).await {
            Err(russh::Error::ChannelOpenFailure(
                russh::ChannelOpenFailure::AdministrativelyProhibited,
            )) => {}
            other => panic!("{version:?}: {other:?}"),
        }
        cli(&sim, &format!("/ip ssh set forwarding-enabled={on}"));
        assert!(direct_tcpip(&sim, &h).await.is_ok(), "{version:?} {on}");
        // v7 `remote` admits `ssh -R` only; v6 `no` is the factory's.
        cli(&sim, &format!("/ip ssh set forwarding-enabled={off}"));
        assert!(
            matches!(
                direct_tcpip(&sim, &h).await,
                Err(russh::Error::ChannelOpenFailure(_))
            ),
            "{version:?} {off}"
        );
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn frontend_ssh_user_address_refuses_the_right_password_and_logs_it() {
    let sim = sim().await;
    cli(
        &sim,
        "/user add name=op group=full password=Op-pw-1234 address=203.0.113.0/24",
    );
    let op_login = || async {
        let mut h = connect_with(&sim, Preferred::default())
            .await
            .expect("ssh connects");
        h.authenticate_password("op", "Op-pw-1234")
            .await
            .expect("auth exchange")
            .success()
    };
    assert!(
        !op_login().await,
        "the right password from outside address= is refused"
    );
    let ip = client_ip(&sim).await;
    assert!(
        log_has(
            &sim,
            &format!("login failure for user op from {ip} via ssh")
        )
        .await
    );
    cli(&sim, &format!("/user set op address={ip}/32"));
    assert!(op_login().await, "from inside address= the login works");
    sim.shutdown().await;
}
