//! Waivers (in the manner of InSpec's): a profile's `[[waivers]]` accept a check's failure, for a
//! reason, until a date, optionally only on one router or one RouterOS version.
//!
//! ```toml
//! [[waivers]]
//! check = "listeners.snmp"          # a check id of the registry (`chrlab explain <id>`)
//! reason = "the NMS polls over SNMP until the migration to the API (ticket NET-42)"
//! expires = "2027-03-31"            # the last day it applies, YYYY-MM-DD
//! router = "sim:7.23.7"             # optional: only this router (the report's router)
//! version = "7.16"                  # optional: only this RouterOS version (7.16, 7.16.x)
//! ```
//!
//! [`apply`] turns a matching failure into [`Outcome::Waived`] (reported as WAIVED with both
//! reasons, never as PASS; it does not fail the run). An expired waiver applies no more: the
//! check stays FAIL and its reason says `waiver expired on <date>`. A waiver whose check passed
//! or was skipped is *unused*: a note on the report, not an error (only failures are waived; a
//! SKIP stays SKIP). A waiver naming no check of the registry is a profile error (file, line,
//! field), found when the profile loads ([`validate`]).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::Date;

use crate::outcome::{Outcome, RunReport, Waived};
use crate::printable::escape;
use crate::profile::Violation;

/// The longest `reason` a waiver may give.
pub const MAX_REASON_CHARS: usize = 500;

/// One `[[waivers]]` entry of a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The check id it waives (`services.moved`).
    pub check: String,
    /// Why the failure is accepted; shown with the WAIVED verdict.
    pub reason: String,
    /// The last day it applies (`YYYY-MM-DD`, UTC).
    pub expires: WaiverDate,
    /// Only for this router (the report's `router`: the target URL or `sim:<version>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub router: Option<String>,
    /// Only for this RouterOS version: `7.16` matches 7.16 and every 7.16.x.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// A calendar date written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct WaiverDate(pub Date);

const DATE_FORMAT: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

impl std::str::FromStr for WaiverDate {
    type Err = String;

    fn from_str(s: &str) -> Result<WaiverDate, String> {
        Date::parse(s, DATE_FORMAT)
            .map(WaiverDate)
            .map_err(|_| format!("`{}` is not a date YYYY-MM-DD", escape(s)))
    }
}

impl fmt::Display for WaiverDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(DATE_FORMAT) {
            Ok(s) => f.write_str(&s),
            Err(_) => write!(f, "{:?}", self.0),
        }
    }
}

impl Serialize for WaiverDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for WaiverDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = WaiverDate;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date in quotes, \"YYYY-MM-DD\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<WaiverDate, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

impl Waiver {
    /// Whether it concerns this check on this router and version (its date aside).
    pub fn matches(&self, check: &str, router: &str, version: Option<&str>) -> bool {
        if self.check != check {
            return false;
        }
        if self.router.as_deref().is_some_and(|r| r != router) {
            return false;
        }
        match (self.version.as_deref(), version) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(want), Some(have)) => {
                have == want
                    || have
                        .strip_prefix(want)
                        .is_some_and(|rest| rest.starts_with('.'))
            }
        }
    }

    /// Whether it still applies on `today` (it does on its `expires` day).
    pub fn in_force(&self, today: Date) -> bool {
        today <= self.expires.0
    }
}

/// Checks what types cannot: every waiver names a registered check, and its texts are printable.
pub fn validate(waivers: &[Waiver]) -> Result<(), Violation> {
    let bad = |i: usize, field: &str, message: String| {
        Err(Violation {
            field: format!("waivers[{i}].{field}"),
            message,
        })
    };
    for (i, w) in waivers.iter().enumerate() {
        if crate::measures::find(&w.check).is_none() {
            let close = close_ids(&w.check);
            let hint = if close.is_empty() {
                "`chrlab explain` lists none close; the ids are `<measure>.<name>`".to_string()
            } else {
                format!("did you mean {}?", close.join(", "))
            };
            return bad(
                i,
                "check",
                format!("`{}` is no check of chrlab: {hint}", escape(&w.check)),
            );
        }
        if w.reason.trim().is_empty() {
            return bad(i, "reason", "must say why the failure is accepted".into());
        }
        if w.reason.chars().count() > MAX_REASON_CHARS || w.reason.chars().any(char::is_control) {
            return bad(
                i,
                "reason",
                format!("must be one printable line of at most {MAX_REASON_CHARS} characters"),
            );
        }
        for (field, text) in [("router", &w.router), ("version", &w.version)] {
            if let Some(t) = text
                && (t.is_empty() || t.chars().any(char::is_control))
            {
                return bad(i, field, "must be a non-empty printable text".into());
            }
        }
    }
    Ok(())
}

