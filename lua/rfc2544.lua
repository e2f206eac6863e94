--- RFC 2544 benchmarks from Lua: throughput (NDR, or PDR with a loss tolerance) by binary search,
-- latency at that rate, the frame loss rate curve and back-to-back bursts, per frame size; then a
-- report (table, Lua table, CSV, JSON, SVG chart). Frames are UDP so even 64 bytes carry a stamp.
local engine = require "engine"
local portlist = require "pktgen.portlist"
local trial = require "rfc2544.trial"
local report = require "rfc2544.report"

local M = {}

M.SIZES = { 64, 128, 256, 512, 1024, 1280, 1518 }
M.TESTS = { "throughput", "latency", "loss", "back_to_back" }

-- Every option with its default (nil: none); `run` and the test functions take the same table.
local DEFAULTS = {
	tx = "0",                  -- port list that sends
	rx = "1",                  -- port list that receives
	bidirectional = false,     -- both lists send and receive
	sizes = M.SIZES,           -- frame sizes with FCS
	tests = M.TESTS,
	loss_tolerance = 0,        -- % of frames a passing throughput trial may lose (0: NDR)
	duration = 10000,          -- ms of sending per trial
	confirm = 60000,           -- ms of the final trial at the found rate (0: none)
	resolution = 0.1,          -- % of line rate: the search ends when pass and fail are this close
	max_iterations = 20,       -- trials per search at most
	guided = true,             -- after a lossy trial, try the rate that got through next
	warmup = 0,                -- ms of traffic at the trial's rate before each trial
	settle = 2000,             -- ms to wait at most for frames still in flight after sending
	rate_max = 100,            -- % of line rate: the search's top, the loss curve's 100 %
	rate_min = 0,              -- % of line rate: the search's bottom
	latency_rate = nil,        -- % of line rate of the latency trial (default: the throughput)
	latency_duration = nil,    -- ms (default: duration)
	loss_step = 10,            -- % of rate_max between loss-rate trials
	loss_duration = nil,       -- ms (default: duration)
	b2b_rate = 100,            -- % of line rate inside a burst
	b2b_min = 16,              -- frames of the first burst
	b2b_max = nil,             -- frames of the longest burst (default: 2 s at line rate)
	b2b_resolution = 1,        -- % of the burst length: the burst search's precision
	b2b_repeats = 50,          -- burst searches per size, averaged (RFC 2544: at least 50)
	output = nil,              -- path prefix of the files: PREFIX.csv, .json, .svg, -trials.csv
	progress = true,           -- a line per trial (or a function that takes the line)
	summary = true,            -- print the report's tables at the end of `run`
	title = "RFC 2544",
	line_rate = nil,           -- Mb/s of 100 % (default: each port's reported link speed)
}

-- The options whose default is nil.
local OPTIONAL = { latency_rate = true, latency_duration = true, loss_duration = true, b2b_max = true, output = true,
	line_rate = true }

local TEST_NAMES = {}
for _, t in ipairs(M.TESTS) do
	TEST_NAMES[t] = true
end

local function bad(key, why, v)
	error(string.format("rfc2544: option '%s' %s, got %s", key, why, tostring(v)), 0)
end

local function number(o, key, lo, hi)
	local v = o[key]
	if v == nil then
		return
	end
	if type(v) ~= "number" or v ~= v then
		bad(key, "must be a number", v)
	end
	if (lo and v < lo) or (hi and v > hi) then
		bad(key, string.format("must be within %s..%s", tostring(lo or "-inf"), tostring(hi or "inf")), v)
	end
end

local function ports(o, key)
	local list = portlist.parse("rfc2544 " .. key, o[key])
	if #list == 0 then
		bad(key, "names no port of this pktgen (it has " .. engine.ports() .. ")", o[key])
	end
	return list
end

--- The options with defaults filled in and checked; port lists parsed into `senders` and
-- `receivers`. Unknown keys are errors (a typo would silently change nothing).
function M.options(given)
	if given ~= nil and type(given) ~= "table" then
		error("rfc2544: options must be a table, got " .. type(given), 0)
	end
	given = given or {}
	for k in pairs(given) do
		if DEFAULTS[k] == nil and not OPTIONAL[k] then
			error(string.format("rfc2544: unknown option '%s'", tostring(k)), 0)
		end
	end
	local o = {}
	for k, v in pairs(DEFAULTS) do
		o[k] = v
	end
	for k, v in pairs(given) do
		o[k] = v
	end
	o.sizes = type(o.sizes) == "table" and { table.unpack(o.sizes) } or o.sizes
	number(o, "loss_tolerance", 0, 100)
	number(o, "duration", 1)
	number(o, "confirm", 0)
	number(o, "resolution", 1e-9, 100)
	number(o, "max_iterations", 1)
	number(o, "warmup", 0)
	number(o, "settle", 0)
	number(o, "rate_max", 1e-9, 100)
	number(o, "rate_min", 0, 100)
	number(o, "latency_rate", 1e-9, 100)
	number(o, "latency_duration", 1)
	number(o, "loss_step", 1e-9, 100)
	number(o, "loss_duration", 1)
	number(o, "b2b_rate", 1e-9, 100)
	number(o, "b2b_min", 1)
	number(o, "b2b_max", 1)
	number(o, "b2b_resolution", 0, 100)
	number(o, "b2b_repeats", 1)
	number(o, "line_rate", 1e-9)
	if o.rate_min >= o.rate_max then
		bad("rate_min", "must be below rate_max (" .. o.rate_max .. ")", o.rate_min)
	end
	if type(o.sizes) ~= "table" or #o.sizes == 0 then
		bad("sizes", "must be a list of frame sizes", o.sizes)
	end
	local max = engine.max_frame() + 4
	for _, s in ipairs(o.sizes) do
		if type(s) ~= "number" or s ~= math.floor(s) or s < 64 or s > max then
			bad("sizes", string.format("must hold whole frame sizes of 64..%d bytes", max), s)
		end
	end
	for i, s in ipairs(o.sizes) do
		o.sizes[i] = math.tointeger(s)
	end
	if type(o.tests) ~= "table" then
		bad("tests", "must be a list of test names", o.tests)
	end
	for _, t in ipairs(o.tests) do
		if not TEST_NAMES[t] then
			bad("tests", "must name throughput, latency, loss or back_to_back", t)
		end
	end
	if o.output ~= nil and type(o.output) ~= "string" then
		bad("output", "must be a path prefix (a string)", o.output)
	end
	local tx, rx = ports(o, "tx"), ports(o, "rx")
	if o.bidirectional then
		local both = {}
		for _, p in ipairs(tx) do both[#both + 1] = p end
		for _, p in ipairs(rx) do both[#both + 1] = p end
		o.senders, o.receivers = both, both
	else
		o.senders, o.receivers = tx, rx
	end
	return o
end

-- Progress -----------------------------------------------------------------------------------

local function say(o, line)
	if type(o.progress) == "function" then
		o.progress(line)
	elseif o.progress then
		io.write(line, "\n")
		io.flush()
	end
end

local function progress(o, test, label, t, pass)
	say(o, string.format("%s %dB %-8s rate %8.4f%% (%.4f Mpps offered) tx %d rx %d loss %d (%.4f%%)%s%s",
		test, t.size, label, t.rate, t.offered_pps / 1e6, t.tx, t.rx, t.loss, t.loss_pct,
		pass == nil and "" or (pass and " pass" or " FAIL"), t.limited and " (sender-limited)" or ""))
end

-- The tests, one frame size at a time ---------------------------------------------------------

local function record(state, test, t, pass)
	t.test, t.pass = test, pass
	state.trials[#state.trials + 1] = t
	return t
end

local function passes(o, t)
	return t.loss * 100 <= o.loss_tolerance * t.tx
end

--- RFC 2544 26.1: the highest rate whose trial loses at most loss_tolerance % of its frames.
local function throughput(ctx, o, size, state)
	local lo, hi = o.rate_min, o.rate_max
	local rate, best = o.rate_max, nil
	local guided, probe, n = 0, false, 0
	while n < o.max_iterations do
		n = n + 1
		local t = trial.run(ctx, { size = size, rate = rate, ms = o.duration, warmup = o.warmup, settle = o.settle })
		local pass = passes(o, t)
		record(state, "throughput", t, pass)
		progress(o, "throughput", "#" .. n, t, pass)
		if pass then
			best, lo = t, rate
			if t.limited then
				-- The senders cannot go faster: this is as high as the search can get.
				hi = rate
			end
		else
			hi = t.limited and math.min(rate, t.offered) or rate
		end
		if hi - lo <= o.resolution * (1 + 1e-9) then
			break
		end
		if not pass and o.guided and guided < 2 and t.rx_rate > lo and t.rx_rate < hi then
			-- What got through is the best guess of what passes; the search then probes just above.
			rate = math.max(lo + o.resolution / 2, math.min(t.rx_rate, hi - o.resolution / 2))
			guided, probe = guided + 1, true
		elseif pass and probe then
			rate = math.min(lo + o.resolution, (lo + hi) / 2)
			probe = false
		else
			rate = (lo + hi) / 2
			probe = false
		end
	end
	local r = { iterations = n, confirmed = nil }
	if best and o.confirm > 0 then
		local t = trial.run(ctx, { size = size, rate = best.rate, ms = o.confirm, warmup = o.warmup, settle = o.settle })
		local pass = passes(o, t)
		record(state, "confirm", t, pass)
		progress(o, "throughput", "confirm", t, pass)
		r.confirmed = pass
		if pass then
			best = t
		else
			say(o, string.format("throughput %dB: %.4f%% lost frames over the %d ms confirmation trial",
				size, t.loss_pct, o.confirm))
		end
	end
	if best then
		r.rate, r.percent, r.pps = best.rate, best.offered, best.offered_pps
		r.tx, r.rx, r.loss, r.loss_pct, r.limited = best.tx, best.rx, best.loss, best.loss_pct, best.limited
	else
		r.rate, r.percent, r.pps, r.limited = 0, 0, 0, false
	end
	r.mpps = r.pps / 1e6
	r.mbps = r.pps * (size + 20) * 8 / 1e6
	return r
end

--- RFC 2544 26.2: latency over a trial at the throughput rate, from every stamped frame.
local function latency(ctx, o, size, state, tput)
	local rate = o.latency_rate or (tput and tput.rate)
	if not rate or rate <= 0 then
		say(o, string.format("latency %dB: skipped, no rate (no frames got through the throughput test)", size))
		return nil
	end
	local t, lat = trial.run(ctx, { size = size, rate = rate, ms = o.latency_duration or o.duration,
		warmup = o.warmup, settle = o.settle })
	record(state, "latency", t)
	progress(o, "latency", "", t)
	local h = engine.histogram()
	local jitter, count = 0, 0
	for _, l in ipairs(lat) do
		h:merge(l.histogram)
		jitter = jitter + l.jitter_mean_ns * l.count
		count = count + l.count
	end
	if h:count() == 0 then
		return { rate = rate, count = 0 }
	end
	local p = h:percentiles { 50, 99, 99.9 }
	return {
		rate = rate, count = h:count(), min = h:min(), mean = h:mean(), p50 = p[1], p99 = p[2], p99_9 = p[3],
		max = h:max(), jitter = count > 0 and jitter / count or 0, loss_pct = t.loss_pct,
	}
end

--- RFC 2544 26.3: loss at 100 %, 90 %, ... of rate_max until two trials in a row lose nothing.
local function loss(ctx, o, size, state)
	local curve, clean = {}, 0
	local step = 100
	while step > 1e-9 and clean < 2 do
		local rate = o.rate_max * step / 100
		local t = trial.run(ctx, { size = size, rate = rate, ms = o.loss_duration or o.duration,
			warmup = o.warmup, settle = o.settle })
		record(state, "loss", t)
		progress(o, "loss", string.format("%g%%", step), t)
		curve[#curve + 1] = { step = step, rate = rate, offered = t.offered, pps = t.offered_pps, tx = t.tx,
			rx = t.rx, loss_pct = t.loss_pct }
		clean = t.loss <= 0 and clean + 1 or 0
		step = step - o.loss_step
	end
	return curve
end

--- One burst search: the longest burst (frames per sending port) that arrives whole, found by
-- doubling from b2b_min and then halving the gap.
local function burst_search(ctx, o, size, state, max)
	local function try(frames)
		local t = trial.run(ctx, { size = size, rate = o.b2b_rate, frames = frames, settle = o.settle })
		local pass = t.loss <= 0 and not t.truncated
		record(state, "back_to_back", t, pass)
		progress(o, "b2b", frames .. "f", t, pass)
		return pass
	end
	local lo, hi = 0, nil
	local frames = math.min(o.b2b_min, max)
	while not hi do
		if try(frames) then
			lo = frames
			if frames >= max then
				return max, true
			end
			frames = math.min(frames * 2, max)
		else
			hi = frames
		end
	end
	while hi - lo > math.max(1, lo * o.b2b_resolution / 100) do
		local mid = (lo + hi) // 2
		if try(mid) then lo = mid else hi = mid end
	end
	return lo, false
end

--- RFC 2544 26.4: the longest burst at line rate forwarded without loss, averaged over repeats.
local function back_to_back(ctx, o, size, state)
	local max = o.b2b_max and math.floor(o.b2b_max) or math.floor(trial.line_pps(ctx.senders[1], size, o.line_rate) * 2)
	local values, sum = {}, 0
	for _ = 1, o.b2b_repeats do
		local v, longest = burst_search(ctx, o, size, state, max)
		values[#values + 1] = v
		sum = sum + v
		if longest then
			-- The longest burst got through whole: the DUT keeps up at this rate, and repeating
			-- the search would find the same.
			break
		end
	end
	local lo, hi = math.huge, 0
	for _, v in ipairs(values) do
		lo, hi = math.min(lo, v), math.max(hi, v)
	end
	return { frames = sum / #values, min = lo, max = hi, repeats = #values, limit = max,
		unlimited = values[#values] == max }
end

-- Running them ------------------------------------------------------------------------------

local function wants(o, test)
	for _, t in ipairs(o.tests) do
		if t == test then
			return true
		end
	end
	return false
end

--- Runs the selected tests for every size and returns the report (a plain table with methods:
-- print, format, csv, json, svg, write). With `output` set, the files are written too.
function M.run(given)
	local o = M.options(given)
	local ctx = trial.context(o.senders, o.receivers, o.line_rate)
	local state = { trials = {} }
	local started = engine.now()
	local sizes = {}
	for _, size in ipairs(o.sizes) do
		local s = { size = size, line_pps = 0 }
		for _, p in ipairs(ctx.senders) do
			s.line_pps = s.line_pps + trial.line_pps(p, size, o.line_rate)
		end
		if wants(o, "throughput") then
			s.throughput = throughput(ctx, o, size, state)
		end
		if wants(o, "latency") then
			s.latency = latency(ctx, o, size, state, s.throughput)
		end
		if wants(o, "loss") then
			s.loss = loss(ctx, o, size, state)
		end
		if wants(o, "back_to_back") then
			s.back_to_back = back_to_back(ctx, o, size, state)
		end
		sizes[#sizes + 1] = s
	end
	local r = report.new(o, sizes, state.trials, engine.now() - started)
	if o.output then
		r:write(o.output)
	end
	if o.summary then
		r:print()
	end
	return r
end

--- Each test on its own: the same options (their `tests` ignored); returns the per-size list.
local function only(test)
	return function(given)
		local o = M.options(given)
		if test == "latency" and not o.latency_rate then
			error("rfc2544.latency needs latency_rate (the rate of the trial, % of line rate)", 0)
		end
		o.tests = { test }
		o.output = nil
		local ctx = trial.context(o.senders, o.receivers, o.line_rate)
		local state = { trials = {} }
		local out = {}
		for _, size in ipairs(o.sizes) do
			local v
			if test == "throughput" then
				v = throughput(ctx, o, size, state)
			elseif test == "latency" then
				v = latency(ctx, o, size, state)
			elseif test == "loss" then
				v = loss(ctx, o, size, state)
			else
				v = back_to_back(ctx, o, size, state)
			end
			out[#out + 1] = { size = size, [test] = v }
		end
		return out, state.trials
	end
end

M.throughput = only("throughput")
M.latency = only("latency")
M.loss = only("loss")
M.back_to_back = only("back_to_back")

return M
