--- Ours: several streams per port (pktgen.streams), each with its own packets, rate, count and
-- transmit mode, sent beside the port's own stream (Pktgen's single/range/sequence/pcap mode,
-- engine slot 0); per-stream counts on both sides, loss and a latency histogram.
local engine = require "engine"
local args = require "pktgen.internal.args"
local config = require "pktgen.internal.config"
local settings = require "pktgen.internal.settings"
local portlist = require "pktgen.internal.portlist"
local portstream = require "pktgen.internal.portstream"
local packetstream = require "pktgen.internal.packetstream"

local M = {}

-- Engine slots for user streams (the others are the port's own stream and its latency probes).
local FIRST, LAST = engine.slots.first_user, engine.slots.last_user

-- Per port: streams by slot, {id, name, def, spec, probe, probe_slot, paused}.
local ports = {}

local function port_streams(p)
	ports[p] = ports[p] or {}
	return ports[p]
end

--- The one port of `pl` (a stream belongs to one port).
local function one_port(fname, pl)
	local ps = portlist.parse(fname, pl)
	if #ps ~= 1 then
		error(string.format("%s: give exactly one port, got '%s'", fname, tostring(pl)), 0)
	end
	return ps[1]
end

--- The stream of port p that `which` (an id or a name) names.
local function find(fname, p, which)
	for _, s in pairs(port_streams(p)) do
		if s.id == which or s.name == which then
			return s
		end
	end
	error(string.format("%s: port %d has no stream '%s'", fname, p, tostring(which)), 0)
end

--- The streams of each port of `pl` that `which` names (all of them when nil), in slot order.
local function selected(fname, pl, which)
	local out = {}
	for _, p in ipairs(portlist.parse(fname, pl)) do
		if which == nil then
			local list = {}
			for _, s in pairs(port_streams(p)) do
				list[#list + 1] = s
			end
			table.sort(list, function(a, b) return a.id < b.id end)
			for _, s in ipairs(list) do
				out[#out + 1] = { p, s }
			end
		else
			out[#out + 1] = { p, find(fname, p, which) }
		end
	end
	return out
end

local function free_slot(p, fname)
	local used = {}
	for slot, s in pairs(port_streams(p)) do
		used[slot] = true
		if s.probe_slot then
			used[s.probe_slot] = true
		end
	end
	for slot = FIRST, LAST do
		if not used[slot] then
			return slot
		end
	end
	error(string.format("%s: port %d has no free stream slot (at most %d streams and probes)", fname, p, LAST - FIRST + 1), 0)
end

local function deep_copy(t)
	if type(t) ~= "table" then
		return t
	end
	local c = {}
	for k, v in pairs(t) do
		c[k] = deep_copy(v)
	end
	return c
end

-- Rate units: a number is percent of the link; strings "10%", "50kpps", "1.5Mpps", "1Gbps".
local UNITS = { ["%"] = { "percent", 1 }, pps = { "pps", 1 }, kpps = { "pps", 1e3 }, mpps = { "pps", 1e6 },
	bps = { "bps", 1 }, kbps = { "bps", 1e3 }, mbps = { "bps", 1e6 }, gbps = { "bps", 1e9 } }

--- A rate checked against its unit's range: percent in (0, 100], pps and bps finite and above 0.
local function checked(fname, kind, n)
	local ok = n == n and n > 0 and (kind == "percent" and n <= 100 or kind ~= "percent" and n < math.huge)
	if not ok then
		error(string.format("%s: rate %s %s is outside %s", fname, tostring(n), kind,
			kind == "percent" and "(0, 100]" or "(0, inf): a finite number above 0"), 0)
	end
	return { [kind] = n }
end

--- The engine rate of a stream definition's `rate`; "max" is unpaced (no engine rate: nil).
function M.rate(fname, v)
	if type(v) == "number" then
		return checked(fname, "percent", v)
	elseif type(v) == "table" then
		for _, k in ipairs({ "percent", "pps", "bps" }) do
			if type(v[k]) == "number" then
				return checked(fname, k, v[k])
			end
		end
	elseif type(v) == "string" and string.lower(string.match(v, "^%s*(.-)%s*$")) == "max" then
		return nil
	elseif type(v) == "string" then
		local n, unit = string.match(string.lower(v), "^%s*([%d%.]+)%s*(%S*)%s*$")
		local u = UNITS[unit or ""]
		if n and tonumber(n) and u then
			return checked(fname, u[1], tonumber(n) * u[2])
		end
	end
	error(string.format("%s: rate '%s' is not a percent of the link (10, \"10%%\"), pps (\"50kpps\", {pps = 50000}), bits/s (\"1Gbps\") or \"max\" (unpaced)",
		fname, tostring(v)), 0)
end

-- RFC 6985's IMIX letters: frame sizes with FCS.
local LETTERS = { a = 64, b = 128, c = 256, d = 512, e = 1024, f = 1280, g = 1518 }
-- The common simple IMIX "7:4:1" weighs these.
local SIMPLE = { 64, 594, 1518 }

--- The frame sizes (with FCS) an IMIX takes in turn, one per packet: weights interleaved
-- evenly (smooth weighted round robin) so every cycle of the list holds the exact proportions.
-- `v` is "7:4:1" (weights of 64, 594 and 1518 bytes), RFC 6985 letters ("aaaaaaagggg": that
-- sequence, repeated), or a list of {size, weight}.
function M.imix(fname, v)
	local mix = {}
	if type(v) == "string" and string.match(v, "^[%d:%s]+$") then
		local i = 0
		for w in string.gmatch(v, "%d+") do
			i = i + 1
			mix[#mix + 1] = { SIMPLE[i], tonumber(w) }
		end
		if i ~= 3 then
			error(string.format("%s: imix '%s' needs three weights, of 64, 594 and 1518 bytes", fname, v), 0)
		end
	elseif type(v) == "string" then
		local seq = {}
		for c in string.gmatch(string.lower(v), "%S") do
			local size = LETTERS[c]
			if not size then
				error(string.format("%s: imix letter '%s' is not one of RFC 6985's a-g (64-1518 bytes); give other sizes as a list of {size, weight}", fname, c), 0)
			end
			seq[#seq + 1] = size
		end
		if #seq == 0 then
			error(fname .. ": imix is empty", 0)
		end
		return seq
	elseif type(v) == "table" then
		for i, e in ipairs(v) do
			if type(e) ~= "table" or math.type(e[1]) ~= "integer" or math.type(e[2]) ~= "integer" or e[2] < 0 then
				error(string.format("%s: imix entry %d must be {size, weight} with integer size and weight", fname, i), 0)
			end
			mix[#mix + 1] = { e[1], e[2] }
		end
	else
		error(string.format("%s: imix must be \"7:4:1\", RFC 6985 letters or a list of {size, weight}", fname), 0)
	end
	local total = 0
	for _, e in ipairs(mix) do
		total = total + e[2]
	end
	if total == 0 then
		error(fname .. ": the imix weights add up to 0", 0)
	end
	if total > 4096 then
		error(string.format("%s: the imix weights add up to %d; at most 4096", fname, total), 0)
	end
	local seq, credit = {}, {}
	for i = 1, #mix do
		credit[i] = 0
	end
	for _ = 1, total do
		local best
		for i, e in ipairs(mix) do
			credit[i] = credit[i] + e[2]
			if not best or credit[i] > credit[best] then
				best = i
			end
		end
		credit[best] = credit[best] - total
		seq[#seq + 1] = mix[best][1]
	end
	return seq
end

-- The packet keys of a definition: the port's settings vocabulary.
local PKT = {}
function PKT.size(c, v, fname)
	if type(v) == "table" then
		-- A walk or random sizes: the template is built at the largest, the engine sends each size.
		c.sizes = packetstream.sizes(fname, v, engine.max_frame())
		v = c.sizes.max
	end
	settings.set(c, "size", v)
end
function PKT.sport(c, v) settings.set(c, "sport", v) end
function PKT.dport(c, v) settings.set(c, "dport", v) end
function PKT.ttl(c, v) settings.set(c, "ttl", v) end
function PKT.proto(c, v) settings.proto(c.pkt, v); c.range.proto = c.pkt.proto end
function PKT.type(c, v)
	local t = settings.parse_type(v)
	settings.eth_type(c.pkt, t)
	c.range.eth_type = t
end
function PKT.src_ip(c, v, fname) settings.ipaddr(c.pkt, "s", args.ip(fname, v)) end
function PKT.dst_ip(c, v, fname) settings.ipaddr(c.pkt, "d", args.ip(fname, v)) end
function PKT.src_mac(c, v, fname) c.pkt.src_mac = args.mac(fname, v) end
function PKT.dst_mac(c, v, fname) c.pkt.dst_mac = args.mac(fname, v) end
function PKT.tos(c, v, fname) c.pkt.tos = args.uint(fname, v, "tos") & 0xff end
function PKT.vlan(c, v, fname)
	local id = args.uint(fname, v, "VLAN id")
	if id < 1 or id > 4095 then
		error(string.format("%s: VLAN id %d is outside 1..4095", fname, id), 0)
	end
	c.pkt.vlan, c.pkt.vlanid = true, id
end

local KEYS = { name = true, range = true, rate = true, count = true, burst = true, bursts = true, delay_ms = true,
	after = true, imix = true, latency = true, catch_up = true, fields = true, pcap_timing = true }
for _, k in ipairs(packetstream.SOURCES) do
	KEYS[k] = true
end
for k in pairs(PKT) do
	KEYS[k] = true
end

--- A private copy of port p's settings with a definition's packet keys and range applied.
local function stream_cfg(fname, p, def)
	local c = deep_copy(config.get(p))
	c.mode, c.random, c.seq_cnt = "single", false, 0
	-- Range keys start from the packet's own values, so only the walks given change anything.
	for k, f in pairs(PKT) do
		if def[k] ~= nil then
			f(c, def[k], fname)
		end
	end
	if def.range then
		if type(def.range) ~= "table" then
			error(fname .. ": range must be a table of fields, e.g. {dst_ip = {start = ..., inc = ...}}", 0)
		end
		c.range = config.default_range(p, c.pkt)
		c.range.proto, c.range.eth_type = c.pkt.proto, c.pkt.eth_type
		-- The definition's size holds in range mode too (the range's own default is 64 bytes).
		if def.size ~= nil then
			if def.range.pkt_size ~= nil or c.sizes then
				error(fname .. ": size and range both set the frame size; walk sizes in range.pkt_size or give size alone", 0)
			end
			local n = c.pkt.size
			c.range.pkt_size = { start = n, min = n, max = n, inc = 0 }
		end
		for field, t in pairs(def.range) do
			if type(t) ~= "table" then
				error(string.format("%s: range.%s must be a table {start, min, max, inc}", fname, tostring(field)), 0)
			end
			for _, w in ipairs({ "start", "min", "max", "inc" }) do
				if t[w] ~= nil then
					require("pktgen.internal.rangewalk").set_field(c, field, w, t[w], fname .. ": range." .. tostring(field))
				end
			end
		end
		c.mode = "range"
	end
	c.latency = { on = false, rate_us = 0, entropy = 0, jitter_us = 50 }
	return c
end

--- A stream's sizes from `imix` (a sequence, with FCS) as M.sizes gives them, or nil.
local function imix_sizes(fname, def, eth_type)
	if def.imix == nil then
		return nil
	end
	if def.size ~= nil then
		error(fname .. ": size and imix both set the frame sizes; give one", 0)
	end
	local seq, top, low = M.imix(fname, def.imix), 0, math.huge
	for i, s in ipairs(seq) do
		seq[i] = config.clamp_size(s, eth_type)
		top, low = math.max(top, seq[i]), math.min(low, seq[i])
	end
	return { seq = seq, max = top, min = low }
end

--- The settings copy, the engine spec (templates and sizes), the headers' length where a stamp
-- may not go (false: no stamps in these frames) and, for frames given as such, their details.
local function frames_spec(fname, p, def, source)
	if not source then
		local c = stream_cfg(fname, p, def)
		local sz = imix_sizes(fname, def, c.pkt.eth_type) or c.sizes
		if sz then
			c.pkt.size = sz.max
		end
		local spec = require("pktgen.internal.streamspec").spec(c)
		packetstream.apply_sizes(spec, sz)
		return c, spec
	end
	for k in pairs(PKT) do
		if k ~= "size" and def[k] ~= nil then
			error(string.format("%s: %s describes the port's packet; with %s = ... set it in the frame (or walk it with fields)", fname, k, source), 0)
		end
	end
	if def.range ~= nil then
		error(string.format("%s: range walks the port's packet; with %s = ... walk fields by name (fields = {...})", fname, source), 0)
	end
	local sz = imix_sizes(fname, def, "ipv4") or packetstream.sizes(fname, def.size, engine.max_frame())
	local spec, hdr, frames = packetstream.spec(fname, def, source, sz)
	-- Stamps go at the end of built packets' payloads; raw frames and captures keep their bytes.
	if source ~= "packet" then
		hdr = false
	end
	-- The port's rate and burst, as for a stream described by the port's settings.
	local c = stream_cfg(fname, p, {})
	spec.rate, spec.burst = require("pktgen.internal.streamspec").rate(c), c.tx_burst
	return c, spec, hdr, frames
end

--- Adds the definition's fields by name to `spec`, found in each frame (raw frames and the
-- port's own packet decoded); every frame must have them at the same place.
local function walk_fields(fname, spec, entries, frames)
	if spec.pcap then
		error(fname .. ": fields walk built packets and frames, not a capture's packets", 0)
	end
	local fieldwalk = require "pktgen.internal.fieldwalk"
	local first
	for i, t in ipairs(spec.templates) do
		local f = frames and frames[i]
		local pkt = f and f.packet or require("packet").decode(t.data)
		local fields, data = fieldwalk.fields(fname, entries, pkt, t.data, f and f.fixed)
		t.data = data
		first = first or fields
		for j, fd in ipairs(fields) do
			if fd.offset ~= first[j].offset or fd.width ~= first[j].width then
				error(string.format("%s: fields[%d] is at offset %d in frames[1] but %d in frames[%d]; fields walk at one place in every frame",
					fname, j, first[j].offset, fd.offset, i), 0)
			end
		end
	end
	spec.fields = spec.fields or {}
	for _, fd in ipairs(first) do
		spec.fields[#spec.fields + 1] = fd
	end
end

--- The engine specs of a stream definition on port p: the stream's, and its probes' when its
-- frames have no room for a stamp.
local function build(fname, p, def, slot, after_slot)
	for k in pairs(def) do
		if not KEYS[k] then
			error(string.format("%s: unknown key '%s'", fname, tostring(k)), 0)
		end
	end
	local source = packetstream.source(fname, def)
	local c, spec, hdr, frames = frames_spec(fname, p, def, source)
	if def.fields ~= nil then
		walk_fields(fname, spec, def.fields, frames)
	end
	if def.rate ~= nil then
		spec.rate = M.rate(fname, def.rate)
	end
	-- Ours, so refused rather than clamped outside their ranges (docs/LUA_API.md).
	local int = { int = true }
	spec.count = def.count ~= nil and args.ranged(fname, def.count, "count", 0, nil, int) or 0
	if def.burst ~= nil then
		spec.burst = args.ranged(fname, def.burst, "burst", 1, settings.MAX_BURST, int)
	end
	if def.bursts ~= nil then
		local b = def.bursts
		if type(b) ~= "table" or b.size == nil then
			error(fname .. ": bursts must be {count = bursts (0: forever), size = packets per burst, gap_us = microseconds between}", 0)
		end
		spec.bursts = {
			count = args.ranged(fname, b.count or 0, "bursts.count", 0, nil, int),
			size = args.ranged(fname, b.size, "bursts.size", 1, 0xffffffff, int),
			gap_ns = math.floor(args.ranged(fname, b.gap_us or 0, "bursts.gap_us", 0, 1e12) * 1000),
		}
		spec.count = nil
	end
	if def.delay_ms ~= nil then
		spec.start_delay_ns = math.floor(args.ranged(fname, def.delay_ms, "delay_ms", 0, 1e9) * 1e6)
	end
	spec.after = after_slot
	local cu = def.catch_up or "smooth"
	if cu ~= "smooth" and cu ~= "exact" then
		error(string.format("%s: catch_up '%s' is not \"smooth\" or \"exact\"", fname, tostring(cu)), 0)
	end
	spec.catch_up = cu
	-- Stamps (the stream's tag on the receive side, and its latency) where every frame has room;
	-- probes beside it otherwise.
	local probe
	if def.latency ~= false then
		c.latency.on = true
		local base = c.mode == "range" and select(2, require("pktgen.internal.rangewalk").spec(c)) or c.pkt
		spec, probe = require("pktgen.internal.stamps").apply(p, c, spec, base, source and hdr)
	end
	if probe then
		probe.ends_with = slot
	end
	return spec, probe
end

--- pktgen.streams.add(port, def): defines a stream on the port (not started); returns its id.
function M.add(pl, def)
	local fname = "streams.add"
	local p = one_port(fname, pl)
	if type(def) ~= "table" then
		error(fname .. ": give the stream's definition as a table, e.g. {name = 'voice', size = 128, rate = '50kpps'}", 0)
	end
	local slot = free_slot(p, fname)
	local name = def.name ~= nil and tostring(def.name) or ("stream" .. slot)
	for _, s in pairs(port_streams(p)) do
		if s.name == name then
			error(string.format("%s: port %d already has a stream named '%s'", fname, p, name), 0)
		end
	end
	local after_slot = def.after ~= nil and find(fname, p, def.after).id or nil
	local spec, probe = build(fname, p, def, slot, after_slot)
	local s = { id = slot, name = name, def = def, spec = spec, probe = probe }
	port_streams(p)[slot] = s
	if probe then
		s.probe_slot = free_slot(p, fname)
	end
	return slot
end

--- pktgen.streams.remove(port, id|name): stops the stream and forgets it.
function M.remove(pl, which)
	local p = one_port("streams.remove", pl)
	local s = find("streams.remove", p, which)
	M.stop(p, s.id)
	port_streams(p)[s.id] = nil
end

local function start_one(p, s, resume)
	local spec = s.spec
	if resume then
		spec = deep_copy(s.spec)
		spec.resume = true
	end
	if s.probe then
		local probe = s.probe
		if resume then
			probe = deep_copy(probe)
			probe.resume = true
		end
		-- In one step with the stream: a later start could find a short stream already ended.
		engine.stream_start(p, s.id, spec, s.probe_slot, probe)
	else
		engine.stream_start(p, s.id, spec)
	end
	s.paused = false
end

--- pktgen.streams.start(pl [, id|name]): starts the named stream, or every stream of the ports
-- (streams that wait for another after it, so they find it running).
function M.start(pl, which)
	local list = selected("streams.start", pl, which)
	table.sort(list, function(a, b) return (a[2].spec.after and 1 or 0) < (b[2].spec.after and 1 or 0) end)
	for _, e in ipairs(list) do
		local p, s = e[1], e[2]
		if engine.stream_sending(p, s.id) then
			error(string.format("streams.start: port %d's stream '%s' is already sending", p, s.name), 0)
		end
		start_one(p, s)
	end
end

local function stop_one(p, s)
	engine.stream_stop(p, s.id)
	if s.probe_slot then
		engine.stream_stop(p, s.probe_slot)
	end
end

--- pktgen.streams.stop(pl [, id|name]).
function M.stop(pl, which)
	for _, e in ipairs(selected("streams.stop", pl, which)) do
		stop_one(e[1], e[2])
	end
end

--- The stream's counts since its start, over every pause.
local function counts(p, s)
	local e = engine.stream_stats(p, s.id)
	local rx = s.probe_slot and engine.stream_stats(p, s.probe_slot).rx or e.rx
	local now = {
		tx_packets = e.tx_packets, tx_bytes = e.tx_bytes, tx_skipped = e.tx_skipped,
		-- A stream measured by probes is not recognised on the receive side.
		rx_packets = not s.probe_slot and rx.count or nil, rx_bytes = not s.probe_slot and rx.bytes or nil,
		lost = rx.lost, reordered = rx.reordered, duplicate = rx.duplicate,
	}
	return now, rx
end

--- pktgen.streams.pause(pl [, id|name]): stops sending, keeping the counts for resume.
function M.pause(pl, which)
	for _, e in ipairs(selected("streams.pause", pl, which)) do
		local p, s = e[1], e[2]
		if engine.stream_sending(p, s.id) then
			stop_one(p, s)
			s.paused = true
		end
	end
end

--- pktgen.streams.resume(pl [, id|name]): sends on from where pause stopped (a counted
-- stream sends what it had left).
function M.resume(pl, which)
	for _, e in ipairs(selected("streams.resume", pl, which)) do
		local p, s = e[1], e[2]
		if s.paused then
			start_one(p, s, true)
		end
	end
end

--- pktgen.streams.stats(port, id|name): what the stream sent and what was received of it since
-- it started: {id, name, sending, tx_packets, tx_bytes, tx_skipped, rx_packets, rx_bytes, lost,
-- reordered, duplicate, mean_ns, probes}.
function M.stats(pl, which)
	local p = one_port("streams.stats", pl)
	local s = find("streams.stats", p, which)
	local c, rx = counts(p, s)
	c.id, c.name, c.sending = s.id, s.name, engine.stream_sending(p, s.id)
	c.mean_ns = rx.mean_ns
	c.probes = s.probe_slot and engine.stream_stats(p, s.probe_slot).tx_packets or 0
	return c
end

--- pktgen.streams.histogram(port, id|name): the stream's latency since its start (a Histogram
-- object, as pktgen.latencyHistogram's).
function M.histogram(pl, which)
	local p = one_port("streams.histogram", pl)
	local s = find("streams.histogram", p, which)
	local rx = engine.stream_stats(p, s.probe_slot or s.id).rx
	return require("pktgen.api.latency").wrap(rx.histogram, p, rx)
end

--- pktgen.streams.list(port): {{id, name, sending}, ...} in id order.
function M.list(pl)
	local p = one_port("streams.list", pl)
	local out = {}
	for _, e in ipairs(selected("streams.list", p)) do
		local s = e[2]
		out[#out + 1] = { id = s.id, name = s.name, sending = engine.stream_sending(p, s.id) }
	end
	return out
end

--- 1500000 -> "1.5 M".
local function si(v)
	for _, u in ipairs({ { 1e9, "G" }, { 1e6, "M" }, { 1e3, "k" } }) do
		if v >= u[1] then
			return string.format("%g %s", v / u[1], u[2])
		end
	end
	return string.format("%g ", v)
end

local function rate_text(r)
	if r.percent then
		return string.format("%g%%", r.percent)
	elseif r.pps then
		return si(r.pps) .. "pps"
	elseif r.bps then
		return si(r.bps) .. "bps"
	end
	return "max"
end

--- The port's own stream's rate as the table shows it.
local function own_rate(cfg)
	if cfg.unpaced then
		return "max"
	elseif (cfg.cycles or 0) > 0 then
		return cfg.cycles .. "cyc"
	end
	return rate_text({ percent = cfg.rate })
end

--- pktgen.streams.print(pl): a table of every stream of the ports (the port's own stream first).
function M.print(pl)
	local ns = require("pktgen.api.latency").ns_text
	io.write(string.format("%-4s %-3s %-12s %-8s %-10s %14s %14s %10s %10s %10s\n", "Port", "Id", "Name", "State", "Rate",
		"Tx pkts", "Rx pkts", "Lost", "p50", "p99"))
	for _, p in ipairs(portlist.parse("streams.print", pl)) do
		local own = engine.stream_stats(p, portstream.SLOT)
		io.write(string.format("%-4d %-3d %-12s %-8s %-10s %14d %14s %10s %10s %10s\n", p, 0, "(port)",
			portstream.sending(p) and "sending" or "idle", own_rate(config.get(p)), own.tx_packets,
			"-", "-", "-", "-"))
		for _, e in ipairs(selected("streams.print", p)) do
			local s = e[2]
			local c, rx = counts(p, s)
			local h = rx.histogram
			local n = h:count()
			local state = engine.stream_sending(p, s.id) and "sending" or (s.paused and "paused" or "idle")
			io.write(string.format("%-4d %-3d %-12s %-8s %-10s %14d %14s %10d %10s %10s\n", p, s.id, s.name, state,
				rate_text(s.spec.rate or {}), c.tx_packets, c.rx_packets and tostring(c.rx_packets) or "probes",
				c.lost or 0, n > 0 and ns(h:percentile(50)) or "-", n > 0 and ns(h:percentile(99)) or "-"))
		end
	end
end

--- The streams of port p, for the pages: {{id, name, sending, spec}, ...}.
function M.of(p)
	local out = {}
	for _, e in ipairs(selected("streams", p)) do
		out[#out + 1] = { id = e[2].id, name = e[2].name, sending = engine.stream_sending(p, e[2].id), spec = e[2].spec }
	end
	return out
end

--- Forgets every stream of port p (reset), stopping them first.
function M.reset(p)
	for _, s in pairs(port_streams(p)) do
		stop_one(p, s)
	end
	ports[p] = nil
end

function M.install(pktgen)
	pktgen.streams = {
		add = M.add, remove = M.remove, start = M.start, stop = M.stop, pause = M.pause, resume = M.resume,
		stats = M.stats, histogram = M.histogram, list = M.list, print = M.print,
	}
end

return M
