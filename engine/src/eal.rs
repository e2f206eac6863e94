//! Starting DPDK: the embedded default (two back-to-back ring ports, no hugepages, no NIC) or the
//! user's EAL arguments as given, then the lcore layout, the ports with their queues and pools,
//! and the workers' shared state.

use crate::error::{Errno, Error, Result};
use crate::ffi::{self, Pool};
use crate::lcores::{self, Lcores, MatrixEntry, PortLayout};

/// How to start the engine.
#[derive(Clone, Debug)]
pub struct Config {
    /// EAL arguments (without argv[0]). Empty selects the embedded default.
    pub eal_args: Vec<String>,
    /// Allow frames up to 9614 bytes (9618 with FCS) instead of 1514 (1518 with FCS).
    pub jumbo: bool,
    /// Put every port in promiscuous mode.
    pub promiscuous: bool,
    /// RX descriptors per queue.
    pub rx_desc: u16,
    /// TX descriptors per queue.
    pub tx_desc: u16,
    /// Buffers in each queue's pool (every RX and TX queue has its own).
    pub mbufs_per_pool: u32,
    /// Largest latency the histograms track, in nanoseconds (larger ones count at it).
    pub latency_max_ns: u64,
    /// Significant decimal digits of the latency histograms (1..=5).
    pub latency_digits: u8,
    /// Pktgen's `-m` lcore-to-port matrix, parsed; empty spreads the ports over the workers.
    pub matrix: Vec<MatrixEntry>,
    /// Without a matrix: RX and TX queues per port (each on its own worker where there are
    /// enough); the embedded default's ring ports get as many queue pairs.
    pub queues: u16,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            eal_args: Vec::new(),
            jumbo: false,
            promiscuous: false,
            rx_desc: 1024,
            tx_desc: 1024,
            mbufs_per_pool: 8191,
            latency_max_ns: 60_000_000_000,
            latency_digits: 3,
            matrix: Vec::new(),
            queues: 1,
        }
    }
}

/// Slots in each ring of the embedded default's back-to-back pair.
const RING_SIZE: u32 = 2048;

/// EAL options that only choose lcores or logging: EAL arguments made of these alone keep the
/// embedded default's memory and ports (`pktgen --lcores '0@0,(1-4)@1' -- ...`).
const LCORE_OPTIONS: [&str; 6] = ["-l", "-c", "--lcores", "--main-lcore", "--log-level", "-n"];

/// Whether `args` only choose lcores or logging (or are empty).
fn lcores_only(args: &[String]) -> bool {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let name = a.split('=').next().unwrap_or(a);
        if !LCORE_OPTIONS.contains(&name) {
            return false;
        }
        if !a.contains('=') && it.next().is_none() {
            return false;
        }
    }
    true
}

