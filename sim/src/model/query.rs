//! Item selection: CLI `where` conditions and API `?` query words.

use std::net::IpAddr;

use routeros::cli::{CmpOp, Cond};

use super::ExecError;
use super::menu::{Item, format_id};
use super::schema::addr_allowed;

/// The value a condition sees for a property (`.id` included; absent = empty).
fn value_of(item: &Item, prop: &str) -> String {
    if prop == ".id" {
        return format_id(item.id);
    }
    item.get(prop).unwrap_or("").to_string()
}

fn truthy(v: &str) -> bool {
    !matches!(v, "" | "no" | "false")
}

fn norm_bool(v: &str) -> &str {
    match v {
        "true" => "yes",
        "false" => "no",
        other => other,
    }
}

/// Evaluates a `where` condition; `value` turns a condition's value into text (variables, `[ ]`).
pub fn eval(cond: &Cond, item: &Item, value: &dyn Fn(&routeros::cli::Value) -> String) -> bool {
    match cond {
        Cond::Prop(p) => truthy(&value_of(item, p)),
        Cond::Not(c) => !eval(c, item, value),
        Cond::And(a, b) => eval(a, item, value) && eval(b, item, value),
        Cond::Or(a, b) => eval(a, item, value) || eval(b, item, value),
        Cond::Cmp { prop, op, value: v } => compare(&value_of(item, prop), *op, &value(v)),
    }
}

/// One comparison, numeric when both sides are numbers.
pub fn compare(have: &str, op: CmpOp, want: &str) -> bool {
    let (h, w) = (norm_bool(have), norm_bool(want));
    let num = |s: &str| s.parse::<i64>().ok();
    let ord = match (num(h), num(w)) {
        (Some(a), Some(b)) => a.cmp(&b),
        _ => h.cmp(w),
    };
    match op {
        CmpOp::Eq => h == w,
        CmpOp::Ne => h != w,
        CmpOp::Lt => ord.is_lt(),
        CmpOp::Gt => ord.is_gt(),
        CmpOp::Le => ord.is_le(),
        CmpOp::Ge => ord.is_ge(),
        CmpOp::Match => regex::Regex::new(w).is_ok_and(|re| re.is_match(have)),
        CmpOp::In => {
            let ip = have
                .split('/')
                .next()
                .and_then(|a| a.parse::<IpAddr>().ok());
            ip.is_some() && addr_allowed(w, ip)
        }
    }
}

/// Evaluates API query words (without the leading `?`) against API-form properties.
///
/// `name=v` / `=name=v` equal, `-name` absent, `name` present, `<name=v` / `>name=v` compare,
/// `#ops` stack operations (`|` or, `&` and, `!` not, `.` duplicate, digits copy). What is left on
/// the stack is and-ed.
pub fn api_match(words: &[String], props: &[(String, String)]) -> Result<bool, ExecError> {
    let get = |k: &str| props.iter().find(|(p, _)| p == k).map(|(_, v)| v.as_str());
    let mut stack: Vec<bool> = Vec::new();
    for w in words {
        if let Some(ops) = w.strip_prefix('#') {
            stack_ops(&mut stack, ops)?;
            continue;
        }
        let r = if let Some(name) = w.strip_prefix('-') {
            get(name).is_none()
        } else if let Some(rest) = w.strip_prefix('<').or_else(|| w.strip_prefix('>')) {
            let (k, v) = rest.split_once('=').ok_or_else(bad_query)?;
            let op = if w.starts_with('<') {
                CmpOp::Lt
            } else {
                CmpOp::Gt
            };
            get(k).is_some_and(|h| compare(h, op, v))
        } else {
            let w = w.strip_prefix('=').unwrap_or(w);
            match w.split_once('=') {
                Some((k, v)) => compare(get(k).unwrap_or(""), CmpOp::Eq, v),
                None => get(w).is_some(),
            }
        };
        stack.push(r);
    }
    Ok(stack.iter().all(|b| *b))
}

fn bad_query() -> ExecError {
    ExecError::arg("unknown query operation".into())
}

fn stack_ops(stack: &mut Vec<bool>, ops: &str) -> Result<(), ExecError> {
    let mut digits = String::new();
    let flush = |stack: &mut Vec<bool>, digits: &mut String| -> Result<(), ExecError> {
        if !digits.is_empty() {
            let n: usize = digits.parse().map_err(|_| bad_query())?;
            let v = *stack.get(n).ok_or_else(bad_query)?;
            stack.push(v);
            digits.clear();
        }
        Ok(())
    };
    for c in ops.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        flush(stack, &mut digits)?;
        match c {
            '|' | '&' => {
                let b = stack.pop().ok_or_else(bad_query)?;
                let a = stack.pop().ok_or_else(bad_query)?;
                stack.push(if c == '|' { a || b } else { a && b });
            }
            '!' => {
                let a = stack.pop().ok_or_else(bad_query)?;
                stack.push(!a);
            }
            '.' => {
                let a = *stack.last().ok_or_else(bad_query)?;
                stack.push(a);
            }
            _ => return Err(bad_query()),
        }
    }
    flush(stack, &mut digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn api_queries() {
        let p = props(&[("name", "ssh"), ("port", "22"), ("disabled", "false")]);
        let q = |w: &[&str]| {
            api_match(&w.iter().map(|s| s.to_string()).collect::<Vec<_>>(), &p).unwrap()
        };
        assert!(q(&["name=ssh"]));
        assert!(!q(&["name=telnet"]));
        assert!(q(&["name=telnet", "port=22", "#|"]));
        assert!(q(&["name=telnet", "#!"]));
        assert!(q(&["-comment"]));
        assert!(q(&[">port=21", "<port=23"]));
        assert!(api_match(&["#|".to_string()], &p).is_err());
    }

    #[test]
    fn compares() {
        assert!(compare("yes", CmpOp::Eq, "true"));
        assert!(compare("8728", CmpOp::Gt, "100"));
        assert!(compare("ssh", CmpOp::Match, "^s"));
        assert!(compare("10.1.2.3", CmpOp::In, "10.0.0.0/8"));
    }
}
