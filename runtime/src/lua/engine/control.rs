//! The runtime's controls in the `engine` module: quitting, the live display, and sleeping
//! without stopping the other clients.

use std::time::Duration;

use mlua::Value;

use super::vocab::{Module, exit_status, ret};
use crate::lua::output;
use crate::state::Shared;

/// Registers `quit`, `display`, `redraw` and `sleep`.
///
/// # Errors
/// Lua failing to allocate.
pub fn register(m: &Module, shared: &Shared) -> mlua::Result<()> {
    let sh = shared.clone();
    m.func("quit", move |lua, a| {
        let status = exit_status(&a.get(0)).map_err(|m| format!("engine.quit: {m}"))?;
        if let Some(r) = output::router(lua) {
            r.may_quit("pktgen.quit")?;
        }
        sh.request_quit(status);
        ret(lua, ())
    })?;
    let sh = shared.clone();
    m.func("display", move |lua, a| match a.get(0) {
        // Without an argument: report the setting (handy at the console).
        Value::Nil => ret(lua, sh.display()),
        _ => {
            sh.set_display(a.boolean(0)?);
            ret(lua, ())
        }
    })?;
    let sh = shared.clone();
    m.func("redraw", move |lua, a| {
        let full = match a.get(0) {
            Value::Nil => false,
            _ => a.boolean(0)?,
        };
        sh.request_redraw(full);
        ret(lua, ())
    })?;
    m.async_func("sleep", |lua, a| async move {
        let ms = a.number(0, "ms")?;
        smol::Timer::after(Duration::from_secs_f64(ms.max(0.0) / 1000.0)).await;
        ret(&lua, ())
    })
}
