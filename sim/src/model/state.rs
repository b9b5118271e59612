//! The router's state and the operations every front end shares: add, set, remove, move, commands,
//! logins and log lines.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Instant;

use routeros::firewall::{AddressListEntry, FilterRule, FirewallError};
use routeros::version::Version;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::sync::broadcast;

use super::ExecError;
use super::defaults::{self, Ver};
use super::log::{self, Log, LogEntry, Route};
use super::menu::{Item, Table, format_id, parse_id};
use super::schema::{self, Kind, MenuDef, Ty, no_match};
use super::users;

/// Who runs a command: the user name and the policies of the user's group.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: String,
    pub policy: String,
}

impl Actor {
    pub fn may(&self, policy: &str) -> bool {
        users::has_policy(&self.policy, policy)
    }
}

/// A logged-in session (`/user active`).
#[derive(Debug, Clone)]
pub struct SessionRec {
    pub id: u32,
    pub user: String,
    pub group: String,
    pub via: &'static str,
    pub from: Option<IpAddr>,
    pub at: OffsetDateTime,
    /// The previous login of this user (for remembered critical lines).
    pub previous_login: Option<OffsetDateTime>,
}

/// How a login arrives: the word logs use, the policy it needs, the service whose `address=` applies.
#[derive(Debug, Clone, Copy)]
pub struct LoginVia {
    /// The word log lines use after `via`.
    pub word: routeros::login::Via,
    pub policy: &'static str,
    pub service: Option<&'static str>,
    /// REST: logged once per user and address, never logged out, `last-logged-in` untouched.
    pub rest: bool,
}

/// Why a login was refused (the log line is already written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginRefusal {
    BadCredentials,
    Policy,
    UserAddress,
    ServiceAddress,
}

/// What is written to the state file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Persisted {
    pub version: String,
    pub tables: BTreeMap<String, Table>,
    /// The software-license question of the first console login was answered.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub license_answered: bool,
}

/// The whole router.
pub struct State {
    pub version: Version,
    pub ver: Ver,
    pub defs: Vec<MenuDef>,
    pub dirs: Vec<String>,
    pub tables: BTreeMap<String, Table>,
    pub factory: BTreeMap<String, Table>,
    pub log: Log,
    pub sessions: Vec<SessionRec>,
    pub(super) next_session: u32,
    pub(super) rest_logged: Vec<(String, Option<IpAddr>)>,
    pub latest_version: Option<Version>,
    /// Set: every update check fails with this (`RouterConfig::update_failure`).
    pub update_failure: Option<super::update::CheckFailure>,
    /// How long an update check takes (`RouterConfig::update_check_time`).
    pub check_time: std::time::Duration,
    /// The update check in progress.
    pub check: Option<super::update::Check>,
    /// The version `download` fetched; the next reboot installs it.
    pub downloaded: Option<Version>,
    pub firewall_enforced: bool,
    pub started: Instant,
    /// What `/system clock set time=... date=...` moved the clock by, against the host's clock.
    pub clock_offset: time::Duration,
    /// The machine's NICs: `ether1`..`ether<n>` (a fact of the VM, from `RouterConfig`).
    pub ethernets: u32,
    /// The first console login's software-license question was answered (asked once per life).
    pub license_answered: bool,
    /// Set by every change of `tables`; the router persists and clears it.
    pub dirty: bool,
    pub echo: broadcast::Sender<String>,
    /// The syslog datagrams `target=remote` actions send, for the front end that owns the
    /// router's sockets (`server/syslog.rs`).
    pub syslog: broadcast::Sender<log::Datagram>,
    /// A reboot a command asked for (`install`); the router carries it out (`update::boot`).
    pub reboot: Option<super::update::Reboot>,
    /// A `/system device-mode update` waiting for its confirmation (RAM only: gone at boot).
    pub device_mode_pending: Option<super::device_mode::Pending>,
}

impl State {
    /// A fresh router.
    pub fn new(version: Version, identity: &str) -> State {
        let ver = Ver::of(&version);
        let tables = defaults::factory(ver, &version, identity);
        State::with_tables(version, tables, identity)
    }

    fn with_tables(version: Version, tables: BTreeMap<String, Table>, identity: &str) -> State {
        let ver = Ver::of(&version);
        let defs = defaults::menus(ver);
        let dirs = defaults::directories(&defs);
        let factory = defaults::factory(ver, &version, identity);
        let (echo, _) = broadcast::channel(64);
        let (syslog, _) = broadcast::channel(256);
        State {
            version,
            ver,
            defs,
            dirs,
            tables,
            factory,
            log: Log::default(),
            sessions: Vec::new(),
            next_session: 1,
            rest_logged: Vec::new(),
            latest_version: None,
            update_failure: None,
            check_time: std::time::Duration::ZERO,
            check: None,
            downloaded: None,
            firewall_enforced: false,
            started: Instant::now(),
            clock_offset: time::Duration::ZERO,
            ethernets: 1,
            license_answered: false,
            dirty: false,
            echo,
            syslog,
            reboot: None,
            device_mode_pending: None,
        }
    }

