//! Layer-2 access: MAC-Telnet, MAC-WinBox, MAC ping and neighbor discovery off.

use chrlab::outcome::Measure;
use chrlab_suites::{every_check_fails_on_the_factory_router, every_check_passes, lab_runs_here};

/// Every check the registry declares for this measure.
#[test]
fn hardened_router_passes() {
    if !lab_runs_here() {
        return;
    }
    every_check_passes(Measure::Layer2);
}

#[test]
fn unhardened_router_fails() {
    if !lab_runs_here() {
        return;
    }
    every_check_fails_on_the_factory_router(Measure::Layer2);
}

/// Re-opening one item on a hardened router fails exactly that item's check.
#[test]
fn reopening_one_item_fails_exactly_its_check() {
    if !lab_runs_here() {
        return;
    }
    use chrlab::audit::audit;
    use chrlab::outcome::Outcome;
    use chrlab::profile::Profile;
    use chrlab_suites::{block_on, explain, fresh, run_commands};
    let failures = block_on(async {
        let run = fresh(Profile::baseline(), &[], true).await;
        let mut seen = Vec::new();
        for (id, open, close) in [
            (
                "layer2.mac-server",
                "/tool mac-server set allowed-interface-list=all",
                "/tool mac-server set allowed-interface-list=none",
            ),
            (
                "layer2.mac-winbox",
                "/tool mac-server mac-winbox set allowed-interface-list=all",
                "/tool mac-server mac-winbox set allowed-interface-list=none",
            ),
            (
                "layer2.mac-ping",
                "/tool mac-server ping set enabled=yes",
                "/tool mac-server ping set enabled=no",
            ),
            (
                "layer2.neighbor-discovery",
                "/ip neighbor discovery-settings set discover-interface-list=all",
                "/ip neighbor discovery-settings set discover-interface-list=none",
            ),
        ] {
            run_commands(run.lab.as_ref(), &[open]).await;
            let again = audit(
                run.lab.as_ref(),
                &run.profile,
                std::path::Path::new("profiles/baseline.toml"),
                false,
            )
            .await
            .unwrap_or_else(|e| panic!("re-audit: {e}"));
            let failed: Vec<String> = again
                .report
                .results
                .iter()
                .filter(|r| matches!(r.outcome, Outcome::Fail(_)))
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
            run_commands(run.lab.as_ref(), &[close]).await;
        }
        seen
    });
    for (id, failed, reason) in failures {
        assert_eq!(failed, [id], "re-opening {id}: {reason}");
        assert!(
            reason.contains("all") || reason.contains("enabled"),
            "{reason}"
        );
    }
}
