--- IPv4 and ICMP kinds for the packet library: every IPv4 header field (DF/MF/fragment offset,
-- options as bytes padded to 4), with length, protocol and checksum filled in unless given.
local layer = require "packet.layer"
local checksum = require "packet.checksum"

local M = {}
local auto, get, number = layer.auto, layer.get, layer.number

M.IPv4 = layer.kind {
	name = "ipv4", title = "IPv4",
	fields = {
		{ "version", 4, default = 4 },
		{ "ihl", 4, auto = true },
		{ "tos", 8, default = 0, hex = true },
		{ "len", 16, auto = true },
		{ "id", 16, default = 1 },
		{ "rf", 1, default = 0 },
		{ "df", 1, default = 0 },
		{ "mf", 1, default = 0 },
		{ "frag", 13, default = 0 },
		{ "ttl", 8, default = 64 },
		{ "proto", 8, auto = true },
		{ "chksum", 16, auto = true, hex = true },
		{ "src", fmt = "ipv4", default = "10.0.0.1" },
		{ "dst", fmt = "ipv4", default = "10.0.0.2" },
		{ "options", fmt = "bytes", default = "", len = function(g) return g("ihl") * 4 - 20 end },
	},
	numbers = { ethertype = 0x0800, ipproto = 4, greproto = 0x0800 },
	-- Options end on a 4-byte boundary (zeros are End of Options List), at most 40 bytes.
	prepare = function(v, _, level)
		local o = v.options
		if #o % 4 ~= 0 then
			o = o .. string.rep("\0", 4 - #o % 4)
			v.options = o
		end
		if #o > 40 then
			layer.fail(level + 1, "IPv4.options of %d bytes is over the 40 an IPv4 header holds", #o)
		end
	end,
	fill = function(L, ctx)
		auto(L, "ihl", 5 + #get(L, "options") // 4)
		auto(L, "len", get(L, "ihl") * 4 + #ctx.rest)
		auto(L, "proto", number(ctx.next, "ipproto") or 0)
		auto(L, "chksum", 0)
	end,
	csum = function(_, hdr) return checksum.of(hdr) end,
	valid = function(v) return v.version == 4 and v.ihl >= 5 end,
	-- Fragments carry no next header to decode; the rest of the frame past `len` is padding.
	next = function(g)
		if g("mf") == 1 or g("frag") > 0 then
			return nil
		end
		return layer.by.ipproto[g("proto")], g("proto")
	end,
	limit = function(g, start) return start + g("len") - 1 end,
}

M.ICMP = layer.kind {
	name = "icmp", title = "ICMP",
	fields = {
		{ "type", 8, default = 8 },
		{ "code", 8, default = 0 },
		{ "chksum", 16, auto = true, hex = true },
		{ "id", 16, default = 0 },
		{ "seq", 16, default = 0 },
	},
	numbers = { ipproto = 1 },
	fill = function(L) auto(L, "chksum", 0) end,
	csum = function(_, hdr, rest) return checksum.finish(checksum.sum(hdr) + checksum.sum(rest)) end,
}

return M
