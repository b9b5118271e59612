//! Port forwards on demand, for a machine on QEMU user-mode networking (slirp).
//!
//! The harness does not know in advance which ports it will reach (a profile moves ssh to 2222,
//! www to 8080, …), so a forward is added the first time a vantage connects to a port:
//! `hostfwd_add netN tcp:127.0.0.1:HOST-GUEST:PORT` through the machine's second monitor
//! socket (`qmp-fwd.sock`; the first belongs to the lab's async code, and QEMU serves one client
//! per socket). The host port is one the kernel just handed out for `127.0.0.1:0`; when another
//! process takes it in between, QEMU refuses the rule and another port is tried.
//!
//! [`Forwards::translator`] is what a vantage's thread calls ([`crate::vantage::Translator`]):
//! it maps (the router's address, port) to `127.0.0.1:<host port>` of that vantage's NIC, so
//! the guest sees the connection come from that NIC's host address. The monitor client is
//! blocking on purpose: the translator is called from synchronous code (`RestClient::new`) and
//! from the vantages' single-threaded runtimes; an added forward costs one monitor round trip,
//! a known one a map lookup.

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::qmp::QmpError;
use crate::vantage::Translator;

/// How many host ports are tried before adding a forward fails.
const PORT_ATTEMPTS: usize = 8;

/// Something that runs human-monitor commands and returns their text output.
pub trait Monitor: Send {
    /// Runs one HMP command line; its text output (empty on success for `hostfwd_*`).
    fn hmp(&mut self, command_line: &str) -> Result<String, QmpError>;
}

/// A blocking QMP client on a unix socket (greeting, capabilities, `human-monitor-command`).
pub struct BlockingQmp {
    path: String,
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl std::fmt::Debug for BlockingQmp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingQmp")
            .field("path", &self.path)
            .finish()
    }
}

impl BlockingQmp {
    /// Connects to `path` and negotiates; every read waits at most `timeout`.
    pub fn connect(path: &Path, timeout: Duration) -> Result<BlockingQmp, QmpError> {
        let name = path.display().to_string();
        let io = |source| QmpError::Io {
            path: name.clone(),
            source,
        };
        let stream = UnixStream::connect(path).map_err(io)?;
        stream.set_read_timeout(Some(timeout)).map_err(io)?;
        stream.set_write_timeout(Some(timeout)).map_err(io)?;
        let writer = stream.try_clone().map_err(io)?;
        let mut qmp = BlockingQmp {
            path: name.clone(),
            reader: BufReader::new(stream),
            writer,
        };
        let greeting = qmp.read_message()?;
        if greeting.get("QMP").is_none() {
            return Err(QmpError::Protocol(format!("greeting {greeting}")));
        }
        qmp.execute("qmp_capabilities", None)?;
        Ok(qmp)
    }

    fn read_message(&mut self) -> Result<Value, QmpError> {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) => Err(QmpError::Io {
                path: self.path.clone(),
                source: io::Error::new(io::ErrorKind::UnexpectedEof, "QEMU closed the monitor"),
            }),
            Ok(_) => serde_json::from_str(&line)
                .map_err(|e| QmpError::Protocol(format!("{e}: {line:?}"))),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Err(QmpError::Timeout(self.path.clone()))
            }
            Err(source) => Err(QmpError::Io {
                path: self.path.clone(),
                source,
            }),
        }
    }

    /// Runs one command and returns its `return` value (events are skipped).
    pub fn execute(&mut self, command: &str, arguments: Option<Value>) -> Result<Value, QmpError> {
        let mut request = json!({ "execute": command });
        if let Some(args) = arguments {
            request["arguments"] = args;
        }
        let mut text = request.to_string();
        text.push('\n');
        self.writer
            .write_all(text.as_bytes())
            .map_err(|source| QmpError::Io {
                path: self.path.clone(),
                source,
            })?;
        loop {
            let message = self.read_message()?;
            if let Some(reply) = super::qmp::reply(command, &message) {
                return reply;
            }
        }
    }
}

impl Monitor for BlockingQmp {
    fn hmp(&mut self, command_line: &str) -> Result<String, QmpError> {
        let out = self.execute(
            "human-monitor-command",
            Some(json!({ "command-line": command_line })),
        )?;
        Ok(out.as_str().unwrap_or("").trim().to_string())
    }
}

