//! A lab made of network namespaces: the router in one, a trusted and an untrusted client in others.
//!
//! ```text
//!   trusted ns                  router ns                          untrusted ns
//!   eth0 192.0.2.10/24 ── veth ── rt-trusted ┐
//!        2001:db8::10/64                     ├─ bridge ether1 192.0.2.1/24, 2001:db8::1/64
//!   eth0 192.0.2.66/24 ── veth ── rt-untrusted ┘
//!        2001:db8::66/64
//! ```
//!
//! Every link also has an IPv6 documentation address (2001:db8::/64), added with `IFA_F_NODAD` so it
//! is usable at once (no duplicate address detection to wait for): a RouterOS 7 router listens on
//! IPv6 too, and the harness probes it there ([`NamespaceLab::router_addr6`],
//! [`NamespaceLab::trusted_addr6`], [`NamespaceLab::untrusted_addr6`]). In a machine lab the router
//! namespace has no address of either family; the guest's own `ether1` is [`ROUTER_ADDR6`]'s place.
//!
//! The router's bridge is named `ether1`, like a CHR's first interface, so a rule with
//! `in-interface=ether1` matches traffic from both clients, as it would on a cloud router reached over
//! its one uplink. Each veth is created in the router namespace with its peer born directly in the client
//! namespace (`IFLA_NET_NS_FD`). Netlink sockets are opened on threads inside the namespace they configure
//! (rtnetlink inside [`NetnsFd::run`] with a small runtime); no `ip` binary is spawned.
//!
//! Everything is held by fds: dropping the lab (or the process dying) frees the namespaces and with them
//! the bridge and the veths. Addresses 192.0.2.0/24 (TEST-NET-1) and 2001:db8::/64 (IPv6 documentation)
//! exist only inside these namespaces.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use chrlab_sim::netns::NetnsFd;
use futures::TryStreamExt;
use rtnetlink::packet_route::link::{InfoData, InfoKind, InfoVeth};
use rtnetlink::{Handle, LinkBridge, LinkMessageBuilder, LinkUnspec, LinkVeth};

use crate::vantage::{Vantage, VantageError};

/// The router's address in the lab.
pub const ROUTER_ADDR: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
/// The trusted client's address (the one a hardening profile allows).
pub const TRUSTED_ADDR: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
/// The untrusted client's address (everybody else).
pub const UNTRUSTED_ADDR: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 66);
/// The lab's prefix length.
pub const PREFIX_LEN: u8 = 24;
/// The router's IPv6 address in the lab (on its `ether1` side).
pub const ROUTER_ADDR6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
/// The trusted client's IPv6 address.
pub const TRUSTED_ADDR6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x10);
/// The untrusted client's IPv6 address.
pub const UNTRUSTED_ADDR6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x66);
/// The lab's IPv6 prefix length.
pub const PREFIX_LEN6: u8 = 64;
/// The router-side interface the clients' traffic arrives on.
pub const ROUTER_INTERFACE: &str = "ether1";

/// How to run a lab without root: become root of a fresh user namespace first.
///
/// `unshare(CLONE_NEWUSER)` only works while the process has a single thread, so call
/// [`enter_user_namespace`] at the very start of `main` (before any runtime), or start a child process
/// through [`UserNamespace::pre_exec`]. Inside, the process is uid 0 with full capabilities over the
/// namespaces it creates (never over the host's), which is all [`NamespaceLab`] and `nft` need.
#[derive(Debug, Clone)]
pub struct UserNamespace {
    uid_map: Vec<u8>,
    gid_map: Vec<u8>,
}

impl UserNamespace {
    /// Maps `uid`/`gid` (the ids the process has when it unshares) to root inside.
    pub fn mapping(uid: u32, gid: u32) -> UserNamespace {
        UserNamespace {
            uid_map: format!("0 {uid} 1").into_bytes(),
            gid_map: format!("0 {gid} 1").into_bytes(),
        }
    }

