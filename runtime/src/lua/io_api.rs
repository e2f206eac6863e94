//! Packets in and out of the `engine` module beside the streams: capturing what a port receives
//! (and pcap files), injecting frames once, the data path's ARP/ICMP echo responder and the ARP
//! table it learns. Protocols stay in the Lua stdlib; this file moves bytes and addresses.

use std::path::Path;

use engine::{CapturedPacket, Engine};
use mlua::{Lua, Table, Value};

use super::engine_api::{Handler, PortFn, arg, describe, ret, sync_fn};

/// Capture defaults: enough for a long test run, small beside the hugepage-free default memory.
const CAPTURE_BYTES: usize = 64 << 20;
const CAPTURE_PACKETS: usize = 1 << 20;
const CAPTURE_SNAPLEN: usize = 65535;

fn lua_err(e: mlua::Error) -> String {
    e.to_string()
}

/// `t[key]` as a positive integer, `default` when absent.
fn opt_size(who: &str, t: &Table, key: &str, default: usize) -> std::result::Result<usize, String> {
    match t.raw_get::<Value>(key).map_err(lua_err)? {
        Value::Nil => Ok(default),
        Value::Integer(i) if i > 0 => Ok(i as usize),
        Value::Number(f) if f.is_finite() && f.fract() == 0.0 && (1.0..1e15).contains(&f) => Ok(f as usize),
        v => Err(format!(
            "engine.{who}: {key} must be a positive integer, got {}",
            describe(&v)
        )),
    }
}

fn opt_bool(who: &str, t: &Table, key: &str) -> std::result::Result<bool, String> {
    match t.raw_get::<Value>(key).map_err(lua_err)? {
        Value::Nil => Ok(false),
        Value::Boolean(b) => Ok(b),
        v => Err(format!(
            "engine.{who}: {key} must be a boolean, got {}",
            describe(&v)
        )),
    }
}

fn string_arg(who: &str, what: &str, v: &Value) -> std::result::Result<String, String> {
    match v {
        Value::String(s) => Ok(s.to_string_lossy()),
        other => Err(format!(
            "engine.{who}: {what} must be a string, got {}",
            describe(other)
        )),
    }
}

fn ipv4(who: &str, text: &str) -> std::result::Result<[u8; 4], String> {
    text.parse::<std::net::Ipv4Addr>()
        .map(|a| a.octets())
        .map_err(|_| format!("engine.{who}: ip must be an IPv4 address a.b.c.d, got {text:?}"))
}

