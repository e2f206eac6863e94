//! What scripts keep of a run, in plain Rust (no Lua): latency histograms, the recorder and the
//! latency sampler threads, and charts of both. The Lua bindings in lua/engine/ call these.

pub mod charts;
pub mod histogram;
pub mod record;
pub mod sampler;
