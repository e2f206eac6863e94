--- A port's pcap file (given with `-s P:file`) and the engine stream spec that replays it.
local engine = require "engine"

local M = {}

--- The pcap file of port p, or nil.
function M.file(p)
	return (engine.pcap_files or {})[p]
end

--- The engine stream spec of a port in pcap mode.
function M.spec(cfg, rate)
	return { pcap = M.file(cfg.pid), pcap_gaps = cfg.pcap_timing or nil, rate = rate, count = cfg.count,
		burst = cfg.tx_burst }
end

return M
