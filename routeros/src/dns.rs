//! The DNS wire format (RFC 1035 §4) as far as the router's resolver and the harness's probe need
//! it: a query for one name, the header and first question of any message, A records in an
//! answer, a reply built from a query, and the two-byte length prefix of DNS over TCP (§4.2.2).
//! Sans-IO: bytes in, values out; malformed input is an error that says where, never a panic.
//!
//! ```
//! use routeros::dns::{Message, Rcode, query, reply};
//! let q = query(0x1234, "router.lan.", routeros::dns::TYPE_A).unwrap();
//! let asked = Message::parse(&q).unwrap();
//! assert_eq!(asked.question.as_ref().unwrap().name, "router.lan");
//! let r = reply(&asked, Rcode::NoError, &["192.0.2.1".parse().unwrap()], 86400);
//! let got = Message::parse(&r).unwrap();
//! assert_eq!((got.id, got.rcode, got.answers_a.len()), (0x1234, Rcode::NoError, 1));
//! ```

use std::net::Ipv4Addr;

use thiserror::Error;

/// QTYPE A (a host address).
pub const TYPE_A: u16 = 1;
/// QCLASS IN (the Internet).
pub const CLASS_IN: u16 = 1;
/// The DNS port, UDP and TCP.
pub const PORT: u16 = 53;

/// The longest name on the wire (RFC 1035 §2.3.4).
const MAX_NAME: usize = 255;
/// The longest label.
const MAX_LABEL: usize = 63;
/// At most this many compression pointers are followed in one name (loops end here).
const MAX_POINTERS: usize = 16;
/// At most this many answer records are read.
const MAX_ANSWERS: usize = 64;

/// Why bytes are not a DNS message (or a name cannot be asked for).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DnsError {
    #[error("dns message ends at byte {at}, inside the {what}")]
    Truncated { what: &'static str, at: usize },
    #[error("dns name at byte {at} is longer than 255 bytes")]
    NameTooLong { at: usize },
    #[error("dns label at byte {at} is longer than 63 bytes")]
    LabelTooLong { at: usize },
    #[error("dns name at byte {at} has a reserved label type {byte:#04x}")]
    LabelType { at: usize, byte: u8 },
    #[error("dns name at byte {at} follows more than 16 compression pointers")]
    PointerLoop { at: usize },
    #[error("dns name {name:?} cannot be asked for: {why}")]
    BadName { name: String, why: &'static str },
}

/// A response code (RFC 1035 §4.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rcode {
    NoError,
    FormErr,
    ServFail,
    NxDomain,
    NotImp,
    Refused,
    /// Any other code (4 bits).
    Other(u8),
}

impl Rcode {
    /// The 4-bit code.
    pub fn code(self) -> u8 {
        match self {
            Rcode::NoError => 0,
            Rcode::FormErr => 1,
            Rcode::ServFail => 2,
            Rcode::NxDomain => 3,
            Rcode::NotImp => 4,
            Rcode::Refused => 5,
            Rcode::Other(c) => c & 0x0f,
        }
    }

    /// The code of the low 4 bits of `c`.
    pub fn from_code(c: u8) -> Rcode {
        match c & 0x0f {
            0 => Rcode::NoError,
            1 => Rcode::FormErr,
            2 => Rcode::ServFail,
            3 => Rcode::NxDomain,
            4 => Rcode::NotImp,
            5 => Rcode::Refused,
            other => Rcode::Other(other),
        }
    }
}

impl std::fmt::Display for Rcode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rcode::NoError => f.write_str("NOERROR"),
            Rcode::FormErr => f.write_str("FORMERR"),
            Rcode::ServFail => f.write_str("SERVFAIL"),
            Rcode::NxDomain => f.write_str("NXDOMAIN"),
            Rcode::NotImp => f.write_str("NOTIMP"),
            Rcode::Refused => f.write_str("REFUSED"),
            Rcode::Other(c) => write!(f, "RCODE{c}"),
        }
    }
}

