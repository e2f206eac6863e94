//! The RX path's protocol duties on the embedded default: frame kinds counted, ARP and ICMP echo
//! answered for a port's address, ARP pairs learned, their IPv6 twins (neighbour solicitations
//! answered, neighbours learned), frames injected once, capture gaps replayed.

mod common;

use std::time::{Duration, Instant};

use common::{L4, engine, ipv4_frame, serial, wait_until};
use engine::{Rate, StreamSpec, Template};

fn arp_request(sender_mac: [u8; 6], sender_ip: [u8; 4], target_ip: [u8; 4]) -> Vec<u8> {
    let mut f = vec![0u8; 60];
    f[0..6].fill(0xff);
    f[6..12].copy_from_slice(&sender_mac);
    f[12..14].copy_from_slice(&[8, 6]);
    f[14..22].copy_from_slice(&[0, 1, 8, 0, 6, 4, 0, 1]);
    f[22..28].copy_from_slice(&sender_mac);
    f[28..32].copy_from_slice(&sender_ip);
    f[38..42].copy_from_slice(&target_ip);
    f
}

#[test]
fn arp_and_echo_are_answered_and_learned() {
    let _g = serial();
    let e = engine();
    let mac0 = e.port_info(0).unwrap().mac;
    let mac1 = e.port_info(1).unwrap().mac;
    e.set_responder(1, [10, 1, 1, 1], true, true).unwrap();
    e.set_arp_learning(0, true).unwrap();
    e.clear(0).unwrap();
    e.clear(1).unwrap();
    e.capture_start(0, 1 << 20, 100, 256).unwrap();
    // An ARP request for port 1's address, one for another address, and an echo request.
    let mut echo = ipv4_frame(98, L4::Icmp);
    echo.data[0..6].copy_from_slice(&mac1);
    echo.data[6..12].copy_from_slice(&mac0);
    echo.data[26..30].copy_from_slice(&[10, 1, 1, 2]);
    echo.data[30..34].copy_from_slice(&[10, 1, 1, 1]);
    let echo = StreamSpec {
        templates: vec![echo],
        count: 5,
        rate: Rate::Unpaced,
        ..Default::default()
    };
    e.send_frames(
        0,
        vec![
            arp_request(mac0, [10, 1, 1, 2], [10, 1, 1, 1]),
            arp_request(mac0, [10, 1, 1, 2], [10, 1, 1, 9]),
        ],
    )
    .unwrap();
    e.start(0, &echo).unwrap();
    assert!(
        wait_until(Duration::from_secs(60), || e.stats(0).unwrap().rx_packets == 6),
        "1 ARP reply + 5 echo replies"
    );
    let cap = e.capture_stop(0).unwrap();
    let s1 = e.stats(1).unwrap();
    assert_eq!((s1.rx_kinds.arp, s1.rx_kinds.echo), (2, 5), "{:?}", s1.rx_kinds);
    assert_eq!(s1.tx_extra, 6, "port 1 answered 1 ARP + 5 echoes");
    let s0 = e.stats(0).unwrap();
    assert_eq!(s0.tx_extra, 2, "two injected frames");
    assert_eq!((s0.rx_kinds.arp, s0.rx_kinds.echo), (1, 5));
    let arp = cap
        .packets
        .iter()
        .find(|p| p.data[12..14] == [8, 6])
        .expect("an ARP reply");
    assert_eq!(&arp.data[20..22], &[0, 2]);
    assert_eq!(&arp.data[22..28], &mac1);
    assert_eq!(&arp.data[28..32], &[10, 1, 1, 1]);
    assert_eq!(
        e.arp_table(0).unwrap(),
        vec![([10, 1, 1, 1], mac1)],
        "learned from the reply"
    );
    let reply = cap
        .packets
        .iter()
        .find(|p| p.data[23] == 1)
        .expect("an echo reply");
    assert_eq!(reply.data[34], 0, "echo reply type");
    assert_eq!(&reply.data[26..30], &[10, 1, 1, 1]);
    e.set_responder(1, [0; 4], false, false).unwrap();
    e.set_arp_learning(0, false).unwrap();
    assert!(
        e.send_frames(0, vec![vec![0; 5]])
            .unwrap_err()
            .to_string()
            .contains("frame 0 has 5 bytes")
    );
}

