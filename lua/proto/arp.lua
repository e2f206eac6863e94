--- ARP body (28 bytes, Ethernet/IPv4): requests and gratuitous announcements.
-- Addresses are binary strings: MACs 6 bytes, IPv4 4 bytes.
local M = {}

M.size = 28
M.REQUEST = 1
M.REPLY = 2

function M.body(op, sha, spa, tha, tpa)
	return string.pack(">I2I2BBI2", 1, 0x0800, 6, 4, op) .. sha .. spa .. tha .. tpa
end

--- Who has tpa? Tell spa (target MAC unknown, so zero).
function M.request(sha, spa, tpa)
	return M.body(M.REQUEST, sha, spa, string.rep("\0", 6), tpa)
end

--- Gratuitous ARP (RFC 5227 announcement): a request whose sender and target IP are both ours.
function M.gratuitous(sha, spa)
	return M.body(M.REQUEST, sha, spa, string.rep("\0", 6), spa)
end

return M
