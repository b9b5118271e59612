//! Reading a router's configuration back from CLI text, for routers without REST (RouterOS 6,
//! or a v7 router whose `www`/`www-ssl` is off): the output of `print terse without-paging`,
//! of a single-value menu's `print` and of `/log print`, turned into the same key-value rows
//! REST gives (FACTS §5.2). Pure: text in, rows out; errors name the line.
//!
//! * terse: one record per line, ` N FLAGS key=value key=value …`. The index is absent on some
//!   v7 dynamic rows, the flag column is absent when no row has a flag. Values are bare and may
//!   contain spaces (`name=ether3 UniFi1`, `gateway-status=… reachable via  pppoe-out1`): a token
//!   that is not `key=` continues the previous value, with the spacing it had. A value quoted as a
//!   whole (`address-lists=""`, seen in some captures) is unquoted. The flags X, D and I become
//!   `disabled=yes`, `dynamic=yes` and `invalid=yes` where the record has no such key.
//! * single-value menus (`/system package update print`): `key: value` lines, keys right-aligned.
//! * `/log print`: `time topics message` lines (`09:04:03`, `sep/15 09:54:33`,
//!   `2025-07-22 17:09:59`); the message is kept exactly as printed, inner spaces included.
//!
//! Every form drops the asynchronous echo lines a router writes into idle sessions
//! (`17:20:06 echo: system,error,critical login failure …`, FACTS §4.4).

use std::fmt;

/// A key-value row as the router printed it.
pub type Props = Vec<(String, String)>;

/// Why a print output could not be read; `line` is 1-based, `text` the line as printed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}: {text:?}")]
pub struct ReadbackError {
    pub line: usize,
    pub text: String,
    pub reason: String,
}

fn error(line: usize, text: &str, reason: impl Into<String>) -> ReadbackError {
    ReadbackError {
        line,
        text: text.to_string(),
        reason: reason.into(),
    }
}

/// How the configuration was read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Readback {
    /// `GET /rest/<menu>` over `www` or `www-ssl` (RouterOS 7 only).
    Rest,
    /// `<menu> print terse without-paging` over an SSH exec channel.
    Ssh,
}

impl Readback {
    /// `rest` or `ssh`.
    pub fn name(self) -> &'static str {
        match self {
            Readback::Rest => "rest",
            Readback::Ssh => "ssh",
        }
    }
}

impl fmt::Display for Readback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Menus that hold one item and print `key: value` lines.
const SINGLE_VALUE: [&str; 25] = [
    "/system/package/update",
    "/tool/bandwidth-server",
    "/system/resource",
    "/system/identity",
    "/system/clock",
    "/system/routerboard",
    "/system/license",
    "/ip/ssh",
    "/tool/mac-server",
    "/tool/mac-server/mac-winbox",
    "/tool/mac-server/ping",
    "/ip/neighbor/discovery-settings",
    "/tool/romon",
    "/ip/dns",
    "/ip/proxy",
    "/ip/socks",
    "/ip/upnp",
    "/ip/cloud",
    "/snmp",
    "/ip/settings",
    "/ipv6/settings",
    "/user/settings",
    "/system/ntp/client",
    "/system/device-mode",
    // ros-sim's own menu (`firewall: enforced|not-enforced`); RouterOS has none.
    "/sim",
];

/// Whether `menu` (API-style path, `/system/resource`) is a single-value menu.
pub fn is_single_value(menu: &str) -> bool {
    SINGLE_VALUE.contains(&normalize(menu).as_str())
}

fn normalize(menu: &str) -> String {
    format!("/{}", menu.trim().trim_matches('/'))
}

/// The CLI path of an API-style path: `/ip/firewall/filter` → `/ip firewall filter`.
pub fn cli_path(menu: &str) -> String {
    let m = normalize(menu);
    format!("/{}", m[1..].replace('/', " "))
}

/// The command that prints `menu` in a machine-readable form over an exec channel.
pub fn print_command(menu: &str) -> String {
    if is_single_value(menu) {
        format!("{} print", cli_path(menu))
    } else {
        format!("{} print terse without-paging", cli_path(menu))
    }
}

