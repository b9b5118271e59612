//! Which ethernet interfaces the router has, and which of them the harness may be reaching it
//! through: decided once, from `/interface ethernet` and `/ip address`, for the step and the
//! judge alike.

use std::net::IpAddr;

use crate::check::observe::Props;
use crate::measures::is_on;

/// One ethernet interface as the router lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ethernet {
    /// `name`.
    pub name: String,
    /// `default-name` (`ether1`): what the step selects by, as `/export` does.
    pub default_name: String,
    /// `disabled`.
    pub disabled: bool,
}

/// The ethernet interfaces of `/interface ethernet` rows.
pub(crate) fn ethernets(rows: &[Props]) -> Vec<Ethernet> {
    rows.iter()
        .filter_map(|r| {
            let get = |k: &str| r.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            let name = get("name")?;
            Some(Ethernet {
                default_name: get("default-name").unwrap_or_else(|| name.clone()),
                disabled: get("disabled").is_some_and(|v| is_on(&v)),
                name,
            })
        })
        .collect()
}

/// The harness's way to the router, as far as the router's own configuration tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Through one of these ethernet interfaces (they count as used), and how that was told.
    Through(Vec<String>, String),
    /// It cannot be told which ethernet interface carries the harness, and why: nothing may
    /// be disabled.
    Unknown(String),
}

/// Whether `entry` (`192.0.2.1/24`, as `/ip address` shows it) is `router` itself or its
/// network holds `source`.
fn serves(entry: &str, router: Option<IpAddr>, sources: &[IpAddr]) -> bool {
    let (host, len) = entry.split_once('/').unwrap_or((entry, ""));
    let Ok(host) = host.parse::<IpAddr>() else {
        return false;
    };
    if router == Some(host) {
        return true;
    }
    let bits = |ip: IpAddr| -> (u128, u32) {
        match ip {
            IpAddr::V4(v) => (u128::from(u32::from(v)), 32),
            IpAddr::V6(v) => (u128::from(v), 128),
        }
    };
    let (h, width) = bits(host);
    let len: u32 = len.parse().unwrap_or(width).min(width);
    let shift = width - len;
    sources.iter().any(|s| {
        let (v, w) = bits(*s);
        w == width && (shift >= 128 || (v >> shift) == (h >> shift))
    })
}

/// Which of `ethernets` carry the harness, which reaches the router at `router` from the
/// vantages at `sources`: the interfaces of the `/ip address` entries holding that address or
/// a network a vantage is on (every vantage is the harness: disabling the untrusted vantage's
/// way in would silence its probes, not prove the firewall); without one (NAT, port forwards)
/// every interface that has an address. An address on something other than an ethernet
/// interface (a bridge, a VLAN) hides which ports carry it.
pub(crate) fn reach(
    ethernets: &[Ethernet],
    addresses: &[Props],
    router: Option<IpAddr>,
    sources: &[IpAddr],
) -> Reach {
    let entries: Vec<(String, String)> = addresses
        .iter()
        .filter_map(|r| {
            let get = |k: &str| r.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            Some((get("address")?, get("interface")?))
        })
        .collect();
    let direct: Vec<&(String, String)> = entries
        .iter()
        .filter(|(a, _)| serves(a, router, sources))
        .collect();
    let (candidates, how): (Vec<&(String, String)>, String) = if direct.is_empty() {
        let at = router.map_or_else(|| "an unknown address".to_string(), |ip| ip.to_string());
        (
            entries.iter().collect(),
            format!(
                "the harness reaches the router at {at}, which no /ip address entry holds or shares a network with a vantage (NAT or port forwards): every interface with an address counts as its path"
            ),
        )
    } else {
        (
            direct,
            "the harness reaches the router through the interfaces holding its address or a vantage's network".to_string(),
        )
    };
    if candidates.is_empty() {
        return Reach::Unknown(
            "the router has no /ip address, so the interface the harness reaches it through cannot be told"
                .into(),
        );
    }
    let mut through = Vec::new();
    for (address, interface) in candidates {
        if !ethernets.iter().any(|e| &e.name == interface) {
            return Reach::Unknown(format!(
                "{address} is on {interface}, not an ethernet interface: which ethernet ports carry the harness is not read"
            ));
        }
        if !through.contains(interface) {
            through.push(interface.clone());
        }
    }
    Reach::Through(through, how)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, &str)]) -> Props {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn two() -> Vec<Ethernet> {
        ethernets(&[
            row(&[
                ("name", "ether1"),
                ("default-name", "ether1"),
                ("disabled", "false"),
            ]),
            row(&[
                ("name", "wan"),
                ("default-name", "ether2"),
                ("disabled", "yes"),
            ]),
        ])
    }

    #[test]
    fn the_interface_holding_the_routers_address_is_the_path() {
        let e = two();
        assert_eq!(e[1].default_name, "ether2");
        assert!(e[1].disabled && !e[0].disabled);
        let addrs = [
            row(&[("address", "192.0.2.1/24"), ("interface", "ether1")]),
            row(&[("address", "198.51.100.1/24"), ("interface", "wan")]),
        ];
        let ip = "192.0.2.1".parse().ok();
        let trusted: IpAddr = "192.0.2.10".parse().unwrap();
        assert!(
            matches!(reach(&e, &addrs, ip, &[trusted]), Reach::Through(ref v, _) if v == &["ether1"])
        );
        // The untrusted vantage on the other network: its interface is the harness's too.
        let untrusted: IpAddr = "198.51.100.7".parse().unwrap();
        assert!(
            matches!(reach(&e, &addrs, ip, &[trusted, untrusted]), Reach::Through(ref v, _) if v.len() == 2)
        );
        // Through NAT: every interface with an address.
        let nat = "127.0.0.1".parse().ok();
        assert!(
            matches!(reach(&e, &addrs, nat, &[nat.unwrap()]), Reach::Through(ref v, ref how) if v.len() == 2 && how.contains("NAT"))
        );
        assert!(!serves(
            "192.0.2.1/24",
            None,
            &["198.51.100.1".parse().unwrap()]
        ));
        assert!(serves(
            "2001:db8::1/64",
            None,
            &["2001:db8::99".parse().unwrap()]
        ));
    }

    #[test]
    fn a_path_that_cannot_be_told_is_unknown() {
        let e = two();
        let ip = "192.0.2.1".parse().ok();
        assert!(matches!(reach(&e, &[], ip, &[]), Reach::Unknown(_)));
        let bridge = [row(&[("address", "192.0.2.1/24"), ("interface", "bridge")])];
        assert!(
            matches!(reach(&e, &bridge, ip, &[]), Reach::Unknown(ref why) if why.contains("bridge"))
        );
    }
}
