--- How long rfc2544's full 7-size throughput search takes on the embedded default with the
-- default settings, and how its NDR compares with the engine's measured maximum: each size sent
-- unpaced for 3 s, with and without a stamp on every frame (the search stamps every frame).
-- Run: target/release/pktgen --exit -f bench/rfc2544.lua  (about 10 minutes; prints Markdown;
-- RFC2544_BENCH=search or =max runs one half)
local engine = require "engine"
local config = require "pktgen.internal.config"
local streamspec = require "pktgen.internal.streamspec"
local rfc2544 = require "rfc2544"

pktgen.screen("off")

--- Frames per second port 1 receives while port 0 sends UDP frames of `size` unpaced for `secs`.
local function unpaced(size, stamped, secs)
	local cfg = config.get(0)
	local c = {}
	for k, v in pairs(cfg) do
		c[k] = v
	end
	c.pkt = config.copy_pkt(cfg.pkt)
	c.pkt.size, c.pkt.proto, c.count = size, "udp", 0
	c.latency = stamped and { on = true, rate_us = 0, entropy = 0, jitter_us = 50 } or nil
	local spec = streamspec.spec(c)
	spec.rate = nil
	engine.clear(0)
	engine.clear(1)
	engine.start(0, spec)
	engine.sleep(500)
	local rx0, t0 = engine.stats(1).rx_packets, engine.now()
	engine.sleep(secs * 1000)
	local rx1, t1 = engine.stats(1).rx_packets, engine.now()
	engine.stop(0)
	return (rx1 - rx0) / (t1 - t0)
end

local which = os.getenv("RFC2544_BENCH") or "all"   -- "search", "max" or "all"

if which ~= "max" then
	local r = rfc2544.run { tests = { "throughput" } }
	print()
	print(string.format("Full 7-size throughput search, default settings: %.0f s (%.1f min), %d trials.",
		r.seconds, r.seconds / 60, #r.trials))
	print()
end

if which ~= "search" then
	-- The search with the ring's nominal 10 Gb/s lifted to 1 Tb/s, so that the senders, not the
	-- link, are the limit (3 s trials, no confirmation: the first trial is sender-limited and ends
	-- the search), between two measurements of the engine's unpaced maximum, as the machine's
	-- speed drifts from one minute to the next.
	print("| size | unpaced max before, no stamp / stamped | NDR, link lifted | unpaced max after, stamped | NDR / stamped max |")
	print("|---|---|---|---|---|")
	for _, size in ipairs(rfc2544.SIZES) do
		local plain, before = unpaced(size, false, 3), unpaced(size, true, 3)
		local l = rfc2544.throughput { sizes = { size }, line_rate = 1e6, duration = 3000, confirm = 0,
			progress = false }
		local ndr = l[1].throughput.pps
		local after = unpaced(size, true, 3)
		print(string.format("| %d | %.2f / %.2f Mpps | %.2f Mpps | %.2f Mpps | %.2f |", size, plain / 1e6,
			before / 1e6, ndr / 1e6, after / 1e6, ndr * 2 / (before + after)))
	end
end
