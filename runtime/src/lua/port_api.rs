//! Port extras of the `engine` module: the TAP mirrors (`pktgen.rxtap`/`txtap`), bonding
//! information (`pktgen.bonding`) and the buffer limits `pktgen.info` reports.

use engine::{Engine, MirrorStats};
use mlua::{Lua, Table, Value};

use super::engine_api::{PortFn, arg, describe, ret, sync_fn};

fn lua_err(e: mlua::Error) -> String {
    e.to_string()
}

fn mirror_table(lua: &Lua, m: &MirrorStats) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.set("on", m.on)?;
    t.set("name", m.name.as_str())?;
    t.set("packets", m.packets as i64)?;
    t.set("dropped", m.dropped as i64)?;
    Ok(t)
}

/// Registers `tap`, `tap_stats`, `bonding` and the `limits` table into the raw module table.
///
/// # Errors
/// Lua failing to allocate.
pub fn register(lua: &Lua, raw: &Table, e: &'static Engine, port: PortFn, jumbo: bool) -> mlua::Result<()> {
    sync_fn(lua, raw, "tap", move |lua, a| {
        let p = port(e, "tap", &arg(&a, 0))?;
        let rx = match arg(&a, 1) {
            Value::String(s) if s.as_bytes().as_ref() == b"rx" => true,
            Value::String(s) if s.as_bytes().as_ref() == b"tx" => false,
            v => {
                return Err(format!(
                    "engine.tap: direction must be \"rx\" or \"tx\", got {}",
                    describe(&v)
                ));
            }
        };
        let on = match arg(&a, 2) {
            Value::Boolean(b) => b,
            v => return Err(format!("engine.tap: on must be a boolean, got {}", describe(&v))),
        };
        ret(lua, e.set_tap(p, rx, on).map_err(|e| e.to_string())?)
    })?;
    sync_fn(lua, raw, "tap_stats", move |lua, a| {
        let p = port(e, "tap_stats", &arg(&a, 0))?;
        let (rx, tx) = e.tap_stats(p).map_err(|e| e.to_string())?;
        let t = (|| -> mlua::Result<Table> {
            let t = lua.create_table()?;
            t.set("rx", mirror_table(lua, &rx)?)?;
            t.set("tx", mirror_table(lua, &tx)?)?;
            Ok(t)
        })()
        .map_err(lua_err)?;
        ret(lua, t)
    })?;
    sync_fn(lua, raw, "bonding", move |lua, a| {
        let p = port(e, "bonding", &arg(&a, 0))?;
        let Some(b) = e.bonding(p).map_err(|e| e.to_string())? else {
            return ret(lua, Value::Nil);
        };
        let t = (|| -> mlua::Result<Table> {
            let t = lua.create_table()?;
            t.set("mode", b.mode)?;
            let members = lua.create_table()?;
            for (i, (id, name, active)) in b.members.iter().enumerate() {
                let m = lua.create_table()?;
                m.set("port", *id)?;
                m.set("name", name.as_str())?;
                m.set("active", *active)?;
                members.raw_set(i + 1, m)?;
            }
            t.set("members", members)?;
            t.set("primary", b.primary)?;
            Ok(t)
        })()
        .map_err(lua_err)?;
        ret(lua, t)
    })?;
    let limits = lua.create_table()?;
    limits.set("mbufs_per_pool", engine::Config::default().mbufs_per_pool)?;
    limits.set("mbuf_cache", engine::MBUF_CACHE)?;
    limits.set("data_room", engine::data_room(jumbo))?;
    raw.set("limits", limits)
}
