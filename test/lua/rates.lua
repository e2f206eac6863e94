--- Every rate, burst, count and size setting against its range (docs/LUA_API.md, "Ranges of the
-- numeric settings"): each row is found in that table, then walked from Lua, from the CLI's
-- command strings and in an engine spec (and over the shell, as lua_suite runs every script).
package.path = package.path ..";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local t = require "testing"
local cli = require "pktgen.console.cli"
local config = require "pktgen.internal.config"
local engine = require "engine"

pktgen.reset("all")
local cfg = config.get(0)

local doc do
	local f = assert(io.open("docs/LUA_API.md"))
	doc = f:read("a")
	f:close()
end

--- The row of the docs table for `setting`, with its range and rule; fails if it is missing.
local function in_doc(setting, range, rule)
	local row = string.format("| %s | %s | %s |", setting, range, rule)
	t.check(string.find(doc, row, 1, true), "docs/LUA_API.md has no row %s", row)
end

--- Fails unless f(...) raises an error naming every one of `words`.
local function refused(words, what, f, ...)
	local ok, err = pcall(f, ...)
	t.check(not ok, "%s was taken", what)
	for _, w in ipairs(words) do
		t.check(string.find(tostring(err), w, 1, true), "%s: error '%s' lacks '%s'", what, tostring(err), w)
	end
end

-- pktgen.set and the CLI's set: read is where the setting lands; `low` what the lowest value
-- reads as (0 rate is 0.01, 0 prime is 1).
local SET = {
	{ "count", "0 or more", "refuse", 0, nil, function() return cfg.count end },
	{ "size", "64..1518", "clamp", 64, 1518, function() return cfg.pkt.size end },
	{ "rate", "0..100", "clamp", 0, 100, function() return cfg.rate end, 0.01 },
	{ "burst", "1..256", "clamp", 1, 256, function() return cfg.tx_burst end },
	{ "rxburst", "1..256", "clamp", 1, 256, function() return cfg.rx_burst end },
	{ "cycles", "0 or more", "refuse", 0, nil, function() return cfg.cycles end },
	{ "prime", "0..4", "clamp", 0, 4, function() return cfg.prime end, 1 },
	{ "dump", "0..32", "clamp", 0, 32, function() return cfg.dump end },
	{ "seq_cnt", "0..16", "clamp", 0, 16, function() return cfg.seq_cnt end },
}

local function cli_set(key, v)
	return cli.run_line(string.format("set 0 %s %s", key, v))
end

for _, r in ipairs(SET) do
	local key, range, rule, lo, hi, read, low = table.unpack(r, 1, 7)
	in_doc("`" .. key .. "`", range, rule)
	local words = { "'" .. key .. "'", range }
	for _, bad in ipairs({ 0 / 0, math.huge, -math.huge, -1, "abc" }) do
		refused(words, "set " .. key .. " " .. tostring(bad), pktgen.set, 0, key, bad)
	end
	-- Text the CLI passes on: a negative, infinities written as overflowing numbers, and words.
	for _, bad in ipairs({ "-1", "1e999", "-1e999", "abc" }) do
		refused(words, "CLI set " .. key .. " " .. bad, cli_set, key, bad)
	end
	for _, set in ipairs({ function(v) pktgen.set(0, key, v) end, function(v) cli_set(key, v) end }) do
		set(lo)
		t.eq(key .. " " .. lo, read(), low or lo)
		if hi then
			set(hi)
			t.eq(key .. " " .. hi, read(), hi)
			set(hi + 1)
			t.eq(key .. " " .. (hi + 1) .. " (clamped)", read(), hi)
		else
			set(math.maxinteger)
			t.eq(key .. " largest", read(), math.maxinteger)
		end
	end
	pktgen.reset(0)
	cfg = config.get(0)
end
t.fails("set: value for 'rate' must be a finite number, got '-nan'", pktgen.set, "0", "rate", "-nan")
in_doc('`latency(pl, "rate", us)`', "0..1000000", "refuse")
for _, bad in ipairs({ -1, 1000001, 0 / 0, math.huge }) do
	refused({ "latency: rate (us)", "0..1000000" }, "latency rate " .. tostring(bad), pktgen.latency, 0, "rate", bad)
	refused({ "latency: rate (us)", "0..1000000" }, "CLI latency rate " .. tostring(bad), cli.run_line,
		"latency 0 rate " .. (bad ~= bad and "nan" or bad == math.huge and "1e999" or tostring(bad)))
end
in_doc('`range.pkt_size(pl, "start"\\|"min"\\|"max", n)`', "64..1518", "clamp")
for _, bad in ipairs({ -1, 0 / 0, -math.huge, "abc" }) do
	refused({ "range.pkt_size: size", "64..1518" }, "range size " .. tostring(bad), pktgen.range.pkt_size, 0, "max", bad)
end
for _, e in ipairs({ { 64, 64 }, { 1518, 1518 }, { 10, 64 }, { 100000, 1518 } }) do
	cli.run_line("range 0 size max " .. e[1])
	t.eq("range size max " .. e[1], cfg.range.pkt_size.max, e[2])
end
for _, us in ipairs({ 0, 1000000 }) do
	pktgen.latency(0, "rate", us)
	t.eq("latency rate " .. us, cfg.latency.rate_us, us)
end
t.fails("set: value for 'catch_up' must be \"smooth\" or \"exact\", got 'fast'", pktgen.set, 0, "catch_up", "fast")

-- The port's own stream: rate "max" sends unpaced, cycles pace by TSC cycles per burst, a rate
-- paces by it again, and smooth catch-up is the default.
local streamspec = require "pktgen.internal.streamspec"
t.eq("own stream's catch-up", streamspec.spec(cfg).catch_up, "smooth")
cli.run_line("set 0 catch_up exact")
t.eq("catch_up exact", streamspec.spec(cfg).catch_up, "exact")
cli.run_line("set 0 rate max")
t.eq("rate max: no engine rate (unpaced)", streamspec.spec(cfg).rate, nil)
pktgen.set(0, "burst", 16)
pktgen.set(0, "cycles", 1000)
t.eq("cycles 1000, burst 16", streamspec.spec(cfg).rate.pps, engine.tsc_hz() * 16 / 1000)
t.eq("cycles shown as tx_cycles", pktgen.portInfo(0)[0].info.tx_debug.tx_cycles, 1000)
cli.run_line("set 0 rate 50")
t.eq("a rate clears cycles", streamspec.spec(cfg).rate.percent, 50.0)
pktgen.reset(0)
cfg = config.get(0)

-- pktgen.streams.add: ours, refused outside the range.
local STREAM = {
	{ "`rate` (percent)", "(0, 100]", "rate", { 0, -1, 101, 0 / 0, math.huge, "0%", "101%" }, { 100, 0.001, "100%" } },
	{ "`rate` (pps, bps)", "(0, inf)", "rate", { { pps = 0 }, { pps = -1 }, { pps = 0 / 0 }, { bps = math.huge }, "0pps" },
		{ { pps = 1 }, "1Gbps", "max" } },
	{ "`count`", "0 or more", "count", { -5, 0 / 0, math.huge, "x" }, { 0, math.maxinteger } },
	{ "`burst`", "1..256", "burst", { 0, 257, 100000, -1, 0 / 0 }, { 1, 256 } },
	{ "`bursts.count`", "0 or more", "bursts", { { size = 1, count = -1 }, { size = 1, count = 0 / 0 } },
		{ { size = 1, count = 0 } } },
	{ "`bursts.size`", "1..4294967295", "bursts", { { size = 0 }, { size = 4294967296 }, { size = -1 } },
		{ { size = 1 }, { size = 4294967295 } } },
	{ "`bursts.gap_us`", "0..1000000000000", "bursts", { { size = 1, gap_us = -1 }, { size = 1, gap_us = 1000000000001 } },
		{ { size = 1, gap_us = 0 }, { size = 1, gap_us = 1000000000000 } } },
	{ "`delay_ms`", "0..1000000000", "delay_ms", { -1, 1000000001, math.huge }, { 0, 1000000000 } },
}
for _, r in ipairs(STREAM) do
	local setting, range, key, bads, goods = table.unpack(r)
	in_doc(setting, range, "refuse")
	for _, bad in ipairs(bads) do
		local what = string.format("streams.add %s = %s", key, tostring(type(bad) == "table" and next(bad) or bad))
		refused({ "streams.add", range }, what, pktgen.streams.add, 0, { [key] = bad })
	end
	for _, good in ipairs(goods) do
		local id = pktgen.streams.add(0, { [key] = good, latency = false })
		pktgen.streams.remove(0, id)
	end
end
-- The issue's own examples.
refused({ "count", "-5", "0 or more" }, "count -5", pktgen.streams.add, 0, { count = -5 })
refused({ "burst", "100000", "1..256" }, "burst 100000", pktgen.streams.add, 0, { burst = 100000 })
t.eq("rate max is unpaced", require("pktgen.api.streams").rate("streams.add", "max"), nil)

-- The engine's spec, the contract every path ends in.
local frame = { data = string.rep("\0", 60) }
local ENGINE = {
	{ "`spec.rate.percent`", "(0, 100]", { rate = { percent = 0 / 0 } }, { rate = { percent = 100.5 } } },
	{ "`spec.rate.pps`, `spec.rate.bps`", "(0, inf)", { rate = { pps = 0 } }, { rate = { bps = math.huge } } },
	{ "`spec.count`", "0..=9223372036854775807", { count = -1 }, { count = 0 / 0 } },
	{ "`spec.burst`", "1..=256", { burst = 0 }, { burst = 257 } },
	{ "`spec.bursts.size`", "1..=4294967295", { bursts = { size = 0 } }, { bursts = { size = 4294967296 } } },
}
for _, r in ipairs(ENGINE) do
	in_doc(r[1], r[2], "refuse")
	for i = 3, #r do
		local spec = r[i]
		spec.templates = { frame }
		refused({ r[2] }, r[1], engine.stream_start, 0, 1, spec)
	end
end
-- Edges taken: one packet each, at the slowest and fastest rates and bursts.
for _, spec in ipairs({ { rate = { percent = 100 }, burst = 1 }, { rate = { pps = 1e-3 }, burst = 256 }, {} }) do
	spec.templates, spec.count = { frame }, 1
	engine.stream_start(0, 1, spec)
	engine.stream_stop(0, 1)
end

printf("rates: ok\n")
