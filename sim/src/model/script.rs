//! Scripting commands of the terminal: `:if`, `:do`, `:foreach`, `:while`, `:delay`, `:put`, `:local`, `:len` and `( )` expressions.

use routeros::cli::{self, BinOp, Command, Expr, Part, Pos, Word};

use super::query;
use super::terminal::{Out, Terminal, bad_command, end_expected};
use crate::router::Held;

/// Longest value (string) a script may make: 64 KiB, the terminal's longest line
/// ([`super::terminal::MAX_LINE`]). ASSUMPTION (FIDELITY.md "Limits"): no limit is documented.
pub const MAX_VALUE: usize = 65_536;
/// Most bytes one session's variables (names and values) may take: 1 MiB. ASSUMPTION.
pub const MAX_VARIABLES: usize = 1024 * 1024;
/// Most output one command line may print (the simulator answers a line at once): 1 MiB.
/// ASSUMPTION.
pub const MAX_OUTPUT: usize = 1024 * 1024;
/// What a value past [`MAX_VALUE`] ends the script with. ASSUMPTION (wording).
pub const VALUE_TOO_LONG: &str = "string too long";
/// What variables past [`MAX_VARIABLES`] end the script with. ASSUMPTION (wording).
pub const OUT_OF_MEMORY: &str = "not enough memory";
/// What a line past its time budget or [`MAX_OUTPUT`] ends with: the word RouterOS's API gives
/// an interrupted command (`!trap` category 2, `=message=interrupted`, FACTS §7); in the
/// terminal an ASSUMPTION.
pub const INTERRUPTED: &str = "interrupted";

/// `Err(string too long)` for a value past [`MAX_VALUE`].
pub(super) fn bounded(v: &str) -> Result<(), String> {
    if v.len() > MAX_VALUE {
        return Err(VALUE_TOO_LONG.into());
    }
    Ok(())
}

/// Appends a command's output to a line's, up to [`MAX_OUTPUT`].
pub(super) fn append(out: &mut String, text: &str) -> Result<(), String> {
    if out.len() + text.len() > MAX_OUTPUT {
        return Err(INTERRUPTED.into());
    }
    out.push_str(text);
    Ok(())
}

impl Terminal {
    pub(super) fn eval_expr(&mut self, st: &mut Held<'_>, e: &Expr) -> Result<String, String> {
        Ok(match e {
            Expr::Term(v) => self.eval_value(st, v)?,
            Expr::Not(a) => bool_text(!truthy(&self.eval_expr(st, a)?)),
            Expr::Bin(a, op, b) => {
                let l = self.eval_expr(st, a)?;
                match op {
                    BinOp::And if !truthy(&l) => bool_text(false),
                    BinOp::Or if truthy(&l) => bool_text(true),
                    BinOp::And | BinOp::Or => bool_text(truthy(&self.eval_expr(st, b)?)),
                    BinOp::Cmp(c) => bool_text(query::compare(&l, *c, &self.eval_expr(st, b)?)),
                    BinOp::Concat => {
                        let r = self.eval_expr(st, b)?;
                        if l.len() + r.len() > MAX_VALUE {
                            return Err(VALUE_TOO_LONG.into());
                        }
                        l + &r
                    }
                    BinOp::Add | BinOp::Sub => {
                        let r = self.eval_expr(st, b)?;
                        match (l.parse::<i64>(), r.parse::<i64>()) {
                            (Ok(x), Ok(y)) if *op == BinOp::Add => x.saturating_add(y).to_string(),
                            (Ok(x), Ok(y)) => x.saturating_sub(y).to_string(),
                            _ => return Err("invalid value for argument".into()),
                        }
                    }
                }
            }
        })
    }

    fn run_block(&mut self, st: &mut Held<'_>, body: &[Command]) -> Result<Out, String> {
        // An empty body still counts: `:while (true) do={}` ends at the budget too.
        self.step(st)?;
        let mut out = Out::default();
        for c in body {
            let o = self.run(st, c)?;
            append(&mut out.text, &o.text)?;
        }
        Ok(out)
    }

    /// One step of a line: other sessions get the router if they wait for it, and a line past
    /// its time budget is interrupted (every later step too, so `on-error` cannot go on).
    pub(super) fn step(&mut self, st: &mut Held<'_>) -> Result<(), String> {
        st.breathe();
        if std::time::Instant::now() >= self.deadline {
            return Err(INTERRUPTED.into());
        }
        Ok(())
    }

