--- The field engine by name: a stream's `fields = {{"ipv4.src", inc = {min, max, step}}, ...}`
-- turned into engine fields (docs/STREAMS.md). A field is found in the stream's packet by its
-- path (or given as {offset =, width =}), its values read in its own format (addresses as text),
-- and laid into the 1, 2, 4 or 6 bytes the engine rewrites, other bits in them kept.
local addr = require "packet.addr"

local M = {}

local WIDTHS = { 1, 2, 4, 6 }

--- `raw` (a big-endian byte string) as an integer.
local function int_of(raw)
	local v = 0
	for i = 1, #raw do
		v = (v << 8) | string.byte(raw, i)
	end
	return v
end

--- A value of field `f` (its format, its width in bits) as an integer, or the address bytes of an
-- IPv6 value (whose low 48 bits walk).
local function value(fname, what, f, x)
	if math.type(x) == "float" and x == math.floor(x) then
		x = math.tointeger(x)
	end
	if math.type(x) == "integer" then
		if x < 0 or (f.bits < 64 and x >= (1 << f.bits)) then
			error(string.format("%s: %s = %d is out of range 0..%d", fname, what, x, (1 << f.bits) - 1), 0)
		end
		return x
	end
	if type(x) == "string" and (f.fmt == "ipv4" or f.fmt == "mac" or f.fmt == "ipv6") then
		local raw, why = addr[f.fmt](x)
		if not raw then
			error(string.format("%s: %s = %q: %s", fname, what, x, why or "not an address"), 0)
		end
		return f.fmt == "ipv6" and raw or int_of(raw)
	end
	error(string.format("%s: %s = %s is not a %s", fname, what, tostring(x),
		f.fmt and (f.fmt .. " address or an integer") or "non-negative integer"), 0)
end

--- IPv6 values walk in their low 48 bits: the top 80 must be the same in every bound, and they
-- are written into the template. Returns the low parts.
local function low48(fname, what, f, data, vals)
	local top = string.sub(data, f.offset + 1, f.offset + 10)
	for _, raw in ipairs(vals) do
		if type(raw) == "string" then
			top = string.sub(raw, 1, 10)
			break
		end
	end
	local out = {}
	for i, raw in ipairs(vals) do
		if type(raw) ~= "string" then
			out[i] = raw
		elseif string.sub(raw, 1, 10) ~= top then
			error(string.format("%s: %s: IPv6 values walk in their low 48 bits; %s differs above them from the others",
				fname, what, addr.ipv6_text(raw)), 0)
		else
			out[i] = int_of(string.sub(raw, 11))
		end
	end
	data = string.sub(data, 1, f.offset) .. top .. string.sub(data, f.offset + 11)
	return out, data
end

--- The window of 1, 2, 4 or 6 bytes that ends with the field's last byte: its offset, width, the
-- field's shift in it and the mask of its bits.
local function window(fname, what, f)
	local first = f.offset * 8 + f.bit
	local stop = first + f.bits
	local last = (stop + 7) // 8
	for _, w in ipairs(WIDTHS) do
		if w * 8 >= last * 8 - first and last - w >= 0 then
			local shift = last * 8 - stop
			return last - w, w, shift, ((1 << f.bits) - 1) << shift
		end
	end
	error(string.format("%s: %s is %d bits wide; fields walk in at most 48 bits (give {offset =, width =} for part of it)",
		fname, what, f.bits), 0)
end

--- The operation of entry `e`: kind ("inc", "dec", "random", "sequence") and its arguments.
local function operation(fname, what, e)
	local found
	for _, k in ipairs({ "inc", "dec", "random", "sequence" }) do
		if e[k] ~= nil then
			if found then
				error(string.format("%s: %s has both %s and %s; give one", fname, what, found, k), 0)
			end
			found = k
		end
	end
	if not found then
		error(string.format("%s: %s needs inc = {min, max[, step]}, dec = {min, max[, step]}, random = {min, max} or sequence = start", fname, what), 0)
	end
	local a = e[found]
	if found ~= "sequence" and (type(a) ~= "table" or a[1] == nil or a[2] == nil) then
		error(string.format("%s: %s.%s must be {min, max%s}", fname, what, found, found == "random" and "" or "[, step]"), 0)
	end
	return found, a
end

local KEYS = { [1] = true, offset = true, width = true, inc = true, dec = true, random = true, sequence = true,
	every = true, start = true }

