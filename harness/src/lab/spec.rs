//! Which lab to build, named in one string (`sim`, `sim:6.49.13`), so that suites and tools pick
//! a backend without knowing its type. New backends (QEMU, containers) add a variant here and the
//! suites run against them unchanged.

use std::fmt;
use std::str::FromStr;

use routeros::version::Version;

use super::sim::{SimLab, SimLabConfig};
use super::{Lab, LabError};

/// Environment variable the suites read their lab from (default `sim`).
pub const SUITE_LAB_ENV: &str = "CHRLAB_SUITE_LAB";

/// A lab that can be built fresh, as many times as needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabSpec {
    /// The embedded simulator in network namespaces, running this RouterOS version
    /// (`None`: the default, with its simulated upgrade server; a v6 version is offline).
    Sim(Option<Version>),
}

impl LabSpec {
    /// The suites' lab: `$CHRLAB_SUITE_LAB`, else the default simulator.
    pub fn from_env() -> Result<LabSpec, LabError> {
        match std::env::var(SUITE_LAB_ENV) {
            Ok(text) => text.parse(),
            Err(_) => Ok(LabSpec::Sim(None)),
        }
    }

    /// Builds a fresh lab with a factory router.
    pub async fn start(&self) -> Result<Box<dyn Lab>, LabError> {
        match self {
            LabSpec::Sim(version) => {
                let mut config = SimLabConfig::default();
                if let Some(v) = version {
                    config.version = *v;
                    // The default upgrade server offers a 7.x release. A v6 router reaches v7
                    // only through the `upgrade` channel, first to 7.12.1 (FACTS §9), which the
                    // simulator does not model: a v6 lab is offline instead of upgrading falsely.
                    if v.is_v6() {
                        config.latest_version = None;
                    }
                }
                Ok(Box::new(SimLab::start(config).await?))
            }
        }
    }
}

impl FromStr for LabSpec {
    type Err = LabError;

    fn from_str(text: &str) -> Result<LabSpec, LabError> {
        let bad = |detail: String| LabError::Target {
            target: text.to_string(),
            detail,
        };
        let (kind, arg) = match text.split_once(':') {
            Some((k, a)) => (k, Some(a)),
            None => (text, None),
        };
        match kind {
            "sim" => match arg {
                None => Ok(LabSpec::Sim(None)),
                Some(v) => Version::parse(v)
                    .map(|v| LabSpec::Sim(Some(v)))
                    .map_err(|e| bad(e.to_string())),
            },
            other => Err(bad(format!(
                "unknown lab kind `{other}` (expected `sim` or `sim:<RouterOS version>`)"
            ))),
        }
    }
}

impl fmt::Display for LabSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabSpec::Sim(None) => f.write_str("sim"),
            LabSpec::Sim(Some(v)) => write!(f, "sim:{v}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_print_back() {
        for text in ["sim", "sim:6.49.13", "sim:7.24beta1"] {
            assert_eq!(text.parse::<LabSpec>().unwrap().to_string(), text);
        }
        for bad in ["qemu", "sim:seven", ""] {
            let err = bad.parse::<LabSpec>().unwrap_err().to_string();
            assert!(err.contains(&format!("`{bad}`")), "{err}");
        }
    }
}
