--- mac_from_arp in every send mode: port 1 announces addresses with gratuitous ARP, port 0 learns
-- them, and what port 0 then sends (single, sequence, range) is captured on port 1 to read the
-- destination MACs. In range mode the learned MAC applies when every address the walk visits
-- has learned the same MAC.
package.path = package.path .. ";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local engine = require "engine"
local t = require "testing"
local eq = t.eq

local A = "02:00:00:00:0a:01" -- 10.9.0.1 .. 10.9.0.4 (one host with four addresses)
local B = "02:00:00:00:0b:01" -- 10.9.0.9
local RANGE_MAC = "02:00:00:00:00:99"

pktgen.reset("all")
pktgen.mac_from_arp("on")
local function announce(ip, mac)
	pktgen.set_mac(1, "src", mac)
	pktgen.set_ipaddr(1, "src", ip .. "/24")
	pktgen.send_arp(1, "grat")
	t.wait_for("port 0 to learn " .. ip, function() return engine.arp_table(0)[ip] == mac end)
end
for i = 1, 4 do
	announce("10.9.0." .. i, A)
end
announce("10.9.0.9", B)

-- What port 1 receives while port 0 sends n packets: {dst MAC, dst IP} per packet.
local function sent(n)
	local before = engine.stats(1).rx_packets
	engine.capture_start(1)
	t.send(n)
	t.wait_for("port 1 to receive " .. n .. " packets", function() return engine.stats(1).rx_packets >= before + n end)
	local _, _, got = engine.capture_stop(1)
	local out = {}
	for i, p in ipairs(got) do
		local d = p.data
		out[i] = {
			mac = string.format("%02x:%02x:%02x:%02x:%02x:%02x", d:byte(1, 6)),
			ip = string.format("%d.%d.%d.%d", d:byte(31, 34)),
		}
	end
	eq("packets captured", #out, n)
	return out
end

local function macs(pkts)
	local m = {}
	for i, p in ipairs(pkts) do
		m[i] = p.mac
	end
	return table.concat(m, " ")
end

pktgen.set(0, "rate", 1)
pktgen.set_proto(0, "udp")

-- single mode: the packet goes to the MAC learned for its destination
pktgen.set_mac(0, "dst", RANGE_MAC)
pktgen.set_ipaddr(0, "dst", "10.9.0.9")
eq("single mode", macs(sent(2)), B .. " " .. B)

-- range mode, destination fixed at a learned address: every packet goes to its MAC
local r = pktgen.range
local function dst_ip(start, min, max, inc)
	r.dst_ip(0, "start", start)
	r.dst_ip(0, "min", min)
	r.dst_ip(0, "max", max)
	r.dst_ip(0, "inc", inc)
end
r.dst_mac(0, "start", RANGE_MAC)
r.dst_mac(0, "min", RANGE_MAC)
r.dst_mac(0, "max", "02:00:00:00:00:9f")
r.dst_mac(0, "inc", "00:00:00:00:00:01")
r.ip_proto(0, "udp")
dst_ip("10.9.0.9", "10.9.0.9", "10.9.0.9", "0.0.0.0")
pktgen.set_range(0, "on")
eq("range, fixed learned destination", macs(sent(3)), B .. " " .. B .. " " .. B)

-- range walking the destination over addresses that all learned the same MAC: that MAC, for
-- every packet (the destination MAC walk gives way), while the addresses still walk
dst_ip("10.9.0.3", "10.9.0.1", "10.9.0.4", "0.0.0.1")
local got = sent(5)
eq("range walk over one learned MAC", macs(got), table.concat({ A, A, A, A, A }, " "))
local ips = {}
for i, p in ipairs(got) do
	ips[i] = p.ip
end
eq("the destination still walks", table.concat(ips, " "), "10.9.0.3 10.9.0.4 10.9.0.1 10.9.0.2 10.9.0.3")

-- ... over an address with no learned MAC (10.9.0.5): the range's own destination MAC walk
dst_ip("10.9.0.1", "10.9.0.1", "10.9.0.5", "0.0.0.1")
eq("range walk with an unlearned address", macs(sent(3)),
	"02:00:00:00:00:99 02:00:00:00:00:9a 02:00:00:00:00:9b")

-- ... over addresses that learned different MACs (10.9.0.4 -> A, 10.9.0.9 -> B): the range's own
dst_ip("10.9.0.4", "10.9.0.4", "10.9.0.9", "0.0.0.5")
eq("range walk over two learned MACs", macs(sent(2)), "02:00:00:00:00:99 02:00:00:00:00:9a")

-- mac_from_arp off: the range's own MAC even for a learned address
pktgen.mac_from_arp("off")
dst_ip("10.9.0.9", "10.9.0.9", "10.9.0.9", "0.0.0.0")
eq("mac_from_arp off", macs(sent(1)), RANGE_MAC)

pktgen.reset("all")
print("arp_range: ok")
