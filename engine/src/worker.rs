//! The data path: one loop per worker lcore that transmits the streams of its TX queues, each
//! queue's streams in turn by their next send time, and receives on its RX queues. It allocates
//! nothing per packet, takes no lock and makes no syscall while traffic flows; it learns of new
//! streams and stop requests through atomics only.

use std::ffi::{c_int, c_void};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering::*};

use crate::SLOTS;
use crate::capture::{CaptureBuf, RxSlot};
use crate::ffi::{self, Pool, RxBatch, TxBatch};
use crate::filters::{BookLock, FilterSet, RxFilters};
use crate::latency::{self, BurstMeter, Chain, LatencyCounters, Layout, Meter, SENDERS, SeqTrack, TscToNs};
use crate::lcores::PortLayout;
use crate::mirror::PortTaps;
use crate::nd::{self, NdTable};
use crate::responder::{self, ArpTable, Identity};
use crate::stats::{Counters, bump, size_bucket};
use crate::stream::program::{Cursor, FixedStamps, Mode, Program};
use crate::stream::spec::{CatchUp, TxMode};

/// A stream's share for one TX queue, handed to the queue's worker with what it needs to run it.
pub(crate) struct TxJob {
    pub program: Program,
    pub pool: Pool,
    /// Tag marking the mbufs that hold a packet of this job.
    pub tag: u32,
    /// TSC cycles between packets; 0 sends unpaced.
    pub cycles_per_packet: f64,
    /// When the first packet is due: with several queues, the port's start plus this queue's
    /// turn, so that together they keep the port's schedule; alone, when the job is picked up.
    pub start_at: Option<f64>,
    /// Packets of the stream this queue skips before its first (its index among the queues).
    pub offset: u64,
    /// Per template, TSC cycles to wait after it (replaying a capture's gaps); empty: none.
    pub gap_ticks: Box<[u64]>,
    /// The stream's slot on the port.
    pub slot: usize,
    /// Continuous, or bursts with gaps (in TSC cycles).
    pub mode: TxMode,
    pub gap_cycles: f64,
    /// Wait for the port's stream in this slot to end first.
    pub after: Option<usize>,
    /// End with the port's stream in this slot.
    pub ends_with: Option<usize>,
    pub catch_up: CatchUp,
}

/// What one TX queue sent of one stream.
#[derive(Default)]
pub(crate) struct StreamTx {
    pub packets: AtomicU64,
    pub bytes: AtomicU64,
    /// Packets a smooth catch-up did not send after a stall.
    pub skipped: AtomicU64,
}

/// One TX queue: the control thread's mailboxes to the lcore that owns it, and its counters.
pub(crate) struct TxQueue {
    /// Buffers this queue's packets are built in.
    pub pool: Pool,
    /// Per stream slot: a job waiting to be picked up (owned by the slot until then).
    pub pending: Box<[AtomicPtr<TxJob>]>,
    /// Bit s: slot s has a new job in `pending` (set after it is stored).
    pub new_jobs: AtomicU64,
    /// Bit s: slot s's job on this queue was started and has not ended.
    pub running: AtomicU64,
    pub counters: Counters,
    /// Per stream slot.
    pub streams: Box<[StreamTx]>,
}

impl TxQueue {
    pub(crate) fn new(pool: Pool) -> TxQueue {
        TxQueue {
            pool,
            pending: (0..SLOTS).map(|_| AtomicPtr::default()).collect(),
            new_jobs: AtomicU64::new(0),
            running: AtomicU64::new(0),
            counters: Counters::default(),
            streams: (0..SLOTS).map(|_| StreamTx::default()).collect(),
        }
    }
}

