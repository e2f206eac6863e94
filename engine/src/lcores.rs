//! Which worker lcores serve which ports, in which direction: Pktgen's `-m` matrix once parsed, or
//! the default spread. Each (lcore, port, direction) owns one queue, so no queue is ever shared
//! between lcores and the data path needs no lock. Pure logic, checked against EAL's lcores.

use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// Most TX queues that send streams, over all ports: a limit of this version (the stamps
/// themselves tell `latency::SENDERS` stream queues apart, and each stamping stream takes one per
/// queue, so the cap leaves every queue room for several stamping streams).
pub(crate) const MAX_SENDERS: usize = 128;

/// One `<lcores>.<ports>` item of a `-m` matrix: rx lcores serve the rx ports, tx lcores the tx
/// ports (a plain list on either side stands for both directions).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MatrixEntry {
    /// The item as written, for error messages (`[1:2].0`).
    pub token: String,
    /// Lcores that receive on `rx_ports`.
    pub rx_lcores: Vec<u32>,
    /// Lcores that transmit on `tx_ports`.
    pub tx_lcores: Vec<u32>,
    /// Ports received on by `rx_lcores`.
    pub rx_ports: Vec<u16>,
    /// Ports transmitted on by `tx_lcores`.
    pub tx_ports: Vec<u16>,
}

/// A port's lcores and queues, as the engine runs them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PortLayout {
    /// RX queue q is polled by lcore `rx_lcores[q]`.
    pub rx_lcores: Vec<u32>,
    /// TX queue q is fed by lcore `tx_lcores[q]`; the first `stream_queues` send the port's
    /// stream, the others only carry the answers of RX lcores that send nothing else.
    pub tx_lcores: Vec<u32>,
    /// TX queues that share the port's stream.
    pub stream_queues: usize,
    /// Whether the driver spreads received packets over the RX queues by RSS (IP, UDP, TCP).
    pub rss: bool,
}

impl PortLayout {
    /// Whether the port is served at all (a `-m` matrix may leave ports out).
    pub fn used(&self) -> bool {
        !self.rx_lcores.is_empty()
    }

    /// For RX queue `q`, the TX queue its lcore answers ARP and ICMP echo on.
    pub(crate) fn reply_queue(&self, q: usize) -> usize {
        let l = self.rx_lcores[q];
        self.tx_lcores.iter().position(|&t| t == l).unwrap_or(0)
    }
}

/// What EAL offers: the main lcore and the worker lcores.
pub(crate) struct Lcores<'a> {
    pub main: u32,
    pub workers: &'a [u32],
}

/// The layout of every port: the matrix's if there is one, else ports spread over the workers
/// (port p's queue q on worker `(p * queues + q) % workers`, one queue per direction each).
pub(crate) fn plan(
    matrix: &[MatrixEntry],
    queues: u16,
    nports: usize,
    lc: &Lcores<'_>,
) -> Result<Vec<PortLayout>> {
    let mut ports = vec![PortLayout::default(); nports];
    if matrix.is_empty() {
        if lc.workers.is_empty() {
            return Err(Error::NoWorker);
        }
        let q = usize::from(queues.max(1));
        for (p, pl) in ports.iter_mut().enumerate() {
            for k in 0..q {
                let l = lc.workers[(p * q + k) % lc.workers.len()];
                pl.rx_lcores.push(l);
                pl.tx_lcores.push(l);
            }
        }
    } else {
        // The first token that names each port, to blame when its layout is incomplete.
        let mut named: BTreeMap<u16, &str> = BTreeMap::new();
        for e in matrix {
            let bad = |why: String| Error::Matrix(format!("-m {}: {why}", e.token));
            for &l in e.rx_lcores.iter().chain(&e.tx_lcores) {
                if l == lc.main {
                    return Err(bad(format!(
                        "lcore {l} is the main lcore, which runs the console and the shell; give the ports worker lcores ({})",
                        list(lc.workers)
                    )));
                }
                if !lc.workers.contains(&l) {
                    return Err(bad(format!(
                        "lcore {l} is not an lcore EAL was given (workers: {}; main: {})",
                        list(lc.workers),
                        lc.main
                    )));
                }
            }
            for &p in e.rx_ports.iter().chain(&e.tx_ports) {
                if usize::from(p) >= nports {
                    return Err(bad(format!(
                        "port {p} does not exist (this instance has {nports} port{})",
                        if nports == 1 { "" } else { "s" }
                    )));
                }
                named.entry(p).or_insert(&e.token);
            }
            for &p in &e.rx_ports {
                add(&mut ports[usize::from(p)].rx_lcores, &e.rx_lcores);
            }
            for &p in &e.tx_ports {
                add(&mut ports[usize::from(p)].tx_lcores, &e.tx_lcores);
            }
        }
        for (&p, token) in &named {
            let pl = &ports[usize::from(p)];
            let missing = match (pl.rx_lcores.is_empty(), pl.tx_lcores.is_empty()) {
                (true, _) => "RX",
                (_, true) => "TX",
                _ => continue,
            };
            return Err(Error::Matrix(format!(
                "-m {token}: port {p} has no {missing} lcore; every port the matrix names needs lcores for \
                 both directions (for example [1:2].{p}, or 1.{p} for one lcore doing both)"
            )));
        }
    }
    let mut senders = 0;
    for pl in &mut ports {
        pl.stream_queues = pl.tx_lcores.len();
        senders += pl.stream_queues;
        // An RX lcore that sends nothing on the port gets a TX queue of its own for its answers.
        for q in 0..pl.rx_lcores.len() {
            let l = pl.rx_lcores[q];
            if !pl.tx_lcores.contains(&l) {
                pl.tx_lcores.push(l);
            }
        }
    }
    if senders > MAX_SENDERS {
        return Err(Error::Matrix(format!(
            "{senders} TX queues send streams; this pktgen sends streams on at most {MAX_SENDERS}"
        )));
    }
    Ok(ports)
}

