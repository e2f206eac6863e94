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

--- A changed setting reaches a port that sends forever at once; a counted stream keeps going
-- with what it started with.
function M.touched(p, cfg)
	-- The responder answers for the source IP, which the change may have moved.
	require("pktgen.internal.responder").apply(p, cfg)
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
