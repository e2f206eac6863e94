//! Mirroring what a port receives or sends to a Linux TAP interface (Pktgen's `rxtap`/`txtap`),
//! so that `tcpdump -i pg_rxtap0` shows the traffic live. The lcore that owns a queue copies each
//! packet into that queue's preallocated ring and goes on; a thread of its own (not an lcore)
//! writes the rings to the TAP interfaces. A full ring leaves packets out of the mirror and
//! counts them: the port itself never waits for the mirror.
//!
//! The rings are single-producer (the queue's lcore) single-consumer (the writer thread) and
//! made of atomic words, so neither side needs a lock or `unsafe`; relaxed word stores compile
//! to plain stores, and the head and tail indexes carry the ordering.

use std::fs::File;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::*};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use crate::ffi::{RxBatch, TxBatch};
use crate::stats::bump;

/// Bytes of packet data a ring may hold: 2048 full-size frames, or 256 jumbo ones.
const RING_BYTES: usize = 4 << 20;

/// Keeps an index on a cache line of its own, away from the other side's.
#[repr(align(64))]
#[derive(Default)]
struct Padded(AtomicUsize);

/// A ring of fixed-size slots, each a length word followed by the frame's bytes in words.
pub(crate) struct Ring {
    words: Box<[AtomicU64]>,
    /// Words per slot (1 + the frame words).
    stride: usize,
    /// Slots - 1 (a power of two minus one).
    mask: usize,
    /// Slots published by the producer (counts up forever).
    head: Padded,
    /// Slots the consumer has finished with.
    tail: Padded,
    /// Packets left out because the ring was full; written by the producer only.
    dropped: AtomicU64,
}

impl Ring {
    /// A ring for frames of up to `max_frame` bytes.
    pub(crate) fn new(max_frame: usize) -> Ring {
        let stride = 1 + max_frame.div_ceil(8);
        let slots = (RING_BYTES / (stride * 8)).max(64);
        // The largest power of two that fits the budget.
        let slots = 1 << (usize::BITS - 1 - slots.leading_zeros());
        Ring {
            words: (0..slots * stride).map(|_| AtomicU64::new(0)).collect(),
            stride,
            mask: slots - 1,
            head: Padded::default(),
            tail: Padded::default(),
            dropped: AtomicU64::new(0),
        }
    }

    fn slots(&self) -> usize {
        self.mask + 1
    }

    /// Copies `frame` (cut to the slot's size) into slot number `at`, unpublished.
    #[inline]
    fn write(&self, at: usize, frame: &[u8]) {
        let base = (at & self.mask) * self.stride;
        let frame = &frame[..frame.len().min((self.stride - 1) * 8)];
        let words = &self.words[base..base + self.stride];
        words[0].store(frame.len() as u64, Relaxed);
        let mut chunks = frame.chunks_exact(8);
        for (w, c) in words[1..].iter().zip(&mut chunks) {
            w.store(u64::from_le_bytes(c.try_into().unwrap_or_default()), Relaxed);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            words[1 + frame.len() / 8].store(u64::from_le_bytes(b), Relaxed);
        }
    }

    /// Copies `frames` into the free slots after the published ones without publishing them;
    /// returns how many it copied (the rest did not fit).
    #[inline]
    pub(crate) fn stage<'a>(&self, frames: impl Iterator<Item = &'a [u8]>) -> usize {
        let head = self.head.0.load(Relaxed);
        let room = self.slots() - head.wrapping_sub(self.tail.0.load(Acquire));
        let mut n = 0;
        for f in frames.take(room) {
            self.write(head + n, f);
            n += 1;
        }
        n
    }

    /// Publishes the first `sent` of the `staged` packets and counts the packets sent that
    /// found no room as dropped.
    #[inline]
    pub(crate) fn commit(&self, staged: usize, sent: usize) {
        let kept = staged.min(sent);
        if kept > 0 {
            self.head.0.store(self.head.0.load(Relaxed) + kept, Release);
        }
        if sent > kept {
            bump(&self.dropped, (sent - kept) as u64);
        }
    }

    /// Copies and publishes `n` frames (those that fit; the rest are counted as dropped).
    #[inline]
    pub(crate) fn push<'a>(&self, frames: impl Iterator<Item = &'a [u8]>, n: usize) {
        let staged = self.stage(frames);
        self.commit(staged, n);
    }

    /// Takes the oldest published frame into `out`; false when there is none.
    pub(crate) fn pop(&self, out: &mut Vec<u8>) -> bool {
        let tail = self.tail.0.load(Relaxed);
        if tail == self.head.0.load(Acquire) {
            return false;
        }
        let base = (tail & self.mask) * self.stride;
        let words = &self.words[base..base + self.stride];
        let len = (words[0].load(Relaxed) as usize).min((self.stride - 1) * 8);
        out.clear();
        for w in &words[1..1 + len.div_ceil(8)] {
            out.extend_from_slice(&w.load(Relaxed).to_le_bytes());
        }
        out.truncate(len);
        self.tail.0.store(tail + 1, Release);
        true
    }

    /// Packets this ring had no room for.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Relaxed)
    }
}

