--- Pktgen's theme: the colours of the screen's items. Off unless `-T` or `theme on`, as in
-- Pktgen; the CLI's `theme <item> <fg> <bg> <attr>`, `theme show` and `theme save <file>`.
local M = {}

--- Colour names (Pktgen's); "none" (and default_fg/default_bg) leave the colour as it is.
M.COLORS = { "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white", "default", "none",
	"default_fg", "default_bg" }
--- Attribute names (Pktgen's); "off" and "default" are plain text.
M.ATTRS = { "off", "default", "bold", "bright", "underscore", "underline", "blink", "reverse", "concealed" }

local function set_of(list)
	local t = {}
	for _, v in ipairs(list) do
		t[v] = true
	end
	return t
end

local COLOR, ATTR = set_of(M.COLORS), set_of(M.ATTRS)

-- Items in Pktgen's order with Pktgen's defaults, then ours (the latency chart's bars).
local DEFAULTS = {
	{ "default", "default", "default", "off" },
	{ "top.spinner", "cyan", "none", "bold" },
	{ "top.ports", "green", "none", "bold" },
	{ "top.page", "white", "none", "bold" },
	{ "top.copyright", "yellow", "none", "off" },
	{ "top.poweredby", "blue", "none", "bold" },
	{ "sep.dash", "blue", "none", "off" },
	{ "sep.text", "white", "none", "off" },
	{ "stats.port.label", "blue", "none", "bold" },
	{ "stats.port.flags", "blue", "none", "bold" },
	{ "stats.port.status", "yellow", "none", "bold" },
	{ "stats.port.data", "white", "none", "off" },
	{ "stats.port.linklbl", "green", "none", "bold" },
	{ "stats.port.sizes", "cyan", "none", "off" },
	{ "stats.port.sizelbl", "cyan", "none", "bold" },
	{ "stats.port.totlbl", "blue", "none", "bold" },
	{ "stats.port.totals", "blue", "none", "off" },
	{ "stats.port.errlbl", "red", "none", "bold" },
	{ "stats.port.errors", "red", "none", "off" },
	{ "stats.dyn.label", "yellow", "none", "off" },
	{ "stats.dyn.values", "yellow", "none", "off" },
	{ "stats.stat.label", "magenta", "none", "off" },
	{ "stats.stat.values", "white", "none", "bold" },
	{ "stats.total.label", "red", "none", "bold" },
	{ "stats.total.data", "red", "none", "bold" },
	{ "stats.colon", "blue", "none", "bold" },
	{ "stats.rate.count", "magenta", "none", "bold" },
	{ "stats.bdf", "blue", "none", "bold" },
	{ "stats.mac", "green", "none", "bold" },
	{ "stats.ip", "cyan", "none", "bold" },
	{ "stats.bar", "green", "none", "bold" },
	{ "pktgen.prompt", "green", "none", "off" },
}

local items, order = {}, {}
local enabled = false

--- Restore every item's default colours.
function M.reset()
	items, order = {}, {}
	for _, d in ipairs(DEFAULTS) do
		items[d[1]] = { fg = d[2], bg = d[3], attr = d[4] }
		order[#order + 1] = d[1]
	end
end

M.reset()

--- Turn colours on or off (`theme on|off`, `-T`).
function M.set_state(on)
	enabled = on and true or false
end

--- Whether colours are on.
function M.enabled()
	return enabled
end

--- `theme <item> <fg> <bg> <attr>`: an unknown item, colour or attribute is an error naming it.
function M.set(item, fg, bg, attr)
	local name = string.lower(tostring(item))
	local it = items[name]
	if not it then
		error(string.format("theme: unknown item '%s' (theme show lists them)", tostring(item)), 0)
	end
	fg, bg, attr = string.lower(tostring(fg)), string.lower(tostring(bg)), string.lower(tostring(attr))
	for _, c in ipairs { fg, bg } do
		if not COLOR[c] then
			error(string.format("theme: unknown colour '%s' (%s)", c, table.concat(M.COLORS, ", ")), 0)
		end
	end
	if not ATTR[attr] then
		error(string.format("theme: unknown attribute '%s' (%s)", attr, table.concat(M.ATTRS, ", ")), 0)
	end
	it.fg, it.bg, it.attr = fg, bg, attr
end

--- The look of `item` for the terminal: {fg, bg, attr} names the runtime maps to escape codes,
-- nil where nothing changes; nil altogether with colours off or for an unknown item.
function M.style(item)
	local it = enabled and items[item]
	if not it then
		return nil
	end
	local function colour(c)
		if c == "none" or c == "default_fg" or c == "default_bg" then
			return nil
		end
		return c
	end
	local attr = (it.attr ~= "off" and it.attr ~= "default") and it.attr or nil
	return { fg = colour(it.fg), bg = colour(it.bg), attr = attr }
end

--- `theme show`: every item with its colours.
function M.show()
	local out = { string.format("*** Theme Color Map Names (%s) ***", enabled and "Enabled" or "Disabled"),
		string.format("   %-30s %-10s %-10s %s", "name", "FG Color", "BG Color", "Attribute") }
	for _, name in ipairs(order) do
		local it = items[name]
		out[#out + 1] = string.format("   %-30s %-10s %-10s %s", name, it.fg, it.bg, it.attr)
	end
	return table.concat(out, "\n") .. "\n"
end

--- `theme save <file>`: a CLI command file that sets every item, then `cls` (as Pktgen writes).
function M.save(path)
	local f, err = io.open(path, "w")
	if not f then
		error(string.format("theme save: %s", err), 0)
	end
	for _, name in ipairs(order) do
		local it = items[name]
		f:write(string.format("theme %s %s %s %s\n", name, it.fg, it.bg, it.attr))
	end
	f:write("cls\n")
	f:close()
end

return M
