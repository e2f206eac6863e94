//! Latency in the `engine` module: per-port snapshots of the engine's HDR histograms as a
//! `Histogram` userdata (queries, merging, CSV and HdrHistogram interval logs), jitter threshold,
//! and the TSC-free sampler values. Printing tables and charts is the Lua stdlib's job
//! (lua/pktgen/api/latency.lua); this file hands it numbers.

use std::time::{Duration, SystemTime};

use engine::Engine;
use hdrhistogram::Histogram as Hdr;
use hdrhistogram::serialization::V2DeflateSerializer;
use hdrhistogram::serialization::interval_log::{IntervalLogWriterBuilder, Tag};
use mlua::{Lua, MultiValue, Table, UserData, UserDataMethods, Value};

use super::engine_api::{Handler, arg, sync_fn};

/// A latency histogram in nanoseconds, as Lua sees it.
#[derive(Clone)]
pub struct Histogram {
    hist: Hdr<u64>,
    /// When the measurement began (the port's last reset, or the first merge), for the log.
    start: SystemTime,
}

impl Histogram {
    fn empty(max_ns: u64, digits: u8) -> mlua::Result<Histogram> {
        let hist = Hdr::new_with_bounds(1, max_ns.max(2), digits.clamp(1, 5))
            .map_err(|e| mlua::Error::runtime(format!("histogram: {e:?}")))?;
        Ok(Histogram {
            hist,
            start: SystemTime::now(),
        })
    }

    /// The value at percentile `p` as HdrHistogram's reference implementations (Java, Python)
    /// find it: the highest value equivalent to the sample of rank `p % of the count`, rounded
    /// half up and at least 1 (0 % gives the lowest equivalent of the first). The Rust crate rounds
    /// the rank up instead, and floating point made 99.9 % of 50000 rank 49951 rather than 49950,
    /// so a saved log read back elsewhere gave other percentiles.
    fn value_at_percentile(&self, p: f64) -> u64 {
        value_at_percentile(&self.hist, p)
    }

    /// HdrHistogram's percentile distribution (5 ticks per half distance): (quantile, value in
    /// ns, count up to it), from the lowest value to quantile 1.
    pub(crate) fn distribution(&self) -> Vec<(f64, u64, u64)> {
        let mut total = 0u64;
        self.hist
            .iter_quantiles(5)
            .map(|v| {
                total += v.count_since_last_iteration();
                (v.quantile_iterated_to(), v.value_iterated_to(), total)
            })
            .collect()
    }

    /// The percentile-distribution CSV of HdrHistogram (`Value,Percentile,TotalCount,1/(1-Percentile)`).
    fn csv(&self) -> String {
        let mut out = String::from("\"Value\",\"Percentile\",\"TotalCount\",\"1/(1-Percentile)\"\n");
        if self.hist.is_empty() {
            return out;
        }
        for (q, value, total) in self.distribution() {
            let inv = if q < 1.0 {
                format!("{:.2}", 1.0 / (1.0 - q))
            } else {
                "Infinity".into()
            };
            out.push_str(&format!("{value},{q:.12},{total},{inv}\n"));
        }
        out
    }

    /// Writes the histogram as one interval of an HdrHistogram interval log (V2, compressed).
    fn save(&self, path: &str, tag: Option<&str>) -> std::result::Result<(), String> {
        let mut buf = Vec::new();
        let now = SystemTime::now();
        let start = self.start.min(now);
        {
            let mut ser = V2DeflateSerializer::new();
            let mut w = IntervalLogWriterBuilder::new()
                .add_comment("Latency in nanoseconds, written by pktgen")
                .with_start_time(start)
                .with_base_time(start)
                .begin_log_with(&mut buf, &mut ser)
                .map_err(|e| e.to_string())?;
            let tag = tag.and_then(Tag::new);
            let len = now.duration_since(start).unwrap_or(Duration::ZERO);
            w.write_histogram(&self.hist, Duration::ZERO, len, tag)
                .map_err(|e| format!("{e:?}"))?;
        }
        std::fs::write(path, buf).map_err(|e| format!("histogram:save: cannot write '{path}': {e}"))
    }
}

/// [`Histogram::value_at_percentile`] of any histogram (the metrics use it too, so they agree).
pub(crate) fn value_at_percentile(h: &Hdr<u64>, p: f64) -> u64 {
    let n = h.len();
    if p == 0.0 || n == 0 {
        return h.value_at_quantile(0.0);
    }
    let rank = (p * n as f64 / 100.0 + 0.5).floor().max(1.0);
    // Half a sample below the rank: the crate's ceil lands on the rank whatever the rounding.
    h.value_at_quantile((rank - 0.5) / n as f64)
}

