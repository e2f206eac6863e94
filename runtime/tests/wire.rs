//! Byte-exact checks of what pktgen puts on the wire: each scenario runs the real binary on a
//! `net_pcap` port whose TX side is a pcap file, and tshark decodes that file with checksum
//! validation on. Every decoded field the scenario sets is compared, and every IP/UDP/TCP/ICMP
//! checksum must be good (status 1), so a wrong offset, length or checksum fix-up fails here.
//!
//! The Lua scenarios live in `test/wire/*.lua`; each sends a few packets from port 0 (the only
//! port, with no partner) and exits.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A scenario and the tshark fields expected in each packet it sends, in order.
struct Case {
    script: &'static str,
    /// tshark fields; values of repeated fields (inner and outer headers) are comma-joined.
    fields: &'static [&'static str],
    /// One row per packet: the expected value of each field ("*" = not checked, "10.0.0.*" = a
    /// value starting "10.0.0.").
    rows: Vec<&'static [&'static str]>,
}

/// The fields a scenario fills with random bits: their values must not be the same in every packet.
fn random_fields(script: &str) -> &'static [&'static str] {
    match script {
        "rnd" => &["ip.src"],
        "rnd_src" => &["ip.src", "tcp.srcport"],
        _ => &[],
    }
}

/// The same expected row for n packets.
fn rep(r: &'static [&'static str], n: usize) -> Vec<&'static [&'static str]> {
    vec![r; n]
}

