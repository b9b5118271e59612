//! The simulator's firewall, enforced by the kernel: `/ip firewall filter` and `/ip firewall address-list`,
//! and their IPv6 twins `/ipv6 firewall filter` and `/ipv6 firewall address-list`, translated to nftables
//! and loaded into the router's own network namespace.
//!
//! [`ruleset_dual`] is the pure translation (rules in order into `table inet chrlab`, one nft chain per
//! RouterOS chain and family, one interval set per address list and family; [`ruleset_from`] is its IPv4-only
//! form). [`Enforcer`] applies it with `nft -f -` from a
//! thread that entered the router's namespace, atomically (delete + re-create the table in one
//! transaction), on every change of the router's firewall configuration. [`Enforcer::spawn`] refuses
//! the process's own namespace, so a host firewall is never touched by accident. The one exception is
//! asked for by name: [`Enforcer::spawn_in_own_namespace`] (`ros-sim --enforce-firewall`) is for a
//! simulator that is the whole router of a namespace, container or VM of its own; it rewrites that
//! namespace's `inet chrlab` table (and nothing else) and deletes it when it stops.
//!
//! Semantics kept from RouterOS:
//! * `/ip firewall` sees IPv4 only: every base chain (`input`, …) first accepts non-IPv4 packets; `/ipv6 firewall`
//!   has base chains of its own (`input6`, …), which first accept non-IPv6 packets, its own sets (`al6_N`) and user
//!   chains (`dN`), `ip6` address matches, ICMPv6 `icmp-options` and ICMPv6 `reject-with` replies.
//! * Rules run top to bottom; `accept`/`drop`/`reject` end the chain, `log`/`passthrough` continue;
//!   `log=yes` logs before the action. Empty chains and the end of a chain accept (policy accept).
//! * `connection-state=!established,related` means "state not in the list" (an nft set lookup; nft's
//!   `ct state != a,b` would compare the bitmask for equality and match everything).
//! * Connections are tracked from the enforcer's first ruleset on (even an empty configuration loads a
//!   no-op `ct` rule), so connections opened before a `connection-state` rule keep their `established`
//!   state. A connection opened before the enforcer started is picked up mid-stream as `new`.
//! * `reject-with=tcp-reset` only applies to TCP packets (INFERENCE: the kernel REJECT target RouterOS
//!   builds on accepts tcp-reset only for TCP).
//!
//! * `tcp-flags` / `icmp-options` match only TCP / ICMP packets; `in-interface=all-ethernet` matches the
//!   namespace's `ether*` interfaces.
//! * Logging (`log=yes`, `action=log`) goes to the kernel log, which the kernel suppresses outside the
//!   initial namespace by default (`net.netfilter.nf_log_all_netns=0`): `/log` does not show these lines.
//!
//! A rule this translation cannot enforce faithfully (an unmodelled matcher such as `connection-limit` or
//! `src-mac-address`, `tarpit`, `add-src-to-address-list`, an interface list other than `all`/`none`,
//! ports without a port protocol, a negated `icmp-options` type:code pair) fails the whole translation with a
//! [`FirewallError`] naming the rule: the previous ruleset stays in force and [`EnforcerStatus::Failed`]
//! says why, rather than a silently wider or narrower firewall.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Stdio};

use routeros::firewall::{
    Action, AddressListEntry, Chain, FilterRule, ListAddress, Negatable, RejectWith,
};
use tokio::sync::{oneshot, watch};

use crate::ipv6::{AddressList6Entry, FilterRule6, Reject6};
use crate::netns::NetnsFd;

/// The nftables table the simulator owns inside the router's namespace.
pub const TABLE: &str = "chrlab";

/// A no-op rule whose `ct` expression keeps connection tracking running in the namespace from the first
/// ruleset on, even with no rule that matches on state: the kernel only tracks while some rule uses
/// conntrack, and a connection first seen mid-stream is `new` (not `established`) until it sees a reply.
/// ASSUMPTION: the router tracks connections from boot (RouterOS `connection tracking enabled=auto`
/// switching on only with the first rule is not modelled).
const CONNTRACK_ON: &str = "ct state untracked counter comment \"connection tracking on\"";

/// What stands in for layer 2 in the IPv4 `input` and `output` base chains, before any
/// `/ip firewall` rule: MNDP (UDP 5678) and MAC-Telnet (UDP 20561). On a real router these are
/// not IP at all (MNDP is UDP in a broadcast frame, MAC-Telnet a raw frame to the router's
/// MAC) and `/ip firewall` never sees them; the simulator carries both over UDP/IPv4 on the
/// link (`server/layer2.rs`), so they are accepted here as the router would never filter them.
pub const LAYER2_ACCEPT: &str =
    "meta l4proto 17 udp dport { 5678, 20561 } accept comment \"layer 2: mndp, mac-telnet\"";

/// Why the firewall could not be translated or applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FirewallError {
    #[error("filter rule {index}: {source}")]
    Rule {
        index: usize,
        source: routeros::firewall::FirewallError,
    },
    #[error("address-list entry {index}: {source}")]
    AddressList {
        index: usize,
        source: routeros::firewall::FirewallError,
    },
    #[error("filter rule {index}: cannot enforce {what}")]
    Unsupported { index: usize, what: String },
    #[error("ipv6 filter rule {index}: {source}")]
    Rule6 {
        index: usize,
        source: routeros::firewall::FirewallError,
    },
    #[error("ipv6 address-list entry {index}: {source}")]
    AddressList6 {
        index: usize,
        source: routeros::firewall::FirewallError,
    },
    #[error("ipv6 filter rule {index}: cannot enforce {what}")]
    Unsupported6 { index: usize, what: String },
    #[error("cannot run nft: {0}")]
    Spawn(String),
    #[error("nft rejected the ruleset: {0}")]
    Nft(String),
    #[error("cannot enter the router namespace: {0}")]
    Namespace(String),
    #[error("refusing to program the firewall of the process's own network namespace")]
    HostNamespace,
    #[error("the firewall enforcer has stopped")]
    Stopped,
}

/// A view of the router's firewall configuration: CLI-form property rows, in order.
/// Implemented for the sim model's `FirewallSnapshot` and for `(filter, address_lists)` tuples.
pub trait FirewallConfig {
    fn filter(&self) -> &[Vec<(String, String)>];
    fn address_lists(&self) -> &[Vec<(String, String)>];
    /// `/ipv6 firewall filter` rules (none unless the source has them).
    fn filter6(&self) -> &[Vec<(String, String)>] {
        &[]
    }
    /// `/ipv6 firewall address-list` entries.
    fn address_lists6(&self) -> &[Vec<(String, String)>] {
        &[]
    }
    /// A number bumped on every change, when the source keeps one (the router does): then
    /// [`Enforcer::settled`] waits for the configuration of the call or a later one, not for a
    /// ruleset equal to it (which an older configuration may also have produced).
    fn generation(&self) -> Option<u64> {
        None
    }
}

