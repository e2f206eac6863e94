--- RFC 2544 against a real device under test: the Linux kernel forwarding IPv4 between two veth
-- pairs in a network namespace (test/dut.sh), its egress shaped by tbf to a known rate. Checks the
-- NDR against the shaper's packet rate for two sizes (one way and both ways), the loss curve
-- where the shaper drops, the delay a full tbf queue adds, and the DUT's buffer as the longest
-- back-to-back burst. Run by runtime/tests/rfc2544.rs; by hand (as root, from the repository's
-- root, about a minute):
--   test/dut.sh up && target/release/pktgen --vdev net_af_packet0,iface=pgdutp0 \
--     --vdev net_af_packet1,iface=pgdutp1 -- --exit -f test/rfc2544_dut.lua; test/dut.sh down
-- DUT_NAME names the DUT (default pgdut); RFC2544_OUTPUT is a prefix for the report's files.
package.path = package.path .. ";test/?.lua"
local t = require "testing"
local check = t.check
local rfc2544 = require "rfc2544"

local NAME = os.getenv("DUT_NAME") or "pgdut"
local RATE = 16e6                -- the shaper: 16 Mbit/s of frames without FCS, as tbf counts them
local SIZES = { 64, 512 }

--- (Re)shapes the DUT with `burst` bytes of tbf bucket and `latency` of queue; returns dut.sh's
-- settings (MACs and addresses) as a table.
local function shape(burst, latency)
	local cmd = string.format("DUT_RATE=%dbit DUT_BURST=%d DUT_LATENCY=%s test/dut.sh up %s", math.floor(RATE), burst,
		latency, NAME)
	local f = assert(io.popen(cmd))
	local text = f:read("a")
	local ok = f:close()
	check(ok, "%s failed:\n%s", cmd, text)
	local s = {}
	for k, v in string.gmatch(text, "([%w_]+)=(%S+)") do
		s[k] = v
	end
	check(s.dut0_mac and s.port1_ip, "no settings from %s:\n%s", cmd, text)
	return s
end

--- The shaper's rate in frames per second for frames of `size` bytes (with FCS).
local function shaper_pps(size)
	return RATE / ((size - 4) * 8)
end

--- `pps` as % of port 0's line rate for `size`.
local function pct(pps, size)
	return pps * 100 / (10e9 / ((size + 20) * 8))
end

--- Judges an NDR of `got` pps per port against the shaper's `want`: never above it (more frames
-- than the shaper passes cannot all cross a 2 s trial), and not below it unless a search trial
-- lost frames at a rate under the shaper's. The DUT is this machine's kernel: starved of CPU, it
-- drops what it cannot forward, and then its NDR is lower than its shaper's; that is reported and
-- the lower bound left out, as it measures the machine, not pktgen.
local function judge_ndr(what, got, want, trials, size, ports)
	print(string.format("NDR %s %.0f pps, shaper %.0f pps (%+.2f %%)", what, got, want, (got / want - 1) * 100))
	check(got <= want * 1.05, "%s: NDR %.0f pps is more than 5 %% above the shaper's %.0f pps", what, got, want)
	for _, tr in ipairs(trials) do
		if tr.test == "throughput" and tr.size == size and tr.loss > 0 and tr.offered_pps / ports < want * 0.95 then
			print(string.format("%s: the DUT lost %d frames at %.0f pps per port, under its shaper: its own limit, the lower bound is not judged",
				what, tr.loss, tr.offered_pps / ports))
			return
		end
	end
	check(got >= want * 0.95, "%s: NDR %.0f pps is more than 5 %% below the shaper's %.0f pps", what, got, want)
end

