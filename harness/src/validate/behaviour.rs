//! [`Behaviour`]: what one router did in one `chrlab validate` run, in a form two routers (or a
//! router and last release's snapshot) compare by: secret-free, time-free, and with every lab
//! address written as the role it plays (`<trusted>`, `<untrusted>`, `<router>`).

use std::collections::BTreeMap;
use std::net::IpAddr;

use routeros::firewall::ConnectionState;
use routeros::login::FAILURE_TOPICS;
use routeros::model::Service;
use serde::{Deserialize, Serialize};

use crate::audit::Audit;
use crate::check::Observation;
use crate::check::observe::ports_to_probe;
use crate::lab::{Lab, Role};
use crate::measures::firewall::{Packet, Verdict, evaluate_packet};
use crate::operator::Operator;
use crate::profile::Profile;

/// The version of the [`Behaviour`] file format (`behaviour__<version>.json`).
pub const BEHAVIOUR_SCHEMA: u32 = 1;

/// What a router did: the verdicts and the observations behind them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Behaviour {
    /// [`BEHAVIOUR_SCHEMA`].
    pub schema: u32,
    /// The RouterOS version the router reported (the snapshot's key; never diffed).
    pub version: String,
    /// Check id → `PASS`, `FAIL`, `SKIP` or `WAIVED`, after hardening.
    pub verdicts: BTreeMap<String, String>,
    /// Everything else, compared leaf by leaf: `observed` (the suites' snapshot view,
    /// [`Observation::summary`], with services and users keyed by name), `log` (the texts of the
    /// failed-login lines the audit provoked), `firewall` (the input chain's verdict per packet
    /// kind and vantage), `export` (the `/export` section headers in order) and `factory` (the
    /// service table and probe matrix of the router before hardening).
    pub observations: serde_json::Value,
}

/// The router before hardening: its `/ip service` table and what answered where.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Factory {
    /// Service name → `port=N disabled=yes|no`; `None` when `/ip service` could not be read.
    pub services: Option<BTreeMap<String, String>>,
    /// Port → vantage → what the probe saw.
    pub matrix: BTreeMap<u16, BTreeMap<String, String>>,
}

/// Reads the factory state of a lab's router before anything is applied: `/ip service` over the
/// harness's usual read-back, and every port worth probing from every vantage (probes log
/// nothing and change nothing).
pub async fn read_factory(lab: &dyn Lab, profile: &Profile) -> Factory {
    let op = Operator::new(lab);
    let services: Option<Vec<Service>> = match op.rows(Role::Trusted, "/ip/service").await {
        Ok(rows) => rows
            .iter()
            .map(|r| Service::from_props(r))
            .collect::<Result<Vec<_>, _>>()
            .ok()
            .map(|v| v.into_iter().filter(|s| !s.dynamic).collect()),
        Err(e) => {
            tracing::warn!("factory /ip service: {e}");
            None
        }
    };
    let read = services
        .clone()
        .ok_or_else(|| crate::check::observe::ReadError {
            menu: "/ip/service".into(),
            cause: "not read".into(),
        });
    let matrix = op.probe_matrix(&ports_to_probe(profile, &read)).await;
    Factory {
        services: services.map(|v| {
            v.iter()
                .map(|s| {
                    (
                        s.name.clone(),
                        format!("port={} disabled={}", s.port, yes_no(s.disabled)),
                    )
                })
                .collect()
        }),
        // The state only: whether a banner arrived within the probe's wait is the machine's
        // load, not the factory's default (the hardened matrix keeps it).
        matrix: matrix
            .cells
            .iter()
            .map(|(port, by)| {
                (
                    *port,
                    by.iter()
                        .map(|(v, p)| (v.clone(), state_word(p.state).to_string()))
                        .collect(),
                )
            })
            .collect(),
    }
}

fn state_word(state: crate::probe::PortState) -> &'static str {
    use crate::probe::PortState;
    match state {
        PortState::Open => "open",
        PortState::Closed => "closed",
        PortState::Rejected => "rejected",
        PortState::Filtered => "filtered",
    }
}

/// What a UDP probe saw where the lab's own kernel decides: Linux rate-limits ICMP and ICMPv6
/// errors (`net.ipv4.icmp_ratelimit`, `net.ipv6.icmp.ratelimit`), so on a loaded machine a closed
/// port's *port unreachable* and no reply at all cannot be told apart run to run. Both are written
/// as one value; an answer stays as it is.
const UDP_NO_ANSWER: &str = "no answer or ICMP port unreachable (rate-limited: not told apart)";

