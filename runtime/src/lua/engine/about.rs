//! Facts about this pktgen in the `engine` module: versions (`build`, `dpdk_version`), buffer
//! limits (`limits`), the `-s` pcap files, and the clocks (`tsc_hz`, `now`).

use engine::Engine;

use super::vocab::{Module, ret};
use crate::version;

/// Registers `build`, `limits`, `pcap_files`, `dpdk_version`, `tsc_hz` and `now`.
///
/// # Errors
/// Lua failing to allocate.
pub fn register(m: &Module, e: &'static Engine, pcap: &[(u16, String)], jumbo: bool) -> mlua::Result<()> {
    let lua = m.lua();
    m.func("tsc_hz", move |lua, _| ret(lua, e.tsc_hz()))?;
    // Scripts that time what they do (a benchmark trial's sending time) need a clock finer than
    // os.time's seconds; os.clock is CPU time, which the busy workers inflate.
    let epoch = std::time::Instant::now();
    m.func("now", move |lua, _| ret(lua, epoch.elapsed().as_secs_f64()))?;
    m.func("dpdk_version", |lua, _| ret(lua, engine::dpdk_version()))?;
    let build = lua.create_table()?;
    build.set("pktgen_version", version::PKTGEN_VERSION)?;
    build.set("pktgen_copyright", version::PKTGEN_COPYRIGHT)?;
    build.set("pktgen_authors", version::PKTGEN_AUTHORS)?;
    build.set("lua_release", version::LUA_RELEASE)?;
    build.set("lua_copyright", version::LUA_COPYRIGHT)?;
    build.set("lua_authors", version::LUA_AUTHORS)?;
    build.set("dpdk_version", engine::dpdk_version())?;
    m.value("build", build)?;
    m.value(
        "pcap_files",
        lua.create_table_from(pcap.iter().map(|(p, f)| (*p, f.clone())))?,
    )?;
    let limits = lua.create_table()?;
    limits.set("mbufs_per_pool", engine::Config::default().mbufs_per_pool)?;
    limits.set("mbuf_cache", engine::MBUF_CACHE)?;
    limits.set("data_room", engine::data_room(jumbo))?;
    limits.set("rx_burst", engine::MAX_RX_BURST)?;
    m.value("limits", limits)
}
