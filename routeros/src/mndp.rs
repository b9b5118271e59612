//! MNDP, the MikroTik Neighbor Discovery Protocol (UDP port 5678), sans IO.
//!
//! A packet is a 4-byte header (a version/TTL pair and a 16-bit sequence number, both ignored by
//! receivers) followed by TLVs: a 16-bit type, a 16-bit length (both big-endian) and the value.
//! The types, as the protocol is documented publicly (Wireshark's MNDP dissector, MikroTik's
//! manual): 1 MAC address (6 bytes), 5 identity, 7 version, 8 platform, 10 uptime (seconds, a
//! 32-bit **little-endian** count), 11 software id, 12 board, 14 unpack (1 byte), 15 IPv6 address
//! (16 bytes), 16 interface name, 17 IPv4 address (4 bytes); strings are UTF-8 without a
//! terminator. A *discovery request* (what a neighbour-list refresh sends) is a header with no
//! TLVs: four zero bytes. A router answers it, and announces itself periodically (every 60 s per
//! MikroTik's v2.9 manual), to `255.255.255.255:5678` from port 5678.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// MNDP's UDP port (source and destination).
pub const PORT: u16 = 5678;

/// The discovery request: a header and no TLVs.
pub const REQUEST: [u8; 4] = [0, 0, 0, 0];

/// How often RouterOS announces itself unasked (MikroTik's v2.9 manual: "a UDP packet with
/// router info is broadcasted over the interface every 60 seconds").
pub const ANNOUNCE_INTERVAL_SECS: u64 = 60;

const MAC: u16 = 1;
const IDENTITY: u16 = 5;
const VERSION: u16 = 7;
const PLATFORM: u16 = 8;
const UPTIME: u16 = 10;
const SOFTWARE_ID: u16 = 11;
const BOARD: u16 = 12;
const UNPACK: u16 = 14;
const IPV6: u16 = 15;
const INTERFACE: u16 = 16;
const IPV4: u16 = 17;

/// A 48-bit Ethernet address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    /// Every station: `FF:FF:FF:FF:FF:FF`.
    pub const BROADCAST: MacAddr = MacAddr([0xff; 6]);
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02X}:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

/// Why a MAC address did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a MAC address (six hex pairs separated by `:` or `-`)")]
pub struct BadMac(pub String);

impl std::str::FromStr for MacAddr {
    type Err = BadMac;
    fn from_str(s: &str) -> Result<MacAddr, BadMac> {
        let bad = || BadMac(s.to_string());
        let mut out = [0u8; 6];
        let mut parts = s.split([':', '-']);
        for b in out.iter_mut() {
            let p = parts.next().ok_or_else(bad)?;
            if p.is_empty() || p.len() > 2 {
                return Err(bad());
            }
            *b = u8::from_str_radix(p, 16).map_err(|_| bad())?;
        }
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(MacAddr(out))
    }
}

/// What a router says about itself in an announcement. Every field is optional on the wire;
/// a decoded announcement keeps what it carried.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Announcement {
    /// The sequence number from the header.
    pub seq: u16,
    /// The announcing interface's MAC address.
    pub mac: Option<MacAddr>,
    /// `/system identity`.
    pub identity: Option<String>,
    /// The RouterOS version, as `/system resource` prints it (`7.16.2 (stable)`).
    pub version: Option<String>,
    /// `MikroTik`.
    pub platform: Option<String>,
    /// Seconds since boot.
    pub uptime: Option<u32>,
    /// `/system license` software id.
    pub software_id: Option<String>,
    /// The board name (`CHR` on a cloud router).
    pub board: Option<String>,
    /// The unpack (packet packer) flag.
    pub unpack: Option<u8>,
    /// An IPv6 address of the interface.
    pub ipv6: Option<Ipv6Addr>,
    /// The announcing interface's name.
    pub interface: Option<String>,
    /// An IPv4 address of the interface.
    pub ipv4: Option<Ipv4Addr>,
}

/// Why an MNDP packet did not decode; `at` is the byte offset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MndpError {
    /// Shorter than the 4-byte header.
    #[error("mndp packet of {0} bytes is shorter than its 4-byte header")]
    Short(usize),
    /// A TLV runs past the end of the packet.
    #[error("mndp tlv at byte {at} runs past the end of the packet")]
    Truncated {
        /// Where the TLV starts.
        at: usize,
    },
    /// A fixed-size TLV has the wrong length.
    #[error("mndp tlv type {ty} at byte {at} has length {len}")]
    BadLength {
        /// The TLV's type.
        ty: u16,
        /// Where the TLV starts.
        at: usize,
        /// Its length.
        len: usize,
    },
}

