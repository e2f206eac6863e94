//! The native `engine` module (docs/ENGINE_MODULE.md): the engine's API as Lua functions.
//!
//! Errors reach Lua as plain strings with the engine's own text (`port 7 does not exist (this
//! instance has 2 ports)`), not as mlua's error userdata (whose `tostring` adds "runtime error:"
//! and a traceback), so the stdlib can match and re-raise them. Doing that without `unsafe`: each
//! Rust function returns `FAIL, message` and a small Lua wrapper turns that into `error(message, 0)`.

use std::ffi::c_void;
use std::time::Duration;

use engine::Engine;
use mlua::{Function, LightUserData, Lua, MultiValue, Result, Table, Value};

use crate::state::Shared;
use crate::version;

use super::spec;

/// The address of this static is the sentinel a native function returns first to say "failed".
static FAIL_TAG: u8 = 0;

fn fail_tag() -> Value {
    Value::LightUserData(LightUserData(std::ptr::addr_of!(FAIL_TAG) as *mut c_void))
}

/// What a native function returns: values, or a message for `error(message, 0)`.
pub(crate) type Ret = std::result::Result<MultiValue, String>;

/// A native function as the registering helpers of the other API files take it.
pub(crate) type Handler = Box<dyn Fn(&Lua, MultiValue) -> Ret>;

/// How the other API files read a port argument: `(engine, function name, value)`.
pub(crate) type PortFn = fn(&Engine, &str, &Value) -> std::result::Result<u16, String>;

/// Values for Lua as a [`Ret`].
pub(crate) fn ret(lua: &Lua, v: impl mlua::IntoLuaMulti) -> Ret {
    v.into_lua_multi(lua).map_err(|e| e.to_string())
}

/// Turns a native result into what the Lua wrapper expects (`FAIL, message` on error).
pub(crate) fn finish(lua: &Lua, r: Ret) -> Result<MultiValue> {
    match r {
        Ok(v) => Ok(v),
        Err(msg) => Ok(MultiValue::from_iter([
            fail_tag(),
            Value::String(lua.create_string(msg)?),
        ])),
    }
}

/// A Lua value as an error message shows it: numbers as they are, strings quoted, else the type.
pub(crate) fn describe(v: &Value) -> String {
    match v {
        Value::Integer(i) => i.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("string {:?}", s.to_string_lossy()),
        other => other.type_name().to_string(),
    }
}

/// Argument `i` (0-based), nil when missing.
pub(crate) fn arg(args: &MultiValue, i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::Nil)
}

fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Integer(i) => Some(*i),
        Value::Number(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.2e18 => Some(*f as i64),
        _ => None,
    }
}

fn number(who: &str, what: &str, v: &Value) -> std::result::Result<f64, String> {
    match v {
        Value::Integer(i) => Ok(*i as f64),
        Value::Number(f) if !f.is_nan() => Ok(*f),
        _ => Err(format!(
            "engine.{who}: {what} must be a number, got {}",
            describe(v)
        )),
    }
}

/// The port argument: an integer naming an existing port (the engine's message otherwise).
pub(crate) fn port(e: &Engine, who: &str, v: &Value) -> std::result::Result<u16, String> {
    let Some(p) = integer(v) else {
        return Err(format!(
            "engine.{who}: port must be an integer, got {}",
            describe(v)
        ));
    };
    let n = e.port_count();
    if p < 0 || p >= n as i64 {
        return Err(format!(
            "port {p} does not exist (this instance has {n} port{})",
            if n == 1 { "" } else { "s" }
        ));
    }
    Ok(p as u16)
}

fn boolean(who: &str, v: &Value) -> std::result::Result<bool, String> {
    match v {
        Value::Boolean(b) => Ok(*b),
        _ => Err(format!("engine.{who}: expected a boolean, got {}", describe(v))),
    }
}