impl FirewallConfig for (Vec<Vec<(String, String)>>, Vec<Vec<(String, String)>>) {
    fn filter(&self) -> &[Vec<(String, String)>] {
        &self.0
    }
    fn address_lists(&self) -> &[Vec<(String, String)>] {
        &self.1
    }
}

impl FirewallConfig for crate::router::FirewallSnapshot {
    fn filter(&self) -> &[Vec<(String, String)>] {
        &self.filter
    }
    fn address_lists(&self) -> &[Vec<(String, String)>] {
        &self.address_lists
    }
    fn filter6(&self) -> &[Vec<(String, String)>] {
        &self.filter6
    }
    fn address_lists6(&self) -> &[Vec<(String, String)>] {
        &self.address_lists6
    }
    fn generation(&self) -> Option<u64> {
        Some(self.generation)
    }
}

/// The nft script for a firewall configuration (see [`ruleset_from`]).
pub fn ruleset(config: &impl FirewallConfig) -> Result<String, FirewallError> {
    ruleset_dual(
        config.filter(),
        config.address_lists(),
        config.filter6(),
        config.address_lists6(),
    )
}

/// Translates filter rules and address-list entries (CLI-form props, in order) into an nft script that
/// atomically replaces `table inet chrlab` (IPv4 only; see [`ruleset_dual`]).
pub fn ruleset_from(
    filter: &[Vec<(String, String)>],
    address_lists: &[Vec<(String, String)>],
) -> Result<String, FirewallError> {
    ruleset_dual(filter, address_lists, &[], &[])
}

/// One family's translated configuration: its sets and chain bodies.
struct Translated {
    sets: Sets,
    chains: BTreeMap<String, Vec<String>>,
    custom: CustomChains,
}

fn translate_v4(
    filter: &[Vec<(String, String)>],
    address_lists: &[Vec<(String, String)>],
) -> Result<Translated, FirewallError> {
    let mut sets = Sets::default();
    for (index, props) in address_lists.iter().enumerate() {
        let entry = AddressListEntry::from_props(props)
            .map_err(|source| FirewallError::AddressList { index, source })?;
        let elements = sets.get(&entry.list);
        if entry.disabled {
            continue;
        }
        match entry.address {
            ListAddress::Ip(a) => elements.push(a.to_string()),
            ListAddress::Host(h) => {
                tracing::warn!(list = %entry.list, host = %h, "address-list host names are not resolved by the simulator")
            }
        }
    }
    let mut chains: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut custom = CustomChains::new("c");
    for (index, props) in filter.iter().enumerate() {
        let rule = FilterRule::from_props(props)
            .map_err(|source| FirewallError::Rule { index, source })?;
        if rule.disabled {
            continue;
        }
        let chain = chain_ident(&rule.chain, &mut custom, "");
        let body = chains.entry(chain).or_default();
        let fam = Family::v4(&rule);
        if let Some(line) = translate(index, &rule, &fam, &mut sets, &mut custom)? {
            body.push(line);
        }
    }
    Ok(Translated {
        sets,
        chains,
        custom,
    })
}

fn translate_v6(
    filter: &[Vec<(String, String)>],
    address_lists: &[Vec<(String, String)>],
) -> Result<Translated, FirewallError> {
    let mut sets = Sets::default();
    for (index, props) in address_lists.iter().enumerate() {
        let entry = AddressList6Entry::from_props(props)
            .map_err(|source| FirewallError::AddressList6 { index, source })?;
        let elements = sets.get(&entry.list);
        if !entry.disabled {
            elements.push(entry.address.to_string());
        }
    }
    let mut chains: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut custom = CustomChains::new("d");
    for (index, props) in filter.iter().enumerate() {
        let rule6 = FilterRule6::from_props(props)
            .map_err(|source| FirewallError::Rule6 { index, source })?;
        if rule6.rule.disabled {
            continue;
        }
        let chain = chain_ident(&rule6.rule.chain, &mut custom, "6");
        let body = chains.entry(chain).or_default();
        let fam = Family::v6(index, &rule6)?;
        let line =
            translate(index, &rule6.rule, &fam, &mut sets, &mut custom).map_err(|e| match e {
                FirewallError::Unsupported { index, what } => {
                    FirewallError::Unsupported6 { index, what }
                }
                other => other,
            })?;
        body.extend(line);
    }
    Ok(Translated {
        sets,
        chains,
        custom,
    })
}

/// Translates `/ip firewall` (IPv4) and `/ipv6 firewall` (IPv6) together into one nft script that
/// atomically replaces `table inet chrlab`: each family has its own base chains (`input`, …, and
/// `input6`, …), which first accept every packet of the other family, and its own sets (`al0`, …,
/// `al6_0`, …) and user chains (`c0`, …, `d0`, …), so a rule of one family never sees a packet of
/// the other.
pub fn ruleset_dual(
    filter: &[Vec<(String, String)>],
    address_lists: &[Vec<(String, String)>],
    filter6: &[Vec<(String, String)>],
    address_lists6: &[Vec<(String, String)>],
) -> Result<String, FirewallError> {
    let v4 = translate_v4(filter, address_lists)?;
    let v6 = translate_v6(filter6, address_lists6)?;

    let mut out = String::new();
    let _ = writeln!(out, "add table inet {TABLE}");
    let _ = writeln!(out, "delete table inet {TABLE}");
    let _ = writeln!(out, "table inet {TABLE} {{");
    for (t, set_prefix, ty) in [(&v4, "al", "ipv4_addr"), (&v6, "al6_", "ipv6_addr")] {
        for (i, (name, elements)) in t.sets.lists.iter().enumerate() {
            let _ = writeln!(out, "\t# address-list {}", sanitize(name));
            let _ = writeln!(out, "\tset {set_prefix}{i} {{");
            let _ = writeln!(out, "\t\ttype {ty}");
            let _ = writeln!(out, "\t\tflags interval");
            let _ = writeln!(out, "\t\tauto-merge");
            if !elements.is_empty() {
                let _ = writeln!(out, "\t\telements = {{ {} }}", elements.join(", "));
            }
            let _ = writeln!(out, "\t}}");
        }
    }
    for (suffix, t, nfproto) in [("", &v4, "ipv4"), ("6", &v6, "ipv6")] {
        for base in ["input", "forward", "output"] {
            let _ = writeln!(out, "\tchain {base}{suffix} {{");
            let _ = writeln!(
                out,
                "\t\ttype filter hook {base} priority 0; policy accept;"
            );
            let _ = writeln!(out, "\t\tmeta nfproto != {nfproto} accept");
            let _ = writeln!(out, "\t\t{CONNTRACK_ON}");
            if suffix.is_empty() && base != "forward" {
                let _ = writeln!(out, "\t\t{LAYER2_ACCEPT}");
            }
            for line in t
                .chains
                .get(&format!("{base}{suffix}"))
                .into_iter()
                .flatten()
            {
                let _ = writeln!(out, "\t\t{line}");
            }
            let _ = writeln!(out, "\t}}");
        }
    }
    for t in [&v4, &v6] {
        for (name, ident) in &t.custom.idents {
            let _ = writeln!(out, "\t# chain {}", sanitize(name));
            let _ = writeln!(out, "\tchain {ident} {{");
            for line in t.chains.get(ident).into_iter().flatten() {
                let _ = writeln!(out, "\t\t{line}");
            }
            let _ = writeln!(out, "\t}}");
        }
    }
    let _ = writeln!(out, "}}");
    Ok(out)
}

