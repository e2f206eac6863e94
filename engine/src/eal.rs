//! Starting DPDK: the embedded default (two back-to-back ring ports, no hugepages, no NIC) or the
//! user's EAL arguments as given, then the ports, their pools and the workers' shared state.

use crate::Engine;
use crate::error::{Errno, Error, Result};
use crate::ffi::{self, Pool};

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
    /// Buffers in each port's TX pool and in its RX pool.
    pub mbufs_per_pool: u32,
    /// Largest latency the histograms track, in nanoseconds (larger ones count at it).
    pub latency_max_ns: u64,
    /// Significant decimal digits of the latency histograms (1..=5).
    pub latency_digits: u8,
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
        }
    }
}

/// Slots in each ring of the embedded default's back-to-back pair.
const RING_SIZE: u32 = 2048;

/// The EAL arguments of the embedded default: no hugepages, no PCI, no shared config, a private
/// file prefix, every online core an lcore. Two ring ports are added after EAL starts.
pub fn embedded_args() -> Vec<String> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let lcores = if cores >= 2 {
        vec!["-l".to_string(), format!("0-{}", cores - 1)]
    } else {
        vec!["--lcores".into(), "0@0,1@0".into()]
    };
    let mut v: Vec<String> = [
        "--no-huge",
        "--no-pci",
        "--no-shconf",
        "--no-telemetry",
        "--iova-mode=va",
        "-m",
        "256",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.extend([
        "--file-prefix".to_string(),
        format!("pktgen-{}", std::process::id()),
    ]);
    v.extend(lcores);
    v.push("--log-level=warning".into());
    v
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
    args.iter()
        .zip(args.iter().skip(1))
        .filter(|(a, _)| *a == "--vdev")
        .map(|(_, v)| v.as_str())
        .chain(args.iter().filter_map(|a| a.strip_prefix("--vdev=")))
        .map(|v| v.split(',').next().unwrap_or(v))
        .collect()
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

/// What EAL start-up found and made, for [`Engine::assemble`].
pub(crate) struct Setup {
    pub ports: Vec<u16>,
    pub macs: Vec<[u8; 6]>,
    pub pools: Vec<Pool>,
    pub max_frame: usize,
    pub workers: usize,
    pub tag_off: usize,
    pub tsc_hz: u64,
    pub layout: crate::latency::Layout,
}

/// Starts EAL and the ports; the caller launches the workers.
pub(crate) fn start(cfg: &Config) -> Result<Engine> {
    let embedded = cfg.eal_args.is_empty();
    let args = if embedded {
        embedded_args()
    } else {
        cfg.eal_args.clone()
    };
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
    let socket = ffi::lcore_socket(workers[0]) as i32;
    if embedded {
        ffi::create_ring_pair(socket, RING_SIZE)?;
    }
    let ports = ffi::port_ids();
    if ports.is_empty() {
        let vdevs = vdev_names(&args);
        return Err(if vdevs.is_empty() {
            Error::NoPorts
        } else {
            Error::VdevFailed(vdevs.join(", "))
        });
    }
    let tag_off = ffi::register_tag_field()?;
    // Frames up to 1514 bytes (1518 with FCS), or 9614 with jumbo frames; buffers a bit larger.
    let (max_frame, data_room): (usize, usize) = if cfg.jumbo { (9614, 9728) } else { (1514, 2048) };
    let mut pools = Vec::with_capacity(ports.len());
    let mut macs = Vec::with_capacity(ports.len());
    for &p in &ports {
        let dev = ffi::dev_info(p)?;
        let sock = if dev.socket < 0 { socket } else { dev.socket };
        let rx_pool = Pool::create(
            &format!("pktgen_rx{p}"),
            cfg.mbufs_per_pool,
            data_room as u16,
            sock,
        )?;
        let tx_pool = Pool::create(
            &format!("pktgen_tx{p}"),
            cfg.mbufs_per_pool,
            data_room as u16,
            sock,
        )?;
        ffi::clear_tags(tx_pool, tag_off);
        let mtu = cfg.jumbo.then_some((max_frame - 14) as u16);
        ffi::port_setup(p, rx_pool, cfg.rx_desc, cfg.tx_desc, sock, mtu)?;
        let mut mac = ffi::mac(p);
        if mac == [0; 6] {
            // Ring ports have no address of their own (and cannot be given one): report a stable,
            // locally administered one instead.
            mac = [0x02, 0x70, 0x6b, 0x74, 0x00, p as u8];
        }
        macs.push(mac);
        if cfg.promiscuous {
            ffi::promiscuous(p, true)?;
        }
        pools.push(tx_pool);
    }
    Ok(Engine::assemble(Setup {
        ports,
        macs,
        pools,
        max_frame,
        workers: workers.len(),
        tag_off,
        tsc_hz: ffi::tsc_hz(),
        layout: crate::latency::Layout::new(cfg.latency_max_ns, cfg.latency_digits),
    }))
}
