//! Charts in the `engine` module (`pktgen.chart`): arguments checked here, the drawing is
//! crate::results::charts.

use mlua::{Table, UserDataRef, Value};

use super::vocab::{Fail, Module, ret, text};
use crate::results::charts;
use crate::results::histogram::Histogram;

/// Registers `chart_latency(path, title, {{label, histogram}, ...})` and `chart_rates(path,
/// title, recording, metric)`.
///
/// # Errors
/// Lua failing to allocate.
pub fn register(m: &Module) -> mlua::Result<()> {
    m.func("chart_latency", |lua, a| {
        let who = "chart.latency";
        let path = text(who, "the file name", &a.get(0))?;
        let title = text(who, "the title", &a.get(1))?;
        let Value::Table(list) = a.get(2) else {
            return Err(Fail(format!("{who}: expected a list of histograms")));
        };
        let mut held: Vec<(String, UserDataRef<Histogram>)> = Vec::new();
        for pair in list.sequence_values::<Table>() {
            let pair = pair.map_err(|e| format!("{who}: {e}"))?;
            let label: String = pair.get(1).map_err(|e| format!("{who}: label: {e}"))?;
            let h: UserDataRef<Histogram> = pair
                .get(2)
                .map_err(|_| format!("{who}: {label} is not a latency histogram"))?;
            held.push((label, h));
        }
        let hists: Vec<(String, &Histogram)> = held.iter().map(|(l, h)| (l.clone(), &**h)).collect();
        charts::latency_svg(&path, &title, &hists)?;
        ret(lua, ())
    })?;
    m.func("chart_rates", |lua, a| {
        let who = "chart.rates";
        let path = text(who, "the file name", &a.get(0))?;
        let title = text(who, "the title", &a.get(1))?;
        let from = text(who, "the recording", &a.get(2))?;
        let metric = text(who, "the metric", &a.get(3))?;
        if metric != "pps" && metric != "bps" {
            return Err(Fail(format!(
                "{who}: metric must be 'pps' or 'bps', got '{metric}'"
            )));
        }
        charts::rates_svg(&path, &title, &from, &metric)?;
        ret(lua, ())
    })
}
