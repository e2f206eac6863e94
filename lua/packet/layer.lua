--- Layer kinds for the packet library: a kind is a list of wire fields (bits, addresses, bytes)
-- in order, and one description serves to validate, encode, decode and locate every field.
-- Family modules (link, ip, transport, tunnel, payload) define kinds with `layer.kind{...}`.
local addr = require "packet.addr"

local M = {}

--- Kinds by protocol number, for decoding: M.by.ethertype[0x0800] is the IPv4 kind, and so on.
M.by = { ethertype = {}, ipproto = {}, udpport = {}, greproto = {} }
--- Kinds by name ("ipv4"), and the constructors' display names ("IPv4").
M.kinds = {}

local Layer = {}
M.Layer = Layer

local function fail(level, fmt, ...)
	error("packet: " .. string.format(fmt, ...), level + 1)
end
M.fail = fail

local function show_value(v)
	if type(v) == "string" then
		return string.format("%q", v)
	end
	return tostring(math.tointeger(v) or v)
end

--- Checks and normalises `value` for field `f` of kind `K`; raises an error naming both.
local function check(K, f, value, level)
	local bad
	if f.norm then
		local v, why = f.norm(value)
		if v == nil then
			bad = why
		else
			return v
		end
	elseif f.bits then
		local n = math.tointeger(value)
		if not n then
			bad = "not an integer"
		elseif n < 0 or n >= (1 << f.bits) then
			fail(level + 1, "%s.%s = %s is out of range 0..%d", K.title, f.name, show_value(value),
				(1 << f.bits) - 1)
		else
			return n
		end
	elseif f.fmt == "mac" or f.fmt == "ipv4" or f.fmt == "ipv6" then
		local raw, why = addr[f.fmt](value)
		if raw then
			return addr[f.fmt .. "_text"](raw)
		end
		bad = why
	elseif f.fmt == "bytes" then
		if type(value) == "string" then
			return value
		end
		bad = "not a byte string"
	end
	fail(level + 1, "%s.%s = %s: %s", K.title, f.name, show_value(value), bad or "invalid")
end

