//! ros-sim: runs one simulated RouterOS router on this machine's network namespace.

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
    /// Address every service binds to.
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
}

fn main() -> ExitCode {
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
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
    router.firewall_enforced = false;
    let version = router.version;
    let sim = chrlab_sim::start(SimOptions {
        address: args.address,
        port_offset: args.port_offset,
        router,
        netns: None,
    })
    .await?;
    println!(
        "firewall: NOT enforced (standalone ros-sim runs in the caller's network namespace; /ip firewall rules are stored only)"
    );
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
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    tracing::info!("stopping");
    sim.shutdown().await;
    Ok(())
}