--- Where entry `e` points in packet `p`: {offset, width, bit, bits, fmt} and a name for messages.
local function locate(fname, i, e, p)
	for k in pairs(e) do
		if not KEYS[k] then
			error(string.format("%s: fields[%d] has an unknown key '%s' (a path or offset/width, inc/dec/random/sequence, every, start)",
				fname, i, tostring(k)), 0)
		end
	end
	if e[1] ~= nil then
		if e.offset ~= nil then
			error(string.format("%s: fields[%d] gives both a path and an offset; give one", fname, i), 0)
		end
		local ok, f = pcall(p.locate, p, e[1])
		if not ok then
			error(string.format("%s: fields[%d]: %s", fname, i, tostring(f):gsub("^packet: ", "")), 0)
		end
		return f, string.format("fields[%d] (%s)", i, e[1])
	end
	local what = string.format("fields[%d]", i)
	local off, w = math.tointeger(e.offset), math.tointeger(e.width)
	if not off or off < 0 or not w or w < 1 or w > 16 then
		error(string.format("%s: %s needs a path like \"ipv4.src\", or offset = bytes from the frame's start and width = 1..16 bytes",
			fname, what), 0)
	end
	return { offset = off, width = w, bit = 0, bits = w * 8, fmt = w == 16 and "ipv6" or nil }, what
end

--- Engine fields for `entries` on packet `p` whose template bytes are `data`; `fixed` lists the
-- byte ranges under checksums the engine cannot keep. Returns the fields and the data (IPv6
-- walks write their fixed top bits into it).
function M.fields(fname, entries, p, data, fixed)
	if type(entries) ~= "table" then
		error(fname .. ": fields must be a list like {{\"ipv4.src\", inc = {\"10.0.0.1\", \"10.0.0.255\"}}}", 0)
	end
	local out = {}
	for i, e in ipairs(entries) do
		if type(e) ~= "table" then
			error(string.format("%s: fields[%d] must be a table like {\"udp.sport\", random = {1024, 65535}}", fname, i), 0)
		end
		local f, what = locate(fname, i, e, p)
		if f.offset + f.width > #data then
			error(string.format("%s: %s at offset %d (%d bytes) goes past the %d-byte frame", fname, what, f.offset, f.width, #data), 0)
		end
		for _, r in ipairs(fixed or {}) do
			if f.offset < r.to and f.offset + f.width > r.from then
				error(string.format("%s: %s cannot walk: %s; give that checksum a value to send it fixed", fname, what, r.why), 0)
			end
		end
		local kind, a = operation(fname, what, e)
		local vals
		if kind == "sequence" then
			local s = a == true and 0 or a
			vals = { value(fname, what .. ".sequence", f, s) }
		else
			vals = { value(fname, what .. "." .. kind .. "[1]", f, a[1]), value(fname, what .. "." .. kind .. "[2]", f, a[2]) }
			if e.start ~= nil then
				vals[3] = value(fname, what .. ".start", f, e.start)
			end
		end
		if f.bits > 48 then
			vals, data = low48(fname, what, f, data, vals)
			f = { offset = f.offset + f.width - 6, width = 6, bit = 0, bits = 48 }
		end
		local off, w, shift, mask = window(fname, what, f)
		local all = (1 << (8 * w)) - 1
		local other = int_of(string.sub(data, off + 1, off + w)) & ~mask & all
		local field = { offset = off, width = w }
		local lo, hi = vals[1], vals[2]
		if kind == "random" then
			if lo > hi then
				error(string.format("%s: %s.random = {%s, %s}: min is above max", fname, what, tostring(a[1]), tostring(a[2])), 0)
			end
			field.uniform, field.shift, field.keep = { lo, hi }, shift, all & ~mask
		else
			local step = 1
			if kind == "sequence" then
				lo, hi = 0, (1 << f.bits) - 1
				field.start = other | (vals[1] << shift)
			else
				if lo > hi then
					error(string.format("%s: %s.%s = {%s, %s}: min is above max", fname, what, kind, tostring(a[1]), tostring(a[2])), 0)
				end
				step = math.tointeger(a[3] or 1)
				if not step or step < 0 then
					error(string.format("%s: %s.%s step must be a whole number of 0 or more (dec counts down by it)", fname, what, kind), 0)
				end
				local start = vals[3] or (kind == "inc" and lo or hi)
				if start < lo or start > hi then
					error(string.format("%s: %s.start is outside {min, max}", fname, what), 0)
				end
				field.start = other | (start << shift)
			end
			field.min, field.max = other | (lo << shift), other | (hi << shift)
			field.step = (kind == "dec" and -step or step) << shift
		end
		if e.every ~= nil then
			local n = math.tointeger(e.every)
			if not n or n < 1 or kind == "random" then
				error(string.format("%s: %s.every must be a whole number of packets, 1 or more, on inc, dec or sequence", fname, what), 0)
			end
			field.every = n
		end
		out[#out + 1] = field
	end
	return out, data
end

return M