/// One user-mode NIC as seen from a vantage: the netdev that carries its forwards and the
/// guest's address on it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    /// The `-netdev` id (`net0`, `net1`, …).
    pub netdev: String,
    /// The guest's address on that NIC (the forwards' destination).
    pub guest: Ipv4Addr,
}

/// One forward in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    /// The NIC.
    pub route: Route,
    /// The guest port.
    pub port: u16,
    /// The host port on 127.0.0.1.
    pub host_port: u16,
}

/// Why a forward could not be added.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    /// The monitor failed.
    #[error("monitor {path}")]
    Monitor {
        /// Its socket.
        path: String,
        /// The cause.
        #[source]
        source: QmpError,
    },
    /// QEMU refused the rule on every host port tried.
    #[error("QEMU refused `{command}`: {output}")]
    Refused {
        /// The last command.
        command: String,
        /// QEMU's answer.
        output: String,
    },
    /// No free host port could be picked.
    #[error("pick a free port on 127.0.0.1")]
    Port(#[source] io::Error),
    /// The lab is going away.
    #[error("the lab's forwards are closed")]
    Closed,
}

impl From<ForwardError> for io::Error {
    fn from(e: ForwardError) -> io::Error {
        let kind = match &e {
            ForwardError::Closed => io::ErrorKind::NotConnected,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, e)
    }
}

/// Makes (or re-makes) the monitor connection.
pub type Connector = Box<dyn FnMut() -> Result<Box<dyn Monitor>, QmpError> + Send>;

struct Inner {
    connect: Connector,
    monitor: Option<Box<dyn Monitor>>,
    table: BTreeMap<(Route, u16), u16>,
    closed: bool,
}

/// The forwards of one machine, added on demand and removed on [`Forwards::close`].
pub struct Forwards {
    name: String,
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for Forwards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forwards")
            .field("monitor", &self.name)
            .finish()
    }
}

/// `hostfwd_add` for a forward from `127.0.0.1:host_port` to `guest:port` on `netdev`.
pub fn add_command(route: &Route, host_port: u16, port: u16) -> String {
    format!(
        "hostfwd_add {} tcp:127.0.0.1:{host_port}-{}:{port}",
        route.netdev, route.guest
    )
}

/// `hostfwd_remove` for the forward on `127.0.0.1:host_port` of `netdev`.
pub fn remove_command(route: &Route, host_port: u16) -> String {
    format!("hostfwd_remove {} tcp:127.0.0.1:{host_port}", route.netdev)
}

/// A port on 127.0.0.1 that was free a moment ago.
fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

impl Forwards {
    /// Forwards through the monitor at `socket` (QEMU's `qmp-fwd.sock`).
    pub fn on_socket(socket: PathBuf) -> Arc<Forwards> {
        let name = socket.display().to_string();
        Forwards::new(
            name,
            Box::new(move || {
                BlockingQmp::connect(&socket, Duration::from_secs(10))
                    .map(|m| Box::new(m) as Box<dyn Monitor>)
            }),
        )
    }

