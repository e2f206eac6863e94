//! Stage 3, the program: what a TX worker runs, without allocating. [`super::compile`] makes it
//! from a spec; the worker (worker.rs) splits it into queue shares and builds bursts with it.

use super::spec::{Checksum, Field, FieldOp, LengthField, SizeWalk};
use crate::ffi::{FrameSet, Running16};
use crate::latency::{MAGIC, STAMP_LEN, StampWords};

pub(super) const MAX_SUMS: usize = 4;

/// A checksum prepared for the fast path: where it goes, and the sum modulo 65535 of every word
/// it covers except the fields' (which are added per packet), inner checksums' shares included.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CsumBase {
    pub(super) at: usize,
    pub(super) base: u32,
    pub(super) udp: bool,
}

/// Per checksum, what one unit of a field's value adds to its sum modulo 65535: 0 when the
/// checksum does not cover the field, else 1 or 256 by the field's alignment, plus the share it
/// reaches the checksum through inner checksums that the outer one sums (see [`M`]).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Targets {
    pub(super) mult: [u32; MAX_SUMS],
}

/// A template prepared for the worker: padded to the largest size it is sent at, checksums and
/// lengths already right, and what each field contributes to which checksum.
#[derive(Debug, Clone)]
pub(crate) struct PreparedTemplate {
    pub data: Box<[u8]>,
    pub len: usize,
    pub checksums: Box<[Checksum]>,
    pub lengths: Box<[LengthField]>,
    /// Fast-path checksums (empty when `full_recompute`).
    pub sums: Box<[CsumBase]>,
    /// `sums[k].base`, as an array the worker copies per packet.
    pub bases: [u32; MAX_SUMS],
    /// `targets[f]`: which fast-path checksums field `f` feeds, and at which alignment.
    pub targets: Box<[Targets]>,
    /// Some field cannot be summed on its own (it overlaps a checksum, an IP length, another
    /// field, or spans two summed regions): recompute every checksum per packet.
    pub full_recompute: bool,
}

/// How a worker builds the packets of a burst.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// One template, nothing changes: a buffer that holds a packet of the stream is sent as is.
    Fixed,
    /// [`Mode::Fixed`] with latency stamps: only the stamps are written (see [`FixedStamps`]).
    FixedStamped,
    /// One template of fixed size whose fields all walk (and maybe a stamp): built by
    /// [`Program::build_burst`] with constant checksum increments.
    Columns,
    /// Several templates sent in turn and nothing else changes (a frames list, a capture): each
    /// template has a tag of its own (the stream's plus its index), so a buffer that last held
    /// the same template is sent as it is, as in [`Mode::Fixed`], and only others are copied.
    Templates,
    /// Sequences, size walks, or fields that need full checksums: built a packet at a time.
    PerPacket,
}

/// A validated, compiled stream: what a TX worker runs.
#[derive(Debug, Clone)]
pub(crate) struct Program {
    pub templates: Box<[PreparedTemplate]>,
    pub fields: Box<[Field]>,
    pub size: Option<SizeWalk>,
    /// Sizes taken in turn (an IMIX); `size` then spans them.
    pub size_seq: Box<[u16]>,
    pub count: u64,
    pub burst: u16,
    /// Bytes each mbuf must hold (largest size sent).
    pub max_len: usize,
    /// Mean bytes on the wire per packet, for pacing.
    pub mean_wire_bytes: f64,
    /// How the worker builds packets.
    pub mode: Mode,
    /// Stamp 1 packet in this many (0: no stamps).
    pub stamp_every: u32,
    /// Stream id written in the stamps (set when the stream starts on a port).
    pub stamp_stream: u16,
    /// TSC ticks subtracted from every stamp (`stamp_delay_ns`, converted when the stream starts).
    pub stamp_backdate: u64,
    /// For [`Mode::Columns`] streams whose fields all walk: the plan of [`Program::build_burst`].
    pub linear: Option<Linear>,
    /// Steps of the stream from one packet of this program to its next: 1, or the number of TX
    /// queues sharing the stream (each sends every `stride`-th packet of it).
    pub stride: u32,
}

