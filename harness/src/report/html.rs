use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::outcome::{CheckResult, Outcome, RunReport, Severity, rfc3339};
use crate::probe::{PortState, ProbeMatrix};

/// The report as one self-contained HTML page (secrets redacted): no external asset, inline CSS
/// and script, readable offline and without script.
///
/// The page has a header (router, version, profile, read-back, CVE data, times, the tally), a
/// summary table per measure, a table of every check (outcome, severity, measure, id, title,
/// reason — for a waived failure also the waiver's reason and date —, evidence, and for a failure
/// its fix: the RouterOS commands that would make it pass) whose rows the
/// inline script filters by outcome, severity and free text, and the probe
/// matrix as a grid (ports × vantages) over IPv4 and, when probed, IPv6. Once the script has run
/// it sets `data-rendered="yes"` on `<body>` and writes how many checks the filter shows
/// (`N of M checks shown`), so a browser test can tell a page whose script ran.
pub fn render_html(report: &RunReport) -> String {
    let r = report.redacted();
    let mut out = String::new();
    let title = format!("chrlab report: {}", r.router);
    let _ = writeln!(out, "<!DOCTYPE html>");
    let _ = writeln!(out, "<html lang=\"en\">");
    let _ = writeln!(out, "<head>");
    let _ = writeln!(out, "<meta charset=\"utf-8\">");
    let _ = writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    );
    let _ = writeln!(out, "<title>{}</title>", esc(&title));
    let _ = writeln!(out, "<style>{CSS}</style>");
    let _ = writeln!(out, "</head>");
    let _ = writeln!(out, "<body data-rendered=\"no\">");
    let _ = writeln!(out, "<h1>{}</h1>", esc(&title));
    header(&mut out, &r);
    summary(&mut out, &r);
    checks(&mut out, &r);
    let _ = writeln!(out, "<h2 id=\"probes\">Probe matrix</h2>");
    if r.matrix.cells.is_empty() && r.matrix6.is_none() {
        let _ = writeln!(out, "<p class=\"none\">No port was probed in this run.</p>");
    } else {
        grid(&mut out, &r, "IPv4", &r.matrix);
        if let Some(m6) = &r.matrix6 {
            grid(&mut out, &r, "IPv6", m6);
        }
    }
    let _ = writeln!(out, "<script>{SCRIPT}</script>");
    let _ = writeln!(out, "</body>");
    let _ = writeln!(out, "</html>");
    out
}

fn header(out: &mut String, r: &RunReport) {
    let _ = writeln!(out, "<dl class=\"facts\">");
    let mut fact = |term: &str, value: &str| {
        let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", esc(term), esc(value));
    };
    fact("router", &r.router);
    fact(
        "RouterOS version",
        r.version.as_deref().unwrap_or("unknown"),
    );
    fact("profile", &r.profile.display().to_string());
    if let Some(way) = &r.readback {
        fact("configuration read back over", way);
    }
    if let Some(data) = &r.cve_data {
        fact("CVE data", &data.to_string());
    }
    fact("started", &rfc3339(r.started));
    fact("finished", &rfc3339(r.finished));
    let _ = writeln!(out, "</dl>");
    let _ = writeln!(
        out,
        "<p id=\"tally\" class=\"tally\"><strong>{}</strong></p>",
        esc(&r.tally().to_string())
    );
    for note in &r.notes {
        let _ = writeln!(out, "<p class=\"note\">Note: {}</p>", esc(note));
    }
    if !r.incomplete.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"incomplete\"><strong>Audit incomplete:</strong> the router could not be read ({}).</p>",
            esc(&r.incomplete.join("; "))
        );
    }
}