#[test]
fn neighbour_solicitations_are_answered_and_learned() {
    let _g = serial();
    let e = engine();
    let mac1 = e.port_info(1).unwrap().mac;
    let a0: [u8; 16] = "2001:db8:7::2".parse::<std::net::Ipv6Addr>().unwrap().octets();
    let a1: [u8; 16] = "2001:db8:7::1".parse::<std::net::Ipv6Addr>().unwrap().octets();
    let other: [u8; 16] = "2001:db8:7::9".parse::<std::net::Ipv6Addr>().unwrap().octets();
    e.set_responder(1, [0; 4], true, false).unwrap();
    e.set_responder6(1, a1).unwrap();
    e.set_arp_learning(0, true).unwrap();
    e.clear(0).unwrap();
    e.clear(1).unwrap();
    e.solicit(0, a0, other).unwrap();
    e.solicit(0, a0, a1).unwrap();
    assert!(
        wait_until(Duration::from_secs(60), || e.stats(0).unwrap().rx_packets == 1),
        "one advertisement"
    );
    assert_eq!(e.nd_table(0).unwrap(), vec![(a1, mac1)], "learned from it");
    let (s0, s1) = (e.stats(0).unwrap(), e.stats(1).unwrap());
    assert_eq!((s1.rx_kinds.nd, s1.rx_kinds.ipv6), (2, 0), "{:?}", s1.rx_kinds);
    assert_eq!(
        s1.tx_extra, 1,
        "only the solicitation for port 1's address answered"
    );
    assert_eq!(s0.rx_kinds.nd, 1);
    e.set_responder(1, [0; 4], false, false).unwrap();
    e.set_responder6(1, [0; 16]).unwrap();
    e.set_arp_learning(0, false).unwrap();
    assert!(
        e.solicit(9, a0, a1)
            .unwrap_err()
            .to_string()
            .contains("port 9 does not exist")
    );
}

#[test]
fn capture_gaps_are_replayed() {
    let _g = serial();
    let e = engine();
    let t = ipv4_frame(60, L4::Udp);
    let templates: Vec<Template> = (0..4).map(|_| t.clone()).collect();
    // 0, 30 ms, 60 ms, then a long pause before the next round.
    let spec = StreamSpec {
        templates,
        gaps_ns: vec![30_000_000, 30_000_000, 0, 1_000_000_000],
        count: 4,
        // The stamps carry each packet's departure TSC: receive times also move with the
        // receiver's lcore, which a busy machine may keep from its CPU for milliseconds.
        stamp_every: Some(1),
        ..Default::default()
    };
    // Port 1 counts from zero, so the wait below is for these 4 packets.
    e.clear(1).unwrap();
    e.capture_start(1, 1 << 20, 10, 64).unwrap();
    let t0 = Instant::now();
    e.start(0, &spec).unwrap();
    assert!(wait_until(Duration::from_secs(60), || !e.is_sending(0).unwrap()));
    assert!(
        t0.elapsed() >= Duration::from_millis(60),
        "the gaps were honoured"
    );
    assert!(wait_until(Duration::from_secs(60), || e
        .stats(1)
        .unwrap()
        .rx_packets
        >= 4));
    let p = e.capture_stop(1).unwrap().packets;
    assert_eq!(p.len(), 4);
    let sent = |i: usize| {
        let d = &p[i].data;
        let w1 = u64::from_le_bytes(d[d.len() - 8..].try_into().expect("8 bytes"));
        w1 & ((1 << 48) - 1)
    };
    let hz = e.tsc_hz() as f64;
    let gap = |a: usize, b: usize| (sent(b).wrapping_sub(sent(a)) & ((1 << 48) - 1)) as f64 / hz * 1e3;
    assert!((29.0..40.0).contains(&gap(0, 1)), "gap 0-1 {} ms", gap(0, 1));
    assert!((29.0..40.0).contains(&gap(1, 2)), "gap 1-2 {} ms", gap(1, 2));
    assert!(gap(2, 3) < 5.0, "gap 2-3 {} ms", gap(2, 3));
    let mut bad = spec.clone();
    bad.gaps_ns.pop();
    assert!(
        e.start(0, &bad)
            .unwrap_err()
            .to_string()
            .contains("gaps_ns has 3 entries for 4 templates")
    );
}
