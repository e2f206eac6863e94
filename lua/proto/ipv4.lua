--- IPv4 header bytes (20 bytes, no options).
-- Total length and checksum are left 0: the engine keeps them right.
local M = {}

M.size = 20
M.PROTO_ICMP = 1
M.PROTO_TCP = 6
M.PROTO_UDP = 17

--- o = {tos, id, ttl, proto, src, dst}; src/dst are 4-byte strings.
function M.header(o)
	return string.pack(">BBI2I2I2BBI2", 0x45, o.tos or 0, 0, o.id or 0, 0, o.ttl or 64, o.proto, 0)
		.. o.src .. o.dst
end

--- Offsets, relative to the header, of the fields the engine maintains.
M.LENGTH_OFFSET = 2
M.CHECKSUM_OFFSET = 10
M.SRC_OFFSET = 12
M.DST_OFFSET = 16
M.TTL_OFFSET = 8
M.TOS_OFFSET = 1

return M
