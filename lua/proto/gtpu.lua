--- GTP-U header (3GPP TS 29.281), 8 bytes after a UDP header to port 2152: version 1, PT 1,
-- message type G-PDU, length of what follows the 8 bytes, TEID.
local M = {}

M.size = 8
M.PORT = 2152
M.TEID_OFFSET = 4
M.LENGTH_OFFSET = 2

--- The header; the length is left 0: the engine keeps it equal to the bytes after the header.
function M.header(teid)
	return string.pack(">BBI2I4", 0x30, 0xff, 0, teid & 0xffffffff)
end

return M
