//! SNMP v1 and v2c messages (RFC 1157, RFC 3416) in BER, as far as a GetRequest and its
//! GetResponse go: the router's agent and the harness's probe share them. Sans-IO; malformed
//! input is an error that says where, never a panic, and nothing is read past a fixed bound.
//!
//! ```
//! use routeros::snmp::{Message, Oid, Value, Version, get_request, SYS_DESCR};
//! let oid: Oid = SYS_DESCR.parse().unwrap();
//! let req = get_request(Version::V2c, b"public", 42, &[oid.clone()]);
//! let got = Message::parse(&req).unwrap();
//! assert_eq!((got.community.as_slice(), got.request_id), (&b"public"[..], 42));
//! assert_eq!(got.varbinds, vec![(oid, Value::Null)]);
//! ```

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// The agent's UDP port.
pub const PORT: u16 = 161;
/// `sysDescr.0`.
pub const SYS_DESCR: &str = "1.3.6.1.2.1.1.1.0";
/// `sysName.0`.
pub const SYS_NAME: &str = "1.3.6.1.2.1.1.5.0";

/// A GetRequest PDU's tag.
pub const GET_REQUEST: u8 = 0xa0;
/// A GetNextRequest PDU's tag.
pub const GET_NEXT_REQUEST: u8 = 0xa1;
/// A GetResponse (v1) / Response (v2c) PDU's tag.
pub const GET_RESPONSE: u8 = 0xa2;

/// error-status `noSuchName` (v1).
pub const NO_SUCH_NAME: i64 = 2;

/// At most this many variable bindings are read.
const MAX_VARBINDS: usize = 64;
/// At most this many sub-identifiers in an OID.
const MAX_SUBIDS: usize = 128;

/// Why bytes are not an SNMP message we read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SnmpError {
    #[error("snmp message ends at byte {at}, inside the {what}")]
    Truncated { what: &'static str, at: usize },
    #[error("snmp {what} at byte {at} has tag {tag:#04x}")]
    Tag {
        what: &'static str,
        at: usize,
        tag: u8,
    },
    #[error("snmp length at byte {at} is not one we read")]
    Length { at: usize },
    #[error("snmp integer at byte {at} is longer than 8 bytes")]
    Integer { at: usize },
    #[error("snmp object identifier at byte {at} is malformed")]
    Oid { at: usize },
    #[error("snmp version {0} is neither v1 (0) nor v2c (1)")]
    Version(i64),
    #[error("{0:?} is not an object identifier")]
    OidText(String),
}

/// The protocol version of a community-based message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// SNMPv1 (version 0).
    V1,
    /// SNMPv2c (version 1).
    V2c,
}

impl Version {
    fn number(self) -> i64 {
        match self {
            Version::V1 => 0,
            Version::V2c => 1,
        }
    }
}

/// An object identifier.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Oid(pub Vec<u32>);

impl FromStr for Oid {
    type Err = SnmpError;
    fn from_str(s: &str) -> Result<Oid, SnmpError> {
        let ids: Result<Vec<u32>, _> = s
            .trim_start_matches('.')
            .split('.')
            .map(str::parse)
            .collect();
        match ids {
            Ok(ids)
                if ids.len() >= 2
                    && ids.len() <= MAX_SUBIDS
                    && (ids[0] < 2 && ids[1] < 40 || ids[0] == 2) =>
            {
                Ok(Oid(ids))
            }
            _ => Err(SnmpError::OidText(s.to_string())),
        }
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(u32::to_string).collect();
        f.write_str(&parts.join("."))
    }
}

/// A variable binding's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// NULL (what a GetRequest carries).
    Null,
    Integer(i64),
    OctetString(Vec<u8>),
    /// v2c `noSuchObject`.
    NoSuchObject,
    /// v2c `noSuchInstance`.
    NoSuchInstance,
    /// Any other type: its tag and contents.
    Other(u8, Vec<u8>),
}

