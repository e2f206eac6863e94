//! `bench --walks [SECONDS]`: walking fields and stamps against the fixed template, as ratios
//! measured in the same process (five processes, each on its own `net_null` port, interleaved
//! rounds inside), medians and ranges over the processes: the targets are two walking
//! fields >= 0.8x the fixed template, four >= 0.6x, and a stamp on every packet <= 10 % cost.
//! Each rate is also taken per second of CPU time the TX lcore got (its thread's schedstat): on
//! a shared machine the lcore waits for a CPU as long as it runs, and wall-time rates then
//! measure the neighbours as much as the loop.

use std::time::{Duration, Instant};

use engine::{Engine, Field, Rate, StreamSpec};

use crate::{PROCESSES, child, null_engine, spread, udp_frame};

/// Nanoseconds the EAL worker threads (`rte-worker-*`) of this process have run on a CPU.
fn worker_cpu_ns() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(|t| t.ok())
        .filter(|t| std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.starts_with("rte-worker")))
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// Packets per second of wall time, and per second of the workers' CPU time, `spec` sends on
/// port 0 over `secs`.
fn pps(e: &Engine, spec: &StreamSpec, secs: f64) -> (f64, f64) {
    e.start(0, spec).expect("start");
    std::thread::sleep(Duration::from_millis(300)); // warm up
    let (t0, c0, a) = (
        Instant::now(),
        worker_cpu_ns(),
        e.stats(0).expect("stats").tx_packets,
    );
    std::thread::sleep(Duration::from_secs_f64(secs));
    let (b, c1, dt) = (
        e.stats(0).expect("stats").tx_packets,
        worker_cpu_ns(),
        t0.elapsed(),
    );
    e.stop(0).expect("stop");
    let n = (b - a) as f64;
    (n / dt.as_secs_f64(), n / ((c1 - c0).max(1) as f64 / 1e9))
}

/// The fixed template, two and four walking fields, and the fixed template stamped.
pub fn specs() -> [StreamSpec; 4] {
    let fixed = StreamSpec {
        templates: vec![udp_frame()],
        rate: Rate::Unpaced,
        burst: 64,
        ..Default::default()
    };
    let mut two = fixed.clone();
    two.fields = vec![
        Field::walk(30, 4, 0xc0a8_0101, 0xc0a8_01fe, 1),
        Field::walk(34, 2, 0, 65535, 1),
    ];
    let mut four = two.clone();
    four.fields.extend([
        Field::walk(36, 2, 1000, 2000, 1),
        Field::walk(26, 4, 0x0a00_0001, 0x0a00_ffff, 1),
    ]);
    let stamped = StreamSpec {
        stamp_every: Some(1),
        ..fixed.clone()
    };
    [fixed, two, four, stamped]
}

/// Child mode: three interleaved rounds of the four specs; prints each one's median pps, then
/// each one's median pps per CPU second.
pub fn child_main(secs: f64) {
    let e = null_engine();
    let specs = specs();
    let mut wall: [Vec<f64>; 4] = Default::default();
    let mut cpu: [Vec<f64>; 4] = Default::default();
    for _ in 0..3 {
        for (i, s) in specs.iter().enumerate() {
            let (w, c) = pps(e, s, secs);
            wall[i].push(w);
            cpu[i].push(c);
        }
    }
    e.shutdown();
    let m: Vec<String> = wall
        .iter()
        .chain(&cpu)
        .map(|v| format!("{:.0}", spread(v).0))
        .collect();
    println!("{}", m.join(" "));
}

/// The rows of one clock: `v` holds each process's fixed, two, four and stamped rates.
fn rows(clock: &str, v: &[Vec<f64>]) {
    let fixed: Vec<f64> = v.iter().map(|p| p[0]).collect();
    let ratio = |k: usize| -> Vec<f64> { v.iter().map(|p| p[k] / p[0]).collect() };
    let (f, flo, fhi) = spread(&fixed);
    println!(
        "| fixed template, Mpps {clock} | {:.1} | {:.1}-{:.1} | |",
        f / 1e6,
        flo / 1e6,
        fhi / 1e6
    );
    for (what, k, target) in [
        ("two walking fields, x fixed", 1, ">= 0.8x"),
        ("four walking fields, x fixed", 2, ">= 0.6x"),
    ] {
        let (m, lo, hi) = spread(&ratio(k));
        println!("| {what} {clock} | {m:.2}x | {lo:.2}-{hi:.2}x | {target} |");
    }
    let cost: Vec<f64> = ratio(3).iter().map(|r| (1.0 - r) * 100.0).collect();
    let (m, lo, hi) = spread(&cost);
    println!("| stamp on every packet, cost vs fixed {clock} | {m:.0} % | {lo:.0} to {hi:.0} % | <= 10 % |");
}

/// Runs the children and prints the Markdown table: wall-time rates, then per CPU second.
pub fn run(secs: f64) {
    let secs_arg = secs.to_string();
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    for _ in 0..PROCESSES {
        let v = child(&["--walks-child", &secs_arg]);
        wall.push(v[..4].to_vec());
        cpu.push(v[4..8].to_vec());
    }
    println!("| measurement ({PROCESSES} processes) | median | range | target |");
    println!("|---|---|---|---|");
    rows("(wall time)", &wall);
    rows("(per CPU second of the TX lcore)", &cpu);
}
