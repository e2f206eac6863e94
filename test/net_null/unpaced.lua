--- Port 0's own stream on net_null (runtime/tests/unpaced.rs starts pktgen on it): rate "max"
-- sends well above the port's nominal 10 Gb/s line rate, a rate set again brings it back to the
-- line rate, and Pktgen's cycles pace by TSC cycles per burst. Rates are slopes of the counters
-- (sent plus what smooth catch-up skipped after a stall: the schedule), not wall-time checks.
package.path = package.path .. ";test/?.lua"
local t = require "testing"
local engine = require "engine"

local speed = engine.info(0).speed
t.eq("net_null's nominal speed (Mb/s)", speed, 10000)
local line = speed * 1e6 / ((64 + 20) * 8)

local function rate()
	pktgen.delay(300)
	return t.rates(function()
		return engine.stats(0).tx_packets + engine.stream_stats(0, 0).tx_skipped
	end, 2)
end

pktgen.set(0, "size", 64)
pktgen.set(0, "count", 0)
pktgen.set(0, "rate", "max")
pktgen.start(0)
local max = rate()
print(string.format("unpaced: %.2f Mpps, %.2fx the line rate of %.2f Mpps", max / 1e6, max / line, line / 1e6))
t.check(max > 1.5 * line, "rate max sent %.0f pps, not above 1.5x the line rate %.0f", max, line)

-- A changed setting reaches a port that sends forever at once.
pktgen.set(0, "rate", 100)
local back = rate()
print(string.format("rate 100: %.3f Mpps (%+.2f %%)", back / 1e6, (back / line - 1) * 100))
t.check(math.abs(back / line - 1) < 0.01, "rate 100 sent %.0f pps, not within 1 %% of %.0f", back, line)

-- cycles: TSC cycles from one 32-packet burst to the next, for 1 Mpps.
local want = 1e6
pktgen.set(0, "burst", 32)
pktgen.set(0, "cycles", engine.tsc_hz() * 32 // want)
local cyc = rate()
print(string.format("cycles %d: %.3f Mpps", engine.tsc_hz() * 32 // want, cyc / 1e6))
t.check(math.abs(cyc / want - 1) < 0.01, "cycles sent %.0f pps, not within 1 %% of %.0f", cyc, want)
pktgen.stop(0)

print("unpaced: ok")
