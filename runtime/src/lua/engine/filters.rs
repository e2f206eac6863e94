//! Counting filters in the `engine` module: tcpdump expressions each port's RX workers run on
//! every received packet (`pktgen.rx`, lua/pktgen/api/rx.lua).

use engine::Engine;
use mlua::Lua;

use super::values::count;
use super::vocab::{Fail, Module, ret};

/// `{ {name, filter, native, packets, bytes}, ... }` in the order the filters were added.
fn filters_table(lua: &Lua, e: &Engine, port: u16) -> Result<mlua::Table, Fail> {
    let list = e.rx_filters(port)?;
    let t = lua.create_table_with_capacity(list.len(), 0)?;
    for (i, f) in list.into_iter().enumerate() {
        let r = lua.create_table_with_capacity(0, 5)?;
        r.set("name", f.name)?;
        r.set("filter", f.filter)?;
        r.set("native", f.native)?;
        r.set("packets", count(f.packets))?;
        r.set("bytes", count(f.bytes))?;
        t.raw_set(i + 1, r)?;
    }
    Ok(t)
}

/// Registers `rx_filter_add`, `rx_filter_remove`, `rx_filter_clear` and `rx_filters`.
///
/// # Errors
/// Lua failing to allocate.
pub fn register(m: &Module, e: &'static Engine) -> mlua::Result<()> {
    m.value("rx_filters_max", engine::MAX_FILTERS)?;
    m.func("rx_filter_add", move |lua, a| {
        let p = a.port(e, 0)?;
        let name = a.string(1, "name")?;
        let filter = a.string(2, "filter")?;
        ret(lua, e.rx_filter_add(p, &name, &filter)?)
    })?;
    m.func("rx_filter_remove", move |lua, a| {
        let p = a.port(e, 0)?;
        let name = a.string(1, "name")?;
        ret(lua, e.rx_filter_remove(p, &name)?)
    })?;
    m.func("rx_filter_clear", move |lua, a| {
        let p = a.port(e, 0)?;
        ret(lua, e.rx_filter_clear(p)? as u64)
    })?;
    m.func("rx_filters", move |lua, a| {
        let p = a.port(e, 0)?;
        ret(lua, filters_table(lua, e, p)?)
    })
}
