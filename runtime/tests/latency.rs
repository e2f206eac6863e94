//! Latency through the real binary: `test/latency.lua` prints its report, and a histogram saved
//! with `:save()` is read back by an independent HdrHistogram decoder (the Python `hdrhistogram`
//! package) with identical counts and percentiles.

mod common;

use std::process::Command;

use common::{pktgen, run, temp_file, text};

#[test]
fn the_latency_scenario_prints_its_report() {
    let _turn = common::heavy();
    let out = run(pktgen(&["--exit", "-f", "test/latency.lua"]), "");
    let (so, se) = text(&out);
    assert!(out.status.success(), "stdout:\n{so}\nstderr:\n{se}");
    for want in [
        "Latency, port 0 -> port 1",
        "packets 200000   lost 0",
        "p99.99",
        "pktStats latency = {",
        "\"Value\",\"Percentile\"",
    ] {
        assert!(so.contains(want), "missing {want:?} in:\n{so}");
    }
}

#[test]
fn a_saved_log_reads_back_in_python_hdrhistogram() {
    let _turn = common::heavy();
    let log = std::env::temp_dir().join(format!("pktgen-lat-{}.hlog", std::process::id()));
    let script = temp_file(
        "latency_log",
        "save.lua",
        &format!(
            r#"
package.path = package.path .. ";test/?.lua"
local t = require "testing"
pktgen.set(0, "rate", 2)
pktgen.set_proto(0, "udp")
pktgen.latency("0-1", "on")
t.send(50000)
-- The worker's own count comes after a burst's latencies are published.
t.wait_for("port 1 to receive them", function() return pktgen.portStats(1)[1].qstats[0].ipackets >= 50000 end)
local h = pktgen.latencyHistogram(1)
h:save("{log}", "port1")
local p = h:percentiles({{50, 90, 99, 99.9, 100}})
print(string.format("OURS %d %d %d %d %d %d", h:count(), p[50], p[90], p[99], p[99.9], p[100]))
"#,
            log = log.display()
        ),
    );
    let out = run(pktgen(&["--exit", "-f", script.to_str().unwrap()]), "");
    let (so, se) = text(&out);
    assert!(out.status.success(), "stdout:\n{so}\nstderr:\n{se}");
    let ours = so
        .lines()
        .find_map(|l| l.strip_prefix("OURS "))
        .expect("our numbers")
        .to_string();
    assert!(ours.starts_with("50000 "), "every packet stamped: {ours}");

    let py = r#"
import sys
from hdrh.histogram import HdrHistogram
from hdrh.log import HistogramLogReader
h = HistogramLogReader(sys.argv[1], HdrHistogram(1, 60_000_000_000, 3)).get_next_interval_histogram()
print(h.get_total_count(), *[h.get_value_at_percentile(p) for p in (50, 90, 99, 99.9, 100)])
"#;
    let out = Command::new("python3")
        .args(["-c", py])
        .arg(&log)
        .output()
        .expect("python3 (make deps installs hdrhistogram)");
    assert!(
        out.status.success(),
        "python: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert_eq!(theirs, ours, "Python's decoding of the log differs from ours");
    let _ = std::fs::remove_file(log);
}
