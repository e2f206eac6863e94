--- The rfc2544 module on the back-to-back ports: every test with short trials, the report's
-- shape and files, bidirectional runs, progress lines, and clear errors for bad options. (The
-- search against a real DUT with known loss is runtime/tests/rfc2544.rs with test/rfc2544_dut.lua.)
package.path = package.path .. ";test/?.lua"
local t = require "testing"
local check, eq, fails = t.check, t.eq, t.fails
local engine = require "engine"
local rfc2544 = require "rfc2544"

pktgen.screen("off")

-- Options are checked before any traffic, with the option named.
fails("unknown option 'durtion'", rfc2544.run, { durtion = 5 })
fails("option 'sizes' must hold whole frame sizes of 64..1518 bytes, got 63", rfc2544.run, { sizes = { 63 } })
fails("option 'sizes' must hold whole frame sizes", rfc2544.run, { sizes = { "big" } })
fails("option 'tests' must name throughput, latency, loss or back_to_back, got jitter", rfc2544.run,
	{ tests = { "jitter" } })
fails("option 'rate_min' must be below rate_max (50), got 60", rfc2544.run, { rate_min = 60, rate_max = 50 })
fails("option 'loss_tolerance' must be within 0..100, got -1", rfc2544.run, { loss_tolerance = -1 })
fails("option 'duration' must be a number, got soon", rfc2544.run, { duration = "soon" })
fails("rfc2544 rx: invalid portlist 'x'", rfc2544.run, { rx = "x" })
fails("option 'rx' names no port of this pktgen (it has 2), got 7", rfc2544.run, { rx = "7" })
fails("options must be a table, got string", rfc2544.run, "fast")
fails("rfc2544.latency needs latency_rate", rfc2544.latency, {})
pktgen.set(1, "rate", 1)
pktgen.start(1)
fails("port 1 is sending; stop it before the benchmark", rfc2544.run, { duration = 10 })
pktgen.stop(1)