/// One packet: a request (no TLVs) or an announcement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// A discovery request: answer with an announcement.
    Request,
    /// A router's announcement.
    Announcement(Announcement),
}

impl Announcement {
    /// The packet on the wire.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128);
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&self.seq.to_be_bytes());
        let mut tlv = |ty: u16, value: &[u8]| {
            // A value longer than a TLV can say is cut, never a panic.
            let value = &value[..value.len().min(u16::MAX as usize)];
            out.extend_from_slice(&ty.to_be_bytes());
            out.extend_from_slice(&(value.len() as u16).to_be_bytes());
            out.extend_from_slice(value);
        };
        if let Some(m) = self.mac {
            tlv(MAC, &m.0);
        }
        let strings = [
            (IDENTITY, &self.identity),
            (VERSION, &self.version),
            (PLATFORM, &self.platform),
        ];
        for (ty, v) in strings {
            if let Some(v) = v {
                tlv(ty, v.as_bytes());
            }
        }
        if let Some(u) = self.uptime {
            tlv(UPTIME, &u.to_le_bytes());
        }
        for (ty, v) in [(SOFTWARE_ID, &self.software_id), (BOARD, &self.board)] {
            if let Some(v) = v {
                tlv(ty, v.as_bytes());
            }
        }
        if let Some(u) = self.unpack {
            tlv(UNPACK, &[u]);
        }
        if let Some(a) = self.ipv6 {
            tlv(IPV6, &a.octets());
        }
        if let Some(i) = &self.interface {
            tlv(INTERFACE, i.as_bytes());
        }
        if let Some(a) = self.ipv4 {
            tlv(IPV4, &a.octets());
        }
        out
    }

    /// `identity=… version=… board=…`: what the announcement gives away, in one line.
    pub fn summary(&self) -> String {
        let f = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".into());
        let mut s = format!(
            "identity={} version={} board={}",
            f(&self.identity),
            f(&self.version),
            f(&self.board)
        );
        if let Some(m) = self.mac {
            s.push_str(&format!(" mac={m}"));
        }
        if let Some(i) = &self.interface {
            s.push_str(&format!(" interface={i}"));
        }
        s
    }
}

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

