//! `/ip firewall filter` rules and `/ip firewall address-list` entries, parsed from CLI-form values.
//!
//! Values are the words a user types or `print` shows (`connection-state=!established,related`,
//! `dst-port=22,80,8000-8100`, `src-address=10.0.0.1-10.0.0.9`); REST's `true`/`false` booleans are
//! accepted beside `yes`/`no`. `/ip firewall` is IPv4 only, so addresses are [`Ipv4Addr`].
//!
//! Properties RouterOS has but this model does not interpret (`connection-limit`, `src-mac-address`, ...) are kept
//! in [`FilterRule::unmodelled`] so a consumer that must enforce the rule can refuse it instead of silently
//! widening it. Read-only properties (`.id`, `bytes`, `packets`, `dynamic`, `invalid`) are ignored.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

/// Why a filter rule or address-list entry could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FirewallError {
    #[error("missing required property {field}")]
    Missing { field: &'static str },
    #[error("invalid value for {field}: {value:?}")]
    InvalidValue { field: String, value: String },
    #[error("unknown property {field}={value:?}")]
    UnknownProperty { field: String, value: String },
    #[error("property {field} given twice")]
    Duplicate { field: String },
}

fn invalid(field: &str, value: &str) -> FirewallError {
    FirewallError::InvalidValue {
        field: field.to_string(),
        value: value.to_string(),
    }
}

/// A matcher value with RouterOS's optional leading `!` (negation of the whole value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negatable<T> {
    pub negated: bool,
    pub value: T,
}

impl<T> Negatable<T> {
    /// A non-negated matcher.
    pub fn is(value: T) -> Self {
        Negatable {
            negated: false,
            value,
        }
    }
    /// A negated matcher (`!value`).
    pub fn not(value: T) -> Self {
        Negatable {
            negated: true,
            value,
        }
    }
}

impl<T: fmt::Display> fmt::Display for Negatable<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negated {
            f.write_str("!")?;
        }
        self.value.fmt(f)
    }
}

fn negatable<T>(
    field: &str,
    raw: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Negatable<T>, FirewallError> {
    let (negated, rest) = match raw.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    if rest.is_empty() {
        return Err(invalid(field, raw));
    }
    parse(rest)
        .map(|value| Negatable { negated, value })
        .ok_or_else(|| invalid(field, raw))
}

/// The chain a rule belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Chain {
    Input,
    Forward,
    Output,
    /// A user-defined chain, reached by `action=jump jump-target=NAME`.
    Custom(String),
}

impl Chain {
    fn parse(s: &str) -> Chain {
        match s {
            "input" => Chain::Input,
            "forward" => Chain::Forward,
            "output" => Chain::Output,
            other => Chain::Custom(other.to_string()),
        }
    }
    /// The name as RouterOS prints it.
    pub fn name(&self) -> &str {
        match self {
            Chain::Input => "input",
            Chain::Forward => "forward",
            Chain::Output => "output",
            Chain::Custom(n) => n,
        }
    }
}

impl fmt::Display for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a rule does with a matching packet. Default `accept` ([DOC firewall/filter.md] "Default: accept").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Accept,
    AddDstToAddressList,
    AddSrcToAddressList,
    Drop,
    FasttrackConnection,
    Jump,
    Log,
    Passthrough,
    Reject,
    Return,
    Tarpit,
}

const ACTIONS: &[(&str, Action)] = &[
    ("accept", Action::Accept),
    ("add-dst-to-address-list", Action::AddDstToAddressList),
    ("add-src-to-address-list", Action::AddSrcToAddressList),
    ("drop", Action::Drop),
    ("fasttrack-connection", Action::FasttrackConnection),
    ("jump", Action::Jump),
    ("log", Action::Log),
    ("passthrough", Action::Passthrough),
    ("reject", Action::Reject),
    ("return", Action::Return),
    ("tarpit", Action::Tarpit),
];

impl Action {
    /// The RouterOS word.
    pub fn word(self) -> &'static str {
        ACTIONS
            .iter()
            .find(|(_, a)| *a == self)
            .map_or("accept", |(w, _)| w)
    }
}

impl FromStr for Action {
    type Err = FirewallError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ACTIONS
            .iter()
            .find(|(w, _)| *w == s)
            .map(|(_, a)| *a)
            .ok_or_else(|| invalid("action", s))
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// The reply of `action=reject` (`reject-with=`): the one list of these words, used by the
/// harness's profile and by the simulator's firewall.
///
/// The eight values are those of the RouterOS 7 manual, `/ip firewall filter` `reject-with`
/// ([DOC cli-reference/ip/firewall/filter.md]): `icmp-network-unreachable`, `icmp-host-unreachable`,
/// `icmp-protocol-unreachable`, `icmp-port-unreachable`, `icmp-net-prohibited` (type 3 code 9; note
/// *net*, not *network*), `icmp-host-prohibited`, `tcp-reset`, `icmp-admin-prohibited`. Third-party
/// RouterOS scripts use the same spellings (`reject-with=icmp-net-prohibited`). No v6 capture lists
/// them; that the v6 set is the same is an assumption (UNVERIFIED). `/ipv6 firewall filter` has its own
/// set (`icmp-no-route`, `icmp-address-unreachable`, …), not modelled here.
///
/// RouterOS's default is `icmp-network-unreachable` (INFERENCE: the old MikroTik wiki as quoted by a
/// third-party Ansible module, `reject_with: default: icmp-network-unreachable`; the current manual
/// lists the values without a default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RejectWith {
    /// ICMP type 3 code 0.
    #[default]
    IcmpNetworkUnreachable,
    /// ICMP type 3 code 1.
    IcmpHostUnreachable,
    /// ICMP type 3 code 2.
    IcmpProtocolUnreachable,
    /// ICMP type 3 code 3.
    IcmpPortUnreachable,
    /// ICMP type 3 code 9.
    IcmpNetProhibited,
    /// ICMP type 3 code 10.
    IcmpHostProhibited,
    /// ICMP type 3 code 13.
    IcmpAdminProhibited,
    /// A TCP RST (TCP packets only).
    TcpReset,
}

