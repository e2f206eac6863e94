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

--- Polls `cond` every 10 ms until it holds; fails naming `what` after `secs` seconds (default 5).
function M.wait_for(what, cond, secs)
	for _ = 1, math.ceil((secs or 5) * 100) do
		if cond() then
			return
		end
		pktgen.delay(10)
	end
	error("timed out waiting for " .. what, 2)
end

--- Sends `n` packets of port 0's configuration and waits until the port has stopped sending.
function M.send(n)
	pktgen.set(0, "count", n)
	pktgen.start(0)
	M.wait_for("port 0 to finish sending", function() return pktgen.isSending(0)[0] == "n" end, 10)
end

return M
