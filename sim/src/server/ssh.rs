//! SSH front end (russh): identification `SSH-2.0-ROSSSH`, password login through the model, exec
//! channels (one command, plain output) and PTY shells (the [`Shell`] state machine).

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use russh::keys::{Algorithm, HashAlg, PrivateKey};
use russh::server::{Auth, ChannelOpenHandle, Msg, Session};
use russh::{Channel, ChannelId, MethodKind, MethodSet, Preferred, SshId, cipher, kex, mac};
use tokio::net::TcpStream;
use tokio::sync::{OnceCell, mpsc};
use tracing::{debug, warn};

use crate::router::{Terminal, TerminalOpts, Via};
use crate::server::Shared;
use crate::server::shell::{Shell, login_flags};
use crate::server::telnet::recv_echo;

/// The RSA host key: loaded from or saved to `<state_dir>/ssh_host_rsa_key`, else generated and
/// kept for the simulator's lifetime (across its reboots). It is made as the simulator starts,
/// in the background — RouterOS makes its host key when it first boots, not when the first
/// client connects —; a connection that comes before it is ready waits for it.
pub(crate) struct HostKey {
    path: Option<PathBuf>,
    key: Arc<OnceCell<PrivateKey>>,
}

impl HostKey {
    /// Starts making (or loading) the key; needs a Tokio runtime.
    pub(crate) fn new(state_dir: Option<PathBuf>) -> HostKey {
        let host_key = HostKey {
            path: state_dir.map(|d| d.join("ssh_host_rsa_key")),
            key: Arc::new(OnceCell::new()),
        };
        let (key, path) = (Arc::clone(&host_key.key), host_key.path.clone());
        // Errors are reported by the connection that needs the key (`get`).
        tokio::spawn(async move { drop(init(&key, path).await) });
        host_key
    }

    async fn get(&self) -> Option<PrivateKey> {
        init(&self.key, self.path.clone())
            .await
            .map_err(|e| warn!(error = %e, "ssh host key unavailable"))
            .ok()
            .cloned()
    }
}

async fn init(key: &OnceCell<PrivateKey>, path: Option<PathBuf>) -> Result<&PrivateKey, String> {
    key.get_or_try_init(|| async move {
        tokio::task::spawn_blocking(move || load_or_generate(path.as_deref()))
            .await
            .map_err(|e| e.to_string())?
    })
    .await
}

fn load_or_generate(path: Option<&std::path::Path>) -> Result<PrivateKey, String> {
    if let Some(path) = path
        && path.exists()
    {
        return PrivateKey::read_openssh_file(path)
            .map_err(|e| format!("failed to read host key {}: {e}", path.display()));
    }
    let mut rng = russh::keys::key::safe_rng();
    let keypair = russh::keys::ssh_key::private::RsaKeypair::random(&mut rng, 2048)
        .map_err(|e| format!("failed to generate the rsa host key: {e}"))?;
    let key = PrivateKey::new(keypair.into(), "")
        .map_err(|e| format!("failed to wrap the rsa host key: {e}"))?;
    if let Some(path) = path
        && let Err(e) = key.write_openssh_file(path, russh::keys::ssh_key::LineEnding::LF)
    {
        warn!(path = %path.display(), error = %e, "failed to save the ssh host key");
    }
    Ok(key)
}

