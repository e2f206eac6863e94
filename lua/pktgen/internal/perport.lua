--- Per-port loops shared by the pktgen functions: run a change on every port of a list, and
-- push it to a port that is sending forever (Pktgen edits its live template).
local portlist = require "pktgen.internal.portlist"
local config = require "pktgen.internal.config"

local M = {}

--- fn(p, cfg) for every existing port of the list; fname names the caller in errors.
function M.port(fname, pl, fn)
	for _, p in ipairs(portlist.parse(fname, pl)) do
		fn(p, config.get(p))
	end
end

--- What the engine holds of a port's settings besides its streams: the responder (which answers
-- for the source IP, which a change may have moved) and the RX burst.
function M.apply(p, cfg)
	require("pktgen.internal.responder").apply(p, cfg)
	local engine = require "engine"
	-- Pktgen takes up to 256; the engine counts a burst in 7-bit lanes.
	engine.rx_burst(p, math.min(cfg.rx_burst, engine.limits.rx_burst))
end

--- A changed setting reaches a port that sends forever at once; a counted stream keeps going
-- with what it started with.
function M.touched(p, cfg)
	M.apply(p, cfg)
	if cfg.count == 0 then
		require("pktgen.internal.portstream").restart(p, cfg)
	end
end

--- Like port(), then touched().
function M.setter(fname, pl, fn)
	M.port(fname, pl, function(p, cfg)
		fn(p, cfg)
		M.touched(p, cfg)
	end)
end

--- Getter result: {[pid] = fn(p), n = count}.
function M.collect(fname, pl, fn)
	local t, n = {}, 0
	for _, p in ipairs(portlist.parse(fname, pl)) do
		t[p] = fn(p)
		n = n + 1
	end
	t.n = n
	return t
end

return M
