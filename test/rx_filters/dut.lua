--- What a kernel DUT did with three flows (runtime/tests/rx_filters.rs sets up test/dut.sh's
-- namespace with iptables dropping UDP to port 7001 and SNATing UDP to port 7002 to 198.19.0.1):
-- port 0 sends $PG_N packets of each flow, interleaved; port 1's filters must see exactly the
-- forwarded flows and the rewritten source, in counts and in decoded captured packets.
package.path = package.path .. ";" .. os.getenv("PG_TEST_LUA")
local engine = require "engine"
local packet = require "packet"
local t = require "testing"

local N = tonumber(os.getenv("PG_N"))
pktgen.screen("off")
local rx = pktgen.rx
rx.add(1, "dropped", "udp dst port 7001")
rx.add(1, "natted", "udp dst port 7002 and src host 198.19.0.1")
rx.add(1, "natted_unchanged", "udp dst port 7002 and src host 198.18.0.2")
rx.add(1, "plain", "udp dst port 7003 and src host 198.18.0.2")
pktgen.capture(1, "on", { filter = "udp dst port 7002" })

local frames = {}
for i = 1, N do
	for _, dport in ipairs({ 7001, 7002, 7003 }) do
		local p = packet.Ether { dst = "02:00:c6:12:00:01", src = "02:00:c6:12:00:02" }
			/ packet.IPv4 { src = "198.18.0.2", dst = "198.19.0.2" }
			/ packet.UDP { sport = 10000 + i, dport = dport } / packet.Payload { size = 18 }
		frames[#frames + 1] = p:bytes()
	end
	if #frames >= 30 or i == N then
		engine.send(0, frames)
		frames = {}
	end
end

t.wait_for("the forwarded flows to arrive", function()
	local s = rx.stats(1)
	return s.natted.packets >= N and s.plain.packets >= N,
		string.format("natted %d, plain %d", s.natted.packets, s.plain.packets)
end, 30)
local s = rx.stats(1)
-- The dropped flow was sent between the others: had the DUT forwarded it, it would be here.
t.eq("dropped flow on port 1", s.dropped.packets, 0)
t.eq("natted flow with its old source", s.natted_unchanged.packets, 0)
t.eq("natted flow", s.natted.packets, N)
t.eq("plain flow", s.plain.packets, N)
local got = pktgen.captured(1)
t.eq("captured natted packets", #got, N)
for _, pkt in ipairs(got) do
	t.eq("rewritten source", pkt.ipv4.src, "198.19.0.1")
	t.eq("destination", pkt.ipv4.dst, "198.19.0.2")
end
print("dut: ok")
