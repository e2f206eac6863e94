//! Capturing received packets into a preallocated buffer: the RX worker copies each packet in
//! without allocating; the control thread takes the buffer back when capture stops.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicPtr};

use crate::bpf::Bpf;
use crate::ffi::RxBatch;

/// One captured packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapturedPacket {
    /// Receive time, nanoseconds since the Unix epoch.
    pub time_ns: u64,
    /// The first bytes of the packet (up to the snap length).
    pub data: Vec<u8>,
    /// The packet's full length.
    pub orig_len: u32,
}

/// What a capture collected.
#[derive(Clone, Debug, Default)]
pub struct Capture {
    /// Packets in arrival order.
    pub packets: Vec<CapturedPacket>,
    /// Packets not kept because the buffer was full.
    pub dropped: u64,
}

struct Record {
    off: usize,
    len: usize,
    orig_len: u32,
    tsc: u64,
}

/// The buffer a worker fills.
pub(crate) struct CaptureBuf {
    data: Box<[u8]>,
    used: usize,
    recs: Vec<Record>,
    dropped: u64,
    snaplen: usize,
    /// Keep only the packets this filter matches.
    filter: Option<Arc<Bpf>>,
}

impl CaptureBuf {
    pub(crate) fn new(bytes: usize, packets: usize, snaplen: usize, filter: Option<Arc<Bpf>>) -> CaptureBuf {
        CaptureBuf {
            data: vec![0; bytes].into(),
            used: 0,
            recs: Vec::with_capacity(packets),
            dropped: 0,
            snaplen,
            filter,
        }
    }

    /// Whether received packet `i` of `rx` is one to keep (it matches the filter, if any).
    #[inline]
    pub(crate) fn keeps(&self, rx: &RxBatch, i: usize) -> bool {
        self.filter.as_ref().is_none_or(|f| f.matches(rx, i))
    }

    /// Copies one packet in, or counts it as dropped when full. Never allocates.
    #[inline]
    pub(crate) fn record(&mut self, frame: &[u8], orig_len: u32, tsc: u64) {
        let n = frame.len().min(self.snaplen);
        if self.recs.len() == self.recs.capacity() || self.used + n > self.data.len() {
            self.dropped += 1;
            return;
        }
        self.data[self.used..self.used + n].copy_from_slice(&frame[..n]);
        self.recs.push(Record {
            off: self.used,
            len: n,
            orig_len,
            tsc,
        });
        self.used += n;
    }

    /// Turns the raw records into packets, converting TSC stamps with `tsc_to_ns`.
    pub(crate) fn finish(self, tsc_to_ns: impl Fn(u64) -> u64) -> Capture {
        let packets = self
            .recs
            .iter()
            .map(|r| CapturedPacket {
                time_ns: tsc_to_ns(r.tsc),
                data: self.data[r.off..r.off + r.len].to_vec(),
                orig_len: r.orig_len,
            })
            .collect();
        Capture {
            packets,
            dropped: self.dropped,
        }
    }
}

/// The control thread's mailbox to a port's RX worker for capture.
#[derive(Default)]
pub(crate) struct RxSlot {
    /// A buffer waiting to be picked up by the worker.
    pub pending: AtomicPtr<CaptureBuf>,
    /// Set by the control thread to end the capture.
    pub stop: AtomicBool,
    /// True from `capture_start` until the worker has handed the buffer back.
    pub active: AtomicBool,
    /// A finished buffer handed back by the worker.
    pub done: AtomicPtr<CaptureBuf>,
}

/// Takes ownership of a buffer stored in a slot.
pub(crate) fn reclaim(p: *mut CaptureBuf) -> Option<Box<CaptureBuf>> {
    // SAFETY: slots only hold pointers from Box::into_raw, and the swap that returned `p` took it
    // out of the slot, so we are its only owner.
    (!p.is_null()).then(|| unsafe { Box::from_raw(p) })
}
