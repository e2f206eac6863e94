//! The engine's results as Lua values, for every binding file: counters (one conversion,
//! [`count`]), port statistics, latency snapshots, and the `Histogram` userdata over
//! [`crate::results::histogram::Histogram`].

use mlua::{Lua, Table, UserData, UserDataMethods, Value};

use crate::results::histogram::Histogram;

/// A counter as a Lua integer. Counters do not reach 2^63; wrapping keeps a nonsense value
/// visible rather than an error.
pub fn count(x: u64) -> Value {
    Value::Integer(x as i64)
}

/// A table of named counters.
///
/// # Errors
/// Lua failing to allocate.
pub fn counters<'k>(lua: &Lua, named: impl IntoIterator<Item = (&'k str, u64)>) -> mlua::Result<Table> {
    lua.create_table_from(named.into_iter().map(|(k, v)| (k, count(v))))
}

/// A MAC address as text: `02:00:00:00:00:01`.
pub fn mac(m: [u8; 6]) -> String {
    engine::mac_text(m)
}

/// `{ipackets, opackets, ibytes, obytes, ierrors, oerrors, imissed, rx_nombuf}`.
fn hw_table(lua: &Lua, h: &engine::HwStats) -> mlua::Result<Table> {
    counters(
        lua,
        [
            ("ipackets", h.ipackets),
            ("opackets", h.opackets),
            ("ibytes", h.ibytes),
            ("obytes", h.obytes),
            ("ierrors", h.ierrors),
            ("oerrors", h.oerrors),
            ("imissed", h.imissed),
            ("rx_nombuf", h.rx_nombuf),
        ],
    )
}

/// A port's statistics as `engine.stats` returns them (docs/ENGINE_MODULE.md).
///
/// # Errors
/// Lua failing to allocate.
pub fn stats_table(lua: &Lua, s: &engine::PortStats) -> mlua::Result<Table> {
    let z = &s.rx_sizes;
    let sizes = counters(
        lua,
        [
            ("runt", z.runt),
            ("_64", z._64),
            ("_65_127", z._65_127),
            ("_128_255", z._128_255),
            ("_256_511", z._256_511),
            ("_512_1023", z._512_1023),
            ("_1024_1518", z._1024_1518),
            ("jumbo", z.jumbo),
            ("broadcast", z.broadcast),
            ("multicast", z.multicast),
        ],
    )?;
    let k = &s.rx_kinds;
    let kinds = counters(
        lua,
        [
            ("arp", k.arp),
            ("echo", k.echo),
            ("ipv4", k.ipv4),
            ("ipv6", k.ipv6),
            ("unknown", k.unknown),
            ("nd", k.nd),
            ("vlan", k.vlan),
        ],
    )?;
    let t = counters(
        lua,
        [
            ("tx_packets", s.tx_packets),
            ("tx_bytes", s.tx_bytes),
            ("tx_no_mbuf", s.tx_no_mbuf),
            ("rx_packets", s.rx_packets),
            ("rx_bytes", s.rx_bytes),
            ("tx_extra", s.tx_extra),
            ("rx_chained", s.rx_chained),
            ("tx_extra_bytes", s.tx_extra_bytes),
        ],
    )?;
    t.set("sizes", sizes)?;
    t.set("hw", hw_table(lua, &s.hw)?)?;
    t.set("kinds", kinds)?;
    let o = s.totals();
    t.set("totals", hw_table(lua, &o.counts)?)?;
    t.set("from_engine", lua.create_sequence_from(o.from_engine)?)?;
    Ok(t)
}

/// A latency snapshot as Lua sees it: `{count, bytes, mean_ns, lost, reordered, duplicate,
/// jitter_mean_ns, jitter_over, histogram}`, the histogram a `Histogram` userdata.
///
/// # Errors
/// Lua failing to allocate.
pub fn latency_table(lua: &Lua, s: engine::LatencySnapshot) -> mlua::Result<Table> {
    let t = counters(
        lua,
        [
            ("count", s.count),
            ("bytes", s.bytes),
            ("lost", s.lost),
            ("reordered", s.reordered),
            ("duplicate", s.duplicate),
            ("jitter_over", s.jitter_over),
        ],
    )?;
    t.set("mean_ns", Value::Number(s.mean_ns))?;
    t.set("jitter_mean_ns", Value::Number(s.jitter_mean_ns))?;
    t.set(
        "histogram",
        histogram(lua, Histogram::from_snapshot(s.histogram))?,
    )?;
    Ok(t)
}

/// `h` as a `Histogram` userdata (with its JSON form).
///
/// # Errors
/// Lua failing to allocate.
pub fn histogram(lua: &Lua, h: Histogram) -> mlua::Result<Value> {
    Ok(Value::UserData(lua.create_ser_userdata(h)?))
}

/// The percentile `p` (0..=100) a Lua caller asked for, checked.
fn percentile(who: &str, p: &Value) -> mlua::Result<f64> {
    let p = match p {
        Value::Integer(i) => *i as f64,
        Value::Number(n) => *n,
        other => {
            return Err(mlua::Error::runtime(format!(
                "histogram:{who}: percentile must be a number, got {}",
                other.type_name()
            )));
        }
    };
    if !(0.0..=100.0).contains(&p) {
        return Err(mlua::Error::runtime(format!(
            "histogram:{who}: percentile {p} is outside 0..100"
        )));
    }
    Ok(p)
}

impl UserData for Histogram {
    fn add_methods<M: UserDataMethods<Self>>(m: &mut M) {
        m.add_method("count", |_, h, ()| Ok(h.count()));
        m.add_method("min", |_, h, ()| Ok(h.min()));
        m.add_method("max", |_, h, ()| Ok(h.max()));
        m.add_method("mean", |_, h, ()| Ok(h.mean()));
        m.add_method("stdev", |_, h, ()| Ok(h.stdev()));
        m.add_method("percentile", |_, h, p: Value| {
            Ok(h.value_at_percentile(percentile("percentile", &p)?))
        });
        m.add_method("percentiles", |lua, h, list: Table| {
            let out = lua.create_table()?;
            for p in list.sequence_values::<Value>() {
                let p = p?;
                out.push(h.value_at_percentile(percentile("percentiles", &p)?))?;
            }
            Ok(out)
        });
        m.add_method_mut("reset", |_, h, ()| {
            h.reset();
            Ok(())
        });
        m.add_method_mut("merge", |_, h, other: mlua::UserDataRef<Histogram>| {
            h.merge(&other).map_err(mlua::Error::runtime)
        });
        m.add_method("clone", |lua, h, ()| lua.create_ser_userdata(h.clone()));
        m.add_method("buckets", |lua, h, n: Option<usize>| {
            let out = lua.create_table()?;
            for (from, to, count) in h.buckets(n.unwrap_or(20)) {
                out.push(lua.create_sequence_from([from, to, count])?)?;
            }
            Ok(out)
        });
        m.add_method("csv", |_, h, ()| Ok(h.csv()));
        m.add_method("save", |_, h, (path, tag): (String, Option<String>)| {
            h.save(&path, tag.as_deref()).map_err(mlua::Error::runtime)
        });
        m.add_meta_method("__tostring", |_, h, ()| {
            Ok(format!("Histogram(count={}, mean={:.0} ns)", h.count(), h.mean()))
        });
    }
}
