--- Address text for the packet library: MAC, IPv4 and IPv6 addresses to wire bytes and back.
-- Text is normalised (lower-case MACs, RFC 5952 IPv6) so a decoded packet's fields compare equal
-- to the ones it was built from. Parsers return nil and a reason; the layer names the field.
local M = {}

function M.mac(s)
	if type(s) ~= "string" then
		return nil, "a MAC address is text like 02:00:00:00:00:01"
	end
	local b = {}
	for h in string.gmatch(s, "[^:%-]+") do
		local n = #h == 2 and tonumber(h, 16)
		if not n then
			return nil, "not a MAC address (six hex pairs like 02:00:00:00:00:01)"
		end
		b[#b + 1] = n
	end
	if #b ~= 6 then
		return nil, "not a MAC address (six hex pairs like 02:00:00:00:00:01)"
	end
	return string.char(table.unpack(b))
end

function M.mac_text(raw)
	return string.format("%02x:%02x:%02x:%02x:%02x:%02x", string.byte(raw, 1, 6))
end

function M.ipv4(s)
	if type(s) ~= "string" then
		return nil, "an IPv4 address is text like 10.0.0.1"
	end
	if string.find(s, ":", 1, true) then
		return nil, "an IPv6 address given where IPv4 is wanted (a.b.c.d)"
	end
	local a, b, c, d = string.match(s, "^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
	local t = { tonumber(a), tonumber(b), tonumber(c), tonumber(d) }
	if not d or t[1] > 255 or t[2] > 255 or t[3] > 255 or t[4] > 255 then
		return nil, "not an IPv4 address (a.b.c.d, each 0..255)"
	end
	return string.char(t[1], t[2], t[3], t[4])
end

function M.ipv4_text(raw)
	return string.format("%d.%d.%d.%d", string.byte(raw, 1, 4))
end

local function groups(part)
	local g = {}
	if part == "" then
		return g
	end
	for h in string.gmatch(part .. ":", "([^:]*):") do
		if not string.match(h, "^%x%x?%x?%x?$") then
			return nil
		end
		g[#g + 1] = tonumber(h, 16)
	end
	return g
end

function M.ipv6(s)
	if type(s) ~= "string" then
		return nil, "an IPv6 address is text like fd00::1"
	end
	if not string.find(s, ":", 1, true) then
		if string.match(s, "^%d+%.%d+%.%d+%.%d+$") then
			return nil, "an IPv4 address given where IPv6 is wanted (like fd00::1)"
		end
		return nil, "not an IPv6 address (like fd00::1)"
	end
	-- An embedded IPv4 tail ("::ffff:1.2.3.4") stands for the last two groups.
	local tail = {}
	local head, v4 = string.match(s, "^(.*:)(%d+%.%d+%.%d+%.%d+)$")
	if head then
		local b = M.ipv4(v4)
		if not b then
			return nil, "not an IPv6 address (like fd00::1)"
		end
		s = string.sub(head, -2) == "::" and head or string.sub(head, 1, -2)
		tail = { string.unpack(">I2I2", b) }
		tail[3] = nil
	end
	local l, r = string.match(s, "^(.-)::(.*)$")
	local left, right
	if l then
		if string.find(r, "::", 1, true) then
			return nil, "not an IPv6 address (:: stands once at most)"
		end
		left, right = groups(l), groups(r)
	else
		left, right = groups(s), {}
	end
	if not left or not right then
		return nil, "not an IPv6 address (like fd00::1)"
	end
	table.move(tail, 1, #tail, #right + 1, right)
	local fill = 8 - #left - #right
	if l and fill < 1 then
		return nil, "not an IPv6 address (like fd00::1)"
	elseif not l and fill ~= 0 then
		return nil, "not an IPv6 address (eight groups, or :: for zeros)"
	end
	for _ = 1, fill do
		left[#left + 1] = 0
	end
	table.move(right, 1, #right, #left + 1, left)
	return string.pack(">I2I2I2I2I2I2I2I2", table.unpack(left))
end

--- RFC 5952 text: lower case, the longest run of two or more zero groups (the first of equals) as ::.
function M.ipv6_text(raw)
	local g = { string.unpack(">I2I2I2I2I2I2I2I2", raw) }
	g[9] = nil
	local best, blen, i = nil, 1, 1
	while i <= 8 do
		if g[i] == 0 then
			local j = i
			while j < 8 and g[j + 1] == 0 do
				j = j + 1
			end
			if j - i + 1 > blen then
				best, blen = i, j - i + 1
			end
			i = j + 1
		else
			i = i + 1
		end
	end
	local hex = {}
	for k = 1, 8 do
		hex[k] = string.format("%x", g[k])
	end
	if not best then
		return table.concat(hex, ":")
	end
	return table.concat(hex, ":", 1, best - 1) .. "::" .. table.concat(hex, ":", best + blen, 8)
end

return M
