--- Streams of any frame (docs/STREAMS.md): a stream definition's `packet =` (built with
-- `require "packet"`), `frame =` (raw bytes), `frames =` (sent in turn) or `pcap =` (a capture
-- replayed) as engine templates, with the frame size fixed, walking or random.
local engine = require "engine"
local packet = require "packet"
local template = require "packet.template"
local config = require "pktgen.internal.config"

local M = {}

--- The keys that give a stream its frames (one of them at most).
M.SOURCES = { "packet", "frame", "frames", "pcap" }

--- Which of M.SOURCES the definition uses, or nil for one described by the port's settings.
function M.source(fname, def)
	local found
	for _, k in ipairs(M.SOURCES) do
		if def[k] ~= nil then
			if found then
				error(string.format("%s: %s and %s both give the stream's frames; give one", fname, found, k), 0)
			end
			found = k
		end
	end
	return found
end

-- Random sizes: a sequence this long of sizes drawn once, sent in turn.
local RANDOM_SIZES = 4096

--- A definition's `size` (frame sizes with FCS, as everywhere in pktgen): nil, a number,
-- {min =, max = [, step =, start =]} (a walk) or {random = {min, max}}. Returns
-- {fixed = n} | {walk = {start, min, max, step}} | {seq = {...}}, sizes with FCS.
function M.sizes(fname, v, max_frame)
	if v == nil then
		return nil
	end
	local hi = max_frame + config.FCS
	local function size(x, what)
		local n = math.tointeger(x)
		if not n or n < config.MIN_SIZE or n > hi then
			error(string.format("%s: %s %s is outside %d..%d (frame sizes with FCS)", fname, what, tostring(x), config.MIN_SIZE, hi), 0)
		end
		return n
	end
	if type(v) ~= "table" then
		return { fixed = size(v, "size") }
	end
	if v.random ~= nil then
		local r = v.random
		if type(r) ~= "table" then
			error(fname .. ": size.random must be {min, max}", 0)
		end
		local lo, top = size(r[1], "size.random[1]"), size(r[2], "size.random[2]")
		if lo > top then
			error(string.format("%s: size.random = {%d, %d}: min is above max", fname, lo, top), 0)
		end
		local seq = {}
		for i = 1, RANDOM_SIZES do
			seq[i] = math.random(lo, top)
		end
		return { seq = seq, max = top, min = lo }
	end
	local lo, top = size(v.min, "size.min"), size(v.max, "size.max")
	local step = math.tointeger(v.step or 1)
	local start = v.start ~= nil and size(v.start, "size.start") or lo
	if lo > top or start > top or start < lo or not step then
		error(string.format("%s: size = {min = %d, max = %d, start = %d, step = %s} is not min <= start <= max with a whole step",
			fname, lo, top, start, tostring(v.step)), 0)
	end
	return { walk = { start = start, min = lo, max = top, step = step }, max = top, min = lo }
end

--- Sets the spec's size walk or sequence (sizes without FCS) from M.sizes' `sz`.
function M.apply_sizes(spec, sz)
	if sz and sz.walk then
		local w = sz.walk
		spec.size = { start = w.start - config.FCS, min = w.min - config.FCS, max = w.max - config.FCS, step = w.step }
	elseif sz and sz.seq then
		spec.size_seq = {}
		for i, n in ipairs(sz.seq) do
			spec.size_seq[i] = n - config.FCS
		end
	end
end

local function is_packet(x)
	return type(x) == "table" and type(x.bytes) == "function" and type(x.layer) == "function"
end

