--- A small JSON encoder for benchmark results: tables with a sequence part become arrays, others
-- objects with sorted keys (so files diff well); NaN and infinities, which JSON lacks, become null.
local M = {}

local ESC = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n", ["\r"] = "\\r",
	["\t"] = "\\t" }

local function str(s)
	return '"' .. string.gsub(s, '[%c"\\]', function(c)
		return ESC[c] or string.format("\\u%04x", string.byte(c))
	end) .. '"'
end

local function num(n)
	if math.type(n) == "integer" then
		return tostring(n)
	end
	if n ~= n or n == math.huge or n == -math.huge then
		return "null"
	end
	if n == math.floor(n) and math.abs(n) < 2 ^ 53 then
		return string.format("%d", n)
	end
	return string.format("%.17g", n)
end

local encode

local function array(t, depth, ind)
	local out = {}
	for i = 1, #t do
		out[i] = ind .. "  " .. encode(t[i], depth + 1)
	end
	if #out == 0 then
		return "[]"
	end
	return "[\n" .. table.concat(out, ",\n") .. "\n" .. ind .. "]"
end

local function object(t, depth, ind)
	local keys = {}
	for k, v in pairs(t) do
		if type(v) ~= "function" then
			keys[#keys + 1] = tostring(k)
		end
	end
	table.sort(keys)
	local out = {}
	for _, k in ipairs(keys) do
		local v = t[k]
		if v == nil then
			v = t[tonumber(k)]
		end
		out[#out + 1] = ind .. "  " .. str(k) .. ": " .. encode(v, depth + 1)
	end
	if #out == 0 then
		return "{}"
	end
	return "{\n" .. table.concat(out, ",\n") .. "\n" .. ind .. "}"
end

encode = function(v, depth)
	local t = type(v)
	if t == "nil" then
		return "null"
	elseif t == "boolean" then
		return tostring(v)
	elseif t == "number" then
		return num(v)
	elseif t == "string" then
		return str(v)
	elseif t == "table" then
		if depth > 32 then
			error("json: tables nested more than 32 deep (a cycle?)", 0)
		end
		local ind = string.rep("  ", depth)
		if #v > 0 or next(v) == nil then
			return array(v, depth, ind)
		end
		return object(v, depth, ind)
	end
	error("json: cannot encode a " .. t, 0)
end

--- The JSON text of `v` (indented two spaces per level, ending without a newline).
function M.encode(v)
	return encode(v, 0)
end

return M
