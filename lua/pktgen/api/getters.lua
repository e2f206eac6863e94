--- Getters of one value per port ({[pid] = value, n = count}, as Pktgen's): portStats,
-- portInfo, portLayout, isSending, linkState, the legacy pktStats and portSizes; and the port
-- count. The shapes are built in pktgen.internal.stats.
local engine = require "engine"
local args = require "pktgen.internal.args"
local perport = require "pktgen.internal.perport"
local stats = require "pktgen.internal.stats"

local M = {}

function M.install(pktgen)
	local arity = args.arity

	function pktgen.portCount()
		return engine.ports()
	end

	function pktgen.totalPorts()
		return engine.ports()
	end

	function pktgen.isSending(...)
		arity("isSending", select("#", ...), 1)
		return perport.collect("isSending", (...), stats.is_sending)
	end

	function pktgen.linkState(...)
		arity("linkState", select("#", ...), 1)
		return perport.collect("linkState", (...), stats.link_state)
	end

	function pktgen.portStats(...)
		local n = select("#", ...)
		arity("portStats", n, 1, 2)
		local pl, kind = ...
		if n == 1 then
			return perport.collect("portStats", pl, stats.port_head)
		end
		local k = type(kind) == "string" and string.lower(kind)
		if k ~= "port" and k ~= "rate" then
			error(string.format("portStats: type must be 'port' or 'rate', got '%s'", tostring(kind)), 0)
		end
		return perport.collect("portStats", pl, function(p)
			return stats.port_legacy(p, k)
		end)
	end

	function pktgen.portInfo(...)
		arity("portInfo", select("#", ...), 1)
		return perport.collect("portInfo", (...), stats.port_info)
	end

	--- Ours: each port's lcores and queues (the -m matrix as the engine runs it).
	function pktgen.portLayout(...)
		arity("portLayout", select("#", ...), 1)
		return perport.collect("portLayout", (...), stats.port_layout)
	end

	--- Legacy getters, removed from Pktgen in 26.02 and kept here for older scripts.
	function pktgen.pktStats(...)
		arity("pktStats", select("#", ...), 1)
		return perport.collect("pktStats", (...), stats.pkt_stats)
	end

	function pktgen.portSizes(...)
		arity("portSizes", select("#", ...), 1)
		return perport.collect("portSizes", (...), stats.port_sizes)
	end
end

return M
