--- UDP header bytes (8 bytes).
-- Length and checksum are left 0: the engine keeps them right.
local M = {}

M.size = 8
M.LENGTH_OFFSET = 4

function M.header(sport, dport)
	return string.pack(">I2I2I2I2", sport, dport, 0, 0)
end

return M
