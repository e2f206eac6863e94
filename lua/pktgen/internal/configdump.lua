--- A canonical text of port configurations, for comparing two configs (save/load round trips,
-- tests). Internal: not part of Pktgen's API.
local config = require "pktgen.internal.config"
local portlist = require "pktgen.internal.portlist"

local M = {}

local function value(v)
	if type(v) == "string" then
		-- Binary (MACs, addresses) and text alike, as hex: exact and printable.
		return "x" .. string.gsub(v, ".", function(c) return string.format("%02x", string.byte(c)) end)
	elseif math.type(v) == "float" then
		return string.format("%.17g.f", v) -- keep floats apart from integers
	end
	return tostring(v)
end

local function walk(out, prefix, t)
	local keys = {}
	for k in pairs(t) do
		keys[#keys + 1] = k
	end
	table.sort(keys, function(a, b)
		return tostring(a) < tostring(b)
	end)
	for _, k in ipairs(keys) do
		local v = t[k]
		local name = prefix .. "." .. tostring(k)
		if type(v) == "table" then
			walk(out, name, v)
		else
			out[#out + 1] = name .. " = " .. value(v)
		end
	end
end

--- The canonical text of any value (tables included).
function M.value_of(v)
	if type(v) ~= "table" then
		return value(v)
	end
	local out = {}
	walk(out, "", v)
	return table.concat(out, "\n")
end

--- One line per leaf of port p's config, sorted.
function M.port(p)
	local out = {}
	walk(out, "port" .. p, config.get(p))
	return table.concat(out, "\n")
end

--- Every port's config.
function M.all()
	local out = {}
	for _, p in ipairs(portlist.all()) do
		out[#out + 1] = M.port(p)
	end
	return table.concat(out, "\n")
end

return M
