--- Ethernet II header bytes.
-- MAC addresses are 6-byte binary strings (see pktgen.internal.args.mac).
local M = {}

M.size = 14
M.TYPE_IPV4 = 0x0800
M.TYPE_ARP = 0x0806
M.TYPE_VLAN = 0x8100
M.TYPE_IPV6 = 0x86DD

--- Ethernet header: dst, src, ethertype.
function M.header(dst, src, ethertype)
	return dst .. src .. string.pack(">I2", ethertype)
end

return M
