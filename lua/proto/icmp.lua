--- ICMP (v4) and ICMPv6 echo request header bytes (8 bytes).
-- The checksum is left 0: the engine keeps it right.
local M = {}

M.size = 8
M.ECHO_REQUEST = 8
M.ECHO_REQUEST_V6 = 128

--- Echo request; v6 selects the ICMPv6 type.
function M.echo(id, seq, v6)
	return string.pack(">BBI2I2I2", v6 and M.ECHO_REQUEST_V6 or M.ECHO_REQUEST, 0, 0, id or 0, seq or 0)
end

return M
