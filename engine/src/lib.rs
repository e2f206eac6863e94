//! The packet generator engine: DPDK's EAL, ports, streams of template packets with per-packet field
//! modifiers, TX/RX workers on lcores, counters and rates. Streams are protocol-agnostic: they know
//! bytes, offsets and checksums, never protocols by name. Three places do name protocols: the
//! responder (`responder`) answers ARP requests and ICMP echo requests for a port's address and
//! learns IPv4-to-MAC pairs from ARP frames, and its IPv6 twin (`nd`) the same with neighbour
//! discovery and ICMPv6 echo; the receive counters classify frames (ARP, ICMP echo, IPv4, IPv6, ND, VLAN);
//! and the checksum fix-ups know where IPv4, IPv6, UDP, TCP and ICMP keep theirs.
//!
//! Layers: `dpdk-sys` (raw FFI) < [`ffi`] (the module that calls DPDK, and so the one with DPDK
//! `unsafe`, beside `bpf`, which runs the counting filters' programs) < the rest (safe but for
//! taking back the boxes handed to workers through atomic pointers, `Box::from_raw`, each with its
//! `// SAFETY:` line). `worker` is the data path; everything else runs on the control thread.
//! `impl Engine` is in three places: this file (ports, counters, latency, capture, the life
//! cycle), `filter_api` (the counting filters) and `stream::impl_engine` (starting, stopping and
//! counting streams). docs/ARCHITECTURE.md describes the layers.

#![deny(clippy::unwrap_used)]
#![warn(missing_docs)]

mod bpf;
mod capture;
mod csum;
mod eal;
mod error;
mod ffi;
mod filter_api;
mod filters;
mod instance;
mod latency;
mod lcores;
mod mirror;
mod nd;
mod pcap;
mod responder;
mod stats;
mod stream;
mod worker;

pub use capture::{Capture, CapturedPacket};
pub use csum::sum16;
pub use eal::{Config, data_room, eal_args};
pub use error::{Errno, Error, Result};
pub use ffi::{MBUF_CACHE, version as dpdk_version};
pub use filters::{FilterStats, MAX_FILTERS};
pub use instance::{BondInfo, Engine, PortInfo};
pub use latency::{LatencySnapshot, STAMP_LEN};
pub use lcores::{MatrixEntry, PortLayout};
pub use mirror::MirrorStats;
pub use pcap::{read_pcap, write_pcap};
pub use stats::{HwStats, KindCounts, PortStats, QueueStats, Rates, SizeCounts, Totals};
pub use stream::impl_engine::StreamStats;
pub use stream::layout::{MIN_FRAME, OWN_SLOT, PROBE_SLOT, SLOTS, USER_SLOTS, WIRE_OVERHEAD, max_frame};
pub use stream::spec::{
    CatchUp, Checksum, Field, FieldOp, LengthField, Rate, SizeWalk, StreamSpec, Template, TxMode,
};
pub use worker::MAX_RX_BURST;

/// A MAC address as text, lower-case hex bytes joined by colons (`02:00:00:00:00:01`).
pub fn mac_text(m: [u8; 6]) -> String {
    m.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

/// A pool of `n` packet buffers (2048 bytes of data room) laid out as the engine lays out its
/// own, for tools that measure a raw DPDK loop against the engine. Null on failure.
pub fn raw_packet_pool(name: &str, n: u32) -> *mut dpdk_sys::rte_mempool {
    ffi::pktmbuf_pool(name, n, 2048 + dpdk_sys::RTE_PKTMBUF_HEADROOM as u16, 0)
}