    /// Unshares a user namespace and writes the maps. Allocation-free and async-signal-safe, so it can
    /// run in a forked child ([`std::os::unix::process::CommandExt::pre_exec`]).
    pub fn unshare(&self) -> io::Result<()> {
        use nix::libc;
        fn write_file(path: &std::ffi::CStr, data: &[u8]) -> io::Result<()> {
            // SAFETY: plain syscalls on a NUL-terminated path and a live buffer.
            unsafe {
                let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                if fd < 0 {
                    return Err(io::Error::last_os_error());
                }
                let n = libc::write(fd, data.as_ptr().cast(), data.len());
                let err = io::Error::last_os_error();
                libc::close(fd);
                if n < 0 || n as usize != data.len() {
                    return Err(err);
                }
            }
            Ok(())
        }
        // A process that just dropped root via setuid is non-dumpable, which makes its /proc/self files
        // root-owned and the map writes fail; it may mark itself dumpable again.
        // SAFETY: prctl and unshare have no memory-safety preconditions.
        if unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 1, 0, 0, 0) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: as above.
        if unsafe { libc::unshare(libc::CLONE_NEWUSER) } != 0 {
            return Err(io::Error::last_os_error());
        }
        write_file(c"/proc/self/setgroups", b"deny")?;
        write_file(c"/proc/self/uid_map", &self.uid_map)?;
        write_file(c"/proc/self/gid_map", &self.gid_map)
    }

    /// A `pre_exec` hook for a child that should start as root of its own user namespace.
    pub fn pre_exec(self) -> impl FnMut() -> io::Result<()> + Send + Sync + 'static {
        move || self.unshare()
    }
}

/// Makes this single-threaded process root of a fresh user namespace (see [`UserNamespace`]).
pub fn enter_user_namespace() -> Result<(), LabError> {
    let uid = nix::unistd::geteuid().as_raw();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let threads = status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .map(str::trim);
    if threads != Some("1") {
        return Err(LabError::NotPrivileged {
            uid,
            source: io::Error::other(format!(
                "a user namespace can only be entered while single-threaded (threads: {})",
                threads.unwrap_or("unknown")
            )),
        });
    }
    UserNamespace::mapping(uid, nix::unistd::getegid().as_raw())
        .unshare()
        .map_err(|source| LabError::NotPrivileged { uid, source })
}

/// Why a namespace lab could not be built.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    #[error(
        "a namespace lab needs root or an unprivileged user namespace (enter_user_namespace before the runtime starts); running as uid {uid}: {source}"
    )]
    NotPrivileged { uid: u32, source: io::Error },
    #[error("cannot create the {which} namespace: {source}")]
    Namespace {
        which: &'static str,
        source: io::Error,
    },
    #[error("netlink in the {which} namespace: {step}: {message}")]
    Netlink {
        which: &'static str,
        step: String,
        message: String,
    },
    #[error(transparent)]
    Vantage(#[from] VantageError),
}

/// Router, trusted and untrusted namespaces joined by a bridge.
#[derive(Debug)]
pub struct NamespaceLab {
    pub router_ns: NetnsFd,
    pub router_addr: IpAddr,
    pub trusted: Vantage,
    pub untrusted: Vantage,
    /// How long [`NamespaceLab::create`] took.
    pub setup_time: Duration,
}

impl NamespaceLab {
    /// Builds the lab (about 4 ms here). Needs root, or a process that entered a user namespace first
    /// ([`enter_user_namespace`]).
    pub async fn create() -> Result<NamespaceLab, LabError> {
        match tokio::task::spawn_blocking(Self::create_blocking).await {
            Ok(r) => r,
            Err(e) => Err(LabError::Namespace {
                which: "router",
                source: io::Error::other(e.to_string()),
            }),
        }
    }

    /// Blocking form of [`NamespaceLab::create`].
    pub fn create_blocking() -> Result<NamespaceLab, LabError> {
        Self::build(RouterSide::Bridge).map(|(lab, _)| lab)
    }

    /// The same namespaces for a router that is a virtual machine: the router namespace holds a
    /// plain switch (bridge [`SWITCH`], no address) with the vantages' veths and a tap device
    /// for the machine, whose descriptor is returned (QEMU takes it as `-netdev tap,fd=`; the
    /// tap vanishes with the last descriptor). The vantages' MAC addresses are fixed
    /// ([`TRUSTED_MAC`], [`UNTRUSTED_MAC`]), so a guest restored from a snapshot finds the
    /// neighbours its ARP cache remembers.
    pub async fn create_switched() -> Result<(NamespaceLab, std::os::fd::OwnedFd), LabError> {
        match tokio::task::spawn_blocking(|| Self::build(RouterSide::Switch)).await {
            Ok(Ok((lab, Some(tap)))) => Ok((lab, tap)),
            Ok(Ok((_, None))) => Err(LabError::Namespace {
                which: "router",
                source: io::Error::other("no tap device was made"),
            }),
            Ok(Err(e)) => Err(e),
            Err(e) => Err(LabError::Namespace {
                which: "router",
                source: io::Error::other(e.to_string()),
            }),
        }
    }