/// The first question of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// The name, without the final dot, as it was sent (case kept).
    pub name: String,
    pub qtype: u16,
    pub qclass: u16,
}

/// What a message says, as far as the resolver and the probe need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: u16,
    /// QR: a response.
    pub response: bool,
    /// OPCODE (0 = a standard query).
    pub opcode: u8,
    /// RD: recursion desired.
    pub recursion_desired: bool,
    /// RA: recursion available.
    pub recursion_available: bool,
    pub rcode: Rcode,
    /// The first question, if there is one.
    pub question: Option<Question>,
    /// The addresses of the A records of the answer section (others are skipped).
    pub answers_a: Vec<Ipv4Addr>,
}

/// A standard query (RD set) for `name` (with or without its final dot) of `qtype`, class IN.
pub fn query(id: u16, name: &str, qtype: u16) -> Result<Vec<u8>, DnsError> {
    let mut out = Vec::with_capacity(32 + name.len());
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&[0x01, 0x00]); // RD
    out.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]);
    write_name(&mut out, name)?;
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&CLASS_IN.to_be_bytes());
    Ok(out)
}

/// The reply to `asked` with `rcode`, RA set, its question repeated and one A record (of `ttl`
/// seconds) per address, the name pointing back at the question.
pub fn reply(asked: &Message, rcode: Rcode, addresses: &[Ipv4Addr], ttl: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&asked.id.to_be_bytes());
    let flags1 = 0x80 | ((asked.opcode & 0x0f) << 3) | u8::from(asked.recursion_desired);
    out.push(flags1);
    out.push(0x80 | rcode.code());
    // The question is repeated only if it can be written back.
    let mut question = Vec::new();
    let written = asked
        .question
        .as_ref()
        .is_some_and(|q| write_name(&mut question, &q.name).is_ok());
    if let (true, Some(q)) = (written, &asked.question) {
        question.extend_from_slice(&q.qtype.to_be_bytes());
        question.extend_from_slice(&q.qclass.to_be_bytes());
    }
    let answers = if written {
        addresses.len().min(MAX_ANSWERS)
    } else {
        0
    };
    out.extend_from_slice(&u16::from(written).to_be_bytes());
    out.extend_from_slice(&(answers as u16).to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&question);
    for a in addresses.iter().take(answers) {
        out.extend_from_slice(&[0xc0, 12]); // the question's name, at byte 12
        out.extend_from_slice(&TYPE_A.to_be_bytes());
        out.extend_from_slice(&CLASS_IN.to_be_bytes());
        out.extend_from_slice(&ttl.to_be_bytes());
        out.extend_from_slice(&4u16.to_be_bytes());
        out.extend_from_slice(&a.octets());
    }
    out
}

/// `message` with the two-byte length prefix of DNS over TCP; `None` if it is too long for it.
pub fn tcp_frame(message: &[u8]) -> Option<Vec<u8>> {
    let len = u16::try_from(message.len()).ok()?;
    let mut out = Vec::with_capacity(message.len() + 2);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(message);
    Some(out)
}