/// One RX queue: what its lcore counts and measures.
pub(crate) struct RxQueue {
    /// The port's TX queue (owned by the same lcore) that answers ARP and ICMP echo.
    pub reply: usize,
    pub counters: Counters,
    /// Per stream of the process (port index * SLOTS + slot): this queue's counters of
    /// its stamps, made when the stream first stamps.
    pub streams: Box<[OnceLock<&'static LatencyCounters>]>,
    /// The latest latency measured, in nanoseconds.
    pub last_ns: AtomicU64,
    /// IPv4-to-MAC pairs learned from the ARP frames this queue received.
    pub arp: ArpTable,
    /// IPv6-to-MAC pairs learned from the neighbour discovery frames this queue received.
    pub nd: NdTable,
    pub capture: RxSlot,
    /// The port's counting filters, as this queue runs and counts them.
    pub filters: RxFilters,
}

/// Everything about one port that its lcores and the control thread share.
pub(crate) struct PortShared {
    /// DPDK's port id.
    pub id: u16,
    pub layout: PortLayout,
    pub txq: Box<[TxQueue]>,
    pub rxq: Box<[RxQueue]>,
    /// Bit s: the control thread asks the port's stream in slot s to end.
    pub stop: AtomicU64,
    /// Check received packets for stamps (set once any stamped stream starts).
    pub latency_rx: AtomicBool,
    /// Latency change counted as jitter above this many nanoseconds.
    pub jitter_ns: AtomicU64,
    /// The address the responder answers for, and what it does.
    pub ident: Identity,
    /// Frames the control thread asks TX queue 0's lcore to send once.
    pub inject: AtomicPtr<Vec<Vec<u8>>>,
    /// Mirrors of what the port receives and sends to TAP interfaces (rxtap, txtap).
    pub taps: PortTaps,
    /// The port's counting filters as the control thread keeps them (no worker touches it).
    pub filter_book: BookLock,
    /// Packets each RX queue asks the driver for at a time (Pktgen's `rxburst`).
    pub rx_burst: AtomicUsize,
}

/// What the engine shares with every worker; lives for the whole process.
pub(crate) struct Shared {
    pub ports: Box<[PortShared]>,
    pub tag_off: usize,
    pub tsc_hz: u64,
    pub quit: AtomicBool,
    pub layout: Layout,
    pub tsc_to_ns: TscToNs,
    /// Per sender (a stamp's stream id without its generation): the stream it stamps for, as
    /// port index * SLOTS + slot + 1; 0 for none.
    pub senders: Box<[AtomicU32]>,
}

/// One worker's assignment: the (port index, queue) pairs it transmits and receives on.
pub(crate) struct WorkerCtx {
    pub shared: &'static Shared,
    pub lcore: u32,
    pub tx: Box<[(usize, usize)]>,
    pub rx: Box<[(usize, usize)]>,
}

/// Packets an RX queue asks the driver for at a time, unless the port says otherwise.
pub(crate) const RX_BURST: usize = 64;
/// The largest RX burst: `tally` counts a burst's sizes in 8-bit lanes and its kinds in 7-bit
/// ones.
pub const MAX_RX_BURST: usize = (1 << KIND_BITS) - 1;

struct Active {
    job: Box<TxJob>,
    cursor: Cursor,
    batch: Box<TxBatch>,
    remaining: u64,
    next_tsc: f64,
    /// In burst mode: packets left in the current burst.
    burst_left: u64,
    /// Still waiting for its start (a delay, or another stream to end).
    waiting: bool,
}

/// lcore entry point; `arg` is a `&'static WorkerCtx`.
pub(crate) extern "C" fn worker_main(arg: *mut c_void) -> c_int {
    // SAFETY: the engine launches this function only with static_arg(&'static WorkerCtx).
    let ctx: &'static WorkerCtx = unsafe { ffi::from_arg(arg) };
    // Unwinding into C is undefined behaviour: a panic ends this worker and is reported.
    match std::panic::catch_unwind(|| run(ctx)) {
        Ok(()) => 0,
        Err(_) => {
            eprintln!(
                "pktgen: the worker on lcore {} panicked; its queues stop",
                ctx.lcore
            );
            for &(pi, q) in ctx.tx.iter() {
                ctx.shared.ports[pi].txq[q].running.store(0, Release);
            }
            -1
        }
    }
}

/// What a worker keeps for one of its RX queues between turns of its loop.
#[derive(Default)]
struct RxState {
    capture: Option<Box<CaptureBuf>>,
    /// Sequence state per sender slot, allocated when the queue first measures latency.
    tracks: Vec<SeqTrack>,
    meter: BurstMeter,
    /// The counting filters this queue runs.
    filters: Option<std::sync::Arc<FilterSet>>,
}

fn run(ctx: &WorkerCtx) {
    let sh = ctx.shared;
    // Per TX queue, its running streams; room for all of them, so nothing allocates later.
    let mut active: Vec<Vec<Active>> = ctx.tx.iter().map(|_| Vec::with_capacity(SLOTS)).collect();
    let mut rx = RxBatch::new();
    let mut rxs: Vec<RxState> = ctx.rx.iter().map(|_| RxState::default()).collect();
    let mut idle: u32 = 0;
    while !sh.quit.load(Relaxed) {
        let mut busy = false;
        let mut wait_cycles = f64::INFINITY;
        for (k, &(pi, q)) in ctx.tx.iter().enumerate() {
            let port = &sh.ports[pi];
            let txq = &port.txq[q];
            if q == 0 {
                inject(sh, port);
            }
            let streams = &mut active[k];
            // A plain load first: the swap is a locked instruction, and new jobs are rare.
            if txq.new_jobs.load(Relaxed) != 0 {
                pick_up(sh, pi, q, txq.new_jobs.swap(0, Acquire), streams);
            }
            if streams.is_empty() {
                continue;
            }
            let stop = port.stop.load(Acquire);
            let mut i = 0;
            while i < streams.len() {
                let a = &mut streams[i];
                let slot = a.job.slot;
                let finished = if stop & (1 << slot) != 0 || a.job.ends_with.is_some_and(|w| ended(port, w)) {
                    true
                } else if a.waiting && !ready(port, a) {
                    wait_cycles = wait_cycles.min(sh.tsc_hz as f64 * 1e-4);
                    false
                } else {
                    let (sent, wait) = transmit(a, port, q, sh.tsc_hz);
                    busy |= sent > 0;
                    wait_cycles = wait_cycles.min(wait);
                    a.remaining == 0
                };
                if finished {
                    a.batch.discard();
                    streams.swap_remove(i);
                    txq.running.fetch_and(!(1 << slot), Release);
                } else {
                    i += 1;
                }
            }
        }
        for (k, &(pi, q)) in ctx.rx.iter().enumerate() {
            busy |= rx_side(sh, pi, q, &mut rx, &mut rxs[k]);
        }
        if busy || wait_cycles < sh.tsc_hz as f64 * 50e-6 {
            idle = 0;
            continue;
        }
        // Nothing to do: back off from spinning to sleeps of up to a millisecond, so that an idle
        // generator costs almost no CPU; a paced stream sleeps no longer than half its next gap.
        idle = idle.saturating_add(1);
        if idle < 64 {
            ffi::pause();
        } else {
            let us = (u64::from(idle - 63) * 10).min(1000);
            let cap = (wait_cycles / sh.tsc_hz as f64 * 0.5e6) as u64;
            ffi::idle_sleep(us.min(cap).max(1));
        }
    }
    for a in active.iter_mut().flatten() {
        a.batch.discard();
    }
}

/// Takes the jobs of the slots in `mask` from TX queue q of port pi into `streams` (a job for a
/// slot that still runs replaces it).
#[cold]
fn pick_up(sh: &Shared, pi: usize, q: usize, mask: u64, streams: &mut Vec<Active>) {
    let txq = &sh.ports[pi].txq[q];
    for slot in (0..SLOTS).filter(|s| mask & (1 << s) != 0) {
        let p = txq.pending[slot].swap(std::ptr::null_mut(), Acquire);
        if p.is_null() {
            continue;
        }
        // SAFETY: the control thread stored Box::into_raw(job) and gave up ownership.
        let job = unsafe { Box::from_raw(p) };
        if let Some(i) = streams.iter().position(|a| a.job.slot == slot) {
            streams[i].batch.discard();
            streams.swap_remove(i);
        }
        let mut cursor = job
            .program
            .cursor(ffi::rdtsc() ^ (pi as u64) << 32 ^ (q as u64) << 40 ^ (slot as u64) << 48);
        job.program.skip(&mut cursor, job.offset);
        let remaining = match job.mode {
            TxMode::Bursts { bursts: 0, .. } => u64::MAX,
            TxMode::Bursts { bursts, size, .. } => bursts * u64::from(size),
            TxMode::Continuous if job.program.count == 0 => u64::MAX,
            TxMode::Continuous => job.program.count,
        };
        streams.push(Active {
            cursor,
            remaining,
            next_tsc: job.start_at.unwrap_or_else(|| ffi::rdtsc() as f64),
            burst_left: match job.mode {
                TxMode::Bursts { size, .. } => u64::from(size),
                TxMode::Continuous => u64::MAX,
            },
            waiting: job.after.is_some() || job.start_at.is_some(),
            batch: Box::new(TxBatch::new(sh.tag_off)),
            job,
        });
    }
}

/// Whether the port's stream in `slot` runs on none of its queues.
#[cold]
fn ended(port: &PortShared, slot: usize) -> bool {
    port.txq
        .iter()
        .all(|q| q.running.load(Acquire) & (1 << slot) == 0)
}

/// Whether a waiting stream may start: its start time has come and the stream it follows has
/// ended on every queue of the port. Starts the pacing from now.
#[cold]
fn ready(port: &PortShared, a: &mut Active) -> bool {
    let now = ffi::rdtsc() as f64;
    if now < a.next_tsc {
        return false;
    }
    if let Some(after) = a.job.after
        && !ended(port, after)
    {
        return false;
    }
    if a.job.after.is_some() {
        a.next_tsc = now;
    }
    a.waiting = false;
    true
}

/// Sends the frames the control thread left for the port, on TX queue 0 (whose lcore calls this).
#[inline]
fn inject(sh: &Shared, port: &PortShared) {
    // A plain load first: the swap is a locked instruction, and injections are rare.
    if port.inject.load(Relaxed).is_null() {
        return;
    }
    let inj = port.inject.swap(std::ptr::null_mut(), Acquire);
    if !inj.is_null() {
        // SAFETY: the control thread stored Box::into_raw of the frames and let go of them.
        let frames = unsafe { Box::from_raw(inj) };
        let q = &port.txq[0];
        let (k, bytes) = ffi::send_frames(q.pool, port.id, 0, sh.tag_off, frames.iter().map(Vec::as_slice));
        bump(&q.counters.tx_extra, k as u64);
        bump(&q.counters.tx_extra_bytes, bytes);
        port.taps.tx.sent(0, frames.iter().take(k).map(Vec::as_slice), k);
    }
}

/// Sends what is due on one TX queue. Returns (packets sent, TSC cycles until the next is due).
// long: the TX hot loop, kept in one piece so that what it keeps per burst stays in locals.
#[inline]
fn transmit(a: &mut Active, port: &PortShared, queue: usize, tsc_hz: u64) -> (usize, f64) {
    let txq = &port.txq[queue];
    let job = &*a.job;
    let prog = &job.program;
    let c = &txq.counters;
    if a.batch.pending() == 0 {
        let mut want = (prog.burst as u64).min(a.remaining).min(a.burst_left) as usize;
        let mut gap_next = None;
        // One clock read serves the pacing and the stamps. A stamped burst reads it before its
        // buffers are taken: the stamp stores wait for the value, and this way its latency passes
        // while the pool works. The stamps of a burst, sent by one tx_burst, carry that one TSC.
        let bursts = matches!(job.mode, TxMode::Bursts { .. });
        let paced = !job.gap_ticks.is_empty() || job.cycles_per_packet > 0.0;
        let tsc = if paced || bursts || prog.stamp_every > 0 {
            ffi::rdtsc()
        } else {
            0
        };
        let now = tsc as f64;
        if let TxMode::Bursts { size, .. } = job.mode {
            if now < a.next_tsc {
                // Between two bursts (or, paced, between two packets of one).
                return (0, a.next_tsc - now);
            }
            if a.burst_left == u64::from(size) {
                // A burst starts when the worker comes to it: its pacing runs from now.
                a.next_tsc = now;
            }
        }
        if !job.gap_ticks.is_empty() {
            // Replay the capture's timing: send the packets whose moment has come.
            if now < a.next_tsc {
                return (0, a.next_tsc - now);
            }
            let (mut t, mut ti, mut due) = (a.next_tsc, a.cursor.template, 0);
            let (n, stride) = (job.gap_ticks.len(), prog.stride as usize);
            while due < want && t <= now {
                t += job.gap_ticks[ti] as f64;
                ti = (ti + stride) % n;
                due += 1;
            }
            want = due;
            gap_next = Some(t);
        } else if job.cycles_per_packet > 0.0 {
            if now < a.next_tsc {
                return (0, a.next_tsc - now);
            }
            let behind = now - a.next_tsc;
            let due = (behind / job.cycles_per_packet) as u64 + 1;
            // (A burst of a burst-mode stream is its own catch-up unit: its packets go as due.)
            if job.catch_up == CatchUp::Smooth && !bursts && due > u64::from(prog.burst) {
                // Behind by more than a burst after a stall: send one burst now and let the rest go.
                let skip = due - u64::from(prog.burst);
                a.next_tsc += skip as f64 * job.cycles_per_packet;
                bump(&txq.streams[job.slot].skipped, skip);
            }
            want = want.min(due as usize);
        }
        if !a.batch.take(job.pool, want) {
            bump(&c.tx_no_mbuf, 1);
            return (0, 0.0);
        }
        let cap = prog.max_len;
        match prog.mode {
            Mode::FixedStamped => {
                let tpl = &prog.templates[0];
                let mut st = prog.fixed_stamps(&a.cursor, want, tsc);
                if let FixedStamps::Running(r) = &mut st {
                    a.batch
                        .prepare_fixed(want, job.tag, &tpl.data, tpl.len, false, Some(r));
                } else {
                    a.batch
                        .prepare_fixed(want, job.tag, &tpl.data, tpl.len, true, None);
                    let mut frames = a.batch.frames(want, tpl.len);
                    for i in 0..frames.len() {
                        st.write(&mut a.cursor, frames.get(i));
                    }
                }
                st.finish(&mut a.cursor);
            }
            Mode::Fixed => {
                let tpl = &prog.templates[0];
                a.batch
                    .prepare_fixed(want, job.tag, &tpl.data, tpl.len, false, None);
            }
            Mode::Columns => {
                let tpl = &prog.templates[0];
                a.batch
                    .prepare_fixed(want, job.tag, &tpl.data, tpl.len, true, None);
                prog.build_burst(&mut a.cursor, &mut a.batch.frames(want, cap), tsc);
            }
            Mode::Templates => {
                // Each buffer then comes back to the slot (and template) it last held.
                a.batch.reverse();
                for i in 0..want {
                    let ti = prog.next_template(&mut a.cursor);
                    let (tpl, tag) = (&prog.templates[ti], job.tag.wrapping_add(ti as u32));
                    if !a.batch.holds(i, tag, tpl.len) {
                        let b = a.batch.buf(i, tag, cap);
                        b.frame[..tpl.data.len()].copy_from_slice(&tpl.data);
                        a.batch.set_len(i, tpl.len);
                    }
                }
            }
            Mode::PerPacket => {
                for i in 0..want {
                    let b = a.batch.buf(i, job.tag, cap);
                    if b.fresh {
                        let tpl = &prog.templates[a.cursor.template];
                        b.frame[..tpl.data.len()].copy_from_slice(&tpl.data);
                    }
                    let len = prog.build(&mut a.cursor, b.frame, b.fresh, tsc);
                    a.batch.set_len(i, len);
                }
            }
        }
        if let Some(t) = gap_next {
            a.next_tsc = t;
        } else if job.cycles_per_packet > 0.0 {
            a.next_tsc += want as f64 * job.cycles_per_packet;
            let now = ffi::rdtsc() as f64;
            // After a stall (the worker preempted on a shared machine), catch up on what is due,
            // but on no more than 10 ms of it (at least 4096 packets): a longer outage is lost
            // rather than sent as one huge burst, and counted as skipped.
            let max_lag = (job.cycles_per_packet.max(1.0) * 4096.0).max(tsc_hz as f64 * 0.01);
            if now - a.next_tsc > max_lag {
                let lost = ((now - max_lag - a.next_tsc) / job.cycles_per_packet) as u64;
                bump(&txq.streams[job.slot].skipped, lost);
                a.next_tsc = now - max_lag;
            }
        }
    }
    let (k, bytes) = port.taps.tx.send(queue, &mut a.batch, port.id);
    if k > 0 {
        bump(&c.tx_packets, k as u64);
        bump(&c.tx_bytes, bytes);
        let st = &txq.streams[job.slot];
        bump(&st.packets, k as u64);
        bump(&st.bytes, bytes);
        a.remaining -= k as u64;
        if let TxMode::Bursts { size, .. } = job.mode {
            a.burst_left -= k as u64;
            if a.burst_left == 0 {
                // The gap runs from the end of this burst to the start of the next.
                a.burst_left = u64::from(size);
                a.next_tsc = ffi::rdtsc() as f64 + job.gap_cycles;
            }
        }
    }
    (k, 0.0)
}

/// An RX queue's side of one turn of the loop: capture hand-over, and a received burst counted,
/// measured and answered. Returns whether anything was received. Kept out of line so the
/// transmit path of the loop stays compact.
#[inline(never)]
fn rx_side(sh: &Shared, pi: usize, q: usize, rx: &mut RxBatch, st: &mut RxState) -> bool {
    let port = &sh.ports[pi];
    let rxq = &port.rxq[q];
    let rslot = &rxq.capture;
    if st.capture.is_none() && rslot.active.load(Acquire) {
        st.capture = crate::capture::reclaim(rslot.pending.swap(std::ptr::null_mut(), Acquire));
    }
    if st.capture.is_some() && rslot.stop.load(Acquire) {
        if let Some(done) = st.capture.take() {
            rslot.done.store(Box::into_raw(done), Release);
        }
        rslot.active.store(false, Release);
    }
    rxq.filters.pick_up(&mut st.filters);
    let n = rx.receive(port.id, q as u16, port.rx_burst.load(Relaxed));
    if n == 0 {
        return false;
    }
    // A stamp's sender names its stream; this queue's counters of that stream take it.
    let resolve = |stream: u16| -> Option<&'static LatencyCounters> {
        let s = sh
            .senders
            .get(usize::from(stream >> latency::GEN_BITS))?
            .load(Acquire);
        rxq.streams.get((s as usize).checked_sub(1)?)?.get().copied()
    };
    let lat = if port.latency_rx.load(Relaxed) {
        if st.tracks.is_empty() {
            // Once per queue, off the per-packet path.
            st.tracks = vec![SeqTrack::default(); SENDERS];
        }
        Some(Meter {
            now: ffi::rdtsc(),
            conv: sh.tsc_to_ns,
            layout: &sh.layout,
            jitter_threshold_ns: port.jitter_ns.load(Relaxed),
            tracks: &mut st.tracks,
            resolve: &resolve,
            last_ns: &rxq.last_ns,
        })
    } else {
        None
    };
    receive(
        rx,
        n,
        &rxq.counters,
        st.capture.as_deref_mut(),
        lat.map(|m| (m, &mut st.meter)),
    );
    if let Some(set) = &st.filters {
        rxq.filters.count(set, rx, n);
    }
    port.taps.rx.received(q, rx, n);
    respond(sh, port, rxq, rx, n);
    rx.free();
    true
}

