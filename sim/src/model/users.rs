//! Users, groups and policies: who may log in through which service and do what.

use super::defaults::Ver;

/// Every policy word the model accepts (v6 and v7 together).
pub const ALL_POLICIES: &[&str] = &[
    "local",
    "telnet",
    "ssh",
    "ftp",
    "reboot",
    "read",
    "write",
    "policy",
    "test",
    "winbox",
    "password",
    "web",
    "sniff",
    "sensitive",
    "api",
    "romon",
    "rest-api",
    "dude",
    "tikapp",
];

const V7_BASE: &str =
    "local,telnet,ssh,reboot,read,test,winbox,password,web,sniff,sensitive,api,romon,rest-api";
const V6_BASE: &str =
    "local,telnet,ssh,reboot,read,test,winbox,password,web,sniff,sensitive,api,romon,tikapp";

/// Policies of the built-in `read` group [DOC user.md].
pub fn policies_read(v: Ver) -> String {
    if v.v7() {
        format!("{V7_BASE},!ftp,!write,!policy")
    } else {
        format!("{V6_BASE},!ftp,!write,!policy,!dude")
    }
}

/// Policies of the built-in `write` group.
pub fn policies_write(v: Ver) -> String {
    if v.v7() {
        "local,telnet,ssh,reboot,read,write,test,winbox,password,web,sniff,sensitive,api,romon,rest-api,!ftp,!policy"
            .into()
    } else {
        "local,telnet,ssh,reboot,read,write,test,winbox,password,web,sniff,sensitive,api,romon,tikapp,!ftp,!policy,!dude"
            .into()
    }
}

/// Policies of the built-in `full` group.
pub fn policies_full(v: Ver) -> String {
    if v.v7() {
        "local,telnet,ssh,ftp,reboot,read,write,policy,test,winbox,password,web,sniff,sensitive,api,romon,rest-api"
            .into()
    } else {
        "local,telnet,ssh,ftp,reboot,read,write,policy,test,winbox,password,web,sniff,sensitive,api,romon,dude,tikapp"
            .into()
    }
}

/// The built-in group names (cannot be removed).
pub const BUILTIN_GROUPS: &[&str] = &["read", "write", "full"];

/// Whether a policy list grants `policy` (a `!policy` entry or absence denies it).
pub fn has_policy(list: &str, policy: &str) -> bool {
    list.split(',').any(|p| p == policy)
}

/// Whether a policy list is "full" (has `policy` and `write`): such users manage other users.
pub fn is_full(list: &str) -> bool {
    has_policy(list, "policy") && has_policy(list, "write")
}

/// Splits `admin+ct512w` into the user name and the terminal options.
pub fn split_login_name(s: &str) -> (&str, Option<&str>) {
    match s.rfind('+') {
        Some(i) if is_login_opts(&s[i + 1..]) => (&s[..i], Some(&s[i + 1..])),
        _ => (s, None),
    }
}

fn is_login_opts(o: &str) -> bool {
    !o.is_empty()
        && o.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, 'c' | 't' | 'e' | 'w' | 'h'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_options_are_stripped() {
        assert_eq!(split_login_name("admin+ct"), ("admin", Some("ct")));
        assert_eq!(
            split_login_name("admin+cet512w"),
            ("admin", Some("cet512w"))
        );
        assert_eq!(split_login_name("admin"), ("admin", None));
        assert_eq!(split_login_name("a+b+c"), ("a+b", Some("c")));
        assert_eq!(split_login_name("odd+name"), ("odd+name", None));
    }

    #[test]
    fn policies() {
        let v7 = Ver {
            major: 7,
            minor: 23,
        };
        assert!(has_policy(&policies_read(v7), "ssh"));
        assert!(!has_policy(&policies_read(v7), "ftp"));
        assert!(!has_policy(&policies_read(v7), "write"));
        assert!(is_full(&policies_full(v7)));
        assert!(!is_full(&policies_write(v7)));
        assert!(!has_policy(
            &policies_full(Ver {
                major: 6,
                minor: 49
            }),
            "rest-api"
        ));
    }
}
