//! The embedded default: two ring ports back to back, exact counts, clear, pacing.

mod common;

use std::time::Duration;

use common::{L4, engine, ipv4_frame, serial, wait_until};
use engine::{Rate, StreamSpec};

#[test]
fn two_ports_with_a_10g_link() {
    let _g = serial();
    let e = engine();
    assert_eq!(e.port_count(), 2);
    for p in 0..2 {
        let i = e.port_info(p).unwrap();
        assert!(i.link_up, "{i:?}");
        assert_eq!(i.speed_mbps, 10_000, "{i:?}");
        assert_eq!(i.driver, "net_ring");
        assert_ne!(i.mac, [0; 6]);
    }
    assert_ne!(e.port_info(0).unwrap().mac, e.port_info(1).unwrap().mac);
}

#[test]
fn exact_count_crosses_back_to_back_and_clear_rebaselines() {
    let _g = serial();
    let e = engine();
    for p in 0..2 {
        e.clear(p).unwrap();
    }
    let n = 100_000;
    let spec = StreamSpec {
        templates: vec![ipv4_frame(60, L4::Udp)],
        count: n,
        rate: Rate::Unpaced,
        ..Default::default()
    };
    e.start(0, &spec).unwrap();
    assert!(
        wait_until(Duration::from_secs(60), || !e.is_sending(0).unwrap()),
        "port 0 never finished"
    );
    assert!(wait_until(Duration::from_secs(60), || e
        .stats(1)
        .unwrap()
        .rx_packets
        >= n));
    let (s0, s1) = (e.stats(0).unwrap(), e.stats(1).unwrap());
    assert_eq!(s0.tx_packets, n);
    assert_eq!(s0.tx_bytes, n * 60);
    assert_eq!(s1.rx_packets, n);
    assert_eq!(s1.rx_bytes, n * 60);
    assert_eq!(s1.rx_sizes._64, n);
    assert_eq!(s0.hw.opackets, n);
    assert_eq!(s1.hw.ipackets, n);
    assert_eq!(s0.rx_packets, 0);
    e.clear(0).unwrap();
    e.clear(1).unwrap();
    assert_eq!(e.stats(0).unwrap().tx_packets, 0);
    assert_eq!(e.stats(1).unwrap().rx_packets, 0);
    assert_eq!(e.stats(1).unwrap().hw.ipackets, 0);
}

#[test]
fn one_percent_of_10g_is_paced_within_10_percent() {
    let _g = serial();
    let e = engine();
    e.clear(0).unwrap();
    let spec = StreamSpec {
        templates: vec![ipv4_frame(60, L4::Udp)],
        rate: Rate::Percent(1.0),
        ..Default::default()
    };
    e.start(0, &spec).unwrap();
    // What the pacing let go of after a stall of the worker's thread (the machine's doing, not
    // the pacing's) counts as sent on schedule.
    let scheduled = || {
        let s = e.stream_stats(0, 0).unwrap();
        s.tx_packets + s.tx_skipped
    };
    let t0 = std::time::Instant::now();
    let a = scheduled();
    std::thread::sleep(Duration::from_secs(2));
    let b = scheduled();
    let dt = t0.elapsed().as_secs_f64();
    e.stop(0).unwrap();
    assert!(!e.is_sending(0).unwrap());
    let pps = (b - a) as f64 / dt;
    let target = 10e9 * 0.01 / (84.0 * 8.0);
    assert!((pps / target - 1.0).abs() < 0.10, "{pps} pps vs target {target}");
}
