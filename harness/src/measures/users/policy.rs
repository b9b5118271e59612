//! `[users]` of a profile.

use serde::{Deserialize, Serialize};

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
