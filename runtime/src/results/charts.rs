//! Charts as SVG files (plotters): a latency histogram's percentile distribution on a log-scaled
//! percentile axis, as HdrHistogram's plotter draws it (x is 1/(1 - percentile), labelled 90%,
//! 99%, 99.9%, ...), and the rates of a file the recorder wrote, over time. SVG needs no fonts
//! at drawing time (the viewer brings them), so the charts draw anywhere; `rsvg-convert` turns
//! them into PNG. Plain Rust: the Lua binding (lua/engine/charts.rs) calls [`latency_svg`] and
//! [`rates_svg`].

use plotters::prelude::*;

use super::histogram::Histogram;
use super::record::COLUMNS;

/// Pixel size of every chart.
const SIZE: (u32, u32) = (960, 560);

/// A chart's line: its label and points.
type Series = (String, Vec<(f64, f64)>);

fn draw_err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> String {
    format!("chart: drawing failed: {e}")
}

/// `1/(1-q)` as the percentile HdrHistogram's plotter writes under it: 10 is "90%", 1000 "99.9%".
fn percentile_label(x: f64) -> String {
    let p = 100.0 - 100.0 / x;
    let digits = (x.log10().round() as usize).saturating_sub(2);
    format!("{p:.digits$}%")
}

/// An axis number without a useless fraction: 400000, 2.5, 0.25.
fn axis_number(v: f64) -> String {
    if v.abs() >= 100.0 || v == v.trunc() {
        format!("{v:.0}")
    } else {
        format!("{}", (v * 100.0).round() / 100.0)
    }
}

/// The unit latencies read best in: (divisor, name).
fn latency_unit(max_ns: f64) -> (f64, &'static str) {
    if max_ns < 10_000.0 {
        (1.0, "ns")
    } else if max_ns < 10_000_000.0 {
        (1e3, "µs")
    } else {
        (1e6, "ms")
    }
}

/// Draws the percentile distributions of `hists` (label, histogram) into the SVG file `path`.
///
/// # Errors
/// No histogram with samples, or the file not written.
pub fn latency_svg(path: &str, title: &str, hists: &[(String, &Histogram)]) -> Result<(), String> {
    // The last point (quantile 1) is at infinity on this axis: the curves end at the one before.
    let raw: Vec<(String, Vec<(f64, f64)>)> = hists
        .iter()
        .map(|(label, h)| {
            let pts = h
                .distribution()
                .into_iter()
                .filter(|(q, _, _)| *q < 1.0)
                .map(|(q, v, _)| (1.0 / (1.0 - q), v as f64))
                .collect();
            (label.clone(), pts)
        })
        .collect();
    let xmax = raw
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(x, _)| *x))
        .fold(1.0f64, f64::max);
    let ymax = raw
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(_, y)| *y))
        .fold(0.0f64, f64::max);
    if raw.iter().all(|(_, p)| p.is_empty()) {
        return Err("chart.latency: the histogram has no samples".into());
    }
    let (div, unit) = latency_unit(ymax);
    // Decades up to the one that holds the last point, at least to 99%.
    let decades = (xmax.log10().ceil() as i32).max(2);
    let keys: Vec<f64> = (0..=decades).map(|d| 10f64.powi(d)).collect();
    let xend = 10f64.powi(decades);
    let series: Vec<Series> = raw
        .into_iter()
        .map(|(l, p)| (l, p.into_iter().map(|(x, y)| (x, y / div)).collect()))
        .collect();

    let root = canvas(path)?;
    let mut chart = builder(&root, title)
        .build_cartesian_2d(
            (1f64..xend).log_scale().with_key_points(keys),
            0f64..(ymax / div * 1.05).max(1.0),
        )
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .x_desc("Percentile")
        .y_desc(format!("Latency ({unit})"))
        .x_label_formatter(&|x| percentile_label(*x))
        .y_label_formatter(&|y| axis_number(*y))
        .draw()
        .map_err(draw_err)?;
    finish(&root, &mut chart, series, path)
}

/// A white SVG page of [`SIZE`] that writes to `path` when presented.
fn canvas(path: &str) -> Result<DrawingArea<SVGBackend<'_>, plotters::coord::Shift>, String> {
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(draw_err)?;
    Ok(root)
}

/// Every chart's frame: title, margins (room on the right for the last x label), label areas.
fn builder<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    title: &str,
) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
    let mut b = ChartBuilder::on(root);
    b.caption(title, ("sans-serif", 24))
        .margin(20)
        .margin_right(50)
        .x_label_area_size(50)
        .y_label_area_size(90);
    b
}

/// Draws `series` with a legend and writes the file.
fn finish<'a, X: Ranged<ValueType = f64>, Y: Ranged<ValueType = f64>>(
    root: &DrawingArea<SVGBackend<'a>, plotters::coord::Shift>,
    chart: &mut ChartContext<'a, SVGBackend<'a>, Cartesian2d<X, Y>>,
    series: Vec<Series>,
    path: &str,
) -> Result<(), String> {
    for (i, (label, pts)) in series.into_iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(pts, color.stroke_width(2)))
            .map_err(draw_err)?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(draw_err)?;
    root.present()
        .map_err(|e| format!("chart: cannot write '{path}': {e}"))
}