/// Reads a big-endian field of `w` bytes.
#[inline]
pub(crate) fn read_be(d: &[u8], at: usize, w: usize) -> u64 {
    d[at..at + w].iter().fold(0u64, |v, b| (v << 8) | u64::from(*b))
}

impl Program {
    /// Queue `q`'s share of this stream when `nq` TX queues send it: every `nq`-th packet,
    /// starting with packet `q` (see [`Program::skip`]), `count` of them (0: until stopped).
    pub(crate) fn share(&self, nq: u32, count: u64) -> Program {
        let mut p = self.clone();
        p.stride = nq.max(1);
        p.count = count;
        if p.linear.is_some() {
            p.linear = Linear::plan(&p.fields, &p.templates[0], p.stride);
        }
        p
    }

    /// Moves `cur` on by `n` packets of the stream without building them.
    pub(crate) fn skip(&self, cur: &mut Cursor, n: u64) {
        if n == 0 {
            return;
        }
        cur.template = ((cur.template as u64 + n) % self.templates.len() as u64) as usize;
        if !self.size_seq.is_empty() {
            cur.size_at = ((cur.size_at as u64 + n) % self.size_seq.len() as u64) as usize;
            cur.size = usize::from(self.size_seq[cur.size_at]);
        } else if let Some(s) = self.size {
            cur.size = walk_far(cur.size as u64, s.min as u64, s.max as u64, s.step as i64, n) as usize;
        }
        for (fi, f) in self.fields.iter().enumerate() {
            if let FieldOp::Walk { min, max, step, .. } = f.op {
                let steps = if f.every > 1 {
                    let total = u64::from(cur.phase[fi]) + n;
                    cur.phase[fi] = (total % u64::from(f.every)) as u32;
                    total / u64::from(f.every)
                } else {
                    n
                };
                cur.values[fi] = walk_far(cur.values[fi], min, max, step, steps);
            }
        }
    }
}

/// Per-stream state a worker keeps between packets: the next template, field values and size.
#[derive(Debug)]
pub(crate) struct Cursor {
    pub template: usize,
    pub values: Box<[u64]>,
    /// Per field that steps every n-th packet: packets of the stream since its last step.
    pub phase: Box<[u32]>,
    pub size: usize,
    /// Index of `size` in the program's size sequence.
    pub size_at: usize,
    pub rng: u64,
    /// Sequence number of the next stamped packet.
    pub seq: u32,
    /// Packets until the next stamp (0: this one).
    pub countdown: u32,
}

impl Program {
    /// Tags a stream's buffers need: one per template in [`Mode::Templates`], else one.
    pub(crate) fn tags(&self) -> u32 {
        if self.mode == Mode::Templates {
            self.templates.len() as u32
        } else {
            1
        }
    }

    /// The next template of a [`Mode::Templates`] stream, and the cursor moved past it.
    #[inline(always)]
    pub(crate) fn next_template(&self, cur: &mut Cursor) -> usize {
        let ti = cur.template;
        let next = ti + self.stride as usize;
        cur.template = if next < self.templates.len() {
            next
        } else {
            next % self.templates.len()
        };
        ti
    }

    /// A cursor at the stream's first packet.
    pub(crate) fn cursor(&self, seed: u64) -> Cursor {
        let values = self
            .fields
            .iter()
            .map(|f| match f.op {
                FieldOp::Walk { start, .. } => start,
                // Random fields keep their `keep` bits from the (first) template.
                FieldOp::Random { .. } | FieldOp::Uniform { .. } => {
                    read_be(&self.templates[0].data, f.offset as usize, f.width as usize)
                }
            })
            .collect();
        Cursor {
            template: 0,
            values,
            phase: vec![0; self.fields.len()].into(),
            size: self.templates[0].len,
            size_at: 0,
            rng: seed | 1,
            seq: 0,
            countdown: 0,
        }
    }

