//! The terminal front end: RouterOS command language over the shared model.

use std::collections::HashMap;

use routeros::cli::{self, Command, Cond, Part, Pos, Value, Word};
use routeros::print::{self, Style};
use routeros::version::Version;

use super::defaults::Ver;
use super::menu::{Item, format_id};
use super::schema::{Kind, MenuDef, PrintForm, Ty};
use super::state::{Actor, State, api_bool};
use super::view::{
    cli_unit, filter_props, flag_positions, legend_lower, log_lines, order, record, table,
    used_groups,
};
use super::{ErrKind, ExecError, export, log, query, update};
use crate::router::{Held, Router, Session};

/// How a terminal session was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TerminalOpts {
    /// A PTY shell (banner, nag, prompt) rather than an exec channel.
    pub interactive: bool,
    pub colors: bool,
    /// Terminal width for `print detail` wrapping.
    pub width: u16,
}

/// A CLI session (one per shell or exec channel).
pub struct Terminal {
    router: Router,
    session: Session,
    opts: TerminalOpts,
    cwd: Vec<String>,
    numbering: HashMap<String, Vec<u32>>,
    pub(super) vars: HashMap<String, String>,
    /// Bytes the variables' names and values take ([`super::script::MAX_VARIABLES`]).
    pub(super) var_bytes: usize,
    /// When the command line being run is interrupted ([`Router::script_time_budget`]).
    pub(super) deadline: std::time::Instant,
    /// How many `/import`s are running inside each other ([`MAX_IMPORT_DEPTH`]).
    imports: usize,
}

/// Deepest nesting of `/import` inside imported files (ASSUMPTION: RouterOS's limit is not
/// documented; a file importing itself must end, not exhaust the stack).
const MAX_IMPORT_DEPTH: usize = 8;

/// What `/import` prints after a file ran to its end [cli:other/x86_v7_import_check_script_dump__unknown-repo.txt].
pub const IMPORT_DONE: &str = cli::IMPORT_DONE;

/// Longest input line accepted; longer lines get a syntax error at the limit.
pub const MAX_LINE: usize = 65_536;

/// What a command produced: text printed now, and its value (for `[ ]` and `:put`).
#[derive(Default)]
pub(super) struct Out {
    pub(super) text: String,
    pub(super) value: String,
}

impl Out {
    pub(super) fn text(text: String) -> Out {
        Out {
            text,
            value: String::new(),
        }
    }

    pub(super) fn value(value: String) -> Out {
        Out {
            text: String::new(),
            value,
        }
    }
}

/// The unnamed and named arguments of a command, evaluated.
#[derive(Default)]
pub(super) struct Args {
    pub(super) named: Vec<(String, String, Pos)>,
    pub(super) unnamed: Vec<(String, Pos)>,
    pub(super) cond: Option<Cond>,
}

impl Args {
    pub(super) fn take(&mut self, name: &str) -> Option<String> {
        let i = self.named.iter().position(|(k, _, _)| k == name)?;
        Some(self.named.remove(i).1)
    }

    fn flag(&mut self, name: &str) -> bool {
        match self.unnamed.iter().position(|(w, _)| w == name) {
            Some(i) => {
                self.unnamed.remove(i);
                true
            }
            None => false,
        }
    }

    fn pos_of_named(&self, name: &str) -> Option<Pos> {
        self.named
            .iter()
            .find(|(k, _, _)| k == name)
            .map(|(_, _, p)| *p)
    }

    /// Errors on anything left over: `expected end of command (line L column C)`.
    fn finish(&self) -> Result<(), String> {
        let first = self
            .named
            .iter()
            .map(|(_, _, p)| *p)
            .chain(self.unnamed.iter().map(|(_, p)| *p))
            .min_by_key(|p| (p.line, p.column));
        match first {
            Some(p) => Err(end_expected(p)),
            None => Ok(()),
        }
    }
}

pub(super) fn end_expected(p: Pos) -> String {
    format!(
        "expected end of command (line {} column {})",
        p.line, p.column
    )
}

pub(super) fn bad_command(name: &str, p: Pos) -> String {
    format!(
        "bad command name {name} (line {} column {})",
        p.line, p.column
    )
}

