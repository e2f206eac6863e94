--- Sequence mode (docs/LUA_API.md, "Sequences"): `seq`, `seqTable` and `seq_tcp_flags` fill the
-- 16 slots of a port; `set(pl, "seq_cnt", n)` sends slots 0..n-1 round-robin (see pktgen.internal.streamspec).
-- Slot sizes are clamped as every size is (config.clamp_size).
local args = require "pktgen.internal.args"
local perport = require "pktgen.internal.perport"
local config = require "pktgen.internal.config"
local settings = require "pktgen.internal.settings"
local tcp = require "proto.tcp"

local M = {}

local function seqno(name, v)
	local n = args.number(name, v, "sequence number")
	if n ~= math.floor(n) or n < 0 or n >= config.NUM_SEQ then
		error(string.format("%s: sequence number must be 0..%d, got %s", name, config.NUM_SEQ - 1, tostring(v)), 0)
	end
	return math.tointeger(n)
end

--- Addresses for a slot: IPv4 or IPv6 by the slot's type; src may carry /prefix.
local function addresses(name, pkt, dst, src)
	local d, s = args.ip(name, dst), args.ip(name, src)
	if d.v ~= s.v then
		error(string.format("%s: source '%s' and destination '%s' are not the same IP version", name, src, dst), 0)
	end
	if d.v == 6 then
		pkt.dst_ip6 = { v = 6, addr = d.addr }
		pkt.src_ip6 = { v = 6, addr = s.addr, prefix = s.prefix or 128 }
	else
		pkt.dst_ip = { v = 4, addr = d.addr }
		pkt.src_ip = { v = 4, addr = s.addr, prefix = s.prefix or 32 }
	end
	return d.v
end

local function eth_of(text)
	return string.sub(tostring(text), 4, 4) == "6" and "ipv6" or "ipv4"
end

--- Integers as Pktgen reads them from seqTable: missing or non-numeric means 0; integral floats count.
local function int_field(t, k)
	local v = t[k]
	if type(v) == "string" then
		v = tonumber(v)
	end
	if type(v) ~= "number" or v ~= math.floor(v) then
		return 0
	end
	return math.tointeger(v)
end

function M.install(pktgen)
	local arity = args.arity

	function pktgen.seq(...)
		local n = select("#", ...)
		arity("seq", n, 12, 13)
		local sn, pl, dmac, smac, dip, sip, sport, dport, eth, proto, vid, size, teid = ...
		sn = seqno("seq", sn)
		dmac, smac = args.mac("seq", dmac), args.mac("seq", smac)
		sport = args.uint("seq", sport, "sport") & 0xffff
		dport = args.uint("seq", dport, "dport") & 0xffff
		vid = args.uint("seq", vid, "vlanid") & 0xfff
		size = args.uint("seq", size, "pktSize")
		teid = teid ~= nil and args.uint("seq", teid, "gtpu_teid") or 0
		local et, pr = eth_of(eth), settings.parse_proto(proto)
		if pr == "icmp" and et == "ipv6" then
			error("seq: Must use IPv4 with ICMP type packets", 0)
		end
		perport.setter("seq", pl, function(_, cfg)
			local pkt = cfg.seq[sn]
			local v = addresses("seq", pkt, dip, sip)
			pkt.dst_mac, pkt.src_mac = dmac, smac
			pkt.sport, pkt.dport, pkt.vlanid, pkt.gtpu_teid = sport, dport, vid, teid
			pkt.eth_type = (v == 6 or et == "ipv6") and "ipv6" or "ipv4"
			pkt.size = config.clamp_size(size, pkt.eth_type)
			pkt.proto = pr
			pkt.cos, pkt.tos = 0, 0
		end)
	end

	function pktgen.seqTable(...)
		arity("seqTable", select("#", ...), 3)
		local sn, pl, t = ...
		sn = seqno("seqTable", sn)
		if type(t) ~= "table" then
			error("seqTable: argument 3 must be a table", 0)
		end
		if t.ethType == nil then
			error("seqTable: ethType is required", 0)
		end
		if t.ipProto == nil then
			error("seqTable: ipProto is required", 0)
		end
		local dmac = t.eth_dst_addr ~= nil and args.mac("seqTable", t.eth_dst_addr)
		local smac = t.eth_src_addr ~= nil and args.mac("seqTable", t.eth_src_addr)
		local et, pr = eth_of(t.ethType), settings.parse_proto(t.ipProto)
		if pr == "icmp" and et == "ipv6" then
			error("seqTable: Must use IPv4 with ICMP type packets", 0)
		end
		-- seqTable parses both addresses as IPv4 in Pktgen; we accept IPv6 text as well.
		local dip = t.ip_dst_addr ~= nil and args.ip("seqTable", t.ip_dst_addr)
		local sip = t.ip_src_addr ~= nil and args.ip("seqTable", t.ip_src_addr)
		local flags = t.tcp_flags ~= nil and tcp.parse_flags(tostring(t.tcp_flags))
		perport.setter("seqTable", pl, function(_, cfg)
			local pkt = cfg.seq[sn]
			if dmac then pkt.dst_mac = dmac end
			if smac then pkt.src_mac = smac end
			if dip then settings.ipaddr(pkt, "d", dip) end
			if sip then settings.ipaddr(pkt, "s", sip) end
			pkt.sport = int_field(t, "sport") & 0xffff
			pkt.dport = int_field(t, "dport") & 0xffff
			pkt.vlanid = int_field(t, "vlanid") & 0xfff
			pkt.cos = int_field(t, "cos") & 7
			pkt.tos = int_field(t, "tos") & 0xff
			pkt.gtpu_teid = int_field(t, "gtpu_teid")
			pkt.eth_type = et
			pkt.size = config.clamp_size(int_field(t, "pktSize"), et)
			pkt.proto = pr
			if flags then pkt.tcp_flags = flags end
		end)
	end

	function pktgen.seq_tcp_flags(...)
		arity("seq_tcp_flags", select("#", ...), 3)
		local sn, pl, flags = ...
		sn = seqno("seq_tcp_flags", sn)
		local bits = tcp.parse_flags(tostring(flags))
		perport.setter("seq_tcp_flags", pl, function(_, cfg)
			cfg.seq[sn].tcp_flags = bits
		end)
	end
end

return M
