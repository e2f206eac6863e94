--- Link-layer kinds for the packet library: Ether, Dot1Q (VLAN tags, QinQ by stacking), MPLS
-- (label stacks, bottom-of-stack set on the last) and ARP. Each fills in the number that names
-- the layer after it (ethertype) unless given.
local layer = require "packet.layer"

local M = {}
local auto, get, number = layer.auto, layer.get, layer.number

local function ethertype(L, ctx)
	auto(L, "type", number(ctx.next, "ethertype") or 0x9000)
end

local function by_type(g)
	return layer.by.ethertype[g("type")], g("type")
end

M.Ether = layer.kind {
	name = "ether", title = "Ether",
	fields = {
		{ "dst", fmt = "mac", default = "02:00:00:00:00:02" },
		{ "src", fmt = "mac", default = "02:00:00:00:00:01" },
		{ "type", 16, auto = true, hex = true },
	},
	numbers = { greproto = 0x6558 },
	fill = ethertype,
	next = by_type,
}

M.Dot1Q = layer.kind {
	name = "dot1q", title = "Dot1Q",
	fields = {
		{ "pcp", 3, default = 0 },
		{ "dei", 1, default = 0 },
		{ "id", 12, default = 1 },
		{ "type", 16, auto = true, hex = true },
		-- Not in this tag's bytes: the ethertype the layer before names it by (0x88a8 for a
		-- QinQ service tag).
		{ "tpid", 16, meta = true, default = 0x8100, hex = true },
	},
	numbers = { ethertype = { 0x8100, 0x88a8, 0x9100 } },
	number = function(L, tbl)
		return tbl == "ethertype" and get(L, "tpid") or nil
	end,
	from_number = function(v, n) v.tpid = n end,
	fill = ethertype,
	next = by_type,
}

local function ip_by_nibble(s, pos)
	local n = string.byte(s, pos)
	n = n and n >> 4
	return n == 4 and layer.kinds.ipv4 or n == 6 and layer.kinds.ipv6 or nil
end
M.ip_by_nibble = ip_by_nibble

M.MPLS = layer.kind {
	name = "mpls", title = "MPLS",
	fields = {
		{ "label", 20, default = 16 },
		{ "tc", 3, default = 0 },
		{ "s", 1, auto = true },
		{ "ttl", 8, default = 64 },
	},
	numbers = { ethertype = { 0x8847, 0x8848 }, greproto = 0x8847, ipproto = 137 },
	fill = function(L, ctx)
		auto(L, "s", (ctx.next and layer.name(ctx.next) == "mpls") and 0 or 1)
	end,
	next = function(g, s, pos)
		if g("s") == 0 then
			return layer.kinds.mpls
		end
		return ip_by_nibble(s, pos)
	end,
}

M.ARP = layer.kind {
	name = "arp", title = "ARP",
	fields = {
		{ "hwtype", 16, default = 1 },
		{ "ptype", 16, default = 0x0800, hex = true },
		{ "hwlen", 8, default = 6 },
		{ "plen", 8, default = 4 },
		{ "op", 16, default = 1 },
		{ "hwsrc", fmt = "mac", default = "02:00:00:00:00:01" },
		{ "psrc", fmt = "ipv4", default = "10.0.0.1" },
		{ "hwdst", fmt = "mac", default = "00:00:00:00:00:00" },
		{ "pdst", fmt = "ipv4", default = "10.0.0.2" },
	},
	numbers = { ethertype = 0x0806 },
	valid = function(v) return v.hwlen == 6 and v.plen == 4 end,
}

return M