    fn build(side: RouterSide) -> Result<(NamespaceLab, Option<std::os::fd::OwnedFd>), LabError> {
        let started = Instant::now();
        let namespace = |which: &'static str| {
            NetnsFd::new_isolated().map_err(|source| {
                if source.kind() == io::ErrorKind::PermissionDenied {
                    LabError::NotPrivileged {
                        uid: nix::unistd::geteuid().as_raw(),
                        source,
                    }
                } else {
                    LabError::Namespace { which, source }
                }
            })
        };
        let router_ns = namespace("router")?;
        let trusted_ns = namespace("trusted")?;
        let untrusted_ns = namespace("untrusted")?;

        let peers = [
            ("rt-trusted", trusted_ns.clone()),
            ("rt-untrusted", untrusted_ns.clone()),
        ];
        let tap = match side {
            RouterSide::Bridge => None,
            RouterSide::Switch => Some(open_tap(&router_ns)?),
        };
        in_namespace(&router_ns, "router", move |h| async move {
            router_side(h, &peers, side).await
        })?;
        let macs = match side {
            RouterSide::Bridge => [None, None],
            RouterSide::Switch => [Some(TRUSTED_MAC), Some(UNTRUSTED_MAC)],
        };
        for ((which, ns, addr, addr6), mac) in [
            ("trusted", &trusted_ns, TRUSTED_ADDR, TRUSTED_ADDR6),
            ("untrusted", &untrusted_ns, UNTRUSTED_ADDR, UNTRUSTED_ADDR6),
        ]
        .into_iter()
        .zip(macs)
        {
            in_namespace(ns, which, move |h| async move {
                client_side(h, addr, addr6, mac).await
            })?;
        }

        // IPv6 addresses are published (their local and prefix routes) by the kernel's addrconf
        // work after the netlink request returns, even without DAD: wait until each namespace
        // can route to its own address and, for a client, to the router's, so the first
        // connection of a probe finds them.
        let mut ready = vec![
            (&router_ns, "router", vec![]),
            (&trusted_ns, "trusted", vec![TRUSTED_ADDR6]),
            (&untrusted_ns, "untrusted", vec![UNTRUSTED_ADDR6]),
        ];
        if side == RouterSide::Bridge {
            ready[0].2.push(ROUTER_ADDR6);
            ready[1].2.push(ROUTER_ADDR6);
            ready[2].2.push(ROUTER_ADDR6);
        }
        for (ns, which, addrs) in ready {
            wait_routable(ns, which, addrs)?;
        }

        let trusted = Vantage::in_namespace("trusted", trusted_ns, IpAddr::V4(TRUSTED_ADDR))?
            .with_address6(IpAddr::V6(TRUSTED_ADDR6));
        let untrusted =
            Vantage::in_namespace("untrusted", untrusted_ns, IpAddr::V4(UNTRUSTED_ADDR))?
                .with_address6(IpAddr::V6(UNTRUSTED_ADDR6));
        let setup_time = started.elapsed();
        tracing::debug!(?setup_time, "namespace lab ready");
        Ok((
            NamespaceLab {
                router_ns,
                router_addr: IpAddr::V4(ROUTER_ADDR),
                trusted,
                untrusted,
                setup_time,
            },
            tap,
        ))
    }

    /// The router's IPv6 address (2001:db8::1): the simulator's bridge has it; a machine's guest
    /// is expected to give it to its `ether1`.
    pub fn router_addr6(&self) -> IpAddr {
        IpAddr::V6(ROUTER_ADDR6)
    }

    /// The trusted vantage's IPv6 address (2001:db8::10): connections from its namespace to
    /// [`NamespaceLab::router_addr6`] come from it.
    pub fn trusted_addr6(&self) -> IpAddr {
        IpAddr::V6(TRUSTED_ADDR6)
    }

    /// The untrusted vantage's IPv6 address (2001:db8::66).
    pub fn untrusted_addr6(&self) -> IpAddr {
        IpAddr::V6(UNTRUSTED_ADDR6)
    }

    /// Stops the vantages and frees the namespaces (and with them the bridge and veths).
    pub async fn shutdown(self) {
        let NamespaceLab {
            router_ns,
            trusted,
            untrusted,
            ..
        } = self;
        let _ = tokio::task::spawn_blocking(move || {
            trusted.shutdown();
            untrusted.shutdown();
            drop(router_ns);
        })
        .await;
    }
}

