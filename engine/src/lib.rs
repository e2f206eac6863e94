//! The packet generator engine: DPDK's EAL, ports, streams of template packets with per-packet field
//! modifiers, TX/RX workers on lcores, counters and rates. Protocol-agnostic: it knows bytes,
//! offsets and checksums, never protocols by name.
//!
//! Layers: `dpdk-sys` (raw FFI) < [`ffi`] (the only module with DPDK `unsafe`) < the rest (safe).
//! `worker` is the data path; everything else runs on the control thread.

#![deny(clippy::unwrap_used)]
#![warn(missing_docs)]

mod capture;
mod csum;
mod eal;
mod error;
mod ffi;
mod latency;
mod pcap;
mod responder;
mod stats;
mod stream;
mod worker;

pub use capture::{Capture, CapturedPacket};
pub use eal::{Config, embedded_args};
pub use error::{Errno, Error, Result};
pub use ffi::version as dpdk_version;
pub use latency::{LatencySnapshot, STAMP_LEN};
pub use pcap::{read_pcap, write_pcap};
pub use stats::{HwStats, KindCounts, PortStats, Rates, SizeCounts, Totals};
pub use stream::{
    Checksum, Field, FieldOp, LengthField, MIN_FRAME, Rate, SizeWalk, StreamSpec, Template, WIRE_OVERHEAD,
};

/// A pool of `n` packet buffers (2048 bytes of data room) laid out as the engine lays out its
/// own, for tools that measure a raw DPDK loop against the engine. Null on failure.
pub fn raw_packet_pool(name: &str, n: u32) -> *mut dpdk_sys::rte_mempool {
    ffi::pktmbuf_pool(name, n, 2048 + dpdk_sys::RTE_PKTMBUF_HEADROOM as u16, 0)
}

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::*};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use capture::{CaptureBuf, RxSlot};
use ffi::Pool;
use latency::{LatencyCounters, LatencyTotals, TscToNs};
use worker::{Shared, TxJob, TxSlot, WorkerCtx};

/// What a port is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortInfo {
    /// Port id.
    pub id: u16,
    /// Device name (e.g. `net_null0`, `0000:01:00.0`).
    pub name: String,
    /// Driver name (e.g. `net_ring`, `net_ixgbe`).
    pub driver: String,
    /// MAC address.
    pub mac: [u8; 6],
    /// Link up.
    pub link_up: bool,
    /// Link speed in Mb/s (0 when unknown).
    pub speed_mbps: u32,
    /// Full duplex.
    pub full_duplex: bool,
    /// NUMA socket (-1 when unknown).
    pub socket: i32,
}

/// The process-wide engine: EAL, ports and workers. Created once by [`Engine::init`].
pub struct Engine {
    shared: &'static Shared,
    macs: Vec<[u8; 6]>,
    pools: Vec<Pool>,
    max_frame: usize,
    workers: usize,
    baseline: Mutex<Vec<PortStats>>,
    latency_baseline: Mutex<Vec<LatencyTotals>>,
    rates: &'static Mutex<Vec<Rates>>,
    down: AtomicBool,
    next_tag: AtomicU32,
    /// (TSC, Unix time in ns) read together at start-up, to date TSC stamps.
    epoch: (u64, u64),
}

static ENGINE: OnceLock<Engine> = OnceLock::new();

/// Pktgen's default jitter threshold: 50 µs.
const DEFAULT_JITTER_NS: u64 = 50_000;
static STARTED: AtomicBool = AtomicBool::new(false);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("ports", &self.shared.ports)
            .field("workers", &self.workers)
            .finish()
    }
}

