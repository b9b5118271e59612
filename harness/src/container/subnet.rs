//! The documentation subnets a container lab's networks take: /28 blocks of TEST-NET-1, -2 and
//! -3 (`192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24`), never Docker's default pools
//! (`172.17.0.0/16` and the other private ranges, which these machines must not use). Docker
//! refuses a subnet that overlaps one of its networks, so parallel labs (tests, other
//! processes) each get the next free pair; a block that overlaps a route of this machine is
//! never taken (it would hide part of a real network).

use std::net::Ipv4Addr;

/// One /28: network address, gateway (`.1`, the host's address on the bridge) and the
/// router's address (`.2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    /// The network address.
    pub network: Ipv4Addr,
}

/// The prefix length of every block.
pub const PREFIX: u8 = 28;

impl Block {
    /// `a.b.c.d/28`.
    pub fn cidr(&self) -> String {
        format!("{}/{PREFIX}", self.network)
    }

    /// The bridge's address on the host: the vantage's source.
    pub fn gateway(&self) -> Ipv4Addr {
        self.host(1)
    }

    /// The router container's address.
    pub fn router(&self) -> Ipv4Addr {
        self.host(2)
    }

    fn host(&self, n: u32) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.network) + n)
    }

    /// Whether `cidr` (`a.b.c.d/n`) overlaps this block; a text that is not an IPv4 CIDR does
    /// not (IPv6 subnets of other networks).
    pub fn overlaps(&self, cidr: &str) -> bool {
        let Some((addr, len)) = cidr.split_once('/') else {
            return false;
        };
        let (Ok(addr), Ok(len)) = (addr.parse::<Ipv4Addr>(), len.parse::<u8>()) else {
            return false;
        };
        if len > 32 {
            return false;
        }
        let shorter = len.min(PREFIX);
        let mask = if shorter == 0 {
            0
        } else {
            u32::MAX << (32 - shorter)
        };
        (u32::from(addr) & mask) == (u32::from(self.network) & mask)
    }
}

/// Every candidate, in order: the /28s of `192.0.2.0/24`, then `198.51.100.0/24`, then
/// `203.0.113.0/24`. A lab's trusted network takes the first free one, its untrusted network
/// the next.
pub fn candidates() -> impl Iterator<Item = Block> {
    [
        Ipv4Addr::new(192, 0, 2, 0),
        Ipv4Addr::new(198, 51, 100, 0),
        Ipv4Addr::new(203, 0, 113, 0),
    ]
    .into_iter()
    .flat_map(|base| {
        (0..16u32).map(move |i| Block {
            network: Ipv4Addr::from(u32::from(base) + i * 16),
        })
    })
}

/// The first candidate that overlaps none of `taken` (the engine's networks and this machine's
/// own routes: a documentation range can be a real machine's LAN, as `192.0.2.0/24` is here)
/// and is not in `skip`.
pub fn first_free(taken: &[String], skip: &[Block]) -> Option<Block> {
    candidates().find(|b| !skip.contains(b) && !taken.iter().any(|t| b.overlaps(t)))
}

/// The IPv4 destinations of this machine's routes, from `/proc/net/route` (the default route
/// left out: it overlaps everything).
pub fn routes_from_proc(text: &str) -> Vec<String> {
    // Each word is the kernel's network-order value printed as a native u32.
    let hex = |w: &str| {
        u32::from_str_radix(w, 16)
            .ok()
            .map(|v| u32::from_be_bytes(v.to_ne_bytes()))
    };
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let (dest, mask) = (hex(words.get(1)?)?, hex(words.get(7)?)?);
            (mask != 0).then(|| format!("{}/{}", Ipv4Addr::from(dest), mask.count_ones()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_documentation_addresses_only() {
        let all: Vec<Block> = candidates().collect();
        assert_eq!(all.len(), 48);
        for b in &all {
            let o = b.network.octets();
            assert!(
                [[192, 0, 2], [198, 51, 100], [203, 0, 113]].contains(&[o[0], o[1], o[2]]),
                "{}",
                b.cidr()
            );
            assert_eq!(b.router().octets()[..3], o[..3]);
        }
        let first = all[0];
        assert_eq!(first.cidr(), "192.0.2.0/28");
        assert_eq!(first.gateway(), Ipv4Addr::new(192, 0, 2, 1));
        assert_eq!(first.router(), Ipv4Addr::new(192, 0, 2, 2));
        assert_eq!(all[47].cidr(), "203.0.113.240/28");
    }

    #[test]
    fn a_taken_or_overlapping_subnet_is_skipped() {
        let taken = vec![
            "172.17.0.0/16".to_string(),
            "192.0.2.0/28".to_string(),
            "192.0.2.16/29".to_string(),
            "2001:db8::/64".to_string(),
        ];
        let b = first_free(&taken, &[]).unwrap();
        assert_eq!(b.cidr(), "192.0.2.32/28");
        assert_eq!(first_free(&taken, &[b]).unwrap().cidr(), "192.0.2.48/28");
        // This machine's LAN on 192.0.2.0/24: the next range.
        assert_eq!(
            first_free(&["192.0.2.0/24".into()], &[]).unwrap().cidr(),
            "198.51.100.0/28"
        );
        let all = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"].map(String::from);
        assert!(first_free(&all, &[]).is_none());
    }

    #[test]
    fn routes_are_read_from_the_kernels_table() {
        let text = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n\
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n\
br-1\tE00200C0\t00000000\t0001\t0\t0\t0\tF0FFFFFF\t0\t0\t0\n";
        assert_eq!(
            routes_from_proc(text),
            ["172.17.0.0/16", "192.0.2.0/24", "192.0.2.224/28"]
        );
    }
}
