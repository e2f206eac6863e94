//! pcap replay with `-s P:file` and capture to a file, end to end: the real binary on the
//! back-to-back ring pair replays a pcap file on port 0 (`pktgen.pcap`) while `pktgen.capture`
//! records port 1; the file it writes must hold exactly the replayed packets (short ones padded)
//! and tshark must decode it with valid checksums. Port 1 replays a second file with
//! `pktgen.pcap_timing`, and its packets must arrive with the capture's gaps.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use engine::CapturedPacket;

const N: usize = 40;

fn sum16(data: &[u8], mut acc: u32) -> u32 {
    for c in data.chunks(2) {
        acc += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc
}

/// An Ethernet/IPv4/UDP frame with `payload` bytes and correct checksums.
fn udp_frame(i: usize, payload: usize) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00]);
    let total = 20 + 8 + payload;
    let mut ip = vec![
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        i as u8,
        0,
        0,
        64,
        17,
        0,
        0,
        10,
        0,
        0,
        1,
        10,
        0,
        0,
        2,
    ];
    let c = !sum16(&ip, 0) as u16;
    ip[10..12].copy_from_slice(&c.to_be_bytes());
    f.extend_from_slice(&ip);
    let ulen = 8 + payload;
    let mut udp = vec![0x04, 0xd2, 0x16, 0x2e, (ulen >> 8) as u8, ulen as u8, 0, 0];
    udp.extend((0..payload).map(|k| (k + i) as u8));
    let pseudo = sum16(&ip[12..20], 17 + ulen as u32);
    let mut c = !sum16(&udp, pseudo) as u16;
    if c == 0 {
        c = 0xffff;
    }
    udp[6..8].copy_from_slice(&c.to_be_bytes());
    f.extend_from_slice(&udp);
    f
}

fn packet(time_ns: u64, data: Vec<u8>) -> CapturedPacket {
    CapturedPacket {
        time_ns,
        orig_len: data.len() as u32,
        data,
    }
}

const SCRIPT: &str = r#"
package.path = package.path .. ";" .. os.getenv("PG_TEST_LUA")
local engine = require "engine"
local wait_for = require("testing").wait_for
local N = tonumber(os.getenv("PG_N"))
pktgen.screen("off")
-- port 0: the -s file once, captured on port 1 by pktgen.capture
pktgen.set(0, "count", N)
pktgen.pcap(0, "on")
assert(require("pktgen.internal.config").get(0).mode == "pcap", "pcap mode is on")
pktgen.capture(1, "on")
pktgen.start(0)
wait_for("port 1 to receive the file", function() return engine.stats(1).rx_packets >= N end)
pktgen.capture(1, "off")
-- port 1: three packets 50 ms apart, replayed with their gaps
pktgen.set(1, "count", 3)
pktgen.pcap(1, "on")
pktgen.pcap_timing(1, "on")
engine.capture_start(0)
pktgen.start(1)
wait_for("port 0 to receive 3", function() return engine.stats(0).rx_packets >= 3 end)
local n, _, pk = engine.capture_stop(0)
assert(n == 3, "timed replay: " .. n .. " packets")
local ms = (pk[3].time_ns - pk[1].time_ns) / 1e6
-- Sent exactly 100 ms apart. The receive stamps move with the receiver's lcore, which an idle
-- receiver polls every millisecond but a busy machine may keep from its CPU for several: 10 %
-- of margin, where replaying without the gaps would take well under a millisecond.
assert(ms >= 90 and ms < 200, string.format("pcap_timing: 3 packets 50 ms apart took %.1f ms", ms))
-- pcap off returns to single mode; save keeps pcap mode
pktgen.pcap(1, "off")
assert(require("pktgen.internal.config").get(1).mode == "single")
pktgen.pcap(1, "on")
pktgen.save("saved.lua")
print("pcap: ok")
"#;

