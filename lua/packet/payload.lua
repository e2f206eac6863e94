--- Payload and Padding kinds for the packet library: bytes given, or a pattern ("zero", "inc",
-- "ff", "random", or any bytes repeated) filled to `size`; Padding is what a decoder finds past
-- the length an IP header declares (Ethernet's minimum frame).
local layer = require "packet.layer"

local M = {}

local function fill(pattern, size)
	if pattern == "zero" then
		return string.rep("\0", size)
	elseif pattern == "ff" then
		return string.rep("\255", size)
	elseif pattern == "inc" then
		local t = {}
		for i = 1, size do
			t[i] = string.char((i - 1) & 0xff)
		end
		return table.concat(t)
	elseif pattern == "random" then
		local t = {}
		for i = 1, size do
			t[i] = string.char(math.random(0, 255))
		end
		return table.concat(t)
	end
	return string.sub(string.rep(pattern, size // #pattern + 1), 1, size)
end

local function rest(_, left) return left end

M.Payload = layer.kind {
	name = "payload", title = "Payload",
	fields = {
		{ "data", fmt = "bytes", default = "", len = rest },
		{ "size", meta = true, norm = function(n)
			n = math.tointeger(n)
			return (n and n >= 0) and n or nil, "a byte count, 0 or more"
		end },
		{ "pattern", fmt = "bytes", meta = true, norm = function(p)
			if p == "zero" or p == "inc" or p == "ff" or p == "random" or (type(p) == "string" and #p > 0) then
				return p
			end
			return nil, "\"zero\", \"inc\", \"ff\", \"random\" or bytes to repeat"
		end },
	},
	-- The data is made once, here, so a random payload stays the same in every p:bytes().
	prepare = function(v, t)
		if t.size ~= nil or t.pattern ~= nil then
			v.data = fill(v.pattern or "zero", v.size or #v.data)
		end
	end,
}

M.Padding = layer.kind {
	name = "padding", title = "Padding",
	fields = { { "data", fmt = "bytes", default = "", len = rest } },
}

return M
