--- One stream over however many TX queues the port has (the suite runs this with one queue;
-- runtime/tests/queues.rs with 2 and 4, and with a -m matrix that splits RX and TX lcores, on
-- more lcores than CPUs): exact counts split over the queues, the same packets as one queue
-- would send, the total rate, latency without loss, and answers from an RX lcore's own queue.
package.path = package.path .. ";test/?.lua"
local t = require "testing"
local engine = require "engine"
local streamspec = require "pktgen.internal.streamspec"
local config = require "pktgen.internal.config"

local layout = pktgen.portLayout("0-1")
local nq = layout[0].tx_queues
print(string.format("queues: port 0 sends on %d (lcores %s)", nq, table.concat(layout[0].tx_lcores, ",")))

local function received(n)
	t.wait_for("port 1 to receive " .. n, function() return engine.stats(1).rx_packets >= n end)
	t.eq("port 1 received", engine.stats(1).rx_packets, n)
end

-- 1. A count is the total: every queue sends its share, port 1 gets exactly that many.
local N = 100003
pktgen.set(0, "size", 64)
pktgen.set(0, "rate", 100)
pktgen.clr()
t.send(N)
received(N)
local q0, q1 = pktgen.portStats(0)[0].qstats, pktgen.portStats(1)[1].qstats
local sent, got = 0, 0
for q = 0, nq - 1 do
	local share = N // nq + (q < N % nq and 1 or 0)
	t.eq("queue " .. q .. " sent its share", q0[q].opackets, share)
	t.eq("queue " .. q .. "'s lcore", engine.queues(0)[q + 1].tx_lcore, layout[0].tx_lcores[q + 1])
	sent, got = sent + q0[q].opackets, got + q1[q].ipackets
end
t.eq("the queues' sum", sent, N)
t.eq("port 1's queues' sum", got, N)
t.eq("portStats opackets", pktgen.portStats(0)[0].curr.opackets, N)

-- 2. Range mode: the queues together send the packets one queue would, walks and sizes alike.
local function walk(v, min, max, step)
	v = v + step
	if v > max then
		return min
	elseif v < min then
		return max
	end
	return v
end

local function be(s, at, w)
	local v = 0
	for i = at + 1, at + w do
		v = v * 256 + s:byte(i)
	end
	return v
end

local function range_run(n, sizes)
	pktgen.set_range(0, "on")
	pktgen.range.pkt_size(0, "inc", sizes and 7 or 0)
	local spec = streamspec.spec(config.get(0))
	t.check(#spec.fields >= 3, "the range walks %d fields", #spec.fields)
	-- One queue's sequence, walked here independently of the engine.
	local want, cur, size = {}, {}, spec.size and spec.size.start
	for i, f in ipairs(spec.fields) do
		cur[i] = f.start
	end
	for _ = 1, n do
		local key = tostring(size or 0)
		for i, f in ipairs(spec.fields) do
			key = key .. "/" .. cur[i]
			cur[i] = walk(cur[i], f.min, f.max, f.step)
		end
		want[key] = (want[key] or 0) + 1
		if spec.size then
			size = walk(size, spec.size.min, spec.size.max, spec.size.step)
		end
	end
	engine.clear(1)
	engine.capture_start(1)
	t.send(n)
	received(n)
	local count, dropped, packets = engine.capture_stop(1)
	t.eq("captured", count, n)
	t.eq("capture dropped", dropped, 0)
	for _, p in ipairs(packets) do
		local key = tostring(spec.size and p.len or 0)
		for _, f in ipairs(spec.fields) do
			key = key .. "/" .. be(p.data, f.offset, f.width)
		end
		t.check(want[key] and want[key] > 0, "packet %s is not one a single queue sends (or came too often)", key)
		want[key] = want[key] - 1
	end
	pktgen.set_range(0, "off")
end

range_run(4099, false) -- fields only: the linear builder
range_run(2053, true) -- with a size walk: a packet at a time

-- 3. A rate is the port's total: 0.5 % of 10 Gb/s at 64 bytes, 74405 packets per second over
-- every queue. The schedule's rate (sent, and skipped after a stall of a queue's lcore: this runs
-- with more lcores than CPUs) as a slope over two seconds of readings.
local rate_pct, frame = 0.5, 64
local target = 10e9 * rate_pct / 100 / ((frame + 20) * 8)
pktgen.set(0, "rate", rate_pct)
pktgen.set(0, "count", 0)
pktgen.start(0)
pktgen.delay(300)
local rate = t.rates(function()
	return engine.stats(0).tx_packets + engine.stream_stats(0, 0).tx_skipped
end, 2)
pktgen.stop(0)
print(string.format("rate: %.0f pps for a target of %.0f (%+.3f %%)", rate, target, (rate / target - 1) * 100))
t.check(math.abs(rate / target - 1) < 0.005, "rate %.0f pps is not within 0.5 %% of %.0f", rate, target)

-- 4. Latency: each queue stamps its own sequence, so parallel queues lose and reorder nothing.
pktgen.set(0, "rate", 100)
pktgen.set(0, "size", 128)
pktgen.latency("0-1", "on")
pktgen.clr()
t.send(50000)
received(50000)
t.wait_for("every stamp counted", function() return engine.latency(1).count == 50000 end)
local l = engine.latency(1)
t.eq("lost", l.lost, 0)
t.eq("reordered", l.reordered, 0)
t.eq("duplicate", l.duplicate, 0)
pktgen.latency("0-1", "off")

-- 5. The responder answers from the RX lcore's own TX queue, whatever lcores send the stream.
pktgen.process(1, "on")
pktgen.icmp_echo(1, "on")
pktgen.clr()
pktgen.send_arp(0, "req")
pktgen.ping4(0)
t.wait_for("port 1's answers at port 0", function()
	local k = engine.stats(0).kinds
	return k.arp >= 1 and k.echo >= 1
end)
t.eq("answers port 1 sent", engine.stats(1).tx_extra, 2)
pktgen.process(1, "off")
pktgen.icmp_echo(1, "off")

print("queues: ok")
