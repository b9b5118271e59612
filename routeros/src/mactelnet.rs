//! The MAC-Telnet packet header (UDP port 20561), sans IO.
//!
//! As documented publicly (the open-source MAC-Telnet client and Wireshark's dissector), every
//! packet starts with 22 bytes: version (1), packet type (1: 0 session start, 1 data, 2 ack,
//! 255 end), the source and destination MAC addresses (6 each), then two 16-bit fields whose
//! order depends on the direction — a client sends the session key first and the client type
//! second, a server the client type first and the session key second — and a 32-bit counter;
//! all big-endian. The client type of a MAC-Telnet session is `0x0015`. A session begins with a
//! START from the client to the router's MAC; the router acknowledges it with an ACK carrying
//! the same session key and counter 0. An END closes it. Packets travel as UDP to
//! `255.255.255.255:20561`, from port 20561, on the link: the router is chosen by the
//! destination MAC inside the packet, not by the IP header.

use crate::mndp::MacAddr;

/// MAC-Telnet's UDP port.
pub const PORT: u16 = 20561;
/// The header's length.
pub const HEADER_LEN: usize = 22;
/// The header's version byte.
pub const VERSION: u8 = 1;
/// The client type of a MAC-Telnet (terminal) session.
pub const CLIENT_MAC_TELNET: u16 = 0x0015;

/// The packet type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketType {
    /// 0: a client opens a session.
    SessionStart,
    /// 1: data (control packets, terminal bytes).
    Data,
    /// 2: an acknowledgement.
    Ack,
    /// 255: the session ends.
    End,
}

impl PacketType {
    fn byte(self) -> u8 {
        match self {
            PacketType::SessionStart => 0,
            PacketType::Data => 1,
            PacketType::Ack => 2,
            PacketType::End => 255,
        }
    }

    fn from_byte(b: u8) -> Option<PacketType> {
        Some(match b {
            0 => PacketType::SessionStart,
            1 => PacketType::Data,
            2 => PacketType::Ack,
            255 => PacketType::End,
            _ => return None,
        })
    }
}

/// Who sent a packet: it decides the order of the session key and the client type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the client (session key, then client type).
    FromClient,
    /// From the server (client type, then session key).
    FromServer,
}

/// One packet's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The packet type.
    pub ptype: PacketType,
    /// The sender's MAC.
    pub src: MacAddr,
    /// The addressee's MAC (the router's, from a client).
    pub dst: MacAddr,
    /// The session key the client chose.
    pub session: u16,
    /// The client type ([`CLIENT_MAC_TELNET`]).
    pub client_type: u16,
    /// Bytes sent/received so far.
    pub counter: u32,
}

/// Why a MAC-Telnet packet did not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MacTelnetError {
    /// Shorter than the header.
    #[error("mac-telnet packet of {0} bytes is shorter than its 22-byte header")]
    Short(usize),
    /// Not version 1.
    #[error("mac-telnet packet has version {0}, not 1")]
    Version(u8),
    /// An unknown packet type.
    #[error("mac-telnet packet has unknown type {0}")]
    Type(u8),
    /// Shorter than a MAC ping's header.
    #[error("mac ping packet of {0} bytes is shorter than its 18-byte header")]
    ShortPing(usize),
}

