--- Streams of any frame (docs/STREAMS.md), what they refuse and what trying them found: every
-- bad definition names its key, field or value while another stream keeps sending; a size given
-- with a range holds; latency probes come out of a pps or bps rate; `set rxburst` reaches the
-- engine. runtime/tests/packet.rs checks what the streams send with tshark.
package.path = package.path .. ";test/?.lua"
local t = require "testing"
local engine = require "engine"
local P = require "packet"
local streams = require "pktgen.api.streams"

-- A stream that sends throughout: no error below may stop it.
pktgen.streams.add(0, { name = "bg", size = 128, rate = "20kpps", latency = false })
pktgen.streams.start(0, "bg")

local udp = P.Ether {} / P.IPv4 {} / P.UDP {} / P.Payload { size = 30 }
local function add(def)
	return pktgen.streams.add(0, def)
end
local F = "streams.add: "
t.fails(F .. "packet and frame both give the stream's frames", add, { packet = udp, frame = udp:bytes() })
t.fails(F .. "src_ip describes the port's packet", add, { packet = udp, src_ip = "10.0.0.9" })
t.fails(F .. "range walks the port's packet", add, { packet = udp, range = {} })
t.fails(F .. "fields[1]: field \"ipv4.nope\": IPv4 has no field nope", add, { packet = udp, fields = { { "ipv4.nope", inc = { 1, 2 } } } })
t.fails(F .. "fields[1]: field \"tcp.sport\": no tcp layer in this packet", add, { packet = udp, fields = { { "tcp.sport", inc = { 1, 2 } } } })
t.fails(F .. "fields[1] (ipv4.ttl).inc[2] = 300 is out of range 0..255", add, { packet = udp, fields = { { "ipv4.ttl", inc = { 1, 300 } } } })
t.fails("an IPv6 address given where IPv4 is wanted", add, { packet = udp, fields = { { "ipv4.src", inc = { "fd00::1", "fd00::2" } } } })
t.fails(F .. "fields[1] (ipv4.src).random = {9, 3}: min is above max", add, { packet = udp, fields = { { "ipv4.src", random = { 9, 3 } } } })
t.fails(F .. "fields[1] (udp.sport).every must be a whole number of packets, 1 or more, on inc, dec or sequence", add,
	{ packet = udp, fields = { { "udp.sport", random = { 1, 9 }, every = 2 } } })
t.fails(F .. "fields[1] (udp.sport) needs inc = {min, max[, step]}", add, { packet = udp, fields = { { "udp.sport" } } })
t.fails(F .. "fields[1] has an unknown key 'incr'", add, { packet = udp, fields = { { "udp.sport", incr = { 1, 2 } } } })
local v6 = P.Ether {} / P.IPv6 {} / P.UDP {} / P.Payload { size = 20 }
t.fails("IPv6 values walk in their low 48 bits", add, { packet = v6, fields = { { "ipv6.src", inc = { "fd00::1", "fd01::1" } } } })
local srh = P.Ether {} / P.IPv6 { dst = "fd00::a" } / P.SRH { segments = { "fd00::c", "fd00::a" } } / P.UDP {} / P.Payload { size = 20 }
t.fails("fields[1] (udp.sport) cannot walk: UDP's checksum covers an SRH's final segment (fd00::c)", add,
	{ packet = srh, fields = { { "udp.sport", inc = { 1, 9 } } } })
t.fails(F .. "size 20 is outside 64..", add, { packet = udp, size = 20 })
t.fails(F .. "packet has 75 bytes of headers and given payload; size 64 (with FCS) cannot hold them", add,
	{ packet = P.Ether {} / P.IPv6 {} / P.TCP {} / P.Payload "x", size = 64 })
t.fails(F .. "frame of 1600 bytes is over the maximum frame", add, { frame = string.rep("\0", 1600) })
t.fails(F .. "packet: frame of 1600 bytes is over the maximum frame", add, { packet = P.Ether {} / P.Payload { size = 1586 } })
t.fails(F .. "frames must be a non-empty list", add, { frames = {} })
t.fails(F .. "frames[2] must be a packet", add, { frames = { udp, 7 } })
t.fails(F .. "each of frames keeps its own size", add, { frames = { udp }, size = 128 })
t.fails(F .. "fields walk built packets and frames, not a capture's packets", add,
	{ pcap = "test/wire/none.pcap", fields = { { offset = 30, width = 4, inc = { 1, 2 } } } })
