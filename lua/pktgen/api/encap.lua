--- Encapsulations (docs/LUA_API.md, section 3): vlan, qinq, mpls, gre, gre_eth and vxlan exclude each other and
-- random bitfields (EXCLUSIVE_PKT_MODES); plus vxlan_id, gtpu_teid and rnd_s_ip / rnd_s_pt.
local args = require "pktgen.internal.args"
local perport = require "pktgen.internal.perport"
local settings = require "pktgen.internal.settings"

local M = {}

--- Enable or disable one encapsulation flag of cfg.pkt; enabling clears the others first.
function M.set(cfg, key, on)
	if on then
		settings.clear_pkt_modes(cfg)
	end
	cfg.pkt[key] = on
end

--- gtpu_teid's `what` words, as pktgen.range's (case-sensitive; others are ignored).
local WHAT = { start = "start", min = "min", minimum = "min", max = "max", maximum = "max",
	inc = "inc", increment = "inc" }

function M.install(pktgen)
	local arity = args.arity

	for _, key in ipairs(settings.ENCAPS) do
		pktgen[key] = function(...)
			arity(key, select("#", ...), 2)
			local pl, onoff = ...
			local on = args.onoff(onoff)
			perport.setter(key, pl, function(_, cfg)
				M.set(cfg, key, on)
			end)
		end
	end

	function pktgen.vxlan_id(...)
		arity("vxlan_id", select("#", ...), 4)
		local pl, flags, group, vni = ...
		-- Integers or numeric strings ('0x8' too), as Pktgen's strtoul(.., 0).
		flags = args.uint("vxlan_id", flags, "flags", 16)
		group = args.uint("vxlan_id", group, "group id", 16)
		local v = args.uint("vxlan_id", vni, "VNI")
		if v > 0xffffff then
			error(string.format("vxlan_id: VNI %s does not fit in 24 bits", tostring(vni)), 0)
		end
		perport.setter("vxlan_id", pl, function(_, cfg)
			cfg.pkt.vxlan_flags, cfg.pkt.vxlan_group, cfg.pkt.vxlan_vni = flags, group, v
		end)
	end

	function pktgen.gtpu_teid(...)
		arity("gtpu_teid", select("#", ...), 3)
		local pl, what, teid = ...
		local w = WHAT[what]
		teid = args.uint("gtpu_teid", teid, "TEID")
		perport.setter("gtpu_teid", pl, function(_, cfg)
			if not w or (w == "inc" and teid == 0) then
				return -- Pktgen ignores an unknown word and an increment of 0
			end
			cfg.range.gtpu_teid[w] = teid
			if w == "start" then
				-- The start is also the single packet's TEID, as range.dst_mac's start is its MAC.
				cfg.pkt.gtpu_teid = teid
			end
		end)
	end

	for _, key in ipairs { "rnd_s_ip", "rnd_s_pt" } do
		pktgen[key] = function(...)
			arity(key, select("#", ...), 2)
			local pl, onoff = ...
			local on = args.onoff(onoff)
			perport.setter(key, pl, function(_, cfg)
				cfg[key] = on
			end)
		end
	end
end

return M
