//! What a port transmits: template frames, per-packet field modifiers, a size walk, checksum and
//! length fix-ups, a rate and a count. Pure Rust: validated here, compiled into a [`Program`] that
//! the TX worker runs without allocating.

use crate::csum;
use crate::error::{Error, Result};
use crate::ffi::{FrameSet, Running16};
use crate::latency::{MAGIC, STAMP_LEN, StampWords};

/// Smallest frame a stream may send, without FCS (Ethernet's 64-byte minimum less the 4-byte FCS).
pub const MIN_FRAME: usize = 60;
/// Bytes on the wire besides the frame: FCS (4), preamble and SFD (8), inter-frame gap (12).
pub const WIRE_OVERHEAD: usize = 24;

/// A checksum the engine keeps right in every packet it sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checksum {
    /// IPv4 header checksum; the IPv4 header starts at the offset.
    Ipv4Header(u16),
    /// UDP checksum over the IPv4/IPv6 pseudo header; `l4` is the UDP header, `l3` its IP header.
    Udp {
        /// Offset of the IP header.
        l3: u16,
        /// Offset of the UDP header.
        l4: u16,
    },
    /// TCP checksum over the IPv4/IPv6 pseudo header.
    Tcp {
        /// Offset of the IP header.
        l3: u16,
        /// Offset of the TCP header.
        l4: u16,
    },
    /// ICMPv4 checksum (no pseudo header) up to the end of the IP payload.
    Icmp {
        /// Offset of the IPv4 header.
        l3: u16,
        /// Offset of the ICMP header.
        l4: u16,
    },
    /// ICMPv6 checksum over the IPv6 pseudo header.
    Icmpv6 {
        /// Offset of the IPv6 header.
        l3: u16,
        /// Offset of the ICMPv6 header.
        l4: u16,
    },
}

/// A 16-bit big-endian length field kept equal to `frame length - adjust` (IP total length, UDP
/// length, ...), so that a size walk yields well-formed packets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LengthField {
    /// Offset of the field in the frame.
    pub offset: u16,
    /// Bytes of the frame that the field does not count.
    pub adjust: u16,
}

/// One template frame (without FCS) and the fix-ups that keep it well formed.
#[derive(Clone, Debug, Default)]
pub struct Template {
    /// The frame's bytes. With a size walk, bytes past the template's end read as zero.
    pub data: Vec<u8>,
    /// Checksums to compute, in order (inner headers before outer ones).
    pub checksums: Vec<Checksum>,
    /// Length fields to keep equal to the frame length less their adjust.
    pub lengths: Vec<LengthField>,
}

/// How a field changes from one packet to the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldOp {
    /// `start`, then `+ step` per packet; past `max` it wraps to `min`, below `min` to `max`.
    Walk {
        /// First value.
        start: u64,
        /// Smallest value.
        min: u64,
        /// Largest value.
        max: u64,
        /// Signed increment per packet (0 keeps `start`).
        step: i64,
    },
    /// `(current & keep) | set | (random & random_mask)`; the three masks do not overlap.
    Random {
        /// Bits left as they are.
        keep: u64,
        /// Bits forced to one.
        set: u64,
        /// Bits drawn at random for every packet.
        random: u64,
    },
}

/// A big-endian field of 1, 2, 4 or 6 bytes rewritten in every packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    /// Offset in the frame.
    pub offset: u16,
    /// Width in bytes: 1, 2, 4 or 6.
    pub width: u8,
    /// How it changes.
    pub op: FieldOp,
}

impl Field {
    /// A field walking from `min` to `max` by `step`, starting at `min`.
    pub fn walk(offset: u16, width: u8, min: u64, max: u64, step: i64) -> Self {
        Self {
            offset,
            width,
            op: FieldOp::Walk {
                start: min,
                min,
                max,
                step,
            },
        }
    }
}

/// A walk over frame sizes (without FCS), one step per packet, wrapping like [`FieldOp::Walk`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SizeWalk {
    /// First size.
    pub start: u16,
    /// Smallest size.
    pub min: u16,
    /// Largest size.
    pub max: u16,
    /// Signed step per packet.
    pub step: i32,
}

/// How fast to send.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rate {
    /// Percent of the link speed, counting 24 bytes of FCS, preamble and gap per frame.
    Percent(f64),
    /// Packets per second.
    Pps(f64),
    /// Bits per second on the wire (frame, FCS, preamble and gap).
    Bps(f64),
    /// As fast as the port takes them.
    Unpaced,
}

/// How a stream's packets are spread in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxMode {
    /// `count` packets (0: until stopped) at the stream's rate.
    Continuous,
    /// `bursts` bursts (0: until stopped) of `size` packets each, the packets of a burst at the
    /// stream's rate (unpaced: back to back), `gap_ns` from the end of one burst to the start of
    /// the next (TRex's single and multi burst). Sent by the port's first TX queue alone.
    Bursts {
        /// Number of bursts; 0 repeats until stopped.
        bursts: u64,
        /// Packets per burst.
        size: u32,
        /// Nanoseconds between bursts.
        gap_ns: u64,
    },
}

