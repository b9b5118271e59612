//! RouterOS `print` output: tables (v6 and v7), `detail`, `terse`, single-value menus, `value-list`
//! and `as-value`.
//!
//! Everything returns text whose lines end with `"\n"`; terminal front ends convert to `"\r\n"`.
//! The caller decides what a menu shows (columns, flags, legend wording); this module owns the
//! layout rules (FACTS §5):
//!
//! * v7 tables: optional `Flags:` legend (only the flag groups that occur on a row), a
//!   `Columns:` line, a header whose `#` is right-aligned to the widest index, a flag column as
//!   wide as the most flags, cells joined by 2 spaces, each column as wide as
//!   max(header, longest value, [`Column::width`]), numbers right-aligned, the values of the last
//!   column padded with trailing spaces to the longest value (the header to the full width); `;;; comment` on its own line at column 0 before the row; multi-line
//!   cells continue on following lines with blank index, flags and other cells.
//! * v6 tables: lower-case legend with every flag, no `Columns:` line, the index at least 2 wide,
//!   fixed column widths from [`Column::width`] joined by 1 space (a longer value pushes the rest
//!   of the line right), a number column's header right-aligned like its values, a last column
//!   padded only when it has a fixed width; `;;; comment`
//!   follows the index and flags and the data continue on the next line, indented to the data column.
//! * detail: ` N FL key=value …` wrapped at the terminal width, strings quoted.
//! * terse: one line per record, `comment=` first, nothing quoted.
//!
//! Reproduced byte for byte by `routeros/tests/print_corpus.rs` (read from the capture corpus, `corpus/cli`
//! or `$CHRLAB_CORPUS/cli`; prompt and echo lines excluded; the `manual/` and `other/` captures are not
//! redistributable and run only against the full corpus):
//! * v7 tables: `other/ip_service_print__chr-7.9.2_fresh__blog.txt` (both tables),
//!   `manual/ip_service_print_where_not_dynamic__v7.2x.txt`, `manual/user_print__v7.2x.txt`,
//!   `manual/system_package_print__7.24beta1.txt`, `manual/file_print_and_reboot__v7.9.txt` (table);
//! * v6 tables: `ip_address_print__1.raw`, `ip_address_print__3.raw`, `user_active_print__1.raw`,
//!   `interface_ethernet_print__1.raw`, `ip_dhcp-server_lease_print__1.raw`; with each line's
//!   trailing spaces dropped (TextFSM fixtures saved trimmed): `interface_print_brief__1.raw`,
//!   `ip_arp_print__1.raw`;
//! * detail: `ansible/facts/ip_address_print_detail_without-paging.raw`,
//!   `ansible/facts/ip_route_print_detail_without-paging.raw`,
//!   `ansible/facts/interface_print_detail_without-paging.raw` (v6, 80 columns),
//!   `interface_print_detail__2.raw` (v7), `ip_neighbor_print_detail__3.raw`;
//! * terse: `interface_print_terse_without-paging__1.raw`, `interface_print_terse_without-paging__2.raw`;
//! * colour (v6): the package table of `ansible/system_package_print.raw`;
//! * single-value: `system_resource_print__1.raw`, `system_identity_print__1.raw`,
//!   `system_clock_print__1.raw`, the routerboard and identity blocks of `ansible/system_package_print.raw`.
//!
//! Quirks the caller reproduces with knobs rather than rules: 7.9.2's legend `Flags: X, I - INVALID`
//! ([`Table::legend`]), 7.24beta1 sizing columns by packages it does not list ([`Column::width`]),
//! last headers padded differently from their values ([`Column::header_width`]), 7.9's empty flag
//! column on `/file/print` ([`Table::flags_width`]).

use std::fmt::Write as _;

/// Which dialect of the print layout to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Style {
    /// RouterOS 6.x.
    V6,
    /// RouterOS 7.x.
    #[default]
    V7,
}

