--- UDP and TCP kinds for the packet library: ports, lengths and pseudo-header checksums filled
-- in unless given; UDP's destination port names a tunnel above it (VXLAN 4789, GENEVE 6081,
-- GTP-U 2152); TCP flags by name and options as a list ({"mss", 1460}, {"sack_ok"}, ...).
local layer = require "packet.layer"
local checksum = require "packet.checksum"

local M = {}
local auto, get, number = layer.auto, layer.get, layer.number

M.UDP = layer.kind {
	name = "udp", title = "UDP",
	fields = {
		{ "sport", 16, default = 1234 },
		{ "dport", 16, auto = true },
		{ "len", 16, auto = true },
		{ "chksum", 16, auto = true, hex = true },
	},
	numbers = { ipproto = 17 },
	fill = function(L, ctx)
		auto(L, "dport", number(ctx.next, "udpport") or 5678)
		auto(L, "len", 8 + #ctx.rest)
		auto(L, "chksum", 0)
	end,
	-- A computed 0 is sent as 0xffff: 0 means "no checksum" (RFC 768).
	csum = function(_, hdr, rest, ctx)
		local c = checksum.upper(ctx, 17, hdr, rest)
		return c == 0 and 0xffff or c or 0
	end,
	next = function(g) return layer.by.udpport[g("dport")], g("dport") end,
}

M.FLAGS = { F = 0x01, S = 0x02, R = 0x04, P = 0x08, A = 0x10, U = 0x20, E = 0x40, C = 0x80 }
local names = { fin = "F", syn = "S", rst = "R", psh = "P", ack = "A", urg = "U", ece = "E", cwr = "C" }
local order = "FSRPAUEC"

--- Flags as letters ("SA"), names ({"syn", "ack"} or "syn,ack") or a number.
local function flags(x)
	if math.tointeger(x) then
		x = math.tointeger(x)
		return (x >= 0 and x <= 0xff) and x or nil, "out of range 0..255"
	end
	local list = {}
	if type(x) == "table" then
		list = x
	elseif type(x) == "string" then
		if string.match(x, "^[FSRPAUEC]*$") then
			for c in string.gmatch(x, ".") do
				list[#list + 1] = c
			end
		else
			for n in string.gmatch(x, "[^,%s|]+") do
				list[#list + 1] = n
			end
		end
	else
		return nil, "flags are letters (\"SA\"), names ({\"syn\", \"ack\"}) or a number"
	end
	local bits = 0
	for _, n in ipairs(list) do
		local letter = names[string.lower(tostring(n))] or (M.FLAGS[n] and n)
		if not letter then
			return nil, "unknown flag " .. tostring(n) .. " (fin syn rst psh ack urg ece cwr, or F S R P A U E C)"
		end
		bits = bits | M.FLAGS[letter]
	end
	return bits
end

local function flags_text(bits)
	local s = {}
	for i = 1, 8 do
		local c = string.sub(order, i, i)
		if bits & M.FLAGS[c] ~= 0 then
			s[#s + 1] = c
		end
	end
	return string.format("0x%02x %s", bits, table.concat(s))
end

-- TCP option kinds by name: {kind, fixed length, pack format of the value(s)}.
local OPTS = {
	eol = { 0 }, nop = { 1 },
	mss = { 2, 4, ">I2" }, wscale = { 3, 3, "B" }, sack_ok = { 4, 2 }, timestamp = { 8, 10, ">I4I4" },
}
local BY_KIND = {}
for n, o in pairs(OPTS) do
	BY_KIND[o[1]] = n
end

local function norm_options(list)
	if type(list) ~= "table" then
		return nil, "a list like { {\"mss\", 1460}, {\"sack_ok\"}, {\"timestamp\", 1, 0} }"
	end
	local out, len = {}, 0
	for i, o in ipairs(list) do
		if type(o) == "string" then
			o = { o }
		end
		local name = type(o) == "table" and o[1]
		local spec = OPTS[name]
		if name == "raw" then
			if not math.tointeger(o[2]) or o[2] < 0 or o[2] > 255 or type(o[3] or "") ~= "string" then
				return nil, "option " .. i .. ": {\"raw\", kind 0..255, bytes}"
			end
			out[i] = { "raw", o[2], o[3] or "" }
			len = len + 2 + #out[i][3]
		elseif not spec then
			return nil, "option " .. i .. ": unknown (eol, nop, mss, wscale, sack_ok, timestamp, raw)"
		else
			local vals = { name }
			for k = 2, (spec[3] and #string.gsub(spec[3], "[>%d]", "") + 1 or 1) do
				local n = math.tointeger(o[k] or 0)
				if not n or n < 0 or n > 0xffffffff then
					return nil, "option " .. i .. " (" .. name .. "): value " .. tostring(o[k]) .. " out of range"
				end
				vals[k] = n
			end
			if spec[3] then
				local ok = pcall(string.pack, spec[3], table.unpack(vals, 2))
				if not ok then
					return nil, "option " .. i .. " (" .. name .. "): value out of range"
				end
			end
			out[i] = vals
			len = len + (spec[2] or 1)
		end
	end
	-- Padded with EOL to a 4-byte boundary, as a decoder will see it.
	while len % 4 ~= 0 do
		out[#out + 1] = { "eol" }
		len = len + 1
	end
	if len > 40 then
		return nil, len .. " bytes of options, over the 40 a TCP header holds"
	end
	return out
end

local function enc_options(list)
	local b = {}
	for i, o in ipairs(list) do
		if o[1] == "raw" then
			b[i] = string.char(o[2], 2 + #o[3]) .. o[3]
		else
			local spec = OPTS[o[1]]
			b[i] = spec[2] and (string.char(spec[1], spec[2]) .. (spec[3] and string.pack(spec[3], table.unpack(o, 2)) or ""))
				or string.char(spec[1])
		end
	end
	return table.concat(b)
end

local function dec_options(raw)
	local out, i = {}, 1
	while i <= #raw do
		local kind = string.byte(raw, i)
		local name = BY_KIND[kind]
		if kind <= 1 then
			out[#out + 1] = { name }
			i = i + 1
		else
			local len = string.byte(raw, i + 1)
			if not len or len < 2 or i + len - 1 > #raw then
				return nil
			end
			local spec = OPTS[name]
			if spec and spec[2] == len then
				local o = { name }
				if spec[3] then
					local v = { string.unpack(spec[3], raw, i + 2) }
					table.move(v, 1, #v - 1, 2, o)
				end
				out[#out + 1] = o
			else
				out[#out + 1] = { "raw", kind, string.sub(raw, i + 2, i + len - 1) }
			end
			i = i + len
		end
	end
	return out
end

local function options_text(list)
	local s = {}
	for i, o in ipairs(list) do
		if o[1] == "raw" then
			s[i] = string.format("raw(%d, %d bytes)", o[2], #o[3])
		elseif #o > 1 then
			s[i] = o[1] .. "(" .. table.concat(o, ",", 2) .. ")"
		else
			s[i] = o[1]
		end
	end
	return "[" .. table.concat(s, ", ") .. "]"
end

M.TCP = layer.kind {
	name = "tcp", title = "TCP",
	fields = {
		{ "sport", 16, default = 1234 },
		{ "dport", 16, default = 80 },
		{ "seq", 32, default = 0 },
		{ "ack", 32, default = 0 },
		{ "dataofs", 4, auto = true },
		{ "reserved", 4, default = 0 },
		{ "flags", 8, default = M.FLAGS.S, norm = flags, show = flags_text },
		{ "window", 16, default = 8192 },
		{ "chksum", 16, auto = true, hex = true },
		{ "urgptr", 16, default = 0 },
		{ "options", default = function() return {} end, norm = norm_options, enc = enc_options,
			dec = dec_options, show = options_text, len = function(g) return g("dataofs") * 4 - 20 end },
	},
	numbers = { ipproto = 6 },
	valid = function(v) return v.dataofs >= 5 end,
	fill = function(L)
		auto(L, "dataofs", 5 + #enc_options(get(L, "options")) // 4)
		auto(L, "chksum", 0)
	end,
	csum = function(_, hdr, rest, ctx) return checksum.upper(ctx, 6, hdr, rest) or 0 end,
}

return M