fn summary(out: &mut String, r: &RunReport) {
    let _ = writeln!(out, "<h2 id=\"summary\">Summary per measure</h2>");
    let _ = writeln!(out, "<table class=\"summary\">");
    let _ = writeln!(
        out,
        "<thead><tr><th>measure</th><th>passed</th><th>failed</th><th>skipped</th><th>waived</th></tr></thead>"
    );
    let _ = writeln!(out, "<tbody>");
    for (measure, results) in r.by_measure() {
        let count = |f: fn(&Outcome) -> bool| results.iter().filter(|c| f(&c.outcome)).count();
        let failed = count(|o| matches!(o, Outcome::Fail(_)));
        let _ = writeln!(
            out,
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if failed > 0 { "fail" } else { "ok" },
            esc(&measure.to_string()),
            count(|o| matches!(o, Outcome::Pass)),
            failed,
            count(|o| matches!(o, Outcome::Skip(_))),
            count(|o| matches!(o, Outcome::Waived(_))),
        );
    }
    let _ = writeln!(out, "</tbody>");
    let _ = writeln!(out, "</table>");
}

fn checks(out: &mut String, r: &RunReport) {
    let _ = writeln!(out, "<h2 id=\"checks\">Checks</h2>");
    let _ = writeln!(out, "<form class=\"filters\" onsubmit=\"return false\">");
    let _ = writeln!(
        out,
        "<label>outcome <select id=\"f-outcome\"><option value=\"\">all</option><option>FAIL</option><option>WAIVED</option><option>PASS</option><option>SKIP</option></select></label>"
    );
    let mut severities = String::new();
    for sev in Severity::ALL {
        let _ = write!(severities, "<option>{sev}</option>");
    }
    let _ = writeln!(
        out,
        "<label>severity <select id=\"f-severity\"><option value=\"\">all</option>{severities}</select></label>"
    );
    let _ = writeln!(
        out,
        "<label>text <input id=\"f-text\" type=\"search\" placeholder=\"id, title, reason, evidence\"></label>"
    );
    let _ = writeln!(
        out,
        "<output id=\"f-count\">{n} of {n} checks</output>",
        n = r.results.len()
    );
    let _ = writeln!(out, "</form>");
    let _ = writeln!(out, "<table id=\"checks-table\" class=\"checks\">");
    let _ = writeln!(
        out,
        "<thead><tr><th>outcome</th><th>severity</th><th>measure</th><th>check</th><th>title</th><th>reason</th><th>evidence</th><th>fix</th></tr></thead>"
    );
    let _ = writeln!(out, "<tbody>");
    for c in &r.results {
        row(out, c);
    }
    let _ = writeln!(out, "</tbody>");
    let _ = writeln!(out, "</table>");
}

fn row(out: &mut String, c: &CheckResult) {
    let label = c.outcome.label();
    let _ = write!(
        out,
        "<tr class=\"check {}\" data-outcome=\"{label}\" data-severity=\"{}\" data-id=\"{}\">",
        label.to_ascii_lowercase(),
        c.severity,
        esc(&c.id)
    );
    let mut reason = esc(c.outcome.reason().unwrap_or_default());
    if let Some(w) = c.outcome.waived() {
        let _ = write!(
            reason,
            "<br><span class=\"waiver\">waived until {}: {}</span>",
            esc(&w.expires),
            esc(&w.reason)
        );
    }
    let _ = write!(
        out,
        "<td class=\"outcome\">{label}</td><td class=\"severity {sev}\">{sev}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{reason}</td>",
        esc(&c.measure.to_string()),
        esc(&c.id),
        esc(&c.title),
        sev = c.severity,
    );
    if c.evidence.is_empty() {
        let _ = write!(out, "<td></td>");
    } else {
        let _ = write!(
            out,
            "<td><details{}><summary>{} line{}</summary><pre>{}</pre></details></td>",
            if c.outcome.is_fail() { " open" } else { "" },
            c.evidence.len(),
            if c.evidence.len() == 1 { "" } else { "s" },
            esc(&c.evidence.join("\n"))
        );
    }
    if c.fix.is_empty() {
        let _ = write!(out, "<td></td>");
    } else {
        let _ = write!(
            out,
            "<td class=\"fix\"><pre>{}</pre></td>",
            esc(&c.fix.join("\n"))
        );
    }
    let _ = writeln!(out, "</tr>");
}