--- Defines a kind. `d` = {name, title, fields = { {name, bits | fmt, default, auto, present,
-- len, enc, dec, norm, meta}, ...}, fill, csum, numbers, next, tunnel, prepare}.
function M.kind(d)
	d.byname = {}
	d.wire = {}
	for _, f in ipairs(d.fields) do
		f.name = f[1]
		f.bits = f.bits or (type(f[2]) == "number" and f[2] or nil)
		d.byname[f.name] = f
		if not f.meta then
			d.wire[#d.wire + 1] = f
		end
	end
	d.numbers = d.numbers or {}
	for tbl, n in pairs(d.numbers) do
		for _, num in ipairs(type(n) == "table" and n or { n }) do
			M.by[tbl][num] = M.by[tbl][num] or d
		end
	end
	M.kinds[d.name] = d
	return d
end

--- A new layer of kind `K` from the user's table `t` (defaults for what it leaves out).
function M.new(K, t, level)
	level = (level or 1) + 1
	if t ~= nil and type(t) ~= "table" then
		fail(level, "%s{...} takes a table of fields, not %s", K.title, type(t))
	end
	local v = {}
	for _, f in ipairs(K.fields) do
		if f.default ~= nil then
			local d = f.default
			if type(d) == "function" then
				d = d()
			end
			v[f.name] = d
		end
	end
	for k, val in pairs(t or {}) do
		local f = K.byname[k]
		if not f then
			local names = {}
			for _, g in ipairs(K.fields) do
				names[#names + 1] = g.name
			end
			fail(level, "%s has no field %s (fields: %s)", K.title, show_value(k), table.concat(names, ", "))
		end
		v[k] = check(K, f, val, level)
	end
	if K.prepare then
		K.prepare(v, t or {}, level)
	end
	return setmetatable({ kind = K, v = v, auto = {} }, Layer)
end

local function deep(x)
	if type(x) ~= "table" then
		return x
	end
	local c = {}
	for k, v in pairs(x) do
		c[k] = deep(v)
	end
	return c
end

--- A copy of `L` with its own field table, so stacking never shares layers between packets.
function M.copy(L)
	return setmetatable({ kind = rawget(L, "kind"), v = deep(rawget(L, "v")), auto = {} }, Layer)
end

--- The value of field `name` as given, or as filled in by the last build.
function M.get(L, name)
	local v = rawget(L, "v")[name]
	if v == nil then
		return rawget(L, "auto")[name]
	end
	return v
end

--- Fills `name` with `value` unless the user gave it.
function M.auto(L, name, value)
	if rawget(L, "v")[name] == nil then
		rawget(L, "auto")[name] = value
	end
end

Layer.__index = function(L, k)
	local K = rawget(L, "kind")
	local f = K.byname[k]
	if not f then
		if Layer[k] then
			return Layer[k]
		end
		fail(2, "%s has no field %s", K.title, show_value(k))
	end
	local v = rawget(L, "v")[k]
	if v == nil and rawget(L, "pkt") then
		rawget(L, "pkt"):_build()
		v = rawget(L, "auto")[k]
	end
	return v
end

Layer.__newindex = function(L, k, val)
	local K = rawget(L, "kind")
	local f = K.byname[k]
	if not f then
		fail(2, "%s has no field %s", K.title, show_value(k))
	end
	if val == nil then
		rawget(L, "v")[k] = nil
	else
		rawget(L, "v")[k] = check(K, f, val, 2)
	end
	if K.prepare then
		K.prepare(rawget(L, "v"), { [k] = val }, 2)
	end
end

Layer.__div = function(a, b)
	return M.stack_op(a, b)
end

Layer.__tostring = function(L)
	return M.show(L)
end

--- Scapy-like lines for one layer: `###[ IPv4 ]###` then `  name = value`.
function M.show(L)
	local K = rawget(L, "kind")
	local out = { "###[ " .. K.title .. " ]###" }
	for _, f in ipairs(K.fields) do
		local v = M.get(L, f.name)
		if v ~= nil then
			if f.show then
				v = f.show(v)
			elseif type(v) == "string" and (f.fmt == "bytes") then
				v = #v == 0 and "''" or (#v > 32 and string.format("%d bytes", #v)
					or ("0x" .. string.gsub(v, ".", function(c) return string.format("%02x", c:byte()) end)))
			elseif type(v) == "number" and f.hex then
				v = string.format("0x%x", v)
			end
			out[#out + 1] = string.format("  %-10s= %s", f.name, tostring(v))
		end
	end
	return table.concat(out, "\n")
end

local function present(f, get)
	return not f.present or f.present(get)
end

local function value_bytes(f, v, L)
	if f.enc then
		return f.enc(v, L)
	elseif f.fmt == "mac" then
		return assert(addr.mac(v))
	elseif f.fmt == "ipv4" then
		return assert(addr.ipv4(v))
	elseif f.fmt == "ipv6" then
		return assert(addr.ipv6(v))
	end
	return v
end

--- Header bytes of `L` from its current values; records each field's bit offset and width.
function M.encode(L)
	local K = rawget(L, "kind")
	local get = function(n) return M.get(L, n) end
	local out, acc, nb, pos, where = {}, 0, 0, 0, {}
	for _, f in ipairs(K.wire) do
		if present(f, get) then
			local v = get(f.name)
			if f.bits then
				if v == nil then
					fail(3, "%s.%s has no value", K.title, f.name)
				end
				where[f.name] = { pos, f.bits }
				acc, nb, pos = (acc << f.bits) | v, nb + f.bits, pos + f.bits
				if nb % 8 == 0 then
					out[#out + 1] = string.pack(">I" .. (nb // 8), acc)
					acc, nb = 0, 0
				end
			else
				local b = v ~= nil and value_bytes(f, v, L) or ""
				where[f.name] = { pos, #b * 8 }
				out[#out + 1] = b
				pos = pos + #b * 8
			end
		end
	end
	rawset(L, "where", where)
	return table.concat(out)
end

local function getbits(s, bit, n)
	local first, last = bit // 8 + 1, (bit + n - 1) // 8 + 1
	local v = 0
	for i = first, last do
		v = (v << 8) | string.byte(s, i)
	end
	return (v >> (last * 8 - bit - n)) & ((1 << n) - 1)
end

local fixed = { mac = 6, ipv4 = 4, ipv6 = 16 }

--- Decodes a layer of kind `K` from `s` at byte `pos` (1-based) up to byte `limit`; returns the
-- layer and the position after it, or nil if the bytes are too short or malformed for `K`.
function M.decode(K, s, pos, limit)
	local v = {}
	local get = function(n) return v[n] end
	local bit, stop = (pos - 1) * 8, limit * 8
	for _, f in ipairs(K.wire) do
		if present(f, get) then
			if f.bits then
				if bit + f.bits > stop then
					return nil
				end
				v[f.name] = getbits(s, bit, f.bits)
				bit = bit + f.bits
			else
				local n = fixed[f.fmt] or f.len(get, limit - bit // 8)
				if not n or n < 0 or bit + n * 8 > stop then
					return nil
				end
				local raw = string.sub(s, bit // 8 + 1, bit // 8 + n)
				local val
				if f.dec then
					val = f.dec(raw)
				elseif fixed[f.fmt] then
					val = addr[f.fmt .. "_text"](raw)
				else
					val = raw
				end
				if val == nil then
					return nil
				end
				v[f.name] = val
				bit = bit + n * 8
			end
		end
	end
	if K.valid and not K.valid(v) then
		return nil
	end
	return setmetatable({ kind = K, v = v, auto = {} }, Layer), bit // 8 + 1
end

--- The protocol number by which the layer before `L` names it in table `tbl` (ethertype, ...).
function M.number(L, tbl)
	if not L then
		return nil
	end
	local K = rawget(L, "kind")
	if K.number then
		local n = K.number(L, tbl)
		if n then
			return n
		end
	end
	local n = K.numbers[tbl]
	if type(n) == "table" then
		n = n[1]
	end
	return n
end

function M.name(L)
	return rawget(L, "kind").name
end

return M
