//! Lua shell benches: the round trip of `print(1)` on one connection and with 32 concurrent
//! clients (p50/p99), and the time from starting `pktgen` to its shell answering. Prints a
//! Markdown section for `bench/RESULTS.md`.
//!
//! `cargo build --release -p runtime -p bench && target/release/shell [PKTGEN]` (as root; PKTGEN
//! defaults to target/release/pktgen). Every pktgen here runs the embedded default (two ring
//! ports, no traffic) and listens on a free loopback port, never 22022.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn spawn(bin: &str, port: u16) -> Child {
    Command::new(bin)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn pktgen")
}

fn stop(mut c: Child) {
    let _ = Command::new("kill").args(["-TERM", &c.id().to_string()]).status();
    let _ = c.wait();
}

/// One `print(1)` round trip on `s`.
fn round(s: &mut TcpStream) -> Duration {
    let t = Instant::now();
    s.write_all(b"print(1)\n").expect("send");
    let mut got = [0u8; 2];
    s.read_exact(&mut got).expect("reply");
    assert_eq!(&got, b"1\n");
    t.elapsed()
}

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_nodelay(true).expect("nodelay");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    s
}

fn pct(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i].as_secs_f64() * 1e6
}

/// Time to the first accepted connection and to the first answered `print(1)`.
fn startup(bin: &str) -> (Duration, Duration) {
    let port = free_port();
    let t0 = Instant::now();
    let child = spawn(bin, port);
    let deadline = t0 + Duration::from_secs(30);
    let mut s = loop {
        if let Ok(s) = TcpStream::connect(("127.0.0.1", port)) {
            break s;
        }
        assert!(Instant::now() < deadline, "pktgen never listened");
        std::thread::sleep(Duration::from_micros(500));
    };
    let accepted = t0.elapsed();
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    round(&mut s);
    let answered = t0.elapsed();
    drop(s);
    stop(child);
    (accepted, answered)
}

fn main() {
    let bin = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/release/pktgen".into());

    let mut acc = Vec::new();
    let mut ans = Vec::new();
    for _ in 0..5 {
        let (a, b) = startup(&bin);
        acc.push(a);
        ans.push(b);
    }

    let port = free_port();
    let child = spawn(&bin, port);
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "pktgen never listened");
        std::thread::sleep(Duration::from_millis(1));
    }

    let mut s = connect(port);
    for _ in 0..200 {
        round(&mut s); // warm up
    }
    let mut one: Vec<Duration> = (0..5000).map(|_| round(&mut s)).collect();
    drop(s);

    let t = Instant::now();
    let threads: Vec<_> = (0..32)
        .map(|_| {
            std::thread::spawn(move || {
                let mut s = connect(port);
                (0..500).map(|_| round(&mut s)).collect::<Vec<_>>()
            })
        })
        .collect();
    let mut many: Vec<Duration> = threads
        .into_iter()
        .flat_map(|h| h.join().expect("client"))
        .collect();
    let wall = t.elapsed();
    stop(child);

    println!("| measurement | p50 | p99 |");
    println!("|---|---|---|");
    println!(
        "| `print(1)` round trip, 1 connection (5000 rounds) | {:.0} µs | {:.0} µs |",
        pct(&mut one, 0.5),
        pct(&mut one, 0.99)
    );
    println!(
        "| `print(1)` round trip, 32 concurrent connections (32 × 500 rounds, {:.0} chunks/s in all) | {:.0} µs | {:.0} µs |",
        many.len() as f64 / wall.as_secs_f64(),
        pct(&mut many, 0.5),
        pct(&mut many, 0.99)
    );
    println!(
        "| start to first accepted connection (5 starts; median, max) | {:.0} ms | {:.0} ms |",
        pct(&mut acc, 0.5) / 1e3,
        pct(&mut acc, 1.0) / 1e3
    );
    println!(
        "| start to first `print(1)` answered (5 starts; median, max) | {:.0} ms | {:.0} ms |",
        pct(&mut ans, 0.5) / 1e3,
        pct(&mut ans, 1.0) / 1e3
    );
}
