//! Frames larger than one receive buffer arrive as a chain of segments (here: 3000-byte frames
//! that `net_pcap` reads off a veth interface into 2 KiB buffers, as a NIC splits jumbo frames
//! when its buffers are smaller). Their latency stamps, in the last 16 bytes of the last segment,
//! are still found, and the chains are counted. Needs root, `ip` and `python3` (to send the
//! frames through a raw socket once the child is ready); names carry the process id.

mod common;

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Command, Stdio};
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
    // The first sender the child's stream got (0), at its first generation (1): the stream id's
    // top 10 bits and low 6.
    words[1] = 1;
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
    // One stamped packet, so that sender 0 belongs to port 0's stream: the parent's stamps
    // claim it.
    let spec = engine::StreamSpec {
        templates: vec![common::ipv4_frame(60, common::L4::Udp)],
        count: 1,
        stamp_every: Some(1),
        rate: engine::Rate::Unpaced,
        ..Default::default()
    };
    e.start(0, &spec).unwrap();
    assert!(wait_until(Duration::from_secs(60), || !e.is_sending(0).unwrap()));
    e.clear(0).unwrap();
    println!("ready");
    assert!(
        wait_until(Duration::from_secs(60), || e.stats(0).unwrap().rx_chained >= N),
        "chained frames received: {:?}",
        e.stats(0).unwrap()
    );
    let s = e.stats(0).unwrap();
    assert_eq!(
        (s.rx_chained, s.rx_sizes.jumbo),
        (N, N),
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

fn ip(args: &[&str]) {
    let o = Command::new("ip")
        .args(args)
        .output()
        .expect("ip (iproute2) is installed");
    assert!(
        o.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A veth pair with a 9000-byte MTU; dropping it removes the pair.
struct Veth(String, String);

impl Veth {
    fn new() -> Veth {
        let v = Veth(
            format!("pgc{}a", std::process::id()),
            format!("pgc{}b", std::process::id()),
        );
        ip(&[
            "link", "add", &v.0, "mtu", "9000", "type", "veth", "peer", "name", &v.1, "mtu", "9000",
        ]);
        ip(&["link", "set", &v.0, "up"]);
        ip(&["link", "set", &v.1, "up"]);
        v
    }
}

impl Drop for Veth {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["link", "del", &self.0]).output();
    }
}

#[test]
fn stamps_in_chained_frames_are_found_and_counted() {
    let veth = Veth::new();
    let dir = std::env::temp_dir().join(format!("pktgen-chained-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let frames = dir.join("frames.bin");
    std::fs::write(
        &frames,
        (0..N as u32).flat_map(stamped_frame).collect::<Vec<u8>>(),
    )
    .unwrap();
    let eal = private_eal(&format!("--vdev net_pcap0,iface={}", veth.0));
    let mut child = common::child_command("child_stamps_in_chains", &eal, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Stderr drains on its own thread, so a chatty child cannot block on a full pipe.
    let mut err = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let (mut seen, mut line) = (String::new(), String::new());
    // libtest prints "test child_stamps_in_chains ... " before what the child prints.
    while out.read_line(&mut line).unwrap() > 0 && !line.trim_end().ends_with("ready") {
        seen.push_str(&line);
        line.clear();
    }
    seen.push_str(&line);
    if line.trim_end().ends_with("ready") {
        let send = format!(
            "import socket\ns = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\ns.bind(({:?}, 0))\n\
             d = open({:?}, 'rb').read()\nfor i in range(0, len(d), {FRAME}): s.send(d[i:i + {FRAME}])\n",
            veth.1,
            frames.display().to_string()
        );
        let py = Command::new("python3")
            .args(["-c", &send])
            .output()
            .expect("python3 is installed");
        assert!(
            py.status.success(),
            "sending the frames: {}",
            String::from_utf8_lossy(&py.stderr)
        );
    }
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_child_ok(&std::process::Output {
        status,
        stdout: format!("{seen}{rest}").into_bytes(),
        stderr: stderr.join().unwrap().into_bytes(),
    });
    let _ = std::fs::remove_dir_all(&dir);
}