/// What differs between the IPv4 and the IPv6 translation of one rule.
struct Family {
    /// `ip` or `ip6`.
    ip: &'static str,
    /// The prefix of the family's set names.
    set_prefix: &'static str,
    /// The address matchers, translated.
    addresses: Vec<Cond>,
    /// The ICMP protocol number and nft keyword (`icmp`/`icmpv6`).
    icmp: (u8, &'static str),
    /// The nft reject statement of `action=reject`, and whether it is a TCP reset.
    reject: (String, bool),
    /// How the nft comment names the rule (`filter 3`, `ipv6 filter 3`).
    comment: &'static str,
}

impl Family {
    fn v4(rule: &FilterRule) -> Family {
        let mut addresses = Vec::new();
        if let Some(m) = &rule.src_address {
            addresses.push(address("ip", "saddr", m));
        }
        if let Some(m) = &rule.dst_address {
            addresses.push(address("ip", "daddr", m));
        }
        let with = rule.effective_reject_with();
        Family {
            ip: "ip",
            set_prefix: "al",
            addresses,
            icmp: (1, "icmp"),
            reject: (reject(with).to_string(), with == RejectWith::TcpReset),
            comment: "filter",
        }
    }

    fn v6(index: usize, rule: &FilterRule6) -> Result<Family, FirewallError> {
        let mut addresses = Vec::new();
        if let Some(m) = &rule.src_address {
            addresses.push(address("ip6", "saddr", m));
        }
        if let Some(m) = &rule.dst_address {
            addresses.push(address("ip6", "daddr", m));
        }
        let with = rule.effective_reject_with();
        let statement = match with {
            Reject6::IcmpNoRoute => "reject with icmpv6 type no-route",
            Reject6::IcmpAdminProhibited => "reject with icmpv6 type admin-prohibited",
            Reject6::IcmpAddressUnreachable => "reject with icmpv6 type addr-unreachable",
            Reject6::IcmpPortUnreachable => "reject with icmpv6 type port-unreachable",
            Reject6::TcpReset => "reject with tcp reset",
            Reject6::IcmpNotNeighbour if rule.rule.action == Action::Reject => {
                return Err(FirewallError::Unsupported6 {
                    index,
                    what: "reject-with=icmp-not-neighbour (nft has no such ICMPv6 reply)".into(),
                });
            }
            Reject6::IcmpNotNeighbour => "",
        };
        Ok(Family {
            ip: "ip6",
            set_prefix: "al6_",
            addresses,
            icmp: (58, "icmpv6"),
            reject: (statement.to_string(), with == Reject6::TcpReset),
            comment: "ipv6 filter",
        })
    }
}

/// Address lists in order of first mention, each with its elements.
#[derive(Default)]
struct Sets {
    lists: Vec<(String, Vec<String>)>,
}

impl Sets {
    fn index(&mut self, name: &str) -> usize {
        match self.lists.iter().position(|(n, _)| n == name) {
            Some(i) => i,
            None => {
                self.lists.push((name.to_string(), Vec::new()));
                self.lists.len() - 1
            }
        }
    }
    fn get(&mut self, name: &str) -> &mut Vec<String> {
        let i = self.index(name);
        &mut self.lists[i].1
    }
}

/// User-defined chains, named `c0`, `c1`, ... (IPv6: `d0`, ...) in order of first mention.
struct CustomChains {
    prefix: &'static str,
    idents: BTreeMap<String, String>,
}

impl CustomChains {
    fn new(prefix: &'static str) -> CustomChains {
        CustomChains {
            prefix,
            idents: BTreeMap::new(),
        }
    }
    fn ident(&mut self, name: &str) -> String {
        let next = format!("{}{}", self.prefix, self.idents.len());
        self.idents.entry(name.to_string()).or_insert(next).clone()
    }
}

/// The nft chain of a RouterOS chain; `suffix` tells the family's base chains apart (`input6`).
fn chain_ident(chain: &Chain, custom: &mut CustomChains, suffix: &str) -> String {
    match chain {
        Chain::Input => format!("input{suffix}"),
        Chain::Forward => format!("forward{suffix}"),
        Chain::Output => format!("output{suffix}"),
        Chain::Custom(name) => custom.ident(name),
    }
}

/// Text safe inside an nft quoted string or comment.
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// One matcher's translation: always true (omitted), never true (the rule can be left out), or an expression.
#[derive(Clone)]
enum Cond {
    Always,
    Never,
    Expr(String),
}

fn op(negated: bool) -> &'static str {
    if negated { "!= " } else { "" }
}

fn address(ip: &str, field: &str, m: &Negatable<impl std::fmt::Display>) -> Cond {
    Cond::Expr(format!("{ip} {field} {}{}", op(m.negated), m.value))
}

fn interface(field: &str, m: &Negatable<String>) -> Cond {
    let name = if m.value == "all-ethernet" {
        "ether*".to_string()
    } else {
        m.value.clone()
    };
    // Linux names are at most 15 bytes and carry no quotes: such a name matches no interface here.
    if name.len() > 15 || name.contains('"') || name.contains('\\') {
        return if m.negated { Cond::Always } else { Cond::Never };
    }
    Cond::Expr(format!("{field} {}\"{name}\"", op(m.negated)))
}

fn interface_list(index: usize, field: &str, m: &Negatable<String>) -> Result<Cond, FirewallError> {
    match (m.value.as_str(), m.negated) {
        ("all", false) | ("none", true) => Ok(Cond::Always),
        ("all", true) | ("none", false) => Ok(Cond::Never),
        _ => Err(FirewallError::Unsupported {
            index,
            what: format!("{field}={m} (interface lists are not simulated)"),
        }),
    }
}

