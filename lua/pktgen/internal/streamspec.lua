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
local qinq = require "proto.qinq"
local mpls = require "proto.mpls"
local gre = require "proto.gre"
local vxlan = require "proto.vxlan"
local gtpu = require "proto.gtpu"
local config = require "pktgen.internal.config"

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

-- A frame under construction: its parts, the current offset and the fix-ups the engine applies.
-- Checksums are listed innermost first, as the engine computes them in order.
local Frame = {}
Frame.__index = Frame

local function new_frame()
	return setmetatable({ parts = {}, pos = 0, checksums = {}, lengths = {} }, Frame)
end

function Frame:add(bytes)
	self.parts[#self.parts + 1] = bytes
	self.pos = self.pos + #bytes
end

--- A 16-bit length at `offset` kept equal to (frame length - adjust).
function Frame:length(offset, adjust)
	self.lengths[#self.lengths + 1] = { offset = offset, adjust = adjust }
end

function Frame:checksum(c)
	table.insert(self.checksums, 1, c)
end

local function ip_proto_v4(proto)
	return (proto == "udp" and ipv4.PROTO_UDP) or (proto == "icmp" and ipv4.PROTO_ICMP) or ipv4.PROTO_TCP
end

--- The L3 header of the packet itself (IPv4 or IPv6), then its L4 header (and GTP-U).
-- Records off.l3, off.l4 and off.gtpu.
local function l3_l4(f, pkt, off)
	local v6 = pkt.eth_type == "ipv6"
	local proto = pkt.proto
	local l3 = f.pos
	off.l3 = l3
	if v6 then
		local nxt = (proto == "udp" and ipv6.NEXT_UDP) or (proto == "icmp" and ipv6.NEXT_ICMPV6) or ipv6.NEXT_TCP
		f:add(ipv6.header { traffic_class = pkt.tos, next = nxt, hop_limit = pkt.ttl,
			src = pkt.src_ip6.addr, dst = pkt.dst_ip6.addr })
		f:length(l3 + ipv6.LENGTH_OFFSET, l3 + ipv6.size)
	else
		f:add(ipv4.header { tos = pkt.tos, ttl = pkt.ttl, proto = ip_proto_v4(proto),
			src = pkt.src_ip.addr, dst = pkt.dst_ip.addr })
		f:length(l3 + ipv4.LENGTH_OFFSET, l3)
	end
	local l4 = f.pos
	off.l4 = l4
	local l4sum
	if proto == "udp" then
		f:add(udp.header(pkt.sport, pkt.dport))
		f:length(l4 + udp.LENGTH_OFFSET, l4)
		l4sum = { kind = "udp", l3 = l3, l4 = l4 }
		if pkt.dport == gtpu.PORT then
			-- Pktgen adds the GTP-U header to UDP packets sent to its port.
			off.gtpu = f.pos
			f:add(gtpu.header(pkt.gtpu_teid or 0))
			f:length(off.gtpu + gtpu.LENGTH_OFFSET, off.gtpu + gtpu.size)
		end
	elseif proto == "icmp" then
		f:add(icmp.echo(0, 0, v6))
		l4sum = { kind = v6 and "icmpv6" or "icmp", l3 = l3, l4 = l4 }
	else
		f:add(tcp.header { sport = pkt.sport, dport = pkt.dport, seq = pkt.tcp_seq,
			ack = pkt.tcp_ack, flags = pkt.tcp_flags })
		l4sum = { kind = "tcp", l3 = l3, l4 = l4 }
	end
	-- Inner first: the L4 checksum, then this IPv4 header's.
	if not v6 then
		f:checksum { kind = "ipv4", l3 = l3 }
	end
	f:checksum(l4sum)
end

--- An outer IPv4 header for a tunnel (GRE, VXLAN) with the packet's addresses, TTL and TOS.
local function outer_ipv4(f, pkt, proto, off)
	local l3 = f.pos
	off.outer_l3 = l3
	f:add(ipv4.header { tos = pkt.tos, ttl = pkt.ttl, proto = proto, src = pkt.src_ip.addr, dst = pkt.dst_ip.addr })
	f:length(l3 + ipv4.LENGTH_OFFSET, l3)
	f:checksum { kind = "ipv4", l3 = l3 }
end

local function l3_type(pkt)
	return pkt.eth_type == "ipv6" and ethernet.TYPE_IPV6 or ethernet.TYPE_IPV4
end

--- Build one frame from a packet description.
-- Returns the engine template {data, checksums, lengths} and the offsets
-- {l3, l4, vlan, gtpu, outer_l3, hdr} (nil where absent): l3/l4 are the packet's own (innermost)
-- headers, which the range and random fields rewrite; hdr is where the payload starts.
function M.frame(pkt)
	local f = new_frame()
	local off = { l2 = 0 }
	local arp_pkt = pkt.eth_type == "arp"
	local dst = arp_pkt and string.rep("\255", 6) or pkt.dst_mac
	f:add(dst .. pkt.src_mac)
	-- L2 tags; the Ethernet type of what follows comes after them.
	if pkt.qinq then
		f:add(qinq.tags(pkt.qinq_outer, pkt.qinq_inner, pkt.cos))
	elseif pkt.vlan then
		off.vlan = f.pos
		f:add(vlan.tag(pkt.vlanid, pkt.cos))
	end
	if arp_pkt then
		f:add(string.pack(">I2", ethernet.TYPE_ARP))
		f:add(arp.request(pkt.src_mac, pkt.src_ip.addr, pkt.dst_ip.addr))
	elseif pkt.mpls then
		f:add(string.pack(">I2", mpls.ETHERTYPE))
		off.mpls = f.pos
		f:add(mpls.entry(pkt.mpls_entry))
		l3_l4(f, pkt, off)
	elseif pkt.gre or pkt.gre_eth then
		f:add(string.pack(">I2", ethernet.TYPE_IPV4))
		outer_ipv4(f, pkt, gre.IP_PROTO, off)
		off.gre = f.pos
		if pkt.gre_eth then
			f:add(gre.header(gre.TYPE_ETHERNET, pkt.gre_key))
			f:add(ethernet.header(pkt.dst_mac, pkt.src_mac, l3_type(pkt)))
		else
			f:add(gre.header(pkt.eth_type == "ipv6" and gre.TYPE_IPV6 or gre.TYPE_IPV4, pkt.gre_key))
		end
		l3_l4(f, pkt, off)
	elseif pkt.vxlan then
		f:add(string.pack(">I2", ethernet.TYPE_IPV4))
		outer_ipv4(f, pkt, ipv4.PROTO_UDP, off)
		local u = f.pos
		-- RFC 7348: the outer UDP checksum SHOULD be 0, so it is not declared to the engine.
		f:add(udp.header(pkt.sport, vxlan.PORT))
		f:length(u + udp.LENGTH_OFFSET, u)
		off.vxlan = f.pos
		f:add(vxlan.header(pkt.vxlan_flags, pkt.vxlan_group, pkt.vxlan_vni))
		f:add(ethernet.header(pkt.dst_mac, pkt.src_mac, l3_type(pkt)))
		l3_l4(f, pkt, off)
	else
		f:add(string.pack(">I2", l3_type(pkt)))
		l3_l4(f, pkt, off)
	end
	off.hdr = f.pos
	local len = pkt.size - config.FCS
	-- An ARP frame is padded with zeros (RFC 894 padding), not with the fill pattern.
	f:add(arp_pkt and string.rep("\0", math.max(0, len - f.pos)) or M.payload(pkt, len - f.pos))
	return { data = table.concat(f.parts), checksums = f.checksums, lengths = f.lengths }, off
end

--- Engine rate of the port's settings: Pktgen's TX cycles (TSC cycles from one burst to the
-- next) when set, else nil (unpaced) for rate "max", else the percentage.
function M.rate(cfg)
	if (cfg.cycles or 0) > 0 then
		return { pps = require("engine").tsc_hz() * cfg.tx_burst / cfg.cycles }
	elseif cfg.unpaced then
		return nil
	end
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

--- Random fields of rnd_s_ip / rnd_s_pt for a frame with offsets `off`: the host bits of the
-- source address under its prefix (all of the low byte for a /32, so something changes) and
-- the whole source port.
function M.src_random_fields(cfg, pkt, off)
	local fields = {}
	if not off.l3 then
		return fields
	end
	if cfg.rnd_s_ip then
		if pkt.eth_type == "ipv6" then
			-- the low 32 bits of the address (engine fields are at most 6 bytes wide)
			local prefix = pkt.src_ip6.prefix or 128
			local host = prefix >= 128 and 8 or math.min(32, 128 - prefix)
			local rnd = host >= 32 and 0xffffffff or ((1 << host) - 1)
			fields[#fields + 1] = { offset = off.l3 + ipv6.SRC_OFFSET + 12, width = 4,
				keep = 0xffffffff & ~rnd, set = 0, random = rnd }
		else
			local prefix = pkt.src_ip.prefix or 32
			local host = prefix >= 32 and 8 or 32 - prefix
			local rnd = (1 << host) - 1
			fields[#fields + 1] = { offset = off.l3 + ipv4.SRC_OFFSET, width = 4,
				keep = 0xffffffff & ~rnd, set = 0, random = rnd }
		end
	end
	if cfg.rnd_s_pt and (pkt.proto == "udp" or pkt.proto == "tcp") then
		fields[#fields + 1] = { offset = off.l4, width = 2, keep = 0, set = 0, random = 0xffff }
	end
	return fields
end

--- A sequence slot as it is sent: the slot's own fields, with the port-level settings
-- (encapsulations, fill pattern) of the single packet.
function M.slot(cfg, i)
	local slot = config.copy_pkt(cfg.seq[i])
	for _, k in ipairs(config.PORT_PKT_KEYS) do
		slot[k] = cfg.pkt[k]
	end
	return slot
end

--- cfg with its single packet sent to the MAC learned by mac_from_arp, if any.
local function resolved(cfg)
	local pkt = require("pktgen.internal.responder").resolve(cfg.pid, cfg.pkt)
	if pkt == cfg.pkt then
		return cfg
	end
	local c = {}
	for k, v in pairs(cfg) do
		c[k] = v
	end
	c.pkt = pkt
	return c
end

--- Stream spec for the port's current mode, with random bitfields applied, and with latency
-- on, the spec of the probes that measure it when its frames have no room for a stamp.
local function mode_spec(cfg)
	local spec, base
	local resolve = require("pktgen.internal.responder").resolve
	if cfg.mode == "pcap" then
		-- The capture's bytes go out as they are: no random bitfields.
		return require("pktgen.internal.stamps").apply(cfg.pid, cfg, require("pktgen.internal.pcapfile").spec(cfg, M.rate(cfg)), cfg.pkt)
	elseif cfg.mode == "sequence" and cfg.seq_cnt > 0 then
		local templates = {}
		for i = 0, cfg.seq_cnt - 1 do
			templates[#templates + 1] = (M.frame(resolve(cfg.pid, M.slot(cfg, i))))
		end
		spec = { templates = templates, rate = M.rate(cfg), count = cfg.count, burst = cfg.tx_burst }
		base = resolve(cfg.pid, M.slot(cfg, 0))
	elseif cfg.mode == "range" then
		spec, base = require("pktgen.internal.rangewalk").spec(cfg)
	else
		local off
		local c = resolved(cfg)
		base = c.pkt
		spec, off = M.single(c)
		-- Pktgen applies rnd_s_ip / rnd_s_pt in single-packet mode only.
		local f = M.src_random_fields(cfg, cfg.pkt, off)
		if #f > 0 then
			spec.fields = f
		end
	end
	local fields = require("pktgen.internal.bitfields").fields(cfg)
	if #fields > 0 then
		spec.fields = spec.fields or {}
		for _, f in ipairs(fields) do
			spec.fields[#spec.fields + 1] = f
		end
	end
	return require("pktgen.internal.stamps").apply(cfg.pid, cfg, spec, base)
end

--- Stream spec for the port's current mode (and its probes' spec, as mode_spec), with the
-- port's catch-up policy after a stall: smooth unless set to "exact".
function M.spec(cfg)
	local spec, probe = mode_spec(cfg)
	spec.catch_up = cfg.catch_up or "smooth"
	return spec, probe
end

--- Stream spec for one packet sent on its own (send_arp, ping4).
function M.once(_, pkt)
	local t = M.frame(pkt)
	return { templates = { t }, count = 1, burst = 1 }
end

return M
