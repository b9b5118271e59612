//! The go/no-go: what differs between a baseline's and a candidate's [`Behaviour`], and which of
//! it is a regression.

use serde::Serialize;

use super::behaviour::Behaviour;

/// One check whose verdict differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerdictChange {
    /// The check id.
    pub check: String,
    /// The baseline's verdict (`PASS`, …), or `-` when the baseline has no such check.
    pub baseline: String,
    /// The candidate's verdict, or `-`.
    pub candidate: String,
    /// PASS → FAIL/SKIP, or anything → FAIL ([`is_regression`]).
    pub regression: bool,
}

/// One observation that differs: its path in [`Behaviour::observations`] and both values
/// (`None`: that side has no such leaf).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObservationChange {
    /// `observed.services.telnet.port`, `log.0`, `factory.matrix.23.trusted`, …
    pub path: String,
    /// The baseline's value.
    pub baseline: Option<String>,
    /// The candidate's value.
    pub candidate: Option<String>,
}

/// Every difference between two behaviours.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// Checks whose verdict differs, by id.
    pub verdicts: Vec<VerdictChange>,
    /// Observations that differ, by path.
    pub observations: Vec<ObservationChange>,
}

/// Whether going from `baseline` to `candidate` is a regression: a pass that no longer passes
/// (FAIL, or SKIP: no longer proved), or a new failure. A waived failure is not a failure.
pub fn is_regression(baseline: &str, candidate: &str) -> bool {
    (baseline == "PASS" && matches!(candidate, "FAIL" | "SKIP" | "-"))
        || (candidate == "FAIL" && baseline != "FAIL")
}

impl Diff {
    /// What changed from `baseline` to `candidate`.
    pub fn between(baseline: &Behaviour, candidate: &Behaviour) -> Diff {
        let ids: std::collections::BTreeSet<&String> = baseline
            .verdicts
            .keys()
            .chain(candidate.verdicts.keys())
            .collect();
        let verdicts = ids
            .into_iter()
            .filter_map(|id| {
                let b = baseline.verdicts.get(id).map_or("-", String::as_str);
                let c = candidate.verdicts.get(id).map_or("-", String::as_str);
                (b != c).then(|| VerdictChange {
                    check: id.clone(),
                    baseline: b.to_string(),
                    candidate: c.to_string(),
                    regression: is_regression(b, c),
                })
            })
            .collect();
        let (lb, lc) = (baseline.leaves(), candidate.leaves());
        let paths: std::collections::BTreeSet<&String> = lb.keys().chain(lc.keys()).collect();
        let observations = paths
            .into_iter()
            .filter_map(|p| {
                let (b, c) = (lb.get(p), lc.get(p));
                (b != c).then(|| ObservationChange {
                    path: p.clone(),
                    baseline: b.cloned(),
                    candidate: c.cloned(),
                })
            })
            .collect();
        Diff {
            verdicts,
            observations,
        }
    }

    /// How many verdicts regressed.
    pub fn regressions(&self) -> usize {
        self.verdicts.iter().filter(|v| v.regression).count()
    }

    /// Nothing differs.
    pub fn is_empty(&self) -> bool {
        self.verdicts.is_empty() && self.observations.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn behaviour(verdicts: &[(&str, &str)], obs: serde_json::Value) -> Behaviour {
        Behaviour {
            schema: 1,
            version: "7.24.4".into(),
            verdicts: verdicts
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            observations: obs,
        }
    }

    #[test]
    fn regressions_follow_the_rule() {
        assert!(is_regression("PASS", "FAIL"));
        assert!(is_regression("PASS", "SKIP"));
        assert!(is_regression("SKIP", "FAIL"));
        assert!(is_regression("WAIVED", "FAIL"));
        assert!(is_regression("-", "FAIL"));
        assert!(!is_regression("FAIL", "PASS"));
        assert!(!is_regression("SKIP", "PASS"));
        assert!(!is_regression("FAIL", "SKIP"));
        assert!(!is_regression("PASS", "WAIVED"));
    }

    #[test]
    fn a_diff_names_verdicts_and_paths() {
        let b = behaviour(
            &[("a", "PASS"), ("b", "FAIL"), ("c", "PASS")],
            serde_json::json!({"log": ["x"], "port": 23}),
        );
        let c = behaviour(
            &[("a", "FAIL"), ("b", "PASS"), ("c", "PASS")],
            serde_json::json!({"log": ["x", "y"], "port": 2323}),
        );
        let d = Diff::between(&b, &c);
        assert_eq!(d.regressions(), 1);
        assert_eq!(d.verdicts.len(), 2);
        assert_eq!(
            d.observations,
            vec![
                ObservationChange {
                    path: "log.1".into(),
                    baseline: None,
                    candidate: Some("y".into())
                },
                ObservationChange {
                    path: "port".into(),
                    baseline: Some("23".into()),
                    candidate: Some("2323".into())
                },
            ]
        );
        assert!(Diff::between(&b, &b).is_empty());
    }
}