const REJECT_WITH: [(&str, RejectWith); 8] = [
    (
        "icmp-network-unreachable",
        RejectWith::IcmpNetworkUnreachable,
    ),
    ("icmp-host-unreachable", RejectWith::IcmpHostUnreachable),
    (
        "icmp-protocol-unreachable",
        RejectWith::IcmpProtocolUnreachable,
    ),
    ("icmp-port-unreachable", RejectWith::IcmpPortUnreachable),
    ("icmp-net-prohibited", RejectWith::IcmpNetProhibited),
    ("icmp-host-prohibited", RejectWith::IcmpHostProhibited),
    ("icmp-admin-prohibited", RejectWith::IcmpAdminProhibited),
    ("tcp-reset", RejectWith::TcpReset),
];

/// Every `reject-with` word, in the manual's order.
pub const REJECT_WITH_WORDS: [&str; 8] = {
    let mut words = [""; 8];
    let mut i = 0;
    while i < REJECT_WITH.len() {
        words[i] = REJECT_WITH[i].0;
        i += 1;
    }
    words
};

impl RejectWith {
    /// Every value, in the manual's order.
    pub const ALL: [RejectWith; 8] = {
        let mut all = [RejectWith::TcpReset; 8];
        let mut i = 0;
        while i < REJECT_WITH.len() {
            all[i] = REJECT_WITH[i].1;
            i += 1;
        }
        all
    };

    /// The RouterOS word.
    pub fn word(self) -> &'static str {
        REJECT_WITH
            .iter()
            .find(|(_, r)| *r == self)
            .map_or("icmp-network-unreachable", |(w, _)| w)
    }

    /// The RouterOS word (the same as [`RejectWith::word`]).
    pub fn as_str(self) -> &'static str {
        self.word()
    }
}

impl FromStr for RejectWith {
    type Err = FirewallError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        REJECT_WITH
            .iter()
            .find(|(w, _)| *w == s)
            .map(|(_, r)| *r)
            .ok_or_else(|| invalid("reject-with", s))
    }
}

impl fmt::Display for RejectWith {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

impl serde::Serialize for RejectWith {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.word())
    }
}

impl<'de> serde::Deserialize<'de> for RejectWith {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::word::deserialize_word(d, &REJECT_WITH_WORDS, "a reject-with word")
    }
}

/// An IP protocol: by RouterOS name or by number. Names are kept as typed, the number is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protocol(pub u8);

/// RouterOS protocol names and their IANA numbers ([DOC firewall/filter.md] `protocol`, iptables names).
const PROTOCOLS: &[(&str, u8)] = &[
    ("icmp", 1),
    ("igmp", 2),
    ("ggp", 3),
    ("ip-encap", 4),
    ("st", 5),
    ("tcp", 6),
    ("egp", 8),
    ("pup", 12),
    ("udp", 17),
    ("hmp", 20),
    ("xns-idp", 22),
    ("rdp", 27),
    ("iso-tp4", 29),
    ("dccp", 33),
    ("xtp", 36),
    ("ddp", 37),
    ("idpr-cmtp", 38),
    ("ipv6-encap", 41),
    ("ipv6-route", 43),
    ("ipv6-frag", 44),
    ("idrp", 45),
    ("rsvp", 46),
    ("gre", 47),
    ("ipsec-esp", 50),
    ("ipsec-ah", 51),
    ("icmpv6", 58),
    ("ipv6-nonxt", 59),
    ("ipv6-opts", 60),
    ("rspf", 73),
    ("vmtp", 81),
    ("ospf", 89),
    ("ipip", 94),
    ("etherip", 97),
    ("encap", 98),
    ("pim", 103),
    ("vrrp", 112),
    ("l2tp", 115),
    ("sctp", 132),
    ("udp-lite", 136),
];

impl Protocol {
    pub const TCP: Protocol = Protocol(6);
    pub const UDP: Protocol = Protocol(17);
    pub const ICMP: Protocol = Protocol(1);

    /// The IANA protocol number.
    pub fn number(self) -> u8 {
        self.0
    }
    /// The RouterOS name, if the number has one.
    pub fn name(self) -> Option<&'static str> {
        PROTOCOLS
            .iter()
            .find(|(_, n)| *n == self.0)
            .map(|(w, _)| *w)
    }
    /// Whether `src-port`/`dst-port` apply (tcp, udp, dccp, sctp, udp-lite).
    pub fn has_ports(self) -> bool {
        matches!(self.0, 6 | 17 | 33 | 132 | 136)
    }
}

