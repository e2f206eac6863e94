//! Latency stamps and their measurement. A stamped packet carries a 16-byte record in its last 16
//! bytes, little-endian: magic (u16), stream id (u16), sequence number (u32), the low 48 bits of
//! the TSC at transmit, and a balance word that makes the record's 16-bit words sum to 0 modulo
//! 65535. A balanced record adds nothing to any one's-complement checksum covering it, so stamping
//! a packet never touches its checksums. The receiving worker turns `now - tsc` into nanoseconds
//! (both ends on one host, one TSC; 48 bits last about a day at 3 GHz) and counts it into an HDR
//! histogram of atomics (one writer per worker, any reader), and follows the sequence numbers to
//! count lost, reordered and duplicate packets.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::stats::bump;

/// Bytes of the stamp record at the end of a stamped frame.
pub const STAMP_LEN: usize = 16;
/// First two bytes of every stamp ("pg" little-endian).
pub(crate) const MAGIC: u16 = 0x6770;
/// Stream ids carry a sender (see [`SENDERS`]) in their top 10 bits and a job generation below.
pub(crate) const GEN_BITS: u32 = 6;
/// Senders: every (stream, TX queue) pair that stamps has one, so that each keeps a sequence of
/// its own and queues or streams sending in parallel never look reordered or lost.
pub(crate) const SENDERS: usize = 1 << (16 - GEN_BITS);
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
        Layout {
            half_mag,
            half_count: sub_count / 2,
            mask: sub_count - 1,
            len: ((buckets + 1) << half_mag) as usize,
            max,
            digits,
        }
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

/// Counters one RX queue keeps for the stamps of one stream: written by the queue's lcore only.
pub(crate) struct LatencyCounters {
    pub hist: Box<[AtomicU64]>,
    pub count: AtomicU64,
    /// Bytes (without FCS) of the stamped packets.
    pub bytes: AtomicU64,
    pub sum_ns: AtomicU64,
    /// Per sender slot: sequence numbers its stamps spanned so far, as this queue saw them (the
    /// highest seen, counted across the sender's jobs). With several RX queues, each sees part
    /// of a sender's sequence; the port's loss takes the largest span against all arrivals.
    pub spanned: Box<[AtomicU64]>,
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
            bytes: AtomicU64::new(0),
            sum_ns: AtomicU64::new(0),
            spanned: (0..SENDERS).map(|_| AtomicU64::new(0)).collect(),
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
    /// Sequence numbers spanned, over every job of the sender (see [`LatencyCounters::spanned`]).
    spanned: u64,
    /// The counters of the stream the sender's current job belongs to (none: not ours).
    target: Option<&'static LatencyCounters>,
}

/// No stamp of the stream seen yet.
const NO_LAST: u64 = u64::MAX;

impl Default for SeqTrack {
    fn default() -> Self {
        SeqTrack {
            stream: u32::MAX,
            next: 0,
            seen: [0; (WINDOW / 64) as usize],
            last_ns: NO_LAST,
            spanned: 0,
            target: None,
        }
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
    /// The low [`TSC_BITS`] bits of the transmit TSC.
    pub tsc: u64,
}

/// What one stamp adds to the first word of the next: the sequence number is its top half.
const SEQ_STEP: u64 = 1 << 32;
/// Bits of the TSC a stamp carries.
pub(crate) const TSC_BITS: u32 = 48;
const TSC_MASK: u64 = (1 << TSC_BITS) - 1;
/// One's-complement sums are sums modulo 65535.
const M: u64 = 65535;

/// The last 16 bytes of a received frame's first segment as two little-endian words (zeros if
/// it is too short to carry a stamp). A stamp spread over segments is not found: its first
/// segment ends in other bytes, which do not decode as a stamp.
#[inline(always)]
pub(crate) fn stamp_words(seg: &[u8]) -> (u64, u64) {
    let n = seg.len();
    if n < 60 {
        return (0, 0);
    }
    let w = |at: usize| {
        seg.get(at..at + 8)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u64::from_le_bytes)
    };
    (w(n - 16), w(n - 8))
}

/// The 16 bytes of a stamp record as its two little-endian words.
#[inline]
pub(crate) fn words(b: &[u8; 16]) -> (u64, u64) {
    let (w0, w1) = b.split_at(8);
    let w = |s: &[u8]| s.try_into().map_or(0, u64::from_le_bytes);
    (w(w0), w(w1))
}

/// Whether a stamp's first word starts with the magic (packets without it are no stamps, and
/// the meter passes them over without a call).
#[inline(always)]
fn has_magic(w0: u64) -> bool {
    w0 as u16 == MAGIC
}