impl Message {
    /// Reads a message's header, first question and A answers.
    pub fn parse(b: &[u8]) -> Result<Message, DnsError> {
        let header = b.get(..12).ok_or(DnsError::Truncated {
            what: "header",
            at: b.len(),
        })?;
        let word = |i: usize| u16::from_be_bytes([header[i], header[i + 1]]);
        let (qdcount, ancount) = (word(4), word(6));
        let mut msg = Message {
            id: word(0),
            response: header[2] & 0x80 != 0,
            opcode: (header[2] >> 3) & 0x0f,
            recursion_desired: header[2] & 0x01 != 0,
            recursion_available: header[3] & 0x80 != 0,
            rcode: Rcode::from_code(header[3]),
            question: None,
            answers_a: Vec::new(),
        };
        let mut at = 12;
        for i in 0..qdcount {
            let (name, next) = read_name(b, at)?;
            let fixed = take(b, next, 4, "question")?;
            if i == 0 {
                msg.question = Some(Question {
                    name,
                    qtype: u16::from_be_bytes([fixed[0], fixed[1]]),
                    qclass: u16::from_be_bytes([fixed[2], fixed[3]]),
                });
            }
            at = next + 4;
        }
        for _ in 0..ancount.min(MAX_ANSWERS as u16) {
            let (_, next) = read_name(b, at)?;
            let fixed = take(b, next, 10, "answer record")?;
            let rtype = u16::from_be_bytes([fixed[0], fixed[1]]);
            let class = u16::from_be_bytes([fixed[2], fixed[3]]);
            let len = usize::from(u16::from_be_bytes([fixed[8], fixed[9]]));
            let data = take(b, next + 10, len, "answer data")?;
            if rtype == TYPE_A && class == CLASS_IN && len == 4 {
                msg.answers_a
                    .push(Ipv4Addr::new(data[0], data[1], data[2], data[3]));
            }
            at = next + 10 + len;
        }
        Ok(msg)
    }
}

fn take<'a>(b: &'a [u8], at: usize, n: usize, what: &'static str) -> Result<&'a [u8], DnsError> {
    b.get(at..at.saturating_add(n))
        .ok_or(DnsError::Truncated { what, at: b.len() })
}

fn write_name(out: &mut Vec<u8>, name: &str) -> Result<(), DnsError> {
    let bad = |why| DnsError::BadName {
        name: name.to_string(),
        why,
    };
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    if trimmed.len() + 2 > MAX_NAME {
        return Err(bad("longer than 255 bytes"));
    }
    if !trimmed.is_empty() {
        for label in trimmed.split('.') {
            if label.is_empty() {
                return Err(bad("an empty label"));
            }
            if label.len() > MAX_LABEL {
                return Err(bad("a label longer than 63 bytes"));
            }
            out.push(label.len() as u8);
            out.extend_from_slice(label.as_bytes());
        }
    }
    out.push(0);
    Ok(())
}

