//! `[update]` of a profile.

use routeros::version::{Channel, Version};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::profile::yes;

/// `[update]`: version and channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdatePolicy {
    /// Release channel `/system package update` must follow.
    #[serde(with = "channel_text")]
    pub channel: Channel,
    /// Oldest acceptable installed version.
    #[serde(with = "version_text")]
    pub min_version: Version,
    /// Ask the router to `check-for-updates` (needs it to reach upgrade.mikrotik.com; offline = skip).
    #[serde(default = "yes")]
    pub check_for_updates: bool,
    /// When the check works, the installed version must equal the latest one on the channel.
    #[serde(default = "yes")]
    pub require_latest: bool,
    /// Let the applier run `/system package update install` (downloads and reboots).
    #[serde(default)]
    pub install: bool,
    /// Vulnerable ranges on top of the CVE table (`chrlab cve list`).
    #[serde(default)]
    pub extra_vulnerable: Vec<ExtraVulnerability>,
}

/// `[[update.extra_vulnerable]]`: one more vulnerable range `[from, to)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraVulnerability {
    /// An id for reports (`CVE-…` or a local name).
    pub id: String,
    /// What the flaw is.
    #[serde(default)]
    pub summary: String,
    /// First affected version (inclusive).
    #[serde(with = "version_text")]
    pub from: Version,
    /// First fixed version (exclusive end).
    #[serde(with = "version_text")]
    pub to: Version,
}

mod version_text {
    use super::*;
    pub fn serialize<S: Serializer>(v: &Version, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Version, D::Error> {
        let text = String::deserialize(d)?;
        Version::parse(&text).map_err(serde::de::Error::custom)
    }
}

mod channel_text {
    use super::*;
    pub fn serialize<S: Serializer>(c: &Channel, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(c.as_str())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Channel, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
