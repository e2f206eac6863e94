--- The IPv6 responder on the embedded default (ring ports back to back): port 1 answers
-- neighbour solicitations (send_ns's, for its address and its link-local one; not a duplicate
-- address check from ::, as a port does not defend its addresses) and ICMPv6 echo requests
-- (plain and VLAN-tagged) built with the packet library; port 0 learns port 1's MAC from the
-- advertisements and sends its IPv6 packets to it; ND frames are counted as their own kind; bad
-- input raises clear errors and stops nothing. With ND6_PCAP set, the answers are written there
-- for runtime/tests/nd6.rs to read with tshark.
package.path = package.path .. ";test/?.lua"
local engine = require "engine"
local packet = require "packet"
local t = require "testing"
local eq, check, fails, wait_for = t.eq, t.check, t.fails, t.wait_for
local P = packet

local A0, A1 = "2001:db8:6::2", "2001:db8:6::1"
local MAC0, MAC1 = engine.info(0).mac, engine.info(1).mac

-- RFC 5952 text (as engine.nd_table writes its keys): port 1's link-local address.
local LL1 = P.link_local(MAC1)

pktgen.screen("off")
pktgen.set_ipaddr(0, "src", A0 .. "/64")
pktgen.set_ipaddr(0, "dst", A1)
pktgen.set_ipaddr(1, "src", A1 .. "/64")
pktgen.set_proto(0, "udp")
pktgen.mac_from_arp("on")
pktgen.process(1, "on")
pktgen.icmp_echo(1, "on")
pktgen.clr()

-- 1. Solicitations: port 0 learns port 1's MAC for its address and its link-local one; a
-- duplicate address check (from ::, no option) is counted, not answered.
engine.capture_start(0)
pktgen.send_ns(0)
pktgen.send_ns(0, LL1)
wait_for("port 0 to learn port 1's addresses", function()
	local nd = engine.nd_table(0)
	return nd[A1] == MAC1 and nd[LL1] == MAC1, string.format("%s %s", tostring(nd[A1]), tostring(nd[LL1]))
end)
local dad = P.Ether { dst = "33:33:ff:00:00:01", src = MAC0 } / P.IPv6 { src = "::", dst = "ff02::1:ff00:1", hlim = 255 }
	/ P.ICMPv6NS { target = A1 }
-- 2. Echo requests, to the address (plain and VLAN-tagged) and to the link-local address.
local function echo(dst, seq, vlan)
	local e = P.Ether { dst = MAC1, src = MAC0 }
	if vlan then
		e = e / P.Dot1Q { id = 100 }
	end
	return e / P.IPv6 { src = A0, dst = dst } / P.ICMPv6Echo { id = 7, seq = seq } / P.Payload { size = 40, pattern = "inc" }
end
engine.send(0, { dad:bytes(), echo(A1, 1):bytes(), echo(A1, 2, true):bytes(), echo(LL1, 3):bytes() })
wait_for("port 1's answers", function()
	local k = engine.stats(0).kinds
	return k.nd == 2 and k.echo == 3, string.format("nd %d echo %d", k.nd, k.echo)
end)
local _, _, got = engine.capture_stop(0)
eq("answers captured", #got, 5)
local nas, replies = {}, {}
for _, c in ipairs(got) do
	local p = P.decode(c.data)
	local icmp = p.icmpv6 and p.icmpv6.type
	if icmp == 136 then
		nas[#nas + 1] = p
	elseif icmp == 129 then
		replies[p.icmpv6.seq] = p
	end
end
eq("advertisements", #nas, 2)
for _, p in ipairs(nas) do
	local na, ip = p.icmpv6, p.ipv6
	eq("advertisement's hop limit", ip.hlim, 255)
	eq("advertisement's option", na.options, P.lladdr(2, MAC1))
	eq("advertisement's source", ip.src, na.target)
	eq("advertisement's destination", ip.dst, A0)
	eq("advertisement's S flag", na.s, 1)
	eq("advertisement's O flag", na.o, 1)
end
for seq, dst in ipairs { A1, A1, LL1 } do
	local p = replies[seq]
	check(p, "no echo reply %d", seq)
	eq("reply identifier", p.icmpv6.id, 7)
	eq("reply source", p.ipv6.src, dst)
	eq("reply destination", p.ipv6.dst, A0)
	eq("reply data", p.payload.data, echo(A1, 1).payload.data)
	eq("reply VLAN", p.dot1q and p.dot1q.id, seq == 2 and 100 or nil)
end
if os.getenv("ND6_PCAP") then
	eq("answers written", engine.write_pcap(os.getenv("ND6_PCAP"), got), 5)
end

-- 3. Counted as ND, not as IPv6 (pktStats keeps Pktgen's keys); answered from port 1.
local k1 = engine.stats(1).kinds
eq("port 1's ND frames", k1.nd, 3)
eq("port 1's echo frames", k1.echo, 3)
eq("port 1's pktStats ipv6_pkts", pktgen.pktStats(1)[1].ipv6_pkts, 0)
eq("port 1's answers", engine.stats(1).tx_extra, 5)

-- 4. Port 0's IPv6 packets go to the MAC it learned for their destination.
pktgen.set_mac(0, "dst", "02:00:00:00:00:99")
engine.capture_start(1)
t.send(5)
wait_for("port 1 to receive 5 packets", function() return engine.stats(1).rx_packets >= 5 + 3 + 3 end)
local _, _, sent = engine.capture_stop(1)
eq("packets captured", #sent, 5)
for _, c in ipairs(sent) do
	eq("destination MAC", P.decode(c.data).ether.dst, MAC1)
end

-- 5. Bad input: clear errors, and a sending port goes on.
pktgen.set(0, "count", 0)
pktgen.set(0, "rate", 1)
pktgen.start(0)
fails("send_ns: target must be an IPv6 address, got '10.0.0.1'", pktgen.send_ns, 0, "10.0.0.1")
fails("send_ns: target must be an IPv6 address, got 'nope'", pktgen.send_ns, 0, "nope")
fails("send_ns, wrong number of arguments", pktgen.send_ns)
fails('engine.respond: ip6 must be an IPv6 address, got "1.2.3.4"', engine.respond, 1, { ip6 = "1.2.3.4" })
fails('engine.solicit: target must be an IPv6 address, got "x"', engine.solicit, 0, A0, "x")
fails("port 7 does not exist", engine.solicit, 7, A0, A1)
pktgen.send_ns(0)
eq("port 0 still sending", pktgen.isSending(0)[0], "y")
pktgen.stop(0)
print("nd6: ok")
