//! Per-worker, per-port counters: written by one worker without locks, summed by readers.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Counters one worker keeps for one port, on their own cache lines.
#[repr(align(64))]
#[derive(Default)]
pub(crate) struct Counters {
    pub tx_packets: AtomicU64,
    pub tx_bytes: AtomicU64,
    pub tx_no_mbuf: AtomicU64,
    pub rx_packets: AtomicU64,
    pub rx_bytes: AtomicU64,
    pub rx_broadcast: AtomicU64,
    pub rx_multicast: AtomicU64,
    /// Received frames by size with FCS: <64, 64, 65-127, 128-255, 256-511, 512-1023, 1024-1518, >1518.
    pub rx_sizes: [AtomicU64; 8],
    /// Received frames by kind: ARP, ICMP echo, other IPv4, other IPv6, unknown, IPv6 neighbour
    /// discovery; and VLAN-tagged.
    pub rx_kinds: [AtomicU64; 6],
    pub rx_vlan: AtomicU64,
    /// Frames injected (`Engine::send_frames`) or sent by the responder.
    pub tx_extra: AtomicU64,
    /// Received frames that came as a chain of several buffers (larger than one buffer).
    pub rx_chained: AtomicU64,
    /// Their bytes (without FCS).
    pub tx_extra_bytes: AtomicU64,
}

/// Adds to a counter that only the calling worker writes (no locked instruction needed).
#[inline(always)]
pub(crate) fn bump(c: &AtomicU64, n: u64) {
    c.store(c.load(Relaxed).wrapping_add(n), Relaxed);
}

/// The size bucket of a frame of `len` bytes without FCS.
#[inline(always)]
pub(crate) fn size_bucket(len: u32) -> usize {
    match len + 4 {
        0..=63 => 0,
        64 => 1,
        65..=127 => 2,
        128..=255 => 3,
        256..=511 => 4,
        512..=1023 => 5,
        1024..=1518 => 6,
        _ => 7,
    }
}

/// Received frames by size (with FCS) and by destination kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SizeCounts {
    /// Shorter than 64 bytes.
    pub runt: u64,
    /// Exactly 64 bytes.
    pub _64: u64,
    /// 65..=127 bytes.
    pub _65_127: u64,
    /// 128..=255 bytes.
    pub _128_255: u64,
    /// 256..=511 bytes.
    pub _256_511: u64,
    /// 512..=1023 bytes.
    pub _512_1023: u64,
    /// 1024..=1518 bytes.
    pub _1024_1518: u64,
    /// Longer than 1518 bytes.
    pub jumbo: u64,
    /// Broadcast destination.
    pub broadcast: u64,
    /// Multicast (not broadcast) destination.
    pub multicast: u64,
}

/// Received frames by kind, as Pktgen's `pktStats` counts them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KindCounts {
    /// ARP frames.
    pub arp: u64,
    /// ICMP (v4 or v6) echo requests and replies.
    pub echo: u64,
    /// Other IPv4 packets.
    pub ipv4: u64,
    /// Other IPv6 packets.
    pub ipv6: u64,
    /// Anything else.
    pub unknown: u64,
    /// IPv6 neighbour discovery (router and neighbour solicitations and advertisements,
    /// redirects): the ARP of IPv6, not counted in `ipv6`.
    pub nd: u64,
    /// VLAN-tagged frames (of any kind).
    pub vlan: u64,
}

/// The driver's own counters (`rte_eth_stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HwStats {
    /// Packets received.
    pub ipackets: u64,
    /// Packets sent.
    pub opackets: u64,
    /// Bytes received.
    pub ibytes: u64,
    /// Bytes sent.
    pub obytes: u64,
    /// Receive errors.
    pub ierrors: u64,
    /// Transmit errors.
    pub oerrors: u64,
    /// Packets dropped because the RX queue was full.
    pub imissed: u64,
    /// RX buffer allocation failures.
    pub rx_nombuf: u64,
}

/// A port's counters since the last clear.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PortStats {
    /// Packets the workers handed to the driver.
    pub tx_packets: u64,
    /// Bytes (without FCS) the workers handed to the driver.
    pub tx_bytes: u64,
    /// Times the TX pool was empty (buffers still in flight).
    pub tx_no_mbuf: u64,
    /// Packets the workers received.
    pub rx_packets: u64,
    /// Bytes (without FCS) the workers received.
    pub rx_bytes: u64,
    /// Received frames by size.
    pub rx_sizes: SizeCounts,
    /// Received frames by kind.
    pub rx_kinds: KindCounts,
    /// Frames sent besides the stream: injected ones and responder answers.
    pub tx_extra: u64,
    /// Received frames that came as a chain of several buffers (larger than one buffer); their
    /// latency stamps are read across the chain.
    pub rx_chained: u64,
    /// Their bytes (without FCS).
    pub tx_extra_bytes: u64,
    /// The driver's counters.
    pub hw: HwStats,
}

/// Rates over the last one-second interval.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rates {
    /// Packets per second received.
    pub rx_pps: f64,
    /// Packets per second sent.
    pub tx_pps: f64,
    /// Bits per second received (frames without FCS).
    pub rx_bps: f64,
    /// Bits per second sent (frames without FCS).
    pub tx_bps: f64,
}