    /// A router from its state file; menus the file lacks get their factory items.
    pub fn restore(p: Persisted, identity: &str) -> Result<State, String> {
        let version =
            Version::parse(&p.version).map_err(|e| format!("bad version {:?}: {e}", p.version))?;
        let ver = Ver::of(&version);
        let mut tables = defaults::factory(ver, &version, identity);
        for (path, table) in p.tables {
            if !tables.contains_key(&path) {
                return Err(format!("unknown menu {path:?}"));
            }
            tables.insert(path, table);
        }
        let mut state = State::with_tables(version, tables, identity);
        state.license_answered = p.license_answered;
        Ok(state)
    }

    pub fn persisted(&self) -> Persisted {
        let tables = self
            .tables
            .iter()
            .filter(|(p, _)| {
                !matches!(
                    p.as_str(),
                    "log" | "user/active" | "system/resource" | "sim"
                )
            })
            .map(|(p, t)| (p.clone(), t.clone()))
            .collect();
        Persisted {
            version: self.version.to_string(),
            tables,
            license_answered: self.license_answered,
        }
    }

    /// Gives the machine `n` NICs: `ether2`..`ether<n>` join `ether1` in the factory state, and in
    /// the current state unless an interface already has that `default-name`.
    pub fn add_ethernets(&mut self, n: u32) {
        self.ethernets = n.max(1);
        for k in 2..=self.ethernets {
            let name = format!("ether{k}");
            for table in [&mut self.factory, &mut self.tables] {
                let t = table.entry("interface".to_string()).or_default();
                if t.items
                    .iter()
                    .any(|i| i.get("default-name") == Some(name.as_str()))
                {
                    continue;
                }
                let item = defaults::ethernet_item(k);
                let mac = item.get("mac-address").unwrap_or("").to_string();
                t.next_id = t.next_id.max(k + 1);
                let pos = t
                    .items
                    .iter()
                    .position(|i| i.id > k)
                    .unwrap_or(t.items.len());
                t.items.insert(pos, item);
                // Its dynamic link-local IPv6 address (v7: IPv6 is built in).
                if self.ver.v7() {
                    let ll = defaults::link_local_item(k, &mac);
                    let t6 = table.entry("ipv6/address".to_string()).or_default();
                    if !t6
                        .items
                        .iter()
                        .any(|i| i.is("dynamic") && i.get("interface") == Some(name.as_str()))
                    {
                        let id = t6.alloc_id();
                        t6.items.push(Item { id, ..ll });
                    }
                }
            }
        }
    }

    /// Whether IPv6 is in effect: RouterOS 7 (built in) and `/ipv6 settings disable-ipv6=no`.
    pub fn ipv6_enabled(&self) -> bool {
        self.ver.v7() && self.single("ipv6/settings", "disable-ipv6").as_deref() != Some("yes")
    }

    /// `/ipv6 address` as the router shows it: with IPv6 disabled the dynamic link-locals are
    /// gone and the static addresses are invalid (ASSUMPTION, sim/FIDELITY.md).
    fn ipv6_address_items(&self) -> Vec<Item> {
        let items = self
            .tables
            .get("ipv6/address")
            .map(|t| t.items.clone())
            .unwrap_or_default();
        if self.ipv6_enabled() {
            return items;
        }
        items
            .into_iter()
            .filter(|i| !i.is("dynamic"))
            .map(|mut i| {
                i.set("invalid", "yes");
                i
            })
            .collect()
    }

    /// The router's clock: the host's UTC time moved by `/system clock set`, in the local time
    /// of `time-zone-name`.
    pub fn now(&self) -> OffsetDateTime {
        let utc = OffsetDateTime::now_utc() + self.clock_offset;
        utc.to_offset(self.zone_at(utc).0)
    }

    /// The offset from UTC and whether DST is on at `utc`, for `time-zone-name` (looked up in the
    /// IANA database jiff bundles); `manual` is UTC.
    fn zone_at(&self, utc: OffsetDateTime) -> (time::UtcOffset, bool) {
        let name = self
            .single("system/clock", "time-zone-name")
            .unwrap_or_default();
        let Some(tz) = zone(&name) else {
            return (time::UtcOffset::UTC, false);
        };
        let Ok(ts) = jiff::Timestamp::from_second(utc.unix_timestamp()) else {
            return (time::UtcOffset::UTC, false);
        };
        let info = tz.to_offset_info(ts);
        let offset = time::UtcOffset::from_whole_seconds(info.offset().seconds())
            .unwrap_or(time::UtcOffset::UTC);
        (offset, info.dst().is_dst())
    }

    /// `/system clock set time=hh:mm:ss date=...`: moves the clock to that local time (the
    /// value not given stays).
    fn set_clock(&mut self, date: Option<time::Date>, clock: Option<time::Time>) {
        let now = self.now();
        let local = date
            .unwrap_or(now.date())
            .with_time(clock.unwrap_or(now.time()));
        // The zone's offset on the target day may differ from today's (DST).
        let guess = local.assume_offset(now.offset());
        let target = local.assume_offset(self.zone_at(guess).0);
        self.clock_offset += target - now;
    }

    pub fn def(&self, path: &str) -> Option<&MenuDef> {
        self.defs.iter().find(|d| d.path == path)
    }

    pub fn is_dir(&self, path: &str) -> bool {
        self.dirs.iter().any(|d| d == path)
    }

    pub fn identity(&self) -> String {
        self.single("system/identity", "name").unwrap_or_default()
    }

