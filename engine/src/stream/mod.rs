//! Streams, in stages: [`spec`] (what the user describes, validated) → [`compile`] (prepared
//! for a worker) → [`program`] (what the TX worker runs, without allocating). [`layout`] holds
//! the slot layout and frame sizes; [`impl_engine`] is the `impl Engine` part that starts, stops
//! and counts a port's streams on the control thread.

pub mod compile;
pub mod impl_engine;
pub mod layout;
pub mod program;
pub mod spec;

#[cfg(test)]
mod tests;
