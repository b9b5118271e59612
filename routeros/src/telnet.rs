//! Telnet framing (RFC 854), sans-IO: option negotiation stripped from the byte stream, NAWS read,
//! IAC escaped. Shared by the simulator's telnet server and the harness's telnet client, which
//! differ only in the options they agree to.

pub const IAC: u8 = 255;
pub const DONT: u8 = 254;
pub const DO: u8 = 253;
pub const WONT: u8 = 252;
pub const WILL: u8 = 251;
pub const SB: u8 = 250;
pub const SE: u8 = 240;
pub const OPT_ECHO: u8 = 1;
pub const OPT_SGA: u8 = 3;
pub const OPT_NAWS: u8 = 31;

/// Strips telnet commands from the byte stream.
#[derive(Debug, Default)]
pub struct Decoder {
    state: State,
    /// The `WILL`/`WONT`/`DO`/`DONT` whose option byte is still to come (it may be in the next read).
    cmd: u8,
    sb: Vec<u8>,
    /// `(command, option)` requests this side agrees to; every other `DO`/`WILL` is refused.
    agreed: &'static [(u8, u8)],
    /// Terminal width from NAWS, once the peer sent it.
    pub width: Option<u16>,
}

#[derive(Debug, Default, Clone, Copy)]
enum State {
    #[default]
    Data,
    Iac,
    Opt,
    Sb,
    SbIac,
}

impl Decoder {
    /// A server that offered to echo and suppress go-ahead and asked for the window size.
    pub fn server() -> Decoder {
        Decoder {
            agreed: &[(DO, OPT_ECHO), (DO, OPT_SGA), (WILL, OPT_NAWS)],
            ..Decoder::default()
        }
    }

    /// A client that agrees to nothing (`DO x` → `WONT x`, `WILL x` → `DONT x`).
    pub fn refusing() -> Decoder {
        Decoder::default()
    }

    /// Returns the data bytes in `input`; replies to option requests go to `reply`.
    pub fn decode(&mut self, input: &[u8], reply: &mut Vec<u8>) -> Vec<u8> {
        let mut data = Vec::with_capacity(input.len());
        for &b in input {
            match self.state {
                State::Data => {
                    if b == IAC {
                        self.state = State::Iac;
                    } else {
                        data.push(b);
                    }
                }
                State::Iac => match b {
                    IAC => {
                        data.push(IAC);
                        self.state = State::Data;
                    }
                    WILL | WONT | DO | DONT => {
                        self.cmd = b;
                        self.state = State::Opt;
                    }
                    SB => {
                        self.sb.clear();
                        self.state = State::Sb;
                    }
                    _ => self.state = State::Data,
                },
                State::Opt => {
                    self.state = State::Data;
                    if self.agreed.contains(&(self.cmd, b)) {
                        continue;
                    }
                    match self.cmd {
                        DO => reply.extend_from_slice(&[IAC, WONT, b]),
                        WILL => reply.extend_from_slice(&[IAC, DONT, b]),
                        _ => {}
                    }
                }
                State::Sb => {
                    if b == IAC {
                        self.state = State::SbIac;
                    } else if self.sb.len() < 64 {
                        self.sb.push(b);
                    }
                }
                State::SbIac => {
                    if b == SE {
                        self.state = State::Data;
                        if self.sb.first() == Some(&OPT_NAWS) && self.sb.len() >= 5 {
                            let w = u16::from_be_bytes([self.sb[1], self.sb[2]]);
                            if w > 0 {
                                self.width = Some(w);
                            }
                        }
                    } else {
                        if self.sb.len() < 64 {
                            self.sb.push(b);
                        }
                        self.state = State::Sb;
                    }
                }
            }
        }
        data
    }
}

/// Doubles IAC bytes in outgoing data.
pub fn escape(bytes: Vec<u8>) -> Vec<u8> {
    if !bytes.contains(&IAC) {
        return bytes;
    }
    let mut out = Vec::with_capacity(bytes.len() + 4);
    for b in bytes {
        out.push(b);
        if b == IAC {
            out.push(IAC);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_split_across_reads_is_stripped_and_answered() {
        let mut d = Decoder::refusing();
        let mut reply = Vec::new();
        let mut data = d.decode(&[IAC, DO], &mut reply);
        data.extend(d.decode(&[24, b'L', IAC, WILL, 1, b'o', IAC, IAC], &mut reply));
        assert_eq!(data, vec![b'L', b'o', IAC]);
        assert_eq!(reply, vec![IAC, WONT, 24, IAC, DONT, 1]);
    }

    #[test]
    fn a_server_keeps_what_it_offered_and_reads_the_width() {
        let mut d = Decoder::server();
        let mut reply = Vec::new();
        let data = d.decode(
            &[
                IAC, DO, OPT_ECHO, IAC, WILL, OPT_NAWS, IAC, SB, OPT_NAWS, 0, 132, 0, 40, IAC, SE,
                b'x',
            ],
            &mut reply,
        );
        assert_eq!(data, b"x");
        assert!(reply.is_empty());
        assert_eq!(d.width, Some(132));
        assert_eq!(escape(vec![1, IAC, 2]), vec![1, IAC, IAC, 2]);
    }
}
