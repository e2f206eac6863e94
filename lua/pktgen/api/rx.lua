--- Counting filters on the receive path (`pktgen.rx`, docs/LUA_API.md): named tcpdump expressions
-- each port's RX workers run on every received packet, counting the packets and bytes that match;
-- rates are over the time between two calls of `stats` on a port.
local engine = require "engine"
local args = require "pktgen.internal.args"

local M = {}

-- Per port: the last stats sample {t = seconds, [name] = {packets, bytes}} and the rates then.
local last = {}
-- Rates are taken over at least this long, so that two quick calls do not give noise.
local MIN_INTERVAL = 0.2

--- One port number (the filters are per port, not per port list).
local function port(fname, p)
	local n = math.tointeger(p)
	if not n or n < 0 then
		error(string.format("rx.%s: port must be a port number, got %s", fname, tostring(p)), 0)
	end
	return n
end

--- Calls engine.fn, re-raising its error with the function's name.
local function call(fname, fn, ...)
	local ok, res = pcall(fn, ...)
	if not ok then
		error("rx." .. fname .. ": " .. tostring(res), 0)
	end
	return res
end

--- rx.add(port, name, filter): adds a counting filter; returns whether it runs as native code.
function M.add(...)
	args.arity("rx.add", select("#", ...), 3)
	local p, name, filter = ...
	if type(name) ~= "string" or type(filter) ~= "string" then
		error(string.format("rx.add: name and filter must be strings, got %s and %s", type(name), type(filter)), 0)
	end
	return call("add", engine.rx_filter_add, port("add", p), name, filter)
end

--- rx.remove(port, name).
function M.remove(p, name)
	call("remove", engine.rx_filter_remove, port("remove", p), name)
	if last[p] then
		last[p][name] = nil
	end
end

--- rx.clear(port): removes every filter of the port; returns how many there were.
function M.clear(p)
	last[p] = nil
	return call("clear", engine.rx_filter_clear, port("clear", p))
end

--- rx.list(port): {{name, filter, native}, ...} in the order they were added.
function M.list(p)
	local out = {}
	for i, f in ipairs(call("list", engine.rx_filters, port("list", p))) do
		out[i] = { name = f.name, filter = f.filter, native = f.native }
	end
	return out
end

--- rx.stats(port): {[name] = {packets, bytes, pps, bps}}.
function M.stats(p)
	local list = call("stats", engine.rx_filters, port("stats", p))
	local now, prev = engine.now(), last[p]
	local fresh = not prev or now - prev.t >= MIN_INTERVAL
	local sample = fresh and { t = now } or prev
	local out = {}
	for _, f in ipairs(list) do
		local r = { packets = f.packets, bytes = f.bytes, pps = 0, bps = 0 }
		local before = prev and prev[f.name]
		if before then
			if fresh then
				local dt = now - prev.t
				r.pps = (f.packets - before.packets) / dt
				r.bps = (f.bytes - before.bytes) * 8 / dt
			else
				r.pps, r.bps = before.pps, before.bps
			end
		end
		if fresh then
			sample[f.name] = r
		end
		out[f.name] = r
	end
	last[p] = sample
	return out
end

function M.install(pktgen)
	pktgen.rx = { add = M.add, remove = M.remove, clear = M.clear, list = M.list, stats = M.stats }
end

return M