/// A recorder file read back: elapsed seconds, and per port the columns by name.
#[derive(Debug, Default)]
pub struct Recording {
    /// `elapsed_s` of each row.
    pub elapsed: Vec<f64>,
    /// (port, column, values) for each recorded column.
    pub columns: Vec<(String, String, Vec<f64>)>,
}

/// Reads a file `pktgen.record` wrote (CSV or JSON Lines, told apart by the first byte).
///
/// # Errors
/// The file missing, or a line that is not a recorder row.
pub fn read_recording(path: &str) -> Result<Recording, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("chart.rates: cannot read '{path}': {e}"))?;
    let bad = |n: usize, why: &str| format!("chart.rates: '{path}' line {n} is not a recorder row: {why}");
    let mut rec = Recording::default();
    if text.starts_with('{') {
        for (n, line) in text.lines().enumerate() {
            let v: serde_json::Value = serde_json::from_str(line).map_err(|e| bad(n + 1, &e.to_string()))?;
            rec.elapsed.push(
                v["elapsed_s"]
                    .as_f64()
                    .ok_or_else(|| bad(n + 1, "no elapsed_s"))?,
            );
            let ports = v["ports"].as_object().ok_or_else(|| bad(n + 1, "no ports"))?;
            for (p, cols) in ports {
                for c in COLUMNS {
                    let x = cols[c].as_f64().ok_or_else(|| bad(n + 1, c))?;
                    match rec.columns.iter_mut().find(|(pp, cc, _)| pp == p && cc == c) {
                        Some((_, _, vals)) => vals.push(x),
                        None => rec.columns.push((p.clone(), c.to_string(), vec![x])),
                    }
                }
            }
        }
    } else {
        let mut lines = text.lines();
        let head: Vec<&str> = lines.next().ok_or_else(|| bad(1, "empty"))?.split(',').collect();
        if head.get(1) != Some(&"elapsed_s") {
            return Err(bad(1, "the header has no elapsed_s"));
        }
        for h in &head[2..] {
            let (p, c) = h
                .strip_prefix('p')
                .and_then(|r| r.split_once('_'))
                .ok_or_else(|| bad(1, h))?;
            rec.columns.push((p.to_string(), c.to_string(), Vec::new()));
        }
        for (n, line) in lines.enumerate() {
            let f: Vec<f64> = line
                .split(',')
                .map(str::parse)
                .collect::<Result<_, _>>()
                .map_err(|e: std::num::ParseFloatError| bad(n + 2, &e.to_string()))?;
            if f.len() != head.len() {
                return Err(bad(n + 2, "the wrong number of fields"));
            }
            rec.elapsed.push(f[1]);
            for (col, x) in rec.columns.iter_mut().zip(&f[2..]) {
                col.2.push(*x);
            }
        }
    }
    if rec.elapsed.is_empty() {
        return Err(format!("chart.rates: '{path}' has no rows yet"));
    }
    Ok(rec)
}

/// Draws the tx and rx rates of every port in the recording `from` into the SVG file `path`;
/// `metric` is `pps` or `bps` (shown in Mb/s).
///
/// # Errors
/// The recording unreadable, or the file not written.
pub fn rates_svg(path: &str, title: &str, from: &str, metric: &str) -> Result<(), String> {
    let rec = read_recording(from)?;
    let (div, unit) = if metric == "bps" {
        (1e6, "Mb/s")
    } else {
        (1.0, "packets/s")
    };
    let mut series: Vec<Series> = Vec::new();
    for (p, c, vals) in &rec.columns {
        let Some(dir) = c.strip_suffix(&format!("_{metric}")) else {
            continue;
        };
        let pts = rec.elapsed.iter().zip(vals).map(|(t, v)| (*t, v / div)).collect();
        series.push((format!("port {p} {dir}"), pts));
    }
    let tmax = rec.elapsed.iter().copied().fold(0.0f64, f64::max);
    let ymax = series
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(_, y)| *y))
        .fold(0.0f64, f64::max);
    let root = canvas(path)?;
    let mut chart = builder(&root, title)
        .build_cartesian_2d(0f64..tmax.max(1e-3), 0f64..(ymax * 1.1).max(1.0))
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .x_desc("Time (s)")
        .y_desc(unit)
        .y_label_formatter(&|y| axis_number(*y))
        .draw()
        .map_err(draw_err)?;
    finish(&root, &mut chart, series, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_axis_labels() {
        assert_eq!(percentile_label(1.0), "0%");
        assert_eq!(percentile_label(10.0), "90%");
        assert_eq!(percentile_label(100.0), "99%");
        assert_eq!(percentile_label(1000.0), "99.9%");
        assert_eq!(percentile_label(1e5), "99.999%");
        assert_eq!(axis_number(400000.0), "400000");
        assert_eq!(axis_number(2.5), "2.5");
        assert_eq!(axis_number(3.0), "3");
        assert_eq!(latency_unit(500.0).1, "ns");
        assert_eq!(latency_unit(50_000.0).1, "µs");
    }
}
