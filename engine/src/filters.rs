//! Counting filters on the receive path (`pktgen.rx`): per port up to [`MAX_FILTERS`] named
//! tcpdump expressions, each run on every received packet, counting the packets and bytes it
//! matches per RX queue. The control thread publishes an immutable set to each RX queue through
//! a mailbox; the queue's worker takes it at the top of a turn and hands the old one back, so the
//! hot path takes no lock and frees nothing.

use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering::*};
use std::sync::{Arc, Mutex};

use crate::bpf::{self, Bpf};
use crate::error::{Error, Result};
use crate::ffi::RxBatch;
use crate::instance::{Engine, lock, wait_while};
use crate::stats::bump;
use crate::worker::PortShared;

/// Filters a port counts with at most.
pub const MAX_FILTERS: usize = 16;

/// One filter of a set: its program and its counters' slot.
pub(crate) struct Entry {
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
struct Named {
    name: String,
    expr: String,
    slot: usize,
    bpf: Arc<Bpf>,
    /// The slot's counters (packets, bytes) when the filter was added.
    base: (u64, u64),
}

/// A port's filters, in the order they were added.
#[derive(Default)]
pub(crate) struct Book(Vec<Named>);

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

/// Slot `slot`'s counters summed over the port's RX queues.
fn sum(p: &PortShared, slot: usize) -> (u64, u64) {
    p.rxq.iter().fold((0, 0), |(k, b), q| {
        let c = &q.filters.counts;
        (
            k.wrapping_add(c.packets[slot].load(Relaxed)),
            b.wrapping_add(c.bytes[slot].load(Relaxed)),
        )
    })
}

/// Hands the book's filters to every RX queue of the port and waits for their workers to take
/// them, then drops the sets they ran before.
fn publish(p: &PortShared, book: &Book) {
    let set = Arc::new(FilterSet {
        entries: book
            .0
            .iter()
            .map(|e| Entry {
                slot: e.slot,
                bpf: e.bpf.clone(),
            })
            .collect(),
    });
    for q in p.rxq.iter() {
        drop(reclaim(q.filters.retired.swap(std::ptr::null_mut(), AcqRel)));
        let mine = Arc::into_raw(set.clone()).cast_mut();
        drop(reclaim(q.filters.pending.swap(mine, AcqRel)));
    }
    for q in p.rxq.iter() {
        wait_while(|| !q.filters.pending.load(Acquire).is_null());
        drop(reclaim(q.filters.retired.swap(std::ptr::null_mut(), AcqRel)));
    }
}

impl Engine {
    /// Adds the counting filter `name` = `expr` (tcpdump syntax) to `port`; returns whether it
    /// runs as native code. The port's traffic and other filters go on meanwhile.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`]; [`Error::Filter`] for an empty or duplicate name, a port that
    /// already has [`MAX_FILTERS`], or an expression libpcap does not compile (its message).
    pub fn rx_filter_add(&self, port: u16, name: &str, expr: &str) -> Result<bool> {
        let p = self.port(port)?;
        let mut book = lock(&p.filter_book);
        if name.is_empty() {
            return Err(Error::Filter(format!("port {port}: a filter needs a name")));
        }
        if book.0.iter().any(|e| e.name == name) {
            return Err(Error::Filter(format!(
                "port {port} already has a filter named '{name}'; remove it first or pick another name"
            )));
        }
        let Some(slot) = (0..MAX_FILTERS).find(|s| book.0.iter().all(|e| e.slot != *s)) else {
            return Err(Error::Filter(format!(
                "port {port} already counts with {MAX_FILTERS} filters, the most it can (adding '{name}'); \
                 remove one first"
            )));
        };
        let bpf = Arc::new(bpf::compile_for(port, name, expr)?);
        let native = bpf.native();
        book.0.push(Named {
            name: name.to_string(),
            expr: expr.to_string(),
            slot,
            bpf,
            base: sum(p, slot),
        });
        publish(p, &book);
        Ok(native)
    }

    /// Removes `port`'s counting filter `name`.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`]; [`Error::Filter`] if the port has no filter of that name.
    pub fn rx_filter_remove(&self, port: u16, name: &str) -> Result<()> {
        let p = self.port(port)?;
        let mut book = lock(&p.filter_book);
        let Some(i) = book.0.iter().position(|e| e.name == name) else {
            let names: Vec<_> = book.0.iter().map(|e| format!("'{}'", e.name)).collect();
            return Err(Error::Filter(format!(
                "port {port} has no filter named '{name}' (it has {})",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            )));
        };
        book.0.remove(i);
        publish(p, &book);
        Ok(())
    }

    /// Removes all of `port`'s counting filters; returns how many there were.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn rx_filter_clear(&self, port: u16) -> Result<usize> {
        let p = self.port(port)?;
        let mut book = lock(&p.filter_book);
        let n = book.0.len();
        book.0.clear();
        publish(p, &book);
        Ok(n)
    }

    /// `port`'s counting filters in the order they were added, with their counts.
    ///
    /// # Errors
    /// [`Error::NoSuchPort`].
    pub fn rx_filters(&self, port: u16) -> Result<Vec<FilterStats>> {
        let p = self.port(port)?;
        let book = lock(&p.filter_book);
        Ok(book
            .0
            .iter()
            .map(|e| {
                let (k, b) = sum(p, e.slot);
                FilterStats {
                    name: e.name.clone(),
                    filter: e.expr.clone(),
                    native: e.bpf.native(),
                    packets: k.wrapping_sub(e.base.0),
                    bytes: b.wrapping_sub(e.base.1),
                }
            })
            .collect())
    }
}

/// A port's book of filters, for `PortShared` (the workers never touch it).
pub(crate) type BookLock = Mutex<Book>;
