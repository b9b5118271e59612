//! `/system package update`: check-for-updates, download, install; and the reboot an install asks for.
//!
//! A check takes time, as on a real router: `check-for-updates` starts it and the router's clock
//! drives it (see [`advance`]). For the first fifth of [`State::check_time`] `status` still
//! shows the previous verdict, then `finding out latest version...`, then the new verdict (or an
//! `ERROR: ...`); `latest-version` keeps the previous check's value until the new check finds one.

use std::time::{Duration, Instant};

use routeros::version::Version;

use super::ExecError;
use super::defaults::{self, Ver};
use super::log::Log;
use super::state::{Actor, State};

/// Status texts [DOC upgrade.md], [R§2.2].
pub const NEW_VERSION: &str = "New version is available";
pub const UP_TO_DATE: &str = "System is already up to date";
pub const DOWNLOADED: &str = "Downloaded, please reboot router to upgrade it";
/// While the check runs (FACTS §9; the status scripts poll for, e.g. pothi/mikrotik-scripts).
pub const CHECKING: &str = "finding out latest version...";
/// The check could not resolve the upgrade server's name (FACTS §9): the offline answer.
pub const OFFLINE: &str = "ERROR: could not resolve dns name";
/// What a v6 router on the `upgrade` channel is offered first, and only (FACTS §9, [DOC upgrade.md]).
pub const FIRST_V7: Version = Version::new(7, 12, 1);

const PATH: &str = "system/package/update";

/// Why a check fails, in RouterOS's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckFailure {
    /// No DNS: `ERROR: could not resolve dns name` (FACTS §9).
    NoDns,
    /// No route to the upgrade server. The text is UNVERIFIED (a user's report of the router's
    /// words, tomaae/homeassistant-mikrotik_router#463: "No internet connection").
    NoRoute,
    /// The server answered with an error. The text is UNVERIFIED (`ERROR: connection failed`,
    /// a third-party fixture).
    Server,
    /// Any other `ERROR: ...` text.
    Other(String),
}

impl CheckFailure {
    /// The `status` a failed check ends in.
    pub fn status(&self) -> String {
        match self {
            CheckFailure::NoDns => OFFLINE.into(),
            CheckFailure::NoRoute => "ERROR: no internet connection".into(),
            CheckFailure::Server => "ERROR: connection failed".into(),
            CheckFailure::Other(text) => text.clone(),
        }
    }
}

/// A check in progress: its phases and what it will find.
#[derive(Debug, Clone)]
pub struct Check {
    /// Until then `status` still shows the previous verdict.
    stale_until: Instant,
    /// When the verdict is known.
    done_at: Instant,
    /// The version found, or the `ERROR: ...` status.
    outcome: Result<Version, String>,
}

fn set(st: &mut State, prop: &str, value: Option<&str>) {
    if let Some(item) = st.tables.get_mut(PATH).and_then(|t| t.by_id_mut(0)) {
        let changed = match value {
            Some(v) => item.get(prop) != Some(v),
            None => item.get(prop).is_some(),
        };
        if !changed {
            return;
        }
        match value {
            Some(v) => item.set(prop, v),
            None => {
                item.props.remove(prop);
            }
        }
    }
    st.dirty = true;
}

fn get(st: &State, prop: &str) -> Option<String> {
    st.single(PATH, prop)
}

fn need_write(actor: &Actor) -> Result<(), ExecError> {
    if actor.may("write") {
        Ok(())
    } else {
        Err(ExecError::permission())
    }
}

/// What the upgrade server offers this router on its channel now.
fn offer(st: &State) -> Result<Version, String> {
    if let Some(failure) = &st.update_failure {
        return Err(failure.status());
    }
    let channel = get(st, "channel").unwrap_or_default();
    if st.version.is_v6() {
        if channel == "upgrade" {
            return Ok(FIRST_V7);
        }
        // The v6 channels offer v6 releases only; the simulator knows one only when it is
        // told (a v7 `latest_version` is not offered to v6).
        return st
            .latest_version
            .filter(Version::is_v6)
            .ok_or_else(|| OFFLINE.to_string());
    }
    st.latest_version.ok_or_else(|| OFFLINE.to_string())
}

/// Moves a running check along the router's clock: the stale phase ends, then the verdict
/// lands. Called before anything reads the router.
pub fn advance(st: &mut State) {
    let Some(check) = st.check.clone() else {
        return;
    };
    let now = Instant::now();
    if now >= check.done_at {
        st.check = None;
        match check.outcome {
            Ok(latest) => {
                let status = if latest > st.version {
                    NEW_VERSION
                } else {
                    UP_TO_DATE
                };
                set(st, "latest-version", Some(&latest.to_string()));
                set(st, "status", Some(status));
            }
            // A failed check leaves latest-version as the previous check found it.
            Err(status) => set(st, "status", Some(&status)),
        }
    } else if now >= check.stale_until {
        set(st, "status", Some(CHECKING));
    }
}