/// The percentiles a histogram's JSON form lists.
const JSON_PERCENTILES: [(&str, f64); 6] = [
    ("50", 50.0),
    ("90", 90.0),
    ("99", 99.0),
    ("99.9", 99.9),
    ("99.99", 99.99),
    ("100", 100.0),
];

/// A histogram's JSON form (`pktgen.json.encode(h)`, a value returned in program mode): a
/// summary in nanoseconds, not the buckets (`h:csv()` and `h:save()` give those).
impl serde::Serialize for Histogram {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let h = &self.hist;
        let empty = h.is_empty();
        let mut m = s.serialize_map(Some(7))?;
        m.serialize_entry("unit", "ns")?;
        m.serialize_entry("count", &h.len())?;
        m.serialize_entry("min", &if empty { 0 } else { h.min() })?;
        m.serialize_entry("max", &if empty { 0 } else { h.highest_equivalent(h.max()) })?;
        m.serialize_entry("mean", &h.mean())?;
        m.serialize_entry("stdev", &h.stdev())?;
        let p: std::collections::BTreeMap<&str, u64> = JSON_PERCENTILES
            .iter()
            .map(|&(k, p)| (k, self.value_at_percentile(p)))
            .collect();
        m.serialize_entry("percentiles", &p)?;
        m.end()
    }
}

/// The percentile `p` (0..=100) a Lua caller asked for, checked.
fn percentile(who: &str, p: &Value) -> mlua::Result<f64> {
    let p = match p {
        Value::Integer(i) => *i as f64,
        Value::Number(n) => *n,
        other => {
            return Err(mlua::Error::runtime(format!(
                "histogram:{who}: percentile must be a number, got {}",
                other.type_name()
            )));
        }
    };
    if !(0.0..=100.0).contains(&p) {
        return Err(mlua::Error::runtime(format!(
            "histogram:{who}: percentile {p} is outside 0..100"
        )));
    }
    Ok(p)
}

impl UserData for Histogram {
    fn add_methods<M: UserDataMethods<Self>>(m: &mut M) {
        m.add_method("count", |_, h, ()| Ok(h.hist.len()));
        m.add_method("min", |_, h, ()| {
            Ok(if h.hist.is_empty() { 0 } else { h.hist.min() })
        });
        m.add_method("max", |_, h, ()| {
            Ok(if h.hist.is_empty() {
                0
            } else {
                h.hist.highest_equivalent(h.hist.max())
            })
        });
        m.add_method("mean", |_, h, ()| Ok(h.hist.mean()));
        m.add_method("stdev", |_, h, ()| Ok(h.hist.stdev()));
        m.add_method("percentile", |_, h, p: Value| {
            Ok(h.value_at_percentile(percentile("percentile", &p)?))
        });
        m.add_method("percentiles", |lua, h, list: Table| {
            let out = lua.create_table()?;
            for p in list.sequence_values::<Value>() {
                let p = p?;
                out.push(h.value_at_percentile(percentile("percentiles", &p)?))?;
            }
            Ok(out)
        });
        m.add_method_mut("reset", |_, h, ()| {
            h.hist.reset();
            h.start = SystemTime::now();
            Ok(())
        });
        m.add_method_mut("merge", |_, h, other: mlua::UserDataRef<Histogram>| {
            h.hist
                .add(&other.hist)
                .map_err(|e| mlua::Error::runtime(format!("histogram:merge: {e:?}")))?;
            h.start = h.start.min(other.start);
            Ok(())
        });
        m.add_method("clone", |lua, h, ()| lua.create_ser_userdata(h.clone()));
        // Log-spaced buckets between min and max for a chart: {{from, to, count}, ...}.
        m.add_method("buckets", |lua, h, n: Option<usize>| {
            let out = lua.create_table()?;
            if h.hist.is_empty() {
                return Ok(out);
            }
            let n = n.unwrap_or(20).clamp(1, 200);
            let (lo, hi) = (
                h.hist.min().max(1) as f64,
                h.hist.highest_equivalent(h.hist.max()).max(1) as f64 + 1.0,
            );
            let ratio = (hi / lo).powf(1.0 / n as f64);
            let mut from = lo;
            for _ in 0..n {
                let to = (from * ratio).max(from + 1.0);
                let count = h
                    .hist
                    .count_between(from as u64, (to as u64).saturating_sub(1).max(from as u64));
                let b = lua.create_table()?;
                b.push(from as u64)?;
                b.push(to as u64)?;
                b.push(count)?;
                out.push(b)?;
                from = to;
            }
            Ok(out)
        });
        m.add_method("csv", |_, h, ()| Ok(h.csv()));
        m.add_method("save", |_, h, (path, tag): (String, Option<String>)| {
            h.save(&path, tag.as_deref()).map_err(mlua::Error::runtime)
        });
        m.add_meta_method("__tostring", |_, h, ()| {
            Ok(format!(
                "Histogram(count={}, mean={:.0} ns)",
                h.hist.len(),
                h.hist.mean()
            ))
        });
    }
}