const ROOT_COMMANDS: &[&str] = &["export", "import", "password", "quit"];

/// Logo lines of the login banner.
const LOGO: &str = "  MMM      MMM       KKK                          TTTTTTTTTTT      KKK
  MMMM    MMMM       KKK                          TTTTTTTTTTT      KKK
  MMM MMMM MMM  III  KKK  KKK  RRRRRR     OOOOOO      TTT     III  KKK  KKK
  MMM  MM  MMM  III  KKKKK     RRR  RRR  OOO  OOO     TTT     III  KKKKK
  MMM      MMM  III  KKK KKK   RRRRRR    OOO  OOO     TTT     III  KKK KKK
  MMM      MMM  III  KKK  KKK  RRR  RRR   OOOOOO      TTT     III  KKK  KKK
";

const V6_HELP: &str = "[?]             Gives the list of available commands
command [?]     Gives help on the command and list of arguments

[Tab]           Completes the command/word. If the input is ambiguous,
                a second [Tab] gives possible options

/               Move up to base level
..              Move up one level
/command        Use command at the base level
";

/// The copyright year a version's banner shows (INFERENCE from captures: 6.42.5 → 2018,
/// 6.49.13 → 2024, 7.17rc3 → 2024, 7.17.1 → 2025, 7.23.2 → 2026).
fn build_year(version: &Version) -> u32 {
    let v = Ver::of(version);
    let release = matches!(version.pre(), routeros::version::Pre::Release);
    match (v.major, v.minor) {
        (7, 17) if release => 2025,
        (6, m) if m >= 49 => 2024,
        (6, m) if m >= 47 => 2020,
        (6, m) if m >= 44 => 2019,
        (6, _) => 2018,
        (7, m) if m >= 21 => 2026,
        (7, m) if m >= 18 => 2025,
        (7, m) if m >= 14 => 2024,
        (7, m) if m >= 8 => 2023,
        _ => 2022,
    }
}

impl Terminal {
    pub(crate) fn new(router: Router, session: Session, opts: TerminalOpts) -> Terminal {
        Terminal {
            router,
            session,
            opts,
            cwd: Vec::new(),
            numbering: HashMap::new(),
            vars: HashMap::new(),
            var_bytes: 0,
            deadline: std::time::Instant::now(),
            imports: 0,
        }
    }

    /// The login banner: logo, version line, help (v7: `Press F1 for help`; v6: the help block).
    pub fn banner(&self) -> String {
        let (head, tail) = self.banner_parts();
        head + &tail
    }

    /// The banner in two parts: the logo and version line (then one empty line), and what
    /// follows (`Press F1 for help`, v6: the help block). The first console login asks about the
    /// software license between the two (console_v7.17.1_02/03 captures).
    pub fn banner_parts(&self) -> (String, String) {
        let version = self.router.version();
        let v = Ver::of(&version);
        let scheme = if v.v7() { "https" } else { "http" };
        let mut head = String::from(LOGO);
        head.push('\n');
        head.push_str(&format!(
            "  MikroTik RouterOS {version} (c) 1999-{}       {scheme}://www.mikrotik.com/\n\n",
            build_year(&version)
        ));
        let tail = if v.v7() {
            "\nPress F1 for help\n".to_string()
        } else {
            V6_HELP.to_string()
        };
        (head, tail)
    }

    /// The installed RouterOS version.
    pub fn version(&self) -> Version {
        self.router.version()
    }

    /// Whether the software-license question is still to be asked (once in the router's life,
    /// on the first console login).
    pub fn license_pending(&self) -> bool {
        self.router.license_pending()
    }

    /// The license question was answered: it is never asked again.
    pub fn license_answered(&self) {
        self.router.with_state(|st| {
            if !st.license_answered {
                st.license_answered = true;
                st.dirty = true;
            }
        });
    }

