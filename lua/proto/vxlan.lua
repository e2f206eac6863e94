--- VXLAN header (RFC 7348, with the group policy id of VXLAN-GBP): 8 bytes after a UDP header
-- to port 4789; a whole Ethernet frame follows.
local M = {}

M.size = 8
M.PORT = 4789
M.FLAG_VNI = 0x08 -- the I flag: the VNI is valid

--- flags: Pktgen's vni_flags. Scripts pass the RFC's 8-bit flags byte ('0x8'); a value that
-- fits in a byte is that first byte, a larger one fills the 16 flag bits as given.
function M.header(flags, group_id, vni)
	local f16 = flags <= 0xff and (flags << 8) or (flags & 0xffff)
	return string.pack(">I2I2I4", f16, group_id & 0xffff, (vni & 0xffffff) << 8)
end

return M
