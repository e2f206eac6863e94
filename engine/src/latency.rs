//! Latency stamps and their measurement. A stamped packet carries a 16-byte record in its last 16
//! bytes: magic (u16), stream id (u16), sequence number (u32), TSC at transmit (u64), little-endian.
//! The receiving worker turns `now - tsc` into nanoseconds (both ends on one host, one TSC) and
//! counts it into an HDR histogram of atomics (one writer per worker, any reader), and follows the
//! sequence numbers to count lost, reordered and duplicate packets.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::stats::bump;

/// Bytes of the stamp record at the end of a stamped frame.
pub const STAMP_LEN: usize = 16;
/// First two bytes of every stamp ("pg" little-endian).
pub(crate) const MAGIC: u16 = 0x6770;
/// Stream ids carry the sending port index in their top 6 bits and a job generation below.
pub(crate) const GEN_BITS: u32 = 10;
/// Sequence numbers remembered behind the newest one, to tell reordered from duplicate packets.
const WINDOW: u32 = 1024;

/// The bucket layout of an HDR histogram (lowest value 1): the same indexes as HdrHistogram's,
/// so a snapshot converts into an `hdrhistogram::Histogram` without losing anything.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Layout {
    half_mag: u32,
    half_count: u64,
    mask: u64,
    len: usize,
    /// Largest value tracked; larger ones are counted at it.
    pub max: u64,
    /// Significant decimal digits.
    pub digits: u8,
}

impl Layout {
    /// The layout for values 1..=max with `digits` significant digits (1..=5).
    pub(crate) fn new(max: u64, digits: u8) -> Layout {
        let digits = digits.clamp(1, 5);
        let largest_single = 2 * 10u64.pow(u32::from(digits));
        let sub_mag = 64 - (largest_single - 1).leading_zeros(); // ceil(log2)
        let half_mag = sub_mag - 1;
        let sub_count = 1u64 << sub_mag;
        let max = max.max(sub_count);
        let mut buckets = 1u32;
        let mut smallest_untrackable = sub_count;
        while smallest_untrackable <= max {
            if smallest_untrackable > u64::MAX / 2 {
                buckets += 1;
                break;
            }
            smallest_untrackable <<= 1;
            buckets += 1;
        }
        Layout { half_mag, half_count: sub_count / 2, mask: sub_count - 1, len: ((buckets + 1) << half_mag) as usize, max, digits }
    }

    /// The counts index of value `v` (values above `max` count at `max`).
    #[inline(always)]
    pub(crate) fn index(&self, v: u64) -> usize {
        let v = v.min(self.max);
        let bucket = 64 - (v | self.mask).leading_zeros() - (self.half_mag + 1);
        let sub = v >> bucket;
        (((u64::from(bucket) + 1) << self.half_mag) + sub - self.half_count) as usize
    }