    /// Writes the next packet of the stream into `frame`, which holds either a fresh copy of a
    /// template (`fresh`) or an earlier packet of this stream. Returns its length.
    ///
    /// Packets of one stream differ only in their fields, lengths and checksums, so only those
    /// bytes are written. On the fast path nothing is read back from the frame: each checksum is
    /// its precomputed base plus the words of the new field values.
    ///
    /// A stamped packet gets its stamp last, with the burst's TSC `tsc`.
    #[inline]
    pub(crate) fn build(&self, cur: &mut Cursor, frame: &mut [u8], fresh: bool, tsc: u64) -> usize {
        let ti = cur.template;
        let t = &self.templates[ti];
        if self.templates.len() > 1 {
            let next = ti + self.stride as usize;
            cur.template = if next < self.templates.len() {
                next
            } else {
                next % self.templates.len()
            };
            if !fresh {
                frame[..t.data.len()].copy_from_slice(&t.data);
            }
        }
        let full = t.full_recompute || self.size.is_some();
        let len = match self.size {
            None => t.len,
            Some(s) => {
                let len = cur.size;
                cur.size = if self.size_seq.is_empty() {
                    walk_n(len as u64, s.min as u64, s.max as u64, s.step as i64, self.stride) as usize
                } else {
                    cur.size_at = (cur.size_at + self.stride as usize) % self.size_seq.len();
                    usize::from(self.size_seq[cur.size_at])
                };
                for l in t.lengths.iter() {
                    let v = len.saturating_sub(l.adjust as usize) as u16;
                    frame[l.offset as usize..l.offset as usize + 2].copy_from_slice(&v.to_be_bytes());
                }
                len
            }
        };
        let mut sums = t.bases;
        for (fi, f) in self.fields.iter().enumerate() {
            let v = match f.op {
                FieldOp::Walk { min, max, step, .. } if f.every > 1 => {
                    let v = cur.values[fi];
                    let p = cur.phase[fi] + self.stride;
                    cur.phase[fi] = p % f.every;
                    cur.values[fi] = walk_far(v, min, max, step, u64::from(p / f.every));
                    v
                }
                FieldOp::Walk { min, max, step, .. } => {
                    let v = cur.values[fi];
                    cur.values[fi] = walk_n(v, min, max, step, self.stride);
                    v
                }
                FieldOp::Random { keep, set, random } => {
                    (cur.values[fi] & keep) | set | (cur.next_random() & random)
                }
                FieldOp::Uniform {
                    min,
                    max,
                    shift,
                    keep,
                } => {
                    let r = min + cur.next_random() % (max - min + 1);
                    (cur.values[fi] & keep) | (r << shift)
                }
            };
            put_be(frame, f.offset as usize, f.width, v);
            if !full {
                let m = modm(v);
                for (sum, mult) in sums.iter_mut().zip(t.targets[fi].mult) {
                    *sum = addm(*sum, mulm(m, mult));
                }
            }
        }
        if self.stamp_every > 0 {
            let mut st = StampWords::new(
                MAGIC,
                self.stamp_stream,
                cur.seq,
                tsc.wrapping_sub(self.stamp_backdate),
            );
            cur.stamp(&mut frame[len - STAMP_LEN..len], &mut st, self.stamp_every);
            cur.seq = st.seq();
        }
        if full {
            for c in t.checksums.iter() {
                c.apply(&mut frame[..len]);
            }
        } else {
            for (k, c) in t.sums.iter().enumerate() {
                put_csum(frame, c.at, sums[k], c.udp);
            }
        }
        len
    }
}

impl Cursor {
    /// The next number of the cursor's xorshift generator.
    #[inline(always)]
    fn next_random(&mut self) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }

    /// Writes the next packet's stamp into `r` from `st`, and steps `st`, for 1 packet in
    /// `every`; the others get 16 zero bytes (so a buffer's stale stamp is never counted twice).
    /// The caller keeps `seq` (`st.seq()` after its last packet).
    #[inline(always)]
    fn stamp(&mut self, r: &mut [u8], st: &mut StampWords, every: u32) {
        if self.countdown == 0 {
            self.countdown = every - 1;
            put_stamp(r, st.w0, st.w1);
            st.step();
        } else {
            self.countdown -= 1;
            r.fill(0);
        }
    }
}

/// One's complement sums are sums modulo 65535 (2^16 is 1 there), which makes every walked
/// field's share of a checksum a multiple of its value: a packet's checksum is the previous one's
/// plus a constant until some field wraps.
pub(super) const M: u32 = 65535;

