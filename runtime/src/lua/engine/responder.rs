//! The data path's responder in the `engine` module: which ARP requests, neighbour
//! solicitations and ICMP(v6) echoes a port answers for its addresses, the ARP and neighbour
//! tables it learns from what it receives, and the solicitation it sends.

use engine::Engine;
use mlua::{Table, Value};

use super::values::mac;
use super::vocab::{Fail, Module, describe, ret, text};

fn opt_bool(t: &Table, key: &str) -> Result<bool, Fail> {
    match t.raw_get::<Value>(key)? {
        Value::Nil => Ok(false),
        Value::Boolean(b) => Ok(b),
        v => Err(Fail(format!(
            "engine.respond: {key} must be a boolean, got {}",
            describe(&v)
        ))),
    }
}

/// An IPv6 address argument of `func`.
fn ip6(func: &str, what: &str, v: &Value) -> Result<[u8; 16], Fail> {
    let s = text(func, what, v)?;
    s.parse::<std::net::Ipv6Addr>()
        .map(|a| a.octets())
        .map_err(|_| Fail(format!("{func}: {what} must be an IPv6 address, got {s:?}")))
}

/// Registers `respond`, `learn_arp`, `arp_table`, `nd_table` and `solicit`.
///
/// # Errors
/// Lua failing to allocate.
pub fn register(m: &Module, e: &'static Engine) -> mlua::Result<()> {
    m.func("respond", move |lua, a| {
        let p = a.port(e, 0)?;
        let Value::Table(t) = a.get(1) else {
            return Err(Fail(format!(
                "engine.respond: expected a table {{ip = \"a.b.c.d\", arp = bool, icmp = bool}}, got {}",
                describe(&a.get(1))
            )));
        };
        let ip = match t.raw_get::<Value>("ip")? {
            Value::Nil => [0; 4],
            v => {
                let ip = text("engine.respond", "ip", &v)?;
                ip.parse::<std::net::Ipv4Addr>()
                    .map_err(|_| {
                        Fail(format!(
                            "engine.respond: ip must be an IPv4 address a.b.c.d, got {ip:?}"
                        ))
                    })?
                    .octets()
            }
        };
        let ipv6 = match t.raw_get::<Value>("ip6")? {
            Value::Nil => [0; 16],
            v => ip6("engine.respond", "ip6", &v)?,
        };
        let (arp, icmp) = (opt_bool(&t, "arp")?, opt_bool(&t, "icmp")?);
        e.set_responder6(p, ipv6)?;
        ret(lua, e.set_responder(p, ip, arp, icmp)?)
    })?;
    m.func("learn_arp", move |lua, a| {
        let p = a.port(e, 0)?;
        ret(lua, e.set_arp_learning(p, a.boolean(1)?)?)
    })?;
    m.func("arp_table", move |lua, a| {
        let entries = e.arp_table(a.port(e, 0)?)?;
        let t = lua.create_table_from(
            entries
                .into_iter()
                .map(|(ip, m)| (std::net::Ipv4Addr::from(ip).to_string(), mac(m))),
        )?;
        ret(lua, t)
    })?;
    m.func("nd_table", move |lua, a| {
        let entries = e.nd_table(a.port(e, 0)?)?;
        let t = lua.create_table_from(
            entries
                .into_iter()
                .map(|(ip, m)| (std::net::Ipv6Addr::from(ip).to_string(), mac(m))),
        )?;
        ret(lua, t)
    })?;
    m.func("solicit", move |lua, a| {
        let p = a.port(e, 0)?;
        let src = ip6("engine.solicit", "source", &a.get(1))?;
        let target = ip6("engine.solicit", "target", &a.get(2))?;
        ret(lua, e.solicit(p, src, target)?)
    })
}
