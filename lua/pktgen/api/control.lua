--- Running things: start, stop, prime, clear, reset, quit, waiting (delay, pause, sleep), script
-- files (load, run), and the last corners of Pktgen's registry: port_restart, blink, clock_gettime,
-- continue, input. Virtual ports have no LED and our clock is always the TSC, so some of those are
-- accepted settings; continue/input read pktgen's own stdin, as Pktgen's do (the shell refuses
-- that for clients).
local engine = require "engine"
local args = require "pktgen.internal.args"
local perport = require "pktgen.internal.perport"
local portlist = require "pktgen.internal.portlist"
local config = require "pktgen.internal.config"
local streamspec = require "pktgen.internal.streamspec"
local stats = require "pktgen.internal.stats"
local portstream = require "pktgen.internal.portstream"

local M = {}

local clock = false

local function clear_port(p)
	engine.clear(p)
end

function M.install(pktgen)
	local arity = args.arity

	function pktgen.quit()
		engine.quit(0)
	end

	function pktgen.start(...)
		arity("start", select("#", ...), 1)
		perport.port("start", (...), function(p, cfg)
			if not portstream.sending(p) then
				portstream.start(p, cfg)
			end
		end)
	end

	function pktgen.stop(...)
		arity("stop", select("#", ...), 1)
		perport.port("stop", (...), function(p)
			if engine.sending(p) then
				engine.stop(p)
			end
		end)
	end

	function pktgen.prime(...)
		arity("prime", select("#", ...), 1)
		local primed = false
		perport.port("prime", (...), function(p, cfg)
			if not engine.sending(p) then
				engine.start(p, streamspec.prime(cfg, cfg.prime))
				primed = true
			end
		end)
		if primed then
			engine.sleep(300)
		end
	end

	function pktgen.delay(...)
		arity("delay", select("#", ...), 1)
		local ms = args.number("delay", (...), "milliseconds")
		if ms > 0 then
			engine.sleep(math.floor(ms))
		end
	end

	function pktgen.pause(...)
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

	function pktgen.sleep(...)
		arity("sleep", select("#", ...), 1)
		local s = args.number("sleep", (...), "seconds")
		if s > 0 then
			engine.sleep(math.floor(s * 1000))
		end
	end

	function pktgen.load(...)
		arity("load", select("#", ...), 1)
		require("pktgen.console.scripts").load("load", (...))
	end

	function pktgen.run(...)
		arity("run", select("#", ...), 3)
		local kind, what = ...
		require("pktgen.console.scripts").run(kind, what)
	end

	function pktgen.clear(...)
		arity("clear", select("#", ...), 1)
		perport.port("clear", (...), clear_port)
		stats.clear_totals()
	end

	function pktgen.clr()
		for _, p in ipairs(portlist.all()) do
			clear_port(p)
		end
		stats.clear_totals()
	end

	function pktgen.reset(...)
		arity("reset", select("#", ...), 1)
		perport.port("reset", (...), function(p)
			if engine.sending(p) then
				engine.stop(p)
			end
			perport.apply(p, config.reset(p))
			engine.clear(p)
		end)
		perport.port("reset", (...), function(p)
			require("pktgen.api.streams").reset(p)
		end)
		-- Pktgen's reset also turns mac_from_arp off, for every port.
		require("pktgen.internal.responder").reset_global()
		stats.clear_totals()
	end

	--- port_restart(pl): Pktgen stops and restarts the ethdev; here the port's stream stops and,
	-- if it was sending, starts again with the port's current settings.
	function pktgen.port_restart(...)
		arity("port_restart", select("#", ...), 1)
		perport.port("port_restart", (...), function(p, cfg)
			portstream.restart(p, cfg)
		end)
	end

	--- blink(pl, onoff): blinking a port's LED; accepted (virtual ports have none).
	function pktgen.blink(...)
		arity("blink", select("#", ...), 2)
		local pl, onoff = ...
		args.onoff(onoff)
		perport.port("blink", pl, function() end)
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
