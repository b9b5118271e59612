//! A fleet's passwords, from where the inventory says: an environment variable, or a file.
//!
//! A password file (`chrlab_password_file`, `password_file`; relative to the inventory) is
//! read by its name:
//!
//! * `*.toml` — a table of `NAME = "password"` lines, one per router, keyed by the router's
//!   inventory name (quote names with dots: `"core-1.example" = "…"`); a router with no line is
//!   an error.
//! * anything else — the file is one password (its only line; a final newline is not part of it),
//!   for every router that names the file, as Ansible's `--vault-password-file` is.
//!
//! The file must be a regular file (never a FIFO or a device) of at most 1 MiB. Nothing of a
//! password file's text ever reaches an error message: a malformed file is reported by line only.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::inventory::{InventoryRouter, Origin, PasswordSource, ReadError, read_text};
use crate::printable::escape;
use crate::secret::Secret;

/// The largest password file read.
pub const MAX_PASSWORD_FILE_BYTES: u64 = 1 << 20;

/// Why a router's password cannot be had. Names the inventory line, the host and the field;
/// never the password.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: host {}: {field}: {detail}", escape(.host))]
pub struct CredentialError {
    /// Where the inventory names the source.
    pub origin: Origin,
    /// The router.
    pub host: String,
    /// The inventory field.
    pub field: String,
    /// What is wrong.
    pub detail: String,
}

/// A password file's contents.
enum Contents {
    One(Secret),
    ByHost(HashMap<String, Secret>),
}

/// Reads each password file once, however many routers name it.
#[derive(Default)]
pub struct PasswordFiles {
    read: HashMap<PathBuf, Result<std::sync::Arc<ContentsHandle>, String>>,
}

/// A read password file.
struct ContentsHandle(Contents);

impl PasswordFiles {
    /// The password of `router`, from its source ([`PasswordSource::None`]: empty).
    pub fn password(&mut self, router: &InventoryRouter) -> Result<Secret, CredentialError> {
        self.password_with(router, |var| std::env::var(var).ok())
    }

    /// [`PasswordFiles::password`] with the environment given (for tests).
    pub fn password_with(
        &mut self,
        router: &InventoryRouter,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Secret, CredentialError> {
        let fail = |origin: &Origin, field: &str, detail: String| CredentialError {
            origin: origin.clone(),
            host: router.name.clone(),
            field: field.to_string(),
            detail,
        };
        match &router.password {
            PasswordSource::None => Ok(Secret::new("")),
            PasswordSource::Env { var, field, origin } => match env(var) {
                None => Err(fail(
                    origin,
                    field,
                    format!("the environment variable {var} is not set"),
                )),
                Some(v) if v.is_empty() => Err(fail(
                    origin,
                    field,
                    format!(
                        "the environment variable {var} is empty (for a router without a password, name no password source)"
                    ),
                )),
                Some(v) => Ok(Secret::new(v)),
            },
            PasswordSource::File {
                path,
                field,
                origin,
            } => {
                let shown = escape(&path.display().to_string()).into_owned();
                let contents = self
                    .read
                    .entry(path.clone())
                    .or_insert_with(|| read_file(path).map(std::sync::Arc::new))
                    .clone()
                    .map_err(|e| fail(origin, field, format!("{shown}: {e}")))?;
                match &contents.0 {
                    Contents::One(s) => Ok(s.clone()),
                    Contents::ByHost(map) => map.get(&router.name).cloned().ok_or_else(|| {
                        fail(
                            origin,
                            field,
                            format!(
                                "{shown} has no line for {} (`{} = \"…\"`)",
                                escape(&router.name),
                                toml_key(&router.name)
                            ),
                        )
                    }),
                }
            }
        }
    }
}

fn toml_key(name: &str) -> String {
    if name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn read_file(path: &Path) -> Result<ContentsHandle, String> {
    let text = read_text(path, MAX_PASSWORD_FILE_BYTES).map_err(|e| match e {
        ReadError::Io(e) => e.to_string(),
        ReadError::Other(d) => d,
    })?;
    warn_if_readable_by_others(path);
    let is_toml = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    if is_toml {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            // The parser's own message may quote the file: say only where.
            let line = e.span().map_or(1, |s| {
                text.as_bytes()[..s.start.min(text.len())]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count()
                    + 1
            });
            format!("line {line}: not a TOML table of `NAME = \"password\"` lines")
        })?;
        let mut map = HashMap::new();
        for (name, value) in table {
            match value {
                toml::Value::String(s) if !s.is_empty() => {
                    map.insert(name, Secret::new(s));
                }
                _ => {
                    return Err(format!(
                        "the value for {} is not a non-empty string",
                        escape(&name)
                    ));
                }
            }
        }
        Ok(ContentsHandle(Contents::ByHost(map)))
    } else {
        let one = text
            .strip_suffix("\r\n")
            .or_else(|| text.strip_suffix('\n'))
            .unwrap_or(&text);
        if one.is_empty() {
            return Err("the file is empty".into());
        }
        if one.contains('\n') {
            return Err(
                "the file has more than one line (one password, or name it *.toml for NAME = \"password\" lines)"
                    .into(),
            );
        }
        Ok(ContentsHandle(Contents::One(Secret::new(one))))
    }
}

fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            file = %escape(&path.display().to_string()),
            "the password file is readable by others than its owner (chmod 600)"
        );
    }
}
