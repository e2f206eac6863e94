//! Starting and stopping a port's streams, and what each sent and received. A stream is compiled
//! once on the control thread and handed to each of the port's TX queues as a share (every n-th
//! packet, its part of the count and rate); a port runs up to [`SLOTS`] at once, slot 0
//! being the Pktgen surface's own. Stamping streams get a sender per queue, so the receivers
//! count each stream apart.

use std::sync::atomic::Ordering::*;

use super::layout::{OWN_SLOT, PROBE_SLOT, SLOTS, max_frame};
use super::spec::{Rate, StreamSpec, TxMode};
use crate::error::{Error, Result};
use crate::ffi;
use crate::instance::{Engine, lock, reclaim, wait_while};
use crate::latency::{GEN_BITS, LatencyCounters, LatencySnapshot, LatencyTotals, SENDERS};
use crate::worker::{PortShared, TxJob};

/// One stream's counters since it last started (or its port was cleared): what its TX queues
/// sent, and what every port of this process received of its stamps.
#[derive(Clone, Debug)]
pub struct StreamStats {
    /// Packets sent.
    pub tx_packets: u64,
    /// Bytes sent (frames without FCS).
    pub tx_bytes: u64,
    /// Packets the pacing let go after stalls: beyond one burst (`CatchUp::Smooth`), or beyond
    /// 10 ms of lag (`CatchUp::ExactAverage`).
    pub tx_skipped: u64,
    /// The stream's stamped packets as received: count, bytes, loss, reordering, duplicates and
    /// the latency histogram (empty for a stream that does not stamp).
    pub rx: LatencySnapshot,
}

/// Which senders each stream stamps as, and their generations.
#[derive(Debug, Default)]
pub(crate) struct SenderBook {
    /// Senders given out so far (they are never taken back: a late stamp still finds its stream).
    next: usize,
    /// Per (port, slot): the senders of its queues, in queue order.
    by_stream: std::collections::HashMap<(usize, usize), Vec<u16>>,
    gens: Vec<u16>,
    /// Per port index: bit s, slot s was ever started (only those have counters to rebase).
    started: std::collections::HashMap<usize, u64>,
}

impl SenderBook {
    /// The slots of port index `pi` ever started, as a bit mask.
    pub(crate) fn started(&self, pi: usize) -> u64 {
        self.started.get(&pi).copied().unwrap_or(0)
    }
}

/// A stream's counters when it last started: its TX queues' (packets, bytes, skipped) and its
/// stamps as received.
#[derive(Clone, Debug, Default)]
pub(crate) struct StreamBase {
    tx: [u64; 3],
    /// Packets each TX queue had sent of the stream (a resume goes on from there).
    per_queue: Vec<u64>,
    rx: LatencyTotals,
}

/// The stream index of `slot` on port index `pi`, as the RX queues and senders know it.
fn global(pi: usize, slot: usize) -> usize {
    pi * SLOTS + slot
}

/// Buffers in a stream's own pool on a TX queue: a TX ring's worth and more in flight.
const STREAM_POOL: u32 = 4095;

/// The packets per second `rate` asks for of frames of `wire_bytes` on a link of `speed_mbps`
/// (0: unpaced).
fn packets_per_second(rate: Rate, speed_mbps: u32, wire_bytes: f64) -> f64 {
    match rate {
        Rate::Unpaced => 0.0,
        Rate::Pps(p) => p,
        Rate::Bps(b) => b / (wire_bytes * 8.0),
        // Without a known link speed a percentage means nothing: send unpaced, like Pktgen.
        Rate::Percent(_) if speed_mbps == 0 => 0.0,
        Rate::Percent(p) => f64::from(speed_mbps) * 1e6 * p / 100.0 / (wire_bytes * 8.0),
    }
}

fn check_slot(slot: usize) -> Result<()> {
    if slot >= SLOTS {
        return Err(Error::Stream(format!(
            "stream slot {slot} is outside 0..={}",
            PROBE_SLOT
        )));
    }
    Ok(())
}

