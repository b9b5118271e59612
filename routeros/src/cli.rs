//! The RouterOS command language: a pure parser from input text to commands.
//!
//! The parser knows the syntax only (words, `name=value`, quoting, `[ ]` substitution, `{ }` blocks,
//! `$variables`, `where` conditions). Which words are menus and which are commands is decided by the
//! caller, which knows the menu tree. Parsing never panics; errors carry the line and column RouterOS prints.
//! Writing a value so that this parser reads it back is [`crate::quote`].
//!
//! ```
//! use routeros::cli::{parse, Word};
//! let script = parse("/ip service set telnet disabled=yes").unwrap();
//! // `/`, `ip`, `service`, `set`, `telnet`, `disabled=yes`
//! assert_eq!(script[0].words.len(), 6);
//! assert!(matches!(&script[0].words[0].word, Word::Root));
//! assert!(matches!(&script[0].words[5].word, Word::Assign { key, .. } if key == "disabled"));
//! ```

use std::fmt;

/// Deepest nesting of `[ ]`, `{ }` and `( )` accepted before the input is called a syntax error.
pub const MAX_DEPTH: usize = 32;

/// What `/import` prints after a file ran to its end
/// (capture `cli/other/x86_v7_import_check_script_dump__unknown-repo.txt`).
pub const IMPORT_DONE: &str = "Script file loaded and executed successfully";

/// A place in the input, 1-based, as RouterOS reports it (`line 1 column 7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

/// Why the input could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CliError {
    /// Unbalanced quotes or brackets, a stray `]`, nesting too deep, a malformed condition.
    #[error("syntax error (line {} column {})", .0.line, .0.column)]
    Syntax(Pos),
}

impl CliError {
    /// Where the error is.
    pub fn pos(&self) -> Pos {
        match self {
            CliError::Syntax(p) => *p,
        }
    }
}

/// A value: literal text, pieces of quoted text, `$variables` and `[substitutions]` run together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    pub parts: Vec<Part>,
}

/// One piece of a [`Value`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Text(String),
    Var(String),
    Subst(Vec<Command>),
    /// `( expression )`.
    Expr(Box<Expr>),
    /// `{ commands }` as an argument value (`do={ ... }`).
    Block(Vec<Command>),
}

/// A binary operator of a `( )` expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Cmp(CmpOp),
    And,
    Or,
    /// `.` (string concatenation).
    Concat,
    Add,
    Sub,
}

/// A `( )` expression (`([:len [find]] = 0)`, `($a . "x")`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Term(Value),
    Not(Box<Expr>),
    Bin(Box<Expr>, BinOp, Box<Expr>),
}

impl Value {
    /// A value made of one literal text.
    pub fn text(s: &str) -> Value {
        Value {
            parts: vec![Part::Text(s.to_string())],
        }
    }

    /// The value when it is plain text (no variables, no substitutions).
    pub fn as_text(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                _ => return None,
            }
        }
        Some(out)
    }
}

/// One syntactic item of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Word {
    /// A leading `/` (go to the root menu).
    Root,
    /// A bare word: a menu, a command, `..`, an unnamed argument (`0,1,2`, `ether1`), `:put`.
    Bare(String),
    /// A quoted string, `$var` or `[cmd]` in an unnamed position.
    Value(Value),
    /// `name=value` (the value may be empty).
    Assign { key: String, value: Value },
    /// `{ ... }`: commands run in place.
    Block(Vec<Command>),
    /// `where <condition>` (runs to the end of the command).
    Where(Cond),
}

/// A word and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned {
    pub word: Word,
    pub pos: Pos,
}

/// One command: the words between `;`/newlines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub words: Vec<Spanned>,
    pub pos: Pos,
}

/// A comparison operator in a `where` condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    /// `~` (regular expression match).
    Match,
    /// `in` (address in prefix).
    In,
}

/// A `where` condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cond {
    /// A bare property: true when the property is `yes`/`true` (or non-empty).
    Prop(String),
    Cmp {
        prop: String,
        op: CmpOp,
        value: Value,
    },
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

impl fmt::Display for CmpOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Gt => ">",
            CmpOp::Le => "<=",
            CmpOp::Ge => ">=",
            CmpOp::Match => "~",
            CmpOp::In => "in",
        })
    }
}

