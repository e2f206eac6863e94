--- Streams of built packets against the fixed template, in one process: in each of `ROUNDS`
-- rounds every case sends unpaced on port 0 for `SECS` seconds, one after the other, and prints
-- one JSON line of its packets per second. Run by bench/packet.sh on a net_null port; ratios are
-- taken inside a round, against the fixed template measured beside them.
local engine = require "engine"
local P = require "packet"

local SECS = tonumber(os.getenv("BENCH_SECS") or "1")
local ROUNDS = tonumber(os.getenv("BENCH_ROUNDS") or "3")

local udp = P.Ether {} / P.IPv4 { src = "10.0.0.1", dst = "10.0.1.1" } / P.UDP { sport = 1000, dport = 2000 }
	/ P.Payload { size = 18 }
local vxlan = P.Ether {} / P.IPv4 { src = "172.16.0.1" } / P.UDP {} / P.VXLAN { vni = 1 }
	/ P.Ether {} / P.IPv4 { dst = "192.168.1.1" } / P.UDP { dport = 9 } / P.Payload { size = 18 }
local frames = {}
for i = 1, 16 do
	frames[i] = P.Ether {} / P.IPv4 { dst = "10.0.2." .. i } / P.UDP { dport = i } / P.Payload { size = 18 }
end

local cases = {
	{ "fixed template", { packet = udp } },
	-- Range mode walks both ports by default: only the address walks here.
	{ "range mode, 1 field", { size = 64, proto = "udp", range = { dst_ip = { start = "10.0.1.1", min = "10.0.1.1",
		max = "10.0.1.254", inc = "0.0.0.1" }, src_port = { inc = 0 }, dst_port = { inc = 0 } } } },
	{ "built packet, 1 field", { packet = udp, fields = { { "ipv4.dst", inc = { "10.0.1.1", "10.0.1.254" } } } } },
	{ "VXLAN, 4 fields (inner IPv4 dst)", { packet = vxlan, fields = {
		{ "ipv4.src", inc = { "172.16.0.1", "172.16.0.254" } },
		{ "udp.sport", inc = { 1024, 65535 } },
		{ "inner.ipv4.dst", inc = { "192.168.1.1", "192.168.1.254" } },
		{ "inner.udp.sport", inc = { 1024, 65535 } },
	} } },
	{ "16 frames", { frames = frames } },
}

local function pps(round, name, def)
	def.name, def.rate, def.latency = "bench", "max", false
	pktgen.streams.add(0, def)
	pktgen.streams.start(0, "bench")
	pktgen.delay(300)
	local t0, n0 = engine.now(), engine.stats(0).tx_packets
	pktgen.delay(math.floor(SECS * 1000))
	local t1, n1 = engine.now(), engine.stats(0).tx_packets
	pktgen.streams.remove(0, "bench")
	local v = (n1 - n0) / (t1 - t0)
	print(string.format('{"round": %d, "case": "%s", "pps": %.0f}', round, name, v))
end

for round = 1, ROUNDS do
	for _, c in ipairs(cases) do
		pps(round, c[1], c[2])
	end
end
