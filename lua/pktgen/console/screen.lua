--- The console's live pages (Pktgen's screen): the page and ports shown (`state`, which
-- pktgen.api.screen's functions change), and the page rendered for the terminal (`render`, which
-- the runtime draws once a second) or as lines for `pktgen.pageText` (`build`).
local engine = require "engine"
local theme = require "pktgen.console.theme"
local draw = require "pktgen.console.draw"

local M = {}

--- The pages, in the order PageDown walks them.
M.PAGES = { "main", "range", "seq", "rnd", "pcap", "latency", "stats", "xstats", "cpu", "queues", "streams", "filters" }

--- Other names Pktgen (or we) accept for them.
M.ALIASES = { sequence = "seq", random = "rnd", lat = "latency", qstats = "stats", system = "cpu", sys = "cpu",
	lcores = "queues", stream = "streams", filter = "filters" }

--- The page shown, the current port, and how many ports a page shows.
M.state = { page = "main", port = 0, ppp = 4 }
local state = M.state

local function known(name)
	for _, p in ipairs(M.PAGES) do
		if p == name then
			return true
		end
	end
	return false
end

--- The page a name selects (nil for a name Pktgen would show as main), and the port a
-- number selects.
function M.lookup(name)
	local n = string.lower(tostring(name))
	if string.match(n, "^%d+$") or n == "next" then
		return "main"
	end
	n = M.ALIASES[n] or n
	return known(n) and n or nil
end

--- The current page's name.
function M.current()
	return state.page
end

--- The ports the port pages show: the group of ports_per_page holding the current port.
local function shown()
	local n = engine.ports()
	local first = (state.port // state.ppp) * state.ppp
	local list = {}
	for p = first, math.min(first + state.ppp, n) - 1 do
		list[#list + 1] = p
	end
	return list
end

--- The page `name` as lines of {item, text} pieces (see pktgen.console.draw): each module of
-- pktgen/console/page/ has lines(ctx), ctx = {cols, rows, port (the current one), ports (shown)}.
function M.build(name, cols, rows)
	local ctx = { cols = cols, rows = rows, port = state.port, ports = shown() }
	local ok, lines = pcall(function()
		local l = require("pktgen.console.page." .. name).lines(ctx)
		draw.separator(l, cols)
		return l
	end)
	if not ok then
		local l = draw.lines()
		l:add("stats.port.errors", string.format("page %s: %s", name, tostring(lines)))
		return l
	end
	return lines
end

--- The current page for the terminal: lines of {text, fg, bg, attr} with the theme's colours.
function M.render(cols, rows)
	local out = {}
	for i, line in ipairs(M.build(state.page, cols, rows)) do
		local l = {}
		for j, piece in ipairs(line) do
			local st = theme.style(piece[1]) or {}
			l[j] = { text = piece[2], fg = st.fg, bg = st.bg, attr = st.attr }
		end
		out[i] = l
	end
	return out
end

--- The prompt's look ({fg, bg, attr}, nil with the theme off).
function M.prompt_style()
	return theme.style("pktgen.prompt")
end

--- PageDown / PageUp: the next or previous page.
function M.step(dir)
	local i = 1
	for k, p in ipairs(M.PAGES) do
		if p == state.page then
			i = k
		end
	end
	state.page = M.PAGES[(i - 1 + dir) % #M.PAGES + 1]
	engine.redraw(false)
end

return M
