//! `bench --walks [SECONDS]`: walking fields and stamps against the fixed template, as ratios
//! measured in the same process (five processes, each on its own `net_null` port, interleaved
//! rounds inside), medians and ranges over the processes: the targets are two walking
//! fields >= 0.8x the fixed template, four >= 0.6x, and a stamp on every packet <= 10 % cost.

use engine::{Config, Engine, Field, Rate, StreamSpec};

use crate::{PROCESSES, child, engine_pps, spread, udp_frame};

/// The fixed template, two and four walking fields, and the fixed template stamped.
fn specs() -> [StreamSpec; 4] {
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

/// Child mode: three interleaved rounds of the four specs; prints each one's median pps.
pub fn child_main(secs: f64) {
    let eal = format!(
        "--no-huge --no-pci --no-shconf --no-telemetry -m 512 -l 0-1 --log-level=warning --file-prefix walks-{} --vdev net_null0,no-rx=1",
        std::process::id()
    );
    let cfg = Config {
        eal_args: eal.split_whitespace().map(str::to_owned).collect(),
        ..Config::default()
    };
    let e = Engine::init(&cfg).expect("engine on net_null0");
    let specs = specs();
    let mut pps: [Vec<f64>; 4] = Default::default();
    for _ in 0..3 {
        for (i, s) in specs.iter().enumerate() {
            pps[i].push(engine_pps(e, s, secs));
        }
    }
    e.shutdown();
    let m: Vec<String> = pps.iter().map(|v| format!("{:.0}", spread(v).0)).collect();
    println!("{}", m.join(" "));
}

/// Runs the children and prints the Markdown table.
pub fn run(secs: f64) {
    let secs_arg = secs.to_string();
    let (mut fixed, mut two, mut four, mut stamp) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..PROCESSES {
        let v = child(&["--walks-child", &secs_arg]);
        fixed.push(v[0]);
        two.push(v[1] / v[0]);
        four.push(v[2] / v[0]);
        stamp.push((1.0 - v[3] / v[0]) * 100.0);
    }
    let (f, flo, fhi) = spread(&fixed);
    println!("| measurement ({PROCESSES} processes) | median | range | target |");
    println!("|---|---|---|---|");
    println!(
        "| fixed template, Mpps | {:.1} | {:.1}-{:.1} | |",
        f / 1e6,
        flo / 1e6,
        fhi / 1e6
    );
    for (what, v, target) in [
        ("two walking fields, x fixed", &two, ">= 0.8x"),
        ("four walking fields, x fixed", &four, ">= 0.6x"),
    ] {
        let (m, lo, hi) = spread(v);
        println!("| {what} | {m:.2}x | {lo:.2}-{hi:.2}x | {target} |");
    }
    let (m, lo, hi) = spread(&stamp);
    println!("| stamp on every packet, cost vs fixed | {m:.0} % | {lo:.0} to {hi:.0} % | <= 10 % |");
}
