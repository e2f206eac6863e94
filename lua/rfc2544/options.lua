--- rfc2544's options: every one with its default, checked before any traffic (an unknown key or
-- a bad value is an error naming it), and the port lists parsed into senders and receivers.
local engine = require "engine"
local portlist = require "pktgen.internal.portlist"

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
	retries = 0,               -- runs more of a lossy throughput or burst trial before it fails
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
function M.check(given)
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
	number(o, "retries", 0)
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
	-- Counts of frames and trials are whole numbers.
	for _, k in ipairs { "max_iterations", "retries", "b2b_min", "b2b_max", "b2b_repeats" } do
		if o[k] then
			o[k] = math.floor(o[k])
		end
	end
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
	o.wants = {}
	for _, t in ipairs(o.tests) do
		if not TEST_NAMES[t] then
			bad("tests", "must name throughput, latency, loss or back_to_back", t)
		end
		o.wants[t] = true
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

return M
