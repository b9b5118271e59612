//! How long another session waits for the router while a long script runs in one terminal: the
//! goal is 100 ms at most (issue 11, item 7). A benchmark, not a test (tests only bound liveness):
//! `cargo bench -p chrlab-sim --bench script_stall` prints the worst and the 99th-percentile wait
//! of API calls made every millisecond during each script.

use std::time::{Duration, Instant};

use chrlab_sim::{Router, RouterConfig, TerminalOpts, Via};

/// `depth` nested `:foreach` over two elements.
fn nested_foreach(depth: usize) -> String {
    let mut line = String::new();
    for i in 0..depth {
        line.push_str(&format!(":foreach v{i} in=\"1;2\" do={{"));
    }
    line.push_str(":local x 1");
    line.push_str(&"}".repeat(depth));
    line
}

/// Runs `line` for at most `budget` in one terminal while API calls are timed from another
/// session; the waits, sorted.
fn waits_during(line: &str, budget: Duration) -> Vec<Duration> {
    let router = Router::new(RouterConfig {
        script_time_budget: budget,
        ..RouterConfig::default()
    })
    .expect("router starts");
    let local = router
        .login("admin", "", Via::Local, None)
        .expect("local login");
    let mut term = router.terminal(
        &local,
        TerminalOpts {
            interactive: false,
            colors: false,
            width: 80,
        },
    );
    let api = router
        .login("admin", "", Via::Api, None)
        .expect("api login");
    let line = line.to_string();
    let script = std::thread::spawn(move || term.execute(&line));
    let print = vec!["/system/identity/print".to_string()];
    let mut waits = Vec::new();
    // The script gets going first.
    std::thread::sleep(Duration::from_millis(50));
    while !script.is_finished() {
        let started = Instant::now();
        let reply = router.api(&api, &print);
        waits.push(started.elapsed());
        assert_eq!(reply.last().map(|s| s[0].as_str()), Some("!done"));
        std::thread::sleep(Duration::from_millis(1));
    }
    let out = script.join().expect("script thread");
    assert!(out.contains("interrupted"), "the script ended early: {out}");
    waits.sort();
    waits
}

fn main() {
    let budget = Duration::from_secs(3);
    let cases = [
        ("23 nested :foreach", nested_foreach(23)),
        (
            ":while with a menu command",
            ":while (true) do={ :local s [/ip service find] }".to_string(),
        ),
        (":delay", ":delay 1h".to_string()),
    ];
    println!("script_stall: another session's API call while a script runs (goal: max <= 100 ms)");
    for (name, line) in cases {
        let waits = waits_during(&line, budget);
        let max = waits.last().copied().unwrap_or_default();
        let p99 = waits
            .get(waits.len().saturating_sub(1) * 99 / 100)
            .copied()
            .unwrap_or_default();
        println!(
            "{name:<28} calls {:>5}  p99 {:>9.3?}  max {:>9.3?}",
            waits.len(),
            p99,
            max
        );
    }
}
