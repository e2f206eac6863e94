//! Every generated IPv4 UDP/TCP/ICMP packet has valid checksums, verified independently: the
//! packets go out of a `net_pcap` port into a capture file that `tshark` reads back with checksum
//! validation on.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{L4, assert_child_ok, engine, ipv4_frame, private_eal, run_child, wait_until};
use engine::{Field, FieldOp, Rate, SizeWalk, StreamSpec};

const PER_KIND: u64 = 500;

#[test]
#[ignore = "runs in its own process, started by its parent test"]
fn child_send_to_pcap() {
    if !common::in_child("child_send_to_pcap") {
        return;
    }
    let e = engine();
    assert_eq!(e.port_count(), 1);
    let specs = [
        // UDP with the source IP, both ports and the payload changing, and a size walk.
        StreamSpec {
            templates: vec![ipv4_frame(60, L4::Udp)],
            fields: vec![
                Field::walk(26, 4, 0x0a00_0001, 0x0a00_00ff, 1),
                Field::walk(34, 2, 1, 65535, 257),
                Field::walk(36, 2, 1000, 2000, -1),
                Field::walk(43, 1, 0, 255, 3),
                Field {
                    offset: 50,
                    width: 2,
                    op: FieldOp::Random {
                        keep: 0,
                        set: 0,
                        random: 0xffff,
                    },
                    every: 1,
                },
            ],
            size: Some(SizeWalk {
                start: 60,
                min: 60,
                max: 1514,
                step: 13,
            }),
            count: PER_KIND,
            rate: Rate::Unpaced,
            ..Default::default()
        },
        // TCP at a fixed size with the destination address and an odd-offset payload byte walking,
        // and random window bits (the per-packet builder's incremental path).
        StreamSpec {
            templates: vec![ipv4_frame(128, L4::Tcp)],
            fields: vec![
                Field::walk(30, 4, 0xc0a8_0000, 0xc0a8_ffff, 77),
                Field::walk(55, 1, 0, 255, 1),
                Field::walk(38, 4, 0, u32::MAX as u64, 1_000_003),
                Field {
                    offset: 48,
                    width: 2,
                    op: FieldOp::Random {
                        keep: 0xf000,
                        set: 0x0100,
                        random: 0x0eff,
                    },
                    every: 1,
                },
            ],
            count: PER_KIND,
            rate: Rate::Unpaced,
            ..Default::default()
        },
        // ICMP echo with the identifier and TTL walking (the linear builder).
        StreamSpec {
            templates: vec![ipv4_frame(98, L4::Icmp)],
            fields: vec![Field::walk(38, 2, 0, 65535, 1), Field::walk(22, 1, 1, 255, 1)],
            count: PER_KIND,
            rate: Rate::Unpaced,
            ..Default::default()
        },
    ];
    for spec in &specs {
        e.start(0, spec).unwrap();
        assert!(wait_until(Duration::from_secs(60), || !e.is_sending(0).unwrap()));
    }
    assert_eq!(e.stats(0).unwrap().tx_packets, 3 * PER_KIND);
    e.shutdown(); // flushes and closes the capture file
}

fn tshark(file: &std::path::Path, fields: &[&str], filter: &str) -> Vec<String> {
    let mut cmd = Command::new("tshark");
    cmd.args(["-r"]).arg(file);
    cmd.args([
        "-o",
        "ip.check_checksum:TRUE",
        "-o",
        "udp.check_checksum:TRUE",
        "-o",
        "tcp.check_checksum:TRUE",
    ]);
    cmd.args(["-Y", filter, "-T", "fields"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("tshark is installed (make deps)");
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn tshark_validates_every_checksum() {
    let dir = std::env::temp_dir().join(format!("pktgen-csum-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tx.pcap");
    let empty = dir.join("empty.pcap");
    engine::write_pcap(&empty, &[]).unwrap();
    let eal = private_eal(&format!(
        "--vdev net_pcap0,rx_pcap={},tx_pcap={}",
        empty.display(),
        file.display()
    ));
    assert_child_ok(&run_child("child_send_to_pcap", &eal, &[]));

    // Status 1 = good, 0 = bad, 2 = unverified: everything must be good.
    let ip = tshark(&file, &["ip.checksum.status"], "ip");
    assert_eq!(ip.len() as u64, 3 * PER_KIND, "every packet is IPv4");
    assert!(
        ip.iter().all(|s| s == "1"),
        "bad IPv4 header checksums: {:?}",
        ip.iter().filter(|s| *s != "1").count()
    );
    let udp = tshark(&file, &["udp.checksum.status"], "udp");
    assert_eq!(udp.len() as u64, PER_KIND);
    assert!(
        udp.iter().all(|s| s == "1"),
        "bad UDP checksums: {}",
        udp.iter().filter(|s| *s != "1").count()
    );
    let tcp = tshark(&file, &["tcp.checksum.status"], "tcp");
    assert_eq!(tcp.len() as u64, PER_KIND);
    assert!(
        tcp.iter().all(|s| s == "1"),
        "bad TCP checksums: {}",
        tcp.iter().filter(|s| *s != "1").count()
    );
    let icmp = tshark(&file, &["icmp.checksum.status"], "icmp");
    assert_eq!(icmp.len() as u64, PER_KIND);
    assert!(
        icmp.iter().all(|s| s == "1"),
        "bad ICMP checksums: {}",
        icmp.iter().filter(|s| *s != "1").count()
    );
    // The size walk reached the wire: frame lengths vary and never break the IP length.
    let lens = tshark(&file, &["frame.len", "ip.len"], "udp");
    let distinct: std::collections::HashSet<_> = lens.iter().collect();
    assert!(
        distinct.len() > 100,
        "size walk produced {} distinct sizes",
        distinct.len()
    );
    for l in &lens {
        let v: Vec<u64> = l.split('\t').map(|x| x.parse().unwrap()).collect();
        assert_eq!(v[0], v[1] + 14, "frame/IP length mismatch: {l}");
    }
    let _ = std::fs::remove_dir_all(dir);
}