    /// Forwards through whatever `connect` returns (tests pass a fake monitor).
    pub fn new(name: String, connect: Connector) -> Arc<Forwards> {
        Arc::new(Forwards {
            name,
            inner: Mutex::new(Inner {
                connect,
                monitor: None,
                table: BTreeMap::new(),
                closed: false,
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves the table consistent (entries go in last).
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn monitor_error(&self, source: QmpError) -> ForwardError {
        ForwardError::Monitor {
            path: self.name.clone(),
            source,
        }
    }

    /// Connects the monitor now (so a broken one shows at lab start, not at the first probe).
    pub fn connect(&self) -> Result<(), ForwardError> {
        let mut inner = self.lock();
        if inner.monitor.is_none() {
            let m = (inner.connect)().map_err(|e| self.monitor_error(e))?;
            inner.monitor = Some(m);
        }
        Ok(())
    }

    /// The host port that reaches `port` on `route`'s guest address, adding the forward the
    /// first time.
    pub fn forward(&self, route: &Route, port: u16) -> Result<u16, ForwardError> {
        self.forward_with(route, port, free_port)
    }

    fn forward_with(
        &self,
        route: &Route,
        port: u16,
        mut pick: impl FnMut() -> io::Result<u16>,
    ) -> Result<u16, ForwardError> {
        let mut inner = self.lock();
        if inner.closed {
            return Err(ForwardError::Closed);
        }
        if let Some(hp) = inner.table.get(&(route.clone(), port)) {
            return Ok(*hp);
        }
        let mut last = None;
        for _ in 0..PORT_ATTEMPTS {
            let host_port = pick().map_err(ForwardError::Port)?;
            let command = add_command(route, host_port, port);
            if inner.monitor.is_none() {
                let m = (inner.connect)().map_err(|e| self.monitor_error(e))?;
                inner.monitor = Some(m);
            }
            let monitor = inner.monitor.as_mut().expect("connected just above");
            let output = match monitor.hmp(&command) {
                Ok(out) => out,
                Err(e) => {
                    // A broken connection is made again on the next call.
                    inner.monitor = None;
                    return Err(self.monitor_error(e));
                }
            };
            if output.is_empty() {
                tracing::debug!(%command, "port forward added");
                inner.table.insert((route.clone(), port), host_port);
                return Ok(host_port);
            }
            // Most likely the port was taken between our probe and QEMU's bind: try another.
            tracing::debug!(%command, %output, "QEMU refused a port forward; trying another port");
            last = Some(ForwardError::Refused { command, output });
        }
        Err(last.expect("at least one attempt"))
    }

    /// The forwards in place.
    pub fn list(&self) -> Vec<Forward> {
        self.lock()
            .table
            .iter()
            .map(|((route, port), hp)| Forward {
                route: route.clone(),
                port: *port,
                host_port: *hp,
            })
            .collect()
    }

    /// Removes every forward and lets go of the monitor; later calls fail with
    /// [`ForwardError::Closed`]. Failures are logged (QEMU is about to be killed anyway).
    pub fn close(&self) {
        let mut inner = self.lock();
        inner.closed = true;
        let table = std::mem::take(&mut inner.table);
        if let Some(monitor) = inner.monitor.as_mut() {
            for ((route, _), hp) in &table {
                let command = remove_command(route, *hp);
                match monitor.hmp(&command) {
                    Ok(out) if out.is_empty() || out.contains("removed") => {}
                    Ok(out) => tracing::warn!(%command, %out, "port forward not removed"),
                    Err(e) => {
                        tracing::warn!(%command, error = %e, "port forward not removed");
                        break;
                    }
                }
            }
        }
        inner.monitor = None;
    }

    /// The translator of a vantage that reaches the guest through `route`: connections to
    /// `router` (the address the harness knows the router by) or to the guest's own address on
    /// that NIC go to `127.0.0.1:<host port>`; anything else is refused (it would not reach the
    /// guest).
    pub fn translator(self: &Arc<Self>, router: IpAddr, route: Route) -> Translator {
        let forwards = Arc::clone(self);
        Arc::new(move |addr: SocketAddr| {
            if addr.ip() != router && addr.ip() != IpAddr::V4(route.guest) {
                return Err(io::Error::new(
                    io::ErrorKind::AddrNotAvailable,
                    format!(
                        "only the lab's router ({router}) is reachable through QEMU user-mode networking"
                    ),
                ));
            }
            let hp = forwards.forward(&route, addr.port())?;
            Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), hp))
        })
    }
}

impl Drop for Forwards {
    fn drop(&mut self) {
        self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A monitor that records commands and refuses the host ports listed as taken.
    struct Fake {
        log: Arc<Mutex<Vec<String>>>,
        taken: Vec<u16>,
    }

    impl Monitor for Fake {
        fn hmp(&mut self, command_line: &str) -> Result<String, QmpError> {
            self.log.lock().unwrap().push(command_line.to_string());
            let taken = self
                .taken
                .iter()
                .any(|p| command_line.contains(&format!(":127.0.0.1:{p}-")));
            Ok(if taken {
                format!("Could not set up host forwarding rule '{command_line}'")
            } else {
                String::new()
            })
        }
    }

    fn fake(taken: Vec<u16>) -> (Arc<Forwards>, Arc<Mutex<Vec<String>>>) {
        let log = Arc::new(Mutex::new(Vec::new()));
        let l = log.clone();
        let f = Forwards::new(
            "fake".into(),
            Box::new(move || {
                Ok(Box::new(Fake {
                    log: l.clone(),
                    taken: taken.clone(),
                }) as Box<dyn Monitor>)
            }),
        );
        (f, log)
    }

    fn route(netdev: &str, guest: [u8; 4]) -> Route {
        Route {
            netdev: netdev.into(),
            guest: Ipv4Addr::from(guest),
        }
    }

    #[test]
    fn commands_are_what_hmp_expects() {
        let r = route("net1", [198, 51, 100, 1]);
        assert_eq!(
            add_command(&r, 40001, 2222),
            "hostfwd_add net1 tcp:127.0.0.1:40001-198.51.100.1:2222"
        );
        assert_eq!(
            remove_command(&r, 40001),
            "hostfwd_remove net1 tcp:127.0.0.1:40001"
        );
    }

    #[test]
    fn a_forward_is_added_once_per_nic_and_port_and_a_taken_host_port_is_skipped() {
        let (f, log) = fake(vec![40002]);
        let ether1 = route("net0", [192, 0, 2, 1]);
        let ether2 = route("net1", [198, 51, 100, 1]);
        let mut ports = [40001u16, 40002, 40003, 40004].into_iter();
        let mut pick = || Ok(ports.next().unwrap());
        assert_eq!(f.forward_with(&ether1, 22, &mut pick).unwrap(), 40001);
        assert_eq!(
            f.forward_with(&ether1, 22, &mut pick).unwrap(),
            40001,
            "known: no new rule"
        );
        // 40002 is taken: QEMU refuses it and the next port is used.
        assert_eq!(f.forward_with(&ether2, 22, &mut pick).unwrap(), 40003);
        assert_eq!(
            *log.lock().unwrap(),
            vec![
                "hostfwd_add net0 tcp:127.0.0.1:40001-192.0.2.1:22",
                "hostfwd_add net1 tcp:127.0.0.1:40002-198.51.100.1:22",
                "hostfwd_add net1 tcp:127.0.0.1:40003-198.51.100.1:22",
            ]
        );
        assert_eq!(f.list().len(), 2);
        f.close();
        let log = log.lock().unwrap().clone();
        assert!(
            log.contains(&"hostfwd_remove net0 tcp:127.0.0.1:40001".to_string()),
            "{log:?}"
        );
        assert!(
            log.contains(&"hostfwd_remove net1 tcp:127.0.0.1:40003".to_string()),
            "{log:?}"
        );
        assert!(matches!(
            f.forward_with(&ether1, 22, &mut || Ok(1)),
            Err(ForwardError::Closed)
        ));
    }

    #[test]
    fn a_host_port_that_stays_taken_is_an_error_naming_the_rule() {
        let (f, _) = fake(vec![5555]);
        let e = f
            .forward_with(&route("net0", [192, 0, 2, 1]), 80, || Ok(5555))
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("hostfwd_add net0 tcp:127.0.0.1:5555-192.0.2.1:80"),
            "{e}"
        );
    }

    #[test]
    fn the_translator_maps_the_router_to_its_forward_and_refuses_other_hosts() {
        let (f, log) = fake(Vec::new());
        let router: IpAddr = "192.0.2.1".parse().unwrap();
        let untrusted = f.translator(router, route("net1", [198, 51, 100, 1]));
        let to = untrusted("192.0.2.1:2222".parse().unwrap()).unwrap();
        assert_eq!(to.ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_ne!(to.port(), 0);
        // The guest's own address on that NIC is the same forward.
        assert_eq!(untrusted("198.51.100.1:2222".parse().unwrap()).unwrap(), to);
        assert!(
            log.lock()
                .unwrap()
                .iter()
                .all(|c| c.ends_with("-198.51.100.1:2222"))
        );
        let e = untrusted("203.0.113.9:22".parse().unwrap()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AddrNotAvailable);
        assert!(e.to_string().contains("192.0.2.1"), "{e}");
    }
}
