//! Counting filters and filtered capture against tcpdump, end to end: the real binary writes a
//! mixed traffic file with the packet library (UDP, TCP with each flag mix, ICMP, ARP, IPv6 with
//! extension headers, VLAN, QinQ, VXLAN: test/rx_filters/traffic.lua), replays it many times from
//! port 0 of the embedded default into port 1, where 15 filters count it (test/rx_filters/count.lua);
//! each count must be exactly tcpdump's count of the same filter on the same file times the
//! repeats, with the filters as native code on one and on two RX queues, and in DPDK's interpreter.
//! A filtered capture keeps exactly what tcpdump's filter matches (test/rx_filters/capture.lua).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const FRAMES: u64 = 25;
const REPEAT: u64 = 400;

/// tcpdump's count of the packets of `file` that `filter` matches.
fn tcpdump_count(file: &Path, filter: &str) -> u64 {
    let o = Command::new("tcpdump")
        .arg("--count")
        .arg("-r")
        .arg(file)
        .arg(filter)
        .output()
        .expect("tcpdump is needed (make deps installs it)");
    assert!(
        o.status.success(),
        "tcpdump '{filter}': {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    all.lines()
        .find_map(|l| l.strip_suffix(" packets").or_else(|| l.strip_suffix(" packet")))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no count in tcpdump's output: {all}"))
}

/// A scratch directory holding the mixed traffic file, written by the packet library.
fn traffic(test: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("pktgen-rxf-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let pcap = dir.join("mixed.pcap");
    let script = common::root().join("test/rx_filters/traffic.lua");
    let mut cmd = common::pktgen(&["--exit", "-f", &script.to_string_lossy()]);
    cmd.env("PG_PCAP", &pcap);
    let o = common::run(cmd, "");
    let (out, err) = common::text(&o);
    assert!(
        o.status.success() && out.contains(&format!("traffic: {FRAMES} frames")),
        "{out}{err}"
    );
    (dir, pcap)
}

/// Runs test/rx_filters/NAME.lua replaying `pcap` from port 0; returns its stdout.
fn scenario(dir: &Path, pcap: &Path, name: &str, extra: &[&str], jit: bool) -> String {
    let script = common::root().join(format!("test/rx_filters/{name}.lua"));
    let s0 = format!("0:{}", pcap.display());
    let mut args = vec!["-s", &s0];
    args.extend_from_slice(extra);
    let script = script.to_string_lossy();
    args.extend(["--exit", "-f", &script]);
    let mut cmd = common::pktgen(&args);
    cmd.current_dir(dir)
        .env("PG_FRAMES", FRAMES.to_string())
        .env("PG_REPEAT", REPEAT.to_string())
        .env("PG_TEST_LUA", common::root().join("test/?.lua"));
    if !jit {
        cmd.env("PKTGEN_FILTER_JIT", "0");
    }
    let o = common::run(cmd, "");
    let (out, err) = common::text(&o);
    assert!(
        o.status.success(),
        "{name}.lua: {:?}\n--- stdout\n{out}--- stderr\n{err}",
        o.status
    );
    out
}

/// Every filter's count equals tcpdump's; returns the RX queues' packet counts.
fn check_counts(out: &str, pcap: &Path, native: bool) -> Vec<u64> {
    assert!(out.contains("rx_filters: ok"), "{out}");
    assert!(
        out.contains(&format!("native\t{native}")),
        "native code {native}: {out}"
    );
    let mut checked = 0;
    for l in out.lines().filter(|l| l.starts_with("filter\t")) {
        let f: Vec<&str> = l.splitn(5, '\t').collect();
        let (name, got, expr) = (f[1], f[2].parse::<u64>().expect("count"), f[4]);
        let want = tcpdump_count(pcap, expr) * REPEAT;
        assert_eq!(
            got, want,
            "filter {name} = \"{expr}\": pktgen counted {got}, tcpdump {want}"
        );
        checked += 1;
    }
    assert_eq!(checked, 15, "filters compared: {out}");
    out.lines()
        .filter_map(|l| l.strip_prefix("queue\t"))
        .map(|r| {
            r.split('\t')
                .nth(1)
                .and_then(|n| n.parse().ok())
                .expect("queue count")
        })
        .collect()
}

#[test]
fn filter_counts_equal_tcpdumps_on_one_and_two_queues() {
    let _turn = common::heavy();
    let (dir, pcap) = traffic("counts");
    let one = check_counts(&scenario(&dir, &pcap, "count", &[], true), &pcap, true);
    assert_eq!(one, vec![FRAMES * REPEAT]);
    let two = check_counts(
        &scenario(&dir, &pcap, "count", &["--queues", "2"], true),
        &pcap,
        true,
    );
    assert_eq!(two.len(), 2, "two RX queues: {two:?}");
    assert!(two.iter().all(|&n| n > 0), "both RX queues received: {two:?}");
    assert_eq!(two.iter().sum::<u64>(), FRAMES * REPEAT);
    // DPDK's interpreter, where its JIT is not used, counts the same.
    check_counts(&scenario(&dir, &pcap, "count", &[], false), &pcap, false);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn filtered_capture_keeps_what_tcpdump_matches() {
    let _turn = common::heavy();
    let (dir, pcap) = traffic("capture");
    let out = scenario(&dir, &pcap, "capture", &[], true);
    assert!(out.contains("capture: ok"), "{out}");
    let kept: u64 = out
        .lines()
        .find_map(|l| l.strip_prefix("captured\t"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no captured line: {out}"));
    assert_eq!(kept, tcpdump_count(&pcap, "tcp and src host 198.51.100.7"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// test/dut.sh's namespace, removed when dropped.
struct Dut(String);

impl Drop for Dut {
    fn drop(&mut self) {
        let _ = Command::new(common::root().join("test/dut.sh"))
            .args(["down", &self.0])
            .output();
    }
}

/// Runs `cmd` in the DUT's namespace `ns`.
fn in_ns(ns: &str, cmd: &[&str]) {
    let o = Command::new("ip")
        .args(["netns", "exec", ns])
        .args(cmd)
        .output()
        .expect("ip (iproute2) is needed");
    assert!(
        o.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn through_a_kernel_dut_the_filters_see_what_it_forwarded_and_rewrote() {
    let _turn = common::heavy();
    let name = format!("pf{}", std::process::id() % 100_000_000);
    let up = Command::new(common::root().join("test/dut.sh"))
        .args(["up", &name])
        .env_remove("DUT_RATE")
        .output()
        .expect("test/dut.sh");
    if up.status.code() == Some(77) {
        eprintln!("SKIPPED: {}", String::from_utf8_lossy(&up.stderr).trim_end());
        return;
    }
    let dut = Dut(name.clone());
    assert!(
        up.status.success(),
        "dut.sh up: {}",
        String::from_utf8_lossy(&up.stderr)
    );
    // iptables drops one flow and rewrites the source of another.
    in_ns(
        &name,
        &[
            "iptables", "-A", "FORWARD", "-p", "udp", "--dport", "7001", "-j", "DROP",
        ],
    );
    in_ns(
        &name,
        &[
            "iptables",
            "-t",
            "nat",
            "-A",
            "POSTROUTING",
            "-p",
            "udp",
            "--dport",
            "7002",
            "-j",
            "SNAT",
            "--to-source",
            "198.19.0.1",
        ],
    );
    let vdev0 = format!("net_af_packet0,iface={name}p0");
    let vdev1 = format!("net_af_packet1,iface={name}p1");
    let file_prefix = format!("pktgen-rxf-{}", std::process::id());
    let script = common::root().join("test/rx_filters/dut.lua");
    let mut cmd = common::pktgen_vdevs(
        &file_prefix,
        &[&vdev0, &vdev1],
        &["--exit", "-f", &script.to_string_lossy()],
    );
    let dir = std::env::temp_dir().join(format!("pktgen-rxf-{}-dut", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    cmd.current_dir(&dir)
        .env("PG_N", "100")
        .env("PG_TEST_LUA", common::root().join("test/?.lua"));
    let o = common::run(cmd, "");
    let (out, err) = common::text(&o);
    assert!(
        o.status.success() && out.contains("dut: ok"),
        "{:?}\n{out}\n--- stderr\n{err}",
        o.status
    );
    drop(dut);
    let _ = std::fs::remove_dir_all(&dir);
}

/// One scrape of `--metrics` on `port`.
fn scrape(port: u16) -> String {
    use std::io::{Read as _, Write as _};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect to --metrics");
    s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .expect("timeout");
    s.write_all(b"GET /metrics HTTP/1.0\r\n\r\n")
        .expect("send the request");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

#[test]
fn metrics_carry_one_series_per_filter() {
    let _turn = common::heavy();
    let script = common::temp_file(
        "rx_filters",
        "metrics.lua",
        r#"
local packet = require "packet"
pktgen.screen("off")
pktgen.rx.add(1, "udp", "udp")
pktgen.rx.add(1, "tcp", "tcp")
local f = (packet.Ether {} / packet.IPv4 {} / packet.UDP {} / packet.Payload { size = 18 }):bytes()
require("engine").send(0, { f, f, f, f, f, f, f })
"#,
    );
    let srv = common::Served::start(&["--metrics", "127.0.0.1:0", "-f", &script.to_string_lossy()]);
    let port = srv.metrics.expect("metrics port");
    let want = "pktgen_filter_packets_total{port=\"1\",filter=\"udp\"} 7";
    let deadline = std::time::Instant::now() + common::TIMEOUT;
    let mut got = scrape(port);
    while !got.contains(want) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
        got = scrape(port);
    }
    assert!(
        got.contains(want),
        "no {want:?} in\n{got}\n--- stderr\n{}",
        srv.stderr()
    );
    assert!(
        got.contains("pktgen_filter_packets_total{port=\"1\",filter=\"tcp\"} 0"),
        "{got}"
    );
    assert!(
        got.contains("pktgen_filter_bytes_total{port=\"1\",filter=\"udp\"} 420"),
        "{got}"
    );
}