/// A community-based message with one PDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub version: Version,
    pub community: Vec<u8>,
    /// The PDU's tag ([`GET_REQUEST`], [`GET_RESPONSE`], …).
    pub pdu: u8,
    pub request_id: i64,
    pub error_status: i64,
    pub error_index: i64,
    pub varbinds: Vec<(Oid, Value)>,
}

/// A GetRequest for `oids` (each with a NULL value).
pub fn get_request(version: Version, community: &[u8], request_id: i64, oids: &[Oid]) -> Vec<u8> {
    let varbinds: Vec<(Oid, Value)> = oids.iter().map(|o| (o.clone(), Value::Null)).collect();
    encode(&Message {
        version,
        community: community.to_vec(),
        pdu: GET_REQUEST,
        request_id,
        error_status: 0,
        error_index: 0,
        varbinds,
    })
}

/// A message in BER.
pub fn encode(m: &Message) -> Vec<u8> {
    let mut binds = Vec::new();
    for (oid, value) in &m.varbinds {
        let mut bind = tlv(0x06, &oid_bytes(oid));
        bind.extend(match value {
            Value::Null => tlv(0x05, &[]),
            Value::Integer(i) => tlv(0x02, &int_bytes(*i)),
            Value::OctetString(s) => tlv(0x04, s),
            Value::NoSuchObject => tlv(0x80, &[]),
            Value::NoSuchInstance => tlv(0x81, &[]),
            Value::Other(tag, b) => tlv(*tag, b),
        });
        binds.extend(tlv(0x30, &bind));
    }
    let mut pdu = tlv(0x02, &int_bytes(m.request_id));
    pdu.extend(tlv(0x02, &int_bytes(m.error_status)));
    pdu.extend(tlv(0x02, &int_bytes(m.error_index)));
    pdu.extend(tlv(0x30, &binds));
    let mut body = tlv(0x02, &int_bytes(m.version.number()));
    body.extend(tlv(0x04, &m.community));
    body.extend(tlv(m.pdu, &pdu));
    tlv(0x30, &body)
}

fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = contents.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(contents);
    out
}

fn int_bytes(i: i64) -> Vec<u8> {
    let bytes = i.to_be_bytes();
    let mut start = 0;
    // Drop leading bytes that only repeat the sign.
    while start < 7
        && ((bytes[start] == 0 && bytes[start + 1] & 0x80 == 0)
            || (bytes[start] == 0xff && bytes[start + 1] & 0x80 != 0))
    {
        start += 1;
    }
    bytes[start..].to_vec()
}

fn oid_bytes(oid: &Oid) -> Vec<u8> {
    let ids = &oid.0;
    let mut out = Vec::new();
    let (first, rest) = match ids.as_slice() {
        [a, b, rest @ ..] => (a.saturating_mul(40).saturating_add(*b), rest),
        [a] => (a.saturating_mul(40), &[][..]),
        [] => (0, &[][..]),
    };
    for id in std::iter::once(first).chain(rest.iter().copied()) {
        let mut groups = vec![(id & 0x7f) as u8];
        let mut v = id >> 7;
        while v > 0 {
            groups.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        out.extend(groups.into_iter().rev());
    }
    out
}

/// A reader over one BER element's contents.
struct Reader<'a> {
    b: &'a [u8],
    at: usize,
    /// Where these contents end.
    end: usize,
}

impl<'a> Reader<'a> {
    fn done(&self) -> bool {
        self.at >= self.end
    }

    /// The next element: its tag, its contents' start and its end.
    fn element(&mut self, what: &'static str) -> Result<(u8, usize, usize), SnmpError> {
        let truncated = SnmpError::Truncated { what, at: self.end };
        let tag = *self
            .b
            .get(self.at)
            .filter(|_| self.at < self.end)
            .ok_or(truncated.clone())?;
        let first = *self
            .b
            .get(self.at + 1)
            .filter(|_| self.at + 1 < self.end)
            .ok_or(truncated.clone())?;
        let (len, header) = if first < 0x80 {
            (usize::from(first), 2)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 3 {
                return Err(SnmpError::Length { at: self.at + 1 });
            }
            let bytes = self
                .b
                .get(self.at + 2..self.at + 2 + n)
                .ok_or(truncated.clone())?;
            (
                bytes.iter().fold(0usize, |l, b| (l << 8) | usize::from(*b)),
                2 + n,
            )
        };
        let start = self.at + header;
        let end = start
            .checked_add(len)
            .filter(|e| *e <= self.end)
            .ok_or(truncated)?;
        self.at = end;
        Ok((tag, start, end))
    }