/// Counts a received batch.
#[inline]
fn receive(
    rx: &RxBatch,
    n: usize,
    c: &Counters,
    cap: Option<&mut CaptureBuf>,
    lat: Option<(Meter<'_>, &mut BurstMeter)>,
) {
    if let Some(cap) = cap {
        // A pass of its own: captures are rare, and the counting loop needs every register.
        let now = lat.as_ref().map_or_else(ffi::rdtsc, |(m, _)| m.now);
        for i in 0..n {
            if cap.keeps(rx, i) {
                let (d, len) = rx.packet(i);
                cap.record(d, len, now);
            }
        }
    }
    let (bytes, sizes, kinds) = match lat {
        Some((mut m, meter)) => {
            let (t, chain) = tally::<true>(rx, n);
            // Unless the stamps chained, the meter reads them again in a pass of its own: in
            // the loop, the run's state would crowd the counters out of the registers.
            let words = |i| {
                if rx.chained(i) {
                    latency::words(&rx.tail16(i))
                } else {
                    latency::stamp_words(rx.packet(i).0)
                }
            };
            meter.measure(&mut m, (n, t.0 & CHAINED_MASK), chain.holds(), words, |i| {
                rx.packet(i).1
            });
            t
        }
        None => tally::<false>(rx, n).0,
    };
    let lane = |v: u64, k: usize| (v >> (KIND_BITS * k)) & ((1 << KIND_BITS) - 1);
    for (k, a) in c.rx_sizes.iter().enumerate() {
        let m = (sizes >> (8 * k)) & 0xff;
        if m > 0 {
            bump(a, m);
        }
    }
    for (k, a) in c.rx_kinds.iter().enumerate() {
        if lane(kinds, k) > 0 {
            bump(a, lane(kinds, k));
        }
    }
    bump(&c.rx_vlan, lane(kinds, LANE_VLAN));
    bump(&c.rx_broadcast, lane(kinds, LANE_BROADCAST));
    bump(&c.rx_multicast, lane(kinds, LANE_MULTICAST));
    bump(&c.rx_packets, n as u64);
    bump(&c.rx_bytes, bytes & CHAINED_MASK);
    if bytes > CHAINED_MASK {
        bump(&c.rx_chained, bytes >> CHAINED_SHIFT);
    }
}

/// Counts a burst's bytes, sizes and kinds, and with `STAMPS` checks whether its stamps chain
/// while each packet's data is at hand. The counts are lanes of a register: eight sizes in
/// 8-bit lanes, nine kinds in 7-bit ones (a burst holds fewer than 128 packets), so that they
/// and the chain fit in the registers.
#[inline(always)]
fn tally<const STAMPS: bool>(rx: &RxBatch, n: usize) -> ((u64, u64, u64), Chain) {
    debug_assert!(n > 0 && n < 1 << KIND_BITS);
    let (mut bytes, mut sizes, mut kinds) = (0u64, 0u64, 0u64);
    let mut chain = Chain::new(if STAMPS {
        latency::stamp_words(rx.packet(0).0)
    } else {
        (0, 0)
    });
    for i in 0..n {
        let (d, len) = rx.packet(i);
        if STAMPS {
            chain.add(latency::stamp_words(d));
        }
        // Chained packets (whose first segment is not the whole frame) count above the bytes.
        bytes += u64::from(len) | u64::from(d.len() as u32 != len) << CHAINED_SHIFT;
        sizes += 1 << (8 * size_bucket(len));
        let (kind, vlan) = responder::classify(d);
        kinds += 1 << (KIND_BITS * kind as usize) | u64::from(vlan) << (KIND_BITS * LANE_VLAN);
        if let Some(&b0) = d.first()
            && b0 & 1 == 1
        {
            let lane = if d.len() >= 6 && d[..6] == [0xff; 6] {
                LANE_BROADCAST
            } else {
                LANE_MULTICAST
            };
            kinds += 1 << (KIND_BITS * lane);
        }
    }
    ((bytes, sizes, kinds), chain)
}

/// `tally`'s byte count carries the burst's chained packets from this bit up.
const CHAINED_SHIFT: u32 = 48;
const CHAINED_MASK: u64 = (1 << CHAINED_SHIFT) - 1;

/// Lanes of `tally`'s kind register after the six kinds.
const LANE_VLAN: usize = 6;
/// Bits of a lane of `tally`'s kind register: nine lanes fit in 63 bits.
const KIND_BITS: usize = 7;
const LANE_BROADCAST: usize = 7;
const LANE_MULTICAST: usize = 8;

/// Answers ARP, ICMP echo, neighbour solicitations and ICMPv6 echo requests for the port's
/// addresses, on the RX queue's reply TX queue (owned by the same lcore), and learns from ARP
/// and neighbour discovery, if asked.
#[inline]
fn respond(sh: &Shared, port: &PortShared, rxq: &RxQueue, rx: &RxBatch, n: usize) {
    let id = &port.ident;
    let (arp, icmp, learn) = (
        id.arp.load(Relaxed),
        id.icmp.load(Relaxed),
        id.learn.load(Relaxed),
    );
    if !(arp || icmp || learn) {
        return;
    }
    let ip = (id.ipv4.load(Relaxed) as u32).to_be_bytes();
    let m = id.mac.load(Relaxed);
    let mac: [u8; 6] = std::array::from_fn(|i| (m >> (8 * (5 - i))) as u8);
    let mut ip6 = [0u8; 16];
    ip6[..8].copy_from_slice(&id.ipv6[0].load(Relaxed).to_be_bytes());
    ip6[8..].copy_from_slice(&id.ipv6[1].load(Relaxed).to_be_bytes());
    let mine6 = [ip6, nd::link_local(mac)];
    let tq = &port.txq[rxq.reply];
    let mut out = [0u8; 2048];
    for i in 0..n {
        let (d, _) = rx.packet(i);
        // One look at the headers passes over the stream's own frames (neither ARP, ICMP nor
        // ICMPv6) and sends the others to the one family that could answer them.
        let v6 = match responder::l3(d) {
            Some((o, 0x86dd, _)) if d.get(o + 6) == Some(&58) => true,
            Some((o, 0x0800, _)) if d.get(o + 9) == Some(&1) => false,
            Some((_, 0x0806, _)) => false,
            _ => continue,
        };
        if learn {
            if v6 {
                if let Some((sip, smac)) = nd::learned(d) {
                    rxq.nd.learn(sip, smac);
                }
            } else if let Some((sip, smac)) = responder::arp_sender(d) {
                rxq.arp.learn(sip, smac);
            }
        }
        let len = match (arp || icmp, v6) {
            (false, _) => None,
            (true, true) => nd::answer(d, &mine6, mac, arp, icmp, &mut out),
            (true, false) if ip != [0; 4] => responder::answer(d, ip, mac, arp, icmp, &mut out),
            (true, false) => None,
        };
        if let Some(len) = len {
            let (k, bytes) = ffi::send_frames(
                tq.pool,
                port.id,
                rxq.reply as u16,
                sh.tag_off,
                std::iter::once(&out[..len]),
            );
            bump(&tq.counters.tx_extra, k as u64);
            bump(&tq.counters.tx_extra_bytes, bytes);
            port.taps.tx.sent(rxq.reply, std::iter::once(&out[..len]), k);
        }
    }
}