    /// Sets a variable of the session, within [`MAX_VALUE`] and [`MAX_VARIABLES`].
    pub(super) fn set_var(&mut self, name: &str, value: String) -> Result<(), String> {
        bounded(&value)?;
        let old = self.vars.get(name).map_or(0, |v| name.len() + v.len());
        let total = self.var_bytes - old + name.len() + value.len();
        if total > MAX_VARIABLES {
            return Err(OUT_OF_MEMORY.into());
        }
        self.var_bytes = total;
        self.vars.insert(name.to_string(), value);
        Ok(())
    }

    /// `:do { ... } [on-error={ ... }]`.
    fn script_do(
        &mut self,
        st: &mut Held<'_>,
        rest: &[cli::Spanned],
        pos: Pos,
    ) -> Result<Out, String> {
        let Some(cli::Spanned {
            word: Word::Block(body),
            ..
        }) = rest.first()
        else {
            return Err(end_expected(pos));
        };
        let mut on_error = None;
        let mut repeat = None;
        for w in &rest[1..] {
            match &w.word {
                Word::Assign { key, value } if key == "on-error" => match value.parts.first() {
                    Some(Part::Block(b)) => on_error = Some(b.clone()),
                    _ => return Err(end_expected(w.pos)),
                },
                Word::Assign { key, value } if key == "while" => repeat = Some(value.clone()),
                _ => return Err(end_expected(w.pos)),
            }
        }
        // `:do { ... } while=(cond)`: the body runs, then again while the condition holds.
        if let Some(cond) = repeat {
            let mut out = Out::default();
            loop {
                let o = self.run_block(st, body)?;
                append(&mut out.text, &o.text)?;
                if !truthy(&self.eval_value(st, &cond)?) {
                    return Ok(out);
                }
            }
        }
        match (self.run_block(st, body), on_error) {
            (Ok(out), _) => Ok(out),
            (Err(_), Some(handler)) => self.run_block(st, &handler),
            (Err(e), None) => Err(e),
        }
    }

    /// `:foreach i in=[find ...] do={ ... }` (the list is what `find` returns: `*1;*2`).
    fn script_foreach(
        &mut self,
        st: &mut Held<'_>,
        rest: &[cli::Spanned],
        pos: Pos,
    ) -> Result<Out, String> {
        let Some(cli::Spanned {
            word: Word::Bare(var),
            ..
        }) = rest.first()
        else {
            return Err(end_expected(pos));
        };
        let mut list = None;
        let mut body = None;
        for w in &rest[1..] {
            match &w.word {
                Word::Assign { key, value } if key == "in" => {
                    list = Some(self.eval_value(st, value)?)
                }
                Word::Assign { key, value } if key == "do" => match value.parts.first() {
                    Some(Part::Block(b)) => body = Some(b.clone()),
                    _ => return Err(end_expected(w.pos)),
                },
                _ => return Err(end_expected(w.pos)),
            }
        }
        let (Some(list), Some(body)) = (list, body) else {
            return Err(end_expected(pos));
        };
        let mut out = Out::default();
        for element in list.split(';').filter(|e| !e.is_empty()) {
            self.set_var(var, element.to_string())?;
            let o = self.run_block(st, &body)?;
            append(&mut out.text, &o.text)?;
        }
        Ok(out)
    }

    /// The value of a condition word (`(expr)` or a bare word) of `:if` or `:while`.
    fn condition(&mut self, st: &mut Held<'_>, cond: &cli::Spanned) -> Result<String, String> {
        match &cond.word {
            Word::Value(v) => self.eval_value(st, v),
            Word::Bare(b) => Ok(b.clone()),
            _ => Err(end_expected(cond.pos)),
        }
    }

    /// `:while (cond) do={ ... }`: the condition is evaluated before every round.
    fn script_while(
        &mut self,
        st: &mut Held<'_>,
        rest: &[cli::Spanned],
        pos: Pos,
    ) -> Result<Out, String> {
        let cond = rest.first().ok_or_else(|| end_expected(pos))?;
        let mut body = None;
        for w in &rest[1..] {
            match &w.word {
                Word::Assign { key, value } if key == "do" => match value.parts.first() {
                    Some(Part::Block(b)) => body = Some(b.clone()),
                    _ => return Err(end_expected(w.pos)),
                },
                _ => return Err(end_expected(w.pos)),
            }
        }
        let body = body.ok_or_else(|| end_expected(pos))?;
        let mut out = Out::default();
        loop {
            let holds = self.condition(st, cond)?;
            if !truthy(&holds) {
                return Ok(out);
            }
            let o = self.run_block(st, &body)?;
            append(&mut out.text, &o.text)?;
        }
    }

