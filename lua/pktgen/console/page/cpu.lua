--- The cpu page (`page cpu`, `system`): the machine (CPU model, logical CPUs) and each lcore's
-- work: which ports' RX and TX queues it polls or feeds (the -m matrix as the engine runs it).
local engine = require "engine"
local draw = require "pktgen.console.draw"

local M = {}

local cpu

--- CPU model and count from /proc/cpuinfo, read once.
local function machine()
	if cpu then
		return cpu
	end
	cpu = { model = "unknown", count = 0 }
	local f = io.open("/proc/cpuinfo", "r")
	if f then
		for line in f:lines() do
			local m = string.match(line, "^model name%s*:%s*(.-)%s*$")
			if m and cpu.model == "unknown" then
				cpu.model = m
			end
			if string.match(line, "^processor%s*:") then
				cpu.count = cpu.count + 1
			end
		end
		f:close()
	end
	return cpu
end

function M.lines(_)
	local lines = draw.lines()
	local m = machine()
	draw.title(lines, "CPU", string.format("%d logical CPU(s)", m.count))
	lines:add("stats.stat.label", "  Model: ", "stats.stat.values", m.model)
	lines:add("stats.stat.label", "  Ports: ", "stats.stat.values", tostring(engine.ports()))
	lines:blank()
	-- lcore -> the queues it owns
	local work, order = {}, {}
	local function add(lc, text)
		if not work[lc] then
			work[lc] = {}
			order[#order + 1] = lc
		end
		table.insert(work[lc], text)
	end
	for p = 0, engine.ports() - 1 do
		local l = engine.layout(p)
		for q, lc in ipairs(l.rx_lcores) do
			add(lc, string.format("p%d rx q%d", p, q - 1))
		end
		for q, lc in ipairs(l.tx_lcores) do
			add(lc, string.format("p%d tx q%d", p, q - 1))
		end
		for _, lc in ipairs(l.answer_lcores or {}) do
			add(lc, string.format("p%d answers", p))
		end
	end
	table.sort(order)
	lines:add("stats.port.status", string.format("  %-6s %s", "lcore", "queues it owns"))
	for _, lc in ipairs(order) do
		lines:add("stats.port.label", string.format("  %-6d ", lc), "stats.stat.values", table.concat(work[lc], ", "))
	end
	if #order == 0 then
		lines:add("stats.stat.label", "  (no worker lcores own a queue)")
	end
	return lines
end

return M