    /// The lowest value counted at index `i`.
    pub(crate) fn value(&self, i: usize) -> u64 {
        let i = i as u64;
        let mut bucket = (i >> self.half_mag) as i64 - 1;
        let mut sub = (i & (self.half_count - 1)) + self.half_count;
        if bucket < 0 {
            sub -= self.half_count;
            bucket = 0;
        }
        sub << bucket
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

/// Counters one worker keeps for the stamps it receives on one port.
pub(crate) struct LatencyCounters {
    pub hist: Box<[AtomicU64]>,
    pub count: AtomicU64,
    pub sum_ns: AtomicU64,
    /// Sequence numbers skipped (later arrivals of them are subtracted as reordered).
    pub gaps: AtomicU64,
    pub reordered: AtomicU64,
    pub duplicate: AtomicU64,
    /// Sum and count of |latency - previous latency| (RFC 3550-style mean jitter).
    pub jitter_sum_ns: AtomicU64,
    pub jitter_n: AtomicU64,
    /// Latency changes above the port's jitter threshold (Pktgen's jitter count).
    pub jitter_over: AtomicU64,
    /// The latest latency recorded, in nanoseconds (for samplers).
    pub last_ns: AtomicU64,
}

impl LatencyCounters {
    pub(crate) fn new(layout: &Layout) -> LatencyCounters {
        LatencyCounters {
            hist: (0..layout.len()).map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum_ns: AtomicU64::new(0),
            gaps: AtomicU64::new(0),
            reordered: AtomicU64::new(0),
            duplicate: AtomicU64::new(0),
            jitter_sum_ns: AtomicU64::new(0),
            jitter_n: AtomicU64::new(0),
            jitter_over: AtomicU64::new(0),
            last_ns: AtomicU64::new(0),
        }
    }
}

/// What a receiving worker remembers about one sending port's stamped stream.
#[derive(Clone)]
pub(crate) struct SeqTrack {
    stream: u32,
    next: u32,
    seen: [u64; (WINDOW / 64) as usize],
    /// The previous stamp's latency, or [`NO_LAST`].
    last_ns: u64,
}

/// No stamp of the stream seen yet.
const NO_LAST: u64 = u64::MAX;

impl Default for SeqTrack {
    fn default() -> Self {
        SeqTrack { stream: u32::MAX, next: 0, seen: [0; (WINDOW / 64) as usize], last_ns: NO_LAST }
    }
}

impl SeqTrack {
    fn bit(&mut self, seq: u32) -> (usize, u64) {
        let b = seq % WINDOW;
        ((b / 64) as usize, 1u64 << (b % 64))
    }
}

/// A decoded stamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub stream: u16,
    pub seq: u32,
    pub tsc: u64,
}

/// Reads the stamp at the end of `frame` (whose full length is `len`), if it has one.
#[inline(always)]
pub(crate) fn read_stamp(frame: &[u8], len: u32) -> Option<Stamp> {
    let len = len as usize;
    if len < 60 || frame.len() < len {
        return None;
    }
    let r = &frame[len - STAMP_LEN..len];
    if u16::from_le_bytes([r[0], r[1]]) != MAGIC {
        return None;
    }
    Some(Stamp {
        stream: u16::from_le_bytes([r[2], r[3]]),
        seq: u32::from_le_bytes([r[4], r[5], r[6], r[7]]),
        tsc: u64::from_le_bytes([r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]]),
    })
}

/// The 16 stamp bytes.
#[inline(always)]
pub(crate) fn stamp_bytes(magic: u16, stream: u16, seq: u32, tsc: u64) -> [u8; STAMP_LEN] {
    let mut b = [0u8; STAMP_LEN];
    b[0..2].copy_from_slice(&magic.to_le_bytes());
    b[2..4].copy_from_slice(&stream.to_le_bytes());
    b[4..8].copy_from_slice(&seq.to_le_bytes());
    b[8..16].copy_from_slice(&tsc.to_le_bytes());
    b
}

/// Converts TSC ticks to nanoseconds with a 32.32 fixed-point factor.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TscToNs(u64);

impl TscToNs {
    pub(crate) fn new(hz: u64) -> TscToNs {
        TscToNs(((1_000_000_000u128 << 32) / u128::from(hz.max(1))) as u64)
    }

    #[inline(always)]
    pub(crate) fn ns(self, ticks: u64) -> u64 {
        ((u128::from(ticks) * u128::from(self.0)) >> 32) as u64
    }
}

/// Scalar counts of one received burst, added to the shared counters once per burst.
#[derive(Default)]
pub(crate) struct BurstCounts {
    count: u64,
    sum_ns: u64,
    gaps: u64,
    reordered: u64,
    duplicate: u64,
    jitter_sum_ns: u64,
    jitter_n: u64,
    jitter_over: u64,
    last_ns: Option<u64>,
}

impl BurstCounts {
    /// Adds this burst's counts to the worker's shared counters.
    #[inline]
    pub(crate) fn flush(&self, c: &LatencyCounters) {
        if self.count == 0 && self.reordered == 0 {
            return;
        }
        bump(&c.count, self.count);
        bump(&c.sum_ns, self.sum_ns);
        bump(&c.gaps, self.gaps);
        bump(&c.reordered, self.reordered);
        bump(&c.duplicate, self.duplicate);
        bump(&c.jitter_sum_ns, self.jitter_sum_ns);
        bump(&c.jitter_n, self.jitter_n);
        bump(&c.jitter_over, self.jitter_over);
        if let Some(ns) = self.last_ns {
            c.last_ns.store(ns, Relaxed);
        }
    }
}

