//! Scripting commands of the terminal: `:if`, `:do`, `:foreach`, `:while`, `:delay`, `:put`, `:local`, `:len` and `( )` expressions.

use routeros::cli::{self, BinOp, Command, Expr, Part, Pos, Word};

use super::query;
use super::state::State;
use super::terminal::{Out, Terminal, bad_command, end_expected};

impl Terminal {
    pub(super) fn eval_expr(&mut self, st: &mut State, e: &Expr) -> Result<String, String> {
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
                    BinOp::Concat => l + &self.eval_expr(st, b)?,
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

    fn run_block(&mut self, st: &mut State, body: &[Command]) -> Result<Out, String> {
        let mut out = Out::default();
        for c in body {
            let o = self.run(st, c)?;
            out.text.push_str(&o.text);
        }
        Ok(out)
    }

    /// `:do { ... } [on-error={ ... }]`.
    fn script_do(
        &mut self,
        st: &mut State,
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
                out.text.push_str(&self.run_block(st, body)?.text);
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
        st: &mut State,
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
            self.vars.insert(var.clone(), element.to_string());
            out.text.push_str(&self.run_block(st, &body)?.text);
        }
        Ok(out)
    }

    /// The value of a condition word (`(expr)` or a bare word) of `:if` or `:while`.
    fn condition(&mut self, st: &mut State, cond: &cli::Spanned) -> Result<String, String> {
        match &cond.word {
            Word::Value(v) => self.eval_value(st, v),
            Word::Bare(b) => Ok(b.clone()),
            _ => Err(end_expected(cond.pos)),
        }
    }

    /// `:while (cond) do={ ... }`: the condition is evaluated before every round.
    fn script_while(
        &mut self,
        st: &mut State,
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
            out.text.push_str(&self.run_block(st, &body)?.text);
        }
    }

    /// `:if (cond) do={ ... } [else={ ... }]`.
    fn script_if(
        &mut self,
        st: &mut State,
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
        st: &mut State,
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
                self.vars.insert(n, value);
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
                // The script holds the router while it sleeps (see FIDELITY.md, Scripting).
                std::thread::sleep(d);
                super::update::advance(st);
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