/// Decodes a stamp's two words: `None` unless the magic and the balance are right.
#[inline]
pub(crate) fn decode(w0: u64, w1: u64) -> Option<Stamp> {
    if !has_magic(w0) || !word_sum(w0, w1).is_multiple_of(M) {
        return None;
    }
    Some(Stamp {
        stream: (w0 >> 16) as u16,
        seq: (w0 >> 32) as u32,
        tsc: w1 & TSC_MASK,
    })
}

/// The sum of the eight 16-bit words of a stamp.
#[inline(always)]
fn word_sum(w0: u64, w1: u64) -> u64 {
    (0..4).map(|i| (w0 >> (16 * i)) & 0xffff).sum::<u64>()
        + (0..4).map(|i| (w1 >> (16 * i)) & 0xffff).sum::<u64>()
}

/// The stamps of consecutive packets of a stream as two words each, stepped one sequence number
/// at a time: a sequence number one higher adds 1 to the words' sum modulo 65535 (2^16 is 1
/// there), so the balance word goes down by 1, except where the 32-bit number wraps to 0.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StampWords {
    pub w0: u64,
    pub w1: u64,
}

impl StampWords {
    pub(crate) fn new(magic: u16, stream: u16, seq: u32, tsc: u64) -> StampWords {
        let w0 = u64::from(magic) | u64::from(stream) << 16 | u64::from(seq) << 32;
        let w1 = tsc & TSC_MASK;
        let balance = (M - word_sum(w0, w1) % M) % M;
        StampWords {
            w0,
            w1: w1 | balance << 48,
        }
    }

    /// The sequence number of the next stamp.
    pub(crate) fn seq(&self) -> u32 {
        (self.w0 >> 32) as u32
    }

    /// What the two words gain (modulo 2^64) from one stamp to the next while neither the
    /// sequence number nor the balance word wraps: 1 << 32, and minus 1 << 48.
    pub(crate) const STEP: [u64; 2] = [SEQ_STEP, (1u64 << 48).wrapping_neg()];

    /// Whether the next `n` stamps each add [`StampWords::STEP`] to the one before: neither the
    /// sequence number nor the balance word wraps on the way.
    pub(crate) fn indexable(&self, n: u32) -> bool {
        self.seq().checked_add(n).is_some() && (self.w1 >> 48) >= u64::from(n)
    }

    /// Moves on to the next sequence number, where [`StampWords::indexable`] said no part wraps.
    #[inline(always)]
    pub(crate) fn step_unwrapped(&mut self) {
        self.w0 = self.w0.wrapping_add(Self::STEP[0]);
        self.w1 = self.w1.wrapping_add(Self::STEP[1]);
    }

    /// Moves on to the next sequence number.
    #[inline(always)]
    pub(crate) fn step(&mut self) {
        let (w0, wrapped) = self.w0.overflowing_add(SEQ_STEP);
        self.w0 = w0;
        let balance = self.w1 >> 48;
        let next = if wrapped {
            balance
        } else if balance == 0 {
            M - 1
        } else {
            balance - 1
        };
        self.w1 = self.w1 & TSC_MASK | next << 48;
    }
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

/// Scalar counts of one received burst for one stream, added to its counters when the burst
/// ends or a stamp of another stream comes.
#[derive(Default)]
pub(crate) struct BurstCounts {
    target: Option<&'static LatencyCounters>,
    count: u64,
    bytes: u64,
    sum_ns: u64,
    reordered: u64,
    duplicate: u64,
    jitter_sum_ns: u64,
    jitter_n: u64,
    jitter_over: u64,
    last_ns: Option<u64>,
}

impl BurstCounts {
    /// Counts go to `t` from now on: what was counted for another stream is added to its
    /// counters first.
    #[inline(always)]
    fn retarget(&mut self, t: &'static LatencyCounters) {
        match self.target {
            Some(c) if std::ptr::eq(c, t) => {}
            Some(_) => {
                self.flush();
                *self = BurstCounts {
                    target: Some(t),
                    ..BurstCounts::default()
                };
            }
            // What came before a target belongs to the run that sets it.
            None => self.target = Some(t),
        }
    }

