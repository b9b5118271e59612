//! The black-box half of `ssh.strong-crypto`: two SSH handshakes from every vantage, one
//! offering only the algorithms `strong-crypto=yes` drops, one offering only strong ones.
//!
//! Each is a key exchange and nothing more: no authentication request (not even `none`), so
//! the router logs no failed login; the client disconnects as soon as the keys are agreed.
//!
//! What russh 0.65 can offer as a client, and so what the weak probe offers: the SHA-1 key
//! exchanges `diffie-hellman-group1-sha1`, `diffie-hellman-group14-sha1` and
//! `diffie-hellman-group-exchange-sha1`; the CBC ciphers `aes128-cbc`, `aes192-cbc`,
//! `aes256-cbc` and `3des-cbc` (russh's `des` feature); the MACs `hmac-sha1` and
//! `hmac-sha1-etm@openssh.com`; `ssh-rsa` (SHA-1) host-key signatures. What it cannot offer:
//! `arcfour*`, `blowfish-cbc`, `cast128-cbc`, `hmac-md5*`, `hmac-sha1-96`, `ssh-dss` (the
//! `dsa` feature adds DSA keys but not the `ssh-dss` signature to negotiation) and a
//! group-exchange group under 2048 bits (russh refuses to ask for one): a server that
//! negotiates only those is not caught here, and a server that answers the weak group exchange
//! with a group under 2048 bits looks like it refused.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::FutureExt;
use futures::future::LocalBoxFuture;
use russh::client::{self, GexParams};
use russh::keys::{Algorithm, HashAlg, PublicKeyOrCertificate};
use russh::{Disconnect, Preferred, cipher, compression, kex, mac};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::probe::{Seen, Target};

/// The probe offering only the weak algorithms: must be refused.
pub(super) const WEAK: &str = "weak";
/// The probe offering only strong algorithms: must complete.
pub(super) const STRONG: &str = "strong";

const WEAK_KEX: &[kex::Name] = &[kex::DH_G1_SHA1, kex::DH_G14_SHA1, kex::DH_GEX_SHA1];
const WEAK_CIPHER: &[cipher::Name] = &[
    cipher::AES_128_CBC,
    cipher::AES_192_CBC,
    cipher::AES_256_CBC,
    cipher::TRIPLE_DES_CBC,
];
const WEAK_MAC: &[mac::Name] = &[mac::HMAC_SHA1, mac::HMAC_SHA1_ETM];
const WEAK_KEYS: &[Algorithm] = &[Algorithm::Rsa { hash: None }];

/// Curve25519 and group16 as asked; group-exchange-sha256 too, with at least 2048-bit groups:
/// RouterOS 6 may offer it without curve25519.
const STRONG_KEX: &[kex::Name] = &[
    kex::CURVE25519,
    kex::CURVE25519_PRE_RFC_8731,
    kex::DH_G16_SHA512,
    kex::DH_GEX_SHA256,
];
const STRONG_CIPHER: &[cipher::Name] = &[cipher::AES_256_GCM, cipher::AES_256_CTR];
const STRONG_MAC: &[mac::Name] = &[
    mac::HMAC_SHA256_ETM,
    mac::HMAC_SHA512_ETM,
    mac::HMAC_SHA256,
    mac::HMAC_SHA512,
];
const STRONG_KEYS: &[Algorithm] = &[
    Algorithm::Ed25519,
    Algorithm::Rsa {
        hash: Some(HashAlg::Sha512),
    },
    Algorithm::Rsa {
        hash: Some(HashAlg::Sha256),
    },
];
const NO_COMPRESSION: &[compression::Name] = &[compression::NONE];

/// The algorithms one probe offers, and nothing else.
fn offer(
    kex: &'static [kex::Name],
    cipher: &'static [cipher::Name],
    mac: &'static [mac::Name],
    key: &'static [Algorithm],
) -> Preferred {
    Preferred {
        kex: Cow::Borrowed(kex),
        key: Cow::Borrowed(key),
        host_key_certificates: Cow::Borrowed(&[]),
        cipher: Cow::Borrowed(cipher),
        mac: Cow::Borrowed(mac),
        compression: Cow::Borrowed(NO_COMPRESSION),
    }
}

/// Only the algorithms `strong-crypto=yes` drops.
fn weak() -> Preferred {
    offer(WEAK_KEX, WEAK_CIPHER, WEAK_MAC, WEAK_KEYS)
}

/// Only strong algorithms.
fn strong() -> Preferred {
    offer(STRONG_KEX, STRONG_CIPHER, STRONG_MAC, STRONG_KEYS)
}

/// The measure's probes ([`crate::measures::MeasureDef::probe`]): both handshakes at once, to
/// the router's current SSH port.
pub(super) fn probe(target: Target) -> LocalBoxFuture<'static, Vec<(&'static str, Seen)>> {
    async move {
        let port = target.ports.get("ssh").await.unwrap_or(22);
        let addr = SocketAddr::new(target.router, port);
        let deadline = target.timing.connect + target.timing.greeting + 2 * target.timing.answer;
        let (weak, strong) = futures::join!(
            handshake(addr, weak(), target.timing.connect, deadline),
            handshake(addr, strong(), target.timing.connect, deadline)
        );
        vec![(WEAK, weak), (STRONG, strong)]
    }
    .boxed_local()
}