impl Engine {
    /// Starts sending `spec` on `port` as its stream in slot 0 (the Pktgen surface's stream).
    ///
    /// # Errors
    /// As [`Engine::start_stream`].
    pub fn start(&self, port: u16, spec: &StreamSpec) -> Result<()> {
        self.start_stream(port, 0, spec)
    }

    /// Starts sending `spec` on `port` as its stream in `slot` (0..SLOTS), beside the port's other
    /// streams, shared by the port's TX queues: each sends every n-th packet of the stream (n the
    /// number of queues), its part of `count` and of the rate. A stream in burst mode is sent by
    /// the port's first TX queue alone.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`], [`Error::NoLcore`], [`Error::Busy`] if that slot is still sending,
    /// or [`Error::Stream`] naming what is wrong in `spec`.
    pub fn start_stream(&self, port: u16, slot: usize, spec: &StreamSpec) -> Result<()> {
        self.start_streams(port, &[(slot, spec)])
    }

    /// Starts several of `port`'s streams in one step, as [`Engine::start_stream`] does each: all
    /// are checked first (an error starts none), and every queue picks up its jobs of all of them
    /// at once. A companion that ends with another (latency probes) thus never starts after the
    /// stream it measures has already ended, however long the control thread is held up.
    ///
    /// # Errors
    /// As [`Engine::start_stream`], for the first stream that cannot start.
    pub fn start_streams(&self, port: u16, streams: &[(usize, &StreamSpec)]) -> Result<()> {
        let mut all = Vec::with_capacity(streams.len());
        for &(slot, spec) in streams {
            all.push((slot, spec.resume, self.prepare_jobs(port, slot, spec)?));
        }
        let p = &self.shared.ports[usize::from(port)];
        let pi = usize::from(port);
        // Every stream is marked running before any job is handed out, so a companion's
        // `ends_with` cannot see its stream as ended before it began.
        for (slot, resume, jobs) in &all {
            *lock(&self.senders).started.entry(pi).or_default() |= 1 << slot;
            if !resume {
                self.rebase_stream(pi, *slot);
            }
            let bit = 1u64 << slot;
            p.stop.fetch_and(!bit, AcqRel);
            for (q, _) in jobs {
                p.txq[*q].running.fetch_or(bit, AcqRel);
            }
        }
        let mut news = vec![0u64; p.txq.len()];
        for (slot, _, jobs) in all {
            for (q, job) in jobs {
                let old = p.txq[q].pending[slot].swap(Box::into_raw(job), AcqRel);
                if !old.is_null() {
                    // A job the worker never picked up (a start racing a stop) is ours again: drop it.
                    drop(reclaim(old));
                }
                news[q] |= 1 << slot;
            }
        }
        for (q, bits) in news.into_iter().enumerate().filter(|&(_, b)| b != 0) {
            p.txq[q].new_jobs.fetch_or(bits, Release);
        }
        Ok(())
    }