    /// Adds these counts to their stream's counters.
    #[inline]
    fn flush(&self) {
        let Some(c) = self.target else { return };
        if self.count == 0 && self.reordered == 0 {
            return;
        }
        bump(&c.count, self.count);
        bump(&c.bytes, self.bytes);
        bump(&c.sum_ns, self.sum_ns);
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

/// What a receiving worker needs to measure the stamps of one received burst on one RX queue.
pub(crate) struct Meter<'a> {
    /// TSC when the burst was received.
    pub now: u64,
    pub conv: TscToNs,
    pub layout: &'a Layout,
    pub jitter_threshold_ns: u64,
    /// The queue's sequence state per sender.
    pub tracks: &'a mut [SeqTrack],
    /// This queue's counters of the stream a stamp's stream id belongs to, if any.
    pub resolve: &'a dyn Fn(u16) -> Option<&'static LatencyCounters>,
    /// Where the latest latency measured goes.
    pub last_ns: &'a AtomicU64,
}

/// What the next packet of a received burst must carry in its last 16 bytes to continue the
/// run of stamps: [`BurstMeter::measure`] checks this itself (a few instructions, state in
/// registers) and calls [`BurstMeter::slow`] only for the other packets with the magic.
/// Without a run it holds words no stamp has (magic 0); a packet that happens to carry them
/// "continues" nothing, as the meter ignores continued packets when there is no run.
#[derive(Clone, Copy)]
struct Expect {
    /// The stamp's first word; a packet that continues the run sets it to its own plus 1 << 32.
    w0: u64,
    tsc: u64,
}

impl Default for Expect {
    fn default() -> Self {
        Expect { w0: 0, tsc: TSC_MASK }
    }
}

impl Expect {
    /// Whether a packet whose last 16 bytes are `w0, w1` continues the run.
    #[inline(always)]
    fn continues(&self, w0: u64, w1: u64) -> bool {
        differs(w0, w1, self.w0, self.tsc) == 0
    }
}

/// Zero exactly when a stamp's words `w0, w1` have the first word `want_w0` and the TSC `tsc`.
/// The TSC is the low 48 bits of w1: shifting the rest out needs no mask constant.
#[inline(always)]
fn differs(w0: u64, w1: u64, want_w0: u64, tsc: u64) -> u64 {
    (w0 ^ want_w0) | ((w1 ^ tsc) << 16)
}

/// Whether a received burst's stamps form one chain, checked a packet at a time inside the
/// caller's own loop over the burst (two loads and a few register operations, no branch): every
/// packet after the first carries the sequence number after the one before it, and the same
/// TSC. [`BurstMeter::measure`] then reads only the first.
#[derive(Clone, Copy)]
pub(crate) struct Chain {
    next_w0: u64,
    w1: u64,
    broken: u64,
}

impl Chain {
    /// A chain that starts with the stamp words of the burst's first packet.
    #[inline(always)]
    pub(crate) fn new((w0, w1): (u64, u64)) -> Chain {
        Chain {
            next_w0: w0,
            w1,
            broken: u64::from(!has_magic(w0)),
        }
    }

    /// Adds the next packet's stamp words (the first packet's included).
    #[inline(always)]
    pub(crate) fn add(&mut self, (w0, w1): (u64, u64)) {
        self.broken |= differs(w0, w1, self.next_w0, self.w1);
        self.next_w0 = w0.wrapping_add(SEQ_STEP);
    }

    /// Whether every packet added so far continued the chain.
    #[inline(always)]
    pub(crate) fn holds(&self) -> bool {
        self.broken == 0
    }
}

/// What a receiving worker keeps between the bursts of one port: the burst's counts so far, and
/// the run of stamps being extended (it goes on across bursts while the stamps follow).
#[derive(Default)]
pub(crate) struct BurstMeter {
    acc: BurstCounts,
    run: Run,
}

/// In-order stamps of one sender following a measured one. The packets of one transmit burst
/// read in one receive burst (a segment of the run) carry one TSC and are read at one `now`, so
/// they share one latency. A segment is counted when the next starts or the receive burst ends,
/// the sequence numbers when the run ends: exactly as if a stamp at a time.
#[derive(Default)]
struct Run {
    live: bool,
    /// The first word the next stamp of the run must have (its sequence number one higher).
    next_w0: u64,
    track: usize,
    /// Stamps of the run's finished segments, less the one that started the run (sequence
    /// numbers to mark seen when the run ends).
    after: u64,
    /// The current segment's TSC and latency.
    tsc: u64,
    ns: u64,
    /// Stamps of the current segment not counted yet, and their bytes.
    seg: u64,
    seg_bytes: u64,
    /// 1 if the segment's first stamp (a later transmit burst's) had its jitter counted when it
    /// came; every other stamp of a segment differs by 0 from the one before it.
    lead: u64,
}

impl BurstMeter {
    /// Measures a received burst of `n` packets whose last 16 bytes `words(i)` reads: a packet
    /// whose stamp continues the run costs a comparison, one without the magic less. `chained`
    /// says the caller's [`Chain`] held over the burst: once the first packet continues the run,
    /// all the others do, and they are counted without being read again.
    /// `len(i)` is packet i's length and `bytes` the burst's.
    #[inline(always)]
    pub(crate) fn measure(
        &mut self,
        m: &mut Meter<'_>,
        (n, bytes): (usize, u64),
        chained: bool,
        words: impl Fn(usize) -> (u64, u64),
        len: impl Fn(usize) -> u32,
    ) {
        let (mut expect, mut continued) = (self.start(), (0, 0));
        let mut from = 0;
        if chained && n > 0 {
            let (w0, w1) = words(0);
            self.check(m, &mut expect, &mut continued, (w0, w1), len(0));
            from = 1;
            if expect.continues(w0.wrapping_add(SEQ_STEP), w1) {
                continued.0 += n as u64 - 1;
                continued.1 += bytes - u64::from(len(0));
                expect.w0 = w0.wrapping_add(SEQ_STEP.wrapping_mul(n as u64));
                from = n;
            }
        }
        for i in from..n {
            self.check(m, &mut expect, &mut continued, words(i), len(i));
        }
        self.finish(m, continued, expect.w0);
    }