/// What was agreed, in one line: `kex=… cipher=… mac=… host-key=…`.
fn agreed(names: &russh::Names) -> String {
    format!(
        "kex={} cipher={} mac={} host-key={}",
        names.kex.as_ref(),
        names.cipher.as_ref(),
        names.client_mac.as_ref(),
        names.key
    )
}

/// Accepts any host key (there is nothing to pin a lab router's to) and keeps what was agreed.
struct Watch(Arc<Mutex<Option<String>>>);

impl client::Handler for Watch {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        _key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }

    async fn kex_done(
        &mut self,
        _shared_secret: Option<&[u8]>,
        names: &russh::Names,
        _session: &mut client::Session,
    ) -> Result<(), Self::Error> {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(agreed(names));
        }
        Ok(())
    }
}

/// One key exchange offering `preferred` from the current vantage: [`Seen::Answered`] with the
/// agreed algorithms, [`Seen::Refused`] when the server would not agree (or broke off the key
/// exchange), [`Seen::Silent`] when no SSH server could be reached within the deadlines.
async fn handshake(
    addr: SocketAddr,
    preferred: Preferred,
    connect: Duration,
    deadline: Duration,
) -> Seen {
    let stream = match tokio::time::timeout(connect, crate::vantage::connect(addr)).await {
        Err(_) => {
            return Seen::Silent(format!(
                "no TCP answer from {addr} within {} ms",
                connect.as_millis()
            ));
        }
        Ok(Err(e)) => return Seen::Silent(format!("cannot connect to {addr}: {e}")),
        Ok(Ok(s)) => s,
    };
    let gex = match GexParams::new(2048, 2048, 8192) {
        Ok(g) => g,
        Err(e) => return Seen::NotRun(format!("group-exchange parameters: {e}")),
    };
    let config = Arc::new(client::Config {
        preferred,
        gex,
        inactivity_timeout: Some(deadline),
        nodelay: true,
        ..Default::default()
    });
    let names = Arc::new(Mutex::new(None));
    let heard = Arc::new(AtomicBool::new(false));
    let stream = Heard {
        inner: stream,
        heard: Arc::clone(&heard),
    };
    let exchange = client::connect_stream(config, stream, Watch(Arc::clone(&names)));
    match tokio::time::timeout(deadline, exchange).await {
        Err(_) if !heard.load(Ordering::Relaxed) => Seen::Silent(format!(
            "{addr} said nothing within {} ms",
            deadline.as_millis()
        )),
        Err(_) => Seen::Silent(format!(
            "no SSH key exchange with {addr} within {} ms",
            deadline.as_millis()
        )),
        // Through a port forward a refused connection is an end of stream before any byte.
        Ok(Err(e)) if !heard.load(Ordering::Relaxed) => {
            Seen::Silent(format!("{addr} closed the connection without a byte: {e}"))
        }
        Ok(Err(e)) => {
            tracing::debug!(%addr, error = %e, "ssh handshake refused");
            Seen::Refused(refusal(&e))
        }
        Ok(Ok(handle)) => {
            if let Err(e) = handle.disconnect(Disconnect::ByApplication, "", "en").await {
                tracing::debug!(%addr, error = %e, "ssh disconnect after the handshake");
            }
            let agreed = names.lock().ok().and_then(|n| n.clone());
            Seen::Answered(agreed.unwrap_or_else(|| {
                "key exchange completed (the algorithms agreed were not reported)".into()
            }))
        }
    }
}

/// A connection that remembers whether the other side ever sent a byte (a port forward accepts
/// every connection: only the bytes say whether an SSH server was behind it).
struct Heard<S> {
    inner: S,
    heard: Arc<AtomicBool>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Heard<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.heard.store(true, Ordering::Relaxed);
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Heard<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Why a key exchange did not complete, in one line.
fn refusal(e: &russh::Error) -> String {
    match e {
        russh::Error::NoCommonAlgo { kind, theirs, .. } => format!(
            "no common {} algorithm: the server offers {}",
            format!("{kind:?}").to_lowercase(),
            theirs.join(",")
        ),
        russh::Error::Disconnect | russh::Error::HUP => {
            "the server closed the connection during the key exchange".into()
        }
        other => format!("key exchange failed: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_weak_offer_holds_no_strong_algorithm_and_the_strong_offer_no_weak_one() {
        let (w, s) = (weak(), strong());
        for k in w.kex.iter() {
            assert!(k.as_ref().ends_with("sha1"), "{}", k.as_ref());
        }
        for c in w.cipher.iter() {
            assert!(c.as_ref().ends_with("-cbc"), "{}", c.as_ref());
        }
        for m in w.mac.iter() {
            assert!(m.as_ref().starts_with("hmac-sha1"), "{}", m.as_ref());
        }
        assert_eq!(w.key.as_ref(), [Algorithm::Rsa { hash: None }]);
        for k in s.kex.iter() {
            assert!(!k.as_ref().contains("sha1"), "{}", k.as_ref());
        }
        for c in s.cipher.iter() {
            assert!(c.as_ref().starts_with("aes256-"), "{}", c.as_ref());
        }
        for m in s.mac.iter() {
            assert!(m.as_ref().starts_with("hmac-sha2-"), "{}", m.as_ref());
        }
        assert!(!s.key.contains(&Algorithm::Rsa { hash: None }));
    }

    #[test]
    fn a_negotiation_failure_names_what_the_server_offers() {
        let e = russh::Error::NoCommonAlgo {
            kind: russh::AlgorithmKind::Kex,
            ours: vec!["diffie-hellman-group1-sha1".into()],
            theirs: vec![
                "curve25519-sha256".into(),
                "diffie-hellman-group16-sha512".into(),
            ],
        };
        assert_eq!(
            refusal(&e),
            "no common kex algorithm: the server offers curve25519-sha256,diffie-hellman-group16-sha512"
        );
    }

    const SHORT: Duration = Duration::from_millis(300);

    /// A loopback server that does `serve` with each connection, and its address.
    async fn server<F, Fut>(serve: F) -> SocketAddr
    where
        F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send,
    {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((s, _)) = listener.accept().await {
                serve(s).await;
            }
        });
        addr
    }

