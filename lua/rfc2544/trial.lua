--- One RFC 2544 trial: every sending port sends a counted stream of UDP frames of one size at one
-- rate, then the receivers' stamped frames are counted. Frames are built from each port's own
-- settings (addresses, MACs, single or range mode) with the size, protocol and rate replaced.
local engine = require "engine"
local config = require "pktgen.internal.config"
local streamspec = require "pktgen.internal.streamspec"

local M = {}

--- Frames per second at 100 % of port p's link for frames of `size` bytes (with FCS), at the
-- link speed the port reports or `mbps` when given.
function M.line_pps(p, size, mbps)
	local speed = mbps or engine.info(p).speed or 0
	if speed <= 0 then
		error(string.format("rfc2544: port %d reports no link speed; give line_rate (Mb/s)", p), 0)
	end
	return speed * 1e6 / ((size + 20) * 8)
end

--- The stream spec port p sends in a trial: `count` frames of `size` at `pps`, each carrying a latency stamp (UDP leaves room for it even in 64-byte frames).
local function spec(p, size, pps, count)
	local cfg = config.get(p)
	if cfg.mode ~= "single" and cfg.mode ~= "range" then
		error(string.format("rfc2544: port %d is in %s mode; use single or range mode", p, cfg.mode), 0)
	end
	local c = {}
	for k, v in pairs(cfg) do
		c[k] = v
	end
	c.pkt = config.copy_pkt(cfg.pkt)
	c.pkt.size, c.pkt.proto = size, "udp"
	if cfg.mode == "range" then
		c.range = {}
		for k, v in pairs(cfg.range) do
			c.range[k] = v
		end
		c.range.proto = "udp"
		c.range.pkt_size = { start = size, min = size, max = size, inc = 0 }
	end
	c.count, c.rate = count, 100
	c.latency = { on = true, rate_us = 0, entropy = 0, jitter_us = (cfg.latency or {}).jitter_us or 50 }
	local s = streamspec.spec(c)
	s.rate = { pps = pps }
	s.count = count
	return s
end

local function total_tx(ports)
	local n = 0
	for _, p in ipairs(ports) do
		local s = engine.stats(p)
		n = n + s.tx_packets - s.tx_extra
	end
	return n
end

--- Our frames received: the stamped ones, so whatever else the DUT sends (ARP, routing
-- protocols) is not counted as forwarded traffic.
local function total_rx(ports)
	local n = 0
	for _, p in ipairs(ports) do
		n = n + engine.latency(p).count
	end
	return n
end

--- Waits up to `ms` for frames still in flight: returns early once `rx` reaches `tx`.
local function settle(rx_ports, tx, ms)
	local deadline = engine.now() + ms / 1000
	while total_rx(rx_ports) < tx and engine.now() < deadline do
		engine.sleep(5)
	end
end

--- Sends on every port of `ctx.senders` at once and waits until they finish; a port still
-- sending after `limit_ms` (a sender slower than asked) is stopped. Returns the sending time in s.
local function send(ctx, size, rates, counts, limit_ms)
	local t0 = engine.now()
	for i, p in ipairs(ctx.senders) do
		engine.start(p, spec(p, size, rates[i], counts[i]))
	end
	local deadline = t0 + limit_ms / 1000
	for _, p in ipairs(ctx.senders) do
		engine.wait(p, math.max(0, (deadline - engine.now()) * 1000))
	end
	local t1 = engine.now()
	for _, p in ipairs(ctx.senders) do
		if engine.sending(p) then
			engine.stop(p)
		end
	end
	return t1 - t0
end

local function clear(ctx)
	for _, p in ipairs(ctx.all) do
		engine.clear(p)
	end
end

--- Runs one trial. `t` = {size, rate (% of line rate per sending port), ms (sending time) or
-- frames (count per port), warmup (ms), settle (ms)}.
-- Returns {size, rate, tx, rx, loss (frames), loss_pct, seconds, offered_pps, offered (% of line
-- rate per port), rx_pps, limited, truncated} and, kept out of the record, the receivers'
-- latency snapshots.
function M.run(ctx, t)
	local size = t.size
	local rates, counts, expect = {}, {}, 0
	local slowest = 0
	for i, p in ipairs(ctx.senders) do
		local line = M.line_pps(p, size, ctx.line_rate)
		local pps = line * t.rate / 100
		rates[i] = pps
		counts[i] = t.frames or math.max(1, math.floor(pps * t.ms / 1000 + 0.5))
		expect = expect + counts[i]
		slowest = math.max(slowest, counts[i] / pps)
	end
	-- A sender that cannot keep up is cut off at twice the planned time (plus start-up slack).
	local limit = slowest * 2000 + 1000
	if (t.warmup or 0) > 0 then
		clear(ctx)
		local wc = {}
		for i in ipairs(ctx.senders) do
			wc[i] = math.max(1, math.floor(rates[i] * t.warmup / 1000 + 0.5))
		end
		send(ctx, size, rates, wc, t.warmup * 2 + 1000)
		settle(ctx.receivers, total_tx(ctx.senders), t.settle or 0)
	end
	clear(ctx)
	local secs = send(ctx, size, rates, counts, limit)
	local tx = total_tx(ctx.senders)
	settle(ctx.receivers, tx, t.settle or 0)
	local rx = total_rx(ctx.receivers)
	local lat = {}
	for _, p in ipairs(ctx.receivers) do
		lat[#lat + 1] = engine.latency(p)
	end
	local n = #ctx.senders
	local line = 0
	for _, p in ipairs(ctx.senders) do
		line = line + M.line_pps(p, size, ctx.line_rate)
	end
	local offered_pps = secs > 0 and tx / secs or 0
	local r = {
		size = size,
		rate = t.rate,
		frames = t.frames,
		tx = tx,
		rx = rx,
		loss = tx - rx,
		loss_pct = tx > 0 and (tx - rx) * 100 / tx or 0,
		seconds = secs,
		offered_pps = offered_pps,
		offered = offered_pps * 100 / line,
		rx_pps = secs > 0 and rx / secs or 0,
		truncated = tx < expect,
	}
	r.rx_rate = r.rx_pps * 100 / line
	-- Sending took longer than planned: the senders could not deliver the rate asked (with 2 %
	-- and 10 ms of slack for starting and stopping; a short burst's rate is not judged).
	r.limited = r.truncated or (t.frames == nil and secs > slowest * 1.02 + 0.01)
	r.ports = n
	return r, lat
end

--- The trial context: `senders` and `receivers` (port numbers), every port involved, and the
-- line rate in Mb/s that overrides the ports' own (nil: theirs).
function M.context(senders, receivers, line_rate)
	local all, seen = {}, {}
	for _, list in ipairs { senders, receivers } do
		for _, p in ipairs(list) do
			if not seen[p] then
				seen[p] = true
				all[#all + 1] = p
			end
		end
	end
	for _, p in ipairs(all) do
		if engine.sending(p) then
			error(string.format("rfc2544: port %d is sending; stop it before the benchmark", p), 0)
		end
	end
	return { senders = senders, receivers = receivers, all = all, line_rate = line_rate }
end

return M
