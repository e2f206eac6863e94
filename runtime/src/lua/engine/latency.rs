//! Latency in the `engine` module: per-port snapshots of the engine's HDR histograms, empty
//! histograms to merge into, the jitter threshold, receive-side stamping, and Pktgen's latency
//! sampler. Printing tables and charts is the Lua stdlib's job (lua/pktgen/api/latency.lua); the
//! histogram itself is crate::results::histogram.

use engine::Engine;
use mlua::Value;

use super::values::{count, histogram, latency_table};
use super::vocab::{Fail, Module, describe, ret};
use crate::results::histogram::Histogram;
use crate::results::sampler;

/// Registers `latency`, `latency_reset`, `latency_last`, `jitter`, `latency_rx`, `histogram`,
/// `latsampler_start` and `latsampler_stop`.
///
/// # Errors
/// Lua failing to allocate.
pub fn register(m: &Module, e: &'static Engine) -> mlua::Result<()> {
    m.func("latency", move |lua, a| {
        let s = e.latency(a.port(e, 0)?)?;
        ret(lua, latency_table(lua, s)?)
    })?;
    m.func("latency_reset", move |lua, a| {
        ret(lua, e.latency_reset(a.port(e, 0)?)?)
    })?;
    m.func("latency_last", move |lua, a| {
        let v = e.latency_last(a.port(e, 0)?)?;
        ret(lua, v.map_or(Value::Nil, count))
    })?;
    m.func("jitter", move |lua, a| {
        let p = a.port(e, 0)?;
        let ns = match a.get(1) {
            Value::Integer(i) if i >= 0 => i as u64,
            Value::Number(n) if n >= 0.0 => n as u64,
            v => {
                return Err(Fail(format!(
                    "engine.jitter: threshold_ns must be a non-negative number, got {}",
                    v.type_name()
                )));
            }
        };
        ret(lua, e.set_jitter_threshold(p, ns)?)
    })?;
    m.func("latency_rx", move |lua, a| {
        let p = a.port(e, 0)?;
        let on = matches!(a.get(1), Value::Boolean(true));
        ret(lua, e.set_latency_rx(p, on)?)
    })?;
    m.func("histogram", move |lua, a| {
        // By default the same range and precision as the ports' histograms, so they merge.
        let (max0, digits0) = e.latency_range();
        let max = match a.get(0) {
            Value::Integer(i) if i > 1 => i as u64,
            _ => max0,
        };
        let digits = match a.get(1) {
            Value::Integer(i) if (1..=5).contains(&i) => i as u8,
            _ => digits0,
        };
        ret(lua, histogram(lua, Histogram::empty(max, digits)?)?)
    })?;
    m.func("latsampler_start", move |lua, a| {
        let p = a.port(e, 0)?;
        let text = |i: usize| match a.get(i) {
            Value::String(s) => Ok(s.to_string_lossy()),
            v => Err(Fail(format!(
                "engine.latsampler_start: argument {} must be a string, got {}",
                i + 1,
                v.type_name()
            ))),
        };
        let poisson = text(1)? == "poisson";
        let num = |i: usize| match a.get(i) {
            Value::Integer(n) if n > 0 => Ok(n as u64),
            v => Err(Fail(format!(
                "engine.latsampler_start: argument {} must be a positive integer, got {}",
                i + 1,
                describe(&v)
            ))),
        };
        let (n, rate) = (num(2)?, num(3)?);
        ret(lua, sampler::start(e, p, poisson, n, rate, text(4)?)?)
    })?;
    m.func("latsampler_stop", move |lua, a| {
        ret(lua, sampler::stop(a.port(e, 0)?)?)
    })
}
