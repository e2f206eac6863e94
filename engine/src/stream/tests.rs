//! The stages together: compiled programs build the frames the spec describes, on every path
//! (per packet, linear bursts, fixed stamps, queue shares).

use super::program::*;
use super::spec::*;
use crate::csum;
use crate::ffi::FrameSet;
fn udp_template() -> Template {
    let mut d = vec![0u8; 60];
    d[12..14].copy_from_slice(&[0x08, 0x00]);
    d[14] = 0x45;
    d[23] = 17;
    Template {
        data: d,
        checksums: vec![Checksum::Udp { l3: 14, l4: 34 }, Checksum::Ipv4Header(14)],
        lengths: vec![
            LengthField {
                offset: 16,
                adjust: 14,
            },
            LengthField {
                offset: 38,
                adjust: 34,
            },
        ],
    }
}

/// The linear and per-packet builders give identical bytes, and every checksum verifies.
#[test]
fn linear_matches_per_packet_and_verifies() {
    let spec = StreamSpec {
        templates: vec![udp_template()],
        fields: vec![
            Field::walk(30, 4, 0xc0a8_0101, 0xc0a8_01fe, 1),
            Field::walk(34, 2, 0, 65535, 7),
            Field::walk(43, 1, 0, 255, 3),
            Field::walk(44, 6, 1, 1 << 40, 99),
        ],
        ..Default::default()
    };
    let prog = spec.compile(2048).expect("compiles");
    assert_eq!(prog.mode, Mode::Columns);
    let (mut c1, mut c2) = (prog.cursor(1), prog.cursor(1));
    let mut scratch = Vec::new();
    for _ in 0..20 {
        let mut a: Vec<Vec<u8>> = (0..64).map(|_| prog.templates[0].data.to_vec()).collect();
        let mut b = a.clone();
        prog.build_burst(&mut c1, &mut FrameSet::over(&mut a, &mut scratch), 0);
        for f in b.iter_mut() {
            prog.build(&mut c2, f, false, 0);
        }
        assert_eq!(a, b);
        for f in &a {
            assert_eq!(
                csum::fold(csum::add(0, &f[14..34])),
                0xffff,
                "IPv4 header checksum"
            );
            let pseudo = csum::add(17 + 26, &f[26..34]);
            assert_eq!(csum::fold(csum::add(pseudo, &f[34..60])), 0xffff, "UDP checksum");
        }
    }
}

/// 64 packets built a packet at a time from `cur` with the TSC `tsc`, and 64 fresh copies of
/// the template (for another builder to write).
fn per_packet_burst(prog: &Program, cur: &mut Cursor, tsc: u64) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let fresh: Vec<Vec<u8>> = (0..64).map(|_| prog.templates[0].data.to_vec()).collect();
    let mut built = fresh.clone();
    for f in built.iter_mut() {
        prog.build(cur, f, false, tsc);
    }
    (built, fresh)
}

/// Checks the IPv4 header and UDP checksums of 80-byte frames of `udp_template`.
fn check_udp80(frames: &[Vec<u8>]) {
    for f in frames {
        assert_eq!(
            csum::fold(csum::add(0, &f[14..34])),
            0xffff,
            "IPv4 header checksum"
        );
        let pseudo = csum::add(17 + 46, &f[26..34]);
        assert_eq!(
            csum::fold(csum::add(pseudo, &f[34..80])),
            0xffff,
            "UDP checksum with the stamp"
        );
    }
}

/// Stamps written by the linear builder equal the per-packet builder's.
#[test]
fn linear_stamps_match_per_packet_stamps() {
    let mut t = udp_template();
    t.data.resize(80, b'x');
    let spec = StreamSpec {
        templates: vec![t],
        fields: vec![
            Field::walk(30, 4, 0xc0a8_0101, 0xc0a8_0108, 1),
            Field::walk(35, 1, 0, 255, 5),
        ],
        stamp_every: Some(3),
        ..Default::default()
    };
    let mut prog = spec.compile(1514).expect("compiles");
    prog.stamp_stream = 0x1405;
    assert!(prog.linear.is_some());
    let (mut c1, mut c2) = (prog.cursor(1), prog.cursor(1));
    let mut scratch = Vec::new();
    for round in 0..10u64 {
        let tsc = 0x1234_5678_9abc + round * 977;
        let (a, mut b) = per_packet_burst(&prog, &mut c1, tsc);
        prog.build_burst(&mut c2, &mut FrameSet::over(&mut b, &mut scratch), tsc);
        assert_eq!(a, b, "round {round}");
        check_udp80(&b);
    }
}

