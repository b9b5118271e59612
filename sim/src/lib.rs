//! ros-sim: a RouterOS management-plane simulator — one model ([`router::Router`]) behind the network
//! front ends ([`server`]: ssh, telnet, ftp, www/www-ssl REST, api/api-ssl, winbox).

pub mod addresses;
pub mod firewall;
mod follower;
pub mod ipv6;
pub mod model;
pub mod netns;
pub mod router;
pub mod server;

pub use router::{
    AddressSnapshot, CheckFailure, KernelAddress, Layer2View, Listeners, LoginError, NotListening,
    Power, RestReply, Router, RouterConfig, ServiceState, ServiceTable, Session, SimError,
    Terminal, TerminalOpts, Unsettled, Via,
};
pub use server::{ConsoleError, ConsolePort, ServerError, SimHandle, SimOptions, TlsError, start};
