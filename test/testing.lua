--- Checks shared by the test scripts (test/lua, test/wire and the runtime tests' own): failures
-- name what was checked, and waits poll a condition with a timeout instead of sleeping and hoping.
-- Load with `package.path = package.path .. ";test/?.lua"` and `require "testing"`.
local M = {}

--- Fails unless `got == want`, naming `what`.
function M.eq(what, got, want)
	if got ~= want then
		error(string.format("%s = %s, want %s", what, tostring(got), tostring(want)), 2)
	end
end

--- Fails with `string.format(msg, ...)` unless `cond` holds.
function M.check(cond, msg, ...)
	if not cond then
		error(string.format(msg, ...), 2)
	end
end

--- Fails unless `f(...)` raises a string error containing `want`.
function M.fails(want, f, ...)
	local ok, err = pcall(f, ...)
	if ok then
		error("expected an error containing " .. want, 2)
	end
	if type(err) ~= "string" or not string.find(err, want, 1, true) then
		error(string.format("error %q does not contain %q", tostring(err), want), 2)
	end
end

--- Polls `cond` every 10 ms until it holds; fails naming `what` after `secs` seconds of wall
-- time (default 60: a deadline fit for a loaded machine, and a wait ends as soon as `cond` holds).
-- `cond` may return a second value saying what it saw, which the failure shows.
function M.wait_for(what, cond, secs)
	local engine = require "engine"
	secs = secs or 60
	local deadline = engine.now() + secs
	local seen
	repeat
		local ok, saw = cond()
		if ok then
			return
		end
		seen = saw
		pktgen.delay(10)
	until engine.now() > deadline
	error(string.format("timed out after %g s waiting for %s%s", secs, what,
		seen ~= nil and ("; last seen: " .. tostring(seen)) or ""), 2)
end

--- The rates of counters that grow with time: reads `read()` (which returns numbers) every
-- 100 ms for `secs` seconds and returns each one's least-squares slope over time. A reading taken
-- while a worker was held up from its CPU (its counters behind, caught up later) then moves the
-- rate by a fraction of what it moves a difference of two readings.
function M.rates(read, secs)
	local engine = require "engine"
	local ts, ys = {}, {}
	for i = 1, math.floor(secs * 10) + 1 do
		if i > 1 then
			pktgen.delay(100)
		end
		ts[i] = engine.now()
		ys[i] = table.pack(read())
	end
	local n, mt = #ts, 0
	for i = 1, n do
		mt = mt + ts[i] / n
	end
	local out = {}
	for k = 1, ys[1].n do
		local my, sxx, sxy = 0, 0, 0
		for i = 1, n do
			my = my + ys[i][k] / n
		end
		for i = 1, n do
			local dx = ts[i] - mt
			sxx, sxy = sxx + dx * dx, sxy + dx * (ys[i][k] - my)
		end
		out[k] = sxy / sxx
	end
	return table.unpack(out, 1, ys[1].n)
end

--- Sends `n` packets of port 0's configuration and waits until the port has stopped sending.
function M.send(n)
	pktgen.set(0, "count", n)
	pktgen.start(0)
	M.wait_for("port 0 to finish sending", function() return pktgen.isSending(0)[0] == "n" end)
end

return M
