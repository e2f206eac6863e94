//! The `pktgen` binary end to end: banner, script failures, CLI command files, stdin, quit,
//! signals, command-line errors. Each test runs its own process (its own EAL, pid-based prefix).

mod common;

use common::{pktgen, run, temp_file, text};

#[test]
fn hello_world_prints_exactly_the_banner() {
    // The version strings come from the binary itself (engine.build), so this checks the wiring
    // of pktgen.info to engine.build and that nothing else reaches stdout.
    let info = run(
        pktgen(&["--exit"]),
        "local b = require('engine').build io.write(b.pktgen_version, '\\n', b.pktgen_copyright, '\\n', b.pktgen_authors)",
    );
    let (info, err) = text(&info);
    let lines: Vec<&str> = info.lines().collect();
    assert_eq!(lines.len(), 3, "engine.build: {info:?} {err}");

    let o = run(pktgen(&["test/hello-world.lua", "--exit"]), "");
    let (out, err) = text(&o);
    assert!(o.status.success(), "status {:?}\n{err}", o.status);
    let want = format!(
        "Lua Version      : Lua 5.4\nPktgen Version   : {}\nPktgen Copyright : {}\nPktgen Authors   : {}\n\nHello World!!!!\n",
        lines[0], lines[1], lines[2]
    );
    assert_eq!(out, want, "stderr: {err}");
    assert!(lines[0].starts_with("Pktgen "), "{}", lines[0]);
}

#[test]
fn failing_script_reports_traceback_exits_nonzero_and_next_file_still_runs() {
    let bad = temp_file(
        "fail",
        "bad.lua",
        "local function inner() error('boom here') end\ninner()\n",
    );
    let good = temp_file("fail", "good.lua", "print('second file ran')\n");
    let o = run(
        pktgen(&[
            "-f",
            bad.to_str().expect("utf8"),
            "-f",
            good.to_str().expect("utf8"),
            "--exit",
        ]),
        "",
    );
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "stdout {out}\nstderr {err}");
    assert!(err.contains("bad.lua:1: boom here"), "{err}");
    assert!(err.contains("stack traceback:"), "{err}");
    assert!(
        err.contains("in local 'inner'") || err.contains("in function 'inner'"),
        "{err}"
    );
    // Pktgen runs every -f file; so do we.
    assert!(out.contains("second file ran"), "{out}");
}

#[test]
fn missing_file_and_syntax_error_fail() {
    let o = run(pktgen(&["/nonexistent/x.lua", "--exit"]), "");
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("cannot open /nonexistent/x.lua"), "{err}");

    let bad = temp_file("syntax", "syn.lua", "x = = 1\n");
    let o = run(pktgen(&[bad.to_str().expect("utf8"), "--exit"]), "");
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("syn.lua:1:"), "{err}");
}

#[test]
fn pkt_command_file_runs() {
    let _turn = common::heavy();
    let pkt = temp_file(
        "pkt",
        "send.pkt",
        "# send 1000 frames from port 0\nclear all\nset 0 count 1000\nset 0 rate 1\nstart 0\n",
    );
    let check = temp_file(
        "pkt",
        "check.lua",
        r#"package.path = package.path .. ";test/?.lua"
local engine = require "engine"
assert(engine.wait(0, 10000), "port 0 still sending")
require("testing").wait_for("port 1 to receive 1000", function() return engine.stats(1).rx_packets >= 1000 end)
local tx, rx = engine.stats(0).tx_packets, engine.stats(1).rx_packets
assert(tx == 1000 and rx == 1000, ("tx %d rx %d, want 1000"):format(tx, rx))
print("pkt ok")
"#,
    );
    let o = run(
        pktgen(&[
            "-f",
            pkt.to_str().expect("utf8"),
            "-f",
            check.to_str().expect("utf8"),
            "--exit",
        ]),
        "",
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "stdout {out}\nstderr {err}");
    assert!(out.contains("pkt ok"), "{out}");

    let bad = temp_file("pkt", "bad.pkt", "set 0 count 10\nfrobnicate 0\n");
    let o = run(pktgen(&["-f", bad.to_str().expect("utf8"), "--exit"]), "");
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("bad.pkt:2:") && err.contains("frobnicate"), "{err}");
}

#[test]
fn stdin_runs_as_one_chunk() {
    // Top-level locals survive across lines: the whole input is one chunk.
    let o = run(
        pktgen(&["--exit"]),
        "local n = 40\nlocal function add(x) return n + x end\nprint('sum', add(2))\n",
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(out, "sum\t42\n");

    let o = run(pktgen(&["--exit"]), "error('from stdin')\n");
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("stdin:1: from stdin"), "{err}");
}

