//! Latency histograms in nanoseconds as scripts handle them: snapshots of the engine's HDR
//! histograms, merged, queried by percentile, written as CSV or as HdrHistogram interval logs.
//! Plain Rust: the Lua binding (lua/engine/values.rs) calls these.

use std::time::{Duration, SystemTime};

use hdrhistogram::Histogram as Hdr;
use hdrhistogram::serialization::V2DeflateSerializer;
use hdrhistogram::serialization::interval_log::{IntervalLogWriterBuilder, Tag};

/// A latency histogram in nanoseconds, with the moment its measurement began.
#[derive(Clone)]
pub struct Histogram {
    hist: Hdr<u64>,
    /// When the measurement began (the port's last reset, or the first merge), for the log.
    start: SystemTime,
}

impl Histogram {
    /// An empty histogram for values 1..=`max_ns` with `digits` significant digits.
    ///
    /// # Errors
    /// Bounds HdrHistogram refuses.
    pub fn empty(max_ns: u64, digits: u8) -> Result<Histogram, String> {
        let hist = Hdr::new_with_bounds(1, max_ns.max(2), digits.clamp(1, 5))
            .map_err(|e| format!("histogram: {e:?}"))?;
        Ok(Histogram {
            hist,
            start: SystemTime::now(),
        })
    }

    /// A snapshot the engine took, its measurement dated now.
    pub fn from_snapshot(hist: Hdr<u64>) -> Histogram {
        Histogram {
            hist,
            start: SystemTime::now(),
        }
    }

    /// Samples recorded.
    pub fn count(&self) -> u64 {
        self.hist.len()
    }

    /// The lowest sample (0 when empty).
    pub fn min(&self) -> u64 {
        if self.hist.is_empty() { 0 } else { self.hist.min() }
    }

    /// The highest sample as the histogram can tell it (0 when empty).
    pub fn max(&self) -> u64 {
        if self.hist.is_empty() {
            0
        } else {
            self.hist.highest_equivalent(self.hist.max())
        }
    }

    /// The mean of the samples.
    pub fn mean(&self) -> f64 {
        self.hist.mean()
    }

    /// The standard deviation of the samples.
    pub fn stdev(&self) -> f64 {
        self.hist.stdev()
    }

    /// Forgets every sample and starts the measurement again.
    pub fn reset(&mut self) {
        self.hist.reset();
        self.start = SystemTime::now();
    }

    /// Adds `other`'s samples; the measurement began at the earlier of the two starts.
    ///
    /// # Errors
    /// `other` holds values this histogram cannot.
    pub fn merge(&mut self, other: &Histogram) -> Result<(), String> {
        self.hist
            .add(&other.hist)
            .map_err(|e| format!("histogram:merge: {e:?}"))?;
        self.start = self.start.min(other.start);
        Ok(())
    }

    /// The value at percentile `p` as HdrHistogram's reference implementations (Java, Python)
    /// find it: the highest value equivalent to the sample of rank `p % of the count`, rounded
    /// half up and at least 1 (0 % gives the lowest equivalent of the first). The Rust crate rounds
    /// the rank up instead, and floating point made 99.9 % of 50000 rank 49951 rather than 49950,
    /// so a saved log read back elsewhere gave other percentiles.
    pub fn value_at_percentile(&self, p: f64) -> u64 {
        value_at_percentile(&self.hist, p)
    }

    /// HdrHistogram's percentile distribution (5 ticks per half distance): (quantile, value in
    /// ns, count up to it), from the lowest value to quantile 1.
    pub fn distribution(&self) -> Vec<(f64, u64, u64)> {
        let mut total = 0u64;
        self.hist
            .iter_quantiles(5)
            .map(|v| {
                total += v.count_since_last_iteration();
                (v.quantile_iterated_to(), v.value_iterated_to(), total)
            })
            .collect()
    }

    /// `n` (1..=200) log-spaced buckets between min and max for a chart: (from, to, count).
    pub fn buckets(&self, n: usize) -> Vec<(u64, u64, u64)> {
        if self.hist.is_empty() {
            return Vec::new();
        }
        let n = n.clamp(1, 200);
        let (lo, hi) = (self.hist.min().max(1) as f64, self.max().max(1) as f64 + 1.0);
        let ratio = (hi / lo).powf(1.0 / n as f64);
        let mut from = lo;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let to = (from * ratio).max(from + 1.0);
            let count = self
                .hist
                .count_between(from as u64, (to as u64).saturating_sub(1).max(from as u64));
            out.push((from as u64, to as u64, count));
            from = to;
        }
        out
    }

    /// The percentile-distribution CSV of HdrHistogram (`Value,Percentile,TotalCount,1/(1-Percentile)`).
    pub fn csv(&self) -> String {
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
    ///
    /// # Errors
    /// The log not encoding, or the file not written (the message names it).
    pub fn save(&self, path: &str, tag: Option<&str>) -> Result<(), String> {
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
pub fn value_at_percentile(h: &Hdr<u64>, p: f64) -> u64 {
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
        let mut m = s.serialize_map(Some(7))?;
        m.serialize_entry("unit", "ns")?;
        m.serialize_entry("count", &self.count())?;
        m.serialize_entry("min", &self.min())?;
        m.serialize_entry("max", &self.max())?;
        m.serialize_entry("mean", &self.mean())?;
        m.serialize_entry("stdev", &self.stdev())?;
        let p: std::collections::BTreeMap<&str, u64> = JSON_PERCENTILES
            .iter()
            .map(|&(k, p)| (k, self.value_at_percentile(p)))
            .collect();
        m.serialize_entry("percentiles", &p)?;
        m.end()
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

    #[test]
    fn buckets_merge_and_json_summary() {
        let mut a = Histogram::empty(1_000_000, 3).unwrap();
        a.hist.record_n(100, 10).unwrap();
        let mut b = Histogram::empty(1_000_000, 3).unwrap();
        b.hist.record_n(10_000, 10).unwrap();
        a.merge(&b).unwrap();
        assert_eq!(a.count(), 20);
        let buckets = a.buckets(10);
        assert_eq!(buckets.len(), 10);
        assert_eq!(
            buckets.iter().map(|b| b.2).sum::<u64>(),
            20,
            "every sample in a bucket"
        );
        assert!(buckets.windows(2).all(|w| w[0].1 == w[1].0), "buckets touch");
        let j = serde_json::to_value(&a).unwrap();
        assert_eq!(j["count"], 20);
        assert_eq!(j["percentiles"]["50"], 100);
        assert!(a.csv().lines().count() > 2);
        a.reset();
        assert_eq!((a.count(), a.min(), a.max()), (0, 0, 0));
        assert!(a.buckets(5).is_empty());
    }
}