/// Decodes one datagram. Unknown TLV types are skipped; a malformed packet is an error, never a
/// panic.
pub fn decode(data: &[u8]) -> Result<Packet, MndpError> {
    if data.len() < 4 {
        return Err(MndpError::Short(data.len()));
    }
    let mut a = Announcement {
        seq: u16::from_be_bytes([data[2], data[3]]),
        ..Announcement::default()
    };
    let mut at = 4;
    let mut any = false;
    while at < data.len() {
        let head = data.get(at..at + 4).ok_or(MndpError::Truncated { at })?;
        let ty = u16::from_be_bytes([head[0], head[1]]);
        let len = u16::from_be_bytes([head[2], head[3]]) as usize;
        let v = data
            .get(at + 4..at + 4 + len)
            .ok_or(MndpError::Truncated { at })?;
        let bad = MndpError::BadLength { ty, at, len };
        match ty {
            MAC => a.mac = Some(MacAddr(v.try_into().map_err(|_| bad)?)),
            IDENTITY => a.identity = Some(text(v)),
            VERSION => a.version = Some(text(v)),
            PLATFORM => a.platform = Some(text(v)),
            UPTIME => {
                a.uptime = Some(u32::from_le_bytes(v.try_into().map_err(|_| bad)?));
            }
            SOFTWARE_ID => a.software_id = Some(text(v)),
            BOARD => a.board = Some(text(v)),
            UNPACK => a.unpack = Some(*v.first().ok_or(bad)?),
            IPV6 => {
                let o: [u8; 16] = v.try_into().map_err(|_| bad)?;
                a.ipv6 = Some(Ipv6Addr::from(o));
            }
            INTERFACE => a.interface = Some(text(v)),
            IPV4 => {
                let o: [u8; 4] = v.try_into().map_err(|_| bad)?;
                a.ipv4 = Some(Ipv4Addr::from(o));
            }
            _ => {}
        }
        any = true;
        at += 4 + len;
    }
    Ok(if any {
        Packet::Announcement(a)
    } else {
        Packet::Request
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chr() -> Announcement {
        Announcement {
            seq: 7,
            mac: Some(MacAddr([0x0c, 0xc4, 0x7a, 0, 0, 1])),
            identity: Some("MikroTik".into()),
            version: Some("7.16.2 (stable)".into()),
            platform: Some("MikroTik".into()),
            uptime: Some(0x0102_0304),
            software_id: Some("ABCD-1234".into()),
            board: Some("CHR".into()),
            unpack: Some(0),
            ipv6: Some("2001:db8::1".parse().unwrap()),
            interface: Some("ether1".into()),
            ipv4: Some(Ipv4Addr::new(192, 0, 2, 1)),
        }
    }

    #[test]
    fn an_announcement_round_trips_with_its_documented_field_types() {
        let a = chr();
        let bytes = a.encode();
        // Header, then the MAC TLV: type 1, length 6.
        assert_eq!(&bytes[..10], &[0, 0, 0, 7, 0, 1, 0, 6, 0x0c, 0xc4]);
        // Uptime is little-endian.
        let up = bytes
            .windows(8)
            .position(|w| w[..4] == [0, 10, 0, 4])
            .unwrap();
        assert_eq!(&bytes[up + 4..up + 8], &[4, 3, 2, 1]);
        assert_eq!(decode(&bytes), Ok(Packet::Announcement(a.clone())));
        assert_eq!(
            a.summary(),
            "identity=MikroTik version=7.16.2 (stable) board=CHR mac=0C:C4:7A:00:00:01 interface=ether1"
        );
    }

    #[test]
    fn the_request_is_a_header_without_tlvs() {
        assert_eq!(decode(&REQUEST), Ok(Packet::Request));
        assert_eq!(decode(&[0, 0, 0x12, 0x34]), Ok(Packet::Request));
    }

    #[test]
    fn malformed_packets_are_errors_not_panics() {
        assert_eq!(decode(&[]), Err(MndpError::Short(0)));
        assert_eq!(decode(&[0, 0, 0]), Err(MndpError::Short(3)));
        assert_eq!(
            decode(&[0, 0, 0, 0, 0, 5]),
            Err(MndpError::Truncated { at: 4 })
        );
        assert_eq!(
            decode(&[0, 0, 0, 0, 0, 5, 0, 9, b'a']),
            Err(MndpError::Truncated { at: 4 })
        );
        assert_eq!(
            decode(&[0, 0, 0, 0, 0, 1, 0, 2, 1, 2]),
            Err(MndpError::BadLength {
                ty: 1,
                at: 4,
                len: 2
            })
        );
        assert!(decode(&[0, 0, 0, 0, 0, 10, 0, 0]).is_err());
        assert!(decode(&[0, 0, 0, 0, 0, 14, 0, 0]).is_err());
        // Every prefix of a good packet decodes or fails cleanly; unknown types are skipped.
        let bytes = chr().encode();
        for n in 0..bytes.len() {
            let _ = decode(&bytes[..n]);
        }
        let unknown = [0, 0, 0, 0, 0x7f, 0x7f, 0, 1, 9, 0, 5, 0, 1, b'x'];
        match decode(&unknown) {
            Ok(Packet::Announcement(a)) => assert_eq!(a.identity.as_deref(), Some("x")),
            other => panic!("{other:?}"),
        }
        // Not UTF-8: kept lossily.
        match decode(&[0, 0, 0, 0, 0, 5, 0, 1, 0xff]) {
            Ok(Packet::Announcement(a)) => assert_eq!(a.identity.as_deref(), Some("\u{fffd}")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn mac_addresses_parse_and_print_as_routeros_does() {
        let m: MacAddr = "0c:c4:7a:00:00:01".parse().unwrap();
        assert_eq!(m.to_string(), "0C:C4:7A:00:00:01");
        assert_eq!("0C-C4-7A-0-0-1".parse::<MacAddr>(), Ok(m));
        for bad in [
            "",
            "0c:c4:7a:00:00",
            "0c:c4:7a:00:00:01:02",
            "zz:c4:7a:00:00:01",
            "123:0:0:0:0:0",
        ] {
            assert!(bad.parse::<MacAddr>().is_err(), "{bad}");
        }
    }
}