fn mac(m: [u8; 6]) -> String {
    m.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
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

/// The elements `t[1..n]` of an array table.
fn array(who: &str, what: &str, v: &Value) -> std::result::Result<Vec<Value>, String> {
    let Value::Table(t) = v else {
        return Err(format!(
            "engine.{who}: {what} must be a table, got {}",
            describe(v)
        ));
    };
    (1..=t.raw_len())
        .map(|i| t.raw_get::<Value>(i).map_err(lua_err))
        .collect()
}

/// Packets from `{ {data = "...", time_ns = n, len = n}, ... }` or `{ "...", ... }`.
fn packets_from(who: &str, v: &Value) -> std::result::Result<Vec<CapturedPacket>, String> {
    let mut out = Vec::new();
    for (i, e) in array(who, "packets", v)?.iter().enumerate() {
        let p = match e {
            Value::String(s) => {
                let data = s.as_bytes().to_vec();
                CapturedPacket {
                    time_ns: 0,
                    orig_len: data.len() as u32,
                    data,
                }
            }
            Value::Table(t) => {
                let data = match t.raw_get::<Value>("data").map_err(lua_err)? {
                    Value::String(s) => s.as_bytes().to_vec(),
                    other => {
                        return Err(format!(
                            "engine.{who}: packets[{}].data must be a string, got {}",
                            i + 1,
                            describe(&other)
                        ));
                    }
                };
                let time_ns = match t.raw_get::<Value>("time_ns").map_err(lua_err)? {
                    Value::Nil => 0,
                    Value::Integer(n) if n >= 0 => n as u64,
                    Value::Number(f) if f >= 0.0 && f.is_finite() => f as u64,
                    other => {
                        return Err(format!(
                            "engine.{who}: packets[{}].time_ns must be a non-negative number, got {}",
                            i + 1,
                            describe(&other)
                        ));
                    }
                };
                let orig_len = match t.raw_get::<Value>("len").map_err(lua_err)? {
                    Value::Integer(n) if n as usize >= data.len() && n <= u32::MAX as i64 => n as u32,
                    _ => data.len() as u32,
                };
                CapturedPacket {
                    time_ns,
                    data,
                    orig_len,
                }
            }
            other => {
                return Err(format!(
                    "engine.{who}: packets[{}] must be a string or a table, got {}",
                    i + 1,
                    describe(other)
                ));
            }
        };
        out.push(p);
    }
    Ok(out)
}

/// Registers the capture, pcap, injection, responder and ARP functions into the raw module table.
///
/// # Errors
/// Lua failing to allocate.
pub fn register(
    lua: &Lua,
    raw: &Table,
    e: &'static Engine,
    port: PortFn,
    max_frame: usize,
) -> mlua::Result<()> {
    let reg = |name: &str, f: Handler| sync_fn(lua, raw, name, f);

    reg(
        "capture_start",
        Box::new(move |lua, a| {
            let who = "capture_start";
            let p = port(e, who, &arg(&a, 0))?;
            let (bytes, packets, snaplen) = match arg(&a, 1) {
                Value::Nil => (CAPTURE_BYTES, CAPTURE_PACKETS, CAPTURE_SNAPLEN),
                Value::Table(t) => (
                    opt_size(who, &t, "bytes", CAPTURE_BYTES)?,
                    opt_size(who, &t, "packets", CAPTURE_PACKETS)?,
                    opt_size(who, &t, "snaplen", CAPTURE_SNAPLEN)?,
                ),
                v => {
                    return Err(format!(
                        "engine.{who}: options must be a table, got {}",
                        describe(&v)
                    ));
                }
            };
            e.capture_start(p, bytes, packets, snaplen)
                .map_err(|e| e.to_string())?;
            ret(lua, ())
        }),
    )?;
    reg(
        "capture_stop",
        Box::new(move |lua, a| {
            let who = "capture_stop";
            let p = port(e, who, &arg(&a, 0))?;
            let path = match arg(&a, 1) {
                Value::Nil => None,
                v => Some(string_arg(who, "path", &v)?),
            };
            let cap = e.capture_stop(p).map_err(|e| e.to_string())?;
            let count = cap.packets.len() as i64;
            let dropped = cap.dropped as i64;
            match path {
                Some(path) => {
                    engine::write_pcap(Path::new(&path), &cap.packets)
                        .map_err(|err| format!("engine.{who}: cannot write '{path}': {err}"))?;
                    ret(lua, (count, dropped))
                }
                None => ret(
                    lua,
                    (count, dropped, packets_table(lua, &cap.packets).map_err(lua_err)?),
                ),
            }
        }),
    )?;
    reg(
        "read_pcap",
        Box::new(move |lua, a| {
            let path = string_arg("read_pcap", "path", &arg(&a, 0))?;
            let packets =
                engine::read_pcap(Path::new(&path)).map_err(|err| format!("engine.read_pcap: {err}"))?;
            ret(lua, packets_table(lua, &packets).map_err(lua_err)?)
        }),
    )?;
    reg(
        "write_pcap",
        Box::new(move |lua, a| {
            let path = string_arg("write_pcap", "path", &arg(&a, 0))?;
            let packets = packets_from("write_pcap", &arg(&a, 1))?;
            engine::write_pcap(Path::new(&path), &packets)
                .map_err(|err| format!("engine.write_pcap: cannot write '{path}': {err}"))?;
            ret(lua, packets.len() as i64)
        }),
    )?;
    reg(
        "send",
        Box::new(move |lua, a| {
            let who = "send";
            let p = port(e, who, &arg(&a, 0))?;
            let mut frames = Vec::new();
            for (i, f) in array(who, "frames", &arg(&a, 1))?.iter().enumerate() {
                match f {
                    Value::String(s) if s.as_bytes().len() <= max_frame => frames.push(s.as_bytes().to_vec()),
                    Value::String(s) => {
                        return Err(format!(
                            "engine.{who}: frame {} has {} bytes; frames have at most {max_frame} bytes without FCS",
                            i + 1,
                            s.as_bytes().len()
                        ));
                    }
                    other => {
                        return Err(format!(
                            "engine.{who}: frames[{}] must be a string, got {}",
                            i + 1,
                            describe(other)
                        ));
                    }
                }
            }
            if !frames.is_empty() {
                e.send_frames(p, frames).map_err(|e| e.to_string())?;
            }
            ret(lua, ())
        }),
    )?;
    reg(
        "respond",
        Box::new(move |lua, a| {
            let who = "respond";
            let p = port(e, who, &arg(&a, 0))?;
            let Value::Table(t) = arg(&a, 1) else {
                return Err(format!(
                    "engine.{who}: expected a table {{ip = \"a.b.c.d\", arp = bool, icmp = bool}}, got {}",
                    describe(&arg(&a, 1))
                ));
            };
            let ip = match t.raw_get::<Value>("ip").map_err(lua_err)? {
                Value::Nil => [0; 4],
                v => ipv4(who, &string_arg(who, "ip", &v)?)?,
            };
            let (arp, icmp) = (opt_bool(who, &t, "arp")?, opt_bool(who, &t, "icmp")?);
            e.set_responder(p, ip, arp, icmp).map_err(|e| e.to_string())?;
            ret(lua, ())
        }),
    )?;
    reg(
        "learn_arp",
        Box::new(move |lua, a| {
            let p = port(e, "learn_arp", &arg(&a, 0))?;
            let on = match arg(&a, 1) {
                Value::Boolean(b) => b,
                v => {
                    return Err(format!(
                        "engine.learn_arp: expected a boolean, got {}",
                        describe(&v)
                    ));
                }
            };
            e.set_arp_learning(p, on).map_err(|e| e.to_string())?;
            ret(lua, ())
        }),
    )?;
    reg(
        "arp_table",
        Box::new(move |lua, a| {
            let p = port(e, "arp_table", &arg(&a, 0))?;
            let entries = e.arp_table(p).map_err(|e| e.to_string())?;
            let t = lua
                .create_table_from(
                    entries
                        .into_iter()
                        .map(|(ip, m)| (std::net::Ipv4Addr::from(ip).to_string(), mac(m))),
                )
                .map_err(lua_err)?;
            ret(lua, t)
        }),
    )?;
    Ok(())
}
