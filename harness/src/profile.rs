//! Hardening profiles: the five measures as data, loaded from TOML (`profiles/baseline.toml` first).
//!
//! Loading rejects unknown keys, and every error names the file, the line and the field:
//! `profiles/x.toml:12: field \`users.password_policy.min_length\`: must be at least 12, got 8`.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::Path;
use std::str::FromStr;

pub use routeros::firewall::RejectWith;
pub use routeros::service::ServiceName;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::cve::{self, Cve};
use crate::printable::{escape, excerpt};
use crate::secret::{MAX_POLICY_LENGTH, MIN_POLICY_LENGTH};
use crate::user_files::{OpenError, file_kind};

pub use crate::measures::firewall::{FirewallAction, FirewallPolicy};
pub use crate::measures::logging::{Collector, LoggingPolicy};
pub use crate::measures::services::ServicesPolicy;
pub use crate::measures::update::{ExtraVulnerability, UpdatePolicy};
pub use crate::measures::users::{DefaultAdmin, UsersPolicy};

/// The default baseline, compiled in (the same text as `profiles/baseline.toml`).
pub const BASELINE_TOML: &str = include_str!("../../profiles/baseline.toml");

/// Name of the firewall address list that holds the allowed management sources.
pub const MGMT_ADDRESS_LIST: &str = "chrlab-mgmt";

/// The largest profile file [`Profile::load`] reads (1 MiB; the baseline is about 5 KiB).
pub const MAX_PROFILE_BYTES: u64 = 1 << 20;
/// The longest profile path accepted, in bytes (Linux's `PATH_MAX`).
pub const MAX_PATH_BYTES: usize = 4096;
/// The longest path component accepted, in bytes (Linux's `NAME_MAX`).
pub const MAX_PATH_COMPONENT_BYTES: usize = 255;

/// The longest user or group name a profile may give. RouterOS documents no maximum (its manual:
/// a user name "must start and end with an alphanumeric character but can include `_`, `.`, `#`,
/// `-`, and `@`", [DOC authentication-authorization-accounting/user.md]); 64 is chrlab's own,
/// conservative limit.
pub const MAX_NAME_CHARS: usize = 64;
/// The longest logging topic or action name (RouterOS's topics are short words: `critical`, `account`).
pub const MAX_TOPIC_CHARS: usize = 32;
/// The longest `update.extra_vulnerable[].id`.
pub const MAX_ID_CHARS: usize = 64;
/// The longest `update.extra_vulnerable[].summary`.
pub const MAX_SUMMARY_CHARS: usize = 256;

/// A hardening profile: what the five measures require of the router.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Measure 1: security updates.
    pub update: UpdatePolicy,
    /// Measure 2: management services.
    pub services: ServicesPolicy,
    /// Measure 3: input-chain firewall.
    pub firewall: FirewallPolicy,
    /// Measure 4: users.
    pub users: UsersPolicy,
    /// Measure 5: logging.
    pub logging: LoggingPolicy,
    /// Layer-2 access: MAC-Telnet, MAC-WinBox, MAC ping, neighbor discovery (absent: MikroTik's
    /// recommendation, none of them anywhere).
    #[serde(default)]
    pub layer2: crate::measures::layer2::Layer2Policy,
    /// Other listeners (absent: all off, MikroTik's recommendation).
    #[serde(default)]
    pub listeners: crate::measures::listeners::ListenersPolicy,
    /// SSH crypto (absent: strong crypto only).
    #[serde(default)]
    pub ssh: crate::measures::ssh::SshPolicy,
    /// IPv6 (absent: an IPv6 input chain mirroring the IPv4 one).
    #[serde(default)]
    pub ipv6: crate::measures::ipv6::Ipv6Policy,
    /// The input chain as a whole (absent: closed, MikroTik's recommendation).
    #[serde(default)]
    pub input: crate::measures::input::InputPolicy,
    /// The device: unused interfaces, device-mode (absent: unused interfaces disabled, the
    /// default device-mode features off).
    #[serde(default)]
    pub device: crate::measures::device::DevicePolicy,
    /// Accepted failures, each for a reason until a date ([`crate::waiver`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<crate::waiver::Waiver>,
}

/// `true`, as a serde default.
pub(crate) fn yes() -> bool {
    true
}

/// An IPv4 or IPv6 prefix: `192.0.2.0/24`, `192.0.2.10` (= /32), `2001:db8::/32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