impl FromStr for Protocol {
    type Err = FirewallError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some((_, n)) = PROTOCOLS.iter().find(|(w, _)| *w == s) {
            return Ok(Protocol(*n));
        }
        s.parse::<u8>()
            .map(Protocol)
            .map_err(|_| invalid("protocol", s))
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "{}", self.0),
        }
    }
}

/// An address matcher value of one family: one address, a prefix (network address with the
/// host bits cleared, as RouterOS stores `1.1.1.1/24` as `1.1.1.0/24`, and its length), or an
/// inclusive range; parsed from `a`, `a/len` or `a-b`.
macro_rules! address_spec {
    ($(#[$doc:meta])* $name:ident, $addr:ty, $bits:ty, $width:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            Single($addr),
            /// Network address (host bits cleared) and length.
            Prefix($addr, u8),
            Range($addr, $addr),
        }

        impl $name {
            /// Parses `a`, `a/len` or `a-b` (`None` if it is none of them).
            pub fn from_text(s: &str) -> Option<$name> {
                if let Some((addr, len)) = s.split_once('/') {
                    let addr: $addr = addr.parse().ok()?;
                    let len: u8 = len.parse().ok().filter(|l| u32::from(*l) <= $width)?;
                    if u32::from(len) == $width {
                        return Some($name::Single(addr));
                    }
                    return Some($name::Prefix(
                        <$addr>::from(<$bits>::from(addr) & Self::mask(len)),
                        len,
                    ));
                }
                if let Some((a, b)) = s.split_once('-') {
                    let a: $addr = a.parse().ok()?;
                    let b: $addr = b.parse().ok()?;
                    if a > b {
                        return None;
                    }
                    return Some(if a == b { $name::Single(a) } else { $name::Range(a, b) });
                }
                s.parse().ok().map($name::Single)
            }

            fn mask(len: u8) -> $bits {
                if len == 0 {
                    0
                } else {
                    <$bits>::MAX << ($width - u32::from(len))
                }
            }

            /// Whether `ip` falls inside.
            pub fn contains(&self, ip: $addr) -> bool {
                match *self {
                    $name::Single(a) => a == ip,
                    $name::Prefix(net, len) => {
                        <$bits>::from(ip) & Self::mask(len) == <$bits>::from(net)
                    }
                    $name::Range(a, b) => a <= ip && ip <= b,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $name::Single(a) => write!(f, "{a}"),
                    $name::Prefix(a, l) => write!(f, "{a}/{l}"),
                    $name::Range(a, b) => write!(f, "{a}-{b}"),
                }
            }
        }
    };
}

address_spec!(
    /// An IPv4 address matcher value: one address, a prefix, or an inclusive range.
    AddressSpec,
    Ipv4Addr,
    u32,
    32
);
address_spec!(
    /// An IPv6 address matcher value (`/ipv6 firewall`): one address, a prefix, or an inclusive
    /// range.
    Address6Spec,
    std::net::Ipv6Addr,
    u128,
    128
);

impl AddressSpec {
    /// Parses `a.b.c.d`, `a.b.c.d/len` or `a.b.c.d-e.f.g.h`; `field` names the property in errors.
    pub fn parse(field: &str, s: &str) -> Result<AddressSpec, FirewallError> {
        Self::from_text(s).ok_or_else(|| invalid(field, s))
    }
}

impl Address6Spec {
    /// Parses `2001:db8::1`, `2001:db8::/32` or `2001:db8::1-2001:db8::9`.
    pub fn parse(s: &str) -> Option<Address6Spec> {
        Self::from_text(s)
    }
}

/// An inclusive port range; a single port is `lo == hi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    pub lo: u16,
    pub hi: u16,
}

/// A `dst-port`/`src-port` value: `22,80,8000-8100`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSet(pub Vec<PortRange>);

impl PortSet {
    fn parse_opt(s: &str) -> Option<PortSet> {
        let mut out = Vec::new();
        for item in s.split(',') {
            let range = match item.split_once('-') {
                Some((lo, hi)) => PortRange {
                    lo: lo.parse().ok()?,
                    hi: hi.parse().ok()?,
                },
                None => {
                    let p = item.parse().ok()?;
                    PortRange { lo: p, hi: p }
                }
            };
            if range.lo > range.hi {
                return None;
            }
            out.push(range);
        }
        Some(PortSet(out))
    }

    /// Whether `port` is in the set.
    pub fn contains(&self, port: u16) -> bool {
        self.0.iter().any(|r| r.lo <= port && port <= r.hi)
    }
}

impl fmt::Display for PortSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if r.lo == r.hi {
                write!(f, "{}", r.lo)?;
            } else {
                write!(f, "{}-{}", r.lo, r.hi)?;
            }
        }
        Ok(())
    }
}

/// One connection-tracking state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConnectionState {
    Invalid,
    Established,
    Related,
    New,
    Untracked,
}