    /// One packet of [`BurstMeter::measure`]; `continued` counts the packets (and their bytes)
    /// since the last call to [`BurstMeter::slow`] that continued the run.
    #[inline(always)]
    fn check(
        &mut self,
        m: &mut Meter<'_>,
        expect: &mut Expect,
        continued: &mut (u64, u64),
        (w0, w1): (u64, u64),
        len: u32,
    ) {
        if expect.continues(w0, w1) {
            expect.w0 = w0.wrapping_add(SEQ_STEP);
            continued.0 += 1;
            continued.1 += u64::from(len);
        } else if has_magic(w0) {
            *expect = self.slow(m, *continued, expect.w0, (w0, w1), len);
            *continued = (0, 0);
        }
    }

    /// What the first packet of a receive burst must carry to continue the run: never the same
    /// segment, as the burst is read at a new `now`.
    fn start(&self) -> Expect {
        let r = &self.run;
        if r.live {
            Expect {
                w0: r.next_w0,
                tsc: !r.tsc,
            }
        } else {
            Expect::default()
        }
    }

    /// Measures a packet that does not continue the run as `expect` said (maybe no stamp at
    /// all), after the `continued` packets since the last call that did. Returns what the next
    /// packet must carry to continue the run.
    /// `expected` is the first word the run's next stamp has by now (see [`Expect::w0`]).
    #[inline(never)]
    fn slow(
        &mut self,
        m: &mut Meter<'_>,
        continued: (u64, u64),
        expected: u64,
        (w0, w1): (u64, u64),
        len: u32,
    ) -> Expect {
        if self.run.live {
            self.run.seg += continued.0;
            self.run.seg_bytes += continued.1;
            self.run.next_w0 = expected;
        }
        if !(self.run.live && w0 == expected && self.next_segment(m, w0, w1, len)) {
            self.other(m, w0, w1, len);
        }
        let r = &self.run;
        if r.live {
            Expect {
                w0: r.next_w0,
                tsc: r.tsc,
            }
        } else {
            Expect::default()
        }
    }

    /// Adds the counts of the burst, whose last `continued` packets continued the run, to the
    /// shared counters.
    fn finish(&mut self, m: &mut Meter<'_>, continued: (u64, u64), expected: u64) {
        if self.run.live {
            self.run.seg += continued.0;
            self.run.seg_bytes += continued.1;
            self.run.next_w0 = expected;
        }
        self.end_segment(m);
        // The run's stamps count into its sender's span only when it ends, maybe bursts later;
        // readers see its progress now.
        let r = &self.run;
        if r.live
            && r.after > 0
            && let Some(t) = m.tracks.get(r.track)
            && let Some(c) = t.target
        {
            c.spanned[r.track].store(t.spanned + r.after, Relaxed);
        }
        if let Some(ns) = self.acc.last_ns {
            m.last_ns.store(ns, Relaxed);
        }
        self.acc.flush();
        self.acc = BurstCounts::default();
    }

    /// The next stamp of the run, from a later transmit burst: counts the segment so far and
    /// starts the next. False if `w0, w1` is not a stamp after all.
    fn next_segment(&mut self, m: &mut Meter<'_>, w0: u64, w1: u64, len: u32) -> bool {
        let Some(s) = decode(w0, w1) else { return false };
        let age = m.now.wrapping_sub(s.tsc) & TSC_MASK;
        if age > TSC_MASK / 2 {
            // From the future: not measured, as in `record`.
            return true;
        }
        self.end_segment(m);
        if let Some(c) = m.tracks.get(self.run.track).and_then(|t| t.target) {
            self.acc.retarget(c);
        }
        let ns = m.conv.ns(age);
        let (a, r) = (&mut self.acc, &mut self.run);
        let d = ns.abs_diff(r.ns);
        a.jitter_sum_ns += d;
        a.jitter_n += 1;
        a.jitter_over += u64::from(d > m.jitter_threshold_ns);
        (r.tsc, r.ns, r.seg, r.seg_bytes, r.lead) = (s.tsc, ns, 1, u64::from(len), 1);
        r.next_w0 = w0.wrapping_add(SEQ_STEP);
        true
    }

