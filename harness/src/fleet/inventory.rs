//! The routers of a fleet, from an inventory file: Ansible's YAML inventory (the one users of
//! `community.routeros` already keep) or a plain TOML list.
//!
//! **Ansible YAML** — groups at the top level (`all` is every group's parent), each with
//! `hosts:`, `vars:` and `children:`; a host's variables combine as Ansible combines them:
//! `all`, then parent groups before their children (by depth, then name), then the host's own.
//! chrlab reads `ansible_host` (default: the inventory name), `ansible_port` (the SSH port, as
//! `network_cli` uses it; default 22), `ansible_user` (default `admin`), and its own
//! `chrlab_profile` (a profile file, relative to the inventory), `chrlab_password_env` (an
//! environment variable) and `chrlab_password_file` (a file, relative to the inventory; see
//! [`super::credentials`]). `ansible_password: "{{ lookup('env', 'VAR') }}"` is read as the
//! environment variable `VAR`; a literal `ansible_password` or an `!vault` value is refused.
//! Other variables are Ansible's and are left alone; an unknown `chrlab_*` one is an error.
//!
//! **TOML** — `[[router]]` tables with `name`, `host`, `port`, `user`, `group`, `profile`,
//! `password_env`, `password_file`; unknown keys are refused.
//!
//! Every error names the file, the line, the host (or group) and the field.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use super::yaml::{self, Node, Value};
use crate::printable::escape;

/// The largest inventory read (4 MiB: tens of thousands of routers).
pub const MAX_INVENTORY_BYTES: u64 = 4 << 20;

/// Where something was written: a file and a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file, as the user named it (or relative to the inventory).
    pub file: PathBuf,
    /// The line.
    pub line: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}",
            escape(&self.file.display().to_string()),
            self.line
        )
    }
}

/// Where a router's password comes from (never the password itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    /// None named: the router has no password (a factory router).
    None,
    /// An environment variable (`chrlab_password_env`, `password_env`, or
    /// `ansible_password: "{{ lookup('env', 'VAR') }}"`).
    Env {
        /// The variable.
        var: String,
        /// The inventory field that named it.
        field: String,
        /// Where.
        origin: Origin,
    },
    /// A file (`chrlab_password_file`, `password_file`), resolved against the inventory's folder.
    File {
        /// The file.
        path: PathBuf,
        /// The inventory field that named it.
        field: String,
        /// Where.
        origin: Origin,
    },
}

/// A profile named for a router (`chrlab_profile`, `profile`), resolved against the inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRef {
    /// The profile file.
    pub path: PathBuf,
    /// The inventory field that named it.
    pub field: String,
    /// Where.
    pub origin: Origin,
}

/// One router of the inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryRouter {
    /// Its inventory name (Ansible's `inventory_hostname`): what the report's rows are called.
    pub name: String,
    /// The address or DNS name to reach it at.
    pub host: String,
    /// Its SSH port.
    pub port: u16,
    /// The user to log in as.
    pub user: String,
    /// Its most specific group (none for a host only in `all`/`ungrouped`).
    pub group: Option<String>,
    /// The profile to judge it by (`None`: `--profile`).
    pub profile: Option<ProfileRef>,
    /// Where its password comes from.
    pub password: PasswordSource,
    /// Where it is declared (first).
    pub origin: Origin,
}

/// The routers of an inventory file, in the order they are first declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    /// The file.
    pub path: PathBuf,
    /// The routers.
    pub routers: Vec<InventoryRouter>,
}

/// Who an error is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// A host (router).
    Host(String),
    /// A group (its `vars:`).
    Group(String),
    /// The file's structure.
    File,
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Owner::Host(h) => write!(f, "host {}: ", escape(h)),
            Owner::Group(g) => write!(f, "group {}: ", escape(g)),
            Owner::File => Ok(()),
        }
    }
}

