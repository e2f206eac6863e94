//! `pktgen`: a packet generator driven by Lua scripts, compatible with Pktgen-DPDK's Lua API.
//!
//! Layer: the runtime. It parses the command line, starts the engine (DPDK), builds the one Lua
//! state with the native `engine` module and the embedded stdlib, runs scripts, the console and
//! stdin on a single-threaded executor, and shuts everything down in order: ports, Lua, EAL.

#![forbid(unsafe_code)]

mod app;
mod args;
mod console;
mod interrupt;
mod lua;
mod matrix;
mod metrics;
mod results;
mod shell;
mod state;
mod version;

use std::process::ExitCode;

use engine::{Config, Engine};

fn main() -> ExitCode {
    // Before anything else: the token leaves the environment children would inherit (this may
    // execute pktgen again, see shell::take_env_token).
    if let Err(msg) = shell::take_env_token() {
        eprintln!("pktgen: {msg}");
        return ExitCode::FAILURE;
    }
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let args = match args::parse(&argv) {
        Ok(a) => a,
        Err(args::Exit::Help(text)) => {
            println!("{}", text.trim_end());
            return ExitCode::SUCCESS;
        }
        Err(args::Exit::Version) => {
            println!("{}", version::versions());
            return ExitCode::SUCCESS;
        }
        Err(args::Exit::Usage(msg)) => {
            eprintln!("pktgen: {msg}");
            return ExitCode::from(2);
        }
    };

    let defaults = Config::default();
    let cfg = Config {
        eal_args: args.eal.clone(),
        jumbo: args.opts.jumbo,
        promiscuous: args.opts.promiscuous,
        rx_desc: args.opts.rxd.unwrap_or(defaults.rx_desc),
        tx_desc: args.opts.txd.unwrap_or(defaults.tx_desc),
        latency_max_ns: args.opts.latency_max_ns.unwrap_or(defaults.latency_max_ns),
        latency_digits: args.opts.latency_digits.unwrap_or(defaults.latency_digits),
        matrix: args.matrix.clone(),
        queues: args.opts.queues,
        ..defaults
    };
    if !(1..=5).contains(&cfg.latency_digits) || cfg.latency_max_ns < 2 {
        eprintln!(
            "pktgen: --latency-digits must be 1 to 5 and --latency-max-ns at least 2 (got {} and {})",
            cfg.latency_digits, cfg.latency_max_ns
        );
        return ExitCode::from(2);
    }
    if args.opts.verbose {
        eprintln!("pktgen: EAL arguments: {}", engine::eal_args(&cfg).join(" "));
    }
    let engine = match Engine::init(&cfg) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("pktgen: {e}");
            return ExitCode::FAILURE;
        }
    };
    if args.opts.verbose {
        for p in 0..engine.port_count() {
            if let Ok(i) = engine.port_info(p) {
                eprintln!(
                    "pktgen: port {p}: {} ({}), {} Mb/s, link {}",
                    i.name,
                    i.driver,
                    i.speed_mbps,
                    if i.link_up { "up" } else { "down" }
                );
            }
        }
        eprintln!("pktgen: {} worker lcore(s)", engine.worker_count());
        for p in 0..engine.port_count() {
            if let Ok(l) = engine.port_layout(p) {
                eprintln!("pktgen: port {p}: {}", layout_line(&l));
            }
        }
        eprintln!("pktgen: Lua shell: {}", args.listen.as_deref().unwrap_or("off"));
        let ignored = args.accepted_only();
        if !ignored.is_empty() {
            eprintln!("pktgen: accepted without effect: {}", ignored.join(" "));
        }
    }

    let status = app::run(engine, &args);
    engine.shutdown();
    ExitCode::from(u8::try_from(status).unwrap_or(1))
}

/// A port's lcores and queues in one line, for `-v`.
fn layout_line(l: &engine::PortLayout) -> String {
    if !l.used() {
        return "unused (the -m matrix does not name it)".into();
    }
    let lc = |v: &[u32]| v.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
    let answer = &l.tx_lcores[l.stream_queues..];
    format!(
        "RX queues {} on lcores [{}]{}, TX queues {} on lcores [{}]{}",
        l.rx_lcores.len(),
        lc(&l.rx_lcores),
        if l.rss { " (RSS)" } else { "" },
        l.stream_queues,
        lc(&l.tx_lcores[..l.stream_queues]),
        if answer.is_empty() {
            String::new()
        } else {
            format!(", answer queues on lcores [{}]", lc(answer))
        }
    )
}
