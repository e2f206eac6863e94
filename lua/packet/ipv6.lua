--- IPv6 kinds for the packet library: the header (traffic class, flow label, hop limit), its
-- extension headers (HopByHop, DestOpts, SRH with a segment list, Fragment) and ICMPv6 (echo,
-- neighbour solicitation and advertisement, any other type as bytes).
local layer = require "packet.layer"
local addr = require "packet.addr"
local checksum = require "packet.checksum"

local M = {}
local auto, get, number = layer.auto, layer.get, layer.number

local function nh(L, ctx)
	auto(L, "nh", number(ctx.next, "ipproto") or 59)
end

local function by_nh(g)
	return layer.by.ipproto[g("nh")], g("nh")
end

M.IPv6 = layer.kind {
	name = "ipv6", title = "IPv6",
	fields = {
		{ "version", 4, default = 6 },
		{ "tc", 8, default = 0, hex = true },
		{ "fl", 20, default = 0, hex = true },
		{ "plen", 16, auto = true },
		{ "nh", 8, auto = true },
		{ "hlim", 8, default = 64 },
		{ "src", fmt = "ipv6", default = "fd00::1" },
		{ "dst", fmt = "ipv6", default = "fd00::2" },
	},
	numbers = { ethertype = 0x86dd, ipproto = 41, greproto = 0x86dd },
	fill = function(L, ctx)
		auto(L, "plen", #ctx.rest)
		nh(L, ctx)
	end,
	valid = function(v) return v.version == 6 end,
	next = by_nh,
	limit = function(g, start) return start + 40 + g("plen") - 1 end,
}

--- Options padded with Pad1/PadN so the header ends on an 8-byte boundary (RFC 8200 4.2).
local function pad_options(v)
	local n = (2 + #v.options) % 8
	if n ~= 0 then
		local pad = 8 - n
		v.options = v.options .. (pad == 1 and "\0" or string.char(1, pad - 2) .. string.rep("\0", pad - 2))
	end
end

local function options_kind(name, title, proto)
	return layer.kind {
		name = name, title = title,
		fields = {
			{ "nh", 8, auto = true },
			{ "len", 8, auto = true },
			{ "options", fmt = "bytes", default = "", len = function(g) return (g("len") + 1) * 8 - 2 end },
		},
		numbers = { ipproto = proto },
		prepare = pad_options,
		fill = function(L, ctx)
			nh(L, ctx)
			auto(L, "len", (2 + #get(L, "options")) // 8 - 1)
		end,
		next = by_nh,
	}
end

M.HopByHop = options_kind("hopbyhop", "HopByHop", 0)
M.DestOpts = options_kind("destopts", "DestOpts", 60)

--- `segments` in wire order: segments[1] is Segment List[0], the final destination (RFC 8754).
M.SRH = layer.kind {
	name = "srh", title = "SRH",
	fields = {
		{ "nh", 8, auto = true },
		{ "len", 8, auto = true },
		{ "type", 8, default = 4 },
		{ "segleft", 8, auto = true },
		{ "lastentry", 8, auto = true },
		{ "flags", 8, default = 0 },
		{ "tag", 16, default = 0 },
		{ "segments", default = function() return { "fd00::2" } end,
			len = function(g) return (g("lastentry") + 1) * 16 end,
			norm = function(s)
				if type(s) ~= "table" or #s == 0 then
					return nil, "a list of one or more IPv6 addresses"
				end
				local out = {}
				for i, a in ipairs(s) do
					local raw, why = addr.ipv6(a)
					if not raw then
						return nil, "segment " .. i .. " (" .. tostring(a) .. "): " .. why
					end
					out[i] = addr.ipv6_text(raw)
				end
				return out
			end,
			enc = function(s)
				local b = {}
				for i, a in ipairs(s) do
					b[i] = assert(addr.ipv6(a))
				end
				return table.concat(b)
			end,
			dec = function(raw)
				local s = {}
				for i = 1, #raw, 16 do
					s[#s + 1] = addr.ipv6_text(string.sub(raw, i, i + 15))
				end
				return s
			end,
			show = function(s) return "[" .. table.concat(s, ", ") .. "]" end },
		{ "tlvs", fmt = "bytes", default = "",
			len = function(g) return g("len") * 8 - (g("lastentry") + 1) * 16 end },
	},
	numbers = { ipproto = 43 },
	prepare = function(v, _, level)
		if #v.tlvs % 8 ~= 0 then
			layer.fail(level + 1, "SRH.tlvs of %d bytes: TLVs fill whole 8-byte units", #v.tlvs)
		end
	end,
	fill = function(L, ctx)
		nh(L, ctx)
		local n = #get(L, "segments")
		auto(L, "segleft", n - 1)
		auto(L, "lastentry", n - 1)
		auto(L, "len", (16 * n + #get(L, "tlvs")) // 8)
	end,
	valid = function(v) return v.type == 4 end,
	next = by_nh,
}

M.Fragment = layer.kind {
	name = "fragment", title = "Fragment",
	fields = {
		{ "nh", 8, auto = true },
		{ "res", 8, default = 0 },
		{ "offset", 13, default = 0 },
		{ "res2", 2, default = 0 },
		{ "m", 1, default = 0 },
		{ "id", 32, default = 0 },
	},
	numbers = { ipproto = 44 },
	fill = nh,
	next = function(g)
		if g("offset") > 0 or g("m") == 1 then
			return nil
		end
		return by_nh(g)
	end,
}

local function icmpv6(title, fields, type_)
	local all = {
		{ "type", 8, default = type_ },
		{ "code", 8, default = 0 },
		{ "chksum", 16, auto = true, hex = true },
	}
	table.move(fields, 1, #fields, 4, all)
	return layer.kind {
		name = "icmpv6", title = title, fields = all,
		fill = function(L) auto(L, "chksum", 0) end,
		csum = function(_, hdr, rest, ctx) return checksum.upper(ctx, 58, hdr, rest) or 0 end,
	}
end

local function rest(_, left) return left end

M.ICMPv6 = icmpv6("ICMPv6", { { "data", fmt = "bytes", default = "", len = rest } }, 1)
M.ICMPv6Echo = icmpv6("ICMPv6Echo", { { "id", 16, default = 0 }, { "seq", 16, default = 0 } }, 128)
M.ICMPv6NS = icmpv6("ICMPv6NS", {
	{ "reserved", 32, default = 0 },
	{ "target", fmt = "ipv6", default = "fd00::2" },
	{ "options", fmt = "bytes", default = "", len = rest },
}, 135)
M.ICMPv6NA = icmpv6("ICMPv6NA", {
	{ "r", 1, default = 0 },
	{ "s", 1, default = 1 },
	{ "o", 1, default = 1 },
	{ "reserved", 29, default = 0 },
	{ "target", fmt = "ipv6", default = "fd00::2" },
	{ "options", fmt = "bytes", default = "", len = rest },
}, 136)

-- Decoding picks the ICMPv6 kind by the type byte.
local by_type = { [128] = M.ICMPv6Echo, [129] = M.ICMPv6Echo, [135] = M.ICMPv6NS, [136] = M.ICMPv6NA }
M.ICMPv6.numbers.ipproto = 58
layer.by.ipproto[58] = M.ICMPv6
M.ICMPv6.choose = function(s, pos)
	return by_type[string.byte(s, pos)] or M.ICMPv6
end
for _, K in pairs { M.ICMPv6Echo, M.ICMPv6NS, M.ICMPv6NA } do
	K.numbers.ipproto = 58
end
layer.kinds.icmpv6 = M.ICMPv6

--- The link-local address of a MAC (fe80:: and its modified EUI-64, RFC 4291 2.5.1), as text.
function M.link_local(mac)
	local b = { string.byte(assert(addr.mac(mac)), 1, 6) }
	return addr.ipv6_text("\254\128" .. string.rep("\0", 6) .. string.char(b[1] ~ 2, b[2], b[3], 0xff, 0xfe, b[4], b[5], b[6]))
end

--- The link-layer address option (RFC 4861 4.6.1): `kind` 1 source, 2 target.
function M.lladdr(kind, mac)
	return string.char(kind, 1) .. assert(addr.mac(mac))
end

return M
