//! Ranges of RouterOS versions, as a CVE record's `versions[]` entries describe them.

use std::fmt;

use routeros::version::Version;

/// Where an affected range ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Upper {
    /// Up to, not including, this version (`lessThan`).
    Before(Version),
    /// Up to and including this version (`lessThanOrEqual`, or a single `version`).
    Through(Version),
    /// No end: no fixed version is known (`lessThan: "*"`).
    Unbounded,
}

/// A range of RouterOS versions in release order (`7.24beta1 < 7.24rc1 < 7.24 < 7.24.1`).
///
/// ```
/// use chrlab::cve::{Range, Upper};
/// use routeros::version::Version;
/// let v = |s| Version::parse(s).unwrap();
/// let r = Range { from: None, to: Upper::Before(v("7.24")) };
/// assert!(r.contains(&v("7.24rc2")) && !r.contains(&v("7.24")));
/// assert_eq!(r.to_string(), "< 7.24");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Range {
    /// First version in the range; `None` for every version since the first (`version: "0"`).
    pub from: Option<Version>,
    /// Where the range ends.
    pub to: Upper,
}

impl Range {
    /// `[from, to)`, the form of a profile's `[[update.extra_vulnerable]]`.
    pub fn half_open(from: Version, to: Version) -> Range {
        Range {
            from: Some(from),
            to: Upper::Before(to),
        }
    }

    /// Exactly one version.
    pub fn exactly(version: Version) -> Range {
        Range {
            from: Some(version),
            to: Upper::Through(version),
        }
    }

    /// Whether `version` lies in the range.
    pub fn contains(&self, version: &Version) -> bool {
        let above = self.from.is_none_or(|f| f <= *version);
        let below = match self.to {
            Upper::Before(t) => *version < t,
            Upper::Through(t) => *version <= t,
            Upper::Unbounded => true,
        };
        above && below
    }

    /// Whether no version can lie in the range (`from` at or past its end).
    pub fn is_empty(&self) -> bool {
        match (self.from, self.to) {
            (Some(f), Upper::Before(t)) => f >= t,
            (Some(f), Upper::Through(t)) => f > t,
            _ => false,
        }
    }

    /// Whether some version lies in both ranges.
    pub fn overlaps(&self, other: &Range) -> bool {
        !(ends_before(self, other.from) || ends_before(other, self.from))
    }

    /// The lowest version past the range's end that a minimum version can name: the end of a
    /// `lessThan` range, the next patch (or pre-release) after a `lessThanOrEqual` one, none for
    /// an unbounded range.
    pub fn first_version_after(&self) -> Option<Version> {
        match self.to {
            Upper::Before(t) => Some(t),
            Upper::Through(t) => Some(next_after(t)),
            Upper::Unbounded => None,
        }
    }
}

/// Whether `range` ends before `start` (`None`: the first version, which nothing ends before).
fn ends_before(range: &Range, start: Option<Version>) -> bool {
    match (start, range.to) {
        (None, _) | (_, Upper::Unbounded) => false,
        (Some(s), Upper::Before(t)) => t <= s,
        (Some(s), Upper::Through(t)) => t < s,
    }
}

/// The next release name after `v` that RouterOS could publish: `7.16.1` → `7.16.2`, `6.42` →
/// `6.42.1`, `7.24rc2` → `7.24rc3`.
fn next_after(v: Version) -> Version {
    use routeros::version::Pre;
    let text = match v.pre() {
        Pre::Release => format!("{}.{}.{}", v.major(), v.minor(), v.patch() + 1),
        Pre::Beta(n) => format!("{}.{}beta{}", v.major(), v.minor(), n + 1),
        Pre::Rc(n) => format!("{}.{}rc{}", v.major(), v.minor(), n + 1),
    };
    // Each form above is one Version::parse accepts; fall back to `v` itself (never reached).
    Version::parse(&text).unwrap_or(v)
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.from, self.to) {
            (Some(a), Upper::Through(b)) if a == b => write!(f, "= {a}"),
            (None, Upper::Before(b)) => write!(f, "< {b}"),
            (None, Upper::Through(b)) => write!(f, "<= {b}"),
            (None, Upper::Unbounded) => f.write_str("every version"),
            (Some(a), Upper::Before(b)) => write!(f, ">= {a}, < {b}"),
            (Some(a), Upper::Through(b)) => write!(f, ">= {a}, <= {b}"),
            (Some(a), Upper::Unbounded) => write!(f, ">= {a}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn bounds_follow_release_order() {
        let r = Range {
            from: Some(v("6.43")),
            to: Upper::Through(v("7.16.1")),
        };
        assert!(!r.contains(&v("6.42.12")));
        assert!(r.contains(&v("6.43")));
        assert!(r.contains(&v("7.16.1")));
        assert!(!r.contains(&v("7.16.2")));
        assert_eq!(r.to_string(), ">= 6.43, <= 7.16.1");
        assert_eq!(r.first_version_after(), Some(v("7.16.2")));
        let open = Range {
            from: Some(v("7.24")),
            to: Upper::Unbounded,
        };
        assert!(open.contains(&v("99.0")) && !open.contains(&v("7.24rc1")));
        assert_eq!(open.first_version_after(), None);
        assert_eq!(Range::exactly(v("7.14.2")).to_string(), "= 7.14.2");
        assert!(Range::half_open(v("7.25"), v("7.24")).is_empty());
        assert!(!Range::exactly(v("7.14.2")).is_empty());
        assert_eq!(next_after(v("6.42")), v("6.42.1"));
        let below = Range {
            from: None,
            to: Upper::Before(v("7.24")),
        };
        assert!(!below.overlaps(&Range::exactly(v("7.24"))));
        assert!(below.overlaps(&Range::exactly(v("6.49.8"))));
        assert!(r.overlaps(&below) && open.overlaps(&Range::exactly(v("8.1"))));
        assert_eq!(next_after(v("7.24rc2")), v("7.24rc3"));
    }
}
