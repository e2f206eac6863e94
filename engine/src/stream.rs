//! What a port transmits: template frames, per-packet field modifiers, a size walk, checksum and
//! length fix-ups, a rate and a count. Pure Rust: validated here, compiled into a [`Program`] that
//! the TX worker runs without allocating.

use crate::csum;
use crate::error::{Error, Result};

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
}

impl Default for StreamSpec {
    fn default() -> Self {
        StreamSpec { templates: Vec::new(), fields: Vec::new(), size: None, rate: Rate::Percent(100.0), count: 0, burst: 32 }
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
            Checksum::Ipv4Header(o) => [(o as usize, o as usize + usize::from(frame[o as usize] & 0xf) * 4), (0, 0)],
            Checksum::Icmp { l4, .. } => [(l4 as usize, ip_end), (0, 0)],
            Checksum::Udp { l4, .. } | Checksum::Tcp { l4, .. } | Checksum::Icmpv6 { l4, .. } => {
                let addrs = if frame[l3] >> 4 == 6 { (l3 + 8, l3 + 40) } else { (l3 + 12, l3 + 20) };
                [(l4 as usize, ip_end), addrs]
            }
        }
    }

    /// Computes the checksum of `frame` and stores it in place.
    pub fn apply(self, frame: &mut [u8]) {
        let at = self.field_offset();
        frame[at] = 0;
        frame[at + 1] = 0;
        let value = match self {
            Checksum::Ipv4Header(_) | Checksum::Icmp { .. } => {
                let [(a, b), _] = self.coverage(frame);
                csum::checksum(0, &frame[a..b])
            }
            Checksum::Udp { l4, .. } | Checksum::Tcp { l4, .. } | Checksum::Icmpv6 { l4, .. } => {
                let proto: u64 = match self {
                    Checksum::Udp { .. } => 17,
                    Checksum::Tcp { .. } => 6,
                    _ => 58,
                };
                let [(a, b), (s, e)] = self.coverage(frame);
                let len = (b - l4 as usize) as u64;
                let pseudo = csum::add(proto + len, &frame[s..e]);
                let c = csum::checksum(pseudo, &frame[a..b]);
                if c == 0 && matches!(self, Checksum::Udp { .. }) { 0xffff } else { c }
            }
        };
        frame[at..at + 2].copy_from_slice(&value.to_be_bytes());
    }
}

/// End of the IP packet that starts at `l3`, from its own length field, bounded by the frame.
fn ip_end(frame: &[u8], l3: usize) -> usize {
    let rd = |o: usize| usize::from(u16::from_be_bytes([frame[o], frame[o + 1]]));
    let end = if frame[l3] >> 4 == 6 { l3 + 40 + rd(l3 + 4) } else { l3 + rd(l3 + 2) };
    end.min(frame.len())
}

impl FieldOp {
    /// The value after `v` (a walk), or `v` redrawn with random bits `r` (random).
    #[inline]
    pub fn next(&self, v: u64, r: u64) -> u64 {
        match *self {
            FieldOp::Walk { min, max, step, .. } => {
                let n = v as i128 + step as i128;
                if n > max as i128 {
                    min
                } else if n < min as i128 {
                    max
                } else {
                    n as u64
                }
            }
            FieldOp::Random { keep, set, random } => (v & keep) | set | (r & random),
        }
    }
}

/// A template prepared for the worker: padded to the largest size it is sent at, checksums and
/// lengths already right, and for each field the checksums it can update incrementally.
#[derive(Debug)]
pub(crate) struct PreparedTemplate {
    pub data: Box<[u8]>,
    pub len: usize,
    pub checksums: Box<[Checksum]>,
    pub lengths: Box<[LengthField]>,
    /// `incr[f]`: field offsets of the checksums that field `f` updates incrementally.
    pub incr: Box<[Box<[usize]>]>,
    /// A field touches a checksum whose words it cannot update alone: recompute all per packet.
    pub full_recompute: bool,
}

/// A validated, compiled stream: what a TX worker runs.
#[derive(Debug)]
pub(crate) struct Program {
    pub templates: Box<[PreparedTemplate]>,
    pub fields: Box<[Field]>,
    pub size: Option<SizeWalk>,
    pub count: u64,
    pub burst: u16,
    /// Bytes each mbuf must hold (largest size sent).
    pub max_len: usize,
    /// Mean bytes on the wire per packet, for pacing.
    pub mean_wire_bytes: f64,
    /// Whether anything in a packet changes from one to the next.
    pub per_packet: bool,
}