#[inline(always)]
pub(super) fn addm(a: u32, b: u32) -> u32 {
    let s = a + b;
    if s >= M { s - M } else { s }
}

/// `x * mult` modulo 65535, for `x` and `mult` below 65536 (the product fits 32 bits).
#[inline(always)]
pub(super) fn mulm(x: u32, mult: u32) -> u32 {
    let y = x * mult;
    let y = (y & 0xffff) + (y >> 16);
    if y >= M { y - M } else { y }
}

#[inline(always)]
pub(super) fn modm(v: u64) -> u32 {
    (v % u64::from(M)) as u32
}

/// Fields at most [`Linear`] handles.
const LINEAR_FIELDS: usize = 4;

/// How many packets ahead the walk asks for a buffer's header line: each buffer's data was last
/// touched when it was sent, a pool's length ago. Four packets' work covers an L2 hit and much
/// of an L3 one; on the 2 MiB-L2 bench machine, which holds a pool's header lines, no distance
/// (2, 4, 8 or none) measured apart from the others (bench/RESULTS.md, issue 28).
const PREFETCH: usize = 4;

/// The plan of [`Program::build_burst`]: fields that all walk, with what each adds per step to
/// each checksum, modulo 65535.
#[derive(Debug, Clone)]
pub(crate) struct Linear {
    pub(super) nf: usize,
    pub(super) nk: usize,
    pub(super) off: [usize; LINEAR_FIELDS],
    pub(super) width: [u8; LINEAR_FIELDS],
    pub(super) min: [u64; LINEAR_FIELDS],
    pub(super) max: [u64; LINEAR_FIELDS],
    /// What a field gains per packet between wraps: its step times the stride.
    pub(super) step: [i64; LINEAR_FIELDS],
    /// The field's own step, and the program's stride, for the packet where it wraps.
    pub(super) unit: [i64; LINEAR_FIELDS],
    pub(super) stride: u32,
    /// `mult[f][k]`: 0 when field f is outside checksum k, else 1 or 256 (its byte alignment).
    pub(super) mult: [[u32; MAX_SUMS]; LINEAR_FIELDS],
    /// What one step of every field adds to checksum k.
    pub(super) inc: [u32; MAX_SUMS],
    pub(super) base: [u32; MAX_SUMS],
    pub(super) at: [usize; MAX_SUMS],
    pub(super) udp: [bool; MAX_SUMS],
    /// Where the stamp goes.
    pub(super) stamp_at: usize,
}

impl Linear {
    pub(super) fn plan(fields: &[Field], t: &PreparedTemplate, stride: u32) -> Option<Linear> {
        if fields.len() > LINEAR_FIELDS || t.full_recompute {
            return None;
        }
        let mut l = Linear {
            nf: fields.len(),
            nk: t.sums.len(),
            off: [0; LINEAR_FIELDS],
            width: [1; LINEAR_FIELDS],
            min: [0; LINEAR_FIELDS],
            max: [0; LINEAR_FIELDS],
            step: [0; LINEAR_FIELDS],
            unit: [0; LINEAR_FIELDS],
            stride,
            mult: [[0; MAX_SUMS]; LINEAR_FIELDS],
            inc: [0; MAX_SUMS],
            base: [0; MAX_SUMS],
            at: [0; MAX_SUMS],
            udp: [false; MAX_SUMS],
            stamp_at: t.len.saturating_sub(STAMP_LEN),
        };
        for (k, c) in t.sums.iter().enumerate() {
            l.base[k] = c.base;
            l.at[k] = c.at;
            l.udp[k] = c.udp;
        }
        for (f, fd) in fields.iter().enumerate() {
            let FieldOp::Walk { min, max, step, .. } = fd.op else {
                return None;
            };
            if fd.every > 1 {
                return None;
            }
            l.off[f] = fd.offset as usize;
            l.width[f] = fd.width;
            let step_n = step * i64::from(stride);
            (l.min[f], l.max[f], l.step[f], l.unit[f]) = (min, max, step_n, step);
            for k in 0..l.nk {
                l.mult[f][k] = t.targets[f].mult[k];
                let st = modm(step_n.rem_euclid(i64::from(M)) as u64);
                l.inc[k] = addm(l.inc[k], mulm(st, l.mult[f][k]));
            }
        }
        Some(l)
    }
}