/// Reads the output of [`print_command`] for `menu` as rows: one for a single-value menu, one
/// per entry for `/log`, one per record otherwise.
pub fn parse_print(menu: &str, text: &str) -> Result<Vec<Props>, ReadbackError> {
    if is_single_value(menu) {
        Ok(vec![parse_single(text)?])
    } else if normalize(menu) == "/log" {
        parse_log(text)
    } else {
        parse_terse(text)
    }
}

/// The lines of a print output with their 1-based numbers, without `\r`, blank lines and
/// asynchronous echo lines.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split('\n')
        .enumerate()
        .map(|(n, l)| (n + 1, l.trim_end_matches('\r').trim_start_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty() && !is_echo(l))
}

/// `hh:mm:ss echo: topics message` (FACTS §4.4).
fn is_echo(line: &str) -> bool {
    let Some((head, _)) = line.trim_start().split_once(" echo: ") else {
        return false;
    };
    !head.contains(' ') && is_clock(head)
}

/// `hh:mm:ss`.
fn is_clock(token: &str) -> bool {
    let parts: Vec<&str> = token.split(':').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Whitespace-separated tokens with their byte offsets.
fn tokens(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push((s, &line[s..i]));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push((s, &line[s..]));
    }
    out
}

/// The key of a `key=value` token (`name`, `max-l2mtu`, `.id`), if the token is one.
fn key_of(token: &str) -> Option<&str> {
    let (key, _) = token.split_once('=')?;
    let first = key.chars().next()?;
    let valid = (first.is_ascii_lowercase() || first == '.')
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '_'));
    valid.then_some(key)
}

fn is_flags(token: &str) -> bool {
    token.chars().count() <= 6
        && token
            .chars()
            .all(|c| c.is_ascii_alphabetic() || matches!(c, '*' | '+' | '-'))
}

/// `"text"` → `text` (with `\"` and `\\` unescaped) when the whole value is one quoted string.
fn unquote(value: &str) -> String {
    let Some(inner) = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .filter(|_| value.len() >= 2)
    else {
        return value.to_string();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) => out.push(n),
                None => return value.to_string(),
            },
            '"' => return value.to_string(),
            c => out.push(c),
        }
    }
    out
}

/// Reads one terse record line.
fn terse_record(n: usize, line: &str) -> Result<Props, ReadbackError> {
    let toks = tokens(line);
    let mut i = 0;
    if toks
        .first()
        .is_some_and(|(_, t)| t.bytes().all(|b| b.is_ascii_digit()))
    {
        i = 1;
    }
    let mut flags = String::new();
    while i < toks.len() && key_of(toks[i].1).is_none() {
        if !is_flags(toks[i].1) {
            return Err(error(
                n,
                line,
                format!("`{}` is neither a flag nor key=value", toks[i].1),
            ));
        }
        flags.push_str(toks[i].1);
        i += 1;
    }
    if i == toks.len() {
        return Err(error(n, line, "no key=value in the record"));
    }
    // Each key token starts a property that runs until the next key token.
    let starts: Vec<(usize, &str)> = toks[i..]
        .iter()
        .filter_map(|(at, t)| key_of(t).map(|k| (*at, k)))
        .collect();
    let mut props: Props = Vec::with_capacity(starts.len() + 3);
    for (j, (at, key)) in starts.iter().enumerate() {
        let from = at + key.len() + 1;
        let to = starts
            .get(j + 1)
            .map(|(next, _)| *next)
            .unwrap_or(line.len());
        let value = line[from..to].trim_end();
        props.push((key.to_string(), unquote(value)));
    }
    for (flag, key) in [('X', "disabled"), ('D', "dynamic"), ('I', "invalid")] {
        if flags.contains(flag) && !props.iter().any(|(k, _)| k == key) {
            props.push((key.to_string(), "yes".to_string()));
        }
    }
    Ok(props)
}

/// Parses `print terse without-paging` output: one record per line (see the module docs).
pub fn parse_terse(text: &str) -> Result<Vec<Props>, ReadbackError> {
    lines(text).map(|(n, l)| terse_record(n, l)).collect()
}

