//! Other listeners: DNS for remote clients, proxy, SOCKS, UPnP, SNMP, RoMON, cloud DDNS off.
//! DNS and SNMP are proved from outside too: a real DNS query (UDP and TCP 53) and an SNMP
//! GetRequest with `public` from both vantages.

use chrlab::lab::spec::LabSpec;
use chrlab::outcome::{Measure, Outcome};
use chrlab_suites::{
    every_check_fails_on_the_factory_router, every_check_passes, explain, hardened, lab_runs_here,
    unhardened,
};

const DNS: &str = "listeners.dns-remote-requests";
const SNMP: &str = "listeners.snmp";
const SOCKS: &str = "listeners.socks";
const PROXY: &str = "listeners.proxy";

/// Whether the suites' lab carries UDP from its vantages (a namespace lab does; QEMU user-mode
/// port forwards do not, and then the black box is not run).
fn vantages_carry_udp() -> bool {
    matches!(LabSpec::from_env(), Ok(LabSpec::Sim(_)))
}

/// Every check the registry declares for this measure.
#[test]
fn hardened_router_passes() {
    if !lab_runs_here() {
        return;
    }
    every_check_passes(Measure::Listeners);
}

/// The hardened router's DNS and SNMP passes rest on what the untrusted vantage saw.
#[test]
fn hardened_router_passes_on_black_box_evidence() {
    if !lab_runs_here() || !vantages_carry_udp() {
        return;
    }
    for (id, probes) in [
        (DNS, &["dns-udp", "dns-tcp"][..]),
        (SNMP, &["snmp-public"][..]),
        (SOCKS, &["socks"][..]),
        (PROXY, &["web-proxy"][..]),
    ] {
        let r = hardened().result(id);
        let evidence = r.evidence.join("\n");
        for probe in probes {
            for vantage in ["trusted", "untrusted"] {
                let line = format!("{probe} from {vantage}: silent");
                // The baseline moves WebFig to 8080, the web proxy's factory port: from the
                // trusted vantage an HTTP server answers there, but not as the proxy.
                let not_the_proxy = id == PROXY
                    && vantage == "trusted"
                    && evidence.contains("web-proxy from trusted: refused")
                    && evidence.contains("an HTTP server that is not the proxy");
                assert!(
                    evidence.contains(&line) || not_the_proxy,
                    "{line}: {}",
                    explain(r)
                );
            }
        }
        assert!(!evidence.contains("not run"), "{}", explain(r));
    }
}

/// The negative control turned each one on (all are off in the factory).
#[test]
fn unhardened_router_fails() {
    if !lab_runs_here() {
        return;
    }
    every_check_fails_on_the_factory_router(Measure::Listeners);
}

/// On the negative control the resolver and the agent answer the untrusted vantage, and the
/// failures say so.
#[test]
fn unhardened_router_fails_on_what_answered_the_untrusted_vantage() {
    if !lab_runs_here() || !vantages_carry_udp() {
        return;
    }
    for (id, asked) in [
        (DNS, "a DNS query over UDP 53 got an answer"),
        (
            SNMP,
            "an SNMP GetRequest with community public (UDP 161) got an answer",
        ),
        (
            SOCKS,
            "a SOCKS4 CONNECT and a SOCKS5 greeting (TCP 1080) got an answer",
        ),
        (
            PROXY,
            "a proxy request for http://chrlab-probe.example/ (TCP 8080) got an answer",
        ),
    ] {
        let r = unhardened().result(id);
        match &r.outcome {
            Outcome::Fail(why) => {
                assert!(why.contains("from the untrusted vantage"), "{}", explain(r));
                assert!(why.contains(asked), "{}", explain(r));
            }
            _ => panic!("{}", explain(r)),
        }
    }
}

/// Turning DNS remote requests, SNMP or the SOCKS proxy on again on a router hardened with a
/// profile that closes only the management ports (`[input] close = false`: nothing else stands
/// between the listener and the untrusted vantage) fails exactly that listener's check, for what
/// answered the untrusted vantage. (With the closed input chain of the baseline the untrusted
/// vantage gets no answer, and only the settings fail it: `input.rs` proves that chain.)
#[test]
fn reopening_one_listener_fails_exactly_its_check() {
    if !lab_runs_here() {
        return;
    }
    use chrlab::profile::Profile;
    use chrlab_suites::{block_on, fresh, run_commands};
    let failures = block_on(async {
        let mut profile = Profile::baseline();
        profile.input.close = false;
        let run = fresh(profile, &[], true).await;
        let mut seen = Vec::new();
        for (id, open, close) in [
            (
                DNS,
                "/ip dns set allow-remote-requests=yes",
                "/ip dns set allow-remote-requests=no",
            ),
            (SNMP, "/snmp set enabled=yes", "/snmp set enabled=no"),
            (
                SOCKS,
                "/ip socks set enabled=yes",
                "/ip socks set enabled=no",
            ),
        ] {
            run_commands(run.lab.as_ref(), &[open]).await;
            let again = chrlab_suites::reaudit_in_place(&run).await;
            let failed = chrlab_suites::new_failures(&again.report.results);
            let reason = chrlab_suites::explain_id(&again.report.results, id);
            seen.push((id, failed, reason));
            run_commands(run.lab.as_ref(), &[close]).await;
        }
        seen
    });
    for (id, failed, reason) in failures {
        assert_eq!(failed, [id], "re-opening {id}: {reason}");
        if vantages_carry_udp() {
            assert!(
                reason.contains("from the untrusted vantage") && reason.contains("got an answer"),
                "{reason}"
            );
        } else {
            assert!(
                reason.contains("enabled") || reason.contains("allow-remote-requests"),
                "{reason}"
            );
        }
    }
}
