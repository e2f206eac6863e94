--- Latency on the embedded default: port 0 sends stamped UDP to port 1, then the histogram,
-- its percentiles, the legacy pktStats latency fields and an HdrHistogram log are printed.
package.path = package.path .. ";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

pktgen.screen("off")
pktgen.clr()
pktgen.set(0, "size", 128)
pktgen.set(0, "rate", 5)
pktgen.set(0, "count", 200000)
pktgen.set_proto(0, "udp")
pktgen.latency("0-1", "on")
pktgen.jitter("0-1", 20)
pktgen.start(0)
-- Wait for port 0 to finish and port 1 to count every packet: its worker publishes a burst's
-- latencies before its own packet count, so then the histogram holds every stamp.
local t = require "testing"
t.wait_for("port 0 to finish sending", function() return pktgen.isSending(0)[0] == "n" end, 30)
t.wait_for("port 1 to receive every packet",
	function() return pktgen.portStats(1)[1].qstats[0].ipackets >= 200000 end)

local h = pktgen.latencyHistogram(1)
h:print("Latency, port 0 -> port 1")
local p = h:percentiles({ 50, 90, 99, 99.9, 99.99 })
printf("p50 %d ns, p99 %d ns, p99.99 %d ns over %d packets\n", p[50], p[99], p[99.99], h:count())
printf("lost %d, reordered %d, duplicate %d\n", h.lost, h.reordered, h.duplicate)
prints("pktStats latency", pktgen.pktStats(1)[1].latency)
local path = os.tmpname() .. ".hlog"
h:save(path, "port1")
printf("HdrHistogram interval log written to %s\n", path)
printf("%s", string.sub(h:csv(), 1, 200))