--- Packet `p` grown to `len` bytes: its last Payload (or a new one) filled on with its pattern, so
-- the payload pattern runs to the end of every size sent; lengths and checksums refilled.
local function grown(p, len)
	local have = p:len()
	if have >= len then
		return p
	end
	local list, pattern, data = {}, "zero", ""
	for i = 1, #p do
		list[i] = p:layer(i)
	end
	local last = list[#list]
	local name = rawget(last, "kind").name
	if name == "payload" or name == "padding" then
		table.remove(list)
		local v = rawget(last, "v")
		pattern, data = v.pattern, v.data
	end
	local payload
	if pattern then
		payload = packet.Payload { size = #data + len - have, pattern = pattern }
	else
		payload = packet.Payload { data = data .. string.rep("\0", len - have) }
	end
	list[#list + 1] = payload
	return packet.stack(list)
end

--- One frame of the stream as {packet, template, fixed, hdr}: a built packet kept as built (its
-- given checksums as given), raw bytes decoded so fields can be found by name.
local function frame_of(fname, what, x, sz, lengths)
	local p, given
	if is_packet(x) then
		p, given = x, true
	elseif type(x) == "string" then
		local max = engine.max_frame()
		if #x > max then
			error(string.format("%s: %s of %d bytes is over the maximum frame of %d bytes (without FCS)", fname, what, #x, max), 0)
		end
		p, given = packet.decode(x), false
	else
		error(string.format("%s: %s must be a packet (require \"packet\") or a string of frame bytes, not %s", fname, what, type(x)), 0)
	end
	local function check(ok, e, ...)
		if not ok then
			error(string.format("%s: %s: %s", fname, what, (string.gsub(tostring(e), "^.-packet: ", ""))), 0)
		end
		return e, ...
	end
	check(pcall(p.bytes, p))
	local hdr = template.filler_at(p)
	local top = sz and (sz.max or sz.fixed) - config.FCS
	local need = sz and (sz.min or sz.fixed) - config.FCS
	if need and need < hdr then
		error(string.format("%s: %s has %d bytes of headers and given payload; size %d (with FCS) cannot hold them",
			fname, what, hdr, need + config.FCS), 0)
	end
	if top then
		p = grown(p, top)
	end
	local t, fixed = check(pcall(template.of, p, { lengths = lengths, given_kept = given }))
	if sz and sz.fixed and #t.data > top then
		error(string.format("%s: %s is %d bytes (without FCS); size %d (with FCS) cannot hold it", fname, what, #t.data, sz.fixed), 0)
	end
	-- Short frames go out padded to Ethernet's minimum; their own lengths stay.
	if #t.data < config.MIN_SIZE - config.FCS then
		t.data = t.data .. string.rep("\0", config.MIN_SIZE - config.FCS - #t.data)
	end
	return { packet = p, template = t, fixed = fixed, hdr = hdr }
end

--- The engine spec of a definition whose frames come from `source` (see M.source): templates,
-- sizes and fields; and the headers' length (where a latency stamp may start), the packet the
-- fields were found in, and the byte ranges no walking field may touch.
function M.spec(fname, def, source, sz)
	if source == "pcap" then
		if type(def.pcap) ~= "string" then
			error(fname .. ": pcap must be a file name", 0)
		end
		if sz or def.imix ~= nil then
			error(fname .. ": a capture's packets keep their own sizes; remove size/imix", 0)
		end
		return { pcap = def.pcap, pcap_gaps = def.pcap_timing == true or nil }
	end
	if def.pcap_timing ~= nil then
		error(fname .. ": pcap_timing goes with pcap = \"file.pcap\"", 0)
	end
	local list
	if source == "frames" then
		if type(def.frames) ~= "table" or #def.frames == 0 then
			error(fname .. ": frames must be a non-empty list of packets or frame bytes", 0)
		end
		if sz then
			error(fname .. ": each of frames keeps its own size; remove size/imix (or give one packet)", 0)
		end
		list = def.frames
	else
		list = { def[source] }
	end
	local lengths = sz ~= nil and sz.fixed == nil
	local spec, frames, hdr = { templates = {} }, {}, 0
	for i, x in ipairs(list) do
		local what = source == "frames" and string.format("frames[%d]", i) or source
		frames[i] = frame_of(fname, what, x, sz, lengths)
		spec.templates[i] = frames[i].template
		hdr = math.max(hdr, frames[i].hdr)
	end
	M.apply_sizes(spec, sz)
	return spec, hdr, frames
end

return M