    /// Critical log lines remembered since this user's previous login, as printed after the banner
    /// (`sep/24/2026 19:26:05 system,error,critical login failure ...`), one per line.
    pub fn pending_critical(&self) -> String {
        let user = self.session.user.clone();
        self.router.with_state(|st| {
            let since = st
                .sessions
                .iter()
                .find(|s| s.user == user)
                .and_then(|s| s.previous_login);
            st.log
                .remembered
                .iter()
                .filter(|e| since.is_none_or(|t| e.at > t))
                .map(|e| {
                    format!(
                        "{} {} {}\n",
                        log::full_date(st.ver, e.at),
                        e.topics,
                        e.message
                    )
                })
                .collect()
        })
    }

    /// Whether the login must show the password nag (interactive session, empty password).
    pub fn needs_password_nag(&self) -> bool {
        let user = self.session.user.clone();
        self.opts.interactive && self.router.with_state(|st| st.password_is_empty(&user))
    }

    /// Sets the session user's password (the nag's answer).
    pub fn set_password(&mut self, new: &str) -> Result<(), String> {
        let user = self.session.user.clone();
        self.router
            .with_state(|st| st.set_password(&user, new))
            .map_err(|e| e.message)
    }

    /// `[admin@CHR] > ` or `[admin@CHR] /ip/service> ` (v6: `/ip service> `).
    pub fn prompt(&self) -> String {
        let (identity, v7) = self.router.with_state(|st| (st.identity(), st.ver.v7()));
        if self.cwd.is_empty() {
            format!("[{}@{}] > ", self.session.user, identity)
        } else {
            let sep = if v7 { "/" } else { " " };
            format!(
                "[{}@{}] /{}> ",
                self.session.user,
                identity,
                self.cwd.join(sep)
            )
        }
    }

    /// Runs one input line; returns what the terminal prints (lines end with `\n`).
    pub fn execute(&mut self, line: &str) -> String {
        if line.chars().count() > MAX_LINE {
            return format!("syntax error (line 1 column {})\n", MAX_LINE + 1);
        }
        let script = match cli::parse(line) {
            Ok(s) => s,
            Err(e) => return format!("{e}\n"),
        };
        let router = self.router.clone();
        // The line holds the router, but lets other sessions in between its steps (`run`).
        let mut st = router.hold();
        self.deadline = std::time::Instant::now() + router.script_time_budget();
        let mut out = String::new();
        for cmd in &script {
            let done = self
                .run(&mut st, cmd)
                .and_then(|o| super::script::append(&mut out, &o.text));
            if let Err(e) = done {
                out.push_str(&e);
                out.push('\n');
                break;
            }
        }
        out
    }

    fn actor(&self, st: &State) -> Actor {
        Actor {
            user: self.session.user.clone(),
            policy: st.policy_of(&self.session.user),
        }
    }

    // ---- dispatch ----

    pub(super) fn run(&mut self, st: &mut Held<'_>, cmd: &Command) -> Result<Out, String> {
        // Every step lets waiting sessions in (the clock moves on meanwhile) and is within the
        // line's budget.
        self.step(st)?;
        let words = &cmd.words;
        let Some(first) = words.first() else {
            return Ok(Out::default());
        };
        if let Word::Bare(w) = &first.word
            && w.starts_with(':')
        {
            return self.script_command(st, w, &words[1..], first.pos);
        }
        if let Word::Block(inner) = &first.word {
            let mut out = Out::default();
            for c in inner {
                let o = self.run(st, c)?;
                super::script::append(&mut out.text, &o.text)?;
                out.value = o.value;
            }
            return Ok(out);
        }
        let mut path = self.cwd.clone();
        let mut idx = 0;
        if matches!(first.word, Word::Root) {
            path.clear();
            idx = 1;
        }
        let mut command: Option<String> = None;
        while idx < words.len() && command.is_none() {
            let Word::Bare(w) = &words[idx].word else {
                break;
            };
            let pos = words[idx].pos;
            let mut col = 0;
            for seg in w.split('/') {
                let seg_pos = Pos {
                    line: pos.line,
                    column: pos.column + col,
                };
                col += seg.chars().count() + 1;
                if seg.is_empty() {
                    continue;
                }
                if command.is_some() {
                    return Err(end_expected(seg_pos));
                }
                if seg == ".." {
                    path.pop();
                    continue;
                }
                let cand = join(&path, seg);
                if st.def(&cand).is_some() || st.is_dir(&cand) {
                    path.push(seg.to_string());
                } else if is_command(st, &path, seg) {
                    command = Some(seg.to_string());
                } else {
                    return Err(bad_command(seg, seg_pos));
                }
            }
            idx += 1;
        }
        let Some(command) = command else {
            if let Some(w) = words.get(idx) {
                return Err(end_expected(w.pos));
            }
            self.cwd = path;
            return Ok(Out::default());
        };
        // `[find ...]` inside the arguments runs in the command's menu.
        let saved = std::mem::replace(&mut self.cwd, path.clone());
        let args = self.eval_args(st, &words[idx..]);
        self.cwd = saved;
        self.command(st, &path.join("/"), &command, args?)
    }

