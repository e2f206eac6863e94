--- The last corners of Pktgen's registry: port_restart, blink, clock_gettime, continue, input.
-- Virtual ports have no LED and our clock is always the TSC, so some are accepted settings;
-- continue/input read pktgen's own stdin, as Pktgen's do (the shell refuses that for clients).
local args = require "pktgen.args"
local each = require "pktgen.each"

local M = {}

local clock = false

function M.install(pktgen)
	local arity = args.arity

	--- port_restart(pl): Pktgen stops and restarts the ethdev; here the port's stream stops and,
	-- if it was sending, starts again with the port's current settings.
	function pktgen.port_restart(...)
		arity("port_restart", select("#", ...), 1)
		each.port("port_restart", (...), function(p, cfg)
			require("pktgen.portstream").restart(p, cfg)
		end)
	end

	--- blink(pl, onoff): blinking a port's LED; accepted (virtual ports have none).
	function pktgen.blink(...)
		arity("blink", select("#", ...), 2)
		local pl, onoff = ...
		args.onoff(onoff)
		each.port("blink", pl, function() end)
	end

	--- clock_gettime(onoff): Pktgen's choice of CLOCK_REALTIME over the TSC for its timestamps.
	-- Our latency stamps always use the TSC (one host, both ends); the setting is kept for
	-- scripts that set and read it back through save.
	function pktgen.clock_gettime(...)
		arity("clock_gettime", select("#", ...), 1)
		clock = args.onoff((...))
	end

	--- continue(msg): print msg and wait for one byte on pktgen's stdin; returns it.
	pktgen["continue"] = function(...)
		arity("continue", select("#", ...), 1)
		local msg = ...
		io.write(tostring(msg))
		io.flush()
		return io.read(1) or ""
	end

	--- input(msg): print msg and read a line (at most 254 characters) from pktgen's stdin.
	function pktgen.input(...)
		arity("input", select("#", ...), 1)
		local msg = ...
		io.write(tostring(msg))
		io.flush()
		return string.sub(io.read("l") or "", 1, 254)
	end
end

--- Whether clock_gettime is on.
function M.clock_gettime()
	return clock
end

return M