/// What a paced stream does after a stall (its lcore preempted, the driver full).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CatchUp {
    /// Never more than one TX burst back to back: the packets a stall delayed beyond that are
    /// not sent, and counted as skipped. The stream's rate drops by what the stall cost.
    Smooth,
    /// Send what the stall delayed (up to 10 ms of it, the rest counted as skipped) as fast as
    /// the port takes it, so the average rate is exact; after a stall the packets leave back
    /// to back.
    ExactAverage,
}

/// Everything a port transmits after `start`.
#[derive(Clone, Debug)]
pub struct StreamSpec {
    /// Frames sent round-robin (one for single mode, up to 16 or more for a sequence).
    pub templates: Vec<Template>,
    /// Fields rewritten in every packet.
    pub fields: Vec<Field>,
    /// Frame size walk, if sizes change per packet.
    pub size: Option<SizeWalk>,
    /// Sending rate.
    pub rate: Rate,
    /// Packets to send; 0 sends until stopped.
    pub count: u64,
    /// Packets per TX burst, 1..=256.
    pub burst: u16,
    /// Latency stamps in the last 16 bytes of 1 packet in `n` (1: every packet); `None`: no stamps.
    pub stamp_every: Option<u32>,
    /// Nanoseconds added to the age of every stamp, as if the packets had crossed a delay line of
    /// that length (for calibrating and testing the measurement chain).
    pub stamp_delay_ns: u64,
    /// Per template, nanoseconds to wait after sending it (a capture's inter-packet gaps); empty:
    /// pace by `rate`. When given, it has one entry per template and overrides `rate`.
    pub gaps_ns: Vec<u64>,
    /// Frame sizes (without FCS) taken in turn, one per packet (an IMIX); empty: none. Excludes
    /// `size`.
    pub size_seq: Vec<u16>,
    /// Continuous or in bursts.
    pub mode: TxMode,
    /// Nanoseconds to wait after the start before the first packet.
    pub start_delay_ns: u64,
    /// Go on from where the slot's stream stopped (a pause): each queue continues its part of
    /// the walks, sizes and templates, sends what is left of its share of `count` (the stream's
    /// whole count), and the stream's counters keep counting from its last fresh start.
    pub resume: bool,
    /// Start only once the port's stream in this slot has ended (or if it is not running).
    pub after: Option<usize>,
    /// End when the port's stream in this slot has ended (a companion, such as latency probes
    /// beside the traffic they measure).
    pub ends_with: Option<usize>,
    /// What pacing does after a stall.
    pub catch_up: CatchUp,
}

impl Default for StreamSpec {
    fn default() -> Self {
        StreamSpec {
            templates: Vec::new(),
            fields: Vec::new(),
            size: None,
            rate: Rate::Percent(100.0),
            count: 0,
            burst: 32,
            stamp_every: None,
            stamp_delay_ns: 0,
            gaps_ns: Vec::new(),
            size_seq: Vec::new(),
            mode: TxMode::Continuous,
            start_delay_ns: 0,
            resume: false,
            after: None,
            ends_with: None,
            catch_up: CatchUp::ExactAverage,
        }
    }
}

fn bad<T>(msg: String) -> Result<T> {
    Err(Error::Stream(msg))
}

impl Checksum {
    fn field_offset(self) -> usize {
        match self {
            Checksum::Ipv4Header(o) => o as usize + 10,
            Checksum::Udp { l4, .. } => l4 as usize + 6,
            Checksum::Tcp { l4, .. } => l4 as usize + 16,
            Checksum::Icmp { l4, .. } | Checksum::Icmpv6 { l4, .. } => l4 as usize + 2,
        }
    }

    fn l3(self) -> usize {
        match self {
            Checksum::Ipv4Header(o) => o as usize,
            Checksum::Udp { l3, .. }
            | Checksum::Tcp { l3, .. }
            | Checksum::Icmp { l3, .. }
            | Checksum::Icmpv6 { l3, .. } => l3 as usize,
        }
    }

    /// The byte ranges whose words this checksum sums, read from `frame`.
    fn coverage(self, frame: &[u8]) -> [(usize, usize); 2] {
        let l3 = self.l3();
        let ip_end = ip_end(frame, l3);
        match self {
            Checksum::Ipv4Header(o) => [
                (o as usize, o as usize + usize::from(frame[o as usize] & 0xf) * 4),
                (0, 0),
            ],
            Checksum::Icmp { l4, .. } => [(l4 as usize, ip_end), (0, 0)],
            Checksum::Udp { l4, .. } | Checksum::Tcp { l4, .. } | Checksum::Icmpv6 { l4, .. } => {
                let addrs = if frame[l3] >> 4 == 6 {
                    (l3 + 8, l3 + 40)
                } else {
                    (l3 + 12, l3 + 20)
                };
                [(l4 as usize, ip_end), addrs]
            }
        }
    }

    /// The one's complement sum (unfolded) of the words this checksum covers in `frame`, pseudo
    /// header included, over the given coverage; the checksum field itself must read as zero.
    fn sum_with_coverage(self, frame: &[u8], cov: [(usize, usize); 2]) -> u64 {
        let [(a, b), (s, e)] = cov;
        let pseudo = match self {
            Checksum::Ipv4Header(_) | Checksum::Icmp { .. } => 0,
            Checksum::Udp { l4, .. } => 17 + (b - l4 as usize) as u64,
            Checksum::Tcp { l4, .. } => 6 + (b - l4 as usize) as u64,
            Checksum::Icmpv6 { l4, .. } => 58 + (b - l4 as usize) as u64,
        };
        csum::add(csum::add(pseudo, &frame[s..e]), &frame[a..b])
    }

