--- Range mode (docs/LUA_API.md, section 5): `set_range` and the `pktgen.range.*` setters; the
-- walks they set, and the stream spec, are in pktgen.internal.rangewalk.
local args = require "pktgen.internal.args"
local perport = require "pktgen.internal.perport"
local config = require "pktgen.internal.config"
local settings = require "pktgen.internal.settings"
local rangewalk = require "pktgen.internal.rangewalk"

local M = {}

local function ip_int(addr)
	return (string.unpack(">I4", addr))
end

--- Install set_range and the pktgen.range table.
function M.install(pktgen)
	local arity = args.arity

	function pktgen.set_range(...)
		arity("set_range", select("#", ...), 2)
		local pl, onoff = ...
		local on = args.onoff(onoff)
		perport.port("set_range", pl, function(p, cfg)
			if on then
				if require("pktgen.internal.portstream").sending(p) then
					print(string.format("set_range: port %d is sending, stop it before enabling range mode", p))
					return
				end
				cfg.random = false
				settings.mode(cfg, "range")
			elseif cfg.mode == "range" then
				settings.mode(cfg, "single")
			end
		end)
	end

	local range = {}
	pktgen.range = range

	-- A range setter (pl, what, value): parse(name, value, what, cfg) -> stored value.
	local function field(name, key, parse)
		local fname = "range." .. name
		rangewalk.FIELDS[name] = { key = key, parse = parse }
		range[name] = function(...)
			arity(fname, select("#", ...), 3)
			local pl, what, value = ...
			perport.setter(fname, pl, function(_, cfg)
				rangewalk.set_field(cfg, name, what, value, fname)
			end)
		end
	end

	local function mac(fname, v)
		return (string.unpack(">I6", args.mac(fname, v)))
	end
	field("dst_mac", "dst_mac", mac)
	field("src_mac", "src_mac", mac)

	local function ip(which)
		return function(cfg)
			return cfg.range.eth_type == "ipv6" and cfg.range[which .. "6"] or cfg.range[which]
		end, function(fname, v, _, cfg)
			local a = args.ip(fname, v)
			if cfg.range.eth_type == "ipv6" then
				if a.v ~= 6 then
					error(string.format("%s: the range template is IPv6, '%s' is not an IPv6 address", fname, v), 0)
				end
				return a.addr
			end
			if a.v ~= 4 then
				error(string.format("%s: the range template is IPv4, '%s' is not an IPv4 address", fname, v), 0)
			end
			return ip_int(a.addr)
		end
	end
	field("src_ip", ip("src_ip"))
	field("dst_ip", ip("dst_ip"))

	local function capped(bits, inc_cap, lo, hi)
		return function(fname, v, w)
			local n = args.uint(fname, v, "value")
			if w == "inc" then
				return inc_cap and math.min(n, inc_cap) or n & ((1 << bits) - 1)
			end
			n = n & ((1 << bits) - 1)
			if lo and (n < lo or n > hi) then
				return lo
			end
			return n
		end
	end
	field("src_port", "src_port", capped(16, rangewalk.MAX_PORT_INC))
	field("dst_port", "dst_port", capped(16, rangewalk.MAX_PORT_INC))
	field("ttl", "ttl", capped(8))
	field("hop_limits", "hop_limits", capped(8))
	field("vlan_id", "vlan_id", function(fname, v, w)
		local n = args.uint(fname, v, "VLAN id")
		if w == "inc" then
			return math.min(n, rangewalk.MAX_VLAN_INC)
		end
		return (n < 1 or n > 4095) and 1 or n
	end)
	field("cos", "cos", capped(3, rangewalk.MAX_COS_INC))
	field("tos", "tos", capped(8))
	field("traffic_class", "traffic_class", capped(8))
	field("pkt_size", "pkt_size", function(fname, v, w, cfg)
		if w == "inc" then
			return args.uint(fname, v, "size")
		end
		-- A size, as set's: clamped as Pktgen clamps, NaN, infinities and negatives refused.
		local et = cfg.range.eth_type
		return args.ranged(fname, v, "size", config.min_size(et), config.max_size(), { clamp = true, int = true })
	end)

	function range.set_type(...)
		arity("range.set_type", select("#", ...), 2)
		local pl, t = ...
		local et = settings.parse_type(t)
		perport.setter("range.set_type", pl, function(_, cfg)
			local r = cfg.range
			r.eth_type = et
			if et == "ipv6" then
				local sz = r.pkt_size
				sz.start = math.max(sz.start, config.MIN_SIZE_V6)
				sz.min = math.max(sz.min, config.MIN_SIZE_V6)
				sz.max = math.max(sz.max, config.MIN_SIZE_V6)
			end
		end)
	end

	function range.ip_proto(...)
		arity("range.ip_proto", select("#", ...), 2)
		local pl, proto = ...
		local pr = settings.parse_proto(proto)
		perport.setter("range.ip_proto", pl, function(_, cfg)
			cfg.range.proto = pr
			if pr == "icmp" then
				cfg.range.eth_type = "ipv4"
			end
		end)
	end

	-- MPLS entry, Q-in-Q ids and GRE key are single values of the port (Pktgen keeps them in
	-- port_info, used by every mode), despite living in pktgen.range.
	function range.mpls_entry(...)
		arity("range.mpls_entry", select("#", ...), 2)
		local pl, hex = ...
		-- strtoul(.., 16) as Pktgen: an optional 0x prefix; a Lua number is read as its text.
		local text = string.gsub(tostring(hex), "^%s*0[xX]", "")
		local v = tonumber(text, 16)
		if not v then
			error(string.format("range.mpls_entry: invalid hex value '%s'", tostring(hex)), 0)
		end
		perport.setter("range.mpls_entry", pl, function(_, cfg) cfg.pkt.mpls_entry = v & 0xffffffff end)
	end

	function range.qinqids(...)
		arity("range.qinqids", select("#", ...), 3)
		local pl, outer, inner = ...
		local function id(v)
			local n = args.uint("range.qinqids", v, "id")
			return (n < 1 or n > 4095) and 1 or n
		end
		outer, inner = id(outer), id(inner)
		perport.setter("range.qinqids", pl, function(_, cfg) cfg.pkt.qinq_outer, cfg.pkt.qinq_inner = outer, inner end)
	end

	function range.gre_key(...)
		arity("range.gre_key", select("#", ...), 2)
		local pl, key = ...
		key = args.uint("range.gre_key", key, "key")
		perport.setter("range.gre_key", pl, function(_, cfg) cfg.pkt.gre_key = key end)
	end
end

return M
