//! A reboot seen from the network: `/system package update install` answers, then every session is
//! cut and every port refuses for the boot time, then the services come back with the same
//! configuration and the new version.

mod frontend_support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrlab_sim::{Power, Router, RouterConfig, SimHandle, SimOptions};
use frontend_support::*;
use routeros::api::encode_sentence;
use routeros::version::Version;
use russh::{ChannelMsg, client};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::Instant;

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

async fn start(
    latest: &str,
    boot_time: Duration,
    state_dir: Option<&std::path::Path>,
) -> SimHandle {
    let router = RouterConfig {
        latest_version: Version::parse(latest).ok(),
        boot_time,
        state_dir: state_dir.map(std::path::Path::to_path_buf),
        ..RouterConfig::default()
    };
    chrlab_sim::start(SimOptions {
        address: unique_address(),
        port_offset: OFFSET,
        router,
        netns: None,
    })
    .await
    .expect("simulator starts")
}

/// An SSH connection logged in as admin (empty password).
async fn ssh(at: SocketAddr) -> client::Handle<AcceptAll> {
    let mut h = client::connect(Arc::new(client::Config::default()), at, AcceptAll)
        .await
        .expect("ssh connects");
    assert!(
        h.authenticate_password("admin", "")
            .await
            .expect("auth exchange")
            .success()
    );
    h
}