#[test]
fn quit_ends_the_run_without_exit_flag() {
    // No --exit: only the quit request ends this run (the timeout would catch a hang).
    let o = run(
        pktgen(&[]),
        "print('a') pktgen.quit() print('b') pktgen.delay(100000) print('c')\n",
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    // The chunk goes on until its next yield, where the quit cancels it.
    assert_eq!(out, "a\nb\n");

    let o = run(pktgen(&[]), "require('engine').quit(3)\n");
    assert_eq!(o.status.code(), Some(3));
}

#[test]
fn os_exit_shuts_down_and_keeps_status() {
    let _turn = common::heavy();
    let o = run(pktgen(&[]), "pktgen.start(0) io.write('x') os.exit(4)\n");
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert_eq!(out, "x");
}

/// Starts pktgen on `script`, waits for its "ready" line (not a sleep), sends `signal`, and
/// returns the output.
fn signal_after_ready(test: &str, script: &str, signal: &str) -> std::process::Output {
    use std::io::BufRead as _;
    use std::process::Stdio;

    let script = temp_file(test, "ready.lua", script);
    let mut cmd = pktgen(&["-f", script.to_str().expect("utf8")]);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read ready");
    assert_eq!(line, "ready\n");
    let k = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(k.success());
    common::wait(child)
}

#[test]
fn sigterm_shuts_down_cleanly() {
    let _turn = common::heavy();
    let o = signal_after_ready(
        "sig",
        "pktgen.start(0) print('ready') io.stdout:flush()\n",
        "-TERM",
    );
    let (_, err) = text(&o);
    assert!(o.status.success(), "status {:?}: {err}", o.status);
    assert!(err.contains("shutting down"), "{err}");
}

#[test]
fn sigint_interrupts_a_busy_loop() {
    let _turn = common::heavy();
    // The loop never yields, so only the instruction hook can stop it.
    let o = signal_after_ready(
        "spin",
        "print('ready') io.stdout:flush() while true do end\n",
        "-INT",
    );
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("ready.lua: interrupted"), "{err}");
    assert!(err.contains("shutting down"), "{err}");
}

#[test]
fn bad_eal_args_fail_with_a_message() {
    let o = run(pktgen(&["--vdev", "net_bogus0", "--", "--exit"]), "");
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("pktgen: DPDK EAL failed to start"), "{err}");
    assert!(err.contains("net_bogus0"), "{err}");
}

#[test]
fn help_and_bad_options() {
    let o = run(pktgen(&["--help"]), "");
    let (out, _) = text(&o);
    assert!(o.status.success());
    for needle in [
        "--exit",
        "-f, --file",
        "--lua-path",
        "--no-listen",
        "[EAL args] --",
    ] {
        assert!(out.contains(needle), "help lacks {needle}:\n{out}");
    }

    let o = run(pktgen(&["--frobnicate"]), "");
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(out.is_empty());
    assert!(err.contains("--frobnicate"), "{err}");

    let o = run(pktgen(&["-s", "nocolon"]), "");
    assert_eq!(o.status.code(), Some(2));

    let o = run(pktgen(&["--latency-digits", "9", "--exit"]), "");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).1.contains("--latency-digits must be 1 to 5"),
        "{}",
        text(&o).1
    );
}

#[test]
fn latency_range_and_precision_are_configurable() {
    let _turn = common::heavy();
    // 2 significant digits up to 1 ms: stamps still all counted, and an empty histogram made to
    // merge with the ports' takes the same range. Then stamps aged 5 ms by the stream's delay
    // line, beyond the range: each is counted at 1 ms, so they all share one bucket, and at 2
    // digits that bucket spans 4096 ns there (512 ns at 3 digits).
    let script = temp_file(
        "latrange",
        "lat.lua",
        r#"
package.path = package.path .. ";test/?.lua"
local t = require "testing"
local engine = require "engine"
pktgen.set(0, "rate", 1) pktgen.set_proto(0, "udp")
pktgen.latency("0-1", "on")
t.send(2000)
t.wait_for("2000 stamps", function() return pktgen.latencyHistogram(1):count() >= 2000 end)
local h = pktgen.latencyHistogram(1)
t.eq("count", h:count(), 2000)
t.check(h:max() <= 1000000 * 1.01, "clamped at the range: %d", h:max())
local m = pktgen.newHistogram():merge(h)
t.eq("merged count", m:count(), 2000)

h:reset()
local frame = string.rep("\255", 6) .. "\2\0\0\0\0\1\8\0" .. string.rep("\0", 46)
engine.start(0, { templates = { { data = frame } }, count = 500, rate = { pps = 50000 },
	stamp_every = 1, stamp_delay_ns = 5000000 })
t.wait_for("500 late stamps", function() return pktgen.latencyHistogram(1):count() >= 500 end)
h = pktgen.latencyHistogram(1)
t.eq("late count", h:count(), 500)
t.check(h:min() <= 1000000 and h:max() >= 1000000, "clamped at the range: min %d max %d", h:min(), h:max())
t.eq("one bucket of 2-digit width", h:max() - h:min() + 1, 4096)
print("range ok")
"#,
    );
    let o = run(
        pktgen(&[
            "--latency-max-ns",
            "1000000",
            "--latency-digits",
            "2",
            "--exit",
            "-f",
            script.to_str().expect("utf8"),
        ]),
        "",
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("range ok"));
}

#[test]
fn lua_path_overrides_the_embedded_stdlib() {
    let dir = temp_file(
        "luapath",
        "Pktgen.lua",
        "printf = function() io.write('overridden\\n') end\n",
    );
    let dir = dir.parent().expect("dir");
    let o = run(
        pktgen(&[
            "--lua-path",
            dir.to_str().expect("utf8"),
            "test/hello-world.lua",
            "--exit",
        ]),
        "",
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.starts_with("overridden\n"), "{out}");
}

#[test]
fn pcap_files_reach_lua() {
    let o = run(
        pktgen(&["-s", "1:/tmp/x.pcap", "--exit"]),
        "io.write(require('engine').pcap_files[1])",
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(out, "/tmp/x.pcap");
}
