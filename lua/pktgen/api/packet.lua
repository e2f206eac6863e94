--- The single packet's settings (docs/LUA_API.md, section 2): set, set_mac, set_ipaddr,
-- set_proto, set_type, set_tcp_flags, vlanid, cos, tos, pattern and userPattern. A change reaches
-- a port that sends forever at once (pktgen.internal.perport).
local args = require "pktgen.internal.args"
local perport = require "pktgen.internal.perport"
local settings = require "pktgen.internal.settings"

local M = {}

function M.install(pktgen)
	local arity = args.arity

	function pktgen.set(...)
		arity("set", select("#", ...), 3)
		local pl, key, value = ...
		perport.setter("set", pl, function(_, cfg)
			settings.set(cfg, key, value)
		end)
	end

	function pktgen.set_mac(...)
		arity("set_mac", select("#", ...), 3)
		local pl, which, mac = ...
		local m = args.mac("set_mac", mac)
		perport.setter("set_mac", pl, function(_, cfg)
			if which == "src" then
				cfg.pkt.src_mac = m
			elseif which == "dst" then
				cfg.pkt.dst_mac = m
			end
		end)
	end

	function pktgen.set_ipaddr(...)
		arity("set_ipaddr", select("#", ...), 3)
		local pl, which, text = ...
		local ip = args.ip("set_ipaddr", text)
		local w = string.lower(string.sub(tostring(which), 1, 1))
		perport.setter("set_ipaddr", pl, function(p, cfg)
			settings.ipaddr(cfg.pkt, w, ip)
			-- The responder answers for the source addresses as they are now.
			require("pktgen.internal.responder").apply(p, cfg)
		end)
	end

	function pktgen.set_proto(...)
		arity("set_proto", select("#", ...), 2)
		local pl, proto = ...
		perport.setter("set_proto", pl, function(_, cfg)
			settings.proto(cfg.pkt, proto)
		end)
	end

	function pktgen.set_type(...)
		arity("set_type", select("#", ...), 2)
		local pl, t = ...
		perport.setter("set_type", pl, function(_, cfg)
			settings.eth_type(cfg.pkt, settings.parse_type(t))
		end)
	end

	function pktgen.set_tcp_flags(...)
		arity("set_tcp_flags", select("#", ...), 2)
		local pl, flags = ...
		local bits = require("proto.tcp").parse_flags(tostring(flags))
		perport.setter("set_tcp_flags", pl, function(_, cfg)
			cfg.pkt.tcp_flags = bits
		end)
	end

	function pktgen.vlanid(...)
		arity("vlanid", select("#", ...), 2)
		local pl, id = ...
		id = args.uint("vlanid", id, "VLAN id")
		if id < 1 or id > 4095 then
			id = 1
		end
		perport.setter("vlanid", pl, function(_, cfg)
			cfg.pkt.vlanid = id
		end)
	end

	function pktgen.cos(...)
		arity("cos", select("#", ...), 3)
		local pl, _, cos = ...
		cos = args.uint("cos", cos, "cos")
		if cos > 7 then
			cos = 0
		end
		perport.setter("cos", pl, function(_, cfg)
			cfg.pkt.cos = cos
		end)
	end

	function pktgen.tos(...)
		arity("tos", select("#", ...), 2)
		local pl, tos = ...
		tos = args.uint("tos", tos, "tos", 8)
		perport.setter("tos", pl, function(_, cfg)
			cfg.pkt.tos = tos
		end)
	end

	function pktgen.pattern(...)
		arity("pattern", select("#", ...), 2)
		local pl, kind = ...
		local k = string.lower(tostring(kind))
		local pat = (string.sub(k, 1, 3) == "abc" and "abc") or (string.sub(k, 1, 4) == "none" and "none")
			or (string.sub(k, 1, 4) == "user" and "user") or (string.sub(k, 1, 4) == "zero" and "zero")
		if not pat then
			error(string.format("pattern: unknown pattern type '%s' (abc, none, user or zero)", tostring(kind)), 0)
		end
		perport.setter("pattern", pl, function(_, cfg)
			cfg.pkt.pattern = pat
		end)
	end

	function pktgen.userPattern(...)
		arity("userPattern", select("#", ...), 2)
		local pl, str = ...
		str = tostring(str)
		str = string.match(str, '^"(.*)"$') or string.match(str, "^'(.*)'$") or str
		str = string.sub(str, 1, 16)
		perport.setter("userPattern", pl, function(_, cfg)
			cfg.pkt.user_pattern = str
			cfg.pkt.pattern = "user"
		end)
	end
end

return M
