--- The Pktgen-compatible `pktgen` table over the native `engine` module; docs/LUA_API.md
-- describes every function. Sets the global `pktgen` and returns it; functions are defined in
-- Pktgen's registry order.
local engine = require "engine"
local args = require "pktgen.args"
local portlist = require "pktgen.portlist"
local config = require "pktgen.config"
local build = require "pktgen.build"
local stats = require "pktgen.stats"
local settings = require "pktgen.settings"
local random = require "pktgen.random"
local ports = require "pktgen.each"
local portstream = require "pktgen.portstream"

local M = {}

local arity = args.arity

local each, setter, collect = ports.port, ports.setter, ports.collect

function M.quit()
	engine.quit(0)
end

function M.set(...)
	arity("set", select("#", ...), 3)
	local pl, key, value = ...
	setter("set", pl, function(_, cfg)
		settings.set(cfg, key, value)
	end)
end

function M.start(...)
	arity("start", select("#", ...), 1)
	each("start", (...), function(p, cfg)
		if not portstream.sending(p) then
			portstream.start(p, cfg)
		end
	end)
end

function M.stop(...)
	arity("stop", select("#", ...), 1)
	each("stop", (...), function(p)
		if engine.sending(p) then
			engine.stop(p)
		end
	end)
end

function M.set_mac(...)
	arity("set_mac", select("#", ...), 3)
	local pl, which, mac = ...
	local m = args.mac("set_mac", mac)
	setter("set_mac", pl, function(_, cfg)
		if which == "src" then
			cfg.pkt.src_mac = m
		elseif which == "dst" then
			cfg.pkt.dst_mac = m
		end
	end)
end

function M.set_ipaddr(...)
	arity("set_ipaddr", select("#", ...), 3)
	local pl, which, text = ...
	local ip = args.ip("set_ipaddr", text)
	local w = string.lower(string.sub(tostring(which), 1, 1))
	setter("set_ipaddr", pl, function(_, cfg)
		settings.ipaddr(cfg.pkt, w, ip)
	end)
end

function M.set_proto(...)
	arity("set_proto", select("#", ...), 2)
	local pl, proto = ...
	setter("set_proto", pl, function(_, cfg)
		settings.proto(cfg.pkt, proto)
	end)
end

function M.set_type(...)
	arity("set_type", select("#", ...), 2)
	local pl, t = ...
	setter("set_type", pl, function(_, cfg)
		settings.eth_type(cfg.pkt, settings.parse_type(t))
	end)
end

function M.set_tcp_flags(...)
	arity("set_tcp_flags", select("#", ...), 2)
	local pl, flags = ...
	local bits = require("proto.tcp").parse_flags(tostring(flags))
	setter("set_tcp_flags", pl, function(_, cfg)
		cfg.pkt.tcp_flags = bits
	end)
end

function M.prime(...)
	arity("prime", select("#", ...), 1)
	local primed = false
	each("prime", (...), function(p, cfg)
		if not engine.sending(p) then
			engine.start(p, build.prime(cfg, cfg.prime))
			primed = true
		end
	end)
	if primed then
		engine.sleep(300)
	end
end

function M.delay(...)
	arity("delay", select("#", ...), 1)
	local ms = args.number("delay", (...), "milliseconds")
	if ms > 0 then
		engine.sleep(math.floor(ms))
	end
end

function M.pause(...)
	arity("pause", select("#", ...), 2)
	local msg, ms = ...
	ms = args.number("pause", ms, "milliseconds")
	if msg ~= nil and tostring(msg) ~= "" then
		io.write(tostring(msg))
		io.flush()
	end
	if ms > 0 then
		engine.sleep(math.floor(ms))
	end
end

function M.sleep(...)
	arity("sleep", select("#", ...), 1)
	local s = args.number("sleep", (...), "seconds")
	if s > 0 then
		engine.sleep(math.floor(s * 1000))
	end
end

function M.load(...)
	arity("load", select("#", ...), 1)
	require("pktgen.files").load("load", (...))
end

local function clear_port(p)
	engine.clear(p)
end

function M.clear(...)
	arity("clear", select("#", ...), 1)
	each("clear", (...), clear_port)
	stats.clear_totals()
end

function M.clr()
	for _, p in ipairs(portlist.all()) do
		clear_port(p)
	end
	stats.clear_totals()
end

function M.reset(...)
	arity("reset", select("#", ...), 1)
	each("reset", (...), function(p)
		if engine.sending(p) then
			engine.stop(p)
		end
		require("pktgen.respond").apply(p, config.reset(p))
		engine.clear(p)
	end)
	each("reset", (...), function(p)
		require("pktgen.streams").reset(p)
	end)
	-- Pktgen's reset also turns mac_from_arp off, for every port.
	require("pktgen.respond").reset_global()
	stats.clear_totals()
end

function M.portCount()
	return engine.ports()
end

function M.totalPorts()
	return engine.ports()
end

function M.vlanid(...)
	arity("vlanid", select("#", ...), 2)
	local pl, id = ...
	id = args.uint("vlanid", id, "VLAN id")
	if id < 1 or id > 4095 then
		id = 1
	end
	setter("vlanid", pl, function(_, cfg)
		cfg.pkt.vlanid = id
	end)
end

