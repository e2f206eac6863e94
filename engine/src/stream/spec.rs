//! Stage 1, the spec: what a port transmits as the user describes it (template frames, field
//! modifiers, a size walk, checksum and length fix-ups, a rate, a count) and its validation.
//! Pure Rust; [`super::compile`] turns a valid spec into a [`super::program::Program`].

use super::layout::MIN_FRAME;
use crate::csum;
use crate::error::{Error, Result};

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
    /// `(current & keep) | (r << shift)` with `r` drawn uniformly from `min..=max` for every
    /// packet: a field with bounds that are not a bit mask (ports 1024..65535), or one that sits
    /// above other bits in its bytes (a VLAN priority, a DSCP).
    Uniform {
        /// Smallest value drawn.
        min: u64,
        /// Largest value drawn.
        max: u64,
        /// Bits below the drawn value (its position in the field's bytes).
        shift: u8,
        /// Bits of the template kept as they are; they do not overlap `max << shift`.
        keep: u64,
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
    /// The field changes every `every` packets of the stream (1: every packet) and keeps its
    /// value in between; counted over the whole stream, whichever queue sends the packet.
    pub every: u32,
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
            every: 1,
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

pub(super) fn bad<T>(msg: String) -> Result<T> {
    Err(Error::Stream(msg))
}

impl Checksum {
    pub(super) fn field_offset(self) -> usize {
        match self {
            Checksum::Ipv4Header(o) => o as usize + 10,
            Checksum::Udp { l4, .. } => l4 as usize + 6,
            Checksum::Tcp { l4, .. } => l4 as usize + 16,
            Checksum::Icmp { l4, .. } | Checksum::Icmpv6 { l4, .. } => l4 as usize + 2,
        }
    }

    pub(super) fn l3(self) -> usize {
        match self {
            Checksum::Ipv4Header(o) => o as usize,
            Checksum::Udp { l3, .. }
            | Checksum::Tcp { l3, .. }
            | Checksum::Icmp { l3, .. }
            | Checksum::Icmpv6 { l3, .. } => l3 as usize,
        }
    }

    /// The byte ranges whose words this checksum sums, read from `frame`.
    pub(super) fn coverage(self, frame: &[u8]) -> [(usize, usize); 2] {
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
    pub(super) fn sum_with_coverage(self, frame: &[u8], cov: [(usize, usize); 2]) -> u64 {
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

impl StreamSpec {
    /// Checks the spec against the largest frame the port sends; the size walk it asks for (a
    /// size sequence is checked and prepared for as a walk over its smallest to largest).
    pub(super) fn validate(&self, max_frame: usize) -> Result<Option<SizeWalk>> {
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
            Rate::Pps(p) if !(p > 0.0 && p.is_finite()) => {
                return bad(format!("rate {p} pps is outside (0, inf)"));
            }
            Rate::Bps(b) if !(b > 0.0 && b.is_finite()) => {
                return bad(format!("rate {b} bps is outside (0, inf)"));
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
                FieldOp::Uniform {
                    min,
                    max,
                    shift,
                    keep,
                } => {
                    let top = max.checked_shl(shift.into()).filter(|t| t >> shift == max);
                    min <= max && top.is_some_and(|t| t & keep == 0 && (t | keep) <= lim)
                }
            };
            if !ok {
                return bad(format!(
                    "field at offset {} ({} bytes): {:?} does not fit (walks need min <= start <= max <= {lim} and |step| <= 2^48; random masks must not overlap; uniform draws need min <= max with max << shift inside the field, clear of keep)",
                    f.offset, f.width, f.op
                ));
            }
            if f.every == 0 {
                return bad(format!(
                    "field at offset {}: every must be at least 1 (1 changes it in every packet)",
                    f.offset
                ));
            }
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
        Ok(size)
    }
}

impl Template {
    /// Checks template `i` against the fields, the size walk and the largest frame: every field,
    /// length and checksum inside the smallest frame sent, every checksum at an IP header.
    pub(super) fn check(
        &self,
        i: usize,
        fields: &[Field],
        size: Option<SizeWalk>,
        max_frame: usize,
    ) -> Result<()> {
        let t = self;
        let len = t.data.len();
        // With a size walk the template may be shorter than the smallest frame: only its top counts.
        if size.is_none() || len > max_frame {
            check_len(len, max_frame, &format!("template {i}"))?;
        }
        let min_len = size.map_or(len, |s| s.min as usize);
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
                // The header's own length (IHL), which the checksum covers, at least 20 bytes.
                Checksum::Ipv4Header(o) => {
                    let ihl = t.data.get(o as usize).map_or(0, |b| usize::from(b & 0xf) * 4);
                    o as usize + ihl.max(20)
                }
                _ => c.field_offset() + 2,
            };
            let l3_ok = match *c {
                Checksum::Ipv4Header(o) => t.data.get(o as usize).is_some_and(|b| b >> 4 == 4),
                _ => t.data.get(c.l3()).is_some_and(|b| matches!(b >> 4, 4 | 6)),
            };
            if need > min_len || !l3_ok {
                return bad(format!(
                    "template {i}: {c:?} does not point at an IPv4/IPv6 packet inside the frame"
                ));
            }
        }
        Ok(())
    }

    /// The frame as sent on its own (`engine.frame`): its length fields set to its length less
    /// their adjust, then its checksums computed, in order (inner before outer).
    ///
    /// # Errors
    /// A fix-up that does not fit the frame ([`Template::check`]'s messages).
    pub fn finished(&self) -> Result<Vec<u8>> {
        let len = self.data.len();
        let size = SizeWalk {
            start: len as u16,
            min: len as u16,
            max: len as u16,
            step: 0,
        };
        // A frame sent once may be shorter than a stream's smallest: check the fix-ups only.
        self.check(0, &[], Some(size), len.max(MIN_FRAME))?;
        let mut data = self.data.clone();
        for l in &self.lengths {
            let v = len.saturating_sub(l.adjust as usize) as u16;
            data[l.offset as usize..l.offset as usize + 2].copy_from_slice(&v.to_be_bytes());
        }
        for c in &self.checksums {
            c.apply(&mut data);
        }
        Ok(data)
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