impl Program {
    /// Builds a burst of a stream whose fields all walk, a packet at a time with no checksum
    /// arithmetic beyond one modular add per checksum per packet (see [`M`]); a packet where a
    /// field wraps adds that field's actual change instead.
    /// Builds a burst of a [`Mode::Columns`] stream, stamps included (with the burst's TSC `tsc`).
    pub(crate) fn build_burst(&self, cur: &mut Cursor, frames: &mut FrameSet<'_>, tsc: u64) {
        let Some(l) = &self.linear else { return };
        let tsc = tsc.wrapping_sub(self.stamp_backdate);
        // Constant field and checksum counts (and whether there are stamps) let the compiler keep
        // everything in registers and drop what a stream does not use.
        match (l.nf, l.nk, self.stamp_every > 0) {
            (0, 2, true) => self.linear_n::<0, 2, true>(l, cur, frames, tsc),
            (1, 1, false) => self.linear_n::<1, 1, false>(l, cur, frames, tsc),
            (1, 2, false) => self.linear_n::<1, 2, false>(l, cur, frames, tsc),
            (1, 2, true) => self.linear_n::<1, 2, true>(l, cur, frames, tsc),
            (2, 1, false) => self.linear_n::<2, 1, false>(l, cur, frames, tsc),
            (2, 2, false) => self.linear_n::<2, 2, false>(l, cur, frames, tsc),
            (2, 2, true) => self.linear_n::<2, 2, true>(l, cur, frames, tsc),
            (3, 2, false) => self.linear_n::<3, 2, false>(l, cur, frames, tsc),
            (4, 2, false) => self.linear_n::<4, 2, false>(l, cur, frames, tsc),
            // Tunnels: outer and inner IPv4 and UDP checksums.
            (1, 4, false) => self.linear_n::<1, 4, false>(l, cur, frames, tsc),
            (2, 4, false) => self.linear_n::<2, 4, false>(l, cur, frames, tsc),
            (4, 4, false) => self.linear_n::<4, 4, false>(l, cur, frames, tsc),
            (nf, nk, stamping) => self.linear_any(l, nf, nk, stamping, cur, frames, tsc),
        }
    }

    #[inline(always)]
    fn linear_n<const NF: usize, const NK: usize, const STAMP: bool>(
        &self,
        l: &Linear,
        cur: &mut Cursor,
        frames: &mut FrameSet<'_>,
        tsc: u64,
    ) {
        self.linear_any(l, NF, NK, STAMP, cur, frames, tsc)
    }

    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    // The loops walk several per-field and per-checksum arrays in lockstep up to the const
    // generic counts `nf`/`nk`, which the compiler unrolls; iterator chains hide that bound.
    #[allow(clippy::needless_range_loop)]
    fn linear_any(
        &self,
        l: &Linear,
        nf: usize,
        nk: usize,
        stamping: bool,
        cur: &mut Cursor,
        frames: &mut FrameSet<'_>,
        tsc: u64,
    ) {
        let mut st = StampWords::new(MAGIC, self.stamp_stream, cur.seq, tsc);
        let running = stamping && self.stamps_run(cur, &st, frames.len());
        let mut v = [0u64; LINEAR_FIELDS];
        v[..nf].copy_from_slice(&cur.values[..nf]);
        let mut s = l.base;
        for f in 0..nf {
            let m = modm(v[f]);
            for k in 0..nk {
                s[k] = addm(s[k], mulm(m, l.mult[f][k]));
            }
        }
        let n = frames.len();
        for j in 0..PREFETCH {
            frames.prefetch(j);
        }
        let mut i = 0;
        while i < n {
            // Packets until some field wraps: between wraps each packet just adds constants. A
            // field with room for the rest of the burst needs no division (a 64-bit one costs as
            // much as several packets).
            let left = (n - i) as u64;
            let mut free = u64::MAX;
            for f in 0..nf {
                let st = l.step[f];
                let (gap, s) = if st > 0 {
                    (l.max[f] - v[f], st as u64)
                } else if st < 0 {
                    (v[f] - l.min[f], st.unsigned_abs())
                } else {
                    continue;
                };
                let room = if gap >= s.saturating_mul(left) {
                    left
                } else {
                    gap / s
                };
                free = free.min(room);
            }
            let end = n.min(i.saturating_add(usize::try_from(free).unwrap_or(usize::MAX)));
            while i < end {
                frames.prefetch(i + PREFETCH);
                self.emit(l, nf, nk, cur, frames.get(i), &v, &s, &mut st, stamping, running);
                for f in 0..nf {
                    v[f] = (v[f] as i64 + l.step[f]) as u64;
                }
                for k in 0..nk {
                    s[k] = addm(s[k], l.inc[k]);
                }
                i += 1;
            }
            if i < n {
                frames.prefetch(i + PREFETCH);
                self.emit(l, nf, nk, cur, frames.get(i), &v, &s, &mut st, stamping, running);
                for f in 0..nf {
                    let nv = walk_n(v[f], l.min[f], l.max[f], l.unit[f], l.stride);
                    let d = addm(modm(nv), M - modm(v[f]));
                    for k in 0..nk {
                        s[k] = addm(s[k], mulm(d, l.mult[f][k]));
                    }
                    v[f] = nv;
                }
                i += 1;
            }
        }
        cur.values[..nf].copy_from_slice(&v[..nf]);
        if stamping {
            cur.seq = st.seq();
        }
    }
}

