--- pktgen.save writes a .lua or .pkt script that load (and run("cmd", ...)) turns back into
-- exactly the same configuration: save, reset, load, and compare a full dump of every port.
package.path = package.path ..";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local dump = require "pktgen.internal.configdump"
local config = require "pktgen.internal.config"

local function same(what, a, b)
	if a == b then
		return
	end
	local la, lb = {}, {}
	for l in string.gmatch(a, "[^\n]+") do la[#la + 1] = l end
	for l in string.gmatch(b, "[^\n]+") do lb[#lb + 1] = l end
	for i = 1, math.max(#la, #lb) do
		if la[i] ~= lb[i] then
			error(string.format("%s: first difference at line %d:\n  want %s\n  got  %s", what, i,
				tostring(la[i]), tostring(lb[i])), 0)
		end
	end
end

--- A configuration touching every saved setting, different on the two ports.
local function configure()
	pktgen.reset("all")
	pktgen.set(0, "count", 1000)
	pktgen.set(0, "rate", 12.5)
	pktgen.set(0, "burst", 16)
	pktgen.set(0, "rxburst", 8)
	pktgen.set(0, "cycles", 5)
	pktgen.set(0, "prime", 3)
	pktgen.set(0, "dump", 2)
	pktgen.set_ipaddr(0, "src", "fd00:1::5/96")
	pktgen.set_ipaddr(0, "dst", "fd00:2::6")
	pktgen.set_ipaddr(0, "src", "10.1.2.3/16")
	pktgen.set_ipaddr(0, "dst", "10.9.8.7")
	pktgen.set_proto(0, "udp")
	pktgen.set(0, "size", 300)
	pktgen.set_mac(0, "dst", "00:11:22:33:44:55")
	pktgen.set_mac(0, "src", "0011:2233:4466")
	pktgen.set(0, "sport", 4000)
	pktgen.set(0, "dport", 2152)
	pktgen.set(0, "ttl", 9)
	pktgen.tos(0, 0x28)
	pktgen.cos(0, 0, 5)
	pktgen.vlanid(0, 99)
	pktgen.set_tcp_flags(0, "syn,fin")
	pktgen.userPattern(0, "hello world")
	pktgen.pattern(0, "zero")
	pktgen.range.qinqids(0, 300, 400)
	pktgen.range.mpls_entry(0, "0x1234f")
	pktgen.range.gre_key(0, 4242)
	pktgen.vxlan_id(0, 8, 7, 123456)
	pktgen.gtpu_teid(0, "start", 10)
	pktgen.gtpu_teid(0, "max", 20)
	pktgen.gtpu_teid(0, "inc", 2)
	pktgen.rnd_s_pt(0, "on")
	pktgen.gre_eth(0, "on")
	pktgen.seq(0, 0, "00:00:00:00:00:01", "00:00:00:00:00:02", "10.0.0.1", "10.0.0.2/8", 1, 2, "ipv4", "tcp", 5, 128)
	pktgen.seqTable(3, 0, { eth_dst_addr = "00:aa:bb:cc:dd:ee", eth_src_addr = "00:aa:bb:cc:dd:ef",
		ip_dst_addr = "fd00::9", ip_src_addr = "fd00::8/64", sport = 9, dport = 10, vlanid = 11,
		pktSize = 200, cos = 3, tos = 4, gtpu_teid = 5, ethType = "ipv6", ipProto = "udp", tcp_flags = "rst" })
	pktgen.seqTable(4, 0, { ip_dst_addr = "fd00::19", ip_src_addr = "fd00::18/64", ethType = "ipv6", ipProto = "tcp" })
	pktgen.seqTable(4, 0, { ip_dst_addr = "10.4.4.4", ip_src_addr = "10.4.4.5/30", ethType = "ipv4", ipProto = "icmp",
		tcp_flags = "" })
	pktgen.seq_tcp_flags(0, 0, "psh,ack")
	pktgen.range.dst_mac(0, "inc", "00:00:00:00:00:01")
	pktgen.range.src_ip(0, "inc", "0.0.0.2")
	pktgen.range.dst_port(0, "max", 6000)
	pktgen.range.ttl(0, "start", 33)
	pktgen.range.vlan_id(0, "inc", 3)
	pktgen.range.cos(0, "max", 6)
	pktgen.range.tos(0, "min", 4)
	pktgen.range.traffic_class(0, "inc", 1)
	pktgen.range.hop_limits(0, "start", 7)
	pktgen.range.set_type(0, "ipv6")
	pktgen.range.src_ip(0, "start", "fd00::100")
	pktgen.range.dst_ip(0, "inc", "::1")
	pktgen.range.pkt_size(0, "max", 900)
	pktgen.range.pkt_size(0, "inc", 10)
	pktgen.range.ip_proto(0, "udp")
	pktgen.rnd(0, 2, 30, "....XXXX")
	pktgen.rnd(0, 5, 40, "off")
	pktgen.set(0, "seq_cnt", 5)
	pktgen.set_range(0, "on")

	pktgen.set_type(1, "ipv6")
	pktgen.set_proto(1, "icmp") -- back to IPv4
	pktgen.vlan(1, "on")
	pktgen.rnd(1, 0, 14, "X")
	pktgen.set(1, "seq_cnt", 2)  -- sequence mode with the random flag on
	pktgen.set(1, "rate", "max") -- unpaced, with the other catch-up policy
	pktgen.set(1, "catch_up", "exact")
	-- the responders, pcap timing and the global mac_from_arp
	pktgen.process(1, "on")
	pktgen.icmp_echo(0, "on")
	pktgen.pcap_timing(1, "on")
	pktgen.mac_from_arp("on")
end

local function roundtrip(ext)
	configure()
	local want = dump.all()
	local path = os.tmpname() .. ext
	pktgen.save(path)
	pktgen.reset("all")
	assert(dump.all() ~= want, "reset changed nothing")
	assert(not require("pktgen.internal.responder").mac_from_arp(), "reset leaves mac_from_arp on")
	pktgen.load(path)
	same("load " .. ext, want, dump.all())
	assert(require("pktgen.internal.responder").mac_from_arp(), "load " .. ext .. " lost mac_from_arp")
	pktgen.reset("all")
	pktgen.run("cmd", path, 0)
	same("run cmd " .. ext, want, dump.all())
	os.remove(path)
end

roundtrip(".lua")
roundtrip(".pkt")

-- the other mode combinations: single with random off and seq_cnt > 0; single with random on
for _, setup in ipairs {
	function() pktgen.set(0, "seq_cnt", 3); pktgen.set_range(0, "on"); pktgen.set_range(0, "off") end,
	function() pktgen.rnd(0, 0, 20, "X"); pktgen.vxlan(0, "on"); pktgen.qinq(1, "on"); pktgen.mpls(1, "on") end,
	function() pktgen.rnd_s_ip(1, "on"); pktgen.gre(1, "on"); pktgen.set_type(0, "arp") end,
} do
	for _, ext in ipairs { ".lua", ".pkt" } do
		pktgen.reset("all")
		setup()
		local want = dump.all()
		local path = os.tmpname() .. ext
		pktgen.save(path)
		pktgen.reset("all")
		pktgen.load(path)
		os.remove(path)
		same("mode combination " .. ext, want, dump.all())
	end
end

-- the saved files are what a user would expect to read
configure()
local path = os.tmpname() .. ".lua"
pktgen.save(path)
local text = assert(io.open(path)):read("a")
os.remove(path)
assert(string.find(text, 'pktgen.set(0, "rate", 12.5)', 1, true), "no rate line in\n" .. text)
assert(string.find(text, 'pktgen.gre_eth(0, "on")', 1, true), "no gre_eth line")
path = os.tmpname() .. ".pkt"
pktgen.save(path)
text = assert(io.open(path)):read("a")
os.remove(path)
assert(string.find(text, "\nset 0 size 300\n", 1, true), "no size line in\n" .. text)
assert(string.find(text, "\nenable 0 range\n", 1, true), "no enable range line")
assert(string.find(text, "\nseq 0 0 00:00:00:00:00:01 ", 1, true), "no seq line")

-- errors
local ok, err = pcall(pktgen.save, "/nonexistent-dir/x.lua")
assert(not ok and string.find(err, "save command failed for /nonexistent-dir/x.lua", 1, true), tostring(err))
ok, err = pcall(pktgen.save)
assert(not ok and string.find(err, "save, wrong number of arguments", 1, true), tostring(err))
ok, err = pcall(pktgen.load, "/nonexistent-dir/x.pkt")
assert(not ok and string.find(err, "load command failed for /nonexistent-dir/x.pkt", 1, true), tostring(err))

pktgen.reset("all")
assert(config.get(0).mode == "single")
printf("save_load: ok\n")
