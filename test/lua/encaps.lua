--- Encapsulations, GTP-U, ARP, ICMP, IPv6 and the random source fields: each is sent from port 0
-- and counted (packets, bytes and size bucket) on port 1, and the template bytes are checked
-- where the headers must be. Byte-exact decoding by tshark is in runtime/tests/wire.rs.
package.path = package.path ..";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local engine = require "engine"
local config = require "pktgen.internal.config"
local streamspec = require "pktgen.internal.streamspec"

local t = require "testing"
local eq = t.eq

local function frame0()
	return streamspec.spec(config.get(0)).templates[1].data
end

local function u16(s, off) return (string.unpack(">I2", s, off + 1)) end
local function u32(s, off) return (string.unpack(">I4", s, off + 1)) end

local COUNT = 25

--- Send COUNT packets of port 0's config and check what port 1 received.
local function send(name, len, bytes)
	pktgen.clr()
	pktgen.set(0, "rate", 1)
	t.send(COUNT)
	-- The last packets may still be in the ring; then no more than were sent.
	t.wait_for(name .. ": port 1 to receive them", function() return engine.stats(1).rx_packets >= COUNT end)
	local st = engine.stats(1)
	eq(name .. ": port 1 rx packets", st.rx_packets, COUNT)
	eq(name .. ": port 1 rx bytes", st.rx_bytes, bytes or COUNT * len)
	local bucket = (len + 4 <= 64 and "_64") or (len + 4 <= 127 and "_65_127") or (len + 4 <= 255 and "_128_255") or "_256_511"
	eq(name .. ": port 1 sizes." .. bucket, pktgen.portStats(1)[1].sizes[bucket], COUNT)
end

