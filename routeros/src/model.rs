//! Typed read-back records: what the harness parses from REST/API key-value rows.
//!
//! Each record has `from_props(&[(String, String)])`, taking one row as the router sends it:
//! REST JSON (every value a string, booleans `"true"`/`"false"`), binary-API `=key=value` words, or
//! CLI-form values (`yes`/`no`). Keys the record does not know are ignored (new RouterOS versions add
//! fields); a missing required field or an unparsable value is a [`ModelError`] naming the field.

use std::str::FromStr;

use thiserror::Error;

use crate::version::{Channel, Version};

/// Why a row could not become a record.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ModelError {
    /// A required field is absent.
    #[error("{record} row has no `{field}` field")]
    Missing {
        /// Record kind (`service`, `user`, …).
        record: &'static str,
        /// The field.
        field: &'static str,
    },
    /// A field's value cannot be read.
    #[error("{record} field `{field}`: invalid value {value:?} (expected {expected})")]
    Invalid {
        /// Record kind.
        record: &'static str,
        /// The field.
        field: &'static str,
        /// The value as received.
        value: String,
        /// What would have been accepted.
        expected: &'static str,
    },
}

/// Read access to one row, with errors that name the record and field.
struct Row<'a> {
    record: &'static str,
    props: &'a [(String, String)],
}

impl<'a> Row<'a> {
    fn get(&self, field: &str) -> Option<&'a str> {
        // The last occurrence wins, as with repeated API attributes.
        self.props
            .iter()
            .rev()
            .find(|(k, _)| k == field)
            .map(|(_, v)| v.as_str())
    }

    fn require(&self, field: &'static str) -> Result<&'a str, ModelError> {
        self.get(field).ok_or(ModelError::Missing {
            record: self.record,
            field,
        })
    }

    fn invalid(&self, field: &'static str, value: &str, expected: &'static str) -> ModelError {
        ModelError::Invalid {
            record: self.record,
            field,
            value: value.to_string(),
            expected,
        }
    }

    fn text(&self, field: &str) -> Option<String> {
        self.get(field)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }

    /// A boolean; absent means `default`.
    fn flag(&self, field: &'static str, default: bool) -> Result<bool, ModelError> {
        match self.get(field) {
            None => Ok(default),
            Some(v) => {
                parse_bool(v).ok_or_else(|| self.invalid(field, v, "true, false, yes or no"))
            }
        }
    }

    fn list(&self, field: &str) -> Vec<String> {
        self.get(field).map(split_list).unwrap_or_default()
    }

    fn parse<T: FromStr>(
        &self,
        field: &'static str,
        expected: &'static str,
    ) -> Result<Option<T>, ModelError> {
        match self.get(field) {
            None | Some("") => Ok(None),
            Some(v) => v
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| self.invalid(field, v, expected)),
        }
    }

    fn parse_required<T: FromStr>(
        &self,
        field: &'static str,
        expected: &'static str,
    ) -> Result<T, ModelError> {
        let v = self.require(field)?;
        v.trim()
            .parse()
            .map_err(|_| self.invalid(field, v, expected))
    }
}

/// `true`/`false` (REST, API) or `yes`/`no` (CLI).
pub fn parse_bool(value: &str) -> Option<bool> {
    match value.trim() {
        "true" | "yes" => Some(true),
        "false" | "no" => Some(false),
        _ => None,
    }
}

/// A RouterOS list value (`10.0.0.0/8,192.168.0.0/16`, `system,error,critical`) as its items.
pub fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// One `/ip service` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// `.id` (`*0`, `*1`, …) when the row came over REST/API.
    pub id: Option<String>,
    /// `telnet`, `ftp`, `www`, `ssh`, `www-ssl`, `api`, `winbox`, `api-ssl`, …
    pub name: String,
    /// TCP port.
    pub port: u16,
    /// Whether the service is disabled.
    pub disabled: bool,
    /// Allowed source prefixes (`address=`); empty means any.
    pub address: Vec<String>,
    /// TLS certificate name (`none` on a fresh CHR), if the row has one.
    pub certificate: Option<String>,
    /// VRF (`main` on 7.15+), if the row has one.
    pub vrf: Option<String>,
    /// Session limit (20 by default on 7.16+), if the row has one.
    pub max_sessions: Option<u32>,
    /// The `I` flag: the service cannot run (e.g. no certificate).
    pub invalid: bool,
    /// A dynamic row (7.2x lists live connections as dynamic rows).
    pub dynamic: bool,
}