    /// Computes the checksum of `frame` and stores it in place.
    pub fn apply(self, frame: &mut [u8]) {
        let at = self.field_offset();
        frame[at] = 0;
        frame[at + 1] = 0;
        let cov = self.coverage(frame);
        let mut c = !csum::fold(self.sum_with_coverage(frame, cov));
        if c == 0 && matches!(self, Checksum::Udp { .. }) {
            c = 0xffff;
        }
        frame[at..at + 2].copy_from_slice(&c.to_be_bytes());
    }
}

/// End of the IP packet that starts at `l3`, from its own length field, bounded by the frame.
fn ip_end(frame: &[u8], l3: usize) -> usize {
    let rd = |o: usize| usize::from(u16::from_be_bytes([frame[o], frame[o + 1]]));
    let end = if frame[l3] >> 4 == 6 {
        l3 + 40 + rd(l3 + 4)
    } else {
        l3 + rd(l3 + 2)
    };
    end.min(frame.len())
}

/// Most checksums one template can carry on the fast path (more fall back to full recompute).
const MAX_SUMS: usize = 4;

/// A checksum prepared for the fast path: where it goes, and the sum of every word it covers
/// except the fields' (which are added per packet).
#[derive(Debug, Clone, Copy)]
pub(crate) struct CsumBase {
    at: usize,
    base: u64,
    udp: bool,
}

/// Per checksum, an all-ones mask if a field's words add to it at an even (or odd) position.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Targets {
    even: [u64; MAX_SUMS],
    odd: [u64; MAX_SUMS],
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
    pub bases: [u64; MAX_SUMS],
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

impl StreamSpec {
    /// Checks the spec against the port's buffer size and prepares it for a worker.
    pub(crate) fn compile(&self, max_frame: usize) -> Result<Program> {
        if self.templates.is_empty() {
            return bad("no template frame".into());
        }
        // A size sequence is checked and prepared for as a walk over its smallest to largest.
        let size = match (self.size, self.size_seq.iter().min(), self.size_seq.iter().max()) {
            (Some(_), Some(_), _) => return bad("size and size_seq exclude each other".into()),
            (None, Some(&min), Some(&max)) => Some(SizeWalk {
                start: self.size_seq[0],
                min,
                max,
                step: 1,
            }),
            (size, ..) => size,
        };
        if let TxMode::Bursts { size: 0, .. } = self.mode {
            return bad("bursts of 0 packets".into());
        }
        if !(1..=256).contains(&self.burst) {
            return bad(format!("burst {} is outside 1..=256", self.burst));
        }
        match self.rate {
            Rate::Percent(p) if !(p > 0.0 && p <= 100.0) => {
                return bad(format!("rate {p}% is outside (0, 100]"));
            }
            Rate::Pps(p) | Rate::Bps(p) if !(p > 0.0 && p.is_finite()) => {
                return bad(format!("rate {p} must be a positive number"));
            }
            _ => {}
        }
        if let Some(s) = size {
            if s.min > s.max || s.start < s.min || s.start > s.max {
                return bad(format!(
                    "size walk start {} min {} max {} is not min <= start <= max",
                    s.start, s.min, s.max
                ));
            }
            check_len(s.min as usize, max_frame, "size")?;
            check_len(s.max as usize, max_frame, "size")?;
        }
        for f in &self.fields {
            if ![1, 2, 4, 6].contains(&f.width) {
                return bad(format!(
                    "field at offset {} has width {}; use 1, 2, 4 or 6 bytes",
                    f.offset, f.width
                ));
            }
            let lim = if f.width == 8 {
                u64::MAX
            } else {
                (1u64 << (8 * f.width as u32)) - 1
            };
            let ok = match f.op {
                FieldOp::Walk {
                    start,
                    min,
                    max,
                    step,
                } => min <= start && start <= max && max <= lim && step.unsigned_abs() <= 1 << 48,
                FieldOp::Random { keep, set, random } => {
                    keep & set == 0 && keep & random == 0 && set & random == 0 && (keep | set | random) <= lim
                }
            };
            if !ok {
                return bad(format!(
                    "field at offset {} ({} bytes): {:?} does not fit (walks need min <= start <= max <= {lim} and |step| <= 2^48; random masks must not overlap)",
                    f.offset, f.width, f.op
                ));
            }
        }
        let mut templates = Vec::with_capacity(self.templates.len());
        let mut max_len = 0;
        let mut wire = 0.0;
        for (i, t) in self.templates.iter().enumerate() {
            let p = prepare(i, t, &self.fields, size, self.stamp_every.is_some(), max_frame)?;
            max_len = max_len.max(p.data.len());
            wire += (p.len + WIRE_OVERHEAD) as f64;
            templates.push(p);
        }
        let mut mean_wire_bytes = wire / self.templates.len() as f64;
        if !self.size_seq.is_empty() {
            let sum: f64 = self.size_seq.iter().map(|&l| f64::from(l)).sum();
            mean_wire_bytes = sum / self.size_seq.len() as f64 + WIRE_OVERHEAD as f64;
        } else if let Some(s) = size {
            // The walk visits min..=max evenly over a cycle when it steps; else it stays at start.
            mean_wire_bytes = if s.step == 0 {
                s.start as f64
            } else {
                (s.min as f64 + s.max as f64) / 2.0
            } + WIRE_OVERHEAD as f64;
        }
        if !self.gaps_ns.is_empty() && self.gaps_ns.len() != self.templates.len() {
            return bad(format!(
                "gaps_ns has {} entries for {} templates",
                self.gaps_ns.len(),
                self.templates.len()
            ));
        }
        if self.stamp_every == Some(0) {
            return bad("stamp_every must be at least 1 (1 stamps every packet)".into());
        }
        let mode = if self.templates.len() > 1 || size.is_some() || templates[0].full_recompute {
            Mode::PerPacket
        } else if self.fields.is_empty() && self.stamp_every.is_none() {
            Mode::Fixed
        } else {
            Mode::Columns
        };
        let linear = if mode == Mode::Columns {
            Linear::plan(&self.fields, &templates[0], 1)
        } else {
            None
        };
        // Streams the linear plan cannot take (random fields, more than it holds) go per packet.
        let mode = match (&linear, mode) {
            (None, Mode::Columns) => Mode::PerPacket,
            (Some(l), Mode::Columns) if l.nf == 0 => Mode::FixedStamped,
            _ => mode,
        };
        Ok(Program {
            templates: templates.into(),
            fields: self.fields.clone().into(),
            size,
            size_seq: self.size_seq.clone().into(),
            count: self.count,
            burst: self.burst,
            max_len,
            mean_wire_bytes,
            mode,
            stamp_every: self.stamp_every.unwrap_or(0),
            stamp_stream: 0,
            stamp_backdate: 0,
            linear,
            stride: 1,
        })
    }
}

