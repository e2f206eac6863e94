--- `pktgen.capture(pl, onoff[, opts])` (docs/LUA_API.md, section 8): keep what a port receives (or what matches
-- a filter) in memory; `pktgen.captured(p)` decodes what it kept; turning it off writes
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

--- The options of a capture: {filter = "tcpdump expression", packets = n, bytes = n, snaplen = n}.
local function options(opts)
	if opts == nil then
		return nil
	end
	if type(opts) ~= "table" then
		error("capture: options must be a table such as {filter = 'udp', packets = 100}, got " .. type(opts), 0)
	end
	for k in pairs(opts) do
		if k ~= "filter" and k ~= "packets" and k ~= "bytes" and k ~= "snaplen" then
			error(string.format("capture: unknown option %s (filter, packets, bytes, snaplen)", tostring(k)), 0)
		end
	end
	return opts
end

function M.install(pktgen)
	--- capture(pl, onoff[, {filter, packets, bytes, snaplen}]): a filter keeps only the packets
	-- it matches (tcpdump syntax), packets caps how many are kept.
	function pktgen.capture(...)
		args.arity("capture", select("#", ...), 2, 3)
		local pl, onoff, opts = ...
		local on = args.onoff(onoff)
		opts = options(opts)
		perport.port("capture", pl, function(p)
			if on and not active[p] then
				local ok, err = pcall(engine.capture_start, p, opts)
				if not ok then
					error("capture: " .. tostring(err), 0)
				end
				active[p] = true
			elseif not on and active[p] then
				finish(p)
			end
		end)
	end

	--- captured(p): the packets port p's last capture kept, decoded by the packet library
	-- (docs/PACKET.md); a capture still on is turned off (and written) first.
	function pktgen.captured(...)
		args.arity("captured", select("#", ...), 1)
		local p = ...
		if active[p] then
			finish(p)
		end
		local last = M.last[p]
		if not last then
			error(string.format("captured: port %s has no capture (turn one on with pktgen.capture)", tostring(p)), 0)
		end
		local decode = require("packet").decode
		local out = {}
		for i, pkt in ipairs(engine.read_pcap(last.path)) do
			out[i] = decode(pkt.data)
		end
		return out
	end
end

return M
