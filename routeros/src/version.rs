//! RouterOS version numbers ("7.23.7", "6.49.13", "7.24beta1", "7.1rc3") and release channels.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// A RouterOS version: `major.minor[.patch][betaN|rcN]`.
///
/// Ordering follows RouterOS releases: `7.1beta4 < 7.1rc3 < 7.1 < 7.1.1`. A missing patch sorts as
/// `.0` (`7.12` and `7.12.0` compare by value first; the written form only breaks the tie, so `Ord`
/// stays consistent with `Eq`).
///
/// ```
/// use routeros::version::Version;
/// let v = Version::parse("7.24beta1").unwrap();
/// assert!(v < Version::parse("7.24rc1").unwrap());
/// assert_eq!(v.to_string(), "7.24beta1");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Version {
    major: u32,
    minor: u32,
    patch: Option<u32>,
    pre: Pre,
}

/// The pre-release part of a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pre {
    /// `betaN`.
    Beta(u32),
    /// `rcN`.
    Rc(u32),
    /// A final release.
    Release,
}

/// Why a version string was rejected; the message names the text.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid RouterOS version {text:?}: {reason}")]
pub struct VersionError {
    /// The rejected text.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl Version {
    /// A final release `major.minor.patch`.
    pub const fn new(major: u32, minor: u32, patch: u32) -> Version {
        Version {
            major,
            minor,
            patch: Some(patch),
            pre: Pre::Release,
        }
    }

    /// Parses "7.23.7", "6.49.13", "7.12", "7.24beta1", "7.1rc3" (surrounding whitespace allowed).
    pub fn parse(text: &str) -> Result<Version, VersionError> {
        let err = |reason| VersionError {
            text: text.to_string(),
            reason,
        };
        let s = text.trim();
        if s.is_empty() {
            return Err(err("empty"));
        }
        // Split off a pre-release suffix on the last component.
        let (nums, pre) = match s.find(|c: char| c.is_ascii_alphabetic()) {
            None => (s, Pre::Release),
            Some(at) => {
                let (nums, suffix) = s.split_at(at);
                let pre = if let Some(n) = suffix.strip_prefix("beta") {
                    Pre::Beta(parse_num(n).ok_or_else(|| err("bad beta number"))?)
                } else if let Some(n) = suffix.strip_prefix("rc") {
                    Pre::Rc(parse_num(n).ok_or_else(|| err("bad rc number"))?)
                } else {
                    return Err(err("unknown suffix (expected betaN or rcN)"));
                };
                (nums, pre)
            }
        };
        let mut parts = nums.split('.');
        let major = parts
            .next()
            .and_then(parse_num)
            .ok_or_else(|| err("bad major number"))?;
        let minor = parts
            .next()
            .ok_or_else(|| err("missing minor number"))
            .and_then(|p| parse_num(p).ok_or_else(|| err("bad minor number")))?;
        let patch = match parts.next() {
            None => None,
            Some(p) => Some(parse_num(p).ok_or_else(|| err("bad patch number"))?),
        };
        if parts.next().is_some() {
            return Err(err("too many components"));
        }
        if patch.is_some() && pre != Pre::Release {
            return Err(err("pre-release suffix after a patch number"));
        }
        Ok(Version {
            major,
            minor,
            patch,
            pre,
        })
    }

    /// Major number (6, 7).
    pub fn major(&self) -> u32 {
        self.major
    }

    /// Minor number.
    pub fn minor(&self) -> u32 {
        self.minor
    }

    /// Patch number; 0 when the version has none ("7.12").
    pub fn patch(&self) -> u32 {
        self.patch.unwrap_or(0)
    }

    /// The pre-release part.
    pub fn pre(&self) -> Pre {
        self.pre
    }

    /// True for a final release (no beta/rc suffix).
    pub fn is_release(&self) -> bool {
        self.pre == Pre::Release
    }

    /// True for RouterOS v6 (and older) — the v6 print/CLI dialect.
    pub fn is_v6(&self) -> bool {
        self.major <= 6
    }

