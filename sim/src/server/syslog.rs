//! Remote logging: every datagram a `/system logging action target=remote` produces
//! ([`crate::router::Router::subscribe_syslog`]) is sent over UDP to the action's `remote` and
//! `remote-port`, from the router's address (or the action's `src-address`), from a socket made
//! in the simulator's namespace. Nothing is sent once the rule is disabled or removed, or the
//! action is gone: the model stops producing datagrams. The datagram's form is RFC 3164 as
//! [`routeros::syslog`] writes it (not from a capture: sim/FIDELITY.md).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use tokio::net::UdpSocket;
use tokio::sync::broadcast::error::RecvError;
use tracing::debug;

use crate::server::Shared;

/// Sends the router's syslog datagrams until the simulator stops. `address` is where the
/// simulator's listeners bind (`0.0.0.0` when it is its namespace's router: the kernel then
/// picks the address on the link towards the collector).
pub(crate) async fn serve(shared: Arc<Shared>, address: IpAddr) {
    let mut rx = shared.router.subscribe_syslog();
    loop {
        let d = tokio::select! {
            _ = shared.cancel.cancelled() => return,
            got = rx.recv() => match got {
                Ok(d) => d,
                Err(RecvError::Lagged(n)) => {
                    debug!(lost = n, "syslog datagrams dropped: the sender fell behind");
                    continue;
                }
                Err(RecvError::Closed) => return,
            },
        };
        let from = match d.src {
            Some(src) if src.is_ipv4() == d.to.is_ipv4() => src,
            _ if address.is_ipv4() == d.to.is_ipv4() => address,
            _ if d.to.is_ipv4() => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            _ => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        };
        let socket = crate::netns::bind_udp(shared.netns.as_ref(), SocketAddr::new(from, 0))
            .and_then(UdpSocket::from_std);
        match socket {
            Ok(socket) => {
                if let Err(e) = socket.send_to(&d.payload, d.to).await {
                    debug!(to = %d.to, error = %e, "syslog datagram not sent");
                }
            }
            Err(e) => debug!(to = %d.to, error = %e, "no socket for a syslog datagram"),
        }
    }
}
