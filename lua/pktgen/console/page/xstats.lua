--- The xstats page: the current port's extended (driver) counters that are not zero, two per
-- line, by name.
local engine = require "engine"
local draw = require "pktgen.console.draw"

local M = {}

function M.lines(ctx)
	local lines = draw.lines()
	draw.title(lines, "Port XStats", string.format("Port %d (%s)", ctx.port, engine.info(ctx.port).driver))
	local x = engine.xstats(ctx.port)
	local names, total = {}, 0
	for k, v in pairs(x) do
		total = total + 1
		if v ~= 0 then
			names[#names + 1] = k
		end
	end
	table.sort(names)
	local w = math.max(20, math.min(32, (ctx.cols - 40) // 2))
	lines:add("stats.port.status", string.format("  %-" .. w .. "s| %15s | %-" .. w .. "s| %15s |", "XStat Name", "Value",
		"XStat Name", "Value"))
	for i = 1, #names, 2 do
		local a, b = names[i], names[i + 1]
		lines:add("stats.port.label", "  " .. draw.left(a, w) .. "| ", "stats.port.data", draw.right(draw.num(x[a]), 15),
			"stats.port.label", " | " .. (b and (draw.left(b, w) .. "| ") or ""),
			"stats.port.data", b and draw.right(draw.num(x[b]), 15) or "", "stats.port.label", b and " |" or "")
	end
	if #names == 0 then
		lines:add("stats.stat.label", string.format("  (%d counters, all zero)", total))
	end
	return lines
end

return M