fn check_len(len: usize, max_frame: usize, what: &str) -> Result<()> {
    if len < MIN_FRAME || len > max_frame {
        return bad(format!(
            "{what} {len} bytes (without FCS) is outside {MIN_FRAME}..={max_frame}; frame sizes with FCS are 64..={}",
            max_frame + 4
        ));
    }
    Ok(())
}

fn prepare(
    i: usize,
    t: &Template,
    fields: &[Field],
    size: Option<SizeWalk>,
    stamp: bool,
    max_frame: usize,
) -> Result<PreparedTemplate> {
    let len = t.data.len();
    // With a size walk the template may be shorter than the smallest frame: only its top counts.
    if size.is_none() || len > max_frame {
        check_len(len, max_frame, &format!("template {i}"))?;
    }
    let min_len = size.map_or(len, |s| s.min as usize);
    let cap = size.map_or(len, |s| (s.max as usize).max(len));
    let mut data = vec![0u8; cap];
    data[..len].copy_from_slice(&t.data);
    for f in fields {
        if f.offset as usize + f.width as usize > min_len {
            return bad(format!(
                "field at offset {} ({} bytes) goes past the end of a {min_len}-byte frame",
                f.offset, f.width
            ));
        }
    }
    for l in &t.lengths {
        if l.offset as usize + 2 > min_len {
            return bad(format!(
                "length field at offset {} goes past the end of a {min_len}-byte frame",
                l.offset
            ));
        }
    }
    for c in &t.checksums {
        let need = match *c {
            Checksum::Ipv4Header(o) => o as usize + 20,
            _ => c.field_offset() + 2,
        };
        let l3_ok = match *c {
            Checksum::Ipv4Header(o) => data.get(o as usize).is_some_and(|b| b >> 4 == 4),
            _ => data.get(c.l3()).is_some_and(|b| matches!(b >> 4, 4 | 6)),
        };
        if need > min_len || !l3_ok {
            return bad(format!(
                "template {i}: {c:?} does not point at an IPv4/IPv6 packet inside the frame"
            ));
        }
    }
    let start = size.map_or(len, |s| s.start as usize);
    // The stored bytes are what a fresh mbuf gets: fields at their first values, lengths and
    // checksums right for the first size.
    for f in fields {
        let v = match f.op {
            FieldOp::Walk { start, .. } => start,
            FieldOp::Random { .. } => read_be(&data, f.offset as usize, f.width as usize),
        };
        put_be(&mut data, f.offset as usize, f.width, v);
    }
    for l in &t.lengths {
        let v = start.saturating_sub(l.adjust as usize) as u16;
        data[l.offset as usize..l.offset as usize + 2].copy_from_slice(&v.to_be_bytes());
    }
    if stamp && start >= STAMP_LEN {
        // A buffer given the template keeps its checksums while stamps come and go: they are
        // right for any stamp (stamps sum to 0) if they are right for a zeroed one.
        data[start - STAMP_LEN..start].fill(0);
    }
    for c in &t.checksums {
        c.apply(&mut data[..start]);
    }
    let frame = &data[..start];
    // Byte spans rewritten per packet: the fields, then the stamp (the last 16 bytes).
    let mut spans: Vec<(usize, usize)> = fields
        .iter()
        .map(|f| (f.offset as usize, f.offset as usize + f.width as usize))
        .collect();
    if stamp {
        let at = min_len.saturating_sub(STAMP_LEN);
        let protected = fields
            .iter()
            .map(|f| (f.offset as usize, f.width as usize, "a field"))
            .chain(t.lengths.iter().map(|l| (l.offset as usize, 2, "a length field")))
            .chain(t.checksums.iter().map(|c| (c.field_offset(), 2, "a checksum")))
            .chain(t.checksums.iter().map(|c| (c.l3(), 20, "an IP header")));
        for (o, w, what) in protected {
            if o + w > at {
                return bad(format!(
                    "template {i}: the latency stamp (the last {STAMP_LEN} bytes of a {min_len}-byte frame) overlaps {what} at offset {o}; make the frame larger"
                ));
            }
        }
        spans.push((start - STAMP_LEN, start));
    }
    let mut full_recompute = t.checksums.len() > MAX_SUMS;
    for (i, &(a, b)) in spans.iter().enumerate() {
        for &(c, d) in &spans[i + 1..] {
            if a < d && c < b {
                full_recompute = true;
            }
        }
    }
    let mut targets = Vec::with_capacity(spans.len());
    for &(a, b) in &spans {
        let mut tg = Targets::default();
        for (k, c) in t.checksums.iter().enumerate().take(MAX_SUMS) {
            let csum_at = c.field_offset();
            let l3 = c.l3();
            let len_at = if frame[l3] >> 4 == 6 { l3 + 4 } else { l3 + 2 };
            let overlaps = |s: usize, e: usize| a < e && s < b;
            if overlaps(csum_at, csum_at + 2) || overlaps(len_at, len_at + 2) {
                full_recompute = true;
            }
            for (s, e) in c.coverage(frame) {
                if !overlaps(s, e) {
                    continue;
                }
                if a < s || b > e {
                    full_recompute = true; // spans a region boundary
                }
                if (a - s.min(a)) % 2 == 1 {
                    tg.odd[k] = u64::MAX;
                } else {
                    tg.even[k] = u64::MAX;
                }
            }
        }
        targets.push(tg);
    }
    if stamp {
        // A stamp adds nothing to a checksum that covers all of it (its words sum to 0), so it
        // needs no targets; one straddling a summed region's end has set `full_recompute`.
        targets.pop();
    }
    // Nested checksums (an outer one summing an inner one's bytes) cannot follow fields alone.
    for c in &t.checksums {
        for d in &t.checksums {
            if c != d
                && d.coverage(frame)
                    .iter()
                    .any(|&(s, e)| s <= c.field_offset() && c.field_offset() < e)
            {
                full_recompute = true;
            }
        }
    }
    let sums = if full_recompute {
        Vec::new()
    } else {
        let mut zeroed = frame.to_vec();
        for &(a, b) in &spans {
            zeroed[a..b].fill(0);
        }
        for c in &t.checksums {
            zeroed[c.field_offset()..c.field_offset() + 2].fill(0);
        }
        t.checksums
            .iter()
            .map(|c| CsumBase {
                at: c.field_offset(),
                base: c.sum_with_coverage(&zeroed, c.coverage(frame)),
                udp: matches!(c, Checksum::Udp { .. }),
            })
            .collect()
    };
    let mut bases = [0; MAX_SUMS];
    for (k, c) in sums.iter().enumerate() {
        bases[k] = c.base;
    }
    Ok(PreparedTemplate {
        bases,
        data: data.into(),
        len: start,
        checksums: t.checksums.clone().into(),
        lengths: t.lengths.clone().into(),
        sums: sums.into(),
        targets: targets.into(),
        full_recompute,
    })
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
                cur.values[fi] = walk_far(cur.values[fi], min, max, step, n);
            }
        }
    }
}

