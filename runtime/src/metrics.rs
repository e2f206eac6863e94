//! `--metrics host:port`: the ports' counters, rates and latency quantiles in the Prometheus text
//! format (prometheus-client's encoder) over HTTP, for Prometheus and Grafana.
//!
//! The server runs on a thread of its own that reads the engine (which is `Sync`) and never Lua,
//! so it answers while a script keeps the Lua thread busy, and the single-threaded runtime stays
//! so. HTTP is hyper's (request parsing, malformed requests, HEAD), on a smol executor: every
//! connection is a task with one deadline from accept ([`DEADLINE`]) for its whole request and
//! answer, up to [`MAX_CONNECTIONS`] at once, so a slow client holds its own task and nothing
//! else. It answers `GET /metrics` (and `/`). [`finish`] closes a gate before pktgen stops the
//! ports, after which nothing touches the engine again.
//!
//! Series are labelled by `port`; per-queue series (`pktgen_queue_*`) add a `queue` label and
//! come from [`queues`], which today reports each port's one queue. Counters are those of
//! `portStats` (reset by `pktgen.clear`, which Prometheus reads as a counter reset). The counting
//! filters (`pktgen_filter_*`) add a `filter` label, the filter's name.

use std::cell::Cell;
use std::convert::Infallible;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs as _};
use std::rc::Rc;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use smol::LocalExecutor;
use smol::future::FutureExt as _;
use smol_hyper::rt::FuturesIo;

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
    /// The port's counting filters (`pktgen.rx`).
    filters: Vec<engine::FilterStats>,
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
                filters: e.rx_filters(p).unwrap_or_default(),
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
    // long: one `family` call per metric in the exposition's order, a table rather than logic.
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
        )?;
        filter_families(&mut enc, &ports)
    }
}

/// The counting filters' series: one per filter, labelled by port and filter name.
fn filter_families(enc: &mut DescriptorEncoder, ports: &[PortSample]) -> std::fmt::Result {
    let per_filter = |f: fn(&engine::FilterStats) -> u64| -> Vec<([(&str, String); 2], u64)> {
        ports
            .iter()
            .flat_map(|s| {
                s.filters
                    .iter()
                    .map(move |x| ([("port", s.port.to_string()), ("filter", x.name.clone())], f(x)))
            })
            .collect()
    };
    family(
        enc,
        "pktgen_filter_packets",
        "Packets the port received that the counting filter matched (pktgen.rx.stats).",
        MetricType::Counter,
        per_filter(|x| x.packets),
    )?;
    family(
        enc,
        "pktgen_filter_bytes",
        "Bytes (without FCS) of the packets the counting filter matched.",
        MetricType::Counter,
        per_filter(|x| x.bytes),
    )
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

/// Connections served at once; past it a new connection is closed unanswered.
const MAX_CONNECTIONS: usize = 64;

/// From accept to the end of the answer: a client that sends its request slowly, or reads
/// the answer slowly, is closed then, whatever it was doing.
pub const DEADLINE: Duration = Duration::from_secs(2);

/// Bytes buffered per connection (the request head; hyper's least).
const MAX_BUF: usize = 16 * 1024;

/// The answer to one request.
fn respond<B>(e: &'static Engine, req: &Request<B>) -> Response<Full<Bytes>> {
    let (method, path) = (req.method(), req.uri().path());
    let (status, ctype, body) = match (method, path) {
        (&Method::GET | &Method::HEAD, "/metrics") => match scrape(e) {
            Some(text) => (
                StatusCode::OK,
                prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
                text,
            ),
            None => (
                StatusCode::SERVICE_UNAVAILABLE,
                "text/plain",
                "pktgen is shutting down\n".into(),
            ),
        },
        (&Method::GET | &Method::HEAD, "/") => (
            StatusCode::OK,
            "text/html; charset=utf-8",
            "<html><body><a href=\"/metrics\">pktgen metrics</a></body></html>\n".into(),
        ),
        (&Method::GET | &Method::HEAD, _) => (
            StatusCode::NOT_FOUND,
            "text/plain",
            "only /metrics is here\n".into(),
        ),
        _ => (
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            "GET /metrics\n".into(),
        ),
    };
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(ctype));
    r
}

/// Serves one connection (one request: no keep-alive) until [`DEADLINE`] after `accepted`.
async fn connection(e: &'static Engine, s: smol::net::TcpStream, accepted: Instant) {
    let service = service_fn(move |req| {
        let r = respond(e, &req);
        async move { Ok::<_, Infallible>(r) }
    });
    let conn = http1::Builder::new()
        .keep_alive(false)
        // A client that half-closes after its request (socat, `nc -N`) still gets the answer.
        .half_close(true)
        .max_buf_size(MAX_BUF)
        .serve_connection(FuturesIo::new(s), service);
    let _ = conn
        .or(async {
            smol::Timer::at(accepted + DEADLINE).await;
            Ok(())
        })
        .await;
}

/// Counts a connection being served for as long as it lives.
struct Served(Rc<Cell<usize>>);

impl Drop for Served {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

/// Accepts connections until pktgen ends, each in a task of its own on `ex`.
async fn accept_loop(e: &'static Engine, l: smol::net::TcpListener, ex: Rc<LocalExecutor<'static>>) {
    let active = Rc::new(Cell::new(0usize));
    loop {
        let s = match l.accept().await {
            Ok((s, _)) => s,
            Err(err) => {
                // EMFILE and friends: back off instead of spinning.
                eprintln!("pktgen: metrics: accept failed: {err}");
                smol::Timer::after(Duration::from_millis(100)).await;
                continue;
            }
        };
        let accepted = Instant::now();
        if *CLOSED.read().unwrap_or_else(|p| p.into_inner()) {
            return;
        }
        if active.get() >= MAX_CONNECTIONS {
            continue; // dropped: closed at once
        }
        active.set(active.get() + 1);
        let served = Served(Rc::clone(&active));
        ex.spawn(async move {
            connection(e, s, accepted).await;
            drop(served);
        })
        .detach();
    }
}

/// Binds `addr` (`host:port`) and serves the metrics on a thread of their own. Returns the
/// address bound and whether other hosts can reach it.
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
    let l = smol::net::TcpListener::try_from(l).map_err(|err| format!("--metrics {addr}: {err}"))?;
    std::thread::Builder::new()
        .name("pktgen-metrics".into())
        .spawn(move || {
            let ex = Rc::new(LocalExecutor::new());
            smol::block_on(ex.run(accept_loop(e, l, Rc::clone(&ex))));
        })
        .map_err(|err| format!("--metrics: cannot start a thread: {err}"))?;
    Ok((local, !local.ip().is_loopback()))
}

/// Closes the gate: scrapes from now on answer 503 without reading the engine. Waits for a
/// scrape in progress.
pub fn finish() {
    *CLOSED.write().unwrap_or_else(|p| p.into_inner()) = true;
}