    /// A packet that does not continue the run: maybe a stamp, maybe the start of a new run.
    fn other(&mut self, m: &mut Meter<'_>, w0: u64, w1: u64, len: u32) {
        let Some(s) = decode(w0, w1) else { return };
        self.end_run(m);
        let Some((track, ns)) = record(s, len, m, &mut self.acc) else {
            return;
        };
        self.run = Run {
            live: true,
            next_w0: w0.wrapping_add(SEQ_STEP),
            track,
            tsc: s.tsc,
            ns,
            ..Run::default()
        };
    }

    /// Counts the current segment's stamps.
    fn end_segment(&mut self, m: &mut Meter<'_>) {
        let r = &mut self.run;
        if r.seg == 0 {
            return;
        }
        if let Some(c) = m.tracks.get(r.track).and_then(|t| t.target) {
            bump(&c.hist[m.layout.index(r.ns)], r.seg);
            let a = &mut self.acc;
            a.retarget(c);
            a.count += r.seg;
            a.bytes += r.seg_bytes;
            a.sum_ns += r.ns * r.seg;
            a.jitter_n += r.seg - r.lead;
            a.last_ns = Some(r.ns);
        }
        r.after += r.seg;
        (r.seg, r.seg_bytes, r.lead) = (0, 0, 0);
    }