/// Horizontal alignment of a column's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Align {
    /// Text (names, addresses).
    #[default]
    Left,
    /// Numbers.
    Right,
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Column {
    /// Header text, e.g. "NAME" (upper case in both dialects).
    pub header: String,
    /// Alignment of the values; v6 aligns the header the same way, v7 always left-aligns it.
    pub align: Align,
    /// v7: minimum width (RouterOS sometimes sizes a column by rows it does not show);
    /// v6: the menu's fixed width. `None`: as wide as the header and the longest value.
    pub width: Option<usize>,
    /// Width the header cell is padded to when it differs from the data width (seen on the last
    /// column of `/system/package/print` in 7.24beta1 and `/file/print` in 7.9).
    pub header_width: Option<usize>,
}

impl Column {
    /// A left-aligned column.
    pub fn left(header: impl Into<String>) -> Column {
        Column {
            header: header.into(),
            ..Column::default()
        }
    }

    /// A right-aligned (numeric) column.
    pub fn right(header: impl Into<String>) -> Column {
        Column {
            header: header.into(),
            align: Align::Right,
            ..Column::default()
        }
    }

    /// Sets [`Column::width`].
    pub fn width(mut self, width: usize) -> Column {
        self.width = Some(width);
        self
    }

    /// Sets [`Column::header_width`].
    pub fn header_width(mut self, width: usize) -> Column {
        self.header_width = Some(width);
        self
    }
}

/// One table row.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Row {
    /// The row number shown in the `#` column.
    pub index: usize,
    /// Flag letters by position, e.g. "X", "XA", " R" (a space keeps a position free).
    pub flags: String,
    /// Comment, shown as `;;; text`.
    pub comment: Option<String>,
    /// One entry per column; each cell is its lines (usually one; a list value has several).
    pub cells: Vec<Vec<String>>,
}

impl Row {
    /// A row of one-line cells.
    pub fn new<S: Into<String>>(
        index: usize,
        flags: impl Into<String>,
        cells: impl IntoIterator<Item = S>,
    ) -> Row {
        Row {
            index,
            flags: flags.into(),
            comment: None,
            cells: cells.into_iter().map(|c| vec![c.into()]).collect(),
        }
    }

    /// Sets the comment.
    pub fn comment(mut self, comment: impl Into<String>) -> Row {
        self.comment = Some(comment.into());
        self
    }
}

/// A table to print.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    /// Every flag the menu knows, in legend order, with its legend word as the version prints it
    /// ("DISABLED" in v7 tables, "disabled" in v6 and in v7 detail).
    pub flags_legend: Vec<(char, &'static str)>,
    /// The columns, in order.
    pub columns: Vec<Column>,
    /// The rows, in order.
    pub rows: Vec<Row>,
    /// The whole legend line instead of one built from `flags_legend` (e.g. 7.9.2's
    /// `"Flags: X, I - INVALID"`; build grouped ones with [`legend`]). `Some("")`: no legend line.
    pub legend: Option<String>,
    /// Forces a flag column at least this wide even when no row has a flag (`Some(0)` gives the
    /// empty flag column of 7.9's `/file/print`; v6 menus have fixed flag widths).
    pub flags_width: Option<usize>,
}

/// A value in a detail/terse record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A string: quoted in detail (`name="ether1"`), bare in terse.
    Str(String),
    /// A number: never quoted.
    Num(String),
    /// Never quoted: yes/no, enums, addresses, durations, dates.
    Bare(String),
}

impl Value {
    /// The value's text, unquoted.
    pub fn text(&self) -> &str {
        match self {
            Value::Str(s) | Value::Num(s) | Value::Bare(s) => s,
        }
    }
}

/// One record for `detail` and `terse`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record {
    /// The row number.
    pub index: usize,
    /// Flag letters by position (see [`Row::flags`]).
    pub flags: String,
    /// Comment.
    pub comment: Option<String>,
    /// Properties in print order.
    pub props: Vec<(String, Value)>,
}