impl StreamSpec {
    /// Checks the spec against the port's buffer size and prepares it for a worker.
    pub(crate) fn compile(&self, data_room: usize) -> Result<Program> {
        if self.templates.is_empty() {
            return bad("no template frame".into());
        }
        if !(1..=256).contains(&self.burst) {
            return bad(format!("burst {} is outside 1..=256", self.burst));
        }
        match self.rate {
            Rate::Percent(p) if !(p > 0.0 && p <= 100.0) => return bad(format!("rate {p}% is outside (0, 100]")),
            Rate::Pps(p) | Rate::Bps(p) if !(p > 0.0 && p.is_finite()) => {
                return bad(format!("rate {p} must be a positive number"));
            }
            _ => {}
        }
        if let Some(s) = self.size {
            if s.min > s.max || s.start < s.min || s.start > s.max {
                return bad(format!("size walk start {} min {} max {} is not min <= start <= max", s.start, s.min, s.max));
            }
            check_len(s.min as usize, data_room, "size")?;
            check_len(s.max as usize, data_room, "size")?;
        }
        for f in &self.fields {
            if ![1, 2, 4, 6].contains(&f.width) {
                return bad(format!("field at offset {} has width {}; use 1, 2, 4 or 6 bytes", f.offset, f.width));
            }
            let lim = if f.width == 8 { u64::MAX } else { (1u64 << (8 * f.width as u32)) - 1 };
            let ok = match f.op {
                FieldOp::Walk { start, min, max, .. } => min <= start && start <= max && max <= lim,
                FieldOp::Random { keep, set, random } => {
                    keep & set == 0 && keep & random == 0 && set & random == 0 && (keep | set | random) <= lim
                }
            };
            if !ok {
                return bad(format!(
                    "field at offset {} ({} bytes): {:?} does not fit (walks need min <= start <= max <= {lim}; random masks must not overlap)",
                    f.offset, f.width, f.op
                ));
            }
        }
        let mut templates = Vec::with_capacity(self.templates.len());
        let mut max_len = 0;
        let mut wire = 0.0;
        for (i, t) in self.templates.iter().enumerate() {
            let p = prepare(i, t, &self.fields, self.size, data_room)?;
            max_len = max_len.max(p.data.len());
            wire += (p.len + WIRE_OVERHEAD) as f64;
            templates.push(p);
        }
        let mut mean_wire_bytes = wire / self.templates.len() as f64;
        if let Some(s) = self.size {
            // The walk visits min..=max evenly over a cycle when it steps; else it stays at start.
            mean_wire_bytes = if s.step == 0 { s.start as f64 } else { (s.min as f64 + s.max as f64) / 2.0 }
                + WIRE_OVERHEAD as f64;
        }
        let per_packet = self.templates.len() > 1 || !self.fields.is_empty() || self.size.is_some();
        Ok(Program {
            templates: templates.into(),
            fields: self.fields.clone().into(),
            size: self.size,
            count: self.count,
            burst: self.burst,
            max_len,
            mean_wire_bytes,
            per_packet,
        })
    }
}

fn check_len(len: usize, data_room: usize, what: &str) -> Result<()> {
    if len < MIN_FRAME || len > data_room {
        return bad(format!(
            "{what} {len} bytes (without FCS) is outside {MIN_FRAME}..={data_room}; frame sizes with FCS are 64..={}",
            data_room + 4
        ));
    }
    Ok(())
}

fn prepare(i: usize, t: &Template, fields: &[Field], size: Option<SizeWalk>, data_room: usize) -> Result<PreparedTemplate> {
    let len = t.data.len();
    if size.is_none() {
        check_len(len, data_room, &format!("template {i}"))?;
    } else if len > data_room {
        check_len(len, data_room, &format!("template {i}"))?;
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
            return bad(format!("length field at offset {} goes past the end of a {min_len}-byte frame", l.offset));
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
            return bad(format!("template {i}: {c:?} does not point at an IPv4/IPv6 packet inside the frame"));
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
        write_be(&mut data, f.offset as usize, f.width as usize, v);
    }
    for l in &t.lengths {
        let v = start.saturating_sub(l.adjust as usize) as u16;
        data[l.offset as usize..l.offset as usize + 2].copy_from_slice(&v.to_be_bytes());
    }
    for c in &t.checksums {
        c.apply(&mut data[..start]);
    }
    let mut full_recompute = false;
    let mut incr = Vec::with_capacity(fields.len());
    for f in fields {
        let (a, b) = (f.offset as usize, f.offset as usize + f.width as usize);
        let mut list = Vec::new();
        for c in &t.checksums {
            let cov = c.coverage(&data[..start]);
            let touches = cov.iter().any(|&(s, e)| a < e && s < b);
            if !touches {
                continue;
            }
            // A field inside the words summed from an even start updates by RFC 1624; anything else
            // (odd starts, the checksum or an IP length itself) takes a full recompute.
            let csum_at = c.field_offset();
            let l3 = c.l3();
            let len_at = if data[l3] >> 4 == 6 { l3 + 4 } else { l3 + 2 };
            let overlaps = |s: usize, e: usize| a < e && s < b;
            if cov.iter().any(|&(s, e)| overlaps(s, e) && s % 2 == 1)
                || overlaps(csum_at, csum_at + 2)
                || overlaps(len_at, len_at + 2)
            {
                full_recompute = true;
            }
            list.push(csum_at);
        }
        // Nested checksums (an outer one summing an inner one) cannot follow a field on their own.
        for &at in &list {
            for c in &t.checksums {
                if c.field_offset() != at && c.coverage(&data[..start]).iter().any(|&(s, e)| s <= at && at < e) {
                    full_recompute = true;
                }
            }
        }
        incr.push(list.into_boxed_slice());
    }
    Ok(PreparedTemplate {
        data: data.into(),
        len: start,
        checksums: t.checksums.clone().into(),
        lengths: t.lengths.clone().into(),
        incr: incr.into(),
        full_recompute,
    })
}