    /// `:if (cond) do={ ... } [else={ ... }]`.
    fn script_if(
        &mut self,
        st: &mut Held<'_>,
        rest: &[cli::Spanned],
        pos: Pos,
    ) -> Result<Out, String> {
        let cond = rest.first().ok_or_else(|| end_expected(pos))?;
        let cond_text = self.condition(st, cond)?;
        let mut branch_do = None;
        let mut branch_else = None;
        for w in &rest[1..] {
            match &w.word {
                Word::Assign { key, value } if key == "do" || key == "else" => {
                    let body = match value.parts.first() {
                        Some(Part::Block(b)) => b.clone(),
                        _ => return Err(end_expected(w.pos)),
                    };
                    if key == "do" {
                        branch_do = Some(body);
                    } else {
                        branch_else = Some(body);
                    }
                }
                _ => return Err(end_expected(w.pos)),
            }
        }
        let body = if truthy(&cond_text) {
            branch_do
        } else {
            branch_else
        };
        self.run_block(st, &body.unwrap_or_default())
    }

    pub(super) fn script_command(
        &mut self,
        st: &mut Held<'_>,
        name: &str,
        rest: &[cli::Spanned],
        pos: Pos,
    ) -> Result<Out, String> {
        match name {
            ":if" => return self.script_if(st, rest, pos),
            ":do" => return self.script_do(st, rest, pos),
            ":foreach" => return self.script_foreach(st, rest, pos),
            ":while" => return self.script_while(st, rest, pos),
            _ => {}
        }
        let mut args = self.eval_args(st, rest)?;
        match name {
            ":put" => {
                let v = args
                    .unnamed
                    .first()
                    .map(|(v, _)| v.clone())
                    .unwrap_or_default();
                Ok(Out::text(format!("{v}\n")))
            }
            ":local" | ":global" | ":set" => {
                let (n, _) = args
                    .unnamed
                    .first()
                    .cloned()
                    .ok_or_else(|| end_expected(pos))?;
                let value = args
                    .unnamed
                    .get(1)
                    .map(|(v, _)| v.clone())
                    .unwrap_or_default();
                self.set_var(&n, value)?;
                Ok(Out::default())
            }
            ":len" => {
                let v = args
                    .unnamed
                    .first()
                    .map(|(v, _)| v.clone())
                    .unwrap_or_default();
                Ok(Out::value(len_of(&v).to_string()))
            }
            ":return" => Ok(Out::value(args.flag_value())),
            ":delay" => {
                let text = args
                    .take("delay-time")
                    .or_else(|| (!args.unnamed.is_empty()).then(|| args.unnamed.remove(0).0))
                    .unwrap_or_default();
                let d = parse_time(&text)
                    .ok_or_else(|| format!("invalid value for argument delay-time: {text}"))?;
                // The script lets go of the router while it sleeps, and sleeps no longer than
                // its line's budget (see FIDELITY.md, Limits).
                let left = self
                    .deadline
                    .saturating_duration_since(std::time::Instant::now());
                st.unlocked(|| std::thread::sleep(d.min(left)));
                if d > left {
                    return Err(INTERRUPTED.into());
                }
                Ok(Out::default())
            }
            _ => Err(bad_command(name, pos)),
        }
    }

    // ---- commands ----
}

/// A RouterOS time: `3` (seconds), `500ms`, `1m30s`, `1h`, `2d`, `00:00:03`.
pub(super) fn parse_time(text: &str) -> Option<std::time::Duration> {
    use std::time::Duration;
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if t.contains(':') {
        let parts: Vec<&str> = t.split(':').collect();
        if parts.len() != 3 {
            return None;
        }
        let h: u64 = parts[0].parse().ok()?;
        let m: u64 = parts[1].parse().ok()?;
        let sec: f64 = parts[2].parse().ok()?;
        return Some(Duration::from_secs(h * 3600 + m * 60) + Duration::from_secs_f64(sec));
    }
    if let Ok(secs) = t.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        if digits == 0 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        total += match unit {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n * 60),
            "h" => Duration::from_secs(n * 3600),
            "d" => Duration::from_secs(n * 86400),
            "w" => Duration::from_secs(n * 7 * 86400),
            _ => return None,
        };
    }
    Some(total)
}

pub(super) fn truthy(v: &str) -> bool {
    matches!(v, "true" | "yes")
}

fn bool_text(b: bool) -> String {
    if b { "true" } else { "false" }.to_string()
}

/// `:len`: the number of elements of an id list (`*1;*2`, what `find` returns), else of characters.
fn len_of(v: &str) -> usize {
    if v.is_empty() {
        return 0;
    }
    let parts: Vec<&str> = v.split(';').collect();
    if parts.iter().all(|p| super::menu::parse_id(p).is_some()) {
        parts.len()
    } else {
        v.chars().count()
    }
}