impl Service {
    /// Reads one row; `name` and `port` are required.
    pub fn from_props(props: &[(String, String)]) -> Result<Service, ModelError> {
        let row = Row {
            record: "service",
            props,
        };
        Ok(Service {
            id: row.text(".id"),
            name: row.require("name")?.to_string(),
            port: row.parse_required("port", "a port number 0-65535")?,
            disabled: row.flag("disabled", false)?,
            address: row.list("address"),
            certificate: row.text("certificate"),
            vrf: row.text("vrf"),
            max_sessions: row.parse("max-sessions", "a number")?,
            invalid: row.flag("invalid", false)?,
            dynamic: row.flag("dynamic", false)?,
        })
    }
}

/// One `/user` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// `.id` when the row came over REST/API.
    pub id: Option<String>,
    /// Login name.
    pub name: String,
    /// Group (`full`, `write`, `read`, or a custom one).
    pub group: String,
    /// Whether the user is disabled.
    pub disabled: bool,
    /// Allowed source prefixes; empty means any.
    pub address: Vec<String>,
    /// Comment (`system default user` for a fresh `admin`), `None` when empty.
    pub comment: Option<String>,
    /// `last-logged-in` as the router prints it (date formats vary by version), `None` when never.
    pub last_logged_in: Option<String>,
}

impl User {
    /// Reads one row; `name` and `group` are required.
    pub fn from_props(props: &[(String, String)]) -> Result<User, ModelError> {
        let row = Row {
            record: "user",
            props,
        };
        Ok(User {
            id: row.text(".id"),
            name: row.require("name")?.to_string(),
            group: row.require("group")?.to_string(),
            disabled: row.flag("disabled", false)?,
            address: row.list("address"),
            comment: row.text("comment"),
            last_logged_in: row.text("last-logged-in"),
        })
    }
}

/// One `/log` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// `.id` when the row came over REST/API.
    pub id: Option<String>,
    /// The time as printed (`23:17:46`, `sep/24 19:26:05`, `2025-07-22 17:09:59`, …).
    pub time: String,
    /// Topics in order (`system`, `error`, `critical`).
    pub topics: Vec<String>,
    /// The message text.
    pub message: String,
    /// 7.2x `extra-info` (`app=… duser=… outcome=…`), if present.
    pub extra_info: Option<String>,
}

/// What a `login failure for user <name> [from <addr>] via <svc>` line says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginFailure {
    /// The user name tried (may be empty).
    pub user: String,
    /// The source (an address, or a MAC for RoMON), absent for console logins.
    pub from: Option<String>,
    /// The service word: `ssh`, `telnet`, `winbox`, `web`, `api`, `rest-api`, `local`, …
    pub via: String,
}

impl LogEntry {
    /// Reads one row; `time`, `topics` and `message` are required.
    pub fn from_props(props: &[(String, String)]) -> Result<LogEntry, ModelError> {
        let row = Row {
            record: "log entry",
            props,
        };
        Ok(LogEntry {
            id: row.text(".id"),
            time: row.require("time")?.to_string(),
            topics: split_list(row.require("topics")?),
            message: row.require("message")?.to_string(),
            extra_info: row.text("extra-info"),
        })
    }

    /// Whether the entry carries every topic in `topics`.
    pub fn has_topics(&self, topics: &[&str]) -> bool {
        topics.iter().all(|t| self.topics.iter().any(|x| x == t))
    }

    /// The parsed message if this is a failed-login line (FACTS §4.1).
    pub fn login_failure(&self) -> Option<LoginFailure> {
        let rest = self.message.strip_prefix("login failure for user ")?;
        let (head, via) = rest.rsplit_once(" via ")?;
        // RoMON adds "by romon <mac>" between the source and "via".
        let head = match head.rsplit_once(" by romon ") {
            Some((h, _)) => h,
            None => head,
        };
        let (user, from) = match head.rsplit_once(" from ") {
            Some((u, f)) => (u, Some(f.to_string())),
            None => (head, None),
        };
        Some(LoginFailure {
            user: user.to_string(),
            from,
            via: via.to_string(),
        })
    }
}

/// What `/system package update` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageUpdate {
    /// The release channel.
    pub channel: Channel,
    /// The running version.
    pub installed_version: Version,
    /// The newest version on the channel; absent before a `check-for-updates`.
    pub latest_version: Option<Version>,
    /// The status text, absent before a check.
    pub status: Option<String>,
}

/// The meaning of [`PackageUpdate::status`] (FACTS §9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateStatus {
    /// No check has run (no status field).
    NotChecked,
    /// `finding out latest version...`
    Checking,
    /// `New version is available`
    NewVersionAvailable,
    /// `System is already up to date`
    UpToDate,
    /// `Downloaded, please reboot router to upgrade it`
    Downloaded,
    /// `ERROR: …` (e.g. `could not resolve dns name`): the text after `ERROR: `.
    Error(String),
    /// Anything else, verbatim.
    Other(String),
}

