//! The vocabulary every binding file of the `engine` module speaks, and that uses none of them:
//! one way to register a function ([`Module`]), one error ([`Fail`], with `From` impls for the
//! errors a binding meets), and the arguments ([`Args`]: ports, slots, numbers, strings).
//!
//! Errors reach Lua as plain strings with the engine's own text (`port 7 does not exist (this
//! instance has 2 ports)`), not as mlua's error userdata (whose `tostring` adds "runtime error:"
//! and a traceback), so the stdlib can match and re-raise them. Doing that without `unsafe`: each
//! Rust function returns `FAIL, message` and a small Lua wrapper ([`Module::finish`]) turns that
//! into `error(message, 0)`.

use std::ffi::c_void;
use std::future::Future;

use engine::Engine;
use mlua::{Function, IntoLua, IntoLuaMulti, LightUserData, Lua, MultiValue, Table, Value};

/// Why a native function failed: the text `error(text, 0)` raises in Lua.
#[derive(Debug)]
pub struct Fail(pub String);

impl From<String> for Fail {
    fn from(m: String) -> Self {
        Fail(m)
    }
}

impl From<&str> for Fail {
    fn from(m: &str) -> Self {
        Fail(m.to_string())
    }
}

impl From<engine::Error> for Fail {
    fn from(e: engine::Error) -> Self {
        Fail(e.to_string())
    }
}

/// A runtime error's own text (mlua would prefix "runtime error: "); other errors as mlua says them.
impl From<mlua::Error> for Fail {
    fn from(e: mlua::Error) -> Self {
        match e {
            mlua::Error::RuntimeError(m) => Fail(m),
            other => Fail(other.to_string()),
        }
    }
}

/// What a native function returns: values, or why it failed.
pub type Ret = Result<MultiValue, Fail>;

/// Values for Lua as a [`Ret`].
pub fn ret(lua: &Lua, v: impl IntoLuaMulti) -> Ret {
    Ok(v.into_lua_multi(lua)?)
}

/// The address of this static is the sentinel a native function returns first to say "failed".
static FAIL_TAG: u8 = 0;

fn fail_tag() -> Value {
    Value::LightUserData(LightUserData(std::ptr::addr_of!(FAIL_TAG) as *mut c_void))
}

/// Turns a native result into what the Lua wrapper expects (`FAIL, message` on error).
fn finish(lua: &Lua, r: Ret) -> mlua::Result<MultiValue> {
    match r {
        Ok(v) => Ok(v),
        Err(Fail(msg)) => Ok(MultiValue::from_iter([
            fail_tag(),
            Value::String(lua.create_string(msg)?),
        ])),
    }
}

/// The `engine` module while it is being filled: the one way a binding file adds to it.
pub struct Module<'a> {
    lua: &'a Lua,
    raw: Table,
}

impl<'a> Module<'a> {
    /// An empty module.
    ///
    /// # Errors
    /// Lua failing to allocate.
    pub fn new(lua: &'a Lua) -> mlua::Result<Self> {
        Ok(Module {
            lua,
            raw: lua.create_table()?,
        })
    }

