//! The Lua stdlib's own tests: every `test/lua/*.lua` in its own `pktgen --no-listen --exit -f`
//! process (each with its own EAL), which must exit 0 and print its final `<name>: ok` line (so a
//! script that stops early without an error, or never ran, fails too). Run one after another: some
//! measure rates, and two processes on a 2-core machine would skew each other. Also the `make run`
//! demo, with `--exit`.

mod common;

use std::path::{Path, PathBuf};

/// `test/lua/*.lua`, sorted; never empty (a suite that found nothing to run must not pass).
fn scenarios() -> Vec<PathBuf> {
    let dir = common::root().join("test/lua");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "lua"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenarios in {}", dir.display());
    files
}

/// The path relative to the workspace root, for messages and `-f`.
fn rel(f: &Path) -> String {
    f.strip_prefix(common::root())
        .unwrap_or(f)
        .to_string_lossy()
        .into_owned()
}

/// Whether `out` ends with the scenario's own `<file stem>: ok` line, which it prints last.
fn ends_ok(f: &Path, out: &str) -> bool {
    let want = format!("{}: ok", f.file_stem().unwrap_or_default().to_string_lossy());
    out.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| l.trim_end() == want)
}

#[test]
fn every_test_lua_script_passes() {
    let _turn = common::heavy();
    let files = scenarios();
    let mut failed = Vec::new();
    for f in &files {
        let rel = rel(f);
        let mut cmd = common::pktgen(&["--exit", "-f", &rel]);
        cmd.env("PKTGEN_TEST_VIA", "file");
        let o = common::run(cmd, "");
        let (out, err) = common::text(&o);
        eprintln!("{rel}: {:?}", o.status);
        if !o.status.success() || !ends_ok(f, &out) {
            failed.push(format!(
                "{rel}: {:?}, final ok line {}\n--- stdout\n{out}--- stderr\n{err}",
                o.status,
                if ends_ok(f, &out) { "present" } else { "missing" }
            ));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} failed:\n{}",
        failed.len(),
        files.len(),
        failed.join("\n")
    );
}

/// The same scripts, unchanged, piped through `socat` into a fresh pktgen's shell: each must run
/// as one chunk with no error coming back, and end with its ok line.
#[test]
fn every_test_lua_script_passes_through_the_shell() {
    let _turn = common::heavy();
    use std::process::{Command, Stdio};

    let files = scenarios();
    let mut failed = Vec::new();
    for f in &files {
        let mut srv = Command::new(env!("CARGO_BIN_EXE_pktgen"))
            .current_dir(common::root())
            .args(["--listen", "127.0.0.1:0"])
            .env("PKTGEN_TEST_VIA", "shell")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("pktgen");
        let port = common::shell_port(&mut srv);
        let mut client = Command::new("socat");
        client
            .args(["-t", "120", "-", &format!("TCP4:127.0.0.1:{port}")])
            .stdin(Stdio::from(std::fs::File::open(f).expect("script")))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let o = common::wait(client.spawn().expect("socat"));
        let _ = srv.kill();
        let _ = srv.wait();
        let (out, err) = common::text(&o);
        let rel = rel(f);
        eprintln!("{rel} through the shell: {:?}", o.status);
        if !o.status.success() || out.contains("stack traceback") || !ends_ok(f, &out) {
            failed.push(format!("{rel}:\n--- client output\n{out}--- socat stderr\n{err}"));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} failed through the shell:\n{}",
        failed.len(),
        files.len(),
        failed.join("\n")
    );
}

/// The number after `prefix` in `line` (up to the next space).
fn number_after(line: &str, prefix: &str) -> Option<u64> {
    let rest = &line[line.find(prefix)? + prefix.len()..];
    rest.split(' ').next()?.parse().ok()
}

/// `make run`'s demo, with `--exit`: the first thing a new user sees runs three streams,
/// counts every packet on both ports, prints the voice stream's histogram and the streams
/// table, and ends with what to type next.
#[test]
fn the_make_run_demo_sends_and_counts() {
    let _turn = common::heavy();
    let o = common::run(common::pktgen(&["-f", "test/demo.lua", "--exit"]), "");
    let (out, err) = common::text(&o);
    assert!(
        o.status.success(),
        "{:?}\n--- stdout\n{out}--- stderr\n{err}",
        o.status
    );
    assert!(out.starts_with("Ports: 2, link <UP-10000-FD>\n"), "{out}");
    // Without a terminal the demo prints a progress line a second. The rate over the last
    // second, from the first line on (it used to read 0: the rates came from samples a second
    // apart, the first taken a second after start-up).
    for s in 1..=4 {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("  {s}s: ")))
            .unwrap_or_else(|| panic!("no {s}s line:\n{out}"));
        for (what, prefix) in [("port 0 tx", "port 0 tx "), ("port 1 rx", "port 1 rx ")] {
            let pps = number_after(line, prefix).unwrap_or_else(|| panic!("{what} in {line:?}"));
            assert!(pps > 0, "{what} rate is 0 after {s} s: {line:?}");
        }
    }
    // The histogram: stamped packets, percentiles, and bars.
    let packets = out
        .lines()
        .find_map(|l| number_after(l, "  packets "))
        .unwrap_or_else(|| panic!("no histogram packets line:\n{out}"));
    assert!(packets > 0, "no voice packets measured:\n{out}");
    for p in ["p50", "p99", "p100"] {
        assert!(
            out.lines().any(|l| l.trim_start().starts_with(p)),
            "no {p} line:\n{out}"
        );
    }
    assert!(out.lines().any(|l| l.contains("|#")), "no histogram bars:\n{out}");
    // The streams table: the port's own stream and the three of the demo, each having sent.
    for name in ["voice", "video", "bulk"] {
        let row = out
            .lines()
            .find(|l| l.split_whitespace().nth(2) == Some(name))
            .unwrap_or_else(|| panic!("no {name} row:\n{out}"));
        // Tx pkts is columns 42..56 ("%-4d %-3d %-12s %-8s %-10s %14d"); rates such as
        // "20 kpps" hold a space, so words cannot be counted.
        let tx: u64 = row
            .get(42..56)
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("tx of {row:?}"));
        assert!(tx > 0, "{name} sent nothing: {row:?}");
    }
    let lines: Vec<&str> = out.lines().collect();
    let [.., counts, next] = lines[..] else {
        panic!("too few lines:\n{out}");
    };
    let sent = number_after(counts, "port 0 sent ").unwrap_or_else(|| panic!("counts line {counts:?}"));
    let got = number_after(counts, "port 1 received ").unwrap_or_else(|| panic!("counts line {counts:?}"));
    assert!(sent > 0, "{counts}");
    assert_eq!(got, sent, "{counts}");
    assert!(
        next.starts_with("Type ") && next.contains("quit"),
        "last line {next:?}"
    );
}
