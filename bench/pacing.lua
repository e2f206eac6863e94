--- Pacing quality on the embedded default (bench/run.sh runs it in several processes): a stream
-- of 64-byte UDP frames at 500 kpps and at 1 Mpps, with each catch-up policy, for 2 s; the
-- departure times come from the stamps the receiver captured (the TSC each TX burst carries),
-- so packets sent in one burst show as back to back. Prints one JSON line per case.
local engine = require "engine"
local hz = engine.tsc_hz()

local function tsc(p)
	return (string.unpack("<I8", p.data, #p.data - 7)) & 0xffffffffffff
end

local function case(pps, policy)
	local name = string.format("pace%d%s", pps, policy)
	pktgen.streams.add(0, { name = name, size = 64, proto = "udp", rate = { pps = pps }, catch_up = policy })
	engine.clear(1)
	engine.capture_start(1, { snaplen = 64, packets = math.floor(pps * 2.5) })
	pktgen.streams.start(0, name)
	pktgen.delay(2000)
	pktgen.streams.stop(0, name)
	local st = pktgen.streams.stats(0, name)
	pktgen.delay(100)
	local _, _, packets = engine.capture_stop(1)
	pktgen.streams.remove(0, name)
	local target = 1e9 / pps
	local within = { [64] = 0, [128] = 0, [256] = 0, [512] = 0 }
	local b2b, stalls, n = 0, 0, 0
	for i = 2, #packets do
		local gap = (tsc(packets[i]) - tsc(packets[i - 1])) * 1e9 / hz
		n = n + 1
		for w in pairs(within) do
			if math.abs(gap - target) <= w then
				within[w] = within[w] + 1
			end
		end
		if gap < 1 then
			b2b = b2b + 1
		end
		if gap > 10 * target then
			stalls = stalls + 1
		end
	end
	local pct = function(x) return n > 0 and x / n * 100 or 0 end
	print(string.format('{"case":"%d pps %s","w64":%.2f,"w128":%.2f,"w256":%.2f,"w512":%.2f,"b2b":%.2f,"stalls":%d,"skipped":%d,"sent":%d}',
		pps, policy, pct(within[64]), pct(within[128]), pct(within[256]), pct(within[512]), pct(b2b), stalls,
		st.tx_skipped, st.tx_packets))
end

for _, pps in ipairs({ 500000, 1000000 }) do
	for _, policy in ipairs({ "smooth", "exact" }) do
		case(pps, policy)
	end
end