    /// Counts the run so far.
    fn end_run(&mut self, m: &mut Meter<'_>) {
        self.end_segment(m);
        let r = std::mem::take(&mut self.run);
        if !r.live || r.after == 0 {
            return;
        }
        let Some(t) = m.tracks.get_mut(r.track) else {
            return;
        };
        // Sequence numbers next .. next + after arrived in order: mark them seen, a word at a time.
        let (mut seq, mut left) = (t.next, r.after.min(u64::from(WINDOW)) as u32);
        while left > 0 {
            let b = seq % WINDOW;
            let k = left.min(64 - b % 64);
            let mask = if k == 64 {
                u64::MAX
            } else {
                ((1u64 << k) - 1) << (b % 64)
            };
            t.seen[(b / 64) as usize] |= mask;
            seq = seq.wrapping_add(k);
            left -= k;
        }
        t.next = t.next.wrapping_add(r.after as u32);
        t.last_ns = r.ns;
        t.spanned += r.after;
        if let Some(c) = t.target {
            c.spanned[r.track].store(t.spanned, Relaxed);
        }
    }
}

/// Counts one received stamp into the histogram and `acc`. Returns its sender's track and its
/// latency when it arrived in order (it may start a run), `None` otherwise.
/// Stamps of senders that belong to no stream of ours are passed over.
#[inline]
fn record(s: Stamp, len: u32, m: &mut Meter<'_>, acc: &mut BurstCounts) -> Option<(usize, u64)> {
    // Stamps carry 48 bits of TSC: the age is taken modulo 2^48, and an age past half of that
    // is a stamp from the future (payload that looks like a stamp), not a measurement.
    let age = m.now.wrapping_sub(s.tsc) & TSC_MASK;
    if age > TSC_MASK / 2 {
        return None;
    }
    let ns = m.conv.ns(age);
    let ti = usize::from(s.stream >> GEN_BITS);
    let t = m.tracks.get_mut(ti)?;
    if t.stream != u32::from(s.stream) {
        // A new job on that sender: its sequence starts at 0, so earlier numbers were lost.
        let target = (m.resolve)(s.stream);
        *t = SeqTrack {
            stream: u32::from(s.stream),
            next: 0,
            // The span so far of this sender in this stream's counters (another stream may have
            // had the sender before).
            spanned: target.map_or(0, |c| c.spanned[ti].load(Relaxed)),
            target,
            ..SeqTrack::default()
        };
    }
    let c = t.target?;
    acc.retarget(c);
    let ahead = s.seq.wrapping_sub(t.next);
    let in_order = ahead < u32::MAX / 2;
    if in_order {
        // In order, maybe after a gap: forget the window slots skipped over (they meant
        // sequence numbers WINDOW lower), then mark this one.
        t.spanned += u64::from(ahead) + 1;
        c.spanned[ti].store(t.spanned, Relaxed);
        for k in 0..ahead.min(WINDOW) {
            let (w, b) = t.bit(t.next.wrapping_add(k));
            t.seen[w] &= !b;
        }
        let (w, b) = t.bit(s.seq);
        t.seen[w] |= b;
        t.next = s.seq.wrapping_add(1);
    } else {
        let behind = t.next.wrapping_sub(s.seq);
        let (w, b) = t.bit(s.seq);
        if behind <= WINDOW && t.seen[w] & b != 0 {
            acc.duplicate += 1;
        } else {
            acc.reordered += 1;
            if behind <= WINDOW {
                t.seen[w] |= b;
            }
        }
    }
    bump(&c.hist[m.layout.index(ns)], 1);
    acc.count += 1;
    acc.bytes += u64::from(len);
    acc.sum_ns += ns;
    acc.last_ns = Some(ns);
    if t.last_ns != NO_LAST {
        let d = ns.abs_diff(t.last_ns);
        acc.jitter_sum_ns += d;
        acc.jitter_n += 1;
        acc.jitter_over += u64::from(d > m.jitter_threshold_ns);
    }
    t.last_ns = ns;
    in_order.then_some((ti, ns))
}

/// A port's latency measurements since its last reset, merged across workers.
#[derive(Clone, Debug)]
pub struct LatencySnapshot {
    /// Every recorded latency in nanoseconds.
    pub histogram: hdrhistogram::Histogram<u64>,
    /// Stamped packets received.
    pub count: u64,
    /// Their bytes (without FCS).
    pub bytes: u64,
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
    /// count, sum_ns, reordered, duplicate, jitter_sum_ns, jitter_n, jitter_over, bytes, and
    /// the senders' spans (each the largest any RX queue saw) summed.
    pub scalars: [u64; 9],
}

impl LatencyTotals {
    /// Sums the counters of several workers.
    pub(crate) fn sum<'a>(
        layout: &Layout,
        parts: impl Iterator<Item = &'a LatencyCounters>,
    ) -> LatencyTotals {
        let mut t = LatencyTotals {
            hist: vec![0; layout.len()],
            scalars: [0; 9],
        };
        let mut spanned = [0u64; SENDERS];
        for c in parts {
            for (h, a) in t.hist.iter_mut().zip(c.hist.iter()) {
                *h += a.load(Relaxed);
            }
            for (s, a) in spanned.iter_mut().zip(c.spanned.iter()) {
                *s = (*s).max(a.load(Relaxed));
            }
            let v = [
                &c.count,
                &c.sum_ns,
                &c.reordered,
                &c.duplicate,
                &c.jitter_sum_ns,
                &c.jitter_n,
                &c.jitter_over,
                &c.bytes,
            ];
            for (s, a) in t.scalars.iter_mut().zip(v) {
                *s += a.load(Relaxed);
            }
        }
        t.scalars[8] = spanned.iter().sum();
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
        let (count, sum, reordered, duplicate, spanned) = (d(0), d(1), d(2), d(3), d(8));
        LatencySnapshot {
            histogram,
            count,
            bytes: d(7),
            mean_ns: if count > 0 { sum as f64 / count as f64 } else { 0.0 },
            // What the senders' sequences spanned, less what arrived (each once).
            lost: spanned.saturating_sub(count - duplicate.min(count)),
            reordered,
            duplicate,
            jitter_mean_ns: if d(5) > 0 { d(4) as f64 / d(5) as f64 } else { 0.0 },
            jitter_over: d(6),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_hdrhistogram() {
        let l = Layout::new(60_000_000_000, 3);
        let mut h =
            hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).expect("valid bounds");
        assert_eq!(l.len(), h.distinct_values());
        for v in [
            1u64,
            2,
            1023,
            1024,
            2047,
            2048,
            2049,
            4095,
            4096,
            123_456,
            999_999_999,
            59_999_999_999,
        ] {
            let i = l.index(v);
            assert_eq!(l.value(i), h.lowest_equivalent(v), "value {v}");
            h.record(v).expect("in range");
        }
    }

    /// Whether a burst's stamps chain, as the worker's counting loop checks.
    fn chains(st: &[StampWords]) -> bool {
        let mut c = Chain::new((st[0].w0, st[0].w1));
        st.iter().for_each(|w| c.add((w.w0, w.w1)));
        c.holds()
    }

    /// Feeds `(now, stamps)` bursts through a [`BurstMeter`] and returns the snapshot; with
    /// `chain`, bursts whose stamps chain are measured as such.
    fn measure(l: &Layout, bursts: &[(u64, Vec<StampWords>)], chain: bool) -> LatencySnapshot {
        let c: &'static LatencyCounters = Box::leak(Box::new(LatencyCounters::new(l)));
        let last = AtomicU64::new(0);
        let (mut tracks, mut b) = (vec![SeqTrack::default(); SENDERS], BurstMeter::default());
        for (now, stamps) in bursts {
            let mut m = Meter {
                now: *now,
                conv: TscToNs::new(1_000_000_000),
                layout: l,
                jitter_threshold_ns: 1000,
                tracks: &mut tracks,
                resolve: &|_| Some(c),
                last_ns: &last,
            };
            let words: Vec<(u64, u64)> = stamps.iter().map(|w| (w.w0, w.w1)).collect();
            let chained = chain && !stamps.is_empty() && chains(stamps);
            b.measure(
                &mut m,
                (words.len(), 60 * words.len() as u64),
                chained,
                |i| words[i],
                |_| 60,
            );
        }
        LatencyTotals::sum(l, std::iter::once(c)).since(&LatencyTotals::default(), l)
    }

    /// A run of stamps still going on counts into its sender's span at every burst's end, so
    /// that a reset in the middle of it takes a baseline that later loss counts can rely on.
    #[test]
    fn a_live_run_counts_before_it_ends() {
        let l = Layout::new(1_000_000, 3);
        let c: &'static LatencyCounters = Box::leak(Box::new(LatencyCounters::new(&l)));
        let last = AtomicU64::new(0);
        let (mut tracks, mut b) = (vec![SeqTrack::default(); SENDERS], BurstMeter::default());
        let mut burst = |now: u64, stamps: Vec<StampWords>| {
            let mut m = Meter {
                now,
                conv: TscToNs::new(1_000_000_000),
                layout: &l,
                jitter_threshold_ns: 1000,
                tracks: &mut tracks,
                resolve: &|_| Some(c),
                last_ns: &last,
            };
            let words: Vec<(u64, u64)> = stamps.iter().map(|w| (w.w0, w.w1)).collect();
            b.measure(
                &mut m,
                (words.len(), 60 * words.len() as u64),
                chains(&stamps),
                |i| words[i],
                |_| 60,
            );
        };
        let a = 1 << GEN_BITS;
        burst(150, (0..64).map(|q| StampWords::new(MAGIC, a, q, 100)).collect());
        let base = LatencyTotals::sum(&l, std::iter::once(c));
        // Another sender's stamps end the first sender's run.
        burst(
            250,
            (0..8)
                .map(|q| StampWords::new(MAGIC, 2 << GEN_BITS, q, 200))
                .collect(),
        );
        let s = LatencyTotals::sum(&l, std::iter::once(c)).since(&base, &l);
        assert_eq!((s.count, s.lost), (8, 0));
    }

    #[test]
    fn sequence_tracking_counts_loss_reorder_and_duplicates() {
        let l = Layout::new(1_000_000, 3);
        let stream = (3 << GEN_BITS) | 7;
        // 3 and 6, 7, 8 are skipped; 3 then comes late (reordered) and 5 comes twice.
        let stamps = [0u32, 1, 2, 4, 5, 3, 5, 9]
            .map(|seq| StampWords::new(MAGIC, stream, seq, 100))
            .to_vec();
        let s = measure(&l, &[(150, stamps)], true);
        assert_eq!(s.count, 8);
        assert_eq!(s.reordered, 1);
        assert_eq!(s.duplicate, 1);
        assert_eq!(s.lost, 3 - 1 + 1, "3 and 6,7,8 skipped; 3 came late");
        assert_eq!(s.histogram.len(), 8);
        assert_eq!(s.histogram.value_at_quantile(0.5), 50);
    }

    /// Runs of stamps counted together give exactly what counting them one at a time gives,
    /// through losses, reordering, duplicates, several senders and a sequence number wrap.
    #[test]
    fn runs_count_exactly_like_single_stamps() {
        let l = Layout::new(10_000_000, 3);
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        let streams = [(1u16 << GEN_BITS) | 1, (2 << GEN_BITS) | 5];
        let mut seqs = [u32::MAX - 300, 0];
        let mut bursts = Vec::new();
        let mut now = 1u64 << 47;
        let mut tscs = [0u64; 2];
        for _ in 0..400 {
            now += 1000 + next(5000);
            let mut stamps = Vec::new();
            if next(3) == 0 {
                // A burst whose stamps chain: one sender in order, one TSC (maybe the transmit
                // burst the last receive burst ended in).
                let si = next(2) as usize;
                if next(2) == 0 || tscs[si] == 0 {
                    tscs[si] = now - 200 - next(3000);
                }
                for _ in 0..1 + next(70) {
                    stamps.push(StampWords::new(MAGIC, streams[si], seqs[si], tscs[si]));
                    seqs[si] = seqs[si].wrapping_add(1);
                }
                bursts.push((now, stamps));
                continue;
            }
            for _ in 0..(1 + next(4)) {
                let si = next(2) as usize;
                let tsc = now - 200 - next(3000);
                tscs[si] = tsc;
                for _ in 0..next(70) {
                    let mut seq = seqs[si];
                    match next(50) {
                        0 => seq = seq.wrapping_add(1 + next(40) as u32), // a gap
                        1 => seq = seq.wrapping_sub(1 + next(20) as u32), // late or repeated
                        _ => {}
                    }
                    seqs[si] = seq.wrapping_add(1);
                    stamps.push(StampWords::new(MAGIC, streams[si], seq, tsc));
                }
            }
            // Not stamps: a zero record, and a stamp whose balance is wrong.
            stamps.push(StampWords { w0: 0, w1: 0 });
            let mut bad = StampWords::new(MAGIC, streams[0], seqs[0], now - 10);
            bad.w1 ^= 1;
            stamps.push(bad);
            bursts.push((now, stamps));
        }
        let single: Vec<(u64, Vec<StampWords>)> = bursts
            .iter()
            .flat_map(|(now, st)| st.iter().map(move |w| (*now, vec![*w])))
            .collect();
        let alone = measure(&l, &single, false);
        assert!(bursts.iter().filter(|(_, st)| st.len() > 1 && chains(st)).count() > 50);
        for chain in [false, true] {
            let together = measure(&l, &bursts, chain);
            assert!(
                together.count > 10_000
                    && together.lost > 0
                    && together.reordered > 0
                    && together.duplicate > 0,
                "{together:?}"
            );
            assert_eq!(
                (
                    together.count,
                    together.lost,
                    together.reordered,
                    together.duplicate,
                    together.jitter_over
                ),
                (
                    alone.count,
                    alone.lost,
                    alone.reordered,
                    alone.duplicate,
                    alone.jitter_over
                )
            );
            assert_eq!(together.mean_ns, alone.mean_ns);
            assert_eq!(together.jitter_mean_ns, alone.jitter_mean_ns);
            assert_eq!(together.histogram, alone.histogram);
        }
    }

    /// A stamp's balance word makes its 16-bit words sum to 0 modulo 65535 at every step,
    /// across the 32-bit sequence wrap, so it never changes a checksum.
    #[test]
    fn stamps_are_checksum_neutral() {
        let mut w = StampWords::new(MAGIC, 0x1405, u32::MAX - 70_000, 0x0123_4567_89ab_cdef);
        for _ in 0..140_000 {
            assert_eq!(word_sum(w.w0, w.w1) % M, 0, "seq {}", w.seq());
            assert!(decode(w.w0, w.w1).is_some());
            if w.indexable(300) {
                let mut v = w;
                let mut u = w;
                for k in 0..300u64 {
                    assert_eq!(
                        (w.w0 + (k << 32), w.w1 - (k << 48)),
                        (v.w0, v.w1),
                        "seq {} + {k}",
                        w.seq()
                    );
                    assert_eq!((u.w0, u.w1), (v.w0, v.w1));
                    v.step();
                    u.step_unwrapped();
                }
            }
            w.step();
        }
        assert_eq!(w.seq(), 140_000 - 70_001);
        assert_eq!(decode(w.w0, w.w1).map(|s| s.tsc), Some(0x4567_89ab_cdef));
    }
}

#[cfg(test)]
mod speed {
    use super::*;

