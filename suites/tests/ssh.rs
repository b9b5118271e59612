//! SSH crypto: strong algorithms only.

use chrlab::outcome::Measure;
use chrlab_suites::{every_check_fails_on_the_factory_router, every_check_passes, lab_runs_here};

/// Every check the registry declares for this measure.
#[test]
fn hardened_router_passes() {
    if !lab_runs_here() {
        return;
    }
    every_check_passes(Measure::Ssh);
}

#[test]
fn unhardened_router_fails() {
    if !lab_runs_here() {
        return;
    }
    every_check_fails_on_the_factory_router(Measure::Ssh);
}
