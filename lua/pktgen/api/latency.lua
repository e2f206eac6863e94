--- Latency: Pktgen's latency, jitter and latsampler functions, and our histogram objects.
-- Stamps ride in the port's own packets (every packet, or 1 in N when a probe rate is set),
-- so every stamped packet lands in an exact HDR histogram printable from scripts.
local engine = require "engine"
local args = require "pktgen.internal.args"
local perport = require "pktgen.internal.perport"
local portlist = require "pktgen.internal.portlist"
local stamps = require "pktgen.internal.stamps"

local M = {}

local lat = stamps.settings

-- The histogram object -------------------------------------------------------------------

local Histogram = {}
Histogram.__index = Histogram

-- Fields: hdr (the engine's histogram userdata; its JSON form is a summary in ns), port, and
-- the counters, so pktgen.json.encode(h) gives plain data.
local function wrap(h, port, extra)
	extra = extra or {}
	return setmetatable({ hdr = h, port = port, lost = extra.lost or 0, reordered = extra.reordered or 0,
		duplicate = extra.duplicate or 0, jitter_mean_ns = extra.jitter_mean_ns or 0,
		jitter_over = extra.jitter_over or 0 }, Histogram)
end

--- A snapshot of port p's latency: an HDR histogram in nanoseconds with the loss, reorder,
-- duplicate and jitter counters beside it.
function M.histogram(p)
	local l = engine.latency(p)
	return wrap(l.histogram, p, l)
end

function Histogram:count() return self.hdr:count() end
function Histogram:min() return self.hdr:min() end
function Histogram:max() return self.hdr:max() end
function Histogram:mean() return self.hdr:mean() end
function Histogram:stdev() return self.hdr:stdev() end
function Histogram:percentile(q) return self.hdr:percentile(q) end
function Histogram:csv() return self.hdr:csv() end

--- {p50 = v, ...}-style lookup is awkward in Lua; this returns {[q] = ns} for each q asked.
function Histogram:percentiles(list)
	list = list or { 50, 90, 99, 99.9, 99.99 }
	local v = self.hdr:percentiles(list)
	local out = {}
	for i, q in ipairs(list) do
		out[q] = v[i]
	end
	return out
end

--- Empties this snapshot and restarts the port's measurement.
function Histogram:reset()
	self.hdr:reset()
	self.lost, self.reordered, self.duplicate, self.jitter_mean_ns, self.jitter_over = 0, 0, 0, 0, 0
	if self.port then
		engine.latency_reset(self.port)
	end
end

--- Adds another histogram's samples and counters into this one (e.g. several ports' total).
function Histogram:merge(other)
	self.hdr:merge(other.hdr)
	for _, k in ipairs { "lost", "reordered", "duplicate", "jitter_over" } do
		self[k] = self[k] + other[k]
	end
	self.port = nil
	return self
end

--- Draws this histogram's percentile distribution to an SVG file (see pktgen.chart.latency).
function Histogram:chart(file, opts)
	require("pktgen.api.chart").latency(file, self, opts)
end

