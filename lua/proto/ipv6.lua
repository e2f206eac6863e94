--- IPv6 header bytes (40 bytes, no extension headers).
-- The payload length is left 0: the engine keeps it right.
local M = {}

M.size = 40
M.NEXT_ICMPV6 = 58
M.NEXT_TCP = 6
M.NEXT_UDP = 17

--- o = {traffic_class, flow_label, next, hop_limit, src, dst}; src/dst are 16-byte strings.
function M.header(o)
	local vtf = (6 << 28) | (((o.traffic_class or 0) & 0xff) << 20) | ((o.flow_label or 0) & 0xfffff)
	return string.pack(">I4I2BB", vtf, 0, o.next, o.hop_limit or 64) .. o.src .. o.dst
end

M.LENGTH_OFFSET = 4
M.HOP_LIMIT_OFFSET = 7
M.SRC_OFFSET = 8
M.DST_OFFSET = 24

return M
