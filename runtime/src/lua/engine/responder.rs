//! The data path's responder in the `engine` module: which ARP requests and ICMP echoes a port
//! answers for its address, and the ARP table it learns from what it receives.

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

/// Registers `respond`, `learn_arp` and `arp_table`.
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
        let (arp, icmp) = (opt_bool(&t, "arp")?, opt_bool(&t, "icmp")?);
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
    })
}