/// What one direction of a port's mirror has done since it was last turned on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MirrorStats {
    /// Whether the mirror is on.
    pub on: bool,
    /// The TAP interface's name (`pg_rxtap0`, `pg_txtap0`, ...).
    pub name: String,
    /// Packets written to the TAP interface.
    pub packets: u64,
    /// Packets left out of the mirror: its ring was full (the interface did not keep up) or the
    /// interface refused them. The port received or sent them all the same.
    pub dropped: u64,
}

/// One direction of a port's mirror: a ring per queue of that direction and the TAP file.
pub(crate) struct Mirror {
    on: AtomicBool,
    name: String,
    queues: usize,
    max_frame: usize,
    /// One ring per queue; made when the mirror is first turned on and kept for the process.
    rings: OnceLock<Box<[Ring]>>,
    /// The TAP interface while the mirror is on; only the control and writer threads lock it.
    file: Mutex<Option<File>>,
    written: AtomicU64,
    refused: AtomicU64,
    /// (written, dropped) when the mirror was last turned on.
    base: Mutex<(u64, u64)>,
}

/// A port's two mirrors: what it receives and what it sends.
pub(crate) struct PortTaps {
    pub rx: Mirror,
    pub tx: Mirror,
}

impl PortTaps {
    /// Mirrors for port index `port` with these queue counts, named as Pktgen names them.
    pub(crate) fn new(port: usize, rx_queues: usize, tx_queues: usize, max_frame: usize) -> PortTaps {
        let m = |dir: &str, queues: usize| Mirror {
            on: AtomicBool::new(false),
            name: format!("pg_{dir}tap{port}"),
            queues,
            max_frame,
            rings: OnceLock::new(),
            file: Mutex::new(None),
            written: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            base: Mutex::new((0, 0)),
        };
        PortTaps {
            rx: m("rx", rx_queues),
            tx: m("tx", tx_queues),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Mirror {
    /// The ring of queue `q` while the mirror is on. One relaxed load when it is off.
    #[inline(always)]
    fn ring(&self, q: usize) -> Option<&Ring> {
        if !self.on.load(Relaxed) {
            return None;
        }
        self.rings.get().and_then(|r| r.get(q))
    }

    /// The data path's RX call: mirrors the `n` packets of a received burst on queue `q`.
    #[inline]
    pub(crate) fn received(&self, q: usize, rx: &RxBatch, n: usize) {
        if let Some(r) = self.ring(q) {
            r.push((0..n).map(|i| rx.packet(i).0), n);
        }
    }

    /// The data path's TX call: hands `batch` to the driver (port `port`, queue `q`) as
    /// [`TxBatch::send`] does, mirroring the packets the driver accepted. A packet is copied
    /// before it is handed over (afterwards it belongs to the driver), and published once the
    /// driver has taken it.
    #[inline]
    pub(crate) fn send(&self, q: usize, batch: &mut TxBatch, port: u16) -> (usize, u64) {
        let Some(r) = self.ring(q) else {
            return batch.send(port, q as u16);
        };
        let staged = r.stage((0..batch.pending()).map(|j| batch.pending_frame(j)));
        let (k, bytes) = batch.send(port, q as u16);
        r.commit(staged, k);
        (k, bytes)
    }

    /// Mirrors frames sent on queue `q` outside a burst (injected frames, answers).
    #[inline]
    pub(crate) fn sent<'a>(&self, q: usize, frames: impl Iterator<Item = &'a [u8]>, n: usize) {
        if let Some(r) = self.ring(q) {
            r.push(frames, n);
        }
    }

    /// The TAP interface's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    fn dropped_total(&self) -> u64 {
        let ring = self.rings.get().map_or(0, |r| r.iter().map(Ring::dropped).sum());
        ring + self.refused.load(Relaxed)
    }

    /// Turns the mirror on (creating its TAP interface) or off (removing it). Control thread.
    pub(crate) fn set(&self, on: bool) -> std::io::Result<()> {
        let mut file = lock(&self.file);
        if on {
            if file.is_none() {
                let f = crate::ffi::tap_open(&self.name)?;
                self.rings.get_or_init(|| {
                    (0..self.queues.max(1))
                        .map(|_| Ring::new(self.max_frame))
                        .collect()
                });
                *lock(&self.base) = (self.written.load(Relaxed), self.dropped_total());
                *file = Some(f);
                self.on.store(true, Release);
                writer().unpark();
            }
        } else {
            self.on.store(false, Release);
            // Closing the file removes the interface.
            *file = None;
        }
        Ok(())
    }

    /// What the mirror has done since it was last turned on.
    pub(crate) fn stats(&self) -> MirrorStats {
        let (w0, d0) = *lock(&self.base);
        MirrorStats {
            on: self.on.load(Acquire),
            name: self.name.clone(),
            packets: self.written.load(Relaxed) - w0,
            dropped: self.dropped_total() - d0,
        }
    }

    /// Writes up to `max` packets of each ring to the interface (or discards them when the mirror
    /// is off); returns how many it took. Writer thread.
    fn drain(&self, buf: &mut Vec<u8>, max: usize) -> usize {
        let Some(rings) = self.rings.get() else {
            return 0;
        };
        let mut file = lock(&self.file);
        let mut n = 0;
        for r in rings.iter() {
            for _ in 0..max {
                if !r.pop(buf) {
                    break;
                }
                n += 1;
                // Without a file the mirror is off: what is left in the ring is discarded.
                if let Some(f) = file.as_mut() {
                    // One write is one frame on a TAP interface: all of it, or none.
                    match f.write(buf) {
                        Ok(k) if k == buf.len() => bump(&self.written, 1),
                        _ => bump(&self.refused, 1),
                    }
                }
            }
        }
        n
    }
}

/// Every port's mirrors, for the writer thread.
static ALL: OnceLock<Vec<&'static PortTaps>> = OnceLock::new();
static WRITER: OnceLock<std::thread::Thread> = OnceLock::new();

/// Registers the ports' mirrors with the writer thread (once, at start-up).
pub(crate) fn register(taps: Vec<&'static PortTaps>) {
    let _ = ALL.set(taps);
}

/// The writer thread, started on first use. It sleeps while no mirror is on.
fn writer() -> &'static std::thread::Thread {
    WRITER.get_or_init(|| {
        std::thread::Builder::new()
            .name("pktgen-taps".into())
            .spawn(write_loop)
            .map(|h| h.thread().clone())
            // Without the thread nothing drains the rings; they fill and count drops.
            .unwrap_or_else(|_| std::thread::current())
    })
}

