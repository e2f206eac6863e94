--- Pktgen port lists: "all", "N", "N-M", comma lists of those, or a Lua number (a port id).
-- Ports that do not exist are skipped, as Pktgen does (a list naming none of them says so on the
-- caller's output); text that is not a port list is an error.
local engine = require "engine"

local M = {}

--- Pktgen's portlist bitmap is 64 bits wide.
M.MAX_PORTS = 64

local function invalid(fname, pl)
	error(string.format("%s: invalid portlist '%s'", fname, tostring(pl)), 0)
end

--- Parse `pl` into a sorted list of the existing port ids it names.
-- fname names the calling function in error messages.
function M.parse(fname, pl)
	local nports = engine.ports()
	local text
	if math.type(pl) == "integer" then
		text = tostring(pl)
	elseif math.type(pl) == "float" and pl == math.floor(pl) and pl >= 0 and pl < M.MAX_PORTS then
		text = tostring(math.tointeger(pl))
	elseif type(pl) == "string" then
		text = pl
	else
		invalid(fname, pl)
	end
	text = string.match(text, "^%s*(.-)%s*$")
	local set = {}
	if string.lower(text) == "all" then
		for p = 0, nports - 1 do
			set[p] = true
		end
	else
		if text == "" then
			invalid(fname, pl)
		end
		for part in string.gmatch(text .. ",", "([^,]*),") do
			part = string.match(part, "^%s*(.-)%s*$")
			local a, b = string.match(part, "^(%d+)%s*%-%s*(%d+)$")
			if not a then
				a = string.match(part, "^(%d+)$")
				b = a
			end
			a, b = tonumber(a), tonumber(b)
			if not a or a > b or b >= M.MAX_PORTS then
				invalid(fname, pl)
			end
			for p = a, b do
				set[p] = true
			end
		end
	end
	local list = {}
	for p = 0, nports - 1 do
		if set[p] then
			list[#list + 1] = p
		end
	end
	if #list == 0 then
		-- Pktgen does nothing here, silently; a user who typed a wrong port should hear why.
		io.write(string.format("%s: port list '%s' names no port of this pktgen (ports %s); nothing done\n",
			fname, tostring(pl), nports == 1 and "0" or ("0-" .. (nports - 1))))
		io.flush()
	end
	return list
end

--- Every existing port id.
function M.all()
	local list = {}
	for p = 0, engine.ports() - 1 do
		list[#list + 1] = p
	end
	return list
end

return M