    /// A value of a settings menu.
    pub fn single(&self, path: &str, prop: &str) -> Option<String> {
        self.tables
            .get(path)?
            .items
            .first()?
            .get(prop)
            .map(str::to_string)
    }

    // ---- reading ----

    /// The items of a menu in `.id` order, computed ones included.
    pub fn items(&self, path: &str) -> Vec<Item> {
        match path {
            "user/active" => self.active_items(),
            "log" => self.log_items(),
            "system/resource" => vec![self.resource_item()],
            defaults::SIM_PATH => vec![self.sim_item()],
            "system/clock" => vec![self.clock_item()],
            "ipv6/address" => self.ipv6_address_items(),
            "interface/ethernet" => self
                .items("interface")
                .into_iter()
                .filter(|i| i.get("type") == Some("ether"))
                .collect(),
            _ => self
                .tables
                .get(path)
                .map(|t| t.items.clone())
                .unwrap_or_default(),
        }
    }

    fn active_items(&self) -> Vec<Item> {
        self.sessions
            .iter()
            .map(|s| {
                let from = s.from.map(|a| a.to_string()).unwrap_or_default();
                let when = log::full_date(self.ver, s.at);
                Item::new(
                    s.id,
                    &[
                        ("when", &when),
                        ("name", &s.user),
                        ("address", &from),
                        ("via", s.via),
                        ("group", &s.group),
                        ("radius", "no"),
                    ],
                )
            })
            .collect()
    }

    fn log_items(&self) -> Vec<Item> {
        let now = self.now();
        self.log
            .memory
            .iter()
            .map(|e| {
                let t = log::log_time(self.ver, e.at, now);
                Item::new(
                    e.id,
                    &[("time", &t), ("topics", &e.topics), ("message", &e.message)],
                )
            })
            .collect()
    }

    fn clock_item(&self) -> Item {
        let mut item = self
            .tables
            .get("system/clock")
            .and_then(|t| t.items.first().cloned())
            .unwrap_or_else(|| Item::new(0, &[]));
        let now = self.now();
        let full = log::full_date(self.ver, now);
        let (date, time) = full.split_once(' ').unwrap_or((&full, ""));
        item.set("time", time);
        item.set("date", date);
        let (offset, dst) = self.zone_at(now);
        item.set("gmt-offset", &fmt_gmt_offset(offset));
        item.set("dst-active", if dst { "yes" } else { "no" });
        item
    }

    fn resource_item(&self) -> Item {
        let channel = self
            .single("system/package/update", "channel")
            .unwrap_or_else(|| "stable".into());
        let uptime = fmt_uptime(self.started.elapsed().as_secs());
        let version = format!("{} ({channel})", self.version);
        let factory = self.version.to_string();
        let mut item = Item::new(
            0,
            &[
                ("uptime", &uptime),
                ("version", &version),
                // Not known per release: one fixed time in the captured form (FIDELITY.md).
                ("build-time", "Jan/01/2024 00:00:00"),
                ("factory-software", &factory),
                ("free-memory", "222298112"),
                ("total-memory", "268435456"),
                // A CHR on KVM's default CPU model [cli:system_resource_print__3.raw].
                ("cpu", "Common"),
                ("cpu-count", "1"),
                ("cpu-frequency", "2294"),
                ("cpu-load", "0"),
                ("free-hdd-space", "84369408"),
                ("total-hdd-space", "93585408"),
                ("write-sect-since-reboot", "0"),
                ("write-sect-total", "0"),
                ("architecture-name", "x86_64"),
                ("board-name", "CHR"),
                ("platform", "MikroTik"),
            ],
        );
        if !self.ver.v7() {
            item.props.remove("factory-software");
        }
        item
    }

    /// `/sim`: the simulator's own facts (not a RouterOS menu; see `defaults::SIM_PATH`).
    fn sim_item(&self) -> Item {
        let fw = if self.firewall_enforced {
            "enforced"
        } else {
            "not-enforced"
        };
        Item::new(0, &[("firewall", fw)])
    }

    /// Finds an item by `*id` or by its name (the menu's key property).
    pub fn resolve(&self, path: &str, word: &str) -> Result<u32, ExecError> {
        let def = self.def(path).ok_or_else(ExecError::no_such_item)?;
        let items = self.items(path);
        if let Some(id) = parse_id(word) {
            if items.iter().any(|i| i.id == id) {
                return Ok(id);
            }
            return Err(ExecError::no_such_item());
        }
        if let Some(key) = def.key
            && let Some(i) = items.iter().find(|i| i.get(key) == Some(word))
        {
            return Ok(i.id);
        }
        Err(ExecError::no_such_item())
    }