/// Parses a single-value menu's `print` (`  installed-version: 7.23.7`) into one row.
pub fn parse_single(text: &str) -> Result<Props, ReadbackError> {
    let mut props = Props::new();
    for (n, line) in lines(text) {
        let trimmed = line.trim_start();
        let (key, value) = match trimmed.split_once(": ") {
            Some((k, v)) => (k, v),
            None => match trimmed.trim_end().strip_suffix(':') {
                Some(k) => (k, ""),
                None => return Err(error(n, line, "expected `key: value`")),
            },
        };
        if key_of(&format!("{key}=")).is_none() {
            return Err(error(n, line, format!("`{key}` is not a property name")));
        }
        props.push((key.to_string(), value.trim_end().to_string()));
    }
    Ok(props)
}

/// Parses `/log print` output into rows of `time`, `topics` and `message`. A terse record line
/// (` 0 time=… topics=… message=…`) is read as such; a line that starts with neither an index
/// nor a time continues the previous message (a message printed over two lines).
pub fn parse_log(text: &str) -> Result<Vec<Props>, ReadbackError> {
    let mut rows: Vec<Props> = Vec::new();
    for (n, line) in lines(text) {
        let toks = tokens(line);
        let Some((_, first)) = toks.first() else {
            continue;
        };
        if first.bytes().all(|b| b.is_ascii_digit()) {
            rows.push(terse_record(n, line)?);
            continue;
        }
        // The time is `hh:mm:ss`, or a date and `hh:mm:ss`.
        let time_tokens = if is_clock(first) {
            1
        } else if toks.get(1).is_some_and(|(_, t)| is_clock(t)) {
            2
        } else if let Some(prev) = rows.last_mut() {
            if let Some((_, m)) = prev.iter_mut().find(|(k, _)| k == "message") {
                m.push('\n');
                m.push_str(line.trim_end());
                continue;
            }
            return Err(error(n, line, "expected a log line: time topics message"));
        } else {
            return Err(error(n, line, "expected a log line: time topics message"));
        };
        let Some((topics_at, topics)) = toks.get(time_tokens).copied() else {
            return Err(error(n, line, "a log line without topics"));
        };
        if !topics
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ',' | '-' | '_' | '!'))
        {
            return Err(error(n, line, format!("`{topics}` are not log topics")));
        }
        let time = toks[..time_tokens]
            .iter()
            .map(|(_, t)| *t)
            .collect::<Vec<_>>()
            .join(" ");
        // Exactly one space separates the topics from the message; the rest is the message.
        let after = &line[topics_at + topics.len()..];
        let message = after.strip_prefix(' ').unwrap_or(after).trim_end();
        rows.push(vec![
            ("time".to_string(), time),
            ("topics".to_string(), topics.to_string()),
            ("message".to_string(), message.to_string()),
        ]);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, &str)]) -> Props {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn paths_and_commands() {
        assert_eq!(cli_path("/ip/firewall/filter"), "/ip firewall filter");
        assert_eq!(cli_path("/user"), "/user");
        assert_eq!(
            print_command("/ip/service"),
            "/ip service print terse without-paging"
        );
        assert_eq!(
            print_command("/system/package/update"),
            "/system package update print"
        );
        assert_eq!(print_command("/log"), "/log print terse without-paging");
        assert!(is_single_value("/system/resource/"));
        assert!(!is_single_value("/system/logging"));
    }

    #[test]
    fn flags_index_and_quotes() {
        let rows = parse_terse(
            " 4 X name=www-ssl port=443 address= certificate=none tls-version=any\n\
             DAc dst-address=192.168.1.0/24 pref-src= gateway=bridge-lan\n\
             15 list=x address=10.0.0.1 comment=\"a \\\"b\\\"\" other=\"\"\n",
        )
        .unwrap();
        assert_eq!(
            rows[0],
            row(&[
                ("name", "www-ssl"),
                ("port", "443"),
                ("address", ""),
                ("certificate", "none"),
                ("tls-version", "any"),
                ("disabled", "yes"),
            ])
        );
        assert_eq!(
            rows[1],
            row(&[
                ("dst-address", "192.168.1.0/24"),
                ("pref-src", ""),
                ("gateway", "bridge-lan"),
                ("dynamic", "yes"),
            ])
        );
        assert_eq!(
            rows[2],
            row(&[
                ("list", "x"),
                ("address", "10.0.0.1"),
                ("comment", "a \"b\""),
                ("other", ""),
            ])
        );
    }

    #[test]
    fn a_flag_does_not_override_a_printed_key() {
        let rows = parse_terse(" 3 D list=a address=d4de:e2c0::/26 dynamic=no\n").unwrap();
        assert_eq!(
            rows[0].iter().filter(|(k, _)| k == "dynamic").count(),
            1,
            "{rows:?}"
        );
        assert_eq!(rows[0][2], ("dynamic".into(), "no".into()));
    }

    #[test]
    fn echo_lines_are_dropped_and_errors_name_the_line() {
        let rows = parse_terse(
            " 0   name=a port=1\n17:20:06 echo: system,error,critical login failure for user admin from 65.160.140.13 via ssh\n 1   name=b port=2\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        let err = parse_terse(" 0 name=a\nbad command name print (line 1 column 5)\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.to_string().starts_with("line 2: "), "{err}");
        let err = parse_terse("no such item\n").unwrap_err();
        assert_eq!(
            (err.line, err.reason.as_str()),
            (1, "no key=value in the record")
        );
    }

    #[test]
    fn dynamic_service_rows_are_marked() {
        // The 7.2x connection row of `ip_service_print_where_dynamic__v7.2x.txt` in terse form.
        let rows = parse_terse(
            "14 Dc name=winbox port=8291 proto=tcp local=10.155.221.4 remote=10.145.221.15:51595\n",
        )
        .unwrap();
        assert_eq!(rows[0][0], ("name".into(), "winbox".into()));
        assert!(rows[0].contains(&("dynamic".into(), "yes".into())));
        assert!(!rows[0].iter().any(|(k, _)| k == "disabled"));
    }

    #[test]
    fn log_records_in_terse_form_are_read_too() {
        let rows = parse_log(
            " 0 time=09:04:05 topics=system,error,critical message=login failure for user admin from 192.0.2.10 via ssh\n",
        )
        .unwrap();
        assert_eq!(
            rows[0],
            row(&[
                ("time", "09:04:05"),
                ("topics", "system,error,critical"),
                (
                    "message",
                    "login failure for user admin from 192.0.2.10 via ssh"
                ),
            ])
        );
    }

    #[test]
    fn single_value_menus() {
        let p = parse_single(
            "            channel: stable\r\n  installed-version: 6.49.13\r\n             status: ERROR: could not resolve dns name\r\n",
        )
        .unwrap();
        assert_eq!(
            p,
            row(&[
                ("channel", "stable"),
                ("installed-version", "6.49.13"),
                ("status", "ERROR: could not resolve dns name"),
            ])
        );
        let err = parse_single("  channel: stable\nnonsense here\n").unwrap_err();
        assert_eq!(err.line, 2);
    }

    #[test]
    fn log_lines_keep_the_message_intact() {
        let rows = parse_log(
            "09:04:03 system,info,account user admin logged in from 127.0.0.1 via ssh\n\
             sep/15 12:33:18 system,info item added by admin \n\
             2025-07-22 17:09:59 system,error,critical login failure for user  from 192.0.2.66 via ssh\n\
             jan/02/1970 02:00:09 system,info router rebooted\n\
             01:01:58 firewall,info input: in:ether1 out:(none), proto UDP, \n\
             10.1.101.1:520->10.1.101.255:520, len 452\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 5);
        assert_eq!(
            rows[0],
            row(&[
                ("time", "09:04:03"),
                ("topics", "system,info,account"),
                ("message", "user admin logged in from 127.0.0.1 via ssh"),
            ])
        );
        assert_eq!(rows[1][0].1, "sep/15 12:33:18");
        assert_eq!(rows[1][2].1, "item added by admin");
        assert_eq!(
            rows[2][2].1,
            "login failure for user  from 192.0.2.66 via ssh"
        );
        assert_eq!(rows[3][0].1, "jan/02/1970 02:00:09");
        assert_eq!(
            rows[4][2].1,
            "input: in:ether1 out:(none), proto UDP,\n10.1.101.1:520->10.1.101.255:520, len 452"
        );
        let err = parse_log("what is this\n").unwrap_err();
        assert_eq!(err.line, 1);
    }
}