impl ConnectionState {
    /// The RouterOS word (also nftables' `ct state` word).
    pub fn word(self) -> &'static str {
        match self {
            ConnectionState::Invalid => "invalid",
            ConnectionState::Established => "established",
            ConnectionState::Related => "related",
            ConnectionState::New => "new",
            ConnectionState::Untracked => "untracked",
        }
    }
    fn parse(s: &str) -> Option<ConnectionState> {
        Some(match s {
            "invalid" => ConnectionState::Invalid,
            "established" => ConnectionState::Established,
            "related" => ConnectionState::Related,
            "new" => ConnectionState::New,
            "untracked" => ConnectionState::Untracked,
            _ => return None,
        })
    }
}

/// A `connection-state` value: a non-empty list of states in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionStates(pub Vec<ConnectionState>);

impl ConnectionStates {
    fn parse_opt(s: &str) -> Option<ConnectionStates> {
        let mut out: Vec<ConnectionState> = Vec::new();
        for w in s.split(',') {
            let st = ConnectionState::parse(w)?;
            if !out.contains(&st) {
                out.push(st);
            }
        }
        Some(ConnectionStates(out))
    }
}

impl fmt::Display for ConnectionStates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words: Vec<&str> = self.0.iter().map(|s| s.word()).collect();
        f.write_str(&words.join(","))
    }
}

/// One TCP header flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpFlag {
    Fin,
    Syn,
    Rst,
    Psh,
    Ack,
    Urg,
    Ece,
    Cwr,
}

const TCP_FLAGS: &[(&str, TcpFlag)] = &[
    ("fin", TcpFlag::Fin),
    ("syn", TcpFlag::Syn),
    ("rst", TcpFlag::Rst),
    ("psh", TcpFlag::Psh),
    ("ack", TcpFlag::Ack),
    ("urg", TcpFlag::Urg),
    ("ece", TcpFlag::Ece),
    ("cwr", TcpFlag::Cwr),
];

impl TcpFlag {
    /// The RouterOS word (also nftables' flag name).
    pub fn word(self) -> &'static str {
        TCP_FLAGS
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("syn", |(w, _)| w)
    }
}

/// A `tcp-flags` value: each flag required set (`syn`) or clear (`!ack`); flags not named are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpFlags(pub Vec<(TcpFlag, bool)>);

impl TcpFlags {
    fn parse_opt(s: &str) -> Option<TcpFlags> {
        let mut out: Vec<(TcpFlag, bool)> = Vec::new();
        for w in s.split(',') {
            let (set, name) = match w.strip_prefix('!') {
                Some(n) => (false, n),
                None => (true, w),
            };
            let flag = TCP_FLAGS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, f)| *f)?;
            if out.iter().any(|(f, _)| *f == flag) {
                return None;
            }
            out.push((flag, set));
        }
        Some(TcpFlags(out))
    }
}

impl fmt::Display for TcpFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (flag, set)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if !set {
                f.write_str("!")?;
            }
            f.write_str(flag.word())?;
        }
        Ok(())
    }
}

/// An inclusive range of ICMP type or code values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub lo: u8,
    pub hi: u8,
}

impl ByteRange {
    fn parse_opt(s: &str) -> Option<ByteRange> {
        let (lo, hi) = match s.split_once('-') {
            Some((lo, hi)) => (lo.parse().ok()?, hi.parse().ok()?),
            None => {
                let v = s.parse().ok()?;
                (v, v)
            }
        };
        (lo <= hi).then_some(ByteRange { lo, hi })
    }
}

impl fmt::Display for ByteRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.lo == self.hi {
            write!(f, "{}", self.lo)
        } else {
            write!(f, "{}-{}", self.lo, self.hi)
        }
    }
}

/// An `icmp-options` value: `type[:code]`, each a number or a range (`8:0`, `3:3`, `11:0-255`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcmpOptions {
    pub icmp_type: ByteRange,
    pub code: Option<ByteRange>,
}

impl IcmpOptions {
    fn parse_opt(s: &str) -> Option<IcmpOptions> {
        match s.split_once(':') {
            Some((t, c)) => Some(IcmpOptions {
                icmp_type: ByteRange::parse_opt(t)?,
                code: Some(ByteRange::parse_opt(c)?),
            }),
            None => Some(IcmpOptions {
                icmp_type: ByteRange::parse_opt(s)?,
                code: None,
            }),
        }
    }
}

impl fmt::Display for IcmpOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.icmp_type)?;
        if let Some(c) = self.code {
            write!(f, ":{c}")?;
        }
        Ok(())
    }
}

/// One `/ip firewall filter` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterRule {
    pub chain: Chain,
    pub action: Action,
    /// As given; `None` means the default ([`FilterRule::effective_reject_with`]).
    pub reject_with: Option<RejectWith>,
    pub jump_target: Option<String>,
    pub protocol: Option<Negatable<Protocol>>,
    pub src_address: Option<Negatable<AddressSpec>>,
    pub dst_address: Option<Negatable<AddressSpec>>,
    pub src_address_list: Option<Negatable<String>>,
    pub dst_address_list: Option<Negatable<String>>,
    pub src_port: Option<Negatable<PortSet>>,
    pub dst_port: Option<Negatable<PortSet>>,
    pub connection_state: Option<Negatable<ConnectionStates>>,
    pub tcp_flags: Option<TcpFlags>,
    pub icmp_options: Option<Negatable<IcmpOptions>>,
    pub in_interface: Option<Negatable<String>>,
    pub out_interface: Option<Negatable<String>>,
    pub in_interface_list: Option<Negatable<String>>,
    pub out_interface_list: Option<Negatable<String>>,
    pub disabled: bool,
    pub log: bool,
    pub log_prefix: String,
    pub comment: Option<String>,
    /// RouterOS matchers and settings this model does not interpret, as given (name, value).
    pub unmodelled: Vec<(String, String)>,
}

