--- The Internet checksum (RFC 1071) and the IPv4/IPv6 pseudo-headers that UDP, TCP and ICMPv6
-- cover. Kept apart so every layer that carries a checksum computes it the same way.
local addr = require "packet.addr"
local engine = require "engine"
local layer = require "packet.layer"

local M = {}

--- One's-complement sum of `s` (16-bit big-endian words, an odd last byte padded) added to `acc`,
-- folded to 16 bits: the engine's own arithmetic (engine.sum16), so there is one of it.
function M.sum(s, acc)
	return engine.sum16(s, acc or 0)
end

--- The checksum of a sum: folded to 16 bits and complemented.
function M.finish(acc)
	while acc > 0xffff do
		acc = (acc & 0xffff) + (acc >> 16)
	end
	return ~acc & 0xffff
end

function M.of(s)
	return M.finish(M.sum(s))
end

--- Pseudo-header sum: `src`, `dst` raw addresses (4 or 16 bytes), protocol and upper-layer length.
function M.pseudo(src, dst, proto, len)
	return M.sum(src, M.sum(dst)) + proto + (len >> 16) + (len & 0xffff)
end

--- The checksum of an upper-layer header `hdr` and its payload `rest` (UDP, TCP, ICMPv6 with
-- protocol `proto`) over the nearest IPv4 or IPv6 layer below it in `ctx.layers`; with an SRH
-- between, IPv6's destination is the final segment (RFC 8200 8.1). Nil when there is no IP below.
function M.upper(ctx, proto, hdr, rest)
	local final
	for i = ctx.index - 1, 1, -1 do
		local L = ctx.layers[i]
		local name = layer.name(L)
		if name == "srh" then
			local segs = layer.get(L, "segments")
			final = segs[1] or final
		elseif name == "ipv4" or name == "ipv6" then
			local parse = addr[name]
			local src = assert(parse(layer.get(L, "src")))
			local dst = assert(parse(final or layer.get(L, "dst")))
			local len = #hdr + #rest
			return M.finish(M.pseudo(src, dst, proto, len) + M.sum(hdr) + M.sum(rest))
		end
	end
	return nil
end

return M