local function case(name, setup, check)
	pktgen.reset("all")
	setup()
	local f = frame0()
	check(f)
	send(name, #f)
end

case("vlan", function()
	pktgen.vlan(0, "on"); pktgen.vlanid(0, 42); pktgen.cos(0, 0, 5)
end, function(f)
	eq("vlan tpid", u16(f, 12), 0x8100)
	eq("vlan tci", u16(f, 14), (5 << 13) | 42)
	eq("vlan inner type", u16(f, 16), 0x0800)
	eq("vlan frame", #f, 60)
end)

case("qinq", function()
	pktgen.qinq(0, "on"); pktgen.range.qinqids(0, 100, 200)
end, function(f)
	eq("qinq outer tpid", u16(f, 12), 0x88A8)
	eq("qinq outer id", u16(f, 14) & 0xfff, 100)
	eq("qinq inner tpid", u16(f, 16), 0x8100)
	eq("qinq inner id", u16(f, 18) & 0xfff, 200)
	eq("qinq type", u16(f, 20), 0x0800)
end)

case("mpls", function()
	pktgen.set_proto(0, "udp"); pktgen.mpls(0, "on"); pktgen.range.mpls_entry(0, "2a0ff")
end, function(f)
	eq("mpls type", u16(f, 12), 0x8847)
	eq("mpls entry (bottom of stack forced)", u32(f, 14), 0x2a1ff)
	eq("mpls ip version", f:byte(19) >> 4, 4)
end)

case("gre", function()
	pktgen.set_proto(0, "tcp"); pktgen.gre(0, "on"); pktgen.range.gre_key(0, 77)
end, function(f)
	eq("gre outer proto", f:byte(14 + 9 + 1), 47)
	eq("gre flags (key)", u16(f, 34), 0x2000)
	eq("gre type", u16(f, 36), 0x0800)
	eq("gre key", u32(f, 38), 77)
	eq("gre inner proto", f:byte(42 + 9 + 1), 6)
	eq("gre frame", #f, 14 + 20 + 8 + 20 + 20)
end)

case("gre_eth", function()
	pktgen.set_proto(0, "udp"); pktgen.gre_eth(0, "on")
end, function(f)
	eq("gre_eth type", u16(f, 36), 0x6558)
	eq("gre_eth inner ethertype", u16(f, 38 + 12), 0x0800)
	eq("gre_eth frame", #f, 14 + 20 + 4 + 14 + 20 + 8)
end)

case("vxlan", function()
	pktgen.set_proto(0, "udp"); pktgen.vxlan(0, "on"); pktgen.vxlan_id(0, "0x8", 0, 5000)
end, function(f)
	eq("vxlan dport", u16(f, 36), 4789)
	eq("vxlan flags", f:byte(43), 0x08)
	eq("vxlan vni", u32(f, 46) >> 8, 5000)
	eq("vxlan inner dport", u16(f, 50 + 34 + 2), 5678)
	eq("portInfo VxLAN.vlan_id", pktgen.portInfo(0)[0].info.VxLAN.vlan_id, 5000)
	eq("portInfo proto_type", pktgen.portInfo(0)[0].info.proto_type, "VXLAN")
end)

case("gtpu", function()
	pktgen.set_proto(0, "udp"); pktgen.set(0, "dport", 2152); pktgen.gtpu_teid(0, "start", 999)
end, function(f)
	eq("gtpu flags", f:byte(43), 0x30)
	eq("gtpu teid", u32(f, 46), 999)
end)

case("arp", function()
	pktgen.set_type(0, "arp")
end, function(f)
	eq("arp type", u16(f, 12), 0x0806)
	eq("arp opcode", u16(f, 20), 1)
	eq("arp broadcast", f:sub(1, 6), string.rep("\255", 6))
end)

case("icmp", function()
	pktgen.set_proto(0, "icmp")
end, function(f)
	eq("icmp type", f:byte(35), 8)
end)

case("ipv6 udp", function()
	pktgen.set_ipaddr(0, "src", "fd00::1/64"); pktgen.set_ipaddr(0, "dst", "fd00::2"); pktgen.set_proto(0, "udp")
end, function(f)
	eq("ipv6 type", u16(f, 12), 0x86DD)
	eq("ipv6 next", f:byte(21), 17)
	eq("ipv6 frame (78-byte minimum)", #f, 74)
end)

case("rnd_s_ip/pt", function()
	pktgen.set_proto(0, "udp"); pktgen.rnd_s_ip(0, "on"); pktgen.rnd_s_pt(0, "on")
end, function(_)
	local fields = streamspec.spec(config.get(0)).fields
	eq("random fields", #fields, 2)
	eq("src ip field offset", fields[1].offset, 26)
	eq("src ip host bits (/24)", fields[1].random, 0xff)
	eq("sport field offset", fields[2].offset, 34)
end)

-- a size walk in range mode keeps an encapsulated frame at least as long as its headers
pktgen.reset("all")
pktgen.set_proto(0, "udp")
pktgen.vxlan(0, "on")
pktgen.range.ip_proto(0, "udp")
pktgen.range.pkt_size(0, "inc", 1)
pktgen.set_range(0, "on")
local s = streamspec.spec(config.get(0))
eq("vxlan size walk min", s.size.min, 92)
-- the first COUNT sizes: 92..116, all in _65_127
send("vxlan range", 92, (92 + 116) * COUNT // 2)

-- exclusive encapsulations: the last one enabled wins, and it clears random bitfields
pktgen.reset("all")
pktgen.rnd(0, 0, 30, "X")
pktgen.vlan(0, "on")
pktgen.mpls(0, "on")
local cfg = config.get(0)
eq("vlan cleared by mpls", cfg.pkt.vlan, false)
eq("mpls on", cfg.pkt.mpls, true)
eq("random cleared by an encapsulation", cfg.random, false)
pktgen.mpls(0, "off")
eq("mpls off", cfg.pkt.mpls, false)

-- send_arp and ping4 send one packet each, counted by kind on the receiving port
local wait_for = t.wait_for
pktgen.reset("all")
pktgen.clr()
pktgen.send_arp(0, "grat")
pktgen.send_arp(0, "request")
pktgen.ping4(0)
wait_for("3 one-shot packets", function() return engine.stats(1).rx_packets >= 3 end)
eq("one-shot packets received", engine.stats(1).rx_packets, 3)
local ps = pktgen.pktStats(1)[1]
eq("arp_pkts", ps.arp_pkts, 2)
eq("echo_pkts", ps.echo_pkts, 1)
eq("injected frames counted", engine.stats(0).tx_extra, 3)
-- they are injected beside a running stream
pktgen.set(0, "count", 0)
pktgen.set(0, "rate", 1)
pktgen.start(0)
pktgen.send_arp(0, "g")
pktgen.ping4(0)
wait_for("the injected ARP and echo", function()
	local st = pktgen.pktStats(1)[1]
	return st.arp_pkts >= 3 and st.echo_pkts >= 2
end)
assert(pktgen.isSending(0)[0] == "y", "the stream still runs")
pktgen.stop(0)

-- argument errors
local function raises(want, fn, ...)
	local ok2, e = pcall(fn, ...)
	assert(not ok2 and string.find(tostring(e), want, 1, true), string.format("want '%s', got %s", want, tostring(e)))
end
raises("vxlan, wrong number of arguments", pktgen.vxlan, 0)
raises("vxlan_id, wrong number of arguments", pktgen.vxlan_id, 0, 8, 0)
raises("vxlan_id: VNI", pktgen.vxlan_id, 0, 8, 0, 0x1000000)
raises("vxlan_id: flags must be a number", pktgen.vxlan_id, 0, "x", 0, 1)
raises("gtpu_teid, wrong number of arguments", pktgen.gtpu_teid, 0, "start")
raises("gtpu_teid: TEID must be a number", pktgen.gtpu_teid, 0, "start", "abc")
raises("range.mpls_entry: invalid hex value", pktgen.range.mpls_entry, 0, "zz")
raises("qinq: invalid portlist", pktgen.qinq, "x-y", "on")
raises("send_arp, wrong number of arguments", pktgen.send_arp, 0)
raises("ping4: invalid portlist", pktgen.ping4, {})

pktgen.reset("all")
printf("encaps: ok\n")
