--- The `make run` demo: port 0 sends to port 1 (the embedded back-to-back pair) for a few
-- seconds at 10 % of the link, then both ports' counters are printed with `prints`.
package.path = package.path ..";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local seconds = 3

pktgen.screen("off")
pktgen.clr()
printf("Ports: %d, link %s\n", pktgen.portCount(), pktgen.linkState(0)[0])
pktgen.set(0, "size", 128)
pktgen.set(0, "rate", 10)
pktgen.set_proto(0, "udp")
printf("Sending 128-byte UDP frames from port 0 to port 1 at 10%% for %d seconds...\n", seconds)
pktgen.start(0)
for i = 1, seconds do
	pktgen.delay(1000)
	local r = pktgen.portStats("0-1", "rate")
	printf("  %ds: port 0 tx %d pps, port 1 rx %d pps\n", i, r[0].pkts_tx, r[1].pkts_rx)
end
pktgen.stop(0)
-- Let the last packets reach port 1 (waiting a second at most) before counting.
for _ = 1, 100 do
	local st = pktgen.portStats("0-1")
	if st[1].curr.ipackets >= st[0].curr.opackets then
		break
	end
	pktgen.delay(10)
end

local st = pktgen.portStats("0-1")
prints("portStats", st)
printf("port 0 sent %d packets, port 1 received %d\n", st[0].curr.opackets, st[1].curr.ipackets)
