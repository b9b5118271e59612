//! The harness's SSH client (`chrlab::client::ssh`) against the embedded simulator on loopback:
//! exec output, the interactive shell with `+ct` and the v7 password nag, a refused login and its
//! log line, RouterOS 6's legacy algorithms, and `strong-crypto=yes` refusing a SHA-1-only client.
//!
//! Every test runs its own simulator on its own 127.0.0.N address and port offset, so they can run
//! in parallel; each stops what it started.

use std::time::Duration;

use chrlab::client::ClientError;
use chrlab::client::ssh::{SshClient, SshOptions};
use chrlab::vantage::Vantage;
use chrlab_sim::{RouterConfig, Via};
use support::{addr, log_messages, loopback, sim_at};

mod support;
use routeros::version::Version;

const LIMIT: Duration = Duration::from_secs(5);

fn opts() -> SshOptions {
    SshOptions {
        timeout: LIMIT,
        ..SshOptions::default()
    }
}

#[tokio::test]
async fn exec_prints_the_identity_the_router_has() {
    let router = RouterConfig {
        identity: "edge-41".into(),
        ..RouterConfig::default()
    };
    let sim = sim_at(41, 20000, router).await;
    let client = SshClient::connect(addr(&sim, "ssh"), "admin", "", &opts())
        .await
        .expect("admin with the empty factory password logs in");
    let out = client.exec("/system identity print").await.expect("exec");
    let identity = sim.router().identity();
    assert_eq!(identity, "edge-41");
    let lines: Vec<&str> = out
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines, [format!("name: {identity}")], "{out:?}");
    assert!(!out.contains('\r') && !out.contains('\x1b'), "{out:?}");
    // A second exec channel on the same connection sees a change made by the first.
    let set = client
        .exec("/system identity set name=edge-41b")
        .await
        .expect("exec set");
    assert_eq!(set.trim(), "", "set prints nothing on success");
    assert_eq!(sim.router().identity(), "edge-41b");
    let again = client.exec("/system identity print").await.expect("exec");
    assert!(again.contains("name: edge-41b"), "{again:?}");
    client.close().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn shell_with_ct_shows_the_nag_ctrl_c_skips_it_and_commands_run() {
    let sim = sim_at(42, 21000, RouterConfig::default()).await;
    let client = SshClient::connect(addr(&sim, "ssh"), "admin+ct", "", &opts())
        .await
        .expect("admin+ct logs in with the empty password");
    let mut shell = client.shell(120).await.expect("shell with a pty");
    let nag = shell
        .read_until("new password> \rnew password> ", LIMIT)
        .await
        .expect("the v7 password nag");
    assert!(nag.contains("  MikroTik RouterOS 7.23.7"), "{nag:?}");
    assert!(
        nag.contains("Change your password (Ctrl-C to skip)\r\n"),
        "{nag:?}"
    );
    assert!(
        !nag.contains("[admin@CHR] > "),
        "no prompt before the nag: {nag:?}"
    );
    shell.send(&[0x03]).await.expect("send Ctrl-C");
    let prompt = shell
        .read_until("[admin@CHR] > ", LIMIT)
        .await
        .expect("the prompt after Ctrl-C");
    assert!(!prompt.contains("new password"), "{prompt:?}");
    shell
        .send(b"/system identity print\r")
        .await
        .expect("type a command");
    let out = shell
        .read_until("[admin@CHR] > ", LIMIT)
        .await
        .expect("command output and a new prompt");
    assert!(out.contains("name: CHR\r\n"), "{out:?}");
    // The password is unchanged (Ctrl-C skipped the change) and the log names the bare user.
    assert!(sim.router().login("admin", "", Via::Local, None).is_ok());
    let log = log_messages(&sim);
    assert!(
        log.iter()
            .any(|m| m.starts_with("user admin logged in from ") && m.ends_with(" via ssh")),
        "{log:#?}"
    );
    assert!(!log.iter().any(|m| m.contains("admin+ct")), "{log:#?}");
    client.close().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn wrong_password_is_refused_and_logged_with_the_source_address() {
    let sim = sim_at(43, 22000, RouterConfig::default()).await;
    let source = loopback(143);
    let vantage = Vantage::local_bound("clients-ssh-43", source).expect("bound vantage");
    let addr = addr(&sim, "ssh");
    let options = opts();
    let refused = vantage
        .run(move || async move {
            SshClient::connect(addr, "admin", "not-the-password", &options)
                .await
                .map(|_| ())
        })
        .await;
    match refused {
        Err(ClientError::LoginRefused {
            service,
            user,
            addr: at,
        }) => {
            assert_eq!((service, user.as_str(), at), ("ssh", "admin", addr));
        }
        other => panic!("expected LoginRefused, got {other:?}"),
    }
    let log = log_messages(&sim);
    let expected = format!("login failure for user admin from {source} via ssh");
    assert!(log.contains(&expected), "{expected:?} not in {log:#?}");
    // The right password from the same vantage still works: the refusal was about the password.
    let options = opts();
    let accepted = vantage
        .run(move || async move {
            let c = SshClient::connect(addr, "admin", "", &options).await?;
            c.close().await;
            Ok::<(), ClientError>(())
        })
        .await;
    assert!(accepted.is_ok(), "{accepted:?}");
    vantage.shutdown();
    sim.shutdown().await;
}

#[tokio::test]
async fn routeros6_accepts_the_legacy_algorithm_set() {
    let version = Version::parse("6.49.13").expect("version");
    let sim = sim_at(44, 23000, RouterConfig::for_version(version)).await;
    let legacy = SshOptions {
        legacy_algorithms: true,
        weak_only: false,
        timeout: LIMIT,
    };
    let client = SshClient::connect(addr(&sim, "ssh"), "admin", "", &legacy)
        .await
        .expect("legacy client logs in to RouterOS 6");
    let out = client.exec("/system identity print").await.expect("exec");
    assert!(out.contains("name: MikroTik"), "{out:?}");
    client.close().await;
    // An old client that knows only SHA-1 key exchange and MACs also gets in on v6.
    let weak = SshOptions {
        weak_only: true,
        ..legacy
    };
    let client = SshClient::connect(addr(&sim, "ssh"), "admin", "", &weak)
        .await
        .expect("SHA-1-only client logs in to RouterOS 6");
    let out = client.exec("/system resource print").await.expect("exec");
    assert!(out.contains("6.49.13"), "{out:?}");
    // The v6 shell nags in the 6.49.13 capture's words, without "(Ctrl-C to skip)" (FACTS §3).
    let mut shell = client.shell(80).await.expect("shell with a pty");
    let nag = shell
        .read_until("new password> \x1b[K", LIMIT)
        .await
        .expect("the v6 password nag");
    assert!(nag.contains("\r\nChange your password\r\n"), "{nag:?}");
    assert!(!nag.contains("Ctrl-C to skip"), "{nag:?}");
    assert!(!nag.contains("[admin@MikroTik] > "), "{nag:?}");
    client.close().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn strong_crypto_refuses_a_sha1_only_client_at_key_exchange() {
    let sim = sim_at(45, 24000, RouterConfig::default()).await;
    let addr = addr(&sim, "ssh");
    let weak = SshOptions {
        weak_only: true,
        ..opts()
    };
    // Control: with the factory strong-crypto=no the weak client gets in.
    let client = SshClient::connect(addr, "admin", "", &weak)
        .await
        .expect("SHA-1-only client accepted while strong-crypto=no");
    let out = client
        .exec("/ip ssh set strong-crypto=yes")
        .await
        .expect("exec set strong-crypto");
    assert_eq!(out.trim(), "", "{out:?}");
    client.close().await;
    assert!(sim.router().ssh_strong_crypto());
    match SshClient::connect(addr, "admin", "", &weak).await {
        Err(ClientError::Protocol { service, .. }) => assert_eq!(service, "ssh"),
        Err(other) => panic!("expected a key-exchange failure, got {other}"),
        Ok(_) => panic!("a SHA-1-only client got in with strong-crypto=yes"),
    }
    let log = log_messages(&sim);
    assert!(
        !log.iter().any(|m| m.starts_with("login failure")),
        "refused before authentication, so no failed login is logged: {log:#?}"
    );
    let strong = SshClient::connect(addr, "admin", "", &opts())
        .await
        .expect("the default client still connects with strong-crypto=yes");
    let out = strong.exec("/ip ssh print").await.expect("exec");
    assert!(out.contains("strong-crypto: yes"), "{out:?}");
    strong.close().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn to_prompt_gets_past_the_first_login_screens_on_v7_and_v6() {
    for (n, offset, version, prompt) in [
        (46u8, 25000u16, "7.23.7", "[admin@CHR] > "),
        (47, 26000, "6.49.13", "[admin@MikroTik] > "),
    ] {
        let version = Version::parse(version).expect("version");
        let sim = sim_at(n, offset, RouterConfig::for_version(version)).await;
        let client = SshClient::connect(addr(&sim, "ssh"), "admin+ct", "", &opts())
            .await
            .expect("admin+ct logs in with the empty password");
        let mut shell = client.shell(120).await.expect("shell with a pty");
        let screen = shell.to_prompt(LIMIT).await.expect("a prompt");
        assert!(
            screen.contains("Change your password"),
            "{version}: {screen:?}"
        );
        assert!(screen.ends_with(prompt), "{version}: {screen:?}");
        shell.send(b"/system identity print\r").await.expect("type");
        let out = shell.to_prompt(LIMIT).await.expect("the next prompt");
        assert!(out.contains("name: "), "{version}: {out:?}");
        client.close().await;
        sim.shutdown().await;
    }
}
