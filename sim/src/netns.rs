//! Network namespaces held only by file descriptors.
//!
//! A [`NetnsFd`] owns an fd of `/proc/thread-self/ns/net` taken on a throw-away thread that called
//! `unshare(CLONE_NEWNET)`. Nothing is named under `/run/netns`: the kernel frees the namespace (and every
//! interface in it) when the last fd and the last thread or socket inside it are gone, so a crashed test
//! leaks nothing.
//!
//! `setns`/`unshare` act on the calling thread only, so work that must happen inside a namespace runs on a
//! dedicated thread ([`NetnsFd::run`]). A socket's namespace is fixed when it is created, so a listener made
//! by [`bind_tcp`] (or [`bind_udp`]) can afterwards be used from any thread or async runtime.

use std::fs::File;
use std::io;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::sync::Arc;

use nix::sched::{CloneFlags, setns, unshare};
use socket2::{Domain, Protocol, Socket, Type};

/// A network namespace, kept alive by an owned fd (cheap to clone).
#[derive(Clone, Debug)]
pub struct NetnsFd(Arc<OwnedFd>);

impl NetnsFd {
    /// Creates a fresh, empty network namespace with `lo` up.
    ///
    /// Needs CAP_SYS_ADMIN (root, or inside a user namespace that owns the caller).
    pub fn new_isolated() -> io::Result<NetnsFd> {
        on_thread(|| {
            unshare(CloneFlags::CLONE_NEWNET).map_err(io::Error::from)?;
            let fd = OwnedFd::from(File::open("/proc/thread-self/ns/net")?);
            loopback_up()?;
            Ok(NetnsFd(Arc::new(fd)))
        })?
    }

    /// The namespace of the calling thread (for the process's own namespace: call it from any thread
    /// that never changed namespace).
    pub fn current() -> io::Result<NetnsFd> {
        Ok(NetnsFd(Arc::new(OwnedFd::from(File::open(
            "/proc/thread-self/ns/net",
        )?))))
    }

    /// Runs `f` on a new thread that has entered this namespace and returns its result.
    pub fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> io::Result<T> {
        let ns = self.clone();
        on_thread(move || {
            ns.enter_current_thread()?;
            Ok(f())
        })?
    }

    /// Moves the calling thread into this namespace. Only for threads this crate or its user owns
    /// (never a shared runtime worker).
    pub fn enter_current_thread(&self) -> io::Result<()> {
        setns(self.0.as_fd(), CloneFlags::CLONE_NEWNET).map_err(io::Error::from)
    }

    /// The namespace's inode number (its identity, as `ls -l /proc/PID/ns/net` shows `net:[INODE]`).
    pub fn inode(&self) -> io::Result<u64> {
        let file = File::from(self.0.as_fd().try_clone_to_owned()?);
        Ok(file.metadata()?.ino())
    }

    /// The raw fd, e.g. for moving an interface into this namespace (`IFLA_NET_NS_FD`).
    pub fn raw_fd(&self) -> i32 {
        self.0.as_raw_fd()
    }
}

impl AsFd for NetnsFd {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.0.as_fd()
    }
}

/// Runs `f` on a fresh thread (so namespace changes never leak into the caller's thread).
fn on_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> io::Result<T> {
    std::thread::Builder::new()
        .name("netns".into())
        .spawn(f)?
        .join()
        .map_err(|_| io::Error::other("netns worker thread panicked"))
}