/// Counts one received stamp into the histogram and `acc`. `tracks` is the worker's
/// per-sender-port sequence state.
#[inline]
#[allow(clippy::too_many_arguments)]
pub(crate) fn record(
    s: Stamp,
    now: u64,
    conv: TscToNs,
    layout: &Layout,
    jitter_threshold_ns: u64,
    tracks: &mut [SeqTrack],
    hist: &[AtomicU64],
    acc: &mut BurstCounts,
) {
    // A stamp from the future or from before this process started is payload, not a stamp.
    if s.tsc > now {
        return;
    }
    let ns = conv.ns(now - s.tsc);
    let Some(t) = tracks.get_mut(usize::from(s.stream >> GEN_BITS)) else { return };
    if t.stream != u32::from(s.stream) {
        // A new job on that sender: its sequence starts at 0, so earlier numbers were lost.
        *t = SeqTrack { stream: u32::from(s.stream), next: 0, ..SeqTrack::default() };
    }
    let ahead = s.seq.wrapping_sub(t.next);
    if ahead == 0 {
        // The common case, in order: this slot now means `seq` (it meant seq - WINDOW before).
        let (w, m) = t.bit(s.seq);
        t.seen[w] |= m;
        t.next = s.seq.wrapping_add(1);
    } else if ahead < u32::MAX / 2 {
        // In order (ahead == 0) or after a gap: forget the window slots we skip over.
        acc.gaps += u64::from(ahead);
        let clear = ahead.min(WINDOW);
        for k in 0..clear {
            let (w, m) = t.bit(t.next.wrapping_add(k));
            t.seen[w] &= !m;
        }
        let (w, m) = t.bit(s.seq);
        t.seen[w] |= m;
        t.next = s.seq.wrapping_add(1);
    } else {
        let behind = t.next.wrapping_sub(s.seq);
        let (w, m) = t.bit(s.seq);
        if behind <= WINDOW && t.seen[w] & m != 0 {
            acc.duplicate += 1;
        } else {
            acc.reordered += 1;
            if behind <= WINDOW {
                t.seen[w] |= m;
            }
        }
    }
    bump(&hist[layout.index(ns)], 1);
    acc.count += 1;
    acc.sum_ns += ns;
    acc.last_ns = Some(ns);
    if t.last_ns != NO_LAST {
        let d = ns.abs_diff(t.last_ns);
        acc.jitter_sum_ns += d;
        acc.jitter_n += 1;
        acc.jitter_over += u64::from(d > jitter_threshold_ns);
    }
    t.last_ns = ns;
}

/// A port's latency measurements since its last reset, merged across workers.
#[derive(Clone, Debug)]
pub struct LatencySnapshot {
    /// Every recorded latency in nanoseconds.
    pub histogram: hdrhistogram::Histogram<u64>,
    /// Stamped packets received.
    pub count: u64,
    /// Exact mean latency in nanoseconds (0 without samples).
    pub mean_ns: f64,
    /// Stamped packets that never arrived (sequence gaps not filled later).
    pub lost: u64,
    /// Stamped packets that arrived after a later one.
    pub reordered: u64,
    /// Stamped packets that arrived twice.
    pub duplicate: u64,
    /// Mean absolute difference between consecutive latencies, in nanoseconds.
    pub jitter_mean_ns: f64,
    /// Consecutive latency differences above the jitter threshold.
    pub jitter_over: u64,
}

/// Raw sums of the counters, kept as a clear's baseline.
#[derive(Clone, Debug, Default)]
pub(crate) struct LatencyTotals {
    pub hist: Vec<u64>,
    pub scalars: [u64; 8],
}

