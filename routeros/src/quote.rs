//! Quoting values for the command language: the one way the harness writes a script and the
//! simulator writes an `/export`. It is the inverse of the string syntax [`crate::cli::parse`]
//! reads, so `parse(&format!("set comment={}", quote(text)))` gives back `text` for every string.
//!
//! RouterOS strings are double-quoted; inside them `\` escapes `"`, `\`, `$` (variable
//! substitution), `?` (terminal help), `n`, `r`, `t`, and two hex digits give a byte
//! ([DOC scripting/index.md] "Escape sequences"). Everything else, `;`, `[`, `]`, `{`, `}`, `=`,
//! `#` and spaces included, is literal inside quotes.
//!
//! ```
//! use routeros::quote::{quote, value};
//! assert_eq!(quote("a \"b\" $c"), r#""a \"b\" \$c""#);
//! assert_eq!(value("netops"), "netops");
//! assert_eq!(value("full;/user add"), r#""full;/user add""#);
//! ```

/// A double-quoted RouterOS string holding exactly `text`.
pub fn quote(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('"');
    for c in text.chars() {
        match c {
            '\\' | '"' | '$' | '?' => {
                s.push('\\');
                s.push(c);
            }
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            // Every control character is at most U+009F, so two hex digits hold it.
            c if c.is_control() => s.push_str(&format!("\\{:02X}", u32::from(c))),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// Whether `text` can stand bare as a value: one word the parser reads back unchanged
/// (letters, digits and `. , - _ / : * ! @`; not empty).
pub fn is_bare(text: &str) -> bool {
    !text.is_empty()
        && text.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '.' | ',' | '-' | '_' | '/' | ':' | '*' | '!' | '@')
        })
}

/// `text` as a value in a command: bare when [`is_bare`], else [`quote`]d (as `/export` writes values).
pub fn value(text: &str) -> String {
    if is_bare(text) {
        text.to_string()
    } else {
        quote(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Word, parse};

    /// The value of `comment=` after parsing `set comment=<rendered>`, and the command count.
    fn read_back(rendered: &str) -> (usize, Option<String>) {
        let script = parse(&format!("set comment={rendered} disabled=no")).expect("parses");
        let value = script.first().and_then(|c| {
            c.words.iter().find_map(|w| match &w.word {
                Word::Assign { key, value } if key == "comment" => value.as_text(),
                _ => None,
            })
        });
        (script.len(), value)
    }

    #[test]
    fn every_string_round_trips_through_the_parser() {
        let mut cases: Vec<String> = [
            "",
            "plain",
            "two words",
            "a\"b\\c$d?e",
            "full;/user add name=evil group=full",
            "full disabled=yes",
            "x]\n/system reset-configuration\n[",
            "{ } [ ] ( ) = # ; $x $[/system identity get name]",
            "ünïcødé ✓ 漢字",
            "\\",
            "\"",
            "$",
            "trailing backslash \\",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every control character, alone and between letters.
        for c in (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32) {
            cases.push(c.to_string());
            cases.push(format!("a{c}b"));
        }
        cases.push("x".repeat(10_000));
        for text in &cases {
            for rendered in [quote(text), value(text)] {
                assert_eq!(
                    read_back(&rendered),
                    (1, Some(text.clone())),
                    "{text:?} rendered as {rendered}"
                );
            }
        }
    }

    #[test]
    fn quoting_escapes_routeros_specials() {
        assert_eq!(quote(r#"a"b\c$d?e"#), r#""a\"b\\c\$d\?e""#);
        assert_eq!(quote("a\nb\x1b"), r#""a\nb\1B""#);
        assert_eq!(value("192.0.2.0/24"), "192.0.2.0/24");
        assert_eq!(value("!established,related"), "!established,related");
        assert_eq!(value(""), "\"\"");
        assert_eq!(value("a b"), "\"a b\"");
    }
}