    /// Properties as the API and REST show them: `.id` first, booleans `true`/`false`, secrets left out.
    pub fn api_props(&self, def: &MenuDef, item: &Item) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if def.is_list() {
            out.push((".id".to_string(), format_id(item.id)));
        }
        for p in &def.props {
            if p.secret {
                continue;
            }
            if let Some(v) = item.get(p.name) {
                let v = if p.ty == Ty::Bool {
                    api_bool(v)
                } else {
                    v.to_string()
                };
                out.push((p.name.to_string(), v));
            }
        }
        out
    }

    // ---- logging ----

    /// Writes a log line through the `/system logging` rules; critical lines reach `subscribe_echo`.
    pub fn log(&mut self, topics: &str, message: &str) -> LogEntry {
        let route = self.route(topics);
        let at = self.now();
        let entry = self.log.push(topics, message, route, at);
        if route.echo {
            let _ = self.echo.send(log::echo_line(&entry));
        }
        for (to, src) in self.remotes(topics) {
            let payload = log::syslog_datagram(&entry, &self.identity());
            let _ = self.syslog.send(log::Datagram { to, src, payload });
        }
        entry
    }

    /// Where a line with these topics is sent as syslog: the `remote` and `remote-port` (and
    /// `src-address`, unless `0.0.0.0`) of each `target=remote` action an enabled matching rule
    /// names, once each. An action whose `remote` is no address (the factory `0.0.0.0`) sends
    /// nothing.
    fn remotes(&self, topics: &str) -> Vec<(std::net::SocketAddr, Option<std::net::IpAddr>)> {
        let mut out = Vec::new();
        let (Some(rules), Some(actions)) = (
            self.tables.get("system/logging"),
            self.tables.get("system/logging/action"),
        ) else {
            return out;
        };
        for rule in rules.items.iter().filter(|i| !i.is("disabled")) {
            if !log::rule_matches(rule.get("topics").unwrap_or(""), topics) {
                continue;
            }
            let name = rule.get("action").unwrap_or("");
            let Some(action) = actions
                .items
                .iter()
                .find(|i| i.get("name") == Some(name) && i.get("target") == Some("remote"))
            else {
                continue;
            };
            let Some(ip) = action
                .get("remote")
                .and_then(|r| r.parse::<std::net::IpAddr>().ok())
                .filter(|ip| !ip.is_unspecified())
            else {
                continue;
            };
            let port = action
                .get("remote-port")
                .and_then(|p| p.parse::<u16>().ok())
                .unwrap_or(routeros::syslog::PORT);
            let src = action
                .get("src-address")
                .and_then(|a| a.parse::<std::net::IpAddr>().ok())
                .filter(|ip| !ip.is_unspecified());
            let to = std::net::SocketAddr::new(ip, port);
            if !out.iter().any(|(t, _)| *t == to) {
                out.push((to, src));
            }
        }
        out
    }

    fn route(&self, topics: &str) -> Route {
        let mut r = Route::default();
        let Some(rules) = self.tables.get("system/logging") else {
            return r;
        };
        for rule in rules.items.iter().filter(|i| !i.is("disabled")) {
            if !log::rule_matches(rule.get("topics").unwrap_or(""), topics) {
                continue;
            }
            match self.action_target(rule.get("action").unwrap_or("")) {
                Some("memory") => r.memory = true,
                Some("echo") => r.echo = true,
                _ => {}
            }
        }
        r
    }

    fn action_target(&self, name: &str) -> Option<&str> {
        let t = self.tables.get("system/logging/action")?;
        t.items
            .iter()
            .find(|i| i.get("name") == Some(name))?
            .get("target")
    }

    fn log_change(&mut self, def_noun: &str, verb: &str, actor: &Actor) {
        if def_noun == "filter rule" {
            let msg = format!("{def_noun} {verb} by {}", actor.user);
            self.log("system,info", &msg);
        }
    }

    // ---- changing ----

    fn writable(&self, actor: &Actor, path: &str) -> Result<&MenuDef, ExecError> {
        let def = self
            .def(path)
            .ok_or_else(|| ExecError::no_such_command(path))?;
        if !actor.may("write") || (path.starts_with("user") && !actor.may("policy")) {
            return Err(ExecError::permission());
        }
        Ok(def)
    }

    /// `add`: returns the new `.id`.
    pub fn add(
        &mut self,
        actor: &Actor,
        path: &str,
        args: &[(String, String)],
    ) -> Result<u32, ExecError> {
        let def = self.writable(actor, path)?.clone();
        if !matches!(def.kind, Kind::List { add: true, .. }) {
            return Err(ExecError::no_such_command("add"));
        }
        let mut place_before = None;
        let mut rest = Vec::new();
        for (k, v) in args {
            if k == "place-before" {
                place_before = Some(self.resolve(path, v)?);
            } else {
                rest.push((k.clone(), v.clone()));
            }
        }
        let mut item = Item::new(0, &[]);
        for p in &def.props {
            if let (Some(d), false) = (p.default, p.ro && p.default.is_none()) {
                item.set(p.name, d);
            }
        }
        self.apply(&def, &mut item, &rest)?;
        self.check_required(&def, &item)?;
        self.after_change(&def, &mut item, None)?;
        let table = self.tables.entry(path.to_string()).or_default();
        item.id = table.alloc_id();
        let id = item.id;
        match place_before.and_then(|b| table.position(b)) {
            Some(pos) => table.items.insert(pos, item),
            None => table.items.push(item),
        }
        self.dirty = true;
        self.log_change(def.noun, "added", actor);
        Ok(id)
    }

    /// Puts in a record the router's own machinery would have made (a learned ARP entry, the
    /// dynamic `/ip service` row of a running resolver): the schema's defaults, then `fields`
    /// (read-only ones included, each checked against its type and, for a reference, against
    /// the menu it names), marked `dynamic=yes` where the menu has that property. Nothing is
    /// logged and nothing acts on it; the record is not configuration (see FIDELITY.md,
    /// "Learned records").
    pub fn learn(&mut self, path: &str, fields: &[(&str, &str)]) -> Result<u32, ExecError> {
        let def = self
            .def(path)
            .filter(|d| d.is_list())
            .ok_or_else(ExecError::no_such_item)?
            .clone();
        let mut item = Item::new(0, &[]);
        for p in &def.props {
            if let Some(d) = p.default {
                item.set(p.name, d);
            }
        }
        if def.prop("dynamic").is_some() {
            item.set("dynamic", "yes");
        }
        for (k, v) in fields {
            let prop = def.prop(k).ok_or_else(|| ExecError::unknown_param(k))?;
            let val = schema::validate(prop, v)?;
            if let Ty::Ref(target) = prop.ty
                && !self
                    .items(target)
                    .iter()
                    .any(|i| i.get("name") == Some(val.as_str()))
            {
                return Err(no_match(k));
            }
            item.set(k, &val);
        }
        let table = self.tables.entry(path.to_string()).or_default();
        item.id = table.alloc_id();
        let id = item.id;
        table.items.push(item);
        self.dirty = true;
        Ok(id)
    }

    /// `set` on items (list menus) or on the settings object (single menus: pass no ids).
    pub fn set(
        &mut self,
        actor: &Actor,
        path: &str,
        ids: &[u32],
        args: &[(String, String)],
    ) -> Result<(), ExecError> {
        let def = self.writable(actor, path)?.clone();
        if def.read_only {
            return Err(ExecError::no_such_command("set"));
        }
        // `/system clock set time= date=` moves the clock (after the other values, so a new
        // `time-zone-name` in the same command applies to the time given).
        let mut args = args.to_vec();
        let mut new_clock = (None, None);
        if path == "system/clock" {
            let take = |args: &mut Vec<(String, String)>, k: &str| {
                let pos = args.iter().position(|(n, _)| n == k)?;
                Some(args.remove(pos).1)
            };
            if let Some(d) = take(&mut args, "date") {
                new_clock.0 = Some(parse_date(&d).ok_or_else(|| invalid_value("date"))?);
            }
            if let Some(t) = take(&mut args, "time") {
                new_clock.1 = Some(parse_time(&t).ok_or_else(|| invalid_value("time"))?);
            }
        }
        let args = args.as_slice();
        let ids: Vec<u32> = if def.is_list() { ids.to_vec() } else { vec![0] };
        let mut updated = Vec::new();
        for id in &ids {
            let mut item = self
                .tables
                .get(storage(path))
                .and_then(|t| t.by_id(*id))
                .cloned()
                .ok_or_else(ExecError::no_such_item)?;
            self.apply(&def, &mut item, args)?;
            self.after_change(&def, &mut item, Some(*id))?;
            updated.push(item);
        }
        if path == "user" {
            self.check_full_user_remains(&updated, &[])?;
        }
        if let Some(t) = self.tables.get_mut(storage(path)) {
            for item in updated {
                if let Some(slot) = t.by_id_mut(item.id) {
                    *slot = item;
                }
            }
        }
        self.dirty = true;
        if new_clock != (None, None) {
            self.set_clock(new_clock.0, new_clock.1);
        }
        if !ids.is_empty() {
            self.log_change(def.noun, "changed", actor);
        }
        Ok(())
    }

    /// `remove`.
    pub fn remove(&mut self, actor: &Actor, path: &str, ids: &[u32]) -> Result<(), ExecError> {
        let def = self.writable(actor, path)?.clone();
        if !matches!(def.kind, Kind::List { remove: true, .. }) {
            return Err(ExecError::no_such_command("remove"));
        }
        let table = self.tables.get(path).cloned().unwrap_or_default();
        for id in ids {
            let item = table.by_id(*id).ok_or_else(ExecError::no_such_item)?;
            if path == "user/group"
                && users::BUILTIN_GROUPS.contains(&item.get("name").unwrap_or(""))
            {
                return Err(ExecError::failure("default group can not be removed"));
            }
            if path == "user/group" && self.group_in_use(item.get("name").unwrap_or("")) {
                return Err(ExecError::failure("group is used by some user"));
            }
            if path == "ipv6/address" && item.is("dynamic") {
                return Err(ExecError::failure("can not remove dynamic"));
            }
            if path == "system/logging/action" && item.is("default") {
                return Err(ExecError::failure("default action can not be removed"));
            }
            if let Some(why) = super::stored::refuse_remove(path, item) {
                return Err(ExecError::failure(why));
            }
        }
        if path == "user" {
            self.check_full_user_remains(&[], ids)?;
        }
        if let Some(t) = self.tables.get_mut(path) {
            t.items.retain(|i| !ids.contains(&i.id));
        }
        self.dirty = true;
        self.log_change(def.noun, "removed", actor);
        Ok(())
    }

    /// `move`: puts the items before `destination` (or at the end).
    pub fn move_items(
        &mut self,
        actor: &Actor,
        path: &str,
        ids: &[u32],
        dest: Option<u32>,
    ) -> Result<(), ExecError> {
        let def = self.writable(actor, path)?.clone();
        if !def.commands.contains(&"move") {
            return Err(ExecError::no_such_command("move"));
        }
        let table = self
            .tables
            .get_mut(path)
            .ok_or_else(ExecError::no_such_item)?;
        if ids.iter().any(|id| table.by_id(*id).is_none())
            || dest.is_some_and(|d| table.by_id(d).is_none())
        {
            return Err(ExecError::no_such_item());
        }
        let moving: Vec<Item> = table
            .items
            .iter()
            .filter(|i| ids.contains(&i.id))
            .cloned()
            .collect();
        table.items.retain(|i| !ids.contains(&i.id));
        let pos = dest
            .and_then(|d| table.position(d))
            .unwrap_or(table.items.len());
        for (k, item) in moving.into_iter().enumerate() {
            table.items.insert(pos + k, item);
        }
        self.dirty = true;
        self.log_change(def.noun, "moved", actor);
        Ok(())
    }

    fn apply(
        &self,
        def: &MenuDef,
        item: &mut Item,
        args: &[(String, String)],
    ) -> Result<(), ExecError> {
        for (k, v) in args {
            if k == ".id" || k == "numbers" {
                continue;
            }
            let prop = def
                .prop(k)
                .filter(|p| !p.ro)
                .ok_or_else(|| ExecError::unknown_param(k))?;
            let fixed_item = def.path == "ip/service";
            if fixed_item && prop.default.is_none() && !item.props.contains_key(k) && k != "port" {
                return Err(ExecError::unknown_param(k));
            }
            let val = schema::validate(prop, v)?;
            if let Ty::Ref(target) = prop.ty
                && !val.is_empty()
                && !self
                    .items(target)
                    .iter()
                    .any(|i| i.get("name") == Some(val.as_str()))
            {
                return Err(no_match(k));
            }
            if val.is_empty() && prop.default.is_none() && !fixed_item {
                item.props.remove(k);
            } else {
                item.set(k, &val);
            }
        }
        Ok(())
    }

    fn check_required(&self, def: &MenuDef, item: &Item) -> Result<(), ExecError> {
        let missing: Vec<&str> = required(def.path)
            .iter()
            .copied()
            .filter(|p| item.get(p).is_none())
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(ExecError::arg(format!(
                "missing value(s) of argument(s) {}",
                missing.join(", ")
            )))
        }
    }

    /// Per-menu rules after the values changed: uniqueness, derived values, whole-rule validation.
    fn after_change(
        &self,
        def: &MenuDef,
        item: &mut Item,
        id: Option<u32>,
    ) -> Result<(), ExecError> {
        let others: Vec<Item> = self
            .items(def.path)
            .into_iter()
            .filter(|i| Some(i.id) != id)
            .collect();
        if let Some(key) = def.key
            && let Some(name) = item.get(key)
            && others.iter().any(|o| o.get(key) == Some(name))
        {
            return Err(match def.path {
                "user" => ExecError::failure("user with the same name already exists"),
                _ => ExecError::failure("already have such entry"),
            });
        }
        match def.path {
            "file" => self.file_derived(item),
            "system/clock" => {
                let name = item.get("time-zone-name").unwrap_or("manual");
                if name != "manual" && zone(name).is_none() {
                    return Err(no_match("time-zone-name"));
                }
            }
            "ip/firewall/filter" => {
                FilterRule::from_props(&rule_props(item)).map_err(firewall_error)?;
            }
            "ipv6/firewall/filter" => {
                crate::ipv6::FilterRule6::from_props(&rule_props(item)).map_err(firewall_error)?;
            }
            "ip/firewall/address-list" | "ipv6/firewall/address-list" => {
                if def.path == "ip/firewall/address-list" {
                    AddressListEntry::from_props(&rule_props(item)).map_err(firewall_error)?;
                } else {
                    crate::ipv6::AddressList6Entry::from_props(&rule_props(item))
                        .map_err(firewall_error)?;
                    // Stored as RouterOS shows IPv6 list entries: a prefix (`/128` for a host).
                    if let Some(a) = item.get("address")
                        && let Some(spec) = crate::ipv6::Address6Spec::parse(a)
                    {
                        let shown = match spec {
                            crate::ipv6::Address6Spec::Single(h) => format!("{h}/128"),
                            other => other.to_string(),
                        };
                        item.set("address", &shown);
                    }
                }
                let same = |o: &Item| {
                    o.get("list") == item.get("list") && o.get("address") == item.get("address")
                };
                if others.iter().any(same) {
                    return Err(ExecError::failure("already have such entry"));
                }
                if item.get("creation-time").is_none() && self.ver.v7() {
                    item.set("creation-time", &log::full_date(self.ver, self.now()));
                }
            }
            "ipv6/address" => {
                if item.is("dynamic") && id.is_some() {
                    return Err(ExecError::failure("can not change dynamic"));
                }
                let given = item.get("address").unwrap_or("").to_string();
                let (addr, len) = match given.split_once('/') {
                    Some((a, l)) => (a, l.parse::<u8>().ok()),
                    // ASSUMPTION: a bare IPv6 address gets a /64, as the manual's examples show.
                    None => (given.as_str(), Some(64)),
                };
                let addr: std::net::Ipv6Addr =
                    addr.parse().map_err(|_| invalid_value("address"))?;
                let len = len
                    .filter(|l| *l <= 128)
                    .ok_or_else(|| invalid_value("address"))?;
                item.set("address", &format!("{addr}/{len}"));
                let ll = crate::ipv6::is_link_local(addr);
                item.set("link-local", if ll { "yes" } else { "no" });
                item.set("global", if ll { "no" } else { "yes" });
                if let Some(i) = item.get("interface").map(str::to_string) {
                    item.set("actual-interface", &i);
                }
                if others.iter().any(|o| {
                    o.get("address") == item.get("address")
                        && o.get("interface") == item.get("interface")
                }) {
                    return Err(ExecError::failure("already have such address"));
                }
            }
            "ip/address" => {
                // A bare address is a host address: `192.168.111.111` is stored and shown as
                // `192.168.111.111/32` [rest:manual/put_ip_address.json].
                if let Some(addr) = item.get("address").filter(|a| !a.contains('/')) {
                    let host = format!("{addr}/32");
                    item.set("address", &host);
                }
                if let Some(addr) = item.get("address").map(str::to_string) {
                    let net = schema::normalize_prefix(&addr).unwrap_or_default();
                    let net = net.split('/').next().unwrap_or_default().to_string();
                    item.set("network", &net);
                }
                if let Some(i) = item.get("interface").map(str::to_string) {
                    item.set("actual-interface", &i);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn group_in_use(&self, group: &str) -> bool {
        self.items("user")
            .iter()
            .any(|u| u.get("group") == Some(group))
    }

    pub(super) fn group_policy(&self, group: &str) -> String {
        self.items("user/group")
            .iter()
            .find(|g| g.get("name") == Some(group))
            .and_then(|g| g.get("policy").map(str::to_string))
            .unwrap_or_default()
    }

    /// At least one enabled user of a full group must remain.
    fn check_full_user_remains(&self, updated: &[Item], removed: &[u32]) -> Result<(), ExecError> {
        let users: Vec<Item> = self
            .items("user")
            .into_iter()
            .filter(|u| !removed.contains(&u.id))
            .map(|u| updated.iter().find(|n| n.id == u.id).cloned().unwrap_or(u))
            .collect();
        let full = users.iter().any(|u| {
            !u.is("disabled") && users::is_full(&self.group_policy(u.get("group").unwrap_or("")))
        });
        if full {
            Ok(())
        } else {
            Err(ExecError::failure(
                "can not remove or disable the last full user",
            ))
        }
    }
}

/// The table a menu's items live in (`/interface ethernet` is a view of `/interface`).
pub fn storage(path: &str) -> &str {
    match path {
        "interface/ethernet" => "interface",
        other => other,
    }
}

/// `yes` -> `true`, `no` -> `false` (API and REST booleans).
pub fn api_bool(v: &str) -> String {
    match v {
        "yes" => "true".into(),
        "no" => "false".into(),
        other => other.into(),
    }
}

/// The user-facing properties of a filter rule or address-list entry (what the firewall consumes).
pub fn rule_props(item: &Item) -> Vec<(String, String)> {
    const INTERNAL: &[&str] = &["bytes", "packets", "invalid", "dynamic", "creation-time"];
    item.props
        .iter()
        .filter(|(k, _)| !INTERNAL.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn firewall_error(e: FirewallError) -> ExecError {
    match e {
        FirewallError::Missing { field } => {
            ExecError::arg(format!("missing value(s) of argument(s) {field}"))
        }
        FirewallError::InvalidValue { field, .. }
            if matches!(field.as_str(), "action" | "chain" | "reject-with") =>
        {
            no_match(&field)
        }
        FirewallError::InvalidValue { field, .. } => {
            ExecError::arg(format!("invalid value for argument {field}"))
        }
        FirewallError::UnknownProperty { field, .. } => ExecError::unknown_param(&field),
        FirewallError::Duplicate { field } => ExecError::unknown_param(&field),
    }
}

/// `5w3d20m51s` (zero parts left out, `0s` for zero).
pub fn fmt_uptime(secs: u64) -> String {
    let parts = [
        (secs / 604_800, "w"),
        (secs % 604_800 / 86_400, "d"),
        (secs % 86_400 / 3_600, "h"),
        (secs % 3_600 / 60, "m"),
        (secs % 60, "s"),
    ];
    let s: String = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, u)| format!("{n}{u}"))
        .collect();
    if s.is_empty() { "0s".into() } else { s }
}

fn invalid_value(arg: &str) -> ExecError {
    ExecError::arg(format!("invalid value for argument {arg}"))
}

/// A `time-zone-name` other than `manual`, from the IANA database jiff bundles (never the host's).
fn zone(name: &str) -> Option<jiff::tz::TimeZone> {
    if name == "manual" || name.is_empty() {
        return None;
    }
    jiff::tz::TimeZone::get(name).ok()
}

/// `+03:00`, `-05:30`.
fn fmt_gmt_offset(o: time::UtcOffset) -> String {
    let secs = o.whole_seconds();
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
}

/// `hh:mm:ss`.
fn parse_time(s: &str) -> Option<time::Time> {
    let mut parts = s.split(':').map(|p| p.parse::<u8>().ok());
    let (h, m, sec) = (
        parts.next()??,
        parts.next()??,
        parts.next().unwrap_or(Some(0))?,
    );
    if parts.next().is_some() {
        return None;
    }
    time::Time::from_hms(h, m, sec).ok()
}

/// `jul/21/2023` (v6 and early v7) or `2023-07-21` (the ISO form later v7 prints).
fn parse_date(s: &str) -> Option<time::Date> {
    let (y, m, d) = if let Some((mon, rest)) = s.split_once('/') {
        let (d, y) = rest.split_once('/')?;
        let m = log::MONTHS
            .iter()
            .position(|x| x.eq_ignore_ascii_case(mon))? as u8
            + 1;
        (y.parse::<i32>().ok()?, m, d.parse::<u8>().ok()?)
    } else {
        let mut p = s.split('-');
        let y = p.next()?.parse::<i32>().ok()?;
        let m = p.next()?.parse::<u8>().ok()?;
        let d = p.next()?.parse::<u8>().ok()?;
        if p.next().is_some() {
            return None;
        }
        (y, m, d)
    };
    let month = time::Month::try_from(m).ok()?;
    time::Date::from_calendar_date(y, month, d).ok()
}

/// The properties `add` needs on a menu (`missing value(s) of argument(s) …` without them).
pub(crate) fn required(path: &str) -> &'static [&'static str] {
    match path {
        "user" => &["name", "group"],
        "user/group" => &["name"],
        "ip/firewall/filter" => &["chain"],
        "ip/firewall/address-list" => &["list", "address"],
        "ip/address" => &["address", "interface"],
        "ipv6/address" => &["address", "interface"],
        "ipv6/firewall/filter" => &["chain"],
        "ipv6/firewall/address-list" => &["list", "address"],
        "ip/dhcp-client" => &["interface"],
        "system/logging/action" => &["name", "target"],
        "snmp/community" => &["name"],
        other => super::stored::required(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learned_records_are_dynamic_typed_and_refer_to_what_exists() {
        let mut st = State::new(Version::parse("6.48.6").expect("version"), "MikroTik");
        let id = st
            .learn(
                "ip/arp",
                &[
                    ("address", "10.0.0.2"),
                    ("interface", "ether1"),
                    ("complete", "yes"),
                ],
            )
            .expect("learned");
        let item = st.items("ip/arp").into_iter().find(|i| i.id == id);
        let item = item.expect("in the menu");
        assert!(item.is("dynamic") && item.is("complete"));
        assert_eq!(item.get("published"), Some("no"), "the schema's default");
        let err = |r: Result<u32, ExecError>| r.expect_err("refused").message;
        assert_eq!(
            err(st.learn("ip/arp", &[("interface", "ether9")])),
            "input does not match any value of interface"
        );
        assert!(err(st.learn("ip/arp", &[("colour", "red")])).contains("colour"));
        assert!(err(st.learn("ip/arp", &[("complete", "maybe")])).contains("complete"));
        assert_eq!(st.items("ip/arp").len(), 1, "nothing half-learned");
    }

    #[test]
    fn uptime_format() {
        assert_eq!(fmt_uptime(0), "0s");
        assert_eq!(
            fmt_uptime(5 * 604_800 + 3 * 86_400 + 20 * 60 + 51),
            "5w3d20m51s"
        );
    }

    fn clock_set(st: &mut State, args: &[(&str, &str)]) -> Result<(), ExecError> {
        let admin = Actor {
            user: "admin".into(),
            policy: st.group_policy("full"),
        };
        let args: Vec<(String, String)> = args
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        st.set(&admin, "system/clock", &[], &args)
    }

    fn clock_shows(st: &State) -> Vec<String> {
        let c = st.clock_item();
        ["date", "time", "gmt-offset", "dst-active"]
            .iter()
            .map(|k| c.get(k).unwrap_or("").to_string())
            .collect()
    }

    #[test]
    fn clock_set_moves_the_clock_in_the_zones_local_time() {
        let mut st = State::new(Version::parse("6.48.6").expect("version"), "MikroTik");
        clock_set(&mut st, &[("date", "jan/15/2024"), ("time", "12:00:00")]).expect("set");
        assert_eq!(
            clock_shows(&st),
            ["jan/15/2024", "12:00:00", "+00:00", "no"]
        );
        // A zone with DST: Riga is +02:00 in winter, +03:00 in summer; the time given is local.
        clock_set(&mut st, &[("time-zone-name", "Europe/Riga")]).expect("zone");
        assert_eq!(
            clock_shows(&st),
            ["jan/15/2024", "14:00:00", "+02:00", "no"]
        );
        clock_set(&mut st, &[("date", "jul/15/2024"), ("time", "12:00:00")]).expect("set");
        assert_eq!(
            clock_shows(&st),
            ["jul/15/2024", "12:00:00", "+03:00", "yes"]
        );
        let e = clock_set(&mut st, &[("time-zone-name", "Mars/Olympus")]).expect_err("bad zone");
        assert_eq!(
            e.message,
            "input does not match any value of time-zone-name"
        );
        let e = clock_set(&mut st, &[("date", "jul/32/2024")]).expect_err("bad date");
        assert_eq!(e.message, "invalid value for argument date");
        clock_set(&mut st, &[("date", "2024-07-16")]).expect("ISO date");
        assert_eq!(clock_shows(&st)[0], "jul/16/2024");
    }
}