/// Runs one command on an exec channel and returns what it printed (until the channel closes).
async fn exec(h: &client::Handle<AcceptAll>, line: &str) -> String {
    let mut ch = h.channel_open_session().await.expect("channel opens");
    ch.exec(true, line).await.expect("exec");
    let mut out = Vec::new();
    while let Some(msg) = tokio::time::timeout(Duration::from_secs(5), ch.wait())
        .await
        .expect("exec answers in time")
    {
        if let ChannelMsg::Data { data } = msg {
            out.extend_from_slice(&data);
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Polls `check` every 10 ms until it holds or `within` has passed.
async fn until<F: std::future::Future<Output = bool>>(
    within: Duration,
    mut check: impl FnMut() -> F,
) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// True once a TCP connect to `at` succeeds.
async fn accepts(at: SocketAddr) -> bool {
    matches!(
        tokio::time::timeout(Duration::from_secs(1), TcpStream::connect(at)).await,
        Ok(Ok(_))
    )
}

/// An API connection logged in as admin.
async fn api_session(at: SocketAddr) -> TcpStream {
    let mut s = TcpStream::connect(at).await.expect("connect api");
    s.write_all(&encode_sentence(&["/login", "=name=admin", "=password="]))
        .await
        .unwrap();
    // `!done` with no attributes: 0x05 "!done" 0x00.
    assert_eq!(read_exact(&mut s, 7).await, b"\x05!done\x00");
    s
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("chrlab-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn frontend_reboot_install_cuts_every_session_closes_ports_and_comes_back_upgraded() {
    let dir = temp_dir("reboot-install");
    // A boot window long enough to observe on a loaded machine; the default is 300 ms.
    let sim = start("7.24.1", Duration::from_secs(2), Some(&dir)).await;
    let ip = sim.address();
    let ssh_at = SocketAddr::new(ip, 22 + OFFSET);
    let api_at = SocketAddr::new(ip, 8728 + OFFSET);
    let www_at = SocketAddr::new(ip, 80 + OFFSET);

    // Configuration made before the reboot: telnet moves to 2323.
    cli(&sim, "/ip service set telnet port=2323");
    let telnet_at = SocketAddr::new(ip, 2323 + OFFSET);
    assert!(eventually(|| sim.port("telnet") == Some(2323 + OFFSET)).await);

    // Sessions open before the install.
    let mut telnet = TcpStream::connect(telnet_at).await.unwrap();
    assert!(
        read_until(&mut telnet, b"Login: ")
            .await
            .ends_with(b"Login: ")
    );
    let mut api = api_session(api_at).await;
    let mut www = TcpStream::connect(www_at).await.unwrap();
    let idle_ssh = ssh(ssh_at).await;
    assert_eq!(
        exec(&idle_ssh, "/system identity print").await.trim(),
        "name: CHR"
    );

    let operator = ssh(ssh_at).await;
    let checked = exec(&operator, "/system package update check-for-updates").await;
    assert!(
        checked.contains("status: New version is available"),
        "{checked}"
    );
    // The command answers before the router goes down.
    let installed = exec(&operator, "/system package update install").await;
    assert!(
        installed.contains("installed-version: 7.23.7")
            && installed.contains("status: Downloaded, please reboot router to upgrade it"),
        "{installed}"
    );
    assert_eq!(sim.router().power(), Power::Rebooting);

    // Every session is cut by the router.
    assert!(closed_by_peer(&mut telnet).await, "telnet session cut");
    assert!(closed_by_peer(&mut api).await, "api session cut");
    assert!(closed_by_peer(&mut www).await, "www connection cut");
    assert!(
        until(Duration::from_secs(3), || async { idle_ssh.is_closed() }).await,
        "idle ssh session cut"
    );
    assert!(
        until(Duration::from_secs(3), || async { operator.is_closed() }).await,
        "the installing ssh session cut"
    );
    // Every port refuses while the router boots (listeners close before sessions are cut).
    for at in [ssh_at, api_at, www_at, telnet_at] {
        assert!(refused(at).await, "{at} refuses during the boot window");
    }
    assert_eq!(sim.router().power(), Power::Rebooting);
    assert_eq!(sim.port("ssh"), None);

    // Back up: ssh answers again, with the new version and the old configuration.
    assert!(
        until(Duration::from_secs(10), || accepts(ssh_at)).await,
        "ssh back"
    );
    assert_eq!(sim.router().power(), Power::Up);
    let back = ssh(ssh_at).await;
    let resource = exec(&back, "/system resource print").await;
    assert!(resource.contains("version: 7.24.1"), "{resource}");
    let update = exec(&back, "/system package update print").await;
    assert!(update.contains("installed-version: 7.24.1"), "{update}");
    let log = exec(&back, "/log print").await;
    let first = log.lines().next().unwrap_or_default();
    assert!(first.ends_with("system,info router rebooted"), "{log}");
    // The memory log starts again: the logins before the reboot are gone.
    assert_eq!(log.matches("router rebooted").count(), 1, "{log}");
    assert_eq!(
        log.matches("logged in").count(),
        1,
        "only the new login: {log}"
    );

    // The moved service comes back on its moved port, not on the default one.
    assert_eq!(sim.port("telnet"), Some(2323 + OFFSET));
    let mut telnet = TcpStream::connect(telnet_at).await.unwrap();
    assert!(
        read_until(&mut telnet, b"Login: ")
            .await
            .ends_with(b"Login: ")
    );
    assert!(refused(SocketAddr::new(ip, 23 + OFFSET)).await);
    assert!(accepts(api_at).await && accepts(www_at).await);

    // The state file holds the new version and the moved port.
    let saved = std::fs::read_to_string(dir.join("state.json")).unwrap();
    assert!(saved.contains("\"version\": \"7.24.1\""), "{saved}");
    assert!(saved.contains("2323"));
    sim.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn frontend_reboot_install_without_a_newer_version_does_not_reboot() {
    let sim = start("7.23.7", Duration::from_millis(300), None).await;
    let ssh_at = addr(&sim, "ssh", sim.address());
    let h = ssh(ssh_at).await;
    let out = exec(&h, "/system package update install").await;
    assert!(
        out.contains("status: System is already up to date"),
        "{out}"
    );
    // A reboot would have been asked for before the reply was sent.
    assert_eq!(sim.router().power(), Power::Up);
    // The same connection keeps working, and nothing rebooted.
    let resource = exec(&h, "/system resource print").await;
    assert!(resource.contains("version: 7.23.7"), "{resource}");
    assert!(!h.is_closed());
    assert!(!log_messages(&sim).contains("router rebooted"));
    sim.shutdown().await;
}

#[tokio::test]
async fn frontend_reboot_plain_reboot_keeps_the_version_and_drops_active_users() {
    let sim = start("7.24.1", Duration::from_millis(300), None).await;
    let ip = sim.address();
    let api_at = SocketAddr::new(ip, 8728 + OFFSET);
    let mut api = api_session(api_at).await;
    assert!(cli(&sim, "/user active print count-only").trim() != "0");
    sim.router().reboot();
    assert_eq!(sim.router().power(), Power::Rebooting);
    assert!(closed_by_peer(&mut api).await, "api session cut");
    assert!(
        until(Duration::from_secs(10), || accepts(api_at)).await,
        "api back"
    );
    assert_eq!(sim.router().power(), Power::Up);
    assert_eq!(sim.router().version().to_string(), "7.23.7");
    assert!(log_messages(&sim).contains("router rebooted"));
    // The local session `cli` opens is the only active one.
    assert_eq!(cli(&sim, "/user active print count-only").trim(), "1");
    sim.shutdown().await;
}

#[test]
fn frontend_reboot_a_model_without_front_ends_reboots_inside_the_command() {
    let router = Router::new(RouterConfig {
        latest_version: Version::parse("7.24.1").ok(),
        ..RouterConfig::default()
    })
    .unwrap();
    let session = router
        .login("admin", "", chrlab_sim::Via::Local, None)
        .unwrap();
    let mut term = router.terminal(
        &session,
        chrlab_sim::TerminalOpts {
            interactive: false,
            colors: false,
            width: 80,
        },
    );
    let _ = term.execute("/system package update install");
    assert_eq!(router.power(), Power::Up);
    assert_eq!(router.version().to_string(), "7.24.1");
    assert!(
        term.execute("/log print")
            .contains("system,info router rebooted")
    );
}
