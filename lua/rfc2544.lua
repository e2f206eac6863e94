--- RFC 2544 benchmarks from Lua: throughput (NDR, or PDR with a loss tolerance) by binary search,
-- latency at that rate, the frame loss rate curve and back-to-back bursts, per frame size; then a
-- report (table, Lua table, CSV, JSON, SVG chart). Frames are UDP so even 64 bytes carry a stamp.
local engine = require "engine"
local options = require "rfc2544.options"
local tests = require "rfc2544.tests"
local trial = require "rfc2544.trial"
local report = require "rfc2544.report"

local M = {}

M.SIZES = options.SIZES
M.TESTS = options.TESTS
M.options = options.check

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
		-- In the RFC's order, whatever order `tests` lists them in: latency needs the throughput.
		for _, test in ipairs(M.TESTS) do
			if o.wants[test] then
				s[test] = tests[test](ctx, o, size, state, s.throughput)
			end
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

--- One test on its own, with the same options (their `tests`, `output` and `summary` unused):
-- returns `{ {size = 64, [test] = result}, ... }` and the trials.
local function only(test)
	return function(given)
		local o = M.options(given)
		if test == "latency" and not o.latency_rate then
			error("rfc2544.latency needs latency_rate (the rate of the trial, % of line rate)", 0)
		end
		local ctx = trial.context(o.senders, o.receivers, o.line_rate)
		local state = { trials = {} }
		local out = {}
		for _, size in ipairs(o.sizes) do
			out[#out + 1] = { size = size, [test] = tests[test](ctx, o, size, state) }
		end
		return out, state.trials
	end
end

M.throughput = only("throughput")
M.latency = only("latency")
M.loss = only("loss")
M.back_to_back = only("back_to_back")

return M
