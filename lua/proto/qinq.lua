--- IEEE 802.1ad Q-in-Q tags (8 bytes after the MAC addresses): an outer S-tag and an inner C-tag.
-- Like the 802.1Q tag in proto.vlan, the tags replace the Ethernet type; the inner type follows.
local M = {}

M.size = 8
M.OUTER_TPID = 0x88A8 -- 802.1ad service tag; the inner tag is a plain 802.1Q tag
M.INNER_TPID = 0x8100

--- Both tags; cos (802.1p priority) goes into both, as Pktgen has one cos per port.
function M.tags(outer, inner, cos)
	local pcp = (cos & 7) << 13
	return string.pack(">I2I2I2I2", M.OUTER_TPID, pcp | (outer & 0x0fff), M.INNER_TPID, pcp | (inner & 0x0fff))
end

return M
