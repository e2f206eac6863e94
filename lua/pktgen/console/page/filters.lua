--- The filters page (ours): each shown port's counting filters (pktgen.rx, docs/LUA_API.md
-- section 8a), with what each matched and its rates since the page was last drawn.
local draw = require "pktgen.console.draw"

local M = {}

function M.lines(ctx)
	local rx = require("pktgen.api.rx")
	local lines = draw.lines()
	draw.title(lines, "Filters", draw.ports_text(ctx.ports))
	lines:add("stats.port.status", string.format("  %-4s %-16s %-6s %-15s %-15s %-12s %-14s %s", "Port", "Filter",
		"Runs", "Packets", "Bytes", "Pkts/s", "Mbits/s", "Expression"))
	for _, p in ipairs(ctx.ports) do
		local list, stats = rx.list(p), rx.stats(p)
		if #list == 0 then
			lines:add("stats.port.data", string.format("  %-4d %s", p, "no filters (pktgen.rx.add)"))
		end
		for _, f in ipairs(list) do
			local s = stats[f.name]
			lines:add("stats.port.data", string.format("  %-4d %-16s %-6s %-15s %-15s %-12s %-14s %s", p, f.name,
				f.native and "jit" or "interp", draw.num(s.packets), draw.num(s.bytes), draw.num(math.floor(s.pps)),
				string.format("%.1f", s.bps / 1e6), f.filter))
		end
	end
	return lines
end

return M
