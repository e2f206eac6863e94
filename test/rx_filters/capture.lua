--- Filtered capture and decoded captured packets: replays the mixed traffic file (`-s 0:file`,
-- $PG_FRAMES frames) once into port 1, which keeps only the TCP it gets from 198.51.100.7; checks
-- each kept packet's fields through the packet library and prints how many for
-- runtime/tests/rx_filters.rs to compare with tcpdump's count.
package.path = package.path .. ";" .. os.getenv("PG_TEST_LUA")
local engine = require "engine"
local t = require "testing"

local n = tonumber(os.getenv("PG_FRAMES"))
pktgen.screen("off")
pktgen.capture(1, "on", { filter = "tcp and src host 198.51.100.7" })
t.fails("capture: unknown option filtr", pktgen.capture, 0, "on", { filtr = "udp" })
pktgen.set(0, "count", n)
pktgen.pcap(0, "on")
pktgen.start(0)
t.wait_for("port 1 to receive the file", function() return engine.stats(1).rx_packets >= n end)
local got = pktgen.captured(1)
for _, pkt in ipairs(got) do
	t.eq("source", pkt.ipv4.src, "198.51.100.7")
	t.check(pkt.tcp ~= nil, "a TCP packet: %s", pkt:show())
end
print("captured\t" .. #got)

-- packets = 2 keeps the first two that match.
pktgen.capture(1, "on", { filter = "udp", packets = 2 })
pktgen.start(0)
t.wait_for("port 1 to receive the file again", function() return engine.stats(1).rx_packets >= 2 * n end)
local udp = pktgen.captured(1)
t.eq("udp packets kept", #udp, 2)
t.eq("first udp dport", udp[1].udp.dport, 53)
print("capture: ok")