impl Engine {
    /// Starts EAL, sets up every port and launches the workers. Once per process.
    ///
    /// # Errors
    /// EAL refusing its arguments (with a hint), no ports, no worker lcore, a port that cannot be
    /// configured, or a second call.
    pub fn init(cfg: &Config) -> Result<&'static Engine> {
        if STARTED.swap(true, SeqCst) {
            return Err(Error::AlreadyInitialised);
        }
        let engine = eal::start(cfg)?;
        let _ = ENGINE.set(engine);
        let e = ENGINE.get().ok_or(Error::AlreadyInitialised)?;
        e.launch()?;
        Ok(e)
    }

    /// The engine, if [`Engine::init`] succeeded.
    pub fn get() -> Option<&'static Engine> {
        ENGINE.get()
    }

    fn launch(&'static self) -> Result<()> {
        let lcores = ffi::worker_lcores();
        let np = self.shared.ports.len();
        for (w, &lcore) in lcores.iter().enumerate().take(self.workers) {
            let ports: Box<[usize]> = (0..np).filter(|p| p % self.workers == w).collect();
            let ctx: &'static WorkerCtx = Box::leak(Box::new(WorkerCtx {
                shared: self.shared,
                index: w,
                ports,
            }));
            ffi::remote_launch(worker::worker_main, ffi::static_arg(ctx), lcore)?;
        }
        let rates = self.rates;
        std::thread::Builder::new()
            .name("pktgen-rates".into())
            .spawn(move || sample_rates(rates))
            .map_err(|_| Error::Dpdk {
                what: "spawning the rate sampler",
                errno: Errno(11),
            })?;
        Ok(())
    }

    /// Number of ports.
    pub fn port_count(&self) -> u16 {
        self.shared.ports.len() as u16
    }

    /// Bytes a frame may have without FCS: 1514, or 9614 with jumbo frames.
    pub fn max_frame(&self) -> usize {
        self.max_frame
    }

    /// TSC ticks per second.
    pub fn tsc_hz(&self) -> u64 {
        self.shared.tsc_hz
    }

    /// Number of worker lcores running the data path.
    pub fn worker_count(&self) -> usize {
        self.workers
    }

    fn index(&self, port: u16) -> Result<usize> {
        if (port as usize) < self.shared.ports.len() {
            Ok(port as usize)
        } else {
            Err(Error::NoSuchPort {
                port,
                count: self.port_count(),
            })
        }
    }

    /// Information about a port, with its current link state.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn port_info(&self, port: u16) -> Result<PortInfo> {
        let pid = self.shared.ports[self.index(port)?];
        let dev = ffi::dev_info(pid)?;
        let (link_up, speed, full_duplex) = ffi::link(pid);
        let speed_mbps = if speed == u32::MAX { 0 } else { speed };
        Ok(PortInfo {
            id: port,
            name: dev.name,
            driver: dev.driver,
            mac: self.macs[port as usize],
            link_up,
            speed_mbps,
            full_duplex,
            socket: dev.socket,
        })
    }

    /// Enables or disables promiscuous mode.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`] or the driver refusing.
    pub fn set_promiscuous(&self, port: u16, on: bool) -> Result<()> {
        ffi::promiscuous(self.shared.ports[self.index(port)?], on)
    }

    /// Starts sending `spec` on `port`. The port must not be sending.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`], [`Error::Busy`], or [`Error::Stream`] naming what is wrong in `spec`.
    pub fn start(&self, port: u16, spec: &StreamSpec) -> Result<()> {
        let i = self.index(port)?;
        self.check_up()?;
        let mut program = spec.compile(self.max_frame)?;
        let slot = &self.shared.tx[i];
        if slot.running.load(Acquire) {
            return Err(Error::Busy(port));
        }
        let speed = self.port_info(port)?.speed_mbps;
        let pps = match spec.rate {
            Rate::Unpaced => 0.0,
            Rate::Pps(p) => p,
            Rate::Bps(b) => b / (program.mean_wire_bytes * 8.0),
            // Without a known link speed a percentage means nothing: send unpaced, like Pktgen.
            Rate::Percent(_) if speed == 0 => 0.0,
            Rate::Percent(p) => speed as f64 * 1e6 * p / 100.0 / (program.mean_wire_bytes * 8.0),
        };
        let cycles_per_packet = if pps > 0.0 {
            self.shared.tsc_hz as f64 / pps
        } else {
            0.0
        };
        let tag = self.next_tag.fetch_add(1, Relaxed);
        if program.stamp_every > 0 {
            program.stamp_stream =
                ((i as u16) << latency::GEN_BITS) | (tag as u16 & ((1 << latency::GEN_BITS) - 1));
            program.stamp_backdate =
                (u128::from(spec.stamp_delay_ns) * u128::from(self.shared.tsc_hz) / 1_000_000_000) as u64;
            // Every port checks for stamps from now on: the receiver may be any of them.
            for f in self.shared.latency_rx.iter() {
                f.store(true, Release);
            }
        }
        let hz = self.shared.tsc_hz as u128;
        let gap_ticks = spec
            .gaps_ns
            .iter()
            .map(|&ns| (u128::from(ns) * hz / 1_000_000_000) as u64)
            .collect();
        let job = Box::new(TxJob {
            program,
            pool: self.pools[i],
            tag,
            cycles_per_packet,
            gap_ticks,
        });
        slot.stop.store(false, Release);
        slot.running.store(true, Release);
        let old = slot.pending.swap(Box::into_raw(job), AcqRel);
        if !old.is_null() {
            // A job the worker never picked up (a start racing a stop) is ours again: drop it.
            drop(reclaim(old));
        }
        Ok(())
    }

    /// Stops sending on `port` and waits (up to a second) for the worker to let go of the stream.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn stop(&self, port: u16) -> Result<()> {
        let i = self.index(port)?;
        let slot = &self.shared.tx[i];
        if !slot.running.load(Acquire) {
            return Ok(());
        }
        slot.stop.store(true, Release);
        wait_while(|| slot.running.load(Acquire));
        // A job the worker never picked up (worker gone) is ours again.
        let old = slot.pending.swap(std::ptr::null_mut(), AcqRel);
        if !old.is_null() {
            drop(reclaim(old));
            slot.running.store(false, Release);
        }
        slot.stop.store(false, Release);
        Ok(())
    }

    /// Whether `port` is sending (a stream started and not yet finished or stopped).
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn is_sending(&self, port: u16) -> Result<bool> {
        Ok(self.shared.tx[self.index(port)?].running.load(Acquire))
    }

    fn raw_stats(&self, i: usize) -> PortStats {
        let np = self.shared.ports.len();
        let mut s = PortStats::default();
        for w in 0..self.workers {
            self.shared.counters[w * np + i].add_to(&mut s);
        }
        let h = ffi::eth_stats(self.shared.ports[i]);
        s.hw = HwStats {
            ipackets: h.ipackets,
            opackets: h.opackets,
            ibytes: h.ibytes,
            obytes: h.obytes,
            ierrors: h.ierrors,
            oerrors: h.oerrors,
            imissed: h.imissed,
            rx_nombuf: h.rx_nombuf,
        };
        s
    }

    /// Counters of `port` since the last [`Engine::clear`].
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn stats(&self, port: u16) -> Result<PortStats> {
        let i = self.index(port)?;
        let base = lock(&self.baseline)[i];
        Ok(self.raw_stats(i).since(&base))
    }

    /// Re-baselines `port`'s counters, latency measurements included, to zero.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn clear(&self, port: u16) -> Result<()> {
        let i = self.index(port)?;
        let now = self.raw_stats(i);
        lock(&self.baseline)[i] = now;
        self.latency_reset(port)
    }

    fn latency_totals(&self, i: usize) -> LatencyTotals {
        let np = self.shared.ports.len();
        let parts = (0..self.workers).filter_map(|w| self.shared.latency[w * np + i].as_ref());
        LatencyTotals::sum(&self.shared.layout, parts)
    }

    /// Latency measured on stamps `port` received since the last reset: an HDR histogram in
    /// nanoseconds plus loss, reordering, duplicates and jitter. Stamps carry the sender's TSC, so
    /// sender and receiver must be ports of this process; TSC ticks become nanoseconds with the TSC
    /// rate EAL measured at start-up.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn latency(&self, port: u16) -> Result<LatencySnapshot> {
        let i = self.index(port)?;
        let base = lock(&self.latency_baseline)[i].clone();
        Ok(self.latency_totals(i).since(&base, &self.shared.layout))
    }

    /// The latency histograms' range and precision: (largest value in ns, significant digits).
    pub fn latency_range(&self) -> (u64, u8) {
        (self.shared.layout.max, self.shared.layout.digits)
    }

    /// The latency of the latest stamp `port` received since the last reset, in nanoseconds.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn latency_last(&self, port: u16) -> Result<Option<u64>> {
        let i = self.index(port)?;
        let np = self.shared.ports.len();
        let base = lock(&self.latency_baseline)[i].scalars[0];
        let mut count = 0;
        let mut last = None;
        for c in (0..self.workers).filter_map(|w| self.shared.latency[w * np + i].as_ref()) {
            let n = c.count.load(Relaxed);
            count += n;
            if n > 0 {
                last = Some(c.last_ns.load(Relaxed));
            }
        }
        Ok(if count > base { last } else { None })
    }

    /// Starts `port`'s latency measurements afresh.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn latency_reset(&self, port: u16) -> Result<()> {
        let i = self.index(port)?;
        let now = self.latency_totals(i);
        lock(&self.latency_baseline)[i] = now;
        Ok(())
    }

    /// Sets the latency change above which `port` counts jitter (Pktgen's `jitter`, default 50 µs).
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn set_jitter_threshold(&self, port: u16, ns: u64) -> Result<()> {
        self.shared.jitter_ns[self.index(port)?].store(ns, Relaxed);
        Ok(())
    }

    /// Turns checking received packets for stamps on or off on `port` (on for every port once a
    /// stamped stream starts).
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn set_latency_rx(&self, port: u16, on: bool) -> Result<()> {
        self.shared.latency_rx[self.index(port)?].store(on, Release);
        Ok(())
    }

    /// Rates of `port` over the last one-second interval.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn rates(&self, port: u16) -> Result<Rates> {
        let i = self.index(port)?;
        Ok(lock(self.rates).get(i).copied().unwrap_or_default())
    }

    /// The driver's extended counters (`rte_eth_xstats`) of `port`, by name.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn xstats(&self, port: u16) -> Result<Vec<(String, u64)>> {
        Ok(ffi::xstats(self.shared.ports[self.index(port)?]))
    }

    /// Starts capturing what `port` receives into a buffer of `max_bytes` holding at most
    /// `max_packets` packets of up to `snaplen` bytes each; later packets are counted as dropped.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`], or [`Error::Busy`] if a capture is already running on `port`.
    pub fn capture_start(
        &self,
        port: u16,
        max_bytes: usize,
        max_packets: usize,
        snaplen: usize,
    ) -> Result<()> {
        let slot = &self.shared.rx[self.index(port)?];
        if slot.active.load(Acquire) {
            return Err(Error::Busy(port));
        }
        let buf = Box::new(CaptureBuf::new(max_bytes, max_packets, snaplen.max(1)));
        slot.stop.store(false, Release);
        if let Some(old) = capture::reclaim(slot.pending.swap(Box::into_raw(buf), AcqRel)) {
            drop(old);
        }
        slot.active.store(true, Release);
        Ok(())
    }

    /// Stops capturing on `port` and returns what was captured (empty if no capture ran).
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn capture_stop(&self, port: u16) -> Result<Capture> {
        let slot = &self.shared.rx[self.index(port)?];
        slot.stop.store(true, Release);
        wait_while(|| slot.active.load(Acquire));
        let buf = capture::reclaim(slot.done.swap(std::ptr::null_mut(), AcqRel))
            .or_else(|| capture::reclaim(slot.pending.swap(std::ptr::null_mut(), AcqRel)));
        slot.active.store(false, Release);
        slot.stop.store(false, Release);
        Ok(buf
            .map(|b| b.finish(|tsc| self.tsc_to_unix_ns(tsc)))
            .unwrap_or_default())
    }

    /// Converts a TSC reading of this process to Unix time in nanoseconds.
    pub fn tsc_to_unix_ns(&self, tsc: u64) -> u64 {
        let (t0, ns0) = self.epoch;
        let dt = tsc.wrapping_sub(t0) as i64 as i128 * 1_000_000_000 / self.shared.tsc_hz.max(1) as i128;
        (ns0 as i128 + dt) as u64
    }

    /// Sends `frames` (without FCS) once on `port`, beside whatever stream it runs, and returns
    /// once the port's worker has handed them to the driver (so a script that ends right after
    /// still has them sent). Waits up to a second for an earlier injection to leave first.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`], [`Error::Stream`] for a frame shorter than 14 or longer than the
    /// largest frame, or [`Error::Busy`] if the worker did not take them within a second.
    pub fn send_frames(&self, port: u16, frames: Vec<Vec<u8>>) -> Result<()> {
        let i = self.index(port)?;
        self.check_up()?;
        if let Some((k, f)) = frames
            .iter()
            .enumerate()
            .find(|(_, f)| f.len() < 14 || f.len() > self.max_frame)
        {
            return Err(Error::Stream(format!(
                "frame {k} has {} bytes; frames have 14..={} bytes without FCS",
                f.len(),
                self.max_frame
            )));
        }
        let slot = &self.shared.inject[i];
        let mine = Box::into_raw(Box::new(frames));
        let deadline = Instant::now() + Duration::from_secs(1);
        while slot
            .compare_exchange(std::ptr::null_mut(), mine, AcqRel, Acquire)
            .is_err()
        {
            if Instant::now() >= deadline {
                drop(reclaim_frames(mine));
                return Err(Error::Busy(port));
            }
            std::thread::sleep(Duration::from_micros(100));
        }
        while slot.load(Acquire) == mine {
            if Instant::now() >= deadline {
                // Still there: take them back unless the worker took them this very moment.
                if slot
                    .compare_exchange(mine, std::ptr::null_mut(), AcqRel, Acquire)
                    .is_ok()
                {
                    drop(reclaim_frames(mine));
                    return Err(Error::Busy(port));
                }
                break;
            }
            std::thread::sleep(Duration::from_micros(50));
        }
        Ok(())
    }

    /// Answer ARP requests (`arp`) and ICMP echo requests (`icmp`) for `ipv4` on `port` with the
    /// port's MAC, from the data path; `ipv4` 0.0.0.0 answers nothing.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn set_responder(&self, port: u16, ipv4: [u8; 4], arp: bool, icmp: bool) -> Result<()> {
        let i = self.index(port)?;
        let id = &self.shared.ident[i];
        let mac = self.macs[i].iter().fold(0u64, |v, b| (v << 8) | u64::from(*b));
        id.mac.store(mac, Relaxed);
        id.ipv4.store(u64::from(u32::from_be_bytes(ipv4)), Relaxed);
        id.arp.store(arp, Release);
        id.icmp.store(icmp, Release);
        Ok(())
    }

    /// Learn IPv4-to-MAC pairs from the ARP frames `port` receives.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn set_arp_learning(&self, port: u16, on: bool) -> Result<()> {
        self.shared.ident[self.index(port)?].learn.store(on, Release);
        Ok(())
    }

    /// The IPv4-to-MAC pairs `port` learned from ARP.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn arp_table(&self, port: u16) -> Result<Vec<([u8; 4], [u8; 6])>> {
        Ok(self.shared.arp[self.index(port)?].entries())
    }

    fn check_up(&self) -> Result<()> {
        if self.down.load(Acquire) {
            Err(Error::ShutDown)
        } else {
            Ok(())
        }
    }

    /// Stops every port, waits for the workers and shuts EAL down. Later calls do nothing.
    pub fn shutdown(&self) {
        if self.down.swap(true, AcqRel) {
            return;
        }
        for p in 0..self.port_count() {
            let _ = self.stop(p);
        }
        self.shared.quit.store(true, Release);
        ffi::wait_all_lcores();
        for &p in self.shared.ports.iter() {
            ffi::port_close(p);
        }
        ffi::eal_cleanup();
    }
}

