--- Receive rate with counting filters on the embedded default (bench/rx_filters.sh runs it in
-- several processes): port 0 sends 64-byte UDP frames unpaced into port 1, which counts them with
-- 0, 4 and 16 filters in turn, three rounds interleaved; prints one JSON line per measurement.
package.path = package.path .. ";test/?.lua"
local engine = require "engine"
local rates = require("testing").rates

local FILTERS = {
	"udp and dst port 53", "tcp[tcpflags] & tcp-syn != 0", "ip6 and src net 2001:db8::/32", "vlan 100",
	"arp", "icmp[icmptype] == icmp-echo", "ip host 198.51.100.7", "udp dst port 4789",
	"vlan 10 and vlan 100 and udp", "ip6 and tcp", "greater 300", "ip proto 47 or icmp6",
	"udp and src port 1234", "ip and not udp", "ether broadcast", "net 10.0.0.0/8 and udp",
}

local function measure(k)
	pktgen.rx.clear(1)
	for i = 1, k do
		pktgen.rx.add(1, "f" .. i, FILTERS[i])
	end
	pktgen.delay(300)
	local pps = rates(function() return engine.stats(1).rx_packets end, 1.5)
	local native = k > 0 and tostring(pktgen.rx.list(1)[1].native) or "null"
	print(string.format('{"filters": %d, "pps": %.0f, "native": %s}', k, pps, native))
end

pktgen.screen("off")
pktgen.set(0, "size", 64)
pktgen.set(0, "count", 0)
pktgen.start(0)
pktgen.delay(500)
for _ = 1, 3 do
	for _, k in ipairs({ 0, 4, 16 }) do
		measure(k)
	end
end
pktgen.stop(0)
