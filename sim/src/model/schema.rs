//! Menu schemas: which properties a menu has, their types, defaults and validation with RouterOS's texts.

use std::net::IpAddr;

use super::ExecError;

/// The type of a property value (values are stored in CLI form: `yes`/`no`, `10.0.0.0/24`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// `yes`/`no` (accepts `true`/`false`; the API and REST show `true`/`false`).
    Bool,
    /// Free text (quoted by `print detail`).
    Text,
    /// Free text printed bare: times, sizes, dates, interface lists.
    Word,
    /// An integer in a range.
    Int { min: i64, max: i64 },
    /// One word out of a fixed set.
    Enum(&'static [&'static str]),
    /// A comma-separated list of IPv4/IPv6 prefixes (empty = any).
    Addrs,
    /// A single IP address or prefix.
    Prefix,
    /// A comma-separated list of policy words, each optionally negated with `!`.
    Policy,
    /// The name of an item in another menu (`group` of a user, `interface` of an address).
    Ref(&'static str),
}

/// One property of a menu.
#[derive(Debug, Clone)]
pub struct Prop {
    pub name: &'static str,
    pub ty: Ty,
    /// The value a new item gets; `None` = absent until set (like `comment`).
    pub default: Option<&'static str>,
    /// Read-only: shown, never settable.
    pub ro: bool,
    /// Never printed (passwords).
    pub secret: bool,
}

impl Prop {
    pub fn new(name: &'static str, ty: Ty, default: Option<&'static str>) -> Prop {
        Prop {
            name,
            ty,
            default,
            ro: false,
            secret: false,
        }
    }

    pub fn ro(name: &'static str, ty: Ty, default: Option<&'static str>) -> Prop {
        Prop {
            ro: true,
            ..Prop::new(name, ty, default)
        }
    }

    pub fn secret(name: &'static str) -> Prop {
        Prop {
            secret: true,
            ..Prop::new(name, Ty::Text, Some(""))
        }
    }
}

/// How a menu holds its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Ordered items with `.id`s.
    List { add: bool, remove: bool },
    /// One settings object (`/ip dns`, `/system identity`).
    Single,
}

/// A print flag: a letter shown when a boolean property is `yes`.
#[derive(Debug, Clone)]
pub struct Flag {
    pub letter: char,
    pub prop: &'static str,
    /// Legend text in v7 (upper case); v6 uses the lower-case form.
    pub word: &'static str,
    /// Flags in the same group are joined with `, `, groups with `; ` (v7).
    pub group: u8,
}

/// A column of the terminal table.
#[derive(Debug, Clone)]
pub struct Col {
    pub prop: &'static str,
    pub right: bool,
    /// v6 fixed width (v6 tables do not size columns by their values).
    pub width6: Option<usize>,
}

/// How the terminal prints the menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrintForm {
    Table,
    /// Record form (`/ip firewall filter`): ` N   chain=input action=drop`.
    Records,
    /// `key: value` lines.
    Single,
}

/// Everything the model knows about one menu.
#[derive(Debug, Clone)]
pub struct MenuDef {
    /// Canonical path with `/` separators and no leading slash: `ip/service`.
    pub path: &'static str,
    pub kind: Kind,
    pub props: Vec<Prop>,
    /// The property that names an item (`name`), usable instead of a number.
    pub key: Option<&'static str>,
    pub flags: Vec<Flag>,
    pub columns: Vec<Col>,
    pub form: PrintForm,
    /// Read-only menu: no `set` at all.
    pub read_only: bool,
    /// Extra commands (`move`, `check-for-updates`).
    pub commands: Vec<&'static str>,
    /// What the `system,info` log line calls a changed item (`item`, `filter rule`).
    pub noun: &'static str,
    /// v6 table layout: flag column width and a verbatim legend line, where captured.
    pub v6_flags_width: Option<usize>,
    pub v6_legend: Option<&'static str>,
    /// v6 tables keep one flag position per flag group, used or not (`/interface`: ` R ` for a
    /// running interface), where the captures show it; other menus pack the shown groups.
    pub v6_flag_positions: bool,
}

impl MenuDef {
    pub fn prop(&self, name: &str) -> Option<&Prop> {
        self.props.iter().find(|p| p.name == name)
    }

    /// The commands this menu answers.
    pub fn command_names(&self) -> Vec<&'static str> {
        let mut out = vec!["print", "get", "export"];
        if let Kind::List { add, remove } = self.kind {
            out.push("find");
            if add {
                out.push("add");
            }
            if remove {
                out.push("remove");
            }
            if self.prop("disabled").is_some() && !self.read_only {
                out.extend(["enable", "disable"]);
            }
            if self.prop("comment").is_some() && !self.read_only {
                out.push("comment");
            }
        }
        if !self.read_only {
            out.push("set");
        }
        out.extend(self.commands.iter().copied());
        out
    }

    pub fn is_list(&self) -> bool {
        matches!(self.kind, Kind::List { .. })
    }
}