type Step = (String, rtnetlink::Error);

fn step(what: impl Into<String>) -> impl FnOnce(rtnetlink::Error) -> Step {
    let what = what.into();
    move |e| (what, e)
}

/// Runs a netlink conversation on a thread inside `ns`.
fn in_namespace<F, Fut>(ns: &NetnsFd, which: &'static str, f: F) -> Result<(), LabError>
where
    F: FnOnce(Handle) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<(), Step>>,
{
    let netlink = |step: &str, message: String| LabError::Netlink {
        which,
        step: step.to_string(),
        message,
    };
    let result = ns
        .run(move || -> Result<(), (String, String)> {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| ("runtime".to_string(), e.to_string()))?;
            rt.block_on(async move {
                let (conn, handle, _) = rtnetlink::new_connection()
                    .map_err(|e| ("socket".to_string(), e.to_string()))?;
                let conn = tokio::spawn(conn);
                let r = f(handle).await.map_err(|(s, e)| (s, e.to_string()));
                conn.abort();
                r
            })
        })
        .map_err(|e| netlink("thread", e.to_string()))?;
    result.map_err(|(s, m)| netlink(&s, m))
}

async fn index_of(h: &Handle, name: &str) -> Result<u32, Step> {
    let mut links = h.link().get().match_name(name.to_string()).execute();
    match links
        .try_next()
        .await
        .map_err(step(format!("find {name}")))?
    {
        Some(link) => Ok(link.header.index),
        None => Err((format!("find {name}"), rtnetlink::Error::RequestFailed)),
    }
}

/// What the router namespace holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RouterSide {
    /// The simulator itself: the bridge is its `ether1`, with the router's address.
    Bridge,
    /// A switch for a virtual machine's tap: no address.
    Switch,
}

/// The switch of a machine lab.
pub const SWITCH: &str = "lab0";
/// The machine's tap device on it.
pub const TAP: &str = "tap0";
/// The trusted vantage's MAC address in a machine lab (locally administered).
pub const TRUSTED_MAC: [u8; 6] = [0x02, 0xc0, 0x00, 0x02, 0x00, 0x0a];
/// The untrusted vantage's MAC address in a machine lab.
pub const UNTRUSTED_MAC: [u8; 6] = [0x02, 0xc0, 0x00, 0x02, 0x00, 0x42];

/// Opens a tap device named [`TAP`] in `ns` (the device lives in the namespace of the thread
/// that opened `/dev/net/tun`).
fn open_tap(ns: &NetnsFd) -> Result<std::os::fd::OwnedFd, LabError> {
    let error = |source: io::Error| LabError::Namespace {
        which: "router (tap device)",
        source,
    };
    ns.run(|| -> io::Result<std::os::fd::OwnedFd> {
        use nix::libc;
        use std::os::fd::{FromRawFd, OwnedFd};
        // SAFETY: open and ioctl on a buffer the size of `struct ifreq` that outlives the call.
        unsafe {
            let fd = libc::open(c"/dev/net/tun".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC);
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            let fd = OwnedFd::from_raw_fd(fd);
            let mut ifreq = [0u8; 40];
            ifreq[..TAP.len()].copy_from_slice(TAP.as_bytes());
            let flags = (libc::IFF_TAP | libc::IFF_NO_PI) as u16;
            ifreq[16..18].copy_from_slice(&flags.to_ne_bytes());
            const TUNSETIFF: libc::c_ulong = 0x4004_54ca;
            if libc::ioctl(fd.as_raw_fd(), TUNSETIFF as _, ifreq.as_mut_ptr()) < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(fd)
        }
    })
    .map_err(error)?
    .map_err(error)
}

