//! Results for people, end to end through the real binary: charts drawn from Lua and rendered by
//! the real `rsvg-convert` (librsvg) into images that are not blank, and recordings that are
//! whole files however pktgen ends (the end of the scripts, SIGTERM).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::Served;

fn dir(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pktgen-results-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// Writes `lua` to `path` and runs it with `pktgen --exit -f`, which must succeed: (stdout, stderr).
fn run_script(path: &Path, lua: &str) -> (String, String) {
    std::fs::write(path, lua).expect("script");
    let o = common::run(common::pktgen(&["--exit", "-f", &path.display().to_string()]), "");
    let (out, err) = common::text(&o);
    assert!(o.status.success(), "{out}{err}");
    (out, err)
}

/// Renders `svg` with rsvg-convert and returns (width, height, pixels that are not white, pixels
/// in colour, i.e. not grey: the data lines rather than the axes and the text).
fn render(svg: &Path) -> (u32, u32, usize, usize) {
    let png = svg.with_extension("png");
    let o = Command::new("rsvg-convert")
        .arg("-o")
        .arg(&png)
        .arg(svg)
        .output()
        .expect("run rsvg-convert (librsvg2-bin; make deps installs it)");
    assert!(
        o.status.success(),
        "rsvg-convert {}: {}",
        svg.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    let f = std::io::BufReader::new(std::fs::File::open(&png).expect("png"));
    let mut r = png::Decoder::new(f).read_info().expect("a PNG");
    let mut buf = vec![0; r.output_buffer_size().expect("size")];
    let info = r.next_frame(&mut buf).expect("PNG data");
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let channels = info.color_type.samples();
    let (mut ink, mut colour) = (0, 0);
    for px in buf[..info.line_size * info.height as usize].chunks(channels) {
        let alpha = if channels == 4 { px[3] } else { 255 };
        let rgb = &px[..3];
        let (lo, hi) = (
            rgb.iter().min().copied().unwrap_or(0),
            rgb.iter().max().copied().unwrap_or(0),
        );
        if alpha > 0 && lo < 230 {
            ink += 1;
        }
        if alpha > 0 && hi - lo > 80 {
            colour += 1;
        }
    }
    (info.width, info.height, ink, colour)
}

#[test]
fn charts_render_to_images_that_are_not_blank() {
    let _turn = common::heavy();
    let d = dir("charts");
    run_script(
        &d.join("charts.lua"),
        &format!(
            r#"
            local d = {d:?}
            pktgen.set(0, "rate", 1)
            pktgen.set(0, "count", 0)
            pktgen.latency("0-1", "on")
            pktgen.record(d .. "/rates.csv", {{ interval = 100 }})
            pktgen.start(0)
            pktgen.delay(600)
            pktgen.set(0, "rate", 2)
            pktgen.delay(600)
            pktgen.stop(0)
            pktgen.record_stop()
            local h = pktgen.latencyHistogram(1)
            assert(h:count() > 1000, "samples: " .. h:count())
            h:chart(d .. "/latency.svg")
            pktgen.chart.latency(d .. "/two.svg", {{ h, pktgen.latencyHistogram(1) }},
              {{ title = "Two", labels = {{ "first", "second" }} }})
            pktgen.chart.rates(d .. "/rates.svg", d .. "/rates.csv")
            pktgen.chart.rates(d .. "/bits.svg", d .. "/rates.csv", {{ metric = "bps" }})
            local ok, err = pcall(pktgen.chart.latency, d .. "/empty.svg", pktgen.newHistogram())
            assert(not ok and err:find("has no samples"), tostring(err))
            ok, err = pcall(pktgen.chart.rates, d .. "/x.svg", d .. "/missing.csv")
            assert(not ok and err:find("cannot read"), tostring(err))
            "#,
            d = d.display().to_string()
        ),
    );

    let lat = std::fs::read_to_string(d.join("latency.svg")).expect("latency.svg");
    // HdrHistogram's percentile axis: decades labelled as percentiles.
    for label in ["90%", "99%", "99.9%", "Percentile", "Latency (", "port 1"] {
        assert!(lat.contains(label), "latency.svg has no {label:?}");
    }
    let rates = std::fs::read_to_string(d.join("rates.svg")).expect("rates.svg");
    for label in ["Time (s)", "packets/s", "port 0 tx", "port 1 rx"] {
        assert!(rates.contains(label), "rates.svg has no {label:?}");
    }
    assert!(std::fs::read_to_string(d.join("bits.svg")).is_ok_and(|s| s.contains("Mb/s")));
    assert!(!d.join("empty.svg").exists());
    for name in ["latency.svg", "two.svg", "rates.svg", "bits.svg"] {
        let (w, h, ink, colour) = render(&d.join(name));
        assert_eq!((w, h), (960, 560), "{name}");
        assert!(ink > 5000, "{name}: only {ink} pixels drawn");
        assert!(colour > 300, "{name}: only {colour} pixels of data lines");
    }
    let _ = std::fs::remove_dir_all(&d);
}

/// The recorder's CSV rows: the header's field count on every line, each line whole.
fn csv_rows(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).expect("recording");
    assert!(text.ends_with('\n'), "the last line is cut: {text:?}");
    let mut lines = text.lines();
    let fields = lines.next().expect("header").split(',').count();
    let mut n = 0;
    for l in lines {
        assert_eq!(l.split(',').count(), fields, "a cut row: {l:?}");
        assert!(l.split(',').all(|f| f.parse::<f64>().is_ok()), "{l:?}");
        n += 1;
    }
    n
}

#[test]
fn a_recording_is_whole_however_pktgen_ends() {
    let _turn = common::heavy();
    let d = dir("record");
    // The scripts end (--exit) with the recording still on: pktgen closes it.
    let csv = d.join("exit.csv");
    let (_, err) = run_script(
        &d.join("exit.lua"),
        &format!(
            "pktgen.set(0, 'rate', 1) pktgen.set(0, 'count', 0) pktgen.start(0)\n\
             pktgen.record({:?}, {{ interval = 100 }}) pktgen.delay(1000)\n",
            csv.display().to_string()
        ),
    );
    let rows = csv_rows(&csv);
    // At least a second passed (more on a loaded machine): a row at each 100 ms mark before it.
    assert!(rows >= 9, "1 s at 100 ms: {rows} rows");
    let said = format!("pktgen: recording stopped: {rows} rows in '{}'", csv.display());
    assert!(err.contains(&said), "stderr has no {said:?}: {err}");

    // SIGTERM while recording (JSON Lines): the file ends on a whole row.
    let jl = d.join("term.jsonl");
    let script = d.join("term.lua");
    std::fs::write(
        &script,
        format!(
            "pktgen.set(0, 'rate', 1) pktgen.set(0, 'count', 0) pktgen.start(0)\n\
             pktgen.record({:?}, {{ interval = 50 }})\n",
            jl.display().to_string()
        ),
    )
    .expect("script");
    let srv = Served::start(&["-f", &script.display().to_string()]);
    let rows = || std::fs::read_to_string(&jl).map_or(0, |t| t.lines().count());
    let end = Instant::now() + Duration::from_secs(30);
    while rows() < 5 {
        assert!(Instant::now() < end, "no rows; stderr: {}", srv.stderr());
        std::thread::sleep(Duration::from_millis(20));
    }
    let o = srv.stop();
    let (_, err) = common::text(&o);
    assert!(o.status.success(), "{err}");
    let text = std::fs::read_to_string(&jl).expect("recording");
    assert!(text.ends_with('\n'), "the last line is cut");
    let n = text.lines().count();
    for l in text.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}"));
        assert!(v["ports"]["0"]["tx_pps"].as_f64().is_some_and(|x| x > 0.0), "{l}");
    }
    let said = format!("pktgen: recording stopped: {n} rows in '{}'", jl.display());
    assert!(err.contains(&said), "stderr has no {said:?}: {err}");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(rows(), n, "nothing is written after pktgen ended");
    let _ = std::fs::remove_dir_all(&d);
}
