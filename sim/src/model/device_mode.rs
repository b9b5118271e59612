//! `/system device-mode` (RouterOS 7.17+): which features the router may use at all, changed
//! only by `update` *and* a confirmation at the device — a power cycle ("cold reboot") or a press
//! of the reset/mode button within `activation-timeout` (default 5 minutes). Remote access alone
//! cannot change it (MikroTik's manual, "Device-mode").
//!
//! The simulator keeps an `update` pending in RAM until the next boot: a power cycle
//! ([`crate::Router::power_cycle`]) within the timeout applies it; a soft reboot (`/system
//! reboot`), or a power cycle after the timeout, drops it. See `sim/FIDELITY.md`.

use std::time::{Duration, Instant};

use super::defaults::Ver;
use super::error::ExecError;
use super::schema::{Kind, MenuDef, PrintForm, Prop, Ty, validate};
use super::state::Actor;
use super::state::State;

/// The menu's path.
pub const PATH: &str = "system/device-mode";

use routeros::device_mode::FEATURES;

/// The modes `update mode=` takes.
const MODES: &[&str] = &["advanced", "home", "basic", "rose"];

/// How long RouterOS waits for the confirmation unless `activation-timeout` says otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// Whether this version has the menu (the 7.17 form: modes and feature switches).
pub fn exists(v: Ver) -> bool {
    routeros::device_mode::exists(v.major, v.minor)
}

/// The menu: one row, read-only to `set`; `update` is its only change.
pub fn menu() -> MenuDef {
    let mut props = vec![
        Prop::ro("mode", Ty::Enum(MODES), Some("advanced")),
        Prop::ro("allowed-versions", Ty::Word, Some("7.13+,6.49.8+")),
        Prop::ro("flagged", Ty::Bool, Some("no")),
        Prop::ro("flagging-enabled", Ty::Bool, Some("yes")),
    ];
    props.extend(
        FEATURES
            .iter()
            .map(|(name, default)| Prop::ro(name, Ty::Bool, Some(default))),
    );
    props.push(Prop::ro("attempt-count", Ty::Word, Some("0")));
    MenuDef {
        path: PATH,
        kind: Kind::Single,
        props,
        key: None,
        flags: Vec::new(),
        columns: Vec::new(),
        form: PrintForm::Single,
        read_only: true,
        commands: vec!["update"],
        noun: "item",
        v6_flags_width: None,
        v6_legend: None,
        v6_flag_positions: false,
    }
}

/// An `update` waiting for its confirmation at the device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The properties it changes, in canonical form.
    pub changes: Vec<(String, String)>,
    /// Until when a power cycle confirms it.
    pub deadline: Instant,
}

/// `update key=value ...`: checks every value, then waits for the confirmation; returns the
/// line RouterOS prints. A later `update` replaces a pending one.
pub fn update(
    st: &mut State,
    actor: &Actor,
    args: &[(String, String)],
) -> Result<String, ExecError> {
    if !actor.may("write") {
        return Err(ExecError::permission());
    }
    let def = st
        .def(PATH)
        .cloned()
        .ok_or_else(|| ExecError::no_such_command("update"))?;
    let mut timeout = DEFAULT_TIMEOUT;
    let mut changes = Vec::new();
    for (key, value) in args {
        if key == "activation-timeout" {
            timeout = parse_timeout(value).ok_or_else(|| {
                ExecError::arg("invalid value for argument activation-timeout".into())
            })?;
            continue;
        }
        let prop = def
            .props
            .iter()
            .find(|p| {
                p.name == key && (p.name == "mode" || FEATURES.iter().any(|(f, _)| *f == p.name))
            })
            .ok_or_else(|| ExecError::unknown_param(key))?;
        changes.push((key.clone(), validate(prop, value)?));
    }
    st.device_mode_pending = Some(Pending {
        changes,
        deadline: Instant::now() + timeout,
    });
    Ok(format!(
        "  update: please activate by turning power off or pressing reset or mode button in {}",
        show_duration(timeout)
    ))
}

/// At boot: a pending `update` is applied when the boot is a power cycle within its timeout,
/// and is gone in every case (it was kept in RAM).
pub fn boot(st: &mut State, power_cycle: bool) {
    let Some(pending) = st.device_mode_pending.take() else {
        return;
    };
    if !power_cycle || Instant::now() > pending.deadline {
        return;
    }
    if let Some(item) = st.tables.get_mut(PATH).and_then(|t| t.by_id_mut(0)) {
        for (k, v) in &pending.changes {
            item.set(k, v);
        }
        st.dirty = true;
    }
}

/// `activation-timeout`: 10 s to 1 day, as `10s`, `5m`, `1h`, `1d` or `hh:mm:ss`.
fn parse_timeout(v: &str) -> Option<Duration> {
    let secs = if let Some((h, rest)) = v.split_once(':') {
        let (m, s) = rest.split_once(':')?;
        h.parse::<u64>().ok()? * 3600 + m.parse::<u64>().ok()? * 60 + s.parse::<u64>().ok()?
    } else {
        let (n, unit) = v.split_at(v.find(|c: char| !c.is_ascii_digit())?);
        let n: u64 = n.parse().ok()?;
        n * match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86400,
            _ => return None,
        }
    };
    (10..=86400)
        .contains(&secs)
        .then(|| Duration::from_secs(secs))
}

/// `5m00s`, `10s`, `1h00m00s` (the manual shows `5m00s` for the default).
fn show_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m{:02}s", s / 3600, s % 3600 / 60, s % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse_in_range_only() {
        assert_eq!(parse_timeout("5m"), Some(Duration::from_secs(300)));
        assert_eq!(parse_timeout("00:00:10"), Some(Duration::from_secs(10)));
        assert_eq!(parse_timeout("1d"), Some(Duration::from_secs(86400)));
        assert_eq!(parse_timeout("9s"), None);
        assert_eq!(parse_timeout("2d"), None);
        assert_eq!(parse_timeout("soon"), None);
        assert_eq!(show_duration(DEFAULT_TIMEOUT), "5m00s");
        assert_eq!(show_duration(Duration::from_secs(10)), "10s");
    }
}
