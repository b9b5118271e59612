//! `chrlab`: parses arguments, calls the library, maps results to exit codes
//! (0 pass, 1 check failures or an incomplete audit, 2 usage or profile error, 3 router refused
//! or unreachable, 4 internal error, 130/143 stopped by SIGINT/SIGTERM).

use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;

use chrlab::cli::{Cli, Command, RenderArgs};
use chrlab::outcome::Exit;
use chrlab::printable::escape;
use chrlab::profile::Profile;
use chrlab::render::{RenderContext, Reveal, render, script};
use chrlab::report::{Destination, TerminalStyle, render_terminal, write_reports};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rootless = enter_user_namespace_if_needed(&cli.command);
    init_tracing(cli.verbose);
    if let Err(e) = rootless {
        tracing::warn!("{e}");
    }
    let exit = match cli.command {
        Command::Render(args) => render_cmd(&args),
        Command::Explain(args) => explain_cmd(&args),
        Command::Check(mut args) => {
            let verbose = cli.verbose > 0;
            match args.report_specs() {
                Ok(specs) => args.reports = specs,
                Err(e) => {
                    let e = chrlab::run::RunError::from(e);
                    return fail(e.exit(), &anyhow::Error::from(e)).into();
                }
            }
            match runtime()
                .and_then(|rt| rt.block_on(chrlab::run::check(&args)).map_err(run_failed))
            {
                Err(code) => code,
                Ok(report) => {
                    let to_stdout = args.reports.iter().any(|r| r.dest == Destination::Stdout);
                    let tty = if to_stdout {
                        std::io::stderr().is_terminal()
                    } else {
                        std::io::stdout().is_terminal()
                    };
                    let human = render_terminal(&report, TerminalStyle::detect(tty, verbose));
                    if to_stdout {
                        eprint!("{human}");
                    } else {
                        print!("{human}");
                    }
                    match write_reports(&report, &args.reports) {
                        Ok(()) => args.exit(&report),
                        Err(e) => fail(Exit::Internal, &anyhow::Error::from(e)),
                    }
                }
            }
        }
        Command::Cve(args) => {
            chrlab::cve::run(&args, &mut std::io::stdout(), &mut std::io::stderr())
        }
        Command::Image(args) => match runtime() {
            Ok(rt) => rt.block_on(chrlab::image::run(
                &args,
                &mut std::io::stdout(),
                &mut std::io::stderr(),
            )),
            Err(code) => code,
        },
        Command::Validate(args) => match runtime() {
            Ok(rt) => rt.block_on(chrlab::validate::cmd::main(&args)),
            Err(code) => code,
        },
        Command::Matrix(args) => match runtime() {
            Ok(rt) => rt.block_on(chrlab::scale::matrix::run(
                &args,
                &mut std::io::stdout(),
                &mut std::io::stderr(),
            )),
            Err(code) => code,
        },
        Command::Fleet(args) => chrlab::fleet::main(args, cli.verbose > 0),
        Command::Bench(args) if args.fleet.is_some() => chrlab::fleet::bench_main(&args),
        Command::Bench(args) => match runtime()
            .and_then(|rt| rt.block_on(chrlab::run::bench(&args)).map_err(run_failed))
        {
            Ok(()) => Exit::Pass,
            Err(code) => code,
        },
    };
    exit.into()
}

fn explain_cmd(args: &chrlab::cli::ExplainArgs) -> Exit {
    let profile = match Profile::load(&args.profile) {
        Ok(p) => p,
        Err(e) => return fail(Exit::Usage, &anyhow::Error::from(e)),
    };
    match chrlab::explain::explain(
        &args.id,
        &profile,
        &args.profile.display().to_string(),
        args.harness_source,
    ) {
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                Ok(()) => Exit::Pass,
                Err(e) => fail(
                    Exit::Internal,
                    &anyhow::Error::from(e).context("cannot write the explanation"),
                ),
            }
        }
        Err(e) => fail(Exit::Usage, &anyhow::Error::from(e)),
    }
}

fn render_cmd(args: &RenderArgs) -> Exit {
    let profile = match Profile::load(&args.profile) {
        Ok(p) => p,
        Err(e) => return fail(Exit::Usage, &anyhow::Error::from(e)),
    };
    let ctx = RenderContext::new(&profile, args.harness_source);
    let steps = match render(&profile, &ctx) {
        Ok(s) => s,
        Err(e) => {
            let e = anyhow::Error::from(e)
                .context("cannot render the script (pass --harness-source ADDRESS)");
            return fail(Exit::Usage, &e);
        }
    };
    let reveal = if args.show_secrets {
        Reveal::Exposed
    } else {
        Reveal::Redacted
    };
    let text = script(&steps, &args.profile.display().to_string(), reveal);
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Exit::Pass,
        Err(e) => fail(
            Exit::Internal,
            &anyhow::Error::from(e).context("cannot write the script"),
        ),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Exit> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            fail(
                Exit::Internal,
                &anyhow::Error::from(e).context("cannot start the async runtime"),
            )
        })
}

/// Prints a run's error (its whole cause chain on one line), then what the router received and
/// how to undo it, and returns the exit code its kind calls for.
fn run_failed(e: chrlab::run::RunError) -> Exit {
    let code = e.exit();
    let account = e.account().map(str::to_string);
    fail(code, &anyhow::Error::from(e));
    if let Some(account) = account {
        for line in account.lines() {
            eprintln!("{}", escape(line));
        }
    }
    code
}

/// Prints the error chain with control characters escaped (it may quote the profile or the router).
fn fail(code: Exit, e: &anyhow::Error) -> Exit {
    eprintln!("error: {}", escape(&format!("{e:#}")));
    code
}

/// The embedded simulator lab needs network namespaces. Without root, become root of a fresh
/// user namespace — possible only while this process has a single thread, so before tracing or
/// any runtime starts.
fn enter_user_namespace_if_needed(command: &Command) -> Result<(), String> {
    let uses_sim = match command {
        Command::Check(a) => a.target.needs_namespaces(),
        Command::Bench(a) => a.matrix || a.target.needs_namespaces(),
        Command::Validate(a) => a.candidate.needs_namespaces() || a.baseline.needs_namespaces(),
        Command::Matrix(a) => a.needs_namespaces(),
        Command::Render(_)
        | Command::Explain(_)
        | Command::Cve(_)
        | Command::Image(_)
        | Command::Fleet(_) => false,
    };
    if !uses_sim || nix::unistd::geteuid().is_root() {
        return Ok(());
    }
    chrlab::lab::netns::enter_user_namespace().map_err(|e| {
        format!("cannot enter an unprivileged user namespace for the simulator lab: {e}")
    })
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    // netlink-packet-route warns about every attribute newer kernels add: not ours to fix.
    let default = format!("{default},netlink_packet_route=error");
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
