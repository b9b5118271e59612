//! Measure 4, users: no factory `admin`, a named administrator with a strong password, who may
//! log in only from the management sources (`/user address=`).

mod judge;
mod policy;
mod steps;

pub use policy::{DefaultAdmin, UsersPolicy};

use super::{CheckDef, MeasureDef};
use crate::outcome::Measure;

/// `users.default-admin-gone`.
pub const DEFAULT_ADMIN_GONE: CheckDef = CheckDef {
    id: "users.default-admin-gone",
    title: "the factory user is removed or disabled",
};

/// `users.default-admin-refused`.
pub const DEFAULT_ADMIN_REFUSED: CheckDef = CheckDef {
    id: "users.default-admin-refused",
    title: "the factory user with the factory (empty) password cannot log in",
};

/// `users.new-admin`.
pub const NEW_ADMIN: CheckDef = CheckDef {
    id: "users.new-admin",
    title: "the profile's administrator exists in its group and can log in",
};

/// `users.password-policy`.
pub const PASSWORD_POLICY: CheckDef = CheckDef {
    id: "users.password-policy",
    title: "the administrator's password satisfies the password policy",
};

/// `users.no-other-privileged`.
pub const NO_OTHER_PRIVILEGED: CheckDef = CheckDef {
    id: "users.no-other-privileged",
    title: "no enabled user besides the administrator has write/policy/password/sensitive rights, unless the profile allows it",
};

/// `users.guessing-refused`.
pub const GUESSING_REFUSED: CheckDef = CheckDef {
    id: "users.guessing-refused",
    title: "no user gets in with an empty password, the user name or a common password",
};

/// `users.password-rules`.
pub const PASSWORD_RULES: CheckDef = CheckDef {
    id: "users.password-rules",
    title: "RouterOS itself refuses passwords weaker than the policy (/user settings, RouterOS 7)",
};

/// `users.address-restricted`.
pub const ADDRESS_RESTRICTED: CheckDef = CheckDef {
    id: "users.address-restricted",
    title: "every enabled user with write or policy rights may log in only from a restricted address list that excludes the untrusted vantage (/user address=)",
};

/// `/user settings` (RouterOS 7).
pub const SETTINGS_MENU: &str = "/user/settings";

/// The measure: its checks in report order and its judge.
pub static MEASURE: MeasureDef = MeasureDef {
    measure: Measure::Users,
    checks: &[
        DEFAULT_ADMIN_GONE,
        DEFAULT_ADMIN_REFUSED,
        NEW_ADMIN,
        PASSWORD_POLICY,
        NO_OTHER_PRIVILEGED,
        GUESSING_REFUSED,
        PASSWORD_RULES,
        ADDRESS_RESTRICTED,
    ],
    reads: &[SETTINGS_MENU],
    judge: judge::judge,
    steps: steps::steps,
    undo: steps::undo,
    probe: None,
};
