//! JSON for Lua (`pktgen.json`) and for the shell's program mode, built on serde_json through
//! mlua's serde support: Lua integers stay JSON integers and floats stay floats, a table whose
//! keys are 1..n is an array and any other table an object (so a getter's `{[0] = ..., n = 1}`
//! is the object `{"0": ..., "n": 1}`; keys 1..n with a few holes are an array with nulls), object
//! keys come out sorted, and an empty table is `[]` (Lua cannot tell an empty object from an empty
//! array). Decoding gives `null` as [`mlua::LuaSerdeExt::null`], which `pktgen.json.null` names.
//! The `engine` module's binding (lua/engine/json.rs) and the shell's program mode call it.

use mlua::{Lua, LuaSerdeExt as _, Value};

/// How deep tables may nest, in both directions: deeper input is refused with a message rather
/// than exhausting the stack.
const DEPTH: usize = 64;

/// `v` as JSON text (`pretty`: indented over several lines).
///
/// # Errors
/// A value JSON cannot hold (a function, a coroutine, a userdata without a JSON form), a key that
/// is neither a string nor an integer, a table that contains itself, or nesting past 64 levels.
pub fn encode(v: &Value, pretty: bool) -> Result<String, String> {
    let s = v
        .to_serializable()
        .detect_mixed_tables(true)
        .sort_keys(true)
        .recursion_limit(DEPTH);
    let r = if pretty {
        serde_json::to_string_pretty(&s)
    } else {
        serde_json::to_string(&s)
    };
    r.map_err(|e| e.to_string())
}

/// `v` as a JSON value for a program-mode reply, which must not fail over one odd value: values
/// JSON cannot hold are left out of tables, and such a value on its own becomes the string
/// `tostring` gives (`"function: 0x..."`).
///
/// # Errors
/// A table that contains itself, a key that is neither a string nor a number, or nesting past
/// 64 levels.
pub fn to_json_lenient(lua: &Lua, v: &Value) -> Result<serde_json::Value, String> {
    let opaque = match v {
        Value::Function(_) | Value::Thread(_) | Value::Error(_) | Value::Other(_) => true,
        // Only userdata with a JSON form (a histogram) serialize on their own.
        Value::UserData(_) => serde_json::to_value(v.to_serializable()).is_err(),
        Value::LightUserData(u) => !u.0.is_null(),
        _ => false,
    };
    if opaque {
        let s = lua
            .globals()
            .get::<mlua::Function>("tostring")
            .and_then(|f| f.call::<String>(v))
            .map_err(|e| e.to_string())?;
        return Ok(serde_json::Value::String(s));
    }
    let s = v
        .to_serializable()
        .deny_unsupported_types(false)
        .detect_mixed_tables(true)
        .recursion_limit(DEPTH);
    serde_json::to_value(s).map_err(|e| e.to_string())
}

/// Parses JSON text into a Lua value.
///
/// # Errors
/// The text is not JSON (serde_json's message, with line and column), or nests past 64 levels.
pub fn decode(lua: &Lua, text: &[u8]) -> Result<Value, String> {
    let v: serde_json::Value = serde_json::from_slice(text).map_err(|e| e.to_string())?;
    to_lua(lua, &v)
}

/// A parsed JSON value as a Lua value (see the module doc).
///
/// # Errors
/// Nesting past 64 levels, or Lua failing to allocate.
pub fn to_lua(lua: &Lua, v: &serde_json::Value) -> Result<Value, String> {
    let opts = mlua::serde::SerializeOptions::new().recursion_limit(DEPTH);
    lua.to_value_with(v, opts).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(lua: &Lua, code: &str) -> Result<String, String> {
        let v: Value = lua.load(code).eval().map_err(|e| e.to_string())?;
        encode(&v, false)
    }

    #[test]
    fn getter_shapes_integers_and_floats() -> Result<(), String> {
        let lua = Lua::new();
        assert_eq!(
            enc(&lua, "{[0] = {curr = {ipackets = 3}}, [1] = 'y', n = 2}")?,
            r#"{"0":{"curr":{"ipackets":3}},"1":"y","n":2}"#
        );
        assert_eq!(enc(&lua, "{1, 2.5, 3.0, 'x', true}")?, r#"[1,2.5,3.0,"x",true]"#);
        assert_eq!(enc(&lua, "{}")?, "[]");
        assert_eq!(enc(&lua, "{[1] = 1, [3] = 3}")?, "[1,null,3]");
        assert_eq!(enc(&lua, "0/0")?, "null");
        assert!(enc(&lua, "{f = print}").is_err_and(|m| m.contains("cannot serialize <function>")));
        assert_eq!(enc(&lua, "{[1.5] = 1}")?, r#"{"1.5":1}"#);
        assert!(
            enc(&lua, "{[{}] = 1}").is_err_and(|m| m.contains("key must be a string")),
            "a table key"
        );
        let deep = format!("{}1{}", "{".repeat(100), "}".repeat(100));
        assert!(
            enc(&lua, &deep).is_err_and(|m| m.contains("recursion")),
            "too deep"
        );
        Ok(())
    }

    #[test]
    fn decoded_values_encode_back_the_same() -> Result<(), String> {
        let lua = Lua::new();
        for text in [
            r#"{"a":[],"b":{"x":{}},"c":[1,2,{"d":null}],"e":-7,"f":0.5,"g":"é\n"}"#,
            "[]",
            "9007199254740993",
        ] {
            let v = decode(&lua, text.as_bytes())?;
            // An empty object comes back as an empty table, which encodes as [].
            assert_eq!(encode(&v, false)?, text.replace("{}", "[]"));
        }
        assert!(decode(&lua, b"{").is_err_and(|m| m.contains("EOF")));
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(decode(&lua, deep.as_bytes()).is_err());
        // Floats come back bit for bit (serde_json's float_roundtrip; without it some were
        // off by one unit in the last place).
        for i in 1..20_000u32 {
            let x = f64::from(i) * 0.000_437_113 / 3.0;
            let v = decode(&lua, encode(&Value::Number(x), false)?.as_bytes())?;
            assert_eq!(v.as_f64().map(f64::to_bits), Some(x.to_bits()), "{x}");
        }
        Ok(())
    }
}