fn translate(
    index: usize,
    rule: &FilterRule,
    fam: &Family,
    sets: &mut Sets,
    custom: &mut CustomChains,
) -> Result<Option<String>, FirewallError> {
    let unsupported = |what: String| FirewallError::Unsupported { index, what };
    if let Some((k, v)) = rule.unmodelled.first() {
        return Err(unsupported(format!("{k}={v}")));
    }
    let mut conds = Vec::new();
    if let Some(m) = &rule.in_interface {
        conds.push(interface("iifname", m));
    }
    if let Some(m) = &rule.out_interface {
        conds.push(interface("oifname", m));
    }
    if let Some(m) = &rule.in_interface_list {
        conds.push(interface_list(index, "in-interface-list", m)?);
    }
    if let Some(m) = &rule.out_interface_list {
        conds.push(interface_list(index, "out-interface-list", m)?);
    }
    conds.extend(fam.addresses.iter().cloned());
    let (ip, prefix) = (fam.ip, fam.set_prefix);
    if let Some(m) = &rule.src_address_list {
        let set = sets.index(&m.value);
        conds.push(Cond::Expr(format!(
            "{ip} saddr {}@{prefix}{set}",
            op(m.negated)
        )));
    }
    if let Some(m) = &rule.dst_address_list {
        let set = sets.index(&m.value);
        conds.push(Cond::Expr(format!(
            "{ip} daddr {}@{prefix}{set}",
            op(m.negated)
        )));
    }
    let tcp_reset = rule.action == Action::Reject && fam.reject.1;
    match &rule.protocol {
        Some(p) => conds.push(Cond::Expr(format!(
            "meta l4proto {}{}",
            op(p.negated),
            p.value.number()
        ))),
        None if tcp_reset => conds.push(Cond::Expr("meta l4proto 6".into())),
        None => {}
    }
    if tcp_reset
        && rule
            .protocol
            .as_ref()
            .is_some_and(|p| p.negated || p.value.number() != 6)
    {
        // Only TCP packets could match, and this rule excludes them.
        return Ok(None);
    }
    for (field, ports) in [("sport", &rule.src_port), ("dport", &rule.dst_port)] {
        let Some(ports) = ports else { continue };
        if !rule
            .protocol
            .as_ref()
            .is_some_and(|p| !p.negated && p.value.has_ports())
        {
            return Err(unsupported(format!(
                "{}-port={ports} without protocol=tcp|udp|dccp|sctp|udp-lite",
                if field == "sport" { "src" } else { "dst" }
            )));
        }
        let items: Vec<String> = ports
            .value
            .0
            .iter()
            .map(|r| {
                if r.lo == r.hi {
                    r.lo.to_string()
                } else {
                    format!("{}-{}", r.lo, r.hi)
                }
            })
            .collect();
        conds.push(Cond::Expr(format!(
            "th {field} {}{{ {} }}",
            op(ports.negated),
            items.join(", ")
        )));
    }
    let protocol_is = |n: u8| {
        rule.protocol
            .as_ref()
            .is_none_or(|p| p.negated || p.value.number() == n)
    };
    if let Some(flags) = &rule.tcp_flags {
        if !protocol_is(6) {
            return Ok(None); // tcp-flags only match TCP packets
        }
        let names = |pick: &dyn Fn(bool) -> bool| -> Vec<&str> {
            flags
                .0
                .iter()
                .filter(|(_, set)| pick(*set))
                .map(|(f, _)| f.word())
                .collect()
        };
        let mask = names(&|_| true).join(" | ");
        let set = names(&|set| set);
        let value = if set.is_empty() {
            "0x0".to_string()
        } else {
            set.join(" | ")
        };
        conds.push(Cond::Expr(format!("tcp flags & ({mask}) == {value}")));
    }
    if let Some(m) = &rule.icmp_options {
        let (number, icmp) = fam.icmp;
        if !protocol_is(number) {
            return Ok(None); // icmp-options only match ICMP (IPv6: ICMPv6) packets
        }
        match (m.negated, m.value.code) {
            (negated, None) => conds.push(Cond::Expr(format!(
                "{icmp} type {}{}",
                op(negated),
                m.value.icmp_type
            ))),
            (false, Some(code)) => {
                conds.push(Cond::Expr(format!(
                    "{icmp} type {} {icmp} code {code}",
                    m.value.icmp_type
                )));
            }
            (true, Some(_)) => {
                return Err(unsupported(format!(
                    "icmp-options={m} (a negated type:code pair)"
                )));
            }
        }
    }
    if let Some(m) = &rule.connection_state {
        let words: Vec<&str> = m.value.0.iter().map(|s| s.word()).collect();
        conds.push(Cond::Expr(format!(
            "ct state {}{{ {} }}",
            op(m.negated),
            words.join(", ")
        )));
    }

    let mut parts = Vec::new();
    for c in conds {
        match c {
            Cond::Always => {}
            Cond::Never => return Ok(None),
            Cond::Expr(e) => parts.push(e),
        }
    }
    parts.push("counter".into());
    if rule.log || rule.action == Action::Log {
        // The kernel keeps at most 127 bytes of a log prefix.
        let prefix: String = sanitize(&rule.log_prefix).chars().take(120).collect();
        parts.push(if prefix.is_empty() {
            "log".into()
        } else {
            format!("log prefix \"{prefix} \"")
        });
    }
    let verdict = match rule.action {
        Action::Accept => Some("accept".to_string()),
        Action::Drop => Some("drop".to_string()),
        Action::Reject => Some(fam.reject.0.clone()),
        Action::Log | Action::Passthrough | Action::FasttrackConnection => None,
        Action::Return => Some("return".to_string()),
        Action::Jump => match &rule.jump_target {
            Some(target) => Some(format!("jump {}", custom.ident(target))),
            None => return Err(unsupported("action=jump without jump-target".into())),
        },
        Action::Tarpit | Action::AddSrcToAddressList | Action::AddDstToAddressList => {
            return Err(unsupported(format!("action={}", rule.action)));
        }
    };
    parts.extend(verdict);
    parts.push(format!("comment \"{} {index}\"", fam.comment));
    Ok(Some(parts.join(" ")))
}

fn reject(with: RejectWith) -> &'static str {
    match with {
        RejectWith::IcmpNetworkUnreachable => "reject with icmp type net-unreachable",
        RejectWith::IcmpHostUnreachable => "reject with icmp type host-unreachable",
        RejectWith::IcmpProtocolUnreachable => "reject with icmp type prot-unreachable",
        RejectWith::IcmpPortUnreachable => "reject with icmp type port-unreachable",
        RejectWith::IcmpNetProhibited => "reject with icmp type net-prohibited",
        RejectWith::IcmpHostProhibited => "reject with icmp type host-prohibited",
        RejectWith::IcmpAdminProhibited => "reject with icmp type admin-prohibited",
        RejectWith::TcpReset => "reject with tcp reset",
    }
}

