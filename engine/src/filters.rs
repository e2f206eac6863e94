//! Counting filters on the receive path (`pktgen.rx`), the workers' side: per port up to
//! [`MAX_FILTERS`] named tcpdump expressions, each run on every received packet, counting the
//! packets and bytes it matches per RX queue. The control thread (`filter_api`) publishes an
//! immutable set to each RX queue through a mailbox; the queue's worker takes it at the top of a
//! turn and hands the old one back, so the hot path takes no lock and frees nothing.

use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering::*};
use std::sync::{Arc, Mutex};

use crate::bpf::Bpf;
use crate::ffi::RxBatch;
use crate::stats::bump;

/// Filters a port counts with at most.
pub const MAX_FILTERS: usize = 16;

/// One filter of a set: its program and its counters' slot.
struct Entry {
    slot: usize,
    bpf: Arc<Bpf>,
}

/// What a worker runs on a queue's packets; never changed once published.
pub(crate) struct FilterSet {
    entries: Box<[Entry]>,
}

/// Packets and bytes per filter slot, for one RX queue, on cache lines of their own.
#[repr(align(64))]
#[derive(Default)]
pub(crate) struct FilterCounts {
    packets: [AtomicU64; MAX_FILTERS],
    bytes: [AtomicU64; MAX_FILTERS],
}

/// One RX queue's filters: its counters and the mailbox between the control thread and its worker.
#[derive(Default)]
pub(crate) struct RxFilters {
    counts: FilterCounts,
    /// A set waiting for the worker (an `Arc::into_raw`).
    pending: AtomicPtr<FilterSet>,
    /// The set the worker ran before, handed back for the control thread to drop.
    retired: AtomicPtr<FilterSet>,
}

impl FilterSet {
    /// The set of the filters in `book`.
    pub(crate) fn of(book: &Book) -> FilterSet {
        FilterSet {
            entries: book
                .0
                .iter()
                .map(|e| Entry {
                    slot: e.slot,
                    bpf: e.bpf.clone(),
                })
                .collect(),
        }
    }
}

/// Takes back a set from a mailbox.
fn reclaim(p: *mut FilterSet) -> Option<Arc<FilterSet>> {
    // SAFETY: mailboxes only hold pointers from Arc::into_raw, and the swap that returned `p`
    // took it out, so this reference is ours alone.
    (!p.is_null()).then(|| unsafe { Arc::from_raw(p) })
}

impl RxFilters {
    /// The worker's side: takes a newly published set into `cur`, handing the old one back (only
    /// once the control thread took the previous one back, so nothing is ever dropped here).
    #[inline]
    pub(crate) fn pick_up(&self, cur: &mut Option<Arc<FilterSet>>) {
        // Plain loads first: the swap is a locked instruction, and new sets are rare.
        if self.pending.load(Relaxed).is_null() || !self.retired.load(Acquire).is_null() {
            return;
        }
        if let Some(new) = reclaim(self.pending.swap(std::ptr::null_mut(), Acquire))
            && let Some(old) = cur.replace(new)
        {
            self.retired.store(Arc::into_raw(old).cast_mut(), Release);
        }
    }

    /// The control thread's side: drops the set the worker handed back, if any.
    pub(crate) fn drop_retired(&self) {
        drop(reclaim(self.retired.swap(std::ptr::null_mut(), AcqRel)));
    }

    /// The control thread's side: leaves `set` for the worker (replacing one it never took).
    pub(crate) fn hand(&self, set: &Arc<FilterSet>) {
        let mine = Arc::into_raw(set.clone()).cast_mut();
        drop(reclaim(self.pending.swap(mine, AcqRel)));
    }

    /// Whether the worker took the last set handed to it.
    pub(crate) fn taken(&self) -> bool {
        self.pending.load(Acquire).is_null()
    }

    /// Slot `slot`'s counters: (packets, bytes).
    pub(crate) fn counts(&self, slot: usize) -> (u64, u64) {
        (
            self.counts.packets[slot].load(Relaxed),
            self.counts.bytes[slot].load(Relaxed),
        )
    }

    /// Runs every filter of `set` on the `n` packets of `rx` and counts their matches.
    #[inline]
    pub(crate) fn count(&self, set: &FilterSet, rx: &RxBatch, n: usize) {
        for e in set.entries.iter() {
            let (mut k, mut bytes) = (0u64, 0u64);
            for i in 0..n {
                if e.bpf.matches(rx, i) {
                    k += 1;
                    bytes += u64::from(rx.packet(i).1);
                }
            }
            if k > 0 {
                bump(&self.counts.packets[e.slot], k);
                bump(&self.counts.bytes[e.slot], bytes);
            }
        }
    }
}

/// A filter as the control thread keeps it.
pub(crate) struct Named {
    pub name: String,
    pub expr: String,
    /// Its counters' slot in every RX queue's [`FilterCounts`].
    pub slot: usize,
    pub bpf: Arc<Bpf>,
    /// The slot's counters (packets, bytes) when the filter was added.
    pub base: (u64, u64),
}

/// A port's filters, in the order they were added.
#[derive(Default)]
pub(crate) struct Book(pub Vec<Named>);

/// One counting filter and what it matched since it was added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterStats {
    /// Its name.
    pub name: String,
    /// Its tcpdump expression.
    pub filter: String,
    /// Whether it runs as native code (DPDK's JIT) rather than in DPDK's BPF interpreter.
    pub native: bool,
    /// Packets it matched, over the port's RX queues.
    pub packets: u64,
    /// Their bytes (without FCS).
    pub bytes: u64,
}

/// A port's book of filters, for `PortShared` (the workers never touch it).
pub(crate) type BookLock = Mutex<Book>;