fn row(r: &'static [&'static str]) -> &'static [&'static str] {
    r
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            script: "udp",
            fields: &[
                "eth.dst",
                "ip.src",
                "ip.dst",
                "ip.ttl",
                "ip.dsfield",
                "udp.srcport",
                "udp.dstport",
                "ip.checksum.status",
                "udp.checksum.status",
                "frame.len",
                "data.data",
            ],
            rows: rep(
                &[
                    "00:00:00:00:00:00",
                    "192.168.0.1",
                    "192.168.1.1",
                    "9",
                    "0x28",
                    "1234",
                    "5678",
                    "1",
                    "1",
                    "60",
                    "68656c6c6f68656c6c6f68656c6c6f68656c",
                ],
                3,
            ),
        },
        Case {
            script: "tcp",
            fields: &[
                "ip.src",
                "ip.dst",
                "tcp.srcport",
                "tcp.dstport",
                "tcp.flags",
                "ip.checksum.status",
                "tcp.checksum.status",
            ],
            rows: rep(&["10.0.0.1", "10.0.0.2", "1234", "80", "0x0002", "1", "1"], 3),
        },
        Case {
            script: "icmp",
            fields: &[
                "ip.src",
                "ip.dst",
                "icmp.type",
                "ip.checksum.status",
                "icmp.checksum.status",
            ],
            rows: rep(&["192.168.0.1", "192.168.1.1", "8", "1", "1"], 3),
        },
        Case {
            script: "ipv6_udp",
            fields: &[
                "ipv6.src",
                "ipv6.dst",
                "ipv6.plen",
                "udp.dstport",
                "udp.checksum.status",
                "frame.len",
            ],
            rows: rep(&["fd00::1", "fd00::2", "60", "5678", "1", "114"], 3),
        },
        Case {
            script: "ipv6_tcp",
            fields: &["ipv6.src", "ipv6.dst", "tcp.dstport", "tcp.checksum.status"],
            rows: rep(&["fd00::1", "fd00::2", "5678", "1"], 3),
        },
        Case {
            script: "vlan",
            fields: &[
                "vlan.id",
                "vlan.priority",
                "ip.src",
                "ip.checksum.status",
                "udp.checksum.status",
            ],
            rows: rep(&["42", "5", "192.168.0.1", "1", "1"], 3),
        },
        Case {
            script: "qinq",
            fields: &[
                "ieee8021ad.id",
                "vlan.id",
                "ip.dst",
                "ip.checksum.status",
                "udp.checksum.status",
            ],
            rows: rep(&["100", "200", "192.168.1.1", "1", "1"], 3),
        },
        Case {
            script: "mpls",
            fields: &[
                "mpls.label",
                "mpls.bottom",
                "mpls.ttl",
                "ip.src",
                "ip.checksum.status",
                "udp.checksum.status",
            ],
            rows: rep(&["42", "1", "255", "192.168.0.1", "1", "1"], 3),
        },
        Case {
            script: "gre",
            fields: &[
                "ip.proto",
                "gre.key",
                "gre.proto",
                "ip.checksum.status",
                "tcp.checksum.status",
                "tcp.dstport",
            ],
            rows: rep(&["47,6", "0x0000004d", "0x0800", "1,1", "1", "5678"], 3),
        },
        Case {
            script: "gre_eth",
            fields: &[
                "gre.proto",
                "gre.key",
                "eth.type",
                "ip.checksum.status",
                "udp.checksum.status",
                "udp.dstport",
            ],
            rows: rep(&["0x6558", "0x0000004e", "0x0800,0x0800", "1,1", "1", "5678"], 3),
        },
        Case {
            script: "vxlan",
            fields: &[
                "udp.dstport",
                "vxlan.vni",
                "vxlan.flags",
                "eth.dst",
                "ip.dst",
                "ip.checksum.status",
                "udp.checksum.status",
            ],
            // RFC 7348: the outer UDP checksum is 0 (status 3, "not present"); the inner one is good.
            rows: rep(
                &[
                    "4789,5678",
                    "5000",
                    "0x0800",
                    "00:00:00:00:00:00,00:00:00:00:00:00",
                    "192.168.1.1,192.168.1.1",
                    "1,1",
                    "3,1",
                ],
                3,
            ),
        },
        Case {
            script: "gtpu",
            fields: &[
                "udp.dstport",
                "gtp.teid",
                "gtp.length",
                "ip.checksum.status",
                "udp.checksum.status",
            ],
            rows: rep(&["2152", "0x000003e7", "10", "1", "1"], 3),
        },
        Case {
            script: "arp_request",
            fields: &[
                "eth.dst",
                "arp.opcode",
                "arp.src.proto_ipv4",
                "arp.dst.proto_ipv4",
                "arp.dst.hw_mac",
            ],
            rows: rep(
                &[
                    "ff:ff:ff:ff:ff:ff",
                    "1",
                    "192.168.0.1",
                    "192.168.1.1",
                    "00:00:00:00:00:00",
                ],
                3,
            ),
        },
        Case {
            script: "arp_gratuitous",
            fields: &[
                "eth.dst",
                "arp.opcode",
                "arp.src.proto_ipv4",
                "arp.dst.proto_ipv4",
                "arp.isannouncement",
            ],
            rows: rep(&["ff:ff:ff:ff:ff:ff", "1", "10.1.1.1", "10.1.1.1", "1"], 1),
        },
        Case {
            script: "range",
            fields: &[
                "ip.dst",
                "udp.srcport",
                "frame.len",
                "ip.len",
                "udp.length",
                "ip.checksum.status",
                "udp.checksum.status",
            ],
            rows: vec![
                row(&["192.168.1.1", "1000", "60", "46", "26", "1", "1"]),
                row(&["192.168.1.2", "1001", "70", "56", "36", "1", "1"]),
                row(&["192.168.1.3", "1002", "80", "66", "46", "1", "1"]),
                row(&["192.168.1.1", "1000", "90", "76", "56", "1", "1"]),
                row(&["192.168.1.2", "1001", "60", "46", "26", "1", "1"]),
            ],
        },
        Case {
            script: "seq",
            fields: &[
                "ip.dst",
                "ip.proto",
                "frame.len",
                "ip.checksum.status",
                "udp.checksum.status",
                "tcp.checksum.status",
            ],
            rows: vec![
                row(&["10.0.0.1", "17", "60", "1", "1", ""]),
                row(&["10.0.0.2", "6", "124", "1", "", "1"]),
                row(&["10.0.0.3", "17", "252", "1", "1", ""]),
                row(&["10.0.0.1", "17", "60", "1", "1", ""]),
            ],
        },
        // Random bits in the low byte of the source address; everything else as configured.
        Case {
            script: "rnd",
            fields: &[
                "ip.src",
                "ip.dst",
                "udp.srcport",
                "udp.dstport",
                "ip.checksum.status",
                "udp.checksum.status",
            ],
            rows: rep(&["192.168.0.*", "192.168.1.1", "1234", "5678", "1", "1"], 8),
        },
        // Random host bits under the source's /24 and a random source port.
        Case {
            script: "rnd_src",
            fields: &[
                "ip.src",
                "ip.dst",
                "tcp.srcport",
                "tcp.dstport",
                "ip.checksum.status",
                "tcp.checksum.status",
            ],
            rows: rep(&["192.168.0.*", "192.168.1.1", "*", "5678", "1", "1"], 8),
        },
        Case {
            script: "ping4",
            fields: &["icmp.type", "ip.checksum.status", "icmp.checksum.status"],
            rows: rep(&["8", "1", "1"], 1),
        },
    ]
}