/// What the enforcer last did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnforcerStatus {
    /// Nothing applied yet.
    Starting,
    /// This nft script is in force.
    Applied { ruleset: String },
    /// The configuration could not be enforced; the previous ruleset (if any) stays in force.
    /// `ruleset` is the script nft rejected, `None` when translation failed.
    Failed {
        ruleset: Option<String>,
        error: FirewallError,
    },
    /// The enforcer stopped (and removed its table).
    Stopped,
}

/// Applies the router's firewall configuration to a network namespace, following every change.
pub struct Enforcer {
    thread: crate::follower::Follower,
    status: watch::Receiver<EnforcerStatus>,
    /// The generation of the configuration last applied (or refused).
    enforced: watch::Receiver<Option<u64>>,
    desired: Box<dyn Fn() -> Desired + Send + Sync>,
}

/// The configuration in the channel now: its generation (when it has one) and its ruleset.
type Desired = (Option<u64>, Result<String, FirewallError>);

impl Enforcer {
    /// Starts enforcing `rx`'s current value and each later change inside `ns`, which must not
    /// be the process's own namespace ([`FirewallError::HostNamespace`]).
    pub fn spawn<C>(ns: NetnsFd, rx: watch::Receiver<C>) -> Enforcer
    where
        C: FirewallConfig + Send + Sync + 'static,
    {
        Enforcer::start(ns, rx, Scope::Isolated)
    }

    /// Like [`Enforcer::spawn`], in the namespace the process runs in: for a simulator that is
    /// the whole router of a namespace, container or VM of its own (`ros-sim --enforce-firewall`).
    /// It replaces that namespace's `inet chrlab` table and removes it when stopped.
    pub fn spawn_in_own_namespace<C>(rx: watch::Receiver<C>) -> Result<Enforcer, FirewallError>
    where
        C: FirewallConfig + Send + Sync + 'static,
    {
        let ns = NetnsFd::current().map_err(|e| FirewallError::Namespace(e.to_string()))?;
        Ok(Enforcer::start(ns, rx, Scope::Own))
    }

    fn start<C>(ns: NetnsFd, rx: watch::Receiver<C>, scope: Scope) -> Enforcer
    where
        C: FirewallConfig + Send + Sync + 'static,
    {
        let (status_tx, status) = watch::channel(EnforcerStatus::Starting);
        let (enforced_tx, enforced) = watch::channel(None);
        let latest = rx.clone();
        let desired = Box::new(move || {
            let config = latest.borrow();
            (config.generation(), ruleset(&*config))
        });
        let thread = crate::follower::Follower::spawn("firewall-enforcer", move |stop_rx| {
            enforce(ns, scope, rx, stop_rx, status_tx, enforced_tx)
        });
        Enforcer {
            thread,
            status,
            enforced,
            desired,
        }
    }

    /// The enforcer's status, live.
    pub fn status(&self) -> watch::Receiver<EnforcerStatus> {
        self.status.clone()
    }

    /// Waits until the configuration currently in the channel is in force (or has failed).
    pub async fn settled(&self) -> Result<(), FirewallError> {
        let (generation, want) = (self.desired)();
        if let Some(wanted) = generation {
            let mut enforced = self.enforced.clone();
            enforced
                .wait_for(|g| g.is_some_and(|g| g >= wanted))
                .await
                .map_err(|_| FirewallError::Stopped)?;
            return match &*self.status.borrow() {
                EnforcerStatus::Failed { error, .. } => Err(error.clone()),
                EnforcerStatus::Stopped => Err(FirewallError::Stopped),
                _ => Ok(()),
            };
        }
        let mut status = self.status.clone();
        let done = status
            .wait_for(|s| match (s, &want) {
                (EnforcerStatus::Applied { ruleset }, Ok(w)) => ruleset == w,
                (
                    EnforcerStatus::Failed {
                        ruleset: Some(r), ..
                    },
                    Ok(w),
                ) => r == w,
                (
                    EnforcerStatus::Failed {
                        ruleset: None,
                        error,
                    },
                    Err(e),
                ) => error == e,
                (EnforcerStatus::Stopped, _) => true,
                _ => false,
            })
            .await
            .map_err(|_| FirewallError::Stopped)?;
        match &*done {
            EnforcerStatus::Failed { error, .. } => Err(error.clone()),
            EnforcerStatus::Stopped => Err(FirewallError::Stopped),
            _ => Ok(()),
        }
    }

    /// Stops following changes and removes the table from the namespace.
    pub fn shutdown(mut self) {
        self.thread.stop();
    }
}

/// Which namespaces an enforcer accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Only one that is not the process's own.
    Isolated,
    /// The process's own (the simulator owns the namespace).
    Own,
}

fn enforce<C: FirewallConfig>(
    ns: NetnsFd,
    scope: Scope,
    mut rx: watch::Receiver<C>,
    mut stop: oneshot::Receiver<()>,
    status: watch::Sender<EnforcerStatus>,
    enforced: watch::Sender<Option<u64>>,
) {
    if let Err(error) = enter(&ns, scope) {
        tracing::error!(%error, "firewall not enforced");
        status.send_replace(EnforcerStatus::Failed {
            ruleset: None,
            error,
        });
        // No configuration will ever be enforced: every generation has its (failed) outcome.
        enforced.send_replace(Some(u64::MAX));
        let _ = stop.blocking_recv();
        status.send_replace(EnforcerStatus::Stopped);
        return;
    }
    icmp_rate_limit();
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let error = FirewallError::Spawn(format!("runtime: {e}"));
            status.send_replace(EnforcerStatus::Failed {
                ruleset: None,
                error,
            });
            enforced.send_replace(Some(u64::MAX));
            return;
        }
    };
    rt.block_on(async {
        loop {
            let (generation, text) = {
                let config = rx.borrow_and_update();
                (config.generation(), ruleset(&*config))
            };
            let unchanged = matches!((&*status.borrow(), &text),
                (EnforcerStatus::Applied { ruleset }, Ok(t)) if ruleset == t);
            let next = match text {
                // Edits that do not change what is enforced (comments) keep the table and its counters.
                Ok(_) if unchanged => None,
                Ok(text) => Some(match nft(&text) {
                    Ok(()) => {
                        tracing::debug!("firewall ruleset applied");
                        EnforcerStatus::Applied { ruleset: text }
                    }
                    Err(error) => {
                        tracing::error!(%error, "firewall ruleset rejected");
                        EnforcerStatus::Failed {
                            ruleset: Some(text),
                            error,
                        }
                    }
                }),
                Err(error) => {
                    tracing::error!(%error, "firewall configuration cannot be enforced");
                    Some(EnforcerStatus::Failed {
                        ruleset: None,
                        error,
                    })
                }
            };
            if let Some(next) = next {
                status.send_replace(next);
            }
            // After the status, so a waiter that sees the generation reads its outcome.
            if generation.is_some() {
                enforced.send_replace(generation);
            }
            tokio::select! {
                changed = rx.changed() => if changed.is_err() { break },
                _ = &mut stop => break,
            }
        }
    });
    if let Err(error) = nft(&format!(
        "add table inet {TABLE}\ndelete table inet {TABLE}\n"
    )) {
        tracing::warn!(%error, "cannot remove the firewall table");
    }
    status.send_replace(EnforcerStatus::Stopped);
}