    /// The Lua state.
    pub fn lua(&self) -> &'a Lua {
        self.lua
    }

    /// Adds the function `engine.name`.
    ///
    /// # Errors
    /// Lua failing to allocate.
    pub fn func(&self, name: &'static str, f: impl Fn(&Lua, Args) -> Ret + 'static) -> mlua::Result<()> {
        let f = self
            .lua
            .create_function(move |lua, vals: MultiValue| finish(lua, f(lua, Args { who: name, vals })))?;
        self.raw.set(name, f)
    }

    /// Adds the function `engine.name` that may wait (it yields to the executor).
    ///
    /// # Errors
    /// Lua failing to allocate.
    pub fn async_func<F, Fut>(&self, name: &'static str, f: F) -> mlua::Result<()>
    where
        F: Fn(Lua, Args) -> Fut + 'static,
        Fut: Future<Output = Ret> + 'static,
    {
        let f = self.lua.create_async_function(move |lua, vals: MultiValue| {
            let fut = f(lua.clone(), Args { who: name, vals });
            async move { finish(&lua, fut.await) }
        })?;
        self.raw.set(name, f)
    }

    /// Adds the value `engine.name`.
    ///
    /// # Errors
    /// Lua failing to allocate.
    pub fn value(&self, name: &str, v: impl IntoLua) -> mlua::Result<()> {
        self.raw.set(name, v)
    }

    /// The finished module: each function wrapped so that a failure is `error(message, 0)`, i.e.
    /// a plain string error with the engine's exact text.
    ///
    /// # Errors
    /// Lua failing to allocate.
    pub fn finish(self) -> mlua::Result<Table> {
        let wrap: Function = self
            .lua
            .load(
                r#"
                local raw, FAIL = ...
                local function ret(first, ...)
                  if first == FAIL then error((...), 0) end
                  return first, ...
                end
                local engine = {}
                for name, v in pairs(raw) do
                  if type(v) == "function" then
                    engine[name] = function(...) return ret(v(...)) end
                  else
                    engine[name] = v
                  end
                end
                return engine
                "#,
            )
            .set_name("=engine")
            .into_function()?;
        wrap.call((self.raw, fail_tag()))
    }
}

/// A Lua value as an error message shows it: numbers as they are, strings quoted, else the type.
pub fn describe(v: &Value) -> String {
    match v {
        Value::Integer(i) => i.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("string {:?}", s.to_string_lossy()),
        other => other.type_name().to_string(),
    }
}

/// An integer, or a float with no fraction that fits one.
pub fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Integer(i) => Some(*i),
        Value::Number(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.2e18 => Some(*f as i64),
        _ => None,
    }
}

/// A Lua string's text, or `who: what must be a string, got ...`.
///
/// # Errors
/// `v` not a string.
pub fn text(who: &str, what: &str, v: &Value) -> Result<String, Fail> {
    match v {
        Value::String(s) => Ok(s.to_string_lossy()),
        other => Err(Fail(format!(
            "{who}: {what} must be a string, got {}",
            describe(other)
        ))),
    }
}

/// The elements `t[1..n]` of an array table.
///
/// # Errors
/// `v` not a table.
pub fn array(who: &str, what: &str, v: &Value) -> Result<Vec<Value>, Fail> {
    let Value::Table(t) = v else {
        return Err(Fail(format!(
            "{who}: {what} must be a table, got {}",
            describe(v)
        )));
    };
    Ok((1..=t.raw_len())
        .map(|i| t.raw_get::<Value>(i))
        .collect::<mlua::Result<_>>()?)
}

/// Exit status from `engine.quit(status)` / `os.exit(status)`: nil or true is 0, false is 1.
///
/// # Errors
/// Any other value than an integer or a boolean.
pub fn exit_status(v: &Value) -> Result<i32, String> {
    match v {
        Value::Nil | Value::Boolean(true) => Ok(0),
        Value::Boolean(false) => Ok(1),
        v => integer(v)
            .map(|i| i as i32)
            .ok_or_else(|| format!("exit status must be an integer or a boolean, got {}", describe(v))),
    }
}

/// The arguments of a call to `engine.who`, read with messages that name the function.
pub struct Args {
    who: &'static str,
    vals: MultiValue,
}

