//! ros-sim: runs one simulated RouterOS router on this machine's network namespace.
//!
//! By default it only listens: its firewall is stored, not enforced, and `/ip address` stays in
//! the model. Inside a network namespace, container or VM of its own it can be the whole router:
//! `--enforce-firewall` programs the input chain into this namespace's nftables (`table inet
//! chrlab`, rewritten and finally deleted by ros-sim), `--manage-addresses` applies `/ip address`
//! to this namespace's `ether*` links, and `--console` serves the serial console.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use chrlab_sim::{RouterConfig, SimOptions};
use clap::Parser;
use routeros::version::Version;

/// Simulated RouterOS management plane: ssh, telnet, ftp, www/www-ssl (REST), api/api-ssl, winbox.
#[derive(Debug, Parser)]
#[command(name = "ros-sim", disable_version_flag = true)]
struct Args {
    /// Address every service binds to. With `0.0.0.0` (ros-sim as the router of its own VM,
    /// container or namespace) the services also listen on every IPv6 address while RouterOS 7
    /// has IPv6 on (`/ipv6 settings disable-ipv6=no`).
    #[arg(long, default_value = "127.0.0.1")]
    address: IpAddr,
    /// Added to every service port (22 → 22+offset), for runs without root.
    #[arg(long, default_value_t = 0)]
    port_offset: u16,
    /// RouterOS version to simulate (e.g. 7.23.7, 6.49.13).
    #[arg(long = "version", value_name = "VERSION")]
    ros_version: Option<Version>,
    /// `/system identity` name (default: CHR on v7, MikroTik on v6).
    #[arg(long)]
    identity: Option<String>,
    /// Directory where the router keeps its configuration between runs.
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// Version `check-for-updates` finds; without it the router is offline.
    #[arg(long)]
    latest_version: Option<Version>,
    /// Enforce `/ip firewall filter` with nftables in this process's network namespace (table
    /// `inet chrlab`, removed at exit). Only for a namespace, container or VM of ros-sim's own.
    #[arg(long)]
    enforce_firewall: bool,
    /// Apply `/ip address` to this namespace's kernel links (`ether1`, `ether2`, ...) and list
    /// those links in `/interface`. Only for a namespace, container or VM of ros-sim's own.
    #[arg(long)]
    manage_addresses: bool,
    /// Serve the serial console on this tty device (raw mode), or on stdin/stdout with `-`.
    #[arg(long, value_name = "PATH")]
    console: Option<PathBuf>,
}

fn main() -> ExitCode {
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                // netlink-packet-route warns on every link dump of a kernel newer than it knows.
                .unwrap_or_else(|_| {
                    tracing_subscriber::EnvFilter::new("info,netlink_packet_route=error")
                }),
        )
        .init();
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ros-sim: failed to start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ros-sim: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    // Handlers first: a SIGTERM right after `ready` must not kill the process uncleanly.
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut router = RouterConfig::default();
    if let Some(version) = args.ros_version {
        router = RouterConfig::for_version(version);
    }
    if let Some(identity) = args.identity {
        router.identity = identity;
    }
    router.state_dir = args.state_dir;
    router.latest_version = args.latest_version;
    router.firewall_enforced = args.enforce_firewall;
    if args.manage_addresses {
        use anyhow::Context as _;
        let links = chrlab_sim::addresses::ether_links()
            .context("failed to list this namespace's links for --manage-addresses")?;
        let count = chrlab_sim::addresses::ethernet_count(&links);
        if count as usize != links.len() {
            tracing::warn!(
                ?links,
                listed = count,
                "/interface lists ether1..ether<n> without gaps; other ether links are not listed"
            );
        }
        if count == 0 {
            tracing::warn!("no kernel link named ether1: /interface still lists one ether1");
        }
        router.ethernets = count.max(1);
    }
    // Opened before anything starts: a console that cannot be opened is an error of the call.
    let console = match &args.console {
        None => None,
        Some(path) if path.as_os_str() == "-" => Some(chrlab_sim::ConsolePort::stdio()?),
        Some(path) => Some(chrlab_sim::ConsolePort::open(path)?),
    };
    let version = router.version;
    let mut sim = chrlab_sim::start(SimOptions {
        address: args.address,
        port_offset: args.port_offset,
        router,
        netns: None,
    })
    .await?;
    let enforcer = if args.enforce_firewall {
        let enforcer =
            chrlab_sim::firewall::Enforcer::spawn_in_own_namespace(sim.router().watch_firewall())?;
        if let Err(e) = enforcer.settled().await {
            sim.shutdown().await;
            anyhow::bail!("failed to enforce the firewall with nftables: {e}");
        }
        Some(enforcer)
    } else {
        None
    };
    let follower = if args.manage_addresses {
        let follower =
            chrlab_sim::addresses::AddressFollower::spawn(None, sim.router().watch_addresses());
        if let Err(e) = follower.settled().await {
            // Entries from a state dir may name links this machine lacks: logged, not fatal.
            tracing::error!(error = %e, "/ip address not fully applied to the kernel");
        }
        Some(follower)
    } else {
        None
    };
    if enforcer.is_some() {
        println!("firewall: enforced by nftables (table inet chrlab) in this network namespace");
    } else {
        println!(
            "firewall: NOT enforced (standalone ros-sim runs in the caller's network namespace; /ip firewall rules are stored only)"
        );
    }
    if follower.is_some() {
        println!("addresses: /ip address applied to this network namespace's links");
    }
    let mut ports: Vec<String> = sim
        .listening()
        .into_iter()
        .map(|(name, port)| format!("{name}={port}"))
        .collect();
    ports.sort();
    println!(
        "ready: RouterOS {version} on {} {}",
        args.address,
        ports.join(" ")
    );
    use std::io::Write;
    let _ = std::io::stdout().flush();
    // After `ready`: with `--console -` the console shares stdout, and speaks from here on.
    if let Some(port) = console {
        sim.attach_console(port);
    }
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    tracing::info!("stopping");
    sim.shutdown().await;
    if let Some(follower) = follower {
        follower.shutdown();
    }
    if let Some(enforcer) = enforcer {
        // Removes `table inet chrlab` from this namespace.
        enforcer.shutdown();
    }
    Ok(())
}
