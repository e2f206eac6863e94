--- Packets from layers, scapy's way (`Ether{} / IPv4{} / UDP{dport = 53}` or `packet.stack{...}`),
-- numbers, lengths and checksums filled in unless given; bytes, show, fields, offsets and
-- `packet.decode`. Layer kinds are in lua/packet/*.lua, a family each; see docs/PACKET.md.
local layer = require "packet.layer"
local link = require "packet.link"
local ipv4 = require "packet.ipv4"
local ipv6 = require "packet.ipv6"
local transport = require "packet.transport"
local tunnel = require "packet.tunnel"
local payload = require "packet.payload"

local M = {}
local fail = layer.fail

--- Frames longer than this are refused: the engine's `max_frame()` when the engine is loaded,
-- else a 9000-byte MTU's jumbo frame without FCS.
M.DEFAULT_MAX_FRAME = 9018

local Packet = {}
local Methods = {}

local function constructor(K)
	return function(t)
		return layer.new(K, t, 2)
	end
end

local exported = {
	Ether = link.Ether, Dot1Q = link.Dot1Q, MPLS = link.MPLS, ARP = link.ARP,
	IPv4 = ipv4.IPv4, ICMP = ipv4.ICMP,
	IPv6 = ipv6.IPv6, HopByHop = ipv6.HopByHop, DestOpts = ipv6.DestOpts, SRH = ipv6.SRH,
	Fragment = ipv6.Fragment, ICMPv6 = ipv6.ICMPv6, ICMPv6Echo = ipv6.ICMPv6Echo,
	ICMPv6NS = ipv6.ICMPv6NS, ICMPv6NA = ipv6.ICMPv6NA,
	UDP = transport.UDP, TCP = transport.TCP,
	GRE = tunnel.GRE, VXLAN = tunnel.VXLAN, GENEVE = tunnel.GENEVE, GTPU = tunnel.GTPU,
	Padding = payload.Padding,
}
for name, K in pairs(exported) do
	M[name] = constructor(K)
end
--- Payload{data = bytes} or Payload{size = n, pattern = ...}; Payload("bytes") for short.
function M.Payload(t)
	if type(t) == "string" then
		t = { data = t }
	end
	return layer.new(payload.Payload, t, 2)
end
M.lladdr = ipv6.lladdr
M.link_local = ipv6.link_local
M.TCP_FLAGS = transport.FLAGS

local function is_packet(x)
	return getmetatable(x) == Packet
end
local function is_layer(x)
	return getmetatable(x) == layer.Layer
end

local function new_packet(layers)
	local p = setmetatable({ layers = layers }, Packet)
	for _, L in ipairs(layers) do
		rawset(L, "pkt", p)
	end
	return p
end

local function layers_of(x, level)
	if is_packet(x) then
		return rawget(x, "layers")
	elseif is_layer(x) then
		return { x }
	end
	fail(level + 1, "only layers and packets stack with /, not %s", type(x))
end

--- `a / b`: a new packet of copies of a's layers then b's (the operands stay as they were).
function layer.stack_op(a, b)
	local list = {}
	for _, x in ipairs { a, b } do
		for _, L in ipairs(layers_of(x, 3)) do
			list[#list + 1] = layer.copy(L)
		end
	end
	return new_packet(list)
end
Packet.__div = layer.stack_op

--- The list form: packet.stack{ Ether{}, IPv4{}, UDP{} } is Ether{} / IPv4{} / UDP{}.
function M.stack(list)
	if type(list) ~= "table" or #list == 0 then
		fail(2, "stack takes a list of layers, like { Ether{}, IPv4{}, UDP{} }")
	end
	local out = {}
	for i, x in ipairs(list) do
		if not (is_layer(x) or is_packet(x)) then
			fail(2, "stack: item %d is a %s, not a layer", i, type(x))
		end
		for _, L in ipairs(layers_of(x, 2)) do
			out[#out + 1] = layer.copy(L)
		end
	end
	return new_packet(out)
end

local function max_frame()
	local ok, eng = pcall(require, "engine")
	if ok and type(eng) == "table" and eng.max_frame then
		return eng.max_frame()
	end
	return M.DEFAULT_MAX_FRAME
end

--- Fills in every layer from the last to the first (a header's lengths and checksums cover
-- what follows it), then the frame's bytes and each layer's offset in them.
function Methods:_build()
	local layers = rawget(self, "layers")
	local rest = ""
	local sizes = {}
	for i = #layers, 1, -1 do
		local L = layers[i]
		local K = rawget(L, "kind")
		rawset(L, "auto", {})
		local ctx = { next = layers[i + 1], rest = rest, layers = layers, index = i }
		if K.fill then
			K.fill(L, ctx)
		end
		local hdr = layer.encode(L)
		if K.csum and rawget(L, "v").chksum == nil then
			local c = K.csum(L, hdr, rest, ctx)
			if c then
				rawget(L, "auto").chksum = c
				hdr = layer.encode(L)
			end
		end
		sizes[i] = #hdr
		rest = hdr .. rest
	end
	local off = 0
	for i, L in ipairs(layers) do
		rawset(L, "start", off)
		off = off + sizes[i]
	end
	return rest
end

--- The frame's bytes (no FCS). Errors when it is longer than the maximum frame.
function Methods:bytes()
	local b = self:_build()
	local max = max_frame()
	if #b > max then
		fail(2, "frame of %d bytes is over the maximum frame of %d bytes (without FCS)", #b, max)
	end
	return b
end

function Methods:len()
	return #self:bytes()
end

function Methods:hex()
	return (string.gsub(self:bytes(), ".", function(c) return string.format("%02x", string.byte(c)) end))
end

--- Every layer and field, one per line, as scapy's show; returns the text.
function Methods:show()
	self:_build()
	local out = {}
	for i, L in ipairs(rawget(self, "layers")) do
		out[i] = layer.show(L)
	end
	return table.concat(out, "\n") .. "\n"
end

--- The i-th layer (1 = outermost).
function Methods:layer(i)
	return rawget(self, "layers")[i]
end

--- Index of the first layer named `name` (or its n-th with "name#n") from layer `from` on.
local function find(layers, from, key)
	local name, nth = string.match(key, "^([%w_]+)#(%d+)$")
	name, nth = name or key, tonumber(nth) or 1
	for i = from, #layers do
		if layer.name(layers[i]) == name then
			nth = nth - 1
			if nth == 0 then
				return i
			end
		end
	end
end

--- Where the layers after the first tunnel (VXLAN, GENEVE, GRE, GTP-U) from `from` on begin.
local function inner_from(layers, from)
	for i = from, #layers do
		if rawget(layers[i], "kind").tunnel then
			return i + 1
		end
	end
end

local View = {}
View.__index = function(v, k)
	local layers = rawget(rawget(v, "pkt"), "layers")
	if k == "inner" then
		-- Without a tunnel the inner view is empty: p.inner.ipv4 is nil, as p.tcp is.
		local from = inner_from(layers, rawget(v, "from")) or #layers + 1
		return setmetatable({ pkt = rawget(v, "pkt"), from = from }, View)
	end
	local i = find(layers, rawget(v, "from"), k)
	return i and layers[i]
end

Packet.__index = function(p, k)
	if Methods[k] then
		return Methods[k]
	end
	return View.__index({ pkt = p, from = 1 }, k)
end

Packet.__tostring = function(p)
	return p:show()
end

Packet.__len = function(p)
	return #rawget(p, "layers")
end

--- Where the field a path names lies: {offset, width, bit, bits, fmt, layer} with its first
-- byte (0 = the frame's first), the bytes it touches, its first bit in them (0 = most
-- significant) and its width in bits, its format ("mac", "ipv4", "ipv6", "bytes" or nil for a
-- number) and its layer. Paths: "udp.sport", "inner.ipv4.dst", "ipv4#2.dst".
function Methods:locate(path, level)
	level = (level or 1) + 1
	if type(path) ~= "string" then
		fail(level, "a field path is a string like \"udp.sport\", not %s", type(path))
	end
	self:_build()
	local layers = rawget(self, "layers")
	local parts = {}
	for s in string.gmatch(path, "[^.]+") do
		parts[#parts + 1] = s
	end
	local field = table.remove(parts)
	local from, idx = 1, nil
	for _, part in ipairs(parts) do
		if part == "inner" then
			from = inner_from(layers, idx and idx + 1 or from)
			if not from then
				fail(level, "field %q: no tunnel layer (VXLAN, GENEVE, GRE, GTPU) to have an inner", path)
			end
			idx = nil
		else
			idx = find(layers, idx and idx + 1 or from, part)
			if not idx then
				fail(level, "field %q: no %s layer in this packet", path, part)
			end
		end
	end
	if not idx or not field then
		fail(level, "field %q: give a layer and a field, like \"udp.sport\"", path)
	end
	local L = layers[idx]
	local where = rawget(L, "where")[field]
	local K = rawget(L, "kind")
	if not where then
		fail(level, "field %q: %s has no field %s in its bytes", path, K.title, field)
	end
	local bit, bits = where[1], where[2]
	return { offset = rawget(L, "start") + bit // 8, width = (bit % 8 + bits + 7) // 8, bit = bit % 8,
		bits = bits, fmt = K.byname[field].fmt, layer = L }
end

--- Byte offset (0-based, from the frame's start) and width in bytes of a field named by a path
-- (as `locate`). A field narrower than its bytes also returns its first bit (0 = most
-- significant) and its width in bits.
function Methods:offset(path)
	local f = self:locate(path, 2)
	if f.bit == 0 and f.bits % 8 == 0 then
		return f.offset, f.width
	end
	return f.offset, f.width, f.bit, f.bits
end

--- The layered packet in `bytes` (a frame from Ethernet on): each layer by the number the one
-- before names it with; what no kind matches (or is malformed) is the rest, as Payload, and
-- bytes past an IP header's length as Padding.
function M.decode(bytes)
	if type(bytes) ~= "string" then
		fail(2, "decode takes the frame's bytes as a string, not %s", type(bytes))
	end
	local layers, pos, limit = {}, 1, #bytes
	local K, num = link.Ether, nil
	while pos <= limit and K do
		if K.choose then
			K = K.choose(bytes, pos)
		end
		local L, after = layer.decode(K, bytes, pos, limit)
		if not L then
			break
		end
		if K.from_number and num then
			K.from_number(rawget(L, "v"), num)
		end
		local get = function(n) return rawget(L, "v")[n] end
		if K.limit then
			limit = math.max(after - 1, math.min(limit, K.limit(get, pos)))
		end
		layers[#layers + 1] = L
		pos = after
		if K.next then
			K, num = K.next(get, bytes, pos)
		else
			K = nil
		end
	end
	if pos <= limit then
		layers[#layers + 1] = layer.new(payload.Payload, { data = string.sub(bytes, pos, limit) })
	end
	if limit < #bytes then
		layers[#layers + 1] = layer.new(payload.Padding, { data = string.sub(bytes, limit + 1) })
	end
	return new_packet(layers)
end

return M
