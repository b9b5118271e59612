//! `/system package update`: check-for-updates, download, install; and the reboot an install asks for.

use routeros::version::Version;

use super::ExecError;
use super::defaults::{self, Ver};
use super::log::Log;
use super::state::{Actor, State};

/// Status texts [DOC upgrade.md].
pub const NEW_VERSION: &str = "New version is available";
pub const UP_TO_DATE: &str = "System is already up to date";
pub const DOWNLOADED: &str = "Downloaded, please reboot router to upgrade it";
/// The offline answer (no DNS on a lab router).
pub const OFFLINE: &str = "ERROR: could not resolve dns name";

const PATH: &str = "system/package/update";

fn set(st: &mut State, prop: &str, value: Option<&str>) {
    if let Some(item) = st.tables.get_mut(PATH).and_then(|t| t.by_id_mut(0)) {
        match value {
            Some(v) => item.set(prop, v),
            None => {
                item.props.remove(prop);
            }
        }
    }
    st.dirty = true;
}

fn need_write(actor: &Actor) -> Result<(), ExecError> {
    if actor.may("write") {
        Ok(())
    } else {
        Err(ExecError::permission())
    }
}

/// `check-for-updates`: sets `latest-version` and `status` from the configured feed.
pub fn check(st: &mut State, actor: &Actor) -> Result<(), ExecError> {
    need_write(actor)?;
    match st.latest_version {
        None => {
            set(st, "latest-version", None);
            set(st, "status", Some(OFFLINE));
        }
        Some(latest) => {
            let status = if latest > st.version {
                NEW_VERSION
            } else {
                UP_TO_DATE
            };
            set(st, "latest-version", Some(&latest.to_string()));
            set(st, "status", Some(status));
        }
    }
    Ok(())
}

fn newer(st: &State) -> Option<Version> {
    st.latest_version.filter(|l| *l > st.version)
}

/// `download`: a newer version becomes "Downloaded, please reboot router to upgrade it".
pub fn download(st: &mut State, actor: &Actor) -> Result<(), ExecError> {
    check(st, actor)?;
    if newer(st).is_some() {
        set(st, "status", Some(DOWNLOADED));
    }
    Ok(())
}

/// A reboot asked for by a command: into a newer version (`install`) or the same one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reboot {
    /// The version the router comes back with; `None` keeps the installed one.
    pub into: Option<Version>,
}

/// `install`: with a newer version known, the update is downloaded (status `Downloaded, please
/// reboot router to upgrade it`) and a reboot into it is requested; the router carries it out
/// ([`boot`]). Without one it only refreshes the status like `check-for-updates`.
pub fn install(st: &mut State, actor: &Actor) -> Result<(), ExecError> {
    check(st, actor)?;
    let Some(latest) = newer(st) else {
        return Ok(());
    };
    set(st, "status", Some(DOWNLOADED));
    request_reboot(st, Some(latest));
    Ok(())
}

/// Asks for a reboot. A request already pending keeps its version unless this one names another.
pub fn request_reboot(st: &mut State, into: Option<Version>) {
    let into = into.or(st.reboot.and_then(|r| r.into));
    st.reboot = Some(Reboot { into });
}

/// The router comes back from a reboot: the pending update (if any) is installed, everything
/// RouterOS keeps only in RAM is gone (memory log, echo lines, active sessions), uptime starts
/// again, and the log's first line is `router rebooted`. The configuration (`tables`) stays.
pub fn boot(st: &mut State) {
    let into = st.reboot.take().and_then(|r| r.into);
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
}