    pub(super) fn eval_args(
        &mut self,
        st: &mut Held<'_>,
        words: &[cli::Spanned],
    ) -> Result<Args, String> {
        let mut args = Args::default();
        for w in words {
            match &w.word {
                Word::Bare(b) => args.unnamed.push((b.clone(), w.pos)),
                Word::Value(v) => {
                    let text = self.eval_value(st, v)?;
                    args.unnamed.push((text, w.pos));
                }
                Word::Assign { key, value } => {
                    let text = self.eval_value(st, value)?;
                    args.named.push((key.clone(), text, w.pos));
                }
                Word::Where(c) => args.cond = Some(c.clone()),
                Word::Root | Word::Block(_) => return Err(end_expected(w.pos)),
            }
        }
        Ok(args)
    }

    pub(super) fn eval_value(&mut self, st: &mut Held<'_>, v: &Value) -> Result<String, String> {
        let mut out = String::new();
        for p in &v.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Var(name) => {
                    out.push_str(self.vars.get(name).map(String::as_str).unwrap_or(""))
                }
                Part::Subst(cmds) => {
                    let mut last = String::new();
                    for c in cmds {
                        last = self.run(st, c)?.value;
                    }
                    out.push_str(&last);
                }
                Part::Expr(e) => out.push_str(&self.eval_expr(st, e)?),
                Part::Block(_) => {}
            }
            super::script::bounded(&out)?;
        }
        Ok(out)
    }

    fn command(
        &mut self,
        st: &mut Held<'_>,
        path: &str,
        cmd: &str,
        mut args: Args,
    ) -> Result<Out, String> {
        let actor = self.actor(st);
        if path.is_empty() || st.is_dir(path) {
            return match cmd {
                "export" => self.export(st, path, args),
                "import" => self.import(st, args),
                "password" => self.password(st, args),
                "quit" => Ok(Out::default()),
                _ => Err(format!("bad command name {cmd}")),
            };
        }
        let def = st
            .def(path)
            .cloned()
            .ok_or_else(|| format!("bad command name {cmd}"))?;
        let res = match cmd {
            "print" => return self.print(st, &def, args),
            "export" => return self.export(st, path, args),
            "find" => {
                let ids = self.select(st, &def, &mut args)?;
                args.finish()?;
                let v: Vec<String> = ids.iter().map(|i| format_id(*i)).collect();
                return Ok(Out::value(v.join(";")));
            }
            "get" => return self.get(st, &def, args),
            "set" => {
                let ids = if def.is_list() {
                    self.numbers(st, &def, &mut args)?
                } else {
                    Vec::new()
                };
                let props = named(&args);
                st.set(&actor, path, &ids, &props)
            }
            "add" => {
                if let Some(i) = args.named.iter().position(|(k, _, _)| k == "place-before") {
                    let id = self.resolve_one(st, &def, &args.named[i].1.clone())?;
                    args.named[i].1 = format_id(id);
                }
                let props = named(&args);
                return match st.add(&actor, path, &props) {
                    Ok(id) => Ok(Out::value(format_id(id))),
                    Err(e) => Err(render(e, &args)),
                };
            }
            "remove" => {
                let ids = self.numbers(st, &def, &mut args)?;
                args.finish()?;
                st.remove(&actor, path, &ids)
            }
            "enable" | "disable" => {
                let ids = self.numbers(st, &def, &mut args)?;
                args.finish()?;
                let v = if cmd == "disable" { "yes" } else { "no" };
                st.set(&actor, path, &ids, &[("disabled".into(), v.into())])
            }
            "comment" => {
                let ids = self.numbers(st, &def, &mut args)?;
                let text = args
                    .take("comment")
                    .or_else(|| (!args.unnamed.is_empty()).then(|| args.unnamed.remove(0).0));
                args.finish()?;
                st.set(
                    &actor,
                    path,
                    &ids,
                    &[("comment".into(), text.unwrap_or_default())],
                )
            }
            "move" => {
                let ids = self.numbers(st, &def, &mut args)?;
                let dest = match args
                    .take("destination")
                    .or_else(|| args.unnamed.first().map(|u| u.0.clone()))
                {
                    Some(d) => {
                        args.unnamed.clear();
                        Some(self.resolve_one(st, &def, &d)?)
                    }
                    None => None,
                };
                args.finish()?;
                st.move_items(&actor, path, &ids, dest)
            }
            "reset-counters" => {
                let _ = self.numbers(st, &def, &mut args)?;
                Ok(())
            }
            "check-for-updates" | "download" | "install" | "cancel" => {
                let once = args.flag("once");
                args.flag("without-paging");
                args.finish()?;
                let r = match cmd {
                    "check-for-updates" => update::check(st, &actor, once),
                    "download" => update::download(st, &actor),
                    "install" => update::install(st, &actor),
                    _ => Ok(()),
                };
                return match r {
                    Ok(()) if cmd == "cancel" => Ok(Out::default()),
                    Ok(()) => Ok(Out::text(print::single(&self.single_props(st, &def)))),
                    Err(e) => Err(render(e, &args)),
                };
            }
            "update" if def.path == super::device_mode::PATH => {
                if let Some((_, pos)) = args.unnamed.first() {
                    return Err(end_expected(*pos));
                }
                let props = named(&args);
                return match super::device_mode::update(st, &actor, &props) {
                    Ok(line) => Ok(Out::text(format!("{line}\n"))),
                    Err(e) => Err(render(e, &args)),
                };
            }
            other => return Err(format!("bad command name {other}")),
        };
        res.map(|()| Out::default()).map_err(|e| render(e, &args))
    }

    fn numbers(&mut self, st: &State, def: &MenuDef, args: &mut Args) -> Result<Vec<u32>, String> {
        let text = match args.take("numbers") {
            Some(n) => n,
            None => {
                if args.unnamed.is_empty() {
                    return Err("missing value(s) of argument(s) numbers".into());
                }
                args.unnamed.remove(0).0
            }
        };
        let mut ids = Vec::new();
        for tok in text.split([',', ';']).filter(|t| !t.is_empty()) {
            let id = self.resolve_one(st, def, tok)?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    fn resolve_one(&mut self, st: &State, def: &MenuDef, tok: &str) -> Result<u32, String> {
        if tok.chars().all(|c| c.is_ascii_digit()) {
            let n: usize = tok.parse().map_err(|_| "no such item".to_string())?;
            let order = match self.numbering.get(def.path) {
                Some(o) => o.clone(),
                None => order(st, def).iter().map(|i| i.id).collect(),
            };
            return order
                .get(n)
                .copied()
                .ok_or_else(|| "no such item".to_string());
        }
        st.resolve(def.path, tok).map_err(|e| e.message)
    }

    /// Items chosen by `where` or by `name=value` filters (find).
    fn select(
        &mut self,
        st: &mut Held<'_>,
        def: &MenuDef,
        args: &mut Args,
    ) -> Result<Vec<u32>, String> {
        let cond = args.cond.take();
        let filters: Vec<(String, String)> = std::mem::take(&mut args.named)
            .into_iter()
            .map(|(k, v, _)| (k, v))
            .collect();
        let items = order(st, def);
        let mut ids = Vec::new();
        for item in &items {
            let ok_filters = filters
                .iter()
                .all(|(k, v)| query::compare(item.get(k).unwrap_or(""), cli::CmpOp::Eq, v));
            if ok_filters && self.cond_holds(st, cond.as_ref(), item)? {
                ids.push(item.id);
            }
        }
        Ok(ids)
    }

    fn cond_holds(
        &mut self,
        st: &mut Held<'_>,
        cond: Option<&Cond>,
        item: &Item,
    ) -> Result<bool, String> {
        let Some(c) = cond else {
            return Ok(true);
        };
        // Values are evaluated up front (they may run commands), then compared.
        let mut cache: Vec<(Value, String)> = Vec::new();
        collect_values(c, &mut cache);
        for entry in &mut cache {
            entry.1 = self.eval_value(st, &entry.0)?;
        }
        let lookup = |v: &Value| {
            cache
                .iter()
                .find(|(k, _)| k == v)
                .map(|(_, t)| t.clone())
                .unwrap_or_default()
        };
        Ok(query::eval(c, item, &lookup))
    }

    fn get(&mut self, st: &mut Held<'_>, def: &MenuDef, mut args: Args) -> Result<Out, String> {
        let item = if def.is_list() {
            let n = args
                .take("number")
                .or_else(|| (!args.unnamed.is_empty()).then(|| args.unnamed.remove(0).0))
                .ok_or_else(|| "missing value(s) of argument(s) number".to_string())?;
            let id = self.resolve_one(st, def, &n)?;
            st.items(def.path).into_iter().find(|i| i.id == id)
        } else {
            st.items(def.path).into_iter().next()
        }
        .ok_or_else(|| "no such item".to_string())?;
        let name = args
            .take("value-name")
            .or_else(|| (!args.unnamed.is_empty()).then(|| args.unnamed.remove(0).0));
        args.finish()?;
        let Some(name) = name else {
            let props = st.api_props(def, &item);
            return Ok(Out::value(print::as_value(&[props]).trim_end().to_string()));
        };
        let prop = def
            .prop(&name)
            .filter(|p| !p.secret)
            .ok_or_else(|| "input does not match any value of value-name".to_string())?;
        let v = item.get(&name).unwrap_or("");
        let v = if prop.ty == Ty::Bool {
            api_bool(v)
        } else {
            v.to_string()
        };
        Ok(Out::value(v))
    }

    fn password(&mut self, st: &mut Held<'_>, mut args: Args) -> Result<Out, String> {
        let old = args.take("old-password");
        let new = args.take("new-password");
        let confirm = args.take("confirm-new-password");
        args.finish()?;
        let (Some(old), Some(new), Some(confirm)) = (old, new, confirm) else {
            return Err(
                "missing value(s) of argument(s) old-password, new-password, confirm-new-password"
                    .into(),
            );
        };
        if !st.password_matches(&self.session.user, &old) {
            return Err("failure: old password is not valid".into());
        }
        if new != confirm {
            return Err("failure: new passwords do not match".into());
        }
        st.set_password(&self.session.user, &new)
            .map_err(|e| e.message)?;
        Ok(Out::default())
    }

    fn export(&mut self, st: &mut Held<'_>, path: &str, mut args: Args) -> Result<Out, String> {
        let terse = args.flag("terse");
        let verbose = args.flag("verbose");
        let _ = args.flag("compact");
        let hide = args.flag("hide-sensitive");
        // v6 has no `show-sensitive`: left over, it is the end-of-command error.
        let show = st.ver.v7() && args.flag("show-sensitive");
        if args.take("file").is_some() {
            return Err("failure: file store is not available".into());
        }
        args.finish()?;
        let opts = export::Options {
            terse,
            verbose,
            hide_sensitive: if st.ver.v7() { !show } else { hide },
            width: Some(usize::from(self.opts.width)),
        };
        Ok(Out::text(export::export(st, path, opts)))
    }

    // ---- print ----

    fn print(&mut self, st: &mut Held<'_>, def: &MenuDef, mut args: Args) -> Result<Out, String> {
        let actor = self.actor(st);
        if !actor.may("read") {
            return Err(ExecError::permission().message);
        }
        let detail = args.flag("detail");
        let terse = args.flag("terse");
        let as_value = args.flag("as-value");
        let count_only = args.flag("count-only");
        let value_list = args.flag("value-list");
        for f in ["without-paging", "brief", "all", "follow", "follow-only"] {
            args.flag(f);
        }
        let proplist = args.take("proplist").or_else(|| args.take(".proplist"));
        if let Some(p) = args.pos_of_named("file") {
            return Err(end_expected(p));
        }
        if def.kind == Kind::Single {
            args.finish()?;
            let props = self.single_props(st, def);
            let props = filter_props(props, proplist.as_deref());
            if as_value {
                return Ok(Out::value(print::as_value(&[props]).trim_end().to_string()));
            }
            return Ok(Out::text(print::single(&props)));
        }
        let cond = args.cond.take();
        args.finish()?;
        let all = order(st, def);
        self.numbering
            .insert(def.path.to_string(), all.iter().map(|i| i.id).collect());
        let mut rows = Vec::new();
        for (n, item) in all.iter().enumerate() {
            if self.cond_holds(st, cond.as_ref(), item)? {
                rows.push((n, item.clone()));
            }
        }
        if count_only {
            return Ok(Out {
                text: format!("{}\n", rows.len()),
                value: rows.len().to_string(),
            });
        }
        if as_value {
            let recs: Vec<Vec<(String, String)>> = rows
                .iter()
                .map(|(_, i)| filter_props(st.api_props(def, i), proplist.as_deref()))
                .collect();
            return Ok(Out::value(print::as_value(&recs).trim_end().to_string()));
        }
        let style = if st.ver.v7() { Style::V7 } else { Style::V6 };
        // `/log print` is its own layout (time, topics, message on one line); `detail` and
        // `terse` print the records as every menu does.
        if value_list && !detail && !terse {
            let recs: Vec<Vec<(String, String)>> = rows
                .iter()
                .map(|(_, i)| {
                    let r = record(def, &[], 0, i, proplist.as_deref(), true);
                    r.props
                        .into_iter()
                        .map(|(k, v)| (k, v.text().to_string()))
                        .collect()
                })
                .collect();
            return Ok(Out::text(print::value_list(&recs)));
        }
        if def.path == "log" && !detail && !terse {
            return Ok(Out::text(log_lines(&rows)));
        }
        let positional = style == Style::V6 && def.v6_flag_positions;
        let groups = if positional {
            flag_positions(def)
        } else {
            used_groups(def, rows.iter().map(|(_, i)| i))
        };
        let width = self.opts.width.max(20) as usize;
        if detail || terse {
            let recs: Vec<print::Record> = rows
                .iter()
                .map(|(n, i)| {
                    let mut r = record(def, &groups, *n, i, proplist.as_deref(), true);
                    if positional {
                        // Every position kept, even the trailing free ones
                        // ([cli:interface_print_terse_without-paging__2.raw]: ` 0  R  comment=`).
                        r.flags = format!("{:<w$}", r.flags, w = groups.len());
                    }
                    r
                })
                .collect();
            let text = if terse {
                print::terse(&recs)
            } else {
                print::detail(style, &legend_lower(def), &recs, width)
            };
            return Ok(Out::text(text));
        }
        let text = match def.form {
            PrintForm::Records => {
                let recs: Vec<print::Record> = rows
                    .iter()
                    .map(|(n, i)| record(def, &groups, *n, i, proplist.as_deref(), false))
                    .collect();
                print::detail(style, &legend_lower(def), &recs, width)
            }
            _ => print::table(
                style,
                &table(def, style, &rows, st.ver, proplist.as_deref()),
            ),
        };
        Ok(Out::text(text))
    }

    /// A settings menu as `key: value` pairs (CLI form, units for `/system resource`).
    fn single_props(&self, st: &State, def: &MenuDef) -> Vec<(String, String)> {
        let Some(item) = st.items(def.path).into_iter().next() else {
            return Vec::new();
        };
        def.props
            .iter()
            .filter(|p| !p.secret)
            .filter_map(|p| {
                item.get(p.name)
                    .map(|v| (p.name.to_string(), cli_unit(def.path, p.name, v)))
            })
            .collect()
    }
}

impl Terminal {
    /// `/import file-name=X [verbose=yes]`: runs the stored file's commands from the root menu,
    /// stops at the first error and prints it with its place in the file (FIDELITY.md, "/import").
    fn import(&mut self, st: &mut Held<'_>, mut args: Args) -> Result<Out, String> {
        let named = args.take("file-name");
        let verbose = args.take("verbose");
        let _ = args.take("dry-run");
        let name = match named {
            Some(n) => n,
            None => args.flag_value(),
        };
        args.finish()?;
        if name.is_empty() {
            return Err("missing value(s) of argument(s) file-name".into());
        }
        let verbose = match verbose.as_deref() {
            None | Some("no") => false,
            Some("yes") => true,
            Some(_) => return Err("value of verbose must be yes or no".into()),
        };
        let Some(text) = st.file_contents(&name) else {
            return Err("failure: no such file".into());
        };
        if self.imports >= MAX_IMPORT_DEPTH {
            return Err("failure: too many nested imports".into());
        }
        let text = text.replace("\r\n", "\n");
        let (script, error) = match cli::parse(&text) {
            Ok(s) => (s, None),
            // verbose=yes reads the file line by line: the lines before the error run.
            Err(e) if verbose => {
                let before: String = text
                    .split_inclusive('\n')
                    .take(e.pos().line.saturating_sub(1))
                    .collect();
                (cli::parse(&before).unwrap_or_default(), Some(e.to_string()))
            }
            Err(e) => (Vec::new(), Some(e.to_string())),
        };
        let saved = std::mem::take(&mut self.cwd);
        self.imports += 1;
        let mut out = Out::default();
        let mut failed = None;
        for cmd in &script {
            let done = self
                .run(st, cmd)
                .and_then(|o| super::script::append(&mut out.text, &o.text));
            if let Err(e) = done {
                failed = Some(at_line(e, cmd.pos));
                break;
            }
        }
        self.imports -= 1;
        self.cwd = saved;
        // A failed import is the command's error (a script's `on-error` catches it), after what
        // the file's commands printed.
        if let Some(e) = failed.or(error) {
            return Err(format!("{}{e}", out.text));
        }
        out.text.push_str(IMPORT_DONE);
        out.text.push('\n');
        Ok(out)
    }
}

/// An imported command's error with its place in the file: errors the parser or the dispatcher
/// placed keep their `(line L column C)`; others get the command's (ASSUMPTION).
fn at_line(e: String, pos: Pos) -> String {
    if e.ends_with(')') && e.contains("(line ") {
        e
    } else {
        format!("{e} (line {} column {})", pos.line, pos.column)
    }
}

impl Args {
    pub(super) fn flag_value(&mut self) -> String {
        if self.unnamed.is_empty() {
            String::new()
        } else {
            self.unnamed.remove(0).0
        }
    }
}

fn join(path: &[String], seg: &str) -> String {
    if path.is_empty() {
        seg.to_string()
    } else {
        format!("{}/{seg}", path.join("/"))
    }
}

fn is_command(st: &State, path: &[String], seg: &str) -> bool {
    let p = path.join("/");
    if p.is_empty() {
        return ROOT_COMMANDS.contains(&seg);
    }
    if st.is_dir(&p) {
        return seg == "export";
    }
    st.def(&p).is_some_and(|d| d.command_names().contains(&seg))
}

fn named(args: &Args) -> Vec<(String, String)> {
    args.named
        .iter()
        .map(|(k, v, _)| (k.clone(), v.clone()))
        .collect()
}

/// An error in the terminal's words (unknown parameters point at their column).
fn render(e: ExecError, args: &Args) -> String {
    match &e.kind {
        ErrKind::UnknownParam(name) => match args.pos_of_named(name) {
            Some(p) => end_expected(p),
            None => e.message,
        },
        _ => e.message,
    }
}

fn collect_values(c: &Cond, out: &mut Vec<(Value, String)>) {
    match c {
        Cond::Prop(_) => {}
        Cond::Cmp { value, .. } => {
            if !out.iter().any(|(v, _)| v == value) {
                out.push((value.clone(), String::new()));
            }
        }
        Cond::Not(a) => collect_values(a, out),
        Cond::And(a, b) | Cond::Or(a, b) => {
            collect_values(a, out);
            collect_values(b, out);
        }
    }
}
