--- IEEE 802.1Q tag (the 4 bytes after the MAC addresses).
-- The tag's TPID replaces the Ethernet type; the inner type follows the TCI.
local M = {}

M.size = 4
M.TPID = 0x8100

--- The tag: TPID, then PCP (cos, 3 bits), DEI 0 and VLAN id (12 bits).
function M.tag(vid, cos)
	return string.pack(">I2I2", M.TPID, ((cos & 7) << 13) | (vid & 0x0fff))
end

return M