fn tshark_rows(file: &Path) -> Vec<String> {
    let o = Command::new("tshark")
        .arg("-r")
        .arg(file)
        .args(["-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"])
        .args([
            "-T",
            "fields",
            "-E",
            "separator=|",
            "-e",
            "ip.checksum.status",
            "-e",
            "udp.checksum.status",
            "-e",
            "udp.length",
        ])
        .output()
        .expect("tshark is needed (make test installs it)");
    assert!(
        o.status.success(),
        "tshark: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn replay_with_dash_s_capture_to_file_and_timing() {
    let _turn = common::heavy();
    let dir: PathBuf = std::env::temp_dir().join(format!("pktgen-pcap-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    // Payloads 0..=140 bytes: frames of 42..182 bytes, the short ones padded to 60 on the wire.
    let input: Vec<CapturedPacket> = (0..N)
        .map(|i| packet(1_000_000_000 + i as u64 * 1000, udp_frame(i, (i * 37) % 141)))
        .collect();
    let main = dir.join("main.pcap");
    engine::write_pcap(&main, &input).expect("write main.pcap");
    let timed: Vec<CapturedPacket> = (0..3)
        .map(|i| packet(2_000_000_000 + i * 50_000_000, udp_frame(i as usize, 20)))
        .collect();
    let timed_file = dir.join("timed.pcap");
    engine::write_pcap(&timed_file, &timed).expect("write timed.pcap");
    let script = dir.join("replay.lua");
    std::fs::write(&script, SCRIPT).expect("write script");

    let s0 = format!("0:{}", main.display());
    let s1 = format!("1:{}", timed_file.display());
    let mut cmd = common::pktgen(&["-s", &s0, "-s", &s1, "--exit", "-f", &script.to_string_lossy()]);
    // In the temporary directory, where the capture is written; the test helpers by full path.
    cmd.current_dir(&dir)
        .env("PG_N", N.to_string())
        .env("PG_TEST_LUA", common::root().join("test/?.lua"));
    let o = common::run(cmd, "");
    let (out, err) = common::text(&o);
    assert!(
        o.status.success() && out.contains("pcap: ok"),
        "{:?}\n--- stdout\n{out}--- stderr\n{err}",
        o.status
    );

    // The file pktgen.capture wrote, named in its message.
    let name = out
        .lines()
        .find_map(|l| {
            l.strip_prefix("capture: port 1: ")
                .and_then(|r| r.split(" written to ").nth(1))
        })
        .unwrap_or_else(|| panic!("no capture line in\n{out}"));
    let file = dir.join(name.trim());
    assert!(
        name.starts_with("pktgen-capture-p1-") && name.ends_with(".pcap"),
        "{name}"
    );
    let got = engine::read_pcap(&file).expect("read the capture");
    assert_eq!(got.len(), N, "packets in {}", file.display());
    for (i, (g, want)) in got.iter().zip(&input).enumerate() {
        let mut w = want.data.clone();
        w.resize(w.len().max(60), 0);
        assert_eq!(g.data, w, "packet {i} differs from the -s file");
    }
    let rows = tshark_rows(&file);
    assert_eq!(rows.len(), N, "tshark rows: {rows:?}");
    for (i, r) in rows.iter().enumerate() {
        let f: Vec<&str> = r.split('|').collect();
        assert_eq!(&f[..2], ["1", "1"], "packet {i}: checksum status {r}");
        assert_eq!(f[2], (8 + (i * 37) % 141).to_string(), "packet {i}: udp.length");
    }
    let saved = std::fs::read_to_string(dir.join("saved.lua")).expect("saved.lua");
    assert!(
        saved.contains(r#"pktgen.pcap(1, "on")"#) && saved.contains(r#"pktgen.pcap_timing(1, "on")"#),
        "{saved}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A capture still on when pktgen ends is written out, as turning it off would: at the end of
/// the scripts with `--exit`, and on Ctrl-C. tshark reads back what was captured.
#[test]
fn capture_still_on_at_the_end_is_written() {
    let _turn = common::heavy();
    use std::io::{BufRead as _, BufReader};
    use std::process::Stdio;
    use std::sync::mpsc;
    use std::time::Duration;

    const SENT: usize = 25;
    let script = format!(
        r#"
package.path = package.path .. ";" .. os.getenv("PG_TEST_LUA")
local t = require "testing"
pktgen.capture(1, "on")
t.send({SENT})
t.wait_for("port 1 to receive them", function() return pktgen.portStats(1)[1].qstats[0].ipackets >= {SENT} end)
print("ready")
"#
    );
    for how in ["exit", "ctrl-c"] {
        let dir: PathBuf =
            std::env::temp_dir().join(format!("pktgen-capture-end-{}-{how}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("capture.lua");
        std::fs::write(&file, &script).expect("write script");
        let path = file.to_string_lossy();
        let mut args = vec!["-f", &*path];
        if how == "exit" {
            args.push("--exit");
        }
        let mut cmd = common::pktgen(&args);
        cmd.current_dir(&dir)
            .env("PG_TEST_LUA", common::root().join("test/?.lua"));
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn pktgen");
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut out = Vec::new();
        let next = || rx.recv_timeout(Duration::from_secs(30)).ok();
        while let Some(l) = next() {
            let ready = l == "ready";
            out.push(l);
            if ready {
                break;
            }
        }
        assert!(out.iter().any(|l| l == "ready"), "{how}: no ready line: {out:?}");
        if how == "ctrl-c" {
            let pid = child.id().to_string();
            assert!(
                Command::new("kill")
                    .args(["-INT", &pid])
                    .status()
                    .expect("kill")
                    .success()
            );
        }
        out.extend(std::iter::from_fn(next));
        let o = common::wait(child);
        assert!(
            o.status.success(),
            "{how}: {:?}\n{out:?}\n{}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        );
        let name = out
            .iter()
            .find_map(|l| {
                l.strip_prefix("capture: port 1: ")
                    .and_then(|r| r.split(" written to ").nth(1))
            })
            .unwrap_or_else(|| panic!("{how}: no capture line in {out:?}"));
        assert!(
            out.iter()
                .any(|l| l.starts_with(&format!("capture: port 1: {SENT} packets written"))),
            "{how}: {out:?}"
        );
        assert_eq!(
            tshark_rows(&dir.join(name.trim())).len(),
            SENT,
            "{how}: packets tshark reads back"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
