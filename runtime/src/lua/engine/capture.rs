//! Capture and pcap files in the `engine` module: recording what a port receives, and reading
//! and writing pcap files as lists of packets.

use std::path::Path;

use engine::{CapturedPacket, Engine};
use mlua::{Lua, Table, Value};

use super::values::count;
use super::vocab::{Args, Fail, Module, array, describe, ret, text};

/// Capture defaults: enough for a long test run, small beside the hugepage-free default memory.
const CAPTURE_BYTES: usize = 64 << 20;
const CAPTURE_PACKETS: usize = 1 << 20;
const CAPTURE_SNAPLEN: usize = 65535;

/// `t[key]` as a positive integer, `default` when absent.
fn opt_size(who: &str, t: &Table, key: &str, default: usize) -> Result<usize, Fail> {
    match t.raw_get::<Value>(key)? {
        Value::Nil => Ok(default),
        Value::Integer(i) if i > 0 => Ok(i as usize),
        Value::Number(f) if f.is_finite() && f.fract() == 0.0 && (1.0..1e15).contains(&f) => Ok(f as usize),
        v => Err(Fail(format!(
            "engine.{who}: {key} must be a positive integer, got {}",
            describe(&v)
        ))),
    }
}

/// `{ {time_ns, data, len}, ... }`.
fn packets_table(lua: &Lua, packets: &[CapturedPacket]) -> mlua::Result<Table> {
    let t = lua.create_table_with_capacity(packets.len(), 0)?;
    for (i, p) in packets.iter().enumerate() {
        let e = lua.create_table_with_capacity(0, 3)?;
        e.set("time_ns", p.time_ns as i64)?;
        e.set("data", lua.create_string(&p.data)?)?;
        e.set("len", p.orig_len)?;
        t.raw_set(i + 1, e)?;
    }
    Ok(t)
}

/// One packet from `"..."` or `{data = "...", time_ns = n, len = n}` (`i` counts from 1).
fn packet_from(who: &str, i: usize, e: &Value) -> Result<CapturedPacket, Fail> {
    let t = match e {
        Value::String(s) => {
            let data = s.as_bytes().to_vec();
            return Ok(CapturedPacket {
                time_ns: 0,
                orig_len: data.len() as u32,
                data,
            });
        }
        Value::Table(t) => t,
        other => {
            return Err(Fail(format!(
                "engine.{who}: packets[{i}] must be a string or a table, got {}",
                describe(other)
            )));
        }
    };
    let data = match t.raw_get::<Value>("data")? {
        Value::String(s) => s.as_bytes().to_vec(),
        other => {
            return Err(Fail(format!(
                "engine.{who}: packets[{i}].data must be a string, got {}",
                describe(&other)
            )));
        }
    };
    let time_ns = match t.raw_get::<Value>("time_ns")? {
        Value::Nil => 0,
        Value::Integer(n) if n >= 0 => n as u64,
        Value::Number(f) if f >= 0.0 && f.is_finite() => f as u64,
        other => {
            return Err(Fail(format!(
                "engine.{who}: packets[{i}].time_ns must be a non-negative number, got {}",
                describe(&other)
            )));
        }
    };
    let orig_len = match t.raw_get::<Value>("len")? {
        Value::Integer(n) if n as usize >= data.len() && n <= u32::MAX as i64 => n as u32,
        _ => data.len() as u32,
    };
    Ok(CapturedPacket {
        time_ns,
        data,
        orig_len,
    })
}

/// `capture_start(port[, {bytes, packets, snaplen, filter}])`.
fn capture_start(e: &'static Engine, a: &Args) -> Result<(), Fail> {
    let who = a.who();
    let p = a.port(e, 0)?;
    let (bytes, packets, snaplen, filter) = match a.get(1) {
        Value::Nil => (CAPTURE_BYTES, CAPTURE_PACKETS, CAPTURE_SNAPLEN, None),
        Value::Table(t) => (
            opt_size(who, &t, "bytes", CAPTURE_BYTES)?,
            opt_size(who, &t, "packets", CAPTURE_PACKETS)?,
            opt_size(who, &t, "snaplen", CAPTURE_SNAPLEN)?,
            match t.raw_get::<Value>("filter")? {
                Value::Nil => None,
                v => Some(text(&format!("engine.{who}"), "filter", &v)?),
            },
        ),
        v => {
            return Err(Fail(format!(
                "engine.{who}: options must be a table, got {}",
                describe(&v)
            )));
        }
    };
    Ok(e.capture_start_filtered(p, bytes, packets, snaplen, filter.as_deref())?)
}

/// Registers `capture_start`, `capture_stop`, `read_pcap` and `write_pcap`.
///
/// # Errors
/// Lua failing to allocate.
pub fn register(m: &Module, e: &'static Engine) -> mlua::Result<()> {
    m.func("capture_start", move |lua, a| ret(lua, capture_start(e, &a)?))?;
    m.func("capture_stop", move |lua, a| {
        let p = a.port(e, 0)?;
        let path = match a.get(1) {
            Value::Nil => None,
            _ => Some(a.string(1, "path")?),
        };
        let cap = e.capture_stop(p)?;
        let (n, dropped) = (count(cap.packets.len() as u64), count(cap.dropped));
        match path {
            Some(path) => {
                engine::write_pcap(Path::new(&path), &cap.packets)
                    .map_err(|err| Fail(format!("engine.capture_stop: cannot write '{path}': {err}")))?;
                ret(lua, (n, dropped))
            }
            None => ret(lua, (n, dropped, packets_table(lua, &cap.packets)?)),
        }
    })?;
    m.func("read_pcap", |lua, a| {
        let path = a.string(0, "path")?;
        let packets =
            engine::read_pcap(Path::new(&path)).map_err(|err| Fail(format!("engine.read_pcap: {err}")))?;
        ret(lua, packets_table(lua, &packets)?)
    })?;
    m.func("write_pcap", |lua, a| {
        let path = a.string(0, "path")?;
        let packets = array("engine.write_pcap", "packets", &a.get(1))?
            .iter()
            .enumerate()
            .map(|(i, p)| packet_from("write_pcap", i + 1, p))
            .collect::<Result<Vec<_>, _>>()?;
        engine::write_pcap(Path::new(&path), &packets)
            .map_err(|err| Fail(format!("engine.write_pcap: cannot write '{path}': {err}")))?;
        ret(lua, count(packets.len() as u64))
    })
}
