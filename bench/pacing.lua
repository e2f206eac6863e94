--- Pacing quality on the embedded default (bench/run.sh runs it in several processes): a stream
-- of 64-byte UDP frames at 500 kpps and at 1 Mpps, with each catch-up policy, for 2 s, from
-- pktgen.streams and from the port's own stream (the Pktgen surface: rate in percent, stamps on);
-- the departure times come from the stamps the receiver captured (the TSC each TX burst
-- carries), so packets sent in one burst show as back to back. Prints one JSON line per case.
local engine = require "engine"
local hz = engine.tsc_hz()

local function tsc(p)
	return (string.unpack("<I8", p.data, #p.data - 7)) & 0xffffffffffff
end

--- Sends 2 s of `pps` from pktgen.streams (own: from the port's own stream) with `policy`;
-- returns the stream's {tx_packets, tx_skipped} and the packets port 1 captured.
local function send(pps, policy, own)
	local name = string.format("pace%d%s", pps, policy)
	if own then
		pktgen.set(0, "rate", pps * (64 + 20) * 8 / (engine.info(0).speed * 1e6) * 100)
		pktgen.set(0, "catch_up", policy)
	else
		pktgen.streams.add(0, { name = name, size = 64, proto = "udp", rate = { pps = pps }, catch_up = policy })
	end
	engine.clear(1)
	engine.capture_start(1, { snaplen = 64, packets = math.floor(pps * 2.5) })
	local st
	if own then
		pktgen.start(0)
		pktgen.delay(2000)
		pktgen.stop(0)
		st = engine.stream_stats(0, 0)
	else
		pktgen.streams.start(0, name)
		pktgen.delay(2000)
		pktgen.streams.stop(0, name)
		st = pktgen.streams.stats(0, name)
		pktgen.streams.remove(0, name)
	end
	pktgen.delay(100)
	local _, _, packets = engine.capture_stop(1)
	return st, packets
end

local function case(pps, policy, own)
	local st, packets = send(pps, policy, own)
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
	print(string.format('{"case":"%s%d pps %s","w64":%.2f,"w128":%.2f,"w256":%.2f,"w512":%.2f,"b2b":%.2f,"stalls":%d,"skipped":%d,"sent":%d}',
		own and "port's own stream, " or "", pps, policy, pct(within[64]), pct(within[128]), pct(within[256]), pct(within[512]), pct(b2b), stalls,
		st.tx_skipped, st.tx_packets))
end

for _, pps in ipairs({ 500000, 1000000 }) do
	for _, policy in ipairs({ "smooth", "exact" }) do
		case(pps, policy)
	end
end
-- The Pktgen surface: 64-byte UDP frames with a stamp in every one, at 500 kpps.
pktgen.set(0, "size", 64)
pktgen.set_proto(0, "udp")
pktgen.set(0, "count", 0)
pktgen.latency(0, "on")
for _, policy in ipairs({ "smooth", "exact" }) do
	case(500000, policy, true)
end
