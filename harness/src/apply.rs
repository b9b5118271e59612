//! Applying a hardening profile: the rendered steps, one SSH exec each, from the trusted
//! vantage, in safe order. After each step the tracked [`crate::access::Access`] follows what
//! the step changed (new ports, new administrator), so every later connection uses them.
//!
//! Safety: the accept rule for the harness's own source is in place before the drop rule
//! (the renderer orders them); the new administrator's login is verified before the factory
//! user is removed, and the removal runs as the new administrator. Idempotence comes from the
//! script itself (find-before-add, set to the desired values), so applying twice changes nothing.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::access::Credentials;
use crate::client::ClientError;
use crate::lab::{Lab, Role};
use crate::operator::{LoginAttempt, LoginService, Operator};
use crate::probe::{Identity, probe_tcp};
use crate::profile::{Profile, ServiceName};
use crate::render::{Effect, RenderContext, RenderError, Reveal, RunAs, Step, render};
use crate::secret::Secret;
use routeros::model::{PackageUpdate, Service, UpdateStatus, User};

/// Why applying stopped (or never started).
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The profile could not be turned into a script.
    #[error("render the script")]
    Render(#[from] RenderError),
    /// The profile would leave the harness no way into the router: refused before anything
    /// was sent (a usage error; `field` names the profile field to change).
    #[error("refusing to apply: field `{field}`: {why}")]
    WouldLockOut {
        /// The profile field to change.
        field: &'static str,
        /// How the harness would be locked out.
        why: String,
    },
    /// A step failed on the router.
    #[error("step {step}: {what}")]
    Step {
        /// The step's id.
        step: &'static str,
        /// What went wrong (secrets redacted).
        what: String,
        /// The client's error, when a connection or command failed.
        #[source]
        source: Option<ClientError>,
    },
    /// The lab has no trusted vantage.
    #[error("the lab has no trusted vantage to apply from")]
    NoTrustedVantage,
    #[error("settle the lab: {0}")]
    Settle(#[source] crate::lab::LabError),
}

impl ApplyError {
    /// Whether the user must change the input (profile) rather than the router having failed.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            ApplyError::Render(_) | ApplyError::WouldLockOut { .. }
        )
    }
}

/// What one applied step did.
#[derive(Debug, Clone)]
pub struct AppliedStep {
    pub id: &'static str,
    pub description: String,
    pub duration: Duration,
    /// RouterOS commands that would undo it (comments start with `#`).
    pub undo: Vec<String>,
}

/// What an apply has done so far: which steps were sent to the router, and which are still to
/// come. Shared with whoever may have to stop the apply (Ctrl-C), so that it can say exactly
/// what the router has received.
#[derive(Debug, Default)]
pub struct Journal(Mutex<JournalState>);

