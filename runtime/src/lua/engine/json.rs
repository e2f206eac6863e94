//! JSON in the `engine` module (`pktgen.json`): the codec is crate::lua::json, which the
//! shell's program mode uses too.

use mlua::{LuaSerdeExt as _, Value};

use super::vocab::{Fail, Module, describe, ret};
use crate::lua::json;

/// Registers `json_encode(v[, pretty])`, `json_decode(text)` and `json_null`.
///
/// # Errors
/// Lua failing to allocate.
pub fn register(m: &Module) -> mlua::Result<()> {
    m.func("json_encode", |lua, a| {
        let pretty = matches!(a.get(1), Value::Boolean(true));
        let text = json::encode(&a.get(0), pretty).map_err(|m| format!("pktgen.json.encode: {m}"))?;
        ret(lua, lua.create_string(text)?)
    })?;
    m.func("json_decode", |lua, a| {
        let Value::String(s) = a.get(0) else {
            return Err(Fail(format!(
                "pktgen.json.decode: expected a string of JSON text, got {}",
                describe(&a.get(0))
            )));
        };
        ret(
            lua,
            json::decode(lua, &s.as_bytes()).map_err(|m| format!("pktgen.json.decode: {m}"))?,
        )
    })?;
    m.value("json_null", m.lua().null())
}