/// The registered check ids closest to `id`: the same measure, a shared word, or a small edit
/// distance; at most five, best first.
pub fn close_ids(id: &str) -> Vec<&'static str> {
    let mut scored: Vec<(usize, usize, &'static str)> = crate::measures::checks()
        // An id the asked one begins comes first, then the nearest by edit distance.
        .map(|(_, c)| (usize::from(!c.id.starts_with(id)), distance(id, c.id), c.id))
        .filter(|(prefix, d, cid)| {
            *prefix == 0
                || *d <= 4
                || id.split(['.', '-']).any(|w| {
                    w.len() >= 3 && cid.split(['.', '-']).any(|x| x == w || x.starts_with(w))
                })
        })
        .collect();
    scored.sort();
    scored.into_iter().take(5).map(|(_, _, c)| c).collect()
}

/// Levenshtein distance, by characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Applies the waivers to the report's verdicts as of `today` (UTC; the caller passes the
/// system clock's, a test its own): a failure with a waiver in force becomes
/// [`Outcome::Waived`]; one whose waiver expired stays a failure and says so; a waiver that
/// found no failure to waive is noted in [`RunReport::notes`]. The first matching waiver wins.
pub fn apply(report: &mut RunReport, waivers: &[Waiver], today: Date) {
    let router = report.router.clone();
    let version = report.version.clone();
    let mut used = vec![false; waivers.len()];
    for r in &mut report.results {
        let Some((i, w)) = waivers
            .iter()
            .enumerate()
            .find(|(_, w)| w.matches(&r.id, &router, version.as_deref()))
        else {
            continue;
        };
        let Outcome::Fail(failure) = &r.outcome else {
            continue;
        };
        used[i] = true;
        if w.in_force(today) {
            r.outcome = Outcome::Waived(Waived {
                failure: failure.clone(),
                reason: w.reason.clone(),
                expires: w.expires.to_string(),
            });
        } else {
            r.outcome = Outcome::Fail(format!(
                "{failure} (waiver expired on {}: {})",
                w.expires, w.reason
            ));
        }
    }
    for (i, w) in waivers.iter().enumerate() {
        if used[i] {
            continue;
        }
        let found = report
            .results
            .iter()
            .find(|r| w.matches(&r.id, &router, version.as_deref()));
        let why = match found.map(|r| &r.outcome) {
            Some(Outcome::Pass) => "the check passed".to_string(),
            Some(Outcome::Skip(_)) => "the check was skipped (only failures are waived)".into(),
            Some(_) => continue,
            None if w.router.as_deref().is_some_and(|r| r != router) => {
                format!(
                    "it is for router {}",
                    w.router.as_deref().unwrap_or_default()
                )
            }
            None if w.version.is_some() => format!(
                "it is for RouterOS {}, this router runs {}",
                w.version.as_deref().unwrap_or_default(),
                version.as_deref().unwrap_or("an unknown version")
            ),
            None => "the check did not run".into(),
        };
        // Named as the profile's errors name it (`waivers[0]`).
        report
            .notes
            .push(format!("waivers[{i}] for {} is unused: {why}", w.check));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{CheckResult, Measure};
    use time::macros::date;

    fn waiver(check: &str, expires: &str) -> Waiver {
        Waiver {
            check: check.into(),
            reason: "accepted for the lab".into(),
            expires: expires.parse().unwrap(),
            router: None,
            version: None,
        }
    }

    fn report() -> RunReport {
        let mut r = RunReport::new("sim:7.16.2", "p.toml");
        r.version = Some("7.16.2".into());
        r.push(CheckResult::new(
            Measure::Listeners,
            "listeners.snmp",
            "SNMP is off",
            Outcome::Fail("SNMP answers".into()),
        ));
        r.push(CheckResult::new(
            Measure::Logging,
            "logging.ntp",
            "ntp",
            Outcome::Pass,
        ));
        r.push(CheckResult::new(
            Measure::Logging,
            "logging.remote",
            "remote",
            Outcome::Skip("not verifiable: no UDP".into()),
        ));
        r
    }

    #[test]
    fn dates_parse_strictly() {
        assert_eq!(
            "2027-03-31".parse::<WaiverDate>().unwrap().0,
            date!(2027 - 03 - 31)
        );
        assert_eq!(
            "2027-03-31".parse::<WaiverDate>().unwrap().to_string(),
            "2027-03-31"
        );
        for bad in [
            "2027-3-31",
            "2027-02-30",
            "31.03.2027",
            "",
            "2027-03-31T00:00",
        ] {
            assert!(bad.parse::<WaiverDate>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_waiver_in_force_waives_a_failure_and_the_run_passes() {
        let mut r = report();
        apply(
            &mut r,
            &[waiver("listeners.snmp", "2026-12-31")],
            date!(2026 - 12 - 31),
        );
        let w = r.results[0].outcome.waived().expect("waived");
        assert_eq!(w.failure, "SNMP answers");
        assert_eq!(w.reason, "accepted for the lab");
        assert_eq!(w.expires, "2026-12-31");
        assert_eq!(r.results[0].outcome.label(), "WAIVED");
        assert_eq!(r.exit(), crate::outcome::Exit::Pass);
        assert!(r.notes.is_empty(), "{:?}", r.notes);
    }

    #[test]
    fn an_expired_waiver_leaves_the_failure_and_says_so() {
        let mut r = report();
        apply(
            &mut r,
            &[waiver("listeners.snmp", "2026-12-03")],
            date!(2026 - 12 - 04),
        );
        assert_eq!(
            r.results[0].outcome,
            Outcome::Fail(
                "SNMP answers (waiver expired on 2026-12-03: accepted for the lab)".into()
            )
        );
        assert_eq!(r.exit(), crate::outcome::Exit::ChecksFailed);
    }

    #[test]
    fn unused_waivers_are_noted_and_a_skip_stays_a_skip() {
        let mut r = report();
        apply(
            &mut r,
            &[
                waiver("logging.ntp", "2030-01-01"),
                waiver("logging.remote", "2030-01-01"),
            ],
            date!(2026 - 12 - 04),
        );
        assert_eq!(r.results[1].outcome, Outcome::Pass);
        assert!(matches!(r.results[2].outcome, Outcome::Skip(_)));
        assert_eq!(
            r.notes,
            [
                "waivers[0] for logging.ntp is unused: the check passed",
                "waivers[1] for logging.remote is unused: the check was skipped (only failures are waived)"
            ]
        );
    }

    #[test]
    fn router_and_version_filters() {
        let mut w = waiver("listeners.snmp", "2030-01-01");
        assert!(w.matches("listeners.snmp", "sim:7.16.2", Some("7.16.2")));
        assert!(!w.matches("listeners.proxy", "sim:7.16.2", Some("7.16.2")));
        w.version = Some("7.16".into());
        assert!(w.matches("listeners.snmp", "sim:7.16.2", Some("7.16.2")));
        assert!(w.matches("listeners.snmp", "sim:7.16", Some("7.16")));
        assert!(!w.matches("listeners.snmp", "x", Some("7.1")));
        assert!(!w.matches("listeners.snmp", "x", Some("7.161")));
        assert!(!w.matches("listeners.snmp", "x", None), "version unknown");
        w.router = Some("https://192.0.2.1".into());
        assert!(!w.matches("listeners.snmp", "sim:7.16.2", Some("7.16.2")));
        assert!(w.matches("listeners.snmp", "https://192.0.2.1", Some("7.16.2")));

        let mut r = report();
        apply(&mut r, std::slice::from_ref(&w), date!(2026 - 12 - 04));
        assert!(r.results[0].outcome.is_fail(), "another router");
        assert_eq!(
            r.notes,
            ["waivers[0] for listeners.snmp is unused: it is for router https://192.0.2.1"]
        );
        w.router = None;
        w.version = Some("6.49".into());
        let mut r = report();
        apply(&mut r, &[w], date!(2026 - 12 - 04));
        assert!(r.results[0].outcome.is_fail(), "another version");
        assert_eq!(
            r.notes,
            [
                "waivers[0] for listeners.snmp is unused: it is for RouterOS 6.49, this router runs 7.16.2"
            ]
        );
    }

    #[test]
    fn unknown_checks_are_refused_with_close_ids() {
        let v = validate(&[
            waiver("listeners.snmp", "2030-01-01"),
            waiver("listeners.smnp", "2030-01-01"),
        ])
        .unwrap_err();
        assert_eq!(v.field, "waivers[1].check");
        assert!(
            v.message.contains("`listeners.smnp` is no check"),
            "{}",
            v.message
        );
        assert!(v.message.contains("listeners.snmp"), "{}", v.message);
        assert_eq!(close_ids("services.move")[0], "services.moved");
        assert_eq!(
            close_ids("users.default-admin")[..2],
            ["users.default-admin-gone", "users.default-admin-refused"]
        );
        let mut w = waiver("listeners.snmp", "2030-01-01");
        w.reason = " ".into();
        assert_eq!(validate(&[w]).unwrap_err().field, "waivers[0].reason");
    }
}
