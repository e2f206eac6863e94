//! The native `engine` module (docs/ENGINE_MODULE.md): the engine's API as Lua functions.
//!
//! Layout: [`vocab`] (registering, errors, arguments) and [`values`] (counters, statistics and
//! histograms as Lua values) at the bottom, [`spec`] (stream specs and templates from Lua) on
//! them, then one binding file per area, named after what it registers; no binding file
//! imports another. This file only calls each area's `register`.

pub mod about;
pub mod bonding;
pub mod capture;
pub mod charts;
pub mod control;
pub mod filters;
pub mod frames;
pub mod json;
pub mod latency;
pub mod ports;
pub mod record;
pub mod responder;
pub mod spec;
pub mod streams;
pub mod tap;
pub mod values;
pub mod vocab;

use engine::Engine;
use mlua::Lua;

use crate::state::Shared;

/// Registers `engine` (what `require "engine"` returns); `pcap` is `-s`, `jumbo` is `-j`.
///
/// # Errors
/// Lua failing to allocate.
pub fn register(
    lua: &Lua,
    e: &'static Engine,
    shared: &Shared,
    pcap: &[(u16, String)],
    jumbo: bool,
) -> mlua::Result<()> {
    let m = vocab::Module::new(lua)?;
    about::register(&m, e, pcap, jumbo)?;
    bonding::register(&m, e)?;
    capture::register(&m, e)?;
    charts::register(&m)?;
    control::register(&m, shared)?;
    filters::register(&m, e)?;
    frames::register(&m, e)?;
    json::register(&m)?;
    latency::register(&m, e)?;
    ports::register(&m, e)?;
    record::register(&m, e)?;
    responder::register(&m, e)?;
    streams::register(&m, e)?;
    tap::register(&m, e)?;
    lua.register_module("engine", m.finish()?)
}