-- Every test, two sizes, short trials; the ring loses nothing, so each search ends at its first
-- trial and the loss curve after two clean steps.
local lines = {}
local sizes = { 64, 1518 }
local r = rfc2544.run {
	sizes = sizes, duration = 200, confirm = 300, settle = 500, loss_step = 25, b2b_max = 20000, b2b_repeats = 3,
	progress = function(l) lines[#lines + 1] = l end,
	title = "ring <test>",
}
eq("sizes in the report", #r.sizes, 2)
for i, s in ipairs(r.sizes) do
	eq("size", s.size, sizes[i])
	local line = 10e9 / ((s.size + 20) * 8)
	check(math.abs(s.line_pps - line) < 1, "%dB line rate %g", s.size, s.line_pps)
	local tp = s.throughput
	check(tp.loss == 0 and tp.confirmed == true, "%dB: lossless and confirmed", s.size)
	check(tp.pps > 0 and tp.tx == tp.rx, "%dB: %d sent, %d received", s.size, tp.tx, tp.rx)
	check(math.abs(tp.percent - tp.pps * 100 / line) < 1e-6, "%dB: percent is pps over the line rate", s.size)
	check(math.abs(tp.mpps * 1e6 - tp.pps) < 1e-6 and math.abs(tp.mbps - tp.pps * (s.size + 20) * 8 / 1e6) < 1e-6,
		"%dB: Mpps and Mbit/s from pps", s.size)
	local l = s.latency
	check(l.count > 0 and l.rate == tp.rate, "%dB: latency measured at the throughput rate", s.size)
	check(l.min <= l.p50 and l.p50 <= l.p99 and l.p99 <= l.p99_9 and l.p99_9 <= l.max,
		"%dB: ordered percentiles %d %d %d %d %d", s.size, l.min, l.p50, l.p99, l.p99_9, l.max)
	check(l.min <= l.mean and l.mean <= l.max and l.jitter >= 0, "%dB: mean and jitter", s.size)
	eq(s.size .. "B loss steps", #s.loss, 2)
	eq("first loss step", s.loss[1].step, 100)
	eq("second loss step", s.loss[2].step, 75)
	for _, p in ipairs(s.loss) do
		check(p.loss_pct == 0 and p.tx > 0 and p.tx == p.rx, "%dB loss at %g%%", s.size, p.step)
	end
	local b = s.back_to_back
	check(b.frames == 20000 and b.unlimited and b.repeats == 1, "%dB: the longest burst arrives whole", s.size)
end
-- A progress line per trial, with its numbers.
eq("progress lines", #lines, #r.trials)
for i, tr in ipairs(r.trials) do
	local want = string.format("tx %d rx %d loss %d", tr.tx, tr.rx, tr.loss)
	check(string.find(lines[i], want, 1, true) and string.find(lines[i], tr.size .. "B", 1, true),
		"progress line %q lacks %q", lines[i], want)
end
-- The tables printed at the end.
local text = r:format()
for _, want in ipairs { "ring <test>: port 0 -> port 1, NDR", "Throughput", "Latency in us", "Frame loss rate",
	"Back-to-back", "    64", "  1518" } do
	check(string.find(text, want, 1, true), "the report lacks %q:\n%s", want, text)
end
-- CSV: a header and a row per size; the trials file a row per trial.
local csv = r:csv()
local rows = {}
for row in string.gmatch(csv, "[^\n]+") do
	rows[#rows + 1] = row
end
eq("CSV rows", #rows, 3)
check(string.sub(rows[1], 1, 14) == "size,line_pps,", "CSV header %q", rows[1])
check(string.sub(rows[2], 1, 3) == "64," and string.sub(rows[3], 1, 5) == "1518,", "CSV rows by size")
local n = 0
for _ in string.gmatch(r:trials_csv(), "[^\n]+") do
	n = n + 1
end
eq("trial CSV rows", n, #r.trials + 1)
-- The chart escapes the title and has a bar per size.
local svg = r:svg()
check(string.find(svg, "ring &lt;test&gt;", 1, true), "the SVG title is escaped")
local bars = 0
for _ in string.gmatch(svg, "<title>%d+ B: [%d.]+ Mpps") do
	bars = bars + 1
end
eq("throughput bars", bars, 2)

-- Files under a prefix.
local prefix = os.tmpname()
r:write(prefix)
for _, f in pairs(r.files) do
	local h = io.open(f, "r")
	check(h ~= nil, "%s was written", f)
	local body = h:read("a")
	h:close()
	check(#body > 0, "%s is not empty", f)
	os.remove(f)
end
os.remove(prefix)
eq("files", r.files.json, prefix .. ".json")

-- Both ways: each port sends and receives, and the counts add up over both.
pktgen.clr()
local out = rfc2544.throughput { sizes = { 256 }, bidirectional = true, duration = 200, confirm = 0, settle = 500,
	progress = false }
local tp = out[1].throughput
check(tp.loss == 0 and tp.tx > 0, "bidirectional: lossless")
local s0, s1 = engine.stats(0), engine.stats(1)
check(s0.tx_packets > 0 and s1.tx_packets > 0, "both ports sent")
eq("frames sent over both ports", s0.tx_packets + s1.tx_packets, tp.tx)
eq("stamped frames received over both ports", engine.latency(0).count + engine.latency(1).count, tp.rx)
-- Per-port rate: the total over two senders is twice what one port sends.
check(math.abs(tp.percent - tp.pps * 100 / (2 * 10e9 / (276 * 8))) < 1e-6, "bidirectional percent per port")

-- The latency test on its own, at a rate given; the port's own settings are left as they were.
pktgen.set(0, "size", 128)
local lat = rfc2544.latency { sizes = { 64 }, latency_rate = 1, duration = 100, settle = 500, progress = false }
check(lat[1].latency.count == math.floor(10e9 / (84 * 8) / 100 * 0.1 + 0.5), "latency trial of 100 ms at 1 %%")
eq("port 0's size", pktgen.portInfo(0)[0].info.pkt_size, 128)
eq("port 0's protocol", pktgen.portInfo(0)[0].info.proto_type, "TCP")

-- Range mode walks its fields with the benchmark's size in every frame; sequence mode is refused.
pktgen.range.dst_ip(0, "inc", "0.0.0.1")
pktgen.set_range(0, "on")
pktgen.clr()
local rg = rfc2544.throughput { sizes = { 128 }, duration = 100, confirm = 0, settle = 500, progress = false }
check(rg[1].throughput.loss == 0 and rg[1].throughput.tx > 0, "range mode: lossless")
eq("128-byte frames received in range mode", engine.stats(1).sizes._128_255, rg[1].throughput.tx)
pktgen.set_range(0, "off")
pktgen.set(0, "seq_cnt", 2)
fails("rfc2544: port 0 is in sequence mode; use single or range mode", rfc2544.throughput, { duration = 10 })
pktgen.set(0, "seq_cnt", 0)

-- line_rate replaces the ports' link speed as 100 %: 1 Gb/s here.
local g = rfc2544.run { sizes = { 64 }, tests = { "throughput" }, line_rate = 1000, duration = 100, confirm = 0,
	settle = 500, progress = false, summary = false }
check(math.abs(g.sizes[1].line_pps - 1e9 / (84 * 8)) < 1e-6, "line rate from line_rate")
eq("frames of a 100 ms trial at 100 % of 1 Gb/s", g.trials[1].tx, math.floor(1e9 / (84 * 8) / 10 + 0.5))

print("rfc2544: ok")
