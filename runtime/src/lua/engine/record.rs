//! The recorder in the `engine` module (`pktgen.record`): arguments checked here, the recording
//! thread is crate::results::record.

use std::time::Duration;

use engine::Engine;
use mlua::Value;

use super::values::count;
use super::vocab::{Fail, Module, describe, port, ret};
use crate::results::record::{self, Format};

/// Registers `record_start(path, format, interval_ms, ports)` and `record_stop()`.
///
/// # Errors
/// Lua failing to allocate.
pub fn register(m: &Module, e: &'static Engine) -> mlua::Result<()> {
    m.func("record_start", move |lua, a| {
        let Value::String(path) = a.get(0) else {
            return Err(Fail(format!(
                "record: the file name must be a string, got {}",
                describe(&a.get(0))
            )));
        };
        let path = path.to_string_lossy();
        let format = match a.get(1) {
            Value::String(s) if s == "csv" => Format::Csv,
            Value::String(s) if s == "jsonl" => Format::JsonLines,
            v => {
                return Err(Fail(format!(
                    "record: format must be 'csv' or 'jsonl', got {}",
                    describe(&v)
                )));
            }
        };
        let ms = match a.get(2) {
            Value::Integer(i) if (10..=3_600_000).contains(&i) => i as u64,
            v => {
                return Err(Fail(format!(
                    "record: interval must be 10 to 3600000 ms, got {}",
                    describe(&v)
                )));
            }
        };
        let Value::Table(list) = a.get(3) else {
            return Err("record: ports must be a list of port numbers".into());
        };
        let mut ports = Vec::new();
        for v in list.sequence_values::<Value>() {
            ports.push(port(e, "record_start", &v?)?);
        }
        if ports.is_empty() {
            return Err("record: no port to record".into());
        }
        record::start(e, &path, format, Duration::from_millis(ms), ports)?;
        ret(lua, ())
    })?;
    m.func("record_stop", |lua, _| match record::stop()? {
        Some((path, rows)) => ret(lua, (count(rows), path)),
        None => ret(lua, ()),
    })
}
