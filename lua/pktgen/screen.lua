--- The console's live pages (Pktgen's screen): which page shows which ports (`page`, `port`,
-- `ports_per_page`), `screen`, `cls` and `update`, and the page rendered for the terminal
-- (`render`, which the runtime draws once a second) or as text (`pktgen.pageText`).
local engine = require "engine"
local args = require "pktgen.args"
local theme = require "pktgen.theme"
local draw = require "pktgen.page.draw"

local M = {}

--- The pages, in the order PageDown walks them.
M.PAGES = { "main", "range", "seq", "rnd", "pcap", "latency", "stats", "xstats", "cpu", "queues", "streams" }

--- Other names Pktgen (or we) accept for them.
M.ALIASES = { sequence = "seq", random = "rnd", lat = "latency", qstats = "stats", system = "cpu", sys = "cpu",
	lcores = "queues", stream = "streams" }

local state = { page = "main", port = 0, ppp = 4 }

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

--- The page `name` as lines of {item, text} pieces (see pktgen.page.draw).
function M.build(name, cols, rows)
	local ctx = { cols = cols, rows = rows, port = state.port, ports = shown() }
	local ok, lines = pcall(function()
		local l = require("pktgen.page." .. name)(ctx)
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

function M.install(pktgen)
	local arity = args.arity

	--- screen(onoff): the live pages on or off (plain line output).
	function pktgen.screen(...)
		arity("screen", select("#", ...), 1)
		engine.display(args.onoff((...)))
	end

	--- page(name): Pktgen's names (M.PAGES, M.ALIASES); a number N shows the Nth group of
	-- ports_per_page ports on the main page, "next" the following group; any other name the
	-- main page, as in Pktgen.
	function pktgen.page(...)
		arity("page", select("#", ...), 1)
		local name = string.lower(tostring((...)))
		local n = engine.ports()
		if string.match(name, "^%d+$") then
			local first = tonumber(name) * state.ppp
			if first < n then
				state.port = first
			end
		elseif name == "next" then
			local first = (state.port // state.ppp + 1) * state.ppp
			state.port = first < n and first or 0
		end
		state.page = M.lookup(name) or "main"
		engine.redraw(false)
	end

	--- port(n): the port the one-port pages show (and whose group the main page shows).
	function pktgen.port(...)
		arity("port", select("#", ...), 1)
		local p = args.uint("port", (...), "port")
		if p < engine.ports() then
			state.port = p
			engine.redraw(false)
		end
	end

	--- ports_per_page(n): 1 to 6 and at most the number of ports; otherwise ignored (Pktgen).
	function pktgen.ports_per_page(...)
		arity("ports_per_page", select("#", ...), 1)
		local n = args.uint("ports_per_page", (...), "ports per page")
		if n >= 1 and n <= 6 and n <= engine.ports() then
			state.ppp = n
			engine.redraw(false)
		end
	end

	--- cls(): clear the terminal and draw the page afresh.
	function pktgen.cls()
		engine.redraw(true)
	end

	--- update(): draw the page now rather than at the next second.
	function pktgen.update()
		engine.redraw(false)
	end

	--- pageText([name [, cols]]): ours: a page as plain text (the current one by default), for
	-- scripts and shell clients, which have no screen.
	function pktgen.pageText(...)
		arity("pageText", select("#", ...), 0, 1, 2)
		local name, cols = ...
		local page = state.page
		if name ~= nil then
			page = M.lookup(name)
			if not page then
				error(string.format("pageText: unknown page '%s' (%s)", tostring(name), table.concat(M.PAGES, ", ")), 0)
			end
		end
		cols = cols ~= nil and args.uint("pageText", cols, "columns") or 132
		return M.build(page, cols, 1000):text()
	end
end

return M
