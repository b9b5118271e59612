//! The RouterOS binary API (ports 8728/8729) framing, sans-IO.
//!
//! A sentence is a list of words ended by a zero-length word. Every word is a length prefix
//! (1–5 bytes, big-endian, FACTS §7) followed by that many bytes:
//!
//! | length          | prefix                         |
//! |-----------------|--------------------------------|
//! | `< 0x80`        | 1 byte                         |
//! | `< 0x4000`      | 2 bytes, `len \| 0x8000`       |
//! | `< 0x20_0000`   | 3 bytes, `len \| 0xC0_0000`    |
//! | `< 0x1000_0000` | 4 bytes, `len \| 0xE000_0000`  |
//! | otherwise       | `0xF0` + 4 bytes               |
//!
//! First bytes `>= 0xF8` are reserved (control bytes) and rejected by [`Decoder`].

use md5::{Digest, Md5};
use thiserror::Error;

/// One API sentence: its words, in order, without the terminating empty word.
pub type Sentence = Vec<String>;

/// Encodes a word length as its 1–5 byte prefix.
///
/// Lengths above `u32::MAX` cannot be framed; they are clamped to `u32::MAX` (RouterOS limits
/// words far below that, and [`Decoder`] rejects them anyway).
///
/// ```
/// assert_eq!(routeros::api::encode_length(0x87), vec![0x80, 0x87]);
/// ```
pub fn encode_length(len: usize) -> Vec<u8> {
    let n = u32::try_from(len).unwrap_or(u32::MAX);
    let b = n.to_be_bytes();
    if n < 0x80 {
        vec![b[3]]
    } else if n < 0x4000 {
        (n | 0x8000).to_be_bytes()[2..].to_vec()
    } else if n < 0x20_0000 {
        (n | 0xC0_0000).to_be_bytes()[1..].to_vec()
    } else if n < 0x1000_0000 {
        (n | 0xE000_0000).to_be_bytes().to_vec()
    } else {
        vec![0xF0, b[0], b[1], b[2], b[3]]
    }
}

/// Encodes one word (prefix + bytes).
pub fn encode_word(word: impl AsRef<[u8]>, out: &mut Vec<u8>) {
    let w = word.as_ref();
    out.extend_from_slice(&encode_length(w.len()));
    out.extend_from_slice(w);
}

/// Encodes a sentence: every word, then the terminating zero-length word.
///
/// ```
/// let b = routeros::api::encode_sentence(&["!done"]);
/// assert_eq!(b, b"\x05!done\x00");
/// ```
pub fn encode_sentence<W: AsRef<[u8]>>(words: &[W]) -> Vec<u8> {
    let mut out = Vec::with_capacity(words.iter().map(|w| w.as_ref().len() + 2).sum::<usize>() + 1);
    for w in words {
        encode_word(w, &mut out);
    }
    out.push(0);
    out
}

/// Why the byte stream is not a valid API stream. The connection should be dropped.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// A length prefix started with a reserved byte (`>= 0xF8`).
    #[error("reserved length byte 0x{byte:02x} at the start of a word")]
    Reserved {
        /// The offending first byte.
        byte: u8,
    },
    /// A word is longer than the decoder accepts.
    #[error("word of {len} bytes exceeds the limit of {max} bytes")]
    WordTooLong {
        /// The announced word length.
        len: usize,
        /// The decoder's limit.
        max: usize,
    },
}

/// A streaming sentence decoder: feed bytes as they arrive, take whole sentences out.
///
/// Words are decoded as UTF-8; invalid bytes become U+FFFD (RouterOS stores some text in
/// the router's code page).
///
/// ```
/// use routeros::api::{Decoder, encode_sentence};
/// let mut d = Decoder::new(4096);
/// d.feed(&encode_sentence(&["!done", "=ret=*3"]));
/// assert_eq!(d.next_sentence().unwrap(), Some(vec!["!done".to_string(), "=ret=*3".to_string()]));
/// assert_eq!(d.next_sentence().unwrap(), None);
/// ```
#[derive(Debug, Clone)]
pub struct Decoder {
    max_word: usize,
    buf: Vec<u8>,
    pos: usize,
    words: Sentence,
}

impl Decoder {
    /// A decoder that rejects words longer than `max_word` bytes.
    pub fn new(max_word: usize) -> Decoder {
        Decoder {
            max_word,
            buf: Vec::new(),
            pos: 0,
            words: Vec::new(),
        }
    }

