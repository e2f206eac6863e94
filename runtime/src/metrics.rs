//! `--metrics host:port`: the ports' counters, rates and latency quantiles in the Prometheus text
//! format (prometheus-client's encoder) over HTTP, for Prometheus and Grafana.
//!
//! The server is a plain thread that reads the engine (which is `Sync`) and never Lua, so it
//! answers while a script keeps the Lua thread busy, and the single-threaded runtime stays so.
//! It answers `GET /metrics` (and `/`) one connection at a time with short timeouts; a scrape
//! every few seconds is its whole load. [`finish`] closes a gate before pktgen stops the ports,
//! after which nothing touches the engine again.
//!
//! Series are labelled by `port`; per-queue series (`pktgen_queue_*`) add a `queue` label and
//! come from [`queues`], which today reports each port's one queue. Counters are those of
//! `portStats` (reset by `pktgen.clear`, which Prometheus reads as a counter reset).

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs as _};
use std::sync::RwLock;
use std::time::Duration;

use engine::Engine;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric as _};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;

use crate::results::histogram::value_at_percentile;

/// Latency quantiles served, as Prometheus writes them in the `quantile` label.
const QUANTILES: [(&str, f64); 6] = [
    ("0.5", 50.0),
    ("0.9", 90.0),
    ("0.99", 99.0),
    ("0.999", 99.9),
    ("0.9999", 99.99),
    ("1", 100.0),
];

/// True once pktgen is ending: no scrape reads the engine after that.
static CLOSED: RwLock<bool> = RwLock::new(false);

/// A family read from one struct: name, help, and the value.
type Family<T, V> = (&'static str, &'static str, fn(&T) -> V);

