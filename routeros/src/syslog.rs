//! Remote logging: the UDP syslog datagram a `/system logging action` with `target=remote` sends
//! for each log line (the manual: "sent to remote syslog server (RFC 3164)"), written by the
//! simulator and read by the harness's collector.
//!
//! What a CHR puts on the wire is not captured: the form written here is RFC 3164's
//! `<PRI>Mmm dd hh:mm:ss HOSTNAME MSG` with the line's topics and message as `MSG`
//! (`system,error,critical login failure for user …`), facility `daemon` (the action's factory
//! `syslog-facility`) and the severity of the line's most severe topic (`syslog-severity=auto`):
//! **UNVERIFIED**, sim/FIDELITY.md. The reader accepts the header with or without timestamp and
//! host, since third-party collectors' fixtures show both.

/// The port a remote action sends to by factory default (`remote-port=514`).
pub const PORT: u16 = 514;

/// `daemon`, the factory `syslog-facility` of the `remote` action.
pub const FACILITY_DAEMON: u8 = 3;

/// The syslog severity of a line's topics under `syslog-severity=auto`: its most severe topic
/// (`critical` 2, `error` 3, `warning` 4, `info` 6, `debug` 7; none of these: `info`).
pub fn severity(topics: &str) -> u8 {
    topics
        .split(',')
        .filter_map(|t| match t {
            "critical" => Some(2),
            "error" => Some(3),
            "warning" => Some(4),
            "info" => Some(6),
            "debug" => Some(7),
            _ => None,
        })
        .min()
        .unwrap_or(6)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The datagram for one log line: `month` 1–12, RFC 3164's space-padded day.
#[allow(clippy::too_many_arguments)]
pub fn datagram(
    facility: u8,
    month: u8,
    day: u8,
    (hour, minute, second): (u8, u8, u8),
    host: &str,
    topics: &str,
    message: &str,
) -> Vec<u8> {
    let pri = u16::from(facility) * 8 + u16::from(severity(topics));
    let mon = MONTHS[usize::from(month.clamp(1, 12) - 1)];
    format!("<{pri}>{mon} {day:>2} {hour:02}:{minute:02}:{second:02} {host} {topics} {message}")
        .into_bytes()
}

/// One datagram as a collector reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The `<PRI>` value, when the datagram starts with one.
    pub pri: Option<u16>,
    /// Everything after the `<PRI>` (timestamp, host, topics and message), as text.
    pub text: String,
}

impl Received {
    /// Reads a datagram (never fails: bytes that are not UTF-8 are replaced).
    pub fn parse(bytes: &[u8]) -> Received {
        let text = String::from_utf8_lossy(bytes).trim_end().to_string();
        if let Some(rest) = text.strip_prefix('<')
            && let Some((pri, after)) = rest.split_once('>')
            && let Ok(pri) = pri.parse::<u16>()
        {
            return Received {
                pri: Some(pri),
                text: after.to_string(),
            };
        }
        Received { pri: None, text }
    }

    /// Whether this datagram carries the log line `topics message`: the text ends with it,
    /// after a header of any form (or none).
    pub fn carries(&self, topics: &str, message: &str) -> bool {
        let line = format!("{topics} {message}");
        self.text == line || self.text.ends_with(&format!(" {line}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_login_is_written_and_read_back() {
        let topics = "system,error,critical";
        let message = "login failure for user admin from 192.0.2.10 via ssh";
        let d = datagram(
            FACILITY_DAEMON,
            9,
            4,
            (7, 5, 9),
            "MikroTik",
            topics,
            message,
        );
        assert_eq!(
            String::from_utf8(d.clone()).unwrap(),
            "<26>Sep  4 07:05:09 MikroTik system,error,critical login failure for user admin from 192.0.2.10 via ssh"
        );
        let r = Received::parse(&d);
        assert_eq!(r.pri, Some(26));
        assert!(r.carries(topics, message));
        assert!(!r.carries(
            topics,
            "login failure for user admin from 192.0.2.11 via ssh"
        ));
        assert!(!r.carries("system,info", message));
    }

    #[test]
    fn headers_of_other_forms_and_garbage_are_read_without_panic() {
        let r = Received::parse(b"<30>system,info user admin logged in");
        assert!(r.carries("system,info", "user admin logged in"));
        let r = Received::parse(b"system,info user admin logged in\n");
        assert_eq!(r.pri, None);
        assert!(r.carries("system,info", "user admin logged in"));
        for junk in [&b""[..], b"<", b"<x>", b"\xff\xfe<9"] {
            let r = Received::parse(junk);
            assert!(!r.carries("system", "x"));
        }
        assert_eq!(severity("system,info,account"), 6);
        assert_eq!(severity("script"), 6);
        assert_eq!(severity("firewall,warning,debug"), 4);
    }
}
