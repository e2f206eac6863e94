--- Finished frame bytes for frames sent on their own (engine.send): applies a template's length
-- and checksum fix-ups in Lua, as the engine does for streams (docs/ENGINE_MODULE.md).
local M = {}

local function u16(s, off)
	return (string.unpack(">I2", s, off + 1))
end

local function put16(s, off, v)
	return string.sub(s, 1, off) .. string.pack(">I2", v & 0xffff) .. string.sub(s, off + 3)
end

--- The one's-complement sum of s[from, to) (0-based offsets), folded to 16 bits.
local function sum(s, from, to, acc)
	acc = acc or 0
	local i = from
	while i + 1 < to do
		acc = acc + u16(s, i)
		i = i + 2
	end
	if i < to then
		acc = acc + (string.byte(s, i + 1) << 8)
	end
	while acc > 0xffff do
		acc = (acc & 0xffff) + (acc >> 16)
	end
	return acc
end

--- Where the IP payload ends (frames may be padded past it).
local function l4_end(s, l3)
	local v = string.byte(s, l3 + 1) >> 4
	if v == 6 then
		return math.min(#s, l3 + 40 + u16(s, l3 + 4))
	end
	return math.min(#s, l3 + u16(s, l3 + 2))
end

local function pseudo(s, l3, proto, len)
	if string.byte(s, l3 + 1) >> 4 == 6 then
		return sum(s, l3 + 8, l3 + 40, proto + len)
	end
	return sum(s, l3 + 12, l3 + 20, proto + len)
end

local L4 = { udp = { at = 6, proto = 17 }, tcp = { at = 16, proto = 6 }, icmp = { at = 2 },
	icmpv6 = { at = 2, proto = 58 } }

--- Frame bytes of template t = {data, checksums, lengths} with lengths and checksums applied.
function M.finish(t)
	local s = t.data
	for _, l in ipairs(t.lengths or {}) do
		s = put16(s, l.offset, #s - (l.adjust or 0))
	end
	for _, c in ipairs(t.checksums or {}) do
		if c.kind == "ipv4" then
			local ihl = (string.byte(s, c.l3 + 1) & 0xf) * 4
			s = put16(s, c.l3 + 10, 0)
			s = put16(s, c.l3 + 10, ~sum(s, c.l3, c.l3 + ihl))
		else
			local k = L4[c.kind]
			local stop = l4_end(s, c.l3)
			s = put16(s, c.l4 + k.at, 0)
			local acc = k.proto and pseudo(s, c.l3, k.proto, stop - c.l4) or 0
			local v = ~sum(s, c.l4, stop, acc) & 0xffff
			if v == 0 and c.kind == "udp" then
				v = 0xffff
			end
			s = put16(s, c.l4 + k.at, v)
		end
	end
	return s
end

return M
