--- A built packet as an engine stream template (docs/ENGINE_MODULE.md): its bytes with the
-- checksums and length fields the engine keeps right when fields walk or sizes change, and the
-- byte ranges under checksums the engine cannot keep (so walking fields there can be refused).
local layer = require "packet.layer"

local M = {}

local L4 = { udp = "udp", tcp = "tcp", icmp = "icmp", icmpv6 = "icmpv6" }

--- The pseudo-header destination an SRH puts in place of IPv6's (its final segment), if it
-- differs from IPv6's own: the engine sums IPv6's destination, so such a checksum is not its.
local function srh_final(layers, from, to)
	for j = from + 1, to - 1 do
		local K = layers[j]
		if layer.name(K) == "srh" then
			local segs = layer.get(K, "segments")
			local final = segs and segs[1]
			if final and final ~= layer.get(layers[from], "dst") then
				return final
			end
		end
	end
end

--- `{data, checksums, lengths}` for the engine, and the list of `{from, to, why}` byte ranges
-- whose checksum stays as built. `opts.lengths`: declare length fields (for frames whose size
-- changes); `opts.given_kept`: checksums the packet was given (or decoded with) stay as they
-- are, else every checksum the layers carry is declared.
function M.of(p, opts)
	opts = opts or {}
	local data = p:bytes()
	local layers = {}
	for i = 1, #p do
		layers[i] = p:layer(i)
	end
	local sums, lengths, fixed = {}, {}, {}
	local ip -- index of the nearest IP layer so far
	local function given(L, name)
		return opts.given_kept and rawget(L, "v")[name] ~= nil
	end
	for i, L in ipairs(layers) do
		local name, at = layer.name(L), rawget(L, "start")
		local len_given = given(L, "len")
		if name == "ipv4" then
			ip = i
			if not given(L, "chksum") then
				sums[#sums + 1] = { kind = "ipv4", l3 = at }
			end
			if opts.lengths and not len_given then
				lengths[#lengths + 1] = { offset = at + 2, adjust = at }
			end
		elseif name == "ipv6" then
			ip = i
			if opts.lengths and not given(L, "plen") then
				lengths[#lengths + 1] = { offset = at + 4, adjust = at + 40 }
			end
		elseif name == "udp" and opts.lengths and not len_given then
			lengths[#lengths + 1] = { offset = at + 4, adjust = at }
		elseif name == "gtpu" and opts.lengths and not len_given then
			lengths[#lengths + 1] = { offset = at + 2, adjust = at + 8 }
		end
		local kind = L4[name]
		if kind and ip and not given(L, "chksum") then
			local l3 = rawget(layers[ip], "start")
			local v4 = layer.name(layers[ip]) == "ipv4"
			if (kind == "icmp" and not v4) or (kind == "icmpv6" and v4) then
				kind = nil -- ICMP over IPv6 or ICMPv6 over IPv4: nothing the engine sums
			end
			local final = layer.name(layers[ip]) == "ipv6" and srh_final(layers, ip, i)
			if final then
				fixed[#fixed + 1] = { from = at, to = #data, why = string.format(
					"%s's checksum covers an SRH's final segment (%s), which the engine does not sum",
					rawget(L, "kind").title, final) }
			elseif kind then
				sums[#sums + 1] = { kind = kind, l3 = l3, l4 = at }
			end
		elseif name == "gre" and layer.get(L, "c") == 1 and not given(L, "chksum") then
			fixed[#fixed + 1] = { from = at, to = #data, why = "GRE's checksum is not one the engine computes" }
		end
	end
	-- The engine computes them in order: the innermost (furthest into the frame) first.
	table.sort(sums, function(a, b) return (a.l4 or a.l3) > (b.l4 or b.l3) end)
	return { data = data, checksums = sums, lengths = lengths }, fixed
end

--- Where the bytes a latency stamp may overwrite begin: a payload made to a size from a
-- pattern (Payload{size =, pattern =}) is filler; headers and given bytes (Payload "...") are
-- not, so a packet without filler has no room (the frame's length).
function M.filler_at(p)
	local data = p:bytes()
	for i = 1, #p do
		local L = p:layer(i)
		local v = rawget(L, "v")
		if layer.name(L) == "payload" and (v.pattern ~= nil or v.size ~= nil) then
			return rawget(L, "start")
		end
	end
	return #data
end

return M