pub(crate) fn mac(m: [u8; 6]) -> String {
    m.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

fn n(x: u64) -> Value {
    // Counters do not reach 2^63; wrapping keeps a nonsense value visible rather than an error.
    Value::Integer(x as i64)
}

fn values(lua: &Lua, v: impl mlua::IntoLuaMulti) -> Ret {
    v.into_lua_multi(lua).map_err(|e| e.to_string())
}

/// Registers a sync native function under `name`.
pub(crate) fn sync_fn(
    lua: &Lua,
    raw: &Table,
    name: &str,
    f: impl Fn(&Lua, MultiValue) -> Ret + 'static,
) -> Result<()> {
    raw.set(
        name,
        lua.create_function(move |lua, args: MultiValue| finish(lua, f(lua, args)))?,
    )
}

/// `{ipackets, opackets, ibytes, obytes, ierrors, oerrors, imissed, rx_nombuf}`.
fn hw_table(lua: &Lua, h: &engine::HwStats) -> Result<Table> {
    lua.create_table_from([
        ("ipackets", n(h.ipackets)),
        ("opackets", n(h.opackets)),
        ("ibytes", n(h.ibytes)),
        ("obytes", n(h.obytes)),
        ("ierrors", n(h.ierrors)),
        ("oerrors", n(h.oerrors)),
        ("imissed", n(h.imissed)),
        ("rx_nombuf", n(h.rx_nombuf)),
    ])
}

fn stats_table(lua: &Lua, s: &engine::PortStats) -> Result<Table> {
    let z = &s.rx_sizes;
    let sizes = lua.create_table_from([
        ("runt", n(z.runt)),
        ("_64", n(z._64)),
        ("_65_127", n(z._65_127)),
        ("_128_255", n(z._128_255)),
        ("_256_511", n(z._256_511)),
        ("_512_1023", n(z._512_1023)),
        ("_1024_1518", n(z._1024_1518)),
        ("jumbo", n(z.jumbo)),
        ("broadcast", n(z.broadcast)),
        ("multicast", n(z.multicast)),
    ])?;
    let hw = hw_table(lua, &s.hw)?;
    let t = lua.create_table_from([
        ("tx_packets", n(s.tx_packets)),
        ("tx_bytes", n(s.tx_bytes)),
        ("tx_no_mbuf", n(s.tx_no_mbuf)),
        ("rx_packets", n(s.rx_packets)),
        ("rx_bytes", n(s.rx_bytes)),
    ])?;
    let k = &s.rx_kinds;
    let kinds = lua.create_table_from([
        ("arp", n(k.arp)),
        ("echo", n(k.echo)),
        ("ipv4", n(k.ipv4)),
        ("ipv6", n(k.ipv6)),
        ("unknown", n(k.unknown)),
        ("vlan", n(k.vlan)),
    ])?;
    t.set("sizes", sizes)?;
    t.set("hw", hw)?;
    t.set("kinds", kinds)?;
    t.set("tx_extra", n(s.tx_extra))?;
    t.set("rx_chained", n(s.rx_chained))?;
    t.set("tx_extra_bytes", n(s.tx_extra_bytes))?;
    let o = s.totals();
    let totals = hw_table(lua, &o.counts)?;
    t.set("totals", totals)?;
    t.set("from_engine", lua.create_sequence_from(o.from_engine)?)?;
    Ok(t)
}

/// Exit status from `engine.quit(status)` / `os.exit(status)`: nil or true is 0, false is 1.
pub fn exit_status(v: &Value) -> std::result::Result<i32, String> {
    match v {
        Value::Nil | Value::Boolean(true) => Ok(0),
        Value::Boolean(false) => Ok(1),
        v => integer(v)
            .map(|i| i as i32)
            .ok_or_else(|| format!("exit status must be an integer or a boolean, got {}", describe(v))),
    }
}

/// Registers `engine` (what `require "engine"` returns).
///
/// # Errors
/// Lua failing to allocate.
pub fn register(
    lua: &Lua,
    e: &'static Engine,
    shared: Shared,
    pcap: &[(u16, String)],
    jumbo: bool,
) -> Result<()> {
    let raw = lua.create_table()?;
    // The contract's sizes: 1514 (1518 with FCS) normally, 9614 with -j. The engine reports its
    // buffer's data room (2048 without -j), which would let frames past Ethernet's maximum through.
    let max_frame = e.max_frame().min(if jumbo { 9614 } else { 1514 });

    sync_fn(lua, &raw, "ports", move |lua, _| values(lua, e.port_count()))?;
    sync_fn(lua, &raw, "info", move |lua, a| {
        let p = port(e, "info", &arg(&a, 0))?;
        let i = e.port_info(p).map_err(|e| e.to_string())?;
        let t = (|| -> Result<Table> {
            let t = lua.create_table()?;
            t.set("id", i.id)?;
            t.set("name", i.name)?;
            t.set("driver", i.driver)?;
            t.set("mac", mac(i.mac))?;
            t.set("link_up", i.link_up)?;
            t.set("speed", i.speed_mbps)?;
            t.set("duplex", if i.full_duplex { "FD" } else { "HD" })?;
            t.set("socket", i.socket)?;
            Ok(t)
        })()
        .map_err(|e| e.to_string())?;
        values(lua, t)
    })?;
    sync_fn(lua, &raw, "start", move |lua, a| {
        let p = port(e, "start", &arg(&a, 0))?;
        let s = spec::from_lua(&arg(&a, 1), max_frame).map_err(|e| match e {
            mlua::Error::RuntimeError(m) => m,
            other => other.to_string(),
        })?;
        e.start(p, &s).map_err(|e| e.to_string())?;
        values(lua, ())
    })?;
    sync_fn(lua, &raw, "stop", move |lua, a| {
        let p = port(e, "stop", &arg(&a, 0))?;
        e.stop(p).map_err(|e| e.to_string())?;
        values(lua, ())
    })?;
    sync_fn(lua, &raw, "sending", move |lua, a| {
        let p = port(e, "sending", &arg(&a, 0))?;
        values(lua, e.is_sending(p).map_err(|e| e.to_string())?)
    })?;
    sync_fn(lua, &raw, "stats", move |lua, a| {
        let p = port(e, "stats", &arg(&a, 0))?;
        let s = e.stats(p).map_err(|e| e.to_string())?;
        values(lua, stats_table(lua, &s).map_err(|e| e.to_string())?)
    })?;
    sync_fn(lua, &raw, "queues", move |lua, a| {
        let p = port(e, "queues", &arg(&a, 0))?;
        let qs = e.queue_stats(p).map_err(|e| e.to_string())?;
        let t = (|| -> Result<Table> {
            let t = lua.create_table()?;
            for (q, s) in qs.iter().enumerate() {
                let row = lua.create_table_from([
                    ("queue", n(q as u64)),
                    ("rx_packets", n(s.rx_packets)),
                    ("rx_bytes", n(s.rx_bytes)),
                    ("tx_packets", n(s.tx_packets)),
                    ("tx_bytes", n(s.tx_bytes)),
                ])?;
                row.set("rx_lcore", s.rx_lcore)?;
                row.set("tx_lcore", s.tx_lcore)?;
                t.raw_set(q + 1, row)?;
            }
            Ok(t)
        })()
        .map_err(|e| e.to_string())?;
        values(lua, t)
    })?;
    sync_fn(lua, &raw, "layout", move |lua, a| {
        let p = port(e, "layout", &arg(&a, 0))?;
        let l = e.port_layout(p).map_err(|e| e.to_string())?;
        let t = (|| -> Result<Table> {
            let t = lua.create_table()?;
            t.set(
                "rx_lcores",
                lua.create_sequence_from(l.rx_lcores.iter().copied())?,
            )?;
            t.set(
                "tx_lcores",
                lua.create_sequence_from(l.tx_lcores[..l.stream_queues].iter().copied())?,
            )?;
            t.set(
                "answer_lcores",
                lua.create_sequence_from(l.tx_lcores[l.stream_queues..].iter().copied())?,
            )?;
            t.set("rss", l.rss)?;
            t.set("used", l.used())?;
            Ok(t)
        })()
        .map_err(|e| e.to_string())?;
        values(lua, t)
    })?;
    sync_fn(lua, &raw, "rates", move |lua, a| {
        let p = port(e, "rates", &arg(&a, 0))?;
        let r = e.rates(p).map_err(|e| e.to_string())?;
        let t = lua
            .create_table_from([
                ("rx_pps", r.rx_pps),
                ("tx_pps", r.tx_pps),
                ("rx_bps", r.rx_bps),
                ("tx_bps", r.tx_bps),
            ])
            .map_err(|e| e.to_string())?;
        values(lua, t)
    })?;
    sync_fn(lua, &raw, "clear", move |lua, a| {
        let p = port(e, "clear", &arg(&a, 0))?;
        e.clear(p).map_err(|e| e.to_string())?;
        values(lua, ())
    })?;
    sync_fn(lua, &raw, "promiscuous", move |lua, a| {
        let p = port(e, "promiscuous", &arg(&a, 0))?;
        let on = boolean("promiscuous", &arg(&a, 1))?;
        e.set_promiscuous(p, on).map_err(|e| e.to_string())?;
        values(lua, ())
    })?;
    sync_fn(lua, &raw, "xstats", move |lua, a| {
        let p = port(e, "xstats", &arg(&a, 0))?;
        let x = e.xstats(p).map_err(|e| e.to_string())?;
        let t = lua
            .create_table_from(x.into_iter().map(|(k, v)| (k, n(v))))
            .map_err(|e| e.to_string())?;
        values(lua, t)
    })?;
    sync_fn(lua, &raw, "max_frame", move |lua, _| values(lua, max_frame))?;
    sync_fn(lua, &raw, "tsc_hz", move |lua, _| values(lua, e.tsc_hz()))?;
    // Scripts that time what they do (a benchmark trial's sending time) need a clock finer than
    // os.time's seconds; os.clock is CPU time, which the busy workers inflate.
    let epoch = std::time::Instant::now();
    sync_fn(lua, &raw, "now", move |lua, _| {
        values(lua, epoch.elapsed().as_secs_f64())
    })?;
    sync_fn(lua, &raw, "dpdk_version", move |lua, _| {
        values(lua, engine::dpdk_version())
    })?;
    let sh = shared.clone();
    sync_fn(lua, &raw, "quit", move |lua, a| {
        let status = exit_status(&arg(&a, 0)).map_err(|m| format!("engine.quit: {m}"))?;
        if let Some(r) = super::output::router(lua) {
            r.may_quit("pktgen.quit")?;
        }
        sh.request_quit(status);
        values(lua, ())
    })?;
    let sh = shared.clone();
    sync_fn(lua, &raw, "display", move |lua, a| match arg(&a, 0) {
        // Without an argument: report the setting (handy at the console).
        Value::Nil => values(lua, sh.display()),
        v => {
            sh.set_display(boolean("display", &v)?);
            values(lua, ())
        }
    })?;
    let sh = shared.clone();
    sync_fn(lua, &raw, "redraw", move |lua, a| {
        let full = match arg(&a, 0) {
            Value::Nil => false,
            v => boolean("redraw", &v)?,
        };
        sh.request_redraw(full);
        values(lua, ())
    })?;

    raw.set(
        "sleep",
        lua.create_async_function(|lua, a: MultiValue| async move {
            let r: Ret = match number("sleep", "ms", &arg(&a, 0)) {
                Ok(ms) => {
                    smol::Timer::after(Duration::from_secs_f64(ms.max(0.0) / 1000.0)).await;
                    Ok(MultiValue::new())
                }
                Err(m) => Err(m),
            };
            finish(&lua, r)
        })?,
    )?;
    raw.set(
        "wait",
        lua.create_async_function(move |lua, a: MultiValue| async move {
            let r: Ret = async {
                let p = port(e, "wait", &arg(&a, 0))?;
                let timeout = match arg(&a, 1) {
                    Value::Nil => None,
                    v => Some(Duration::from_secs_f64(
                        number("wait", "timeout_ms", &v)?.max(0.0) / 1000.0,
                    )),
                };
                let deadline = timeout.map(|t| std::time::Instant::now() + t);
                loop {
                    if !e.is_sending(p).map_err(|e| e.to_string())? {
                        return values(&lua, true);
                    }
                    let now = std::time::Instant::now();
                    if deadline.is_some_and(|d| now >= d) {
                        return values(&lua, false);
                    }
                    // Poll often enough that a finished count is noticed promptly, without
                    // keeping the control thread busy.
                    let nap = Duration::from_millis(2);
                    let nap = deadline.map_or(nap, |d| nap.min(d - now));
                    smol::Timer::after(nap).await;
                }
            }
            .await;
            finish(&lua, r)
        })?,
    )?;

    super::latency_api::register(lua, &raw, e, port)?;
    super::io_api::register(lua, &raw, e, port, max_frame)?;
    super::json_api::register(lua, &raw)?;
    super::record_api::register(lua, &raw, e, port)?;
    super::chart_api::register(lua, &raw)?;
    super::port_api::register(lua, &raw, e, port, jumbo)?;
    super::stream_api::register(lua, &raw, e, port, max_frame)?;

    let build = lua.create_table()?;
    build.set("pktgen_version", version::PKTGEN_VERSION)?;
    build.set("pktgen_copyright", version::PKTGEN_COPYRIGHT)?;
    build.set("pktgen_authors", version::PKTGEN_AUTHORS)?;
    build.set("lua_release", version::LUA_RELEASE)?;
    build.set("lua_copyright", version::LUA_COPYRIGHT)?;
    build.set("lua_authors", version::LUA_AUTHORS)?;
    build.set("dpdk_version", engine::dpdk_version())?;
    raw.set("build", build)?;
    raw.set(
        "pcap_files",
        lua.create_table_from(pcap.iter().map(|(p, f)| (*p, f.clone())))?,
    )?;

    // The wrapper: `FAIL, msg` from a native function becomes `error(msg, 0)`, i.e. a plain
    // string error with the engine's exact text.
    let wrap: Function = lua
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
    let module: Table = wrap.call((raw, fail_tag()))?;
    lua.register_module("engine", module)
}
