pub mod container;
mod limitation;
pub mod netns;
pub mod qemu;
pub(crate) mod ready;
mod topology;

pub use limitation::Limitation;
pub use topology::{Lab, LabError, RebootTiming, Role, UpdateCheckTiming};
pub mod remote;
pub mod sim;
pub mod spec;
