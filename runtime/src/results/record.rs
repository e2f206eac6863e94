//! The recorder (`pktgen.record`): every interval, one row with every recorded port's rates over
//! that interval and its counters since the last clear (and its counting filters' packets and
//! rates, those it had when the recording started), appended to a CSV or JSON Lines file for
//! plotting later. It runs on a plain thread that only reads the engine (which is `Sync`) and
//! writes the file, so it needs neither Lua nor the executor and keeps its pace while Lua is busy.
//! Each row is written and flushed whole, so the file is intact however pktgen ends; stopping
//! (or pktgen quitting) joins the thread and closes the file. Plain Rust: the Lua binding
//! (lua/engine/record.rs) checks the arguments and calls [`start`] and [`stop`].

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::sync::Mutex;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use engine::Engine;

/// The file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A header line, then one comma-separated row per interval.
    Csv,
    /// One JSON object per line.
    JsonLines,
}

/// The per-port columns, in order: rates over the interval, then totals since the last clear.
pub const COLUMNS: [&str; 11] = [
    "tx_pps", "rx_pps", "tx_bps", "rx_bps", "opackets", "ipackets", "obytes", "ibytes", "oerrors", "ierrors",
    "imissed",
];

struct Running {
    path: String,
    stop: Sender<()>,
    thread: JoinHandle<Result<u64, String>>,
}

static RUNNING: Mutex<Option<Running>> = Mutex::new(None);

fn running() -> std::sync::MutexGuard<'static, Option<Running>> {
    RUNNING.lock().unwrap_or_else(|p| p.into_inner())
}

/// One port's counters at one moment.
#[derive(Clone, Copy, Default)]
struct Sample {
    opackets: u64,
    ipackets: u64,
    obytes: u64,
    ibytes: u64,
    oerrors: u64,
    ierrors: u64,
    imissed: u64,
}

fn sample(e: &Engine, ports: &[u16]) -> Vec<Sample> {
    ports
        .iter()
        .map(|&p| {
            e.stats(p)
                .map(|s| {
                    let t = s.totals().counts;
                    Sample {
                        opackets: t.opackets,
                        ipackets: t.ipackets,
                        obytes: t.obytes,
                        ibytes: t.ibytes,
                        oerrors: t.oerrors,
                        ierrors: t.ierrors,
                        imissed: t.imissed,
                    }
                })
                .unwrap_or_default()
        })
        .collect()
}

/// A counter's growth per second; a counter that went down was cleared, so it grew from 0.
fn per_sec(now: u64, before: u64, dt: f64) -> f64 {
    let d = if now >= before { now - before } else { now };
    d as f64 / dt
}

/// One row's values for one port, in [`COLUMNS`] order.
fn row_values(now: &Sample, before: &Sample, dt: f64) -> [f64; 11] {
    [
        per_sec(now.opackets, before.opackets, dt),
        per_sec(now.ipackets, before.ipackets, dt),
        per_sec(now.obytes, before.obytes, dt) * 8.0,
        per_sec(now.ibytes, before.ibytes, dt) * 8.0,
        now.opackets as f64,
        now.ipackets as f64,
        now.obytes as f64,
        now.ibytes as f64,
        now.oerrors as f64,
        now.ierrors as f64,
        now.imissed as f64,
    ]
}

/// Rates with three decimals, counters as integers.
fn number(i: usize, v: f64) -> String {
    if i < 4 {
        format!("{v:.3}")
    } else {
        format!("{}", v as u64)
    }
}

/// The counting filters (`pktgen.rx`) of the recorded ports when the recording starts: (port, name).
fn filters_of(e: &Engine, ports: &[u16]) -> Vec<(u16, String)> {
    ports
        .iter()
        .flat_map(|&p| {
            e.rx_filters(p)
                .unwrap_or_default()
                .into_iter()
                .map(move |f| (p, f.name))
        })
        .collect()
}

/// Each filter's packets now (0 for one removed since).
fn filter_counts(e: &Engine, filters: &[(u16, String)]) -> Vec<u64> {
    filters
        .iter()
        .map(|(p, name)| {
            e.rx_filters(*p)
                .unwrap_or_default()
                .iter()
                .find(|f| &f.name == name)
                .map_or(0, |f| f.packets)
        })
        .collect()
}

/// A filter's name as part of a CSV column name: letters, digits, `_` and `-`, the rest `_`.
fn column_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// One filter's values in a row: (port, name, packets since added, packets per second).
type FilterValues<'a> = (u16, &'a str, u64, f64);

