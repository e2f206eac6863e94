//! A port's streams in the `engine` module: start, stop and read one stream of up to 64 per
//! port (slot 0 is the Pktgen surface's own). The stdlib's `pktgen.streams` builds on these.

use engine::Engine;
use mlua::{Lua, Table, Value};

use super::engine_api::{Handler, PortFn, arg, ret, sync_fn};
use super::latency_api::snapshot_table;
use super::spec;

/// The slot argument: an integer 0..=63.
fn slot(who: &str, v: &Value) -> std::result::Result<usize, String> {
    match v {
        Value::Integer(i) if (0..64).contains(i) => Ok(*i as usize),
        Value::Number(f) if f.fract() == 0.0 && (0.0..64.0).contains(f) => Ok(*f as usize),
        other => Err(format!(
            "engine.{who}: slot must be an integer 0..63, got {}",
            super::engine_api::describe(other)
        )),
    }
}

/// Adds `stream_start`, `stream_stop`, `stream_sending` and `stream_stats` to the raw module.
///
/// # Errors
/// Lua failing to allocate.
pub fn register(
    lua: &Lua,
    raw: &Table,
    e: &'static Engine,
    port: PortFn,
    max_frame: usize,
) -> mlua::Result<()> {
    let reg = |name: &str, f: Handler| sync_fn(lua, raw, name, f);
    reg(
        "stream_start",
        Box::new(move |lua, a| {
            let p = port(e, "stream_start", &arg(&a, 0))?;
            let s = slot("stream_start", &arg(&a, 1))?;
            let spec_of = |v: &Value| {
                spec::from_lua(v, max_frame).map_err(|e| match e {
                    mlua::Error::RuntimeError(m) => m,
                    other => other.to_string(),
                })
            };
            let spec = spec_of(&arg(&a, 2))?;
            // An optional companion (slot, spec), such as latency probes, starts in the same step.
            let with = match arg(&a, 3) {
                Value::Nil => None,
                v => Some((slot("stream_start", &v)?, spec_of(&arg(&a, 4))?)),
            };
            match &with {
                None => e.start_stream(p, s, &spec),
                Some((ws, wspec)) => e.start_streams(p, &[(s, &spec), (*ws, wspec)]),
            }
            .map_err(|e| e.to_string())?;
            ret(lua, ())
        }),
    )?;
    reg(
        "stream_stop",
        Box::new(move |lua, a| {
            let p = port(e, "stream_stop", &arg(&a, 0))?;
            let s = slot("stream_stop", &arg(&a, 1))?;
            e.stop_stream(p, s).map_err(|e| e.to_string())?;
            ret(lua, ())
        }),
    )?;
    reg(
        "stream_sending",
        Box::new(move |lua, a| {
            let p = port(e, "stream_sending", &arg(&a, 0))?;
            let s = slot("stream_sending", &arg(&a, 1))?;
            ret(lua, e.stream_sending(p, s).map_err(|e| e.to_string())?)
        }),
    )?;
    reg(
        "stream_stats",
        Box::new(move |lua, a| {
            let p = port(e, "stream_stats", &arg(&a, 0))?;
            let s = slot("stream_stats", &arg(&a, 1))?;
            let st = e.stream_stats(p, s).map_err(|e| e.to_string())?;
            let t = (|| -> mlua::Result<Table> {
                let t = lua.create_table()?;
                t.set("tx_packets", st.tx_packets as i64)?;
                t.set("tx_bytes", st.tx_bytes as i64)?;
                t.set("tx_skipped", st.tx_skipped as i64)?;
                t.set("rx", snapshot_table(lua, st.rx)?)?;
                Ok(t)
            })()
            .map_err(|e| e.to_string())?;
            ret(lua, t)
        }),
    )?;
    Ok(())
}
