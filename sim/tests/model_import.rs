// `/import file-name=X [verbose=yes]`: a stored file's commands run as the terminal would run them
// (continued `\` lines joined, menus changed by a path alone), the run stops at the first error and
// prints it with its place in the file; `/file print` lists the file. Files are put in with v7's
// `/file add name=… contents=…` (the FTP upload is tested in frontend_ftp.rs).

mod model_support;

use chrlab_sim::router::{Router, RouterConfig, Terminal};
use model_support::router;
use routeros::version::Version;

/// An exec-channel terminal 200 columns wide (long import lines stay on one line).
fn term(r: &Router) -> Terminal {
    model_support::term_width(r, 200)
}

/// Stores `text` as file `name` through `/file add` (quoted as the command language wants).
fn put(t: &mut Terminal, name: &str, text: &str) {
    let quoted = text
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('$', "\\$")
        .replace('\n', "\\n");
    let out = t.execute(&format!("/file add name={name} contents=\"{quoted}\""));
    assert_eq!(out, "", "file add");
}

/// One case: a file, the import's output, and what must hold afterwards.
#[track_caller]
fn check(file: &str, args: &str, expect: &str, after: &[(&str, &str)]) {
    let r = router("7.23.2");
    let mut t = term(&r);
    put(&mut t, "h.rsc", file);
    assert_eq!(t.execute(&format!("/import file-name=h.rsc{args}")), expect);
    for (cmd, want) in after {
        assert_eq!(t.execute(cmd), *want, "after import: {cmd}");
    }
}

#[test]
fn import_runs_every_line_and_says_so() {
    check(
        "# hardening\n/system identity\nset name=edge1\n/ip service set telnet disabled=yes\n:put [/system identity get name]\n",
        " verbose=yes",
        "edge1\nScript file loaded and executed successfully\n",
        &[
            (":put [/system identity get name]", "edge1\n"),
            (":put [/ip service get telnet disabled]", "true\n"),
        ],
    );
}

#[test]
fn import_joins_continued_lines() {
    check(
        "/ip firewall address-list add \\\n    address=192.0.2.1 \\\n    list=mgmt\n",
        "",
        "Script file loaded and executed successfully\n",
        &[(
            ":put [/ip firewall address-list get [find list=mgmt] address]",
            "192.0.2.1\n",
        )],
    );
}

#[test]
fn import_stops_at_a_runtime_error_with_its_line() {
    check(
        "/system identity set name=one\n/ip service set nosuch disabled=yes\n/system identity set name=two\n",
        " verbose=yes",
        "no such item (line 2 column 1)\n",
        &[(":put [/system identity get name]", "one\n")],
    );
}

#[test]
fn import_reports_a_bad_command_where_it_is() {
    check(
        "/system identity set name=one\n/ip servce print\n/system identity set name=two\n",
        " verbose=yes",
        "bad command name servce (line 2 column 5)\n",
        &[(":put [/system identity get name]", "one\n")],
    );
}

#[test]
fn verbose_import_runs_the_lines_before_a_syntax_error_and_none_after() {
    check(
        "/system identity set name=one\n/system identity set name=two]\n/system identity set name=three\n",
        " verbose=yes",
        "syntax error (line 2 column 30)\n",
        &[(":put [/system identity get name]", "one\n")],
    );
}

#[test]
fn plain_import_runs_nothing_of_a_file_with_a_syntax_error() {
    check(
        "/system identity set name=one\n/system identity set name=two]\n",
        "",
        "syntax error (line 2 column 30)\n",
        &[(":put [/system identity get name]", "CHR\n")],
    );
}

#[test]
fn import_of_a_missing_file_fails() {
    let r = router("7.23.2");
    let mut t = term(&r);
    assert_eq!(
        t.execute("/import file-name=none.rsc"),
        "failure: no such file\n"
    );
    assert_eq!(
        t.execute("/import"),
        "missing value(s) of argument(s) file-name\n"
    );
}

#[test]
fn a_file_importing_itself_ends() {
    let r = router("7.23.2");
    let mut t = term(&r);
    put(&mut t, "loop.rsc", "/import file-name=loop.rsc\n");
    let out = t.execute("/import loop.rsc");
    assert!(
        out.ends_with("failure: too many nested imports (line 1 column 1)\n"),
        "{out}"
    );
}

#[test]
fn on_error_catches_a_failed_import() {
    let r = router("7.23.2");
    let mut t = term(&r);
    put(&mut t, "bad.rsc", "/nosuch\n");
    assert_eq!(
        t.execute(":do { /import bad.rsc } on-error={ :put caught }"),
        "caught\n"
    );
}

#[test]
fn file_print_lists_the_stored_file_and_it_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("h7-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut cfg = RouterConfig::for_version(Version::parse("7.23.2").unwrap());
    cfg.state_dir = Some(dir.clone());
    let r = Router::new(cfg.clone()).expect("router starts");
    let mut t = term(&r);
    put(&mut t, "h.rsc", &"x".repeat(1536));
    let out = t.execute("/file print");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0], "Columns: NAME, TYPE, SIZE, CREATION-TIME",
        "{out}"
    );
    assert!(
        lines[1].starts_with("# NAME   TYPE    SIZE    CREATION-TIME"),
        "{out}"
    );
    assert!(lines[2].starts_with("0 h.rsc  script  1.5KiB  "), "{out}");
    drop(t);
    drop(r);
    let again = Router::new(cfg).expect("router restarts");
    let mut t = term(&again);
    assert_eq!(t.execute(":put [/file get h.rsc size]"), "1536\n");
    std::fs::remove_dir_all(&dir).ok();
}