fn int(v: u64) -> Value {
    Value::Integer(v as i64)
}

/// A latency snapshot as Lua sees it: `{count, bytes, mean_ns, lost, reordered, duplicate,
/// jitter_mean_ns, jitter_over, histogram}`, the histogram a `Histogram` userdata.
pub(crate) fn snapshot_table(lua: &Lua, s: engine::LatencySnapshot) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.set("count", int(s.count))?;
    t.set("bytes", int(s.bytes))?;
    t.set("mean_ns", Value::Number(s.mean_ns))?;
    t.set("lost", int(s.lost))?;
    t.set("reordered", int(s.reordered))?;
    t.set("duplicate", int(s.duplicate))?;
    t.set("jitter_mean_ns", Value::Number(s.jitter_mean_ns))?;
    t.set("jitter_over", int(s.jitter_over))?;
    let h = lua.create_ser_userdata(Histogram {
        hist: s.histogram,
        start: SystemTime::now(),
    })?;
    t.set("histogram", Value::UserData(h))?;
    Ok(t)
}

/// Adds the latency functions to the raw `engine` table (before its error wrapper).
///
/// # Errors
/// Lua failing to allocate.
pub fn register(
    lua: &Lua,
    raw: &Table,
    e: &'static Engine,
    port: fn(&Engine, &str, &Value) -> std::result::Result<u16, String>,
) -> mlua::Result<()> {
    let reg = |name: &str, f: Handler| sync_fn(lua, raw, name, f);
    let lua_err = |e: mlua::Error| e.to_string();

    reg(
        "latency",
        Box::new(move |lua, a| {
            let p = port(e, "latency", &arg(&a, 0))?;
            let s = e.latency(p).map_err(|e| e.to_string())?;
            let t = snapshot_table(lua, s).map_err(lua_err)?;
            Ok(MultiValue::from_iter([Value::Table(t)]))
        }),
    )?;
    reg(
        "latency_reset",
        Box::new(move |_, a| {
            let p = port(e, "latency_reset", &arg(&a, 0))?;
            e.latency_reset(p).map_err(|e| e.to_string())?;
            Ok(MultiValue::new())
        }),
    )?;
    reg(
        "latency_last",
        Box::new(move |_, a| {
            let p = port(e, "latency_last", &arg(&a, 0))?;
            let v = e.latency_last(p).map_err(|e| e.to_string())?;
            Ok(MultiValue::from_iter([v.map_or(Value::Nil, int)]))
        }),
    )?;
    reg(
        "jitter",
        Box::new(move |_, a| {
            let p = port(e, "jitter", &arg(&a, 0))?;
            let ns = match arg(&a, 1) {
                Value::Integer(i) if i >= 0 => i as u64,
                Value::Number(n) if n >= 0.0 => n as u64,
                v => {
                    return Err(format!(
                        "engine.jitter: threshold_ns must be a non-negative number, got {}",
                        v.type_name()
                    ));
                }
            };
            e.set_jitter_threshold(p, ns).map_err(|e| e.to_string())?;
            Ok(MultiValue::new())
        }),
    )?;
    reg(
        "latency_rx",
        Box::new(move |_, a| {
            let p = port(e, "latency_rx", &arg(&a, 0))?;
            let on = matches!(arg(&a, 1), Value::Boolean(true));
            e.set_latency_rx(p, on).map_err(|e| e.to_string())?;
            Ok(MultiValue::new())
        }),
    )?;
    reg(
        "histogram",
        Box::new(move |lua, a| {
            // By default the same range and precision as the ports' histograms, so they merge.
            let (max0, digits0) = e.latency_range();
            let max = match arg(&a, 0) {
                Value::Integer(i) if i > 1 => i as u64,
                _ => max0,
            };
            let digits = match arg(&a, 1) {
                Value::Integer(i) if (1..=5).contains(&i) => i as u8,
                _ => digits0,
            };
            let h = Histogram::empty(max, digits).map_err(lua_err)?;
            Ok(MultiValue::from_iter([Value::UserData(
                lua.create_ser_userdata(h).map_err(lua_err)?,
            )]))
        }),
    )?;
    reg(
        "latsampler_start",
        Box::new(move |_, a| {
            let p = port(e, "latsampler_start", &arg(&a, 0))?;
            let text = |i: usize| match arg(&a, i) {
                Value::String(s) => Ok(s.to_string_lossy()),
                v => Err(format!(
                    "engine.latsampler_start: argument {} must be a string, got {}",
                    i + 1,
                    v.type_name()
                )),
            };
            let poisson = text(1)? == "poisson";
            let num = |i: usize| match arg(&a, i) {
                Value::Integer(n) if n > 0 => Ok(n as u64),
                v => Err(format!(
                    "engine.latsampler_start: argument {} must be a positive integer, got {v:?}",
                    i + 1
                )),
            };
            let (n, rate) = (num(2)?, num(3)?);
            sampler::start(e, p, poisson, n, rate, text(4)?)?;
            Ok(MultiValue::new())
        }),
    )?;
    reg(
        "latsampler_stop",
        Box::new(move |_, a| {
            let p = port(e, "latsampler_stop", &arg(&a, 0))?;
            sampler::stop(p)?;
            Ok(MultiValue::new())
        }),
    )?;
    Ok(())
}