/// The labels of one port's series.
type PortLabels = [(&'static str, String); 1];

/// The labels of one queue's series.
type QueueLabels = [(&'static str, String); 2];

fn port_labels(p: u16) -> PortLabels {
    [("port", p.to_string())]
}

/// One queue's counters.
#[derive(Debug, Clone, Copy)]
struct QueueCounters {
    queue: u16,
    rx_packets: u64,
    tx_packets: u64,
}

/// Each of port `p`'s queue numbers with its counters (RX queue q's and TX queue q's, as
/// `portStats(pl)[p].qstats[q]` reports them).
fn queues(e: &Engine, p: u16) -> Vec<QueueCounters> {
    e.queue_stats(p)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(q, s)| QueueCounters {
            queue: q as u16,
            rx_packets: s.rx_packets,
            tx_packets: s.tx_packets,
        })
        .collect()
}

/// Everything one scrape reports about one port, read from the engine.
struct PortSample {
    port: u16,
    info: Option<engine::PortInfo>,
    sending: bool,
    totals: engine::HwStats,
    rates: engine::Rates,
    latency: Option<engine::LatencySnapshot>,
    queues: Vec<QueueCounters>,
}

fn sample(e: &Engine) -> Vec<PortSample> {
    (0..e.port_count())
        .filter_map(|p| {
            let stats = e.stats(p).ok()?;
            Some(PortSample {
                port: p,
                info: e.port_info(p).ok(),
                sending: e.is_sending(p).unwrap_or(false),
                totals: stats.totals().counts,
                rates: e.rates(p).unwrap_or_default(),
                latency: e.latency(p).ok(),
                queues: queues(e, p),
            })
        })
        .collect()
}

/// Writes one family: its HELP and TYPE, then a sample per label set.
fn family<L, V>(
    enc: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    kind: MetricType,
    samples: impl IntoIterator<Item = (L, V)>,
) -> std::fmt::Result
where
    L: prometheus_client::encoding::EncodeLabelSet,
    V: prometheus_client::encoding::EncodeCounterValue + prometheus_client::encoding::EncodeGaugeValue,
{
    let mut m = enc.encode_descriptor(name, help, None, kind)?;
    for (labels, v) in samples {
        let fam = m.encode_family(&labels)?;
        match kind {
            MetricType::Counter => ConstCounter::new(v).encode(fam)?,
            _ => ConstGauge::new(v).encode(fam)?,
        }
    }
    Ok(())
}

/// The collector: reads the engine at each scrape.
#[derive(Debug)]
struct Ports(&'static Engine);

impl Collector for Ports {
    fn encode(&self, mut enc: DescriptorEncoder) -> std::fmt::Result {
        use MetricType::{Counter, Gauge};
        let ports = sample(self.0);
        let per_port = |f: &dyn Fn(&PortSample) -> f64| -> Vec<(PortLabels, f64)> {
            ports.iter().map(|s| (port_labels(s.port), f(s))).collect()
        };
        let per_port_n = |f: &dyn Fn(&PortSample) -> u64| -> Vec<(PortLabels, u64)> {
            ports.iter().map(|s| (port_labels(s.port), f(s))).collect()
        };
        let info: Vec<([(&str, String); 4], u64)> = ports
            .iter()
            .filter_map(|s| s.info.as_ref().map(|i| (s, i)))
            .map(|(s, i)| {
                let mac = engine::mac_text(i.mac);
                (
                    [
                        ("port", s.port.to_string()),
                        ("name", i.name.clone()),
                        ("driver", i.driver.clone()),
                        ("mac", mac),
                    ],
                    1,
                )
            })
            .collect();
        family(
            &mut enc,
            "pktgen_port_info",
            "The port's device, driver and MAC (always 1).",
            Gauge,
            info,
        )?;
        family(
            &mut enc,
            "pktgen_port_link_up",
            "1 while the port's link is up.",
            Gauge,
            per_port_n(&|s| s.info.as_ref().map_or(0, |i| u64::from(i.link_up))),
        )?;
        family(
            &mut enc,
            "pktgen_port_link_speed_bits_per_second",
            "The link speed (0 when unknown).",
            Gauge,
            per_port_n(&|s| s.info.as_ref().map_or(0, |i| u64::from(i.speed_mbps) * 1_000_000)),
        )?;
        family(
            &mut enc,
            "pktgen_port_sending",
            "1 while the port sends a stream.",
            Gauge,
            per_port_n(&|s| u64::from(s.sending)),
        )?;

        let counters: [Family<engine::HwStats, u64>; 8] = [
            (
                "pktgen_port_tx_packets",
                "Packets sent (portStats curr.opackets).",
                |t| t.opackets,
            ),
            (
                "pktgen_port_rx_packets",
                "Packets received (portStats curr.ipackets).",
                |t| t.ipackets,
            ),
            (
                "pktgen_port_tx_bytes",
                "Bytes sent without FCS (portStats curr.obytes).",
                |t| t.obytes,
            ),
            (
                "pktgen_port_rx_bytes",
                "Bytes received without FCS (portStats curr.ibytes).",
                |t| t.ibytes,
            ),
            (
                "pktgen_port_tx_errors",
                "Transmit errors (portStats curr.oerrors).",
                |t| t.oerrors,
            ),
            (
                "pktgen_port_rx_errors",
                "Receive errors (portStats curr.ierrors).",
                |t| t.ierrors,
            ),
            (
                "pktgen_port_rx_missed",
                "Packets the RX queues had no room for (portStats curr.imissed).",
                |t| t.imissed,
            ),
            (
                "pktgen_port_rx_nombuf",
                "RX buffer allocation failures (portStats curr.rx_nombuf).",
                |t| t.rx_nombuf,
            ),
        ];
        for (name, help, f) in counters {
            family(&mut enc, name, help, Counter, per_port_n(&|s| f(&s.totals)))?;
        }
        let rates: [Family<engine::Rates, f64>; 4] = [
            (
                "pktgen_port_tx_packets_per_second",
                "Packets sent per second over the last second.",
                |r| r.tx_pps,
            ),
            (
                "pktgen_port_rx_packets_per_second",
                "Packets received per second over the last second.",
                |r| r.rx_pps,
            ),
            (
                "pktgen_port_tx_bits_per_second",
                "Bits sent per second over the last second (frames without FCS).",
                |r| r.tx_bps,
            ),
            (
                "pktgen_port_rx_bits_per_second",
                "Bits received per second over the last second (frames without FCS).",
                |r| r.rx_bps,
            ),
        ];
        for (name, help, f) in rates {
            family(&mut enc, name, help, Gauge, per_port(&|s| f(&s.rates)))?;
        }

        let per_queue = |f: fn(&QueueCounters) -> u64| -> Vec<(QueueLabels, u64)> {
            ports
                .iter()
                .flat_map(|s| {
                    s.queues.iter().map(move |q| {
                        (
                            [("port", s.port.to_string()), ("queue", q.queue.to_string())],
                            f(q),
                        )
                    })
                })
                .collect()
        };
        family(
            &mut enc,
            "pktgen_queue_tx_packets",
            "Packets the engine sent on the queue (portStats qstats[q].opackets).",
            Counter,
            per_queue(|q| q.tx_packets),
        )?;
        family(
            &mut enc,
            "pktgen_queue_rx_packets",
            "Packets the engine received on the queue (portStats qstats[q].ipackets).",
            Counter,
            per_queue(|q| q.rx_packets),
        )?;

        let lat: Vec<(&PortSample, &engine::LatencySnapshot)> = ports
            .iter()
            .filter_map(|s| s.latency.as_ref().map(|l| (s, l)))
            .collect();
        let per_lat = |f: fn(&engine::LatencySnapshot) -> f64| -> Vec<(PortLabels, f64)> {
            lat.iter().map(|(s, l)| (port_labels(s.port), f(l))).collect()
        };
        let per_lat_n = |f: fn(&engine::LatencySnapshot) -> u64| -> Vec<(PortLabels, u64)> {
            lat.iter().map(|(s, l)| (port_labels(s.port), f(l))).collect()
        };
        family(
            &mut enc,
            "pktgen_latency_samples",
            "Latency stamps the port received.",
            Counter,
            per_lat_n(|l| l.count),
        )?;
        family(
            &mut enc,
            "pktgen_latency_lost",
            "Stamped packets that never arrived.",
            Counter,
            per_lat_n(|l| l.lost),
        )?;
        family(
            &mut enc,
            "pktgen_latency_reordered",
            "Stamped packets that arrived after a later one.",
            Counter,
            per_lat_n(|l| l.reordered),
        )?;
        family(
            &mut enc,
            "pktgen_latency_duplicate",
            "Stamped packets that arrived twice.",
            Counter,
            per_lat_n(|l| l.duplicate),
        )?;
        family(
            &mut enc,
            "pktgen_latency_mean_seconds",
            "Mean latency of the stamps received.",
            Gauge,
            per_lat(|l| l.mean_ns / 1e9),
        )?;
        family(
            &mut enc,
            "pktgen_latency_jitter_mean_seconds",
            "Mean absolute difference of consecutive latencies.",
            Gauge,
            per_lat(|l| l.jitter_mean_ns / 1e9),
        )?;
        let quantiles: Vec<([(&str, String); 2], f64)> = lat
            .iter()
            .filter(|(_, l)| l.count > 0)
            .flat_map(|(s, l)| {
                QUANTILES.iter().map(move |(q, p)| {
                    let v = value_at_percentile(&l.histogram, *p) as f64 / 1e9;
                    ([("port", s.port.to_string()), ("quantile", (*q).to_string())], v)
                })
            })
            .collect();
        family(
            &mut enc,
            "pktgen_latency_seconds",
            "Latency quantiles of the stamps received (exact HDR histogram, as h:percentile gives them).",
            Gauge,
            quantiles,
        )
    }
}

/// Renders one scrape, or `None` once pktgen is ending.
fn scrape(e: &'static Engine) -> Option<String> {
    let closed = CLOSED.read().unwrap_or_else(|p| p.into_inner());
    if *closed {
        return None;
    }
    let mut reg = Registry::default();
    reg.register_collector(Box::new(Ports(e)));
    reg.register_collector(Box::new(BuildInfo));
    let mut text = String::new();
    prometheus_client::encoding::prometheus_text::encode(&mut text, &reg).ok()?;
    Some(text)
}

/// `pktgen_build_info`, for dashboards that show which pktgen answers.
#[derive(Debug)]
struct BuildInfo;

impl Collector for BuildInfo {
    fn encode(&self, mut enc: DescriptorEncoder) -> std::fmt::Result {
        let labels = [
            ("version", crate::version::PKTGEN_VERSION.to_string()),
            ("dpdk", engine::dpdk_version()),
        ];
        family(
            &mut enc,
            "pktgen_build_info",
            "The pktgen and DPDK versions (always 1).",
            MetricType::Gauge,
            [(labels, 1u64)],
        )
    }
}

/// Answers one HTTP connection.
fn answer(e: &'static Engine, mut s: TcpStream) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = s.set_write_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && !head.windows(2).any(|w| w == b"\n\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.len() > 16 * 1024 {
            break;
        }
    }
    let line = String::from_utf8_lossy(head.split(|&b| b == b'\n').next().unwrap_or_default()).into_owned();
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    let (status, ctype, body) = match (method, path) {
        ("GET" | "HEAD", "/metrics") => match scrape(e) {
            Some(text) => (
                "200 OK",
                prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
                text,
            ),
            None => (
                "503 Service Unavailable",
                "text/plain",
                "pktgen is shutting down\n".into(),
            ),
        },
        ("GET" | "HEAD", "/") => (
            "200 OK",
            "text/html; charset=utf-8",
            "<html><body><a href=\"/metrics\">pktgen metrics</a></body></html>\n".into(),
        ),
        ("GET" | "HEAD", _) => ("404 Not Found", "text/plain", "only /metrics is here\n".into()),
        _ => ("405 Method Not Allowed", "text/plain", "GET /metrics\n".into()),
    };
    let mut resp = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if method != "HEAD" {
        resp.extend_from_slice(body.as_bytes());
    }
    let _ = s.write_all(&resp);
    let _ = s.shutdown(std::net::Shutdown::Write);
}

/// Binds `addr` (`host:port`) and serves the metrics on a thread. Returns the address bound and
/// whether other hosts can reach it.
///
/// # Errors
/// The address not resolving or the bind failing.
pub fn start(e: &'static Engine, addr: &str) -> Result<(SocketAddr, bool), String> {
    let addrs: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .map_err(|err| format!("--metrics {addr}: {err}"))?
        .collect();
    let l =
        TcpListener::bind(&addrs[..]).map_err(|err| format!("--metrics: cannot listen on {addr}: {err}"))?;
    let local = l.local_addr().map_err(|err| format!("--metrics {addr}: {err}"))?;
    std::thread::Builder::new()
        .name("pktgen-metrics".into())
        .spawn(move || {
            for s in l.incoming() {
                if *CLOSED.read().unwrap_or_else(|p| p.into_inner()) {
                    return;
                }
                if let Ok(s) = s {
                    answer(e, s);
                }
            }
        })
        .map_err(|err| format!("--metrics: cannot start a thread: {err}"))?;
    Ok((local, !local.ip().is_loopback()))
}

/// Closes the gate: scrapes from now on answer 503 without reading the engine. Waits for a
/// scrape in progress.
pub fn finish() {
    *CLOSED.write().unwrap_or_else(|p| p.into_inner()) = true;
}