/// Read-only or bookkeeping properties that do not change what a rule matches.
const IGNORED: &[&str] = &[
    ".id",
    ".nextid",
    ".about",
    "numbers",
    "bytes",
    "packets",
    "dynamic",
    "invalid",
    "place-before",
];

/// Real RouterOS filter properties that [`FilterRule`] keeps uninterpreted ([DOC cli-reference/ip/firewall/filter.md]).
const UNMODELLED: &[&str] = &[
    "address-list",
    "address-list-timeout",
    "connection-bytes",
    "connection-limit",
    "connection-mark",
    "connection-nat-state",
    "connection-rate",
    "connection-type",
    "content",
    "dscp",
    "dst-address-type",
    "dst-limit",
    "fragment",
    "hotspot",
    "hw-offload",
    "in-bridge-port",
    "in-bridge-port-list",
    "ingress-priority",
    "ipsec-policy",
    "ipv4-options",
    "layer7-protocol",
    "limit",
    "nth",
    "out-bridge-port",
    "out-bridge-port-list",
    "p2p",
    "packet-mark",
    "packet-size",
    "per-connection-classifier",
    "port",
    "priority",
    "psd",
    "random",
    "realm",
    "routing-mark",
    "routing-table",
    "src-address-type",
    "src-mac-address",
    "tcp-mss",
    "time",
    "tls-host",
    "ttl",
];

fn parse_bool(field: &str, s: &str) -> Result<bool, FirewallError> {
    match s {
        "yes" | "true" => Ok(true),
        "no" | "false" => Ok(false),
        _ => Err(invalid(field, s)),
    }
}

fn name(s: &str) -> Option<String> {
    Some(s.to_string())
}

impl FilterRule {
    /// Parses a rule from CLI-form `(property, value)` pairs, e.g. those of
    /// `add chain=input action=drop connection-state=!established,related dst-port=22 protocol=tcp`.
    ///
    /// ```
    /// use routeros::firewall::{Action, FilterRule};
    /// let props = [("chain", "input"), ("action", "drop"), ("protocol", "tcp"), ("dst-port", "22,80,8291")];
    /// let props: Vec<(String, String)> = props.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    /// let rule = FilterRule::from_props(&props).unwrap();
    /// assert_eq!(rule.action, Action::Drop);
    /// ```
    pub fn from_props(props: &[(String, String)]) -> Result<FilterRule, FirewallError> {
        let mut chain = None;
        let mut rule = FilterRule {
            chain: Chain::Input,
            action: Action::Accept,
            reject_with: None,
            jump_target: None,
            protocol: None,
            src_address: None,
            dst_address: None,
            src_address_list: None,
            dst_address_list: None,
            src_port: None,
            dst_port: None,
            connection_state: None,
            tcp_flags: None,
            icmp_options: None,
            in_interface: None,
            out_interface: None,
            in_interface_list: None,
            out_interface_list: None,
            disabled: false,
            log: false,
            log_prefix: String::new(),
            comment: None,
            unmodelled: Vec::new(),
        };
        let mut seen: Vec<&str> = Vec::new();
        for (key, value) in props {
            let key = key.as_str();
            let v = value.as_str();
            if IGNORED.contains(&key) {
                continue;
            }
            if seen.contains(&key) {
                return Err(FirewallError::Duplicate {
                    field: key.to_string(),
                });
            }
            seen.push(key);
            // An empty value unsets an optional matcher (`src-address=` in a `set`).
            let empty = v.is_empty();
            match key {
                "chain" if empty => return Err(invalid(key, v)),
                "chain" => chain = Some(Chain::parse(v)),
                "action" => rule.action = v.parse()?,
                "reject-with" if empty => rule.reject_with = None,
                "reject-with" => rule.reject_with = Some(v.parse()?),
                "jump-target" => rule.jump_target = (!empty).then(|| v.to_string()),
                "disabled" => rule.disabled = parse_bool(key, v)?,
                "log" => rule.log = parse_bool(key, v)?,
                "log-prefix" => rule.log_prefix = v.to_string(),
                "comment" => rule.comment = (!empty).then(|| v.to_string()),
                _ if empty && Self::is_matcher(key) => {}
                "protocol" => rule.protocol = Some(negatable(key, v, |s| s.parse().ok())?),
                "src-address" => {
                    rule.src_address = Some(negatable(key, v, AddressSpec::from_text)?);
                }
                "dst-address" => {
                    rule.dst_address = Some(negatable(key, v, AddressSpec::from_text)?);
                }
                "src-address-list" => rule.src_address_list = Some(negatable(key, v, name)?),
                "dst-address-list" => rule.dst_address_list = Some(negatable(key, v, name)?),
                "src-port" => rule.src_port = Some(negatable(key, v, PortSet::parse_opt)?),
                "dst-port" => rule.dst_port = Some(negatable(key, v, PortSet::parse_opt)?),
                "connection-state" => {
                    rule.connection_state = Some(negatable(key, v, ConnectionStates::parse_opt)?);
                }
                "tcp-flags" => {
                    rule.tcp_flags = Some(TcpFlags::parse_opt(v).ok_or_else(|| invalid(key, v))?);
                }
                "icmp-options" => {
                    rule.icmp_options = Some(negatable(key, v, IcmpOptions::parse_opt)?)
                }
                "in-interface" => rule.in_interface = Some(negatable(key, v, name)?),
                "out-interface" => rule.out_interface = Some(negatable(key, v, name)?),
                "in-interface-list" => rule.in_interface_list = Some(negatable(key, v, name)?),
                "out-interface-list" => rule.out_interface_list = Some(negatable(key, v, name)?),
                _ if UNMODELLED.contains(&key) => {
                    rule.unmodelled.push((key.to_string(), v.to_string()));
                }
                _ => {
                    return Err(FirewallError::UnknownProperty {
                        field: key.to_string(),
                        value: v.to_string(),
                    });
                }
            }
        }
        rule.chain = chain.ok_or(FirewallError::Missing { field: "chain" })?;
        if rule.action == Action::Jump && rule.jump_target.is_none() {
            return Err(FirewallError::Missing {
                field: "jump-target",
            });
        }
        Ok(rule)
    }