/// Pktgen's latency sampler, on a plain thread (it only reads the engine's atomics and writes a
/// file, so it needs neither Lua nor the executor).
mod sampler {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::thread::JoinHandle;
    use std::time::Duration;

    use engine::Engine;

    type Running = HashMap<u16, (Arc<AtomicBool>, JoinHandle<std::result::Result<(), String>>)>;

    fn running() -> &'static Mutex<Running> {
        static R: std::sync::OnceLock<Mutex<Running>> = std::sync::OnceLock::new();
        R.get_or_init(|| Mutex::new(HashMap::new()))
    }

    /// Starts sampling port `p`: `n` samples of its latest latency, `rate` per second (with
    /// exponential gaps when `poisson`), written to `path` when done or stopped.
    pub fn start(
        e: &'static Engine,
        p: u16,
        poisson: bool,
        n: u64,
        rate: u64,
        path: String,
    ) -> std::result::Result<(), String> {
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
        let h = std::thread::Builder::new()
            .name(format!("pktgen-latsampler{p}"))
            .spawn(move || {
                let mut rng = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
                    | 1;
                let mut out = String::from("Latency\n");
                let mut taken = 0;
                while taken < n && !flag.load(Ordering::Relaxed) {
                    let mean = 1.0 / rate as f64;
                    let gap = if poisson {
                        rng ^= rng << 13;
                        rng ^= rng >> 7;
                        rng ^= rng << 17;
                        let u = (rng >> 11) as f64 / (1u64 << 53) as f64;
                        -(1.0 - u).ln() * mean
                    } else {
                        mean
                    };
                    std::thread::sleep(Duration::from_secs_f64(gap));
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
    pub fn stop(p: u16) -> std::result::Result<(), String> {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Percentiles take the reference implementations' rank (rounded half up), not the Rust
    /// crate's (rounded up), so that a saved log gives the same numbers in other tools.
    #[test]
    fn percentiles_use_the_reference_rank() {
        let mut h = Histogram::empty(60_000_000_000, 3).unwrap();
        h.hist.record_n(100, 49_950).unwrap();
        h.hist.record_n(10_000, 50).unwrap();
        // 99.9 % of 50000 is rank 49950, the last 100; the crate's own answer is 10000.
        assert_eq!(
            h.hist.value_at_quantile(99.9 / 100.0),
            h.hist.highest_equivalent(10_000)
        );
        assert_eq!(h.value_at_percentile(99.9), h.hist.highest_equivalent(100));
        assert_eq!(h.value_at_percentile(100.0), h.hist.highest_equivalent(10_000));
        assert_eq!(h.value_at_percentile(0.0), 100);

        let mut h = Histogram::empty(60_000_000_000, 3).unwrap();
        h.hist.record(1).unwrap();
        h.hist.record_n(1000, 9).unwrap();
        // 12 % of 10 is 1.2: rank 1 (the crate: rank 2).
        assert_eq!(h.value_at_percentile(12.0), 1);
        assert_eq!(h.value_at_percentile(15.0), 1000, "1.5 rounds half up to rank 2");
        assert_eq!(
            Histogram::empty(1000, 3).unwrap().value_at_percentile(50.0),
            0,
            "empty"
        );
    }
}