fn write_loop() {
    let mut buf = Vec::with_capacity(16 * 1024);
    loop {
        let all = ALL.get().map_or(&[][..], |v| &v[..]);
        let mut moved = 0;
        let mut on = false;
        for t in all {
            for m in [&t.rx, &t.tx] {
                on |= m.on.load(Relaxed);
                moved += m.drain(&mut buf, 256);
            }
        }
        if moved == 0 {
            if on {
                std::thread::sleep(Duration::from_micros(500));
            } else {
                std::thread::park_timeout(Duration::from_secs(1));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_come_out_as_they_went_in() {
        let r = Ring::new(1514);
        let frames: Vec<Vec<u8>> = (0..5u8).map(|i| vec![i; 60 + usize::from(i) * 7]).collect();
        r.push(frames.iter().map(Vec::as_slice), frames.len());
        let mut out = Vec::new();
        for f in &frames {
            assert!(r.pop(&mut out));
            assert_eq!(&out, f);
        }
        assert!(!r.pop(&mut out));
        assert_eq!(r.dropped(), 0);
    }

    #[test]
    fn a_full_ring_counts_what_it_leaves_out() {
        let r = Ring::new(9614);
        let slots = r.slots();
        let f = vec![7u8; 100];
        r.push(std::iter::repeat_n(f.as_slice(), slots + 5), slots + 5);
        assert_eq!(r.dropped(), 5);
        let mut out = Vec::new();
        let mut n = 0;
        while r.pop(&mut out) {
            n += 1;
        }
        assert_eq!(n, slots);
    }

    #[test]
    fn only_what_was_sent_is_published() {
        let r = Ring::new(1514);
        let f = [1u8; 64];
        let staged = r.stage(std::iter::repeat_n(&f[..], 10));
        assert_eq!(staged, 10);
        // The driver took 4 of 10: those are mirrored; the 6 it refused are staged again later.
        r.commit(staged, 4);
        let staged = r.stage(std::iter::repeat_n(&f[..], 6));
        r.commit(staged, 6);
        let mut out = Vec::new();
        let mut n = 0;
        while r.pop(&mut out) {
            n += 1;
        }
        assert_eq!((n, r.dropped()), (10, 0));
    }
}
