//! Key press to rendered frame, through the real binary in a pseudo-terminal: log in, then
//! press the arrow keys and time each press from writing the key to the moment the parsed
//! screen shows the selection on the expected row. The issue's target is p99 under 10 ms.
//!
//! A plain `harness = false` program (criterion's statistics assume a closure it can call
//! in a loop, not a terminal round trip): it prints the count, mean, p50, p90, p99 and max.
//! `SONAR_BENCH_PRESSES` sets the number of presses (default 200) and `SONAR_BENCH_PEOPLE`
//! the historical people in the suite (default 10,000).

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::time::Duration;

use support::pty::{PtyApp, generate_demo};

const SONAR: &str = env!("CARGO_BIN_EXE_sonar");
const LIMIT: Duration = Duration::from_secs(30);
/// The first table row on an 80×24 board: header, summary, filter line, column titles.
const FIRST_ROW: u16 = 4;
/// Rows the selection moves over (all visible at 80×24), down then back up.
const SPAN: u16 = 10;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// The screen row that holds the selection marker, if any.
fn selected_row(screen: &vt100::Screen) -> Option<u16> {
    (0..24).find(|&row| screen.cell(row, 0).is_some_and(|c| c.contents() == "▸"))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    // `cargo bench -- <filter>` passes arguments; with no benchmark named "keypress" in the
    // filter, do nothing, as criterion's benches do.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if !args.is_empty() && !args.iter().any(|a| "keypress".contains(a.as_str())) {
        return;
    }
    let presses = env_number("SONAR_BENCH_PRESSES", 200) as usize;
    let people = env_number("SONAR_BENCH_PEOPLE", 10_000);

    let home = tempfile::tempdir().expect("temp home");
    let db = home.path().join("demo.db");
    generate_demo(Path::new(SONAR), home.path(), &db, people);
    let mut app = PtyApp::spawn(
        Path::new(SONAR),
        &["--db", db.to_str().unwrap()],
        home.path(),
        80,
        24,
    );
    app.wait_for_text("ctrl-q quit", LIMIT);
    app.send(b"sergeant\rdemo\r");
    app.wait_for("the board", LIMIT, |s| {
        let text = s.contents();
        text.contains("In custody:")
            && text.contains("q quit")
            && selected_row(s) == Some(FIRST_ROW)
    });

    let mut times = Vec::with_capacity(presses);
    let mut row = FIRST_ROW;
    let mut down = true;
    for _ in 0..presses {
        if down && row == FIRST_ROW + SPAN {
            down = false;
        } else if !down && row == FIRST_ROW {
            down = true;
        }
        let (key, next): (&[u8], u16) = if down {
            (b"\x1b[B", row + 1)
        } else {
            (b"\x1b[A", row - 1)
        };
        let started = std::time::Instant::now();
        app.send(key);
        match app.try_wait_for(LIMIT, |s| selected_row(s) == Some(next)) {
            Ok(_) => times.push(started.elapsed()),
            Err(screen) => panic!("the selection did not reach row {next}:\n{screen}"),
        }
        row = next;
    }
    app.send(b"q");
    let code = app.wait_exit(LIMIT);
    assert_eq!(code, 0, "sonar exits 0");

    times.sort();
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    println!(
        "keypress (real binary in an 80x24 PTY, {people} historical people, {} presses of up/down):",
        times.len()
    );
    println!("  mean {}", ms(mean));
    println!("  p50  {}", ms(percentile(&times, 50.0)));
    println!("  p90  {}", ms(percentile(&times, 90.0)));
    println!("  p99  {}", ms(percentile(&times, 99.0)));
    println!("  max  {}", ms(*times.last().unwrap()));
    println!("  min  {}", ms(times[0]));
}