--- Writes the histogram to an HdrHistogram interval log (readable by HdrHistogram's tools).
function Histogram:save(path, tag)
	self.hdr:save(path, tag)
end

--- A latency in ns as text with a unit: "812 ns", "1.234 us", "2.500 ms".
local function ns_text(ns)
	if ns >= 1e9 then return string.format("%.3f s", ns / 1e9) end
	if ns >= 1e6 then return string.format("%.3f ms", ns / 1e6) end
	if ns >= 1e3 then return string.format("%.3f us", ns / 1e3) end
	return string.format("%d ns", math.floor(ns + 0.5))
end

--- The report as text: counters, a percentile table and a bar chart, all within 80 columns.
function Histogram:format(title)
	local out = {}
	local function line(fmt, ...) out[#out + 1] = string.format(fmt, ...) end
	line("%s", title or ("Latency" .. (self.port and (" on port " .. self.port) or "")))
	local n = self:count()
	line("  packets %d   lost %d   reordered %d   duplicate %d", n, self.lost, self.reordered, self.duplicate)
	if n == 0 then
		line("  (no stamped packets received)")
		return table.concat(out, "\n") .. "\n"
	end
	line("  min %s   mean %s   max %s   stdev %s", ns_text(self:min()), ns_text(self:mean()),
		ns_text(self:max()), ns_text(self:stdev()))
	line("  jitter: mean %s, %d changes over threshold", ns_text(self.jitter_mean_ns), self.jitter_over)
	local qs = { 50, 90, 99, 99.9, 99.99, 100 }
	local pv = self.hdr:percentiles(qs)
	line("  %-10s %14s", "percentile", "latency")
	for i, q in ipairs(qs) do
		line("  %-10s %14s", string.format("p%g", q), ns_text(pv[i]))
	end
	local buckets = self.hdr:buckets(16)
	local most = 0
	for _, b in ipairs(buckets) do most = math.max(most, b[3]) end
	local width = 40
	for _, b in ipairs(buckets) do
		local bar = most > 0 and math.floor(b[3] * width / most + 0.5) or 0
		if b[3] > 0 and bar == 0 then bar = 1 end
		line("  %11s |%-40s| %d", ns_text(b[1]), string.rep("#", bar), b[3])
	end
	return table.concat(out, "\n") .. "\n"
end

--- Prints the report (to whoever runs the script: console, file or shell client).
function Histogram:print(title)
	io.write(self:format(title))
	io.flush()
end

Histogram.__tostring = function(self)
	return string.format("Histogram(port %s, %d packets, mean %s)", tostring(self.port),
		self:count(), ns_text(self:mean()))
end

function M.install(pktgen)
	local arity = args.arity

	--- latency(pl, "on"|"off") / latency(pl, "rate", usec) / latency(pl, "entropy", n).
	function pktgen.latency(...)
		local nargs = select("#", ...)
		if nargs ~= 2 and nargs ~= 3 then
			error("latency, wrong number of arguments", 0)
		end
		local pl, what, value = ...
		if nargs == 2 then
			local on = args.onoff(what)
			perport.setter("latency", pl, function(_, cfg)
				lat(cfg).on = on
			end)
			return
		end
		local key = string.lower(string.sub(tostring(what), 1, 4))
		-- The probe interval in us (0: every packet) is refused outside 0..1000000, as Pktgen does.
		local n = args.ranged("latency", value, key == "rate" and "rate (us)" or "value", 0,
			key == "rate" and 1000000 or nil, { int = true })
		if key == "rate" then
			perport.setter("latency", pl, function(_, cfg) lat(cfg).rate_us = n end)
		elseif key == "entr" then
			perport.setter("latency", pl, function(_, cfg) lat(cfg).entropy = n end)
		else
			error("latency, invalid arguments must be rate or entropy", 0)
		end
	end

	--- jitter(pl, usec): the latency change counted as jitter (default 50 us).
	function pktgen.jitter(...)
		arity("jitter", select("#", ...), 2)
		local pl, us = ...
		us = args.uint("jitter", us, "threshold")
		perport.port("jitter", pl, function(p, cfg)
			lat(cfg).jitter_us = us
			engine.jitter(p, us * 1000)
		end)
	end

	function pktgen.latsampler_params(...)
		arity("latsampler_params", select("#", ...), 5)
		local pl, kind, n, rate, path = ...
		if kind ~= "simple" and kind ~= "poisson" then
			error(string.format("latsampler_params: type '%s' is not simple or poisson", tostring(kind)), 0)
		end
		n = args.uint("latsampler_params", n, "num_samples")
		if n > 50108 then
			error(string.format("latsampler_params: %d samples is more than 50108", n), 0)
		end
		rate = args.uint("latsampler_params", rate, "rate")
		if rate == 0 then
			error("latsampler_params: rate must be at least 1 sample/s", 0)
		end
		local f = io.open(tostring(path), "w")
		if not f then
			error(string.format("latsampler_params: cannot write '%s'", tostring(path)), 0)
		end
		f:close()
		perport.port("latsampler_params", pl, function(p, cfg)
			local l = lat(cfg)
			if l.sampling then
				error(string.format("latsampler_params: the sampler of port %d is running", p), 0)
			end
			l.sampler = { kind = kind, n = n, rate = rate, path = tostring(path) }
		end)
	end

	--- latsampler(pl, "on"|"off"): samples the latest latency `rate` times a second (simple) or
	-- with exponential gaps (poisson) alongside the script; "off" (or `num_samples` reached)
	-- writes the file: "Latency", then one latency in ns per line.
	function pktgen.latsampler(...)
		arity("latsampler", select("#", ...), 2)
		local pl, onoff = ...
		local on = args.onoff(onoff)
		perport.port("latsampler", pl, function(p, cfg)
			local l = lat(cfg)
			local s = l.sampler
			if not s then
				error(string.format("latsampler: set latsampler_params for port %d first", p), 0)
			end
			if on and not l.sampling then
				engine.latsampler_start(p, s.kind, s.n, s.rate, s.path)
				l.sampling = true
			elseif not on and l.sampling then
				engine.latsampler_stop(p)
				l.sampling = false
			end
		end)
	end

	--- Ours: latencyProbes(pl)[p] = {probes, share}, the probe frames sent beside the port's
	-- stream since it started (when its frames have no room for a stamp; 0 otherwise).
	function pktgen.latencyProbes(...)
		arity("latencyProbes", select("#", ...), 1)
		return perport.collect("latencyProbes", (...), require("pktgen.internal.portstream").probes)
	end

	--- Our histogram object for port p (a snapshot; see Histogram methods).
	function pktgen.latencyHistogram(p)
		local ports = portlist.parse("latencyHistogram", p)
		if #ports ~= 1 then
			error("latencyHistogram: give exactly one port", 0)
		end
		return M.histogram(ports[1])
	end

	--- An empty histogram to merge others into.
	function pktgen.newHistogram()
		return wrap(engine.histogram(), nil)
	end
end

M.ns_text = ns_text
M.wrap = wrap

return M
