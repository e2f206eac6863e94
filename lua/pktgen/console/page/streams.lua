--- The streams page (ours): what each shown port sends, one entry per stream: the port's own
-- (its single, range, sequence or pcap mode, stream 0) and those of pktgen.streams.
local engine = require "engine"
local config = require "pktgen.internal.config"
local args = require "pktgen.internal.args"
local stats = require "pktgen.internal.stats"
local bitfields = require "pktgen.internal.bitfields"
local draw = require "pktgen.console.draw"

local M = {}

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
		n = n + #bitfields.fields(cfg)
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
		local path = require("pktgen.internal.pcapfile").file(p)
		s.frames = cfg.pcap_timing and "capture's gaps" or "at rate"
		s.what = path or "no file"
	else
		s.frames = string.format("%d B", cfg.pkt.size)
		s.what = endpoints(cfg.pkt)
	end
	if cfg.random then
		s.mode = s.mode .. "+rnd"
	end
	s.sending = require("pktgen.internal.portstream").sending(p)
	s.count = cfg.count == 0 and "forever" or draw.num(cfg.count)
	s.rate = string.format("%g%% %s pps", cfg.rate, draw.num(stats.tx_pps(p, cfg)))
	s.packets = engine.stream_stats(p, 0).tx_packets
	s.latency = cfg.latency and cfg.latency.on
	local out = { s }
	for _, u in ipairs(require("pktgen.api.streams").of(p)) do
		local spec, r = u.spec, u.spec.rate or {}
		local sizes = string.format("%d B", #spec.templates[1].data + config.FCS)
		if spec.size_seq then
			local lo, hi = math.huge, 0
			for _, l in ipairs(spec.size_seq) do
				lo, hi = math.min(lo, l), math.max(hi, l)
			end
			sizes = string.format("imix %d-%d B", lo + config.FCS, hi + config.FCS)
		end
		out[#out + 1] = {
			name = tostring(u.id) .. " " .. u.name,
			mode = spec.bursts and string.format("%dx%d", spec.bursts.count, spec.bursts.size) or (spec.fields and #spec.fields > 0 and "range" or "single"),
			fields = spec.fields and #spec.fields or 0,
			frames = sizes,
			what = "",
			sending = u.sending,
			count = (spec.count or 0) == 0 and (spec.bursts and "bursts" or "forever") or draw.num(spec.count),
			rate = r.percent and string.format("%g%%", r.percent) or r.pps and string.format("%s pps", draw.num(math.floor(r.pps)))
				or r.bps and string.format("%g b/s", r.bps) or "max",
			packets = engine.stream_stats(p, u.id).tx_packets,
			latency = (spec.stamp_every or 0) > 0,
		}
	end
	return out
end

function M.lines(ctx)
	local lines = draw.lines()
	draw.title(lines, "Streams", draw.ports_text(ctx.ports))
	lines:add("stats.port.status", string.format("  %-4s %-12s %-12s %-7s %-14s %-22s %-6s %-15s %s", "Port", "Stream",
		"Mode", "State", "Count", "Rate", "Walks", "Frames", "Packets"))
	for _, p in ipairs(ctx.ports) do
		for _, s in ipairs(streams(p)) do
			lines:add(s.sending and "stats.stat.values" or "stats.port.data",
				string.format("  %-4d %-12s %-12s %-7s %-14s %-22s %-6d %-15s ", p, s.name, s.mode,
					s.sending and "sending" or "idle", s.count, s.rate, s.fields, s.frames),
				"stats.port.totals", draw.num(s.packets))
			local notes = {}
			notes[#notes + 1] = s.what ~= "" and s.what or nil
			notes[#notes + 1] = s.latency and "latency stamps" or nil
			if #notes > 0 then
				lines:add("stats.stat.label", string.format("  %-4s %-12s %s", "", "", table.concat(notes, ", ")))
			end
		end
	end
	return lines
end

return M