function M.cos(...)
	arity("cos", select("#", ...), 3)
	local pl, _, cos = ...
	cos = args.uint("cos", cos, "cos")
	if cos > 7 then
		cos = 0
	end
	setter("cos", pl, function(_, cfg)
		cfg.pkt.cos = cos
	end)
end

function M.tos(...)
	arity("tos", select("#", ...), 2)
	local pl, tos = ...
	tos = args.uint("tos", tos, "tos", 8)
	setter("tos", pl, function(_, cfg)
		cfg.pkt.tos = tos
	end)
end

function M.help()
	return require("pktgen.help").text()
end

M["Lua.help"] = function()
	return require("pktgen.help").text()
end

function M.isSending(...)
	arity("isSending", select("#", ...), 1)
	return collect("isSending", (...), stats.is_sending)
end

function M.linkState(...)
	arity("linkState", select("#", ...), 1)
	return collect("linkState", (...), stats.link_state)
end

function M.portStats(...)
	local n = select("#", ...)
	arity("portStats", n, 1, 2)
	local pl, kind = ...
	if n == 1 then
		return collect("portStats", pl, stats.port_head)
	end
	local k = type(kind) == "string" and string.lower(kind)
	if k ~= "port" and k ~= "rate" then
		error(string.format("portStats: type must be 'port' or 'rate', got '%s'", tostring(kind)), 0)
	end
	return collect("portStats", pl, function(p)
		return stats.port_legacy(p, k)
	end)
end

function M.portInfo(...)
	arity("portInfo", select("#", ...), 1)
	return collect("portInfo", (...), stats.port_info)
end

--- Ours: each port's lcores and queues (the -m matrix as the engine runs it).
function M.portLayout(...)
	arity("portLayout", select("#", ...), 1)
	return collect("portLayout", (...), stats.port_layout)
end

--- Legacy getters, removed from Pktgen in 26.02 and kept here for older scripts.
function M.pktStats(...)
	arity("pktStats", select("#", ...), 1)
	return collect("pktStats", (...), stats.pkt_stats)
end

function M.portSizes(...)
	arity("portSizes", select("#", ...), 1)
	return collect("portSizes", (...), stats.port_sizes)
end

function M.run(...)
	arity("run", select("#", ...), 3)
	local kind, what = ...
	require("pktgen.files").run(kind, what)
end

function M.pattern(...)
	arity("pattern", select("#", ...), 2)
	local pl, kind = ...
	local k = string.lower(tostring(kind))
	local pat = (string.sub(k, 1, 3) == "abc" and "abc") or (string.sub(k, 1, 4) == "none" and "none")
		or (string.sub(k, 1, 4) == "user" and "user") or (string.sub(k, 1, 4) == "zero" and "zero")
	if not pat then
		error(string.format("pattern: unknown pattern type '%s' (abc, none, user or zero)", tostring(kind)), 0)
	end
	setter("pattern", pl, function(_, cfg)
		cfg.pkt.pattern = pat
	end)
end

function M.userPattern(...)
	arity("userPattern", select("#", ...), 2)
	local pl, str = ...
	str = tostring(str)
	str = string.match(str, '^"(.*)"$') or string.match(str, "^'(.*)'$") or str
	str = string.sub(str, 1, 16)
	setter("userPattern", pl, function(_, cfg)
		cfg.pkt.user_pattern = str
		cfg.pkt.pattern = "user"
	end)
end

-- port_restart, blink, clock_gettime, continue, input.
require("pktgen.misc").install(M)

-- Sequence, range and random bitfields.
require("pktgen.seq").install(M)
require("pktgen.range").install(M)
random.install(M)
-- Encapsulations (vlan, qinq, mpls, gre, gre_eth, vxlan) and their ids, gtpu_teid, rnd_s_ip/pt.
require("pktgen.encap").install(M)
-- The receive side: process, icmp_echo (answering), mac_from_arp; capture; pcap replay.
require("pktgen.respond").install(M)
require("pktgen.capture").install(M)
require("pktgen.pcap").install(M)
-- Single packets sent on their own: send_arp, ping4.
require("pktgen.oneshot").install(M)
-- Latency: latency, jitter, latsampler_params, latsampler, latencyHistogram, newHistogram.
require("pktgen.latency").install(M)
-- pktgen.save: the configuration as a .lua or .pkt script.
require("pktgen.save").install(M)
-- Results for programs and people: pktgen.json, the recorder, charts.
M.json = require "pktgen.json"
require("pktgen.record").install(M)
M.chart = require "pktgen.chart"
-- The console's live pages: screen, page, port, ports_per_page, cls, update, pageText.
require("pktgen.screen").install(M)
-- Ours: several streams per port (pktgen.streams).
require("pktgen.streams").install(M)
-- Mirrors to TAP interfaces (rxtap, txtap, tapStats) and bonding information.
require("pktgen.tap").install(M)
require("pktgen.bonding").install(M)

--- pktgen.info: Pktgen 26.02's 8 strings, and the integers of Pktgen 23.x that scripts still
-- read (`seqTable(pktgen.info.startSeqIdx, ...)`), with this pktgen's values (docs/LUA_API.md).
local b = engine.build or {}
local limits = engine.limits
local defaults = config.defaults(0)
M.info = {
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

pktgen = M
return M
