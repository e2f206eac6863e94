//! Latency must not change what is measured: `test/probes/probes.lua` through the real binary,
//! its capture read back by `tshark` (every frame 60 bytes without FCS: TCP traffic and UDP
//! probes, the probes at the configured interval), and the probe note reaching a shell client.

mod common;

use std::process::Command;

use common::{Served, pktgen, run, text};

#[test]
fn tcp_64_byte_frames_keep_their_size_and_probes_measure_latency() {
    let _turn = common::heavy();
    let out = run(pktgen(&["--exit", "-f", "test/probes/probes.lua"]), "");
    let (so, se) = text(&out);
    assert!(out.status.success(), "stdout:\n{so}\nstderr:\n{se}");
    assert_eq!(so.lines().last(), Some("probes: ok"), "{so}");
    assert!(
        so.contains("no room for the 16-byte latency stamp"),
        "the note: {so}"
    );
    // pktgen writes the capture in its working directory, the workspace root.
    let name = so
        .lines()
        .find_map(|l| l.strip_prefix("CAPTURE "))
        .expect("the capture's file");
    let file = common::root().join(name);
    let tshark = Command::new("tshark")
        .arg("-r")
        .arg(&file)
        .args([
            "-T",
            "fields",
            "-e",
            "frame.len",
            "-e",
            "ip.proto",
            "-e",
            "frame.time_epoch",
            "-e",
            "udp.payload",
        ])
        .output()
        .expect("tshark is installed (make deps)");
    assert!(
        tshark.status.success(),
        "{}",
        String::from_utf8_lossy(&tshark.stderr)
    );
    let rows: Vec<Vec<String>> = String::from_utf8_lossy(&tshark.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect();
    let _ = std::fs::remove_file(&file);
    assert_eq!(
        rows.len(),
        10_000 + rows.iter().filter(|r| r[1] == "17").count(),
        "traffic and probes"
    );
    assert!(
        rows.iter().all(|r| r[0] == "60"),
        "every frame 60 bytes without FCS"
    );
    // The probes' departure times, from the TSC in their stamps (the low 48 bits of the last 8
    // bytes, little-endian): receive times move with the receiver's lcore, which on a busy
    // machine may wait for the CPU longer than the few milliseconds this run lasts.
    let hz: f64 = so
        .lines()
        .find_map(|l| l.strip_prefix("TSC_HZ "))
        .and_then(|v| v.parse().ok())
        .expect("the TSC rate");
    let probes: Vec<u64> = rows
        .iter()
        .filter(|r| r[1] == "17")
        .map(|r| {
            let hex = &r[3][r[3].len() - 16..];
            let le = u64::from_str_radix(hex, 16).expect("stamp");
            le.swap_bytes() & ((1 << 48) - 1)
        })
        .collect();
    assert!(probes.len() > 300, "{} probes", probes.len());
    // Paced probes leave 10 us apart. A stall of the sender's lcore (a busy machine) shows as one
    // long gap followed by probes sent back to back while the pacing catches up; those gaps
    // (under 2 us) are the stall's, not the interval's, and the median of the rest is judged.
    let mut gaps: Vec<f64> = probes
        .windows(2)
        .map(|w| (w[1].wrapping_sub(w[0]) & ((1 << 48) - 1)) as f64 / hz)
        .filter(|&g| g >= 2e-6)
        .collect();
    gaps.sort_by(f64::total_cmp);
    assert!(
        gaps.len() > 100,
        "{} paced gaps of {} probes",
        gaps.len(),
        probes.len()
    );
    let median = gaps[gaps.len() / 2];
    assert!(
        (9e-6..11e-6).contains(&median),
        "median probe interval {median} s ({} paced gaps of {} probes)",
        gaps.len(),
        probes.len()
    );
    assert!(
        rows.iter().all(|r| r[1] == "17" || r[1] == "6"),
        "only TCP traffic and UDP probes"
    );
}

#[test]
fn the_probe_note_reaches_a_shell_client() {
    let _turn = common::heavy();
    let pg = Served::start(&[]);
    let script = "pktgen.set(0, 'size', 64)\npktgen.latency('0-1', 'on')\npktgen.set(0, 'count', 1000)\npktgen.start(0)\n";
    let mut socat = Command::new("socat");
    socat.args(["-t", "5", "-", &format!("TCP4:127.0.0.1:{}", pg.port)]);
    let out = run(socat, script);
    let (so, se) = text(&out);
    assert!(
        so.contains("port 0: 64-byte TCP frames have no room"),
        "client output: {so:?} {se}"
    );
    assert!(
        !pg.stderr().contains("no room"),
        "the note is the client's, not the console's"
    );
}
