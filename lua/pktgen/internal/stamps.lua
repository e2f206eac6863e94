--- Latency stamps in a port's stream spec: every packet (or 1 in N when a probe rate is set)
-- carries a 16-byte stamp where its frames have room, and small UDP probe frames go beside a
-- stream whose frames have none.
local engine = require "engine"
local config = require "pktgen.internal.config"

local M = {}

--- The port's latency settings, created on first use with Pktgen's defaults.
function M.settings(cfg)
	cfg.latency = cfg.latency or { on = false, rate_us = 0, entropy = 0, jitter_us = 50 }
	return cfg.latency
end

local STAMP = 16          -- bytes of the stamp at the end of each stamped frame

--- Frame bytes (without FCS) before the payload of the packets the port sends, with every
-- encapsulation (the builder reports where the payload starts).
local function header_len(cfg)
	local streamspec = require "pktgen.internal.streamspec"
	local _, off = streamspec.frame(cfg.pkt)
	local hdr = off.hdr
	if cfg.mode == "sequence" then
		for i = 0, (cfg.seq_cnt or 0) - 1 do
			local _, o = streamspec.frame(streamspec.slot(cfg, i))
			hdr = math.max(hdr, o.hdr)
		end
	end
	return hdr
end

--- Packets per second the port's settings ask for (0 when unknown).
local function pps(p, cfg)
	local speed = engine.info(p).speed or 0
	local size = cfg.pkt.size or 64
	return speed * 1e6 * (cfg.rate or 100) / 100 / ((size + 20) * 8)
end

--- Microseconds between probes when the port's latency rate is 0 (every packet, for frames
-- with room for the stamp).
M.PROBE_US = 100

--- Whether every frame of `spec` has room for the stamp after `need` bytes of headers.
local function room(spec, need)
	for _, t in ipairs(spec.templates) do
		if #t.data < need then
			return false
		end
	end
	for _, len in ipairs(spec.size_seq or {}) do
		if len < need then
			return false
		end
	end
	return not (spec.size and spec.size.min < need)
end

-- Probe notes already written, so each reaches the caller once.
local told = {}

--- The probe stream for a stream whose frames have no room for a stamp: UDP frames with the
-- addresses, ports and encapsulation of `base` (a packet description), of the smallest size that
-- holds a stamp, `pps` of them a second, stamped, ending with the stream in slot `with`.
function M.probe(base, probe_pps, with)
	local streamspec = require "pktgen.internal.streamspec"
	local pkt = config.copy_pkt(base)
	if pkt.eth_type == "arp" then
		pkt.eth_type = "ipv4"
	end
	pkt.proto = "udp"
	pkt.size = config.min_size(pkt.eth_type)
	local _, off = streamspec.frame(pkt)
	pkt.size = config.clamp_size(off.hdr + STAMP + config.FCS, pkt.eth_type)
	local t = streamspec.frame(pkt)
	return { templates = { t }, rate = { pps = probe_pps }, count = 0, burst = 1, stamp_every = 1,
		ends_with = with }, pkt.size
end

--- The spec's rate less the probes' share: `probe_pps` frames of `probe_size` bytes (with FCS)
-- a second, whose wire bits (or packets) come out of the stream's, so the port's total is the
-- rate asked for. An error when the probes alone take all of it.
local function less_probes(p, rate, probe_pps, probe_size, us)
	local wire = probe_pps * (probe_size + 20) * 8
	local left, unit, asked
	if rate.percent then
		local speed = engine.info(p).speed or 0
		if speed <= 0 then
			return rate
		end
		asked = string.format("%g%%", rate.percent)
		left, unit = speed * 1e6 * rate.percent / 100 - wire, "bps"
	elseif rate.bps then
		asked, left, unit = string.format("%g bps", rate.bps), rate.bps - wire, "bps"
	elseif rate.pps then
		asked, left, unit = string.format("%g pps", rate.pps), rate.pps - probe_pps, "pps"
	else
		return rate
	end
	if left <= 0 then
		error(string.format("latency: probes every %d us alone exceed port %d's rate of %s; raise the rate or the probe interval (pktgen.latency(pl, \"rate\", us))",
			us, p, asked), 0)
	end
	return { [unit] = left }
end

--- Adds latency measurement to a stream spec built for port p, whose first frame `base`
-- describes. Frames never change size for it: a stream whose frames have room carries the
-- stamp (every packet, or 1 in N when a probe rate is set); one without gets no stamps, and the
-- second value is the spec of probe frames beside it (see M.probe), 1 per `rate` us (default
-- M.PROBE_US), which come out of the stream's rate so the port's total stays exact. `hdr`, when
-- given, is where the frames' headers end (false: the stamps may not go in these frames).
function M.apply(p, cfg, spec, base, hdr)
	local l = cfg.latency
	if not (l and l.on) then
		return spec
	end
	if hdr == nil then
		hdr = header_len(cfg)
	end
	if hdr and room(spec, hdr + STAMP) then
		local every = 1
		if l.rate_us > 0 then
			every = math.max(1, math.floor(pps(p, cfg) * l.rate_us / 1e6 + 0.5))
		end
		spec.stamp_every = every
		if l.entropy > 0 and not spec.fields and cfg.pkt.sport then
			-- Spread stamped packets over `entropy` source ports, as Pktgen's probes do (RSS).
			local _, o = require("pktgen.internal.streamspec").frame(cfg.pkt)
			local lo = cfg.pkt.sport
			spec.fields = { { offset = o.l4, width = 2, start = lo, min = lo,
				max = math.min(0xffff, lo + l.entropy - 1), step = 1 } }
		end
		return spec
	end
	local us = l.rate_us > 0 and l.rate_us or M.PROBE_US
	local probe_pps = 1e6 / us
	local probe, probe_size = M.probe(base or cfg.pkt, probe_pps, 0)
	if spec.rate then
		spec.rate = less_probes(p, spec.rate, probe_pps, probe_size, us)
	end
	local what = hdr and string.format("%d-byte %s frames have no room for", (base or cfg.pkt).size,
		string.upper((base or cfg.pkt).proto or "?")) or "raw frames and captures keep their bytes: no"
	local why = string.format("port %d: %s the %d-byte latency stamp; latency is measured on %d-byte UDP probes every %d us beside them (pktgen.latencyProbes shows how many)",
		p, what, STAMP, probe_size, us)
	if not told[why] then
		told[why] = true
		io.write(why .. "\n")
	end
	return spec, probe
end

--- Whether latency is on for the port (used by encapsulations, which turn it off as Pktgen does).
function M.clear(cfg)
	if cfg.latency then
		cfg.latency.on = false
	end
end

return M
