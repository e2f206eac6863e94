--- Tunnel kinds for the packet library: GRE (checksum, key, sequence), VXLAN, GENEVE (options)
-- and GTP-U. Each names its inner header by number (GRE/GENEVE protocol type) and the layer
-- after it is what `p.inner` reaches.
local layer = require "packet.layer"
local checksum = require "packet.checksum"
local link = require "packet.link"

local M = {}
local auto, get, number = layer.auto, layer.get, layer.number

local function flag(name)
	return function(g) return g(name) == 1 end
end

local function by_proto(g)
	return layer.by.greproto[g("proto")], g("proto")
end

M.GRE = layer.kind {
	name = "gre", title = "GRE", tunnel = true,
	fields = {
		{ "c", 1, auto = true },
		{ "r", 1, default = 0 },
		{ "k", 1, auto = true },
		{ "s", 1, auto = true },
		{ "reserved0", 9, default = 0 },
		{ "ver", 3, default = 0 },
		{ "proto", 16, auto = true, hex = true },
		{ "chksum", 16, auto = true, hex = true, present = flag("c") },
		{ "reserved1", 16, auto = true, present = flag("c") },
		{ "key", 32, auto = true, present = flag("k") },
		{ "seq", 32, auto = true, present = flag("s") },
	},
	numbers = { ipproto = 47 },
	-- A flag is set by giving its field (key = 7) or by itself (c = 1: a computed checksum).
	fill = function(L, ctx)
		local v = rawget(L, "v")
		auto(L, "c", v.chksum and 1 or 0)
		auto(L, "k", v.key and 1 or 0)
		auto(L, "s", v.seq and 1 or 0)
		auto(L, "proto", number(ctx.next, "greproto") or 0)
		auto(L, "chksum", 0)
		auto(L, "reserved1", 0)
		auto(L, "key", 0)
		auto(L, "seq", 0)
	end,
	csum = function(L, hdr, rest)
		if get(L, "c") == 1 then
			return checksum.finish(checksum.sum(hdr) + checksum.sum(rest))
		end
	end,
	next = by_proto,
}

M.VXLAN = layer.kind {
	name = "vxlan", title = "VXLAN", tunnel = true,
	fields = {
		{ "flags", 8, default = 0x08, hex = true },
		{ "reserved1", 24, default = 0 },
		{ "vni", 24, default = 0 },
		{ "reserved2", 8, default = 0 },
	},
	numbers = { udpport = 4789 },
	next = function() return layer.kinds.ether end,
}

local function norm_geneve(list)
	if type(list) ~= "table" then
		return nil, "a list like { {class = 0x0102, type = 0x80, data = \"\\1\\2\\3\\4\"} }"
	end
	local out, total = {}, 0
	for i, o in ipairs(list) do
		local c, t, d = math.tointeger(o.class or 0), math.tointeger(o.type or 0), o.data or ""
		if not c or c < 0 or c > 0xffff or not t or t < 0 or t > 0xff or type(d) ~= "string" then
			return nil, "option " .. i .. ": class 0..65535, type 0..255, data bytes"
		end
		if #d % 4 ~= 0 then
			d = d .. string.rep("\0", 4 - #d % 4)
		end
		if #d > 124 then
			return nil, "option " .. i .. ": data over 124 bytes"
		end
		out[i] = { class = c, type = t, data = d }
		total = total + 4 + #d
	end
	-- The header counts its options in 4-byte units in 6 bits.
	if total > 252 then
		return nil, total .. " bytes of options, over the 252 a GENEVE header holds"
	end
	return out
end

local function enc_geneve(list)
	local b = {}
	for i, o in ipairs(list) do
		b[i] = string.pack(">I2BB", o.class, o.type, #o.data // 4) .. o.data
	end
	return table.concat(b)
end

local function dec_geneve(raw)
	local out, i = {}, 1
	while i <= #raw do
		if i + 3 > #raw then
			return nil
		end
		local c, t, l = string.unpack(">I2BB", raw, i)
		local n = (l & 0x1f) * 4
		if i + 3 + n > #raw then
			return nil
		end
		out[#out + 1] = { class = c, type = t, data = string.sub(raw, i + 4, i + 3 + n) }
		i = i + 4 + n
	end
	return out
end

M.GENEVE = layer.kind {
	name = "geneve", title = "GENEVE", tunnel = true,
	fields = {
		{ "ver", 2, default = 0 },
		{ "optlen", 6, auto = true },
		{ "o", 1, default = 0 },
		{ "c", 1, default = 0 },
		{ "reserved", 6, default = 0 },
		{ "proto", 16, auto = true, hex = true },
		{ "vni", 24, default = 0 },
		{ "reserved2", 8, default = 0 },
		{ "options", default = function() return {} end, norm = norm_geneve, enc = enc_geneve, dec = dec_geneve,
			len = function(g) return g("optlen") * 4 end,
			show = function(l)
				local s = {}
				for i, o in ipairs(l) do
					s[i] = string.format("{class=0x%04x, type=0x%02x, %d bytes}", o.class, o.type, #o.data)
				end
				return "[" .. table.concat(s, ", ") .. "]"
			end },
	},
	numbers = { udpport = 6081 },
	fill = function(L, ctx)
		auto(L, "optlen", #enc_geneve(get(L, "options")) // 4)
		auto(L, "proto", number(ctx.next, "greproto") or 0x6558)
	end,
	next = by_proto,
}

local function any_flag(g)
	return g("e") == 1 or g("s") == 1 or g("pn") == 1
end

M.GTPU = layer.kind {
	name = "gtpu", title = "GTPU", tunnel = true,
	fields = {
		{ "version", 3, default = 1 },
		{ "pt", 1, default = 1 },
		{ "reserved", 1, default = 0 },
		{ "e", 1, default = 0 },
		{ "s", 1, auto = true },
		{ "pn", 1, default = 0 },
		{ "type", 8, default = 255 },
		{ "len", 16, auto = true },
		{ "teid", 32, default = 0 },
		{ "seq", 16, auto = true, present = any_flag },
		{ "npdu", 8, auto = true, present = any_flag },
		{ "next_ext", 8, auto = true, present = any_flag },
	},
	numbers = { udpport = 2152 },
	fill = function(L, ctx)
		auto(L, "s", rawget(L, "v").seq and 1 or 0)
		auto(L, "seq", 0)
		auto(L, "npdu", 0)
		auto(L, "next_ext", 0)
		local opt = any_flag(function(n) return get(L, n) end) and 4 or 0
		auto(L, "len", opt + #ctx.rest)
	end,
	-- A G-PDU carries IPv4 or IPv6, told apart by the version nibble.
	next = function(g, s, pos)
		if g("type") == 255 then
			return link.ip_by_nibble(s, pos)
		end
	end,
}

return M
