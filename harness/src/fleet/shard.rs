//! `--shard K/N`: which routers of a fleet this machine audits, so a CI matrix or any job runner
//! can split a large fleet across N machines. A router belongs to shard `1 + h mod N`, where `h`
//! is the 64-bit FNV-1a hash of its inventory name: every router is in exactly one shard, and a
//! router stays in its shard when others are added to or removed from the inventory (a fixed
//! hash, not Rust's per-process randomised one).

use std::fmt;
use std::str::FromStr;

/// One of N shards (K is 1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which (1..=count).
    pub index: u32,
    /// How many.
    pub count: u32,
}

impl Shard {
    /// Whether the router called `name` is in this shard.
    pub fn contains(&self, name: &str) -> bool {
        fnv1a(name.as_bytes()) % u64::from(self.count) == u64::from(self.index - 1)
    }
}

/// 64-bit FNV-1a.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let bad = || format!("`{text}` is not a shard K/N (1 <= K <= N, e.g. 2/4)");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            k.trim().parse::<u32>().map_err(|_| bad())?,
            n.trim().parse::<u32>().map_err(|_| bad())?,
        );
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_in_exactly_one_shard_and_stays_there() {
        let names: Vec<String> = (0..500).map(|i| format!("r{i}.example")).collect();
        for n in 1..=7u32 {
            let shards: Vec<Shard> = (1..=n).map(|k| Shard { index: k, count: n }).collect();
            let mut sizes = vec![0usize; n as usize];
            for name in &names {
                let hits: Vec<usize> = (0..shards.len())
                    .filter(|i| shards[*i].contains(name))
                    .collect();
                assert_eq!(hits.len(), 1, "{name} in {n} shards: {hits:?}");
                sizes[hits[0]] += 1;
            }
            // Roughly even: no shard holds more than twice its share.
            assert!(
                sizes.iter().all(|s| *s <= 2 * names.len() / n as usize),
                "{n}: {sizes:?}"
            );
        }
        // Fixed values: a shard is the same on every machine and every release.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn shards_parse_and_refuse_nonsense() {
        assert_eq!(
            "2/4".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 4 }
        );
        assert_eq!("1/1".parse::<Shard>().unwrap().to_string(), "1/1");
        for bad in ["0/2", "3/2", "1/0", "2", "a/b", "1/2/3", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