    /// Checks `spec` for `port`'s stream in `slot` and compiles it into one job per TX queue that
    /// sends a share of it.
    fn prepare_jobs(&self, port: u16, slot: usize, spec: &StreamSpec) -> Result<Vec<(usize, Box<TxJob>)>> {
        check_slot(slot)?;
        let p = self.port(port)?;
        let pi = usize::from(port);
        self.check_up()?;
        if p.layout.stream_queues == 0 {
            return Err(Error::NoLcore { port, dir: "TX" });
        }
        let nq = if matches!(spec.mode, TxMode::Bursts { .. }) {
            1
        } else {
            p.layout.stream_queues
        };
        for s in spec.after.iter().chain(&spec.ends_with) {
            check_slot(*s)?;
        }
        let mut program = spec.compile(self.max_frame)?;
        if self.slot_sending(p, slot) {
            return Err(Error::Busy(port));
        }
        let speed = self.port_info(port)?.speed_mbps;
        let pps = packets_per_second(spec.rate, speed, program.mean_wire_bytes);
        self.check_link(port, slot, pps, program.mean_wire_bytes, &spec.mode, speed)?;
        let hz = self.shared.tsc_hz;
        let ticks_of = |ns: u64| (u128::from(ns) * u128::from(hz) / 1_000_000_000) as u64;
        // The stream's packet interval: each queue sends every nq-th packet, nq intervals apart.
        let cycles_per_packet = if pps > 0.0 { hz as f64 / pps } else { 0.0 };
        // A tag per template where buffers keep the template they last held (Mode::Templates).
        let tag = self.next_tag.fetch_add(program.tags(), Relaxed);
        let senders = if program.stamp_every > 0 {
            program.stamp_backdate = ticks_of(spec.stamp_delay_ns);
            let s = self.stamp_senders(pi, slot, nq)?;
            // Every port checks for stamps from now on: the receiver may be any of them.
            for q in self.shared.ports.iter() {
                q.latency_rx.store(true, Release);
            }
            s
        } else {
            Vec::new()
        };
        let ticks: Vec<u64> = spec.gaps_ns.iter().map(|&ns| ticks_of(ns)).collect();
        // A queue waits, after each of its templates, for the gaps of the nq templates that follow.
        let t = ticks.len();
        let gap_ticks: Box<[u64]> = (0..t)
            .map(|i| (0..nq).map(|j| ticks[(i + j) % t]).sum())
            .collect();
        let (gap_cycles, count) = match spec.mode {
            TxMode::Bursts { gap_ns, .. } => (ticks_of(gap_ns) as f64, 0),
            TxMode::Continuous => (0.0, spec.count),
        };
        let mut jobs = Vec::with_capacity(nq);
        let t0 = ffi::rdtsc() as f64 + ticks_of(spec.start_delay_ns) as f64;
        // What each queue sent of the stream since its last fresh start (resuming goes on from it).
        let base = lock(&self.stream_base)[global(pi, slot)].per_queue.clone();
        for q in 0..nq {
            let sent = if spec.resume {
                p.txq[q].streams[slot].packets.load(Relaxed) - base.get(q).copied().unwrap_or(0)
            } else {
                0
            };
            let share = if count == 0 {
                0
            } else {
                (count / nq as u64 + u64::from((q as u64) < count % nq as u64)).saturating_sub(sent)
            };
            if count > 0 && share == 0 {
                continue;
            }
            let mut program = program.share(nq as u32, share);
            if let Some(&sender) = senders.get(q) {
                program.stamp_stream = sender;
            }
            // The queues take turns: queue q's first packet is the stream's q-th.
            let turn = if t > 0 {
                (0..q).map(|j| ticks[j % t]).sum::<u64>() as f64
            } else {
                cycles_per_packet * q as f64
            };
            let job = TxJob {
                program,
                pool: self.stream_pool(pi, q, slot),
                tag,
                cycles_per_packet: cycles_per_packet * nq as f64,
                start_at: (nq > 1 || spec.start_delay_ns > 0).then_some(t0 + turn),
                // Queue q sends packets q, q + nq, ...: after `sent` of them, it goes on there.
                offset: q as u64 + sent * nq as u64,
                gap_ticks: if t > 0 { gap_ticks.clone() } else { Box::new([]) },
                slot,
                mode: spec.mode,
                gap_cycles,
                after: spec.after.filter(|&a| a != slot),
                ends_with: spec.ends_with.filter(|&w| w != slot),
                catch_up: spec.catch_up,
            };
            jobs.push((q, Box::new(job)));
        }
        Ok(jobs)
    }