const KEX_STRONG: &[kex::Name] = &[
    kex::CURVE25519,
    kex::CURVE25519_PRE_RFC_8731,
    kex::DH_GEX_SHA256,
    kex::DH_G16_SHA512,
    kex::DH_G14_SHA256,
    kex::EXTENSION_SUPPORT_AS_SERVER,
    kex::EXTENSION_OPENSSH_STRICT_KEX_AS_SERVER,
];
const KEX_DEFAULT: &[kex::Name] = &[
    kex::CURVE25519,
    kex::CURVE25519_PRE_RFC_8731,
    kex::DH_GEX_SHA256,
    kex::DH_G16_SHA512,
    kex::DH_G14_SHA256,
    kex::DH_G14_SHA1,
    kex::DH_GEX_SHA1,
    kex::EXTENSION_SUPPORT_AS_SERVER,
    kex::EXTENSION_OPENSSH_STRICT_KEX_AS_SERVER,
];
const KEX_V6: &[kex::Name] = &[
    kex::DH_GEX_SHA256,
    kex::DH_G14_SHA1,
    kex::DH_GEX_SHA1,
    kex::DH_G1_SHA1,
    kex::EXTENSION_SUPPORT_AS_SERVER,
];
const CIPHER_STRONG: &[cipher::Name] = &[
    cipher::AES_256_GCM,
    cipher::AES_256_CTR,
    cipher::AES_192_CTR,
];
const CIPHER_DEFAULT: &[cipher::Name] = &[
    cipher::AES_256_GCM,
    cipher::AES_128_GCM,
    cipher::CHACHA20_POLY1305,
    cipher::AES_256_CTR,
    cipher::AES_192_CTR,
    cipher::AES_128_CTR,
    cipher::AES_256_CBC,
    cipher::AES_192_CBC,
    cipher::AES_128_CBC,
];
const MAC_STRONG: &[mac::Name] = &[
    mac::HMAC_SHA256,
    mac::HMAC_SHA512,
    mac::HMAC_SHA256_ETM,
    mac::HMAC_SHA512_ETM,
];
const MAC_DEFAULT: &[mac::Name] = &[
    mac::HMAC_SHA256,
    mac::HMAC_SHA512,
    mac::HMAC_SHA256_ETM,
    mac::HMAC_SHA512_ETM,
    mac::HMAC_SHA1,
];
const KEYS_STRONG: &[Algorithm] = &[
    Algorithm::Rsa {
        hash: Some(HashAlg::Sha512),
    },
    Algorithm::Rsa {
        hash: Some(HashAlg::Sha256),
    },
];
const KEYS_DEFAULT: &[Algorithm] = &[
    Algorithm::Rsa {
        hash: Some(HashAlg::Sha512),
    },
    Algorithm::Rsa {
        hash: Some(HashAlg::Sha256),
    },
    Algorithm::Rsa { hash: None },
];

/// The algorithm lists offered: `strong-crypto=yes` drops SHA-1 (kex, MAC, `ssh-rsa`), 128-bit and CBC
/// ciphers; v6 mode offers the legacy set. Exact RouterOS lists are UNVERIFIED (FACTS §8).
pub(crate) fn preferred(strong: bool, v6: bool) -> Preferred {
    let compression = Preferred::DEFAULT.compression.clone();
    if strong {
        Preferred {
            kex: Cow::Borrowed(KEX_STRONG),
            key: Cow::Borrowed(KEYS_STRONG),
            host_key_certificates: Cow::Borrowed(&[]),
            cipher: Cow::Borrowed(CIPHER_STRONG),
            mac: Cow::Borrowed(MAC_STRONG),
            compression,
        }
    } else {
        Preferred {
            kex: Cow::Borrowed(if v6 { KEX_V6 } else { KEX_DEFAULT }),
            key: Cow::Borrowed(KEYS_DEFAULT),
            host_key_certificates: Cow::Borrowed(&[]),
            cipher: Cow::Borrowed(CIPHER_DEFAULT),
            mac: Cow::Borrowed(MAC_DEFAULT),
            compression,
        }
    }
}

/// Time a client has to send its identification string.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// Closes the socket when the session task ends or is aborted, so russh's own task stops too.
struct ShutdownOnDrop(Option<std::net::TcpStream>);

