//! Ctrl-C for Lua code that never yields (`while true do end`): the executor only sees signals
//! between yields, so a flag set by the signal handler is checked from a Lua instruction hook,
//! which raises an error in the running chunk; the executor then gets the signal and shuts down.
//! A second SIGINT/SIGTERM while that is pending kills the process outright.
//!
//! The same hook enforces the shell's budget: a shell client's chunk that runs longer than
//! `--shell-budget-ms` without yielding gets an error (the console and scripts have no budget;
//! they have Ctrl-C).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use mlua::{HookTriggers, Lua, VmState};

use crate::lua::output;
use signal_hook::consts::{SIGINT, SIGTERM};

/// Instructions between two looks at the flag: cheap, and still well under a millisecond.
const EVERY: u32 = 100_000;

/// Installs the signal flags and the hook.
///
/// # Errors
/// Registering the signal actions or the hook failing.
pub fn install(lua: &Lua) -> Result<(), String> {
    let pending = Arc::new(AtomicBool::new(false));
    let second = Arc::new(AtomicBool::new(false));
    for sig in [SIGINT, SIGTERM] {
        // Order matters: the conditional default runs first and only kills once `second` is set,
        // which the registration after it does on the first signal.
        signal_hook::flag::register_conditional_default(sig, Arc::clone(&second))
            .map_err(|e| e.to_string())?;
        signal_hook::flag::register(sig, Arc::clone(&second)).map_err(|e| e.to_string())?;
        signal_hook::flag::register(sig, Arc::clone(&pending)).map_err(|e| e.to_string())?;
    }
    let router = output::router(lua);
    lua.set_global_hook(HookTriggers::new().every_nth_instruction(EVERY), move |_, _| {
        if pending.swap(false, Ordering::Relaxed) {
            return Err(mlua::Error::runtime("interrupted"));
        }
        if let Some(r) = &router {
            return r.check_budget();
        }
        Ok(VmState::Continue)
    })
    .map_err(|e| e.to_string())
}
