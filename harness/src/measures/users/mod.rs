//! Measure 4, users: no factory `admin`, a named administrator with a strong password, who may
//! log in only from the management sources (`/user address=`).

mod judge;
mod policy;
mod steps;

pub use policy::{DefaultAdmin, UsersPolicy};

use super::{CheckDef, MeasureDef};
use crate::outcome::{Measure, Severity};

/// `users.default-admin-gone`.
pub const DEFAULT_ADMIN_GONE: CheckDef = CheckDef {
    id: "users.default-admin-gone",
    title: "the factory user is removed or disabled",
    severity: Severity::High,
    rationale: "the factory user name is the first one every attacker tries",
    how: "white box: /user, no enabled user named admin",
    advice: "the seed article, \"Basic security for your Mikrotik RouterOS Cloud Router\": a named administrator with a strong password instead of the factory admin",
};

/// `users.default-admin-refused`.
pub const DEFAULT_ADMIN_REFUSED: CheckDef = CheckDef {
    id: "users.default-admin-refused",
    title: "the factory user with the factory (empty) password cannot log in",
    severity: Severity::Critical,
    rationale: "the factory admin with its empty password is full control for anyone who reaches a login",
    how: "black box: admin with the empty password over ssh, telnet, api and REST from the vantages must be refused",
    advice: "the seed article, \"Basic security for your Mikrotik RouterOS Cloud Router\": a named administrator with a strong password instead of the factory admin",
};

/// `users.new-admin`.
pub const NEW_ADMIN: CheckDef = CheckDef {
    id: "users.new-admin",
    title: "the profile's administrator exists in its group and can log in",
    severity: Severity::Medium,
    rationale: "without a working named administrator the router cannot be managed as the profile says",
    how: "white box: /user, the administrator in its group; black box: its login over ssh or REST",
    advice: "the seed article, \"Basic security for your Mikrotik RouterOS Cloud Router\": a named administrator with a strong password instead of the factory admin",
};

/// `users.password-policy`.
pub const PASSWORD_POLICY: CheckDef = CheckDef {
    id: "users.password-policy",
    title: "the administrator's password satisfies the password policy",
    severity: Severity::High,
    rationale: "a weak administrator password falls to guessing",
    how: "white box: the profile's administrator password measured against the profile's password policy",
    advice: "the seed article, \"Basic security for your Mikrotik RouterOS Cloud Router\": a named administrator with a strong password instead of the factory admin",
};

/// `users.no-other-privileged`.
pub const NO_OTHER_PRIVILEGED: CheckDef = CheckDef {
    id: "users.no-other-privileged",
    title: "no enabled user besides the administrator has write/policy/password/sensitive rights, unless the profile allows it",
    severity: Severity::High,
    rationale: "every other privileged account is another credential with full control",
    how: "white box: /user and /user group, no other enabled user with write, policy, password or sensitive rights",
    advice: "MikroTik, \"Securing your router\": keep privileged users to those who need them",
};

/// `users.guessing-refused`.
pub const GUESSING_REFUSED: CheckDef = CheckDef {
    id: "users.guessing-refused",
    title: "no user gets in with an empty password, the user name or a common password",
    severity: Severity::Critical,
    rationale: "an account that opens to an attacker's first guesses is full control for anyone who reaches a login",
    how: "black box: empty password, the user name and common passwords over ssh and REST from both vantages (at most 5 per user, service and vantage)",
    advice: "the seed article, \"Basic security for your Mikrotik RouterOS Cloud Router\": a named administrator with a strong password instead of the factory admin",
};

/// `users.password-rules`.
pub const PASSWORD_RULES: CheckDef = CheckDef {
    id: "users.password-rules",
    title: "RouterOS itself refuses passwords weaker than the policy (/user settings, RouterOS 7)",
    severity: Severity::Medium,
    rationale: "without it RouterOS accepts weak passwords set later",
    how: "white box: /user settings minimum-password-length and minimum-categories (RouterOS 7)",
    advice: "MikroTik, \"Securing your router\": /user settings set minimum-password-length=... minimum-categories=...",
};

/// `users.address-restricted`.
pub const ADDRESS_RESTRICTED: CheckDef = CheckDef {
    id: "users.address-restricted",
    title: "every enabled user with write or policy rights may log in only from a restricted address list that excludes the untrusted vantage (/user address=)",
    severity: Severity::High,
    rationale: "a privileged login accepted from anywhere lets stolen credentials in from anywhere",
    how: "white box: /user address= of every enabled user with write or policy rights; black box: the administrator's login from the untrusted vantage is refused and logged",
    advice: "MikroTik, \"Securing your router\": restrict users to their addresses (/user set ... address=)",
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