    /// Appends received bytes.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.pos > 0 && self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos > 4096 && self.pos * 2 > self.buf.len() {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes fed but not yet consumed as whole words.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// True when no partial sentence or word is pending.
    pub fn is_idle(&self) -> bool {
        self.buffered() == 0 && self.words.is_empty()
    }

    /// The next complete sentence, `Ok(None)` if more bytes are needed.
    ///
    /// After an error the stream is unusable; the same error is returned again.
    pub fn next_sentence(&mut self) -> Result<Option<Sentence>, DecodeError> {
        loop {
            let rest = &self.buf[self.pos..];
            let Some((len, plen)) = decode_length(rest)? else {
                return Ok(None);
            };
            if len > self.max_word {
                return Err(DecodeError::WordTooLong {
                    len,
                    max: self.max_word,
                });
            }
            if rest.len() < plen + len {
                return Ok(None);
            }
            let word = &rest[plen..plen + len];
            self.pos += plen + len;
            if len == 0 {
                return Ok(Some(std::mem::take(&mut self.words)));
            }
            let word = String::from_utf8_lossy(word).into_owned();
            self.words.push(word);
        }
    }
}

/// Decodes a length prefix: `Some((length, prefix bytes))`, `None` if incomplete.
pub fn decode_length(b: &[u8]) -> Result<Option<(usize, usize)>, DecodeError> {
    let Some(&first) = b.first() else {
        return Ok(None);
    };
    let plen = match first {
        0x00..=0x7F => 1,
        0x80..=0xBF => 2,
        0xC0..=0xDF => 3,
        0xE0..=0xEF => 4,
        0xF0..=0xF7 => 5,
        _ => return Err(DecodeError::Reserved { byte: first }),
    };
    if b.len() < plen {
        return Ok(None);
    }
    let len: u32 = match plen {
        1 => u32::from(first),
        2 => u32::from_be_bytes([0, 0, first & 0x3F, b[1]]),
        3 => u32::from_be_bytes([0, first & 0x1F, b[1], b[2]]),
        4 => u32::from_be_bytes([first & 0x0F, b[1], b[2], b[3]]),
        _ => u32::from_be_bytes([b[1], b[2], b[3], b[4]]),
    };
    Ok(Some((usize::try_from(len).unwrap_or(usize::MAX), plen)))
}

/// The kind of a reply sentence, named by its first word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reply {
    /// `!re`: one data row.
    Re,
    /// `!done`: the command finished (may carry `=ret=`).
    Done,
    /// `!trap`: an error (`=message=`, optional `=category=`).
    Trap,
    /// `!fatal`: the connection is closing.
    Fatal,
    /// `!empty`: no data (recent versions).
    Empty,
}

impl Reply {
    /// The reply word ("!re", "!done", …).
    pub fn word(&self) -> &'static str {
        match self {
            Reply::Re => "!re",
            Reply::Done => "!done",
            Reply::Trap => "!trap",
            Reply::Fatal => "!fatal",
            Reply::Empty => "!empty",
        }
    }

    /// The reply kind of a word, if it is one.
    pub fn from_word(word: &str) -> Option<Reply> {
        Some(match word {
            "!re" => Reply::Re,
            "!done" => Reply::Done,
            "!trap" => Reply::Trap,
            "!fatal" => Reply::Fatal,
            "!empty" => Reply::Empty,
            _ => return None,
        })
    }

    /// The reply kind of a sentence (its first word).
    pub fn of(sentence: &[String]) -> Option<Reply> {
        sentence.first().and_then(|w| Reply::from_word(w))
    }
}

/// Splits an attribute word `=name=value` into `(name, value)`; the value may be empty or
/// contain `=`. `None` for other words.
pub fn attribute(word: &str) -> Option<(&str, &str)> {
    let rest = word.strip_prefix('=')?;
    Some(rest.split_once('=').unwrap_or((rest, "")))
}

/// The `.tag=` value of a sentence, if any.
pub fn tag(sentence: &[String]) -> Option<&str> {
    sentence.iter().find_map(|w| w.strip_prefix(".tag="))
}

/// The pre-6.43 challenge login response: `"00"` + hex(md5(0x00 + password + challenge)).
///
/// `challenge_hex` is the `=ret=` value of the router's first `!done`. If it is not valid hex,
/// its raw bytes are hashed instead (the router will then refuse the login).
///
/// ```
/// let r = routeros::api::login_challenge_response("passTest", "abc123");
/// assert_eq!(r, "0021277bff9ac7caf06aa608e46616d47f");
/// ```
pub fn login_challenge_response(password: &str, challenge_hex: &str) -> String {
    let challenge =
        hex::decode(challenge_hex.trim()).unwrap_or_else(|_| challenge_hex.as_bytes().to_vec());
    challenge_response(password.as_bytes(), &challenge)
}

