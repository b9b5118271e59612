//! Scripting commands of the terminal: `:if`, `:do`, `:foreach`, `:put`, `:local`, `:len` and `( )` expressions.

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
        for w in &rest[1..] {
            match &w.word {
                Word::Assign { key, value } if key == "on-error" => match value.parts.first() {
                    Some(Part::Block(b)) => on_error = Some(b.clone()),
                    _ => return Err(end_expected(w.pos)),
                },
                _ => return Err(end_expected(w.pos)),
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

    /// `:if (cond) do={ ... } [else={ ... }]`.
    fn script_if(
        &mut self,
        st: &mut State,
        rest: &[cli::Spanned],
        pos: Pos,
    ) -> Result<Out, String> {
        let cond = rest.first().ok_or_else(|| end_expected(pos))?;
        let cond_text = match &cond.word {
            Word::Value(v) => self.eval_value(st, v)?,
            Word::Bare(b) => b.clone(),
            _ => return Err(end_expected(cond.pos)),
        };
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
            _ => Err(bad_command(name, pos)),
        }
    }

    // ---- commands ----
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
