//! The one Lua 5.4 state: standard libraries, the embedded stdlib searcher, the native `engine`
//! module, and the helpers that run chunks, script files and CLI command files on it.

pub mod engine;
pub mod json;
pub mod output;
pub mod stdlib;

use std::path::PathBuf;

use ::engine::Engine;
use mlua::{Function, Lua, MultiValue, Table, Value};

use crate::state::Shared;

/// What the Lua state is built from.
#[derive(Debug)]
pub struct Setup {
    /// `--lua-path DIR`: searched before the embedded stdlib.
    pub lua_path: Option<PathBuf>,
    /// `-s P:file`: exposed as `engine.pcap_files`.
    pub pcap: Vec<(u16, String)>,
    /// `-j`: jumbo frames allowed.
    pub jumbo: bool,
}

/// Builds the Lua state and loads the stdlib (`require "pktgen"`, which sets the global `pktgen`).
///
/// # Errors
/// The stdlib failing to load, with its message and traceback.
pub fn new(setup: &Setup, e: &'static Engine, shared: Shared) -> Result<Lua, String> {
    let lua = Lua::new();
    let r = (|| -> mlua::Result<()> {
        install_debug(&lua)?;
        install_text_only(&lua)?;
        output::install(&lua)?;
        install_exit(&lua, e, shared.clone())?;
        stdlib::install(&lua, setup.lua_path.clone())?;
        engine::register(&lua, e, &shared, &setup.pcap, setup.jumbo)?;
        Ok(())
    })();
    r.map_err(|e| format!("setting up Lua failed: {}", report(&e)))?;

    let require: Function = lua.globals().get("require").map_err(|e| e.to_string())?;
    let m: Value = require
        .call("pktgen")
        .map_err(|e| format!("loading the Lua stdlib failed: {}", report(&e)))?;
    // The stdlib sets the global itself; this only helps a module that merely returns its table.
    let g = lua.globals();
    if g.get::<Value>("pktgen").map_err(|e| e.to_string())?.is_nil() && m.is_table() {
        g.set("pktgen", m).map_err(|e| e.to_string())?;
    }
    Ok(lua)
}

/// `debug.traceback` only. The full `debug` library cannot be opened without `unsafe`, which the
/// runtime does not use; scripts use it for `xpcall(f, debug.traceback)`.
fn install_debug(lua: &Lua) -> mlua::Result<()> {
    let traceback = lua.create_function(|lua, args: MultiValue| -> mlua::Result<Value> {
        let mut args: Vec<Value> = args.into_iter().collect();
        if matches!(args.first(), Some(Value::Thread(_))) {
            // Another thread's stack is out of reach without the real debug library; describe ours.
            args.remove(0);
        }
        let msg = args.first().cloned().unwrap_or(Value::Nil);
        let level = match args.get(1) {
            Some(Value::Integer(l)) if *l >= 0 => *l as usize,
            _ => 1,
        };
        let text = match &msg {
            Value::Nil => None,
            Value::String(s) => Some(s.to_string_lossy()),
            Value::Integer(_) | Value::Number(_) => Some(msg.to_string()?),
            // Like Lua: a non-string message is returned untouched.
            _ => return Ok(msg),
        };
        Ok(Value::String(lua.traceback(text.as_deref(), level)?))
    })?;
    let debug = lua.create_table()?;
    debug.set("traceback", traceback)?;
    lua.globals().set("debug", debug)
}

/// `load`, `loadfile` and `dofile` for source text only. Lua does not verify bytecode, so a
/// corrupted binary chunk (from a shell client, or a file one wrote) could crash the process
/// under every client and port; a binary chunk is refused with an error instead.
fn install_text_only(lua: &Lua) -> mlua::Result<()> {
    lua.load(
        r#"
        -- The originals keep their names, so their own argument errors still say 'load'.
        local load, loadfile, error, type, tostring = load, loadfile, error, type, tostring
        local function refused(who)
          return nil, who .. ": binary (precompiled) chunks are refused; pktgen loads Lua source text only"
        end
        -- A mode without "t" ("b") could load nothing but bytecode.
        local function text_mode(mode)
          return mode == nil or (type(mode) == "string" and mode:find("t", 1, true) ~= nil)
        end
        local function binary(err)
          return type(err) == "string" and err:find("attempt to load a binary chunk", 1, true) ~= nil
        end
        -- `...` keeps an explicit nil env apart from a missing one, as Lua's own functions do.
        function _G.load(chunk, name, mode, ...)
          if not text_mode(mode) then return refused("load") end
          local f, err = load(chunk, name, "t", ...)
          if binary(err) then return refused("load") end
          return f, err
        end
        local function text_file(who, filename, mode, ...)
          who = who .. ": " .. (filename == nil and "stdin" or tostring(filename))
          if not text_mode(mode) then return refused(who) end
          local f, err = loadfile(filename, "t", ...)
          if binary(err) then return refused(who) end
          return f, err
        end
        function _G.loadfile(filename, mode, ...)
          return text_file("loadfile", filename, mode, ...)
        end
        function _G.dofile(filename)
          local f, err = text_file("dofile", filename)
          if f == nil then error(err, 0) end
          return f()
        end
        "#,
    )
    .set_name("=load (text only)")
    .exec()
}

