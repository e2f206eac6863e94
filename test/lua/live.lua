--- A port sending forever picks up setting changes at once; prime sends `prime` packets;
-- stop ends a forever stream; delay/sleep/pause wait without failing.
package.path = package.path ..";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local t = require "testing"

pktgen.reset("all")
pktgen.set(0, "rate", 1)
pktgen.start(0)
assert(pktgen.isSending(0)[0] == "y", "port 0 not sending after start")
t.wait_for("port 1 to receive", function() return pktgen.portStats(1)[1].curr.ipackets > 0 end)
t.eq("600-byte frames before set size", pktgen.portStats(1)[1].sizes._512_1023, 0)
pktgen.set(0, "size", 600) -- applied to the running stream
t.wait_for("600-byte frames after set size on a running port",
	function() return pktgen.portStats(1)[1].sizes._512_1023 > 0 end)
pktgen.stop(0)
assert(pktgen.isSending(0)[0] == "n", "port 0 still sending after stop")

pktgen.clr()
pktgen.set(0, "prime", 3)
pktgen.prime(0)
t.wait_for("the primed packets", function() return pktgen.portStats(1)[1].curr.ipackets >= 3 end)
local n = pktgen.portStats(1)[1].curr.ipackets
assert(n == 3, "prime sent " .. n .. " packets, want 3")

pktgen.sleep(0.1)
sleep(0.1)
pktgen.pause("", 10)
pktgen.reset("all")
printf("live: ok\n")
