//! Streams in the `engine` module: the port's own stream (`start`, `stop`, `sending`, `wait`),
//! the streams beside it in their slots (`stream_*`), and the numbers that bound them (`slots`,
//! `max_frame`), which the stdlib reads instead of repeating.

use std::time::{Duration, Instant};

use engine::Engine;
use mlua::Value;

use super::spec;
use super::values::{count, latency_table};
use super::vocab::{Module, ret};

/// Registers `start`, `stop`, `sending`, `wait`, `stream_start`, `stream_stop`,
/// `stream_sending`, `stream_stats`, `max_frame` and the `slots` table.
///
/// # Errors
/// Lua failing to allocate.
pub fn register(m: &Module, e: &'static Engine) -> mlua::Result<()> {
    let max_frame = e.max_frame();
    m.func("start", move |lua, a| {
        let p = a.port(e, 0)?;
        let s = spec::from_lua(&a.get(1), max_frame)?;
        ret(lua, e.start(p, &s)?)
    })?;
    m.func("stop", move |lua, a| ret(lua, e.stop(a.port(e, 0)?)?))?;
    m.func("sending", move |lua, a| ret(lua, e.is_sending(a.port(e, 0)?)?))?;
    m.async_func("wait", move |lua, a| async move {
        let p = a.port(e, 0)?;
        let timeout = match a.get(1) {
            Value::Nil => None,
            _ => Some(Duration::from_secs_f64(
                a.number(1, "timeout_ms")?.max(0.0) / 1000.0,
            )),
        };
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            if !e.is_sending(p)? {
                return ret(&lua, true);
            }
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                return ret(&lua, false);
            }
            // Poll often enough that a finished count is noticed promptly, without keeping the
            // control thread busy.
            let nap = Duration::from_millis(2);
            let nap = deadline.map_or(nap, |d| nap.min(d - now));
            smol::Timer::after(nap).await;
        }
    })?;
    m.func("stream_start", move |lua, a| {
        let (p, s) = (a.port(e, 0)?, a.slot(1)?);
        let spec = spec::from_lua(&a.get(2), max_frame)?;
        // An optional companion (slot, spec), such as latency probes, starts in the same step.
        match a.get(3) {
            Value::Nil => e.start_stream(p, s, &spec)?,
            _ => {
                let with = spec::from_lua(&a.get(4), max_frame)?;
                e.start_streams(p, &[(s, &spec), (a.slot(3)?, &with)])?;
            }
        }
        ret(lua, ())
    })?;
    m.func("stream_stop", move |lua, a| {
        ret(lua, e.stop_stream(a.port(e, 0)?, a.slot(1)?)?)
    })?;
    m.func("stream_sending", move |lua, a| {
        ret(lua, e.stream_sending(a.port(e, 0)?, a.slot(1)?)?)
    })?;
    m.func("stream_stats", move |lua, a| {
        let st = e.stream_stats(a.port(e, 0)?, a.slot(1)?)?;
        let t = lua.create_table()?;
        t.set("tx_packets", count(st.tx_packets))?;
        t.set("tx_bytes", count(st.tx_bytes))?;
        t.set("tx_skipped", count(st.tx_skipped))?;
        t.set("rx", latency_table(lua, st.rx)?)?;
        ret(lua, t)
    })?;
    m.func("max_frame", move |lua, _| ret(lua, max_frame))?;
    let lua = m.lua();
    let slots = lua.create_table()?;
    slots.set("count", engine::SLOTS)?;
    slots.set("own", engine::OWN_SLOT)?;
    slots.set("first_user", *engine::USER_SLOTS.start())?;
    slots.set("last_user", *engine::USER_SLOTS.end())?;
    slots.set("probe", engine::PROBE_SLOT)?;
    m.value("slots", slots)
}