impl Header {
    /// The header on the wire, as `dir` sends it.
    pub fn encode(&self, dir: Direction) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[0] = VERSION;
        out[1] = self.ptype.byte();
        out[2..8].copy_from_slice(&self.src.0);
        out[8..14].copy_from_slice(&self.dst.0);
        let (first, second) = match dir {
            Direction::FromClient => (self.session, self.client_type),
            Direction::FromServer => (self.client_type, self.session),
        };
        out[14..16].copy_from_slice(&first.to_be_bytes());
        out[16..18].copy_from_slice(&second.to_be_bytes());
        out[18..22].copy_from_slice(&self.counter.to_be_bytes());
        out
    }

    /// Decodes the header of a packet `dir` sent (anything after the header is ignored).
    pub fn decode(data: &[u8], dir: Direction) -> Result<Header, MacTelnetError> {
        let h: &[u8; HEADER_LEN] = data
            .get(..HEADER_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or(MacTelnetError::Short(data.len()))?;
        if h[0] != VERSION {
            return Err(MacTelnetError::Version(h[0]));
        }
        let ptype = PacketType::from_byte(h[1]).ok_or(MacTelnetError::Type(h[1]))?;
        let mac = |at: usize| {
            let mut m = [0u8; 6];
            m.copy_from_slice(&h[at..at + 6]);
            MacAddr(m)
        };
        let first = u16::from_be_bytes([h[14], h[15]]);
        let second = u16::from_be_bytes([h[16], h[17]]);
        let (session, client_type) = match dir {
            Direction::FromClient => (first, second),
            Direction::FromServer => (second, first),
        };
        Ok(Header {
            ptype,
            src: mac(2),
            dst: mac(8),
            session,
            client_type,
            counter: u32::from_be_bytes([h[18], h[19], h[20], h[21]]),
        })
    }

    /// The server's acknowledgement of this packet (a START: counter 0).
    pub fn ack(&self) -> Header {
        Header {
            ptype: PacketType::Ack,
            src: self.dst,
            dst: self.src,
            ..*self
        }
    }
}

/// The packet type of a MAC ping request.
pub const PTYPE_PING: u8 = 4;
/// The packet type of a MAC ping answer.
pub const PTYPE_PONG: u8 = 5;
/// The length of a MAC ping's header: [`HEADER_LEN`] without the counter.
pub const PING_HEADER_LEN: usize = 18;

/// A MAC ping (`/tool mac-server ping`) request or answer, on the MAC-Telnet port.
///
/// As the open-source MAC-Telnet tools document it (`macping`): version 1, type 4 (ping) or 5
/// (pong), the source and destination MACs, four zero bytes where a session packet has its
/// session key and client type, and no counter: an 18-byte header, then the payload, which the
/// answer echoes byte for byte. RouterOS answers a ping only when the Ethernet frame itself is
/// addressed to its MAC (a broadcast frame, which is enough for a MAC-Telnet session start, is
/// not); the answer goes to `255.255.255.255:20561` like every MAC-Telnet packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ping {
    /// True for the answer (type 5), false for the request (type 4).
    pub pong: bool,
    /// The sender's MAC.
    pub src: MacAddr,
    /// The addressee's MAC.
    pub dst: MacAddr,
    /// What the request carries and the answer echoes.
    pub payload: Vec<u8>,
}