/// Brings `lo` up in the calling thread's namespace (SIOCGIFFLAGS / SIOCSIFFLAGS).
fn loopback_up() -> io::Result<()> {
    use nix::libc;
    let sock = Socket::new(Domain::IPV4, Type::DGRAM, None)?;
    // SAFETY: `ifreq` is plain data; zeroed is a valid value. The name fits with its NUL.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(b"lo\0") {
        *dst = *src as libc::c_char;
    }
    // SAFETY: valid socket fd and a properly initialised `ifreq` that outlives the calls.
    unsafe {
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) < 0 {
            return Err(io::Error::last_os_error());
        }
        req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &req) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Creates a socket inside `ns` (or in the calling thread's namespace for `None`).
pub fn socket_in(
    ns: Option<&NetnsFd>,
    domain: Domain,
    ty: Type,
    protocol: Option<Protocol>,
) -> io::Result<Socket> {
    match ns {
        None => Socket::new(domain, ty, protocol),
        Some(ns) => ns.run(move || Socket::new(domain, ty, protocol))?,
    }
}

/// A nonblocking, `SO_REUSEADDR` TCP listener bound to `addr` inside `ns` (`None`: the caller's namespace).
/// An IPv6 listener is `IPV6_V6ONLY`: IPv4 clients never reach it as `::ffff:` mapped addresses.
pub fn bind_tcp(ns: Option<&NetnsFd>, addr: SocketAddr) -> io::Result<TcpListener> {
    let sock = socket_in(
        ns,
        Domain::for_address(addr),
        Type::STREAM,
        Some(Protocol::TCP),
    )?;
    if addr.is_ipv6() {
        sock.set_only_v6(true)?;
    }
    sock.set_reuse_address(true)?;
    sock.set_nonblocking(true)?;
    sock.bind(&addr.into())?;
    sock.listen(1024)?;
    Ok(sock.into())
}

/// A nonblocking UDP socket bound to `addr` inside `ns` (`None`: the caller's namespace), for a
/// UDP listener (DNS, SNMP). An IPv6 one is `IPV6_V6ONLY`, like [`bind_tcp`]'s.
pub fn bind_udp(ns: Option<&NetnsFd>, addr: SocketAddr) -> io::Result<UdpSocket> {
    let sock = socket_in(
        ns,
        Domain::for_address(addr),
        Type::DGRAM,
        Some(Protocol::UDP),
    )?;
    if addr.is_ipv6() {
        sock.set_only_v6(true)?;
    }
    sock.set_reuse_address(true)?;
    sock.set_nonblocking(true)?;
    sock.bind(&addr.into())?;
    Ok(sock.into())
}

/// A nonblocking TCP socket created inside `ns`, not yet connected (bind it to pick a source address,
/// then connect, e.g. through `tokio::net::TcpSocket::from_std_stream`).
pub fn tcp_socket(ns: Option<&NetnsFd>, addr_family_of: SocketAddr) -> io::Result<Socket> {
    let sock = socket_in(
        ns,
        Domain::for_address(addr_family_of),
        Type::STREAM,
        Some(Protocol::TCP),
    )?;
    sock.set_nonblocking(true)?;
    Ok(sock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isolated_namespace_differs_and_has_loopback() {
        if !testsupport::require(&[testsupport::Need::Root]) {
            assert!(NetnsFd::new_isolated().is_err());
            return;
        }
        let host = NetnsFd::current().and_then(|n| n.inode());
        let ns = NetnsFd::new_isolated().and_then(|n| n.inode().map(|i| (n, i)));
        let (ns, inode) = match (host, ns) {
            (Ok(h), Ok((ns, i))) => {
                assert_ne!(h, i);
                (ns, i)
            }
            other => panic!("namespace setup failed: {other:?}"),
        };
        // Inside: the thread sees the namespace, and 127.0.0.1 works because lo is up.
        let seen = ns.run(|| NetnsFd::current().and_then(|n| n.inode()));
        assert_eq!(seen.ok().and_then(Result::ok), Some(inode));
        let listener = bind_tcp(
            Some(&ns),
            "127.0.0.1:0"
                .parse()
                .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 0))),
        );
        let port = listener.and_then(|l| l.local_addr().map(|a| (l, a.port())));
        let (listener, port) = match port {
            Ok(v) => v,
            Err(e) => panic!("bind in namespace: {e}"),
        };
        let inside = ns.run(move || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
        assert_eq!(inside.ok(), Some(true));
        drop(listener);
    }
}