/// The EAL arguments `cfg` starts EAL with: its own, or the embedded default's (no hugepages,
/// no PCI, no shared config, a private file prefix, every online core an lcore, memory for
/// the pools), with the user's lcore options in place of ours when those are all it gives.
/// Two ring ports are added after EAL starts.
pub fn eal_args(cfg: &Config) -> Vec<String> {
    if !lcores_only(&cfg.eal_args) {
        return cfg.eal_args.clone();
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let lcores = if !cfg.eal_args.is_empty() {
        cfg.eal_args.clone()
    } else if cores >= 2 {
        vec!["-l".to_string(), format!("0-{}", cores - 1)]
    } else {
        vec!["--lcores".into(), "0@0,1@0".into()]
    };
    // Each queue has a pool of buffers (2.3 KB, or 9.8 KB with jumbo frames); beyond that, rings,
    // EAL's own needs, and room for the pools of streams started later (memory without hugepages
    // is only reserved: what is not used costs no resident memory).
    let pools = pool_estimate(cfg) * u64::from(cfg.mbufs_per_pool) * buf_bytes(data_room(cfg.jumbo));
    let mb = (64 + pools / (1 << 20)).max(1024);
    let mut v: Vec<String> = [
        "--no-huge",
        "--no-pci",
        "--no-shconf",
        "--no-telemetry",
        "--iova-mode=va",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.extend(["-m".to_string(), mb.to_string()]);
    v.extend([
        "--file-prefix".to_string(),
        format!("pktgen-{}", std::process::id()),
    ]);
    v.extend(lcores);
    v.push("--log-level=warning".into());
    v
}

/// Bytes of packet data each buffer holds (after its headroom): a frame of the largest size fits
/// in one buffer.
pub fn data_room(jumbo: bool) -> usize {
    if jumbo { 9728 } else { 2048 }
}

/// The memory one packet buffer takes in its pool: the mbuf header, its headroom, `data_room`
/// and the pool's per-object header.
fn buf_bytes(data_room: usize) -> u64 {
    (128 + dpdk_sys::RTE_PKTMBUF_HEADROOM as usize + data_room + 64) as u64
}

/// How many queue pools the embedded default's two ports can need (answer queues included).
fn pool_estimate(cfg: &Config) -> u64 {
    if cfg.matrix.is_empty() {
        return 4 * u64::from(cfg.queues.max(1));
    }
    let n = |l: &[u32], p: &[u16]| (l.len() * p.len()) as u64;
    cfg.matrix
        .iter()
        .map(|e| 2 * n(&e.rx_lcores, &e.rx_ports) + n(&e.tx_lcores, &e.tx_ports))
        .sum()
}

fn hugepages_reserved() -> bool {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("HugePages_Total:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse::<u64>().ok()))
        })
        .is_some_and(|n| n > 0)
}

/// The device names of the `--vdev` arguments (`net_null0` of `--vdev net_null0,no-rx=1`).
fn vdev_names(args: &[String]) -> Vec<&str> {
    vdevs(args).map(|v| v.split(',').next().unwrap_or(v)).collect()
}

/// The values of the `--vdev` arguments (`net_null0,no-rx=1`).
fn vdevs(args: &[String]) -> impl Iterator<Item = &str> {
    args.iter()
        .zip(args.iter().skip(1))
        .filter(|(a, _)| *a == "--vdev")
        .map(|(_, v)| v.as_str())
        .chain(args.iter().filter_map(|a| a.strip_prefix("--vdev=")))
}

fn hint(args: &[String], errno: Errno) -> String {
    let has = |a: &str| args.iter().any(|x| x == a || x.starts_with(&format!("{a}=")));
    let vdevs = vdev_names(args);
    // EAL parses device arguments before it looks for memory, so ENODEV with --vdev names a device.
    let vdev_failed = errno.0.abs() == 19 && !vdevs.is_empty();
    if has("--in-memory") && has("--no-huge") {
        "--in-memory cannot be combined with --no-huge on this DPDK; use --no-shconf instead".into()
    } else if !vdev_failed && !has("--no-huge") && !hugepages_reserved() {
        "No hugepages are reserved: add --no-huge -m 256 to the EAL arguments, or reserve some \
         (echo 512 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages); running pktgen without \
         EAL arguments uses the embedded default, which needs neither"
            .into()
    } else if !vdevs.is_empty() {
        format!(
            "Check the --vdev device(s) {}: the name must start with a driver this DPDK has (net_null, net_ring, \
             net_pcap, net_af_packet, net_tap, ...) followed by a number, then its options",
            vdevs.join(", ")
        )
    } else {
        "Check the EAL arguments (see the DPDK EAL documentation); each process needs its own --file-prefix or --no-shconf".into()
    }
}

/// The error for packet pools that do not fit in DPDK's memory: how much they need, and the
/// EAL option (`-m`, before `--`) or hugepage reservation that gives it.
fn no_memory(
    args: &[String],
    embedded: bool,
    pool: String,
    errno: Errno,
    pools: usize,
    mbufs: u32,
    data_room: usize,
) -> Error {
    let buf_bytes = buf_bytes(data_room);
    let needed_mb = (pools as u64 * u64::from(mbufs) * buf_bytes).div_ceil(1 << 20);
    // EAL's own needs (rings, queues, its heap) come on top; round up to a multiple of 64 MB.
    let suggest = (needed_mb + 24).div_ceil(64) * 64;
    let has = |a: &str| args.iter().any(|x| x == a || x.starts_with(&format!("{a}=")));
    let cure = if embedded {
        let given = args
            .iter()
            .skip_while(|a| *a != "-m")
            .nth(1)
            .map_or("?", String::as_str);
        format!(
            "The embedded default gave EAL -m {given}, and this machine could not provide it: free \
             some memory, or run with fewer queues"
        )
    } else if has("--no-huge") {
        format!("Give EAL more memory: -m {suggest} (an EAL argument, before --) or more")
    } else {
        format!(
            "Reserve more hugepages: at least {suggest} MB (echo {} > \
             /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages), or run with --no-huge -m {suggest}",
            suggest / 2
        )
    };
    Error::NoMemory {
        what: format!("creating the packet pool {pool}"),
        errno,
        needed_mb,
        pools,
        mbufs,
        buf_bytes,
        cure,
    }
}

/// The devices the `--vdev net_bonding...` arguments make members of a bonding port
/// (`slave=` on DPDK 22.11, `member=` later): the bonding port drives them, not us.
fn bond_members(args: &[String]) -> Vec<&str> {
    vdevs(args)
        .filter(|v| v.starts_with("net_bonding"))
        .flat_map(|v| v.split(',').skip(1))
        .filter_map(|kv| kv.strip_prefix("slave=").or_else(|| kv.strip_prefix("member=")))
        .collect()
}

/// The ports this pktgen drives: every port no driver owns, except bonding members (which a
/// bonding port only takes over when it is configured, after this list is made).
fn our_ports(args: &[String]) -> Vec<u16> {
    let members = bond_members(args);
    ffi::port_ids()
        .into_iter()
        .filter(|&p| ffi::dev_info(p).map_or(true, |d| !members.contains(&d.name.as_str())))
        .collect()
}

/// One port as start-up made it.
pub(crate) struct PortSetup {
    pub id: u16,
    pub mac: [u8; 6],
    pub layout: PortLayout,
    /// One pool per TX queue.
    pub tx_pools: Vec<Pool>,
}

/// What EAL start-up found and made, for `Engine::assemble`.
pub(crate) struct Setup {
    pub ports: Vec<PortSetup>,
    pub max_frame: usize,
    /// The worker lcores that serve some queue.
    pub workers: Vec<u32>,
    pub tag_off: usize,
    pub tsc_hz: u64,
    pub layout: crate::latency::Layout,
}

/// Starts EAL, plans the lcore layout and sets up the ports; the caller launches the workers.
pub(crate) fn start(cfg: &Config) -> Result<Setup> {
    let embedded = lcores_only(&cfg.eal_args);
    let args = eal_args(cfg);
    if let Some(a) = args.iter().find(|a| a.contains('\0')) {
        return Err(Error::BadEalArg(a.clone()));
    }
    let mut argv = vec!["pktgen".to_string()];
    argv.extend(args.iter().cloned());
    ffi::eal_init(&argv).map_err(|e| Error::Eal {
        reason: e.to_string(),
        hint: hint(&args, e),
    })?;

    let workers = ffi::worker_lcores();
    if workers.is_empty() {
        return Err(Error::NoWorker);
    }
    let lc = Lcores {
        main: ffi::main_lcore(),
        workers: &workers,
    };
    let socket = ffi::lcore_socket(workers[0]) as i32;
    let nports = if embedded { 2 } else { our_ports(&args).len() };
    let layouts = lcores::plan(&cfg.matrix, cfg.queues, nports, &lc)?;
    if embedded {
        let q = |p: &PortLayout| (p.rx_lcores.len() as u16, p.tx_lcores.len() as u16);
        ffi::create_ring_pair(socket, RING_SIZE, [q(&layouts[0]), q(&layouts[1])])?;
    }
    let ports = our_ports(&args);
    if ports.is_empty() {
        let vdevs = vdev_names(&args);
        return Err(if vdevs.is_empty() {
            Error::NoPorts
        } else {
            Error::VdevFailed(vdevs.join(", "))
        });
    }
    let tag_off = ffi::register_tag_field()?;
    // Buffers a bit larger than the largest frame.
    let (max_frame, data_room): (usize, usize) =
        (crate::stream::layout::max_frame(cfg.jumbo), data_room(cfg.jumbo));
    let mut setups = Vec::with_capacity(ports.len());
    let pools: usize = layouts
        .iter()
        .map(|l| l.rx_lcores.len() + l.tx_lcores.len())
        .sum();
    let memory_err = |name: String, e: Error| match e {
        Error::Dpdk { errno, .. } if errno.0.abs() == 12 => {
            no_memory(&args, embedded, name, errno, pools, cfg.mbufs_per_pool, data_room)
        }
        e => e,
    };
    for (&p, mut layout) in ports.iter().zip(layouts) {
        let dev = ffi::dev_info(p)?;
        let sock = if dev.socket < 0 { socket } else { dev.socket };
        let (nrx, ntx) = (layout.rx_lcores.len(), layout.tx_lcores.len());
        for (n, max, dir) in [(nrx, dev.max_rx_queues, "RX"), (ntx, dev.max_tx_queues, "TX")] {
            if n > usize::from(max) {
                return Err(Error::Matrix(format!(
                    "port {p} ({}) has at most {max} {dir} queues, and its lcores need {n}; give it fewer lcores with -m",
                    dev.driver
                )));
            }
        }
        let pool = |kind: &str, q: usize| -> Result<Pool> {
            let name = format!("pktgen_{kind}{p}_{q}");
            Pool::create(&name, cfg.mbufs_per_pool, data_room as u16, sock).map_err(|e| memory_err(name, e))
        };
        let rx_pools = (0..nrx).map(|q| pool("rx", q)).collect::<Result<Vec<_>>>()?;
        let tx_pools = (0..ntx).map(|q| pool("tx", q)).collect::<Result<Vec<_>>>()?;
        for &t in &tx_pools {
            ffi::clear_tags(t, tag_off);
        }
        layout.rss = dev.rss && nrx > 1;
        if layout.used() {
            let mtu = cfg.jumbo.then_some((max_frame - 14) as u16);
            ffi::port_setup(
                p,
                &rx_pools,
                ntx as u16,
                (cfg.rx_desc, cfg.tx_desc),
                sock,
                mtu,
                layout.rss,
            )?;
        }
        let mut mac = ffi::mac(p);
        if mac == [0; 6] {
            // Ring ports have no address of their own (and cannot be given one): report a stable,
            // locally administered one instead.
            mac = [0x02, 0x70, 0x6b, 0x74, 0x00, p as u8];
        }
        if cfg.promiscuous && layout.used() {
            ffi::promiscuous(p, true)?;
        }
        setups.push(PortSetup {
            id: p,
            mac,
            layout,
            tx_pools,
        });
    }
    let mut used: Vec<u32> = setups
        .iter()
        .flat_map(|s| s.layout.rx_lcores.iter().chain(&s.layout.tx_lcores).copied())
        .collect();
    used.sort_unstable();
    used.dedup();
    Ok(Setup {
        ports: setups,
        max_frame,
        workers: used,
        tag_off,
        tsc_hz: ffi::tsc_hz(),
        layout: crate::latency::Layout::new(cfg.latency_max_ns, cfg.latency_digits),
    })
}