    /// Refuses a paced stream that, with the port's other paced streams still sending, would ask
    /// for more than the link: the streams could not all hold their rates. `pps` is the stream's
    /// packet rate (within a burst, for bursts: their gaps count), `wire` its mean bytes on the
    /// wire; unpaced streams take what is left.
    fn check_link(
        &self,
        port: u16,
        slot: usize,
        pps: f64,
        wire: f64,
        mode: &TxMode,
        speed_mbps: u32,
    ) -> Result<()> {
        let pi = usize::from(port);
        let avg_pps = match *mode {
            TxMode::Bursts { size, gap_ns, .. } if pps > 0.0 => {
                f64::from(size) / (f64::from(size) / pps + gap_ns as f64 / 1e9)
            }
            _ => pps,
        };
        let bps = avg_pps * wire * 8.0;
        let mut asked = lock(&self.stream_bps);
        let p = &self.shared.ports[pi];
        // Only streams still sending count (a finished one needs no part of the link).
        asked.retain(|&(q, s), _| q != pi || self.slot_sending(p, s));
        let link = f64::from(speed_mbps) * 1e6;
        let others: f64 = asked
            .iter()
            .filter(|((q, s), _)| *q == pi && *s != slot)
            .map(|(_, b)| b)
            .sum();
        let total = bps + others;
        // One stream alone may ask for more than the link (it then sends what the link takes, as
        // Pktgen does); only a combination that cannot all hold is refused.
        if speed_mbps > 0 && bps > 0.0 && others > 0.0 && total > link * 1.0001 {
            return Err(Error::Stream(format!(
                "port {port}'s paced streams would ask for {:.3} Gb/s of its {:.3} Gb/s link with this one ({:.3} Gb/s); lower a rate or stop a stream",
                total / 1e9,
                link / 1e9,
                bps / 1e9
            )));
        }
        asked.insert((pi, slot), bps);
        Ok(())
    }

    /// The stamp stream ids for `nq` queues of stream `slot` of port index `pi`: a sender each
    /// (given once and kept), at a new generation, so a restart's sequences start afresh.
    /// Also makes sure every RX queue of the process has counters for the stream.
    fn stamp_senders(&self, pi: usize, slot: usize, nq: usize) -> Result<Vec<u16>> {
        let gi = global(pi, slot);
        for port in self.shared.ports.iter() {
            for q in port.rxq.iter() {
                q.streams[gi].get_or_init(|| Box::leak(Box::new(LatencyCounters::new(&self.shared.layout))));
            }
        }
        let mut book = lock(&self.senders);
        let book = &mut *book;
        if book.gens.is_empty() {
            book.gens = vec![0; SENDERS];
        }
        let mine = book.by_stream.entry((pi, slot)).or_default();
        while mine.len() < nq {
            if book.next == SENDERS {
                return Err(Error::Stream(format!(
                    "latency stamps tell {SENDERS} stream queues apart, and every one is in use"
                )));
            }
            self.shared.senders[book.next].store(gi as u32 + 1, Release);
            mine.push(book.next as u16);
            book.next += 1;
        }
        Ok(mine[..nq]
            .iter()
            .map(|&s| {
                let g = &mut book.gens[usize::from(s)];
                *g = (*g + 1) % (1 << GEN_BITS);
                s << GEN_BITS | *g
            })
            .collect())
    }

    /// The buffer pool stream `slot` of port index `pi` sends from on TX queue `q`. The port's
    /// own stream and its probes use the queue's pool; every other stream gets one of its own
    /// (made when it first starts, then kept), so that a buffer comes back holding a packet of
    /// its stream and a fixed template is not copied again. Where memory runs out, the queue's.
    fn stream_pool(&self, pi: usize, q: usize, slot: usize) -> ffi::Pool {
        let queue = self.shared.ports[pi].txq[q].pool;
        if slot == OWN_SLOT || slot == PROBE_SLOT {
            return queue;
        }
        let mut pools = lock(&self.stream_pools);
        if let Some(&p) = pools.get(&(pi, q, slot)) {
            return p;
        }
        let room = crate::eal::data_room(self.max_frame > max_frame(false)) as u16;
        match ffi::Pool::create(&format!("pktgen_s{pi}_{q}_{slot}"), STREAM_POOL, room, -1) {
            Ok(p) => {
                ffi::clear_tags(p, self.shared.tag_off);
                pools.insert((pi, q, slot), p);
                p
            }
            Err(_) => queue,
        }
    }

    fn slot_sending(&self, p: &PortShared, slot: usize) -> bool {
        p.txq.iter().any(|q| q.running.load(Acquire) & (1 << slot) != 0)
    }

    pub(crate) fn sending(&self, p: &PortShared) -> bool {
        p.txq.iter().any(|q| q.running.load(Acquire) != 0)
    }