#[derive(Debug, Default, Clone)]
struct JournalState {
    applied: Vec<AppliedStep>,
    pending: Vec<(&'static str, String)>,
    /// The step that was being sent when the apply stopped, if any.
    current: Option<&'static str>,
}

impl Journal {
    fn with<T>(&self, f: impl FnOnce(&mut JournalState) -> T) -> T {
        match self.0.lock() {
            Ok(mut s) => f(&mut s),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// The steps the router has received, in order.
    pub fn applied(&self) -> Vec<AppliedStep> {
        self.with(|s| s.applied.clone())
    }

    /// The steps not (completely) applied: (id, description), in order.
    pub fn not_applied(&self) -> Vec<(&'static str, String)> {
        self.with(|s| s.pending.clone())
    }

    /// The step under way when the apply stopped: it may have been applied in part.
    pub fn interrupted_step(&self) -> Option<&'static str> {
        self.with(|s| s.current)
    }

    /// The commands that undo every applied step, last step first.
    pub fn undo_script(&self) -> Vec<String> {
        self.with(|s| {
            s.applied
                .iter()
                .rev()
                .flat_map(|a| {
                    std::iter::once(format!("# undo [{}]", a.id)).chain(a.undo.iter().cloned())
                })
                .collect()
        })
    }

    /// A human account of what was and was not applied, with the undo commands.
    pub fn account(&self) -> String {
        let mut out = String::new();
        let applied = self.applied();
        if applied.is_empty() {
            out.push_str("nothing was applied to the router\n");
            return out;
        }
        out.push_str("applied to the router:\n");
        for a in &applied {
            out.push_str(&format!("  [{}] {}\n", a.id, a.description));
        }
        let pending = self.not_applied();
        if !pending.is_empty() {
            out.push_str("not applied:\n");
            for (id, description) in &pending {
                let part = if self.interrupted_step() == Some(*id) {
                    " (under way: may be applied in part)"
                } else {
                    ""
                };
                out.push_str(&format!("  [{id}] {description}{part}\n"));
            }
        }
        out.push_str("RouterOS commands that undo the applied steps:\n");
        for l in self.undo_script() {
            out.push_str(&format!("  {l}\n"));
        }
        out
    }
}

/// Refuses a profile that would leave the harness no way in, before anything is sent: chrlab
/// applies and re-audits over SSH from `harness_source`.
pub fn refuse_lockout(
    profile: &Profile,
    harness_source: Option<std::net::IpAddr>,
) -> Result<(), ApplyError> {
    if profile.services.disable.contains(&ServiceName::Ssh) {
        return Err(ApplyError::WouldLockOut {
            field: "services.disable",
            why: "disabling ssh locks chrlab out: it applies the profile and reads the router over ssh, so the router would be left half hardened".into(),
        });
    }
    if let Some(ip) = harness_source {
        let allowed = profile.allowed_sources(Some(ip));
        if !allowed.iter().any(|c| c.contains(ip)) {
            return Err(ApplyError::WouldLockOut {
                field: "firewall.management_cidrs",
                why: format!(
                    "the harness applies from {ip}, which the firewall would drop (include_harness_source = false and no management CIDR contains it)"
                ),
            });
        }
        // The administrator's own `address=`: with restrict_address it holds the sources just
        // checked; without, allowed_from alone must admit the harness.
        let users = &profile.users;
        if !users.restrict_address
            && !users.allowed_from.is_empty()
            && !users.allowed_from.iter().any(|c| c.contains(ip))
        {
            return Err(ApplyError::WouldLockOut {
                field: "users.allowed_from",
                why: format!(
                    "the harness logs in as `{}` from {ip}, which its /user address= would refuse (restrict_address = false and no allowed_from prefix contains it)",
                    users.name
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod lockout_tests {
    use super::*;

    #[test]
    fn an_administrator_restricted_away_from_the_harness_is_refused_before_anything_is_sent() {
        let ip: std::net::IpAddr = "198.51.100.10".parse().expect("address");
        let mut p = Profile::baseline();
        assert!(refuse_lockout(&p, Some(ip)).is_ok());
        p.users.restrict_address = false;
        p.users.allowed_from = vec!["203.0.113.0/24".parse().expect("cidr")];
        match refuse_lockout(&p, Some(ip)) {
            Err(ApplyError::WouldLockOut { field, why }) => {
                assert_eq!(field, "users.allowed_from");
                assert!(why.contains("198.51.100.10"), "{why}");
            }
            other => panic!("{other:?}"),
        }
        p.users
            .allowed_from
            .push("198.51.100.0/24".parse().expect("cidr"));
        assert!(refuse_lockout(&p, Some(ip)).is_ok());
        // With restrict_address the management sources come first, and they hold the harness.
        p.users.restrict_address = true;
        p.users.allowed_from = vec!["203.0.113.0/24".parse().expect("cidr")];
        assert!(refuse_lockout(&p, Some(ip)).is_ok());
    }
}

/// The router's state before the apply, for the undo commands.
#[derive(Debug, Default)]
pub struct Before {
    /// `/ip service`.
    pub services: Vec<Service>,
    /// `/user`.
    pub users: Vec<User>,
    /// `/system package update`.
    pub update: Option<PackageUpdate>,
    /// `/system logging`.
    pub logging: Vec<Vec<(String, String)>>,
    /// `/tool bandwidth-server enabled`, if it was read.
    pub bandwidth_server: Option<bool>,
    /// The menus the measures declare they read, as they were (those that could be read).
    pub menus: std::collections::BTreeMap<&'static str, Vec<Vec<(String, String)>>>,
}

impl Before {
    async fn read(op: &Operator<'_>) -> Before {
        let mut reads = op
            .rows_many(
                Role::Trusted,
                &[
                    "/ip/service",
                    "/user",
                    "/system/package/update",
                    "/system/logging",
                    "/tool/bandwidth-server",
                ],
            )
            .await
            .into_iter();
        let mut next = || reads.next().and_then(Result::ok).unwrap_or_default();
        let services: Vec<Service> = next()
            .iter()
            .filter_map(|r| Service::from_props(r).ok())
            .collect();
        op.follow_ports(&services);
        let users = next()
            .iter()
            .filter_map(|r| User::from_props(r).ok())
            .collect();
        let update = next()
            .first()
            .and_then(|r| PackageUpdate::from_props(r).ok());
        let logging = next();
        let bandwidth_server = next()
            .iter()
            .flatten()
            .find(|(k, _)| k == "enabled")
            .map(|(_, v)| matches!(v.as_str(), "true" | "yes"));
        let extra = crate::measures::extra_reads();
        let menus = op
            .rows_many(Role::Trusted, &extra)
            .await
            .into_iter()
            .zip(extra.iter().copied())
            .filter_map(|(r, menu)| Some((menu, r.ok()?)))
            .collect();
        Before {
            services,
            users,
            update,
            logging,
            bandwidth_server,
            menus,
        }
    }

    /// One property of a single-row menu the measures read, as it was.
    pub fn setting(&self, menu: &str, key: &str) -> Option<String> {
        self.menus
            .get(menu)?
            .iter()
            .flatten()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    /// The service called `name`, as it was.
    pub fn service(&self, name: ServiceName) -> Option<&Service> {
        self.services.iter().find(|s| s.name == name.as_str())
    }
}

/// `yes` or `no`, as RouterOS writes a boolean.
pub(crate) fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The commands that would undo `step` on a router that was in state `before`: the measure
/// that made the step knows.
fn undo(step: &Step, profile: &Profile, before: &Before) -> Vec<String> {
    match crate::measures::REGISTRY
        .iter()
        .find(|m| m.measure == step.measure)
    {
        Some(m) => (m.undo)(step, profile, before),
        None => vec![format!("# no undo known for step {}", step.id)],
    }
}

/// What the steps are rendered with on this lab's router: the harness's sources as its
/// vantages show them, and the router's state read first (some steps are decided from what the
/// router has, its interfaces). Shared by the apply and the fixes ([`crate::fix`]).
pub async fn render_context(lab: &dyn Lab, password: &Secret) -> Result<RenderContext, ApplyError> {
    let source = lab
        .vantage(Role::Trusted)
        .map(|v| v.address())
        .ok_or(ApplyError::NoTrustedVantage)?;
    let op = Operator::new(lab);
    let before = std::sync::Arc::new(Before::read(&op).await);
    Ok(RenderContext {
        harness_source: Some(source),
        harness_source6: lab.vantage(Role::Trusted).and_then(|v| v.address6()),
        password: password.clone(),
        router_address: Some(lab.access().address()),
        vantage_sources: Role::ALL
            .iter()
            .filter_map(|r| lab.vantage(*r))
            .flat_map(|v| std::iter::once(v.address()).chain(v.address6()))
            .collect(),
        before: Some(before),
    })
}

/// Applies `profile` to the lab's router. `password` is the new administrator's password
/// (the profile's, or generated by the caller for this run).
pub async fn apply(
    lab: &dyn Lab,
    profile: &Profile,
    password: &Secret,
) -> Result<Vec<AppliedStep>, ApplyError> {
    apply_with(lab, profile, password, &Journal::default()).await
}

/// [`apply`], recording each step in `journal` as it is sent, so that a caller that stops the
/// apply (or sees it fail) can say what the router received and how to undo it.
pub async fn apply_with(
    lab: &dyn Lab,
    profile: &Profile,
    password: &Secret,
    journal: &Journal,
) -> Result<Vec<AppliedStep>, ApplyError> {
    let source = lab
        .vantage(Role::Trusted)
        .map(|v| v.address())
        .ok_or(ApplyError::NoTrustedVantage)?;
    refuse_lockout(profile, Some(source))?;
    let ctx = render_context(lab, password).await?;
    let steps = render(profile, &ctx)?;
    run_steps(lab, profile, &ctx, &steps, journal).await
}

/// Sends `steps` (rendered with `ctx`) to the lab's router in order, as the apply does: each
/// on one exec channel as the user it must run as, acting on its effects (the new
/// administrator's login proved and used, the moved ports reconnected, a reboot waited for, a
/// device-mode change confirmed by a power cycle or, where the lab cannot, not sent).
pub async fn run_steps(
    lab: &dyn Lab,
    profile: &Profile,
    ctx: &RenderContext,
    steps: &[Step],
    journal: &Journal,
) -> Result<Vec<AppliedStep>, ApplyError> {
    let op = Operator::new(lab);
    let password = &ctx.password;
    let before = ctx.before.clone().unwrap_or_default();
    journal.with(|s| {
        s.pending = steps
            .iter()
            .map(|st| (st.id, st.description.clone()))
            .collect();
    });
    let new_admin = Credentials {
        user: profile.users.name.clone(),
        password: password.clone(),
    };
    let mut applied = Vec::new();
    // Set once an update has rebooted the router into another version, whose menus may differ
    // from those read before the apply (a 7.16 upgraded to 7.24 has /system device-mode).
    let mut upgraded = false;
    for step in steps {
        if let Some(menu) = step.only_where
            && !before.menus.contains_key(menu)
            && !(upgraded && op.rows(Role::Trusted, menu).await.is_ok())
        {
            // Read before the apply and not there: RouterOS 6 without the ipv6 package, say.
            tracing::info!(
                step = step.id,
                menu,
                "skipped: the router has no {}",
                crate::readback::cli_path(menu)
            );
            journal.with(|s| s.pending.retain(|(id, _)| *id != step.id));
            continue;
        }
        if step.has(Effect::ConfirmedAtDevice) && !lab.can_power_cycle() {
            // Sent, it would wait for a confirmation no one gives and lapse.
            tracing::warn!(
                step = step.id,
                "not sent: {} needs a confirmation at the router (a power cycle or a press of its reset or mode button within the activation timeout), which this lab cannot give; run at the router: {}",
                step.description,
                step.script(Reveal::Redacted).trim()
            );
            journal.with(|s| s.pending.retain(|(id, _)| *id != step.id));
            continue;
        }
        journal.with(|s| s.current = Some(step.id));
        let started = Instant::now();
        tracing::info!(step = step.id, "{}", step.description);
        let creds = match step.run_as {
            RunAs::Current => lab.access().credentials(),
            RunAs::NewAdmin => {
                verify_login(&op, step, &new_admin).await?;
                new_admin.clone()
            }
        };
        // A step that may reboot the router (installing an update) reboots it only when the
        // router has something to install: ask first, so the wait below knows what to expect.
        let reboots = step.has(Effect::Reboots) && update_pending(&op).await;
        if step.has(Effect::ConfirmedAtDevice) {
            run_confirmed(lab, &op, step, &creds).await?;
        } else {
            match run_step(&op, step, &creds).await {
                // The router may cut the session as it goes down.
                Err(e) if reboots => tracing::debug!(step = step.id, error = %e, "step ended"),
                other => other?,
            }
        }
        if step.has(Effect::ReplacesAdministrator) {
            // Prove the new administrator works, then use it for everything that follows.
            verify_login(&op, step, &new_admin).await?;
            lab.access().set_credentials(new_admin.clone());
        }
        if step.has(Effect::MovesPorts) {
            for (service, port) in &profile.services.ports {
                lab.access().set_port(service.as_str(), *port);
            }
            wait_for_ssh(lab, step.id).await?;
        }
        if reboots {
            wait_for_ssh_down(lab, step).await?;
            wait_for_ssh(lab, step.id).await?;
            upgraded = true;
        } else if step.has(Effect::Reboots) {
            tracing::info!(step = step.id, "nothing to install: no reboot");
        }
        lab.settle().await.map_err(ApplyError::Settle)?;
        let done = AppliedStep {
            id: step.id,
            description: step.description.clone(),
            duration: started.elapsed(),
            undo: undo(step, profile, &before),
        };
        journal.with(|s| {
            s.applied.push(done.clone());
            s.pending.retain(|(id, _)| *id != step.id);
            s.current = None;
        });
        applied.push(done);
    }
    Ok(applied)
}

/// How long a step that needs a confirmation at the router has to be refused (a bad value)
/// before the lab confirms it: RouterOS checks the values at once, then waits.
const CONFIRM_AFTER: Duration = Duration::from_secs(2);

/// Runs a step RouterOS holds until it is confirmed at the router (device-mode): sends it,
/// and unless the router refused it at once, power-cycles the router through the lab and
/// waits for SSH to answer again. The command may still be waiting when the power goes; the
/// session it ran on is cut, and that is not an error.
async fn run_confirmed(
    lab: &dyn Lab,
    op: &Operator<'_>,
    step: &Step,
    creds: &Credentials,
) -> Result<(), ApplyError> {
    let sent = run_step(op, step, creds);
    tokio::pin!(sent);
    tokio::select! {
        r = &mut sent => r?,
        () = tokio::time::sleep(CONFIRM_AFTER) => {}
    }
    tracing::info!(step = step.id, "confirming at the router: power cycle");
    lab.power_cycle().await.map_err(|e| ApplyError::Step {
        step: step.id,
        what: format!("power-cycle the router to confirm the change: {e}"),
        source: None,
    })?;
    wait_for_ssh(lab, step.id).await
}

/// Texts RouterOS prints when a command in a script fails (FACTS §4.2).
const ERROR_MARKERS: [&str; 9] = [
    "bad command name",
    "expected end of command",
    "syntax error",
    "no such item",
    "failure:",
    "input does not match any value",
    "invalid value for",
    "not enough permissions",
    "ambiguous value",
];

/// Whether a step's output reports an error (`set`/`add` print nothing on success, while
/// `check-for-updates` prints its status).
pub fn reports_error(output: &str) -> bool {
    ERROR_MARKERS.iter().any(|m| output.contains(m))
}

/// Runs one step's script on one exec channel.
async fn run_step(op: &Operator<'_>, step: &Step, creds: &Credentials) -> Result<(), ApplyError> {
    let script = step.script(Reveal::Exposed);
    let output = op
        .exec_as(Role::Trusted, creds, &script)
        .await
        .map_err(|e| ApplyError::Step {
            step: step.id,
            what: "the step could not be sent".into(),
            source: Some(e),
        })?;
    let printed = output.trim();
    if !reports_error(printed) {
        if !printed.is_empty() {
            tracing::debug!(step = step.id, output = %creds.password.redact_in(printed), "step printed");
        }
        Ok(())
    } else {
        Err(ApplyError::Step {
            step: step.id,
            what: format!("the router answered: {}", creds.password.redact_in(printed)),
            source: None,
        })
    }
}

async fn verify_login(
    op: &Operator<'_>,
    step: &Step,
    creds: &Credentials,
) -> Result<(), ApplyError> {
    match op
        .try_login(
            Role::Trusted,
            LoginService::Ssh,
            &creds.user,
            creds.password.expose(),
        )
        .await
    {
        LoginAttempt::Accepted => Ok(()),
        other => Err(ApplyError::Step {
            step: step.id,
            what: format!(
                "the new administrator `{}` cannot log in over ssh: {other:?}",
                creds.user
            ),
            source: None,
        }),
    }
}

/// How often the applier looks whether the router went down or came back.
const POLL: Duration = Duration::from_millis(20);

/// Whether the router reports a newer version than it runs (after checking for one).
async fn update_pending(op: &Operator<'_>) -> bool {
    op.check_for_updates(Role::Trusted).await.is_ok_and(|c| {
        c.verdict()
            .is_some_and(|u| u.status_kind() == UpdateStatus::NewVersionAvailable)
    })
}

/// Waits until ssh stops answering: the router has begun to reboot.
async fn wait_for_ssh_down(lab: &dyn Lab, step: &Step) -> Result<(), ApplyError> {
    let addr = lab.access().endpoint("ssh");
    let timing = lab.timing();
    let deadline = Instant::now() + lab.reboot_timing().going_down;
    let vantage = lab
        .vantage(Role::Trusted)
        .ok_or(ApplyError::NoTrustedVantage)?;
    loop {
        let probe = vantage
            .run(move || async move { probe_tcp(addr, timing).await })
            .await;
        if !matches!(probe.identity, Some(Identity::Ssh(_))) {
            tracing::info!(step = step.id, %addr, "the router is rebooting");
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(ApplyError::Step {
                step: step.id,
                what: format!(
                    "the router did not reboot after installing the update (ssh at {addr} kept answering)"
                ),
                source: None,
            });
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Waits until ssh answers on its current port (after a move or a reboot).
pub(crate) async fn wait_for_ssh(lab: &dyn Lab, step: &'static str) -> Result<(), ApplyError> {
    let addr = lab.access().endpoint("ssh");
    let timing = lab.timing();
    let deadline = Instant::now() + timing.connect * 50 + lab.reboot_timing().booting;
    let vantage = lab
        .vantage(Role::Trusted)
        .ok_or(ApplyError::NoTrustedVantage)?;
    loop {
        let probe = vantage
            .run(move || async move { probe_tcp(addr, timing).await })
            .await;
        if matches!(probe.identity, Some(Identity::Ssh(_))) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(ApplyError::Step {
                step,
                what: format!("ssh did not come back on {addr} ({probe})"),
                source: None,
            });
        }
        tokio::time::sleep(POLL).await;
    }
}