/// The challenge login response for a decoded challenge.
pub fn challenge_response(password: &[u8], challenge: &[u8]) -> String {
    let mut h = Md5::new();
    h.update([0u8]);
    h.update(password);
    h.update(challenge);
    format!("00{}", hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_boundaries() {
        let cases: &[(usize, &[u8])] = &[
            (0, &[0]),
            (0x7F, &[0x7F]),
            (0x80, &[0x80, 0x80]),
            (0x3FFF, &[0xBF, 0xFF]),
            (0x4000, &[0xC0, 0x40, 0x00]),
            (0x1F_FFFF, &[0xDF, 0xFF, 0xFF]),
            (0x20_0000, &[0xE0, 0x20, 0x00, 0x00]),
            (0x0FFF_FFFF, &[0xEF, 0xFF, 0xFF, 0xFF]),
            (0x1000_0000, &[0xF0, 0x10, 0x00, 0x00, 0x00]),
            (0xFFFF_FFFF, &[0xF0, 0xFF, 0xFF, 0xFF, 0xFF]),
        ];
        for &(n, bytes) in cases {
            assert_eq!(encode_length(n), bytes, "encode {n:#x}");
            assert_eq!(
                decode_length(bytes).unwrap(),
                Some((n, bytes.len())),
                "decode {n:#x}"
            );
            assert_eq!(decode_length(&bytes[..bytes.len() - 1]).unwrap(), None);
        }
    }

    #[test]
    fn reserved_and_overlong() {
        for b in 0xF8..=0xFF {
            let mut d = Decoder::new(100);
            d.feed(&[b]);
            let e = d.next_sentence().unwrap_err();
            assert_eq!(e, DecodeError::Reserved { byte: b });
            assert!(e.to_string().contains(&format!("0x{b:02x}")));
        }
        let mut d = Decoder::new(4);
        d.feed(&[5]);
        let e = d.next_sentence().unwrap_err();
        assert_eq!(e, DecodeError::WordTooLong { len: 5, max: 4 });
        assert!(e.to_string().contains("5 bytes"));
        let mut d = Decoder::new(5);
        d.feed(b"\x05!done\x00");
        assert_eq!(d.next_sentence().unwrap(), Some(vec!["!done".to_string()]));
    }

    #[test]
    fn empty_sentence_and_attributes() {
        let mut d = Decoder::new(10);
        d.feed(&[0]);
        assert_eq!(d.next_sentence().unwrap(), Some(vec![]));
        assert!(d.is_idle());
        assert_eq!(attribute("=a=b=c"), Some(("a", "b=c")));
        assert_eq!(attribute("=only-key"), Some(("only-key", "")));
        assert_eq!(attribute("=x="), Some(("x", "")));
        assert_eq!(attribute("!re"), None);
        let s: Sentence = vec!["!re".into(), ".tag=7".into()];
        assert_eq!(tag(&s), Some("7"));
        assert_eq!(Reply::of(&s), Some(Reply::Re));
        for r in [
            Reply::Re,
            Reply::Done,
            Reply::Trap,
            Reply::Fatal,
            Reply::Empty,
        ] {
            assert_eq!(Reply::from_word(r.word()), Some(r));
        }
    }

    #[test]
    fn garbage_never_panics_and_long_streams_compact() {
        let mut x: u32 = 0x1234_5678;
        let mut next = || {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        };
        for _ in 0..200 {
            let mut d = Decoder::new(64);
            let bytes: Vec<u8> = (0..256).map(|_| next()).collect();
            for chunk in bytes.chunks(7) {
                d.feed(chunk);
                while let Ok(Some(_)) = d.next_sentence() {}
            }
        }
        // Many sentences through one decoder: the buffer is compacted, nothing is lost.
        let mut d = Decoder::new(1024);
        let one = encode_sentence(&["!re", "=name=x".repeat(20).as_str()]);
        let mut n = 0;
        for _ in 0..2000 {
            d.feed(&one[..10]);
            d.feed(&one[10..]);
            while let Some(s) = d.next_sentence().unwrap() {
                assert_eq!(s.len(), 2);
                n += 1;
            }
        }
        assert_eq!(n, 2000);
        assert!(d.buf.len() < 8192, "buffer grew to {}", d.buf.len());
    }

    #[test]
    fn bad_challenge_hex_does_not_panic() {
        let r = login_challenge_response("x", "zz");
        assert_eq!(r.len(), 34);
        assert!(r.starts_with("00"));
    }
}
