//! Interop: the system OpenSSH client (`/usr/bin/ssh`, Debian package `openssh-client`) against the
//! simulator's ssh service, as an administrator would use it against a CHR.
//!
//! Addresses: simulators on 127.0.0.60–64, the client bound (`ssh -b`) to 127.0.0.70–74 so the source the
//! simulator logs is known. Ports: service port + 26000.

mod frontend_support;
mod interop;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrlab_sim::{RouterConfig, SimHandle, SimOptions};
use frontend_support::{cli, eventually, log_has, log_messages};
use interop::*;
use routeros::version::Version;

const SSH: &str = "/usr/bin/ssh";
const INSTALL: &str = "apt-get install -y openssh-client";

/// An askpass script that prints `password`, in its own temporary directory.
struct Askpass {
    dir: TempDir,
}

impl Askpass {
    fn new(tag: &str, password: &str) -> Askpass {
        use std::os::unix::fs::PermissionsExt;
        let dir = TempDir::new(tag);
        let path = dir.path().join("askpass.sh");
        std::fs::write(&path, format!("#!/bin/sh\nprintf '%s\\n' '{password}'\n"))
            .expect("write askpass script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700))
            .expect("chmod askpass script");
        Askpass { dir }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("askpass.sh")
    }
}

/// `ssh` with password authentication through `askpass`, bound to `source`, running `command`.
fn ssh(sim: &SimHandle, source: IpAddr, askpass: &Path, extra: &[&str], command: &str) -> Command {
    ssh_as(sim, "admin", source, askpass, extra, command)
}

/// [`ssh`] as `user`.
fn ssh_as(
    sim: &SimHandle,
    user: &str,
    source: IpAddr,
    askpass: &Path,
    extra: &[&str],
    command: &str,
) -> Command {
    let mut cmd = Command::new(SSH);
    cmd.env("SSH_ASKPASS", askpass)
        .env("SSH_ASKPASS_REQUIRE", "force")
        .env("DISPLAY", ":0")
        .env_remove("SSH_AUTH_SOCK")
        // OpenSSH keeps the first value of an option: the test's own options go first.
        .args(extra)
        .args(["-F", "/dev/null"])
        .args(["-o", "StrictHostKeyChecking=no"])
        .args(["-o", "UserKnownHostsFile=/dev/null"])
        .args(["-o", "PreferredAuthentications=password"])
        .args(["-o", "PubkeyAuthentication=no"])
        .args(["-o", "NumberOfPasswordPrompts=1"])
        .args(["-o", "ConnectTimeout=10"])
        .args(["-b", &source.to_string()])
        .args(["-p", &port(sim, "ssh").to_string()])
        .arg(format!("{user}@{}", sim.address()));
    // No command: a shell.
    if !command.is_empty() {
        cmd.arg(command);
    }
    cmd
}

/// Runs one `/system identity print` over ssh with the extra options; returns the client's output.
async fn identity(sim: &SimHandle, source: IpAddr, askpass: &Path, extra: &[&str]) -> Output {
    run_async(ssh(sim, source, askpass, extra, "/system identity print")).await
}

/// True when the installed client implements every `-o Option=algorithm` in `extra` (`ssh -Q Option`),
/// so a newer OpenSSH that dropped a legacy algorithm skips that one check instead of failing it.
fn client_has(extra: &[&str]) -> bool {
    extra
        .iter()
        .filter_map(|a| a.split_once('='))
        .all(|(option, alg)| {
            let out = Command::new(SSH)
                .args(["-Q", option])
                .output()
                .unwrap_or_else(|e| panic!("ssh -Q {option}: {e}"));
            let has = String::from_utf8_lossy(&out.stdout)
                .lines()
                .any(|l| l.trim() == alg);
            if !has {
                eprintln!(
                    "this OpenSSH client does not implement {option}={alg}; that check is skipped"
                );
            }
            has
        })
}

fn assert_identity_ok(out: &Output, what: &str) {
    assert_identity_is(out, what, "CHR");
}

fn assert_identity_is(out: &Output, what: &str, name: &str) {
    let line = format!("name: {name}");
    assert!(
        out.code() == Some(0) && out.stdout.contains(&line),
        "{what}: expected exit 0 and `{line}`, got {out:?}"
    );
}

fn assert_refused(out: &Output, what: &str, reason: &str) {
    assert!(
        out.code() == Some(255) && out.stderr.contains(reason) && out.stdout.is_empty(),
        "{what}: expected exit 255 with {reason:?}, got {out:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_openssh_password_exec_and_identification() {
    require_binary(SSH, INSTALL);
    let sim = start_sim(lo(61)).await;
    let source = lo(71);
    let askpass = Askpass::new("ssh-ok", "");

    // Non-interactive exec with the empty factory password.
    let out = identity(&sim, source, &askpass.path(), &[]).await;
    assert_identity_ok(&out, "exec /system identity print");
    assert!(
        !out.stdout.contains('\u{1b}') && !out.stdout.contains("[admin@"),
        "exec output has no prompt or ANSI: {:?}",
        out.stdout
    );
    assert!(log_has(&sim, &format!("user admin logged in from {source} via ssh")).await);

    // `ssh -v` shows the identification string `SSH-2.0-ROSSSH` (protocol 2.0, software ROSSSH, no comment)
    // and password authentication.
    let out = identity(&sim, source, &askpass.path(), &["-v"]).await;
    assert_identity_ok(&out, "ssh -v");
    assert!(
        out.stderr
            .contains("Remote protocol version 2.0, remote software version ROSSSH\n")
            || out
                .stderr
                .contains("Remote protocol version 2.0, remote software version ROSSSH\r\n"),
        "identification SSH-2.0-ROSSSH not seen: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("using \"password\""),
        "authenticated by password: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("Server host key: ssh-rsa"),
        "an RSA host key: {}",
        out.stderr
    );

    // A configuration change over ssh exec is visible in the model.
    let out = run_async(ssh(
        &sim,
        source,
        &askpass.path(),
        &[],
        "/ip firewall address-list add list=ssh-interop address=192.0.2.61",
    ))
    .await;
    assert_eq!(out.code(), Some(0), "{out:?}");
    let printed = cli(
        &sim,
        "/ip firewall address-list print terse where list=ssh-interop",
    );
    assert!(
        printed.contains("list=ssh-interop") && printed.contains("address=192.0.2.61"),
        "address-list entry added over ssh: {printed:?}"
    );

    // A bad command comes back as RouterOS's error text.
    let out = run_async(ssh(&sim, source, &askpass.path(), &[], "/nonexistent")).await;
    assert!(
        out.stdout.contains("bad command name nonexistent"),
        "error text over exec: {out:?}"
    );

    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_openssh_wrong_password_fails_and_is_logged() {
    require_binary(SSH, INSTALL);
    let sim = start_sim(lo(62)).await;
    let source = lo(72);
    let askpass = Askpass::new("ssh-bad", "wrong");

    let out = identity(
        &sim,
        source,
        &askpass.path(),
        &["-o", "NumberOfPasswordPrompts=3"],
    )
    .await;
    assert_refused(&out, "wrong password", "Permission denied");
    assert!(
        log_has(
            &sim,
            &format!("login failure for user admin from {source} via ssh")
        )
        .await
    );
    // OpenSSH asks three times; the server keeps offering `password` after each failure, so all
    // three attempts reach the router and are logged.
    let failure = format!("login failure for user admin from {source} via ssh");
    assert!(
        eventually(|| log_messages(&sim).matches(&failure).count() == 3).await,
        "three attempts logged: {}",
        log_messages(&sim)
    );
    let log = log_messages(&sim);
    assert!(
        !log.contains(&format!("user admin logged in from {source} via ssh")),
        "no successful login logged: {log}"
    );

    // An unknown user is refused too, and logged under the name it tried.
    let out = run_async(ssh_as(
        &sim,
        "nosuchuser",
        source,
        &askpass.path(),
        &[],
        "/system identity print",
    ))
    .await;
    assert_refused(&out, "unknown user", "Permission denied");
    assert!(
        log_has(
            &sim,
            &format!("login failure for user nosuchuser from {source} via ssh")
        )
        .await
    );

    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_openssh_algorithms_and_strong_crypto() {
    require_binary(SSH, INSTALL);
    let sim = start_sim(lo(63)).await;
    let source = lo(73);
    let askpass = Askpass::new("ssh-algos", "");

    // strong-crypto=no (the default): every algorithm the simulator offers negotiates with OpenSSH.
    let offered: &[(&str, &str)] = &[
        ("KexAlgorithms", "curve25519-sha256"),
        ("KexAlgorithms", "curve25519-sha256@libssh.org"),
        ("KexAlgorithms", "diffie-hellman-group-exchange-sha256"),
        ("KexAlgorithms", "diffie-hellman-group16-sha512"),
        ("KexAlgorithms", "diffie-hellman-group14-sha256"),
        ("KexAlgorithms", "diffie-hellman-group14-sha1"),
        ("KexAlgorithms", "diffie-hellman-group-exchange-sha1"),
        ("Ciphers", "aes128-ctr"),
        ("Ciphers", "aes256-ctr"),
        ("Ciphers", "aes128-gcm@openssh.com"),
        ("Ciphers", "aes256-gcm@openssh.com"),
        ("Ciphers", "aes128-cbc"),
        ("Ciphers", "aes256-cbc"),
        ("Ciphers", "chacha20-poly1305@openssh.com"),
        ("HostKeyAlgorithms", "ssh-rsa"),
        ("HostKeyAlgorithms", "rsa-sha2-256"),
        ("HostKeyAlgorithms", "rsa-sha2-512"),
    ];
    for (option, alg) in offered {
        let opt = format!("{option}={alg}");
        if !client_has(&["-o", &opt]) {
            continue;
        }
        let out = identity(&sim, source, &askpass.path(), &["-o", &opt]).await;
        assert_identity_ok(&out, &format!("strong-crypto=no, {opt}"));
    }
    for mac in [
        "hmac-sha1",
        "hmac-sha2-256",
        "hmac-sha2-512-etm@openssh.com",
    ] {
        let opt = format!("MACs={mac}");
        if !client_has(&["-o", &opt]) {
            continue;
        }
        let out = identity(
            &sim,
            source,
            &askpass.path(),
            &["-o", "Ciphers=aes256-ctr", "-o", &opt],
        )
        .await;
        assert_identity_ok(&out, &format!("strong-crypto=no, {opt}"));
    }

    // strong-crypto=yes through the model: SHA-1, 128-bit and CBC are refused at negotiation, the
    // client's defaults still work.
    let set = cli(&sim, "/ip ssh set strong-crypto=yes");
    assert!(set.trim().is_empty(), "set strong-crypto: {set:?}");
    assert!(sim.router().ssh_strong_crypto());

    let refused: &[(&[&str], &str)] = &[
        (
            &["-o", "KexAlgorithms=diffie-hellman-group14-sha1"],
            "no matching key exchange method found",
        ),
        (
            &["-o", "KexAlgorithms=diffie-hellman-group-exchange-sha1"],
            "no matching key exchange method found",
        ),
        (
            &["-o", "Ciphers=aes256-ctr", "-o", "MACs=hmac-sha1"],
            "no matching MAC found",
        ),
        (&["-o", "Ciphers=aes128-ctr"], "no matching cipher found"),
        (&["-o", "Ciphers=aes256-cbc"], "no matching cipher found"),
        (
            &["-o", "HostKeyAlgorithms=ssh-rsa"],
            "no matching host key type found",
        ),
    ];
    let mut checked = 0;
    for (extra, reason) in refused {
        if !client_has(extra) {
            continue;
        }
        let out = identity(&sim, source, &askpass.path(), extra).await;
        assert_refused(&out, &format!("strong-crypto=yes, {extra:?}"), reason);
        checked += 1;
    }
    assert!(checked >= 3, "too few refusal checks ran ({checked})");
    // The server's kex offer OpenSSH prints on a refusal lists no SHA-1 kex (asked with a kex every
    // OpenSSH has but the simulator does not offer).
    let out = identity(
        &sim,
        source,
        &askpass.path(),
        &["-o", "KexAlgorithms=ecdh-sha2-nistp256"],
    )
    .await;
    assert_refused(
        &out,
        "strong-crypto=yes, ecdh-sha2-nistp256",
        "no matching key exchange method found",
    );
    let offer = out
        .stderr
        .split("Their offer:")
        .nth(1)
        .unwrap_or_else(|| panic!("offer printed: {}", out.stderr));
    assert!(
        offer.contains("curve25519-sha256") && !offer.contains("sha1"),
        "server kex offer without sha1: {offer}"
    );

    let out = identity(&sim, source, &askpass.path(), &[]).await;
    assert_identity_ok(&out, "strong-crypto=yes, client defaults");
    for extra in [
        ["-o", "KexAlgorithms=diffie-hellman-group14-sha256"],
        ["-o", "KexAlgorithms=diffie-hellman-group-exchange-sha256"],
        ["-o", "Ciphers=aes256-gcm@openssh.com"],
        ["-o", "MACs=hmac-sha2-512"],
    ] {
        let mut args = extra.to_vec();
        if extra[1].starts_with("MACs") {
            args.extend(["-o", "Ciphers=aes256-ctr"]);
        }
        let out = identity(&sim, source, &askpass.path(), &args).await;
        assert_identity_ok(&out, &format!("strong-crypto=yes, {args:?}"));
    }

    // Back to strong-crypto=no: SHA-1 kex is accepted again (the setting is read per connection).
    let set = cli(&sim, "/ip ssh set strong-crypto=no");
    assert!(set.trim().is_empty(), "unset strong-crypto: {set:?}");
    let out = identity(
        &sim,
        source,
        &askpass.path(),
        &["-o", "KexAlgorithms=ecdh-sha2-nistp256"],
    )
    .await;
    let offer = out.stderr.split("Their offer:").nth(1).unwrap_or_default();
    assert!(
        offer.contains("diffie-hellman-group14-sha1"),
        "strong-crypto=no again offers group14-sha1: {}",
        out.stderr
    );
    let extra = ["-o", "KexAlgorithms=diffie-hellman-group14-sha1"];
    if client_has(&extra) {
        let out = identity(&sim, source, &askpass.path(), &extra).await;
        assert_identity_ok(&out, "strong-crypto=no again, group14-sha1");
    }

    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_openssh_routeros6_legacy_kex() {
    require_binary(SSH, INSTALL);
    // RouterOS 6's defaults (identity `MikroTik`).
    let router = RouterConfig::for_version(Version::parse("6.49.13").expect("version parses"));
    let sim = chrlab_sim::start(SimOptions {
        address: lo(64),
        port_offset: OFFSET,
        router,
        netns: None,
    })
    .await
    .expect("v6 simulator starts");
    let source = lo(74);
    let askpass = Askpass::new("ssh-v6", "");

    // RouterOS 6 needs SHA-1 kex: group1-sha1 (which OpenSSH only uses when asked) works ...
    let extra = ["-o", "KexAlgorithms=diffie-hellman-group1-sha1"];
    if client_has(&extra) {
        let out = identity(&sim, source, &askpass.path(), &extra).await;
        assert_identity_is(&out, "v6, diffie-hellman-group1-sha1", "MikroTik");
    }
    // ... curve25519 is not offered ...
    let out = identity(
        &sim,
        source,
        &askpass.path(),
        &["-o", "KexAlgorithms=curve25519-sha256"],
    )
    .await;
    assert_refused(
        &out,
        "v6, curve25519-sha256",
        "no matching key exchange method found",
    );
    // ... and OpenSSH's defaults still find a common kex (group-exchange-sha256).
    let out = identity(&sim, source, &askpass.path(), &["-v"]).await;
    assert_identity_is(&out, "v6, client defaults", "MikroTik");
    assert!(
        out.stderr
            .contains("kex: algorithm: diffie-hellman-group-exchange-sha256"),
        "v6 default kex: {}",
        out.stderr
    );

    sim.shutdown().await;
}

/// Waits until `buf` contains `needle` (or `deadline` passes); returns whether it did.
fn wait_for(buf: &std::sync::Mutex<Vec<u8>>, needle: &str, deadline: std::time::Instant) -> bool {
    loop {
        let seen = String::from_utf8_lossy(&buf.lock().expect("output lock")).contains(needle);
        if seen {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// An interactive session through `ssh -tt`: the banner, the empty-password nag skipped with Ctrl-C, a
/// command at the prompt and `/quit`, driven by what the client prints.
fn interactive_session(mut cmd: Command) -> (Option<i32>, String) {
    use std::io::{Read, Write};
    use std::process::Stdio;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().unwrap_or_else(|e| panic!("spawn ssh: {e}"));
    let mut guard = ChildGuard::new(child);
    let child = guard.child();
    let mut stdin = child.stdin.take().expect("stdin piped");
    let buf = Arc::new(Mutex::new(Vec::new()));
    let mut readers = Vec::new();
    for mut pipe in [
        Box::new(child.stdout.take().expect("stdout")) as Box<dyn Read + Send>,
        Box::new(child.stderr.take().expect("stderr")),
    ] {
        let buf = Arc::clone(&buf);
        readers.push(std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                buf.lock()
                    .expect("output lock")
                    .extend_from_slice(&chunk[..n]);
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let text =
        |buf: &Mutex<Vec<u8>>| String::from_utf8_lossy(&buf.lock().expect("lock")).into_owned();

    assert!(
        wait_for(&buf, "new password> ", deadline),
        "password nag: {:?}",
        text(&buf)
    );
    stdin.write_all(b"\x03").expect("write Ctrl-C");
    assert!(
        wait_for(&buf, "[admin@CHR] > ", deadline),
        "prompt after Ctrl-C: {:?}",
        text(&buf)
    );
    stdin
        .write_all(b"/system identity print\r")
        .expect("write command");
    assert!(
        wait_for(&buf, "name: CHR", deadline),
        "command output: {:?}",
        text(&buf)
    );
    stdin.write_all(b"/quit\r").expect("write /quit");
    let status = loop {
        match guard.child().try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("wait ssh: {e}"),
        }
    };
    drop(stdin);
    drop(guard);
    for r in readers {
        let _ = r.join();
    }
    let out = text(&buf);
    let Some(status) = status else {
        panic!("ssh did not end after /quit: {out:?}");
    };
    (status.code(), out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_openssh_interactive_shell() {
    require_binary(SSH, INSTALL);
    let sim = start_sim(lo(60)).await;
    let source = lo(70);
    let askpass = Askpass::new("ssh-shell", "");

    // `ssh -tt` with no command: a PTY shell.
    let cmd = ssh(&sim, source, &askpass.path(), &["-tt"], "");
    let (code, out) = tokio::task::spawn_blocking(move || interactive_session(cmd))
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    assert_eq!(code, Some(0), "ssh exit after /quit: {out:?}");
    assert!(
        out.contains("MikroTik RouterOS 7.23.7"),
        "banner with the version: {out:?}"
    );
    assert!(
        out.contains("Change your password (Ctrl-C to skip)"),
        "empty-password nag: {out:?}"
    );
    assert!(
        out.contains("[admin@CHR] > /system identity print"),
        "typed command echoed at the prompt: {out:?}"
    );
    assert!(
        log_has(
            &sim,
            &format!("user admin logged out from {source} via ssh")
        )
        .await
    );

    sim.shutdown().await;
}
