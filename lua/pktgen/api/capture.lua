--- `pktgen.capture(pl, onoff)` (docs/LUA_API.md, section 8): keep what a port receives in memory; turning it off writes
-- `pktgen-capture-p<port>-<unix time>.pcap` in the working directory, as Pktgen dumps on disable.
-- A capture still on when pktgen ends (end of the scripts with --exit, quit, Ctrl-C) is written too.
local engine = require "engine"
local args = require "pktgen.internal.args"
local perport = require "pktgen.internal.perport"

local M = {}

local active = {}
--- The last file written per port: last[p] = {path, count, dropped}.
M.last = {}

local function exists(path)
	local f = io.open(path, "rb")
	if f then
		f:close()
	end
	return f ~= nil
end

--- A file name not in use yet.
local function file_name(p)
	local base = string.format("pktgen-capture-p%d-%d", p, os.time())
	local path, i = base .. ".pcap", 0
	while exists(path) do
		i = i + 1
		path = string.format("%s-%d.pcap", base, i)
	end
	return path
end

--- Ends port p's capture and writes its file.
local function finish(p)
	active[p] = nil
	local path = file_name(p)
	local count, dropped = engine.capture_stop(p, path)
	M.last[p] = { path = path, count = count, dropped = dropped }
	io.write(string.format("capture: port %d: %d packets written to %s%s\n", p, count, path,
		dropped > 0 and string.format(" (%d dropped: buffer full)", dropped) or ""))
	io.flush()
end

--- Whether port p is capturing.
function M.capturing(p)
	return active[p] ~= nil
end

--- Writes every capture still on (pktgen calls this as it ends).
function M.finish_all()
	local ports = {}
	for p in pairs(active) do
		ports[#ports + 1] = p
	end
	table.sort(ports)
	for _, p in ipairs(ports) do
		finish(p)
	end
end

function M.install(pktgen)
	function pktgen.capture(...)
		args.arity("capture", select("#", ...), 2)
		local pl, onoff = ...
		local on = args.onoff(onoff)
		perport.port("capture", pl, function(p)
			if on and not active[p] then
				engine.capture_start(p)
				active[p] = true
			elseif not on and active[p] then
				finish(p)
			end
		end)
	end
end

return M