/// Per-stream state a worker keeps between packets: the next template, field values and size.
#[derive(Debug)]
pub(crate) struct Cursor {
    pub template: usize,
    pub values: Box<[u64]>,
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
    /// A cursor at the stream's first packet.
    pub(crate) fn cursor(&self, seed: u64) -> Cursor {
        let values = self
            .fields
            .iter()
            .map(|f| match f.op {
                FieldOp::Walk { start, .. } => start,
                // Random fields keep their `keep` bits from the (first) template.
                FieldOp::Random { .. } => {
                    read_be(&self.templates[0].data, f.offset as usize, f.width as usize)
                }
            })
            .collect();
        Cursor {
            template: 0,
            values,
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
                FieldOp::Walk { min, max, step, .. } => {
                    let v = cur.values[fi];
                    cur.values[fi] = walk_n(v, min, max, step, self.stride);
                    v
                }
                FieldOp::Random { keep, set, random } => {
                    cur.rng ^= cur.rng << 13;
                    cur.rng ^= cur.rng >> 7;
                    cur.rng ^= cur.rng << 17;
                    (cur.values[fi] & keep) | set | (cur.rng & random)
                }
            };
            put_be(frame, f.offset as usize, f.width, v);
            if !full {
                // Branch-free so the sums stay in registers: each mask is all ones or zero.
                let c = contribution(v, f.width);
                let swapped = u64::from(csum::fold(c).swap_bytes());
                let tg = &t.targets[fi];
                for ((sum, even), odd) in sums.iter_mut().zip(tg.even).zip(tg.odd) {
                    *sum += (c & even) + (swapped & odd);
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
                let mut v = !csum::fold(sums[k]);
                if v == 0 && c.udp {
                    v = 0xffff;
                }
                frame[c.at..c.at + 2].copy_from_slice(&v.to_be_bytes());
            }
        }
        len
    }
}