/// The stamps of a fixed template, running or stepped, equal the per-packet builder's; the
/// template's checksums stay right with any stamp in it.
#[test]
fn fixed_stamps_match_per_packet_stamps() {
    let mut t = udp_template();
    t.data.resize(80, b'x');
    for every in [1, 3] {
        let spec = StreamSpec {
            templates: vec![t.clone()],
            stamp_every: Some(every),
            ..Default::default()
        };
        let mut prog = spec.compile(1514).expect("compiles");
        assert_eq!(prog.mode, Mode::FixedStamped);
        prog.stamp_stream = 0x0c05;
        let (mut c1, mut c2) = (prog.cursor(1), prog.cursor(1));
        // Start near the sequence and balance wraps, so that both ways are taken.
        c1.seq = u32::MAX - 100;
        c2.seq = u32::MAX - 100;
        for round in 0..20u64 {
            let tsc = 0x1234_5678_9abc + round * 977;
            let (a, mut b) = per_packet_burst(&prog, &mut c1, tsc);
            let mut st = prog.fixed_stamps(&c2, b.len(), tsc);
            match &st {
                FixedStamps::Running(r) => {
                    for (i, f) in b.iter_mut().enumerate() {
                        let k = i as u64;
                        let v = [
                            r.value[0].wrapping_add(r.step[0].wrapping_mul(k)),
                            r.value[1].wrapping_add(r.step[1].wrapping_mul(k)),
                        ];
                        f[r.at..r.at + 8].copy_from_slice(&v[0].to_le_bytes());
                        f[r.at + 8..r.at + 16].copy_from_slice(&v[1].to_le_bytes());
                    }
                    if let FixedStamps::Running(r) = &mut st {
                        for k in 0..2 {
                            r.value[k] = r.value[k].wrapping_add(r.step[k].wrapping_mul(64));
                        }
                    }
                }
                FixedStamps::Stepped { .. } => b.iter_mut().for_each(|f| st.write(&mut c2, f)),
            }
            st.finish(&mut c2);
            assert_eq!(a, b, "every {every}, round {round}");
            check_udp80(&b);
        }
    }
}

/// A walk `n` packets on in one step equals `n` single steps, both ways, past several wraps.
#[test]
fn walk_far_matches_walking() {
    for (start, min, max, step) in [
        (7, 5, 17, 3),
        (1000, 990, 1004, -4),
        (0, 0, 255, 1),
        (9, 3, 9, 0),
        (4, 4, 4, 7),
    ] {
        let mut v = start;
        for n in 0..200u64 {
            assert_eq!(
                walk_far(start, min, max, step, n),
                v,
                "start {start} min {min} max {max} step {step}, n {n}"
            );
            v = walk_next(v, min, max, step);
        }
    }
}

/// Queue q of Q, from the shared program with `skip(q)`, builds exactly packets q, q + Q,
/// q + 2Q, ... of the stream one queue builds: field walks that wrap (stepping both ways),
/// a size walk and a sequence of templates alike, in both builders.
#[test]
fn queue_shares_interleave_into_the_single_queue_stream() {
    let walk = |offset, width, start: u64, min: u64, max: u64, step| Field {
        offset,
        width,
        op: FieldOp::Walk {
            start,
            min,
            max,
            step,
        },
        every: 1,
    };
    let fields = vec![walk(30, 4, 7, 5, 17, 3), walk(34, 2, 1000, 990, 1004, -4)];
    let mut seq2 = udp_template();
    seq2.data[23] = 17;
    seq2.data[40] = 0x77;
    let specs = [
        StreamSpec {
            templates: vec![udp_template()],
            fields: fields.clone(),
            ..Default::default()
        },
        StreamSpec {
            templates: vec![udp_template(), seq2],
            fields: fields.clone(),
            size: Some(SizeWalk {
                start: 64,
                min: 60,
                max: 71,
                step: 5,
            }),
            ..Default::default()
        },
        // A field stepping every 3rd packet of the stream, whichever queue sends it.
        StreamSpec {
            templates: vec![udp_template()],
            fields: vec![
                Field {
                    every: 3,
                    ..walk(30, 4, 7, 5, 17, 3)
                },
                walk(34, 2, 1000, 990, 1004, -4),
            ],
            ..Default::default()
        },
    ];
    for (k, spec) in specs.iter().enumerate() {
        let one = spec.compile(1514).expect("compiles");
        assert_eq!(one.mode, if k == 0 { Mode::Columns } else { Mode::PerPacket });
        let build_n = |prog: &Program, cur: &mut Cursor, n: usize| -> Vec<Vec<u8>> {
            let mut out = Vec::new();
            let mut scratch = Vec::new();
            while out.len() < n {
                let mut burst: Vec<Vec<u8>> = (0..7).map(|_| prog.templates[0].data.to_vec()).collect();
                if prog.mode == Mode::Columns {
                    prog.build_burst(cur, &mut FrameSet::over(&mut burst, &mut scratch), 0);
                } else {
                    for f in burst.iter_mut() {
                        let len = prog.build(cur, f, true, 0);
                        f.truncate(len);
                    }
                }
                out.extend(burst);
            }
            out.truncate(n);
            out
        };
        let all = build_n(&one, &mut one.cursor(1), 400);
        for nq in [2u32, 3, 4] {
            for q in 0..nq {
                let share = one.share(nq, 0);
                let mut cur = share.cursor(1);
                share.skip(&mut cur, u64::from(q));
                let mine = build_n(&share, &mut cur, 400 / nq as usize - 1);
                for (i, p) in mine.iter().enumerate() {
                    let at = q as usize + i * nq as usize;
                    assert_eq!(
                        p, &all[at],
                        "spec {k}, queue {q} of {nq}, its packet {i} (the stream's {at})"
                    );
                }
            }
        }
    }
}

