//! The address follower: the router's `/ip address` table applied to the kernel of a network
//! namespace (`ros-sim --manage-addresses`, when the simulator is the whole router of a VM,
//! container or namespace of its own).
//!
//! Every enabled entry puts its address/prefix on the kernel link its interface names (the
//! interface's `default-name`, so a renamed `ether2` still means the kernel's `ether2`), and that
//! link is set up. Removing or disabling an entry removes the address again. Only addresses the
//! follower added are ever removed: what the kernel had before (an address the VM's init
//! configured, `127.0.0.1` on `lo`) is left alone, and when an entry names such an address the
//! follower does not take it over. Stopping the follower removes what it added.
//!
//! It follows [`Router::watch_addresses`](crate::router::Router::watch_addresses) the way the
//! firewall [`Enforcer`](crate::firewall::Enforcer) follows the firewall: on its own thread, with
//! a short debounce, through rtnetlink (no `ip` binary). Problems (a link that does not exist, a
//! refused address) are logged with `tracing` and kept in [`AddressStatus::Failed`]; the other
//! entries are applied all the same.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::Duration;

use futures::TryStreamExt;
use rtnetlink::Handle;
use rtnetlink::packet_route::address::{AddressAttribute, AddressMessage};
use rtnetlink::packet_route::link::LinkAttribute;
use tokio::sync::{oneshot, watch};

use crate::netns::NetnsFd;
use crate::router::{AddressSnapshot, KernelAddress};

/// How long a change waits for the next one before the kernel is touched (a script that adds ten
/// addresses is applied once).
const DEBOUNCE: Duration = Duration::from_millis(20);

/// Why the kernel is not in step with `/ip address`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("cannot talk to the kernel over rtnetlink: {0}")]
    Netlink(String),
    #[error("cannot enter the router namespace: {0}")]
    Namespace(String),
    #[error("{}", .0.join("; "))]
    Entries(Vec<String>),
    #[error("the address follower has stopped")]
    Stopped,
}

/// What the follower last did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressStatus {
    /// Nothing applied yet.
    Starting,
    /// The kernel has every enabled entry of `/ip address` of this generation.
    InStep { generation: u64 },
    /// Some entries of this generation could not be applied (the others are).
    Failed {
        generation: u64,
        error: AddressError,
    },
    /// The follower stopped (and removed the addresses it added).
    Stopped,
}

/// Keeps a namespace's kernel addresses in step with the router's `/ip address`.
pub struct AddressFollower {
    thread: crate::follower::Follower,
    status: watch::Receiver<AddressStatus>,
    wanted: watch::Receiver<AddressSnapshot>,
}

impl AddressFollower {
    /// Starts following `rx` in `ns` (`None`: the namespace the process runs in).
    pub fn spawn(ns: Option<NetnsFd>, rx: watch::Receiver<AddressSnapshot>) -> AddressFollower {
        let (status_tx, status) = watch::channel(AddressStatus::Starting);
        let wanted = rx.clone();
        let thread = crate::follower::Follower::spawn("address-follower", move |stop_rx| {
            follow(ns, rx, stop_rx, status_tx)
        });
        AddressFollower {
            thread,
            status,
            wanted,
        }
    }

    /// The follower's status, live.
    pub fn status(&self) -> watch::Receiver<AddressStatus> {
        self.status.clone()
    }

    /// Waits until the kernel follows `/ip address` as it is now (or a later table), and says
    /// what could not be applied.
    pub async fn settled(&self) -> Result<(), AddressError> {
        let wanted = self.wanted.borrow().generation;
        let mut status = self.status.clone();
        let done = status
            .wait_for(|s| match s {
                AddressStatus::InStep { generation } | AddressStatus::Failed { generation, .. } => {
                    *generation >= wanted
                }
                AddressStatus::Stopped => true,
                AddressStatus::Starting => false,
            })
            .await
            .map_err(|_| AddressError::Stopped)?;
        match &*done {
            AddressStatus::Failed { error, .. } => Err(error.clone()),
            AddressStatus::Stopped => Err(AddressError::Stopped),
            _ => Ok(()),
        }
    }

    /// Stops following and removes the addresses the follower added.
    pub fn shutdown(mut self) {
        self.thread.stop();
    }
}

/// An address on a link: (link index, address, prefix length).
type Assigned = (u32, IpAddr, u8);

