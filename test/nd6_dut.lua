--- IPv6 through a real device under test with no static neighbour entries on either side: the
-- Linux kernel forwarding IPv6 in test/dut.sh's namespace (DUT_IPV6=1) resolves our ports by
-- neighbour discovery and pings them (ICMPv6 echo), our ports learn the DUT's MAC from the
-- advertisements that answer their solicitations, and a counted UDP stream crosses with nothing
-- lost. Run by runtime/tests/nd6.rs; by hand (as root, from the repository's root):
--   DUT_IPV6=1 test/dut.sh up && target/release/pktgen --vdev net_af_packet0,iface=pgdutp0 \
--     --vdev net_af_packet1,iface=pgdutp1 -- --exit -f test/nd6_dut.lua; test/dut.sh down
package.path = package.path .. ";test/?.lua"
local engine = require "engine"
local t = require "testing"
local check, eq, wait_for = t.check, t.eq, t.wait_for

local NAME = os.getenv("DUT_NAME") or "pgdut"
local COUNT, RATE, SIZE = 10000, "10kpps", 300

--- Runs `cmd`; its output, and whether it succeeded.
local function run(cmd)
	local f = assert(io.popen(cmd .. " 2>&1"))
	local out = f:read("a")
	return out, f:close()
end

--- dut.sh's settings (MACs and addresses) as a table.
local function settings()
	local text, ok = run("DUT_IPV6=1 test/dut.sh show " .. NAME)
	check(ok, "dut.sh show %s failed:\n%s", NAME, text)
	local s = {}
	for k, v in string.gmatch(text, "([%w_]+)=(%S+)") do
		s[k] = v
	end
	check(s.port1_ip6 and s.dut0_ip6, "no IPv6 settings from dut.sh (DUT_IPV6=1):\n%s", text)
	return s
end


pktgen.screen("off")
local s = settings()
pktgen.set_ipaddr(0, "src", s.port0_ip6 .. "/64")
pktgen.set_ipaddr(0, "dst", s.port1_ip6)
pktgen.set_ipaddr(1, "src", s.port1_ip6 .. "/64")
pktgen.set_ipaddr(1, "dst", s.port0_ip6)

-- 0. Before the responder is on, nothing answers for the ports: the DUT's ping -6 fails.
do
	local out, ok = run(string.format("ip netns exec %s ping -6 -n -c 1 -W 2 %s", NAME, s.port1_ip6))
	check(not ok, "the DUT's ping -6 %s got an answer before process was on:\n%s", s.port1_ip6, out)
end

pktgen.process("all", "on")
pktgen.icmp_echo("all", "on")
pktgen.mac_from_arp("on")
pktgen.clr()

-- 1. The DUT pings each port's address and port 1's link-local one: it has no neighbour entry,
-- so each ping first needs our advertisement, then our echo reply. The kernel is the judge.
for _, target in ipairs { s.port0_ip6, s.port1_ip6, require("packet").link_local(s.port1_mac) .. "%" .. s.dut1_if } do
	local out, ok = run(string.format("ip netns exec %s ping -6 -n -c 3 -i 0.2 -W 5 %s", NAME, target))
	check(ok, "the DUT's ping -6 %s got no answer:\n%s", target, out)
	print(string.format("ping6 %s: %s", target, string.match(out, "%d+ packets transmitted[^\n]*")))
end
local neigh = run(string.format("ip -n %s -6 neigh show", NAME))
for _, e in ipairs { { s.port0_ip6, s.port0_mac }, { s.port1_ip6, s.port1_mac } } do
	local line = string.match(neigh, "\n?(" .. string.gsub(e[1], "%p", "%%%0") .. " [^\n]*)")
	check(line and string.find(line, "lladdr " .. e[2], 1, true) and not string.find(line, "PERMANENT", 1, true),
		"the DUT did not resolve %s to %s by neighbour discovery:\n%s", e[1], e[2], neigh)
end
local k = engine.stats(1).kinds
check(k.nd >= 1 and k.echo >= 6, "port 1 counted %d ND and %d echo frames, want at least 1 and 6", k.nd, k.echo)
print(string.format("port 1 received %d ND and %d echo frames; the DUT's neighbours:\n%s", k.nd, k.echo, neigh))

-- 2. The ports learn the DUT's MAC: a solicitation each, answered by an advertisement.
pktgen.send_ns(0, s.dut0_ip6)
pktgen.send_ns(1, s.dut1_ip6)
wait_for("the ports to learn the DUT's MACs", function()
	local a, b = engine.nd_table(0)[s.dut0_ip6], engine.nd_table(1)[s.dut1_ip6]
	return a == s.dut0_mac and b == s.dut1_mac, string.format("%s %s", tostring(a), tostring(b))
end, 30)
pktgen.set_mac(0, "dst", engine.nd_table(0)[s.dut0_ip6])
print("LEARNED " .. engine.nd_table(0)[s.dut0_ip6] .. " " .. engine.nd_table(1)[s.dut1_ip6])

-- 3. A counted IPv6 UDP stream from port 0 crosses the DUT to port 1, all of it. Port 1 counts
-- it exactly in its 256-511 byte bucket, where none of the DUT's own frames fall.
pktgen.streams.add(0, { name = "v6", size = SIZE, proto = "udp", rate = RATE, count = COUNT })
pktgen.clr()
pktgen.streams.start(0, "v6")
wait_for("the stream to end", function() return not pktgen.streams.stats(0, "v6").sending end)
eq("packets sent", pktgen.streams.stats(0, "v6").tx_packets, COUNT)
wait_for("port 1 to receive them", function()
	local st = pktgen.streams.stats(0, "v6")
	return st.rx_packets == COUNT, st.rx_packets
end, 30)
local st = pktgen.streams.stats(0, "v6")
eq("packets lost", st.lost, 0)
eq("port 1's 256-511 byte frames", engine.stats(1).sizes._256_511, COUNT)
print(string.format("crossed %d of %d, lost %d", st.rx_packets, COUNT, st.lost))
print("nd6_dut: ok")