/// Reads the name at `at` (following compression pointers): the name without its final dot,
/// and where the bytes after it (in the message, not the pointer's target) start.
fn read_name(b: &[u8], mut at: usize) -> Result<(String, usize), DnsError> {
    let start = at;
    let mut name = String::new();
    let mut after = None;
    let mut pointers = 0;
    let mut wire_len = 1;
    loop {
        let len = *b.get(at).ok_or(DnsError::Truncated {
            what: "name",
            at: b.len(),
        })?;
        match len & 0xc0 {
            0x00 if len == 0 => {
                return Ok((name, after.unwrap_or(at + 1)));
            }
            0x00 => {
                let label = take(b, at + 1, usize::from(len), "name")?;
                wire_len += usize::from(len) + 1;
                if wire_len > MAX_NAME {
                    return Err(DnsError::NameTooLong { at: start });
                }
                if !name.is_empty() {
                    name.push('.');
                }
                name.push_str(&String::from_utf8_lossy(label));
                at += 1 + usize::from(len);
            }
            0xc0 => {
                let low = *b.get(at + 1).ok_or(DnsError::Truncated {
                    what: "name",
                    at: b.len(),
                })?;
                pointers += 1;
                if pointers > MAX_POINTERS {
                    return Err(DnsError::PointerLoop { at: start });
                }
                after.get_or_insert(at + 2);
                at = usize::from(u16::from_be_bytes([len & 0x3f, low]));
            }
            _ => return Err(DnsError::LabelType { at, byte: len }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_reads_back() {
        let q = query(7, "Chrlab-Probe.example.", TYPE_A).expect("query");
        let m = Message::parse(&q).expect("parse");
        assert_eq!(m.id, 7);
        assert!(!m.response && m.recursion_desired);
        assert_eq!(
            m.question,
            Some(Question {
                name: "Chrlab-Probe.example".into(),
                qtype: TYPE_A,
                qclass: CLASS_IN
            })
        );
        // The root.
        let root = Message::parse(&query(1, ".", TYPE_A).expect("root")).expect("parse");
        assert_eq!(root.question.map(|q| q.name), Some(String::new()));
    }

    #[test]
    fn replies_carry_rcode_ra_and_a_records() {
        let asked = Message::parse(&query(9, "router.lan", TYPE_A).expect("q")).expect("parse");
        let ok = Message::parse(&reply(
            &asked,
            Rcode::NoError,
            &[Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 2)],
            60,
        ))
        .expect("reply parses");
        assert!(ok.response && ok.recursion_available && ok.recursion_desired);
        assert_eq!(ok.rcode, Rcode::NoError);
        assert_eq!(ok.question, asked.question);
        assert_eq!(
            ok.answers_a,
            vec![Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 2)]
        );
        let fail = Message::parse(&reply(&asked, Rcode::ServFail, &[], 0)).expect("parse");
        assert_eq!((fail.rcode, fail.answers_a.len()), (Rcode::ServFail, 0));
        assert_eq!(Rcode::from_code(5), Rcode::Refused);
        assert_eq!(Rcode::Refused.to_string(), "REFUSED");
    }

    #[test]
    fn names_that_cannot_be_asked_for_are_errors() {
        assert!(query(1, "a..b", TYPE_A).is_err());
        assert!(query(1, &"x".repeat(64), TYPE_A).is_err());
        assert!(query(1, &["abc"; 80].join("."), TYPE_A).is_err());
    }

    #[test]
    fn tcp_frames_have_a_length_prefix() {
        assert_eq!(tcp_frame(b"abc"), Some(vec![0, 3, b'a', b'b', b'c']));
        assert_eq!(tcp_frame(&vec![0; 70_000]), None);
    }

    #[test]
    fn malformed_messages_are_errors_not_panics() {
        let q = query(3, "router.lan", TYPE_A).expect("q");
        // Every truncation of a valid query.
        for n in 0..q.len() {
            assert!(Message::parse(&q[..n]).is_err(), "truncated to {n}");
        }
        let header = |qd: u8, an: u8| vec![0, 1, 0x81, 0x80, 0, qd, 0, an, 0, 0, 0, 0];
        // A pointer to itself.
        let mut looping = header(1, 0);
        looping.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
        assert_eq!(
            Message::parse(&looping),
            Err(DnsError::PointerLoop { at: 12 })
        );
        // A reserved label type.
        let mut reserved = header(1, 0);
        reserved.extend_from_slice(&[0x40, 0, 0, 1, 0, 1]);
        assert!(matches!(
            Message::parse(&reserved),
            Err(DnsError::LabelType { .. })
        ));
        // A pointer past the end.
        let mut past = header(1, 0);
        past.extend_from_slice(&[0xc0, 0xff, 0, 1, 0, 1]);
        assert!(Message::parse(&past).is_err());
        // An answer whose data run past the end.
        let mut answer = header(0, 1);
        answer.extend_from_slice(&[0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 9, 1, 2]);
        assert!(matches!(
            Message::parse(&answer),
            Err(DnsError::Truncated { .. })
        ));
        // A name longer than 255 bytes made of pointers to long labels.
        let mut long = header(1, 0);
        for _ in 0..5 {
            long.push(63);
            long.extend_from_slice(&[b'a'; 63]);
        }
        long.push(0);
        long.extend_from_slice(&[0, 1, 0, 1]);
        assert!(matches!(
            Message::parse(&long),
            Err(DnsError::NameTooLong { .. })
        ));
        // Arbitrary bytes never panic.
        let mut seed = 0x2545_f491_u32;
        for len in 0..200 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    seed as u8
                })
                .collect();
            let _ = Message::parse(&bytes);
        }
    }
}
