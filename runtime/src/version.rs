//! What `engine.build` reports (and so `pktgen.info`) and `pktgen --version` prints: this
//! program's and the vendored Lua's versions, copyright and authors.

/// Our version in Pktgen's shape (`Pktgen <version>`), naming the Pktgen-DPDK Lua API it follows
/// so that scripts matching `Pktgen (%d+)%.(%d+)` see the API generation they can rely on.
pub const PKTGEN_VERSION: &str = concat!("Pktgen 26.02.4 (pktgen-rs ", env!("CARGO_PKG_VERSION"), ")");
/// Copyright line of this program.
pub const PKTGEN_COPYRIGHT: &str = "Copyright(c) 2026, the pktgen-rs authors. BSD-3-Clause.";
/// Authors line; the Lua API is Keith Wiles' Pktgen-DPDK's.
pub const PKTGEN_AUTHORS: &str = "the pktgen-rs authors, after Pktgen-DPDK by Keith Wiles @ Intel Corp";

include!(concat!(env!("OUT_DIR"), "/lua_version.rs"));

/// What `pktgen --version` prints: this program's, DPDK's and Lua's versions, one per line.
pub fn versions() -> String {
    format!("{PKTGEN_VERSION}\n{}\n{LUA_RELEASE}", engine::dpdk_version())
}