/// Why a text is not a prefix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CidrError {
    /// The prefix length is longer than the address.
    #[error("prefix length {prefix} is longer than {max}")]
    TooLong {
        /// The length given.
        prefix: u8,
        /// 32 or 128.
        max: u8,
    },
    /// Bits beyond the prefix are set.
    #[error("{addr}/{prefix} has host bits set (the network is {network}/{prefix})")]
    HostBits {
        /// The address given.
        addr: IpAddr,
        /// The length given.
        prefix: u8,
        /// The network it would be.
        network: IpAddr,
    },
    /// The length after `/` is not a number.
    #[error("bad prefix length `{length}` in `{text}`")]
    BadLength {
        /// The length text.
        length: String,
        /// The whole text.
        text: String,
    },
    /// The address is not an IP address.
    #[error("`{0}` is not an IP address or prefix")]
    NotAnAddress(String),
}

impl Cidr {
    /// A prefix; host bits must be zero.
    pub fn new(addr: IpAddr, prefix: u8) -> Result<Cidr, CidrError> {
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(CidrError::TooLong { prefix, max });
        }
        let c = Cidr { addr, prefix };
        if c.network() != addr {
            return Err(CidrError::HostBits {
                addr,
                prefix,
                network: c.network(),
            });
        }
        Ok(c)
    }

    /// A single host (/32 or /128).
    pub fn host(addr: IpAddr) -> Cidr {
        Cidr {
            addr,
            prefix: if addr.is_ipv4() { 32 } else { 128 },
        }
    }

    /// The network address.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    fn network(&self) -> IpAddr {
        match self.addr {
            IpAddr::V4(a) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                IpAddr::V4((u32::from(a) & mask).into())
            }
            IpAddr::V6(a) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                IpAddr::V6((u128::from(a) & mask).into())
            }
        }
    }

    /// Whether `ip` lies in this prefix.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => {
                Cidr {
                    addr: ip,
                    prefix: self.prefix,
                }
                .network()
                    == self.addr
            }
            _ => false,
        }
    }

    /// Whether this is a single host.
    pub fn is_host(&self) -> bool {
        self.prefix == if self.addr.is_ipv4() { 32 } else { 128 }
    }

    /// How RouterOS prints it in an address list: a bare address for a host, else `a/n`.
    pub fn routeros_form(&self) -> String {
        if self.is_host() {
            self.addr.to_string()
        } else {
            self.to_string()
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl FromStr for Cidr {
    type Err = CidrError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (addr_text, prefix) = match s.split_once('/') {
            Some((a, p)) => {
                let p: u8 = p.parse().map_err(|_| CidrError::BadLength {
                    length: p.to_string(),
                    text: s.to_string(),
                })?;
                (a, Some(p))
            }
            None => (s, None),
        };
        let addr: IpAddr = addr_text
            .parse()
            .map_err(|_| CidrError::NotAnAddress(s.to_string()))?;
        match prefix {
            None => Ok(Cidr::host(addr)),
            Some(p) => Cidr::new(addr, p),
        }
    }
}

impl Serialize for Cidr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Why a profile could not be loaded. Display: `FILE[:LINE]: [field `F`: ]MESSAGE`.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The file could not be opened or read.
    #[error("cannot read profile {path}")]
    Read {
        /// The file.
        path: String,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// The path is longer than Linux accepts (`PATH_MAX`, or `NAME_MAX` for one component).
    #[error("cannot read profile {path}: the path is too long ({len} bytes, at most {max})")]
    PathTooLong {
        /// The start of the path.
        path: String,
        /// Its length in bytes (of the whole path or of the offending component).
        len: usize,
        /// The limit that was exceeded.
        max: usize,
    },
    /// The path names a directory, FIFO, device or socket, not a regular file.
    #[error("cannot read profile {path}: it is a {kind}, not a regular file")]
    NotRegular {
        /// The file.
        path: String,
        /// What it is (`directory`, `FIFO`, `character device`, …).
        kind: &'static str,
    },
    /// The file is larger than [`MAX_PROFILE_BYTES`].
    #[error("cannot read profile {path}: it has {size} bytes or more, at most {max} are read")]
    TooLarge {
        /// The file.
        path: String,
        /// Its size as seen (at least this many bytes).
        size: u64,
        /// [`MAX_PROFILE_BYTES`].
        max: u64,
    },
    /// The file is not UTF-8 text.
    #[error("{path}:{line}: not UTF-8 text: invalid byte at offset {offset} (column {column})")]
    NotUtf8 {
        /// The file.
        path: String,
        /// Byte offset of the first invalid byte.
        offset: usize,
        /// Its 1-based line.
        line: usize,
        /// Its 1-based byte column.
        column: usize,
        /// The decoding error.
        #[source]
        source: std::str::Utf8Error,
    },
    /// Syntax, type or validation error.
    #[error("{}", invalid_text(.path, *.line, .field.as_deref(), .message))]
    Invalid {
        /// The file (or origin name).
        path: String,
        /// 1-based line, when known.
        line: Option<usize>,
        /// Dotted field path (`users.password_policy.min_length`), when known.
        field: Option<String>,
        /// What is wrong.
        message: String,
    },
}

fn invalid_text(path: &str, line: Option<usize>, field: Option<&str>, message: &str) -> String {
    let mut s = path.to_string();
    if let Some(l) = line {
        s.push_str(&format!(":{l}"));
    }
    s.push_str(": ");
    if let Some(f) = field {
        s.push_str(&format!("field `{f}`: "));
    }
    s.push_str(message);
    s
}

impl ProfileError {
    /// The line number, if the error has one.
    pub fn line(&self) -> Option<usize> {
        match self {
            ProfileError::Invalid { line, .. } => *line,
            ProfileError::NotUtf8 { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// The dotted field path, if the error has one.
    pub fn field(&self) -> Option<&str> {
        match self {
            ProfileError::Invalid { field, .. } => field.as_deref(),
            _ => None,
        }
    }
}

/// A semantic problem found by [`Profile::validate`]: the dotted field path and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Dotted path, e.g. `services.ports.ssh`.
    pub field: String,
    /// What is wrong (never contains a password).
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "field `{}`: {}", self.field, self.message)
    }
}

impl Profile {
    /// Reads, parses and validates a profile file.
    ///
    /// Reads only a regular file of at most [`MAX_PROFILE_BYTES`]: a directory, FIFO, device
    /// (`/dev/zero`) or socket is refused before it is read. The path is checked with `stat`
    /// first (so a FIFO is never opened), then opened with `O_NONBLOCK` and checked again on the
    /// open descriptor, so a file swapped for a FIFO in between neither blocks the open nor gets
    /// read; the read itself stops after [`MAX_PROFILE_BYTES`] + 1 bytes.
    pub fn load(path: &Path) -> Result<Profile, ProfileError> {
        use std::io::Read as _;
        use std::os::unix::ffi::OsStrExt as _;

        let bytes_len = path.as_os_str().as_bytes().len();
        let longest = path
            .components()
            .map(|c| c.as_os_str().as_bytes().len())
            .max()
            .unwrap_or(0);
        if bytes_len > MAX_PATH_BYTES || longest > MAX_PATH_COMPONENT_BYTES {
            let (len, max) = if bytes_len > MAX_PATH_BYTES {
                (bytes_len, MAX_PATH_BYTES)
            } else {
                (longest, MAX_PATH_COMPONENT_BYTES)
            };
            return Err(ProfileError::PathTooLong {
                path: excerpt(&path.display().to_string(), 60),
                len,
                max,
            });
        }
        let shown = escape(&path.display().to_string()).into_owned();
        let read_error = |source| ProfileError::Read {
            path: shown.clone(),
            source,
        };
        let (file, meta) = crate::user_files::open_regular(path).map_err(|e| match e {
            OpenError::Io(source) => read_error(source),
            OpenError::NotRegular(t) => ProfileError::NotRegular {
                path: shown.clone(),
                kind: file_kind(t),
            },
        })?;
        let too_large = |size: u64| ProfileError::TooLarge {
            path: shown.clone(),
            size,
            max: MAX_PROFILE_BYTES,
        };
        if meta.len() > MAX_PROFILE_BYTES {
            return Err(too_large(meta.len()));
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.take(MAX_PROFILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(read_error)?;
        if bytes.len() as u64 > MAX_PROFILE_BYTES {
            return Err(too_large(bytes.len() as u64));
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            let source = e.utf8_error();
            let offset = source.valid_up_to();
            let before = &e.as_bytes()[..offset];
            let line_start = before
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |p| p + 1);
            ProfileError::NotUtf8 {
                path: shown.clone(),
                offset,
                line: before.iter().filter(|b| **b == b'\n').count() + 1,
                column: offset - line_start + 1,
                source,
            }
        })?;
        Profile::from_toml(&text, &shown)
    }

    /// Parses and validates TOML text; `origin` names it in errors (a path, or `<baseline>`).
    pub fn from_toml(text: &str, origin: &str) -> Result<Profile, ProfileError> {
        let profile: Profile = toml::from_str(text).map_err(|e| {
            let mut line = e.span().map(|s| line_of(text, s.start));
            let mut field = e.span().and_then(|s| field_at(text, s.start));
            // The message may quote the offending value: escaped, and cut if it is huge.
            let mut message = excerpt(e.message().trim(), 400);
            // "missing field `x`" points at the enclosing table: name the missing field itself.
            if let Some(missing) = message
                .strip_prefix("missing field `")
                .and_then(|r| r.split('`').next())
                .map(str::to_string)
            {
                let parent = field.filter(|f| header_names(text).contains(f));
                field = Some(match parent {
                    Some(p) => format!("{p}.{missing}"),
                    None => {
                        // A missing top-level section has no line of its own.
                        line = None;
                        missing
                    }
                });
                message = "missing (required)".into();
            }
            ProfileError::Invalid {
                path: origin.to_string(),
                line,
                // A key can be any quoted string: keep the field path printable and short.
                field: field.map(|f| excerpt(&f, 80)),
                message,
            }
        })?;
        profile.validate().map_err(|v| ProfileError::Invalid {
            path: origin.to_string(),
            line: locate(text, &v.field),
            field: Some(v.field),
            message: v.message,
        })?;
        tracing::debug!(origin, "profile loaded");
        Ok(profile)
    }

    /// The compiled-in default baseline.
    pub fn baseline() -> Profile {
        match Profile::from_toml(BASELINE_TOML, "profiles/baseline.toml") {
            Ok(p) => p,
            // The baseline is tested; this cannot happen in a released build.
            Err(e) => panic!("the compiled-in baseline is invalid: {e}"),
        }
    }

    /// Checks what types cannot: port clashes, policy minimums, name rules, empty allow lists.
    pub fn validate(&self) -> Result<(), Violation> {
        let bad = |field: &str, message: String| {
            Err(Violation {
                field: field.to_string(),
                message,
            })
        };
        // update
        for (i, x) in self.update.extra_vulnerable.iter().enumerate() {
            if let Some(m) = word_problem(
                &x.id,
                MAX_ID_CHARS,
                "letters, digits, `-`, `_` and `.`",
                |c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'),
            ) {
                return bad(&format!("update.extra_vulnerable[{i}].id"), m);
            }
            if let Some(m) = text_problem(&x.summary, MAX_SUMMARY_CHARS) {
                return bad(&format!("update.extra_vulnerable[{i}].summary"), m);
            }
            if x.from >= x.to {
                return bad(
                    &format!("update.extra_vulnerable[{i}].to"),
                    format!("range {}..{} is empty (`to` is exclusive)", x.from, x.to),
                );
            }
        }
        if let Some(safe) = cve::safe_min_version(&self.vulnerability_table())
            && self.update.min_version < safe
        {
            tracing::warn!(
                min_version = %self.update.min_version,
                %safe,
                "update.min_version lies inside a known vulnerable range"
            );
        }
        // services
        for (svc, port) in &self.services.ports {
            let field = format!("services.ports.{svc}");
            if self.services.disable.contains(svc) {
                return bad(
                    &field,
                    format!("service `{svc}` is disabled, so it cannot get a port"),
                );
            }
            if *port == 0 {
                return bad(&field, "port 0 is not a port".into());
            }
        }
        let mut seen: BTreeMap<u16, ServiceName> = BTreeMap::new();
        for (svc, port) in self.enabled_services() {
            if let Some(other) = seen.insert(port, svc) {
                let field = if self.services.ports.contains_key(&svc) {
                    format!("services.ports.{svc}")
                } else {
                    format!("services.ports.{other}")
                };
                return bad(
                    &field,
                    format!("port {port} is used by both `{other}` and `{svc}`"),
                );
            }
        }
        let mut disabled = self.services.disable.clone();
        disabled.sort();
        if let Some(w) = disabled.windows(2).find(|w| w[0] == w[1]) {
            return bad("services.disable", format!("`{}` is listed twice", w[0]));
        }
        // firewall
        if self.firewall.management_cidrs.is_empty() && !self.firewall.include_harness_source {
            return bad(
                "firewall.management_cidrs",
                "no allowed source: with include_harness_source = false the list must not be empty"
                    .into(),
            );
        }
        if self.firewall.reject_with.is_some() && self.firewall.action != FirewallAction::Reject {
            return bad(
                "firewall.reject_with",
                "only meaningful with action = \"reject\"".into(),
            );
        }
        if let Some(p) = self
            .firewall
            .public_ports
            .iter()
            .find(|p| **p == 0 || self.management_ports().contains(p))
        {
            return bad(
                "firewall.public_ports",
                format!("port {p} is a management port (or 0): it cannot also be public"),
            );
        }
        if self.input.public_udp_ports.contains(&0) {
            return bad("input.public_udp_ports", "port 0 is not a port".into());
        }
        if self.firewall.extra_ports.contains(&0) {
            return bad("firewall.extra_ports", "port 0 is not a port".into());
        }
        if self.management_ports().is_empty() {
            return bad(
                "firewall.extra_ports",
                "no management port to protect: every service is disabled and extra_ports is empty"
                    .into(),
            );
        }
        // users
        let u = &self.users;
        if let Some(m) = user_name_problem(&u.name) {
            return bad("users.name", m);
        }
        if u.name == u.default_admin_name {
            return bad(
                "users.name",
                format!(
                    "the new administrator must not be `{}`",
                    u.default_admin_name
                ),
            );
        }
        if let Some(m) = user_name_problem(&u.default_admin_name) {
            return bad("users.default_admin_name", m);
        }
        for (i, name) in u.allowed_privileged.iter().enumerate() {
            if let Some(m) = user_name_problem(name) {
                return bad(&format!("users.allowed_privileged[{i}]"), m);
            }
        }
        if let Some(m) = user_name_problem(&u.group) {
            return bad("users.group", m);
        }
        if u.password_policy.min_length < MIN_POLICY_LENGTH {
            return bad(
                "users.password_policy.min_length",
                format!(
                    "must be at least {MIN_POLICY_LENGTH}, got {}",
                    u.password_policy.min_length
                ),
            );
        }
        if u.password_policy.min_length > MAX_POLICY_LENGTH {
            return bad(
                "users.password_policy.min_length",
                format!(
                    "must be at most {MAX_POLICY_LENGTH}, got {}",
                    u.password_policy.min_length
                ),
            );
        }
        if let Some(p) = &u.password
            && let Err(e) = u.password_policy.check(p)
        {
            return bad(
                "users.password",
                format!("does not satisfy the policy: {e}"),
            );
        }
        // logging
        let l = &self.logging;
        if l.failed_login_topics.is_empty() {
            return bad("logging.failed_login_topics", "must not be empty".into());
        }
        if l.rule_topics.is_empty() {
            return bad("logging.rule_topics", "must not be empty".into());
        }
        for (field, topics) in [
            ("logging.failed_login_topics", &l.failed_login_topics),
            ("logging.rule_topics", &l.rule_topics),
        ] {
            for t in topics {
                if let Some(m) = word_problem(
                    t,
                    MAX_TOPIC_CHARS,
                    "lower-case letters, digits and `-`",
                    |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-',
                ) {
                    return bad(field, format!("not a topic name: {m}"));
                }
            }
        }
        if let Some(t) = l
            .rule_topics
            .iter()
            .find(|t| !l.failed_login_topics.contains(t))
        {
            return bad(
                "logging.rule_topics",
                format!(
                    "`{t}` is not a topic of failed-login lines ({}), so the rule would not record them",
                    l.failed_login_topics.join(",")
                ),
            );
        }
        if let Some(m) = word_problem(&l.action, MAX_TOPIC_CHARS, "letters, digits and `-`", |c| {
            c.is_ascii_alphanumeric() || c == '-'
        }) {
            return bad("logging.action", format!("not an action name: {m}"));
        }
        if l.remote.is_some() && l.remote_port == 0 {
            return bad("logging.remote_port", "port 0 is not a port".into());
        }
        for s in &l.ntp_servers {
            if let Some(m) = word_problem(
                s,
                crate::measures::logging::MAX_NTP_SERVER_CHARS,
                "letters, digits, `.`, `-` and `:`",
                |c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'),
            ) {
                return bad(
                    "logging.ntp_servers",
                    format!("not an address or host name: {m}"),
                );
            }
        }
        // layer2: interface-list names go into the script as values
        for (field, list) in self.layer2.lists() {
            if let Some(m) =
                word_problem(list, MAX_TOPIC_CHARS, "letters, digits, `-` and `_`", |c| {
                    c.is_ascii_alphanumeric() || c == '-' || c == '_'
                })
            {
                return bad(field, format!("not an interface list name: {m}"));
            }
        }
        // device: interface names are quoted into the script; features are RouterOS's words
        for (i, name) in self.device.used_interfaces.iter().enumerate() {
            if name.is_empty() {
                return bad(&format!("device.used_interfaces[{i}]"), "is empty".into());
            }
            if let Some(m) = text_problem(name, MAX_NAME_CHARS) {
                return bad(&format!("device.used_interfaces[{i}]"), m);
            }
        }
        for (i, f) in self.device.mode_features_off.iter().enumerate() {
            if !routeros::device_mode::is_feature(f) {
                let known: Vec<&str> = routeros::device_mode::FEATURES
                    .iter()
                    .map(|(n, _)| *n)
                    .collect();
                return bad(
                    &format!("device.mode_features_off[{i}]"),
                    format!(
                        "`{}` is not a device-mode feature ({})",
                        escape(f),
                        known.join(", ")
                    ),
                );
            }
        }
        crate::waiver::validate(&self.waivers)?;
        Ok(())
    }

    /// The port a service listens on under this profile (moved or factory).
    pub fn service_port(&self, svc: ServiceName) -> u16 {
        self.services
            .ports
            .get(&svc)
            .copied()
            .unwrap_or_else(|| svc.default_port())
    }

    /// Services the profile leaves enabled, with their ports, in `/ip service` order.
    pub fn enabled_services(&self) -> Vec<(ServiceName, u16)> {
        ServiceName::ALL
            .into_iter()
            .filter(|s| !self.services.disable.contains(s))
            .map(|s| (s, self.service_port(s)))
            .collect()
    }

    /// The ports the firewall protects: every enabled service's port plus `extra_ports`, sorted.
    pub fn management_ports(&self) -> Vec<u16> {
        let mut ports: Vec<u16> = self
            .enabled_services()
            .into_iter()
            .map(|(_, p)| p)
            .chain(self.firewall.extra_ports.iter().copied())
            .collect();
        ports.sort_unstable();
        ports.dedup();
        ports
    }

    /// The allowed sources: `management_cidrs` plus the harness's source when included.
    pub fn allowed_sources(&self, harness_source: Option<IpAddr>) -> Vec<Cidr> {
        let mut v = Vec::new();
        if self.firewall.include_harness_source
            && let Some(ip) = harness_source
        {
            v.push(Cidr::host(ip));
        }
        for c in &self.firewall.management_cidrs {
            if !v.contains(c) {
                v.push(*c);
            }
        }
        v
    }

    /// The CVE table checks use ([`cve::active`]: bundled, or refreshed by `chrlab cve update`)
    /// plus this profile's extra ranges.
    pub fn vulnerability_table(&self) -> Vec<Cve> {
        let mut t = cve::active().entries().to_vec();
        t.extend(
            self.update
                .extra_vulnerable
                .iter()
                .map(|x| Cve::from_profile(&x.id, &x.summary, x.from, x.to)),
        );
        t
    }
}

/// What is wrong with a user or group name, if anything. chrlab accepts RouterOS names made of
/// ASCII letters, digits, `-`, `_` and `.` that start and end with a letter or digit, at most
/// [`MAX_NAME_CHARS`] long: a subset of what RouterOS allows (it also allows `#` and `@`, which
/// chrlab leaves out because they are awkward in `ssh://user@host` targets and URLs).
fn user_name_problem(name: &str) -> Option<String> {
    word_problem(
        name,
        MAX_NAME_CHARS,
        "letters, digits, `-`, `_` and `.`",
        |c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'),
    )
}

/// What is wrong with a word that must be 1..=`max` characters from `allowed` (named
/// `allowed_text`), starting and ending with an ASCII letter or digit.
fn word_problem(
    word: &str,
    max: usize,
    allowed_text: &str,
    allowed: impl Fn(char) -> bool,
) -> Option<String> {
    let n = word.chars().count();
    if n == 0 {
        return Some("must not be empty".into());
    }
    if n > max {
        return Some(format!("must be at most {max} characters, got {n}"));
    }
    if !word.chars().all(allowed) {
        return Some(format!(
            "`{}` may only contain {allowed_text}",
            excerpt(word, 40)
        ));
    }
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !alnum(word.chars().next()) || !alnum(word.chars().last()) {
        return Some(format!(
            "`{word}` must start and end with a letter or digit"
        ));
    }
    None
}

/// What is wrong with free text (a summary): too long, or holding control characters.
fn text_problem(text: &str, max: usize) -> Option<String> {
    let n = text.chars().count();
    if n > max {
        return Some(format!("must be at most {max} characters, got {n}"));
    }
    if escape(text) != text {
        return Some(format!(
            "`{}` contains control characters",
            excerpt(text, 40)
        ));
    }
    None
}

/// 1-based line of byte offset `at`.
fn line_of(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    text.as_bytes()[..at]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The `[section]` header in effect at line index `idx` (0-based), if any.
fn section_at(lines: &[&str], idx: usize) -> Option<String> {
    lines[..=idx.min(lines.len().saturating_sub(1))]
        .iter()
        .rev()
        .find_map(|l| header_name(l))
}

fn header_name(line: &str) -> Option<String> {
    let t = line.trim();
    let inner = t
        .strip_prefix("[[")
        .and_then(|r| r.split("]]").next())
        .or_else(|| t.strip_prefix('[').and_then(|r| r.split(']').next()))?;
    Some(inner.trim().to_string())
}

/// Every `[table]` / `[[array]]` header name in the text.
fn header_names(text: &str) -> Vec<String> {
    text.lines().filter_map(header_name).collect()
}

/// The `key` of a `key = value` line, if `line` is one.
fn key_of(line: &str) -> Option<String> {
    let t = line.trim_start();
    if t.starts_with('#') || t.starts_with('[') {
        return None;
    }
    let (k, _) = t.split_once('=')?;
    let k = k.trim().trim_matches('"');
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        Some(k.to_string())
    } else {
        None
    }
}

/// The dotted field path an error at byte offset `at` belongs to.
fn field_at(text: &str, at: usize) -> Option<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    let idx = line_of(text, at) - 1;
    // Inline tables (`ports = { ssh = 2222 }`): the last key before the error column.
    let line_start = text[..at.min(text.len())].rfind('\n').map_or(0, |p| p + 1);
    let col = at.min(text.len()) - line_start;
    let current = lines.get(idx).copied().unwrap_or("");
    let upto = current.get(..col.min(current.len())).unwrap_or(current);
    let mut key = None;
    let mut outer = None;
    if let Some(k) = key_of(current) {
        // Inner key of an inline table, if the error sits inside `{ … }`.
        let inner = upto.rfind('{').and_then(|b| {
            let seg = &upto[b + 1..];
            let seg = seg.rsplit(',').next().unwrap_or(seg);
            key_of(seg).or_else(|| {
                // The error may be on the key itself (unknown field): take the word at the column.
                let rest = &current[col.min(current.len())..];
                key_of(rest)
            })
        });
        match inner {
            Some(i) => {
                outer = Some(k);
                key = Some(i);
            }
            None => key = Some(k),
        }
    } else if let Some(h) = header_name(current) {
        return Some(h);
    } else {
        // Inside a multi-line array: walk up to the line that opened it.
        for l in lines[..idx].iter().rev() {
            if header_name(l).is_some() {
                break;
            }
            if let Some(k) = key_of(l) {
                key = Some(k);
                break;
            }
        }
    }
    let key = key?;
    let mut path = section_at(&lines, idx).unwrap_or_default();
    for part in outer.into_iter().chain(std::iter::once(key)) {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(&part);
    }
    Some(path)
}

