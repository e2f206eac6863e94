--- Argument checks and parsers shared by the pktgen functions.
-- Errors follow Pktgen's shape: "<fn>, wrong number of arguments", "<fn>: invalid MAC string '<x>'".
-- Like luaL_error from a C function, the messages carry no "file:line:" prefix.
local address = require "packet.addr"

local M = {}

--- Raise Pktgen's arity error unless n is one of the allowed counts.
function M.arity(name, n, ...)
	for i = 1, select("#", ...) do
		if n == select(i, ...) then
			return
		end
	end
	error(name .. ", wrong number of arguments", 0)
end

--- Pktgen's estate(): "on", "enable" or "start" (any case) mean on; anything else means off.
function M.onoff(v)
	local s = string.lower(tostring(v))
	return s == "on" or s == "enable" or s == "start"
end

--- A number from a number or numeric string (as luaL_checknumber), or an error naming it.
function M.number(name, v, what)
	local n = math.type(v) and v or (type(v) == "string" and tonumber(v))
	if not n then
		error(string.format("%s: %s must be a number, got '%s'", name, what or "value", tostring(v)), 0)
	end
	return n
end

--- An integer, truncated toward zero and wrapped like a C cast to an unsigned of `bits` bits.
function M.uint(name, v, what, bits)
	local n = M.number(name, v, what)
	if n ~= n or n == math.huge or n == -math.huge then
		error(string.format("%s: %s must be a finite number, got '%s'", name, what or "value", tostring(v)), 0)
	end
	n = math.tointeger(n >= 0 and math.floor(n) or math.ceil(n))
	return n & ((1 << (bits or 32)) - 1)
end

--- A number in lo..hi (hi nil: no upper bound) from a number or numeric string, for the rate,
-- burst, count and size settings (docs/LUA_API.md, "Ranges of the numeric settings"). NaN,
-- infinities and negatives are always refused; with `clamp`, other values outside the range are
-- clamped (as Pktgen does), without it refused. `int` truncates toward zero first.
function M.ranged(name, v, what, lo, hi, opts)
	opts = opts or {}
	local n = math.type(v) and v or (type(v) == "string" and tonumber(v))
	local range = hi and string.format("%s..%s", lo, hi) or string.format("%s or more", lo)
	local function refuse(why)
		error(string.format("%s: %s %s; the range is %s", name, what, why, range), 0)
	end
	if not n or n ~= n or n == math.huge or n == -math.huge then
		refuse(string.format("must be a finite number, got '%s'", tostring(v)))
	end
	if opts.int then
		n = math.tointeger(n >= 0 and math.floor(n) or math.ceil(n))
		if not n then
			refuse(string.format("%s is not an integer Lua can hold", tostring(v)))
		end
	end
	if n < 0 and (opts.clamp or lo >= 0) then
		refuse(string.format("%s is negative", tostring(v)))
	end
	if n < lo or (hi and n > hi) then
		if not opts.clamp then
			refuse(string.format("%s is outside it", tostring(v)))
		end
		n = math.max(lo, math.min(hi or n, n))
	end
	return n
end

--- MAC text -> 6-byte string, or nil. "xx:xx:xx:xx:xx:xx" (also '-') or "xxxx:xxxx:xxxx".
function M.parse_mac(s)
	if type(s) ~= "string" then
		return nil
	end
	local b = { string.match(s, "^%s*(%x%x?)[:%-](%x%x?)[:%-](%x%x?)[:%-](%x%x?)[:%-](%x%x?)[:%-](%x%x?)%s*$") }
	if #b == 6 then
		for i = 1, 6 do
			b[i] = tonumber(b[i], 16)
		end
		return string.char(table.unpack(b))
	end
	local w = { string.match(s, "^%s*(%x%x?%x?%x?)[:.](%x%x?%x?%x?)[:.](%x%x?%x?%x?)%s*$") }
	if #w == 3 then
		return string.pack(">I2I2I2", tonumber(w[1], 16), tonumber(w[2], 16), tonumber(w[3], 16))
	end
	return nil
end

--- MAC text -> 6-byte string, or an error naming the function and the bad text.
function M.mac(name, s)
	local m = M.parse_mac(s)
	if not m then
		error(string.format("%s: invalid MAC string '%s'", name, tostring(s)), 0)
	end
	return m
end

--- 6-byte string -> "xx:xx:xx:xx:xx:xx".
function M.mac_string(m)
	return string.format("%02x:%02x:%02x:%02x:%02x:%02x", string.byte(m, 1, 6))
end

-- Address text is the packet library's knowledge; here only whether it parses matters.
local function parse_ipv4(s)
	return (address.ipv4(s))
end

local function parse_ipv6(s)
	return (address.ipv6(s))
end

--- IP text ("a.b.c.d", IPv6 text, either with "/prefix") -> {v = 4|6, addr = bytes, prefix = n|nil}, or nil.
function M.parse_ip(s)
	if type(s) ~= "string" then
		return nil
	end
	s = string.match(s, "^%s*(.-)%s*$")
	local text, prefix = string.match(s, "^([^/]+)/(%d+)$")
	if not text then
		text = s
	end
	prefix = prefix and tonumber(prefix)
	local addr = parse_ipv4(text)
	if addr then
		if prefix and prefix > 32 then
			return nil
		end
		return { v = 4, addr = addr, prefix = prefix }
	end
	addr = string.find(text, ":", 1, true) and parse_ipv6(text)
	if addr then
		if prefix and prefix > 128 then
			return nil
		end
		return { v = 6, addr = addr, prefix = prefix }
	end
	return nil
end

--- Like parse_ip, or an error naming the function and the bad text.
function M.ip(name, s)
	local ip = M.parse_ip(s)
	if not ip then
		error(string.format("%s: invalid IP address '%s'", name, tostring(s)), 0)
	end
	return ip
end

--- Address bytes -> text: dotted quad, or IPv6 with the longest zero run shortened to "::".
function M.ip_string(addr)
	if #addr == 4 then
		return string.format("%d.%d.%d.%d", string.byte(addr, 1, 4))
	end
	local g = {}
	for i = 1, 16, 2 do
		g[#g + 1] = (string.unpack(">I2", addr, i))
	end
	local best, bestlen, cur, curlen = nil, 1, nil, 0
	for i = 1, 8 do
		if g[i] == 0 then
			cur = cur or i
			curlen = curlen + 1
			if curlen > bestlen then
				best, bestlen = cur, curlen
			end
		else
			cur, curlen = nil, 0
		end
	end
	local parts = {}
	for i = 1, 8 do
		parts[i] = string.format("%x", g[i])
	end
	if not best then
		return table.concat(parts, ":")
	end
	local l = table.concat(parts, ":", 1, best - 1)
	local r = table.concat(parts, ":", best + bestlen, 8)
	return l .. "::" .. r
end

return M
