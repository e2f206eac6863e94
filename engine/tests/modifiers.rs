//! Field modifiers and size walks produce exactly the values they promise, checked on the packets
//! port 1 receives from port 0 on the embedded default.

mod common;

use std::time::Duration;

use common::{L4, engine, ipv4_frame, serial, wait_until};
use engine::{CapturedPacket, Field, FieldOp, Rate, SizeWalk, StreamSpec};

/// Sends `spec` (with a count) from port 0 and returns what port 1 captured.
fn send_and_capture(spec: &StreamSpec) -> Vec<CapturedPacket> {
    let e = engine();
    e.clear(1).unwrap();
    e.capture_start(1, 64 << 20, spec.count as usize, 2048).unwrap();
    e.start(0, spec).unwrap();
    assert!(wait_until(Duration::from_secs(60), || !e.is_sending(0).unwrap()));
    // The last burst may still be in the ring; port 1's worker captures a packet before it counts it.
    assert!(
        wait_until(Duration::from_secs(60), || e.stats(1).unwrap().rx_packets
            >= spec.count),
        "port 1 received {} of {}",
        e.stats(1).unwrap().rx_packets,
        spec.count
    );
    let cap = e.capture_stop(1).unwrap();
    assert_eq!(cap.dropped, 0);
    assert_eq!(
        cap.packets.len() as u64,
        spec.count,
        "every packet sent was captured"
    );
    cap.packets
}

fn be(d: &[u8], at: usize, w: usize) -> u64 {
    d[at..at + w].iter().fold(0, |v, b| (v << 8) | u64::from(*b))
}

/// The walk Pktgen promises: start, +step, past max wraps to min, below min wraps to max.
fn expected_walk(start: u64, min: u64, max: u64, step: i64, n: usize) -> Vec<u64> {
    let mut v = start;
    (0..n)
        .map(|_| {
            let cur = v;
            let nx = v as i128 + step as i128;
            v = if nx > max as i128 {
                min
            } else if nx < min as i128 {
                max
            } else {
                nx as u64
            };
            cur
        })
        .collect()
}

#[test]
fn walks_increment_decrement_and_wrap() {
    let _g = serial();
    let n = 1000;
    let fields = vec![
        // IPv4 destination address, incrementing across a small range.
        Field {
            offset: 30,
            width: 4,
            op: FieldOp::Walk {
                start: 0xc0a8_0105,
                min: 0xc0a8_0101,
                max: 0xc0a8_010a,
                step: 1,
            },
            every: 1,
        },
        // UDP source port, decrementing by 3.
        Field {
            offset: 34,
            width: 2,
            op: FieldOp::Walk {
                start: 1000,
                min: 990,
                max: 1010,
                step: -3,
            },
            every: 1,
        },
        // Source MAC (6 bytes) across its top boundary.
        Field {
            offset: 6,
            width: 6,
            op: FieldOp::Walk {
                start: 0xffff_ffff_fffe,
                min: 0x0200_0000_0000,
                max: 0xffff_ffff_ffff,
                step: 1,
            },
            every: 1,
        },
        // TTL (1 byte), constant.
        Field {
            offset: 22,
            width: 1,
            op: FieldOp::Walk {
                start: 7,
                min: 0,
                max: 255,
                step: 0,
            },
            every: 1,
        },
    ];
    let spec = StreamSpec {
        templates: vec![ipv4_frame(60, L4::Udp)],
        fields,
        count: n,
        rate: Rate::Unpaced,
        ..Default::default()
    };
    let got = send_and_capture(&spec);
    let dst = expected_walk(0xc0a8_0105, 0xc0a8_0101, 0xc0a8_010a, 1, n as usize);
    let sport = expected_walk(1000, 990, 1010, -3, n as usize);
    let smac = expected_walk(
        0xffff_ffff_fffe,
        0x0200_0000_0000,
        0xffff_ffff_ffff,
        1,
        n as usize,
    );
    for (i, p) in got.iter().enumerate() {
        assert_eq!(be(&p.data, 30, 4), dst[i], "dst ip of packet {i}");
        assert_eq!(be(&p.data, 34, 2), sport[i], "sport of packet {i}");
        assert_eq!(be(&p.data, 6, 6), smac[i], "src mac of packet {i}");
        assert_eq!(p.data[22], 7, "ttl of packet {i}");
        assert_eq!(p.data.len(), 60);
    }
}

#[test]
fn random_bits_stay_inside_the_mask() {
    let _g = serial();
    let n = 2000;
    // Source IP: keep the top 16 bits, force bit 0 on, randomise bits 1..=11.
    let (keep, set, random) = (0xffff_0000u64, 0x1, 0x0ffe);
    let fields = vec![Field {
        offset: 26,
        width: 4,
        op: FieldOp::Random { keep, set, random },
        every: 1,
    }];
    let spec = StreamSpec {
        templates: vec![ipv4_frame(60, L4::Tcp)],
        fields,
        count: n,
        rate: Rate::Unpaced,
        ..Default::default()
    };
    let got = send_and_capture(&spec);
    let mut seen = std::collections::HashSet::new();
    for p in &got {
        let v = be(&p.data, 26, 4);
        assert_eq!(v & keep, 0xc0a8_0000, "kept bits changed: {v:#x}");
        assert_eq!(v & set, set, "forced bit missing: {v:#x}");
        assert_eq!(
            v & !(keep | set | random) & 0xffff_ffff,
            0,
            "bit outside the mask: {v:#x}"
        );
        seen.insert(v);
    }
    assert!(
        seen.len() > 500,
        "only {} distinct values in {n} packets: not random",
        seen.len()
    );
}

#[test]
fn size_walk_sets_lengths() {
    let _g = serial();
    let n = 3000;
    let spec = StreamSpec {
        templates: vec![ipv4_frame(60, L4::Udp)],
        size: Some(SizeWalk {
            start: 60,
            min: 60,
            max: 1514,
            step: 7,
        }),
        count: n,
        rate: Rate::Unpaced,
        ..Default::default()
    };
    let got = send_and_capture(&spec);
    let sizes = expected_walk(60, 60, 1514, 7, n as usize);
    for (i, p) in got.iter().enumerate() {
        assert_eq!(p.orig_len as u64, sizes[i], "size of packet {i}");
        assert_eq!(
            be(&p.data, 16, 2),
            sizes[i] - 14,
            "IPv4 total length of packet {i}"
        );
        assert_eq!(be(&p.data, 38, 2), sizes[i] - 34, "UDP length of packet {i}");
    }
}

#[test]
fn sequence_round_robin() {
    let _g = serial();
    let mut a = ipv4_frame(60, L4::Udp);
    let mut b = ipv4_frame(200, L4::Tcp);
    a.data[22] = 1;
    b.data[22] = 2;
    let c = ipv4_frame(100, L4::Icmp);
    assert_eq!(c.data[22], 64, "the third template keeps the frame builder's TTL");
    let spec = StreamSpec {
        templates: vec![a, b, c],
        count: 300,
        rate: Rate::Unpaced,
        ..Default::default()
    };
    let got = send_and_capture(&spec);
    for (i, p) in got.iter().enumerate() {
        // The TTLs mark which template each packet came from.
        let (len, ttl, proto) = [(60, 1, 17), (200, 2, 6), (100, 64, 1)][i % 3];
        assert_eq!(
            (p.orig_len, p.data[22], p.data[23]),
            (len, ttl, proto),
            "packet {i}"
        );
    }
}