impl Program {
    /// Writes one packet of a linear burst: its fields, its stamp and its checksums.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    // Lockstep over per-field arrays up to the const generic counts, as in `linear_any`.
    #[allow(clippy::needless_range_loop)]
    fn emit(
        &self,
        l: &Linear,
        nf: usize,
        nk: usize,
        cur: &mut Cursor,
        frame: &mut [u8],
        v: &[u64; LINEAR_FIELDS],
        s: &[u32; MAX_SUMS],
        st: &mut StampWords,
        stamping: bool,
        running: bool,
    ) {
        for f in 0..nf {
            put_be(frame, l.off[f], l.width[f], v[f]);
        }
        if stamping && let Some(r) = frame.get_mut(l.stamp_at..l.stamp_at + STAMP_LEN) {
            if running {
                put_stamp(r, st.w0, st.w1);
                st.step_unwrapped();
            } else {
                cur.stamp(r, st, self.stamp_every);
            }
        }
        for k in 0..nk {
            put_csum(frame, l.at[k], s[k], l.udp[k]);
        }
    }
}

/// The stamps of a [`Mode::FixedStamped`] burst. Stamps are checksum-neutral, so the template's
/// checksums stay as each buffer got them and only the 16 stamp bytes change.
pub(crate) enum FixedStamps {
    /// Every packet is stamped and no part of the stamp wraps within the burst: from one packet
    /// to the next the first word gains 1 << 32 (the sequence number) and the second loses
    /// 1 << 48 (the balance), so the buffers' preparation writes them as a running value.
    Running(Running16),
    /// Otherwise, a packet at a time with [`FixedStamps::write`].
    Stepped {
        words: StampWords,
        at: usize,
        every: u32,
    },
}

impl Program {
    /// Whether the `n` packets of a burst starting at `cur`, whose first stamp is `first`, are
    /// all stamped and no part of their stamps wraps: each stamp is then the last plus
    /// [`StampWords::STEP`], a running value.
    fn stamps_run(&self, cur: &Cursor, first: &StampWords, n: usize) -> bool {
        self.stamp_every == 1 && cur.countdown == 0 && first.indexable(n as u32)
    }

    /// The stamps of a [`Mode::FixedStamped`] burst of `n` packets starting at `cur`, with the
    /// TSC `tsc`.
    pub(crate) fn fixed_stamps(&self, cur: &Cursor, n: usize, tsc: u64) -> FixedStamps {
        let words = StampWords::new(
            MAGIC,
            self.stamp_stream,
            cur.seq,
            tsc.wrapping_sub(self.stamp_backdate),
        );
        let at = self.templates[0].len.saturating_sub(STAMP_LEN);
        if self.stamps_run(cur, &words, n) {
            FixedStamps::Running(Running16 {
                at,
                value: [words.w0, words.w1],
                step: StampWords::STEP,
            })
        } else {
            FixedStamps::Stepped {
                words,
                at,
                every: self.stamp_every,
            }
        }
    }
}

