--- pktgen.info: Pktgen 26.02's 8 strings, and the integers of Pktgen 23.x that scripts still
-- read (`seqTable(pktgen.info.startSeqIdx, ...)`), with this pktgen's values (docs/LUA_API.md).
local engine = require "engine"
local config = require "pktgen.internal.config"
local settings = require "pktgen.internal.settings"

local M = {}

function M.install(pktgen)
	local b = engine.build or {}
	local limits = engine.limits
	local defaults = config.defaults(0)
	pktgen.info = {
		Lua_Version = _VERSION,
		Lua_Release = b.lua_release or _VERSION,
		Lua_Copyright = b.lua_copyright or "",
		Lua_Authors = b.lua_authors or "R. Ierusalimschy, L. H. de Figueiredo, W. Celes",
		Pktgen_Version = b.pktgen_version or "Pktgen",
		Pktgen_Copyright = b.pktgen_copyright or "",
		Pktgen_Authors = b.pktgen_authors or "",
		DPDK_Version = b.dpdk_version or engine.dpdk_version(),
		-- Where Pktgen keeps a port's templates: 16 sequence slots, then single, range, ping, rate.
		startSeqIdx = 0,
		numSeqPkts = config.NUM_SEQ,
		singlePktIdx = config.NUM_SEQ,
		rangePktIdx = config.NUM_SEQ + 1,
		pingPktIdx = config.NUM_SEQ + 2,
		ratePktIdx = config.NUM_SEQ + 3,
		numTotalPkts = config.NUM_SEQ + 4,
		-- Frame sizes with FCS, as pktgen.set takes them (-j raises the maximum).
		minPktSize = config.MIN_SIZE,
		maxPktSize = config.max_size(),
		minVlanID = 1,
		maxVlanID = 4095,
		vlanTagSize = 4,
		minCos = 0,
		maxCos = 7,
		minTOS = 0,
		maxTOS = 255,
		defaultPktBurst = defaults.tx_burst,
		defaultPktTxBurst = defaults.tx_burst,
		defaultPktRxBurst = defaults.rx_burst,
		maxPktTxBurst = settings.MAX_BURST,
		maxPktRxBurst = settings.MAX_BURST,
		maxPrimeCount = settings.MAX_PRIME,
		-- The engine's packet buffers: data bytes each, buffers per pool (each queue of a port has
		-- one), and buffers each lcore caches.
		defaultBuffSize = limits.data_room,
		maxMbufsPerPort = limits.mbufs_per_pool,
		mbufCacheSize = limits.mbuf_cache,
	}
end

return M
