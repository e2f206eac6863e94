//! The process-wide engine: its ports and their counters, latency, capture, injection and
//! responder settings, and its life cycle (start-up through EAL, the workers' launch, shutdown).
//! One `impl Engine` part; the streams' part is stream/impl_engine.rs.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering::*};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use crate::capture::{self, Capture, CaptureBuf};
use crate::eal::{self, Config};
use crate::error::{Errno, Error, Result};
use crate::ffi;
use crate::latency::LatencyTotals;
use crate::latency::{self, LatencySnapshot};
use crate::lcores::PortLayout;
use crate::mirror::{self, MirrorStats};
use crate::responder;
use crate::stats::{HwStats, PortStats, QueueStats, Rates};
use crate::stream;
use crate::stream::layout::SLOTS;
use crate::worker::{self, MAX_RX_BURST, PortShared, Shared, TxJob, WorkerCtx};

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

/// A bonding port's configuration, as DPDK's bonding driver reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BondInfo {
    /// The bonding mode (0 round-robin, 1 active-backup, 2 balance-xor, 3 broadcast,
    /// 4 802.3ad, 5 balance-tlb, 6 balance-alb).
    pub mode: u8,
    /// Each member: DPDK port id, device name, and whether it is active.
    pub members: Vec<(u16, String, bool)>,
    /// The primary member's device name.
    pub primary: Option<String>,
}

/// The process-wide engine: EAL, ports and workers. Created once by [`Engine::init`].
pub struct Engine {
    pub(crate) shared: &'static Shared,
    macs: Vec<[u8; 6]>,
    pub(crate) max_frame: usize,
    /// Worker lcores running the data path.
    workers: Vec<u32>,
    /// Per port: its counters and its queues' at the last clear.
    baseline: Mutex<Vec<(PortStats, Vec<QueueStats>)>>,
    latency_baseline: Mutex<Vec<LatencyTotals>>,
    /// Per stream of the process (port index * SLOTS + slot): its counters at its start.
    pub(crate) stream_base: Mutex<Vec<stream::impl_engine::StreamBase>>,
    pub(crate) senders: Mutex<stream::impl_engine::SenderBook>,
    /// Wire bits per second each paced stream asked for at its start, by (port index, slot).
    pub(crate) stream_bps: Mutex<std::collections::HashMap<(usize, usize), f64>>,
    /// Buffer pools of the streams beside a port's own, by (port index, queue, slot).
    pub(crate) stream_pools: Mutex<std::collections::HashMap<(usize, usize, usize), ffi::Pool>>,
    rates: &'static Mutex<Vec<Rates>>,
    down: AtomicBool,
    pub(crate) next_tag: AtomicU32,
    /// (TSC, Unix time in ns) read together at start-up, to date TSC stamps.
    epoch: (u64, u64),
}

static ENGINE: OnceLock<Engine> = OnceLock::new();

/// Pktgen's default jitter threshold: 50 µs.
const DEFAULT_JITTER_NS: u64 = 50_000;
static STARTED: AtomicBool = AtomicBool::new(false);

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let layouts: Vec<_> = self.shared.ports.iter().map(|p| (p.id, &p.layout)).collect();
        f.debug_struct("Engine")
            .field("ports", &layouts)
            .field("workers", &self.workers)
            .finish()
    }
}

impl Engine {
    /// Starts EAL, sets up every port and its queues and launches the workers. Once per process.
    ///
    /// # Errors
    /// EAL refusing its arguments (with a hint), no ports, no worker lcore, an lcore layout
    /// (`-m`) that cannot run, a port that cannot be configured, or a second call.
    pub fn init(cfg: &Config) -> Result<&'static Engine> {
        if STARTED.swap(true, SeqCst) {
            return Err(Error::AlreadyInitialised);
        }
        let engine = Engine::assemble(eal::start(cfg)?);
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
        for &lcore in &self.workers {
            let mine = |queues: &dyn Fn(&PortShared) -> Vec<u32>| -> Box<[(usize, usize)]> {
                let mut v = Vec::new();
                for (pi, p) in self.shared.ports.iter().enumerate() {
                    v.extend(
                        queues(p)
                            .iter()
                            .enumerate()
                            .filter(|(_, l)| **l == lcore)
                            .map(|(q, _)| (pi, q)),
                    );
                }
                v.into()
            };
            let tx = mine(&|p| p.layout.tx_lcores[..p.layout.stream_queues].to_vec());
            let rx = mine(&|p| p.layout.rx_lcores.clone());
            let ctx: &'static WorkerCtx = Box::leak(Box::new(WorkerCtx {
                shared: self.shared,
                lcore,
                tx,
                rx,
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
        self.workers.len()
    }