/// Why an inventory cannot be used. Every variant names the file; most the line, host and field.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// The file cannot be opened or read.
    #[error("cannot read inventory {path}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a regular file, too large, or not UTF-8.
    #[error("cannot read inventory {path}: {detail}")]
    Unreadable {
        /// The file.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// The name says neither YAML nor TOML.
    #[error(
        "{path}: an inventory is Ansible YAML (.yml, .yaml) or a TOML list (.toml); an INI inventory converts with `ansible-inventory -i FILE --list --yaml`"
    )]
    Format {
        /// The file.
        path: String,
    },
    /// Not well-formed YAML or TOML.
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// Line.
        line: usize,
        /// Column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// A field is wrong.
    #[error("{path}:{line}: {owner}{field}: {detail}")]
    Field {
        /// The file.
        path: String,
        /// Line.
        line: usize,
        /// The host or group whose field it is.
        owner: Owner,
        /// The field (`ansible_port`, `chrlab_profile`, `hosts`, …).
        field: String,
        /// What is wrong and what to do instead.
        detail: String,
    },
    /// The inventory names no router.
    #[error("{path}: the inventory names no router")]
    Empty {
        /// The file.
        path: String,
    },
}

impl InventoryError {
    /// The line the error is at, when it has one.
    pub fn line(&self) -> Option<usize> {
        match self {
            InventoryError::Syntax { line, .. } | InventoryError::Field { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// Reads a regular file the user named, of at most `max` bytes, as UTF-8 text; the error is the
/// reason in words (an IO error as its source).
pub(crate) fn read_text(path: &Path, max: u64) -> Result<String, ReadError> {
    use std::io::Read as _;
    let (file, meta) = crate::user_files::open_regular(path).map_err(|e| match e {
        crate::user_files::OpenError::Io(e) => ReadError::Io(e),
        crate::user_files::OpenError::NotRegular(t) => ReadError::Other(format!(
            "it is a {}, not a regular file",
            crate::user_files::file_kind(t)
        )),
    })?;
    if meta.len() > max {
        return Err(ReadError::Other(format!(
            "it has {} bytes, at most {max} are read",
            meta.len()
        )));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::Other(format!("it has more than {max} bytes")));
    }
    String::from_utf8(bytes).map_err(|e| {
        let line = e.as_bytes()[..e.utf8_error().valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        ReadError::Other(format!("line {line} is not UTF-8 text"))
    })
}

/// Why [`read_text`] failed.
#[derive(Debug)]
pub(crate) enum ReadError {
    Io(std::io::Error),
    Other(String),
}

impl Inventory {
    /// Reads and checks an inventory file (YAML by `.yml`/`.yaml`, TOML by `.toml`).
    pub fn load(path: &Path) -> Result<Inventory, InventoryError> {
        let shown = path.display().to_string();
        let text = read_text(path, MAX_INVENTORY_BYTES).map_err(|e| match e {
            ReadError::Io(source) => InventoryError::Read {
                path: escape(&shown).into_owned(),
                source,
            },
            ReadError::Other(detail) => InventoryError::Unreadable {
                path: escape(&shown).into_owned(),
                detail,
            },
        })?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match ext.as_str() {
            "yml" | "yaml" => Inventory::from_yaml(&text, path),
            "toml" => Inventory::from_toml(&text, path),
            _ => Err(InventoryError::Format {
                path: escape(&shown).into_owned(),
            }),
        }
    }

    /// Parses an Ansible YAML inventory; `path` is where it came from (for errors, and the
    /// folder relative paths are resolved against).
    pub fn from_yaml(text: &str, path: &Path) -> Result<Inventory, InventoryError> {
        AnsibleReader::new(path).read(text)
    }

    /// Parses a TOML inventory (`[[router]]` tables).
    pub fn from_toml(text: &str, path: &Path) -> Result<Inventory, InventoryError> {
        read_toml(text, path)
    }

    /// The router called `name`, if any.
    pub fn router(&self, name: &str) -> Option<&InventoryRouter> {
        self.routers.iter().find(|r| r.name == name)
    }
}

/// The folder relative paths in `inventory` are resolved against.
fn base_dir(inventory: &Path) -> PathBuf {
    match inventory.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn is_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

/// `{{ lookup('env', 'VAR') }}` (also `ansible.builtin.env`, either quotes, any spacing): `VAR`.
pub(crate) fn env_lookup(text: &str) -> Option<String> {
    let inner = text.trim().strip_prefix("{{")?.strip_suffix("}}")?.trim();
    let args = inner.strip_prefix("lookup")?.trim_start();
    let args = args.strip_prefix('(')?.strip_suffix(')')?;
    let mut parts = args.split(',').map(str::trim);
    let unquote = |s: &str| {
        let s = s.strip_prefix('\'').and_then(|s| s.strip_suffix('\''));
        s.map(str::to_string)
    };
    let unquote_any = |s: &str| {
        unquote(s).or_else(|| {
            s.strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .map(str::to_string)
        })
    };
    let plugin = unquote_any(parts.next()?)?;
    if plugin != "env" && plugin != "ansible.builtin.env" {
        return None;
    }
    let var = unquote_any(parts.next()?)?;
    if parts.next().is_some() || !valid_env_name(&var) {
        return None;
    }
    Some(var)
}

/// A portable environment variable name: letters, digits, `_`, not starting with a digit.
pub(crate) fn valid_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// What to write instead of a password in the inventory.
const PASSWORD_ADVICE: &str = "passwords never sit in the inventory: use chrlab_password_env: VAR, chrlab_password_file: FILE, or ansible_password: \"{{ lookup('env', 'VAR') }}\"";

/// The variables chrlab reads, by their meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Host,
    Port,
    User,
    Password,
    Profile,
}

/// A variable's value, checked, and where it was set.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Setting {
    value: Val,
    field: String,
    line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Val {
    Text(String),
    Port(u16),
    PasswordEnv(String),
    PasswordFile(PathBuf),
    Profile(PathBuf),
}

/// The chrlab variables of one `vars:` block or one host's own variables.
type Vars = BTreeMap<Key, Setting>;

/// The `chrlab_*` variables there are.
const CHRLAB_VARS: [&str; 3] = [
    "chrlab_profile",
    "chrlab_password_env",
    "chrlab_password_file",
];

/// A group as the YAML declares it (possibly over several places).
#[derive(Debug, Default)]
struct Group {
    line: usize,
    vars: Vars,
    hosts: Vec<String>,
    children: Vec<String>,
}

/// A host as the YAML declares it.
#[derive(Debug)]
struct Host {
    line: usize,
    /// Its own variables, from every place it is listed with some, in document order.
    vars: Vec<Vars>,
    /// The groups it is listed in directly, in document order.
    groups: Vec<String>,
}

struct AnsibleReader {
    path: PathBuf,
    shown: String,
    groups: HashMap<String, Group>,
    group_order: Vec<String>,
    hosts: HashMap<String, Host>,
    host_order: Vec<String>,
}

impl AnsibleReader {
    fn new(path: &Path) -> AnsibleReader {
        AnsibleReader {
            path: path.to_path_buf(),
            shown: escape(&path.display().to_string()).into_owned(),
            groups: HashMap::new(),
            group_order: Vec::new(),
            hosts: HashMap::new(),
            host_order: Vec::new(),
        }
    }

    fn err(
        &self,
        line: usize,
        owner: Owner,
        field: &str,
        detail: impl Into<String>,
    ) -> InventoryError {
        InventoryError::Field {
            path: self.shown.clone(),
            line,
            owner,
            field: field.to_string(),
            detail: detail.into(),
        }
    }

    fn read(mut self, text: &str) -> Result<Inventory, InventoryError> {
        let doc = yaml::parse(text).map_err(|e| InventoryError::Syntax {
            path: self.shown.clone(),
            line: e.line,
            column: e.column,
            message: e.message,
        })?;
        let Some(doc) = doc.filter(|d| !d.is_null()) else {
            return Err(InventoryError::Empty {
                path: self.shown.clone(),
            });
        };
        let Value::Map(top) = &doc.value else {
            return Err(self.err(
                doc.line,
                Owner::File,
                "inventory",
                format!(
                    "expected a mapping of groups (all: {{hosts: …, children: …}}), found {}",
                    doc.kind()
                ),
            ));
        };
        self.group("all", 0, None)?;
        for (key, body) in top {
            let name = self.name_of(key, Owner::File, "group")?;
            self.group(&name, key.line, Some(body))?;
            if name != "all" {
                self.link("all", &name);
            }
        }
        self.resolve()
    }

    /// A key's text as a host or group name.
    fn name_of(&self, key: &Node, owner: Owner, what: &str) -> Result<String, InventoryError> {
        match key.scalar() {
            Some(s) if !s.trim().is_empty() && !key.is_null() => Ok(s.to_string()),
            _ => Err(self.err(
                key.line,
                owner,
                what,
                format!(
                    "a {what} name must be a non-empty text, found {}",
                    key.kind()
                ),
            )),
        }
    }

    fn link(&mut self, parent: &str, child: &str) {
        if let Some(p) = self.groups.get_mut(parent)
            && !p.children.iter().any(|c| c == child)
        {
            p.children.push(child.to_string());
        }
    }

    /// Declares (or extends) group `name` from its body.
    fn group(
        &mut self,
        name: &str,
        line: usize,
        body: Option<&Node>,
    ) -> Result<(), InventoryError> {
        if !self.groups.contains_key(name) {
            self.groups.insert(
                name.to_string(),
                Group {
                    line,
                    ..Group::default()
                },
            );
            self.group_order.push(name.to_string());
        }
        let Some(body) = body.filter(|b| !b.is_null()) else {
            return Ok(());
        };
        let owner = || Owner::Group(name.to_string());
        let Value::Map(entries) = &body.value else {
            return Err(self.err(
                body.line,
                owner(),
                name,
                format!(
                    "a group is a mapping with hosts, vars and children, found {}",
                    body.kind()
                ),
            ));
        };
        for (key, value) in entries {
            match key.scalar() {
                Some("hosts") => self.hosts_of(name, value)?,
                Some("vars") => {
                    let vars = self.vars(value, owner(), "vars")?;
                    let group = self.groups.get_mut(name).expect("declared above");
                    group.vars.extend(vars);
                }
                Some("children") => {
                    if value.is_null() {
                        continue;
                    }
                    let Value::Map(children) = &value.value else {
                        return Err(self.err(
                            value.line,
                            owner(),
                            "children",
                            format!("expected a mapping of groups, found {}", value.kind()),
                        ));
                    };
                    for (ckey, cbody) in children {
                        let child = self.name_of(ckey, owner(), "group")?;
                        if child == "all" {
                            return Err(self.err(
                                ckey.line,
                                owner(),
                                "children",
                                "`all` is every group's parent; it cannot be a child",
                            ));
                        }
                        self.group(&child, ckey.line, Some(cbody))?;
                        self.link(name, &child);
                    }
                }
                other => {
                    let shown = other
                        .map_or_else(|| key.kind().to_string(), |s| format!("`{}`", escape(s)));
                    return Err(self.err(
                        key.line,
                        owner(),
                        other.unwrap_or("?"),
                        format!(
                            "unknown key {shown} in a group (expected hosts, vars or children; a host's variables go under hosts: {{NAME: {{…}}}})"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn hosts_of(&mut self, group: &str, value: &Node) -> Result<(), InventoryError> {
        if value.is_null() {
            return Ok(());
        }
        let Value::Map(hosts) = &value.value else {
            return Err(self.err(
                value.line,
                Owner::Group(group.to_string()),
                "hosts",
                format!(
                    "expected a mapping of host names (hosts: {{r1: , r2: {{ansible_host: …}}}}), found {}",
                    value.kind()
                ),
            ));
        };
        for (key, vars) in hosts {
            let pattern = self.name_of(key, Owner::Group(group.to_string()), "host")?;
            let names = expand_range(&pattern).map_err(|detail| {
                self.err(key.line, Owner::Host(pattern.clone()), "host", detail)
            })?;
            let parsed = if vars.is_null() {
                None
            } else {
                Some(self.vars(vars, Owner::Host(pattern.clone()), "host")?)
            };
            for name in names {
                if !self.hosts.contains_key(&name) {
                    self.hosts.insert(
                        name.clone(),
                        Host {
                            line: key.line,
                            vars: Vec::new(),
                            groups: Vec::new(),
                        },
                    );
                    self.host_order.push(name.clone());
                }
                let host = self.hosts.get_mut(&name).expect("inserted above");
                if let Some(v) = &parsed {
                    host.vars.push(v.clone());
                }
                if !host.groups.iter().any(|g| g == group) {
                    host.groups.push(group.to_string());
                }
                let g = self.groups.get_mut(group).expect("declared");
                if !g.hosts.contains(&name) {
                    g.hosts.push(name);
                }
            }
        }
        Ok(())
    }

    /// The chrlab variables of a `vars:` block or a host's mapping.
    fn vars(&self, node: &Node, owner: Owner, field: &str) -> Result<Vars, InventoryError> {
        let Value::Map(entries) = &node.value else {
            return Err(self.err(
                node.line,
                owner,
                field,
                format!("expected a mapping of variables, found {}", node.kind()),
            ));
        };
        let base = base_dir(&self.path);
        let mut vars = Vars::new();
        for (key, value) in entries {
            let Some(name) = key.scalar() else { continue };
            let at = key.line;
            let bad = |detail: String| self.err(at, owner.clone(), name, detail);
            let text = |what: &str| -> Result<String, InventoryError> {
                if value.tag() == Some("!vault") {
                    return Err(bad(format!(
                        "an !vault value is not read ({PASSWORD_ADVICE})"
                    )));
                }
                match value.scalar() {
                    Some(s) if !value.is_null() && !s.is_empty() => {
                        if is_template(s) {
                            Err(bad(format!(
                                "{what} must be a plain value: templates are not evaluated"
                            )))
                        } else {
                            Ok(s.to_string())
                        }
                    }
                    _ => Err(bad(format!("expected {what}, found {}", value.kind()))),
                }
            };
            let (k, v) = match name {
                "ansible_host" => (
                    Key::Host,
                    Val::Text(host_text(&text("an address or host name")?).map_err(bad)?),
                ),
                "ansible_port" => {
                    let t = text("a port number")?;
                    let port =
                        t.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(|| {
                            bad(format!("`{}` is not a port (1-65535)", escape(&t)))
                        })?;
                    (Key::Port, Val::Port(port))
                }
                "ansible_user" => {
                    let user = text("a user name")?;
                    if user
                        .chars()
                        .any(|c| c.is_whitespace() || c == '@' || c == ':' || c.is_control())
                    {
                        return Err(bad(format!(
                            "`{}` is not a RouterOS user name",
                            escape(&user)
                        )));
                    }
                    (Key::User, Val::Text(user))
                }
                "ansible_password" | "ansible_ssh_pass" | "ansible_ssh_password" => {
                    if value.tag() == Some("!vault") {
                        return Err(bad(format!(
                            "an !vault password is not read ({PASSWORD_ADVICE})"
                        )));
                    }
                    match value.scalar().and_then(env_lookup) {
                        Some(var) => (Key::Password, Val::PasswordEnv(var)),
                        None if value.scalar().is_some_and(is_template) => {
                            return Err(bad(format!(
                                "only {{{{ lookup('env', 'VAR') }}}} is understood here ({PASSWORD_ADVICE})"
                            )));
                        }
                        None => {
                            return Err(bad(format!(
                                "a literal password is refused ({PASSWORD_ADVICE})"
                            )));
                        }
                    }
                }
                "chrlab_password_env" => {
                    let var = text("an environment variable's name")?;
                    if !valid_env_name(&var) {
                        return Err(bad(format!(
                            "`{}` is not an environment variable's name",
                            escape(&var)
                        )));
                    }
                    (Key::Password, Val::PasswordEnv(var))
                }
                "chrlab_password_file" => {
                    (Key::Password, Val::PasswordFile(base.join(text("a file")?)))
                }
                "chrlab_profile" => (
                    Key::Profile,
                    Val::Profile(base.join(text("a profile file")?)),
                ),
                other if other.starts_with("chrlab_") => {
                    let close = CHRLAB_VARS
                        .iter()
                        .find(|c| similar(c, other))
                        .map(|c| format!(" (did you mean {c}?)"))
                        .unwrap_or_default();
                    return Err(bad(format!(
                        "unknown chrlab variable{close}; chrlab reads {}",
                        CHRLAB_VARS.join(", ")
                    )));
                }
                _ => continue, // Ansible's, not chrlab's
            };
            if let Some(prev) = vars.get(&k)
                && k == Key::Password
            {
                return Err(bad(format!(
                    "a second password source beside {} on line {}: keep one",
                    prev.field, prev.line
                )));
            }
            vars.insert(
                k,
                Setting {
                    value: v,
                    field: name.to_string(),
                    line: at,
                },
            );
        }
        Ok(vars)
    }

    /// Each group's depth below `all` (the longest path, as Ansible counts it); a cycle is an error.
    fn depths(&self) -> Result<HashMap<String, usize>, InventoryError> {
        let mut depth: HashMap<String, usize> = HashMap::new();
        // Longest path in a DAG, checking for cycles with an explicit walk.
        fn walk(
            reader: &AnsibleReader,
            name: &str,
            d: usize,
            path: &mut Vec<String>,
            depth: &mut HashMap<String, usize>,
        ) -> Result<(), InventoryError> {
            if path.iter().any(|p| p == name) {
                let line = reader.groups.get(name).map_or(0, |g| g.line);
                return Err(reader.err(
                    line,
                    Owner::Group(name.to_string()),
                    "children",
                    format!(
                        "the group is its own descendant ({} → {name})",
                        path.join(" → ")
                    ),
                ));
            }
            if depth.get(name).is_some_and(|old| *old >= d) && !path.is_empty() {
                return Ok(());
            }
            depth.insert(name.to_string(), d);
            path.push(name.to_string());
            if let Some(g) = reader.groups.get(name) {
                for c in &g.children {
                    walk(reader, c, d + 1, path, depth)?;
                }
            }
            path.pop();
            Ok(())
        }
        walk(self, "all", 0, &mut Vec::new(), &mut depth)?;
        Ok(depth)
    }

    fn resolve(self) -> Result<Inventory, InventoryError> {
        let depth = self.depths()?;
        // Each group's parents, to find a host's ancestors.
        let mut parents: HashMap<&str, Vec<&str>> = HashMap::new();
        for name in &self.group_order {
            for c in &self.groups[name].children {
                parents.entry(c.as_str()).or_default().push(name.as_str());
            }
        }
        let mut routers = Vec::new();
        for name in &self.host_order {
            let host = &self.hosts[name];
            let mut groups: Vec<&str> = Vec::new();
            let mut todo: Vec<&str> = host.groups.iter().map(String::as_str).collect();
            todo.push("all");
            while let Some(g) = todo.pop() {
                if !groups.contains(&g) {
                    groups.push(g);
                    todo.extend(parents.get(g).into_iter().flatten().copied());
                }
            }
            groups.sort_by(|a, b| depth.get(*a).cmp(&depth.get(*b)).then(a.cmp(b)));
            let mut vars: BTreeMap<Key, Setting> = BTreeMap::new();
            for g in &groups {
                vars.extend(self.groups[*g].vars.clone());
            }
            for v in &host.vars {
                vars.extend(v.clone());
            }
            let group = host
                .groups
                .iter()
                .filter(|g| *g != "all" && *g != "ungrouped")
                .max_by_key(|g| {
                    (
                        depth.get(g.as_str()).copied().unwrap_or(0),
                        std::cmp::Reverse(host.groups.iter().position(|x| x == *g)),
                    )
                })
                .cloned();
            routers.push(self.router(name, host.line, group, &vars)?);
        }
        if routers.is_empty() {
            return Err(InventoryError::Empty { path: self.shown });
        }
        Ok(Inventory {
            path: self.path,
            routers,
        })
    }

    fn router(
        &self,
        name: &str,
        line: usize,
        group: Option<String>,
        vars: &Vars,
    ) -> Result<InventoryRouter, InventoryError> {
        let origin = |line| Origin {
            file: self.path.clone(),
            line,
        };
        let text = |k| match vars.get(&k).map(|s| &s.value) {
            Some(Val::Text(t)) => Some(t.clone()),
            _ => None,
        };
        let host = match text(Key::Host) {
            Some(h) => h,
            None => host_text(name).map_err(|detail| {
                self.err(
                    line,
                    Owner::Host(name.to_string()),
                    "ansible_host",
                    format!("the name is not an address or host name and no ansible_host is set: {detail}"),
                )
            })?,
        };
        let port = match vars.get(&Key::Port).map(|s| &s.value) {
            Some(Val::Port(p)) => *p,
            _ => 22,
        };
        let password = match vars.get(&Key::Password) {
            Some(Setting {
                value: Val::PasswordEnv(var),
                field,
                line,
            }) => PasswordSource::Env {
                var: var.clone(),
                field: field.clone(),
                origin: origin(*line),
            },
            Some(Setting {
                value: Val::PasswordFile(path),
                field,
                line,
            }) => PasswordSource::File {
                path: path.clone(),
                field: field.clone(),
                origin: origin(*line),
            },
            _ => PasswordSource::None,
        };
        let profile = match vars.get(&Key::Profile) {
            Some(Setting {
                value: Val::Profile(path),
                field,
                line,
            }) => Some(ProfileRef {
                path: path.clone(),
                field: field.clone(),
                origin: origin(*line),
            }),
            _ => None,
        };
        Ok(InventoryRouter {
            name: name.to_string(),
            host,
            port,
            user: text(Key::User).unwrap_or_else(|| "admin".into()),
            group,
            profile,
            password,
            origin: origin(line),
        })
    }
}

/// Whether `a` and `b` differ by at most two edits (a typo).
fn similar(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()] <= 2
}

/// Checks an address or host name (IPv6 without brackets).
fn host_text(text: &str) -> Result<String, String> {
    let t = text.trim();
    if t.parse::<std::net::IpAddr>().is_ok() {
        return Ok(t.to_string());
    }
    let ok = !t.is_empty()
        && t.len() <= 253
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_');
    if ok {
        Ok(t.to_string())
    } else {
        Err(format!("`{}` is not an address or host name", escape(t)))
    }
}

/// Expands Ansible's numeric host range `r[01:12]` (one range, optional `:step`); a name
/// without brackets is itself.
fn expand_range(pattern: &str) -> Result<Vec<String>, String> {
    let Some(open) = pattern.find('[') else {
        return Ok(vec![pattern.to_string()]);
    };
    let close = pattern[open..]
        .find(']')
        .map(|c| open + c)
        .ok_or("`[` without `]` in a host range")?;
    let (prefix, range, suffix) = (
        &pattern[..open],
        &pattern[open + 1..close],
        &pattern[close + 1..],
    );
    if suffix.contains('[') {
        return Err("only one [start:end] range per host name is read".into());
    }
    let mut parts = range.split(':');
    let (Some(a), Some(b)) = (parts.next(), parts.next()) else {
        return Err(format!("`[{range}]` is not a range [start:end]"));
    };
    let step = match parts.next() {
        Some(s) => s
            .parse::<u64>()
            .ok()
            .filter(|s| *s > 0)
            .ok_or(format!("bad step in `[{range}]`"))?,
        None => 1,
    };
    let (Ok(start), Ok(end)) = (a.parse::<u64>(), b.parse::<u64>()) else {
        return Err(format!("`[{range}]`: only numeric ranges are read"));
    };
    if start > end || end - start > 100_000 {
        return Err(format!("`[{range}]` is empty or too large"));
    }
    let width = if a.len() > 1 && a.starts_with('0') {
        a.len()
    } else {
        0
    };
    Ok((start..=end)
        .step_by(step as usize)
        .map(|n| format!("{prefix}{n:0width$}{suffix}"))
        .collect())
}

/// One `[[router]]` table of a TOML inventory.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlRouter {
    name: toml::Spanned<String>,
    host: Option<toml::Spanned<String>>,
    port: Option<toml::Spanned<u16>>,
    user: Option<toml::Spanned<String>>,
    group: Option<String>,
    profile: Option<toml::Spanned<String>>,
    password_env: Option<toml::Spanned<String>>,
    password_file: Option<toml::Spanned<String>>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlInventory {
    #[serde(default)]
    router: Vec<toml::Spanned<TomlRouter>>,
}

/// The 1-based line of byte offset `at` in `text`.
fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn read_toml(text: &str, path: &Path) -> Result<Inventory, InventoryError> {
    let shown = escape(&path.display().to_string()).into_owned();
    let parsed: TomlInventory = toml::from_str(text).map_err(|e| {
        let at = e.span().map_or(0, |s| s.start);
        let line = line_of(text, at);
        let start = text[..at.min(text.len())].rfind('\n').map_or(0, |p| p + 1);
        InventoryError::Syntax {
            path: shown.clone(),
            line,
            column: at.saturating_sub(start) + 1,
            message: e.message().trim().to_string(),
        }
    })?;
    let base = base_dir(path);
    let mut routers: Vec<InventoryRouter> = Vec::new();
    let origin = |span: std::ops::Range<usize>| Origin {
        file: path.to_path_buf(),
        line: line_of(text, span.start),
    };
    for table in parsed.router {
        let line = line_of(text, table.span().start);
        let r = table.into_inner();
        let name = r.name.get_ref().trim().to_string();
        let err =
            |span: std::ops::Range<usize>, field: &str, detail: String| InventoryError::Field {
                path: shown.clone(),
                line: line_of(text, span.start),
                owner: Owner::Host(name.clone()),
                field: field.to_string(),
                detail,
            };
        if name.is_empty() {
            return Err(err(r.name.span(), "name", "a router needs a name".into()));
        }
        if let Some(first) = routers.iter().find(|o| o.name == name) {
            return Err(err(
                r.name.span(),
                "name",
                format!(
                    "a second router of this name (the first is on line {})",
                    first.origin.line
                ),
            ));
        }
        let host = match &r.host {
            Some(h) => host_text(h.get_ref()).map_err(|d| err(h.span(), "host", d))?,
            None => host_text(&name).map_err(|d| {
                err(
                    r.name.span(),
                    "host",
                    format!("no host given and the name is not one: {d}"),
                )
            })?,
        };
        let port = match &r.port {
            Some(p) if *p.get_ref() == 0 => {
                return Err(err(p.span(), "port", "port must be 1-65535".into()));
            }
            Some(p) => *p.get_ref(),
            None => 22,
        };
        let user = match &r.user {
            Some(u) => {
                let t = u.get_ref();
                if t.is_empty()
                    || t.chars()
                        .any(|c| c.is_whitespace() || c == '@' || c == ':' || c.is_control())
                {
                    return Err(err(
                        u.span(),
                        "user",
                        format!("`{}` is not a RouterOS user name", escape(t)),
                    ));
                }
                t.clone()
            }
            None => "admin".into(),
        };
        let password = match (&r.password_env, &r.password_file) {
            (Some(e), Some(_)) => {
                return Err(err(
                    e.span(),
                    "password_env",
                    "password_env and password_file both set: keep one".into(),
                ));
            }
            (Some(e), None) => {
                if !valid_env_name(e.get_ref()) {
                    return Err(err(
                        e.span(),
                        "password_env",
                        format!(
                            "`{}` is not an environment variable's name",
                            escape(e.get_ref())
                        ),
                    ));
                }
                PasswordSource::Env {
                    var: e.get_ref().clone(),
                    field: "password_env".into(),
                    origin: origin(e.span()),
                }
            }
            (None, Some(f)) => {
                if f.get_ref().is_empty() {
                    return Err(err(f.span(), "password_file", "empty file name".into()));
                }
                PasswordSource::File {
                    path: base.join(f.get_ref()),
                    field: "password_file".into(),
                    origin: origin(f.span()),
                }
            }
            (None, None) => PasswordSource::None,
        };
        let profile = match &r.profile {
            Some(p) if p.get_ref().is_empty() => {
                return Err(err(p.span(), "profile", "empty file name".into()));
            }
            Some(p) => Some(ProfileRef {
                path: base.join(p.get_ref()),
                field: "profile".into(),
                origin: origin(p.span()),
            }),
            None => None,
        };
        routers.push(InventoryRouter {
            name,
            host,
            port,
            user,
            group: r.group.filter(|g| !g.is_empty()),
            profile,
            password,
            origin: Origin {
                file: path.to_path_buf(),
                line,
            },
        });
    }
    if routers.is_empty() {
        return Err(InventoryError::Empty { path: shown });
    }
    Ok(Inventory {
        path: path.to_path_buf(),
        routers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_env_lookup_idiom_is_read_in_its_common_spellings() {
        for (text, var) in [
            ("{{ lookup('env', 'RTR_PW') }}", Some("RTR_PW")),
            ("{{lookup(\"env\",\"RTR_PW\")}}", Some("RTR_PW")),
            ("{{ lookup('ansible.builtin.env', 'X1') }}", Some("X1")),
            ("{{ lookup('file', '/etc/pw') }}", None),
            ("{{ lookup('env', 'A B') }}", None),
            ("{{ pw }}", None),
            ("hunter2", None),
        ] {
            assert_eq!(env_lookup(text).as_deref(), var, "{text}");
        }
    }

    #[test]
    fn host_ranges_expand_as_ansible_does() {
        assert_eq!(expand_range("r[1:3]").unwrap(), ["r1", "r2", "r3"]);
        assert_eq!(
            expand_range("r[08:10].lab").unwrap(),
            ["r08.lab", "r09.lab", "r10.lab"]
        );
        assert_eq!(expand_range("r[0:4:2]").unwrap(), ["r0", "r2", "r4"]);
        assert!(expand_range("r[a:c]").is_err());
        assert!(expand_range("r[3:1]").is_err());
        assert_eq!(expand_range("plain").unwrap(), ["plain"]);
    }

    #[test]
    fn typos_are_close() {
        assert!(similar("chrlab_profile", "chrlab_profil"));
        assert!(!similar("chrlab_profile", "chrlab_password_env"));
    }
}
