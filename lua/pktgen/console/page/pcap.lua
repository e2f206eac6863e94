--- The pcap page: each port's pcap file (`-s P:file`) and whether it is the send mode, and the
-- first packets of the current port's file. A file is read once and remembered.
local engine = require "engine"
local config = require "pktgen.internal.config"
local args = require "pktgen.internal.args"
local pcapfile = require "pktgen.internal.pcapfile"
local draw = require "pktgen.console.draw"

local M = {}

local files = {}

--- What the page shows of a file: {packets, bytes, span_ns, first} or {error}.
local function summary(path)
	if files[path] then
		return files[path]
	end
	local ok, pkts = pcall(engine.read_pcap, path)
	local s
	if not ok then
		s = { error = tostring(pkts) }
	else
		local bytes = 0
		for _, p in ipairs(pkts) do
			bytes = bytes + p.len
		end
		local first = {}
		for i = 1, math.min(#pkts, 16) do
			first[i] = pkts[i]
		end
		local span = #pkts > 0 and (pkts[#pkts].time_ns - pkts[1].time_ns) or 0
		s = { packets = #pkts, bytes = bytes, span_ns = span, first = first, t0 = pkts[1] and pkts[1].time_ns or 0 }
	end
	files[path] = s
	return s
end

local function ethertype(data)
	if #data < 14 then
		return "?"
	end
	local t = string.unpack(">I2", data, 13)
	local names = { [0x0800] = "IPv4", [0x86dd] = "IPv6", [0x0806] = "ARP", [0x8100] = "VLAN" }
	return names[t] or string.format("0x%04x", t)
end

function M.lines(ctx)
	local lines = draw.lines()
	local nfiles = 0
	for _ in pairs(engine.pcap_files or {}) do
		nfiles = nfiles + 1
	end
	draw.title(lines, "PCAP", string.format("%d port(s) with a pcap file", nfiles))
	lines:add("stats.port.status", string.format("  %4s  %-4s  %-6s  %10s  %12s  %10s  %s", "Port", "Mode", "Timing",
		"Packets", "Bytes", "Span ms", "File"))
	for p = 0, engine.ports() - 1 do
		local path = pcapfile.file(p)
		local cfg = config.get(p)
		if path then
			local s = summary(path)
			if s.error then
				lines:add("stats.port.errors", string.format("  %4d  %s: %s", p, path, s.error))
			else
				lines:add("stats.stat.values", string.format("  %4d  %-4s  %-6s  %10s  %12s  %10.3f  %s", p,
					cfg.mode == "pcap" and "on" or "off", cfg.pcap_timing and "gaps" or "rate", draw.num(s.packets),
					draw.num(s.bytes), s.span_ns / 1e6, path))
			end
		end
	end
	local path = pcapfile.file(ctx.port)
	lines:blank()
	if not path then
		lines:add("stats.stat.label", string.format("  Port %d has no pcap file (pktgen -s %d:file.pcap)", ctx.port, ctx.port))
		return lines
	end
	local s = summary(path)
	if s.error then
		return lines
	end
	lines:add("stats.port.status", string.format("  Port %d: %-5s %12s %6s  %-17s  %-17s  %s", ctx.port, "#",
		"Time us", "Len", "Dst MAC", "Src MAC", "Type"))
	for i, pk in ipairs(s.first) do
		local d = pk.data
		lines:add("stats.stat.values", string.format("          %-5d %12.3f %6d  %-17s  %-17s  %s", i,
			(pk.time_ns - s.t0) / 1e3, pk.len, #d >= 6 and args.mac_string(string.sub(d, 1, 6)) or "",
			#d >= 12 and args.mac_string(string.sub(d, 7, 12)) or "", ethertype(d)))
	end
	return lines
end

return M