/// RouterOS's factory `/ip settings icmp-rate-limit=10 icmp-rate-mask=0x1818` (manual, "IP
/// Settings"), made the namespace's own: at most one ICMP error of the masked types (destination
/// unreachable, source quench, time exceeded, parameter problem) per 10 ms and destination,
/// where Linux's default is one per second. Later changes of `/ip settings` are not followed
/// (FIDELITY.md). Called on a thread inside the router's namespace: `/proc/sys/net` is that
/// namespace's. A read-only `/proc/sys` (a container) keeps the kernel's default, with a warning.
fn icmp_rate_limit() {
    for (key, value) in [("icmp_ratelimit", "10"), ("icmp_ratemask", "6168")] {
        let path = format!("/proc/sys/net/ipv4/{key}");
        if let Err(error) = std::fs::write(&path, value) {
            tracing::warn!(%path, %error, "cannot apply RouterOS's ICMP rate limit");
        }
    }
}

/// Enters `ns` on this thread, refusing the process's own namespace unless `scope` is `Own`.
fn enter(ns: &NetnsFd, scope: Scope) -> Result<(), FirewallError> {
    let own = std::fs::metadata("/proc/self/ns/net")
        .map(|m| std::os::unix::fs::MetadataExt::ino(&m))
        .map_err(|e| FirewallError::Namespace(e.to_string()))?;
    let target = ns
        .inode()
        .map_err(|e| FirewallError::Namespace(e.to_string()))?;
    if own == target {
        return match scope {
            Scope::Own => Ok(()),
            Scope::Isolated => Err(FirewallError::HostNamespace),
        };
    }
    ns.enter_current_thread()
        .map_err(|e| FirewallError::Namespace(e.to_string()))?;
    let now = NetnsFd::current()
        .and_then(|n| n.inode())
        .map_err(|e| FirewallError::Namespace(e.to_string()))?;
    if now != target {
        return Err(FirewallError::Namespace("setns did not take effect".into()));
    }
    Ok(())
}