/// The 1-based line where a dotted field (`users.password_policy.min_length`, `a.b[2].c`) is written.
fn locate(text: &str, field: &str) -> Option<usize> {
    if let Some(line) = locate_in_array_of_tables(text, field) {
        return Some(line);
    }
    let clean: String = field
        .split('.')
        .map(|p| p.split('[').next().unwrap_or(p))
        .collect::<Vec<_>>()
        .join(".");
    let lines: Vec<&str> = text.split('\n').collect();
    // Try the longest section prefix first: "a.b.c" → section "a.b", key "c"; then "a", key "b".
    let parts: Vec<&str> = clean.split('.').collect();
    for split in (1..parts.len()).rev() {
        let section = parts[..split].join(".");
        let key = parts[split];
        let mut in_section = false;
        let mut header_line = None;
        for (i, l) in lines.iter().enumerate() {
            if let Some(h) = header_name(l) {
                in_section = h == section;
                if in_section && header_line.is_none() {
                    header_line = Some(i + 1);
                }
                continue;
            }
            if in_section && key_of(l).as_deref() == Some(key) {
                return Some(i + 1);
            }
        }
        if let Some(h) = header_line {
            // The key is absent (a default applies) or nested deeper: point at the section.
            if split == parts.len() - 1 {
                return Some(h);
            }
        }
    }
    None
}