fn udp_sighting(key: &str, seen: &str) -> Option<String> {
    let unanswered = |t: &str| t.contains("port unreachable") || t.contains("no reply within");
    let udp_probe = key.contains(".udp-") || key.contains(".udp6-");
    if udp_probe && unanswered(seen) && !seen.starts_with("answered") {
        return Some(UDP_NO_ANSWER.to_string());
    }
    // A listener probe's UDP parts: `silent: udp <router>:53: no reply…; udp [<router>]:53: port unreachable`.
    if seen.contains("udp ") {
        let parts: Vec<String> = seen
            .split("; ")
            .map(|part| match part.split_once("udp ") {
                Some((head, rest)) if unanswered(rest) => {
                    let addr = rest.split(": ").next().unwrap_or(rest);
                    format!("{head}udp {addr}: {UDP_NO_ANSWER}")
                }
                _ => part.to_string(),
            })
            .collect();
        let joined = parts.join("; ");
        return (joined != seen).then_some(joined);
    }
    None
}

/// The section headers of the router's `/export`, in order (read over SSH from the trusted
/// vantage with the current administrator); `None` when the export could not be run.
pub async fn read_export_sections(lab: &dyn Lab) -> Option<Vec<String>> {
    match Operator::new(lab).exec(Role::Trusted, "/export").await {
        Ok(text) => Some(export_sections(&text)),
        Err(e) => {
            tracing::warn!("/export: {e}");
            None
        }
    }
}

