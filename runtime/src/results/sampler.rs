//! Pktgen's latency sampler (`pktgen.latsampler`): on a plain thread, `n` samples of a port's
//! latest latency taken at a fixed or Poisson rate, written to a file when done or stopped. It
//! only reads the engine's atomics and writes a file, so it needs neither Lua nor the executor.
//! Plain Rust: the Lua binding (lua/engine/latency.rs) calls [`start`] and [`stop`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use engine::Engine;

type Running = HashMap<u16, (Arc<AtomicBool>, JoinHandle<Result<(), String>>)>;

fn running() -> &'static Mutex<Running> {
    static R: std::sync::OnceLock<Mutex<Running>> = std::sync::OnceLock::new();
    R.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The gaps between samples, in seconds: `1/rate` each, or exponential with that mean.
struct Gaps {
    mean: f64,
    poisson: bool,
    rng: u64,
}

impl Gaps {
    fn new(rate: u64, poisson: bool, seed: u64) -> Gaps {
        Gaps {
            mean: 1.0 / rate as f64,
            poisson,
            rng: seed | 1,
        }
    }

    fn next(&mut self) -> f64 {
        if !self.poisson {
            return self.mean;
        }
        // xorshift64: plenty for spacing samples, and no dependency for it.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let u = (self.rng >> 11) as f64 / (1u64 << 53) as f64;
        -(1.0 - u).ln() * self.mean
    }
}

/// Starts sampling port `p`: `n` samples of its latest latency, `rate` per second (with
/// exponential gaps when `poisson`), written to `path` when done or stopped.
///
/// # Errors
/// The port's sampler already running, or no thread to run it on.
pub fn start(
    e: &'static Engine,
    p: u16,
    poisson: bool,
    n: u64,
    rate: u64,
    path: String,
) -> Result<(), String> {
    let mut r = running()
        .lock()
        .map_err(|_| "latsampler: lock poisoned".to_string())?;
    if r.get(&p)
        .is_some_and(|(stop, h)| !stop.load(Ordering::Relaxed) && !h.is_finished())
    {
        return Err(format!("latsampler: the sampler of port {p} is already running"));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64);
    let h = std::thread::Builder::new()
        .name(format!("pktgen-latsampler{p}"))
        .spawn(move || {
            let mut gaps = Gaps::new(rate, poisson, seed);
            let mut out = String::from("Latency\n");
            let mut taken = 0;
            while taken < n && !flag.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_secs_f64(gaps.next()));
                if let Ok(Some(ns)) = e.latency_last(p) {
                    out.push_str(&format!("{ns}\n"));
                    taken += 1;
                }
            }
            std::fs::write(&path, out).map_err(|err| format!("latsampler: cannot write '{path}': {err}"))
        })
        .map_err(|err| format!("latsampler: cannot start a thread: {err}"))?;
    r.insert(p, (stop, h));
    Ok(())
}

/// Stops port `p`'s sampler and waits until its file is written.
///
/// # Errors
/// The file not written, or the thread having panicked.
pub fn stop(p: u16) -> Result<(), String> {
    let entry = running()
        .lock()
        .map_err(|_| "latsampler: lock poisoned".to_string())?
        .remove(&p);
    match entry {
        Some((stop, h)) => {
            stop.store(true, Ordering::Relaxed);
            h.join()
                .map_err(|_| "latsampler: the sampler thread panicked".to_string())?
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_and_poisson_gaps_have_the_asked_mean() {
        let mut fixed = Gaps::new(100, false, 7);
        assert!((0..10).all(|_| fixed.next() == 0.01));
        let mut p = Gaps::new(100, true, 7);
        let gaps: Vec<f64> = (0..20_000).map(|_| p.next()).collect();
        let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
        assert!((mean - 0.01).abs() < 0.0005, "mean gap {mean}");
        assert!(gaps.iter().all(|g| *g >= 0.0 && g.is_finite()));
        assert!(gaps.windows(2).any(|w| w[0] != w[1]), "Poisson gaps vary");
    }
}
