//! IPv6: management over IPv6 as closed as over IPv4. RouterOS 7 listens on IPv6 from the
//! factory, where `/ip firewall` does not apply; a RouterOS 6 without the ipv6 package does not.

use chrlab::outcome::{Measure, Outcome};
use chrlab_suites::{Run, explain, hardened, lab_runs_here, snapshot_settings, unhardened};

/// Whether the run's router has IPv6 (RouterOS 7).
fn has_ipv6(run: &Run) -> bool {
    !run.version().starts_with("6.")
}

/// The IPv6 black box needs an IPv6 path from the vantages (the namespace lab has one; QEMU
/// user networking and the container networks do not): without it the check must say so.
fn assert_black_box_or_not_verifiable(run: &Run, want: fn(&Outcome) -> bool) {
    let r = run.result("ipv6.untrusted-blocked");
    if run.audit.observation.matrix6.is_some() {
        assert!(want(&r.outcome), "{}", explain(r));
    } else {
        assert!(
            matches!(&r.outcome, Outcome::Skip(why) if why.contains("no IPv6 path")),
            "{}",
            explain(r)
        );
    }
}

#[test]
fn hardened_router_passes() {
    if !lab_runs_here() {
        return;
    }
    let run = hardened();
    let r = run.result("ipv6.firewall");
    assert_eq!(r.outcome, Outcome::Pass, "{}", explain(r));
    assert_black_box_or_not_verifiable(run, |o| *o == Outcome::Pass);
    assert_eq!(chrlab::measures::checks_of(Measure::Ipv6).len(), 2);
}

/// A factory RouterOS 7 takes management logins over IPv6 from anywhere: both checks fail,
/// each for its own reason. A RouterOS 6 without the ipv6 package has no IPv6 to close.
#[test]
fn unhardened_router_fails_on_routeros_7() {
    if !lab_runs_here() {
        return;
    }
    let run = unhardened();
    let white = run.result("ipv6.firewall");
    if has_ipv6(run) {
        assert!(
            matches!(&white.outcome, Outcome::Fail(why) if why.contains("not blocked by any IPv6 input rule")),
            "{}",
            explain(white)
        );
        assert_black_box_or_not_verifiable(
            run,
            |o| matches!(o, Outcome::Fail(why) if why.contains("answers over IPv6 from untrusted")),
        );
    } else {
        assert_eq!(white.outcome, Outcome::Pass, "{}", explain(white));
        assert!(
            white
                .evidence
                .iter()
                .any(|e| e.contains("RouterOS 6 without IPv6")),
            "{}",
            explain(white)
        );
        assert_black_box_or_not_verifiable(run, |o| *o == Outcome::Pass);
    }
}

/// Turning the IPv6 drop rule off on a hardened router re-opens management over IPv6: the
/// IPv6 checks fail, and nothing else does.
#[test]
fn reopening_ipv6_management_fails_exactly_the_ipv6_checks() {
    if !lab_runs_here() {
        return;
    }
    use chrlab::profile::Profile;
    use chrlab_suites::{block_on, fresh, run_commands};
    let (version, black_box, results) = block_on(async {
        // Management closed by its own rules only ([input] close = false): with the closed
        // input chain of the baseline its final drop would still hold them (input.rs).
        let mut profile = Profile::baseline();
        profile.input.close = false;
        let run = fresh(profile, &[], true).await;
        if has_ipv6(&run) {
            run_commands(
                run.lab.as_ref(),
                &["/ipv6 firewall filter disable [find comment=\"chrlab: drop management\"]"],
            )
            .await;
        }
        let again = chrlab_suites::reaudit_in_place(&run).await;
        (
            run.version(),
            again.observation.matrix6.is_some(),
            again.report.results,
        )
    });
    // What fails besides what already fails on the hardened router (the update checks of an
    // old version).
    let before = hardened();
    let failed: Vec<&str> = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Fail(_)))
        .filter(|r| !matches!(before.result(&r.id).outcome, Outcome::Fail(_)))
        .map(|r| r.id.as_str())
        .collect();
    let want: &[&str] = if version.starts_with("6.") {
        // Nothing to re-open on a router without /ipv6 firewall: every check still passes.
        &[]
    } else if black_box {
        &["ipv6.firewall", "ipv6.untrusted-blocked"]
    } else {
        &["ipv6.firewall"]
    };
    let all: Vec<String> = results.iter().map(explain).collect();
    assert_eq!(failed, want, "{}", all.join("\n"));
    if black_box && !version.starts_with("6.") {
        let r = results
            .iter()
            .find(|r| r.id == "ipv6.untrusted-blocked")
            .expect("the black-box check ran");
        assert!(
            matches!(&r.outcome, Outcome::Fail(why) if why.contains("blocked over IPv4 but answers over IPv6")),
            "{}",
            explain(r)
        );
    }
}

/// The IPv6 probe matrix, per version, where the lab has an IPv6 path.
#[test]
fn ipv6_probe_matrix_snapshot() {
    if !lab_runs_here() {
        return;
    }
    for (name, run) in [("hardened", hardened()), ("factory", unhardened())] {
        let Some(matrix6) = run.audit.observation.summary().matrix6 else {
            continue;
        };
        snapshot_settings().bind(|| {
            insta::assert_yaml_snapshot!(
                format!("probe_matrix6__{name}__{}", run.version()),
                matrix6
            );
        });
    }
}
