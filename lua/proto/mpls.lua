--- One MPLS label stack entry (RFC 3032, 4 bytes) after an Ethernet type of 0x8847.
-- Pktgen takes the whole 32-bit entry from the user (label 20 bits, TC 3, S 1, TTL 8).
local M = {}

M.size = 4
M.ETHERTYPE = 0x8847
M.BOTTOM_OF_STACK = 0x100

--- The entry, always marked bottom of stack: we send a single label followed by the IP
-- packet, and a receiver would otherwise look for a second label inside the IP header.
function M.entry(e)
	return string.pack(">I4", (e & 0xffffffff) | M.BOTTOM_OF_STACK)
end

--- The label field of an entry.
function M.label(e)
	return (e >> 12) & 0xfffff
end

return M