/// Extra knobs for [`detail_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailOptions {
    /// Whole legend line(s) instead of one built from the flags (v6 `/ip route` prints three).
    /// `Some("")`: no legend.
    pub legend: Option<String>,
    /// Flag column width (the number of flag positions of the menu); `None`: the widest flags.
    pub flags_width: Option<usize>,
    /// A blank line between records (most menus; v6.42 `/interface` did not).
    pub separate: bool,
}

impl Default for DetailOptions {
    fn default() -> Self {
        DetailOptions {
            legend: None,
            flags_width: None,
            separate: true,
        }
    }
}

fn width_of(s: &str) -> usize {
    s.chars().count()
}

fn push_padded(out: &mut String, s: &str, width: usize, align: Align) {
    let pad = width.saturating_sub(width_of(s));
    match align {
        Align::Left => {
            out.push_str(s);
            out.extend(std::iter::repeat_n(' ', pad));
        }
        Align::Right => {
            out.extend(std::iter::repeat_n(' ', pad));
            out.push_str(s);
        }
    }
}

fn spaces(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn digits(n: usize) -> usize {
    n.to_string().len()
}

/// Builds a legend line from flag groups: flags of one group (mutually exclusive, sharing a
/// position) are joined by ", ", groups by "; " in v7 and ", " in v6.
///
/// ```
/// use routeros::print::{legend, Style};
/// assert_eq!(legend(Style::V7, &[&[('X', "DISABLED")], &[('A', "AVAILABLE")]]),
///            "Flags: X - DISABLED; A - AVAILABLE");
/// ```
pub fn legend(style: Style, groups: &[&[(char, &str)]]) -> String {
    let group_sep = match style {
        Style::V6 => ", ",
        Style::V7 => "; ",
    };
    let text = groups
        .iter()
        .filter(|g| !g.is_empty())
        .map(|g| {
            g.iter()
                .map(|(c, w)| format!("{c} - {w}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect::<Vec<_>>()
        .join(group_sep);
    format!("Flags: {text}")
}

/// Groups a flat legend: `X` shares its position (and group) with an `I` (invalid) or `R`
/// (running) right after it; every other flag is its own group.
fn default_groups<'a>(entries: &[(char, &'a str)]) -> Vec<Vec<(char, &'a str)>> {
    let mut groups: Vec<Vec<(char, &'a str)>> = Vec::new();
    for &(c, w) in entries {
        let joins =
            matches!(c, 'I' | 'R') && groups.last().is_some_and(|g| g.len() == 1 && g[0].0 == 'X');
        match groups.last_mut() {
            Some(g) if joins => g.push((c, w)),
            _ => groups.push(vec![(c, w)]),
        }
    }
    groups
}

fn legend_line(style: Style, entries: &[(char, &str)], shown: impl Fn(char) -> bool) -> String {
    let groups: Vec<Vec<(char, &str)>> = default_groups(entries)
        .into_iter()
        .filter(|g| g.iter().any(|(c, _)| shown(*c)))
        .collect();
    if groups.is_empty() {
        return String::new();
    }
    let refs: Vec<&[(char, &str)]> = groups.iter().map(Vec::as_slice).collect();
    legend(style, &refs)
}

/// Resets attributes then turns bold on, as RouterOS does before a header.
const BOLD: &str = "\x1b[m\x1b[1m";
/// Resets attributes.
const RESET: &str = "\x1b[m";

/// Makes every flag letter of a legend bold: a single character at the start of an entry
/// (after "Flags: ", ", ", "; " or a line start) followed by " - ".
fn bold_legend_letters(legend: &str) -> String {
    let mut out = String::with_capacity(legend.len() + 32);
    for (i, c) in legend.char_indices() {
        let before = &legend[..i];
        let after = &legend[i + c.len_utf8()..];
        let at_entry = before.is_empty()
            || before.ends_with('\n')
            || before.ends_with("Flags: ")
            || before.ends_with(", ")
            || before.ends_with("; ");
        if at_entry && after.starts_with(" - ") && !c.is_whitespace() {
            out.push_str(BOLD);
            out.push(c);
            out.push_str(RESET);
        } else {
            out.push(c);
        }
    }
    out
}

fn push_line(out: &mut String, line: &str) {
    if !line.is_empty() {
        out.push_str(line);
        out.push('\n');
    }
}

/// Renders a table as `print` shows it.
///
/// A v7 table without rows prints nothing; a v6 one prints its legend and header
/// (UNVERIFIED: no capture of an empty print).
pub fn table(style: Style, t: &Table) -> String {
    table_with(style, t, false)
}

/// [`table`], optionally with the terminal's colour codes: flag letters of the legend and the
/// header line in bold (`ESC[m ESC[1m`), reset (`ESC[m`) at the start of the next line
/// ([cli:ansible/system_package_print.raw], v6; the v7 colouring is UNVERIFIED and assumed the same).
pub fn table_with(style: Style, t: &Table, color: bool) -> String {
    let mut out = String::new();
    if style == Style::V7 && t.rows.is_empty() {
        return out;
    }
    let used: Vec<char> = t
        .rows
        .iter()
        .flat_map(|r| r.flags.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    let max_flags = t.rows.iter().map(|r| width_of(&r.flags)).max().unwrap_or(0);
    let max_index = t.rows.iter().map(|r| r.index).max().unwrap_or(0);

    // Legend.
    let legend_text = match (&t.legend, style) {
        (Some(l), _) => l.clone(),
        (None, Style::V7) => legend_line(style, &t.flags_legend, |c| used.contains(&c)),
        (None, Style::V6) => legend_line(style, &t.flags_legend, |_| true),
    };
    if color {
        push_line(&mut out, &bold_legend_letters(&legend_text));
    } else {
        push_line(&mut out, &legend_text);
    }
    if style == Style::V7 && !t.columns.is_empty() {
        let names: Vec<&str> = t.columns.iter().map(|c| c.header.as_str()).collect();
        let _ = writeln!(out, "Columns: {}", names.join(", "));
    }

    // Layout.
    let (index_width, gap) = match style {
        Style::V7 => (digits(max_index).max(1), "  "),
        Style::V6 => (digits(max_index).max(2), " "),
    };
    let has_flag_column = match style {
        Style::V7 => t.flags_width.is_some() || !used.is_empty(),
        Style::V6 => {
            t.flags_width.is_some()
                || !used.is_empty()
                || !t.flags_legend.is_empty()
                || t.legend.as_deref().is_some_and(|l| !l.is_empty())
        }
    };
    let flags_width = match (style, t.flags_width) {
        // v6 menus have a fixed flag width; more flags push the row right.
        (Style::V6, Some(w)) => w,
        (Style::V7, Some(w)) => w.max(max_flags),
        (Style::V6, None) => max_flags.max(1),
        (Style::V7, None) => max_flags,
    };
    // Per column: the widest value, and the full width (with the header and `Column::width`).
    let value_widths: Vec<usize> = (0..t.columns.len())
        .map(|i| {
            t.rows
                .iter()
                .filter_map(|r| r.cells.get(i))
                .flat_map(|cell| cell.iter().map(|l| width_of(l)))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let widths: Vec<usize> = t
        .columns
        .iter()
        .zip(&value_widths)
        .map(|(c, &v)| {
            let natural = v.max(width_of(&c.header));
            match (style, c.width) {
                (Style::V7, Some(w)) => natural.max(w),
                (Style::V6, Some(w)) => w,
                (_, None) => natural,
            }
        })
        .collect();
    let last = t.columns.len().saturating_sub(1);
    let cell_width = |i: usize, header: bool| -> usize {
        let c = &t.columns[i];
        if header && let Some(h) = c.header_width {
            return h;
        }
        if i != last || c.align == Align::Right {
            return widths[i];
        }
        match (style, header) {
            // v6 pads a fixed-width last column and leaves a free one unpadded.
            (Style::V6, _) => c.width.unwrap_or(0),
            (Style::V7, true) => widths[i],
            // v7 pads the last column's values to the widest value, not to the header.
            (Style::V7, false) => value_widths[i].max(c.width.unwrap_or(0)),
        }
    };
    let prefix_width = index_width + 1 + if has_flag_column { flags_width + 1 } else { 0 };

    // Header.
    let mut line = String::new();
    if color {
        line.push_str(BOLD);
    }
    push_padded(&mut line, "#", index_width, Align::Right);
    line.push(' ');
    if has_flag_column {
        spaces(&mut line, flags_width + 1);
    }
    for (i, c) in t.columns.iter().enumerate() {
        if i > 0 {
            line.push_str(gap);
        }
        // v6 right-aligns a number column's header over its values; v7 left-aligns every header.
        let align = match style {
            Style::V6 => c.align,
            Style::V7 => Align::Left,
        };
        push_padded(&mut line, &c.header, cell_width(i, true), align);
    }
    if t.columns.is_empty() {
        line.truncate(line.trim_end().len());
    }
    out.push_str(&line);
    out.push('\n');
    let mut reset = color;
    if reset && t.rows.is_empty() {
        out.push_str(RESET);
    }

    // Rows.
    for r in &t.rows {
        let mut head = String::new();
        push_padded(&mut head, &r.index.to_string(), index_width, Align::Right);
        head.push(' ');
        if has_flag_column {
            push_padded(&mut head, &r.flags, flags_width, Align::Left);
            head.push(' ');
        }
        let mut first_prefix = Some(head);
        if let Some(comment) = &r.comment {
            if std::mem::take(&mut reset) {
                out.push_str(RESET);
            }
            match style {
                Style::V7 => {
                    let _ = writeln!(out, ";;; {comment}");
                }
                Style::V6 => {
                    let head = first_prefix.take().unwrap_or_default();
                    let _ = writeln!(out, "{head};;; {comment}");
                }
            }
        }
        let nlines = r.cells.iter().map(Vec::len).max().unwrap_or(0).max(1);
        for k in 0..nlines {
            let mut line = String::new();
            if std::mem::take(&mut reset) {
                line.push_str(RESET);
            }
            match first_prefix.take() {
                Some(h) => line.push_str(&h),
                None => spaces(&mut line, prefix_width),
            }
            for (i, c) in t.columns.iter().enumerate() {
                if i > 0 {
                    line.push_str(gap);
                }
                let text = r
                    .cells
                    .get(i)
                    .and_then(|cell| cell.get(k))
                    .map_or("", String::as_str);
                push_padded(&mut line, text, cell_width(i, false), c.align);
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// Quotes a string value the way `print detail` displays it (only `"` and `\` escaped, as in the
/// captures). This is display output, not input: a value written into a script or an `/export`
/// goes through [`crate::quote`], which also escapes `$`, `?` and control characters.
pub fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for ch in s.chars() {
        if matches!(ch, '"' | '\\') {
            q.push('\\');
        }
        q.push(ch);
    }
    q.push('"');
    q
}

/// Renders records as `print detail` shows them, wrapped at `width` columns.
pub fn detail(
    style: Style,
    flags_legend: &[(char, &str)],
    records: &[Record],
    width: usize,
) -> String {
    detail_with(
        style,
        flags_legend,
        records,
        width,
        &DetailOptions::default(),
    )
}

/// [`detail`] with the extra knobs of [`DetailOptions`].
///
/// Wrapping: a property moves to the next line when the line, counted without the quotes of
/// string values, would exceed `width` (INFERENCE from the v6 captures, which wrap at 80).
pub fn detail_with(
    style: Style,
    flags_legend: &[(char, &str)],
    records: &[Record],
    width: usize,
    opts: &DetailOptions,
) -> String {
    let mut out = String::new();
    let legend_text = match &opts.legend {
        Some(l) => l.clone(),
        None => legend_line(style, flags_legend, |_| true),
    };
    push_line(&mut out, &legend_text);
    let max_flags = records
        .iter()
        .map(|r| width_of(&r.flags))
        .max()
        .unwrap_or(0);
    let has_flag_column = !legend_text.is_empty() || max_flags > 0 || opts.flags_width.is_some();
    let flags_width = opts.flags_width.unwrap_or(max_flags.max(1)).max(max_flags);
    let max_index = records.iter().map(|r| r.index).max().unwrap_or(0);
    let index_width = digits(max_index).max(2);
    let data_col = index_width + 1 + if has_flag_column { flags_width + 1 } else { 0 };

    for (n, r) in records.iter().enumerate() {
        if n > 0 && opts.separate {
            out.push('\n');
        }
        let mut line = String::new();
        push_padded(&mut line, &r.index.to_string(), index_width, Align::Right);
        line.push(' ');
        if has_flag_column {
            push_padded(&mut line, &r.flags, flags_width, Align::Left);
            line.push(' ');
        }
        if let Some(c) = &r.comment {
            let _ = writeln!(out, "{line};;; {c}");
            line = " ".repeat(data_col);
        }
        let mut measure = data_col;
        let mut first = true;
        for (key, value) in &r.props {
            let (text, quotes) = match value {
                Value::Str(s) => (quote(s), 2),
                Value::Num(s) | Value::Bare(s) => (s.clone(), 0),
            };
            let token = format!("{key}={text}");
            let m = width_of(&token) - quotes;
            if !first && measure + 1 + m > width {
                out.push_str(&line);
                out.push('\n');
                line = " ".repeat(data_col);
                measure = data_col;
                first = true;
            }
            if !first {
                line.push(' ');
                measure += 1;
            }
            line.push_str(&token);
            measure += m;
            first = false;
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Renders records as `print terse` shows them: one line each, `comment=` first, nothing quoted.
pub fn terse(records: &[Record]) -> String {
    let mut out = String::new();
    let max_flags = records
        .iter()
        .map(|r| width_of(&r.flags))
        .max()
        .unwrap_or(0);
    let max_index = records.iter().map(|r| r.index).max().unwrap_or(0);
    let index_width = digits(max_index).max(2);
    for r in records {
        push_padded(&mut out, &r.index.to_string(), index_width, Align::Right);
        out.push(' ');
        if max_flags > 0 {
            push_padded(&mut out, &r.flags, max_flags, Align::Left);
            out.push(' ');
        }
        let mut parts: Vec<String> = Vec::with_capacity(r.props.len() + 1);
        if let Some(c) = &r.comment {
            parts.push(format!("comment={c}"));
        }
        parts.extend(r.props.iter().map(|(k, v)| format!("{k}={}", v.text())));
        out.push_str(&parts.join(" "));
        out.push('\n');
    }
    out
}

/// Renders a single-value menu (`/system resource print`): `key: value`, keys right-aligned so
/// the longest has a 2-space indent.
pub fn single(props: &[(String, String)]) -> String {
    let w = props.iter().map(|(k, _)| width_of(k)).max().unwrap_or(0) + 2;
    let mut out = String::new();
    for (k, v) in props {
        push_padded(&mut out, k, w, Align::Right);
        out.push_str(": ");
        out.push_str(v);
        out.push('\n');
    }
    out
}

/// Renders records as `print value-list` shows them: one line per property, `key: ` right-aligned
/// as in [`single`], then each record's value, every record's column as wide as its longest value
/// and the columns joined by one space (**ASSUMPTION**: no capture of a list menu's value-list; a
/// settings menu's is [`single`]). A property a record lacks is an empty cell.
pub fn value_list(records: &[Vec<(String, String)>]) -> String {
    let mut keys: Vec<&str> = Vec::new();
    for r in records {
        for (k, _) in r {
            if !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
    }
    let value = |r: &Vec<(String, String)>, k: &str| {
        r.iter()
            .find(|(k2, _)| k2 == k)
            .map_or(String::new(), |(_, v)| v.clone())
    };
    let widths: Vec<usize> = records
        .iter()
        .map(|r| r.iter().map(|(_, v)| width_of(v)).max().unwrap_or(0))
        .collect();
    let w = keys.iter().map(|k| width_of(k)).max().unwrap_or(0) + 2;
    let mut out = String::new();
    for k in &keys {
        let mut line = String::new();
        push_padded(&mut line, k, w, Align::Right);
        line.push_str(": ");
        for (n, r) in records.iter().enumerate() {
            if n > 0 {
                line.push(' ');
            }
            push_padded(&mut line, &value(r, k), widths[n], Align::Left);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// What `:put [… print as-value]` prints: every `key=value` of every record joined by `;`.
pub fn as_value(records: &[Vec<(String, String)>]) -> String {
    let items: Vec<String> = records
        .iter()
        .flat_map(|r| r.iter().map(|(k, v)| format!("{k}={v}")))
        .collect();
    let mut out = items.join(";");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_inputs_do_not_panic() {
        for style in [Style::V6, Style::V7] {
            assert_eq!(detail(style, &[], &[], 80), "");
        }
        assert_eq!(table(Style::V7, &Table::default()), "");
        assert_eq!(table(Style::V6, &Table::default()), " #\n");
        assert_eq!(terse(&[]), "");
        assert_eq!(single(&[]), "");
        assert_eq!(as_value(&[]), "\n");
    }

    #[test]
    fn odd_rows_do_not_panic() {
        // More cells than columns, fewer cells, a cell wider than any terminal, zero width.
        let t = Table {
            columns: vec![Column::left("A"), Column::right("B").width(0)],
            rows: vec![
                Row::new(0, "", ["x".repeat(500), "1".into(), "extra".into()]),
                Row::new(12345, "XYZ", Vec::<String>::new()),
            ],
            ..Table::default()
        };
        for style in [Style::V6, Style::V7] {
            let s = table(style, &t);
            assert_eq!(s.lines().count(), 3 + usize::from(style == Style::V7));
        }
        let r = Record {
            index: 0,
            props: vec![("k".into(), Value::Str("x".repeat(300)))],
            ..Record::default()
        };
        let s = detail(Style::V7, &[], &[r], 0);
        assert!(s.contains(&"x".repeat(300)));
    }

    #[test]
    fn quoting() {
        assert_eq!(quote(r#"a "b" \c"#), r#""a \"b\" \\c""#);
    }

    #[test]
    fn default_legend_groups() {
        let entries = [('X', "DISABLED"), ('I', "INVALID"), ('D', "DYNAMIC")];
        assert_eq!(
            legend_line(Style::V7, &entries, |_| true),
            "Flags: X - DISABLED, I - INVALID; D - DYNAMIC"
        );
        assert_eq!(
            legend_line(Style::V7, &entries, |c| c == 'D'),
            "Flags: D - DYNAMIC"
        );
        assert_eq!(
            legend_line(Style::V6, &entries, |_| true),
            "Flags: X - DISABLED, I - INVALID, D - DYNAMIC"
        );
    }

    #[test]
    fn as_value_joins_records() {
        let recs = vec![
            vec![
                (".id".into(), "*1".into()),
                ("address".into(), "1.1.1.1/24".into()),
            ],
            vec![(".id".into(), "*2".into())],
        ];
        assert_eq!(as_value(&recs), ".id=*1;address=1.1.1.1/24;.id=*2\n");
    }
}
