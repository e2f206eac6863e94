--- Several streams on port 0 (pktgen.streams): each holds its own rate and count, has its own
-- histogram, stops alone; an IMIX gives exact size counts per cycle; a multi-burst stream sends
-- bursts x packets with its gap. runtime/tests/queues.rs runs this on two TX queues as well.
package.path = package.path .. ";test/?.lua"
local t = require "testing"
local engine = require "engine"

local function rx(name)
	return pktgen.streams.stats(0, name).rx_packets
end

-- 1. Two streams at 1 % and 3 % of 10 Gb/s: each one's received rate, over two seconds inside
-- the run, within 0.5 % of its own (packets a starved worker let go count as sent on schedule;
-- the rate is a slope over 21 readings, so one taken while a worker was held up counts little).
local SIZE = 128
local function pps(pct) return 10e9 * pct / 100 / ((SIZE + 20) * 8) end
pktgen.streams.add(0, { name = "one", size = SIZE, proto = "udp", rate = 1, catch_up = "exact" })
pktgen.streams.add(0, { name = "three", size = SIZE, proto = "udp", rate = "3%", catch_up = "exact" })
t.fails("port 0 already has a stream named 'one'", pktgen.streams.add, 0, { name = "one" })
t.fails("streams.add: unknown key 'sise'", pktgen.streams.add, 0, { sise = 64 })
t.fails("streams.add: rate 'fast' is not", pktgen.streams.add, 0, { rate = "fast" })
pktgen.clr()
pktgen.streams.start(0)
pktgen.delay(500)
local one, three = t.rates(function()
	local s1, s3 = pktgen.streams.stats(0, "one"), pktgen.streams.stats(0, "three")
	return s1.rx_packets + s1.tx_skipped, s3.rx_packets + s3.tx_skipped
end, 2)
for _, c in ipairs({ { "one", one, pps(1) }, { "three", three, pps(3) } }) do
	print(string.format("stream %s: %.0f pps received, %+.3f %% of %.0f", c[1], c[2], (c[2] / c[3] - 1) * 100, c[3]))
	t.check(math.abs(c[2] / c[3] - 1) < 0.005, "stream %s: %.0f pps is not within 0.5 %% of %.0f", c[1], c[2], c[3])
end

-- 2. Stopping one leaves the other running; their histograms are their own.
pktgen.streams.stop(0, "one")
local sent = pktgen.streams.stats(0, "one").tx_packets
local before = rx("three")
t.wait_for("stream three to go on", function() return rx("three") > before + 10000 end)
t.check(pktgen.streams.stats(0, "three").sending, "stream three still sends")
t.check(not pktgen.streams.stats(0, "one").sending, "stream one stopped")
t.wait_for("stream one's last packets", function() return rx("one") == sent end)
t.eq("stream one's histogram", pktgen.streams.histogram(0, "one"):count(), sent)
pktgen.streams.stop(0)
t.wait_for("stream three's last packets", function()
	return rx("three") == pktgen.streams.stats(0, "three").tx_packets
end)
t.eq("stream three's histogram", pktgen.streams.histogram(0, "three"):count(), rx("three"))
t.eq("stream three lost", pktgen.streams.stats(0, "three").lost, 0)
pktgen.streams.remove(0, "one")
pktgen.streams.remove(0, "three")

-- 2a. Paced streams that together ask for more than the link are refused, naming the sum; the
-- running one goes on, and once it has stopped the other starts.
pktgen.streams.add(0, { name = "most", size = SIZE, proto = "udp", rate = "90%" })
pktgen.streams.add(0, { name = "more", size = SIZE, proto = "udp", rate = "20%", count = 100 })
pktgen.streams.start(0, "most")
t.fails("port 0's paced streams would ask for 11.000 Gb/s of its 10.000 Gb/s link", pktgen.streams.start, 0, "more")
t.check(pktgen.streams.stats(0, "most").sending, "the running stream goes on after the refusal")
pktgen.streams.stop(0, "most")
pktgen.streams.start(0, "more")
t.wait_for("the second stream alone", function() return not pktgen.streams.stats(0, "more").sending end)
t.eq("the second stream's packets", pktgen.streams.stats(0, "more").tx_packets, 100)
pktgen.streams.remove(0, "most")
pktgen.streams.remove(0, "more")

-- 3. Exact counts: 7:4:1 IMIX over 100 whole cycles, a 64-byte TCP stream beside it measured by
-- probes, and a paused stream that resumes where it stopped.
pktgen.streams.add(0, { name = "imix", proto = "udp", imix = "7:4:1", rate = "50kpps", count = 1200 })
pktgen.streams.add(0, { name = "tcp", size = 64, rate = "20kpps", count = 2000 })
local page = pktgen.pageText("streams", 140)
t.check(string.find(page, "imix 64-1518 B", 1, true) and string.find(page, "tcp", 1, true),
	"the streams page shows the streams:\n%s", page)