t.fails(F .. "size and range both set the frame size", add, { size = 256, range = { pkt_size = { start = 128 } } })
t.fails(F .. "size and imix both set the frame sizes", add, { packet = udp, size = 128, imix = "7:4:1" })

-- A size given with a range holds: the range's own size fields (64 bytes by default) do not win.
local function frame_size(def, n)
	def.count, def.rate, def.latency = n, "20kpps", false
	local id = add(def)
	pktgen.streams.start(0, id)
	t.wait_for("stream " .. id .. " to end", function() return not pktgen.streams.stats(0, id).sending end)
	local s = pktgen.streams.stats(0, id)
	pktgen.streams.remove(0, id)
	t.eq("stream " .. id .. " packets", s.tx_packets, n)
	return s.tx_bytes / s.tx_packets
end
t.eq("frame bytes of size 256 with a range (without FCS)", frame_size({ size = 256, range = { dst_ip = { inc = "0.0.0.1" } } }, 100), 252)
-- A built packet keeps its length; a size pads it with its payload pattern.
t.eq("frame bytes of a built packet", frame_size({ packet = udp }, 50), 72)
t.eq("frame bytes of a built packet at size 300", frame_size({ packet = udp, size = 300 }, 50), 296)

-- The stream modes hold for these streams: an IMIX of built packets (sizes with FCS, 7:4:1 of
-- 64, 594 and 1518 bytes, so a cycle of 12 averages 7 * 60 + 4 * 590 + 1514 bytes without FCS),
-- and bursts.
t.eq("mean frame bytes of an IMIX of a built packet", frame_size({ packet = udp, imix = "7:4:1" }, 1200),
	(7 * 60 + 4 * 590 + 1514) / 12)
local b = add({ packet = udp, bursts = { count = 3, size = 7, gap_us = 100 }, latency = false })
pktgen.streams.start(0, b)
t.wait_for("three bursts of seven", function() return not pktgen.streams.stats(0, b).sending end)
t.eq("packets of three bursts of seven", pktgen.streams.stats(0, b).tx_packets, 21)
pktgen.streams.remove(0, b)

-- Latency probes come out of a pps or bps rate, as out of a percent rate: 64-byte TCP frames have
-- no room for a stamp, so 10 kpps of probes go beside them.
local function rates_of(rate)
	local id = add({ name = "probed", size = 64, proto = "tcp", rate = rate })
	local spec
	for _, s in ipairs(streams.of(0)) do
		if s.id == id then
			spec = s.spec
		end
	end
	pktgen.streams.remove(0, id)
	return spec.rate
end
t.eq("a 50 kpps stream beside 10 kpps of probes", rates_of("50kpps").pps, 40000)
-- 10 kpps of 64-byte probes (with FCS, plus 20 bytes of preamble and gap) on the wire.
t.eq("a 100 Mb/s stream beside the probes' wire bits", rates_of("100Mbps").bps, 100e6 - 10000 * (64 + 20) * 8)
t.fails("probes every 100 us alone exceed port 0's rate of 10000 pps", add, { size = 64, proto = "tcp", rate = "10kpps" })

-- `set rxburst` reaches the engine's RX queues (Pktgen's 256 is capped at the engine's largest), and a burst of
-- one packet still receives every packet.
pktgen.set(1, "rxburst", 8)
t.eq("engine RX burst after set rxburst 8", engine.rx_burst(1), 8)
pktgen.set(1, "rxburst", 256)
t.eq("engine RX burst after set rxburst 256", engine.rx_burst(1), engine.limits.rx_burst)
pktgen.set(1, "rxburst", 1)
local id = add({ packet = udp, count = 500, rate = "50kpps" })
pktgen.streams.start(0, id)
t.wait_for("500 stamped packets received one at a time", function()
	local s = pktgen.streams.stats(0, id)
	return s.rx_packets == 500 and not s.sending, s.rx_packets
end)
pktgen.streams.remove(0, id)
pktgen.set(1, "rxburst", 64)

-- After all of that the background stream still sends.
local before = pktgen.streams.stats(0, "bg").tx_packets
t.wait_for("the background stream to go on sending", function()
	return pktgen.streams.stats(0, "bg").tx_packets > before + 100
end)
pktgen.streams.remove(0, "bg")
print("packet_streams: ok")