async fn router_side(
    h: Handle,
    peers: &[(&'static str, NetnsFd)],
    side: RouterSide,
) -> Result<(), Step> {
    let name = match side {
        RouterSide::Bridge => ROUTER_INTERFACE,
        RouterSide::Switch => SWITCH,
    };
    h.link()
        .add(LinkBridge::new(name).build())
        .execute()
        .await
        .map_err(step(format!("add bridge {name}")))?;
    let bridge = index_of(&h, name).await?;
    for (name, ns) in peers {
        let peer = LinkUnspec::new_with_name("eth0")
            .setns_by_fd(ns.raw_fd())
            .build();
        let veth = LinkMessageBuilder::<LinkVeth>::new_with_info_kind(InfoKind::Veth)
            .name(name.to_string())
            .set_info_data(InfoData::Veth(InfoVeth::Peer(peer)))
            .build();
        h.link()
            .add(veth)
            .execute()
            .await
            .map_err(step(format!("add veth {name}")))?;
        let index = index_of(&h, name).await?;
        let port = LinkUnspec::new_with_index(index)
            .controller(bridge)
            .up()
            .build();
        h.link()
            .set(port)
            .execute()
            .await
            .map_err(step(format!("attach {name} to the bridge")))?;
    }
    match side {
        RouterSide::Bridge => {
            h.address()
                .add(bridge, IpAddr::V4(ROUTER_ADDR), PREFIX_LEN)
                .execute()
                .await
                .map_err(step(format!("address {ROUTER_ADDR}/{PREFIX_LEN}")))?;
            add_address6(&h, bridge, ROUTER_ADDR6).await?;
        }
        RouterSide::Switch => {
            let tap = index_of(&h, TAP).await?;
            h.link()
                .set(
                    LinkUnspec::new_with_index(tap)
                        .controller(bridge)
                        .up()
                        .build(),
                )
                .execute()
                .await
                .map_err(step(format!("attach {TAP} to {SWITCH}")))?;
            h.link()
                .set(LinkUnspec::new_with_index(bridge).up().build())
                .execute()
                .await
                .map_err(step(format!("{SWITCH} up")))?;
        }
    }
    Ok(())
}

/// How long the kernel may take to publish a new IPv6 address's routes (microseconds here).
const ROUTABLE_WITHIN: Duration = Duration::from_secs(3);

/// Waits until `ns` has a route to every address of `addrs` (a UDP `connect`, which only looks the
/// route up: no packet is sent).
fn wait_routable(ns: &NetnsFd, which: &'static str, addrs: Vec<Ipv6Addr>) -> Result<(), LabError> {
    let error = |source: io::Error| LabError::Namespace { which, source };
    ns.run(move || -> io::Result<()> {
        let deadline = Instant::now() + ROUTABLE_WITHIN;
        for addr in addrs {
            loop {
                let socket = std::net::UdpSocket::bind((Ipv6Addr::UNSPECIFIED, 0))?;
                match socket.connect((addr, 9)) {
                    Ok(()) => break,
                    Err(e) if Instant::now() >= deadline => {
                        return Err(io::Error::new(
                            e.kind(),
                            format!("no route to {addr} after {ROUTABLE_WITHIN:?}: {e}"),
                        ));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(1)),
                }
            }
        }
        Ok(())
    })
    .map_err(error)?
    .map_err(error)
}

/// Adds `addr`/[`PREFIX_LEN6`] to link `index` without duplicate address detection (`nodad`), so the
/// address is usable at once rather than tentative for a second or two.
async fn add_address6(h: &Handle, index: u32, addr: Ipv6Addr) -> Result<(), Step> {
    use rtnetlink::packet_route::address::{AddressAttribute, AddressFlags, AddressHeaderFlags};
    let mut request = h.address().add(index, IpAddr::V6(addr), PREFIX_LEN6);
    let message = request.message_mut();
    message.header.flags = AddressHeaderFlags::Nodad;
    message
        .attributes
        .push(AddressAttribute::Flags(AddressFlags::Nodad));
    request
        .execute()
        .await
        .map_err(step(format!("address {addr}/{PREFIX_LEN6} nodad")))
}

async fn client_side(
    h: Handle,
    addr: Ipv4Addr,
    addr6: Ipv6Addr,
    mac: Option<[u8; 6]>,
) -> Result<(), Step> {
    let index = index_of(&h, "eth0").await?;
    if let Some(mac) = mac {
        h.link()
            .set(
                LinkUnspec::new_with_index(index)
                    .address(mac.to_vec())
                    .build(),
            )
            .execute()
            .await
            .map_err(step("eth0 address"))?;
    }
    h.address()
        .add(index, IpAddr::V4(addr), PREFIX_LEN)
        .execute()
        .await
        .map_err(step(format!("address {addr}/{PREFIX_LEN}")))?;
    add_address6(&h, index, addr6).await?;
    h.link()
        .set(LinkUnspec::new_with_index(index).up().build())
        .execute()
        .await
        .map_err(step("eth0 up"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use tokio::io::AsyncReadExt;

    use super::*;

    /// Connects from `v` to `to` at once (no wait for the addresses to settle) and reads what
    /// the server sends first.
    async fn first_bytes(v: &Vantage, to: SocketAddr) -> Result<Vec<u8>, String> {
        v.run(move || async move {
            let connect = tokio::net::TcpStream::connect(to);
            let mut s = tokio::time::timeout(Duration::from_secs(2), connect)
                .await
                .map_err(|_| format!("connect to {to}: timed out"))?
                .map_err(|e| format!("connect to {to}: {e}"))?;
            let mut buf = vec![0u8; 64];
            let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
                .await
                .map_err(|_| format!("read from {to}: timed out"))?
                .map_err(|e| format!("read from {to}: {e}"))?;
            buf.truncate(n);
            Ok(buf)
        })
        .await
    }

    #[tokio::test]
    async fn every_link_has_its_ipv6_address_usable_at_once() {
        if !testsupport::require(&[testsupport::Need::Root]) {
            return;
        }
        let lab = match NamespaceLab::create().await {
            Ok(lab) => lab,
            Err(e) => panic!("root, but the lab failed: {e}"),
        };
        assert_eq!(lab.router_addr6(), IpAddr::V6(ROUTER_ADDR6));
        // A server on the router's IPv6 address that answers with the peer's address.
        let addr = SocketAddr::new(lab.router_addr6(), 2200);
        let listener = chrlab_sim::netns::bind_tcp(Some(&lab.router_ns), addr)
            .and_then(tokio::net::TcpListener::from_std)
            .unwrap_or_else(|e| panic!("listen on {addr}: {e}"));
        let server = tokio::spawn(async move {
            while let Ok((mut s, peer)) = listener.accept().await {
                let _ =
                    tokio::io::AsyncWriteExt::write_all(&mut s, peer.ip().to_string().as_bytes())
                        .await;
            }
        });
        for (v, want) in [
            (&lab.trusted, lab.trusted_addr6()),
            (&lab.untrusted, lab.untrusted_addr6()),
        ] {
            let seen = first_bytes(v, addr).await;
            assert_eq!(
                seen.map(|b| String::from_utf8_lossy(&b).into_owned()),
                Ok(want.to_string()),
                "{} reaches {addr} from its IPv6 address",
                v.name()
            );
        }
        server.abort();

        // The simulator as the lab's router answers on IPv6 too: SSH's identification over
        // [2001:db8::1]:22, while IPv4 still works.
        let sim = chrlab_sim::start(chrlab_sim::SimOptions {
            address: lab.router_addr,
            port_offset: 0,
            router: chrlab_sim::RouterConfig::default(),
            netns: Some(lab.router_ns.clone()),
        })
        .await
        .unwrap_or_else(|e| panic!("simulator in the router namespace: {e}"));
        for to in [
            SocketAddr::new(lab.router_addr6(), 22),
            SocketAddr::new(lab.router_addr, 22),
        ] {
            let banner = first_bytes(&lab.untrusted, to).await;
            assert!(
                banner
                    .as_ref()
                    .is_ok_and(|b| b.starts_with(b"SSH-2.0-ROSSSH")),
                "{to}: {banner:?}"
            );
        }
        sim.shutdown().await;
        lab.shutdown().await;
    }
}
