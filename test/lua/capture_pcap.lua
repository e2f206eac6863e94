--- Capture and pcap replay on the back-to-back pair: pktgen.capture writes a pcap file that the
-- engine reads back; a spec's `pcap` replays a file byte for byte; `pcap_gaps` keeps its timing.
package.path = package.path .. ";test/?.lua"
local engine = require "engine"
local t = require "testing"
local eq, wait_for = t.eq, t.wait_for

local N = 100

pktgen.screen("off")
pktgen.reset("all")
pktgen.clr()

-- 1. pktgen.capture on port 1 while port 0 sends N packets; off writes the file.
pktgen.set_proto(0, "udp")
pktgen.set(0, "size", 128)
pktgen.set(0, "count", N)
pktgen.set(0, "rate", 1)
pktgen.capture(1, "on")
pktgen.start(0)
wait_for("port 1 to receive " .. N, function() return engine.stats(1).rx_packets >= N end)
pktgen.capture(1, "off")
local last = require("pktgen.api.capture").last[1]
assert(last, "capture off wrote no file")
assert(string.match(last.path, "^pktgen%-capture%-p1%-%d+%.pcap$") or string.match(last.path, "^pktgen%-capture%-p1%-%d+%-%d+%.pcap$"),
	"file name " .. last.path)
eq("capture count", last.count, N)
local captured = engine.read_pcap(last.path)
os.remove(last.path)
eq("packets read back", #captured, N)
for i, p in ipairs(captured) do
	eq("packet " .. i .. " length", #p.data, 124)
	eq("packet " .. i .. " len", p.len, 124)
end
-- Receive times are Unix times of this run, and go forward.
local now_ns = os.time() * 1e9
assert(math.abs(captured[1].time_ns - now_ns) < 60e9,
	string.format("first receive time %d ns is not within a minute of now (%d s)", captured[1].time_ns, os.time()))
for i = 2, N do
	assert(captured[i].time_ns >= captured[i - 1].time_ns, "receive time of packet " .. i .. " goes back")
end
-- Sent over about 0.7 ms (1 % of the link), in more than one RX burst (64 at most), each with
-- its own time.
assert(captured[N].time_ns > captured[1].time_ns, "100 packets all received at one instant")
-- a second capture off does nothing
pktgen.capture(1, "off")
eq("no new file", require("pktgen.api.capture").last[1], last)

-- 2. Replaying the capture (spec.pcap) sends exactly its bytes.
local file = os.tmpname()
engine.write_pcap(file, captured)
engine.capture_start(1)
engine.start(0, { pcap = file, count = N })
assert(engine.wait(0, 30000), "replay did not finish")
wait_for("the replay to arrive", function() return engine.stats(1).rx_packets >= 2 * N end)
local n, dropped, got = engine.capture_stop(1)
eq("replayed packets", n, N)
eq("dropped", dropped, 0)
for i = 1, N do
	assert(got[i].data == captured[i].data, "replayed packet " .. i .. " differs from the file")
end

-- 3. pcap_gaps: 3 packets 50 ms apart arrive at least 100 ms apart; without it, at once.
local base = captured[1].data
local spaced = {}
for i = 1, 3 do
	spaced[i] = { data = base, time_ns = 1000000000 + (i - 1) * 50000000 }
end
engine.write_pcap(file, spaced)
local function span(spec)
	engine.clear(1)
	engine.capture_start(1)
	engine.start(0, spec)
	assert(engine.wait(0, 30000), "timed replay did not finish")
	wait_for("3 packets", function() return engine.stats(1).rx_packets >= 3 end)
	local c, _, pk = engine.capture_stop(1)
	eq("timed packets", c, 3)
	return (pk[3].time_ns - pk[1].time_ns) / 1e6
end
local timed = span { pcap = file, pcap_gaps = true, count = 3 }
-- Sent exactly 100 ms apart. The receive stamps move with the receiver's lcore, which an idle
-- receiver polls every millisecond but a busy machine may keep from its CPU for several: 10 %
-- of margin, where the same packets without their gaps take under 50 ms (below).
assert(timed >= 90, string.format("with pcap_gaps 3 packets took %.1f ms, want >= 90", timed))
assert(timed < 1000, string.format("with pcap_gaps 3 packets took %.1f ms", timed))
local fast = span { pcap = file, count = 3 }
assert(fast < 50, string.format("without pcap_gaps 3 packets took %.1f ms", fast))
-- explicit gaps_ns
local explicit = span { templates = { { data = base } }, gaps_ns = { 30000000 }, count = 3 }
assert(explicit >= 54, string.format("gaps_ns 30 ms: 3 packets took %.1f ms, want >= 54", explicit))

-- 4. Sizes are clamped as Pktgen loads a pcap file: a short packet is padded with zeros, one
-- past max_frame cut to it.
engine.write_pcap(file, { string.rep("\1", 20), string.rep("\2", engine.max_frame() + 1) })
engine.clear(1)
engine.capture_start(1)
engine.start(0, { pcap = file, count = 2 })
assert(engine.wait(0, 30000))
wait_for("the two packets", function() return engine.stats(1).rx_packets >= 2 end)
local _, _, clamped = engine.capture_stop(1)
eq("short packet padded", clamped[1].data, string.rep("\1", 20) .. string.rep("\0", 40))
eq("long packet cut", clamped[2].data, string.rep("\2", engine.max_frame()))
os.remove(file)

pktgen.reset("all")
print("capture_pcap: ok")