/// The line of `name[i].key` where `name` is an array of tables (`[[name]]`): the key in the
/// i-th `[[name]]` block, or that block's header when the key is absent.
fn locate_in_array_of_tables(text: &str, field: &str) -> Option<usize> {
    let (name, rest) = field.split_once('[')?;
    let (index, key) = rest.split_once("].")?;
    let index: usize = index.parse().ok()?;
    let header = format!("[[{name}]]");
    let lines: Vec<&str> = text.split('\n').collect();
    let start = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.trim() == header)
        .nth(index)?
        .0;
    let block_end = lines[start + 1..]
        .iter()
        .position(|l| header_name(l).is_some())
        .map_or(lines.len(), |p| start + 1 + p);
    let found = (start + 1..block_end).find(|&i| key_of(lines[i]).as_deref() == Some(key));
    Some(found.unwrap_or(start) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_parsing() {
        assert_eq!(
            "192.0.2.10".parse::<Cidr>().unwrap().to_string(),
            "192.0.2.10/32"
        );
        assert_eq!(
            "192.0.2.10".parse::<Cidr>().unwrap().routeros_form(),
            "192.0.2.10"
        );
        let net: Cidr = "198.51.100.0/24".parse().unwrap();
        assert!(net.contains("198.51.100.77".parse().unwrap()));
        assert!(!net.contains("198.51.101.1".parse().unwrap()));
        assert!(!net.contains("2001:db8::1".parse().unwrap()));
        assert!(
            "192.0.2.1/24"
                .parse::<Cidr>()
                .unwrap_err()
                .to_string()
                .contains("host bits")
        );
        assert!("192.0.2.0/33".parse::<Cidr>().is_err());
        assert!("300.0.0.0/8".parse::<Cidr>().is_err());
        assert!("2001:db8::/32".parse::<Cidr>().is_ok());
        assert!(
            "0.0.0.0/0"
                .parse::<Cidr>()
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
    }

    #[test]
    fn field_paths_from_offsets() {
        let text = "[a]\nx = 1\n[b.c]\nmin = \"q\"\nlist = [\n  \"u\",\n  \"v\",\n]\nt = { k = 1, m = 2 }\n";
        let at = |needle: &str| text.find(needle).unwrap();
        assert_eq!(field_at(text, at("1\n[b")).as_deref(), Some("a.x"));
        assert_eq!(field_at(text, at("\"q\"")).as_deref(), Some("b.c.min"));
        assert_eq!(field_at(text, at("\"v\"")).as_deref(), Some("b.c.list"));
        assert_eq!(field_at(text, at("2 }")).as_deref(), Some("b.c.t.m"));
        assert_eq!(locate(text, "b.c.min"), Some(4));
        assert_eq!(locate(text, "a.x"), Some(2));
        assert_eq!(locate(text, "a.nothere"), Some(1));
    }

    #[test]
    fn waivers_load_and_a_bad_one_names_file_line_and_field() {
        let with = |waivers: &str| format!("{BASELINE_TOML}\n{waivers}");
        let ok = with(
            "[[waivers]]\ncheck = \"listeners.snmp\"\nreason = \"the NMS polls it\"\nexpires = \"2027-03-31\"\nversion = \"7.16\"\n",
        );
        let p = Profile::from_toml(&ok, "w.toml").unwrap();
        assert_eq!(p.waivers.len(), 1);
        assert_eq!(p.waivers[0].expires.to_string(), "2027-03-31");
        assert_eq!(p.waivers[0].version.as_deref(), Some("7.16"));
        assert!(Profile::baseline().waivers.is_empty());

        // The waivers begin on the line after the baseline's last (its text ends with a newline).
        let base_lines = BASELINE_TOML.split('\n').count();
        let bad = with(
            "[[waivers]]\ncheck = \"listeners.snmp\"\nreason = \"a\"\nexpires = \"2027-03-31\"\n\n[[waivers]]\nreason = \"b\"\ncheck = \"listeners.smnp\"\nexpires = \"2027-03-31\"\n",
        );
        let e = Profile::from_toml(&bad, "w.toml").unwrap_err();
        assert_eq!(e.field(), Some("waivers[1].check"), "{e}");
        assert_eq!(e.line(), Some(base_lines + 8), "{e}");
        let text = e.to_string();
        assert!(
            text.starts_with(&format!("w.toml:{}:", base_lines + 8)),
            "{text}"
        );
        assert!(text.contains("did you mean listeners.snmp"), "{text}");

        let bad_date = with(
            "[[waivers]]\ncheck = \"listeners.snmp\"\nreason = \"a\"\nexpires = \"31.03.2027\"\n",
        );
        let e = Profile::from_toml(&bad_date, "w.toml").unwrap_err();
        assert_eq!(e.line(), Some(base_lines + 4), "{e}");
        assert!(e.to_string().contains("not a date YYYY-MM-DD"), "{e}");
        let unknown_key = with(
            "[[waivers]]\ncheck = \"listeners.snmp\"\nreason = \"a\"\nexpires = \"2027-03-31\"\nuntil = \"x\"\n",
        );
        let e = Profile::from_toml(&unknown_key, "w.toml").unwrap_err();
        assert!(e.to_string().contains("unknown field `until`"), "{e}");
    }
}
