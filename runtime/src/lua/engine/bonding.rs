//! Bonding in the `engine` module (`pktgen.bonding`): a bonding port's mode and members, as
//! DPDK's bonding driver reports them.

use engine::Engine;
use mlua::Value;

use super::vocab::{Module, ret};

/// Registers `bonding`.
///
/// # Errors
/// Lua failing to allocate.
pub fn register(m: &Module, e: &'static Engine) -> mlua::Result<()> {
    m.func("bonding", move |lua, a| {
        let Some(b) = e.bonding(a.port(e, 0)?)? else {
            return ret(lua, Value::Nil);
        };
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
        ret(lua, t)
    })
}