/// Takes back ownership of a job stored in a slot.
fn reclaim(p: *mut TxJob) -> Box<TxJob> {
    // SAFETY: slots only ever hold pointers from Box::into_raw, and the swap that returned `p`
    // removed it from the slot, so nobody else owns it.
    unsafe { Box::from_raw(p) }
}

/// Waits, up to a second, while a worker has not yet answered a request through `busy`.
fn wait_while(busy: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(1);
    while busy() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_micros(100));
    }
}

/// Takes back frames the worker never took from an injection slot.
// The frames travel through an AtomicPtr, which needs a thin pointer: the Vec itself is boxed.
#[allow(clippy::box_collection)]
fn reclaim_frames(p: *mut Vec<Vec<u8>>) -> Box<Vec<Vec<u8>>> {
    // SAFETY: `p` came from Box::into_raw, and the caller either never stored it in the slot or
    // removed it with a compare-exchange, so the worker cannot have it.
    unsafe { Box::from_raw(p) }
}

fn sample_rates(rates: &'static Mutex<Vec<Rates>>) {
    let mut last: Option<(Instant, Vec<PortStats>)> = None;
    loop {
        std::thread::sleep(Duration::from_secs(1));
        let Some(e) = Engine::get() else { continue };
        if e.down.load(Acquire) {
            return;
        }
        let now = Instant::now();
        let cur: Vec<PortStats> = (0..e.shared.ports.len()).map(|i| e.raw_stats(i)).collect();
        if let Some((t, prev)) = &last {
            let dt = now.duration_since(*t).as_secs_f64().max(1e-6);
            let r = cur
                .iter()
                .zip(prev)
                .map(|(c, p)| Rates {
                    rx_pps: c.rx_packets.wrapping_sub(p.rx_packets) as f64 / dt,
                    tx_pps: c.tx_packets.wrapping_sub(p.tx_packets) as f64 / dt,
                    rx_bps: c.rx_bytes.wrapping_sub(p.rx_bytes) as f64 * 8.0 / dt,
                    tx_bps: c.tx_bytes.wrapping_sub(p.tx_bytes) as f64 * 8.0 / dt,
                })
                .collect();
            *lock(rates) = r;
        }
        last = Some((now, cur));
    }
}