/// One probe matrix as a grid: a row per port, a column per vantage.
fn grid(out: &mut String, r: &RunReport, family: &str, matrix: &ProbeMatrix) {
    let vantages: BTreeSet<&str> = matrix
        .cells
        .values()
        .flat_map(|by| by.keys().map(String::as_str))
        .collect();
    let _ = writeln!(out, "<h3>{family}</h3>");
    let _ = writeln!(
        out,
        "<table class=\"matrix\" data-family=\"{}\">",
        family.to_ascii_lowercase()
    );
    let _ = write!(out, "<thead><tr><th>port</th>");
    for v in &vantages {
        let _ = write!(out, "<th>from {}</th>", esc(v));
    }
    let _ = writeln!(out, "</tr></thead>");
    let _ = writeln!(out, "<tbody>");
    for (port, by) in &matrix.cells {
        let _ = write!(out, "<tr><th>{port}</th>");
        for v in &vantages {
            match by.get(*v) {
                Some(p) => {
                    let state = match p.state {
                        PortState::Open => "open",
                        PortState::Closed => "closed",
                        PortState::Rejected => "rejected",
                        PortState::Filtered => "filtered",
                    };
                    let _ = write!(
                        out,
                        "<td class=\"{state}\">{}</td>",
                        esc(&r.redact_text(&p.to_string()))
                    );
                }
                None => {
                    let _ = write!(out, "<td class=\"none\">not probed</td>");
                }
            }
        }
        let _ = writeln!(out, "</tr>");
    }
    let _ = writeln!(out, "</tbody>");
    let _ = writeln!(out, "</table>");
}

/// Escapes text for an HTML element or a quoted attribute.
pub(crate) fn esc(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => s.push('\u{fffd}'),
            c => s.push(c),
        }
    }
    s
}

const CSS: &str = "
body{font-family:system-ui,sans-serif;margin:1.5em;color:#1b1b1b;background:#fff}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.5em}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}
dl.facts dt{font-weight:600}dl.facts dd{margin:0}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
thead th{background:#f0f0f0}
tr.fail td.outcome,td.open{background:#fbdada;font-weight:600}
tr.pass td.outcome,td.closed,td.filtered,td.rejected{background:#dcf5dc}
tr.skip td.outcome,td.none{background:#eee}
tr.waived td.outcome{background:#fdf0c8}
td.severity.critical,td.severity.high{color:#a00;font-weight:600}
.waiver{color:#6a4d00}
td.fix pre{background:#f6f6f6;padding:.2em}
table.summary tr.fail td{background:#fbdada}
pre{margin:0;white-space:pre-wrap;font-size:.85em}
.filters{display:flex;gap:1em;align-items:center;margin:.5em 0}
.incomplete{color:#a00}
";

const SCRIPT: &str = "
(function(){
  var rows=Array.prototype.slice.call(document.querySelectorAll('#checks-table tbody tr'));
  var outcome=document.getElementById('f-outcome');
  var severity=document.getElementById('f-severity');
  var text=document.getElementById('f-text');
  var count=document.getElementById('f-count');
  function apply(){
    var want=outcome.value, sev=severity.value, needle=text.value.toLowerCase(), shown=0;
    rows.forEach(function(tr){
      var ok=(!want||tr.getAttribute('data-outcome')===want)&&
             (!sev||tr.getAttribute('data-severity')===sev)&&
             (!needle||tr.textContent.toLowerCase().indexOf(needle)>=0);
      tr.hidden=!ok; if(ok){shown++;}
    });
    count.textContent=shown+' of '+rows.length+' checks shown';
  }
  outcome.addEventListener('change',apply);
  severity.addEventListener('change',apply);
  text.addEventListener('input',apply);
  var q=new URLSearchParams(location.search);
  if(q.get('outcome')){outcome.value=q.get('outcome');}
  if(q.get('severity')){severity.value=q.get('severity');}
  if(q.get('q')){text.value=q.get('q');}
  apply();
  document.body.setAttribute('data-rendered','yes');
})();
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_quotes_and_controls() {
        assert_eq!(
            esc("<b a=\"x\">&'\x1b"),
            "&lt;b a=&quot;x&quot;&gt;&amp;&#39;\u{fffd}"
        );
    }
}