pktgen.screen("off")
-- Phase 1, the search: a bucket and a queue of 16 ms and 28 ms at the shaper's rate absorb the
-- scheduling hiccups of a busy 2-CPU machine, and 2 s trials keep the overshoot they allow
-- (both together, 44 ms) near 2 %.
local BUCKET1, QUEUE1 = 16000, 0.020
local s = shape(BUCKET1, string.format("%dms", QUEUE1 * 1000))
pktgen.set_mac(0, "dst", s.dut0_mac)
pktgen.set_ipaddr(0, "src", s.port0_ip .. "/24")
pktgen.set_ipaddr(0, "dst", s.port1_ip)
pktgen.set_mac(1, "dst", s.dut1_mac)
pktgen.set_ipaddr(1, "src", s.port1_ip .. "/24")
pktgen.set_ipaddr(1, "dst", s.port0_ip)

local r = rfc2544.run {
	title = "RFC 2544 through the kernel, tbf at 16 Mbit/s",
	sizes = SIZES, tests = { "throughput", "latency", "loss" },
	duration = 2000, confirm = 2000, settle = 300,
	-- rate_max puts the loss curve's 100 % at 2.2 to 3 times the shaper's rate.
	rate_max = 0.5, resolution = 0.002, loss_duration = 500,
	-- A stall of this busy machine's sender or kernel looks like loss; one more run tells.
	retries = 1,
	output = os.getenv("RFC2544_OUTPUT"),
}
-- Each failing search trial was run once more at the same rate.
local k = 1
while k <= #r.trials do
	local tr = r.trials[k]
	if tr.test == "throughput" and tr.pass == false then
		local again = r.trials[k + 1]
		check(again and again.test == "throughput" and again.rate == tr.rate, "trial %d failed and was not run again", k)
		k = k + 2
	else
		k = k + 1
	end