    fn expect(&mut self, tag: u8, what: &'static str) -> Result<Reader<'a>, SnmpError> {
        let at = self.at;
        let (got, start, end) = self.element(what)?;
        if got != tag {
            return Err(SnmpError::Tag { what, at, tag: got });
        }
        Ok(Reader {
            b: self.b,
            at: start,
            end,
        })
    }

    fn integer(&mut self, what: &'static str) -> Result<i64, SnmpError> {
        let at = self.at;
        let r = self.expect(0x02, what)?;
        int_value(&r.b[r.at..r.end], at)
    }
}

fn int_value(b: &[u8], at: usize) -> Result<i64, SnmpError> {
    if b.is_empty() || b.len() > 8 {
        return Err(SnmpError::Integer { at });
    }
    let init: i64 = if b[0] & 0x80 != 0 { -1 } else { 0 };
    Ok(b.iter().fold(init, |v, byte| (v << 8) | i64::from(*byte)))
}

fn oid_value(b: &[u8], at: usize) -> Result<Oid, SnmpError> {
    let mut ids = Vec::new();
    let mut v: u64 = 0;
    for (i, byte) in b.iter().enumerate() {
        v = (v << 7) | u64::from(byte & 0x7f);
        if v > u64::from(u32::MAX) || ids.len() >= MAX_SUBIDS {
            return Err(SnmpError::Oid { at });
        }
        if byte & 0x80 == 0 {
            if ids.is_empty() {
                let first = v as u32;
                let (a, b) = match first {
                    0..40 => (0, first),
                    40..80 => (1, first - 40),
                    _ => (2, first - 80),
                };
                ids.extend([a, b]);
            } else {
                ids.push(v as u32);
            }
            v = 0;
        } else if i + 1 == b.len() {
            return Err(SnmpError::Oid { at });
        }
    }
    if ids.is_empty() {
        return Err(SnmpError::Oid { at });
    }
    Ok(Oid(ids))
}

impl Message {
    /// Reads a v1 or v2c message (one PDU of the request/response form).
    pub fn parse(b: &[u8]) -> Result<Message, SnmpError> {
        let mut outer = Reader {
            b,
            at: 0,
            end: b.len(),
        };
        let mut msg = outer.expect(0x30, "message")?;
        let version = match msg.integer("version")? {
            0 => Version::V1,
            1 => Version::V2c,
            other => return Err(SnmpError::Version(other)),
        };
        let community = msg.expect(0x04, "community")?;
        let community = b[community.at..community.end].to_vec();
        let at = msg.at;
        let (pdu, start, end) = msg.element("pdu")?;
        if !(0xa0..=0xa8).contains(&pdu) {
            return Err(SnmpError::Tag {
                what: "pdu",
                at,
                tag: pdu,
            });
        }
        let mut pdu_r = Reader { b, at: start, end };
        let request_id = pdu_r.integer("request-id")?;
        let error_status = pdu_r.integer("error-status")?;
        let error_index = pdu_r.integer("error-index")?;
        let mut list = pdu_r.expect(0x30, "variable bindings")?;
        let mut varbinds = Vec::new();
        while !list.done() && varbinds.len() < MAX_VARBINDS {
            let mut bind = list.expect(0x30, "variable binding")?;
            let oid_at = bind.at;
            let oid = bind.expect(0x06, "name")?;
            let oid = oid_value(&b[oid.at..oid.end], oid_at)?;
            let value_at = bind.at;
            let (tag, vs, ve) = bind.element("value")?;
            let contents = &b[vs..ve];
            let value = match tag {
                0x05 => Value::Null,
                0x02 => Value::Integer(int_value(contents, value_at)?),
                0x04 => Value::OctetString(contents.to_vec()),
                0x80 => Value::NoSuchObject,
                0x81 => Value::NoSuchInstance,
                other => Value::Other(other, contents.to_vec()),
            };
            varbinds.push((oid, value));
        }
        Ok(Message {
            version,
            community,
            pdu,
            request_id,
            error_status,
            error_index,
            varbinds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(s: &str) -> Oid {
        s.parse().expect("test oid")
    }

    #[test]
    fn a_get_request_is_the_ber_net_snmp_sends() {
        // snmpget -v2c -c public <router> 1.3.6.1.2.1.1.1.0, request-id 1 (RFC 3416 layout).
        let want: &[u8] = &[
            0x30, 0x26, 0x02, 0x01, 0x01, 0x04, 0x06, b'p', b'u', b'b', b'l', b'i', b'c', 0xa0,
            0x19, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x0e, 0x30, 0x0c,
            0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05, 0x00,
        ];
        assert_eq!(
            get_request(Version::V2c, b"public", 1, &[oid(SYS_DESCR)]),
            want
        );
        let m = Message::parse(want).expect("parse");
        assert_eq!(m.pdu, GET_REQUEST);
        assert_eq!(m.varbinds, vec![(oid(SYS_DESCR), Value::Null)]);
    }

    #[test]
    fn responses_round_trip() {
        let m = Message {
            version: Version::V1,
            community: b"public".to_vec(),
            pdu: GET_RESPONSE,
            request_id: -300,
            error_status: 0,
            error_index: 0,
            varbinds: vec![
                (oid(SYS_DESCR), Value::OctetString(b"RouterOS CHR".to_vec())),
                (oid("1.3.6.1.4.1.14988.1.1.4.4.0"), Value::Integer(70_000)),
                (oid(SYS_NAME), Value::NoSuchObject),
                (oid("1.3.6.1.2.1.1.3.0"), Value::Other(0x43, vec![1, 2])),
                (oid("2.999.3"), Value::OctetString(vec![b'x'; 300])),
            ],
        };
        assert_eq!(Message::parse(&encode(&m)), Ok(m));
        assert_eq!(oid(SYS_NAME).to_string(), SYS_NAME);
        assert!("1".parse::<Oid>().is_err());
        assert!("1.3.x".parse::<Oid>().is_err());
        assert!("3.1".parse::<Oid>().is_err());
    }

    #[test]
    fn malformed_messages_are_errors_not_panics() {
        let req = get_request(Version::V2c, b"public", 7, &[oid(SYS_DESCR)]);
        for n in 0..req.len() {
            assert!(Message::parse(&req[..n]).is_err(), "truncated to {n}");
        }
        // Version 3 (a USM message) is not read.
        let mut v3 = req.clone();
        v3[4] = 3;
        assert_eq!(Message::parse(&v3), Err(SnmpError::Version(3)));
        // A length that claims more than there is.
        let mut long = req.clone();
        long[1] = 0x84;
        assert!(Message::parse(&long).is_err());
        // An OID whose last byte says "more follows".
        let bad_oid = [
            0x30, 0x18, 0x02, 0x01, 0x00, 0x04, 0x01, b'p', 0xa0, 0x10, 0x02, 0x01, 0x01, 0x02,
            0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x05, 0x30, 0x03, 0x06, 0x01, 0x81,
        ];
        assert_eq!(Message::parse(&bad_oid), Err(SnmpError::Oid { at: 23 }));
        let mut seed = 0x9e37_79b9_u32;
        for len in 0..300 {
            let mut bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    seed as u8
                })
                .collect();
            if len > 2 {
                bytes[0] = 0x30;
            }
            let _ = Message::parse(&bytes);
        }
    }
}