    /// Not a test: `cargo test --release -p engine --lib -- --ignored --nocapture record_speed`.
    #[test]
    #[ignore]
    fn record_speed() {
        const BURSTS: usize = 2048;
        let l = Layout::new(60_000_000_000, 3);
        for chained in [false, true] {
            let c: &'static LatencyCounters = Box::leak(Box::new(LatencyCounters::new(&l)));
            let last = AtomicU64::new(0);
            let (mut tracks, mut b) = (vec![SeqTrack::default(); SENDERS], BurstMeter::default());
            let mut w = StampWords::new(MAGIC, (1 << GEN_BITS) | 3, 0, 0);
            let (mut spent, mut stamps) = (std::time::Duration::ZERO, 0u64);
            // Bursts of 32 (the default transmit burst), each from one transmit burst, made
            // ahead in cache-sized batches so that only the meter is timed.
            for pass in 0..300u64 {
                let bursts: Vec<(u64, [(u64, u64); 32])> = (0..BURSTS as u64)
                    .map(|k| {
                        let tsc = (pass * BURSTS as u64 + k) * 1280;
                        w = StampWords::new(MAGIC, (1 << GEN_BITS) | 3, w.seq(), tsc);
                        (
                            tsc + 150 + k % 7 * 13,
                            std::array::from_fn(|_| {
                                let x = (w.w0, w.w1);
                                w.step();
                                x
                            }),
                        )
                    })
                    .collect();
                let t = std::time::Instant::now();
                for (now, words) in &bursts {
                    let mut m = Meter {
                        now: *now,
                        conv: TscToNs::new(2_500_000_000),
                        layout: &l,
                        jitter_threshold_ns: 50_000,
                        tracks: &mut tracks,
                        resolve: &|_| Some(c),
                        last_ns: &last,
                    };
                    b.measure(
                        &mut m,
                        (words.len(), 60 * words.len() as u64),
                        chained,
                        |i| words[i],
                        |_| 60,
                    );
                }
                spent += t.elapsed();
                stamps += BURSTS as u64 * 32;
            }
            let ns = spent.as_nanos() as f64 / stamps as f64;
            println!("record: {ns:.2} ns per stamp in bursts of 32, chained {chained}");
        }
    }
}