impl PackageUpdate {
    /// Reads the single row; `channel` and `installed-version` are required.
    pub fn from_props(props: &[(String, String)]) -> Result<PackageUpdate, ModelError> {
        let row = Row {
            record: "package update",
            props,
        };
        Ok(PackageUpdate {
            channel: row.parse_required(
                "channel",
                "long-term, stable, testing, development or upgrade",
            )?,
            installed_version: row.parse_required("installed-version", "a RouterOS version")?,
            latest_version: row.parse("latest-version", "a RouterOS version")?,
            status: row.text("status"),
        })
    }

    /// Classifies the status text.
    pub fn status_kind(&self) -> UpdateStatus {
        let Some(status) = self.status.as_deref() else {
            return UpdateStatus::NotChecked;
        };
        let s = status.trim();
        if let Some(e) = s.strip_prefix("ERROR:") {
            return UpdateStatus::Error(e.trim().to_string());
        }
        match s {
            "New version is available" => UpdateStatus::NewVersionAvailable,
            "System is already up to date" => UpdateStatus::UpToDate,
            "Downloaded, please reboot router to upgrade it" => UpdateStatus::Downloaded,
            _ if s.starts_with("finding out latest version") => UpdateStatus::Checking,
            _ => UpdateStatus::Other(s.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Rows of a napalm-ros capture: `{"data": [{...}]}`, typed values turned back into wire text.
    fn napalm_rows(json: &str) -> Vec<Vec<(String, String)>> {
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                row.as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| {
                        let text = match v {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        (k.clone(), text)
                    })
                    .collect()
            })
            .collect()
    }

    // Verbatim from corpus/api/napalm-ros/get_users__no_keys__user_print.json (GPL-2.0-or-later data,
    // see corpus/SOURCES.md)
    const NAPALM_USERS: &str = r#"{
    "data":
    [
    {
        "comment": "system default user",
        "group": "full",
        "name": "admin",
        "last-logged-in": "dec/05/2016 22:58:02",
        ".id": "*1",
        "disabled": false,
        "address": ""
    }
    ]
}"#;