impl Engine {
    pub(crate) fn assemble(setup: eal::Setup) -> Engine {
        let eal::Setup {
            ports,
            macs,
            pools,
            max_frame,
            workers,
            tag_off,
            tsc_hz,
            layout,
        } = setup;
        let np = ports.len();
        let shared: &'static Shared = Box::leak(Box::new(Shared {
            tx: (0..np).map(|_| TxSlot::default()).collect(),
            rx: (0..np).map(|_| RxSlot::default()).collect(),
            counters: (0..np * workers).map(|_| Default::default()).collect(),
            ports: ports.into(),
            tag_off,
            tsc_hz,
            quit: AtomicBool::new(false),
            // Port p receives on worker p % workers: only those pairs need histograms.
            latency: (0..np * workers)
                .map(|i| (i % np % workers == i / np).then(|| LatencyCounters::new(&layout)))
                .collect(),
            layout,
            tsc_to_ns: TscToNs::new(tsc_hz),
            latency_rx: (0..np).map(|_| AtomicBool::new(false)).collect(),
            jitter_ns: (0..np)
                .map(|_| std::sync::atomic::AtomicU64::new(DEFAULT_JITTER_NS))
                .collect(),
            pools: pools.clone().into(),
            ident: (0..np).map(|_| responder::Identity::default()).collect(),
            arp: (0..np).map(|_| responder::ArpTable::default()).collect(),
            inject: (0..np)
                .map(|_| std::sync::atomic::AtomicPtr::new(std::ptr::null_mut()))
                .collect(),
        }));
        Engine {
            shared,
            macs,
            pools,
            max_frame,
            workers,
            baseline: Mutex::new(vec![PortStats::default(); np]),
            latency_baseline: Mutex::new(vec![LatencyTotals::default(); np]),
            rates: Box::leak(Box::new(Mutex::new(vec![Rates::default(); np]))),
            down: AtomicBool::new(false),
            next_tag: AtomicU32::new(1),
            epoch: (
                ffi::rdtsc(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as u64),
            ),
        }
    }
}
