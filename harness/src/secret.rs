//! Passwords that never print: [`Secret`] and the generator for policy-conforming passwords.

use std::fmt;

use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a secret prints as in `Debug`, `Display`, `Serialize`, scripts and reports.
pub const REDACTED: &str = "***";

/// A password. `Debug`, `Display` and `Serialize` print [`REDACTED`]; only [`Secret::expose`] gives the text.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a password.
    pub fn new(text: impl Into<String>) -> Secret {
        Secret(text.into())
    }

    /// The password itself: for a login or a script sent to the router, never for a log or a report.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the password is empty (a fresh RouterOS `admin` has one).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Replaces every occurrence of this secret in `text` by [`REDACTED`] (no-op for an empty secret).
    pub fn redact_in(&self, text: &str) -> String {
        if self.0.is_empty() {
            text.to_string()
        } else {
            text.replace(&self.0, REDACTED)
        }
    }

    /// A fresh random password that satisfies `policy` (at least [`GENERATED_LENGTH`] characters).
    ///
    /// Symbols come from [`SAFE_SYMBOLS`], which need no escaping in a RouterOS string and do not
    /// trigger terminal help (`?`) or variable expansion (`$`).
    pub fn generate(policy: &PasswordPolicy) -> Secret {
        let mut rng = rand::rng();
        let length = (policy.min_length.min(MAX_POLICY_LENGTH) as usize).max(GENERATED_LENGTH);
        let mut chars: Vec<char> = Vec::with_capacity(length);
        // One character of every required class first, then any class, then shuffle.
        for class in &policy.require {
            if let Some(c) = class.alphabet().choose(&mut rng) {
                chars.push(char::from(*c));
            }
        }
        let all: Vec<u8> = CharClass::ALL
            .iter()
            .flat_map(|c| c.alphabet().iter().copied())
            .collect();
        while chars.len() < length {
            let i = rng.random_range(0..all.len());
            chars.push(char::from(all[i]));
        }
        chars.shuffle(&mut rng);
        Secret(chars.into_iter().collect())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

/// Length of generated passwords unless the policy asks for more.
pub const GENERATED_LENGTH: usize = 24;

/// Symbols used by the generator: safe inside a quoted RouterOS string and at a terminal.
pub const SAFE_SYMBOLS: &str = "!#%*+-.:=@_~";

/// The shortest minimum length a profile may set.
pub const MIN_POLICY_LENGTH: u32 = 12;

/// The longest minimum length a profile may set, and the longest password it may give.
/// RouterOS documents no maximum password length (its `minimum-password-length` setting takes
/// 0..4294967295, [DOC authentication-authorization-accounting/user.md]); 128 is chrlab's own
/// bound, so a typo cannot make the generator build a gigabyte password.
pub const MAX_POLICY_LENGTH: u32 = 128;

/// A class of characters a password policy can require.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CharClass {
    /// `A`–`Z`.
    Upper,
    /// `a`–`z`.
    Lower,
    /// `0`–`9`.
    Digit,
    /// Any printable ASCII character that is not a letter, digit or space.
    Symbol,
}

impl CharClass {
    /// Every class, in policy order.
    pub const ALL: [CharClass; 4] = [
        CharClass::Upper,
        CharClass::Lower,
        CharClass::Digit,
        CharClass::Symbol,
    ];

    /// Whether `c` belongs to this class.
    pub fn contains(self, c: char) -> bool {
        match self {
            CharClass::Upper => c.is_ascii_uppercase(),
            CharClass::Lower => c.is_ascii_lowercase(),
            CharClass::Digit => c.is_ascii_digit(),
            CharClass::Symbol => c.is_ascii_punctuation(),
        }
    }

    fn alphabet(self) -> &'static [u8] {
        match self {
            CharClass::Upper => b"ABCDEFGHJKLMNPQRSTUVWXYZ",
            CharClass::Lower => b"abcdefghijkmnopqrstuvwxyz",
            CharClass::Digit => b"23456789",
            CharClass::Symbol => SAFE_SYMBOLS.as_bytes(),
        }
    }
}