/// Appends the lcores of `from` that `to` does not have yet.
fn add(to: &mut Vec<u32>, from: &[u32]) {
    for &l in from {
        if !to.contains(&l) {
            to.push(l);
        }
    }
}

/// `1, 2, 5` (or `none`).
fn list(v: &[u32]) -> String {
    if v.is_empty() {
        return "none".into();
    }
    v.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(token: &str, rx: &[u32], tx: &[u32], rxp: &[u16], txp: &[u16]) -> MatrixEntry {
        MatrixEntry {
            token: token.into(),
            rx_lcores: rx.to_vec(),
            tx_lcores: tx.to_vec(),
            rx_ports: rxp.to_vec(),
            tx_ports: txp.to_vec(),
        }
    }

    const WORKERS: [u32; 5] = [1, 2, 3, 4, 5];

    fn lc() -> Lcores<'static> {
        Lcores {
            main: 0,
            workers: &WORKERS,
        }
    }

    #[test]
    fn default_spreads_ports_and_queues() {
        let one = Lcores {
            main: 0,
            workers: &WORKERS[..1],
        };
        let p = plan(&[], 1, 2, &one).expect("plan");
        assert_eq!(p[0].rx_lcores, [1]);
        assert_eq!(p[1].tx_lcores, [1]);
        let p = plan(&[], 2, 2, &lc()).expect("plan");
        assert_eq!(
            (p[0].rx_lcores.as_slice(), p[0].tx_lcores.as_slice()),
            (&[1, 2][..], &[1, 2][..])
        );
        assert_eq!(p[1].rx_lcores, [3, 4]);
        assert_eq!(p[1].stream_queues, 2);
    }

    #[test]
    fn split_directions_get_answer_queues() {
        let p = plan(&[e("[1:2-3].0", &[1], &[2, 3], &[0], &[0])], 1, 1, &lc()).expect("plan");
        assert_eq!(p[0].rx_lcores, [1]);
        assert_eq!(p[0].tx_lcores, [2, 3, 1]);
        assert_eq!(p[0].stream_queues, 2);
        assert_eq!(p[0].reply_queue(0), 2);
        let p = plan(&[e("[1-2].0", &[1, 2], &[1, 2], &[0], &[0])], 1, 1, &lc()).expect("plan");
        assert_eq!((p[0].reply_queue(0), p[0].reply_queue(1)), (0, 1));
        assert_eq!(p[0].tx_lcores.len(), 2);
    }

    #[test]
    fn bad_matrices_name_their_token() {
        let err = |m: &[MatrixEntry], n| {
            plan(m, 1, n, &lc())
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        let m = err(&[e("[0:1].0", &[0], &[1], &[0], &[0])], 2);
        assert!(m.contains("-m [0:1].0") && m.contains("main lcore"), "{m}");
        let m = err(&[e("[1:9].0", &[1], &[9], &[0], &[0])], 2);
        assert!(m.contains("-m [1:9].0") && m.contains("lcore 9 is not"), "{m}");
        let m = err(&[e("1.[0-2]", &[1], &[1], &[0, 1, 2], &[0, 1, 2])], 2);
        assert!(
            m.contains("-m 1.[0-2]") && m.contains("port 2 does not exist"),
            "{m}"
        );
        let m = err(&[e("[1:2].[0:1]", &[1], &[2], &[0], &[1])], 2);
        assert!(m.contains("port 0 has no TX lcore"), "{m}");
    }
}