impl Cursor {
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
const M: u32 = 65535;

#[inline(always)]
fn addm(a: u32, b: u32) -> u32 {
    let s = a + b;
    if s >= M { s - M } else { s }
}

/// `x * mult` modulo 65535, for `x < 65535` and `mult` of 0, 1 or 256.
#[inline(always)]
fn mulm(x: u32, mult: u32) -> u32 {
    let y = x * mult;
    let y = (y & 0xffff) + (y >> 16);
    if y >= M { y - M } else { y }
}

#[inline(always)]
fn modm(v: u64) -> u32 {
    (v % u64::from(M)) as u32
}

/// Fields at most [`Linear`] handles.
const LINEAR_FIELDS: usize = 4;

/// The plan of [`Program::build_burst`]: fields that all walk, with what each adds per step to
/// each checksum, modulo 65535.
#[derive(Debug, Clone)]
pub(crate) struct Linear {
    nf: usize,
    nk: usize,
    off: [usize; LINEAR_FIELDS],
    width: [u8; LINEAR_FIELDS],
    min: [u64; LINEAR_FIELDS],
    max: [u64; LINEAR_FIELDS],
    /// What a field gains per packet between wraps: its step times the stride.
    step: [i64; LINEAR_FIELDS],
    /// The field's own step, and the program's stride, for the packet where it wraps.
    unit: [i64; LINEAR_FIELDS],
    stride: u32,
    /// `mult[f][k]`: 0 when field f is outside checksum k, else 1 or 256 (its byte alignment).
    mult: [[u32; MAX_SUMS]; LINEAR_FIELDS],
    /// What one step of every field adds to checksum k.
    inc: [u32; MAX_SUMS],
    base: [u32; MAX_SUMS],
    at: [usize; MAX_SUMS],
    udp: [bool; MAX_SUMS],
    /// Where the stamp goes.
    stamp_at: usize,
}

impl Linear {
    fn plan(fields: &[Field], t: &PreparedTemplate, stride: u32) -> Option<Linear> {
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
            l.base[k] = modm(c.base);
            l.at[k] = c.at;
            l.udp[k] = c.udp;
        }
        for (f, fd) in fields.iter().enumerate() {
            let FieldOp::Walk { min, max, step, .. } = fd.op else {
                return None;
            };
            l.off[f] = fd.offset as usize;
            l.width[f] = fd.width;
            let step_n = step * i64::from(stride);
            (l.min[f], l.max[f], l.step[f], l.unit[f]) = (min, max, step_n, step);
            for k in 0..l.nk {
                let tg = &t.targets[f];
                // A value's words sum to the value itself mod 65535 at an even position (a single
                // byte there is the high byte: x 256), and to its byte swap (x 256) at an odd one.
                let (even, odd) = if fd.width == 1 { (256, 1) } else { (1, 256) };
                l.mult[f][k] = if tg.even[k] != 0 {
                    even
                } else if tg.odd[k] != 0 {
                    odd
                } else {
                    0
                };
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
        let mut i = 0;
        while i < n {
            // Packets until some field wraps: between wraps each packet just adds constants.
            let mut free = u64::MAX;
            for f in 0..nf {
                let st = l.step[f];
                let room = if st > 0 {
                    (l.max[f] - v[f]) / st as u64
                } else if st < 0 {
                    (v[f] - l.min[f]) / st.unsigned_abs()
                } else {
                    u64::MAX
                };
                free = free.min(room);
            }
            let end = n.min(i.saturating_add(usize::try_from(free).unwrap_or(usize::MAX)));
            while i < end {
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
fn walk_far(v: u64, min: u64, max: u64, step: i64, n: u64) -> u64 {
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
fn walk_next(v: u64, min: u64, max: u64, step: i64) -> u64 {
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
fn put_be(d: &mut [u8], at: usize, w: u8, v: u64) {
    match w {
        1 => d[at] = v as u8,
        2 => d[at..at + 2].copy_from_slice(&(v as u16).to_be_bytes()),
        4 => d[at..at + 4].copy_from_slice(&(v as u32).to_be_bytes()),
        _ => d[at..at + 6].copy_from_slice(&v.to_be_bytes()[2..]),
    }
}

/// The words a `w`-byte big-endian value adds to a checksum when it starts at an even position.
#[inline(always)]
fn contribution(v: u64, w: u8) -> u64 {
    match w {
        1 => v << 8,
        2 => v,
        4 => (v >> 16) + (v & 0xffff),
        _ => (v >> 32) + ((v >> 16) & 0xffff) + (v & 0xffff),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn udp_template() -> Template {
        let mut d = vec![0u8; 60];
        d[12..14].copy_from_slice(&[0x08, 0x00]);
        d[14] = 0x45;
        d[23] = 17;
        Template {
            data: d,
            checksums: vec![Checksum::Udp { l3: 14, l4: 34 }, Checksum::Ipv4Header(14)],
            lengths: vec![
                LengthField {
                    offset: 16,
                    adjust: 14,
                },
                LengthField {
                    offset: 38,
                    adjust: 34,
                },
            ],
        }
    }

    /// The linear and per-packet builders give identical bytes, and every checksum verifies.
    #[test]
    fn linear_matches_per_packet_and_verifies() {
        let spec = StreamSpec {
            templates: vec![udp_template()],
            fields: vec![
                Field::walk(30, 4, 0xc0a8_0101, 0xc0a8_01fe, 1),
                Field::walk(34, 2, 0, 65535, 7),
                Field::walk(43, 1, 0, 255, 3),
                Field::walk(44, 6, 1, 1 << 40, 99),
            ],
            ..Default::default()
        };
        let prog = spec.compile(2048).expect("compiles");
        assert_eq!(prog.mode, Mode::Columns);
        let (mut c1, mut c2) = (prog.cursor(1), prog.cursor(1));
        let mut scratch = Vec::new();
        for _ in 0..20 {
            let mut a: Vec<Vec<u8>> = (0..64).map(|_| prog.templates[0].data.to_vec()).collect();
            let mut b = a.clone();
            prog.build_burst(&mut c1, &mut FrameSet::over(&mut a, &mut scratch), 0);
            for f in b.iter_mut() {
                prog.build(&mut c2, f, false, 0);
            }
            assert_eq!(a, b);
            for f in &a {
                assert_eq!(
                    csum::fold(csum::add(0, &f[14..34])),
                    0xffff,
                    "IPv4 header checksum"
                );
                let pseudo = csum::add(17 + 26, &f[26..34]);
                assert_eq!(csum::fold(csum::add(pseudo, &f[34..60])), 0xffff, "UDP checksum");
            }
        }
    }

    /// 64 packets built a packet at a time from `cur` with the TSC `tsc`, and 64 fresh copies of
    /// the template (for another builder to write).
    fn per_packet_burst(prog: &Program, cur: &mut Cursor, tsc: u64) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
        let fresh: Vec<Vec<u8>> = (0..64).map(|_| prog.templates[0].data.to_vec()).collect();
        let mut built = fresh.clone();
        for f in built.iter_mut() {
            prog.build(cur, f, false, tsc);
        }
        (built, fresh)
    }

    /// Checks the IPv4 header and UDP checksums of 80-byte frames of `udp_template`.
    fn check_udp80(frames: &[Vec<u8>]) {
        for f in frames {
            assert_eq!(
                csum::fold(csum::add(0, &f[14..34])),
                0xffff,
                "IPv4 header checksum"
            );
            let pseudo = csum::add(17 + 46, &f[26..34]);
            assert_eq!(
                csum::fold(csum::add(pseudo, &f[34..80])),
                0xffff,
                "UDP checksum with the stamp"
            );
        }
    }

    /// Stamps written by the linear builder equal the per-packet builder's.
    #[test]
    fn linear_stamps_match_per_packet_stamps() {
        let mut t = udp_template();
        t.data.resize(80, b'x');
        let spec = StreamSpec {
            templates: vec![t],
            fields: vec![
                Field::walk(30, 4, 0xc0a8_0101, 0xc0a8_0108, 1),
                Field::walk(35, 1, 0, 255, 5),
            ],
            stamp_every: Some(3),
            ..Default::default()
        };
        let mut prog = spec.compile(1514).expect("compiles");
        prog.stamp_stream = 0x1405;
        assert!(prog.linear.is_some());
        let (mut c1, mut c2) = (prog.cursor(1), prog.cursor(1));
        let mut scratch = Vec::new();
        for round in 0..10u64 {
            let tsc = 0x1234_5678_9abc + round * 977;
            let (a, mut b) = per_packet_burst(&prog, &mut c1, tsc);
            prog.build_burst(&mut c2, &mut FrameSet::over(&mut b, &mut scratch), tsc);
            assert_eq!(a, b, "round {round}");
            check_udp80(&b);
        }
    }

    /// The stamps of a fixed template, running or stepped, equal the per-packet builder's; the
    /// template's checksums stay right with any stamp in it.
    #[test]
    fn fixed_stamps_match_per_packet_stamps() {
        let mut t = udp_template();
        t.data.resize(80, b'x');
        for every in [1, 3] {
            let spec = StreamSpec {
                templates: vec![t.clone()],
                stamp_every: Some(every),
                ..Default::default()
            };
            let mut prog = spec.compile(1514).expect("compiles");
            assert_eq!(prog.mode, Mode::FixedStamped);
            prog.stamp_stream = 0x0c05;
            let (mut c1, mut c2) = (prog.cursor(1), prog.cursor(1));
            // Start near the sequence and balance wraps, so that both ways are taken.
            c1.seq = u32::MAX - 100;
            c2.seq = u32::MAX - 100;
            for round in 0..20u64 {
                let tsc = 0x1234_5678_9abc + round * 977;
                let (a, mut b) = per_packet_burst(&prog, &mut c1, tsc);
                let mut st = prog.fixed_stamps(&c2, b.len(), tsc);
                match &st {
                    FixedStamps::Running(r) => {
                        for (i, f) in b.iter_mut().enumerate() {
                            let k = i as u64;
                            let v = [
                                r.value[0].wrapping_add(r.step[0].wrapping_mul(k)),
                                r.value[1].wrapping_add(r.step[1].wrapping_mul(k)),
                            ];
                            f[r.at..r.at + 8].copy_from_slice(&v[0].to_le_bytes());
                            f[r.at + 8..r.at + 16].copy_from_slice(&v[1].to_le_bytes());
                        }
                        if let FixedStamps::Running(r) = &mut st {
                            for k in 0..2 {
                                r.value[k] = r.value[k].wrapping_add(r.step[k].wrapping_mul(64));
                            }
                        }
                    }
                    FixedStamps::Stepped { .. } => b.iter_mut().for_each(|f| st.write(&mut c2, f)),
                }
                st.finish(&mut c2);
                assert_eq!(a, b, "every {every}, round {round}");
                check_udp80(&b);
            }
        }
    }

    /// A walk `n` packets on in one step equals `n` single steps, both ways, past several wraps.
    #[test]
    fn walk_far_matches_walking() {
        for (start, min, max, step) in [
            (7, 5, 17, 3),
            (1000, 990, 1004, -4),
            (0, 0, 255, 1),
            (9, 3, 9, 0),
            (4, 4, 4, 7),
        ] {
            let mut v = start;
            for n in 0..200u64 {
                assert_eq!(
                    walk_far(start, min, max, step, n),
                    v,
                    "start {start} min {min} max {max} step {step}, n {n}"
                );
                v = walk_next(v, min, max, step);
            }
        }
    }

    /// Queue q of Q, from the shared program with `skip(q)`, builds exactly packets q, q + Q,
    /// q + 2Q, ... of the stream one queue builds: field walks that wrap (stepping both ways),
    /// a size walk and a sequence of templates alike, in both builders.
    #[test]
    fn queue_shares_interleave_into_the_single_queue_stream() {
        let walk = |offset, width, start: u64, min: u64, max: u64, step| Field {
            offset,
            width,
            op: FieldOp::Walk {
                start,
                min,
                max,
                step,
            },
        };
        let fields = vec![walk(30, 4, 7, 5, 17, 3), walk(34, 2, 1000, 990, 1004, -4)];
        let mut seq2 = udp_template();
        seq2.data[23] = 17;
        seq2.data[40] = 0x77;
        let specs = [
            StreamSpec {
                templates: vec![udp_template()],
                fields: fields.clone(),
                ..Default::default()
            },
            StreamSpec {
                templates: vec![udp_template(), seq2],
                fields: fields.clone(),
                size: Some(SizeWalk {
                    start: 64,
                    min: 60,
                    max: 71,
                    step: 5,
                }),
                ..Default::default()
            },
        ];
        for (k, spec) in specs.iter().enumerate() {
            let one = spec.compile(1514).expect("compiles");
            assert_eq!(one.mode, if k == 0 { Mode::Columns } else { Mode::PerPacket });
            let build_n = |prog: &Program, cur: &mut Cursor, n: usize| -> Vec<Vec<u8>> {
                let mut out = Vec::new();
                let mut scratch = Vec::new();
                while out.len() < n {
                    let mut burst: Vec<Vec<u8>> = (0..7).map(|_| prog.templates[0].data.to_vec()).collect();
                    if prog.mode == Mode::Columns {
                        prog.build_burst(cur, &mut FrameSet::over(&mut burst, &mut scratch), 0);
                    } else {
                        for f in burst.iter_mut() {
                            let len = prog.build(cur, f, true, 0);
                            f.truncate(len);
                        }
                    }
                    out.extend(burst);
                }
                out.truncate(n);
                out
            };
            let all = build_n(&one, &mut one.cursor(1), 400);
            for nq in [2u32, 3, 4] {
                for q in 0..nq {
                    let share = one.share(nq, 0);
                    let mut cur = share.cursor(1);
                    share.skip(&mut cur, u64::from(q));
                    let mine = build_n(&share, &mut cur, 400 / nq as usize - 1);
                    for (i, p) in mine.iter().enumerate() {
                        let at = q as usize + i * nq as usize;
                        assert_eq!(
                            p, &all[at],
                            "spec {k}, queue {q} of {nq}, its packet {i} (the stream's {at})"
                        );
                    }
                }
            }
        }
    }

    /// Not a test: `cargo test --release -p engine -- --ignored --nocapture build_speed` prints the
    /// builders' speed on plain memory (no DPDK), to tell building from buffer handling.
    #[test]
    #[ignore]
    fn build_speed() {
        let spec = StreamSpec {
            templates: vec![udp_template()],
            fields: vec![
                Field::walk(30, 4, 0xc0a8_0101, 0xc0a8_01fe, 1),
                Field::walk(34, 2, 0, 65535, 1),
            ],
            ..Default::default()
        };
        let prog = spec.compile(2048).expect("compiles");
        let mut cur = prog.cursor(1);
        let mut bufs: Vec<Vec<u8>> = (0..64).map(|_| prog.templates[0].data.to_vec()).collect();
        let mut scratch = Vec::new();
        let rounds = 200_000;
        let t = std::time::Instant::now();
        for _ in 0..rounds {
            prog.build_burst(&mut cur, &mut FrameSet::over(&mut bufs, &mut scratch), 0);
        }
        let lin = (rounds * 64) as f64 / t.elapsed().as_secs_f64() / 1e6;
        let t = std::time::Instant::now();
        for _ in 0..rounds {
            for f in bufs.iter_mut() {
                prog.build(&mut cur, f, false, 0);
            }
        }
        let pp = (rounds * 64) as f64 / t.elapsed().as_secs_f64() / 1e6;
        println!("linear {lin:.0} Mpps, per packet {pp:.0} Mpps");
    }
}
