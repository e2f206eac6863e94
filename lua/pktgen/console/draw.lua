--- Building blocks of the console's pages: lines of {item, text} pieces (item names a theme
-- item, so the runtime can colour it), aligned columns, numbers with thousands separators, and
-- the title and separator lines every page has.
local M = {}

--- Width of the label column and of each port's column (Pktgen's layout).
M.LABEL = 20
M.COL = 20
M.TOTAL = 18

local Lines = {}
Lines.__index = Lines

--- An empty page.
function M.lines()
	return setmetatable({}, Lines)
end

--- Appends a line made of item, text, item, text, ... pairs.
function Lines:add(...)
	local line = {}
	for i = 1, select("#", ...), 2 do
		local item, text = select(i, ...)
		line[#line + 1] = { item, tostring(text) }
	end
	self[#self + 1] = line
	return line
end

--- Appends an empty line.
function Lines:blank()
	self[#self + 1] = {}
end

--- Appends a row of the port grid: the label, then each value right-aligned in its port's
-- column, then an optional {item, text} in the totals column.
function Lines:row(label_item, label, value_item, values, total)
	local line = { { label_item, M.left(label, M.LABEL) }, { "stats.colon", ":" } }
	for _, v in ipairs(values) do
		line[#line + 1] = { value_item, M.right(v, M.COL) }
	end
	if total then
		line[#line + 1] = { total[1], M.right(total[2], M.TOTAL) }
	end
	self[#self + 1] = line
end

--- The page as plain text, one line each, trailing blanks removed.
function Lines:text()
	local out = {}
	for i, line in ipairs(self) do
		local parts = {}
		for j, piece in ipairs(line) do
			parts[j] = piece[2]
		end
		out[i] = (string.gsub(table.concat(parts), "%s+$", ""))
	end
	return table.concat(out, "\n") .. "\n"
end

--- `s` cut to `w` characters ("~" marks a cut).
local function fit(s, w)
	s = tostring(s)
	if #s > w then
		return string.sub(s, 1, math.max(0, w - 1)) .. "~"
	end
	return s
end

--- `s` right-aligned in `w` columns, with a space before it.
function M.right(s, w)
	s = fit(s, w - 1)
	return string.rep(" ", w - #s) .. s
end

--- `s` left-aligned in `w` columns.
function M.left(s, w)
	s = fit(s, w)
	return s .. string.rep(" ", w - #s)
end

--- An integer with thousands separators: 14880952 -> "14,880,952".
function M.num(n)
	n = math.tointeger(n) or math.floor(tonumber(n) or 0)
	local s = string.reverse((string.gsub(string.reverse(tostring(math.abs(n))), "(%d%d%d)", "%1,")))
	s = string.gsub(s, "^,", "")
	return (n < 0 and "-" or "") .. s
end

--- "a/b" of two numbers with separators.
function M.pair(a, b)
	return M.num(a) .. "/" .. M.num(b)
end

--- Megabits on the wire of `bytes` in `packets` frames (FCS, preamble and gap counted, as
-- Pktgen's rates are).
function M.mbits(bytes, packets)
	return ((bytes or 0) + (packets or 0) * require("pktgen.internal.stats").OVERHEAD) * 8 // 1000000
end

--- The title line: "<Main Page>  Ports 0-1 of 2".
function M.title(lines, name, what)
	lines:add("top.page", string.format("<%s Page>", name), "top.ports", "  " .. what)
	lines:blank()
end

--- "Ports a-b of n" for a list of shown ports.
function M.ports_text(ports)
	local n = require("engine").ports()
	if #ports == 0 then
		return string.format("no ports of %d", n)
	end
	return string.format("Ports %d-%d of %d", ports[1], ports[#ports], n)
end

--- The dashed line closing every page, with the version as Pktgen shows it.
function M.separator(lines, cols)
	local info = pktgen and pktgen.info or {}
	local text = string.format(" %s  Powered by %s ", info.Pktgen_Version or "pktgen", info.DPDK_Version or "DPDK")
	lines:add("sep.dash", "--", "sep.text", text, "sep.dash", string.rep("-", math.max(0, cols - 3 - #text)))
end

return M