impl LatencyTotals {
    /// Sums the counters of several workers.
    pub(crate) fn sum<'a>(layout: &Layout, parts: impl Iterator<Item = &'a LatencyCounters>) -> LatencyTotals {
        let mut t = LatencyTotals { hist: vec![0; layout.len()], scalars: [0; 8] };
        for c in parts {
            for (h, a) in t.hist.iter_mut().zip(c.hist.iter()) {
                *h += a.load(Relaxed);
            }
            let v = [&c.count, &c.sum_ns, &c.gaps, &c.reordered, &c.duplicate, &c.jitter_sum_ns, &c.jitter_n, &c.jitter_over];
            for (s, a) in t.scalars.iter_mut().zip(v) {
                *s += a.load(Relaxed);
            }
        }
        t
    }

    /// These totals less a baseline, as a snapshot.
    pub(crate) fn since(&self, base: &LatencyTotals, layout: &Layout) -> LatencySnapshot {
        let d = |i: usize| self.scalars[i].wrapping_sub(base.scalars.get(i).copied().unwrap_or(0));
        let mut histogram = hdrhistogram::Histogram::new_with_bounds(1, layout.max, layout.digits)
            .unwrap_or_else(|_| hdrhistogram::Histogram::new(3).unwrap_or_else(|_| unreachable!()));
        for (i, &n) in self.hist.iter().enumerate() {
            let n = n.wrapping_sub(base.hist.get(i).copied().unwrap_or(0));
            if n > 0 {
                let _ = histogram.record_n(layout.value(i).max(1), n);
            }
        }
        let (count, sum, gaps, reordered) = (d(0), d(1), d(2), d(3));
        LatencySnapshot {
            histogram,
            count,
            mean_ns: if count > 0 { sum as f64 / count as f64 } else { 0.0 },
            lost: gaps.saturating_sub(reordered),
            reordered,
            duplicate: d(4),
            jitter_mean_ns: if d(6) > 0 { d(5) as f64 / d(6) as f64 } else { 0.0 },
            jitter_over: d(7),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_hdrhistogram() {
        let l = Layout::new(60_000_000_000, 3);
        let mut h = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).unwrap();
        assert_eq!(l.len(), h.distinct_values());
        for v in [1u64, 2, 1023, 1024, 2047, 2048, 2049, 4095, 4096, 123_456, 999_999_999, 59_999_999_999] {
            let i = l.index(v);
            assert_eq!(l.value(i), h.lowest_equivalent(v), "value {v}");
            h.record(v).unwrap();
        }
    }

    #[test]
    fn sequence_tracking_counts_loss_reorder_and_duplicates() {
        let l = Layout::new(1_000_000, 3);
        let c = LatencyCounters::new(&l);
        let mut tracks = vec![SeqTrack::default(); 64];
        let conv = TscToNs::new(1_000_000_000);
        let stream = (3 << GEN_BITS) | 7;
        // 3 and 6, 7, 8 are skipped; 3 then comes late (reordered) and 5 comes twice.
        let mut acc = BurstCounts::default();
        for seq in [0u32, 1, 2, 4, 5, 3, 5, 9] {
            record(Stamp { stream, seq, tsc: 100 }, 150, conv, &l, 1000, &mut tracks, &c.hist, &mut acc);
        }
        acc.flush(&c);
        let t = LatencyTotals::sum(&l, std::iter::once(&c));
        let s = t.since(&LatencyTotals::default(), &l);
        assert_eq!(s.count, 8);
        assert_eq!(s.reordered, 1);
        assert_eq!(s.duplicate, 1);
        assert_eq!(s.lost, 3 - 1 + 1, "3 and 6,7,8 skipped; 3 came late");
        assert_eq!(s.histogram.len(), 8);
        assert_eq!(s.histogram.value_at_quantile(0.5), 50);
    }
}

#[cfg(test)]
mod speed {
    use super::*;

    /// Not a test: `cargo test --release -p engine --lib -- --ignored --nocapture record_speed`.
    #[test]
    #[ignore]
    fn record_speed() {
        let l = Layout::new(60_000_000_000, 3);
        let c = LatencyCounters::new(&l);
        let mut tracks = vec![SeqTrack::default(); 64];
        let conv = TscToNs::new(2_500_000_000);
        let n = 20_000_000u32;
        let t = std::time::Instant::now();
        let mut acc = BurstCounts::default();
        for seq in 0..n {
            let s = Stamp { stream: (1 << GEN_BITS) | 3, seq, tsc: u64::from(seq) * 40 };
            record(s, u64::from(seq) * 40 + 150 + u64::from(seq % 7) * 13, conv, &l, 50_000, &mut tracks, &c.hist, &mut acc);
            if seq % 64 == 63 {
                acc.flush(&c);
                acc = BurstCounts::default();
            }
        }
        let ns = t.elapsed().as_nanos() as f64 / f64::from(n);
        println!("record: {ns:.2} ns per stamp");
    }
}