/// A field stepping every n-th packet holds each value n packets; uniform draws stay in their
/// bounds at their shift, keep the other bits, and cover the range; checksums verify throughout.
#[test]
fn every_nth_and_uniform_draws() {
    let spec = StreamSpec {
        templates: vec![udp_template()],
        fields: vec![
            Field {
                every: 4,
                ..Field::walk(30, 4, 10, 12, 1)
            },
            Field {
                offset: 34,
                width: 2,
                op: FieldOp::Uniform {
                    min: 1024,
                    max: 1100,
                    shift: 0,
                    keep: 0,
                },
                every: 1,
            },
            // A 3-bit priority above 13 bits kept (a VLAN TCI's layout) in payload bytes.
            Field {
                offset: 42,
                width: 2,
                op: FieldOp::Uniform {
                    min: 2,
                    max: 5,
                    shift: 13,
                    keep: 0x1fff,
                },
                every: 1,
            },
        ],
        ..Default::default()
    };
    let mut t = spec.templates[0].clone();
    t.data[42..44].copy_from_slice(&0x0abcu16.to_be_bytes());
    let spec = StreamSpec {
        templates: vec![t],
        ..spec
    };
    let prog = spec.compile(1514).expect("compiles");
    assert_eq!(prog.mode, Mode::PerPacket);
    let mut cur = prog.cursor(7);
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..3000u64 {
        let mut f = prog.templates[0].data.to_vec();
        prog.build(&mut cur, &mut f, true, 0);
        assert_eq!(read_be(&f, 30, 4), 10 + (i / 4) % 3, "packet {i}'s stepped field");
        let port = read_be(&f, 34, 2);
        assert!((1024..=1100).contains(&port), "packet {i}'s port {port}");
        seen.insert(port);
        let tci = read_be(&f, 42, 2);
        assert_eq!(tci & 0x1fff, 0x0abc, "packet {i} keeps the low bits");
        assert!(
            (2..=5).contains(&(tci >> 13)),
            "packet {i}'s priority {}",
            tci >> 13
        );
        let pseudo = csum::add(17 + 26, &f[26..34]);
        assert_eq!(
            csum::fold(csum::add(pseudo, &f[34..60])),
            0xffff,
            "UDP checksum of {i}"
        );
    }
    assert_eq!(seen.len(), 77, "every port of 1024..=1100 drawn in 3000 packets");
    let bad = StreamSpec {
        fields: vec![Field {
            offset: 34,
            width: 2,
            op: FieldOp::Uniform {
                min: 0,
                max: 8,
                shift: 13,
                keep: 0,
            },
            every: 1,
        }],
        ..spec.clone()
    };
    assert!(bad.compile(1514).is_err(), "8 << 13 does not fit 2 bytes");
}

/// Not a test: `cargo test --release -p engine -- --ignored --nocapture build_speed` prints the
/// builders' speed on plain memory (no DPDK), to tell building from buffer handling.
#[test]
#[ignore]
fn build_speed() {
    let spec = StreamSpec {
        templates: vec![udp_template()],
        fields: vec![
            Field::walk(30, 4, 0xc0a8_0101, 0xc0a8_01fe, 1),
            Field::walk(34, 2, 0, 65535, 1),
        ],
        ..Default::default()
    };
    let prog = spec.compile(2048).expect("compiles");
    let mut cur = prog.cursor(1);
    let mut bufs: Vec<Vec<u8>> = (0..64).map(|_| prog.templates[0].data.to_vec()).collect();
    let mut scratch = Vec::new();
    let rounds = 200_000;
    let t = std::time::Instant::now();
    for _ in 0..rounds {
        prog.build_burst(&mut cur, &mut FrameSet::over(&mut bufs, &mut scratch), 0);
    }
    let lin = (rounds * 64) as f64 / t.elapsed().as_secs_f64() / 1e6;
    let t = std::time::Instant::now();
    for _ in 0..rounds {
        for f in bufs.iter_mut() {
            prog.build(&mut cur, f, false, 0);
        }
    }
    let pp = (rounds * 64) as f64 / t.elapsed().as_secs_f64() / 1e6;
    println!("linear {lin:.0} Mpps, per packet {pp:.0} Mpps");
}

