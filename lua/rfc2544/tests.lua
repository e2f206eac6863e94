--- The four RFC 2544 tests (section 26.1 to 26.4) for one frame size, as trials on the ports of
-- `ctx`: each records its trials in `state.trials`, prints a progress line per trial and returns
-- its result for the report.
local engine = require "engine"
local trial = require "rfc2544.trial"

local M = {}

--- Prints a line as `o.progress` asks: to the output, to a function, or not at all.
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

local function record(state, test, t, pass)
	t.test, t.pass = test, pass
	state.trials[#state.trials + 1] = t
	return t
end

local function passes(o, t)
	return t.loss * 100 <= o.loss_tolerance * t.tx
end

--- Runs trial `t` until it passes `ok` or has failed 1 + o.retries times: a stalled sender or
-- DUT on a busy machine looks like loss, never like a pass. Returns the last trial and whether
-- it passed; each run is recorded and gets its progress line.
local function judged(ctx, o, state, test, label, t, ok)
	local r, pass
	for attempt = 0, o.retries do
		r = trial.run(ctx, t)
		pass = ok(r)
		record(state, test, r, pass)
		progress(o, test == "back_to_back" and "b2b" or "throughput",
			attempt > 0 and (label .. " again") or label, r, pass)
		if pass then
			break
		end
	end
	return r, pass
end

--- RFC 2544 26.1: the highest rate whose trial loses at most loss_tolerance % of its frames.
function M.throughput(ctx, o, size, state)
	local lo, hi = o.rate_min, o.rate_max
	local rate, best = o.rate_max, nil
	local guided, probe, n = 0, false, 0
	while n < o.max_iterations do
		n = n + 1
		local t, pass = judged(ctx, o, state, "throughput", "#" .. n,
			{ size = size, rate = rate, ms = o.duration, warmup = o.warmup, settle = o.settle },
			function(r) return passes(o, r) end)
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
	local r = { iterations = n }
	if best and o.confirm > 0 then
		local t, pass = judged(ctx, o, state, "confirm", "confirm",
			{ size = size, rate = best.rate, ms = o.confirm, warmup = o.warmup, settle = o.settle },
			function(x) return passes(o, x) end)
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
function M.latency(ctx, o, size, state, tput)
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
function M.loss(ctx, o, size, state)
	local curve, clean = {}, 0
	local step = 100
	while step > 1e-9 and clean < 2 do
		local rate = o.rate_max * step / 100
		local t = trial.run(ctx, { size = size, rate = rate, ms = o.loss_duration or o.duration,
			warmup = o.warmup, settle = o.settle })
		record(state, "loss", t)
		progress(o, "loss", string.format("%g%%", step), t)
		curve[#curve + 1] = { step = step, rate = rate, offered = t.offered, pps = t.offered_pps, tx = t.tx,
			rx = t.rx, loss_pct = t.loss_pct, limited = t.limited }
		clean = t.loss <= 0 and clean + 1 or 0
		step = step - o.loss_step
	end
	return curve
end

--- One burst search: the longest burst (frames per sending port) that arrives whole, found by
-- doubling from b2b_min and then halving the gap.
local function burst_search(ctx, o, size, state, max)
	local function try(frames)
		local _, pass = judged(ctx, o, state, "back_to_back", frames .. "f",
			{ size = size, rate = o.b2b_rate, frames = frames, settle = o.settle },
			function(t) return t.loss <= 0 and not t.truncated end)
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
function M.back_to_back(ctx, o, size, state)
	local max = o.b2b_max or math.floor(trial.line_pps(ctx.senders[1], size, o.line_rate) * 2)
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

return M
