//! `require "rfc2544"` through the real binary. On the embedded default: a run of every test
//! whose files (CSV, JSON, SVG) `test/check_rfc2544_report.py` reads back on its own, rendering
//! the chart with rsvg-convert. Against a real device under test: `test/dut.sh` builds the Linux
//! kernel forwarding between two veth pairs in a network namespace, shaped by tbf, and
//! `test/rfc2544_dut.lua` checks the NDR, the loss curve, the queue's delay and the burst
//! against the shaper's settings. That test skips only where network namespaces are not allowed
//! (dut.sh exits 77); as root, as in CI, it runs. The two tests take turns: both measure rates.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::dut::Dut;

fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pktgen-rfc2544-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Runs the independent checker on the files under `prefix`; returns its summary line.
fn check_report(prefix: &Path) -> String {
    let o = Command::new("python3")
        .arg(common::root().join("test/check_rfc2544_report.py"))
        .arg(prefix)
        .output()
        .expect("python3 (make deps installs it)");
    let (out, err) = common::text(&o);
    assert!(o.status.success(), "report check failed:\n{out}{err}");
    out
}

/// The last non-empty line of `out`.
fn last_line(out: &str) -> &str {
    out.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("")
}

#[test]
fn the_report_files_read_back_and_the_chart_renders() {
    let _turn = common::heavy();
    let dir = temp_dir("files");
    let prefix = dir.join("ring");
    let script = common::temp_file(
        "rfc2544",
        "files.lua",
        &format!(
            r#"
local rfc2544 = require "rfc2544"
pktgen.screen("off")
local r = rfc2544.run {{ sizes = {{ 64, 512, 1518 }}, duration = 200, confirm = 0, settle = 500, loss_step = 50,
	b2b_max = 5000, b2b_repeats = 1, output = "{prefix}" }}
print("FILES " .. r.files.csv .. " " .. r.files.json .. " " .. r.files.svg .. " " .. r.files.trials)
"#,
            prefix = prefix.display()
        ),
    );
    let o = common::run(common::pktgen(&["--exit", "-f", &script.to_string_lossy()]), "");
    let (out, err) = common::text(&o);
    assert!(o.status.success(), "{:?}\n{out}\n{err}", o.status);
    let p = prefix.display();
    assert_eq!(
        last_line(&out),
        format!("FILES {p}.csv {p}.json {p}.svg {p}-trials.csv")
    );
    // The table printed at the end, a row per size.
    for want in ["Throughput", "Latency in us", "Frame loss rate", "Back-to-back"] {
        assert!(out.contains(want), "no {want:?} table in:\n{out}");
    }
    let summary = check_report(&prefix);
    assert!(summary.starts_with("report ok: 3 sizes"), "{summary}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn against_the_kernel_the_ndr_loss_and_delay_follow_the_shaper() {
    let _turn = common::heavy();
    let name = format!("pg{}", std::process::id());
    let Some(dut) = Dut::up(&name, false).unwrap_or_else(|e| panic!("setting up the DUT: {e}")) else {
        return;
    };
    let dir = temp_dir("dut");
    let prefix = dir.join("dut");
    let vdev0 = format!("net_af_packet0,iface={name}p0");
    let vdev1 = format!("net_af_packet1,iface={name}p1");
    let file_prefix = format!("pktgen-rfc2544-{}", std::process::id());
    let mut cmd = common::pktgen_vdevs(
        &file_prefix,
        &[&vdev0, &vdev1],
        &["--exit", "-f", "test/rfc2544_dut.lua"],
    );
    cmd.env("DUT_NAME", &name)
        .env("RFC2544_OUTPUT", &prefix)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let o = common::wait_within(cmd.spawn().expect("spawn pktgen"), Duration::from_secs(300));
    let (out, err) = common::text(&o);
    eprintln!("{out}");
    assert!(o.status.success(), "{:?}\n{out}\n--- stderr\n{err}", o.status);
    assert_eq!(last_line(&out), "rfc2544_dut: ok", "{out}\n--- stderr\n{err}");
    let summary = check_report(&prefix);
    assert!(summary.starts_with("report ok: 2 sizes"), "{summary}");
    drop(dut);
    assert!(
        !Path::new(&format!("/run/netns/{name}")).exists(),
        "dut.sh down left the namespace {name}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
