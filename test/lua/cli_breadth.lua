--- The CLI command language (.pkt files, console lines) across its list (docs/LUA_API.md,
-- section 12): every set key, enable/disable feature, range field, seq, latency, page, load,
-- save, script, lua.
package.path = package.path ..";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local cli = require "pktgen.console.cli"
local config = require "pktgen.internal.config"

local eq = require("testing").eq

local function raises(want, line)
	local ok, err = pcall(cli.run_line, line)
	assert(not ok, "'" .. line .. "' did not fail")
	assert(string.find(tostring(err), want, 1, true), string.format("'%s': error '%s' lacks '%s'", line, tostring(err), want))
end

local run = cli.run_line
pktgen.reset("all")
local cfg = config.get(0)

-- set <pl> <key> <n>
for line, check in pairs {
	["set 0 count 5"] = function() return cfg.count == 5 end,
	["set 0 size 200"] = function() return cfg.pkt.size == 200 end,
	["set 0 rate 7.5"] = function() return cfg.rate == 7.5 end,
	["set 0 burst 8"] = function() return cfg.tx_burst == 8 end,
	["set 0 txburst 9"] = function() return cfg.tx_burst == 9 end,
	["set 0 rxburst 10"] = function() return cfg.rx_burst == 10 end,
	["set 0 tx_cycles 11"] = function() return cfg.cycles == 11 end,
	["set 0 sport 12"] = function() return cfg.pkt.sport == 12 end,
	["set 0 dport 13"] = function() return cfg.pkt.dport == 13 end,
	["set 0 prime 3"] = function() return cfg.prime == 3 end,
	["set 0 dump 4"] = function() return cfg.dump == 4 end,
	["set 0 vlan 14"] = function() return cfg.pkt.vlanid == 14 end,
	["set 0 vlanid 15"] = function() return cfg.pkt.vlanid == 15 end,
	["set 0 ttl 16"] = function() return cfg.pkt.ttl == 16 end,
	["set 0 tos 17"] = function() return cfg.pkt.tos == 17 end,
	["set 0 cos 6"] = function() return cfg.pkt.cos == 6 end,
	["set 0 type ipv6"] = function() return cfg.pkt.eth_type == "ipv6" end,
	["set 0 proto udp"] = function() return cfg.pkt.proto == "udp" end,
	["set 0 qinqids 5 6"] = function() return cfg.pkt.qinq_outer == 5 and cfg.pkt.qinq_inner == 6 end,
	["set 0 mpls entry 1f1ff"] = function() return cfg.pkt.mpls_entry == 0x1f1ff end,
	["set 0 gre_key 33"] = function() return cfg.pkt.gre_key == 33 end,
	["set 0 vxlan 0x8 2 77"] = function() return cfg.pkt.vxlan_vni == 77 and cfg.pkt.vxlan_group == 2 end,
	["set 0 teid 55"] = function() return cfg.pkt.gtpu_teid == 55 end,
	["set 0 tcp_flags syn,ack"] = function() return cfg.pkt.tcp_flags == 0x12 end,
	["set 0 pattern zero"] = function() return cfg.pkt.pattern == "zero" end,
	["set 0 user pattern 'hi there'"] = function() return cfg.pkt.user_pattern == "hi there" end,
	["set 0 src mac 00:01:02:03:04:05"] = function() return cfg.pkt.src_mac == "\0\1\2\3\4\5" end,
	["set 0 rnd 1 30 XXXX"] = function() return cfg.rnd[1].mask == "XXXX" end,
} do
	run(line)
	assert(check(), "no effect: " .. line)
end
-- the three spellings of seq_cnt
for _, k in ipairs { "seq_cnt", "seqCnt", "seqcnt" } do
	run("set 0 " .. k .. " 0")
	run("set 0 " .. k .. " 2")
	eq(k, cfg.seq_cnt, 2)
	eq(k .. " mode", cfg.mode, "sequence")
end
run("set 0 seq_cnt 0")

-- enable / disable <pl> <feature>
for _, f in ipairs { "vlan", "qinq", "mpls", "gre", "gre_eth", "vxlan" } do
	run("enable 0 " .. f)
	eq("enable " .. f, cfg.pkt[f], true)
	run("disable 0 " .. f)
	eq("disable " .. f, cfg.pkt[f], false)
end
for _, f in ipairs { "rnd_s_ip", "rnd_s_pt" } do
	run("enable 0 " .. f)
	eq("enable " .. f, cfg[f], true)
	run("disable 0 " .. f)
	eq("disable " .. f, cfg[f], false)
end
run("enable 0 range")
eq("enable range", cfg.mode, "range")
run("enable 0 random")
eq("enable random", cfg.random, true)
eq("enable random forces single", cfg.mode, "single")
run("disable 0 random")
eq("disable random", cfg.random, false)
run("enable 0 range")
run("disable 0 range")
eq("disable range", cfg.mode, "single")
-- blink is accepted (virtual ports have no LED)
run("enable 0 blink")
run("disable 0 blink")
run("enable 0 process")
run("enable 0 icmp")
eq("enable process", cfg.process, true)
eq("enable icmp", cfg.icmp_echo, true)
run("disable 0 process")
run("disable 0 icmp")
eq("disable process", cfg.process, false)
eq("disable icmp", cfg.icmp_echo, false)
-- no -s file for port 0: pcap is ignored, as in Pktgen
run("enable 0 pcap")
eq("pcap without a file", cfg.mode, "single")
run("enable mac_from_arp")
eq("enable mac_from_arp", require("pktgen.internal.responder").mac_from_arp(), true)
run("disable mac_from_arp")
eq("disable mac_from_arp", require("pktgen.internal.responder").mac_from_arp(), false)
run("enable 0 capture")
run("disable 0 capture")
local last = require("pktgen.api.capture").last[0]
assert(last and os.remove(last.path), "disable capture wrote no file")
-- latency: on/off under both names, the probe rate and the entropy
for _, name in ipairs { "latency", "lat" } do
	run("enable 0 " .. name)
	eq("enable " .. name, cfg.latency.on, true)
	run("disable 0 " .. name)
	eq("disable " .. name, cfg.latency.on, false)
