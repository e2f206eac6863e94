--- The random page: the current port's random bitfields (pktgen.rnd): offset, the 32-bit mask
-- of 0/1/./X and whether each is active, as Pktgen's random page and rnd_list show them.
local config = require "pktgen.internal.config"
local bitfields = require "pktgen.internal.bitfields"
local draw = require "pktgen.console.draw"

local M = {}

function M.lines(ctx)
	local lines = draw.lines()
	local cfg = config.get(ctx.port)
	draw.title(lines, "Random bitfield", string.format("Port %d, random bitfields %s", ctx.port,
		cfg.random and "on" or "off"))
	lines:add("stats.port.status", string.format("  %3s  %6s  %-35s  %s", "Idx", "Offset", "Mask (0 1 . X)", "Active"))
	local any = false
	for idx = 0, bitfields.MAX_IDX - 1 do
		local r = cfg.rnd[idx]
		if r then
			any = true
			lines:add(r.active and "stats.stat.values" or "stats.port.data", string.format("  %3d  %6d  %-35s  %s", idx,
				r.offset, bitfields.display(r.mask), r.active and "Yes" or "No"))
		end
	end
	if not any then
		lines:add("stats.stat.label", "  (none: pktgen.rnd(pl, idx, offset, mask) or `set <pl> rnd <idx> <offset> <mask>`)")
	end
	return lines
end

return M