    fn is_matcher(key: &str) -> bool {
        matches!(
            key,
            "protocol"
                | "src-address"
                | "dst-address"
                | "src-address-list"
                | "dst-address-list"
                | "src-port"
                | "dst-port"
                | "connection-state"
                | "tcp-flags"
                | "icmp-options"
                | "in-interface"
                | "out-interface"
                | "in-interface-list"
                | "out-interface-list"
        ) || UNMODELLED.contains(&key)
    }

    /// The reject reply in effect: the given `reject-with`, else RouterOS's default.
    pub fn effective_reject_with(&self) -> RejectWith {
        self.reject_with.unwrap_or_default()
    }
}

/// A host name in an address list (RouterOS resolves it through DNS) or an address matcher value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListAddress {
    Ip(AddressSpec),
    Host(String),
}

/// One `/ip firewall address-list` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressListEntry {
    pub list: String,
    pub address: ListAddress,
    pub disabled: bool,
    pub comment: Option<String>,
}

impl AddressListEntry {
    /// Parses an entry from CLI-form pairs (`list=mgmt address=192.0.2.10 disabled=no`). Other properties
    /// (`timeout`, `dynamic`, `creation-time`, `.id`) are ignored.
    pub fn from_props(props: &[(String, String)]) -> Result<AddressListEntry, FirewallError> {
        let mut list = None;
        let mut address = None;
        let mut disabled = false;
        let mut comment = None;
        for (key, v) in props {
            match key.as_str() {
                "list" if v.is_empty() => return Err(invalid("list", v)),
                "list" => list = Some(v.clone()),
                "address" => {
                    address = Some(match AddressSpec::from_text(v) {
                        Some(a) => ListAddress::Ip(a),
                        None if is_host_name(v) => ListAddress::Host(v.clone()),
                        None => return Err(invalid("address", v)),
                    });
                }
                "disabled" => disabled = parse_bool("disabled", v)?,
                "comment" => comment = (!v.is_empty()).then(|| v.clone()),
                _ => {}
            }
        }
        Ok(AddressListEntry {
            list: list.ok_or(FirewallError::Missing { field: "list" })?,
            address: address.ok_or(FirewallError::Missing { field: "address" })?,
            disabled,
            comment,
        })
    }
}

