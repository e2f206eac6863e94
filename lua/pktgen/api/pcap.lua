--- PCAP replay (docs/LUA_API.md, section 8): `pcap(pl, onoff)` makes the file given with `-s P:file` the port's
-- send mode (exclusive with single, range and sequence; ignored, as in Pktgen, for a port without
-- a file), and our own `pcap_timing(pl, onoff)` replays it with the capture's inter-packet gaps
-- instead of at the port's rate.
local args = require "pktgen.internal.args"
local perport = require "pktgen.internal.perport"
local settings = require "pktgen.internal.settings"
local pcapfile = require "pktgen.internal.pcapfile"

local M = {}

function M.install(pktgen)
	local arity = args.arity

	function pktgen.pcap(...)
		arity("pcap", select("#", ...), 2)
		local pl, onoff = ...
		local on = args.onoff(onoff)
		perport.setter("pcap", pl, function(p, cfg)
			if on and pcapfile.file(p) then
				settings.mode(cfg, "pcap")
			elseif not on and cfg.mode == "pcap" then
				settings.mode(cfg, "single")
			end
		end)
	end

	function pktgen.pcap_timing(...)
		arity("pcap_timing", select("#", ...), 2)
		local pl, onoff = ...
		local on = args.onoff(onoff)
		perport.setter("pcap_timing", pl, function(_, cfg)
			cfg.pcap_timing = on
		end)
	end
end

return M