impl Args {
    /// The function's name, as messages show it after `engine.`.
    pub fn who(&self) -> &'static str {
        self.who
    }

    /// Argument `i` (0-based), nil when missing.
    pub fn get(&self, i: usize) -> Value {
        self.vals.get(i).cloned().unwrap_or(Value::Nil)
    }

    /// Argument `i` as a port: an integer naming one of `e`'s ports.
    ///
    /// # Errors
    /// Not an integer, or no such port (the engine's message).
    pub fn port(&self, e: &Engine, i: usize) -> Result<u16, Fail> {
        port(e, self.who, &self.get(i))
    }

    /// Argument `i` as a stream slot of a port (0..[`engine::SLOTS`]).
    ///
    /// # Errors
    /// Not an integer in that range.
    pub fn slot(&self, i: usize) -> Result<usize, Fail> {
        let v = self.get(i);
        match integer(&v) {
            Some(s) if (0..engine::SLOTS as i64).contains(&s) => Ok(s as usize),
            _ => Err(Fail(format!(
                "engine.{}: slot must be an integer 0..{}, got {}",
                self.who,
                engine::SLOTS - 1,
                describe(&v)
            ))),
        }
    }

    /// Argument `i` as a boolean.
    ///
    /// # Errors
    /// Not a boolean.
    pub fn boolean(&self, i: usize) -> Result<bool, Fail> {
        boolean(self.who, &self.get(i))
    }

    /// Argument `i` as a number, `what` naming it in the message.
    ///
    /// # Errors
    /// Not a number (or NaN).
    pub fn number(&self, i: usize, what: &str) -> Result<f64, Fail> {
        match self.get(i) {
            Value::Integer(n) => Ok(n as f64),
            Value::Number(f) if !f.is_nan() => Ok(f),
            v => Err(Fail(format!(
                "engine.{}: {what} must be a number, got {}",
                self.who,
                describe(&v)
            ))),
        }
    }

    /// Argument `i` as a string, `what` naming it in the message.
    ///
    /// # Errors
    /// Not a string.
    pub fn string(&self, i: usize, what: &str) -> Result<String, Fail> {
        text(&format!("engine.{}", self.who), what, &self.get(i))
    }

    /// Argument `i` as the elements of an array table, `what` naming it in the message.
    ///
    /// # Errors
    /// Not a table.
    pub fn array(&self, i: usize, what: &str) -> Result<Vec<Value>, Fail> {
        array(&format!("engine.{}", self.who), what, &self.get(i))
    }
}

/// `v` as a port of `e`, for `engine.who`.
///
/// # Errors
/// Not an integer, or no such port (the engine's message).
pub fn port(e: &Engine, who: &str, v: &Value) -> Result<u16, Fail> {
    let Some(p) = integer(v) else {
        return Err(Fail(format!(
            "engine.{who}: port must be an integer, got {}",
            describe(v)
        )));
    };
    let n = e.port_count();
    if p < 0 || p >= n as i64 {
        return Err(Fail(format!(
            "port {p} does not exist (this instance has {n} port{})",
            if n == 1 { "" } else { "s" }
        )));
    }
    Ok(p as u16)
}

/// `v` as a boolean, for `engine.who`.
///
/// # Errors
/// Not a boolean.
pub fn boolean(who: &str, v: &Value) -> Result<bool, Fail> {
    match v {
        Value::Boolean(b) => Ok(*b),
        _ => Err(Fail(format!(
            "engine.{who}: expected a boolean, got {}",
            describe(v)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_keep_the_text_a_user_reads() {
        assert_eq!(
            Fail::from(mlua::Error::runtime("engine.x: bad")).0,
            "engine.x: bad"
        );
        assert_eq!(Fail::from("plain").0, "plain");
        assert_eq!(describe(&Value::Integer(7)), "7");
        assert_eq!(exit_status(&Value::Boolean(false)), Ok(1));
        assert!(exit_status(&Value::Number(1.5)).is_err());
        let lua = Lua::new();
        let s = Value::String(lua.create_string("x").expect("string"));
        assert_eq!(describe(&s), "string \"x\"");
        let a = Args {
            who: "info",
            vals: MultiValue::from_iter([Value::Integer(64), s]),
        };
        assert_eq!(
            a.slot(0).unwrap_err().0,
            "engine.info: slot must be an integer 0..63, got 64"
        );
        assert_eq!(
            a.boolean(1).unwrap_err().0,
            "engine.info: expected a boolean, got string \"x\""
        );
        assert_eq!(a.string(1, "path").ok().as_deref(), Some("x"));
    }
}
