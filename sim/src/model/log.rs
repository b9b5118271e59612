//! The memory log (`/log`), logging rules and the live echo of critical lines.

use time::OffsetDateTime;

use super::defaults::Ver;

/// Lines kept in memory (the `memory` action's `memory-lines` default).
pub const MEMORY_LINES: usize = 1000;

/// One log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub id: u32,
    pub at: OffsetDateTime,
    pub topics: String,
    pub message: String,
}

/// The memory buffer plus the lines the `echo` action remembers for the next terminal login.
#[derive(Debug, Clone, Default)]
pub struct Log {
    pub memory: Vec<LogEntry>,
    pub remembered: Vec<LogEntry>,
    next_id: u32,
}

/// Where a new line must go, decided by the `/system logging` rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Route {
    pub memory: bool,
    pub echo: bool,
}

impl Log {
    /// Stores a line; returns it (the caller echoes it when the route says so).
    pub fn push(
        &mut self,
        topics: &str,
        message: &str,
        route: Route,
        at: OffsetDateTime,
    ) -> LogEntry {
        let entry = LogEntry {
            id: self.next_id,
            at,
            topics: topics.to_string(),
            message: message.to_string(),
        };
        self.next_id = self.next_id.wrapping_add(1);
        if route.memory {
            self.memory.push(entry.clone());
            if self.memory.len() > MEMORY_LINES {
                self.memory.remove(0);
            }
        }
        if route.echo {
            self.remembered.push(entry.clone());
            if self.remembered.len() > 100 {
                self.remembered.remove(0);
            }
        }
        entry
    }
}

/// One syslog datagram a `target=remote` action sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datagram {
    /// The action's `remote`:`remote-port`.
    pub to: std::net::SocketAddr,
    /// Its `src-address`, when it names one.
    pub src: Option<std::net::IpAddr>,
    /// The RFC 3164 datagram ([`routeros::syslog::datagram`]).
    pub payload: Vec<u8>,
}

/// The datagram for a line, from the router named `host` (its identity).
pub fn syslog_datagram(entry: &LogEntry, host: &str) -> Vec<u8> {
    let at = entry.at;
    routeros::syslog::datagram(
        routeros::syslog::FACILITY_DAEMON,
        at.month() as u8,
        at.day(),
        (at.hour(), at.minute(), at.second()),
        host,
        &entry.topics,
        &entry.message,
    )
}

/// Whether a rule's `topics` (e.g. `critical` or `system,!debug`) selects a line's topics.
pub fn rule_matches(rule_topics: &str, line_topics: &str) -> bool {
    let have: Vec<&str> = line_topics.split(',').collect();
    rule_topics
        .split(',')
        .filter(|t| !t.is_empty())
        .all(|t| match t.strip_prefix('!') {
            Some(neg) => !have.contains(&neg),
            None => have.contains(&t),
        })
}

pub(super) const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn month(at: OffsetDateTime) -> &'static str {
    MONTHS[(at.month() as usize).saturating_sub(1).min(11)]
}

/// `hh:mm:ss`.
pub fn clock(at: OffsetDateTime) -> String {
    format!("{:02}:{:02}:{:02}", at.hour(), at.minute(), at.second())
}

/// A full date and time as the version prints it: `sep/24/2026 19:26:05` (v6, early v7) or
/// `2026-09-24 19:26:05` (ISO; ASSUMPTION: from 7.10).
pub fn full_date(v: Ver, at: OffsetDateTime) -> String {
    if v.ge(7, 10) {
        format!(
            "{:04}-{:02}-{:02} {}",
            at.year(),
            at.month() as u8,
            at.day(),
            clock(at)
        )
    } else {
        format!(
            "{}/{:02}/{:04} {}",
            month(at),
            at.day(),
            at.year(),
            clock(at)
        )
    }
}

/// The `time` column of `/log print`: time only for today, `mmm/dd hh:mm:ss` this year (old format),
/// the full date otherwise.
pub fn log_time(v: Ver, at: OffsetDateTime, now: OffsetDateTime) -> String {
    if at.date() == now.date() {
        clock(at)
    } else if at.year() == now.year() && !v.ge(7, 10) {
        format!("{}/{:02} {}", month(at), at.day(), clock(at))
    } else {
        full_date(v, at)
    }
}

/// The live echo line: `hh:mm:ss echo: <topics> <message>`.
pub fn echo_line(e: &LogEntry) -> String {
    format!("{} echo: {} {}", clock(e.at), e.topics, e.message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn rules_select_topics() {
        assert!(rule_matches("critical", "system,error,critical"));
        assert!(rule_matches("info", "system,info,account"));
        assert!(!rule_matches("warning", "system,info"));
        assert!(!rule_matches("info,!account", "system,info,account"));
    }

    #[test]
    fn dates_by_version() {
        let at = datetime!(2026-09-24 19:26:05 UTC);
        let v6 = Ver {
            major: 6,
            minor: 49,
        };
        let v7 = Ver {
            major: 7,
            minor: 23,
        };
        assert_eq!(full_date(v6, at), "sep/24/2026 19:26:05");
        assert_eq!(full_date(v7, at), "2026-09-24 19:26:05");
        assert_eq!(
            log_time(v6, at, datetime!(2026-09-24 23:00:00 UTC)),
            "19:26:05"
        );
        assert_eq!(
            log_time(v6, at, datetime!(2026-10-01 00:00:00 UTC)),
            "sep/24 19:26:05"
        );
        let e = LogEntry {
            id: 0,
            at,
            topics: "system,error,critical".into(),
            message: "x".into(),
        };
        assert_eq!(echo_line(&e), "19:26:05 echo: system,error,critical x");
    }
}
