--- Packet descriptions -> engine stream specs (docs/ENGINE_MODULE.md).
-- Builds template bytes with checksum and length fix-ups declared; the engine computes them.
local ethernet = require "proto.ethernet"
local vlan = require "proto.vlan"
local ipv4 = require "proto.ipv4"
local ipv6 = require "proto.ipv6"
local udp = require "proto.udp"
local tcp = require "proto.tcp"
local icmp = require "proto.icmp"
local arp = require "proto.arp"
local config = require "pktgen.config"

local M = {}

local ABC = "abcdefghijklmnopqrstuvwxyz"

--- Payload bytes of length n for the packet's fill pattern ("abc", "zero", "none", "user").
function M.payload(pkt, n)
	if n <= 0 then
		return ""
	end
	local unit
	if pkt.pattern == "user" and pkt.user_pattern ~= "" then
		unit = pkt.user_pattern
	elseif pkt.pattern == "zero" or pkt.pattern == "none" then
		return string.rep("\0", n)
	else
		unit = ABC
	end
	return string.sub(string.rep(unit, n // #unit + 1), 1, n)
end

--- Build one frame from a packet description.
-- Returns the engine template {data, checksums, lengths} and the offsets
-- {l3, l4, vlan} (nil where absent), which the range and random fields use.
function M.frame(pkt)
	local v6 = pkt.eth_type == "ipv6"
	local hdr = {}
	local off = { l2 = 0 }
	local pos = ethernet.size
	local ethertype = (pkt.eth_type == "arp" and ethernet.TYPE_ARP) or (v6 and ethernet.TYPE_IPV6) or ethernet.TYPE_IPV4
	local dst = pkt.eth_type == "arp" and string.rep("\255", 6) or pkt.dst_mac
	if pkt.vlan then
		hdr[#hdr + 1] = dst .. pkt.src_mac .. vlan.tag(pkt.vlanid, pkt.cos) .. string.pack(">I2", ethertype)
		off.vlan = 12
		pos = pos + vlan.size
	else
		hdr[#hdr + 1] = ethernet.header(dst, pkt.src_mac, ethertype)
	end
	local checksums, lengths = {}, {}
	if pkt.eth_type == "arp" then
		hdr[#hdr + 1] = arp.body(arp.REQUEST, pkt.src_mac, pkt.src_ip.addr, string.rep("\0", 6), pkt.dst_ip.addr)
		pos = pos + arp.size
	else
		off.l3 = pos
		local proto = pkt.proto
		if v6 then
			local nxt = (proto == "udp" and ipv6.NEXT_UDP) or (proto == "icmp" and ipv6.NEXT_ICMPV6) or ipv6.NEXT_TCP
			hdr[#hdr + 1] = ipv6.header { traffic_class = pkt.tos, next = nxt, hop_limit = pkt.ttl,
				src = pkt.src_ip6.addr, dst = pkt.dst_ip6.addr }
			lengths[#lengths + 1] = { offset = pos + ipv6.LENGTH_OFFSET, adjust = pos + ipv6.size }
			pos = pos + ipv6.size
		else
			local p = (proto == "udp" and ipv4.PROTO_UDP) or (proto == "icmp" and ipv4.PROTO_ICMP) or ipv4.PROTO_TCP
			hdr[#hdr + 1] = ipv4.header { tos = pkt.tos, ttl = pkt.ttl, proto = p,
				src = pkt.src_ip.addr, dst = pkt.dst_ip.addr }
			checksums[#checksums + 1] = { kind = "ipv4", l3 = pos }
			lengths[#lengths + 1] = { offset = pos + ipv4.LENGTH_OFFSET, adjust = pos }
			pos = pos + ipv4.size
		end
		off.l4 = pos
		if proto == "udp" then
			hdr[#hdr + 1] = udp.header(pkt.sport, pkt.dport)
			lengths[#lengths + 1] = { offset = pos + udp.LENGTH_OFFSET, adjust = pos }
			checksums[#checksums + 1] = { kind = "udp", l3 = off.l3, l4 = pos }
			pos = pos + udp.size
		elseif proto == "icmp" then
			hdr[#hdr + 1] = icmp.echo(0, 0, v6)
			checksums[#checksums + 1] = { kind = v6 and "icmpv6" or "icmp", l3 = off.l3, l4 = pos }
			pos = pos + icmp.size
		else
			hdr[#hdr + 1] = tcp.header { sport = pkt.sport, dport = pkt.dport, seq = pkt.tcp_seq,
				ack = pkt.tcp_ack, flags = pkt.tcp_flags }
			checksums[#checksums + 1] = { kind = "tcp", l3 = off.l3, l4 = pos }
			pos = pos + tcp.size
		end
	end
	local len = pkt.size - config.FCS
	hdr[#hdr + 1] = M.payload(pkt, len - pos)
	return { data = table.concat(hdr), checksums = checksums, lengths = lengths }, off
end

--- Engine rate for a percentage.
function M.rate(cfg)
	return { percent = cfg.rate }
end

--- Stream spec for the port's single packet (templates, rate, count, burst).
function M.single(cfg)
	local t, off = M.frame(cfg.pkt)
	return { templates = { t }, rate = M.rate(cfg), count = cfg.count, burst = cfg.tx_burst }, off
end

--- Stream spec for `n` packets of the single template at full speed (prime).
function M.prime(cfg, n)
	local t = M.frame(cfg.pkt)
	return { templates = { t }, rate = M.rate(cfg), count = n, burst = math.min(cfg.tx_burst, n) }
end

--- Stream spec for the port's current mode, with random bitfields applied.
function M.spec(cfg)
	local spec, off
	if cfg.mode == "sequence" and cfg.seq_cnt > 0 then
		local templates = {}
		for i = 0, cfg.seq_cnt - 1 do
			-- VLAN insertion and the fill pattern are port settings in Pktgen, not per slot.
			local slot = setmetatable({ vlan = cfg.pkt.vlan, pattern = cfg.pkt.pattern,
				user_pattern = cfg.pkt.user_pattern }, { __index = cfg.seq[i] })
			templates[#templates + 1] = (M.frame(slot))
		end
		spec = { templates = templates, rate = M.rate(cfg), count = cfg.count, burst = cfg.tx_burst }
	elseif cfg.mode == "range" then
		spec = require("pktgen.range").spec(cfg)
	else
		spec, off = M.single(cfg)
	end
	local fields = require("pktgen.random").fields(cfg)
	if #fields > 0 then
		spec.fields = spec.fields or {}
		for _, f in ipairs(fields) do
			spec.fields[#spec.fields + 1] = f
		end
	end
	return spec
end

return M