    pub(crate) fn port(&self, port: u16) -> Result<&'static PortShared> {
        self.shared.ports.get(usize::from(port)).ok_or(Error::NoSuchPort {
            port,
            count: self.port_count(),
        })
    }

    /// Information about a port, with its current link state.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn port_info(&self, port: u16) -> Result<PortInfo> {
        let pid = self.port(port)?.id;
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

    /// Which lcores serve `port` and with how many queues.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn port_layout(&self, port: u16) -> Result<PortLayout> {
        Ok(self.port(port)?.layout.clone())
    }

    /// Enables or disables promiscuous mode.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`] or the driver refusing.
    pub fn set_promiscuous(&self, port: u16, on: bool) -> Result<()> {
        ffi::promiscuous(self.port(port)?.id, on)
    }

    fn raw_stats(&self, p: &PortShared) -> PortStats {
        let mut s = PortStats::default();
        for c in p
            .txq
            .iter()
            .map(|q| &q.counters)
            .chain(p.rxq.iter().map(|q| &q.counters))
        {
            c.add_to(&mut s);
        }
        let h = ffi::eth_stats(p.id);
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

    fn raw_queue_stats(&self, p: &PortShared) -> Vec<QueueStats> {
        let n = p.rxq.len().max(p.txq.len());
        (0..n)
            .map(|q| {
                let mut s = QueueStats::default();
                if let Some(r) = p.rxq.get(q) {
                    s.rx_packets = r.counters.rx_packets.load(Relaxed);
                    s.rx_bytes = r.counters.rx_bytes.load(Relaxed);
                    s.rx_lcore = Some(p.layout.rx_lcores[q]);
                }
                if let Some(t) = p.txq.get(q) {
                    s.tx_packets = t.counters.tx_packets.load(Relaxed) + t.counters.tx_extra.load(Relaxed);
                    s.tx_bytes = t.counters.tx_bytes.load(Relaxed);
                    s.tx_lcore = Some(p.layout.tx_lcores[q]);
                }
                s
            })
            .collect()
    }

    /// Counters of `port` since the last [`Engine::clear`].
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn stats(&self, port: u16) -> Result<PortStats> {
        let p = self.port(port)?;
        let base = lock(&self.baseline)[usize::from(port)].0;
        Ok(self.raw_stats(p).since(&base))
    }

    /// Counters of each of `port`'s queues since the last [`Engine::clear`]: entry q has RX
    /// queue q's and TX queue q's (Pktgen's `qstats[q]`).
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn queue_stats(&self, port: u16) -> Result<Vec<QueueStats>> {
        let p = self.port(port)?;
        let base = lock(&self.baseline)[usize::from(port)].1.clone();
        Ok(self
            .raw_queue_stats(p)
            .into_iter()
            .zip(base)
            .map(|(s, b)| s.since(&b))
            .collect())
    }

    /// Re-baselines `port`'s counters, latency measurements included, to zero.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn clear(&self, port: u16) -> Result<()> {
        let p = self.port(port)?;
        let now = (self.raw_stats(p), self.raw_queue_stats(p));
        lock(&self.baseline)[usize::from(port)] = now;
        let started = lock(&self.senders).started(usize::from(port));
        for slot in (0..SLOTS).filter(|s| started & (1 << s) != 0) {
            self.rebase_stream(usize::from(port), slot);
        }
        self.latency_reset(port)
    }

    /// Every stamp `p` received, of any stream, over its RX queues.
    fn latency_totals(&self, p: &PortShared) -> LatencyTotals {
        let parts = p
            .rxq
            .iter()
            .flat_map(|q| q.streams.iter().filter_map(|c| c.get().copied()));
        LatencyTotals::sum(&self.shared.layout, parts)
    }

    /// Latency measured on stamps `port` received since the last reset, merged over its RX
    /// queues: an HDR histogram in nanoseconds plus loss, reordering, duplicates and jitter.
    /// Stamps carry the sender's TSC, so sender and receiver must be ports of this process; TSC
    /// ticks become nanoseconds with the TSC rate EAL measured at start-up.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn latency(&self, port: u16) -> Result<LatencySnapshot> {
        let p = self.port(port)?;
        let base = lock(&self.latency_baseline)[usize::from(port)].clone();
        Ok(self.latency_totals(p).since(&base, &self.shared.layout))
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
        let p = self.port(port)?;
        let base = lock(&self.latency_baseline)[usize::from(port)].scalars[0];
        let count = self.latency_totals(p).scalars[0];
        let last = p.rxq.iter().map(|q| q.last_ns.load(Relaxed)).find(|&ns| ns > 0);
        Ok(if count > base { last } else { None })
    }

    /// Starts `port`'s latency measurements afresh.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn latency_reset(&self, port: u16) -> Result<()> {
        let now = self.latency_totals(self.port(port)?);
        lock(&self.latency_baseline)[usize::from(port)] = now;
        Ok(())
    }

    /// Sets the latency change above which `port` counts jitter (Pktgen's `jitter`, default 50 µs).
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn set_jitter_threshold(&self, port: u16, ns: u64) -> Result<()> {
        self.port(port)?.jitter_ns.store(ns, Relaxed);
        Ok(())
    }

    /// Sets how many packets each of `port`'s RX queues asks the driver for at a time.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`]; [`Error::Setting`] outside 1..=[`MAX_RX_BURST`].
    pub fn set_rx_burst(&self, port: u16, n: usize) -> Result<()> {
        if !(1..=MAX_RX_BURST).contains(&n) {
            return Err(Error::Setting(format!(
                "RX burst {n} is outside 1..={MAX_RX_BURST}"
            )));
        }
        self.port(port)?.rx_burst.store(n, Relaxed);
        Ok(())
    }

    /// How many packets each of `port`'s RX queues asks the driver for at a time.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn rx_burst(&self, port: u16) -> Result<usize> {
        Ok(self.port(port)?.rx_burst.load(Relaxed))
    }

    /// Turns checking received packets for stamps on or off on `port` (on for every port once a
    /// stamped stream starts).
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn set_latency_rx(&self, port: u16, on: bool) -> Result<()> {
        self.port(port)?.latency_rx.store(on, Release);
        Ok(())
    }

    /// Rates of `port` over the last second (refreshed every 100 ms).
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn rates(&self, port: u16) -> Result<Rates> {
        self.port(port)?;
        Ok(lock(self.rates)
            .get(usize::from(port))
            .copied()
            .unwrap_or_default())
    }

    /// The driver's extended counters (`rte_eth_xstats`) of `port`, by name.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn xstats(&self, port: u16) -> Result<Vec<(String, u64)>> {
        Ok(ffi::xstats(self.port(port)?.id))
    }

    /// Starts capturing what `port` receives into buffers of `max_bytes` in all holding at most
    /// `max_packets` packets of up to `snaplen` bytes each (split evenly over the port's RX
    /// queues); later packets are counted as dropped.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`], [`Error::NoLcore`], or [`Error::Busy`] if a capture is already
    /// running on `port`.
    pub fn capture_start(
        &self,
        port: u16,
        max_bytes: usize,
        max_packets: usize,
        snaplen: usize,
    ) -> Result<()> {
        self.capture_start_filtered(port, max_bytes, max_packets, snaplen, None)
    }

    /// [`Engine::capture_start`] keeping only the packets that match `filter` (tcpdump syntax).
    ///
    /// # Errors
    /// As [`Engine::capture_start`], and [`Error::Filter`] for a filter that does not compile.
    pub fn capture_start_filtered(
        &self,
        port: u16,
        max_bytes: usize,
        max_packets: usize,
        snaplen: usize,
        filter: Option<&str>,
    ) -> Result<()> {
        let p = self.port(port)?;
        let filter = match filter {
            Some(f) => Some(std::sync::Arc::new(crate::bpf::compile_for(port, "capture", f)?)),
            None => None,
        };
        let n = p.rxq.len();
        if n == 0 {
            return Err(Error::NoLcore { port, dir: "RX" });
        }
        if p.rxq.iter().any(|q| q.capture.active.load(Acquire)) {
            return Err(Error::Busy(port));
        }
        for q in p.rxq.iter() {
            let slot = &q.capture;
            let buf = Box::new(CaptureBuf::new(
                max_bytes / n,
                (max_packets / n).max(1),
                snaplen.max(1),
                filter.clone(),
            ));
            slot.stop.store(false, Release);
            if let Some(old) = capture::reclaim(slot.pending.swap(Box::into_raw(buf), AcqRel)) {
                drop(old);
            }
            slot.active.store(true, Release);
        }
        Ok(())
    }

    /// Stops capturing on `port` and returns what was captured, in time order over its RX
    /// queues (empty if no capture ran).
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn capture_stop(&self, port: u16) -> Result<Capture> {
        let p = self.port(port)?;
        let mut all = Capture::default();
        for q in p.rxq.iter() {
            let slot = &q.capture;
            slot.stop.store(true, Release);
            wait_while(|| slot.active.load(Acquire));
            let buf = capture::reclaim(slot.done.swap(std::ptr::null_mut(), AcqRel))
                .or_else(|| capture::reclaim(slot.pending.swap(std::ptr::null_mut(), AcqRel)));
            slot.active.store(false, Release);
            slot.stop.store(false, Release);
            if let Some(b) = buf {
                let c = b.finish(|tsc| self.tsc_to_unix_ns(tsc));
                all.packets.extend(c.packets);
                all.dropped += c.dropped;
            }
        }
        if p.rxq.len() > 1 {
            all.packets.sort_by_key(|k| k.time_ns);
        }
        Ok(all)
    }

    /// Converts a TSC reading of this process to Unix time in nanoseconds.
    pub fn tsc_to_unix_ns(&self, tsc: u64) -> u64 {
        let (t0, ns0) = self.epoch;
        let dt = tsc.wrapping_sub(t0) as i64 as i128 * 1_000_000_000 / self.shared.tsc_hz.max(1) as i128;
        (ns0 as i128 + dt) as u64
    }

    /// Sends `frames` (without FCS) once on `port`'s TX queue 0, beside whatever stream it runs,
    /// and returns once the queue's worker has handed them to the driver (so a script that ends
    /// right after still has them sent). Waits up to a second for an earlier injection to leave
    /// first.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`], [`Error::NoLcore`], [`Error::Stream`] for a frame shorter than 14
    /// or longer than the largest frame, or [`Error::Busy`] if the worker did not take them
    /// within a second.
    pub fn send_frames(&self, port: u16, frames: Vec<Vec<u8>>) -> Result<()> {
        let p = self.port(port)?;
        self.check_up()?;
        if p.layout.stream_queues == 0 {
            return Err(Error::NoLcore { port, dir: "TX" });
        }
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
        let slot = &p.inject;
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
        let id = &self.port(port)?.ident;
        let mac = self.macs[usize::from(port)]
            .iter()
            .fold(0u64, |v, b| (v << 8) | u64::from(*b));
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
        self.port(port)?.ident.learn.store(on, Release);
        Ok(())
    }

    /// The IPv4-to-MAC pairs `port` learned from ARP (over its RX queues; one MAC per address).
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn arp_table(&self, port: u16) -> Result<Vec<([u8; 4], [u8; 6])>> {
        let mut all: Vec<([u8; 4], [u8; 6])> = Vec::new();
        for q in self.port(port)?.rxq.iter() {
            for (ip, mac) in q.arp.entries() {
                if !all.iter().any(|(a, _)| *a == ip) {
                    all.push((ip, mac));
                }
            }
        }
        Ok(all)
    }

    /// The IPv6 address `port`'s responder answers neighbour solicitations and ICMPv6 echo
    /// requests for (as [`Engine::set_responder`] says), besides its link-local address (fe80::
    /// and the EUI-64 of its MAC); `::` answers the link-local address only.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn set_responder6(&self, port: u16, ipv6: [u8; 16]) -> Result<()> {
        let id = &self.port(port)?.ident;
        for (w, half) in id.ipv6.iter().zip(ipv6.chunks_exact(8)) {
            w.store(half.iter().fold(0u64, |v, b| (v << 8) | u64::from(*b)), Relaxed);
        }
        Ok(())
    }

    /// The IPv6-to-MAC pairs `port` learned from neighbour discovery (with
    /// [`Engine::set_arp_learning`] on; over its RX queues; one MAC per address).
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn nd_table(&self, port: u16) -> Result<Vec<([u8; 16], [u8; 6])>> {
        let mut all: Vec<([u8; 16], [u8; 6])> = Vec::new();
        for q in self.port(port)?.rxq.iter() {
            for (ip, mac) in q.nd.entries() {
                if !all.iter().any(|(a, _)| *a == ip) {
                    all.push((ip, mac));
                }
            }
        }
        Ok(all)
    }

    /// Sends a neighbour solicitation for `target` from `port` (its MAC, source address `src`),
    /// to the target's solicited-node multicast group: the IPv6 twin of an ARP request.
    ///
    /// # Errors
    /// As [`Engine::send_frames`].
    pub fn solicit(&self, port: u16, src: [u8; 16], target: [u8; 16]) -> Result<()> {
        self.port(port)?;
        let mac = self.macs[usize::from(port)];
        self.send_frames(port, vec![crate::nd::solicitation(mac, src, target)])
    }

    /// Turns the mirror of what `port` receives (`rx`) or sends (`!rx`) to a TAP interface on
    /// or off, and returns the interface's name (`pg_rxtap0`, `pg_txtap1`, ...). On, the
    /// interface exists and is up; off, it is gone. The data path copies each packet into a ring
    /// and goes on; a thread writes the ring to the interface, and what does not fit is left out
    /// of the mirror and counted ([`Engine::tap_stats`]).
    ///
    /// # Errors
    /// [`Error::NoSuchPort`], or [`Error::Tap`] when the interface cannot be made.
    pub fn set_tap(&self, port: u16, rx: bool, on: bool) -> Result<String> {
        let p = self.port(port)?;
        let m = if rx { &p.taps.rx } else { &p.taps.tx };
        m.set(on).map_err(|e| Error::Tap {
            name: m.name().to_string(),
            reason: e.to_string(),
            hint: match e.raw_os_error() {
                Some(1) | Some(13) => " (TAP interfaces need root or CAP_NET_ADMIN)",
                Some(16) => {
                    " (another process holds an interface of that name: another pktgen mirroring its port?)"
                }
                Some(2) | Some(19) => " (this kernel has no TUN/TAP support: modprobe tun)",
                _ => "",
            },
        })?;
        Ok(m.name().to_string())
    }

    /// What `port`'s two mirrors (receive, send) have done since they were last turned on.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn tap_stats(&self, port: u16) -> Result<(MirrorStats, MirrorStats)> {
        let p = self.port(port)?;
        Ok((p.taps.rx.stats(), p.taps.tx.stats()))
    }

    /// Bonding information of `port` (Pktgen's `bonding`), or `None` when it is not a bonding port.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn bonding(&self, port: u16) -> Result<Option<BondInfo>> {
        let p = self.port(port)?;
        if ffi::dev_info(p.id)?.driver != "net_bonding" {
            return Ok(None);
        }
        let name = |id: u16| ffi::dev_info(id).map(|d| d.name).unwrap_or_default();
        Ok(ffi::bond_info(p.id).map(|b| BondInfo {
            mode: b.mode,
            members: b
                .members
                .iter()
                .map(|&m| (m, name(m), b.active.contains(&m)))
                .collect(),
            primary: b.primary.map(name),
        }))
    }

    pub(crate) fn check_up(&self) -> Result<()> {
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
        for p in self.shared.ports.iter() {
            let _ = (p.taps.rx.set(false), p.taps.tx.set(false));
        }
        for p in self.shared.ports.iter().filter(|p| p.layout.used()) {
            ffi::port_close(p.id);
        }
        ffi::eal_cleanup();
    }
}

