--- Range mode's walks (docs/LUA_API.md, section 5): the fields `pktgen.range.*` sets (FIELDS,
-- filled by pktgen.api.range) and the engine stream spec that walks each field with a non-zero
-- increment (engine `fields` and `size`).
local config = require "pktgen.internal.config"

local M = {}

M.MAX_PORT_INC = 64
M.MAX_VLAN_INC = 64
M.MAX_COS_INC = 7

--- Pktgen's `what` words (case-sensitive); anything else is silently ignored.
local WHAT = { start = "start", min = "min", minimum = "min", max = "max", maximum = "max",
	inc = "inc", increment = "inc" }

local function low32(addr)
	return (string.unpack(">I4", addr, 13))
end

--- The values walk `f` visits in a cycle, start first, as 4-byte addresses; nil past `limit` of them.
local function visits(f, limit)
	local seen, out, v = {}, {}, f.start
	-- Without an increment the field is not walked at all: only start is sent.
	while not seen[v] and (f.inc ~= 0 or #out == 0) do
		if #out >= limit then
			return nil
		end
		seen[v], out[#out + 1] = true, string.pack(">I4", v)
		-- As the engine walks: past max to min, below min to max.
		v = v + f.inc
		if v > f.max then
			v = f.min
		elseif v < f.min then
			v = f.max
		end
	end
	return out
end

--- The range fields by their pktgen.range names: {key, parse} (filled by M.install).
M.FIELDS = {}

--- Sets `what` ("start", "min", "max", "inc" or Pktgen's other spellings; anything else is
-- ignored, as Pktgen does) of range field `name` in `cfg` to `value`; `fname` names the caller
-- in errors.
function M.set_field(cfg, name, what, value, fname)
	local fd = M.FIELDS[name]
	if not fd then
		error(string.format("%s: no range field '%s'", fname, tostring(name)), 0)
	end
	local w = WHAT[what]
	if w then
		local f = type(fd.key) == "function" and fd.key(cfg) or cfg.range[fd.key]
		f[w] = fd.parse(fname, value, w, cfg)
	end
end

--- The engine stream spec for a port in range mode, and the packet description of its first
-- frame (the walks' start values).
function M.spec(cfg)
	local streamspec = require "pktgen.internal.streamspec"
	local r = cfg.range
	local pkt = config.copy_pkt(cfg.pkt)
	pkt.eth_type, pkt.proto = r.eth_type, r.proto
	-- mac_from_arp, as in the other modes: the MAC learned for the destination, when every
	-- address the walk visits learned the same one (the engine cannot pick a MAC per packet).
	local learned = pkt.eth_type == "ipv4" and require("pktgen.internal.responder").learned_mac(cfg.pid, function(limit)
		return visits(r.dst_ip, limit)
	end)
	pkt.dst_mac = learned or string.pack(">I6", r.dst_mac.start)
	pkt.src_mac = string.pack(">I6", r.src_mac.start)
	pkt.dst_ip = { v = 4, addr = string.pack(">I4", r.dst_ip.start) }
	pkt.src_ip = { v = 4, addr = string.pack(">I4", r.src_ip.start), prefix = cfg.pkt.src_ip.prefix }
	pkt.dst_ip6 = { v = 6, addr = r.dst_ip6.start }
	pkt.src_ip6 = { v = 6, addr = r.src_ip6.start }
	pkt.sport, pkt.dport = r.src_port.start, r.dst_port.start
	pkt.vlanid, pkt.cos = r.vlan_id.start, r.cos.start
	pkt.gtpu_teid = r.gtpu_teid.start
	local v6 = pkt.eth_type == "ipv6"
	pkt.ttl = v6 and r.hop_limits.start or r.ttl.start
	pkt.tos = v6 and r.traffic_class.start or r.tos.start
	local sz = r.pkt_size
	pkt.size = config.clamp_size(sz.start, pkt.eth_type)
	if sz.inc ~= 0 then
		-- Build the template at the walk's largest size, so the fill pattern runs to the end of
		-- every frame instead of the engine's zero padding.
		pkt.size = math.max(pkt.size, config.clamp_size(sz.max, pkt.eth_type))
	end
	local t, off = streamspec.frame(pkt)
	local fields = {}
	local function walk(f, offset, width)
		if f.inc ~= 0 and offset then
			fields[#fields + 1] = { offset = offset, width = width, start = f.start, min = f.min,
				max = f.max, step = f.inc }
		end
	end
	if not learned then
		walk(r.dst_mac, 0, 6)
	end
	walk(r.src_mac, 6, 6)
	if pkt.eth_type ~= "arp" then
		if v6 then
			local function walk6(f, offset)
				if low32(f.inc) ~= 0 then
					fields[#fields + 1] = { offset = offset + 12, width = 4, start = low32(f.start),
						min = low32(f.min), max = low32(f.max), step = low32(f.inc) }
				end
			end
			walk6(r.src_ip6, off.l3 + 8)
			walk6(r.dst_ip6, off.l3 + 24)
			walk(r.hop_limits, off.l3 + 7, 1)
		else
			walk(r.src_ip, off.l3 + 12, 4)
			walk(r.dst_ip, off.l3 + 16, 4)
			walk(r.ttl, off.l3 + 8, 1)
			walk(r.tos, off.l3 + 1, 1)
		end
		if pkt.proto ~= "icmp" then
			walk(r.src_port, off.l4, 2)
			walk(r.dst_port, off.l4 + 2, 2)
		end
	end
	if off.vlan then
		-- The TCI holds cos (3 bits) and the VLAN id (12 bits); walk the id under the start cos.
		local pcp = (r.cos.start & 7) << 13
		local v = r.vlan_id
		if v.inc ~= 0 then
			fields[#fields + 1] = { offset = off.vlan + 2, width = 2, start = pcp | v.start, min = pcp | v.min,
				max = pcp | v.max, step = v.inc }
		end
	end
	local teid = r.gtpu_teid
	if off.gtpu and teid.inc ~= 0 then
		fields[#fields + 1] = { offset = off.gtpu + 4, width = 4, start = teid.start, min = teid.min,
			max = teid.max, step = teid.inc }
	end
	local spec = { templates = { t }, fields = fields, rate = streamspec.rate(cfg), count = cfg.count, burst = cfg.tx_burst }
	if sz.inc ~= 0 then
		-- Never shorter than the headers (an encapsulated frame may not fit in 64 bytes), so
		-- every size of the walk is a well-formed packet.
		local lo = math.max(config.clamp_size(sz.min, pkt.eth_type) - config.FCS, off.hdr)
		local hi = math.max(config.clamp_size(sz.max, pkt.eth_type) - config.FCS, lo)
		local start = math.max(lo, math.min(hi, config.clamp_size(sz.start, pkt.eth_type) - config.FCS))
		spec.size = { start = start, min = lo, max = hi, step = sz.inc }
	end
	return spec, pkt
end

return M
