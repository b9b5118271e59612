//! Text from a profile or a router made safe for a terminal: control characters (an ESC that would
//! start an ANSI sequence, a carriage return that would overwrite a line, a newline that would forge
//! one) and bidirectional overrides are written as escapes. The terminal report and the binary's
//! error messages pass every such text through [`escape`]; our own colour codes are added after.
//!
//! ```
//! use chrlab::printable::escape;
//! assert_eq!(escape("login failure\x1b[2J"), "login failure\\x1b[2J");
//! assert_eq!(escape("plain"), "plain");
//! ```

use std::borrow::Cow;

/// `text` with every control character and bidirectional override escaped
/// (`\n`, `\r`, `\t`, `\x1b`, `\u{9b}`, `\u{202e}`, …) and backslashes left alone.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) && u32::from(c) < 0x80 => {
                out.push_str(&format!("\\x{:02x}", u32::from(c)))
            }
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// At most `max` characters of [`escape`]d `text`, with `…` when cut: for quoting a value that may
/// be huge or hostile inside an error message.
pub fn excerpt(text: &str, max: usize) -> String {
    let escaped = escape(text);
    if escaped.chars().count() <= max {
        return escaped.into_owned();
    }
    let mut cut: String = escaped.chars().take(max).collect();
    cut.push('…');
    cut
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_overrides_are_escaped() {
        assert_eq!(escape("a\x1b[31mb"), "a\\x1b[31mb");
        assert_eq!(escape("one\ntwo\rthree\tfour"), "one\\ntwo\\rthree\\tfour");
        assert_eq!(escape("\x00\x7f\u{9b}"), "\\x00\\x7f\\u{9b}");
        assert_eq!(escape("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(escape("ünï ✓ \\ \""), "ünï ✓ \\ \"");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
        assert_eq!(excerpt("abcdef", 3), "abc…");
        assert_eq!(excerpt("a\x1bb", 10), "a\\x1bb");
    }
}
