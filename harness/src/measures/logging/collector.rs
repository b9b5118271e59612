//! The syslog collector: a UDP socket bound to the trusted vantage's address (inside its
//! namespace, on its thread: [`crate::vantage::Vantage::try_run`]) that listens while the audit
//! provokes failed logins and keeps listening a short while after, so the router's datagrams
//! for those lines can be judged ([`super::REMOTE`]).

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use routeros::syslog::Received;
use tokio::sync::oneshot;

use super::Collector;
use crate::lab::{Lab, Role};
use crate::profile::Profile;

/// What the collector saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Syslog {
    /// The profile names no collector: nothing listened.
    NotRequired,
    /// Nothing could listen (why): the black box is not verifiable.
    NotRun(String),
    /// The collector listened on this address and received these datagrams (source, text).
    Listened {
        /// Where it listened.
        on: SocketAddr,
        /// Every datagram, in arrival order.
        datagrams: Vec<(SocketAddr, Received)>,
    },
}

/// At most this many datagrams are kept (a router logging everything cannot fill memory).
const MAX_DATAGRAMS: usize = 1000;

/// Runs `during` (the logins that provoke failed-login lines) while a collector listens on the
/// trusted vantage's address and the profile's port; after it ends, keeps listening until a
/// datagram-free `quiet` period or `linger` has passed.
pub async fn collect<F: Future>(
    lab: &dyn Lab,
    profile: &Profile,
    quiet: Duration,
    linger: Duration,
    during: F,
) -> (F::Output, Syslog) {
    let Some(collector) = profile.logging.remote else {
        return (during.await, Syslog::NotRequired);
    };
    let Some(vantage) = lab.vantage(Role::Trusted) else {
        return (
            during.await,
            Syslog::NotRun("no trusted vantage to listen in".into()),
        );
    };
    let source = vantage.address();
    if let Collector::Address(ip) = collector
        && ip != source
    {
        return (
            during.await,
            Syslog::NotRun(format!(
                "the collector {ip} is not the harness's trusted source ({source}): its datagrams cannot be seen from here"
            )),
        );
    }
    let on = SocketAddr::new(source, profile.logging.remote_port);
    let (ready_tx, ready_rx) = oneshot::channel::<Result<(), String>>();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let listening = vantage.try_run(move || listen(on, ready_tx, stop_rx, quiet, linger));
    let provoking = async move {
        let ready = ready_rx
            .await
            .unwrap_or_else(|_| Err("the collector's job ended before it listened".into()));
        // Only once it listens (or could not) do the logins start.
        let out = during.await;
        let _ = stop_tx.send(());
        (out, ready)
    };
    let (heard, (out, ready)) = tokio::join!(listening, provoking);
    let syslog = match (ready, heard) {
        (Err(why), _) => Syslog::NotRun(why),
        (Ok(()), Err(e)) => Syslog::NotRun(format!("the collector stopped: {e}")),
        (Ok(()), Ok(datagrams)) => Syslog::Listened { on, datagrams },
    };
    (out, syslog)
}

/// On the vantage's thread: bind, say so, receive until told to stop, then linger.
async fn listen(
    on: SocketAddr,
    ready: oneshot::Sender<Result<(), String>>,
    mut stop: oneshot::Receiver<()>,
    quiet: Duration,
    linger: Duration,
) -> Vec<(SocketAddr, Received)> {
    if crate::vantage::translated() {
        let _ = ready.send(Err(format!(
            "udp {on}: this vantage reaches the router through TCP port forwards only, so no datagram from the router can reach a collector here"
        )));
        return Vec::new();
    }
    let socket = match tokio::net::UdpSocket::bind(on).await {
        Ok(s) => s,
        Err(e) => {
            let _ = ready.send(Err(format!("cannot listen on udp {on}: {e}")));
            return Vec::new();
        }
    };
    let _ = ready.send(Ok(()));
    let mut got = Vec::new();
    let mut buf = vec![0u8; 4096];
    // Until the logins are done.
    loop {
        tokio::select! {
            _ = &mut stop => break,
            r = socket.recv_from(&mut buf) => match r {
                Ok((n, from)) => keep(&mut got, &buf[..n], from),
                Err(e) => {
                    tracing::debug!(error = %e, "syslog collector receive failed");
                    break;
                }
            },
        }
    }
    // Then until the router has been quiet for `quiet`, at most `linger`.
    let deadline = tokio::time::Instant::now() + linger;
    loop {
        let wait = quiet.min(deadline.saturating_duration_since(tokio::time::Instant::now()));
        if wait.is_zero() {
            break;
        }
        match tokio::time::timeout(wait, socket.recv_from(&mut buf)).await {
            Ok(Ok((n, from))) => keep(&mut got, &buf[..n], from),
            _ => break,
        }
    }
    got
}

fn keep(got: &mut Vec<(SocketAddr, Received)>, bytes: &[u8], from: SocketAddr) {
    if got.len() < MAX_DATAGRAMS {
        got.push((from, Received::parse(bytes)));
    }
}

/// The source the collector's datagrams should come from, for evidence.
pub(crate) fn sources(datagrams: &[(SocketAddr, Received)]) -> Vec<IpAddr> {
    let mut v: Vec<IpAddr> = datagrams.iter().map(|(a, _)| a.ip()).collect();
    v.sort();
    v.dedup();
    v
}
