//! Frames sent once in the `engine` module: `send` injects frames on a port's answer queue, and
//! `frame` finishes a template's lengths and checksums with the engine's own code, so that the
//! stdlib needs no checksum arithmetic of its own.

use engine::Engine;
use mlua::Value;

use super::spec;
use super::vocab::{Fail, Module, describe, ret};

/// Registers `send` and `frame`.
///
/// # Errors
/// Lua failing to allocate.
pub fn register(m: &Module, e: &'static Engine) -> mlua::Result<()> {
    let max_frame = e.max_frame();
    m.func("send", move |lua, a| {
        let p = a.port(e, 0)?;
        let mut frames = Vec::new();
        for (i, f) in a.array(1, "frames")?.iter().enumerate() {
            match f {
                Value::String(s) if s.as_bytes().len() <= max_frame => frames.push(s.as_bytes().to_vec()),
                Value::String(s) => {
                    return Err(Fail(format!(
                        "engine.send: frame {} has {} bytes; frames have at most {max_frame} bytes without FCS",
                        i + 1,
                        s.as_bytes().len()
                    )));
                }
                other => {
                    return Err(Fail(format!(
                        "engine.send: frames[{}] must be a string, got {}",
                        i + 1,
                        describe(other)
                    )));
                }
            }
        }
        if !frames.is_empty() {
            e.send_frames(p, frames)?;
        }
        ret(lua, ())
    })?;
    m.func("sum16", |lua, a| {
        let data = match a.get(0) {
            Value::String(s) => s.as_bytes().to_vec(),
            other => {
                return Err(Fail(format!(
                    "engine.sum16: bytes must be a string, got {}",
                    describe(&other)
                )));
            }
        };
        let acc = match a.get(1) {
            Value::Nil => 0,
            Value::Integer(i) if i >= 0 => i as u64,
            other => {
                return Err(Fail(format!(
                    "engine.sum16: the start must be a whole number >= 0, got {}",
                    describe(&other)
                )));
            }
        };
        ret(lua, i64::from(engine::sum16(acc, &data)))
    })?;
    m.func("frame", |lua, a| {
        // The spec reader's messages name engine.start, where templates usually come from.
        let t = spec::template(&a.get(0), "template")
            .map_err(|err| Fail(Fail::from(err).0.replacen("engine.start:", "engine.frame:", 1)))?;
        let bytes = t.finished().map_err(|err| Fail(format!("engine.frame: {err}")))?;
        ret(lua, lua.create_string(bytes)?)
    })
}
