--- Latency without changing what is measured (runtime/tests/probes.rs reads its output and the
-- capture it leaves): 64-byte TCP frames keep their size with latency on, probes beside them
-- carry the stamps, and at 100 % of the link the frame rate is the link's; 64-byte UDP frames
-- still carry a stamp each. Prints CAPTURE <file> for tshark and ends with "probes: ok".
package.path = package.path .. ";test/?.lua"
local t = require "testing"
local engine = require "engine"

local LINE_PPS = 10e9 / ((64 + 20) * 8) -- 14.88 Mpps of 64-byte frames at 10 Gb/s
local PROBE_US = 10

-- 1. TCP (the default protocol), 64 bytes, latency on, probes every 10 us, 100 % of the link.
pktgen.set(0, "size", 64)
pktgen.set(0, "rate", 100)
pktgen.set(0, "count", 0)
pktgen.latency("0-1", "on")
pktgen.latency(0, "rate", PROBE_US)
pktgen.clr()
pktgen.start(0)
-- The frame rate over two seconds inside the run: traffic and probes together. A worker starved
-- of its CPU for more than 10 ms (a busy test machine) lets the excess go and counts it as
-- skipped: the schedule's rate is what was sent and skipped, a slope over 21 readings.
pktgen.delay(500)
local t0 = engine.now()
local rate, skipped = t.rates(function()
	return engine.stats(0).tx_packets, engine.stream_stats(0, 0).tx_skipped + engine.stream_stats(0, 63).tx_skipped
end, 2)
local t1 = engine.now()
print(string.format("frame rate %.0f pps (%.0f skipped after stalls), %+.3f %% of %.0f", rate, skipped,
	((rate + skipped) / LINE_PPS - 1) * 100, LINE_PPS))
t.check(math.abs((rate + skipped) / LINE_PPS - 1) < 0.005, "frame rate %.0f (+%.0f skipped) is not within 0.5 %% of %.0f",
	rate, skipped, LINE_PPS)
pktgen.stop(0)
t.wait_for("port 1 to receive everything", function()
	return engine.stats(1).rx_packets == engine.stats(0).tx_packets
end)
local s1, sent = engine.stats(1), engine.stats(0).tx_packets
t.eq("every frame received is 64 bytes", s1.sizes._64, s1.rx_packets)
local pr = pktgen.latencyProbes(0)[0]
local lat = engine.latency(1)
print(string.format("probes %d of %d frames (%.3f %%), latency samples %d", pr.probes, sent, pr.share * 100, lat.count))
t.check(pr.probes > 0, "no probes were sent")
t.eq("the histogram counts the probes", lat.count, pr.probes)
t.eq("lost probes", lat.lost, 0)
-- 1 frame in N is a probe, N from the interval: at this rate, one per 10 us.
local want = (t1 - t0) * 1e6 / PROBE_US
t.check(pr.probes > want, "%d probes in a run longer than %.1f s: want more than %.0f", pr.probes, t1 - t0, want)

-- 2. A capture of a shorter run for tshark: TCP frames and UDP probes, all 64 bytes.
pktgen.set(0, "rate", 10)
pktgen.clr()
pktgen.capture(1, "on")
t.send(10000)
t.wait_for("the capture", function() return engine.stats(1).rx_packets >= 10000 end)
pktgen.capture(1, "off")
print("CAPTURE " .. require("pktgen.api.capture").last[1].path)
print("TSC_HZ " .. engine.tsc_hz())

-- 3. UDP frames of 64 bytes have room: every one carries the stamp, and no probe is sent.
pktgen.set_proto(0, "udp")
pktgen.latency(0, "rate", 0)
pktgen.clr()
t.send(50000)
t.wait_for("every stamp", function() return engine.latency(1).count == 50000 end)
t.eq("UDP frames received", engine.stats(1).sizes._64, 50000)
t.eq("probes beside UDP", pktgen.latencyProbes(0)[0].probes, 0)
print("probes: ok")