/// A frame sent once gets the fix-ups a stream's first packet gets, from the same code.
#[test]
fn finished_template_matches_the_compiled_first_frame() {
    let t = udp_template();
    let once = t.finished().expect("fixes up");
    let spec = StreamSpec {
        templates: vec![t],
        ..StreamSpec::default()
    };
    let prog = spec.compile(1514).expect("compiles");
    assert_eq!(once, prog.templates[0].data[..prog.templates[0].len].to_vec());
    assert_eq!(&once[16..18], &46u16.to_be_bytes(), "IP total length");
    assert_eq!(
        csum::fold(csum::add(0, &once[14..34])),
        0xffff,
        "IPv4 header checksum"
    );
    let bad = Template {
        data: vec![0; 20],
        checksums: vec![Checksum::Ipv4Header(14)],
        lengths: Vec::new(),
    };
    assert!(bad.finished().is_err(), "a checksum outside the frame is refused");
}

/// A VXLAN frame: outer IPv4/UDP over inner Ethernet/IPv4/UDP, every checksum declared (inner
/// first), the outer UDP checksum summing the inner headers' checksums.
fn vxlan_template() -> Template {
    let mut d = vec![0u8; 112];
    for (l3, l4, total) in [(14usize, 34usize, 98u16), (64, 84, 48)] {
        d[l3 - 2..l3].copy_from_slice(&[0x08, 0x00]);
        d[l3] = 0x45;
        d[l3 + 2..l3 + 4].copy_from_slice(&total.to_be_bytes());
        d[l3 + 8] = 64;
        d[l3 + 9] = 17;
        d[l3 + 12..l3 + 20].copy_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
        d[l4 + 4..l4 + 6].copy_from_slice(&(total - 20).to_be_bytes());
    }
    d[36..38].copy_from_slice(&4789u16.to_be_bytes());
    d[42] = 0x08;
    for (i, b) in d[92..].iter_mut().enumerate() {
        *b = i as u8 * 7 + 3;
    }
    Template {
        data: d,
        checksums: vec![
            Checksum::Udp { l3: 64, l4: 84 },
            Checksum::Ipv4Header(64),
            Checksum::Udp { l3: 14, l4: 34 },
            Checksum::Ipv4Header(14),
        ],
        lengths: Vec::new(),
    }
}

/// Nested checksums follow the fields on the fast paths (linear and per packet, no full
/// recompute): every packet's checksums equal a full computation's, inner and outer.
#[test]
fn nested_checksums_follow_fields_without_a_full_recompute() {
    let spec = StreamSpec {
        templates: vec![vxlan_template()],
        fields: vec![
            Field::walk(26, 4, 0xac10_0001, 0xac10_00fe, 1),
            Field::walk(34, 2, 1024, 65535, 3),
            Field::walk(80, 4, 0xc0a8_0101, 0xc0a8_01c8, 7),
            Field::walk(93, 1, 0, 255, 5),
        ],
        ..Default::default()
    };
    let prog = spec.compile(2048).expect("compiles");
    assert!(
        !prog.templates[0].full_recompute,
        "nested checksums stay on the fast path"
    );
    assert_eq!(prog.mode, Mode::Columns);
    let mut random = spec.clone();
    random.fields.push(Field {
        offset: 84,
        width: 2,
        op: FieldOp::Uniform {
            min: 1,
            max: 60000,
            shift: 0,
            keep: 0,
        },
        every: 1,
    });
    let per_packet = random.compile(2048).expect("compiles");
    assert_eq!(per_packet.mode, Mode::PerPacket);
    assert!(!per_packet.templates[0].full_recompute);
    let (mut c1, mut c2) = (prog.cursor(1), per_packet.cursor(1));
    let mut scratch = Vec::new();
    for round in 0..40 {
        let mut a: Vec<Vec<u8>> = (0..32).map(|_| prog.templates[0].data.to_vec()).collect();
        prog.build_burst(&mut c1, &mut FrameSet::over(&mut a, &mut scratch), 0);
        let mut b: Vec<Vec<u8>> = (0..32).map(|_| per_packet.templates[0].data.to_vec()).collect();
        for f in b.iter_mut() {
            per_packet.build(&mut c2, f, true, 0);
        }
        for (i, f) in a.iter().chain(b.iter()).enumerate() {
            let mut want = f.clone();
            for c in &spec.templates[0].checksums {
                c.apply(&mut want);
            }
            assert_eq!(
                f, &want,
                "round {round}, packet {i}: checksums differ from a full computation"
            );
        }
    }
}
