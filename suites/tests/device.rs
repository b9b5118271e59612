//! The device: unused ethernet interfaces disabled (the simulator lab's router has a second
//! NIC, ether2, wired to nothing), and on RouterOS 7.17+ a device-mode that forbids the
//! features the profile wants off, confirmed by a power cycle the lab performs.

use chrlab::outcome::{Measure, Outcome};
use chrlab_suites::{Run, explain, hardened, lab_runs_here, unhardened};

const INTERFACES: &str = "device.unused-interfaces-disabled";
const MODE: &str = "device.mode";

/// Whether the router under test has the 7.17 device-mode.
fn has_device_mode(run: &Run) -> bool {
    routeros::version::Version::parse(&run.version())
        .is_ok_and(|v| routeros::device_mode::exists(v.major(), v.minor()))
}

/// Whether the router lists an ethernet interface besides the one the harness reaches it
/// through (the simulator lab's ether2; a QEMU stand-in or a container has one NIC only).
fn has_spare_nic(run: &Run) -> bool {
    run.audit
        .observation
        .menu("/interface/ethernet")
        .is_ok_and(|rows| rows.len() > 1)
}

/// The simulator container has no `/ip address` (its address is Docker's): which interface the
/// harness reaches it through cannot be told there, and the check must say so, never pass. True
/// when that is the case (and asserted); elsewhere false.
fn path_not_told_here(r: &chrlab::outcome::CheckResult) -> bool {
    if !matches!(
        chrlab::lab::spec::LabSpec::from_env(),
        Ok(chrlab::lab::spec::LabSpec::Container(_))
    ) {
        return false;
    }
    assert!(
        matches!(&r.outcome, Outcome::Skip(why) if why.starts_with("not verifiable") && why.contains("/ip address")),
        "{}",
        explain(r)
    );
    true
}

/// Before 7.17 the device-mode check must say it cannot judge, never pass or fail.
fn assert_not_verifiable_before_7_17(run: &Run) {
    let r = run.result(MODE);
    assert!(
        matches!(&r.outcome, Outcome::Skip(why) if why.contains("predates the 7.17 device-mode")),
        "{}",
        explain(r)
    );
}

#[test]
fn hardened_router_passes() {
    if !lab_runs_here() {
        return;
    }
    let run = hardened();
    let r = run.result(INTERFACES);
    if !path_not_told_here(r) {
        assert_eq!(r.outcome, Outcome::Pass, "{}", explain(r));
        assert!(
            r.evidence
                .iter()
                .any(|e| e.contains("used (the harness's path)")),
            "{}",
            explain(r)
        );
    }
    if has_device_mode(run) && run.lab.can_power_cycle() {
        let r = run.result(MODE);
        assert_eq!(r.outcome, Outcome::Pass, "{}", explain(r));
    } else if has_device_mode(run) {
        // Nobody can confirm the change at this router (QEMU, a container): device-mode stays
        // as it was, and the check fails saying why.
        let r = run.result(MODE);
        assert!(
            matches!(&r.outcome, Outcome::Fail(why) if why.contains("power cycle")),
            "{}",
            explain(r)
        );
    } else {
        assert_not_verifiable_before_7_17(run);
    }
    assert_eq!(chrlab::measures::checks_of(Measure::Device).len(), 2);
}

/// A factory router has every NIC enabled and device-mode `advanced` (sniffer, socks, proxy,
/// … allowed): both checks fail, each for its own reason.
#[test]
fn unhardened_router_fails() {
    if !lab_runs_here() {
        return;
    }
    let run = unhardened();
    let r = run.result(INTERFACES);
    if path_not_told_here(r) {
        // Asserted there: not verifiable, and why.
    } else if has_spare_nic(run) {
        assert!(
            matches!(&r.outcome, Outcome::Fail(why) if why.contains("ether2") && !why.contains("ether1")),
            "{}",
            explain(r)
        );
    } else {
        // One NIC, the harness's own path: nothing is unused, in the factory as after.
        assert!(
            r.outcome == Outcome::Pass
                && r.evidence
                    .iter()
                    .any(|e| e.contains("used (the harness's path)")),
            "{}",
            explain(r)
        );
    }
    if has_device_mode(run) {
        let r = run.result(MODE);
        assert!(
            matches!(&r.outcome, Outcome::Fail(why) if why.contains("sniffer") && why.contains("power cycle")),
            "{}",
            explain(r)
        );
    } else {
        assert_not_verifiable_before_7_17(run);
    }
}

/// Enabling the unused interface again, or turning a device-mode feature back on (confirmed
/// by a power cycle), fails exactly that check (besides what already failed on the hardened
/// router: the update measure on RouterOS 6).
#[test]
fn reopening_one_item_fails_exactly_its_check() {
    if !lab_runs_here() {
        return;
    }
    use chrlab::profile::Profile;
    use chrlab_suites::{block_on, fresh, run_commands};
    let failures = block_on(async {
        let run = fresh(Profile::baseline(), &[], true).await;
        // What already fails on the hardened router (the update measure on RouterOS 6) is not
        // the re-opening's doing.
        let failing_before: Vec<String> = run
            .audit
            .report
            .results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Fail(_)))
            .map(|r| r.id.clone())
            .collect();
        let mut seen = Vec::new();
        let mut items = Vec::new();
        if has_spare_nic(&run) {
            items.push((
                INTERFACES,
                "/interface ethernet set [find default-name=ether2] disabled=no",
                false,
            ));
        }
        // Only a lab that can power-cycle the router can confirm a device-mode change.
        if has_device_mode(&run) && run.lab.can_power_cycle() {
            items.push((MODE, "/system device-mode update proxy=yes", true));
        }
        for (id, open, power_cycle) in items {
            let out = chrlab::operator::Operator::new(run.lab.as_ref())
                .exec(chrlab::lab::Role::Trusted, open)
                .await
                .unwrap_or_else(|e| panic!("`{open}`: {e}"));
            if power_cycle {
                assert!(out.contains("please activate"), "{out}");
                run.lab.power_cycle().await.expect("power cycle");
                run.lab.settle().await.expect("settle");
            } else {
                assert!(out.trim().is_empty(), "`{open}` printed {out:?}");
            }
            let again = chrlab_suites::reaudit_in_place(&run).await;
            let failed: Vec<String> = again
                .report
                .results
                .iter()
                .filter(|r| matches!(r.outcome, Outcome::Fail(_)))
                .filter(|r| !failing_before.contains(&r.id))
                .map(|r| r.id.clone())
                .collect();
            let reason = again
                .report
                .results
                .iter()
                .find(|r| r.id == id)
                .map(explain)
                .unwrap_or_default();
            seen.push((id, failed, reason));
            if !power_cycle {
                run_commands(
                    run.lab.as_ref(),
                    &["/interface ethernet set [find default-name=ether2] disabled=yes"],
                )
                .await;
            }
        }
        // On the simulator lab (a spare NIC, a power cycle) both items are re-opened.
        let sim = matches!(
            chrlab::lab::spec::LabSpec::from_env(),
            Ok(chrlab::lab::spec::LabSpec::Sim(_))
        );
        (seen, sim)
    });
    let (failures, sim) = failures;
    assert!(
        !sim || !failures.is_empty(),
        "the simulator lab re-opens nothing"
    );
    for (id, failed, reason) in failures {
        assert_eq!(failed, [id], "re-opening {id}: {reason}");
        let named = if id == INTERFACES { "ether2" } else { "proxy" };
        assert!(reason.contains(named), "{reason}");
    }
}
