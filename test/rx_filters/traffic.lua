--- Writes the mixed traffic file the counting filters are checked on (runtime/tests/rx_filters.rs):
-- UDP, TCP with each flag mix, ICMP, ARP, IPv6 with extension headers, VLAN, QinQ and VXLAN, built
-- with the packet library; the path is $PG_PCAP.
local engine = require "engine"
local packet = require "packet"
local P = packet

local function eth(t)
	return P.Ether(t or {})
end
local v4 = { src = "198.51.100.7", dst = "203.0.113.9" }
local v6 = { src = "2001:db8::7", dst = "2001:db8:1::9" }
local frames = {
	eth() / P.IPv4(v4) / P.UDP { sport = 40000, dport = 53 } / P.Payload { size = 30 },
	eth() / P.IPv4 { src = "10.0.0.1", dst = "10.0.0.2" } / P.UDP { sport = 53, dport = 40001 } / P.Payload { size = 80 },
	eth() / P.IPv4(v4) / P.UDP { sport = 1000, dport = 5000 } / P.Payload { size = 400 },
	eth() / P.IPv4(v4) / P.TCP { dport = 80, flags = "S" },
	eth() / P.IPv4 { src = "203.0.113.9", dst = "198.51.100.7" } / P.TCP { sport = 80, dport = 1234, flags = "SA" },
	eth() / P.IPv4(v4) / P.TCP { dport = 80, flags = "A" } / P.Payload { size = 100 },
	eth() / P.IPv4(v4) / P.TCP { dport = 443, flags = "PA" } / P.Payload { size = 600 },
	eth() / P.IPv4(v4) / P.TCP { dport = 443, flags = "FA" },
	eth() / P.IPv4(v4) / P.TCP { dport = 22, flags = "R" },
	eth() / P.IPv4(v4) / P.ICMP { type = 8, id = 1, seq = 1 } / P.Payload { size = 56 },
	eth() / P.IPv4 { src = "203.0.113.9", dst = "198.51.100.7" } / P.ICMP { type = 0, id = 1, seq = 1 } / P.Payload { size = 56 },
	eth { dst = "ff:ff:ff:ff:ff:ff" } / P.ARP { op = 1, psrc = "10.0.0.1", pdst = "10.0.0.2" },
	eth() / P.ARP { op = 2, psrc = "10.0.0.2", pdst = "10.0.0.1" },
	eth() / P.IPv6(v6) / P.UDP { sport = 5000, dport = 53 } / P.Payload { size = 40 },
	eth() / P.IPv6 { src = "fd00::1", dst = "fd00::2" } / P.TCP { dport = 80, flags = "S" },
	eth() / P.IPv6(v6) / P.HopByHop {} / P.UDP { dport = 9000 } / P.Payload { size = 20 },
	eth() / P.IPv6(v6) / P.DestOpts {} / P.Fragment { id = 7 } / P.TCP { dport = 443, flags = "S" },
	eth() / P.IPv6(v6) / P.ICMPv6Echo { id = 3, seq = 4 },
	eth() / P.Dot1Q { id = 100 } / P.IPv4(v4) / P.TCP { dport = 80, flags = "S" },
	eth() / P.Dot1Q { id = 100 } / P.IPv4(v4) / P.UDP { dport = 53 } / P.Payload { size = 30 },
	eth() / P.Dot1Q { id = 200 } / P.IPv4(v4) / P.UDP { dport = 7000 } / P.Payload { size = 30 },
	eth() / P.Dot1Q { id = 10, tpid = 0x88a8 } / P.Dot1Q { id = 100 } / P.IPv4(v4) / P.UDP { dport = 53 } / P.Payload { size = 30 },
	eth() / P.IPv4 { src = "192.0.2.1", dst = "192.0.2.2" } / P.UDP { sport = 50000 } / P.VXLAN { vni = 42 }
		/ eth() / P.IPv4(v4) / P.TCP { dport = 80, flags = "S" },
	eth() / P.IPv4 { src = "192.0.2.1", dst = "192.0.2.2" } / P.UDP { sport = 50001 } / P.VXLAN { vni = 43 }
		/ eth() / P.IPv6(v6) / P.UDP { dport = 53 } / P.Payload { size = 30 },
	eth() / P.IPv4 { src = "10.9.9.9", dst = "10.0.0.2", proto = 47 } / P.Payload { size = 60 },
}
local bytes = {}
for i, f in ipairs(frames) do
	local b = f:bytes()
	-- The replay pads frames to 60 bytes; the file holds them padded so tcpdump sees the same.
	bytes[i] = b .. string.rep("\0", math.max(0, 60 - #b))
end
engine.write_pcap(assert(os.getenv("PG_PCAP"), "PG_PCAP names the file"), bytes)
print(string.format("traffic: %d frames", #bytes))
