--- ARP request body (28 bytes, Ethernet/IPv4).
-- Addresses are binary strings: MACs 6 bytes, IPv4 4 bytes.
local M = {}

M.size = 28
M.REQUEST = 1
M.REPLY = 2

function M.body(op, sha, spa, tha, tpa)
	return string.pack(">I2I2BBI2", 1, 0x0800, 6, 4, op) .. sha .. spa .. tha .. tpa
end

return M
