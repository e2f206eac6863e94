//! Ports in the `engine` module: how many, what each is, its counters, queues, lcores and rates,
//! clearing them, promiscuous mode and the RX burst.

use engine::Engine;
use mlua::Table;

use super::values::{count, counters, mac, stats_table};
use super::vocab::{Fail, Module, ret};

/// Registers `ports`, `info`, `stats`, `queues`, `layout`, `rates`, `clear`, `promiscuous`,
/// `rx_burst` and `xstats`.
///
/// # Errors
/// Lua failing to allocate.
pub fn register(m: &Module, e: &'static Engine) -> mlua::Result<()> {
    m.func("ports", move |lua, _| ret(lua, e.port_count()))?;
    m.func("info", move |lua, a| {
        let i = e.port_info(a.port(e, 0)?)?;
        let t = lua.create_table()?;
        t.set("id", i.id)?;
        t.set("name", i.name)?;
        t.set("driver", i.driver)?;
        t.set("mac", mac(i.mac))?;
        t.set("link_up", i.link_up)?;
        t.set("speed", i.speed_mbps)?;
        t.set("duplex", if i.full_duplex { "FD" } else { "HD" })?;
        t.set("socket", i.socket)?;
        ret(lua, t)
    })?;
    m.func("stats", move |lua, a| {
        let s = e.stats(a.port(e, 0)?)?;
        ret(lua, stats_table(lua, &s)?)
    })?;
    m.func("queues", move |lua, a| {
        let qs = e.queue_stats(a.port(e, 0)?)?;
        let t = lua.create_table()?;
        for (q, s) in qs.iter().enumerate() {
            let row = counters(
                lua,
                [
                    ("rx_packets", s.rx_packets),
                    ("rx_bytes", s.rx_bytes),
                    ("tx_packets", s.tx_packets),
                    ("tx_bytes", s.tx_bytes),
                ],
            )?;
            row.set("queue", count(q as u64))?;
            row.set("rx_lcore", s.rx_lcore)?;
            row.set("tx_lcore", s.tx_lcore)?;
            t.raw_set(q + 1, row)?;
        }
        ret(lua, t)
    })?;
    m.func("layout", move |lua, a| {
        let l = e.port_layout(a.port(e, 0)?)?;
        let t = lua.create_table()?;
        let (streams, answers) = l.tx_lcores.split_at(l.stream_queues);
        t.set(
            "rx_lcores",
            lua.create_sequence_from(l.rx_lcores.iter().copied())?,
        )?;
        t.set("tx_lcores", lua.create_sequence_from(streams.iter().copied())?)?;
        t.set(
            "answer_lcores",
            lua.create_sequence_from(answers.iter().copied())?,
        )?;
        t.set("rss", l.rss)?;
        t.set("used", l.used())?;
        ret(lua, t)
    })?;
    m.func("rates", move |lua, a| {
        let r = e.rates(a.port(e, 0)?)?;
        let t: Table = lua.create_table_from([
            ("rx_pps", r.rx_pps),
            ("tx_pps", r.tx_pps),
            ("rx_bps", r.rx_bps),
            ("tx_bps", r.tx_bps),
        ])?;
        ret(lua, t)
    })?;
    m.func("clear", move |lua, a| ret(lua, e.clear(a.port(e, 0)?)?))?;
    m.func("promiscuous", move |lua, a| {
        let p = a.port(e, 0)?;
        ret(lua, e.set_promiscuous(p, a.boolean(1)?)?)
    })?;
    m.func("rx_burst", move |lua, a| {
        let p = a.port(e, 0)?;
        if !a.get(1).is_nil() {
            let n = a.number(1, "burst")?;
            if n.fract() != 0.0 || n < 1.0 {
                return Err(Fail(format!(
                    "engine.rx_burst: burst must be a whole number of packets, got {n}"
                )));
            }
            e.set_rx_burst(p, n as usize)?;
        }
        ret(lua, e.rx_burst(p)?)
    })?;
    m.func("xstats", move |lua, a| {
        let x = e.xstats(a.port(e, 0)?)?;
        ret(
            lua,
            lua.create_table_from(x.into_iter().map(|(k, v)| (k, count(v))))?,
        )
    })
}