/// Takes back ownership of a job stored in a slot.
pub(crate) fn reclaim(p: *mut TxJob) -> Box<TxJob> {
    // SAFETY: slots only ever hold pointers from Box::into_raw, and the swap that returned `p`
    // removed it from the slot, so nobody else owns it.
    unsafe { Box::from_raw(p) }
}

/// Waits, up to 10 s, while a worker has not yet answered a request through `busy`.
pub(crate) fn wait_while(busy: impl Fn() -> bool) {
    // A worker answers within a turn of its loop; on a loaded machine its lcore's thread may
    // wait for the CPU far longer than that, and giving up early would leave it running.
    let deadline = Instant::now() + Duration::from_secs(10);
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

/// Keeps every port's rates over the last second, refreshed every tenth of a second from the
/// moment the engine starts (a shorter window until a second has passed). A rate read one second
/// after a port started covers that second; with one sample a second, the first rate only came
/// two seconds after start-up, and a script's first reading was 0.
fn sample_rates(rates: &'static Mutex<Vec<Rates>>) {
    const STEP: Duration = Duration::from_millis(100);
    const WINDOW: usize = 10;
    let mut history: std::collections::VecDeque<(Instant, Vec<PortStats>)> =
        std::collections::VecDeque::with_capacity(WINDOW + 1);
    loop {
        let Some(e) = Engine::get() else {
            std::thread::sleep(STEP);
            continue;
        };
        if e.down.load(Acquire) {
            return;
        }
        let now = Instant::now();
        let cur: Vec<PortStats> = e.shared.ports.iter().map(|p| e.raw_stats(p)).collect();
        if let Some((t, prev)) = history.front() {
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
        history.push_back((now, cur));
        if history.len() > WINDOW {
            history.pop_front();
        }
        std::thread::sleep(STEP);
    }
}

impl Engine {
    pub(crate) fn assemble(setup: eal::Setup) -> Engine {
        let eal::Setup {
            ports,
            max_frame,
            workers,
            tag_off,
            tsc_hz,
            layout,
        } = setup;
        let np = ports.len();
        let mut macs = Vec::with_capacity(np);
        let mut shared_ports = Vec::with_capacity(np);
        for p in ports {
            macs.push(p.mac);
            let rxq = (0..p.layout.rx_lcores.len())
                .map(|q| worker::RxQueue {
                    reply: p.layout.reply_queue(q),
                    counters: Default::default(),
                    streams: (0..np * SLOTS).map(|_| OnceLock::new()).collect(),
                    last_ns: Default::default(),
                    arp: responder::ArpTable::default(),
                    nd: Default::default(),
                    capture: Default::default(),
                    filters: Default::default(),
                })
                .collect();
            let txq = p
                .tx_pools
                .iter()
                .map(|&pool| worker::TxQueue::new(pool))
                .collect();
            shared_ports.push(PortShared {
                id: p.id,
                txq,
                rxq,
                stop: Default::default(),
                latency_rx: AtomicBool::new(false),
                jitter_ns: std::sync::atomic::AtomicU64::new(DEFAULT_JITTER_NS),
                ident: responder::Identity::default(),
                inject: Default::default(),
                taps: mirror::PortTaps::new(
                    shared_ports.len(),
                    p.layout.rx_lcores.len(),
                    p.tx_pools.len(),
                    max_frame,
                ),
                layout: p.layout,
                filter_book: Default::default(),
                rx_burst: AtomicUsize::new(worker::RX_BURST),
            });
        }
        let shared: &'static Shared = Box::leak(Box::new(Shared {
            ports: shared_ports.into(),
            tag_off,
            tsc_hz,
            quit: AtomicBool::new(false),
            tsc_to_ns: latency::TscToNs::new(tsc_hz),
            layout,
            senders: (0..latency::SENDERS).map(|_| Default::default()).collect(),
        }));
        mirror::register(shared.ports.iter().map(|p| &p.taps).collect());
        let baseline = shared
            .ports
            .iter()
            .map(|p| {
                (
                    PortStats::default(),
                    vec![QueueStats::default(); p.rxq.len().max(p.txq.len())],
                )
            })
            .collect();
        Engine {
            shared,
            macs,
            max_frame,
            workers,
            baseline: Mutex::new(baseline),
            latency_baseline: Mutex::new(vec![LatencyTotals::default(); np]),
            stream_base: Mutex::new(vec![Default::default(); np * SLOTS]),
            senders: Default::default(),
            stream_pools: Default::default(),
            stream_bps: Default::default(),
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
