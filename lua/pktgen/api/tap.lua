--- Mirrors of a port's traffic to Linux TAP interfaces (Pktgen 23.x `rxtap`/`txtap`): while on,
-- what port N receives appears on the interface pg_rxtapN and what it sends on pg_txtapN, for
-- tcpdump or Wireshark. Our own `tapStats(pl)` says what each mirror wrote and left out.
local engine = require "engine"
local args = require "pktgen.internal.args"
local perport = require "pktgen.internal.perport"

local M = {}

--- Whether port p's mirror of direction dir ("rx" or "tx") is on.
function M.on(p, dir)
	return engine.tap_stats(p)[dir].on
end

function M.install(pktgen)
	for _, dir in ipairs { "rx", "tx" } do
		local name = dir .. "tap"
		pktgen[name] = function(...)
			args.arity(name, select("#", ...), 2)
			local pl, onoff = ...
			local on = args.onoff(onoff)
			perport.port(name, pl, function(p)
				local ok, err = pcall(engine.tap, p, dir, on)
				if not ok then
					error(name .. ": " .. tostring(err), 0)
				end
			end)
		end
	end

	--- tapStats(pl): {[p] = {rx = {on, name, packets, dropped}, tx = {...}}, n = count}.
	function pktgen.tapStats(...)
		args.arity("tapStats", select("#", ...), 1)
		return perport.collect("tapStats", (...), engine.tap_stats)
	end
end

return M
