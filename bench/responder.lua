--- The responder's cost on the receive side (run by hand, in several processes; see
-- bench/RESULTS.md): on the embedded default, port 0 sends 64-byte UDP frames (IPv4, then IPv6)
-- unpaced to port 1, whose worker checks every received frame for an ARP request, a neighbour
-- solicitation or an echo request to answer while `process` and `icmp_echo` are on. Rounds
-- alternate off and on; prints one JSON line per family with the median received rate of each.
local engine = require "engine"
local packet = require "packet"
local P = packet

local SECS, ROUNDS = 1.5, 3

local function frame(v6)
	local ip = v6 and P.IPv6 { src = "2001:db8::2", dst = "2001:db8::1" } or P.IPv4 { src = "10.0.0.2", dst = "10.0.0.1" }
	return (P.Ether { dst = engine.info(1).mac, src = engine.info(0).mac } / ip / P.UDP {} / P.Payload { size = v6 and 2 or 22 }):bytes()
end

--- Port 1's received packets per second while port 0 sends `data` unpaced for SECS.
local function rx_pps(data)
	engine.start(0, { templates = { { data = data } }, burst = 64 })
	pktgen.delay(300)
	local a, t0 = engine.stats(1).rx_packets, engine.now()
	pktgen.delay(math.floor(SECS * 1000))
	local b, t1 = engine.stats(1).rx_packets, engine.now()
	engine.stop(0)
	pktgen.delay(100)
	return (b - a) / (t1 - t0)
end

local function median(t)
	table.sort(t)
	return t[(#t + 1) // 2]
end

pktgen.screen("off")
pktgen.set_ipaddr(1, "src", "10.0.0.1/24")
pktgen.set_ipaddr(1, "src", "2001:db8::1/64")
for _, v6 in ipairs { false, true } do
	local data = frame(v6)
	local off, on = {}, {}
	for _ = 1, ROUNDS do
		pktgen.process(1, "off")
		pktgen.icmp_echo(1, "off")
		off[#off + 1] = rx_pps(data)
		pktgen.process(1, "on")
		pktgen.icmp_echo(1, "on")
		on[#on + 1] = rx_pps(data)
	end
	print(string.format('{"family": "%s", "off_pps": %.0f, "on_pps": %.0f}', v6 and "ipv6" or "ipv4",
		median(off), median(on)))
end