impl Drop for ShutdownOnDrop {
    fn drop(&mut self) {
        if let Some(s) = self.0.take() {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }
}

pub(crate) async fn serve(stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>) {
    let Some(key) = shared.ssh_key.get().await else {
        return;
    };
    // A second handle on the socket: dropping it shuts the connection down.
    let guard = match stream.into_std().and_then(|s| Ok((s.try_clone()?, s))) {
        Ok((clone, s)) => match TcpStream::from_std(s) {
            Ok(stream) => (ShutdownOnDrop(Some(clone)), stream),
            Err(e) => {
                debug!(error = %e, "ssh socket");
                return;
            }
        },
        Err(e) => {
            debug!(error = %e, "ssh socket");
            return;
        }
    };
    let (_guard, stream) = guard;
    let router = &shared.router;
    let v6 = router.version().is_v6();
    let config = russh::server::Config {
        server_id: SshId::Standard(Cow::Borrowed("SSH-2.0-ROSSSH")),
        methods: password_only(),
        auth_rejection_time: Duration::from_millis(200),
        auth_rejection_time_initial: Some(Duration::from_millis(0)),
        keys: vec![key],
        preferred: preferred(router.ssh_strong_crypto(), v6),
        inactivity_timeout: Some(Duration::from_secs(600)),
        // russh counts the `none` probe OpenSSH sends first; 3 password attempts follow it.
        max_auth_attempts: 4,
        nodelay: true,
        ..Default::default()
    };
    let logged_in = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let handler = SshSession {
        shared: Arc::clone(&shared),
        peer,
        logged_in: Arc::clone(&logged_in),
        login: None,
        user: String::new(),
        channels: HashMap::new(),
    };
    let login_by = tokio::time::Instant::now() + router.login_deadline();
    let started = tokio::time::timeout_at(
        login_by.min(tokio::time::Instant::now() + HANDSHAKE_TIMEOUT),
        russh::server::run_stream(Arc::new(config), stream, handler),
    )
    .await;
    let Ok(started) = started else {
        debug!(%peer, "ssh client sent no identification in time");
        return;
    };
    let running = match started {
        Ok(running) => running,
        Err(e) => {
            debug!(%peer, error = %e, "ssh handshake failed");
            return;
        }
    };
    // Not logged in by the deadline, however slowly the client sends: the connection is closed
    // (returning drops the socket guard).
    let deadline = async {
        tokio::time::sleep_until(login_by).await;
        if logged_in.load(std::sync::atomic::Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        ended = running => {
            if let Err(e) = ended {
                debug!(%peer, error = %e, "ssh session ended");
            }
        }
        () = deadline => debug!(%peer, "ssh client did not log in in time"),
    }
}

/// Per-channel state before the shell or exec starts.
#[derive(Default)]
struct ChannelState {
    width: Option<u16>,
    /// Input for a running shell.
    input: Option<mpsc::Sender<Vec<u8>>>,
}

struct SshSession {
    shared: Arc<Shared>,
    peer: SocketAddr,
    /// Set once a password is accepted (the login deadline no longer applies).
    logged_in: Arc<std::sync::atomic::AtomicBool>,
    login: Option<crate::router::Session>,
    user: String,
    channels: HashMap<ChannelId, ChannelState>,
}

impl Drop for SshSession {
    fn drop(&mut self) {
        if let Some(session) = self.login.take() {
            self.shared.router.logout(&session);
        }
    }
}

impl SshSession {
    fn terminal(&self, interactive: bool, width: Option<u16>) -> Option<Terminal> {
        let session = self.login.as_ref()?;
        let flags = login_flags(&self.user);
        Some(self.shared.router.terminal(
            session,
            TerminalOpts {
                interactive,
                colors: flags.colors && interactive,
                width: flags.width.or(width).unwrap_or(80),
            },
        ))
    }
}

/// The one authentication method the simulator offers.
fn password_only() -> MethodSet {
    let mut methods = MethodSet::empty();
    methods.push(MethodKind::Password);
    methods
}

impl russh::server::Handler for SshSession {
    type Error = russh::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        match self
            .shared
            .router
            .login(user, password, Via::Ssh, Some(self.peer.ip()))
        {
            Ok(session) => {
                self.user = user.to_string();
                self.login = Some(session);
                self.logged_in
                    .store(true, std::sync::atomic::Ordering::SeqCst);
                Ok(Auth::Accept)
            }
            // Keep offering `password`: a bare reject empties the method list after a failure
            // and strict clients give up after the first wrong password.
            Err(_) => Ok(Auth::Reject {
                proceed_with_methods: Some(password_only()),
                partial_success: false,
            }),
        }
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.channels.insert(channel.id(), ChannelState::default());
        reply.accept().await;
        Ok(())
    }

    /// `ssh -L`: refused (`SSH_MSG_CHANNEL_OPEN_FAILURE`, administratively prohibited) unless
    /// `forwarding-enabled` admits local forwarding; when it does, the channel is accepted and
    /// then closed at once: the simulator forwards nothing (FIDELITY.md).
    async fn channel_open_direct_tcpip(
        &mut self,
        channel: Channel<Msg>,
        host_to_connect: &str,
        port_to_connect: u32,
        _originator_address: &str,
        _originator_port: u32,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.login.is_none() || !self.shared.router.ssh_local_forwarding() {
            debug!(host_to_connect, port_to_connect, "direct-tcpip refused");
            reply
                .reject(russh::ChannelOpenFailure::AdministrativelyProhibited)
                .await;
            return Ok(());
        }
        debug!(
            host_to_connect,
            port_to_connect, "direct-tcpip accepted, not forwarded"
        );
        reply.accept().await;
        let _ = channel.eof().await;
        let _ = channel.close().await;
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        col_width: u32,
        _row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(state) = self.channels.get_mut(&channel) {
            state.width = u16::try_from(col_width).ok().filter(|w| *w > 0);
        }
        session.channel_success(channel)?;
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let width = self.channels.get(&channel).and_then(|c| c.width);
        let Some(mut term) = self.terminal(false, width) else {
            session.channel_failure(channel)?;
            return Ok(());
        };
        session.channel_success(channel)?;
        let line = String::from_utf8_lossy(data).into_owned();
        let output = crate::server::shell::blocking(|| term.execute(&line));
        // RouterOS ends every line it prints with CR LF on the exec channel as on a terminal.
        session.data(channel, crate::server::shell::crlf(&output).into_bytes())?;
        session.exit_status_request(channel, 0)?;
        session.eof(channel)?;
        session.close(channel)?;
        Ok(())
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let width = self.channels.get(&channel).and_then(|c| c.width);
        let Some(term) = self.terminal(true, width) else {
            session.channel_failure(channel)?;
            return Ok(());
        };
        session.channel_success(channel)?;
        let (tx, rx) = mpsc::channel(64);
        if let Some(state) = self.channels.get_mut(&channel) {
            state.input = Some(tx);
        }
        let v6 = self.shared.router.version().is_v6();
        let echo = self.shared.router.subscribe_echo();
        let handle = session.handle();
        self.shared
            .spawn(run_shell(term, v6, rx, echo, handle, channel));
        Ok(())
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        let input = self.channels.get(&channel).and_then(|c| c.input.clone());
        if let Some(input) = input {
            // Waits while the shell is busy: back-pressure instead of an unbounded queue.
            let _ = input.send(data.to_vec()).await;
        }
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(state) = self.channels.get_mut(&channel) {
            state.input = None;
        }
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.channels.remove(&channel);
        Ok(())
    }
}

/// Drives one PTY shell: client input and echo lines in, terminal bytes out.
async fn run_shell(
    term: Terminal,
    v6: bool,
    mut input: mpsc::Receiver<Vec<u8>>,
    echo: tokio::sync::broadcast::Receiver<String>,
    handle: russh::server::Handle,
    channel: ChannelId,
) {
    let mut echo = Some(echo);
    let (mut shell, first) = Shell::start(term, v6, false);
    if handle.data(channel, first).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            bytes = input.recv() => {
                let Some(bytes) = bytes else { break };
                let out = shell.feed(&bytes);
                if !out.bytes.is_empty() && handle.data(channel, out.bytes).await.is_err() {
                    return;
                }
                if out.close {
                    break;
                }
            }
            line = recv_echo(&mut echo) => {
                if let Some(line) = line
                    && let Some(bytes) = shell.echo(&line)
                    && handle.data(channel, bytes).await.is_err()
                {
                    return;
                }
            }
        }
    }
    let _ = handle.exit_status_request(channel, 0).await;
    let _ = handle.eof(channel).await;
    let _ = handle.close(channel).await;
}