    #[tokio::test]
    async fn what_is_not_an_ssh_server_is_silent_and_an_ssh_server_that_breaks_off_refuses() {
        use tokio::io::AsyncWriteExt;
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let hangs_up = server(|s| async move { drop(s) }).await;
        let mute = server(|s| async move {
            tokio::time::sleep(Duration::from_secs(2)).await;
            drop(s)
        })
        .await;
        let breaks_off = server(|mut s| async move {
            let _ = s.write_all(b"SSH-2.0-ROSSSH\r\n").await;
            drop(s)
        })
        .await;
        let seen = |addr| handshake(addr, weak(), SHORT, SHORT);
        match seen(closed).await {
            Seen::Silent(why) => assert!(why.contains("cannot connect"), "{why}"),
            other => panic!("{other:?}"),
        }
        match seen(hangs_up).await {
            Seen::Silent(why) => assert!(why.contains("without a byte"), "{why}"),
            other => panic!("{other:?}"),
        }
        match seen(mute).await {
            Seen::Silent(why) => assert!(why.contains("said nothing"), "{why}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(seen(breaks_off).await, Seen::Refused(_)));
    }

    /// Runs one CLI line on the simulator as its factory admin.
    fn cli(sim: &chrlab_sim::SimHandle, line: &str) {
        let router = sim.router();
        let session = router
            .login("admin", "", chrlab_sim::Via::Local, None)
            .expect("local admin login");
        let out = router
            .terminal(
                &session,
                chrlab_sim::TerminalOpts {
                    interactive: false,
                    colors: false,
                    width: 200,
                },
            )
            .execute(line);
        router.logout(&session);
        assert_eq!(out.trim(), "", "`{line}`");
    }

    /// The measure's own probe against the simulator's SSH server, on loopback.
    #[tokio::test]
    async fn the_probes_see_the_simulators_strong_crypto_setting() {
        for (n, version, weak_kex) in [
            (47, "7.23.7", "diffie-hellman-group14-sha1"),
            (48, "6.49.13", "diffie-hellman-group1-sha1"),
        ] {
            let router = chrlab_sim::RouterConfig {
                version: routeros::version::Version::parse(version).unwrap(),
                ..Default::default()
            };
            let sim = chrlab_sim::start(chrlab_sim::SimOptions {
                address: std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, n)),
                port_offset: 26000,
                router,
                netns: None,
            })
            .await
            .expect("simulator starts");
            let target = Target {
                router: sim.address(),
                router6: None,
                timing: crate::probe::ProbeTiming::LOCAL,
                ports: crate::probe::ServicePorts::known(
                    [("ssh".to_string(), sim.port("ssh").expect("ssh listens"))].into(),
                ),
            };
            let seen = probe(target.clone()).await;
            assert_eq!(seen[0].0, WEAK);
            assert_eq!(
                seen[0].1,
                Seen::Answered(format!(
                    "kex={weak_kex} cipher=aes128-cbc mac=hmac-sha1 host-key=ssh-rsa"
                )),
                "{version}"
            );
            assert!(
                matches!(&seen[1], (STRONG, Seen::Answered(_))),
                "{version}: {seen:?}"
            );
            cli(&sim, "/ip ssh set strong-crypto=yes");
            let seen = probe(target).await;
            match &seen[0].1 {
                Seen::Refused(why) => {
                    assert!(
                        why.starts_with("no common kex algorithm"),
                        "{version}: {why}"
                    )
                }
                other => panic!("{version}: {other:?}"),
            }
            match &seen[1].1 {
                Seen::Answered(agreed) => {
                    assert!(
                        agreed.starts_with("kex=curve25519-sha256 cipher=aes256-gcm"),
                        "{agreed}"
                    )
                }
                other => panic!("{version}: {other:?}"),
            }
            sim.shutdown().await;
        }
    }
}