fn header(ports: &[u16], filters: &[(u16, String)]) -> String {
    let mut h = String::from("time,elapsed_s");
    for p in ports {
        for c in COLUMNS {
            let _ = write!(h, ",p{p}_{c}");
        }
    }
    for (p, name) in filters {
        let n = column_safe(name);
        let _ = write!(h, ",p{p}_filter_{n}_packets,p{p}_filter_{n}_pps");
    }
    h.push('\n');
    h
}

fn row(
    format: Format,
    unix: f64,
    elapsed: f64,
    ports: &[u16],
    values: &[[f64; 11]],
    filters: &[FilterValues<'_>],
) -> String {
    match format {
        Format::Csv => {
            let mut r = format!("{unix:.6},{elapsed:.6}");
            for v in values {
                for (i, x) in v.iter().enumerate() {
                    let _ = write!(r, ",{}", number(i, *x));
                }
            }
            for (_, _, k, pps) in filters {
                let _ = write!(r, ",{k},{pps:.3}");
            }
            r.push('\n');
            r
        }
        Format::JsonLines => {
            let mut r = format!("{{\"time\":{unix:.6},\"elapsed_s\":{elapsed:.6},\"ports\":{{");
            for (k, (p, v)) in ports.iter().zip(values).enumerate() {
                let _ = write!(r, "{}\"{p}\":{{", if k > 0 { "," } else { "" });
                for (i, (c, x)) in COLUMNS.iter().zip(v).enumerate() {
                    let _ = write!(r, "{}\"{c}\":{}", if i > 0 { "," } else { "" }, number(i, *x));
                }
                r.push('}');
            }
            r.push('}');
            if !filters.is_empty() {
                r.push_str(",\"filters\":[");
                for (k, (p, name, n, pps)) in filters.iter().enumerate() {
                    let name = serde_json::to_string(name).unwrap_or_default();
                    let _ = write!(
                        r,
                        "{}{{\"port\":{p},\"name\":{name},\"packets\":{n},\"pps\":{pps:.3}}}",
                        if k > 0 { "," } else { "" }
                    );
                }
                r.push(']');
            }
            r.push_str("}\n");
            r
        }
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The recording thread: a row at each multiple of `interval` after the start, until `stop`.
fn record(
    e: &'static Engine,
    ports: &[u16],
    format: Format,
    interval: Duration,
    mut w: BufWriter<File>,
    path: &str,
    stop: &mpsc::Receiver<()>,
) -> Result<u64, String> {
    let io = |err: std::io::Error| format!("record: writing '{path}': {err}");
    let filters = filters_of(e, ports);
    if format == Format::Csv {
        w.write_all(header(ports, &filters).as_bytes()).map_err(io)?;
        w.flush().map_err(io)?;
    }
    let t0 = Instant::now();
    let mut before = (t0, sample(e, ports));
    let mut counted = filter_counts(e, &filters);
    let mut rows = 0u64;
    let mut k = 1u32;
    loop {
        let due = t0 + interval * k;
        match stop.recv_timeout(due.saturating_duration_since(Instant::now())) {
            Err(RecvTimeoutError::Timeout) => {}
            _ => break,
        }
        let now = Instant::now();
        let cur = sample(e, ports);
        let dt = now.duration_since(before.0).as_secs_f64().max(1e-9);
        let values: Vec<[f64; 11]> = cur
            .iter()
            .zip(&before.1)
            .map(|(c, b)| row_values(c, b, dt))
            .collect();
        let counts = filter_counts(e, &filters);
        let fvalues: Vec<FilterValues<'_>> = filters
            .iter()
            .zip(counts.iter().zip(&counted))
            .map(|((p, name), (&c, &b))| (*p, name.as_str(), c, per_sec(c, b, dt)))
            .collect();
        let line = row(
            format,
            unix_now(),
            now.duration_since(t0).as_secs_f64(),
            ports,
            &values,
            &fvalues,
        );
        counted = counts;
        w.write_all(line.as_bytes()).map_err(io)?;
        w.flush().map_err(io)?;
        rows += 1;
        before = (now, cur);
        // After a stall, the next row is at the next multiple still ahead (no burst of rows).
        let elapsed = now.duration_since(t0).as_nanos() / interval.as_nanos().max(1);
        k = (elapsed as u32).max(k) + 1;
    }
    w.flush().map_err(io)?;
    Ok(rows)
}

/// Starts recording `ports` to `path` every `interval`.
///
/// # Errors
/// A recording already running, or the file not opening.
pub fn start(
    e: &'static Engine,
    path: &str,
    format: Format,
    interval: Duration,
    ports: Vec<u16>,
) -> Result<(), String> {
    let mut r = running();
    if let Some(cur) = r.as_ref()
        && !cur.thread.is_finished()
    {
        return Err(format!(
            "record: already recording to '{}'; call pktgen.record_stop() first",
            cur.path
        ));
    }
    let f = File::create(path).map_err(|err| format!("record: cannot create '{path}': {err}"))?;
    let (tx, rx) = mpsc::channel();
    let p = path.to_string();
    let thread = std::thread::Builder::new()
        .name("pktgen-record".into())
        .spawn(move || record(e, &ports, format, interval, BufWriter::new(f), &p, &rx))
        .map_err(|err| format!("record: cannot start a thread: {err}"))?;
    *r = Some(Running {
        path: path.to_string(),
        stop: tx,
        thread,
    });
    Ok(())
}

/// Stops the recording, if any, and closes its file: (path, rows written).
///
/// # Errors
/// Writing the file failed (the message names it).
pub fn stop() -> Result<Option<(String, u64)>, String> {
    let Some(r) = running().take() else {
        return Ok(None);
    };
    let _ = r.stop.send(());
    let rows = r
        .thread
        .join()
        .map_err(|_| "record: the recording thread panicked".to_string())??;
    Ok(Some((r.path, rows)))
}

/// Stops a recording still running as pktgen ends, so its file is closed whole, and says so.
pub fn finish() {
    match stop() {
        Ok(Some((path, rows))) => eprintln!("pktgen: recording stopped: {rows} rows in '{path}'"),
        Ok(None) => {}
        Err(m) => eprintln!("pktgen: {m}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_in_both_formats() {
        let before = Sample {
            opackets: 100,
            obytes: 6000,
            ..Sample::default()
        };
        let now = Sample {
            opackets: 300,
            obytes: 18000,
            ipackets: 5,
            ..Sample::default()
        };
        let v = row_values(&now, &before, 2.0);
        assert_eq!(v[0], 100.0, "tx_pps");
        assert_eq!(v[2], 48000.0, "tx_bps");
        // A cleared counter (now below before) counts from zero.
        assert_eq!(row_values(&before, &now, 1.0)[0], 100.0);
        assert_eq!(
            header(&[0, 1], &[]).split(',').count(),
            2 + 2 * COLUMNS.len(),
            "time, elapsed_s and each port's columns"
        );
        let csv = row(Format::Csv, 1.5, 0.25, &[0], &[v], &[]);
        assert_eq!(
            csv,
            "1.500000,0.250000,100.000,2.500,48000.000,0.000,300,5,18000,0,0,0,0\n"
        );
        let j = row(Format::JsonLines, 1.5, 0.25, &[3], &[v], &[]);
        let parsed: serde_json::Value = serde_json::from_str(&j).unwrap_or_default();
        assert_eq!(parsed["ports"]["3"]["opackets"], 300);
        assert_eq!(parsed["ports"]["3"]["tx_pps"], 100.0);
        assert_eq!(parsed["elapsed_s"], 0.25);
    }

    #[test]
    fn counting_filters_get_columns_of_their_own() {
        let filters = [(1u16, "dns, \"udp\"".to_string())];
        assert_eq!(
            header(&[1], &filters)
                .trim_end()
                .rsplit(',')
                .take(2)
                .collect::<Vec<_>>(),
            ["p1_filter_dns___udp__pps", "p1_filter_dns___udp__packets"]
        );
        let f = [(1u16, filters[0].1.as_str(), 42u64, 2.5)];
        let csv = row(Format::Csv, 1.5, 0.25, &[1], &[[0.0; 11]], &f);
        assert!(csv.ends_with(",42,2.500\n"), "{csv}");
        let j = row(Format::JsonLines, 1.5, 0.25, &[1], &[[0.0; 11]], &f);
        let parsed: serde_json::Value = serde_json::from_str(&j).unwrap_or_default();
        assert_eq!(parsed["filters"][0]["name"], "dns, \"udp\"");
        assert_eq!(parsed["filters"][0]["packets"], 42);
        assert_eq!(parsed["ports"]["1"]["opackets"], 0);
    }
}
