//! TAP mirrors in the `engine` module (`pktgen.rxtap`/`txtap`): copying what a port receives or
//! sends to a kernel TAP interface, and what each mirror passed and dropped.

use engine::{Engine, MirrorStats};
use mlua::{Lua, Table, Value};

use super::values::count;
use super::vocab::{Fail, Module, describe, ret};

fn mirror_table(lua: &Lua, m: &MirrorStats) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.set("on", m.on)?;
    t.set("name", m.name.as_str())?;
    t.set("packets", count(m.packets))?;
    t.set("dropped", count(m.dropped))?;
    Ok(t)
}

/// Registers `tap` and `tap_stats`.
///
/// # Errors
/// Lua failing to allocate.
pub fn register(m: &Module, e: &'static Engine) -> mlua::Result<()> {
    m.func("tap", move |lua, a| {
        let p = a.port(e, 0)?;
        let rx = match a.get(1) {
            Value::String(s) if s.as_bytes().as_ref() == b"rx" => true,
            Value::String(s) if s.as_bytes().as_ref() == b"tx" => false,
            v => {
                return Err(Fail(format!(
                    "engine.tap: direction must be \"rx\" or \"tx\", got {}",
                    describe(&v)
                )));
            }
        };
        let on = match a.get(2) {
            Value::Boolean(b) => b,
            v => {
                return Err(Fail(format!(
                    "engine.tap: on must be a boolean, got {}",
                    describe(&v)
                )));
            }
        };
        ret(lua, e.set_tap(p, rx, on)?)
    })?;
    m.func("tap_stats", move |lua, a| {
        let (rx, tx) = e.tap_stats(a.port(e, 0)?)?;
        let t = lua.create_table()?;
        t.set("rx", mirror_table(lua, &rx)?)?;
        t.set("tx", mirror_table(lua, &tx)?)?;
        ret(lua, t)
    })
}
