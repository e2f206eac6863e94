//! Counting filters on the receive path (`pktgen.rx`), the control thread's side: the `Engine`
//! methods that add, remove and read a port's filters, publishing each new set to the port's RX
//! queues (`filters` holds what the workers run).

use std::sync::Arc;

use crate::bpf;
use crate::error::{Error, Result};
use crate::filters::{Book, FilterSet, FilterStats, MAX_FILTERS, Named};
use crate::instance::{Engine, lock, wait_while};
use crate::worker::PortShared;

/// Slot `slot`'s counters summed over the port's RX queues.
fn sum(p: &PortShared, slot: usize) -> (u64, u64) {
    p.rxq.iter().fold((0, 0), |(k, b), q| {
        let (qk, qb) = q.filters.counts(slot);
        (k.wrapping_add(qk), b.wrapping_add(qb))
    })
}

/// Hands the book's filters to every RX queue of the port and waits for their workers to take
/// them, then drops the sets they ran before.
fn publish(p: &PortShared, book: &Book) {
    let set = Arc::new(FilterSet::of(book));
    for q in p.rxq.iter() {
        q.filters.drop_retired();
        q.filters.hand(&set);
    }
    for q in p.rxq.iter() {
        wait_while(|| !q.filters.taken());
        q.filters.drop_retired();
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