end
for _, z in ipairs(r.sizes) do
	local want, got = shaper_pps(z.size), z.throughput.pps
	judge_ndr(z.size .. "B", got, want, r.trials, z.size, 1)
	-- Where the shaper drops, more load loses more; the curve ends with two clean steps. A step
	-- whose senders offered less than it asked (sender-limited: this machine's CPUs, not the
	-- DUT) measures the senders, so only the other steps are judged. The shaper's bucket and
	-- queue let `extra` frames more through a trial than its rate does: that is the margin.
	local curve = z.loss
	check(#curve >= 4, "%dB: %d loss steps", z.size, #curve)
	check(curve[#curve].loss_pct == 0 and curve[#curve - 1].loss_pct == 0, "%dB: two clean steps end the curve", z.size)
	local extra = (BUCKET1 + QUEUE1 * RATE / 8) / (z.size - 4)
	local judged = {}
	for _, st in ipairs(curve) do
		if st.limited then
			print(string.format("%dB: loss step %g %% sender-limited (%.0f pps offered), not judged", z.size, st.step,
				st.pps))
		else
			judged[#judged + 1] = st
		end
	end
	table.sort(judged, function(a, b) return a.pps > b.pps end)
	-- What the shaper predicts a step loses (what it passes at its rate), and what its bucket and
	-- queue let through on top in one trial.
	local function predicted(st) return math.max(0, (1 - want / st.pps) * 100) end
	local function bucket(st) return extra * 100 / math.max(st.tx, 1) end
	-- The DUT's own losses: a trial under the shaper's rate that lost frames, or a step that lost
	-- more than the shaper predicts. This machine's kernel, starved of CPU, drops what it cannot
	-- forward, which pktgen does not control: then only the bounds below are judged, where a
	-- count that pktgen got wrong would show as well.
	local own
	for _, tr in ipairs(r.trials) do
		if tr.size == z.size and tr.loss > 0 and tr.offered_pps < want * 0.95 then
			own = own or string.format("%s lost %d frames at %.0f pps", tr.test, tr.loss, tr.offered_pps)
		end
	end
	for _, st in ipairs(judged) do
		if st.loss_pct > predicted(st) + 2 then
			own = own or string.format("step %g %% lost %.3f %% at %.0f pps, the shaper %.3f %%", st.step, st.loss_pct,
				st.pps, predicted(st))
		end
	end
	if own then
		print(string.format("%dB: the DUT lost frames of its own (%s): upper bounds not judged", z.size, own))
	else
		for i = 2, #judged do
			local hi, lo = judged[i - 1], judged[i]
			check(lo.loss_pct <= 0 or hi.loss_pct + bucket(lo) >= lo.loss_pct,
				"%dB: loss %.3f %% at %.0f pps offered, but %.3f %% at %.0f pps (margin %.3f %%)", z.size, hi.loss_pct,
				hi.pps, lo.loss_pct, lo.pps, bucket(lo))
		end
	end
	-- At the highest judged load above the shaper, the shaper passes its own rate and the bucket
	-- and queue their frames; the rest is lost.
	local top = judged[1]
	check(top and top.pps > want * 1.05, "%dB: no step offered more than the shaper passes without being sender-limited",
		z.size)
	local expect, margin = predicted(top), bucket(top)
	print(string.format("%dB: %.3f %% lost at %.0f pps, the shaper predicts %.3f %% (-%.3f %% for its bucket)", z.size,
		top.loss_pct, top.pps, expect, margin))
	check(top.loss_pct >= expect - margin - 2 and (own or top.loss_pct <= expect + 2),
		"%dB: %.3f %% lost at %.0f pps, the shaper predicts %.3f %% less up to %.3f %% for its bucket and queue",
		z.size, top.loss_pct, top.pps, expect, margin)
	check(z.latency.count > 0 and z.latency.p50 <= z.latency.p99, "%dB: latency at the NDR", z.size)
end

-- Phase 2, both ways: each direction has its own shaper, so each port's NDR is the shaper's.
local both, both_trials = rfc2544.throughput { sizes = { 64 }, bidirectional = true, duration = 2000, confirm = 0,
	settle = 300, rate_max = 0.5, resolution = 0.002, retries = 1 }
judge_ndr("both ways 64B per port", both[1].throughput.pps / 2, shaper_pps(64), both_trials, 64, 2)

-- Phase 3, delay: offered 1.5 times the shaper's rate, the tbf queue stays full and every frame
-- that gets through waited for it: latency (D) plus the bucket drained ahead of it (burst/rate).
-- docs/RFC2544.md: the bound is that bucket plus the path (5 to 11 us quiet; measured below).
local D, BURST = 20e6, 4000
shape(BURST, "20ms")
-- The path's own delay on this machine now (the kernel's forwarding, which a busy machine slows):
-- a trial at a tenth of the shaper's rate, where the bucket passes every frame at once. The
-- bound is the bucket plus twice the path's p99, and never less than 1 ms for the path.
local idle = rfc2544.latency { sizes = { 64 }, latency_rate = pct(0.1 * shaper_pps(64), 64), duration = 1000,
	settle = 300 }
local path = idle[1].latency.p99
print(string.format("path delay p99 %.3f ms at a tenth of the shaper's rate", path / 1e6))
local bound = BURST * 8 / RATE * 1e9 + math.max(1e6, 2 * path)
for _, size in ipairs(SIZES) do
	local l = rfc2544.latency { sizes = { size }, latency_rate = pct(1.5 * shaper_pps(size), size), duration = 1000,
		settle = 300 }
	local p50 = l[1].latency.p50
	print(string.format("delay %dB p50 %.3f ms (D %.0f ms, bound %.3f ms)", size, p50 / 1e6, D / 1e6, bound / 1e6))
	check(p50 >= D and p50 <= D + bound, "%dB: p50 %.3f ms outside %.0f ms .. +%.3f ms", size, p50 / 1e6, D / 1e6,
		bound / 1e6)
end

-- Phase 4, back-to-back: the longest burst forwarded whole is at least what the bucket and the
-- queue hold, and a longer one loses frames.
local b = rfc2544.back_to_back { sizes = { 64 }, b2b_max = 100000, b2b_repeats = 2, settle = 300, retries = 1 }
local held = (BURST + (D / 1e9 * RATE / 8 + BURST)) / 60
local bb = b[1].back_to_back
print(string.format("back-to-back 64B %.1f frames (buffer %.0f frames)", bb.frames, held))
check(not bb.unlimited and bb.min >= held * 0.98, "back-to-back %d..%d frames, the DUT holds %.0f", bb.min, bb.max, held)

print("rfc2544_dut: ok")