impl FixedStamps {
    /// Stamps packet `frame` (or zeroes its stamp, between stamps); packets come in order.
    pub(crate) fn write(&mut self, cur: &mut Cursor, frame: &mut [u8]) {
        let FixedStamps::Stepped { words, at, every } = self else {
            return;
        };
        if let Some(r) = frame.get_mut(*at..*at + STAMP_LEN) {
            cur.stamp(r, words, *every);
        }
    }

    /// Leaves `cur` at the packet after the last one written.
    pub(crate) fn finish(&self, cur: &mut Cursor) {
        cur.seq = match self {
            FixedStamps::Running(r) => (r.value[0] >> 32) as u32,
            FixedStamps::Stepped { words, .. } => words.seq(),
        };
    }
}

/// Stores a stamp's two words as one 16-byte value built in registers (copying them from memory
/// right after updating them would be a store-forwarding stall on every packet).
#[inline(always)]
fn put_stamp(r: &mut [u8], w0: u64, w1: u64) {
    r.copy_from_slice(&(u128::from(w1) << 64 | u128::from(w0)).to_le_bytes());
}

/// Stores the checksum whose sum (mod 65535) is `s`; a UDP checksum of 0 is sent as 0xffff.
#[inline(always)]
fn put_csum(frame: &mut [u8], at: usize, s: u32, udp: bool) {
    let c = if s == 0 {
        if udp { 0xffff } else { 0 }
    } else {
        !(s as u16)
    };
    if let Some(d) = frame.get_mut(at..at + 2) {
        d.copy_from_slice(&c.to_be_bytes());
    }
}

/// The value of a walk `n` packets on: `+ n * step` while that stays in `min..=max`, else one
/// step at a time (each wrapping as [`walk_next`] does). `n` is a stride (at most a few hundred).
#[inline(always)]
fn walk_n(v: u64, min: u64, max: u64, step: i64, n: u32) -> u64 {
    let t = v as i64 + step * i64::from(n);
    if t >= min as i64 && t <= max as i64 {
        return t as u64;
    }
    (0..n).fold(v, |v, _| walk_next(v, min, max, step))
}

/// The value of a walk `n` packets on, for any `n`, in constant time: the walk steps towards
/// one end, wraps to the other, and from there repeats the cycle `min + k * step` (or
/// `max - k * |step|`) as [`walk_next`] would.
pub(super) fn walk_far(v: u64, min: u64, max: u64, step: i64, n: u64) -> u64 {
    if step == 0 || n == 0 {
        return v;
    }
    let s = step.unsigned_abs();
    let to_end = if step > 0 { (max - v) / s } else { (v - min) / s };
    if n <= to_end {
        return if step > 0 { v + n * s } else { v - n * s };
    }
    let k = (n - to_end - 1) % ((max - min) / s + 1);
    if step > 0 { min + k * s } else { max - k * s }
}

/// The next value of a walk: `+ step`, wrapping past `max` to `min` and below `min` to `max`.
/// Values and steps fit in 48 bits (checked at compile time), so i64 arithmetic cannot overflow.
#[inline(always)]
pub(super) fn walk_next(v: u64, min: u64, max: u64, step: i64) -> u64 {
    let n = v as i64 + step;
    if n > max as i64 {
        min
    } else if n < min as i64 {
        max
    } else {
        n as u64
    }
}

/// Writes the low `w` bytes of `v` big-endian at `at`.
#[inline(always)]
pub(super) fn put_be(d: &mut [u8], at: usize, w: u8, v: u64) {
    match w {
        1 => d[at] = v as u8,
        2 => d[at..at + 2].copy_from_slice(&(v as u16).to_be_bytes()),
        4 => d[at..at + 4].copy_from_slice(&(v as u32).to_be_bytes()),
        _ => d[at..at + 6].copy_from_slice(&v.to_be_bytes()[2..]),
    }
}