    /// True for RouterOS v7 and later.
    pub fn is_v7(&self) -> bool {
        self.major >= 7
    }
}

fn parse_num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (
            self.major,
            self.minor,
            self.patch(),
            self.pre,
            self.patch.is_some(),
        )
            .cmp(&(
                other.major,
                other.minor,
                other.patch(),
                other.pre,
                other.patch.is_some(),
            ))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        if let Some(p) = self.patch {
            write!(f, ".{p}")?;
        }
        match self.pre {
            Pre::Beta(n) => write!(f, "beta{n}"),
            Pre::Rc(n) => write!(f, "rc{n}"),
            Pre::Release => Ok(()),
        }
    }
}

impl FromStr for Version {
    type Err = VersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::parse(s)
    }
}

/// A RouterOS release channel, as `/system package update` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// "long-term".
    LongTerm,
    /// "stable".
    Stable,
    /// "testing".
    Testing,
    /// "development".
    Development,
    /// "upgrade": RouterOS 6 only, the way to v7, which first offers 7.12.1 (FACTS §9).
    Upgrade,
}

/// An unknown channel name; the message names the text.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "unknown RouterOS channel {0:?} (expected long-term, stable, testing, development or upgrade)"
)]
pub struct ChannelError(pub String);

impl Channel {
    /// All channels, in the order RouterOS lists them.
    pub const ALL: [Channel; 5] = [
        Channel::LongTerm,
        Channel::Stable,
        Channel::Testing,
        Channel::Development,
        Channel::Upgrade,
    ];

    /// The router's word for the channel.
    pub fn as_str(&self) -> &'static str {
        match self {
            Channel::LongTerm => "long-term",
            Channel::Stable => "stable",
            Channel::Testing => "testing",
            Channel::Development => "development",
            Channel::Upgrade => "upgrade",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Channel {
    type Err = ChannelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Channel::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim())
            .ok_or_else(|| ChannelError(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn parses_and_round_trips() {
        for s in [
            "7.23.7",
            "6.49.13",
            "7.24beta1",
            "7.1rc3",
            "7.12",
            "7.1beta4",
            "5.0rc1",
            "7.12.0",
        ] {
            assert_eq!(v(s).to_string(), s);
        }
        let x = v("6.49.13");
        assert_eq!((x.major(), x.minor(), x.patch()), (6, 49, 13));
        assert!(x.is_v6() && !x.is_v7());
        assert!(v("7.1rc3").is_v7());
        assert_eq!(v("7.12").patch(), 0);
        assert_eq!(v("7.24beta1").pre(), Pre::Beta(1));
    }

    #[test]
    fn orders_beta_rc_release() {
        let order = [
            "6.48.6",
            "6.49.13",
            "7.1beta4",
            "7.1rc3",
            "7.1",
            "7.1.1",
            "7.9.2",
            "7.12",
            "7.12.1",
            "7.23.7",
            "7.24beta1",
            "7.24rc1",
            "7.24",
        ];
        for w in order.windows(2) {
            assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
        }
        assert_eq!(v("7.12").cmp(&v("7.12")), Ordering::Equal);
        assert_ne!(v("7.12"), v("7.12.0"));
        assert_ne!(v("7.12").cmp(&v("7.12.0")), Ordering::Equal);
    }

    #[test]
    fn errors_name_the_text() {
        for bad in [
            "",
            "7",
            "7.",
            "x.1",
            "7.1.2.3",
            "7.1gamma1",
            "7.1beta",
            "7.1.1rc1",
            "7.-1",
            "7.1 .2",
        ] {
            let e = Version::parse(bad).unwrap_err();
            assert!(e.to_string().contains(&format!("{bad:?}")), "{e}");
        }
    }

    #[test]
    fn channels() {
        for c in Channel::ALL {
            assert_eq!(c.to_string().parse::<Channel>().unwrap(), c);
        }
        assert_eq!("long-term".parse::<Channel>().unwrap(), Channel::LongTerm);
        let e = "lts".parse::<Channel>().unwrap_err();
        assert!(e.to_string().contains("\"lts\""));
    }
}
