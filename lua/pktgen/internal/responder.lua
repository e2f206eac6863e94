--- What a port answers and learns on the receive side: the engine's responder (ARP and neighbour
-- solicitations for the port's source IPv4 and IPv6 addresses, ICMP and ICMPv6 echo) and the global
-- mac_from_arp (MACs learned from ARP and ND on every port, and packets sent to the MAC learned
-- for their destination).
local engine = require "engine"
local args = require "pktgen.internal.args"
local config = require "pktgen.internal.config"

local M = {}

local mac_from_arp = false
-- What engine.respond last got per port, to skip repeated calls.
local applied = {}

--- Tell the engine what port p answers now (after process/icmp_echo or a source IP change).
function M.apply(p, cfg)
	local on = cfg.process or cfg.icmp_echo
	local ip = on and args.ip_string(cfg.pkt.src_ip.addr) or nil
	local ip6 = on and args.ip_string(cfg.pkt.src_ip6.addr) or nil
	local key = string.format("%s/%s/%s/%s", tostring(ip), tostring(ip6), tostring(cfg.process),
		tostring(cfg.icmp_echo))
	if applied[p] ~= key then
		engine.respond(p, { ip = ip, ip6 = ip6, arp = cfg.process or false, icmp = cfg.icmp_echo or false })
		applied[p] = key
	end
end

--- Whether mac_from_arp is on.
function M.mac_from_arp()
	return mac_from_arp
end

--- Turns mac_from_arp on or off, on every port.
function M.learn(on)
	mac_from_arp = on
	for p = 0, engine.ports() - 1 do
		engine.learn_arp(p, on)
	end
end

--- reset clears mac_from_arp globally, as Pktgen's does.
function M.reset_global()
	if mac_from_arp then
		M.learn(false)
	end
end

--- The MAC (6 bytes) port p learned for every address in `addrs` (4-byte IPv4 strings, or with
-- `v6` 16-byte IPv6 ones), when mac_from_arp is on and they all learned the same one; else nil.
-- `addrs` is a list, or a function of a count that returns at most that many of them (nil when
-- there are more).
function M.learned_mac(p, addrs, v6)
	if not mac_from_arp then
		return nil
	end
	local learned, n = {}, 0
	for ip, m in pairs(v6 and engine.nd_table(p) or engine.arp_table(p)) do
		learned[ip], n = m, n + 1
	end
	-- More addresses than the port learned cannot all have learned a MAC.
	local list = type(addrs) == "function" and addrs(n) or addrs
	local mac
	for _, a in ipairs(list or {}) do
		local m = learned[args.ip_string(a)]
		if not m or (mac and m ~= mac) then
			return nil
		end
		mac = m
	end
	return mac and args.parse_mac(mac)
end

--- pkt, or a copy of it sent to the MAC port p learned for its IPv4 or IPv6 destination.
function M.resolve(p, pkt)
	local bytes = (pkt.eth_type == "ipv4" and M.learned_mac(p, { pkt.dst_ip.addr }))
		or (pkt.eth_type == "ipv6" and M.learned_mac(p, { pkt.dst_ip6.addr }, true))
	if not bytes or bytes == pkt.dst_mac then
		return pkt
	end
	local c = config.copy_pkt(pkt)
	c.dst_mac = bytes
	return c
end

return M
