//! The packet library (`require "packet"`) against tshark as the independent oracle. The real
//! binary runs `test/packet/tshark.lua`, which builds frames covering every layer and
//! option, writes them to a pcap file, sends them as a stream from port 0 into port 1 of the embedded default
//! and captures them (they must cross the engine unchanged), and writes what tshark must read in
//! each frame, taken from the Lua tables. Frames made here (with their own checksum code) and
//! turned into a pcap file by `text2pcap` are decoded by the library, encoded back to the same
//! bytes, and their decoded fields checked against tshark too. `test/packet/streams.lua` sends
//! built packets as streams with fields walking by name, checked the same way.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// One's-complement sum of 16-bit big-endian words, an odd last byte padded.
fn sum16(data: &[u8], mut acc: u32) -> u32 {
    for c in data.chunks(2) {
        acc += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    acc
}

fn finish(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

fn ipv4(proto: u8, src: [u8; 4], dst: [u8; 4], body: &[u8]) -> Vec<u8> {
    let total = (20 + body.len()) as u16;
    let mut h = vec![0x45, 0, 0, 0, 0x1c, 0x46, 0x40, 0, 64, proto, 0, 0];
    h[2..4].copy_from_slice(&total.to_be_bytes());
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    let c = finish(sum16(&h, 0));
    h[10..12].copy_from_slice(&c.to_be_bytes());
    h.extend_from_slice(body);
    h
}

/// A UDP or TCP segment (`l4` with a zero checksum at `at`) with its IPv4 pseudo-header checksum.
fn with_checksum(mut l4: Vec<u8>, at: usize, pseudo: u32) -> Vec<u8> {
    let c = finish(sum16(&l4, pseudo));
    l4[at..at + 2].copy_from_slice(&c.to_be_bytes());
    l4
}

fn pseudo4(src: [u8; 4], dst: [u8; 4], proto: u8, len: usize) -> u32 {
    sum16(&src, sum16(&dst, 0)) + u32::from(proto) + len as u32
}

/// Frames written independently of the library: a DNS query over UDP, a VLAN-tagged TCP SYN with
/// Linux's usual options, an ICMPv6 echo request, and a short UDP frame padded to 60 bytes.
fn t2p_frames() -> Vec<Vec<u8>> {
    let eth = |ty: &[u8]| {
        let mut e = vec![
            0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
        ];
        e.extend_from_slice(ty);
        e
    };
    let (a, b) = ([10, 1, 1, 1], [10, 2, 2, 2]);

    let dns = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01";
    let mut udp = vec![0x80, 0xe8, 0x00, 0x35, 0, 0, 0, 0];
    let ulen = (8 + dns.len()) as u16;
    udp[4..6].copy_from_slice(&ulen.to_be_bytes());
    udp.extend_from_slice(dns);
    let udp = with_checksum(udp, 6, pseudo4(a, b, 17, ulen as usize));
    let mut f1 = eth(&[0x08, 0x00]);
    f1.extend(ipv4(17, a, b, &udp));

    let mut tcp = vec![
        0x9c, 0x40, 0x00, 0x50, 0, 0, 0x30, 0x39, 0, 0, 0, 0, 0xa0, 0x02, 0xfa, 0xf0, 0, 0, 0, 0,
    ];
    // mss 1460, SACK permitted, timestamps 100/0, nop, window scale 7
    tcp.extend_from_slice(&[
        2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 100, 0, 0, 0, 0, 1, 3, 3, 7,
    ]);
    let n = tcp.len();
    let tcp = with_checksum(tcp, 16, pseudo4(a, b, 6, n));
    let mut f2 = eth(&[0x81, 0x00, 0x60, 0x2a, 0x08, 0x00]);
    f2.extend(ipv4(6, a, b, &tcp));

    let (s6, d6) = (
        [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2],
    );
    let mut icmp = vec![128, 0, 0, 0, 0x12, 0x34, 0, 1, b'a', b'b', b'c', b'd'];
    let p6 = sum16(&s6, sum16(&d6, 0)) + 58 + icmp.len() as u32;
    let c = finish(sum16(&icmp, p6));
    icmp[2..4].copy_from_slice(&c.to_be_bytes());
    let mut f3 = eth(&[0x86, 0xdd]);
    f3.extend_from_slice(&[0x60, 0, 0, 0, 0, icmp.len() as u8, 58, 64]);
    f3.extend_from_slice(&s6);
    f3.extend_from_slice(&d6);
    f3.extend(icmp);

    let short = with_checksum(
        vec![0x04, 0xd2, 0x16, 0x2e, 0, 10, 0, 0, 0xab, 0xcd],
        6,
        pseudo4(a, b, 17, 10),
    );
    let mut f4 = eth(&[0x08, 0x00]);
    f4.extend(ipv4(17, a, b, &short));
    f4.resize(60, 0);
    vec![f1, f2, f3, f4]
}

/// `frames` as a pcap file through text2pcap (offsets and hex bytes, one line each).
fn text2pcap(dir: &Path, frames: &[Vec<u8>]) -> PathBuf {
    let mut text = String::new();
    for f in frames {
        for (i, line) in f.chunks(16).enumerate() {
            text.push_str(&format!("{:06x}", i * 16));
            for b in line {
                text.push_str(&format!(" {b:02x}"));
            }
            text.push('\n');
        }
    }
    let (txt, pcap) = (dir.join("t2p.txt"), dir.join("t2p.pcap"));
    std::fs::write(&txt, text).expect("write the hex dump");
    let o = Command::new("text2pcap")
        .args(["-q", "-F", "pcap"])
        .arg(&txt)
        .arg(&pcap)
        .output()
        .expect("text2pcap is needed (it comes with tshark)");
    assert!(
        o.status.success(),
        "text2pcap: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    pcap
}

/// tshark's values of `fields` in each packet of `file`, with checksum validation on.
fn tshark(file: &Path, fields: &BTreeSet<String>) -> Vec<BTreeMap<String, Vec<String>>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(file);
    for proto in ["ip", "udp", "tcp"] {
        cmd.args(["-o", &format!("{proto}.check_checksum:TRUE")]);
    }
    cmd.args(["-T", "json"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let o = cmd.output().expect("tshark is needed (make test installs it)");
    assert!(
        o.status.success(),
        "tshark: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("tshark's JSON");
    v.as_array()
        .expect("a list of packets")
        .iter()
        .map(|p| {
            let layers = &p["_source"]["layers"];
            let mut m = BTreeMap::new();
            if let Some(obj) = layers.as_object() {
                for (k, vals) in obj {
                    let list = vals
                        .as_array()
                        .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
                        .unwrap_or_default();
                    m.insert(k.clone(), list);
                }
            }
            m
        })
        .collect()
}

/// A number written in decimal or 0x-hexadecimal.
fn number(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

/// Same value: as numbers when both are, else as text ignoring case (addresses).
fn same(want: &str, got: &str) -> bool {
    match (number(want), number(got)) {
        (Some(a), Some(b)) => a == b,
        _ => want.eq_ignore_ascii_case(got),
    }
}

struct Expect {
    frame: usize,
    field: String,
    occurrence: usize,
    value: String,
}

/// Compares tshark's reading of `file` with the expectations; returns the mismatches.
fn check(file: &Path, rows: &[Expect], frames: usize) -> Vec<String> {
    let fields: BTreeSet<String> = rows.iter().map(|r| r.field.clone()).collect();
    let packets = tshark(file, &fields);
    assert_eq!(packets.len(), frames, "packets tshark read in {}", file.display());
    let mut bad = Vec::new();
    for r in rows {
        let got = packets[r.frame - 1].get(&r.field);
        let value = got.and_then(|g| g.get(r.occurrence - 1));
        if !value.is_some_and(|v| same(&r.value, v)) {
            bad.push(format!(
                "{} frame {}: {} #{} = {:?}, want {}",
                file.file_name().unwrap_or_default().to_string_lossy(),
                r.frame,
                r.field,
                r.occurrence,
                got,
                r.value
            ));
        }
    }
    bad
}

/// The script's expectations (`file\tframe\tfield\toccurrence\tvalue` lines) by file.
fn expectations(text: &str) -> BTreeMap<String, Vec<Expect>> {
    let mut by_file: BTreeMap<String, Vec<Expect>> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with("show\t")) {
        let p: Vec<&str> = line.splitn(5, '\t').collect();
        assert_eq!(p.len(), 5, "expectation line {line:?}");
        by_file.entry(p[0].to_string()).or_default().push(Expect {
            frame: p[1].parse().expect("frame"),
            field: p[2].to_string(),
            occurrence: p[3].parse().expect("occurrence"),
            value: p[4].to_string(),
        });
    }
    by_file
}

/// A fresh directory for one run's files.
fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pktgen-packet-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Streams of built packets, raw frames, frame lists and a capture (test/packet/streams.lua),
/// sent on one TX queue and on two: in stream order (by their sequence field) every walking field
/// takes the values asked, sizes walk, and every checksum is good, as tshark reads them.
#[test]
fn streams_send_built_packets_with_fields_walking_by_name_on_one_and_two_queues() {
    let _turn = common::heavy();
    let two = ["--lcores", "0@0,(1-4)@1", "--", "--queues", "2"];
    for (tag, eal) in [("1q", &[][..]), ("2q", &two[..])] {
        let dir = temp_dir(tag);
        let mut args = eal.to_vec();
        args.extend(["--exit", "-f", "test/packet/streams.lua"]);
        let mut cmd = common::pktgen(&args);
        cmd.env("PG_DIR", &dir);
        let o = common::run(cmd, "");
        let (out, err) = common::text(&o);
        assert!(
            o.status.success() && out.contains("packet streams: ok"),
            "{tag}: {:?}\n--- stdout\n{out}--- stderr\n{err}",
            o.status
        );
        let text = std::fs::read_to_string(dir.join("expect.txt")).expect("expect.txt");
        let by_file = expectations(&text);
        let mut bad = Vec::new();
        for file in ["walks", "vxlan", "ipv6", "sizes", "random_sizes", "raw"] {
            let rows = by_file
                .get(file)
                .unwrap_or_else(|| panic!("{tag}: no expectations for {file}"));
            let frames = rows.iter().map(|r| r.frame).max().unwrap_or(0);
            bad.extend(check(&dir.join(format!("{file}.pcap")), rows, frames));
        }
        assert!(
            bad.is_empty(),
            "{tag}: {} values differ from tshark's:\n{}",
            bad.len(),
            bad.join("\n")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn every_layer_and_option_reads_the_same_in_tshark_and_crosses_the_engine_unchanged() {
    let _turn = common::heavy();
    let dir = temp_dir("layers");
    let t2p = t2p_frames();
    let t2p_file = text2pcap(&dir, &t2p);

    let mut cmd = common::pktgen(&["--exit", "-f", "test/packet/tshark.lua"]);
    cmd.env("PG_DIR", &dir).env("PG_T2P", &t2p_file);
    let o = common::run(cmd, "");
    let (out, err) = common::text(&o);
    assert!(
        o.status.success() && out.contains("packet tshark frames: ok"),
        "{:?}\n--- stdout\n{out}--- stderr\n{err}",
        o.status
    );

    let text = std::fs::read_to_string(dir.join("expect.txt")).expect("expect.txt");
    let by_file = expectations(&text);
    let built = &by_file["built"];
    let frames = built.iter().map(|r| r.frame).max().unwrap_or(0);
    // Every family's fields and every checksum kind are among what tshark is asked.
    for f in [
        "eth.type",
        "vlan.id",
        "ieee8021ad.id",
        "mpls.label",
        "arp.opcode",
        "ip.checksum.status",
        "ipv6.flow",
        "ipv6.hopopts.nxt",
        "ipv6.dstopts.nxt",
        "ipv6.routing.srh.addr",
        "ipv6.fraghdr.ident",
        "udp.checksum.status",
        "tcp.checksum.status",
        "tcp.options.mss_val",
        "tcp.options.timestamp.tsval",
        "tcp.options.wscale.shift",
        "icmp.checksum.status",
        "icmpv6.checksum.status",
        "icmpv6.nd.ns.target_address",
        "icmpv6.nd.na.flag.r",
        "gre.key",
        "gre.checksum.status",
        "vxlan.vni",
        "geneve.option.class",
        "gtp.teid",
    ] {
        assert!(built.iter().any(|r| r.field == f), "no frame checks {f}");
    }
    // Bad where a bad checksum was asked for: one of each kind.
    for f in ["ip", "udp", "tcp", "icmp", "icmpv6"] {
        let field = format!("{f}.checksum.status");
        assert!(
            built.iter().any(|r| r.field == field && r.value == "0x0"),
            "no frame asks for a bad {f} checksum"
        );
    }

    let mut bad = check(&dir.join("built.pcap"), built, frames);
    // The capture on port 1 holds the same frames, so tshark must read the same values in it.
    bad.extend(check(&dir.join("wire.pcap"), built, frames));
    let sent = engine::read_pcap(&dir.join("built.pcap")).expect("built.pcap");
    let got = engine::read_pcap(&dir.join("wire.pcap")).expect("wire.pcap");
    assert_eq!(got.len(), sent.len(), "frames captured on port 1");
    for (i, (g, s)) in got.iter().zip(&sent).enumerate() {
        // The stream pads short frames to Ethernet's 60 bytes.
        let mut want = s.data.clone();
        want.resize(want.len().max(60), 0);
        assert_eq!(g.data, want, "frame {} changed crossing the engine", i + 1);
    }
    let decoded = &by_file["t2p"];
    bad.extend(check(&t2p_file, decoded, t2p.len()));
    assert!(
        bad.is_empty(),
        "{} of {} values differ from tshark's:\n{}",
        bad.len(),
        2 * built.len() + decoded.len(),
        bad.join("\n")
    );
    // The decoded text2pcap frames are what they were written as, layer by layer.
    let shows: Vec<&str> = text.lines().filter(|l| l.starts_with("show\t")).collect();
    assert_eq!(shows.len(), t2p.len(), "decoded text2pcap frames");
    for (show, layers) in shows.iter().zip([
        "Ether|IPv4|UDP|Payload",
        "Ether|Dot1Q|IPv4|TCP",
        "Ether|IPv6|ICMPv6Echo|Payload",
        "Ether|IPv4|UDP|Payload|Padding",
    ]) {
        let names: Vec<&str> = show
            .splitn(3, '\t')
            .nth(2)
            .unwrap_or_default()
            .split('|')
            .filter_map(|l| l.strip_prefix("###[ ").and_then(|l| l.strip_suffix(" ]###")))
            .collect();
        assert_eq!(names.join("|"), layers, "{show}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The README's "Build any packet" scenarios run as written, each as its own script, and send
/// every packet they ask for.
#[test]
fn the_readme_build_any_packet_scenarios_run() {
    let _turn = common::heavy();
    let readme = std::fs::read_to_string(common::root().join("README.md")).expect("README.md");
    let section = readme
        .split("\n## Build any packet\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("README has a Build any packet section");
    let blocks: Vec<&str> = section
        .split("```lua\n")
        .skip(1)
        .filter_map(|b| b.split("\n```").next())
        .collect();
    assert_eq!(blocks.len(), 3, "three scenarios");
    let dir = temp_dir("readme");
    for (i, (block, want)) in blocks
        .iter()
        .zip(["dns queries sent: 50000", "###[ SRH ]###", "SYNs sent: 64512"])
        .enumerate()
    {
        let file = dir.join(format!("scenario{i}.lua"));
        std::fs::write(&file, block).expect("write the scenario");
        let o = common::run(
            common::pktgen(&["--exit", "-f", file.to_str().expect("path")]),
            "",
        );
        let (out, err) = common::text(&o);
        assert!(
            o.status.success() && out.contains(want),
            "scenario {i} ({want}): {:?}\n--- stdout\n{out}--- stderr\n{err}",
            o.status
        );
        if i == 1 {
            // The streams table: 20000 sent and received, none lost.
            let row = out.lines().find(|l| l.contains(" srv6 ")).expect("the srv6 row");
            let cols: Vec<&str> = row.split_whitespace().collect();
            assert_eq!(cols[5..8], ["20000", "20000", "0"], "srv6 row: {row}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
