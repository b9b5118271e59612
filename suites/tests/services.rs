//! Measure 2, management services: telnet, ftp, api, winbox off; ssh and www moved.

use chrlab::outcome::Measure;
use chrlab_suites::{
    every_check_fails_on_the_factory_router, every_check_passes, hardened, lab_runs_here,
    snapshot_settings, unhardened,
};

/// Every check the registry declares for this measure.
#[test]
fn hardened_router_passes() {
    if !lab_runs_here() {
        return;
    }
    every_check_passes(Measure::Services);
}

#[test]
fn unhardened_router_fails() {
    if !lab_runs_here() {
        return;
    }
    every_check_fails_on_the_factory_router(Measure::Services);
}

#[test]
fn service_table_snapshot() {
    if !lab_runs_here() {
        return;
    }
    for (name, run) in [("hardened", hardened()), ("factory", unhardened())] {
        let table = run.audit.observation.summary().services;
        snapshot_settings().bind(|| {
            insta::assert_yaml_snapshot!(format!("services__{name}__{}", run.version()), table);
        });
    }
}

/// `address=` is a second lock behind the firewall: with the drop rule off, ssh answers from the
/// untrusted vantage but the administrator's login from there is refused, and the check still
/// passes; with ssh's `address=` emptied, exactly this check fails. The login from there is
/// still refused then, by the administrator's own `/user address=` (`users.address-restricted`,
/// suites/tests/users.rs, shows that lock); with both emptied it gets in.
#[test]
fn service_addresses_refuse_logins_from_outside_even_through_an_open_firewall() {
    if !lab_runs_here() {
        return;
    }
    use chrlab::outcome::Outcome;
    use chrlab::profile::Profile;
    use chrlab_suites::{block_on, explain, fresh, run_commands};
    let (behind_open_firewall, emptied, both_emptied) = block_on(async {
        let run = fresh(Profile::baseline(), &[], true).await;
        let again = || async { chrlab_suites::reaudit_in_place(&run).await.report.results };
        run_commands(
            run.lab.as_ref(),
            &[
                "/ip firewall filter disable [find comment=\"chrlab: drop management\"]",
                // The input chain's final drop ([input]) would close it as well.
                "/ip firewall filter disable [find comment=\"chrlab: drop all else\"]",
            ],
        )
        .await;
        let open = again().await;
        run_commands(run.lab.as_ref(), &["/ip service set ssh address=\"\""]).await;
        let emptied = again().await;
        run_commands(
            run.lab.as_ref(),
            &["/user set [find name=netops] address=\"\""],
        )
        .await;
        let both = again().await;
        (open, emptied, both)
    });
    let get = |results: &[chrlab::outcome::CheckResult], id: &str| {
        results
            .iter()
            .find(|r| r.id == id)
            .cloned()
            .unwrap_or_else(|| panic!("no {id}"))
    };
    let r = get(&behind_open_firewall, "services.address-restricted");
    assert_eq!(r.outcome, Outcome::Pass, "{}", explain(&r));
    assert!(
        r.evidence.iter().any(
            |e| e.contains("ssh is open from the untrusted vantage") && !e.contains("Accepted")
        ),
        "{}",
        explain(&r)
    );
    // The firewall's own check sees the open drop rule.
    assert!(matches!(
        get(&behind_open_firewall, "firewall.untrusted-blocked").outcome,
        Outcome::Fail(_)
    ));
    let r = get(&emptied, "services.address-restricted");
    assert!(
        matches!(&r.outcome, Outcome::Fail(why) if why.contains("ssh admits every address")),
        "{}",
        explain(&r)
    );
    assert!(
        r.evidence
            .iter()
            .any(|e| e.contains("the administrator's login from there: Refused")),
        "{}",
        explain(&r)
    );
    let r = get(&both_emptied, "services.address-restricted");
    assert!(
        matches!(&r.outcome, Outcome::Fail(why) if why.contains("ssh admits every address")
            && why.contains("logged in over ssh from the untrusted vantage")),
        "{}",
        explain(&r)
    );
    let newly_failed: Vec<&str> = emptied
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Fail(_)))
        .filter(|r| {
            !behind_open_firewall
                .iter()
                .any(|b| b.id == r.id && matches!(b.outcome, Outcome::Fail(_)))
        })
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(newly_failed, ["services.address-restricted"]);
}
