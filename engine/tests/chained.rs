//! Frames larger than one receive buffer arrive as a chain of segments (here: 3000-byte frames
//! read by `net_pcap` into 2 KiB buffers, as a NIC without scatter-gather off splits jumbo
//! frames). Their latency stamps, in the last 16 bytes of the last segment, are still found, and
//! the chains are counted.

mod common;

use std::time::Duration;

use common::{assert_child_ok, engine, in_child, private_eal, wait_until};

/// Stamped frames in the file.
const N: u64 = 40;
const FRAME: usize = 3000;

/// A frame of `FRAME` bytes ending in a stamp with sequence number `seq`, built here from the
/// documented format (not the engine's code): little-endian magic 0x6770, stream id, sequence
/// number, 48 bits of TSC, and a balance word that makes the record's 16-bit words sum to 0
/// modulo 65535.
fn stamped_frame(seq: u32) -> Vec<u8> {
    let mut d = vec![0u8; FRAME];
    d[0..6].copy_from_slice(&[0x02, 0, 0, 0, 0, 2]);
    d[6..12].copy_from_slice(&[0x02, 0, 0, 0, 0, 1]);
    d[12..14].copy_from_slice(&[0x88, 0xb5]); // local experimental EtherType
    let at = FRAME - engine::STAMP_LEN;
    let mut words = [0u16; 8];
    words[0] = 0x6770;
    words[1] = (3 << 9) | 1;
    words[2] = seq as u16;
    words[3] = (seq >> 16) as u16;
    words[4] = 1; // an old TSC: a large but valid age
    let sum: u64 = words[..7].iter().map(|&w| u64::from(w)).sum();
    words[7] = ((65535 - sum % 65535) % 65535) as u16;
    for (i, w) in words.iter().enumerate() {
        d[at + 2 * i..at + 2 * i + 2].copy_from_slice(&w.to_le_bytes());
    }
    d
}

#[test]
#[ignore = "runs in its own process, started by its parent test"]
fn child_stamps_in_chains() {
    if !in_child("child_stamps_in_chains") {
        return;
    }
    let e = engine();
    e.set_latency_rx(0, true).unwrap();
    // The port reads its file, a pipe, as the parent writes it: only now the frames come.
    println!("ready");
    assert!(
        wait_until(Duration::from_secs(10), || e.stats(0).unwrap().rx_packets >= N),
        "frames received: {:?}",
        e.stats(0).unwrap()
    );
    let s = e.stats(0).unwrap();
    assert_eq!(
        (s.rx_packets, s.rx_chained, s.rx_sizes.jumbo),
        (N, N, N),
        "every 3000-byte frame came as a chain"
    );
    let l = e.latency(0).unwrap();
    assert_eq!(
        (l.count, l.lost, l.reordered, l.duplicate),
        (N, 0, 0, 0),
        "stamps counted, lost, reordered, duplicate"
    );
    e.shutdown();
}

#[test]
fn stamps_in_chained_frames_are_found_and_counted() {
    use std::io::{BufRead as _, Write as _};
    let dir = std::env::temp_dir().join(format!("pktgen-chained-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("frames.pcap");
    let packets: Vec<engine::CapturedPacket> = (0..N as u32)
        .map(|i| engine::CapturedPacket {
            time_ns: u64::from(i) * 1000,
            data: stamped_frame(i),
            orig_len: FRAME as u32,
        })
        .collect();
    engine::write_pcap(&file, &packets).unwrap();
    let bytes = std::fs::read(&file).unwrap();
    let fifo = dir.join("rx.pcap");
    let _ = std::fs::remove_file(&fifo);
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success(),
        "mkfifo"
    );
    let eal = private_eal(&format!(
        "--vdev net_pcap0,rx_pcap={},tx_pcap={}",
        fifo.display(),
        dir.join("tx.pcap").display()
    ));
    let mut child = common::child_command("child_stamps_in_chains", &eal, &[])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // EAL opens the pipe and reads the file header while it starts; the frames wait until the
    // child measures stamps.
    let mut pipe = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    pipe.write_all(&bytes[..24]).unwrap();
    // Stderr drains on its own thread, so a chatty child cannot block on a full pipe.
    let mut err = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut s);
        s
    });
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    let mut line = String::new();
    // libtest prints "test child_stamps_in_chains ... " before what the child prints.
    while out.read_line(&mut line).unwrap() > 0 && !line.trim_end().ends_with("ready") {
        seen.push_str(&line);
        line.clear();
    }
    assert!(
        line.trim_end().ends_with("ready"),
        "the child never got ready:\n{seen}"
    );
    seen.push_str(&line);
    pipe.write_all(&bytes[24..]).unwrap();
    drop(pipe);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let status = child.wait().unwrap();
    let stderr = stderr.join().unwrap();
    assert_child_ok(&std::process::Output {
        status,
        stdout: format!("{seen}{rest}").into_bytes(),
        stderr: stderr.into_bytes(),
    });
    let _ = std::fs::remove_dir_all(&dir);
}
