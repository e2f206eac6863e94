--- Answering and learning on the receive side (docs/LUA_API.md, section 8): `process` (answer ARP for the port's source
-- IPv4 address), `icmp_echo` (answer ICMP echo requests to it) and the global `mac_from_arp`
-- (learn MACs from ARP on every port; a port whose destination IP has a learned MAC sends to it).
local args = require "pktgen.internal.args"
local perport = require "pktgen.internal.perport"
local responder = require "pktgen.internal.responder"

local M = {}

function M.install(pktgen)
	local arity = args.arity
	local function flag(name, key)
		pktgen[name] = function(...)
			arity(name, select("#", ...), 2)
			local pl, onoff = ...
			local on = args.onoff(onoff)
			perport.port(name, pl, function(p, cfg)
				cfg[key] = on
				responder.apply(p, cfg)
			end)
		end
	end
	flag("process", "process")
	flag("icmp_echo", "icmp_echo")

	function pktgen.mac_from_arp(...)
		arity("mac_from_arp", select("#", ...), 1)
		responder.learn(args.onoff((...)))
	end
end

return M
