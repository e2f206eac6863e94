--- Single packets sent on their own from the port's template: send_arp (request or gratuitous),
-- its IPv6 twin send_ns (a neighbour solicitation) and ping4 (one ICMPv4 echo request). They are
-- injected beside the port's stream (engine.send), so they work while the port sends.
local engine = require "engine"
local args = require "pktgen.internal.args"
local perport = require "pktgen.internal.perport"
local config = require "pktgen.internal.config"
local streamspec = require "pktgen.internal.streamspec"
local arp = require "proto.arp"
local ethernet = require "proto.ethernet"
local frames = require "pktgen.internal.frames"
local responder = require "pktgen.internal.responder"

local M = {}


--- The ARP frame: broadcast, padded with zeros to the port's frame size.
function M.arp_frame(pkt, gratuitous)
	local body = gratuitous and arp.gratuitous(pkt.src_mac, pkt.src_ip.addr)
		or arp.request(pkt.src_mac, pkt.src_ip.addr, pkt.dst_ip.addr)
	local data = ethernet.header(string.rep("\255", 6), pkt.src_mac, ethernet.TYPE_ARP) .. body
	local len = math.max(config.MIN_SIZE - config.FCS, #data)
	return { data = data .. string.rep("\0", len - #data), checksums = {}, lengths = {} }
end

function M.install(pktgen)
	local arity = args.arity

	function pktgen.send_arp(...)
		arity("send_arp", select("#", ...), 2)
		local pl, kind = ...
		-- Pktgen: a kind starting with g is gratuitous, anything else a request.
		local grat = string.lower(string.sub(tostring(kind), 1, 1)) == "g"
		perport.port("send_arp", pl, function(p, cfg)
			engine.send(p, { M.arp_frame(cfg.pkt, grat).data })
		end)
	end

	function pktgen.send_ns(...)
		arity("send_ns", select("#", ...), 1, 2)
		local pl, target = ...
		if target ~= nil then
			local ip = args.parse_ip(target)
			if not ip or ip.v ~= 6 then
				error(string.format("send_ns: target must be an IPv6 address, got '%s'", tostring(target)), 0)
			end
			target = args.ip_string(ip.addr)
		end
		perport.port("send_ns", pl, function(p, cfg)
			engine.solicit(p, args.ip_string(cfg.pkt.src_ip6.addr), target or args.ip_string(cfg.pkt.dst_ip6.addr))
		end)
	end

	function pktgen.ping4(...)
		arity("ping4", select("#", ...), 1)
		perport.port("ping4", (...), function(p, cfg)
			local pkt = config.copy_pkt(cfg.pkt)
			pkt.eth_type, pkt.proto = "ipv4", "icmp"
			engine.send(p, { frames.finish(streamspec.frame(responder.resolve(p, pkt))) })
		end)
	end
end

return M
