//! Helpers shared by the harness's client tests: a simulator on its own loopback address and
//! the router's log read through the model.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use chrlab_sim::{RouterConfig, SimHandle, SimOptions, Via};

/// 127.0.0.`n`.
pub fn loopback(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, n))
}

/// A simulator on 127.0.0.`n` with every port shifted by `offset`.
pub async fn sim_at(n: u8, offset: u16, router: RouterConfig) -> SimHandle {
    chrlab_sim::start(SimOptions {
        address: loopback(n),
        port_offset: offset,
        router,
        netns: None,
    })
    .await
    .unwrap_or_else(|e| panic!("simulator on 127.0.0.{n} (+{offset}): {e}"))
}

/// Where a service of the simulator listens now.
pub fn addr(sim: &SimHandle, service: &str) -> SocketAddr {
    SocketAddr::new(
        sim.address(),
        sim.port(service)
            .unwrap_or_else(|| panic!("{service} listens")),
    )
}

/// The messages of the router's memory log, read through the model's REST view.
pub fn log_messages(sim: &SimHandle) -> Vec<String> {
    let router = sim.router();
    let session = router
        .login("admin", "", Via::Local, None)
        .expect("local admin login");
    let reply = router.rest(&session, "GET", "/log", "", b"");
    router.logout(&session);
    assert_eq!(reply.status, 200, "GET /log: {}", reply.body);
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&reply.body).unwrap_or_else(|e| panic!("{e}: {}", reply.body));
    rows.iter()
        .filter_map(|r| {
            r.get("message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
        })
        .collect()
}
