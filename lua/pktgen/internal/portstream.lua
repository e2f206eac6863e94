--- The port's own stream (Pktgen's single, range, sequence or pcap mode) in engine slot 0, with
-- its latency probes in slot PROBE when its frames have no room for a stamp. Other slots hold
-- the streams of pktgen.streams.
local engine = require "engine"

local M = {}

--- The engine slot of the port's own stream, and of its latency probes.
M.SLOT = engine.slots.own
M.PROBE = engine.slots.probe

--- Starts the port's own stream from its settings (with its probes, if it needs them).
function M.start(p, cfg)
	local spec, probe = require("pktgen.internal.streamspec").spec(cfg)
	-- The probes start in the same step as the stream they end with (a later start could find
	-- a short stream already ended, and send none).
	if probe then
		engine.stream_start(p, M.SLOT, spec, M.PROBE, probe)
	else
		engine.stream_start(p, M.SLOT, spec)
	end
end

--- Stops the port's own stream and its probes; the port's other streams go on.
function M.stop(p)
	engine.stream_stop(p, M.SLOT)
	engine.stream_stop(p, M.PROBE)
end

--- Whether the port's own stream is sending.
function M.sending(p)
	return engine.stream_sending(p, M.SLOT)
end

--- Starts the port's own stream again with its current settings, if it was sending.
function M.restart(p, cfg)
	if M.sending(p) then
		M.stop(p)
		M.start(p, cfg)
	end
end

--- latencyProbes(pl)[p]: the probes sent beside the port's own stream since it last started:
-- {probes, share} (share of the frames the port sent for the stream, 0..1).
function M.probes(p)
	local probes = engine.stream_stats(p, M.PROBE).tx_packets
	local traffic = engine.stream_stats(p, M.SLOT).tx_packets
	local total = probes + traffic
	return { probes = probes, share = total > 0 and probes / total or 0 }
end

return M