/// A pcap file with only its 24-byte header: magic, version 2.4, no zone, snaplen 65535, Ethernet.
fn empty_pcap(path: &Path) {
    let mut h = Vec::new();
    h.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    h.extend_from_slice(&2u16.to_le_bytes());
    h.extend_from_slice(&4u16.to_le_bytes());
    h.extend_from_slice(&0i32.to_le_bytes());
    h.extend_from_slice(&0u32.to_le_bytes());
    h.extend_from_slice(&65535u32.to_le_bytes());
    h.extend_from_slice(&1u32.to_le_bytes());
    std::fs::write(path, h).expect("write empty pcap");
}

/// Runs test/wire/<script>.lua with port 0 writing to `out`.
fn run_scenario(dir: &Path, script: &str, out: &Path) -> Result<(), String> {
    let rx = dir.join("empty.pcap");
    empty_pcap(&rx);
    let prefix = format!("pktgen-wire-{}-{script}", std::process::id());
    let vdev = format!("net_pcap0,rx_pcap={},tx_pcap={}", rx.display(), out.display());
    let file = format!("test/wire/{script}.lua");
    let cmd = common::pktgen_vdevs(&prefix, &[&vdev], &["--exit", "-f", &file]);
    let o = common::run(cmd, "");
    let (stdout, stderr) = common::text(&o);
    if o.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{file}: {:?}\n--- stdout\n{stdout}--- stderr\n{stderr}",
            o.status
        ))
    }
}

/// tshark's decoding of `pcap`: one Vec of field values per packet.
fn decode(pcap: &Path, fields: &[&str]) -> Result<Vec<Vec<String>>, String> {
    let mut c = Command::new("tshark");
    c.arg("-r").arg(pcap);
    for pref in [
        "ip.check_checksum:TRUE",
        "udp.check_checksum:TRUE",
        "tcp.check_checksum:TRUE",
    ] {
        c.args(["-o", pref]);
    }
    c.args([
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
    ]);
    for f in fields {
        c.args(["-e", f]);
    }
    let o = c.output().map_err(|e| format!("cannot run tshark: {e}"))?;
    if !o.status.success() {
        return Err(format!("tshark failed: {}", String::from_utf8_lossy(&o.stderr)));
    }
    Ok(String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| l.split('|').map(str::to_string).collect())
        .collect())
}

fn check(case: &Case, dir: &Path) -> Result<(), String> {
    let out: PathBuf = dir.join(format!("{}.pcap", case.script));
    let _ = std::fs::remove_file(&out);
    run_scenario(dir, case.script, &out)?;
    let rows = decode(&out, case.fields)?;
    if rows.len() != case.rows.len() {
        return Err(format!(
            "{}: {} packets on the wire, want {}: {rows:?}",
            case.script,
            rows.len(),
            case.rows.len()
        ));
    }
    for (i, (got, want)) in rows.iter().zip(&case.rows).enumerate() {
        for (j, field) in case.fields.iter().enumerate() {
            let g = got.get(j).map(String::as_str).unwrap_or("");
            let matches = match want[j].strip_suffix('*') {
                Some(prefix) => g.starts_with(prefix),
                None => g == want[j],
            };
            if !matches {
                return Err(format!(
                    "{}: packet {i}: {field} = {g:?}, want {:?} (row {got:?})",
                    case.script, want[j]
                ));
            }
        }
    }
    for field in random_fields(case.script) {
        let j = case
            .fields
            .iter()
            .position(|f| f == field)
            .expect("random fields are decoded");
        let values: std::collections::HashSet<&str> =
            rows.iter().map(|r| r.get(j).map_or("", String::as_str)).collect();
        if values.len() < 2 {
            return Err(format!(
                "{}: {field} is {values:?} in all {} packets: its random bits never change",
                case.script,
                rows.len()
            ));
        }
    }
    Ok(())
}

#[test]
fn every_mode_and_encapsulation_decodes_with_good_checksums() {
    let _turn = common::heavy();
    if Command::new("tshark").arg("--version").output().is_err() {
        panic!("tshark is needed for the wire tests (make test installs it)");
    }
    let dir = std::env::temp_dir().join(format!("pktgen-wire-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    // One after another: each is a DPDK process, and the machine may have 2 cores.
    let failed: Vec<String> = cases()
        .iter()
        .filter_map(|c| {
            let r = check(c, &dir);
            eprintln!("{}: {}", c.script, if r.is_ok() { "ok" } else { "FAILED" });
            r.err()
        })
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} failed:\n{}",
        failed.len(),
        cases().len(),
        failed.join("\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
