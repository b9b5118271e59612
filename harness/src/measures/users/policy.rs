//! `[users]` of a profile.

use serde::{Deserialize, Serialize};

use crate::profile::Cidr;
use crate::secret::{PasswordPolicy, Secret};

/// `[users]`: a named administrator instead of `admin`, with a strong password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsersPolicy {
    /// The new administrator's name.
    pub name: String,
    /// Its group.
    #[serde(default = "full")]
    pub group: String,
    /// Its password; absent means generated per run (never printed).
    #[serde(default)]
    pub password: Option<Secret>,
    /// What happens to the factory user.
    #[serde(default)]
    pub default_admin: DefaultAdmin,
    /// The factory user's name.
    #[serde(default = "admin")]
    pub default_admin_name: String,
    /// Password strength.
    #[serde(default)]
    pub password_policy: PasswordPolicy,
    /// Other users allowed to keep write or policy rights (e.g. a backup account); every other
    /// enabled user in a group with `write`, `policy`, `password` or `sensitive` fails.
    #[serde(default)]
    pub allowed_privileged: Vec<String>,
    /// Restrict where the administrator may log in from (`/user set … address=`) to the
    /// management sources: the harness's own source (when `[firewall] include_harness_source`)
    /// and `[firewall] management_cidrs`, plus [`UsersPolicy::allowed_from`]. A login from
    /// anywhere else is refused even with the right password (MikroTik's recommendation).
    #[serde(default = "crate::profile::yes")]
    pub restrict_address: bool,
    /// More prefixes the administrator may log in from (a jump host's network, say), besides
    /// the management sources; with `restrict_address = false`, the only ones.
    #[serde(default)]
    pub allowed_from: Vec<Cidr>,
}

impl UsersPolicy {
    /// Whether the administrator's `address=` is restricted at all.
    pub fn restricts_address(&self) -> bool {
        self.restrict_address || !self.allowed_from.is_empty()
    }
}

/// What to do with the factory `admin` once the new administrator can log in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DefaultAdmin {
    /// `/user remove`.
    #[default]
    Remove,
    /// `/user set disabled=yes`.
    Disable,
}

fn full() -> String {
    "full".into()
}

fn admin() -> String {
    "admin".into()
}