pktgen.clr()
pktgen.streams.start(0)
pktgen.streams.pause(0, "imix")
local paused = pktgen.streams.stats(0, "imix").tx_packets
pktgen.streams.resume(0, "imix")
t.wait_for("both streams to finish", function() return pktgen.isSending(0)[0] == "n" end)
t.wait_for("port 1 to receive them", function()
	return engine.stats(1).rx_packets == engine.stats(0).tx_packets
end)
local sz = engine.stats(1).sizes
local probes = pktgen.streams.stats(0, "tcp").probes
print(string.format("imix paused after %d; tcp: %d probes", paused, probes))
t.eq("imix total", pktgen.streams.stats(0, "imix").tx_packets, 1200)
t.eq("imix received", rx("imix"), 1200)
t.eq("594-byte frames", sz._512_1023, 400)
t.eq("1518-byte frames", sz._1024_1518, 100)
t.eq("64-byte frames (imix, tcp, probes)", sz._64, 700 + 2000 + probes)
t.eq("tcp sent", pktgen.streams.stats(0, "tcp").tx_packets, 2000)
t.eq("tcp is not recognised on the receive side", rx("tcp"), nil)
t.check(probes > 0, "probes beside the 64-byte TCP stream")
t.eq("tcp's histogram counts its probes", pktgen.streams.histogram(0, "tcp"):count(), probes)
pktgen.streams.remove(0, "imix")
pktgen.streams.remove(0, "tcp")

-- 3a. A stream's probes start in the same step as the stream: a control thread held up right
-- after the start (here on purpose, for longer than the whole stream lasts) still finds probes
-- sent beside it, where probes started by a second call found the stream ended and sent none.
pktgen.streams.add(0, { name = "short", size = 64, proto = "tcp", rate = "20kpps", count = 1000 })
local start = engine.stream_start
engine.stream_start = function(...)
	start(...)
	local held = engine.now()
	repeat until engine.now() - held > 0.3
end
local ok, err = pcall(pktgen.streams.start, 0, "short")
engine.stream_start = start
assert(ok, err)
t.wait_for("the short stream to end", function() return not pktgen.streams.stats(0, "short").sending end)
local short = pktgen.streams.stats(0, "short")
print(string.format("short: %d packets, %d probes", short.tx_packets, short.probes))
t.eq("short sent", short.tx_packets, 1000)
t.check(short.probes > 0, "probes beside a stream whose start was held up")
pktgen.streams.remove(0, "short")

-- 4. Four bursts of 50 packets, 5 ms apart, captured: exactly 200 packets, and between the
-- bursts a gap of at least 5 ms, read from the send times the packets' stamps carry (the low 48
-- bits of the TSC in the stamp's second word: receive times move with the receiver's lcore).
pktgen.streams.add(0, { name = "bursts", size = 64, proto = "udp", rate = 10, bursts = { count = 4, size = 50, gap_us = 5000 } })
pktgen.clr()
engine.capture_start(1)
pktgen.streams.start(0, "bursts")
t.wait_for("the bursts", function() return not pktgen.streams.stats(0, "bursts").sending end)
t.wait_for("their arrival", function() return engine.stats(1).rx_packets == 200 end)
local n, dropped, packets = engine.capture_stop(1)
t.eq("captured", n + dropped, 200)
local function sent_ns(pk)
	local w1 = string.unpack("<I8", pk.data, #pk.data - 7)
	return (w1 & 0xffffffffffff) * 1e9 / engine.tsc_hz()
end
table.sort(packets, function(a, b) return sent_ns(a) < sent_ns(b) end)
local gaps = {}
for i = 2, #packets do
	local d = sent_ns(packets[i]) - sent_ns(packets[i - 1])
	if d > 1e6 then
		gaps[#gaps + 1] = d
	end
end
t.eq("gaps between the bursts", #gaps, 3)
-- Every gap is at least the one asked; a worker kept from its CPU can lengthen one, but not all
-- three, so only the shortest must be near 5 ms.
local shortest = math.huge
for _, g in ipairs(gaps) do
	print(string.format("burst gap %.3f ms", g / 1e6))
	t.check(g >= 5e6, "a gap of %.3f ms, want at least 5 ms", g / 1e6)
	shortest = math.min(shortest, g)
end
t.check(shortest < 25e6, "the shortest gap is %.3f ms, want 5 ms (and not far more)", shortest / 1e6)
pktgen.streams.print(0)
pktgen.streams.remove(0, "bursts")
t.eq("streams left", #pktgen.streams.list(0), 0)
print("streams: ok")