fn follow(
    ns: Option<NetnsFd>,
    mut rx: watch::Receiver<AddressSnapshot>,
    mut stop: oneshot::Receiver<()>,
    status: watch::Sender<AddressStatus>,
) {
    let fail = |error: AddressError| {
        tracing::error!(%error, "/ip address not applied to the kernel");
        status.send_replace(AddressStatus::Failed {
            generation: u64::MAX,
            error,
        });
    };
    if let Some(ns) = &ns
        && let Err(e) = ns.enter_current_thread()
    {
        fail(AddressError::Namespace(e.to_string()));
        let _ = stop.blocking_recv();
        status.send_replace(AddressStatus::Stopped);
        return;
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            fail(AddressError::Netlink(format!("runtime: {e}")));
            return;
        }
    };
    rt.block_on(async {
        let (conn, handle, _) = match rtnetlink::new_connection() {
            Ok(c) => c,
            Err(e) => {
                fail(AddressError::Netlink(e.to_string()));
                let _ = (&mut stop).await;
                status.send_replace(AddressStatus::Stopped);
                return;
            }
        };
        let conn = tokio::spawn(conn);
        let mut managed: BTreeSet<Assigned> = BTreeSet::new();
        loop {
            let snapshot = rx.borrow_and_update().clone();
            let errors = reconcile(&handle, &snapshot.addresses, &mut managed).await;
            let generation = snapshot.generation;
            if errors.is_empty() {
                tracing::debug!(generation, "kernel addresses in step with /ip address");
                status.send_replace(AddressStatus::InStep { generation });
            } else {
                let error = AddressError::Entries(errors);
                tracing::error!(%error, "/ip address not fully applied to the kernel");
                status.send_replace(AddressStatus::Failed { generation, error });
            }
            tokio::select! {
                changed = rx.changed() => if changed.is_err() { break },
                _ = &mut stop => break,
            }
            // Debounce: let a burst of changes end before touching the kernel.
            tokio::select! {
                _ = tokio::time::sleep(DEBOUNCE) => {}
                _ = &mut stop => break,
            }
        }
        let errors = reconcile(&handle, &[], &mut managed).await;
        for error in errors {
            tracing::warn!(%error, "address not removed at stop");
        }
        conn.abort();
    });
    status.send_replace(AddressStatus::Stopped);
}

/// Parses `198.51.100.1/24` (a bare address is a host address).
fn parse_address(text: &str) -> Option<(IpAddr, u8)> {
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a.parse::<IpAddr>().ok()?, p.parse::<u8>().ok()?),
        None => {
            let a = text.parse::<IpAddr>().ok()?;
            (a, if a.is_ipv4() { 32 } else { 128 })
        }
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    (prefix <= max).then_some((addr, prefix))
}

/// The kernel links of the namespace: (index, name).
async fn links(handle: &Handle) -> Result<Vec<(u32, String)>, rtnetlink::Error> {
    let mut out = Vec::new();
    let mut stream = handle.link().get().execute();
    while let Some(msg) = stream.try_next().await? {
        for attr in &msg.attributes {
            if let LinkAttribute::IfName(name) = attr {
                out.push((msg.header.index, name.clone()));
            }
        }
    }
    Ok(out)
}

/// Every address the kernel has, with the message that deletes it.
async fn kernel_addresses(
    handle: &Handle,
) -> Result<Vec<(Assigned, AddressMessage)>, rtnetlink::Error> {
    let mut out = Vec::new();
    let mut stream = handle.address().get().execute();
    while let Some(msg) = stream.try_next().await? {
        // IPv4 keeps the interface's own address in IFA_LOCAL (IFA_ADDRESS is the peer on
        // point-to-point links); IPv6 has only IFA_ADDRESS.
        let local = msg.attributes.iter().find_map(|a| match a {
            AddressAttribute::Local(ip) => Some(*ip),
            _ => None,
        });
        let address = msg.attributes.iter().find_map(|a| match a {
            AddressAttribute::Address(ip) => Some(*ip),
            _ => None,
        });
        if let Some(ip) = local.or(address) {
            out.push(((msg.header.index, ip, msg.header.prefix_len), msg));
        }
    }
    Ok(out)
}