/// Checks one value against its property type and returns it in canonical CLI form.
pub fn validate(prop: &Prop, value: &str) -> Result<String, ExecError> {
    let bad = || ExecError::arg(format!("invalid value for argument {}", prop.name));
    match &prop.ty {
        Ty::Text | Ty::Word | Ty::Ref(_) => Ok(value.to_string()),
        Ty::Bool => match value {
            "yes" | "true" => Ok("yes".into()),
            "no" | "false" => Ok("no".into()),
            _ => Err(bad()),
        },
        Ty::Int { min, max } => {
            let n: i64 = value.trim().parse().map_err(|_| bad())?;
            if n < *min || n > *max {
                return Err(ExecError::arg(format!(
                    "value of {} out of range ({}..{})",
                    prop.name, min, max
                )));
            }
            Ok(n.to_string())
        }
        Ty::Enum(words) => {
            if words.contains(&value) {
                Ok(value.to_string())
            } else {
                Err(no_match(prop.name))
            }
        }
        Ty::Addrs => {
            let mut out = Vec::new();
            for part in value.split(',').filter(|p| !p.trim().is_empty()) {
                out.push(normalize_prefix(part.trim()).ok_or_else(bad)?);
            }
            Ok(out.join(","))
        }
        Ty::Prefix => {
            let (addr, len) = split_prefix(value).ok_or_else(bad)?;
            Ok(match len {
                Some(l) => format!("{addr}/{l}"),
                None => addr.to_string(),
            })
        }
        Ty::Policy => {
            let mut out = Vec::new();
            for word in value.split(',').filter(|w| !w.is_empty()) {
                let bare = word.strip_prefix('!').unwrap_or(word);
                if !super::users::ALL_POLICIES.contains(&bare) {
                    return Err(no_match(prop.name));
                }
                out.push(word.to_string());
            }
            Ok(out.join(","))
        }
    }
}

/// `input does not match any value of <prop>` (API category 1).
pub fn no_match(prop: &str) -> ExecError {
    ExecError::arg(format!("input does not match any value of {prop}"))
}

fn split_prefix(s: &str) -> Option<(IpAddr, Option<u8>)> {
    let (a, l) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l.parse::<u8>().ok()?)),
        None => (s, None),
    };
    let addr: IpAddr = a.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    if l.is_some_and(|l| l > max) {
        return None;
    }
    Some((addr, l))
}

/// `10.5.101.7/24` -> `10.5.101.0/24`, `1.2.3.4` -> `1.2.3.4/32` (as `/ip service address` shows them).
pub fn normalize_prefix(s: &str) -> Option<String> {
    let (addr, len) = split_prefix(s)?;
    Some(match addr {
        IpAddr::V4(a) => {
            let l = len.unwrap_or(32);
            let mask = if l == 0 { 0 } else { u32::MAX << (32 - l) };
            let net = std::net::Ipv4Addr::from(u32::from(a) & mask);
            format!("{net}/{l}")
        }
        IpAddr::V6(a) => {
            let l = len.unwrap_or(128);
            let mask = if l == 0 { 0 } else { u128::MAX << (128 - l) };
            let net = std::net::Ipv6Addr::from(u128::from(a) & mask);
            format!("{net}/{l}")
        }
    })
}

/// Whether `ip` falls inside one of the comma-separated prefixes (empty list = everything).
pub fn addr_allowed(list: &str, ip: Option<IpAddr>) -> bool {
    let prefixes: Vec<&str> = list.split(',').filter(|p| !p.is_empty()).collect();
    if prefixes.is_empty() {
        return true;
    }
    let Some(ip) = ip else {
        return false;
    };
    prefixes.iter().any(|p| prefix_contains(p, ip))
}

fn prefix_contains(prefix: &str, ip: IpAddr) -> bool {
    let Some((net, len)) = split_prefix(prefix) else {
        return false;
    };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let l = len.unwrap_or(32);
            let mask = if l == 0 { 0 } else { u32::MAX << (32 - l) };
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let l = len.unwrap_or(128);
            let mask = if l == 0 { 0 } else { u128::MAX << (128 - l) };
            u128::from(n) & mask == u128::from(i) & mask
        }
        (IpAddr::V4(n), IpAddr::V6(i)) => i.to_ipv4_mapped().is_some_and(|i4| {
            prefix_contains(&format!("{n}/{}", len.unwrap_or(32)), IpAddr::V4(i4))
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_normalize_and_match() {
        assert_eq!(
            normalize_prefix("10.5.101.7/24").as_deref(),
            Some("10.5.101.0/24")
        );
        assert_eq!(normalize_prefix("1.2.3.4").as_deref(), Some("1.2.3.4/32"));
        assert_eq!(
            normalize_prefix("2001:db8:fade::1/64").as_deref(),
            Some("2001:db8:fade::/64")
        );
        assert!(normalize_prefix("1.2.3.4/33").is_none());
        assert!(addr_allowed("", None));
        assert!(addr_allowed("10.0.0.0/8", "10.1.2.3".parse().ok()));
        assert!(!addr_allowed("10.0.0.0/8", "192.0.2.66".parse().ok()));
        assert!(!addr_allowed("10.0.0.0/8", None));
    }

    #[test]
    fn values_validate_with_routeros_texts() {
        let port = Prop::new("port", Ty::Int { min: 1, max: 65535 }, None);
        assert_eq!(validate(&port, "22").unwrap(), "22");
        assert_eq!(
            validate(&port, "70000").unwrap_err().message,
            "value of port out of range (1..65535)"
        );
        assert_eq!(
            validate(&port, "x").unwrap_err().message,
            "invalid value for argument port"
        );
        let b = Prop::new("disabled", Ty::Bool, Some("no"));
        assert_eq!(validate(&b, "true").unwrap(), "yes");
    }
}
