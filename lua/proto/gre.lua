--- GRE header (RFC 2784, with the RFC 2890 key when one is set): 4 bytes, 8 with a key.
local M = {}

M.IP_PROTO = 47
M.TYPE_IPV4 = 0x0800
M.TYPE_IPV6 = 0x86DD
M.TYPE_ETHERNET = 0x6558 -- Transparent Ethernet Bridging: an Ethernet frame follows
M.KEY_PRESENT = 0x2000

--- The header for payload type `ptype`; a key of 0 means no key field (Pktgen's default).
function M.header(ptype, key)
	if key and key ~= 0 then
		return string.pack(">I2I2I4", M.KEY_PRESENT, ptype, key & 0xffffffff)
	end
	return string.pack(">I2I2", 0, ptype)
end

return M
