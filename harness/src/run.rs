//! What `chrlab check` and `chrlab bench` do. Not wired to the labs and checks yet: both load the
//! profile (so profile errors surface with exit code 2) and then return [`RunError::NotWired`].

use crate::cli::{BenchArgs, CheckArgs};
use crate::outcome::{Exit, RunReport};
use crate::profile::{Profile, ProfileError};

/// Why a run produced no report.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The profile is unreadable or invalid (the user must fix it).
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// A bad combination of arguments.
    #[error("{0}")]
    Usage(String),
    /// The subcommand is not implemented yet.
    #[error("`chrlab {0}` is not wired to the lab and checks yet")]
    NotWired(&'static str),
    /// The harness failed (lab, network, client).
    #[error("{0}")]
    Internal(String),
}

impl RunError {
    /// Exit code: [`Exit::Usage`] for what the user must fix, [`Exit::Internal`] otherwise.
    pub fn exit(&self) -> Exit {
        match self {
            RunError::Profile(_) | RunError::Usage(_) => Exit::Usage,
            RunError::NotWired(_) | RunError::Internal(_) => Exit::Internal,
        }
    }
}

/// Applies (unless `--no-apply`) and checks the profile against the target; the report says how it went.
pub async fn check(args: &CheckArgs) -> Result<RunReport, RunError> {
    let profile = Profile::load(&args.profile)?;
    tracing::info!(target = %args.target, profile = %args.profile.display(), "check requested");
    let _ = profile;
    Err(RunError::NotWired("check"))
}

/// Times lab start-up and full check runs.
pub async fn bench(args: &BenchArgs) -> Result<(), RunError> {
    let _profile = Profile::load(&args.profile)?;
    tracing::info!(target = %args.target, iterations = args.iterations, "bench requested");
    Err(RunError::NotWired("bench"))
}
