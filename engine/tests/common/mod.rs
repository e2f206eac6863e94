//! Helpers shared by the engine's integration tests: one engine per process, a lock so tests in
//! one process take turns on the ports, a small frame builder, and waiting on conditions.
#![allow(dead_code)]

use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use engine::{Checksum, Config, Engine, LengthField, Template};

/// The embedded default's configuration, or `ENGINE_TEST_EAL`'s args (split on spaces) if set.
pub fn config() -> Config {
    let eal_args = std::env::var("ENGINE_TEST_EAL")
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    Config {
        eal_args,
        ..Config::default()
    }
}

/// The process's engine, started from [`config`].
pub fn engine() -> &'static Engine {
    static E: OnceLock<&'static Engine> = OnceLock::new();
    E.get_or_init(|| Engine::init(&config()).expect("engine init"))
}

/// Serialises tests that use the ports of one process.
pub fn serial() -> MutexGuard<'static, ()> {
    static M: Mutex<()> = Mutex::new(());
    M.lock().unwrap_or_else(|e| e.into_inner())
}

/// Polls `f` until it returns true or `timeout` passes; returns whether it did.
pub fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    f()
}

/// L4 protocol of a test frame.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum L4 {
    Udp,
    Tcp,
    Icmp,
}

/// An Ethernet/IPv4/L4 frame of `len` bytes (without FCS) with its checksum and length fix-ups.
pub fn ipv4_frame(len: usize, l4: L4) -> Template {
    let mut d = vec![0u8; len];
    d[0..6].copy_from_slice(&[0x02, 0, 0, 0, 0, 2]);
    d[6..12].copy_from_slice(&[0x02, 0, 0, 0, 0, 1]);
    d[12..14].copy_from_slice(&[0x08, 0x00]);
    d[14] = 0x45;
    d[16..18].copy_from_slice(&((len - 14) as u16).to_be_bytes());
    d[22] = 64;
    d[23] = match l4 {
        L4::Udp => 17,
        L4::Tcp => 6,
        L4::Icmp => 1,
    };
    d[26..30].copy_from_slice(&[192, 168, 0, 1]);
    d[30..34].copy_from_slice(&[192, 168, 1, 1]);
    let mut lengths = vec![LengthField {
        offset: 16,
        adjust: 14,
    }];
    let cs = match l4 {
        L4::Udp => {
            d[34..36].copy_from_slice(&1234u16.to_be_bytes());
            d[36..38].copy_from_slice(&5678u16.to_be_bytes());
            d[38..40].copy_from_slice(&((len - 34) as u16).to_be_bytes());
            lengths.push(LengthField {
                offset: 38,
                adjust: 34,
            });
            Checksum::Udp { l3: 14, l4: 34 }
        }
        L4::Tcp => {
            d[34..36].copy_from_slice(&1234u16.to_be_bytes());
            d[36..38].copy_from_slice(&5678u16.to_be_bytes());
            d[46] = 0x50;
            d[47] = 0x10;
            d[48..50].copy_from_slice(&8192u16.to_be_bytes());
            Checksum::Tcp { l3: 14, l4: 34 }
        }
        L4::Icmp => {
            d[34] = 8;
            Checksum::Icmp { l3: 14, l4: 34 }
        }
    };
    for (i, b) in d.iter_mut().enumerate().skip(if l4 == L4::Tcp { 54 } else { 42 }) {
        *b = b'a' + (i % 26) as u8;
    }
    Template {
        data: d,
        checksums: vec![cs, Checksum::Ipv4Header(14)],
        lengths,
    }
}

/// Set in the environment of a child started by [`child_command`].
const CHILD: &str = "ENGINE_TEST_CHILD";

/// Whether this process is a child started by [`child_command`]. A `child_*` test returns at once
/// anywhere else: `cargo test -- --include-ignored` then passes over it (its parent test runs it
/// for real) instead of failing for want of its EAL arguments or shutting the shared engine down.
pub fn in_child(name: &str) -> bool {
    let child = std::env::var_os(CHILD).is_some();
    if !child {
        eprintln!("{name}: runs only in the process its parent test starts");
    }
    child
}

/// Test `name` of this test binary as a command for a new process whose engine starts with `eal`
/// (split on spaces; empty: the embedded default) and `env`. EAL starts once per process, so every
/// EAL configuration a test needs gets its own process.
pub fn child_command(name: &str, eal: &str, env: &[(&str, &str)]) -> std::process::Command {
    let exe = std::env::current_exe().expect("test binary path");
    let mut cmd = std::process::Command::new(exe);
    cmd.args([name, "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env("ENGINE_TEST_EAL", eal)
        .env(CHILD, "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Runs [`child_command`] and returns the child's output.
pub fn run_child(name: &str, eal: &str, env: &[(&str, &str)]) -> std::process::Output {
    child_command(name, eal, env).output().expect("spawn child test")
}

/// A private EAL argument set: no hugepages, no PCI, a unique file prefix, plus `extra`.
pub fn private_eal(extra: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "--no-huge --no-pci --no-shconf --no-telemetry -m 256 -l 0-1 --log-level=warning --file-prefix t{}-{} {extra}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Asserts that a child run passed, and that it ran exactly one test: a child whose name no longer
/// matches runs none, and that must not pass.
pub fn assert_child_ok(out: &std::process::Output) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("test result: ok. 1 passed;"),
        "child failed or ran no test ({}):\n--- stdout\n{stdout}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}
