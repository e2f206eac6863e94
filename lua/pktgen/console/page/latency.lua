--- The latency page: for each shown port, what its stamps measured (count, min, mean, p50,
-- p99, p99.9, max, lost, reordered, duplicate, jitter), and a bar chart of the current port's
-- histogram. Ours: Pktgen shows min/avg/max and three percentiles of 1,024 samples.
local engine = require "engine"
local portstream = require "pktgen.internal.portstream"
local config = require "pktgen.internal.config"
local ns = require("pktgen.api.latency").ns_text
local draw = require "pktgen.console.draw"

local M = {}

local BARS = 12

function M.lines(ctx)
	local lines = draw.lines()
	draw.title(lines, "Latency", draw.ports_text(ctx.ports))
	local per = {}
	for i, p in ipairs(ctx.ports) do
		local l = engine.latency(p)
		local h = l.histogram
		local n = h:count()
		local q = n > 0 and h:percentiles({ 50, 99, 99.9 }) or { 0, 0, 0 }
		local cfg = config.get(p)
		local on = cfg.latency and cfg.latency.on
		per[i] = {
			stamp = not on and "off"
				-- Frames without room for a stamp: probes beside them (pktgen.latencyProbes).
				or engine.stream_sending(p, portstream.PROBE) and string.format("probes/%d us",
					cfg.latency.rate_us > 0 and cfg.latency.rate_us or require("pktgen.internal.stamps").PROBE_US)
				or cfg.latency.rate_us > 0 and string.format("every %d us", cfg.latency.rate_us) or "every packet",
			count = draw.num(n), min = ns(n > 0 and h:min() or 0), mean = ns(l.mean_ns or 0), p50 = ns(q[1]),
			p99 = ns(q[2]), p999 = ns(q[3]), max = ns(n > 0 and h:max() or 0),
			loss = draw.pair(l.lost, l.reordered), dup = draw.num(l.duplicate),
			jitter = string.format("%s/%s", ns(l.jitter_mean_ns or 0), draw.num(l.jitter_over)),
		}
		if p == ctx.port then
			per.chart = h
		end
	end
	local function row(label, item, k)
		local v = {}
		for i = 1, #per do
			v[i] = per[i][k]
		end
		lines:row("stats.stat.label", label, item, v)
	end
	local ports = {}
	for i, p in ipairs(ctx.ports) do
		ports[i] = tostring(p)
	end
	lines:row("stats.port.label", "Port", "stats.port.flags", ports)
	row("Stamping Tx", "stats.rate.count", "stamp")
	row("Stamps Rx", "stats.port.totals", "count")
	row("Min", "stats.stat.values", "min")
	row("Mean", "stats.stat.values", "mean")
	row("p50", "stats.stat.values", "p50")
	row("p99", "stats.stat.values", "p99")
	row("p99.9", "stats.stat.values", "p999")
	row("Max", "stats.stat.values", "max")
	row("Lost/Reordered", "stats.port.errors", "loss")
	row("Duplicate", "stats.port.errors", "dup")
	row("Jitter mean/over", "stats.stat.values", "jitter")
	lines:blank()
	local h = per.chart or engine.latency(ctx.port).histogram
	if h:count() == 0 then
		lines:add("stats.stat.label", string.format("  Port %d: no stamped packets received (pktgen.latency(pl, \"on\"))",
			ctx.port))
		return lines
	end
	lines:add("stats.port.status", string.format("  Port %d latency histogram", ctx.port))
	local buckets = h:buckets(BARS)
	local most = 0
	for _, b in ipairs(buckets) do
		most = math.max(most, b[3])
	end
	local width = math.max(10, math.min(50, ctx.cols - 40))
	for _, b in ipairs(buckets) do
		local bar = most > 0 and math.floor(b[3] * width / most + 0.5) or 0
		if b[3] > 0 and bar == 0 then
			bar = 1
		end
		lines:add("stats.stat.label", string.format("  %11s |", ns(b[1])), "stats.bar",
			draw.left(string.rep("#", bar), width), "stats.stat.label", "| " .. draw.num(b[3]))
	end
	return lines
end

return M