impl Counters {
    /// Adds this worker's counters into `s`.
    pub(crate) fn add_to(&self, s: &mut PortStats) {
        s.tx_packets += self.tx_packets.load(Relaxed);
        s.tx_bytes += self.tx_bytes.load(Relaxed);
        s.tx_no_mbuf += self.tx_no_mbuf.load(Relaxed);
        s.rx_packets += self.rx_packets.load(Relaxed);
        s.rx_bytes += self.rx_bytes.load(Relaxed);
        let z = &mut s.rx_sizes;
        let r = |i: usize| self.rx_sizes[i].load(Relaxed);
        z.runt += r(0);
        z._64 += r(1);
        z._65_127 += r(2);
        z._128_255 += r(3);
        z._256_511 += r(4);
        z._512_1023 += r(5);
        z._1024_1518 += r(6);
        z.jumbo += r(7);
        z.broadcast += self.rx_broadcast.load(Relaxed);
        z.multicast += self.rx_multicast.load(Relaxed);
        let k = &mut s.rx_kinds;
        let r = |i: usize| self.rx_kinds[i].load(Relaxed);
        k.arp += r(0);
        k.echo += r(1);
        k.ipv4 += r(2);
        k.ipv6 += r(3);
        k.unknown += r(4);
        k.nd += r(5);
        k.vlan += self.rx_vlan.load(Relaxed);
        s.tx_extra += self.tx_extra.load(Relaxed);
        s.rx_chained += self.rx_chained.load(Relaxed);
        s.tx_extra_bytes += self.tx_extra_bytes.load(Relaxed);
    }
}

macro_rules! sub_fields {
    ($a:expr, $b:expr; $($f:ident),*) => { $( $a.$f = $a.$f.wrapping_sub($b.$f); )* };
}

impl PortStats {
    /// These counters less a baseline taken earlier (a clear).
    pub(crate) fn since(mut self, base: &PortStats) -> PortStats {
        sub_fields!(self, base; tx_packets, tx_bytes, tx_no_mbuf, rx_packets, rx_bytes, tx_extra, tx_extra_bytes, rx_chained);
        sub_fields!(self.rx_kinds, base.rx_kinds; arp, echo, ipv4, ipv6, unknown, nd, vlan);
        sub_fields!(self.rx_sizes, base.rx_sizes; runt, _64, _65_127, _128_255, _256_511, _512_1023, _1024_1518, jumbo, broadcast, multicast);
        sub_fields!(self.hw, base.hw; ipackets, opackets, ibytes, obytes, ierrors, oerrors, imissed, rx_nombuf);
        self
    }

    /// The port's totals as `portStats` reports them: the driver's counters (`rte_eth_stats`),
    /// except that a packet or byte counter the driver leaves at 0 while the engine counted
    /// traffic is the engine's own count. Some drivers count nothing of some kind (`net_ring`
    /// counts no bytes), and totals that say `obytes = 0` beside millions of packets add up to
    /// nothing.
    pub fn totals(&self) -> Totals {
        let h = &self.hw;
        let mut from_engine = Vec::new();
        let mut pick = |name: &'static str, driver: u64, engine: u64| {
            if driver == 0 && engine > 0 {
                from_engine.push(name);
                engine
            } else {
                driver
            }
        };
        let counts = HwStats {
            ipackets: pick("ipackets", h.ipackets, self.rx_packets),
            opackets: pick("opackets", h.opackets, self.tx_packets + self.tx_extra),
            ibytes: pick("ibytes", h.ibytes, self.rx_bytes),
            obytes: pick("obytes", h.obytes, self.tx_bytes + self.tx_extra_bytes),
            ..*h
        };
        Totals { counts, from_engine }
    }
}

/// A port's totals since the last clear, as `portStats` gives them (see [`PortStats::totals`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// The driver's counters, with the engine's packet and byte counts (without FCS) where
    /// the driver counted none.
    pub counts: HwStats,
    /// The counters that are the engine's because the driver counted none of them.
    pub from_engine: Vec<&'static str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_fill_in_what_the_driver_does_not_count() {
        let s = PortStats {
            tx_packets: 10,
            tx_bytes: 600,
            tx_extra: 1,
            tx_extra_bytes: 42,
            rx_packets: 9,
            rx_bytes: 540,
            hw: HwStats {
                ipackets: 9,
                opackets: 11,
                ..HwStats::default()
            },
            ..PortStats::default()
        };
        let t = s.totals();
        let c = t.counts;
        assert_eq!((c.ipackets, c.opackets, c.ibytes, c.obytes), (9, 11, 540, 642));
        assert_eq!(t.from_engine, ["ibytes", "obytes"]);
        // A driver that counts wins, even where the engine counted otherwise.
        let mut s2 = s;
        s2.hw.ibytes = 576;
        assert_eq!(s2.totals().counts.ibytes, 576);
        assert!(PortStats::default().totals().from_engine.is_empty());
    }
}

/// One queue number's counters since the last clear (Pktgen's `qstats[q]`): what RX queue q
/// received and TX queue q sent, and the lcores that own them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// Packets RX queue q received.
    pub rx_packets: u64,
    /// Bytes (without FCS) RX queue q received.
    pub rx_bytes: u64,
    /// Packets TX queue q sent (the stream's share, injected frames and answers).
    pub tx_packets: u64,
    /// Bytes (without FCS) of the stream TX queue q sent.
    pub tx_bytes: u64,
    /// The lcore polling RX queue q, if the port has one.
    pub rx_lcore: Option<u32>,
    /// The lcore feeding TX queue q, if the port has one.
    pub tx_lcore: Option<u32>,
}

impl QueueStats {
    /// These counters less a baseline taken earlier (a clear).
    pub(crate) fn since(mut self, base: &QueueStats) -> QueueStats {
        sub_fields!(self, base; rx_packets, rx_bytes, tx_packets, tx_bytes);
        self
    }
}