fn is_host_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars().any(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(line: &str) -> Vec<(String, String)> {
        line.split_whitespace()
            .map(|w| {
                let (k, v) = w.split_once('=').unwrap_or((w, ""));
                (k.to_string(), v.to_string())
            })
            .collect()
    }

    fn rule(line: &str) -> FilterRule {
        match FilterRule::from_props(&props(line)) {
            Ok(r) => r,
            Err(e) => panic!("{line}: {e}"),
        }
    }

    fn err(line: &str) -> String {
        match FilterRule::from_props(&props(line)) {
            Ok(r) => panic!("{line}: parsed as {r:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn seed_article_rules() {
        let accept = rule(
            "action=accept chain=input dst-port=22,80,8291 protocol=tcp src-address=192.0.2.10",
        );
        assert_eq!(accept.chain, Chain::Input);
        assert_eq!(accept.action, Action::Accept);
        assert_eq!(accept.protocol, Some(Negatable::is(Protocol::TCP)));
        assert_eq!(
            accept.dst_port.as_ref().map(|p| p.to_string()),
            Some("22,80,8291".into())
        );
        assert_eq!(
            accept.src_address,
            Some(Negatable::is(AddressSpec::Single(Ipv4Addr::new(
                192, 0, 2, 10
            ))))
        );

        let drop = rule(
            "action=drop chain=input connection-state=!established,related dst-port=22,80,8291 protocol=tcp",
        );
        assert_eq!(drop.action, Action::Drop);
        let cs = drop
            .connection_state
            .as_ref()
            .map(|c| (c.negated, c.value.to_string()));
        assert_eq!(cs, Some((true, "established,related".to_string())));
        assert!(drop.unmodelled.is_empty());
    }

    #[test]
    fn defaults() {
        let r = rule("chain=input connection-state=established,related");
        assert_eq!(r.action, Action::Accept);
        assert!(!r.disabled && !r.log);
        assert_eq!(
            r.effective_reject_with(),
            RejectWith::IcmpNetworkUnreachable
        );
        assert_eq!(
            rule("chain=input action=reject reject-with=tcp-reset").effective_reject_with(),
            RejectWith::TcpReset
        );
    }

    #[test]
    fn every_reject_with_round_trips() {
        for (word, value) in REJECT_WITH.iter() {
            assert_eq!(word.parse::<RejectWith>(), Ok(*value));
            assert_eq!(value.to_string(), *word);
        }
        // The manual's eight words ([DOC cli-reference/ip/firewall/filter.md]), no more.
        let mut manual = [
            "icmp-network-unreachable",
            "icmp-host-unreachable",
            "icmp-protocol-unreachable",
            "icmp-port-unreachable",
            "icmp-net-prohibited",
            "icmp-host-prohibited",
            "tcp-reset",
            "icmp-admin-prohibited",
        ];
        let mut ours = REJECT_WITH_WORDS;
        manual.sort_unstable();
        ours.sort_unstable();
        assert_eq!(ours, manual);
        assert_eq!(RejectWith::ALL.map(RejectWith::word), REJECT_WITH_WORDS);
        assert!("icmp-network-prohibited".parse::<RejectWith>().is_err());
        for (word, value) in ACTIONS {
            assert_eq!(word.parse::<Action>(), Ok(*value));
        }
    }

    #[test]
    fn addresses() {
        let cases = [
            ("1.2.3.4", "1.2.3.4"),
            ("1.1.1.1/24", "1.1.1.0/24"),
            ("10.0.0.0/8", "10.0.0.0/8"),
            ("0.0.0.0/0", "0.0.0.0/0"),
            ("1.2.3.4/32", "1.2.3.4"),
            ("10.0.0.1-10.0.0.9", "10.0.0.1-10.0.0.9"),
            ("10.0.0.5-10.0.0.5", "10.0.0.5"),
        ];
        for (input, shown) in cases {
            let a = AddressSpec::parse("src-address", input).map(|a| a.to_string());
            assert_eq!(a.as_deref(), Ok(shown), "{input}");
        }
        for bad in [
            "1.2.3",
            "1.2.3.4/33",
            "10.0.0.9-10.0.0.1",
            "a.b.c.d",
            "1.2.3.4/",
        ] {
            assert!(AddressSpec::parse("src-address", bad).is_err(), "{bad}");
        }
        let range = AddressSpec::parse("x", "10.0.0.1-10.0.0.9")
            .unwrap_or(AddressSpec::Single(Ipv4Addr::UNSPECIFIED));
        assert!(range.contains(Ipv4Addr::new(10, 0, 0, 9)));
        assert!(!range.contains(Ipv4Addr::new(10, 0, 0, 10)));
        let net = AddressSpec::Prefix(Ipv4Addr::new(192, 0, 2, 0), 24);
        assert!(net.contains(Ipv4Addr::new(192, 0, 2, 66)));
        assert!(!net.contains(Ipv4Addr::new(192, 0, 3, 1)));
    }

    #[test]
    fn negations() {
        let r = rule(
            "chain=input action=drop src-address=!192.0.2.0/24 protocol=!udp dst-port=!22 src-address-list=!mgmt in-interface=!ether1 in-interface-list=!LAN",
        );
        assert!(r.src_address.as_ref().is_some_and(|m| m.negated));
        assert!(
            r.protocol
                .as_ref()
                .is_some_and(|m| m.negated && m.value == Protocol::UDP)
        );
        assert!(
            r.dst_port
                .as_ref()
                .is_some_and(|m| m.negated && m.value.contains(22))
        );
        assert_eq!(r.src_address_list, Some(Negatable::not("mgmt".to_string())));
        assert_eq!(r.in_interface, Some(Negatable::not("ether1".to_string())));
        assert_eq!(r.in_interface_list, Some(Negatable::not("LAN".to_string())));
    }

    #[test]
    fn ports() {
        let r = rule("chain=input protocol=udp dst-port=500,1701,4500 src-port=8000-8100");
        let dst = r.dst_port.map(|p| p.value);
        assert!(
            dst.as_ref()
                .is_some_and(|p| p.contains(1701) && !p.contains(1702))
        );
        let src = r.src_port.map(|p| p.value);
        assert!(
            src.as_ref()
                .is_some_and(|p| p.contains(8000) && p.contains(8100) && !p.contains(8101))
        );
    }

    #[test]
    fn protocols_by_name_and_number() {
        assert_eq!("tcp".parse::<Protocol>(), Ok(Protocol(6)));
        assert_eq!("ipsec-esp".parse::<Protocol>(), Ok(Protocol(50)));
        assert_eq!(
            "47".parse::<Protocol>().map(|p| p.to_string()),
            Ok("gre".to_string())
        );
        assert_eq!(
            "253".parse::<Protocol>().map(|p| p.to_string()),
            Ok("253".to_string())
        );
        assert!("tcpp".parse::<Protocol>().is_err());
    }

    #[test]
    fn flags_and_texts() {
        let r = rule("chain=input action=log log=yes log-prefix=ssh disabled=true comment=hello");
        assert!(r.disabled && r.log);
        assert_eq!(r.log_prefix, "ssh");
        assert_eq!(r.comment.as_deref(), Some("hello"));
        let r = rule("chain=input action=drop log-prefix= src-address=");
        assert_eq!(r.log_prefix, "");
        assert_eq!(r.src_address, None);
    }

    #[test]
    fn unmodelled_and_ignored() {
        let r = rule(
            ".id=*3 bytes=100 packets=2 dynamic=false chain=forward action=drop connection-nat-state=!dstnat src-mac-address=67:33:EB:0E:EB:A8",
        );
        assert_eq!(r.chain, Chain::Forward);
        assert_eq!(
            r.unmodelled,
            vec![
                ("connection-nat-state".to_string(), "!dstnat".to_string()),
                (
                    "src-mac-address".to_string(),
                    "67:33:EB:0E:EB:A8".to_string()
                )
            ]
        );
        let r = rule("chain=tcp-in action=jump jump-target=ssh-chain");
        assert_eq!(r.chain, Chain::Custom("tcp-in".into()));
        assert_eq!(r.jump_target.as_deref(), Some("ssh-chain"));
    }

    #[test]
    fn tcp_flags_and_icmp_options() {
        let r = rule("chain=input protocol=tcp tcp-flags=syn,!ack action=drop");
        assert_eq!(
            r.tcp_flags,
            Some(TcpFlags(vec![(TcpFlag::Syn, true), (TcpFlag::Ack, false)]))
        );
        assert_eq!(
            r.tcp_flags.map(|f| f.to_string()).as_deref(),
            Some("syn,!ack")
        );
        let r = rule("chain=input protocol=icmp icmp-options=11:0-255");
        let opts = r.icmp_options.map(|o| (o.negated, o.value.to_string()));
        assert_eq!(opts, Some((false, "11:0-255".to_string())));
        let r = rule("chain=input protocol=icmp icmp-options=!8");
        let opts = r.icmp_options.map(|o| (o.negated, o.value));
        assert_eq!(
            opts,
            Some((
                true,
                IcmpOptions {
                    icmp_type: ByteRange { lo: 8, hi: 8 },
                    code: None
                }
            ))
        );
        for bad in [
            "tcp-flags=syn,syn",
            "tcp-flags=sin",
            "icmp-options=8:",
            "icmp-options=300",
            "icmp-options=9-8",
        ] {
            assert!(
                FilterRule::from_props(&props(&format!("chain=input {bad}"))).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn errors_name_field_and_value() {
        let cases = [
            ("action=drop", "missing required property chain"),
            (
                "chain=input action=dorp",
                "invalid value for action: \"dorp\"",
            ),
            (
                "chain=input action=reject reject-with=icmp-nope",
                "invalid value for reject-with: \"icmp-nope\"",
            ),
            (
                "chain=input protocol=tcp dst-port=22,x",
                "invalid value for dst-port: \"22,x\"",
            ),
            (
                "chain=input protocol=tcp dst-port=90-80",
                "invalid value for dst-port: \"90-80\"",
            ),
            (
                "chain=input protocol=tcp dst-port=70000",
                "invalid value for dst-port: \"70000\"",
            ),
            (
                "chain=input connection-state=!established,bogus",
                "invalid value for connection-state: \"!established,bogus\"",
            ),
            (
                "chain=input src-address=1.2.3.4/40",
                "invalid value for src-address: \"1.2.3.4/40\"",
            ),
            (
                "chain=input src-address=!",
                "invalid value for src-address: \"!\"",
            ),
            (
                "chain=input disabled=maybe",
                "invalid value for disabled: \"maybe\"",
            ),
            (
                "chain=input frobnicate=1",
                "unknown property frobnicate=\"1\"",
            ),
            ("chain=input chain=output", "property chain given twice"),
            (
                "chain=input action=jump",
                "missing required property jump-target",
            ),
            ("chain= action=drop", "invalid value for chain: \"\""),
        ];
        for (line, want) in cases {
            assert_eq!(err(line), want, "{line}");
        }
    }

    #[test]
    fn address_list_entries() {
        let e = AddressListEntry::from_props(&props(
            "list=mgmt address=192.0.2.0/24 disabled=no .id=*1",
        ));
        assert_eq!(
            e,
            Ok(AddressListEntry {
                list: "mgmt".into(),
                address: ListAddress::Ip(AddressSpec::Prefix(Ipv4Addr::new(192, 0, 2, 0), 24)),
                disabled: false,
                comment: None,
            })
        );
        let e = AddressListEntry::from_props(&props("list=dns address=example.com"));
        assert!(e.is_ok_and(|e| e.address == ListAddress::Host("example.com".into())));
        let e = AddressListEntry::from_props(&props("list=x address=1.2.3.4/99"));
        assert_eq!(
            e.map_err(|e| e.to_string()),
            Err("invalid value for address: \"1.2.3.4/99\"".into())
        );
        assert!(AddressListEntry::from_props(&props("address=1.2.3.4")).is_err());
    }
}