    // Verbatim from get_config__v7__system_package_update_print.json
    const NAPALM_UPDATE_V7: &str = r#"{
    "data":
    [
        {
            "channel": "stable",
            "installed-version": "7.5"
        }
    ]
}"#;

    #[test]
    fn user_from_napalm_capture() {
        let rows = napalm_rows(NAPALM_USERS);
        let u = User::from_props(&rows[0]).unwrap();
        assert_eq!(
            u,
            User {
                id: Some("*1".into()),
                name: "admin".into(),
                group: "full".into(),
                disabled: false,
                address: vec![],
                comment: Some("system default user".into()),
                last_logged_in: Some("dec/05/2016 22:58:02".into()),
            }
        );
    }

    #[test]
    fn package_update_before_any_check() {
        let rows = napalm_rows(NAPALM_UPDATE_V7);
        let p = PackageUpdate::from_props(&rows[0]).unwrap();
        assert_eq!(p.channel, Channel::Stable);
        assert_eq!(p.installed_version, Version::parse("7.5").unwrap());
        assert_eq!(p.latest_version, None);
        assert_eq!(p.status_kind(), UpdateStatus::NotChecked);
    }

    #[test]
    fn package_update_after_check() {
        let p = PackageUpdate::from_props(&props(&[
            ("channel", "long-term"),
            ("installed-version", "7.23.7"),
            ("latest-version", "7.24"),
            ("status", "New version is available"),
        ]))
        .unwrap();
        assert_eq!(p.channel, Channel::LongTerm);
        assert_eq!(p.latest_version, Some(Version::parse("7.24").unwrap()));
        assert_eq!(p.status_kind(), UpdateStatus::NewVersionAvailable);
        let e = PackageUpdate {
            status: Some("ERROR: could not resolve dns name".into()),
            ..p
        };
        assert_eq!(
            e.status_kind(),
            UpdateStatus::Error("could not resolve dns name".into())
        );
    }

    #[test]
    fn package_update_errors_name_the_field() {
        let err = PackageUpdate::from_props(&props(&[("channel", "beta")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "package update field `channel`: invalid value \"beta\" (expected long-term, stable, testing, development or upgrade)"
        );
        let err = PackageUpdate::from_props(&props(&[("channel", "stable")])).unwrap_err();
        assert_eq!(
            err,
            ModelError::Missing {
                record: "package update",
                field: "installed-version"
            }
        );
        let err = PackageUpdate::from_props(&props(&[
            ("channel", "stable"),
            ("installed-version", "7.x"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("`installed-version`"), "{err}");
    }

    #[test]
    fn service_from_rest_and_cli_forms() {
        // REST form (7.23.7): every value a string, booleans true/false.
        let rest = Service::from_props(&props(&[
            (".id", "*0"),
            ("address", "192.0.2.0/24,198.51.100.7"),
            ("disabled", "true"),
            ("invalid", "false"),
            ("max-sessions", "20"),
            ("name", "telnet"),
            ("port", "23"),
            ("proto", "tcp"),
            ("vrf", "main"),
        ]))
        .unwrap();
        assert_eq!(rest.id.as_deref(), Some("*0"));
        assert!(rest.disabled);
        assert_eq!(rest.address, ["192.0.2.0/24", "198.51.100.7"]);
        assert_eq!(rest.max_sessions, Some(20));
        assert_eq!(rest.vrf.as_deref(), Some("main"));
        // CLI form: yes/no, no .id.
        let cli = Service::from_props(&props(&[
            ("name", "ssh"),
            ("port", "2222"),
            ("disabled", "no"),
            ("address", ""),
        ]))
        .unwrap();
        assert_eq!(cli.port, 2222);
        assert!(!cli.disabled);
        assert!(cli.address.is_empty());
        assert_eq!(cli.id, None);
    }

    #[test]
    fn service_errors_name_the_field() {
        let err = Service::from_props(&props(&[("name", "ssh"), ("port", "70000")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "service field `port`: invalid value \"70000\" (expected a port number 0-65535)"
        );
        let err = Service::from_props(&props(&[
            ("name", "ssh"),
            ("port", "22"),
            ("disabled", "maybe"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("`disabled`"), "{err}");
        let err = Service::from_props(&props(&[("port", "22")])).unwrap_err();
        assert_eq!(err.to_string(), "service row has no `name` field");
    }

    #[test]
    fn log_entry_and_login_failure() {
        let e = LogEntry::from_props(&props(&[
            (".id", "*2A"),
            ("time", "2026-09-24 19:26:05"),
            ("topics", "system,error,critical"),
            (
                "message",
                "login failure for user admin from 192.0.2.66 via ssh",
            ),
        ]))
        .unwrap();
        assert_eq!(e.topics, ["system", "error", "critical"]);
        assert!(e.has_topics(&["error", "critical"]));
        assert!(!e.has_topics(&["account"]));
        assert_eq!(
            e.login_failure(),
            Some(LoginFailure {
                user: "admin".into(),
                from: Some("192.0.2.66".into()),
                via: "ssh".into()
            })
        );
        let console = LogEntry {
            message: "login failure for user admin via local".into(),
            ..e.clone()
        };
        assert_eq!(console.login_failure().unwrap().from, None);
        let empty = LogEntry {
            message: "login failure for user  from 192.0.2.66 via ssh".into(),
            ..e.clone()
        };
        assert_eq!(empty.login_failure().unwrap().user, "");
        let romon = LogEntry {
            message: "login failure for user test from 0C:00:00:00:00:01 by romon 0C:00:00:00:00:02 via ssh"
                .into(),
            ..e.clone()
        };
        let f = romon.login_failure().unwrap();
        assert_eq!(
            (f.user.as_str(), f.from.as_deref()),
            ("test", Some("0C:00:00:00:00:01"))
        );
        let ok = LogEntry {
            message: "user admin logged in from 192.0.2.10 via winbox".into(),
            ..e
        };
        assert_eq!(ok.login_failure(), None);
        assert_eq!(
            LogEntry::from_props(&props(&[("time", "x"), ("message", "m")])).unwrap_err(),
            ModelError::Missing {
                record: "log entry",
                field: "topics"
            }
        );
    }

    #[test]
    fn user_accepts_yes_no_and_rejects_garbage() {
        let u = User::from_props(&props(&[
            ("name", "netops"),
            ("group", "full"),
            ("disabled", "yes"),
            ("address", "192.0.2.10/32"),
        ]))
        .unwrap();
        assert!(u.disabled);
        assert_eq!(u.address, ["192.0.2.10/32"]);
        assert_eq!(u.comment, None);
        let err = User::from_props(&props(&[
            ("name", "x"),
            ("group", "full"),
            ("disabled", "1"),
        ]))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "user field `disabled`: invalid value \"1\" (expected true, false, yes or no)"
        );
    }
}
