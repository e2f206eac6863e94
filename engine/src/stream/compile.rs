//! Stage 2, the compiler: a validated [`StreamSpec`] prepared for a TX worker: templates padded
//! and fixed up, what each field adds to each checksum, and how the worker builds packets.

use super::layout::WIRE_OVERHEAD;
use super::program::{
    CsumBase, Linear, M, MAX_SUMS, Mode, PreparedTemplate, Program, Targets, addm, modm, mulm, put_be,
    read_be,
};
use super::spec::{Checksum, Field, FieldOp, SizeWalk, StreamSpec, Template, bad};
use crate::error::Result;
use crate::latency::STAMP_LEN;

impl StreamSpec {
    /// Checks the spec against the port's buffer size and prepares it for a worker.
    pub(crate) fn compile(&self, max_frame: usize) -> Result<Program> {
        let size = self.validate(max_frame)?;
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
        let plain = self.fields.is_empty() && self.stamp_every.is_none() && size.is_none();
        let mode = if self.templates.len() > 1 && plain {
            Mode::Templates
        } else if self.templates.len() > 1 || size.is_some() || templates[0].full_recompute {
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

fn prepare(
    i: usize,
    t: &Template,
    fields: &[Field],
    size: Option<SizeWalk>,
    stamp: bool,
    max_frame: usize,
) -> Result<PreparedTemplate> {
    t.check(i, fields, size, max_frame)?;
    let len = t.data.len();
    let min_len = size.map_or(len, |s| s.min as usize);
    let cap = size.map_or(len, |s| (s.max as usize).max(len));
    let mut data = vec![0u8; cap];
    data[..len].copy_from_slice(&t.data);
    let start = size.map_or(len, |s| s.start as usize);
    // The stored bytes are what a fresh mbuf gets: fields at their first values, lengths and
    // checksums right for the first size.
    for f in fields {
        let v = match f.op {
            FieldOp::Walk { start, .. } => start,
            FieldOp::Random { .. } | FieldOp::Uniform { .. } => {
                read_be(&data, f.offset as usize, f.width as usize)
            }
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
    let (targets, sums, full_recompute) = fast_path(t, &spans, stamp, frame);
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

/// The fast path of a template whose byte `spans` change per packet (the fields, then the stamp
/// when `stamp`): what each field adds to each checksum, the checksums' sums without those spans,
/// or `full_recompute` when a field cannot be summed on its own.
///
/// A checksum field holds minus its sum modulo 65535, so an outer checksum that sums an inner
/// one's bytes (a tunnel's UDP over the inner IPv4 and UDP checksums) is still linear in the
/// fields: each inner checksum, computed first, adds minus its own base and multipliers, at its
/// alignment, to the outer one's.
fn fast_path(
    t: &Template,
    spans: &[(usize, usize)],
    stamp: bool,
    frame: &[u8],
) -> (Vec<Targets>, Vec<CsumBase>, bool) {
    let mut full_recompute = t.checksums.len() > MAX_SUMS;
    for (i, &(a, b)) in spans.iter().enumerate() {
        for &(c, d) in &spans[i + 1..] {
            if a < d && c < b {
                full_recompute = true;
            }
        }
    }
    // What a value at [a, b) of width b - a adds to each checksum, by its alignment in the region
    // that covers it; None when it straddles a region's edge.
    let weights = |a: usize, b: usize| -> Option<[u32; MAX_SUMS]> {
        let mut w = [0; MAX_SUMS];
        for (k, c) in t.checksums.iter().enumerate().take(MAX_SUMS) {
            for (s, e) in c.coverage(frame) {
                if !(a < e && s < b) {
                    continue;
                }
                if a < s || b > e {
                    return None;
                }
                // A value's words sum to it mod 65535 at an even position (a single byte there
                // is the high byte: x 256), and to its byte swap (x 256) at an odd one.
                let odd = (a - s) % 2 == 1;
                w[k] = if (b - a == 1) != odd { 256 } else { 1 };
            }
        }
        Some(w)
    };
    let mut targets = Vec::with_capacity(spans.len());
    for &(a, b) in spans {
        for c in &t.checksums {
            let csum_at = c.field_offset();
            let l3 = c.l3();
            let len_at = if frame[l3] >> 4 == 6 { l3 + 4 } else { l3 + 2 };
            let overlaps = |s: usize, e: usize| a < e && s < b;
            if overlaps(csum_at, csum_at + 2) || overlaps(len_at, len_at + 2) {
                full_recompute = true;
            }
        }
        match weights(a, b) {
            Some(mult) => targets.push(Targets { mult }),
            None => {
                full_recompute = true;
                targets.push(Targets::default());
            }
        }
    }
    if stamp {
        // A stamp adds nothing to a checksum that covers all of it (its words sum to 0), so it
        // needs no targets; one straddling a summed region's end has set `full_recompute`.
        targets.pop();
    }
    if full_recompute {
        return (targets, Vec::new(), true);
    }
    let mut zeroed = frame.to_vec();
    for &(a, b) in spans {
        zeroed[a..b].fill(0);
    }
    for c in &t.checksums {
        zeroed[c.field_offset()..c.field_offset() + 2].fill(0);
    }
    let mut sums: Vec<CsumBase> = t
        .checksums
        .iter()
        .map(|c| CsumBase {
            at: c.field_offset(),
            base: modm(c.sum_with_coverage(&zeroed, c.coverage(frame))),
            udp: matches!(c, Checksum::Udp { .. }),
        })
        .collect();
    // Inner checksums into the outer ones that sum them, in the order they are computed.
    let neg = |x: u32| (M - x) % M;
    // What each checksum's own field adds to the others, by where it lies in their regions.
    let Some(csum_weights) = sums
        .iter()
        .map(|c| weights(c.at, c.at + 2))
        .collect::<Option<Vec<_>>>()
    else {
        return (targets, Vec::new(), true);
    };
    for k in 0..sums.len() {
        for (j, w) in csum_weights.iter().enumerate() {
            if j == k || w[k] == 0 {
                continue;
            }
            if j > k {
                // An outer checksum listed before an inner one it sums: not ours to order.
                return (targets, Vec::new(), true);
            }
            sums[k].base = addm(sums[k].base, mulm(neg(sums[j].base), w[k]));
            for tg in targets.iter_mut() {
                tg.mult[k] = addm(tg.mult[k], mulm(neg(tg.mult[j]), w[k]));
            }
        }
    }
    (targets, sums, false)
}
