//! `/system device-mode` (RouterOS 7.17+): the feature switches a router's mode allows or
//! forbids, which only a confirmation at the device (a power cycle or a button press within the
//! activation timeout) can change.

/// The version that introduced the modes `advanced`/`home`/`basic` with these switches.
pub const SINCE: (u32, u32) = (7, 17);

/// The feature switches in print order, with their values in mode `advanced` (the print of a
/// 7.19.4 router in that mode, MikroTik forum "Default device-mode modes exhaustive list"; a
/// CHR's factory mode is `advanced`: ASSUMPTION, see sim/FIDELITY.md).
pub const FEATURES: &[(&str, &str)] = &[
    ("scheduler", "yes"),
    ("socks", "yes"),
    ("fetch", "yes"),
    ("pptp", "yes"),
    ("l2tp", "yes"),
    ("bandwidth-test", "yes"),
    ("traffic-gen", "no"),
    ("sniffer", "yes"),
    ("ipsec", "yes"),
    ("romon", "yes"),
    ("proxy", "yes"),
    ("hotspot", "yes"),
    ("smb", "yes"),
    ("email", "yes"),
    ("zerotier", "yes"),
    ("container", "no"),
    ("install-any-version", "no"),
    ("partitions", "no"),
    ("routerboard", "no"),
];

/// Whether `name` is one of the feature switches.
pub fn is_feature(name: &str) -> bool {
    FEATURES.iter().any(|(f, _)| *f == name)
}

/// Whether RouterOS `major.minor` has the 7.17 device-mode.
pub fn exists(major: u32, minor: u32) -> bool {
    (major, minor) >= SINCE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_and_versions() {
        assert!(is_feature("container"));
        assert!(!is_feature("mode"));
        assert!(exists(7, 17) && exists(8, 0));
        assert!(!exists(7, 16) && !exists(6, 49));
    }
}
