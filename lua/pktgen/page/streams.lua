--- The streams page (ours): what each shown port sends, one entry per stream. Today a port has
-- one stream, its single, range, sequence or pcap mode; the page takes a list so that ports with
-- several streams show them all.
local engine = require "engine"
local config = require "pktgen.config"
local args = require "pktgen.args"
local stats = require "pktgen.stats"
local random = require "pktgen.random"
local draw = require "pktgen.page.draw"

local function endpoints(pkt)
	local v6 = pkt.eth_type == "ipv6"
	local src = args.ip_string((v6 and pkt.src_ip6 or pkt.src_ip).addr)
	local dst = args.ip_string((v6 and pkt.dst_ip6 or pkt.dst_ip).addr)
	return string.format("%s:%d -> %s:%d %s/%s", src, pkt.sport, dst, pkt.dport, string.upper(pkt.eth_type),
		string.upper(pkt.proto))
end

local function walked(cfg)
	local n = 0
	if cfg.mode == "range" then
		for _, f in pairs(cfg.range) do
			if type(f) == "table" and f.inc ~= nil and f.inc ~= 0 and f.inc ~= string.rep("\0", 16) then
				n = n + 1
			end
		end
	end
	if cfg.random then
		n = n + #random.fields(cfg)
	end
	return n
end

--- The streams port p sends: {name, mode, frames, what, fields}.
local function streams(p)
	local cfg = config.get(p)
	local s = { name = "0", mode = cfg.mode, fields = walked(cfg) }
	if cfg.mode == "sequence" then
		s.frames = string.format("%d slots", cfg.seq_cnt)
		s.what = cfg.seq_cnt > 0 and ("slot 0: " .. endpoints(cfg.seq[0])) or "no slots (seq_cnt 0)"
	elseif cfg.mode == "range" then
		local z = cfg.range.pkt_size
		s.frames = z.inc ~= 0 and string.format("%d-%d B", z.min, z.max) or string.format("%d B", z.start)
		local r = cfg.range
		local v6 = r.eth_type == "ipv6"
		s.what = string.format("from %s:%d -> %s:%d %s/%s",
			args.ip_string(v6 and r.src_ip6.start or string.pack(">I4", r.src_ip.start)), r.src_port.start,
			args.ip_string(v6 and r.dst_ip6.start or string.pack(">I4", r.dst_ip.start)), r.dst_port.start,
			string.upper(r.eth_type), string.upper(r.proto))
	elseif cfg.mode == "pcap" then
		local path = require("pktgen.pcap").file(p)
		s.frames = cfg.pcap_timing and "capture's gaps" or "at rate"
		s.what = path or "no file"
	else
		s.frames = string.format("%d B", cfg.pkt.size)
		s.what = endpoints(cfg.pkt)
	end
	if cfg.random then
		s.mode = s.mode .. "+rnd"
	end
	return { s }
end

return function(ctx)
	local lines = draw.lines()
	draw.title(lines, "Streams", draw.ports_text(ctx.ports))
	lines:add("stats.port.status", string.format("  %-4s %-6s %-12s %-7s %-14s %-22s %-6s %-13s %s", "Port", "Stream",
		"Mode", "State", "Count", "Rate", "Walks", "Frames", "Packets"))
	for _, p in ipairs(ctx.ports) do
		local cfg = config.get(p)
		local sending = engine.sending(p)
		local lat = cfg.latency and cfg.latency.on
		for _, s in ipairs(streams(p)) do
			lines:add(sending and "stats.stat.values" or "stats.port.data",
				string.format("  %-4d %-6s %-12s %-7s %-14s %-22s %-6d %-13s ", p, s.name, s.mode,
					sending and "sending" or "idle", cfg.count == 0 and "forever" or draw.num(cfg.count),
					string.format("%g%% %s pps", cfg.rate, draw.num(stats.tx_pps(p, cfg))), s.fields, s.frames),
				"stats.port.totals", draw.num(engine.stats(p).tx_packets))
			lines:add("stats.stat.label", string.format("  %-4s %-6s %s%s", "", "", s.what, lat and ", latency stamps" or ""))
		end
	end
	return lines
end