impl Ping {
    /// The packet on the wire.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(PING_HEADER_LEN + self.payload.len());
        out.push(VERSION);
        out.push(if self.pong { PTYPE_PONG } else { PTYPE_PING });
        out.extend_from_slice(&self.src.0);
        out.extend_from_slice(&self.dst.0);
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&self.payload);
        out
    }

    /// Decodes a ping or a pong; any other packet type is [`MacTelnetError::Type`].
    pub fn decode(data: &[u8]) -> Result<Ping, MacTelnetError> {
        let h = data
            .get(..PING_HEADER_LEN)
            .ok_or(MacTelnetError::ShortPing(data.len()))?;
        if h[0] != VERSION {
            return Err(MacTelnetError::Version(h[0]));
        }
        let pong = match h[1] {
            PTYPE_PING => false,
            PTYPE_PONG => true,
            other => return Err(MacTelnetError::Type(other)),
        };
        let mac = |at: usize| {
            let mut m = [0u8; 6];
            m.copy_from_slice(&h[at..at + 6]);
            MacAddr(m)
        };
        Ok(Ping {
            pong,
            src: mac(2),
            dst: mac(8),
            payload: data[PING_HEADER_LEN..].to_vec(),
        })
    }

    /// The answer to this request: addresses swapped, the payload echoed.
    pub fn answer(&self) -> Ping {
        Ping {
            pong: true,
            src: self.dst,
            dst: self.src,
            payload: self.payload.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: MacAddr = MacAddr([2, 0, 0, 0, 0, 0x66]);
    const ROUTER: MacAddr = MacAddr([0x0c, 0xc4, 0x7a, 0, 0, 1]);

    fn start() -> Header {
        Header {
            ptype: PacketType::SessionStart,
            src: CLIENT,
            dst: ROUTER,
            session: 0xbeef,
            client_type: CLIENT_MAC_TELNET,
            counter: 0,
        }
    }

    #[test]
    fn the_two_directions_order_session_key_and_client_type_differently() {
        let s = start();
        let wire = s.encode(Direction::FromClient);
        assert_eq!(wire[0..2], [1, 0]);
        assert_eq!(wire[2..8], CLIENT.0);
        assert_eq!(wire[8..14], ROUTER.0);
        assert_eq!(wire[14..18], [0xbe, 0xef, 0x00, 0x15]);
        assert_eq!(Header::decode(&wire, Direction::FromClient), Ok(s));
        let ack = s.ack();
        let wire = ack.encode(Direction::FromServer);
        assert_eq!(wire[1], 2);
        assert_eq!(wire[2..8], ROUTER.0);
        assert_eq!(wire[14..18], [0x00, 0x15, 0xbe, 0xef]);
        let back = Header::decode(&wire, Direction::FromServer).unwrap();
        assert_eq!((back.session, back.dst, back.counter), (0xbeef, CLIENT, 0));
    }

    #[test]
    fn malformed_packets_are_errors_not_panics() {
        let good = start().encode(Direction::FromClient);
        for n in 0..HEADER_LEN {
            assert_eq!(
                Header::decode(&good[..n], Direction::FromClient),
                Err(MacTelnetError::Short(n))
            );
        }
        let mut v = good;
        v[0] = 2;
        assert_eq!(
            Header::decode(&v, Direction::FromClient),
            Err(MacTelnetError::Version(2))
        );
        let mut t = good;
        t[1] = 7;
        assert_eq!(
            Header::decode(&t, Direction::FromClient),
            Err(MacTelnetError::Type(7))
        );
        let mut long = good.to_vec();
        long.extend_from_slice(&[0x56, 0x34, 0x12, 0xff]);
        assert!(Header::decode(&long, Direction::FromClient).is_ok());
    }

    #[test]
    fn a_ping_has_an_18_byte_header_and_its_answer_echoes_the_payload() {
        let ping = Ping {
            pong: false,
            src: CLIENT,
            dst: ROUTER,
            payload: b"chrlab-nonce".to_vec(),
        };
        let wire = ping.encode();
        assert_eq!(wire.len(), PING_HEADER_LEN + 12);
        assert_eq!(wire[0..2], [1, 4]);
        assert_eq!(wire[2..8], CLIENT.0);
        assert_eq!(wire[8..14], ROUTER.0);
        assert_eq!(wire[14..18], [0, 0, 0, 0]);
        assert_eq!(&wire[18..], b"chrlab-nonce");
        assert_eq!(Ping::decode(&wire), Ok(ping.clone()));
        let pong = ping.answer();
        let wire = pong.encode();
        assert_eq!(wire[1], 5);
        assert_eq!(wire[2..8], ROUTER.0);
        assert_eq!(Ping::decode(&wire), Ok(pong));
        // A session packet is not a ping, and a ping is not a session packet.
        assert_eq!(
            Ping::decode(&start().encode(Direction::FromClient)),
            Err(MacTelnetError::Type(0))
        );
        assert_eq!(
            Header::decode(&ping.encode(), Direction::FromClient),
            Err(MacTelnetError::Type(4))
        );
        for n in 0..PING_HEADER_LEN {
            assert_eq!(
                Ping::decode(&ping.encode()[..n]),
                Err(MacTelnetError::ShortPing(n))
            );
        }
    }
}