/// Reads a big-endian field of `w` bytes.
#[inline]
pub(crate) fn read_be(d: &[u8], at: usize, w: usize) -> u64 {
    d[at..at + w].iter().fold(0u64, |v, b| (v << 8) | u64::from(*b))
}

/// Writes the low `w` bytes of `v` big-endian.
#[inline]
pub(crate) fn write_be(d: &mut [u8], at: usize, w: usize, v: u64) {
    for (i, b) in d[at..at + w].iter_mut().enumerate() {
        *b = (v >> (8 * (w - 1 - i))) as u8;
    }
}

/// Per-stream state a worker keeps between packets: the next template, field values and size.
#[derive(Debug)]
pub(crate) struct Cursor {
    pub template: usize,
    pub values: Box<[u64]>,
    pub size: usize,
    pub rng: u64,
}

impl Program {
    /// A cursor at the stream's first packet.
    pub(crate) fn cursor(&self, seed: u64) -> Cursor {
        let values = self
            .fields
            .iter()
            .map(|f| match f.op {
                FieldOp::Walk { start, .. } => start,
                FieldOp::Random { .. } => 0,
            })
            .collect();
        Cursor { template: 0, values, size: self.templates[0].len, rng: seed | 1 }
    }

    /// Writes the next packet of the stream into `frame`, which holds either a fresh copy of a
    /// template (`fresh`) or the previous packet built in this buffer. Returns its length.
    ///
    /// Every buffer holds a well-formed packet of this stream between calls; field writes update the
    /// checksums incrementally from the old bytes, so nothing else of the frame is read.
    #[inline]
    pub(crate) fn build(&self, cur: &mut Cursor, frame: &mut [u8], fresh: bool) -> usize {
        let ti = cur.template;
        let t = &self.templates[ti];
        if self.templates.len() > 1 {
            cur.template = if ti + 1 == self.templates.len() { 0 } else { ti + 1 };
            if !fresh {
                frame[..t.data.len()].copy_from_slice(&t.data);
            }
        }
        let mut full = t.full_recompute;
        let len = match self.size {
            None => t.len,
            Some(s) => {
                let len = cur.size;
                let n = len as i64 + s.step as i64;
                cur.size = if n > s.max as i64 {
                    s.min as usize
                } else if n < s.min as i64 {
                    s.max as usize
                } else {
                    n as usize
                };
                for l in t.lengths.iter() {
                    let v = len.saturating_sub(l.adjust as usize) as u16;
                    frame[l.offset as usize..l.offset as usize + 2].copy_from_slice(&v.to_be_bytes());
                }
                full = true;
                len
            }
        };
        for (fi, f) in self.fields.iter().enumerate() {
            let (at, w) = (f.offset as usize, f.width as usize);
            let v = match f.op {
                FieldOp::Walk { .. } => {
                    let v = cur.values[fi];
                    cur.values[fi] = f.op.next(v, 0);
                    v
                }
                FieldOp::Random { .. } => {
                    cur.rng ^= cur.rng << 13;
                    cur.rng ^= cur.rng >> 7;
                    cur.rng ^= cur.rng << 17;
                    f.op.next(read_be(frame, at, w), cur.rng)
                }
            };
            if full {
                write_be(frame, at, w, v);
                continue;
            }
            // Aligned 16-bit words around the field, before and after the write.
            let (a, b) = (at & !1, (at + w + 1) & !1);
            let mut old = [0u8; 8];
            old[..b - a].copy_from_slice(&frame[a..b]);
            write_be(frame, at, w, v);
            for &c in t.incr[fi].iter() {
                let hc = u16::from_be_bytes([frame[c], frame[c + 1]]);
                let mut n = csum::update(hc, &old[..b - a], &frame[a..b]);
                if n == 0 {
                    n = 0xffff;
                }
                frame[c..c + 2].copy_from_slice(&n.to_be_bytes());
            }
        }
        if full {
            for c in t.checksums.iter() {
                c.apply(&mut frame[..len]);
            }
        }
        len
    }
}
