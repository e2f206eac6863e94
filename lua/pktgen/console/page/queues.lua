--- The queues page (ours): for each shown port, its RX and TX queues, the lcore that owns
-- each, and each queue's packets since the last clear, as `engine.layout` and `engine.queues`
-- report them (several queues per port with the -m matrix).
local engine = require "engine"
local draw = require "pktgen.console.draw"

local M = {}

function M.lines(ctx)
	local lines = draw.lines()
	draw.title(lines, "Queues", draw.ports_text(ctx.ports))
	lines:add("stats.port.status", string.format("  %-5s %-6s %9s %16s %9s %16s", "Port", "Queue", "RX lcore",
		"RX packets", "TX lcore", "TX packets"))
	for _, p in ipairs(ctx.ports) do
		local l = engine.layout(p)
		local qs = engine.queues(p)
		local notes = {}
		if l.rss then
			notes[#notes + 1] = "RSS"
		end
		if not l.used then
			notes[#notes + 1] = "unused: the -m matrix does not name it"
		end
		if #(l.answer_lcores or {}) > 0 then
			local a = {}
			for i, lc in ipairs(l.answer_lcores) do
				a[i] = tostring(lc)
			end
			notes[#notes + 1] = "answers on lcores " .. table.concat(a, ",")
		end
		lines:add("stats.port.label", string.format("  %-5d %d RX, %d TX queue(s)%s", p, #l.rx_lcores, #l.tx_lcores,
			#notes > 0 and ("; " .. table.concat(notes, "; ")) or ""))
		for _, q in ipairs(qs) do
			local function lc(v)
				return v and tostring(v) or "-"
			end
			lines:add("stats.stat.values", string.format("  %-5s Q %-4d %9s %16s %9s %16s", "", q.queue, lc(q.rx_lcore),
				q.rx_lcore and draw.num(q.rx_packets or 0) or "-", lc(q.tx_lcore),
				q.tx_lcore and draw.num(q.tx_packets or 0) or "-"))
		end
	end
	return lines
end

return M