/// `os.exit` that stops the ports and shuts EAL down before leaving, instead of exiting under
/// running workers. (The Lua state cannot be dropped from inside one of its own calls.)
/// From a shell client it follows the shell's quit policy ([`output::Router::may_quit`]): refused,
/// or a quit request that the runtime carries out like `pktgen.quit()` (clients flushed and
/// closed first), since exiting here would cut every other client off mid-output.
fn install_exit(lua: &Lua, e: &'static Engine, shared: Shared) -> mlua::Result<()> {
    let os: Table = lua.globals().get("os")?;
    let flush: Function = lua
        .load("io.stdout:flush() io.stderr:flush()")
        .set_name("=os.exit")
        .into_function()?;
    os.set(
        "exit",
        lua.create_function(move |lua, args: MultiValue| -> mlua::Result<()> {
            let status = engine::vocab::exit_status(&args.front().cloned().unwrap_or(Value::Nil))
                .map_err(|m| mlua::Error::runtime(format!("os.exit: {m}")))?;
            if let Some(r) = output::router(lua)
                && r.client().is_some()
            {
                r.may_quit("os.exit").map_err(mlua::Error::runtime)?;
                shared.request_quit(status);
                // Stop this chunk here, as os.exit does not return; the quit does the rest.
                return Err(mlua::Error::runtime(format!(
                    "os.exit({status}): pktgen is quitting"
                )));
            }
            let _ = flush.call::<()>(());
            crate::results::record::finish();
            crate::metrics::finish();
            use std::io::Write as _;
            let _ = std::io::stdout().flush();
            if let Some(r) = output::router(lua) {
                r.leave_console();
            }
            e.shutdown();
            std::process::exit(status)
        })?,
    )
}

/// An mlua error as a user reads it: the Lua message and its traceback, without mlua's
/// "runtime error:" / "callback error" framing.
pub fn report(e: &mlua::Error) -> String {
    match e {
        mlua::Error::RuntimeError(m) => m.clone(),
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        mlua::Error::CallbackError { traceback, cause } => {
            let mut root = cause;
            let mut tb = traceback;
            while let mlua::Error::CallbackError { cause, traceback } = &**root {
                root = cause;
                tb = traceback;
            }
            format!("{}\n{}", report(root), tb.trim_end())
        }
        mlua::Error::WithContext { context, cause } => format!("{context}: {}", report(cause)),
        other => other.to_string(),
    }
}

/// Runs `src` as one chunk named `name` on a coroutine, so `engine.sleep` and friends yield to the
/// executor.
///
/// # Errors
/// Syntax and runtime errors (see [`report`]).
pub async fn run_chunk(lua: &Lua, src: &[u8], name: &str) -> mlua::Result<MultiValue> {
    let f = lua.load(src).set_name(name).into_function()?;
    let r = f.call_async::<MultiValue>(()).await;
    flush_lua_stdout(lua);
    r
}

/// Flushes the C stdio streams behind Lua's `print`/`io.write`, so they interleave with what Rust
/// writes in the right order.
pub fn flush_lua_stdout(lua: &Lua) {
    if let Ok(f) = lua.load("io.stdout:flush()").set_name("=flush").into_function() {
        let _ = f.call::<()>(());
    }
}

/// Writes the captures still on as pktgen ends, as turning them off would: what a port captured
/// is not lost to the end of a script, `quit` or Ctrl-C.
pub fn finish_captures(lua: &Lua) {
    let r = stdlib_fn(lua, "pktgen.api.capture", "finish_all").and_then(|f| f.call::<()>(()));
    if let Err(e) = r {
        eprintln!("pktgen: writing the captures still on: {}", report(&e));
    }
}

/// Runs a file given on the command line: `.lua` as Lua (chunk `@path`), anything else as a
/// Pktgen CLI command file through `require("pktgen.console.cli").run_file(path)`.
///
/// # Errors
/// The file missing, or the script failing (see [`report`]).
pub async fn run_file(lua: &Lua, path: &str) -> Result<(), String> {
    // Pktgen's rule (cli_execute_cmdfile): a name containing ".lua" is Lua.
    if path.contains(".lua") {
        let src = std::fs::read(path).map_err(|e| format!("cannot open {path}: {e}"))?;
        run_chunk(lua, &src, &format!("@{path}"))
            .await
            .map(drop)
            .map_err(|e| report(&e))
    } else {
        if let Err(e) = std::fs::metadata(path) {
            return Err(format!("cannot open {path}: {e}"));
        }
        let r = async {
            let cli = cli_fn(lua, "run_file")?;
            cli.call_async::<MultiValue>(path).await
        }
        .await;
        flush_lua_stdout(lua);
        r.map(drop).map_err(|e| report(&e))
    }
}

/// `require("pktgen.console.cli")[name]`.
///
/// # Errors
/// The module or the function missing.
pub fn cli_fn(lua: &Lua, name: &str) -> mlua::Result<Function> {
    stdlib_fn(lua, "pktgen.console.cli", name)
}

/// `require(module)[name]`.
///
/// # Errors
/// The module or the function missing.
fn stdlib_fn(lua: &Lua, module: &str, name: &str) -> mlua::Result<Function> {
    let require: Function = lua.globals().get("require")?;
    let m: Table = require.call(module)?;
    m.get::<Function>(name)
        .map_err(|_| mlua::Error::runtime(format!("the stdlib module {module} has no function {name}")))
}
