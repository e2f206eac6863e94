--- A port sending forever picks up setting changes at once; prime sends `prime` packets;
-- stop ends a forever stream; delay/sleep/pause wait without failing.
package.path = package.path ..";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

pktgen.reset("all")
pktgen.set(0, "rate", 1)
pktgen.start(0)
assert(pktgen.isSending(0)[0] == "y", "port 0 not sending after start")
pktgen.delay(200)
pktgen.set(0, "size", 600) -- applied to the running stream
pktgen.delay(100)
pktgen.clear(1)
pktgen.delay(300)
local sz = pktgen.portStats(1)[1].sizes
assert(sz._512_1023 > 0, "no 600-byte frames after set size on a running port")
pktgen.stop(0)
assert(pktgen.isSending(0)[0] == "n", "port 0 still sending after stop")

pktgen.clr()
pktgen.set(0, "prime", 3)
pktgen.prime(0)
pktgen.delay(100)
local n = pktgen.portStats(1)[1].curr.ipackets
assert(n == 3, "prime sent " .. n .. " packets, want 3")

pktgen.sleep(0.1)
sleep(0.1)
pktgen.pause("", 10)
pktgen.reset("all")
printf("live: ok\n")
