--- Pktgen's per-port defaults and the clamping of `set` (docs/LUA_API.md, section 2), and reset.
package.path = package.path ..";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local eq = require("testing").eq

pktgen.reset("all")
local mac = {}
for p = 0, pktgen.portCount() - 1 do
	mac[p] = pktgen.portInfo(p)[p].info.l2_l3_info.src_mac
end

for p = 0, 1 do
	local info = pktgen.portInfo(p)[p].info
	local l = info.l2_l3_info
	local partner = p == 0 and 1 or 0
	eq("tx_count", info.tx_count, "Forever")
	eq("tx_rate", info.tx_rate, 100)
	eq("pkt_size", info.pkt_size, 64)
	eq("tx_burst", info.tx_burst, 32)
	eq("rx_burst", info.rx_burst, 64)
	eq("eth_type", info.eth_type, "IPv4")
	eq("proto_type", info.proto_type, "TCP")
	eq("vlanid", info.vlanid, 1)
	eq("pattern_type", info.pattern_type, "abcd...")
	eq("src_port", l.src_port, 1234)
	eq("dst_port", l.dst_port, 5678)
	eq("ttl", l.ttl, 64)
	eq("src_ip", l.src_ip, string.format("192.168.%d.1/24", p))
	eq("dst_ip", l.dst_ip, string.format("192.168.%d.1", partner))
	assert(string.match(l.src_mac, "^%x%x:%x%x:%x%x:%x%x:%x%x:%x%x$"), "src_mac " .. l.src_mac)
	eq("dst_mac (the partner's MAC)", l.dst_mac, mac[partner])
	eq("cos", info["802.1p"].cos, 0)
	eq("dscp", info["802.1p"].dscp, 0)
end

-- set clamping
local function info0()
	return pktgen.portInfo(0)[0].info
end
pktgen.set(0, "size", 10);         eq("size 10", info0().pkt_size, 64)
pktgen.set(0, "size", 100000);     eq("size 100000", info0().pkt_size, 1518)
pktgen.set(0, "SIZE", "512");      eq("SIZE '512'", info0().pkt_size, 512)
pktgen.set(0, "rate", 0);          eq("rate 0", info0().tx_rate, 0)   -- 0.01 %, shown truncated
pktgen.set(0, "rate", 250);        eq("rate 250", info0().tx_rate, 100)
pktgen.set(0, "rate", "12.5");     eq("rate 12.5", info0().tx_rate, 12)
pktgen.set(0, "burst", 0);         eq("burst 0", info0().tx_burst, 1)
pktgen.set(0, "txburst", 1000);    eq("txburst 1000", info0().tx_burst, 256)
pktgen.set(0, "rxburst", 0);       eq("rxburst 0", info0().rx_burst, 1)
pktgen.set(0, "count", 5000);      eq("count", info0().tx_count, 5000)
pktgen.set(0, "sport", 70000);     eq("sport wraps to 16 bits", info0().l2_l3_info.src_port, 70000 & 0xffff)
pktgen.set(0, "dport", 80);        eq("dport", info0().l2_l3_info.dst_port, 80)
pktgen.set(0, "ttl", 5);           eq("ttl", info0().l2_l3_info.ttl, 5)
pktgen.vlanid(0, 5000);            eq("vlanid 5000", info0().vlanid, 1)
pktgen.vlanid(0, 100);             eq("vlanid 100", info0().vlanid, 100)
pktgen.cos(0, "ignored", 9);       eq("cos 9", info0()["802.1p"].cos, 0)
pktgen.cos(0, "ignored", 5);       eq("cos 5", info0()["802.1p"].cos, 5)
pktgen.tos(0, 0xb8);               eq("dscp", info0()["802.1p"].dscp, 0xb8 >> 2)
pktgen.set_proto(0, "udp");        eq("proto udp", info0().proto_type, "UDP")
pktgen.set_proto(0, "icmp");       eq("proto icmp", info0().proto_type, "ICMP")
pktgen.set_proto(0, "xyz");        eq("proto other", info0().proto_type, "TCP")

-- IPv6: the minimum frame is 78, and the type follows the address family
pktgen.set(0, "size", 64)
pktgen.set_type(0, "ipv6");        eq("type ipv6", info0().eth_type, "IPv6"); eq("v6 size", info0().pkt_size, 78)
pktgen.set(0, "size", 64);         eq("v6 size 64", info0().pkt_size, 78)
pktgen.set_ipaddr(0, "src", "10.9.8.7/8")
eq("type back to IPv4", info0().eth_type, "IPv4"); eq("v4 size", info0().pkt_size, 64)
eq("src_ip", info0().l2_l3_info.src_ip, "10.9.8.7/8")
pktgen.set_ipaddr(0, "src", "10.9.8.7")
eq("src_ip /32", info0().l2_l3_info.src_ip, "10.9.8.7")
pktgen.set_ipaddr(0, "dst", "2001:db8::1")
eq("type IPv6 from a v6 address", info0().eth_type, "IPv6")
eq("dst_ip v6", info0().l2_l3_info.dst_ip, "2001:db8::1")
pktgen.set_type(0, "vlan");        eq("type 'vlan' means IPv4", info0().eth_type, "IPv4")
pktgen.set_type(0, "arp");         eq("type arp", info0().eth_type, "ARP")

pktgen.set_mac(0, "dst", "0011:2233:4455")
eq("dst_mac", info0().l2_l3_info.dst_mac, "00:11:22:33:44:55")
pktgen.set_mac(0, "DST", "66:77:88:99:aa:bb") -- "which" is case-sensitive: ignored
eq("dst_mac unchanged", info0().l2_l3_info.dst_mac, "00:11:22:33:44:55")

pktgen.pattern(0, "zero");         eq("pattern zero", info0().pattern_type, "Zero")
pktgen.userPattern(0, "'hello'");  eq("user pattern", info0().pattern_type, "hello")

-- a number port list is a port id, not a mask
pktgen.set(1, "size", 300)
eq("port 1 size", pktgen.portInfo(1)[1].info.pkt_size, 300)
eq("port 0 untouched by set(1, ...)", info0().pattern_type, "hello")

-- reset restores everything
pktgen.reset("all")
eq("reset size", info0().pkt_size, 64)
eq("reset rate", info0().tx_rate, 100)
eq("reset dst_mac", info0().l2_l3_info.dst_mac, mac[1])
eq("reset port 1 size", pktgen.portInfo(1)[1].info.pkt_size, 64)

printf("defaults: ok\n")
