//! Latency stamps on the embedded default: counts, a known delay landing where it must in the
//! histogram, 1-in-N stamping, and loss/reorder/duplicate counters from a test stage that drops,
//! swaps and repeats stamped packets before sending them again.

mod common;

use std::time::Duration;

use common::{L4, engine, ipv4_frame, serial, wait_until};
use engine::{Rate, StreamSpec, Template};

fn run(spec: &StreamSpec) {
    let e = engine();
    e.start(0, spec).unwrap();
    assert!(wait_until(Duration::from_secs(60), || !e.is_sending(0).unwrap()));
}

#[test]
fn every_stamp_is_counted_and_a_known_delay_lands_in_place() {
    let _g = serial();
    let e = engine();
    e.clear(1).unwrap();
    let n = 20_000;
    let delay_ns = 5_000_000; // 5 ms
    let spec = StreamSpec {
        templates: vec![ipv4_frame(60, L4::Udp)],
        count: n,
        rate: Rate::Pps(200_000.0),
        stamp_every: Some(1),
        stamp_delay_ns: delay_ns,
        ..Default::default()
    };
    run(&spec);
    assert!(
        wait_until(Duration::from_secs(60), || e.latency(1).unwrap().count == n),
        "got {}",
        e.latency(1).unwrap().count
    );
    let l = e.latency(1).unwrap();
    assert_eq!((l.lost, l.reordered, l.duplicate), (0, 0, 0));
    assert_eq!(l.histogram.len(), n);
    let h = &l.histogram;
    // The delay line is exact; the ring and the worker add a little on top (far below 1 ms here).
    assert!(
        h.min() >= h.lowest_equivalent(delay_ns),
        "min {} below the delay",
        h.min()
    );
    for q in [0.5, 0.9, 0.99] {
        let v = h.value_at_quantile(q);
        assert!(
            (delay_ns..delay_ns + 1_000_000).contains(&v),
            "p{} = {v} ns",
            q * 100.0
        );
    }
    assert!(
        l.mean_ns >= delay_ns as f64 && l.mean_ns < delay_ns as f64 + 1e6,
        "mean {}",
        l.mean_ns
    );
    assert_eq!(e.latency(0).unwrap().count, 0, "port 0 received nothing");
    e.latency_reset(1).unwrap();
    assert_eq!(e.latency(1).unwrap().count, 0);
    assert_eq!(e.latency(1).unwrap().histogram.len(), 0);
}

#[test]
fn one_in_n_and_stamps_keep_checksums_right() {
    let _g = serial();
    let e = engine();
    e.clear(1).unwrap();
    let spec = StreamSpec {
        templates: vec![ipv4_frame(128, L4::Tcp)],
        count: 10_000,
        rate: Rate::Unpaced,
        stamp_every: Some(7),
        ..Default::default()
    };
    e.capture_start(1, 16 << 20, 10_000, 256).unwrap();
    run(&spec);
    assert!(wait_until(Duration::from_secs(60), || e
        .stats(1)
        .unwrap()
        .rx_packets
        == 10_000));
    let cap = e.capture_stop(1).unwrap();
    assert_eq!(
        (cap.packets.len(), cap.dropped),
        (10_000, 0),
        "every packet captured"
    );
    let l = e.latency(1).unwrap();
    assert_eq!(l.count, 10_000u64.div_ceil(7));
    assert_eq!((l.lost, l.reordered, l.duplicate), (0, 0, 0));
    // 1 in 7 captured packets carries a stamp (its magic first); the others have zeros there.
    let mut stamped = 0;
    for p in &cap.packets {
        let stamp = &p.data[p.data.len() - engine::STAMP_LEN..];
        if stamp[..2] == 0x6770u16.to_le_bytes() {
            stamped += 1;
        } else {
            assert!(
                stamp.iter().all(|&b| b == 0),
                "neither a stamp nor zeros: {stamp:?}"
            );
        }
    }
    assert_eq!(stamped, l.count);
    // Every captured packet still has a valid TCP checksum with its stamp in it.
    for p in &cap.packets {
        let d = &p.data;
        let mut acc = 6u64 + (d.len() - 34) as u64;
        for w in d[26..34].chunks(2).chain(d[34..].chunks(2)) {
            acc += u64::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)]));
        }
        while acc >> 16 != 0 {
            acc = (acc & 0xffff) + (acc >> 16);
        }
        assert_eq!(acc, 0xffff, "bad TCP checksum on a stamped packet");
    }
}

#[test]
fn dropped_swapped_and_repeated_stamps_are_counted() {
    let _g = serial();
    let e = engine();
    // 1. Stamped packets go 0 -> 1 and are captured there.
    e.clear(1).unwrap();
    e.capture_start(1, 8 << 20, 100, 2048).unwrap();
    run(&StreamSpec {
        templates: vec![ipv4_frame(60, L4::Udp)],
        count: 100,
        rate: Rate::Unpaced,
        stamp_every: Some(1),
        ..Default::default()
    });
    assert!(wait_until(Duration::from_secs(60), || e
        .stats(1)
        .unwrap()
        .rx_packets
        == 100));
    let mut pkts = e.capture_stop(1).unwrap().packets;
    assert_eq!(pkts.len(), 100);
    // 2. A test stage: the same sender at another generation (the low 6 bits of the stream
    //    id; half a cycle away, so that the engine's next starts do not reuse it), so its
    //    sequence starts afresh, then drop 10 and 20, swap 30 and 31, repeat 40, and send them
    //    all again unchanged as a sequence (no new stamps).
    for p in &mut pkts {
        let at = p.data.len() - engine::STAMP_LEN;
        let id = u16::from_le_bytes([p.data[at + 2], p.data[at + 3]]);
        let next = (id & !0x3f) | ((id + 32) & 0x3f);
        p.data[at + 2..at + 4].copy_from_slice(&next.to_le_bytes());
        // The last word balances the stamp's little-endian words to 0 modulo 65535.
        let sum: u64 = (0..7)
            .map(|i| u64::from(u16::from_le_bytes([p.data[at + 2 * i], p.data[at + 2 * i + 1]])))
            .sum();
        p.data[at + 14..at + 16].copy_from_slice(&(((65535 - sum % 65535) % 65535) as u16).to_le_bytes());
    }
    let mut order: Vec<usize> = (0..100).filter(|&i| i != 10 && i != 20).collect();
    let p30 = order.iter().position(|&i| i == 30).unwrap();
    order.swap(p30, p30 + 1);
    let p40 = order.iter().position(|&i| i == 40).unwrap();
    order.insert(p40 + 1, 40);
    let tpl = ipv4_frame(60, L4::Udp);
    let templates: Vec<Template> = order
        .iter()
        .map(|&i| Template {
            data: pkts[i].data.clone(),
            checksums: tpl.checksums.clone(),
            lengths: tpl.lengths.clone(),
        })
        .collect();
    e.latency_reset(1).unwrap();
    run(&StreamSpec {
        templates,
        count: order.len() as u64,
        rate: Rate::Unpaced,
        ..Default::default()
    });
    assert!(wait_until(Duration::from_secs(60), || e
        .latency(1)
        .unwrap()
        .count
        == order.len() as u64));
    let l = e.latency(1).unwrap();
    assert_eq!(l.lost, 2, "{l:?}");
    assert_eq!(l.reordered, 1, "{l:?}");
    assert_eq!(l.duplicate, 1, "{l:?}");
}