    /// Stops every stream of `port` and waits (up to 10 s) for its workers to let go.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn stop(&self, port: u16) -> Result<()> {
        self.stop_slots(self.port(port)?, u64::MAX)
    }

    /// Stops `port`'s stream in `slot` and waits (up to 10 s) for its workers to let go.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`], or [`Error::Stream`] for a slot outside 0..SLOTS.
    pub fn stop_stream(&self, port: u16, slot: usize) -> Result<()> {
        check_slot(slot)?;
        self.stop_slots(self.port(port)?, 1 << slot)
    }

    fn stop_slots(&self, p: &PortShared, mask: u64) -> Result<()> {
        let running = || p.txq.iter().any(|q| q.running.load(Acquire) & mask != 0);
        if !running() {
            return Ok(());
        }
        p.stop.fetch_or(mask, AcqRel);
        wait_while(running);
        for q in p.txq.iter() {
            for slot in (0..SLOTS).filter(|s| mask & (1 << s) != 0) {
                // A job the worker never picked up (worker gone) is ours again.
                let old = q.pending[slot].swap(std::ptr::null_mut(), AcqRel);
                if !old.is_null() {
                    drop(reclaim(old));
                    q.running.fetch_and(!(1 << slot), AcqRel);
                }
            }
        }
        // A slot whose worker has not let go yet keeps its stop bit, so the worker still stops
        // it when it gets the CPU back (starting the slot again clears the bit).
        let still = p.txq.iter().fold(0, |m, q| m | q.running.load(Acquire));
        p.stop.fetch_and(!(mask & !still), AcqRel);
        Ok(())
    }

    /// Whether `port` is sending (some stream started and not yet finished or stopped).
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn is_sending(&self, port: u16) -> Result<bool> {
        Ok(self.sending(self.port(port)?))
    }

    /// Whether `port`'s stream in `slot` is sending.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`], or [`Error::Stream`] for a slot outside 0..SLOTS.
    pub fn stream_sending(&self, port: u16, slot: usize) -> Result<bool> {
        check_slot(slot)?;
        Ok(self.slot_sending(self.port(port)?, slot))
    }

    fn stream_raw(&self, pi: usize, slot: usize) -> StreamBase {
        let mut tx = [0u64; 3];
        for q in self.shared.ports[pi].txq.iter() {
            let s = &q.streams[slot];
            for (t, a) in tx.iter_mut().zip([&s.packets, &s.bytes, &s.skipped]) {
                *t += a.load(Relaxed);
            }
        }
        let per_queue = self.shared.ports[pi]
            .txq
            .iter()
            .map(|q| q.streams[slot].packets.load(Relaxed))
            .collect();
        let gi = global(pi, slot);
        let parts = self
            .shared
            .ports
            .iter()
            .flat_map(|p| p.rxq.iter())
            .filter_map(|q| q.streams[gi].get().copied());
        StreamBase {
            tx,
            per_queue,
            rx: LatencyTotals::sum(&self.shared.layout, parts),
        }
    }

    /// Takes stream `slot` of port index `pi`'s counters as its new zero.
    pub(crate) fn rebase_stream(&self, pi: usize, slot: usize) {
        let now = self.stream_raw(pi, slot);
        lock(&self.stream_base)[global(pi, slot)] = now;
    }

    /// What `port`'s stream in `slot` sent and what was received of it since it last started
    /// (or the port was cleared).
    ///
    /// # Errors
    /// [`Error::NoSuchPort`], or [`Error::Stream`] for a slot outside 0..SLOTS.
    pub fn stream_stats(&self, port: u16, slot: usize) -> Result<StreamStats> {
        check_slot(slot)?;
        self.port(port)?;
        let pi = usize::from(port);
        let now = self.stream_raw(pi, slot);
        let base = lock(&self.stream_base)[global(pi, slot)].clone();
        let d = |i: usize| now.tx[i].wrapping_sub(base.tx[i]);
        Ok(StreamStats {
            tx_packets: d(0),
            tx_bytes: d(1),
            tx_skipped: d(2),
            rx: now.rx.since(&base.rx, &self.shared.layout),
        })
    }
}
