pub mod netns;
mod topology;

pub use topology::{Lab, LabError, RebootTiming, Role, UpdateCheckTiming};
pub mod remote;
pub mod sim;
pub mod spec;
