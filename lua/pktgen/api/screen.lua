--- The console's screen functions (docs/LUA_API.md): `screen`, `page`, `port`, `ports_per_page`,
-- `cls`, `update`, and `pageText` (ours: a page as text). They change what pktgen.console.screen
-- shows; the runtime draws it.
local engine = require "engine"
local args = require "pktgen.internal.args"
local screen = require "pktgen.console.screen"

local state = screen.state

local M = {}

function M.install(pktgen)
	local arity = args.arity

	--- screen(onoff): the live pages on or off (plain line output).
	function pktgen.screen(...)
		arity("screen", select("#", ...), 1)
		engine.display(args.onoff((...)))
	end

	--- page(name): Pktgen's names (screen.PAGES, screen.ALIASES); a number N shows the Nth group of
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
		state.page = screen.lookup(name) or "main"
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
			page = screen.lookup(name)
			if not page then
				error(string.format("pageText: unknown page '%s' (%s)", tostring(name), table.concat(screen.PAGES, ", ")), 0)
			end
		end
		cols = cols ~= nil and args.uint("pageText", cols, "columns") or 132
		return screen.build(page, cols, 1000):text()
	end
end

return M