impl fmt::Display for CharClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CharClass::Upper => "upper",
            CharClass::Lower => "lower",
            CharClass::Digit => "digit",
            CharClass::Symbol => "symbol",
        })
    }
}

/// How strong the new administrator's password must be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicy {
    /// Minimum number of characters (at least [`MIN_POLICY_LENGTH`]).
    pub min_length: u32,
    /// Classes that must each appear at least once.
    #[serde(default = "PasswordPolicy::all_classes")]
    pub require: Vec<CharClass>,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            min_length: 16,
            require: PasswordPolicy::all_classes(),
        }
    }
}

/// Why a password does not satisfy a [`PasswordPolicy`]. Never contains the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyViolation {
    /// Too short.
    #[error("password has {actual} characters, the policy wants at least {min}")]
    TooShort {
        /// Characters in the password.
        actual: usize,
        /// Policy minimum.
        min: u32,
    },
    /// A required class is missing.
    #[error("password has no {0} character")]
    MissingClass(CharClass),
    /// Longer than [`MAX_POLICY_LENGTH`].
    #[error("password has {actual} characters, at most {max} are accepted")]
    TooLong {
        /// Characters in the password.
        actual: usize,
        /// The bound.
        max: u32,
    },
    /// Characters RouterOS or a terminal would mangle.
    #[error("password contains a space or control character")]
    Unprintable,
}

impl PasswordPolicy {
    fn all_classes() -> Vec<CharClass> {
        CharClass::ALL.to_vec()
    }

    /// Checks `password` against the policy; the error never includes the password.
    pub fn check(&self, password: &Secret) -> Result<(), PolicyViolation> {
        let text = password.expose();
        if text.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(PolicyViolation::Unprintable);
        }
        let actual = text.chars().count();
        if actual > MAX_POLICY_LENGTH as usize {
            return Err(PolicyViolation::TooLong {
                actual,
                max: MAX_POLICY_LENGTH,
            });
        }
        if actual < self.min_length as usize {
            return Err(PolicyViolation::TooShort {
                actual,
                min: self.min_length,
            });
        }
        for class in &self.require {
            if !text.chars().any(|c| class.contains(c)) {
                return Err(PolicyViolation::MissingClass(*class));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints() {
        let s = Secret::new("hunter2-Very-Secret");
        assert_eq!(format!("{s}"), REDACTED);
        assert_eq!(format!("{s:?}"), REDACTED);
        assert_eq!(format!("{:?}", Some(&s)), "Some(***)");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"***\"");
        assert_eq!(s.expose(), "hunter2-Very-Secret");
    }

    #[test]
    fn redact_in_replaces_every_occurrence() {
        let s = Secret::new("pa55");
        assert_eq!(s.redact_in("x pa55 y pa55"), "x *** y ***");
        assert_eq!(Secret::new("").redact_in("abc"), "abc");
    }

    #[test]
    fn generated_passwords_satisfy_the_policy() {
        let policy = PasswordPolicy::default();
        for _ in 0..200 {
            let s = Secret::generate(&policy);
            policy.check(&s).unwrap();
            assert!(s.expose().len() >= GENERATED_LENGTH);
            assert!(!s.expose().contains(['?', '$', '"', '\\', ' ']));
        }
        let long = PasswordPolicy {
            min_length: 40,
            require: vec![CharClass::Digit],
        };
        assert_eq!(Secret::generate(&long).expose().len(), 40);
    }

    #[test]
    fn policy_names_the_violation() {
        let p = PasswordPolicy::default();
        assert_eq!(
            p.check(&Secret::new("Short1!")),
            Err(PolicyViolation::TooShort { actual: 7, min: 16 })
        );
        assert_eq!(
            p.check(&Secret::new("alllowercase-and-1234")),
            Err(PolicyViolation::MissingClass(CharClass::Upper))
        );
        assert_eq!(
            p.check(&Secret::new("With Space 1234567!")),
            Err(PolicyViolation::Unprintable)
        );
        p.check(&Secret::new("Abcdefgh1234567!")).unwrap();
    }
}