end
run("latency 0 rate 1000")
eq("latency rate", cfg.latency.rate_us, 1000)
run("latency 0 entropy 4")
eq("latency entropy", cfg.latency.entropy, 4)
raises("'rate'", "enable 0 rate")
-- bonding (Pktgen 26.02) exists: on a port that is not a bonding port it says so.
run("enable 0 bonding")
raises("unknown feature 'colour'", "enable 0 colour")

-- range <pl> ...
run("range 0 dst ip start 10.0.0.1")
run("range 0 src ip 10.0.1.1 10.0.1.1 10.0.1.9 0.0.0.1") -- the four-value form
run("range 0 dst mac max 00:00:00:00:00:09")
run("range 0 src port inc 2")
run("range 0 dst port 1 1 100 1")
run("range 0 size max 256")
run("range 0 ttl min 3")
run("range 0 vlan inc 1")
run("range 0 cos max 4")
run("range 0 tos start 8")
run("range 0 proto udp")
run("range 0 type ipv4")
run("range 0 mpls entry 2a1ff")
run("range 0 qinq index 7 8")
run("range 0 gre key 9")
run("range 0 teid start 100")
run("range 0 teid inc 1")
local r = cfg.range
eq("range dst ip start", r.dst_ip.start, 0x0a000001)
eq("range src ip max", r.src_ip.max, 0x0a000109)
eq("range src ip inc", r.src_ip.inc, 1)
eq("range dst mac max", r.dst_mac.max, 9)
eq("range src port inc", r.src_port.inc, 2)
eq("range dst port max", r.dst_port.max, 100)
eq("range size max", r.pkt_size.max, 256)
eq("range ttl min", r.ttl.min, 3)
eq("range vlan inc", r.vlan_id.inc, 1)
eq("range cos max", r.cos.max, 4)
eq("range tos start", r.tos.start, 8)
eq("range proto", r.proto, "udp")
eq("range mpls entry", cfg.pkt.mpls_entry, 0x2a1ff)
eq("range qinq", cfg.pkt.qinq_inner, 8)
eq("range gre key", cfg.pkt.gre_key, 9)
eq("range teid start", r.gtpu_teid.start, 100)
eq("range teid inc", r.gtpu_teid.inc, 1)
raises("unknown field 'colour'", "range 0 colour start 1")

-- seq <n> <pl> <dmac> <smac> <dip> <sip/nm> <sport> <dport> ipv4|ipv6 udp|tcp|icmp <vlan> <size> [teid]
run("seq 2 0 00:00:00:00:00:01 00:00:00:00:00:02 10.0.0.1 10.0.0.2/24 100 2152 ipv4 udp 3 128 42")
local s = cfg.seq[2]
eq("seq dport", s.dport, 2152)
eq("seq teid", s.gtpu_teid, 42)
eq("seq size", s.size, 128)
raises("sequence number must be 0..15", "seq 16 0 00:00:00:00:00:01 00:00:00:00:00:02 10.0.0.1 10.0.0.2/24 1 2 ipv4 udp 1 64")
raises("invalid MAC string", "seq 1 0 zz 00:00:00:00:00:02 10.0.0.1 10.0.0.2/24 1 2 ipv4 udp 1 64")
raises("Must use IPv4 with ICMP", "seq 1 0 00:00:00:00:00:01 00:00:00:00:00:02 fd00::1 fd00::2/64 1 2 ipv6 icmp 1 64")

raises("usage: latency", "latency 0")

-- page, screen, script, lua, save and load
run("page main")
run("page latency")
run("lua 'cli_breadth_x = 6 * 7'")
eq("lua command", cli_breadth_x, 42) -- luacheck: globals cli_breadth_x (set by the lua command above)
local script = os.tmpname() .. ".lua"
local f = assert(io.open(script, "w"))
f:write("cli_breadth_y = 'from script'\n")
f:close()
run("script " .. script)
os.remove(script)
eq("script command", cli_breadth_y, "from script") -- luacheck: globals cli_breadth_y (set by the script)
local saved = os.tmpname() .. ".pkt"
local before = require("pktgen.internal.configdump").all()
run("save " .. saved)
run("reset all")
run("load " .. saved)
os.remove(saved)
local after = require("pktgen.internal.configdump").all()
if after ~= before then
	local la, lb = {}, {}
	for l in string.gmatch(before, "[^\n]+") do la[#la + 1] = l end
	for l in string.gmatch(after, "[^\n]+") do lb[#lb + 1] = l end
	for i = 1, math.max(#la, #lb) do
		assert(la[i] == lb[i], string.format("save + load through the CLI: line %d: want %s, got %s", i,
			tostring(la[i]), tostring(lb[i])))
	end
end

-- bad port lists and unknown commands
raises("invalid portlist", "set 5-2 size 64")
raises("unknown command 'frobnicate'", "frobnicate 0")
raises("set: unknown key 'colour'", "set 0 colour 1")
raises("usage: set", "set 0")

pktgen.reset("all")
printf("cli_breadth: ok\n")
