--- Latency through the pktgen API: every packet stamped by default, 1 in N with a probe rate,
-- the histogram object, the legacy pktStats fields, the sampler file, and the errors.
package.path = package.path .. ";test/?.lua"
local t = require "testing"
local check, eq, fails = t.check, t.eq, t.fails

local function send(n)
	pktgen.clr()
	t.send(n)
	-- The last packets may still be in the ring. The receiving worker publishes a burst's
	-- latencies before its own packet count (qstats; the driver's count in curr comes earlier),
	-- so once that count has every packet, the histogram has every stamp.
	t.wait_for("port 1 to receive them", function() return pktgen.portStats(1)[1].qstats[0].ipackets >= n end)
end

pktgen.set(0, "rate", 1)
pktgen.set_proto(0, "udp")
pktgen.latency("0-1", "on")
send(5000)
local h = pktgen.latencyHistogram(1)
check(h:count() == 5000, "every packet is stamped: %d", h:count())
check(h.lost == 0 and h.reordered == 0 and h.duplicate == 0, "no loss on the ring")
check(h:min() > 0 and h:min() <= h:percentile(50) and h:percentile(50) <= h:max(), "ordered percentiles")
local p = h:percentiles({ 50, 99 })
check(p[50] == h:percentile(50) and p[99] == h:percentile(99), "percentiles table")
check(h:min() <= h:mean() and h:mean() <= h:max(), "mean %g outside min..max", h:mean())
-- 5000 ring latencies are not all alike; their spread is below the range.
check(h:stdev() > 0 and h:stdev() <= h:max() - h:min(), "stdev %g, range %d", h:stdev(), h:max() - h:min())
check(string.find(h:format(), "p99.99", 1, true), "the report has a percentile table")
for line in string.gmatch(h:format(), "[^\n]+") do
	check(#line <= 80, "report line longer than 80 columns: %q", line)
end
check(string.sub(h:csv(), 1, 7) == '"Value"', "CSV header")

-- The legacy shape, with our numbers in it.
local l = pktgen.pktStats(1)[1].latency
for _, k in ipairs { "rate_us", "entropy", "jitter_threshold", "jitter_count", "num_pkts", "num_skipped",
	"min_cycles", "avg_cycles", "max_cycles", "min_us", "avg_us", "max_us" } do
	check(l[k] ~= nil, "pktStats latency.%s missing", k)
end
check(l.num_pkts == 5000, "num_pkts %d", l.num_pkts)
eq("num_skipped", l.num_skipped, h.lost + h.reordered)
eq("jitter_count", l.jitter_count, h.jitter_over)
eq("jitter_threshold", l.jitter_threshold, 50)
eq("rate_us", l.rate_us, 10000)
eq("entropy", l.entropy, 0)
eq("min_us", l.min_us, h:min() / 1e3)
eq("max_us", l.max_us, h:max() / 1e3)
-- avg is the exact mean; the histogram's is of its buckets (3 digits: within 0.1 %).
check(math.abs(l.avg_us * 1e3 - h:mean()) <= h:mean() / 1000, "avg_us %g, histogram mean %g ns", l.avg_us, h:mean())
local hz = require("engine").tsc_hz()
eq("min_cycles", l.min_cycles, math.floor(h:min() * hz / 1e9))
eq("max_cycles", l.max_cycles, math.floor(h:max() * hz / 1e9))
check(math.abs(l.avg_cycles - l.avg_us * 1e3 * hz / 1e9) <= 1, "avg_cycles %d for %g us", l.avg_cycles, l.avg_us)

-- merge: two snapshots add up; reset empties the port's measurement.
local total = pktgen.newHistogram()
total:merge(h):merge(h)
check(total:count() == 10000, "merged count %d", total:count())
h:reset()
check(pktgen.latencyHistogram(1):count() == 0, "reset")

-- A probe rate stamps 1 packet in N: 1 % of 10 Gb/s at 64 bytes is 148810 pps; 100 us -> 1 in 15.
pktgen.latency(0, "rate", 100)
send(3000)
check(pktgen.latencyHistogram(1):count() == 200, "1 in 15 of 3000: %d", pktgen.latencyHistogram(1):count())
pktgen.latency(0, "rate", 0)

-- The sampler writes "Latency" then one value per line.
local path = os.tmpname()
pktgen.latsampler_params(1, "simple", 20, 1000, path)
pktgen.set(0, "count", 0)
pktgen.start(0)
pktgen.latsampler(1, "on")
-- 20 samples at 1000/s: the sampler writes the file (empty until then) once it has them all.
t.wait_for("the sampler's file", function()
	local lines = 0
	for _ in io.lines(path) do lines = lines + 1 end
	return lines >= 21
end)
pktgen.latsampler(1, "off")
pktgen.stop(0)
local f = assert(io.open(path))
check(f:read("l") == "Latency", "sampler header")
local n = 0
for line in f:lines() do
	check(tonumber(line) and tonumber(line) > 0, "sample %q", line)
	n = n + 1
end
f:close()
os.remove(path)
check(n == 20, "20 samples, got %d", n)

-- Errors and Pktgen's mode rules.
fails("latency, wrong number of arguments", pktgen.latency, 0)
fails("latency, invalid arguments must be rate or entropy", pktgen.latency, 0, "speed", 3)
fails("latsampler_params: type 'fancy'", pktgen.latsampler_params, 1, "fancy", 10, 10, "/tmp/x")
fails("latsampler_params: 60000 samples", pktgen.latsampler_params, 1, "simple", 60000, 10, "/tmp/x")
fails("latsampler: set latsampler_params for port 0 first", pktgen.latsampler, 0, "on")
fails("invalid portlist", pktgen.latencyHistogram, "x")
pktgen.vlan(0, "on")   -- an encapsulation turns latency off, as in Pktgen
send(100)
check(pktgen.latencyHistogram(1):count() == 0, "vlan turned latency off")
pktgen.vlan(0, "off")

-- A 64-byte TCP frame has no room for the stamp: the frames keep their size, and probes beside
-- them carry the stamps.
pktgen.latency(0, "on")
pktgen.set_proto(0, "tcp")
pktgen.clr()
send(1000)
local probes = pktgen.latencyProbes(0)[0].probes
check(probes >= 1, "probes beside the TCP frames: %d", probes)
check(pktgen.portStats(1)[1].sizes._64 == 1000 + probes, "every frame stays 64 bytes")
check(pktgen.latencyHistogram(1):count() == probes, "the histogram counts the probes")
print("latency: ok")