/// Starts a check unless one is running. `status` keeps the previous verdict for a moment
/// (`finding out latest version...` at once when there is none).
fn start(st: &mut State) {
    advance(st);
    if st.check.is_some() {
        return;
    }
    let now = Instant::now();
    st.check = Some(Check {
        stale_until: now + st.check_time / 5,
        done_at: now + st.check_time,
        outcome: offer(st),
    });
    if get(st, "status").is_none() {
        set(st, "status", Some(CHECKING));
    }
    advance(st);
}

/// Waits (the caller holds the router) until the running check has its verdict.
fn wait(st: &mut State) {
    if let Some(check) = &st.check {
        let left = check.done_at.saturating_duration_since(Instant::now());
        if left > Duration::ZERO {
            std::thread::sleep(left);
        }
    }
    advance(st);
}

/// `check-for-updates`: starts a check; without `once` it returns when the verdict is in.
pub fn check(st: &mut State, actor: &Actor, once: bool) -> Result<(), ExecError> {
    need_write(actor)?;
    start(st);
    if !once {
        wait(st);
    }
    Ok(())
}

/// The newer version the last check found, if any.
fn newer(st: &State) -> Option<Version> {
    get(st, "latest-version")
        .and_then(|v| Version::parse(&v).ok())
        .filter(|l| *l > st.version)
        .filter(|_| get(st, "status").is_some_and(|s| s == NEW_VERSION || s == DOWNLOADED))
}

/// `download`: fetches what the last check found (checking first, and waiting for the
/// verdict, unless a finished check found a newer version), then status `Downloaded, please
/// reboot router to upgrade it`, and the next reboot installs it.
pub fn download(st: &mut State, actor: &Actor) -> Result<(), ExecError> {
    need_write(actor)?;
    if st.check.is_some() || newer(st).is_none() {
        check(st, actor, false)?;
    }
    if let Some(latest) = newer(st) {
        set(st, "status", Some(DOWNLOADED));
        st.downloaded = Some(latest);
    }
    Ok(())
}

/// A reboot asked for by a command: into a newer version (`install`) or the same one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reboot {
    /// The version the router comes back with; `None` keeps the installed one.
    pub into: Option<Version>,
    /// A power cycle (the power cut, not `/system reboot`): it confirms a pending
    /// `/system device-mode update`.
    pub power_cycle: bool,
}

/// `install`: `download`, then a reboot into the downloaded version; the router carries it
/// out ([`boot`]). Without a newer version it only refreshes the status like `check-for-updates`.
pub fn install(st: &mut State, actor: &Actor) -> Result<(), ExecError> {
    download(st, actor)?;
    if let Some(latest) = st.downloaded {
        request_reboot(st, Some(latest));
    }
    Ok(())
}

/// Asks for a reboot. A request already pending keeps its version unless this one names another.
pub fn request_reboot(st: &mut State, into: Option<Version>) {
    let into = into.or(st.reboot.and_then(|r| r.into));
    let power_cycle = st.reboot.is_some_and(|r| r.power_cycle);
    st.reboot = Some(Reboot { into, power_cycle });
}

/// The router comes back from a reboot: the pending or downloaded update (if any) is
/// installed, everything RouterOS keeps only in RAM is gone (memory log, echo lines, active
/// sessions, a check in progress), uptime starts again, and the log's first line is `router
/// rebooted`. The configuration (`tables`) stays.
pub fn boot(st: &mut State) {
    let reboot = st.reboot.take();
    super::device_mode::boot(st, reboot.is_some_and(|r| r.power_cycle));
    let into = reboot.and_then(|r| r.into).or(st.downloaded.take());
    st.check = None;
    if let Some(version) = into.filter(|v| *v != st.version) {
        switch_to(st, version);
    }
    st.log = Log::default();
    st.sessions.clear();
    st.rest_logged.clear();
    st.started = std::time::Instant::now();
    st.log("system,info", "router rebooted");
}

/// Installs `version`: package version, installed-version, menus and defaults of that version.
fn switch_to(st: &mut State, version: Version) {
    let ver = Ver::of(&version);
    let identity = st.identity();
    let fresh = defaults::factory(ver, &version, &identity);
    for (path, table) in fresh {
        st.tables.entry(path).or_insert(table);
    }
    st.defs = defaults::menus(ver);
    st.dirs = defaults::directories(&st.defs);
    st.factory = defaults::factory(ver, &version, &identity);
    let nics = st.ethernets;
    st.add_ethernets(nics);
    st.version = version;
    st.ver = ver;
    st.downloaded = None;
    let v = version.to_string();
    if let Some(pkg) = st
        .tables
        .get_mut("system/package")
        .and_then(|t| t.items.first_mut())
    {
        pkg.set("version", &v);
    }
    set(st, "installed-version", Some(&v));
    set(st, "latest-version", None);
    set(st, "status", None);
    // v7 has no `upgrade` channel: a router that came through it is on `stable` (ASSUMPTION).
    if ver.v7() && get(st, "channel").as_deref() == Some("upgrade") {
        set(st, "channel", Some("stable"));
    }
}