/// Runs `nft -f -` with `script` on stdin; the child inherits this thread's network namespace.
fn nft(script: &str) -> Result<(), FirewallError> {
    let mut child = Command::new(nft_path())
        .args(["-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| FirewallError::Spawn(e.to_string()))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(script.as_bytes())
            .map_err(|e| FirewallError::Spawn(e.to_string()))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| FirewallError::Spawn(e.to_string()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(FirewallError::Nft(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ))
    }
}

fn nft_path() -> String {
    for dir in ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] {
        let p = format!("{dir}/nft");
        if std::path::Path::new(&p).exists() {
            return p;
        }
    }
    "nft".into()
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

    /// Translates `rules` (one CLI-form rule per line) and `lists`, and returns the chain bodies and set
    /// definitions without the fixed scaffolding, one trimmed line each.
    fn body(rules: &str, lists: &str) -> Result<Vec<String>, String> {
        let filter: Vec<_> = rules
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(props)
            .collect();
        let lists: Vec<_> = lists
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(props)
            .collect();
        let text = ruleset_from(&filter, &lists).map_err(|e| e.to_string())?;
        Ok(text
            .lines()
            .map(str::trim)
            .filter(|l| {
                !l.starts_with("add table")
                    && !l.starts_with("delete table")
                    && !l.starts_with("table inet")
                    && !l.starts_with("type filter hook")
                    && *l != "meta nfproto != ipv4 accept"
                    && *l != "meta nfproto != ipv6 accept"
                    && *l != CONNTRACK_ON
                    && *l != LAYER2_ACCEPT
                    && *l != "}"
                    && !(l.starts_with("chain ")
                        && [
                            "input", "forward", "output", "input6", "forward6", "output6",
                        ]
                        .iter()
                        .any(|b| *l == format!("chain {b} {{")))
            })
            .map(String::from)
            .collect())
    }

    fn check(rules: &str, lists: &str, want: &[&str]) {
        match body(rules, lists) {
            Ok(got) => assert_eq!(got, want, "rules:\n{rules}"),
            Err(e) => panic!("rules:\n{rules}\nfailed: {e}"),
        }
    }

    fn lines(text: &str) -> Vec<Vec<(String, String)>> {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(props)
            .collect()
    }

    /// The whole script for IPv4 and IPv6 rules and lists.
    fn dual(rules: &str, lists: &str, rules6: &str, lists6: &str) -> Result<String, String> {
        ruleset_dual(&lines(rules), &lines(lists), &lines(rules6), &lines(lists6))
            .map_err(|e| e.to_string())
    }

    /// The body of one nft chain (or set) of a script, one trimmed line each, without its
    /// `type`/`meta nfproto`/conntrack scaffolding.
    fn chain_body(text: &str, header: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut inside = false;
        for line in text.lines().map(str::trim) {
            if line == header {
                inside = true;
                continue;
            }
            if inside && line == "}" {
                break;
            }
            if inside
                && !line.starts_with("type filter hook")
                && !line.starts_with("meta nfproto")
                && line != CONNTRACK_ON
                && line != LAYER2_ACCEPT
            {
                out.push(line.to_string());
            }
        }
        out
    }

    fn check6(rules6: &str, lists6: &str, chain: &str, want: &[&str]) {
        match dual("", "", rules6, lists6) {
            Ok(text) => assert_eq!(chain_body(&text, chain), want, "rules:\n{rules6}\n{text}"),
            Err(e) => panic!("rules:\n{rules6}\nfailed: {e}"),
        }
    }

    #[test]
    fn ipv6_rules_go_to_their_own_chains_and_match_ip6() {
        let text = dual(
            "chain=input action=drop protocol=tcp dst-port=22 src-address=192.0.2.66",
            "",
            "chain=input action=drop protocol=tcp dst-port=22 src-address=2001:db8::66",
            "",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        // Each family's base chains first accept the other family's packets.
        assert!(text.contains("\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t\tmeta nfproto != ipv4 accept\n"));
        assert!(text.contains("\tchain input6 {\n\t\ttype filter hook input priority 0; policy accept;\n\t\tmeta nfproto != ipv6 accept\n"));
        assert_eq!(
            chain_body(&text, "chain input {"),
            [
                r#"ip saddr 192.0.2.66 meta l4proto 6 th dport { 22 } counter drop comment "filter 0""#
            ]
        );
        assert_eq!(
            chain_body(&text, "chain input6 {"),
            [
                r#"ip6 saddr 2001:db8::66 meta l4proto 6 th dport { 22 } counter drop comment "ipv6 filter 0""#
            ]
        );
        for base in ["forward6", "output6"] {
            assert_eq!(
                chain_body(&text, &format!("chain {base} {{")),
                Vec::<String>::new()
            );
        }
    }

    #[test]
    fn ipv6_matchers_sets_icmpv6_and_rejects() {
        check6(
            "chain=input action=accept src-address-list=mgmt6
             chain=input action=drop src-address=!2001:db8::/64 dst-address=2001:db8::1-2001:db8::9
             chain=input action=accept protocol=icmpv6 icmp-options=128:0
             chain=input action=accept protocol=icmp icmp-options=8
             chain=input action=reject protocol=tcp
             chain=input action=reject reject-with=tcp-reset
             chain=input action=reject reject-with=icmp-admin-prohibited
             chain=input action=jump jump-target=mine
             chain=mine action=return disabled=yes",
            "list=mgmt6 address=2001:db8::10/128
             list=mgmt6 address=2001:db8:1::/48",
            "chain input6 {",
            &[
                r#"ip6 saddr @al6_0 counter accept comment "ipv6 filter 0""#,
                r#"ip6 saddr != 2001:db8::/64 ip6 daddr 2001:db8::1-2001:db8::9 counter drop comment "ipv6 filter 1""#,
                r#"meta l4proto 58 icmpv6 type 128 icmpv6 code 0 counter accept comment "ipv6 filter 2""#,
                // ICMPv4 options never match an IPv6 packet: rule 3 is left out.
                r#"meta l4proto 6 counter reject with icmpv6 type no-route comment "ipv6 filter 4""#,
                r#"meta l4proto 6 counter reject with tcp reset comment "ipv6 filter 5""#,
                r#"counter reject with icmpv6 type admin-prohibited comment "ipv6 filter 6""#,
                r#"counter jump d0 comment "ipv6 filter 7""#,
            ],
        );
        check6(
            "",
            "list=mgmt6 address=2001:db8::10/128
             list=mgmt6 address=2001:db8:1::/48
             list=off address=2001:db8::99 disabled=yes",
            "set al6_0 {",
            &[
                "type ipv6_addr",
                "flags interval",
                "auto-merge",
                "elements = { 2001:db8::10, 2001:db8:1::/48 }",
            ],
        );
    }

    #[test]
    fn ipv6_refusals_name_the_ipv6_rule() {
        let err = |rules6: &str, lists6: &str| dual("", "", rules6, lists6).err();
        assert_eq!(
            err("chain=input src-address=192.0.2.1", "").as_deref(),
            Some(r#"ipv6 filter rule 0: invalid value for src-address: "192.0.2.1""#)
        );
        assert_eq!(
            err(
                "chain=input action=reject reject-with=icmp-not-neighbour",
                ""
            )
            .as_deref(),
            Some(
                "ipv6 filter rule 0: cannot enforce reject-with=icmp-not-neighbour (nft has no such ICMPv6 reply)"
            )
        );
        assert_eq!(
            err("chain=input connection-limit=3,32", "").as_deref(),
            Some("ipv6 filter rule 0: cannot enforce connection-limit=3,32")
        );
        assert_eq!(
            err("", "list=a address=198.51.100.1").as_deref(),
            Some(r#"ipv6 address-list entry 0: invalid value for address: "198.51.100.1""#)
        );
    }

    fn check_err(rules: &str, lists: &str, want: &str) {
        match body(rules, lists) {
            Ok(got) => panic!("rules:\n{rules}\nunexpectedly translated: {got:#?}"),
            Err(e) => assert_eq!(e, want),
        }
    }

    #[test]
    fn seed_article_rules() {
        check(
            "action=accept chain=input dst-port=22,80,8291 protocol=tcp src-address=192.0.2.10
             action=drop chain=input connection-state=!established,related dst-port=22,80,8291 protocol=tcp",
            "",
            &[
                r#"ip saddr 192.0.2.10 meta l4proto 6 th dport { 22, 80, 8291 } counter accept comment "filter 0""#,
                r#"meta l4proto 6 th dport { 22, 80, 8291 } ct state != { established, related } counter drop comment "filter 1""#,
            ],
        );
    }

    #[test]
    fn empty_config_is_three_empty_accepting_chains() {
        let text = ruleset_from(&[], &[]).unwrap_or_default();
        assert!(
            text.starts_with(
                "add table inet chrlab\ndelete table inet chrlab\ntable inet chrlab {\n"
            )
        );
        for base in ["input", "forward", "output"] {
            let layer2 = if base == "forward" {
                String::new()
            } else {
                format!("\t\t{LAYER2_ACCEPT}\n")
            };
            assert!(text.contains(&format!("\tchain {base} {{\n\t\ttype filter hook {base} priority 0; policy accept;\n\t\tmeta nfproto != ipv4 accept\n\t\t{CONNTRACK_ON}\n{layer2}\t}}\n")));
        }
    }

    #[test]
    fn reject_with_every_reply() {
        let cases = [
            (
                "",
                r#"counter reject with icmp type net-unreachable comment "filter 0""#,
            ),
            (
                "reject-with=icmp-network-unreachable",
                r#"counter reject with icmp type net-unreachable comment "filter 0""#,
            ),
            (
                "reject-with=icmp-host-unreachable",
                r#"counter reject with icmp type host-unreachable comment "filter 0""#,
            ),
            (
                "reject-with=icmp-protocol-unreachable",
                r#"counter reject with icmp type prot-unreachable comment "filter 0""#,
            ),
            (
                "reject-with=icmp-port-unreachable",
                r#"counter reject with icmp type port-unreachable comment "filter 0""#,
            ),
            (
                "reject-with=icmp-net-prohibited",
                r#"counter reject with icmp type net-prohibited comment "filter 0""#,
            ),
            (
                "reject-with=icmp-host-prohibited",
                r#"counter reject with icmp type host-prohibited comment "filter 0""#,
            ),
            (
                "reject-with=icmp-admin-prohibited",
                r#"counter reject with icmp type admin-prohibited comment "filter 0""#,
            ),
            (
                "reject-with=tcp-reset",
                r#"meta l4proto 6 counter reject with tcp reset comment "filter 0""#,
            ),
        ];
        for (with, want) in cases {
            check(&format!("chain=input action=reject {with}"), "", &[want]);
        }
        // tcp-reset on a rule that excludes TCP matches nothing.
        check(
            "chain=input action=reject reject-with=tcp-reset protocol=udp",
            "",
            &[],
        );
        check(
            "chain=input action=reject reject-with=tcp-reset protocol=tcp",
            "",
            &[r#"meta l4proto 6 counter reject with tcp reset comment "filter 0""#],
        );
    }

    #[test]
    fn matchers_and_negation() {
        check(
            "chain=input action=drop src-address=!10.0.0.0/8 dst-address=192.0.2.1-192.0.2.9 in-interface=ether1 out-interface=!ether2
             chain=input action=accept protocol=!icmp
             chain=input action=accept protocol=udp src-port=!53 dst-port=500,1701,4500-4600
             chain=input action=accept connection-state=established,related,untracked
             chain=input action=drop connection-state=invalid in-interface=all-ethernet",
            "",
            &[
                r#"iifname "ether1" oifname != "ether2" ip saddr != 10.0.0.0/8 ip daddr 192.0.2.1-192.0.2.9 counter drop comment "filter 0""#,
                r#"meta l4proto != 1 counter accept comment "filter 1""#,
                r#"meta l4proto 17 th sport != { 53 } th dport { 500, 1701, 4500-4600 } counter accept comment "filter 2""#,
                r#"ct state { established, related, untracked } counter accept comment "filter 3""#,
                r#"iifname "ether*" ct state { invalid } counter drop comment "filter 4""#,
            ],
        );
    }

    #[test]
    fn address_lists_become_sets() {
        check(
            "chain=input action=accept src-address-list=mgmt
             chain=input action=drop src-address-list=!mgmt dst-address-list=nowhere",
            "list=mgmt address=192.0.2.10
             list=mgmt address=198.51.100.0/24 comment=office
             list=mgmt address=203.0.113.5 disabled=yes
             list=other address=10.0.0.1-10.0.0.9",
            &[
                "# address-list mgmt",
                "set al0 {",
                "type ipv4_addr",
                "flags interval",
                "auto-merge",
                "elements = { 192.0.2.10, 198.51.100.0/24 }",
                "# address-list other",
                "set al1 {",
                "type ipv4_addr",
                "flags interval",
                "auto-merge",
                "elements = { 10.0.0.1-10.0.0.9 }",
                "# address-list nowhere",
                "set al2 {",
                "type ipv4_addr",
                "flags interval",
                "auto-merge",
                r#"ip saddr @al0 counter accept comment "filter 0""#,
                r#"ip saddr != @al0 ip daddr @al2 counter drop comment "filter 1""#,
            ],
        );
    }

    #[test]
    fn order_disabled_log_and_non_terminal_actions() {
        check(
            "chain=input action=drop disabled=yes
             chain=input action=log log-prefix=ssh\"x
             chain=input action=passthrough
             chain=input action=drop log=yes
             chain=forward action=fasttrack-connection connection-state=established,related
             chain=output action=accept",
            "",
            &[
                r#"counter log prefix "ssh_x " comment "filter 1""#,
                r#"counter comment "filter 2""#,
                r#"counter log drop comment "filter 3""#,
                r#"ct state { established, related } counter comment "filter 4""#,
                r#"counter accept comment "filter 5""#,
            ],
        );
    }

    #[test]
    fn tcp_flags_and_icmp_options() {
        check(
            "chain=input action=drop protocol=tcp tcp-flags=syn,!ack connection-state=!new
             chain=input action=drop tcp-flags=!fin,!syn,!rst,!ack
             chain=input action=drop protocol=udp tcp-flags=syn
             chain=input action=accept protocol=icmp icmp-options=8:0
             chain=input action=accept icmp-options=11:0-255
             chain=input action=drop icmp-options=!3-4
             chain=input action=drop protocol=tcp icmp-options=8",
            "",
            &[
                r#"meta l4proto 6 tcp flags & (syn | ack) == syn ct state != { new } counter drop comment "filter 0""#,
                r#"tcp flags & (fin | syn | rst | ack) == 0x0 counter drop comment "filter 1""#,
                r#"meta l4proto 1 icmp type 8 icmp code 0 counter accept comment "filter 3""#,
                r#"icmp type 11 icmp code 0-255 counter accept comment "filter 4""#,
                r#"icmp type != 3-4 counter drop comment "filter 5""#,
            ],
        );
    }

    #[test]
    fn jumps_and_custom_chains() {
        check(
            "chain=input action=jump jump-target=ssh-guard protocol=tcp dst-port=22
             chain=ssh-guard action=drop src-address=192.0.2.66
             chain=ssh-guard action=return",
            "",
            &[
                r#"meta l4proto 6 th dport { 22 } counter jump c0 comment "filter 0""#,
                "# chain ssh-guard",
                "chain c0 {",
                r#"ip saddr 192.0.2.66 counter drop comment "filter 1""#,
                r#"counter return comment "filter 2""#,
            ],
        );
    }

    #[test]
    fn interface_lists_all_and_none() {
        check(
            "chain=input action=drop in-interface-list=all
             chain=input action=drop in-interface-list=none
             chain=input action=drop in-interface-list=!none",
            "",
            &[
                r#"counter drop comment "filter 0""#,
                r#"counter drop comment "filter 2""#,
            ],
        );
    }

    #[test]
    fn refusals_name_the_rule() {
        let cases = [
            (
                "chain=input action=drop in-interface-list=!LAN",
                "filter rule 0: cannot enforce in-interface-list=!LAN (interface lists are not simulated)",
            ),
            (
                "chain=input action=drop src-mac-address=67:33:EB:0E:EB:A8",
                "filter rule 0: cannot enforce src-mac-address=67:33:EB:0E:EB:A8",
            ),
            (
                "chain=input action=accept icmp-options=!8:0",
                "filter rule 0: cannot enforce icmp-options=!8:0 (a negated type:code pair)",
            ),
            (
                "chain=input action=tarpit protocol=tcp",
                "filter rule 0: cannot enforce action=tarpit",
            ),
            (
                "chain=input action=drop dst-port=22",
                "filter rule 0: cannot enforce dst-port=22 without protocol=tcp|udp|dccp|sctp|udp-lite",
            ),
            (
                "chain=input action=drop protocol=icmp dst-port=22",
                "filter rule 0: cannot enforce dst-port=22 without protocol=tcp|udp|dccp|sctp|udp-lite",
            ),
            (
                "chain=input action=dorp",
                "filter rule 0: invalid value for action: \"dorp\"",
            ),
        ];
        for (rule, want) in cases {
            check_err(rule, "", want);
        }
        check_err(
            "",
            "list=x address=1.2.3.4/40",
            "address-list entry 0: invalid value for address: \"1.2.3.4/40\"",
        );
    }

    #[test]
    fn refuses_the_host_namespace() {
        let own = NetnsFd::current();
        assert!(
            own.is_ok_and(|ns| enter(&ns, Scope::Isolated) == Err(FirewallError::HostNamespace))
        );
    }

    #[test]
    fn own_scope_accepts_the_process_namespace_without_entering() {
        let own = NetnsFd::current();
        assert!(own.is_ok_and(|ns| enter(&ns, Scope::Own) == Ok(())));
    }
}