/// Brings the kernel to `desired`; returns what could not be done.
async fn reconcile(
    handle: &Handle,
    desired: &[KernelAddress],
    managed: &mut BTreeSet<Assigned>,
) -> Vec<String> {
    let mut errors = Vec::new();
    let links = match links(handle).await {
        Ok(l) => l,
        Err(e) => return vec![format!("cannot list the links: {e}")],
    };
    let mut want: BTreeSet<Assigned> = BTreeSet::new();
    for entry in desired {
        let Some((ip, prefix)) = parse_address(&entry.address) else {
            errors.push(format!("address {}: not an address/prefix", entry.address));
            continue;
        };
        match links.iter().find(|(_, name)| *name == entry.link) {
            Some((index, _)) => {
                want.insert((*index, ip, prefix));
            }
            None => errors.push(format!(
                "address {} on {}: no such link in this network namespace",
                entry.address, entry.link
            )),
        }
    }
    let existing = match kernel_addresses(handle).await {
        Ok(e) => e,
        Err(e) => {
            errors.push(format!("cannot list the addresses: {e}"));
            return errors;
        }
    };
    let gone: Vec<Assigned> = managed.difference(&want).copied().collect();
    for assigned in gone {
        managed.remove(&assigned);
        let Some((_, msg)) = existing.iter().find(|(a, _)| *a == assigned) else {
            continue;
        };
        if let Err(e) = handle.address().del(msg.clone()).execute().await {
            errors.push(format!("remove {}/{}: {e}", assigned.1, assigned.2));
        } else {
            tracing::info!(address = %format!("{}/{}", assigned.1, assigned.2), "kernel address removed");
        }
    }
    let mut up: BTreeSet<u32> = BTreeSet::new();
    for assigned in &want {
        up.insert(assigned.0);
        if existing.iter().any(|(a, _)| a == assigned) {
            continue;
        }
        let (index, ip, prefix) = *assigned;
        match handle.address().add(index, ip, prefix).execute().await {
            Ok(()) => {
                managed.insert(*assigned);
                tracing::info!(address = %format!("{ip}/{prefix}"), index, "kernel address added");
            }
            Err(e) => errors.push(format!("add {ip}/{prefix}: {e}")),
        }
    }
    for index in up {
        let msg = rtnetlink::LinkUnspec::new_with_index(index).up().build();
        if let Err(e) = handle.link().set(msg).execute().await {
            let name = links
                .iter()
                .find(|(i, _)| *i == index)
                .map_or("?", |(_, n)| n.as_str());
            errors.push(format!("set link {name} up: {e}"));
        }
    }
    errors
}

/// The names of the kernel's `ether<N>` links in the calling process's namespace, sorted by N.
pub fn ether_links() -> Result<Vec<String>, AddressError> {
    let run = || -> Result<Vec<String>, AddressError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| AddressError::Netlink(format!("runtime: {e}")))?;
        rt.block_on(async {
            let (conn, handle, _) =
                rtnetlink::new_connection().map_err(|e| AddressError::Netlink(e.to_string()))?;
            let conn = tokio::spawn(conn);
            let result = links(&handle).await;
            conn.abort();
            let mut names: Vec<(u32, String)> = result
                .map_err(|e| AddressError::Netlink(e.to_string()))?
                .into_iter()
                .filter_map(|(_, name)| ether_number(&name).map(|n| (n, name)))
                .collect();
            names.sort();
            Ok(names.into_iter().map(|(_, name)| name).collect())
        })
    };
    // A thread of its own: this may be called from inside an async runtime.
    std::thread::scope(|s| {
        s.spawn(run)
            .join()
            .unwrap_or_else(|_| Err(AddressError::Netlink("worker thread panicked".into())))
    })
}

/// `ether7` → 7.
fn ether_number(name: &str) -> Option<u32> {
    let n = name.strip_prefix("ether")?;
    if n.starts_with('0') {
        return None;
    }
    n.parse().ok().filter(|n| *n > 0)
}

/// How many NICs `/interface` lists for these kernel links: `ether1`..`ether<n>` must all exist
/// (RouterOS numbers a machine's NICs without gaps); the count of that unbroken run.
pub fn ethernet_count(links: &[String]) -> u32 {
    let numbers: BTreeSet<u32> = links.iter().filter_map(|l| ether_number(l)).collect();
    let mut n = 0;
    while numbers.contains(&(n + 1)) {
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_addresses_and_prefixes() {
        let v4 = |t: &str| t.parse::<IpAddr>().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            parse_address("198.51.100.1/24"),
            Some((v4("198.51.100.1"), 24))
        );
        assert_eq!(parse_address("10.0.0.1"), Some((v4("10.0.0.1"), 32)));
        assert_eq!(parse_address("10.0.0.1/33"), None);
        assert_eq!(parse_address("ether1"), None);
    }

    #[test]
    fn counts_an_unbroken_run_of_ethers() {
        let names = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(ethernet_count(&names(&["ether1", "ether2", "lo"])), 2);
        assert_eq!(ethernet_count(&names(&["ether2", "ether3"])), 0);
        assert_eq!(ethernet_count(&names(&["ether1", "ether3", "ether01"])), 1);
    }
}