/// The lines of an export that open a section (`/ip service`), continuation lines joined.
pub fn export_sections(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim_end)
        .filter(|l| l.starts_with('/'))
        .map(|l| l.trim_end_matches('\\').trim_end().to_string())
        .collect()
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The addresses of a lab and the role each stands for, longest text first (so `192.0.2.10` is
/// replaced before `192.0.2.1` could match inside it).
#[derive(Debug, Clone, Default)]
pub struct Addresses(Vec<(String, String)>);

impl Addresses {
    /// The vantages' and the router's addresses as the observation recorded them.
    pub fn of(obs: &Observation, router6: Option<IpAddr>) -> Addresses {
        let mut v: Vec<(String, String)> = Vec::new();
        for sources in [&obs.sources, &obs.sources6] {
            for (role, ip) in sources {
                v.push((ip.to_string(), format!("<{}>", role.name())));
            }
        }
        for ip in obs.router.iter().chain(router6.iter()) {
            v.push((ip.to_string(), "<router>".into()));
        }
        v.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        v.dedup_by(|a, b| a.0 == b.0);
        Addresses(v)
    }

    /// `text` with every whole occurrence of a lab address replaced by its role, and every MAC
    /// address (each lab's interfaces get random ones) written `<mac>`.
    pub fn normalize(&self, text: &str) -> String {
        let mut out = macs(text);
        for (addr, token) in &self.0 {
            out = replace_whole(&out, addr, token);
        }
        out
    }

    fn normalize_value(&self, v: serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match v {
            Value::String(s) => Value::String(self.normalize(&s)),
            Value::Array(a) => {
                Value::Array(a.into_iter().map(|x| self.normalize_value(x)).collect())
            }
            Value::Object(o) => Value::Object(
                o.into_iter()
                    .map(|(k, x)| (self.normalize(&k), self.normalize_value(x)))
                    .collect(),
            ),
            other => other,
        }
    }
}

/// Replaces `needle` in `text` where it is not part of a longer address: for an IPv4 address no
/// digit or `.` right before or after it (`192.0.2.1:53` is the address and a port), for an IPv6
/// one no hex digit, `.` or `:`.
fn replace_whole(text: &str, needle: &str, with: &str) -> String {
    let v6 = needle.contains(':');
    let part = |c: Option<char>| {
        c.is_some_and(|c| {
            c.is_ascii_digit() || c == '.' || (v6 && (c.is_ascii_hexdigit() || c == ':'))
        })
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(needle) {
        let before = rest[..i].chars().next_back().or(out.chars().next_back());
        let after = rest[i + needle.len()..].chars().next();
        out.push_str(&rest[..i]);
        if part(before) || part(after) {
            out.push_str(needle);
        } else {
            out.push_str(with);
        }
        rest = &rest[i + needle.len()..];
    }
    out.push_str(rest);
    out
}

/// `text` with every `XX:XX:XX:XX:XX:XX` (hex pairs) written `<mac>`.
fn macs(text: &str) -> String {
    let b = text.as_bytes();
    let is_mac = |i: usize| {
        i + 17 <= b.len()
            && (0..6)
                .all(|k| b[i + 3 * k].is_ascii_hexdigit() && b[i + 3 * k + 1].is_ascii_hexdigit())
            && (0..5).all(|k| b[i + 3 * k + 2] == b':')
            && !(i > 0 && (b[i - 1].is_ascii_hexdigit() || b[i - 1] == b':'))
            && !(i + 17 < b.len() && (b[i + 17].is_ascii_hexdigit() || b[i + 17] == b':'))
    };
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if is_mac(i) {
            out.push_str("<mac>");
            i += 17;
        } else {
            let c = text[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// A failed-login line as a text two routers compare by: topics, then the message with the
/// user name after `user` written `<user>` (the addresses are normalized later).
fn log_text(topics: &[String], message: &str) -> String {
    let mut words: Vec<&str> = message.split(' ').collect();
    for i in 1..words.len() {
        if words[i - 1] == "user" {
            words[i] = "<user>";
        }
    }
    format!("{}: {}", topics.join(","), words.join(" "))
}

/// The input chain's verdict for each packet kind from each vantage's address, as
/// [`evaluate_packet`] reads the rules: `new tcp/22 from <untrusted>` → `drop (rule 4)`.
fn firewall_evaluation(obs: &Observation, ports: &[u16]) -> Option<BTreeMap<String, String>> {
    let (rules, lists) = crate::measures::firewall::parsed(obs).ok()?;
    let mut out = BTreeMap::new();
    for (role, ip) in &obs.sources {
        let IpAddr::V4(src) = ip else { continue };
        let mut packets: Vec<(String, Packet)> = Vec::new();
        for port in ports {
            packets.push((format!("new tcp/{port}"), Packet::tcp(*src, *port)));
        }
        for (_, port) in crate::measures::input::probe::UDP {
            packets.push((format!("new udp/{port}"), Packet::udp(*src, *port)));
        }
        packets.push(("new icmp".into(), Packet::icmp(*src)));
        for state in [
            ConnectionState::Established,
            ConnectionState::Related,
            ConnectionState::Invalid,
            ConnectionState::Untracked,
        ] {
            packets.push((
                format!(
                    "{} tcp/{}",
                    state.word(),
                    ports.first().copied().unwrap_or(22)
                ),
                Packet::tcp(*src, ports.first().copied().unwrap_or(22)).in_state(state),
            ));
        }
        for (kind, packet) in packets {
            let verdict = match evaluate_packet(&rules, &lists, &packet) {
                Verdict::Accept(None) => "accept (chain default)".to_string(),
                Verdict::Accept(Some(n)) => format!("accept (rule {n})"),
                Verdict::Block(n, action) => format!("{action} (rule {n})"),
                Verdict::Undecided(n, _) => format!("undecided (rule {n})"),
            };
            out.insert(format!("{kind} from <{}>", role.name()), verdict);
        }
    }
    Some(out)
}

/// Turns an array of objects with a `name` into an object keyed by it (so a diff path says
/// `services.telnet.port`, not `services.3.port`).
fn by_name(v: &mut serde_json::Value, key: &str) {
    let Some(arr) = v.get_mut(key).and_then(|x| x.as_array_mut()) else {
        return;
    };
    let mut map = serde_json::Map::new();
    for mut row in std::mem::take(arr) {
        let name = row
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or("?")
            .to_string();
        if let Some(o) = row.as_object_mut() {
            o.remove("name");
        }
        map.insert(name, row);
    }
    v[key] = serde_json::Value::Object(map);
}

impl Behaviour {
    /// The behaviour of a router: its hardened audit, the factory state read before the apply,
    /// and its `/export` sections read after the audit.
    pub fn new(
        audit: &Audit,
        factory: &Factory,
        export: Option<Vec<String>>,
        router6: Option<IpAddr>,
        profile: &Profile,
    ) -> Behaviour {
        let obs = &audit.observation;
        let addresses = Addresses::of(obs, router6);
        let mut observed = serde_json::to_value(obs.summary()).unwrap_or_default();
        by_name(&mut observed, "services");
        by_name(&mut observed, "users");
        if let Some(sightings) = observed
            .get_mut("sightings")
            .and_then(|v| v.as_object_mut())
        {
            for (key, by) in sightings.iter_mut() {
                for seen in by.as_object_mut().into_iter().flat_map(|o| o.values_mut()) {
                    if let Some(text) = seen.as_str().and_then(|t| udp_sighting(key, t)) {
                        *seen = serde_json::Value::String(text);
                    }
                }
            }
        }
        // A set, keyed by the text: a line one router logs and the other does not is one path.
        let log: BTreeMap<String, &str> = obs
            .new_log_entries()
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e.topics.join(",") == FAILURE_TOPICS)
            .map(|e| (log_text(&e.topics, &e.message), "logged"))
            .collect();
        let ports = ports_to_probe(profile, &obs.services);
        let observations = serde_json::json!({
            "observed": observed,
            "log": log,
            "firewall": firewall_evaluation(obs, &ports),
            "export": export,
            "factory": factory,
        });
        Behaviour {
            schema: BEHAVIOUR_SCHEMA,
            version: audit
                .report
                .version
                .clone()
                .unwrap_or_else(|| "unknown".into()),
            verdicts: audit
                .report
                .results
                .iter()
                .map(|r| (r.id.clone(), r.outcome.label().to_string()))
                .collect(),
            observations: addresses.normalize_value(observations),
        }
    }

    /// Every leaf of [`Behaviour::observations`] as `path → value text`.
    pub fn leaves(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        flatten("", &self.observations, &mut out);
        out
    }
}

fn flatten(path: &str, v: &serde_json::Value, out: &mut BTreeMap<String, String>) {
    use serde_json::Value;
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        Value::Object(o) if !o.is_empty() => {
            for (k, x) in o {
                flatten(&join(k), x, out);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, x) in a.iter().enumerate() {
                flatten(&join(&i.to_string()), x, out);
            }
        }
        Value::String(s) => {
            out.insert(path.to_string(), s.clone());
        }
        other => {
            out.insert(path.to_string(), other.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_replaced_whole_only() {
        let a = Addresses(vec![
            ("192.0.2.10".into(), "<trusted>".into()),
            ("192.0.2.1".into(), "<router>".into()),
        ]);
        assert_eq!(
            a.normalize("src-address=192.0.2.10 dst=192.0.2.1 net=192.0.2.100 192.0.2.1/32"),
            "src-address=<trusted> dst=<router> net=192.0.2.100 <router>/32"
        );
        assert_eq!(a.normalize("tcp 192.0.2.1:53"), "tcp <router>:53");
        assert_eq!(
            a.normalize("no answer from 22:1C:8D:55:DA:94 within"),
            "no answer from <mac> within"
        );
        let six = Addresses(vec![("2001:db8::1".into(), "<router>".into())]);
        assert_eq!(
            six.normalize("[2001:db8::1]:22 2001:db8::10"),
            "[<router>]:22 2001:db8::10"
        );
    }

    #[test]
    fn udp_silence_and_unreachable_are_one_value() {
        let a = udp_sighting("input.udp6-53", "refused: udp 53: ICMP port unreachable");
        let b = udp_sighting("input.udp6-53", "silent: udp 53: no reply within 600 ms");
        assert_eq!(a, b);
        assert_eq!(
            udp_sighting("input.udp-53", "silent: udp 53: no reply within 600 ms"),
            a
        );
        let answer = "answered: udp 53: a DNS reply";
        assert_eq!(udp_sighting("input.udp-53", answer), None);
        assert_eq!(
            udp_sighting("input.tcp-53", "refused: tcp 53: closed"),
            None
        );
        assert_eq!(
            udp_sighting(
                "listeners.dns-udp",
                "silent: udp <router>:53: no reply within 600 ms; udp [<router>]:53: port unreachable"
            )
            .unwrap(),
            format!(
                "silent: udp <router>:53: {UDP_NO_ANSWER}; udp [<router>]:53: {UDP_NO_ANSWER}"
            )
        );
    }

    #[test]
    fn log_lines_lose_their_user_names() {
        assert_eq!(
            log_text(
                &["system".into(), "error".into(), "critical".into()],
                "login failure for user chrlab from 192.0.2.10 via ssh"
            ),
            "system,error,critical: login failure for user <user> from 192.0.2.10 via ssh"
        );
    }

    #[test]
    fn export_sections_in_order() {
        let text = "# 2026-12-06 by RouterOS 7.24.4\n/interface ethernet\nset [ find ] x=1\n/ip service\nset telnet disabled=yes\n/system logging \\\n    x\n";
        assert_eq!(
            export_sections(text),
            ["/interface ethernet", "/ip service", "/system logging"]
        );
    }

    #[test]
    fn leaves_are_paths() {
        let b = Behaviour {
            schema: 1,
            version: "7.24.4".into(),
            verdicts: BTreeMap::new(),
            observations: serde_json::json!({"a": {"b": [1, "x"]}, "c": null}),
        };
        let l = b.leaves();
        assert_eq!(l["a.b.0"], "1");
        assert_eq!(l["a.b.1"], "x");
        assert_eq!(l["c"], "null");
    }
}
