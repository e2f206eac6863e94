--- The RFC 2544 report: the results as a plain Lua table with methods to print them as text
-- tables and to write them as CSV (a row per size, and a row per trial), JSON and an SVG chart.
local engine = require "engine"
local json = require "pktgen.api.json"

local M = {}

local Report = {}
Report.__index = Report

--- The options as given or defaulted (not the progress function, nor `wants`, which repeats
-- `tests`).
local function plain(o)
	local s = {}
	for k, v in pairs(o) do
		if type(v) ~= "function" and k ~= "wants" then
			s[k] = v
		end
	end
	return s
end

--- A report of `sizes` (per-size results), `trials` (every trial) and the options `o`.
function M.new(o, sizes, trials, seconds)
	local ports = {}
	for _, p in ipairs(o.senders) do
		local i = engine.info(p)
		ports[#ports + 1] = { port = p, driver = i.driver, speed = i.speed }
	end
	return setmetatable({
		title = o.title,
		date = os.date("!%Y-%m-%dT%H:%M:%SZ"),
		seconds = seconds,
		settings = plain(o),
		ports = ports,
		sizes = sizes,
		trials = trials,
	}, Report)
end

local function list(ports)
	local t = {}
	for i, p in ipairs(ports) do
		t[i] = tostring(p)
	end
	return table.concat(t, ",")
end

--- How the traffic flowed and what passes, in words.
function Report:describe()
	local s = self.settings
	local flow = s.bidirectional and ("ports " .. list(s.senders) .. " both ways")
		or ("port " .. list(s.senders) .. " -> port " .. list(s.receivers))
	local kind = s.loss_tolerance > 0 and string.format("PDR (loss tolerance %g %%)", s.loss_tolerance) or "NDR"
	return string.format("%s: %s, %s, %.1f s", self.title, flow, kind, self.seconds)
end

local function us(ns)
	return ns and string.format("%.3f", ns / 1e3) or "-"
end

--- The report as text tables, one per test that ran.
function Report:format()
	local out = {}
	local function line(fmt, ...)
		out[#out + 1] = string.format(fmt, ...)
	end
	line("%s", self:describe())
	local has = {}
	for _, s in ipairs(self.sizes) do
		for _, k in ipairs { "throughput", "latency", "loss", "back_to_back" } do
			has[k] = has[k] or s[k] ~= nil
		end
	end
	if has.throughput then
		line("Throughput")
		line("  %5s %10s %8s %10s %7s %9s", "size", "Mpps", "% line", "Mbit/s", "trials", "confirmed")
		for _, s in ipairs(self.sizes) do
			local t = s.throughput
			if t then
				local conf = t.confirmed == nil and "-" or (t.confirmed and "yes" or "NO")
				line("  %5d %10.4f %8.3f %10.2f %7d %9s%s", s.size, t.mpps, t.percent, t.mbps, t.iterations, conf,
					t.limited and "  sender-limited" or "")
			end
		end
	end
	if has.latency then
		line("Latency in us (at %% of line rate)")
		line("  %5s %8s %10s %10s %10s %10s %10s %10s %10s", "size", "rate %", "min", "mean", "p50", "p99",
			"p99.9", "max", "jitter")
		for _, s in ipairs(self.sizes) do
			local l = s.latency
			if l then
				line("  %5d %8.3f %10s %10s %10s %10s %10s %10s %10s", s.size, l.rate, us(l.min), us(l.mean),
					us(l.p50), us(l.p99), us(l.p99_9), us(l.max), us(l.jitter))
			end
		end
	end
	if has.loss then
		line("Frame loss rate in %% (by %% of rate_max %g %%)", self.settings.rate_max)
		local steps, head = {}, { string.format("  %5s", "size") }
		for _, s in ipairs(self.sizes) do
			for _, p in ipairs(s.loss or {}) do
				if not steps[p.step] then
					steps[p.step] = true
					steps[#steps + 1] = p.step
				end
			end
		end
		table.sort(steps, function(a, b) return a > b end)
		for _, st in ipairs(steps) do
			head[#head + 1] = string.format("%7s", string.format("%g%%", st))
		end
		out[#out + 1] = table.concat(head, " ")
		local limited = false
		for _, s in ipairs(self.sizes) do
			if s.loss then
				local by, row = {}, { string.format("  %5d", s.size) }
				for _, p in ipairs(s.loss) do
					by[p.step] = p
				end
				for _, st in ipairs(steps) do
					local p = by[st]
					row[#row + 1] = not p and string.format("%7s", "-")
						or (p.limited and string.format("%6.2f*", p.loss_pct) or string.format("%7.3f", p.loss_pct))
					limited = limited or (p and p.limited)
				end
				out[#out + 1] = table.concat(row, " ")
			end
		end
		if limited then
			line("  * sender-limited: the senders offered less than the step asked, so it measures the senders")
		end
	end
	if has.back_to_back then
		line("Back-to-back bursts in frames per port (at %g %% of line rate)", self.settings.b2b_rate)
		line("  %5s %12s %10s %10s %8s", "size", "mean", "min", "max", "repeats")
		for _, s in ipairs(self.sizes) do
			local b = s.back_to_back
			if b then
				line("  %5d %12.1f %10d %10d %8d%s", s.size, b.frames, b.min, b.max, b.repeats,
					b.unlimited and "  (the longest burst tried)" or "")
			end
		end
	end
	return table.concat(out, "\n") .. "\n"
end

--- Prints the tables (to whoever runs the script: console, file or shell client).
function Report:print()
	io.write(self:format())
	io.flush()
end

local function cell(v)
	if v == nil then
		return ""
	elseif type(v) == "boolean" then
		return v and "1" or "0"
	elseif math.type(v) == "float" then
		return string.format("%.10g", v)
	end
	return tostring(v)
end

local function csv(columns, rows)
	local out = { table.concat(columns, ",") }
	for _, r in ipairs(rows) do
		local c = {}
		for i, v in ipairs(columns) do
			c[i] = cell(r[v])
		end
		out[#out + 1] = table.concat(c, ",")
	end
	return table.concat(out, "\n") .. "\n"
end

local SUMMARY = { "size", "line_pps", "throughput_rate_pct", "throughput_offered_pct", "throughput_pps",
	"throughput_mpps", "throughput_mbps", "throughput_loss_pct", "throughput_confirmed", "throughput_limited",
	"latency_rate_pct", "latency_count", "latency_min_ns", "latency_mean_ns", "latency_p50_ns", "latency_p99_ns",
	"latency_p99_9_ns", "latency_max_ns", "latency_jitter_ns", "b2b_frames", "b2b_min", "b2b_max", "b2b_repeats" }

--- One CSV row per frame size with every test's result (empty cells where a test did not run).
function Report:csv()
	local rows = {}
	for _, s in ipairs(self.sizes) do
		local r = { size = s.size, line_pps = s.line_pps }
		local t, l, b = s.throughput, s.latency, s.back_to_back
		if t then
			r.throughput_rate_pct, r.throughput_offered_pct, r.throughput_pps = t.rate, t.percent, t.pps
			r.throughput_mpps, r.throughput_mbps, r.throughput_loss_pct = t.mpps, t.mbps, t.loss_pct
			r.throughput_confirmed, r.throughput_limited = t.confirmed, t.limited
		end
		if l then
			r.latency_rate_pct, r.latency_count, r.latency_min_ns, r.latency_mean_ns = l.rate, l.count, l.min, l.mean
			r.latency_p50_ns, r.latency_p99_ns, r.latency_p99_9_ns = l.p50, l.p99, l.p99_9
			r.latency_max_ns, r.latency_jitter_ns = l.max, l.jitter
		end
		if b then
			r.b2b_frames, r.b2b_min, r.b2b_max, r.b2b_repeats = b.frames, b.min, b.max, b.repeats
		end
		rows[#rows + 1] = r
	end
	return csv(SUMMARY, rows)
end

local TRIALS = { "test", "size", "rate", "frames", "tx", "rx", "loss", "loss_pct", "seconds", "offered_pps",
	"offered", "rx_pps", "pass", "limited" }

--- One CSV row per trial, in the order they ran (rate and offered in % of line rate per port).
function Report:trials_csv()
	return csv(TRIALS, self.trials)
end

--- The whole report as JSON.
function Report:json()
	return json.encode(self, { pretty = true }) .. "\n"
end

--- The SVG chart: throughput per size (Mpps and % of line rate), latency percentiles per size
-- and, when it ran, the loss-rate curve.
function Report:svg()
	return require("rfc2544.svg").chart(self)
end

local function write(path, text)
	local f, err = io.open(path, "w")
	if not f then
		error(string.format("rfc2544: cannot write '%s': %s", path, tostring(err)), 0)
	end
	f:write(text)
	f:close()
end

--- Writes PREFIX.csv, PREFIX-trials.csv, PREFIX.json and PREFIX.svg; returns their paths.
function Report:write(prefix)
	local files = { csv = prefix .. ".csv", trials = prefix .. "-trials.csv", json = prefix .. ".json",
		svg = prefix .. ".svg" }
	self.files = files
	write(files.csv, self:csv())
	write(files.trials, self:trials_csv())
	write(files.svg, self:svg())
	write(files.json, self:json())
	return files
end

return M