/// Parses a script (one or more lines) into commands.
pub fn parse(src: &str) -> Result<Vec<Command>, CliError> {
    let mut p = Parser::new(src);
    let cmds = p.script(Close::Eof, 0)?;
    Ok(cmds)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Close {
    Eof,
    Bracket,
    Brace,
}

struct Parser {
    chars: Vec<char>,
    line_starts: Vec<usize>,
    i: usize,
}

fn is_space(c: char) -> bool {
    c == ' ' || c == '\t' || c == '\r'
}

fn ends_word(c: char) -> bool {
    is_space(c) || matches!(c, ';' | '\n' | '[' | ']' | '"' | '=' | '{' | '}')
}

impl Parser {
    fn new(src: &str) -> Parser {
        let chars: Vec<char> = src.chars().collect();
        let mut line_starts = vec![0];
        line_starts.extend(
            chars
                .iter()
                .enumerate()
                .filter(|(_, c)| **c == '\n')
                .map(|(k, _)| k + 1),
        );
        Parser {
            chars,
            line_starts,
            i: 0,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    fn peek_at(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    fn pos_of(&self, idx: usize) -> Pos {
        let line = self.line_starts.partition_point(|&s| s <= idx).max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        Pos {
            line,
            column: idx.saturating_sub(start) + 1,
        }
    }

    fn pos(&self) -> Pos {
        self.pos_of(self.i)
    }

    fn err(&self) -> CliError {
        CliError::Syntax(self.pos())
    }

    fn skip_spaces(&mut self) {
        while let Some(c) = self.peek() {
            if is_space(c) {
                self.i += 1;
            } else if c == '\\' && self.peek_at(1) == Some('\n') {
                self.i += 2;
            } else {
                break;
            }
        }
    }

    fn script(&mut self, close: Close, depth: usize) -> Result<Vec<Command>, CliError> {
        if depth > MAX_DEPTH {
            return Err(self.err());
        }
        let mut cmds = Vec::new();
        loop {
            self.skip_spaces();
            match self.peek() {
                None => {
                    if close != Close::Eof {
                        return Err(self.err());
                    }
                    return Ok(cmds);
                }
                Some(';') | Some('\n') => self.i += 1,
                Some(']') if close == Close::Bracket => {
                    self.i += 1;
                    return Ok(cmds);
                }
                Some('}') if close == Close::Brace => {
                    self.i += 1;
                    return Ok(cmds);
                }
                Some(']') | Some('}') => return Err(self.err()),
                Some('#') => self.skip_comment(),
                Some(_) => {
                    let cmd = self.command(close, depth)?;
                    if !cmd.words.is_empty() {
                        cmds.push(cmd);
                    }
                }
            }
        }
    }

    fn skip_comment(&mut self) {
        while let Some(c) = self.peek() {
            if c == '\n' {
                break;
            }
            self.i += 1;
        }
    }

    fn at_command_end(&self, close: Close) -> bool {
        match self.peek() {
            None | Some(';') | Some('\n') => true,
            Some(']') => close == Close::Bracket,
            Some('}') => close == Close::Brace,
            _ => false,
        }
    }

    fn command(&mut self, close: Close, depth: usize) -> Result<Command, CliError> {
        let pos = self.pos();
        let mut words = Vec::new();
        loop {
            self.skip_spaces();
            if self.at_command_end(close) {
                break;
            }
            let wpos = self.pos();
            let word = self.word(close, depth, words.is_empty())?;
            let is_where = matches!(word, Word::Where(_));
            words.push(Spanned { word, pos: wpos });
            if is_where {
                self.skip_spaces();
                if !self.at_command_end(close) {
                    return Err(self.err());
                }
                break;
            }
        }
        Ok(Command { words, pos })
    }

    fn word(&mut self, close: Close, depth: usize, first: bool) -> Result<Word, CliError> {
        let c = match self.peek() {
            Some(c) => c,
            None => return Err(self.err()),
        };
        match c {
            '/' if first => {
                self.i += 1;
                Ok(Word::Root)
            }
            '{' => {
                self.i += 1;
                Ok(Word::Block(self.script(Close::Brace, depth + 1)?))
            }
            '"' | '[' | '$' | '(' => Ok(Word::Value(self.value(depth)?)),
            ']' | '}' | '=' => Err(self.err()),
            _ => {
                let start = self.i;
                let text = self.bare();
                if text.is_empty() {
                    return Err(self.err());
                }
                if self.peek() == Some('=') {
                    self.i += 1;
                    let value = if self.peek() == Some('{') {
                        self.i += 1;
                        let body = self.script(Close::Brace, depth + 1)?;
                        Value {
                            parts: vec![Part::Block(body)],
                        }
                    } else {
                        self.value(depth)?
                    };
                    return Ok(Word::Assign { key: text, value });
                }
                if text == "where" {
                    let cond = self.cond_or(close, depth)?;
                    return Ok(Word::Where(cond));
                }
                if text.starts_with('/') && first {
                    // "/ip/service": keep the root marker separate.
                    self.i = start + 1;
                    return Ok(Word::Root);
                }
                Ok(Word::Bare(text))
            }
        }
    }

    fn bare(&mut self) -> String {
        let mut s = String::new();
        while let Some(c) = self.peek() {
            if ends_word(c) {
                break;
            }
            s.push(c);
            self.i += 1;
        }
        s
    }

    /// A value: runs of literal text, quoted strings, `$var` and `[subst]` with no spaces between.
    fn value(&mut self, depth: usize) -> Result<Value, CliError> {
        let mut parts: Vec<Part> = Vec::new();
        loop {
            match self.peek() {
                None => break,
                Some('(') if parts.is_empty() => {
                    self.i += 1;
                    let e = self.expr_or(depth + 1)?;
                    self.skip_spaces();
                    if self.peek() != Some(')') {
                        return Err(self.err());
                    }
                    self.i += 1;
                    parts.push(Part::Expr(Box::new(e)));
                }
                Some(c) if is_space(c) || matches!(c, ';' | '\n' | ']' | '}' | '{' | ')') => break,
                // An export's continuation inside an argument (`interface=\` + newline +
                // `    ether1`): the value goes on after the indentation.
                Some('\\') if self.peek_at(1) == Some('\n') => {
                    self.i += 2;
                    while self.peek().is_some_and(is_space) {
                        self.i += 1;
                    }
                }
                Some('"') => {
                    self.i += 1;
                    self.quoted(&mut parts)?;
                }
                Some('[') => {
                    self.i += 1;
                    let inner = self.script(Close::Bracket, depth + 1)?;
                    parts.push(Part::Subst(inner));
                }
                Some('$') => {
                    self.i += 1;
                    let name = self.var_name();
                    if name.is_empty() {
                        return Err(self.err());
                    }
                    parts.push(Part::Var(name));
                }
                Some(c) => {
                    self.i += 1;
                    push_text(&mut parts, c);
                }
            }
        }
        if parts.is_empty() {
            parts.push(Part::Text(String::new()));
        }
        Ok(Value { parts })
    }

    fn var_name(&mut self) -> String {
        let mut s = String::new();
        while let Some(c) = self.peek() {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                s.push(c);
                self.i += 1;
            } else {
                break;
            }
        }
        s
    }

    fn quoted(&mut self, parts: &mut Vec<Part>) -> Result<(), CliError> {
        // Make sure an empty "" still yields a text part.
        if !matches!(parts.last(), Some(Part::Text(_))) {
            parts.push(Part::Text(String::new()));
        }
        loop {
            let c = match self.peek() {
                Some(c) => c,
                None => return Err(self.err()),
            };
            self.i += 1;
            match c {
                '"' => return Ok(()),
                '\\' => {
                    let e = self.peek().ok_or_else(|| self.err())?;
                    self.i += 1;
                    if e == '\n' {
                        continue;
                    }
                    match escape(e, self) {
                        Some(ch) => push_text(parts, ch),
                        None => return Err(CliError::Syntax(self.pos_of(self.i - 1))),
                    }
                }
                '$' => {
                    let name = self.var_name();
                    if name.is_empty() {
                        push_text(parts, '$');
                    } else {
                        parts.push(Part::Var(name));
                        parts.push(Part::Text(String::new()));
                    }
                }
                c => push_text(parts, c),
            }
        }
    }

    // ---- ( ) expressions ----

    fn expr_or(&mut self, depth: usize) -> Result<Expr, CliError> {
        if depth > MAX_DEPTH {
            return Err(self.err());
        }
        let mut left = self.expr_and(depth)?;
        loop {
            self.skip_spaces();
            if self.sym("||") || self.keyword("or") {
                let right = self.expr_and(depth)?;
                left = Expr::Bin(Box::new(left), BinOp::Or, Box::new(right));
            } else {
                return Ok(left);
            }
        }
    }

    fn expr_and(&mut self, depth: usize) -> Result<Expr, CliError> {
        let mut left = self.expr_cmp(depth)?;
        loop {
            self.skip_spaces();
            if self.sym("&&") || self.keyword("and") {
                let right = self.expr_cmp(depth)?;
                left = Expr::Bin(Box::new(left), BinOp::And, Box::new(right));
            } else {
                return Ok(left);
            }
        }
    }

    /// A comparison operator, longest first (`!=` before `=`, `<=` before `<`).
    fn cmp_op(&mut self) -> Option<CmpOp> {
        const OPS: [(&str, CmpOp); 7] = [
            ("!=", CmpOp::Ne),
            ("<=", CmpOp::Le),
            (">=", CmpOp::Ge),
            ("=", CmpOp::Eq),
            ("<", CmpOp::Lt),
            (">", CmpOp::Gt),
            ("~", CmpOp::Match),
        ];
        OPS.iter().find(|(sym, _)| self.sym(sym)).map(|(_, op)| *op)
    }

    fn expr_cmp(&mut self, depth: usize) -> Result<Expr, CliError> {
        let left = self.expr_add(depth)?;
        self.skip_spaces();
        let Some(op) = self.cmp_op() else {
            return Ok(left);
        };
        let right = self.expr_add(depth)?;
        Ok(Expr::Bin(Box::new(left), BinOp::Cmp(op), Box::new(right)))
    }

    /// A standalone operator character (followed by a space).
    fn spaced_op(&mut self, c: char) -> bool {
        if self.peek() == Some(c) && self.peek_at(1).is_some_and(is_space) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expr_add(&mut self, depth: usize) -> Result<Expr, CliError> {
        let mut left = self.expr_unary(depth)?;
        loop {
            self.skip_spaces();
            let op = if self.spaced_op('.') {
                BinOp::Concat
            } else if self.spaced_op('+') {
                BinOp::Add
            } else if self.spaced_op('-') {
                BinOp::Sub
            } else {
                return Ok(left);
            };
            let right = self.expr_unary(depth)?;
            left = Expr::Bin(Box::new(left), op, Box::new(right));
        }
    }

    fn expr_unary(&mut self, depth: usize) -> Result<Expr, CliError> {
        if depth > MAX_DEPTH {
            return Err(self.err());
        }
        self.skip_spaces();
        if self.peek() == Some('!') && self.peek_at(1) != Some('=') {
            self.i += 1;
            return Ok(Expr::Not(Box::new(self.expr_unary(depth + 1)?)));
        }
        if self.peek() == Some('(') {
            self.i += 1;
            let e = self.expr_or(depth + 1)?;
            self.skip_spaces();
            if self.peek() != Some(')') {
                return Err(self.err());
            }
            self.i += 1;
            return Ok(e);
        }
        self.expr_term(depth)
    }

    fn expr_term(&mut self, depth: usize) -> Result<Expr, CliError> {
        let mut parts: Vec<Part> = Vec::new();
        loop {
            match self.peek() {
                Some('"') => {
                    self.i += 1;
                    self.quoted(&mut parts)?;
                }
                Some('[') => {
                    self.i += 1;
                    parts.push(Part::Subst(self.script(Close::Bracket, depth + 1)?));
                }
                Some('$') => {
                    self.i += 1;
                    let name = self.var_name();
                    if name.is_empty() {
                        return Err(self.err());
                    }
                    parts.push(Part::Var(name));
                }
                Some(c)
                    if is_space(c)
                        || matches!(
                            c,
                            ')' | '('
                                | '='
                                | '<'
                                | '>'
                                | '!'
                                | '&'
                                | '|'
                                | '~'
                                | ';'
                                | '\n'
                                | ']'
                                | '{'
                                | '}'
                        ) =>
                {
                    break;
                }
                Some(c) => {
                    self.i += 1;
                    push_text(&mut parts, c);
                }
                None => break,
            }
        }
        if parts.is_empty() {
            return Err(self.err());
        }
        Ok(Expr::Term(Value { parts }))
    }

    // ---- where conditions ----

    fn skip_cond_spaces(&mut self) {
        self.skip_spaces();
    }

    fn cond_end(&self, close: Close) -> bool {
        self.at_command_end(close) || self.peek() == Some(')')
    }

    fn keyword(&mut self, kw: &str) -> bool {
        let n = kw.chars().count();
        let matches = (0..n).all(|k| self.peek_at(k) == kw.chars().nth(k));
        let boundary = self
            .peek_at(n)
            .is_none_or(|c| is_space(c) || c == '(' || c == '!');
        if matches && boundary {
            self.i += n;
            true
        } else {
            false
        }
    }

    fn cond_or(&mut self, close: Close, depth: usize) -> Result<Cond, CliError> {
        if depth > MAX_DEPTH {
            return Err(self.err());
        }
        let mut left = self.cond_and(close, depth)?;
        loop {
            self.skip_cond_spaces();
            if self.keyword("or") || self.sym("||") {
                let right = self.cond_and(close, depth)?;
                left = Cond::Or(Box::new(left), Box::new(right));
            } else {
                return Ok(left);
            }
        }
    }

    fn sym(&mut self, s: &str) -> bool {
        let n = s.chars().count();
        if (0..n).all(|k| self.peek_at(k) == s.chars().nth(k)) {
            self.i += n;
            true
        } else {
            false
        }
    }

    fn cond_and(&mut self, close: Close, depth: usize) -> Result<Cond, CliError> {
        let mut left = self.cond_unary(close, depth)?;
        loop {
            self.skip_cond_spaces();
            if self.cond_end(close) {
                return Ok(left);
            }
            let save = self.i;
            if self.keyword("or") || self.sym("||") {
                self.i = save;
                return Ok(left);
            }
            // "and", "&&" or juxtaposition all mean and.
            let _ = self.keyword("and") || self.sym("&&");
            let right = self.cond_unary(close, depth)?;
            left = Cond::And(Box::new(left), Box::new(right));
        }
    }

    fn cond_unary(&mut self, close: Close, depth: usize) -> Result<Cond, CliError> {
        if depth > MAX_DEPTH {
            return Err(self.err());
        }
        self.skip_cond_spaces();
        if self.keyword("not")
            || (self.peek() == Some('!') && self.peek_at(1) != Some('=') && self.sym("!"))
        {
            let inner = self.cond_unary(close, depth + 1)?;
            return Ok(Cond::Not(Box::new(inner)));
        }
        if self.peek() == Some('(') {
            self.i += 1;
            let inner = self.cond_or(close, depth + 1)?;
            self.skip_cond_spaces();
            if self.peek() != Some(')') {
                return Err(self.err());
            }
            self.i += 1;
            return Ok(inner);
        }
        self.cond_atom(depth)
    }

    fn cond_atom(&mut self, depth: usize) -> Result<Cond, CliError> {
        let mut prop = String::new();
        while let Some(c) = self.peek() {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                prop.push(c);
                self.i += 1;
            } else {
                break;
            }
        }
        if prop.is_empty() {
            return Err(self.err());
        }
        self.skip_cond_spaces();
        let op = match self.cmp_op() {
            Some(op) => op,
            None if self.keyword("in") => CmpOp::In,
            None => return Ok(Cond::Prop(prop)),
        };
        self.skip_cond_spaces();
        let value = self.value(depth + 1)?;
        Ok(Cond::Cmp { prop, op, value })
    }
}

fn push_text(parts: &mut Vec<Part>, c: char) {
    if let Some(Part::Text(t)) = parts.last_mut() {
        t.push(c);
    } else {
        parts.push(Part::Text(c.to_string()));
    }
}

/// The character a backslash escape stands for; `None` for an invalid escape.
fn escape(e: char, p: &mut Parser) -> Option<char> {
    Some(match e {
        '"' => '"',
        '\\' => '\\',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        '$' => '$',
        '?' => '?',
        '_' => ' ',
        'a' => '\x07',
        'b' => '\x08',
        'f' => '\x0c',
        'v' => '\x0b',
        c if c.is_ascii_hexdigit() => {
            let lo = p.peek().filter(|d| d.is_ascii_hexdigit())?;
            p.i += 1;
            let v = (c.to_digit(16)? * 16 + lo.to_digit(16)?) as u8;
            v as char
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(src: &str) -> Vec<Word> {
        let mut s = parse(src).expect("parses");
        assert_eq!(s.len(), 1);
        s.remove(0).words.into_iter().map(|w| w.word).collect()
    }

    #[test]
    fn export_continuations_join_the_argument() {
        let w = words("add comment=\\\n    \"a b\" interface=\\\n    ether1 \\\n    mtu=1500");
        assert_eq!(
            w,
            vec![
                Word::Bare("add".into()),
                Word::Assign {
                    key: "comment".into(),
                    value: Value::text("a b")
                },
                Word::Assign {
                    key: "interface".into(),
                    value: Value::text("ether1")
                },
                Word::Assign {
                    key: "mtu".into(),
                    value: Value::text("1500")
                },
            ]
        );
    }

    #[test]
    fn path_forms_and_assignments() {
        assert_eq!(
            words("/ip service set 0,1,2 disabled=yes"),
            vec![
                Word::Root,
                Word::Bare("ip".into()),
                Word::Bare("service".into()),
                Word::Bare("set".into()),
                Word::Bare("0,1,2".into()),
                Word::Assign {
                    key: "disabled".into(),
                    value: Value::text("yes")
                },
            ]
        );
        assert_eq!(
            words("/ip/service/print"),
            vec![Word::Root, Word::Bare("ip/service/print".into())]
        );
    }

    #[test]
    fn positions_are_one_based_columns() {
        let s = parse("/interface ethernet poe print").unwrap();
        assert_eq!(
            s[0].words[3].pos,
            Pos {
                line: 1,
                column: 21
            }
        );
    }

    #[test]
    fn quoted_and_escapes() {
        let w = words(r#"set comment="a \"b\" \5A" name="""#);
        assert_eq!(
            w[1],
            Word::Assign {
                key: "comment".into(),
                value: Value::text("a \"b\" Z")
            }
        );
        assert_eq!(
            w[2],
            Word::Assign {
                key: "name".into(),
                value: Value::text("")
            }
        );
    }

    #[test]
    fn substitution_and_where() {
        let w = words("set [find where !dynamic and (name=ssh or port>22)] disabled=no");
        let Word::Value(v) = &w[1] else {
            panic!("value expected")
        };
        let Part::Subst(inner) = &v.parts[0] else {
            panic!("subst expected")
        };
        let Word::Where(c) = &inner[0].words[1].word else {
            panic!("where expected")
        };
        assert!(matches!(c, Cond::And(a, _) if matches!(**a, Cond::Not(_))));
    }

    #[test]
    fn if_with_expression_and_block() {
        let w = words(":if ([:len [find name=x]] = 0) do={ add name=x } else={ set x }");
        assert_eq!(w[0], Word::Bare(":if".into()));
        let Word::Value(v) = &w[1] else {
            panic!("value expected")
        };
        let Part::Expr(e) = &v.parts[0] else {
            panic!("expression expected")
        };
        assert!(matches!(**e, Expr::Bin(_, BinOp::Cmp(CmpOp::Eq), _)));
        let Word::Assign { key, value } = &w[2] else {
            panic!("do= expected")
        };
        assert_eq!(key, "do");
        assert!(matches!(&value.parts[0], Part::Block(b) if b.len() == 1));
        assert!(matches!(&w[3], Word::Assign { key, .. } if key == "else"));
        assert!(parse(":if (1 = ) do={}").is_err());
        assert!(parse(":put (\"a\" . $b)").is_ok());
    }

    #[test]
    fn errors_have_positions() {
        assert_eq!(
            parse("print \"abc"),
            Err(CliError::Syntax(Pos {
                line: 1,
                column: 11
            }))
        );
        assert!(parse("print ]").is_err());
        assert!(parse("print [find").is_err());
        assert!(parse("print where (a").is_err());
    }

    #[test]
    fn garbage_never_panics() {
        let deep = "[".repeat(10_000);
        assert!(parse(&deep).is_err());
        let parens = format!("print where {}", "(".repeat(10_000));
        assert!(parse(&parens).is_err());
        for s in [
            "\\",
            "\"\\",
            "=",
            "a=\"",
            "{",
            "}",
            "$",
            "where",
            "print where",
            "\u{0}\u{ffff}",
            "a=[b]c$d",
        ] {
            let _ = parse(s);
        }
        let long = "x".repeat(100_000);
        assert!(parse(&long).is_ok());
    }
}
